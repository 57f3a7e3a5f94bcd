/* results.c - results.csv, results.xlsx and summary.json from a journal's
 * outcomes (reports/results.h). */
#include "reports/results.h"

#include "graph/requirements.h"
#include "mfa/util/csvw.h"
#include "mfa/util/outfile.h"
#include "mfa/model/sink.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define VERIFY_BACKLOG 2000

enum { COL_SEQ, COL_ID, COL_UPN, COL_FROM, COL_TO, COL_OUTCOME, COL_OBSERVED, COL_STATUS,
       COL_ATTEMPTS, COL_ERROR, COL_VERIFIED, NCOLS };

static const char *const col_names[NCOLS] = {
	"seq", "id", "userPrincipalName", "from", "to", "outcome", "observed", "status",
	"attempts", "error", "verified",
};

static const double col_widths[NCOLS] = { 8, 38, 36, 20, 12, 10, 20, 7, 8, 50, 9 };

struct writer {
	struct mfa_outfile csv;
	struct mfa_csvw w;
	lxw_workbook *wb;
	char *xlsx_tmp, *xlsx_final;
	lxw_worksheet *sheet;
	lxw_format *bold;
	unsigned long sheet_rows, rows_per_sheet;
	int nsheets;
	struct mfa_results *res;
	struct mfa_reqs *reqs;
	struct mfa_http *http;
	size_t pending;
	int failed;
	char errmsg[MFA_ERR_MAX];
};

/* One results row; strings owned. */
struct row {
	struct writer *w;
	unsigned long seq;
	char *id, *upn, *error;
	enum mfa_state from, to, observed;
	enum mfa_outcome outcome;
	long status;
	unsigned attempts;
};

static int new_sheet(struct writer *w)
{
	char name[32];
	int c;

	w->nsheets++;
	if (w->nsheets == 1)
		snprintf(name, sizeof(name), "Results");
	else
		snprintf(name, sizeof(name), "Results (%d)", w->nsheets);
	w->sheet = workbook_add_worksheet(w->wb, name);
	if (!w->sheet)
		return -1;
	for (c = 0; c < NCOLS; c++) {
		worksheet_set_column(w->sheet, (lxw_col_t)c, (lxw_col_t)c, col_widths[c], NULL);
		worksheet_write_string(w->sheet, 0, (lxw_col_t)c, col_names[c], w->bold);
	}
	worksheet_freeze_panes(w->sheet, 1, 0);
	w->sheet_rows = 0;
	return 0;
}

static void close_sheet(struct writer *w)
{
	if (w->sheet)
		worksheet_autofilter(w->sheet, 0, 0, (lxw_row_t)w->sheet_rows, NCOLS - 1);
}

static void emit(struct writer *w, const struct row *r, const char *verified)
{
	char seq[24], status[24], attempts[16];
	const char *cells[NCOLS];
	int c;

	snprintf(seq, sizeof(seq), "%lu", r->seq);
	snprintf(status, sizeof(status), "%ld", r->status);
	snprintf(attempts, sizeof(attempts), "%u", r->attempts);
	cells[COL_SEQ] = seq;
	cells[COL_ID] = r->id ? r->id : "";
	cells[COL_UPN] = r->upn ? r->upn : "";
	cells[COL_FROM] = mfa_state_name(r->from);
	cells[COL_TO] = mfa_state_name(r->to);
	cells[COL_OUTCOME] = mfa_outcome_name(r->outcome);
	cells[COL_OBSERVED] = r->observed == MFA_STATE_UNKNOWN ? "" : mfa_state_name(r->observed);
	cells[COL_STATUS] = r->status ? status : "";
	cells[COL_ATTEMPTS] = r->attempts ? attempts : "";
	cells[COL_ERROR] = r->error ? r->error : "";
	cells[COL_VERIFIED] = verified;
	for (c = 0; c < NCOLS; c++)
		mfa_csvw_field(&w->w, cells[c]);
	mfa_csvw_end(&w->w);
	if (w->sheet_rows >= w->rows_per_sheet) {
		close_sheet(w);
		if (new_sheet(w) < 0) {
			w->failed = 1;
			return;
		}
	}
	w->sheet_rows++;
	for (c = 0; c < NCOLS; c++) {
		/* Strings, always: an error text or a name is never a formula. */
		if (cells[c][0])
			worksheet_write_string(w->sheet, (lxw_row_t)w->sheet_rows, (lxw_col_t)c,
					       cells[c], NULL);
	}
	w->res->outcomes[r->outcome]++;
}

static void row_free(struct row *r)
{
	free(r->id);
	free(r->upn);
	free(r->error);
	free(r);
}

static void on_verify(void *ctx, const struct mfa_reqs_result *res)
{
	struct row *r = ctx;
	struct writer *w = r->w;

	w->pending--;
	if (res->error) {
		w->res->unverified++;
		emit(w, r, "unknown");
	} else if (res->state == r->to) {
		w->res->verified++;
		emit(w, r, "true");
	} else if (r->to == MFA_STATE_ENABLED && res->state == MFA_STATE_ENFORCED) {
		/* Not a failure: Graph enforces a user set to enabled once
		 * they have registered a method (GRAPH.md). */
		w->res->graph_enforced++;
		r->observed = res->state;
		emit(w, r, "enforced-by-graph");
	} else {
		w->res->mismatched++;
		r->observed = res->state;
		emit(w, r, "false");
	}
	row_free(r);
}

static int take(struct writer *w, const struct mfa_outcome_record *e, struct mfa_err *err)
{
	struct row *r = calloc(1, sizeof(*r));

	if (!r || (e->id && !(r->id = strdup(e->id))) || (e->upn && !(r->upn = strdup(e->upn))) ||
	    (e->error && !(r->error = strdup(e->error)))) {
		if (r)
			row_free(r);
		return mfa_err_set(err, "out of memory");
	}
	r->w = w;
	r->seq = e->seq;
	r->from = e->from;
	r->to = e->to;
	r->observed = e->observed;
	r->outcome = e->outcome;
	r->status = e->status;
	r->attempts = e->attempts;
	if (r->outcome != MFA_OUTCOME_CHANGED || !w->reqs) {
		emit(w, r, "");
		row_free(r);
		return 0;
	}
	w->pending++;
	if (mfa_reqs_read(w->reqs, r->id ? r->id : r->upn, on_verify, r, err) < 0) {
		w->pending--;
		row_free(r);
		return -1;
	}
	return 0;
}

/* Runs the engine until fewer than `below` verifications are pending. */
static int pump(struct writer *w, size_t below, struct mfa_err *err)
{
	if (!w->reqs)
		return 0;
	if (mfa_reqs_flush(w->reqs, err) < 0)
		return -1;
	while (w->pending > below) {
		int rc = mfa_http_step(w->http, 200, err);

		if (rc < 0)
			return -1;
		if (rc == 0 && w->pending > below) {
			if (mfa_reqs_flush(w->reqs, err) < 0)
				return -1;
			if (mfa_http_interrupted(w->http))
				break;
		}
	}
	return 0;
}

static void summary_sheet(struct writer *w, lxw_worksheet *ws, const struct mfa_results_options *o)
{
	lxw_chart *chart;
	lxw_chart_series *series;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int i, row = 0;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	worksheet_set_column(ws, 0, 0, 28, NULL);
	worksheet_set_column(ws, 1, 1, 60, NULL);
	worksheet_write_string(ws, row, 0, "mfa-migrate", w->bold);
	worksheet_write_string(ws, row++, 1, o->operation, w->bold);
	worksheet_write_string(ws, row, 0, "source", NULL);
	worksheet_write_string(ws, row++, 1, o->source ? o->source : "", NULL);
	worksheet_write_string(ws, row, 0, "tenant", NULL);
	worksheet_write_string(ws, row++, 1, o->tenant_id ? o->tenant_id : "", NULL);
	worksheet_write_string(ws, row, 0, "written", NULL);
	worksheet_write_string(ws, row++, 1, when, NULL);
	worksheet_write_string(ws, row, 0, "complete", NULL);
	worksheet_write_string(ws, row++, 1, o->incomplete ? "no" : "yes", NULL);
	if (o->stopped_because) {
		worksheet_write_string(ws, row, 0, "stopped", NULL);
		worksheet_write_string(ws, row++, 1, o->stopped_because, NULL);
	}
	worksheet_write_string(ws, row, 0, "seconds (this run)", NULL);
	worksheet_write_number(ws, row++, 1, o->seconds, NULL);
	worksheet_write_string(ws, row, 0, "writes sent (this run)", NULL);
	worksheet_write_number(ws, row++, 1, (double)o->writes, NULL);
	worksheet_write_string(ws, row, 0, "verified at target", NULL);
	worksheet_write_number(ws, row++, 1, (double)w->res->verified, NULL);
	worksheet_write_string(ws, row, 0, "verified at another state", NULL);
	worksheet_write_number(ws, row++, 1, (double)w->res->mismatched, NULL);
	worksheet_write_string(ws, row, 0, "enabled, but enforced by Graph", NULL);
	worksheet_write_number(ws, row++, 1, (double)w->res->graph_enforced, NULL);
	row++;
	worksheet_write_string(ws, row, 0, "outcome", w->bold);
	worksheet_write_string(ws, row++, 1, "users", w->bold);
	{
		int first = row;

		for (i = 1; i < MFA_OUTCOME__COUNT; i++) {
			worksheet_write_string(ws, (lxw_row_t)row, 0, mfa_outcome_name((enum mfa_outcome)i), NULL);
			worksheet_write_number(ws, (lxw_row_t)row++, 1, (double)w->res->outcomes[i], NULL);
		}
		chart = workbook_add_chart(w->wb, LXW_CHART_COLUMN);
		if (chart) {
			series = chart_add_series(chart, NULL, NULL);
			chart_series_set_categories(series, "Summary", (lxw_row_t)first, 0,
						    (lxw_row_t)(row - 1), 0);
			chart_series_set_values(series, "Summary", (lxw_row_t)first, 1,
						(lxw_row_t)(row - 1), 1);
			chart_title_set_name(chart, "Users by outcome");
			chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
			worksheet_insert_chart(ws, 0, 3, chart);
		}
	}
}

static cJSON *summary_json(const struct mfa_results_options *o, const struct mfa_results *res)
{
	cJSON *root = cJSON_CreateObject(), *oc, *v, *g;
	int i;

	if (!root)
		return NULL;
	cJSON_AddStringToObject(root, "kind", "mfa-migrate-results");
	cJSON_AddNumberToObject(root, "formatVersion", 1);
	cJSON_AddStringToObject(root, "operation", o->operation);
	cJSON_AddStringToObject(root, "source", o->source ? o->source : "");
	cJSON_AddStringToObject(root, "journal", o->journal_path);
	if (o->tenant_id)
		cJSON_AddStringToObject(root, "tenantId", o->tenant_id);
	else
		cJSON_AddNullToObject(root, "tenantId");
	cJSON_AddBoolToObject(root, "complete", !o->incomplete);
	if (o->stopped_because)
		cJSON_AddStringToObject(root, "stopped", o->stopped_because);
	oc = cJSON_AddObjectToObject(root, "outcomes");
	for (i = 1; i < MFA_OUTCOME__COUNT; i++)
		cJSON_AddNumberToObject(oc, mfa_outcome_name((enum mfa_outcome)i), (double)res->outcomes[i]);
	v = cJSON_AddObjectToObject(root, "verify");
	cJSON_AddBoolToObject(v, "done", o->http != NULL);
	cJSON_AddNumberToObject(v, "atTarget", (double)res->verified);
	cJSON_AddNumberToObject(v, "atOtherState", (double)res->mismatched);
	cJSON_AddNumberToObject(v, "enforcedByGraph", (double)res->graph_enforced);
	cJSON_AddNumberToObject(v, "unreadable", (double)res->unverified);
	cJSON_AddNumberToObject(root, "seconds", o->seconds);
	cJSON_AddNumberToObject(root, "writes", (double)o->writes);
	cJSON_AddNumberToObject(root, "writesPerSecond", o->seconds > 0 ? (double)o->writes / o->seconds : 0);
	cJSON_AddNumberToObject(root, "writeQuotaPerSecond",
				o->write_quota_per_s > 0 ? o->write_quota_per_s
							 : (double)MFA_WRITE_QUOTA_WRITES / MFA_WRITE_QUOTA_SECONDS);
	if (o->traffic) {
		struct mfa_http_stats st;
		double paused = 0;

		mfa_http_stats(o->traffic, &st);
		for (i = 0; i < MFA_SCOPE__COUNT; i++)
			paused += st.scope[i].paused_seconds;
		g = cJSON_AddObjectToObject(root, "graph");
		cJSON_AddNumberToObject(g, "requests", (double)st.attempts);
		/* $batch items count on their own: Graph throttles them one by one. */
		cJSON_AddNumberToObject(g, "retries", (double)(st.retries + st.item_retries));
		cJSON_AddNumberToObject(g, "throttled", (double)(st.throttled + st.items_throttled));
		cJSON_AddNumberToObject(g, "serverErrors", (double)st.server_errors);
		cJSON_AddNumberToObject(g, "transportErrors", (double)st.transport_errors);
		cJSON_AddNumberToObject(g, "tokenRequests", (double)o->token_requests);
		cJSON_AddNumberToObject(g, "pausedSeconds", paused);
	}
	return root;
}

static int write_json(const struct mfa_results_options *o, const struct mfa_results *res,
		      struct mfa_err *err)
{
	struct mfa_outfile f = MFA_OUTFILE_INIT;
	cJSON *root = summary_json(o, res);
	char *text = root ? cJSON_Print(root) : NULL;
	int rc = -1;

	if (!text) {
		mfa_err_set(err, "out of memory writing summary.json");
		goto cleanup;
	}
	if (mfa_outfile_open(&f, o->dir, "summary.json", err) < 0)
		goto cleanup;
	fputs(text, f.f);
	fputc('\n', f.f);
	rc = mfa_outfile_commit(&f, err);
cleanup:
	mfa_outfile_release(&f);
	free(text);
	cJSON_Delete(root);
	return rc;
}

int mfa_results_write(const struct mfa_results_options *o, struct mfa_results *res,
		      struct mfa_err *err)
{
	struct writer w;
	struct mfa_outcome_record e;
	lxw_workbook_options wopts;
	lxw_worksheet *summary;
	lxw_error xe;
	int c, rc = -1, got;

	memset(&w, 0, sizeof(w));
	memset(res, 0, sizeof(*res));
	w.res = res;
	w.http = o->http;
	w.rows_per_sheet = o->rows_per_sheet ? o->rows_per_sheet : mfa_xlsx_rows_per_sheet();
	if (mfa_outfile_open(&w.csv, o->dir, "results.csv", err) < 0)
		goto cleanup;
	mfa_csvw_init(&w.w, w.csv.f);
	for (c = 0; c < NCOLS; c++)
		mfa_csvw_field(&w.w, col_names[c]);
	mfa_csvw_end(&w.w);

	w.xlsx_final = mfa_path_join(o->dir, "results.xlsx");
	w.xlsx_tmp = mfa_path_join(o->dir, "results.xlsx.tmp");
	if (!w.xlsx_final || !w.xlsx_tmp) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	memset(&wopts, 0, sizeof(wopts));
	wopts.constant_memory = LXW_TRUE;
	wopts.tmpdir = (char *)o->dir;
	w.wb = workbook_new_opt(w.xlsx_tmp, &wopts);
	if (!w.wb) {
		mfa_err_set(err, "cannot create '%s'", w.xlsx_tmp);
		goto cleanup;
	}
	w.bold = workbook_add_format(w.wb);
	format_set_bold(w.bold);
	summary = workbook_add_worksheet(w.wb, "Summary");
	if (!summary || new_sheet(&w) < 0) {
		mfa_err_set(err, "cannot add sheets to '%s'", w.xlsx_tmp);
		goto cleanup;
	}
	if (o->http) {
		struct mfa_reqs_options ro = MFA_REQS_OPTIONS_INIT;

		ro.http = o->http;
		ro.graph_url = o->graph_url;
		if (mfa_reqs_new(&w.reqs, &ro, err) < 0)
			goto cleanup;
	}
	while ((got = o->next(o->next_ctx, &e, err)) > 0) {
		if (take(&w, &e, err) < 0)
			goto cleanup;
		if (w.pending > VERIFY_BACKLOG && pump(&w, VERIFY_BACKLOG / 2, err) < 0)
			goto cleanup;
	}
	if (got < 0 || pump(&w, 0, err) < 0)
		goto cleanup;
	if (w.failed) {
		mfa_err_set(err, "cannot add a sheet to '%s'", w.xlsx_tmp);
		goto cleanup;
	}
	close_sheet(&w);
	summary_sheet(&w, summary, o);
	xe = workbook_close(w.wb);
	w.wb = NULL;
	if (xe != LXW_NO_ERROR) {
		mfa_err_set(err, "cannot write '%s': %s", w.xlsx_tmp, lxw_strerror(xe));
		goto cleanup;
	}
	if (chmod(w.xlsx_tmp, 0600) < 0 || rename(w.xlsx_tmp, w.xlsx_final) < 0) {
		mfa_err_set(err, "cannot move '%s' into place", w.xlsx_tmp);
		goto cleanup;
	}
	if (mfa_outfile_commit(&w.csv, err) < 0)
		goto cleanup;
	rc = write_json(o, res, err);
cleanup:
	mfa_reqs_free(w.reqs);
	if (w.wb) {
		/* An unfinished workbook still has to close its temporary files. */
		workbook_close(w.wb);
	}
	if (rc < 0 && w.xlsx_tmp)
		unlink(w.xlsx_tmp);
	free(w.xlsx_tmp);
	free(w.xlsx_final);
	mfa_outfile_release(&w.csv);
	return rc;
}
