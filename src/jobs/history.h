/* history.h - audit --history DIR: every run in DIR/<tenant>/<UTC time>/,
 * compared with the newest earlier run there, and the older runs beyond
 * --keep N compressed (zlib) rather than deleted. Only folders that
 * mfa-migrate itself wrote (their summary.json says so) are ever touched. */
#ifndef MFA_CLI_HISTORY_H
#define MFA_CLI_HISTORY_H

#include <stdbool.h>

#include "mfa/util/err.h"

struct cli_history {
	char tenant_dir[4096];  /* DIR/<tenant> */
	char run_dir[4096];     /* DIR/<tenant>/<UTC time>: where this run writes */
	char previous[4096];    /* the newest earlier run, when there is one */
	bool has_previous;
};

/* Makes DIR/<tenant> (0700), names this run's folder (not created yet)
 * and finds the newest earlier run. tenant may be NULL (an export):
 * "export". */
int cli_history_prepare(struct cli_history *h, const char *root, const char *tenant,
			struct mfa_err *err);

/* After a finished run: compresses the report files (CSV, JSON lines) of
 * every run older than the newest `keep`, into .gz files beside them. */
int cli_history_retain(const struct cli_history *h, unsigned keep, unsigned *compressed,
		       struct mfa_err *err);

struct cJSON;

/* The counts of every mfa-migrate run in the tenant's history, oldest
 * first: [{"run": name, "startedDateTime", "users", "byState", "byFinding"}],
 * read from each run's summary.json (never compressed). A new cJSON array
 * the caller deletes; NULL when out of memory. */
struct cJSON *cli_history_trend(const struct cli_history *h);

#endif
