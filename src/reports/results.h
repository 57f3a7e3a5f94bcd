/* apply/results.h - what apply or rollback did, as reports: results.csv,
 * results.xlsx (Summary with outcome counts and a chart; Results) and
 * summary.json, all built from the journal, so a resumed run reports the
 * whole migration, not only its last part.
 *
 * With verification on, every `changed` user is read back (batched) while
 * the reports are written, and its row says whether the state read equals
 * the target.
 */
#ifndef MFA_APPLY_RESULTS_H
#define MFA_APPLY_RESULTS_H

#include "apply/engine.h"
#include "graph/http.h"
#include "mfa/model/summary.h"

struct mfa_results_options {
	const char *dir;              /* output folder */
	const char *journal_path;     /* the journal to report */
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

int mfa_results_write(const struct mfa_results_options *o, struct mfa_results *out,
		      struct mfa_err *err);

#endif
