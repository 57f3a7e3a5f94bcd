/* xlsx_sink.c - report.xlsx: Summary, Users, Plan, Findings, and with
 * audit --compare, Changes.
 *
 * Written through reports/xlsx_book.h (constant memory, complete or
 * absent). libxlsxwriter keeps sheets in the order they are added and the
 * rows of a sheet in increasing order, so the sheets are added in their
 * final order: Summary first (filled only in finish, when the counts are
 * known), then Users, which streams as rows arrive and continues on
 * "Users (2)" etc. The rows of Plan, Findings and Changes are put aside in
 * spools (util/spool.h) meanwhile and streamed into their sheets in
 * finish, after the last Users sheet. Memory stays flat whatever the
 * tenant's size.
 *
 * Every cell is a string cell (inline string), never a formula: display
 * names are attacker-controlled and "=HYPERLINK(...)" must stay text.
 * Empty values are not written at all (an absent cell is a blank one).
 *
 * The Changes sheet (mfa_xlsx_sink_set_baseline) has the rows of changes.csv,
 * from the same mfa_change_rows. The sink only reads the baseline: which
 * entries are removed users comes from the marks that the counting sink
 * (and changes.csv) make. All rows reach every sink before any sink
 * finishes, so in finish every current user has been marked, whatever the
 * order of the sinks; the counting sink must still come before this one,
 * because its finish completes the counts the Summary shows.
 */
#include "mfa/model/posture.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xlsxwriter.h>

#include "mfa/model/compare.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "mfa/model/whatif.h"
#include "mfa/model/columns.h"
#include "reports/xlsx_book.h"
#include "util/spool.h"

#define XLSX_FILE "report.xlsx"

/* Column widths of the Users sheet, by enum mfa_user_column; its headers
 * and values come from model/columns.h, shared with users.csv. */
static const double users_widths[MFA_COL__COUNT] = {
	[MFA_COL_ID] = 38,
	[MFA_COL_UPN] = 36,
	[MFA_COL_DISPLAY_NAME] = 28,
	[MFA_COL_MAIL] = 32,
	[MFA_COL_USER_TYPE] = 10,
	[MFA_COL_ACCOUNT_ENABLED] = 15,
	[MFA_COL_STATE] = 18,
	[MFA_COL_REGISTERED] = 16,
	[MFA_COL_CAPABLE] = 14,
	[MFA_COL_METHODS] = 40,
	[MFA_COL_DEFAULT_METHOD] = 26,
	[MFA_COL_ADMIN] = 9,
	[MFA_COL_CLASS] = 28,
	[MFA_COL_ACTION] = 9,
	[MFA_COL_HOLD_REASON] = 18,
	[MFA_COL_RISK] = 9,
	[MFA_COL_FINDINGS] = 40,
	[MFA_COL_STATE_ERROR] = 30,
	[MFA_COL_CA_COVERAGE] = 30,
	[MFA_COL_CA_POLICIES] = 40,
	[MFA_COL_LAST_SIGN_IN] = 22,
	[MFA_COL_LAST_NON_INTERACTIVE] = 22,
	[MFA_COL_MAILBOX_PURPOSE] = 14,
	[MFA_COL_WHAT_IF] = 30,
	[MFA_COL_SIGN_INS] = 9,
	[MFA_COL_INTERACTIVE_SIGN_INS] = 9,
	[MFA_COL_MFA_BY_PER_USER] = 9,
	[MFA_COL_MFA_BY_CA] = 9,
	[MFA_COL_MFA_BY_SECURITY_DEFAULTS] = 9,
	[MFA_COL_MFA_BY_OTHER] = 9,
	[MFA_COL_SINGLE_FACTOR_SIGN_INS] = 9,
	[MFA_COL_LEGACY_CLIENT_SIGN_INS] = 9,
	[MFA_COL_LAST_LOGGED_SIGN_IN] = 22,
};

static const char *const plan_headers[] = {
	"id", "userPrincipalName", "displayName", "perUserMfaState", "action",
	"targetState", "holdReason", "risk", "findings",
};
static const double plan_widths[] = { 38, 36, 28, 18, 9, 18, 18, 9, 40 };

static const char *const findings_headers[] = {
	"userPrincipalName", "id", "finding", "severity", "advice",
	"perUserMfaState", "class",
};
static const double findings_widths[] = { 36, 38, 26, 10, 90, 18, 28 };

/* As changes.csv (src/reports/changes_sink.c). */
static const char *const changes_headers[] = {
	"change", "severity", "id", "userPrincipalName", "displayName",
	"previous", "current", "detail",
};
static const double changes_widths[] = { 24, 10, 38, 36, 28, 22, 22, 70 };

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(COUNT_OF(plan_widths) == COUNT_OF(plan_headers), "a width per Plan column");
_Static_assert(COUNT_OF(findings_widths) == COUNT_OF(findings_headers),
	       "a width per Findings column");
_Static_assert(COUNT_OF(changes_widths) == COUNT_OF(changes_headers),
	       "a width per Changes column");

static const struct mfa_xlsx_table_spec users_spec = {
	"Users", mfa_user_column_names, users_widths, MFA_COL__COUNT,
};
static const struct mfa_xlsx_table_spec plan_spec = {
	"Plan", plan_headers, plan_widths, COUNT_OF(plan_headers),
};
static const struct mfa_xlsx_table_spec findings_spec = {
	"Findings", findings_headers, findings_widths, COUNT_OF(findings_headers),
};
static const struct mfa_xlsx_table_spec changes_spec = {
	"Changes", changes_headers, changes_widths, COUNT_OF(changes_headers),
};

/* The spooled records: Plan, its 9 cells as text; Findings, the user's
 * upn, id, state and class and the finding (one byte); Changes, kind and
 * severity (one byte each) then the 6 texts of struct mfa_change_row. */
enum { FINDING_UPN, FINDING_ID, FINDING_CODE, FINDING_STATE, FINDING_CLASS, FINDING__FIELDS };
enum { CHANGE_KIND, CHANGE_SEVERITY, CHANGE__FIXED };
#define CHANGE__FIELDS (CHANGE__FIXED + 6)

struct xlsx_sink {
	struct mfa_sink base;
	struct mfa_xlsx_book *book;  /* NULL once committed */
	char *dir;                   /* owned; where the spools go */
	int has_plan;
	int finished;
	int started;                 /* a row has arrived */
	lxw_worksheet *summary;      /* the workbook's */
	struct mfa_xlsx_table *users;   /* the book's */
	struct mfa_xlsx_table *changes; /* the book's, once finish streams Changes */
	struct mfa_spool *plan_rows;    /* owned; NULL without a plan */
	struct mfa_spool *finding_rows; /* owned */
	struct mfa_spool *change_rows;  /* owned; created with the first change */
	const struct mfa_baseline *baseline; /* borrowed; NULL: no Changes sheet */
	struct mfa_column_scratch columns;
};

/* mfa_change_row_fn: one change for the Changes sheet, as in changes.csv:
 * spooled while the rows stream, written directly in finish (the removed
 * users, after the spooled rows). */
static int put_change_row(void *ctx, const struct mfa_change_row *c, struct mfa_err *err)
{
	struct xlsx_sink *s = ctx;
	unsigned char fixed[CHANGE__FIXED] = { (unsigned char)c->kind, (unsigned char)c->severity };
	struct mfa_spool_field f[CHANGE__FIELDS];
	const char *text[CHANGE__FIELDS - CHANGE__FIXED] = {
		c->id, c->upn, c->display_name, c->previous, c->current, c->detail,
	};
	size_t i;

	if (s->changes) {
		struct mfa_xlsx_table *t = s->changes;

		if (mfa_xlsx_table_row(t, err) < 0 ||
		    mfa_xlsx_table_string(t, 0, mfa_change_kind_name(c->kind), MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(t, 1, mfa_severity_name(c->severity), MFA_XLSX_PLAIN, err) < 0)
			return -1;
		for (i = 0; i < COUNT_OF(text); i++)
			if (mfa_xlsx_table_string(t, (unsigned)(2 + i), text[i], MFA_XLSX_PLAIN, err) < 0)
				return -1;
		return 0;
	}
	if (!s->change_rows && mfa_spool_new(&s->change_rows, s->dir, err) < 0)
		return -1;
	f[CHANGE_KIND] = (struct mfa_spool_field){ (const char *)&fixed[CHANGE_KIND], 1 };
	f[CHANGE_SEVERITY] = (struct mfa_spool_field){ (const char *)&fixed[CHANGE_SEVERITY], 1 };
	for (i = 0; i < COUNT_OF(text); i++)
		f[CHANGE__FIXED + i] = (struct mfa_spool_field){ text[i], text[i] ? strlen(text[i]) : 0 };
	return mfa_spool_append(s->change_rows, f, CHANGE__FIELDS, err);
}

/* The baseline users no row matched, last, in baseline order. Reads the
 * marks the other sinks made (see the top of this file). */
static int changes_write_removed(struct xlsx_sink *s, struct mfa_err *err)
{
	struct mfa_change_set cs;
	size_t i;

	for (i = mfa_baseline_next_unseen(s->baseline, 0); i != MFA_BASELINE_NONE;
	     i = mfa_baseline_next_unseen(s->baseline, i + 1)) {
		mfa_compare_removed(s->baseline, i, &cs);
		if (mfa_change_rows(s->baseline, &cs, NULL, NULL, put_change_row, s, err) != 0)
			return -1;
	}
	return 0;
}

static int xlsx_row(struct mfa_sink *base, const struct mfa_row *r, struct mfa_err *err)
{
	struct xlsx_sink *s = (struct xlsx_sink *)base;
	const struct mfa_verdict *v = r->verdict;
	const struct mfa_decision *d = s->has_plan ? r->decision : NULL;
	const char *col[MFA_COL__COUNT];
	int c, f;

	if (s->finished || !s->book)
		return mfa_err_set(err, "cannot write '%s': report already finished", XLSX_FILE);
	s->started = 1;
	mfa_user_columns(r, &s->columns, col);

	/* Users: every user. */
	if (mfa_xlsx_table_row(s->users, err) < 0)
		return -1;
	for (c = 0; c < MFA_COL__COUNT; c++)
		if (mfa_xlsx_table_string(s->users, (unsigned)c, col[c], MFA_XLSX_PLAIN, err) < 0)
			return -1;

	/* Plan: what apply will change or leave alone on purpose. */
	if (d && (mfa_action_is_change(d->action) || d->action == MFA_ACTION_HOLD)) {
		const char *cells[COUNT_OF(plan_headers)] = {
			col[MFA_COL_ID], col[MFA_COL_UPN], col[MFA_COL_DISPLAY_NAME],
			mfa_state_name(d->from), col[MFA_COL_ACTION], mfa_state_name(d->to),
			col[MFA_COL_HOLD_REASON], col[MFA_COL_RISK], col[MFA_COL_FINDINGS],
		};

		if (mfa_spool_append_strs(s->plan_rows, cells, COUNT_OF(cells), err) < 0)
			return -1;
	}

	/* Findings: one row per (user, finding). */
	for (f = 0; f < MFA_FINDING__COUNT; f++) {
		unsigned char code = (unsigned char)f;
		struct mfa_spool_field fields[FINDING__FIELDS];

		if (!(v->findings & (1u << f)))
			continue;
		fields[FINDING_UPN] = (struct mfa_spool_field){ col[MFA_COL_UPN],
			col[MFA_COL_UPN] ? strlen(col[MFA_COL_UPN]) : 0 };
		fields[FINDING_ID] = (struct mfa_spool_field){ col[MFA_COL_ID],
			col[MFA_COL_ID] ? strlen(col[MFA_COL_ID]) : 0 };
		fields[FINDING_CODE] = (struct mfa_spool_field){ (const char *)&code, 1 };
		fields[FINDING_STATE] = (struct mfa_spool_field){ col[MFA_COL_STATE],
			col[MFA_COL_STATE] ? strlen(col[MFA_COL_STATE]) : 0 };
		fields[FINDING_CLASS] = (struct mfa_spool_field){ col[MFA_COL_CLASS],
			col[MFA_COL_CLASS] ? strlen(col[MFA_COL_CLASS]) : 0 };
		if (mfa_spool_append(s->finding_rows, fields, FINDING__FIELDS, err) < 0)
			return -1;
	}

	/* Changes: this user's changes since the previous run. Pure: the
	 * baseline is not marked here. */
	if (s->baseline) {
		struct mfa_change_set cs;

		mfa_compare_user(s->baseline, r->user, v, &cs);
		if (mfa_change_rows(s->baseline, &cs, r->user, v, put_change_row, s, err) != 0)
			return -1;
	}
	return 0;
}

/* ---- spooled sheets --------------------------------------------------- */

/* A spooled record whose shape is not the one written: the file was
 * damaged under us. */
static int spool_damaged(struct xlsx_sink *s, const char *sheet, struct mfa_err *err)
{
	return mfa_err_set(err, "cannot write '%s': the %s rows put aside were damaged",
			   mfa_xlsx_book_path(s->book), sheet);
}

/* Streams the Plan rows into their sheet(s). */
static int plan_write(struct xlsx_sink *s, struct mfa_err *err)
{
	const struct mfa_spool_field *f;
	struct mfa_xlsx_table *t;
	size_t n, i;
	int rc;

	if (mfa_xlsx_table_add(&t, s->book, &plan_spec, err) < 0 ||
	    mfa_spool_rewind(s->plan_rows, err) < 0)
		return -1;
	while ((rc = mfa_spool_next(s->plan_rows, &f, &n, err)) > 0) {
		if (n != COUNT_OF(plan_headers))
			return spool_damaged(s, "Plan", err);
		if (mfa_xlsx_table_row(t, err) < 0)
			return -1;
		for (i = 0; i < n; i++)
			if (mfa_xlsx_table_string(t, (unsigned)i, f[i].data, MFA_XLSX_PLAIN, err) < 0)
				return -1;
	}
	if (rc < 0)
		return -1;
	return mfa_xlsx_table_end(t, err);
}

/* Streams the Findings rows into their sheet(s), each with its severity
 * as judged at the run date (now). */
static int findings_write(struct xlsx_sink *s, time_t now, struct mfa_err *err)
{
	const struct mfa_spool_field *f;
	struct mfa_xlsx_table *t;
	size_t n;
	int rc;

	if (mfa_xlsx_table_add(&t, s->book, &findings_spec, err) < 0 ||
	    mfa_spool_rewind(s->finding_rows, err) < 0)
		return -1;
	while ((rc = mfa_spool_next(s->finding_rows, &f, &n, err)) > 0) {
		enum mfa_finding fi;

		if (n != FINDING__FIELDS || f[FINDING_CODE].len != 1 ||
		    (unsigned char)f[FINDING_CODE].data[0] >= MFA_FINDING__COUNT)
			return spool_damaged(s, "Findings", err);
		fi = (enum mfa_finding)(unsigned char)f[FINDING_CODE].data[0];
		if (mfa_xlsx_table_row(t, err) < 0 ||
		    mfa_xlsx_table_string(t, 0, f[FINDING_UPN].data, MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(t, 1, f[FINDING_ID].data, MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(t, 2, mfa_finding_name(fi), MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(t, 3, mfa_severity_name(mfa_finding_severity_at(fi, now)),
					  MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(t, 4, mfa_finding_advice(fi), MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(t, 5, f[FINDING_STATE].data, MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(t, 6, f[FINDING_CLASS].data, MFA_XLSX_PLAIN, err) < 0)
			return -1;
	}
	if (rc < 0)
		return -1;
	return mfa_xlsx_table_end(t, err);
}

/* Streams the Changes rows into their sheet(s), then the removed users
 * (none for an interrupted run, whose unseen users were maybe just not
 * reached, as changes.csv). */
static int changes_write(struct xlsx_sink *s, int incomplete, struct mfa_err *err)
{
	struct mfa_spool *sp = s->change_rows;
	const struct mfa_spool_field *f;
	size_t n;
	int rc = 0;

	if (mfa_xlsx_table_add(&s->changes, s->book, &changes_spec, err) < 0)
		return -1;
	if (sp && mfa_spool_rewind(sp, err) < 0)
		return -1;
	while (sp && (rc = mfa_spool_next(sp, &f, &n, err)) > 0) {
		struct mfa_change_row c;

		if (n != CHANGE__FIELDS || f[CHANGE_KIND].len != 1 || f[CHANGE_SEVERITY].len != 1 ||
		    (unsigned char)f[CHANGE_KIND].data[0] >= MFA_CHANGE__COUNT ||
		    (unsigned char)f[CHANGE_SEVERITY].data[0] >= MFA_SEV__COUNT)
			return spool_damaged(s, "Changes", err);
		memset(&c, 0, sizeof(c));
		c.kind = (enum mfa_change_kind)(unsigned char)f[CHANGE_KIND].data[0];
		c.severity = (enum mfa_severity)(unsigned char)f[CHANGE_SEVERITY].data[0];
		c.finding = -1;
		c.id = f[CHANGE__FIXED + 0].data;
		c.upn = f[CHANGE__FIXED + 1].data;
		c.display_name = f[CHANGE__FIXED + 2].data;
		c.previous = f[CHANGE__FIXED + 3].data;
		c.current = f[CHANGE__FIXED + 4].data;
		c.detail = f[CHANGE__FIXED + 5].data;
		if (put_change_row(s, &c, err) < 0)
			return -1;
	}
	if (rc < 0)
		return -1;
	if (!incomplete && changes_write_removed(s, err) < 0)
		return -1;
	return mfa_xlsx_table_end(s->changes, err);
}

/* ---- Summary --------------------------------------------------------- */

/* Rows of the Summary sheet go out strictly in order: a cursor. */
struct summary_writer {
	struct xlsx_sink *s;
	lxw_worksheet *ws;
	lxw_row_t row;
	struct mfa_err *err;
	int failed;
};

static void sw_text(struct summary_writer *w, lxw_col_t col, const char *text,
		    enum mfa_xlsx_style style)
{
	if (!w->failed &&
	    mfa_xlsx_book_string(w->s->book, w->ws, w->row, col, text, style, w->err) < 0)
		w->failed = 1;
}

static void sw_number_fmt(struct summary_writer *w, lxw_col_t col, double v,
			  enum mfa_xlsx_style style)
{
	if (!w->failed &&
	    mfa_xlsx_book_number(w->s->book, w->ws, w->row, col, v, style, w->err) < 0)
		w->failed = 1;
}

static void sw_number(struct summary_writer *w, lxw_col_t col, double v)
{
	sw_number_fmt(w, col, v, MFA_XLSX_PLAIN);
}

static void sw_fact(struct summary_writer *w, const char *label, const char *text)
{
	sw_text(w, 0, label, MFA_XLSX_BOLD);
	sw_text(w, 1, text, MFA_XLSX_PLAIN);
	w->row++;
}

static void sw_count(struct summary_writer *w, const char *label, unsigned long v)
{
	sw_text(w, 0, label, MFA_XLSX_BOLD);
	sw_number(w, 1, (double)v);
	w->row++;
}

/* "1 h 23 min", "4 min 10 s", "12 s". */
static void format_duration(double seconds, char *buf, size_t size)
{
	unsigned long t = seconds > 0 ? (unsigned long)(seconds + 0.5) : 0;

	if (t >= 3600)
		snprintf(buf, size, "%lu h %lu min", t / 3600, (t % 3600) / 60);
	else if (t >= 60)
		snprintf(buf, size, "%lu min %lu s", t / 60, t % 60);
	else
		snprintf(buf, size, "%lu s", t);
}

/* Adds a chart over the Summary cells col_label/col_value, rows first..last. */
static void summary_chart(struct summary_writer *w, uint8_t type, const char *title,
			  lxw_row_t first, lxw_row_t last, lxw_col_t col_label,
			  lxw_col_t col_value, lxw_row_t at_row, lxw_col_t at_col)
{
	lxw_chart *chart;
	lxw_chart_series *series;
	lxw_error e;

	if (w->failed)
		return;
	chart = workbook_add_chart(mfa_xlsx_book_workbook(w->s->book), type);
	if (!chart)
		goto fail;
	series = chart_add_series(chart, NULL, NULL);
	if (!series)
		goto fail;
	chart_series_set_categories(series, "Summary", first, col_label, last, col_label);
	chart_series_set_values(series, "Summary", first, col_value, last, col_value);
	chart_series_set_name(series, "users");
	chart_title_set_name(chart, title);
	if (type == LXW_CHART_PIE)
		chart_series_set_labels(series);
	else
		chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
	e = worksheet_insert_chart(w->ws, at_row, at_col, chart);
	if (e != LXW_NO_ERROR) {
		mfa_err_set(w->err, "cannot write '%s': chart: %s", mfa_xlsx_book_path(w->s->book),
			    lxw_strerror(e));
		w->failed = 1;
	}
	return;
fail:
	mfa_err_set(w->err, "cannot write '%s': cannot add chart", mfa_xlsx_book_path(w->s->book));
	w->failed = 1;
}

/* --history: one row per kept run (oldest first, this run last), a column
 * per per-user state and per finding, and a line chart of the states. */
static void trend_table(struct summary_writer *w, const struct mfa_summary *sum,
			lxw_row_t chart_row, lxw_col_t chart_col)
{
	size_t k;
	lxw_row_t first;
	lxw_chart *chart;
	int i, col;

	sw_text(w, 0, "trend across the kept runs", MFA_XLSX_TITLE);
	w->row++;
	sw_text(w, 0, "run", MFA_XLSX_BOLD);
	sw_text(w, 1, "users", MFA_XLSX_BOLD);
	for (i = 0; i < MFA_STATE__COUNT; i++)
		sw_text(w, (lxw_col_t)(2 + i), mfa_state_name((enum mfa_state)i), MFA_XLSX_BOLD);
	for (i = 0; i < MFA_FINDING__COUNT; i++)
		sw_text(w, (lxw_col_t)(2 + MFA_STATE__COUNT + i), mfa_finding_name((enum mfa_finding)i),
			MFA_XLSX_BOLD);
	w->row++;
	first = w->row;
	for (k = 0; k < sum->history_nruns; k++) {
		const struct mfa_run_counts *run = &sum->history_runs[k];

		sw_text(w, 0, run->run, MFA_XLSX_PLAIN);
		sw_number(w, 1, (double)run->users);
		for (i = 0; i < MFA_STATE__COUNT; i++)
			sw_number(w, (lxw_col_t)(2 + i), (double)run->by_state[i]);
		for (i = 0; i < MFA_FINDING__COUNT; i++)
			sw_number(w, (lxw_col_t)(2 + MFA_STATE__COUNT + i), (double)run->by_finding[i]);
		w->row++;
	}
	/* this run */
	sw_text(w, 0, "this run", MFA_XLSX_BOLD);
	sw_number(w, 1, (double)sum->users);
	for (i = 0; i < MFA_STATE__COUNT; i++) {
		unsigned long n = 0;
		int j;

		for (j = 0; j < MFA_REG__COUNT; j++)
			n += sum->by_class[i][j];
		sw_number(w, (lxw_col_t)(2 + i), (double)n);
	}
	for (i = 0; i < MFA_FINDING__COUNT; i++)
		sw_number(w, (lxw_col_t)(2 + MFA_STATE__COUNT + i), (double)sum->by_finding[i]);
	w->row++;
	if (w->failed)
		return;
	chart = workbook_add_chart(mfa_xlsx_book_workbook(w->s->book), LXW_CHART_LINE);
	if (!chart) {
		w->failed = 1;
		return;
	}
	for (col = 2; col < 2 + MFA_STATE__COUNT; col++) {
		lxw_chart_series *series = chart_add_series(chart, NULL, NULL);

		if (!series) {
			w->failed = 1;
			return;
		}
		chart_series_set_categories(series, "Summary", first, 0, w->row - 1, 0);
		chart_series_set_values(series, "Summary", first, (lxw_col_t)col, w->row - 1, (lxw_col_t)col);
		chart_series_set_name_range(series, "Summary", first - 1, (lxw_col_t)col);
	}
	chart_title_set_name(chart, "users by per-user MFA state, run by run");
	if (worksheet_insert_chart(w->ws, chart_row, chart_col, chart) != LXW_NO_ERROR)
		w->failed = 1;
	w->row++;
}

/* A live run's tenant posture (mfa/model/posture.h): one row a note
 * (key, status, what was found, what it means), then Entra's
 * switchFromPerUserMFA count beside ours and the users either side counts
 * alone. */
static void posture_list(struct summary_writer *w, const char *label,
			 const struct mfa_posture_idlist *l)
{
	char more[64];
	size_t i;

	sw_text(w, 0, label, MFA_XLSX_BOLD);
	sw_number(w, 1, (double)l->count);
	w->row++;
	for (i = 0; i < l->kept; i++) {
		sw_text(w, 1, l->ids[i], MFA_XLSX_PLAIN);
		w->row++;
	}
	if (l->count > l->kept) {
		snprintf(more, sizeof(more), "%lu more (see summary.json)", l->count - l->kept);
		sw_text(w, 1, more, MFA_XLSX_PLAIN);
		w->row++;
	}
}

static void posture_block(struct summary_writer *w, const struct mfa_posture *p)
{
	struct mfa_posture_note n[MFA_POSTURE_MAX_NOTES];
	size_t i, count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);

	w->row++;
	sw_text(w, 0, "tenant posture", MFA_XLSX_TITLE);
	w->row++;
	sw_text(w, 0, "note", MFA_XLSX_BOLD);
	sw_text(w, 1, "status", MFA_XLSX_BOLD);
	sw_text(w, 2, "found", MFA_XLSX_BOLD);
	sw_text(w, 3, "what it means for the migration", MFA_XLSX_BOLD);
	w->row++;
	for (i = 0; i < count; i++) {
		sw_text(w, 0, n[i].key, MFA_XLSX_PLAIN);
		sw_text(w, 1, n[i].status, MFA_XLSX_PLAIN);
		sw_text(w, 2, n[i].text, MFA_XLSX_PLAIN);
		sw_text(w, 3, n[i].meaning, MFA_XLSX_PLAIN);
		w->row++;
	}
	if (p->recommendation != MFA_POSTURE_READ || !p->rec_found)
		return;
	w->row++;
	sw_text(w, 0, "Microsoft's recommendation", MFA_XLSX_TITLE);
	w->row++;
	sw_count(w, "Microsoft counts", p->rec_count);
	sw_count(w, "this run counts", p->ours);
	posture_list(w, "only Microsoft counts", &p->only_microsoft);
	posture_list(w, "only this run counts", &p->only_ours);
}

static int summary_write(struct xlsx_sink *s, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct summary_writer w = { s, s->summary, 0, err, 0 };
	static const char *const reg_headers[MFA_REG__COUNT] = {
		[MFA_REG_UNKNOWN] = "registration unknown",
		[MFA_REG_NOT_REGISTERED] = "not registered",
		[MFA_REG_REGISTERED] = "registered",
	};
	/* Registered first: the matrix reads left to right from good to bad. */
	static const enum mfa_reg_status reg_order[MFA_REG__COUNT] = {
		MFA_REG_REGISTERED, MFA_REG_NOT_REGISTERED, MFA_REG_UNKNOWN
	};
	char buf[512];
	lxw_row_t first, last;
	const lxw_col_t chart_col = 6; /* right of the widest table */
	lxw_row_t chart_row = 1;
	unsigned long total;
	int i, j;

	worksheet_set_column(w.ws, 0, 0, 34, NULL);
	worksheet_set_column(w.ws, 1, 4, 18, NULL);

	sw_text(&w, 0, "mfa-migrate report", MFA_XLSX_TITLE);
	w.row += 2;

	/* Run facts. */
	sw_fact(&w, "command", sum->command);
	if (sum->source_path)
		snprintf(buf, sizeof(buf), "%s: %s", sum->source_kind ? sum->source_kind : "",
			 sum->source_path);
	else
		snprintf(buf, sizeof(buf), "%s", sum->source_kind ? sum->source_kind : "");
	sw_fact(&w, "source", buf);
	if (sum->registration_path)
		sw_fact(&w, "registration", sum->registration_path);
	sw_fact(&w, "format", sum->format);
	sw_fact(&w, "tenant", sum->tenant_id ? sum->tenant_id : "unknown");
	sw_count(&w, "input rows", sum->input_rows);
	sw_count(&w, "bad rows", sum->bad_rows);
	if (sum->registration_path)
		sw_count(&w, "joined to registration", sum->joined);
	sw_count(&w, "users", sum->users);
	sw_count(&w, "guests", sum->guests);
	sw_count(&w, "admins", sum->admins);
	sw_count(&w, "sign-in blocked", sum->sign_in_blocked);
	{
		struct tm tm;
		time_t t = sum->started.tv_sec;

		if (t > 0 && gmtime_r(&t, &tm) &&
		    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
			sw_fact(&w, "started (UTC)", buf);
	}
	sw_text(&w, 0, "seconds", MFA_XLSX_BOLD);
	sw_number_fmt(&w, 1, sum->seconds, MFA_XLSX_DECIMAL);
	w.row++;
	if (sum->incomplete)
		sw_fact(&w, "incomplete", "interrupted: the report does not cover every user");
	if (sum->has_plan) {
		double secs = mfa_summary_min_apply_seconds(sum);

		sw_text(&w, 0, "least time to apply (seconds)", MFA_XLSX_BOLD);
		sw_number_fmt(&w, 1, secs, MFA_XLSX_DECIMAL);
		format_duration(secs, buf, sizeof(buf));
		sw_text(&w, 2, buf, MFA_XLSX_PLAIN);
		snprintf(buf, sizeof(buf), "at Graph's write quota, %d writes per %d s",
			 MFA_WRITE_QUOTA_WRITES, MFA_WRITE_QUOTA_SECONDS);
		sw_text(&w, 3, buf, MFA_XLSX_PLAIN);
		w.row++;
	}
	w.row++;

	/* What changed leads: a scheduled run is read for that first. */
	if (sum->changes) {
		const struct mfa_change_counts *c = sum->changes;

		sw_text(&w, 0, "changes since the previous run", MFA_XLSX_TITLE);
		w.row++;
		sw_fact(&w, "previous run", sum->compare_path ? sum->compare_path :
			s->baseline ? mfa_baseline_path(s->baseline) : "");
		/* An interrupted run does not count the previous users (the
		 * removed ones were maybe just not reached): say so rather than
		 * show a 0. */
		if (sum->incomplete)
			sw_fact(&w, "previous users", "not counted: the run was interrupted");
		else
			sw_count(&w, "previous users", c->previous_users);
		sw_count(&w, "users changed", c->changed);
		sw_text(&w, 0, "change", MFA_XLSX_BOLD);
		sw_text(&w, 1, "users", MFA_XLSX_BOLD);
		w.row++;
		for (i = 0; i < MFA_CHANGE__COUNT; i++) {
			sw_text(&w, 0, mfa_change_kind_name((enum mfa_change_kind)i), MFA_XLSX_PLAIN);
			sw_number(&w, 1, (double)c->by_kind[i]);
			w.row++;
		}
		w.row++;
	}

	/* Users by class: state rows x registration columns, with totals. */
	sw_text(&w, 0, "users by class", MFA_XLSX_TITLE);
	w.row++;
	sw_text(&w, 0, "per-user MFA state", MFA_XLSX_BOLD);
	for (j = 0; j < MFA_REG__COUNT; j++)
		sw_text(&w, (lxw_col_t)(1 + j), reg_headers[reg_order[j]], MFA_XLSX_BOLD);
	sw_text(&w, 1 + MFA_REG__COUNT, "total", MFA_XLSX_BOLD);
	w.row++;
	first = w.row;
	for (i = 0; i < MFA_STATE__COUNT; i++) {
		total = 0;
		sw_text(&w, 0, mfa_state_name((enum mfa_state)i), MFA_XLSX_PLAIN);
		for (j = 0; j < MFA_REG__COUNT; j++) {
			unsigned long n = sum->by_class[i][reg_order[j]];

			sw_number(&w, (lxw_col_t)(1 + j), (double)n);
			total += n;
		}
		sw_number(&w, 1 + MFA_REG__COUNT, (double)total);
		w.row++;
	}
	last = w.row - 1;
	sw_text(&w, 0, "total", MFA_XLSX_BOLD);
	for (j = 0; j <= MFA_REG__COUNT; j++) {
		total = 0;
		for (i = 0; i < MFA_STATE__COUNT; i++) {
			if (j < MFA_REG__COUNT) {
				total += sum->by_class[i][reg_order[j]];
			} else {
				int k;

				for (k = 0; k < MFA_REG__COUNT; k++)
					total += sum->by_class[i][k];
			}
		}
		sw_number(&w, (lxw_col_t)(1 + j), (double)total);
	}
	w.row += 2;
	summary_chart(&w, LXW_CHART_COLUMN, "users by per-user MFA state", first, last, 0,
		      1 + MFA_REG__COUNT, chart_row, chart_col);
	chart_row += 16;

	if (sum->has_plan) {
		sw_text(&w, 0, "users by action", MFA_XLSX_TITLE);
		w.row++;
		sw_text(&w, 0, "action", MFA_XLSX_BOLD);
		sw_text(&w, 1, "users", MFA_XLSX_BOLD);
		w.row++;
		first = w.row;
		for (i = 0; i < MFA_ACTION__COUNT; i++) {
			sw_text(&w, 0, mfa_action_name((enum mfa_action)i), MFA_XLSX_PLAIN);
			sw_number(&w, 1, (double)sum->by_action[i]);
			w.row++;
		}
		last = w.row - 1;
		w.row++;
		summary_chart(&w, LXW_CHART_PIE, "users by action", first, last, 0, 1,
			      chart_row, chart_col);
		chart_row += 16;

		sw_text(&w, 0, "users held, by reason", MFA_XLSX_TITLE);
		w.row++;
		sw_text(&w, 0, "reason", MFA_XLSX_BOLD);
		sw_text(&w, 1, "users", MFA_XLSX_BOLD);
		w.row++;
		for (i = 0; i < MFA_HOLD__COUNT; i++) {
			if (i == MFA_HOLD_NONE)
				continue;
			sw_text(&w, 0, mfa_hold_reason_name((enum mfa_hold_reason)i), MFA_XLSX_PLAIN);
			sw_number(&w, 1, (double)sum->by_hold[i]);
			w.row++;
		}
		w.row++;
	}

	sw_text(&w, 0, "users by finding", MFA_XLSX_TITLE);
	w.row++;
	sw_text(&w, 0, "finding", MFA_XLSX_BOLD);
	sw_text(&w, 1, "severity", MFA_XLSX_BOLD);
	sw_text(&w, 2, "users", MFA_XLSX_BOLD);
	sw_text(&w, 3, "advice", MFA_XLSX_BOLD);
	w.row++;
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		enum mfa_finding f = (enum mfa_finding)i;

		sw_text(&w, 0, mfa_finding_name(f), MFA_XLSX_PLAIN);
		sw_text(&w, 1, mfa_severity_name(mfa_finding_severity_at(f, sum->now)), MFA_XLSX_PLAIN);
		sw_number(&w, 2, (double)sum->by_finding[i]);
		/* Long: it runs on over the empty cells to its right. */
		sw_text(&w, 3, mfa_finding_advice(f), MFA_XLSX_PLAIN);
		w.row++;
	}
	w.row++;

	sw_text(&w, 0, "users by risk", MFA_XLSX_TITLE);
	w.row++;
	sw_text(&w, 0, "risk", MFA_XLSX_BOLD);
	sw_text(&w, 1, "users", MFA_XLSX_BOLD);
	w.row++;
	for (i = MFA_SEV__COUNT - 1; i >= 0; i--) {
		sw_text(&w, 0, mfa_severity_name((enum mfa_severity)i), MFA_XLSX_PLAIN);
		sw_number(&w, 1, (double)sum->by_risk[i]);
		w.row++;
	}
	w.row++;

	if (sum->history_root) {
		trend_table(&w, sum, chart_row, chart_col);
		chart_row += 16;
	}

	if (sum->coverage_checked) {
		sw_text(&w, 0, "Conditional Access coverage", MFA_XLSX_TITLE);
		w.row++;
		sw_text(&w, 0, "coverage", MFA_XLSX_BOLD);
		sw_text(&w, 1, "users", MFA_XLSX_BOLD);
		w.row++;
		first = w.row;
		for (i = 0; i < MFA_COVERAGE__COUNT; i++) {
			sw_text(&w, 0, mfa_coverage_name((enum mfa_coverage_verdict)i), MFA_XLSX_PLAIN);
			sw_number(&w, 1, (double)sum->by_coverage[i]);
			w.row++;
		}
		last = w.row - 1;
		w.row++;
		summary_chart(&w, LXW_CHART_BAR, "users by Conditional Access coverage", first, last, 0,
			      1, chart_row, chart_col);
		chart_row += 16;
	}

	if (sum->what_if) { /* --what-if (mfa/model/whatif.h) */
		sw_text(&w, 0, "What If cross-check", MFA_XLSX_TITLE);
		w.row++;
		sw_count(&w, "classes", sum->what_if->classes);
		sw_count(&w, "classes asked", sum->what_if->classes_asked);
		sw_count(&w, "classes that disagree", sum->what_if->classes_disagree);
		sw_count(&w, "users who agree", sum->what_if->users_agree);
		sw_count(&w, "users who disagree", sum->what_if->users_disagree);
		sw_count(&w, "users not checked", sum->what_if->users_not_checked);
		sw_count(&w, "What If requests", sum->what_if->requests);
		w.row++;
	}

	sw_text(&w, 0, "tenant notes", MFA_XLSX_TITLE);
	w.row++;
	sw_fact(&w, "security defaults", sum->security_defaults < 0 ? "unknown (not read)"
					 : sum->security_defaults ? "on" : "off");
	if (sum->ca_policies >= 0)
		sw_count(&w, "Conditional Access policies", (unsigned long)sum->ca_policies);
	else
		sw_fact(&w, "Conditional Access policies", "not read");
	for (i = 0; mfa_tenant_notes[i]; i++) {
		sw_text(&w, 0, "rebuild in Conditional Access", MFA_XLSX_BOLD);
		sw_text(&w, 1, mfa_tenant_notes[i], MFA_XLSX_PLAIN);
		w.row++;
	}
	if (sum->posture)
		posture_block(&w, sum->posture);
	return w.failed ? -1 : 0;
}

/* ---- lifecycle ------------------------------------------------------- */

static int xlsx_finish(struct mfa_sink *base, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct xlsx_sink *s = (struct xlsx_sink *)base;

	if (s->finished || !s->book)
		return mfa_err_set(err, "cannot write '%s': report already finished", XLSX_FILE);
	/* The sheets in their final order: the last Users sheet is done, so
	 * the spooled sheets follow it. */
	if (mfa_xlsx_table_end(s->users, err) < 0 ||
	    (s->has_plan && plan_write(s, err) < 0) ||
	    findings_write(s, sum->now, err) < 0 ||
	    (s->baseline && changes_write(s, sum->incomplete, err) < 0) ||
	    summary_write(s, sum, err) < 0 ||
	    mfa_xlsx_book_commit(s->book, err) < 0)
		return -1;
	s->finished = 1;
	return 0;
}

static void xlsx_free(struct mfa_sink *base)
{
	struct xlsx_sink *s = (struct xlsx_sink *)base;

	if (!s)
		return;
	/* Not finished: the book closes its workbook and removes the file. */
	mfa_xlsx_book_free(s->book);
	mfa_spool_free(s->plan_rows);
	mfa_spool_free(s->finding_rows);
	mfa_spool_free(s->change_rows);
	free(s->dir);
	free(s);
}

static const struct mfa_sink_ops xlsx_ops = {
	xlsx_row,
	xlsx_finish,
	xlsx_free,
};

void mfa_xlsx_sink_set_baseline(struct mfa_sink *base, struct mfa_baseline *baseline)
{
	struct xlsx_sink *s = (struct xlsx_sink *)base;

	/* Only an xlsx sink, and only before its first row: a Changes sheet
	 * that missed users would look complete and be wrong. */
	if (!base || base->ops != &xlsx_ops || s->started || s->finished)
		return;
	s->baseline = baseline;
}

int mfa_xlsx_sink_open_opt(struct mfa_sink **out, const char *dir,
			   const struct mfa_xlsx_sink_options *o, struct mfa_err *err)
{
	struct mfa_xlsx_book_options bo = MFA_XLSX_BOOK_OPTIONS_INIT;
	struct xlsx_sink *s = NULL;
	int rc = -1;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = mfa_err_set(err, "cannot open '%s/%s': out of memory", dir, XLSX_FILE);
		goto cleanup;
	}
	s->base.ops = &xlsx_ops;
	s->base.name = XLSX_FILE;
	s->has_plan = o->has_plan;
	s->dir = strdup(dir);
	if (!s->dir) {
		rc = mfa_err_set(err, "cannot open '%s/%s': out of memory", dir, XLSX_FILE);
		goto cleanup;
	}
	bo.rows_per_sheet = o->rows_per_sheet;
	if (mfa_xlsx_book_open(&s->book, dir, XLSX_FILE, &bo, err) < 0 ||
	    mfa_xlsx_book_sheet(s->book, "Summary", &s->summary, err) < 0 ||
	    mfa_xlsx_table_add(&s->users, s->book, &users_spec, err) < 0 ||
	    (s->has_plan && mfa_spool_new(&s->plan_rows, dir, err) < 0) ||
	    mfa_spool_new(&s->finding_rows, dir, err) < 0)
		goto cleanup;

	*out = &s->base;
	s = NULL;
	rc = 0;
cleanup:
	if (s)
		xlsx_free(&s->base);
	return rc;
}

int mfa_xlsx_sink_open(struct mfa_sink **out, const char *dir, int has_plan,
		       struct mfa_err *err)
{
	struct mfa_xlsx_sink_options o = MFA_XLSX_SINK_OPTIONS_INIT;

	o.has_plan = has_plan;
	return mfa_xlsx_sink_open_opt(out, dir, &o, err);
}
