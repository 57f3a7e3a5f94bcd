/* progress.h - progress on stderr for long runs: redrawn in place (at most
 * twice a second) when stderr is a terminal, silent otherwise or with -q. */
#ifndef MFA_CLI_PROGRESS_H
#define MFA_CLI_PROGRESS_H

#include <stdbool.h>
#include <time.h>

#include "mfa/summary.h"

struct cli_progress {
	bool enabled;
	bool drawn;
	struct timespec start;
	struct timespec last;
};

void cli_progress_init(struct cli_progress *p);

/* mfa_pipeline progress callback: ctx is a struct cli_progress. */
void cli_progress_users(void *ctx, const struct mfa_summary *s, int done);

#endif
