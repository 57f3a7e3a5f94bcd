/* results.c - results.csv, results.xlsx and summary.json from a journal's
 * outcomes (reports/results.h). */
#include "reports/results.h"

#include "graph/requirements.h"
#include "mfa/util/csvw.h"
#include "mfa/util/outfile.h"
#include "util/jsonfile.h"
#include "reports/xlsx_book.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	struct mfa_xlsx_book *book;
	struct mfa_xlsx_table *table;
	struct mfa_results *res;
	struct mfa_reqs *reqs;
	struct mfa_http *http;
	size_t pending;
	int failed;               /* a row could not go into results.xlsx: xerr says why */
	struct mfa_err xerr;
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
	/* Strings, always: an error text or a name is never a formula. */
	if (!w->failed && mfa_xlsx_table_row(w->table, &w->xerr) < 0)
		w->failed = 1;
	for (c = 0; c < NCOLS && !w->failed; c++)
		if (mfa_xlsx_table_string(w->table, (unsigned)c, cells[c], MFA_XLSX_PLAIN,
					  &w->xerr) < 0)
			w->failed = 1;
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

/* Summary cells; the first failure sticks in w->xerr. */
static void put_text(struct writer *w, lxw_worksheet *ws, int row, int col, const char *text,
		     enum mfa_xlsx_style style)
{
	if (!w->failed &&
	    mfa_xlsx_book_string(w->book, ws, (lxw_row_t)row, (lxw_col_t)col, text, style,
				 &w->xerr) < 0)
		w->failed = 1;
}

static void put_number(struct writer *w, lxw_worksheet *ws, int row, int col, double v)
{
	if (!w->failed &&
	    mfa_xlsx_book_number(w->book, ws, (lxw_row_t)row, (lxw_col_t)col, v, MFA_XLSX_PLAIN,
				 &w->xerr) < 0)
		w->failed = 1;
}

static void put_fact(struct writer *w, lxw_worksheet *ws, int *row, const char *label,
		     const char *text)
{
	put_text(w, ws, *row, 0, label, MFA_XLSX_PLAIN);
	put_text(w, ws, (*row)++, 1, text, MFA_XLSX_PLAIN);
}

static void put_count(struct writer *w, lxw_worksheet *ws, int *row, const char *label, double v)
{
	put_text(w, ws, *row, 0, label, MFA_XLSX_PLAIN);
	put_number(w, ws, (*row)++, 1, v);
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
	put_text(w, ws, row, 0, "mfa-migrate", MFA_XLSX_BOLD);
	put_text(w, ws, row++, 1, o->operation, MFA_XLSX_BOLD);
	put_fact(w, ws, &row, "source", o->source ? o->source : "");
	put_fact(w, ws, &row, "tenant", o->tenant_id ? o->tenant_id : "");
	put_fact(w, ws, &row, "written", when);
	put_fact(w, ws, &row, "complete", o->incomplete ? "no" : "yes");
	if (o->stopped_because)
		put_fact(w, ws, &row, "stopped", o->stopped_because);
	put_count(w, ws, &row, "seconds (this run)", o->seconds);
	put_count(w, ws, &row, "writes sent (this run)", (double)o->writes);
	put_count(w, ws, &row, "verified at target", (double)w->res->verified);
	put_count(w, ws, &row, "verified at another state", (double)w->res->mismatched);
	put_count(w, ws, &row, "enabled, but enforced by Graph", (double)w->res->graph_enforced);
	row++;
	put_text(w, ws, row, 0, "outcome", MFA_XLSX_BOLD);
	put_text(w, ws, row++, 1, "users", MFA_XLSX_BOLD);
	{
		int first = row;

		for (i = 1; i < MFA_OUTCOME__COUNT; i++)
			put_count(w, ws, &row, mfa_outcome_name((enum mfa_outcome)i),
				  (double)w->res->outcomes[i]);
		chart = workbook_add_chart(mfa_xlsx_book_workbook(w->book), LXW_CHART_COLUMN);
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
		if (st.http_version)
			cJSON_AddStringToObject(g, "httpVersion", st.http_version);
		else
			cJSON_AddNullToObject(g, "httpVersion");
	}
	return root;
}

static int write_json(const struct mfa_results_options *o, const struct mfa_results *res,
		      struct mfa_err *err)
{
	cJSON *root = summary_json(o, res);
	int rc;

	if (!root)
		return mfa_err_set(err, "out of memory writing summary.json");
	rc = mfa_jsonfile_write(o->dir, "summary.json", root, err);
	cJSON_Delete(root);
	return rc;
}

int mfa_results_write(const struct mfa_results_options *o, struct mfa_results *res,
		      struct mfa_err *err)
{
	static const struct mfa_xlsx_table_spec results_table = {
		"Results", col_names, col_widths, NCOLS,
	};
	struct mfa_xlsx_book_options bo = MFA_XLSX_BOOK_OPTIONS_INIT;
	struct writer w;
	struct mfa_outcome_record e;
	lxw_worksheet *summary;
	int c, rc = -1, got;

	memset(&w, 0, sizeof(w));
	memset(res, 0, sizeof(*res));
	w.csv = (struct mfa_outfile)MFA_OUTFILE_INIT;
	w.res = res;
	w.http = o->http;
	if (mfa_outfile_open(&w.csv, o->dir, "results.csv", err) < 0)
		goto cleanup;
	mfa_csvw_init(&w.w, w.csv.f);
	for (c = 0; c < NCOLS; c++)
		mfa_csvw_field(&w.w, col_names[c]);
	mfa_csvw_end(&w.w);

	bo.rows_per_sheet = o->rows_per_sheet;
	if (mfa_xlsx_book_open(&w.book, o->dir, "results.xlsx", &bo, err) < 0 ||
	    mfa_xlsx_book_sheet(w.book, "Summary", &summary, err) < 0 ||
	    mfa_xlsx_table_add(&w.table, w.book, &results_table, err) < 0)
		goto cleanup;
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
	if (!w.failed && mfa_xlsx_table_end(w.table, &w.xerr) < 0)
		w.failed = 1;
	summary_sheet(&w, summary, o);
	if (w.failed) {
		mfa_err_set(err, "%s", w.xerr.msg);
		goto cleanup;
	}
	if (mfa_xlsx_book_commit(w.book, err) < 0)
		goto cleanup;
	if (mfa_outfile_commit(&w.csv, err) < 0)
		goto cleanup;
	rc = write_json(o, res, err);
cleanup:
	mfa_reqs_free(w.reqs);
	mfa_xlsx_book_free(w.book); /* not committed: nothing left behind */
	mfa_outfile_release(&w.csv);
	return rc;
}
