/* progress.h - progress on stderr for long runs. On a terminal the line is
 * redrawn in place at most twice a second; otherwise (a log, a scheduler)
 * a plain line every few seconds for long scans. -q silences both. */
#ifndef MFA_CLI_PROGRESS_H
#define MFA_CLI_PROGRESS_H

#include <stdbool.h>
#include <time.h>

#include "jobs/change.h"
#include "jobs/scan.h"
#include "mfa/model/summary.h"

struct cli_progress {
	bool enabled;    /* not quiet */
	bool tty;        /* stderr is a terminal: redraw in place */
	bool drawn;      /* a redrawn line is on screen */
	struct timespec start;
	struct timespec last;
	unsigned long total;   /* apply/rollback: outcomes to come */
};

void cli_progress_init(struct cli_progress *p);

/* mfa_pipeline progress callback: ctx is a struct cli_progress. */
void cli_progress_users(void *ctx, const struct mfa_summary *s, int done);

/* The scan job's progress callback (jobs/scan.h): users listed, states
 * read, rate, ETA, throttled count. */
void cli_progress_scan(void *ctx, const struct mfa_scan_progress *g);

/* The change job's progress callback (jobs/change.h): users done of the
 * total, changed, failed, writes/s against the quota, ETA. */
void cli_progress_change(void *ctx, enum mfa_change_phase phase, const struct mfa_apply_counts *c,
			 unsigned long total);

/* Ends a redrawn line, if one is on screen, before other output. */
void cli_progress_clear(struct cli_progress *p);

#endif
