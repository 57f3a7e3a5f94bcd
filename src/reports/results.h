/* reports/results.h - what apply or rollback did, as reports: results.csv,
 * results.xlsx (Summary with outcome counts and a chart; Results) and
 * summary.json, all built from the journal's outcomes, so a resumed run
 * reports the whole migration, not only its last part. The caller reads
 * the journal and hands its outcome lines over as plain records
 * (mfa/model/outcome.h), one at a time.
 *
 * With verification on, every `changed` user is read back (batched) while
 * the reports are written, and its row says whether the state read equals
 * the target.
 */
#ifndef MFA_REPORTS_RESULTS_H
#define MFA_REPORTS_RESULTS_H

#include "graph/http.h"
#include "mfa/model/outcome.h"
#include "mfa/model/summary.h"

/* Fills *out with the next outcome: 1, 0 at the end, negative on error
 * (err set). The record's strings are the iterator's, valid until its
 * next call. */
typedef int (*mfa_outcome_next_fn)(void *ctx, struct mfa_outcome_record *out,
				   struct mfa_err *err);

struct mfa_results_options {
	const char *dir;              /* output folder */
	const char *journal_path;     /* the journal reported (named in summary.json) */
	mfa_outcome_next_fn next;     /* its outcome lines, in journal order */
	void *next_ctx;
	const char *operation;        /* "apply" or "rollback" */
	const char *source;           /* the plan (apply) or apply journal (rollback) */
	const char *tenant_id;
	int incomplete;               /* the run stopped early (interrupted, --max-changes, canary) */
	const char *stopped_because;  /* one line, or NULL */
	struct mfa_http *http;        /* for verification; NULL: no verification */
	const char *graph_url;
	double seconds;               /* the run's wall time */
	unsigned long writes;         /* writes sent this run */
	double write_quota_per_s;     /* the app's write budget per second (what --write-budget set) */
	struct mfa_http *traffic;     /* whose counters go into summary.json's "graph",
				       * read after the verification pass; NULL: none */
	unsigned long token_requests;
	unsigned long rows_per_sheet; /* results.xlsx data rows a sheet; 0: Excel's limit */
};

/* What the reports say, for the CLI's last words and exit code. */
struct mfa_results {
	unsigned long outcomes[MFA_OUTCOME__COUNT];
	unsigned long verified;       /* changed users read back at their target */
	unsigned long mismatched;     /* changed users read back at another state */
	unsigned long graph_enforced; /* set to enabled, read back enforced: Graph's own
				       * rule for users who registered a method */
	unsigned long unverified;     /* read back failed */
};

/* Pulls every outcome from o->next and writes the three files into o->dir
 * (each complete or absent). *out gets the counts. */
int mfa_results_write(const struct mfa_results_options *o, struct mfa_results *out,
		      struct mfa_err *err);

#endif
