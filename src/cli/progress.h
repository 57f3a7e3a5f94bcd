/* progress.h - progress on stderr for long runs. On a terminal the line is
 * redrawn in place at most twice a second; otherwise (a log, a scheduler)
 * a plain line every few seconds for long scans. -q silences both. */
#ifndef MFA_CLI_PROGRESS_H
#define MFA_CLI_PROGRESS_H

#include <stdbool.h>
#include <time.h>

#include "mfa/model/summary.h"

/* (jobs/scan.h and jobs/change.h are not included here: apply's and
 * compare's enum mfa_change_kind cannot yet meet in one file.) */
struct mfa_scan_progress;

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

/* For other progress lines (the change job's, in change_opts.c): true
 * when it is time to draw (stamps the time); then draw the line. */
bool cli_progress_due(struct cli_progress *p);
void cli_progress_draw(struct cli_progress *p, const char *line);

/* Ends a redrawn line, if one is on screen, before other output. */
void cli_progress_clear(struct cli_progress *p);

#endif
