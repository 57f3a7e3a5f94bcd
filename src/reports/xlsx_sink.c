/* xlsx_sink.c - report.xlsx: Summary, Users, Plan, Findings, and with
 * audit --compare, Changes.
 *
 * Written with libxlsxwriter in constant-memory mode: each sheet streams its
 * rows to a temporary file in the output folder as they arrive, so memory
 * stays flat whatever the tenant's size. The price is that rows of a sheet
 * go out in increasing order only; sheets may interleave. Summary is added
 * first (so it is the first tab) but filled only in finish, when the counts
 * are known.
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
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <xlsxwriter.h>

#include "mfa/model/compare.h"
#include "mfa/util/outfile.h"
#include "mfa/model/sink.h"
#include "mfa/model/columns.h"

#define XLSX_FILE "report.xlsx"
#define XLSX_TMP_SUFFIX ".tmp"

/* Excel: 1,048,576 rows a sheet, the header included. */
#define XLSX_ROWS_DEFAULT 1048575UL

/* Excel's limit on the text of a cell, in UTF-16 code units. */
#define XLSX_CELL_UNITS 32767u

/* Room for a truncated or repaired cell: every unit as a 3-byte sequence
 * (U+FFFD), or two units as one 4-byte sequence, plus the terminator. */
#define XLSX_SCRATCH_SIZE (XLSX_CELL_UNITS * 3u + 1u)

/* Column widths of the Users sheet, by enum mfa_user_column; its headers
 * and values come from reports/columns.h, shared with users.csv. */
static const double users_widths[MFA_COL__COUNT] = {
	[MFA_COL_ID] = 38,
	[MFA_COL_UPN] = 36,
	[MFA_COL_DISPLAY_NAME] = 28,
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

/* One logical sheet (Users, Plan, Findings, Changes) and the worksheets it spans. */
struct xlsx_part {
	const char *title;
	const char *const *headers;
	const double *widths;
	lxw_col_t ncols;
	lxw_worksheet **sheets; /* owned array; the worksheets are the workbook's */
	size_t nsheets;
	unsigned long rows;     /* data rows on the last sheet */
};

struct xlsx_sink {
	struct mfa_sink base;
	lxw_workbook *wb;        /* NULL once closed */
	char *tmp_path;          /* owned */
	char *final_path;        /* owned */
	char *tmpdir;            /* owned; libxlsxwriter keeps the pointer */
	int has_plan;
	int finished;
	int started;             /* a row has arrived */
	unsigned long max_rows;
	lxw_format *bold;
	lxw_format *title;
	lxw_format *decimal;     /* "0.0" for seconds */
	lxw_worksheet *summary;
	struct xlsx_part users;
	struct xlsx_part plan;
	struct xlsx_part findings;
	struct xlsx_part changes;  /* only with a baseline; its sheet added lazily */
	const struct mfa_baseline *baseline; /* borrowed; NULL: no Changes sheet */
	char *scratch;           /* XLSX_SCRATCH_SIZE, for repaired cells; lazily */
	struct mfa_column_scratch columns;
};

unsigned long mfa_xlsx_rows_per_sheet(void)
{
	const char *env = getenv("MFA_XLSX_MAX_ROWS");
	unsigned long v;
	char *end;

	if (!env || !*env)
		return XLSX_ROWS_DEFAULT;
	errno = 0;
	v = strtoul(env, &end, 10);
	/* Only a plain positive number below Excel's limit lowers it; anything
	 * else (0, junk, "-3" which strtoul would wrap) keeps the default. */
	if (errno || *end || env[0] == '-' || env[0] == '+' || v == 0 ||
	    v > XLSX_ROWS_DEFAULT)
		return XLSX_ROWS_DEFAULT;
	return v;
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when the bytes there
 * are not one: overlong forms, surrogates, code points past U+10FFFF and
 * the XML non-characters U+FFFE/U+FFFF all count as invalid, since any of
 * them makes the sheet unreadable to Excel. */
static size_t utf8_seq_len(const unsigned char *p)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && p[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && p[1] >= 0xA0)
			return 0; /* surrogate */
		if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
			return 0; /* U+FFFE, U+FFFF */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && p[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xF4 && p[1] >= 0x90)
			return 0; /* past U+10FFFF */
		return 4;
	}
	return 0;
}

/* Copies text into the scratch buffer, replacing invalid bytes with U+FFFD
 * and stopping at Excel's cell limit. */
static const char *cell_repair(struct xlsx_sink *s, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t out = 0;
	unsigned units = 0;

	if (!s->scratch) {
		s->scratch = malloc(XLSX_SCRATCH_SIZE);
		if (!s->scratch)
			return NULL;
	}
	while (*p) {
		size_t n = utf8_seq_len(p);
		unsigned need = n == 4 ? 2u : 1u;

		if (units + need > XLSX_CELL_UNITS)
			break;
		if (n == 0) {
			memcpy(s->scratch + out, "\xEF\xBF\xBD", 3);
			out += 3;
			p++;
		} else {
			memcpy(s->scratch + out, p, n);
			out += n;
			p += n;
		}
		units += need;
	}
	s->scratch[out] = '\0';
	return s->scratch;
}

/* The text to hand libxlsxwriter for a cell: text itself when it is valid
 * UTF-8 within Excel's limit (the common case, no copy), else a repaired
 * copy in the scratch buffer (valid until the next call). NULL: no memory. */
static const char *cell_text(struct xlsx_sink *s, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned units = 0;

	for (;;) {
		/* ASCII run: the usual content of every column. */
		while (*p && *p < 0x80 && units < XLSX_CELL_UNITS) {
			p++;
			units++;
		}
		if (!*p)
			return text;
		if (units >= XLSX_CELL_UNITS)
			return cell_repair(s, text);
		{
			size_t n = utf8_seq_len(p);
			unsigned need = n == 4 ? 2u : 1u;

			if (n == 0 || units + need > XLSX_CELL_UNITS)
				return cell_repair(s, text);
			p += n;
			units += need;
		}
	}
}

static int put_string(struct xlsx_sink *s, lxw_worksheet *ws, lxw_row_t row,
		      lxw_col_t col, const char *text, lxw_format *fmt,
		      struct mfa_err *err)
{
	lxw_error e;

	if (!text || !*text)
		return 0;
	text = cell_text(s, text);
	if (!text)
		return mfa_err_set(err, "cannot write '%s': out of memory", s->tmp_path);
	e = worksheet_write_string(ws, row, col, text, fmt);
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", s->tmp_path,
				   lxw_strerror(e));
	return 0;
}

static int put_number(struct xlsx_sink *s, lxw_worksheet *ws, lxw_row_t row,
		      lxw_col_t col, double v, lxw_format *fmt, struct mfa_err *err)
{
	lxw_error e = worksheet_write_number(ws, row, col, v, fmt);

	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", s->tmp_path,
				   lxw_strerror(e));
	return 0;
}

/* Adds the part's next worksheet ("Users", then "Users (2)", ...) with its
 * column widths, frozen bold header and nothing else. */
static int part_add_sheet(struct xlsx_sink *s, struct xlsx_part *p, struct mfa_err *err)
{
	char name[32]; /* Excel allows 31 characters */
	lxw_worksheet **grown;
	lxw_worksheet *ws;
	lxw_col_t c;

	if (p->nsheets == 0)
		snprintf(name, sizeof(name), "%s", p->title);
	else
		snprintf(name, sizeof(name), "%s (%zu)", p->title, p->nsheets + 1);
	if (p->nsheets >= (size_t)UINT16_MAX)
		return mfa_err_set(err, "cannot write '%s': too many sheets", s->tmp_path);
	grown = realloc(p->sheets, (p->nsheets + 1) * sizeof(*grown));
	if (!grown)
		return mfa_err_set(err, "cannot write '%s': out of memory", s->tmp_path);
	p->sheets = grown;
	ws = workbook_add_worksheet(s->wb, name);
	if (!ws)
		return mfa_err_set(err, "cannot write '%s': cannot add sheet '%s'",
				   s->tmp_path, name);
	p->sheets[p->nsheets++] = ws;
	p->rows = 0;

	/* Widths and panes are kept in memory and written at close, so they
	 * may be set at any time; the header row must come first. */
	for (c = 0; c < p->ncols; c++)
		worksheet_set_column(ws, c, c, p->widths[c], NULL);
	worksheet_freeze_panes(ws, 1, 0);
	for (c = 0; c < p->ncols; c++)
		if (put_string(s, ws, 0, c, p->headers[c], s->bold, err) < 0)
			return -1;
	return 0;
}

/* Sets the autofilter over the header and data of the part's last sheet.
 * In constant-memory mode libxlsxwriter refuses ranges that end above the
 * row it is still holding, so this runs when the sheet is complete: when
 * it continues on a new sheet, or in finish. The range then ends on exactly
 * that held row (or the header), which it accepts. */
static int part_close_sheet(struct xlsx_sink *s, struct xlsx_part *p, struct mfa_err *err)
{
	lxw_error e;

	if (p->nsheets == 0)
		return 0;
	e = worksheet_autofilter(p->sheets[p->nsheets - 1], 0, 0,
				 (lxw_row_t)p->rows, (lxw_col_t)(p->ncols - 1));
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': autofilter: %s",
				   s->tmp_path, lxw_strerror(e));
	return 0;
}

/* The worksheet and row for the part's next data row, continuing on a new
 * sheet when the current one is full. */
static int part_next_row(struct xlsx_sink *s, struct xlsx_part *p, lxw_worksheet **ws,
			 lxw_row_t *row, struct mfa_err *err)
{
	if (p->rows >= s->max_rows) {
		if (part_close_sheet(s, p, err) < 0 || part_add_sheet(s, p, err) < 0)
			return -1;
	}
	p->rows++;
	*ws = p->sheets[p->nsheets - 1];
	*row = (lxw_row_t)p->rows;
	return 0;
}

static void part_release(struct xlsx_part *p)
{
	free(p->sheets);
	p->sheets = NULL;
	p->nsheets = 0;
}

/* The Changes sheet is added with the first row (or in finish, for a run
 * without users) rather than in mfa_xlsx_sink_set_baseline, which cannot
 * report an error. */
static int changes_ready(struct xlsx_sink *s, struct mfa_err *err)
{
	if (s->changes.nsheets > 0)
		return 0;
	return part_add_sheet(s, &s->changes, err);
}

/* mfa_change_row_fn: one change on the Changes sheet, as in changes.csv. */
static int put_change_row(void *ctx, const struct mfa_change_row *c, struct mfa_err *err)
{
	struct xlsx_sink *s = ctx;
	lxw_worksheet *ws;
	lxw_row_t row;

	if (part_next_row(s, &s->changes, &ws, &row, err) < 0 ||
	    put_string(s, ws, row, 0, mfa_change_kind_name(c->kind), NULL, err) < 0 ||
	    put_string(s, ws, row, 1, mfa_severity_name(c->severity), NULL, err) < 0 ||
	    put_string(s, ws, row, 2, c->id, NULL, err) < 0 ||
	    put_string(s, ws, row, 3, c->upn, NULL, err) < 0 ||
	    put_string(s, ws, row, 4, c->display_name, NULL, err) < 0 ||
	    put_string(s, ws, row, 5, c->previous, NULL, err) < 0 ||
	    put_string(s, ws, row, 6, c->current, NULL, err) < 0 ||
	    put_string(s, ws, row, 7, c->detail, NULL, err) < 0)
		return -1;
	return 0;
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
	lxw_worksheet *ws;
	lxw_row_t row;
	int c, f;

	if (s->finished || !s->wb)
		return mfa_err_set(err, "cannot write '%s': report already finished",
				   s->tmp_path);
	s->started = 1;
	mfa_user_columns(r, &s->columns, col);

	/* Users: every user. */
	if (part_next_row(s, &s->users, &ws, &row, err) < 0)
		return -1;
	for (c = 0; c < MFA_COL__COUNT; c++)
		if (put_string(s, ws, row, (lxw_col_t)c, col[c], NULL, err) < 0)
			return -1;

	/* Plan: what apply will change or leave alone on purpose. */
	if (d && (d->action == MFA_ACTION_DISABLE || d->action == MFA_ACTION_HOLD)) {
		if (part_next_row(s, &s->plan, &ws, &row, err) < 0 ||
		    put_string(s, ws, row, 0, col[MFA_COL_ID], NULL, err) < 0 ||
		    put_string(s, ws, row, 1, col[MFA_COL_UPN], NULL, err) < 0 ||
		    put_string(s, ws, row, 2, col[MFA_COL_DISPLAY_NAME], NULL, err) < 0 ||
		    put_string(s, ws, row, 3, mfa_state_name(d->from), NULL, err) < 0 ||
		    put_string(s, ws, row, 4, col[MFA_COL_ACTION], NULL, err) < 0 ||
		    put_string(s, ws, row, 5, mfa_state_name(d->to), NULL, err) < 0 ||
		    put_string(s, ws, row, 6, col[MFA_COL_HOLD_REASON], NULL, err) < 0 ||
		    put_string(s, ws, row, 7, col[MFA_COL_RISK], NULL, err) < 0 ||
		    put_string(s, ws, row, 8, col[MFA_COL_FINDINGS], NULL, err) < 0)
			return -1;
	}

	/* Findings: one row per (user, finding). */
	for (f = 0; f < MFA_FINDING__COUNT; f++) {
		enum mfa_finding fi = (enum mfa_finding)f;

		if (!(v->findings & (1u << f)))
			continue;
		if (part_next_row(s, &s->findings, &ws, &row, err) < 0 ||
		    put_string(s, ws, row, 0, col[MFA_COL_UPN], NULL, err) < 0 ||
		    put_string(s, ws, row, 1, col[MFA_COL_ID], NULL, err) < 0 ||
		    put_string(s, ws, row, 2, mfa_finding_name(fi), NULL, err) < 0 ||
		    put_string(s, ws, row, 3, mfa_severity_name(mfa_finding_severity(fi)), NULL, err) < 0 ||
		    put_string(s, ws, row, 4, mfa_finding_advice(fi), NULL, err) < 0 ||
		    put_string(s, ws, row, 5, col[MFA_COL_STATE], NULL, err) < 0 ||
		    put_string(s, ws, row, 6, col[MFA_COL_CLASS], NULL, err) < 0)
			return -1;
	}

	/* Changes: this user's changes since the previous run. Pure: the
	 * baseline is not marked here. */
	if (s->baseline) {
		struct mfa_change_set cs;

		mfa_compare_user(s->baseline, r->user, v, &cs);
		if (changes_ready(s, err) < 0 ||
		    mfa_change_rows(s->baseline, &cs, r->user, v, put_change_row, s, err) != 0)
			return -1;
	}
	return 0;
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

static void sw_text(struct summary_writer *w, lxw_col_t col, const char *text, lxw_format *fmt)
{
	if (!w->failed && put_string(w->s, w->ws, w->row, col, text, fmt, w->err) < 0)
		w->failed = 1;
}

static void sw_number_fmt(struct summary_writer *w, lxw_col_t col, double v, lxw_format *fmt)
{
	if (!w->failed && put_number(w->s, w->ws, w->row, col, v, fmt, w->err) < 0)
		w->failed = 1;
}

static void sw_number(struct summary_writer *w, lxw_col_t col, double v)
{
	sw_number_fmt(w, col, v, NULL);
}

static void sw_fact(struct summary_writer *w, const char *label, const char *text)
{
	sw_text(w, 0, label, w->s->bold);
	sw_text(w, 1, text, NULL);
	w->row++;
}

static void sw_count(struct summary_writer *w, const char *label, unsigned long v)
{
	sw_text(w, 0, label, w->s->bold);
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
	chart = workbook_add_chart(w->s->wb, type);
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
		mfa_err_set(w->err, "cannot write '%s': chart: %s", w->s->tmp_path,
			    lxw_strerror(e));
		w->failed = 1;
	}
	return;
fail:
	mfa_err_set(w->err, "cannot write '%s': cannot add chart", w->s->tmp_path);
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

	sw_text(w, 0, "trend across the kept runs", w->s->title);
	w->row++;
	sw_text(w, 0, "run", w->s->bold);
	sw_text(w, 1, "users", w->s->bold);
	for (i = 0; i < MFA_STATE__COUNT; i++)
		sw_text(w, (lxw_col_t)(2 + i), mfa_state_name((enum mfa_state)i), w->s->bold);
	for (i = 0; i < MFA_FINDING__COUNT; i++)
		sw_text(w, (lxw_col_t)(2 + MFA_STATE__COUNT + i), mfa_finding_name((enum mfa_finding)i),
			w->s->bold);
	w->row++;
	first = w->row;
	for (k = 0; k < sum->history_nruns; k++) {
		const struct mfa_run_counts *run = &sum->history_runs[k];

		sw_text(w, 0, run->run, NULL);
		sw_number(w, 1, (double)run->users);
		for (i = 0; i < MFA_STATE__COUNT; i++)
			sw_number(w, (lxw_col_t)(2 + i), (double)run->by_state[i]);
		for (i = 0; i < MFA_FINDING__COUNT; i++)
			sw_number(w, (lxw_col_t)(2 + MFA_STATE__COUNT + i), (double)run->by_finding[i]);
		w->row++;
	}
	/* this run */
	sw_text(w, 0, "this run", w->s->bold);
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
	chart = workbook_add_chart(w->s->wb, LXW_CHART_LINE);
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

	sw_text(&w, 0, "mfa-migrate report", s->title);
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
	sw_text(&w, 0, "seconds", s->bold);
	sw_number_fmt(&w, 1, sum->seconds, s->decimal);
	w.row++;
	if (sum->incomplete)
		sw_fact(&w, "incomplete", "interrupted: the report does not cover every user");
	if (sum->has_plan) {
		double secs = mfa_summary_min_apply_seconds(sum);

		sw_text(&w, 0, "least time to apply (seconds)", s->bold);
		sw_number_fmt(&w, 1, secs, s->decimal);
		format_duration(secs, buf, sizeof(buf));
		sw_text(&w, 2, buf, NULL);
		snprintf(buf, sizeof(buf), "at Graph's write quota, %d writes per %d s",
			 MFA_WRITE_QUOTA_WRITES, MFA_WRITE_QUOTA_SECONDS);
		sw_text(&w, 3, buf, NULL);
		w.row++;
	}
	w.row++;

	/* What changed leads: a scheduled run is read for that first. */
	if (sum->changes) {
		const struct mfa_change_counts *c = sum->changes;

		sw_text(&w, 0, "changes since the previous run", s->title);
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
		sw_text(&w, 0, "change", s->bold);
		sw_text(&w, 1, "users", s->bold);
		w.row++;
		for (i = 0; i < MFA_CHANGE__COUNT; i++) {
			sw_text(&w, 0, mfa_change_kind_name((enum mfa_change_kind)i), NULL);
			sw_number(&w, 1, (double)c->by_kind[i]);
			w.row++;
		}
		w.row++;
	}

	/* Users by class: state rows x registration columns, with totals. */
	sw_text(&w, 0, "users by class", s->title);
	w.row++;
	sw_text(&w, 0, "per-user MFA state", s->bold);
	for (j = 0; j < MFA_REG__COUNT; j++)
		sw_text(&w, (lxw_col_t)(1 + j), reg_headers[reg_order[j]], s->bold);
	sw_text(&w, 1 + MFA_REG__COUNT, "total", s->bold);
	w.row++;
	first = w.row;
	for (i = 0; i < MFA_STATE__COUNT; i++) {
		total = 0;
		sw_text(&w, 0, mfa_state_name((enum mfa_state)i), NULL);
		for (j = 0; j < MFA_REG__COUNT; j++) {
			unsigned long n = sum->by_class[i][reg_order[j]];

			sw_number(&w, (lxw_col_t)(1 + j), (double)n);
			total += n;
		}
		sw_number(&w, 1 + MFA_REG__COUNT, (double)total);
		w.row++;
	}
	last = w.row - 1;
	sw_text(&w, 0, "total", s->bold);
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
		sw_text(&w, 0, "users by action", s->title);
		w.row++;
		sw_text(&w, 0, "action", s->bold);
		sw_text(&w, 1, "users", s->bold);
		w.row++;
		first = w.row;
		for (i = 0; i < MFA_ACTION__COUNT; i++) {
			sw_text(&w, 0, mfa_action_name((enum mfa_action)i), NULL);
			sw_number(&w, 1, (double)sum->by_action[i]);
			w.row++;
		}
		last = w.row - 1;
		w.row++;
		summary_chart(&w, LXW_CHART_PIE, "users by action", first, last, 0, 1,
			      chart_row, chart_col);
		chart_row += 16;

		sw_text(&w, 0, "users held, by reason", s->title);
		w.row++;
		sw_text(&w, 0, "reason", s->bold);
		sw_text(&w, 1, "users", s->bold);
		w.row++;
		for (i = 0; i < MFA_HOLD__COUNT; i++) {
			if (i == MFA_HOLD_NONE)
				continue;
			sw_text(&w, 0, mfa_hold_reason_name((enum mfa_hold_reason)i), NULL);
			sw_number(&w, 1, (double)sum->by_hold[i]);
			w.row++;
		}
		w.row++;
	}

	sw_text(&w, 0, "users by finding", s->title);
	w.row++;
	sw_text(&w, 0, "finding", s->bold);
	sw_text(&w, 1, "severity", s->bold);
	sw_text(&w, 2, "users", s->bold);
	sw_text(&w, 3, "advice", s->bold);
	w.row++;
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		enum mfa_finding f = (enum mfa_finding)i;

		sw_text(&w, 0, mfa_finding_name(f), NULL);
		sw_text(&w, 1, mfa_severity_name(mfa_finding_severity(f)), NULL);
		sw_number(&w, 2, (double)sum->by_finding[i]);
		/* Long: it runs on over the empty cells to its right. */
		sw_text(&w, 3, mfa_finding_advice(f), NULL);
		w.row++;
	}
	w.row++;

	sw_text(&w, 0, "users by risk", s->title);
	w.row++;
	sw_text(&w, 0, "risk", s->bold);
	sw_text(&w, 1, "users", s->bold);
	w.row++;
	for (i = MFA_SEV__COUNT - 1; i >= 0; i--) {
		sw_text(&w, 0, mfa_severity_name((enum mfa_severity)i), NULL);
		sw_number(&w, 1, (double)sum->by_risk[i]);
		w.row++;
	}
	w.row++;

	if (sum->history_root) {
		trend_table(&w, sum, chart_row, chart_col);
		chart_row += 16;
	}

	if (sum->coverage_checked) {
		sw_text(&w, 0, "Conditional Access coverage", s->title);
		w.row++;
		sw_text(&w, 0, "coverage", s->bold);
		sw_text(&w, 1, "users", s->bold);
		w.row++;
		first = w.row;
		for (i = 0; i < MFA_COVERAGE__COUNT; i++) {
			sw_text(&w, 0, mfa_coverage_name((enum mfa_coverage_verdict)i), NULL);
			sw_number(&w, 1, (double)sum->by_coverage[i]);
			w.row++;
		}
		last = w.row - 1;
		w.row++;
		summary_chart(&w, LXW_CHART_BAR, "users by Conditional Access coverage", first, last, 0,
			      1, chart_row, chart_col);
		chart_row += 16;
	}

	sw_text(&w, 0, "tenant notes", s->title);
	w.row++;
	sw_fact(&w, "security defaults", sum->security_defaults < 0 ? "unknown (not read)"
					 : sum->security_defaults ? "on" : "off");
	if (sum->ca_policies >= 0)
		sw_count(&w, "Conditional Access policies", (unsigned long)sum->ca_policies);
	else
		sw_fact(&w, "Conditional Access policies", "not read");
	for (i = 0; mfa_tenant_notes[i]; i++) {
		sw_text(&w, 0, "rebuild in Conditional Access", s->bold);
		sw_text(&w, 1, mfa_tenant_notes[i], NULL);
		w.row++;
	}
	return w.failed ? -1 : 0;
}

/* ---- lifecycle ------------------------------------------------------- */

/* Puts the continuation sheets next to their first sheet: Summary, Users,
 * Users (2), Plan, Findings, Changes. libxlsxwriter orders sheets by creation and
 * has no call to move one, but a "Users (2)" is only created when Users
 * fills up, after Plan and Findings exist. Its workbook keeps the order in
 * two public lists (sheets, worksheets) and each worksheet's index, all of
 * which are read only at close (workbook.xml, its rels, app.xml, the
 * autofilter names' localSheetId), so rebuilding both lists and renumbering
 * before workbook_close gives a consistent file. tests/unit/test_xlsx_sink.c
 * checks the result through workbook.xml and its rels. */
static int reorder_sheets(struct xlsx_sink *s, struct mfa_err *err)
{
	struct xlsx_part *parts[4] = { &s->users, &s->plan, &s->findings, &s->changes };
	lxw_worksheet **order = NULL;
	lxw_sheet **wrap = NULL;
	size_t n = 1, k = 0, i, j;
	lxw_sheet *sh;
	int rc = -1;

	for (i = 0; i < COUNT_OF(parts); i++)
		n += parts[i]->nsheets;
	if (n != s->wb->num_sheets) {
		rc = mfa_err_set(err, "cannot write '%s': unexpected sheet count", s->tmp_path);
		goto cleanup;
	}
	order = calloc(n, sizeof(*order));
	wrap = calloc(n, sizeof(*wrap));
	if (!order || !wrap) {
		rc = mfa_err_set(err, "cannot write '%s': out of memory", s->tmp_path);
		goto cleanup;
	}
	order[k++] = s->summary;
	for (i = 0; i < COUNT_OF(parts); i++)
		for (j = 0; j < parts[i]->nsheets; j++)
			order[k++] = parts[i]->sheets[j];
	for (k = 0; k < n; k++) {
		STAILQ_FOREACH(sh, s->wb->sheets, list_pointers) {
			if (!sh->is_chartsheet && sh->u.worksheet == order[k])
				wrap[k] = sh;
		}
		if (!wrap[k]) {
			rc = mfa_err_set(err, "cannot write '%s': sheet list mismatch", s->tmp_path);
			goto cleanup;
		}
	}
	STAILQ_INIT(s->wb->sheets);
	STAILQ_INIT(s->wb->worksheets);
	for (k = 0; k < n; k++) {
		STAILQ_INSERT_TAIL(s->wb->sheets, wrap[k], list_pointers);
		STAILQ_INSERT_TAIL(s->wb->worksheets, order[k], list_pointers);
		order[k]->index = (uint16_t)k;
	}
	rc = 0;
cleanup:
	free(order);
	free(wrap);
	return rc;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int xlsx_finish(struct mfa_sink *base, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct xlsx_sink *s = (struct xlsx_sink *)base;
	lxw_error e;
	char *slash;

	if (s->finished || !s->wb)
		return mfa_err_set(err, "cannot write '%s': report already finished",
				   s->tmp_path);
	/* Removed users: none for an interrupted run, whose unseen users were
	 * maybe just not reached (as changes.csv). */
	if (s->baseline &&
	    (changes_ready(s, err) < 0 ||
	     (!sum->incomplete && changes_write_removed(s, err) < 0)))
		return -1;
	if (part_close_sheet(s, &s->users, err) < 0 ||
	    part_close_sheet(s, &s->plan, err) < 0 ||
	    part_close_sheet(s, &s->findings, err) < 0 ||
	    part_close_sheet(s, &s->changes, err) < 0 ||
	    summary_write(s, sum, err) < 0 ||
	    reorder_sheets(s, err) < 0)
		return -1;

	/* workbook_close writes the zip and frees the workbook, also on error. */
	e = workbook_close(s->wb);
	s->wb = NULL;
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", s->tmp_path, lxw_strerror(e));
	/* The file was created 0600 in open and fopen("wb") kept that mode;
	 * chmod again in case something replaced it meanwhile. */
	if (chmod(s->tmp_path, 0600) < 0 || fsync_path(s->tmp_path) < 0)
		return mfa_err_set(err, "cannot write '%s': %s", s->tmp_path, strerror(errno));
	if (rename(s->tmp_path, s->final_path) < 0)
		return mfa_err_set(err, "cannot rename '%s' to '%s': %s", s->tmp_path,
				   s->final_path, strerror(errno));
	s->finished = 1;
	/* The rename is durable once the folder is synced; a failure here
	 * leaves a complete file, so it is not an error. */
	slash = strrchr(s->final_path, '/');
	if (slash) {
		*slash = '\0';
		(void)fsync_path(s->final_path);
		*slash = '/';
	}
	return 0;
}

static void xlsx_free(struct mfa_sink *base)
{
	struct xlsx_sink *s = (struct xlsx_sink *)base;
	lxw_worksheet *ws;

	if (!s)
		return;
	if (s->wb) {
		/* Abandoned: drop the workbook without writing it. lxw_workbook_free
		 * does not close the sheets' constant-memory temporary files
		 * (already unlinked, but still open), so close them here. */
		LXW_FOREACH_WORKSHEET(ws, s->wb) {
			if (ws->optimize_tmpfile) {
				fclose(ws->optimize_tmpfile);
				ws->optimize_tmpfile = NULL;
				ws->file = NULL;
			}
		}
		lxw_workbook_free(s->wb);
		s->wb = NULL;
	}
	if (!s->finished && s->tmp_path)
		(void)unlink(s->tmp_path);
	part_release(&s->users);
	part_release(&s->plan);
	part_release(&s->findings);
	part_release(&s->changes);
	free(s->scratch);
	free(s->tmp_path);
	free(s->final_path);
	free(s->tmpdir);
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

int mfa_xlsx_sink_open(struct mfa_sink **out, const char *dir, int has_plan,
		       struct mfa_err *err)
{
	struct xlsx_sink *s = NULL;
	lxw_workbook_options opts;
	int fd;
	int rc = -1;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = mfa_err_set(err, "cannot open '%s/%s': out of memory", dir, XLSX_FILE);
		goto cleanup;
	}
	s->base.ops = &xlsx_ops;
	s->base.name = XLSX_FILE;
	s->has_plan = has_plan;
	s->max_rows = mfa_xlsx_rows_per_sheet();
	s->users = (struct xlsx_part){ "Users", mfa_user_column_names, users_widths,
				       MFA_COL__COUNT, NULL, 0, 0 };
	s->plan = (struct xlsx_part){ "Plan", plan_headers, plan_widths,
				      COUNT_OF(plan_headers), NULL, 0, 0 };
	s->findings = (struct xlsx_part){ "Findings", findings_headers, findings_widths,
					  COUNT_OF(findings_headers), NULL, 0, 0 };
	s->changes = (struct xlsx_part){ "Changes", changes_headers, changes_widths,
					 COUNT_OF(changes_headers), NULL, 0, 0 };
	s->final_path = mfa_path_join(dir, XLSX_FILE);
	s->tmp_path = mfa_path_join(dir, XLSX_FILE XLSX_TMP_SUFFIX);
	s->tmpdir = strdup(dir);
	if (!s->final_path || !s->tmp_path || !s->tmpdir) {
		rc = mfa_err_set(err, "cannot open '%s/%s': out of memory", dir, XLSX_FILE);
		goto cleanup;
	}

	/* libxlsxwriter creates its file only in workbook_close, with fopen's
	 * default mode. Creating it now, 0600, fails early on an unwritable
	 * folder and means the report is never readable by others: fopen("wb")
	 * truncates the file and keeps its mode. */
	fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = mfa_err_set(err, "cannot open '%s': %s", s->tmp_path, strerror(errno));
		goto cleanup;
	}
	if (fchmod(fd, 0600) < 0) {
		rc = mfa_err_set(err, "cannot open '%s': %s", s->tmp_path, strerror(errno));
		close(fd);
		goto cleanup;
	}
	close(fd);

	memset(&opts, 0, sizeof(opts));
	opts.constant_memory = LXW_TRUE;
	/* Sheet data waits in temporary files until close; keep them beside
	 * the report (same disk, same permissions) rather than in /tmp, which
	 * may be a small tmpfs. */
	opts.tmpdir = s->tmpdir;
	opts.use_zip64 = LXW_FALSE;
	s->wb = workbook_new_opt(s->tmp_path, &opts);
	if (!s->wb) {
		rc = mfa_err_set(err, "cannot open '%s': cannot create workbook", s->tmp_path);
		goto cleanup;
	}
	s->bold = workbook_add_format(s->wb);
	s->title = workbook_add_format(s->wb);
	s->decimal = workbook_add_format(s->wb);
	if (!s->bold || !s->title || !s->decimal) {
		rc = mfa_err_set(err, "cannot open '%s': out of memory", s->tmp_path);
		goto cleanup;
	}
	format_set_bold(s->bold);
	format_set_bold(s->title);
	format_set_font_size(s->title, 13);
	format_set_num_format(s->decimal, "0.0");

	s->summary = workbook_add_worksheet(s->wb, "Summary");
	if (!s->summary) {
		rc = mfa_err_set(err, "cannot open '%s': cannot add sheet 'Summary'", s->tmp_path);
		goto cleanup;
	}
	if (part_add_sheet(s, &s->users, err) < 0 ||
	    (has_plan && part_add_sheet(s, &s->plan, err) < 0) ||
	    part_add_sheet(s, &s->findings, err) < 0)
		goto cleanup;

	*out = &s->base;
	s = NULL;
	rc = 0;
cleanup:
	if (s)
		xlsx_free(&s->base);
	return rc;
}
