/* progress.c - progress on stderr (progress.h). */
#include "cli/progress.h"

#include "cli/msg.h"

#include <stdio.h>
#include <unistd.h>

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void cli_progress_init(struct cli_progress *p)
{
	p->enabled = cli_verbosity() >= CLI_NORMAL && isatty(STDERR_FILENO);
	p->drawn = false;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void cli_progress_users(void *ctx, const struct mfa_summary *s, int done)
{
	struct cli_progress *p = ctx;
	struct timespec now;
	double elapsed;

	if (!p->enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!done && since(&p->last, &now) < 0.5)
		return;
	if (done && !p->drawn)
		return;
	p->last = now;
	elapsed = since(&p->start, &now);
	fprintf(stderr, "\r\033[K  %lu users read, %.0f users/s, %lu to change, %lu held", s->users,
		elapsed > 0 ? (double)s->users / elapsed : 0.0, s->by_action[MFA_ACTION_DISABLE],
		s->by_action[MFA_ACTION_HOLD]);
	p->drawn = true;
	if (done)
		fputc('\n', stderr);
}
