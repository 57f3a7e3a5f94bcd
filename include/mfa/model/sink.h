/* mfa/sink.h - where results go: CSV, XLSX, JSON, the plan file.
 *
 * A sink receives every user as a `struct mfa_row`, in input order, then one
 * finish call with the final summary. Each sink writes its file under a
 * temporary name in the output folder ("<name>.tmp", mode 0600) and renames
 * it into place only in finish, so a file with its final name is always
 * complete. Freeing a sink that did not finish removes its temporary file.
 *
 * Lifecycle:
 *     struct mfa_sink *s = NULL;
 *     if (mfa_users_csv_sink_open(&s, dir, &err) < 0) goto cleanup;
 *     for each row: if (mfa_sink_row(s, &row, &err) < 0) goto cleanup;
 *     if (mfa_sink_finish(s, &summary, &err) < 0) goto cleanup;
 *   cleanup:
 *     mfa_sink_free(s);
 */
#ifndef MFA_SINK_H
#define MFA_SINK_H

#include <stdio.h>

#include "mfa/model/classify.h"
#include "mfa/util/err.h"
#include "mfa/model/plan.h"
#include "mfa/model/summary.h"
#include "mfa/model/user.h"

/* One user as it leaves the pipeline. All pointers are borrowed for the
 * duration of the row call; decision is NULL for audit runs. */
struct mfa_row {
	const struct mfa_user *user;
	const struct mfa_verdict *verdict;
	const struct mfa_decision *decision;
};

struct mfa_sink;

struct mfa_sink_ops {
	int (*row)(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err);
	int (*finish)(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err);
	void (*free)(struct mfa_sink *s); /* removes the temporary file unless finished */
};

struct mfa_sink {
	const struct mfa_sink_ops *ops;
	const char *name; /* the final file name, e.g. "users.csv" */
};

int mfa_sink_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err);
int mfa_sink_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err);
void mfa_sink_free(struct mfa_sink *s); /* NULL is fine */

/* users.csv: every user, Graph's property names plus class, action,
 * reason, risk, findings. dir is copied. */
int mfa_users_csv_sink_open(struct mfa_sink **out, const char *dir, struct mfa_err *err);

/* plan.csv: users whose action is disable or hold. */
int mfa_plan_csv_sink_open(struct mfa_sink **out, const char *dir, struct mfa_err *err);

/* users.jsonl: one JSON object per user and line, keyed by the users.csv
 * column names; accountEnabled, isMfaRegistered, isMfaCapable and isAdmin
 * are true/false/null (unknown), methodsRegistered and findings arrays of
 * strings, every other value a string or null when empty. No spreadsheet
 * formula neutralising. stream NULL: writes "<dir>/users.jsonl" (tmp +
 * rename, 0600; dir is copied). Otherwise writes to stream (e.g. stdout),
 * borrowed: flushed by finish, never closed; dir is then unused. */
int mfa_jsonl_sink_open(struct mfa_sink **out, const char *dir, FILE *stream,
			struct mfa_err *err);

/* summary.json: the counts of struct mfa_summary. */
int mfa_summary_json_sink_open(struct mfa_sink **out, const char *dir, struct mfa_err *err);

/* report.xlsx: sheets Summary (tables and a chart), Users, Plan (plan runs
 * only), Findings; constant-memory mode; a sheet that would pass Excel's
 * row limit (or rows_per_sheet) continues on "Users (2)" etc. */
struct mfa_xlsx_sink_options {
	int has_plan;                 /* write the Plan sheet and action columns */
	unsigned long rows_per_sheet; /* data rows a sheet before it continues on the
				       * next; 0: Excel's limit (1,048,575) */
};

#define MFA_XLSX_SINK_OPTIONS_INIT { 0, 0 }

/* dir is copied; o is read during the call. */
int mfa_xlsx_sink_open_opt(struct mfa_sink **out, const char *dir,
			   const struct mfa_xlsx_sink_options *o, struct mfa_err *err);

/* The same with the default rows per sheet. */
int mfa_xlsx_sink_open(struct mfa_sink **out, const char *dir, int has_plan, struct mfa_err *err);

struct mfa_baseline; /* mfa/compare.h */

/* audit --compare: also write a Changes sheet (one row per change, the
 * removed users last, as changes.csv); borrowed; call before the first row
 * (later calls, and calls on another kind of sink, are ignored). The sink
 * never marks the baseline: the removed users are the entries still
 * unmarked at finish, so a sink that marks (the counting sink,
 * mfa_changes_count_sink_open) must be in the same pipeline, and before
 * this one, whose Summary shows the counts that sink completes. */
void mfa_xlsx_sink_set_baseline(struct mfa_sink *s, struct mfa_baseline *baseline);

#endif
