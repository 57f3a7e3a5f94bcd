/* mfa/reports/sinks.h - the report sinks (the contract is mfa/model/sink.h):
 * users.csv, plan.csv, users.jsonl, summary.json, report.xlsx, and the
 * --compare sinks (the change counts and changes.csv).
 */
#ifndef MFA_REPORTS_SINKS_H
#define MFA_REPORTS_SINKS_H

#include <stdbool.h>
#include <stdio.h>

#include "mfa/model/compare.h"
#include "mfa/model/sink.h"
#include "mfa/util/err.h"

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

/* ---- counting, as a sink ---- */

/* A sink that compares every user it is given with the baseline, marks its
 * entry, adds the change set to *counts, and sets *matched when a change
 * set matches *filter (may be NULL). Its finish counts the removed users
 * (mfa_change_counts_finish) unless the run is incomplete. Put it before
 * the sinks that read the counts (summary.json). All pointers borrowed. */
int mfa_changes_count_sink_open(struct mfa_sink **out, struct mfa_baseline *baseline,
				struct mfa_change_counts *counts,
				const struct mfa_change_filter *filter, bool *matched,
				struct mfa_err *err);

/* ---- changes.csv ---- */

/* changes.csv: one row per change (mfa_change_rows), columns change,
 * severity, id, userPrincipalName, displayName, previous, current, detail;
 * the removed users last, in baseline order. dir is copied; baseline is
 * borrowed and must outlive the sink.
 *
 * Side effect: the sink marks (mfa_baseline_mark) the entry of every user
 * it is given, and its finish lists the entries still unseen as removed.
 * So it must see every row before it finishes, as every sink does. When
 * the summary says the run is incomplete (interrupted), no user is listed
 * as removed: the unseen ones were maybe just not reached. */
int mfa_changes_csv_sink_open(struct mfa_sink **out, const char *dir,
			      struct mfa_baseline *baseline, struct mfa_err *err);

#endif
