/* progress.c - progress on stderr (progress.h). */
#include "cli/progress.h"

#include "cli/msg.h"
#include "jobs/scan.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TTY_INTERVAL 0.5
#define LOG_INTERVAL 5.0

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void cli_progress_init(struct cli_progress *p)
{
	p->enabled = cli_verbosity() >= CLI_NORMAL;
	p->tty = isatty(STDERR_FILENO);
	p->drawn = false;
	p->total = 0;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

/* True when it is time to draw; stamps the time. */
static bool due(struct cli_progress *p, bool force)
{
	struct timespec now;

	if (!p->enabled)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && since(&p->last, &now) < (p->tty ? TTY_INTERVAL : LOG_INTERVAL))
		return false;
	p->last = now;
	return true;
}

static void draw(struct cli_progress *p, const char *line)
{
	if (p->tty) {
		fprintf(stderr, "\r\033[K%s", line);
		p->drawn = true;
	} else {
		fprintf(stderr, "mfa-migrate: %s\n", line);
	}
}

void cli_progress_clear(struct cli_progress *p)
{
	if (p->drawn) {
		fputc('\n', stderr);
		p->drawn = false;
	}
}

void cli_progress_users(void *ctx, const struct mfa_summary *s, int done)
{
	struct cli_progress *p = ctx;
	struct timespec now;
	double elapsed;
	char line[256];

	/* Reading a file is quick: only a terminal gets a running count. */
	if (!p->tty || !due(p, done != 0) || (done && !p->drawn))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = since(&p->start, &now);
	snprintf(line, sizeof(line), "  %lu users, %.0f users/s, %lu to change, %lu held", s->users,
		 elapsed > 0 ? (double)s->users / elapsed : 0.0, mfa_summary_changes(s),
		 s->by_action[MFA_ACTION_HOLD]);
	draw(p, line);
	if (done)
		cli_progress_clear(p);
}

void cli_progress_scan(void *ctx, const struct mfa_scan_progress *g)
{
	struct cli_progress *p = ctx;
	struct timespec now;
	double elapsed, rate;
	char eta[32] = "";
	char line[256];

	if (!due(p, false))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = since(&p->start, &now);
	rate = elapsed > 0 ? (double)g->done / elapsed : 0;
	if (g->total > g->done && rate > 0) {
		double left = (double)(g->total - g->done) / rate;
		snprintf(eta, sizeof(eta), ", ETA %dm%02ds", (int)(left / 60), (int)left % 60);
	}
	if (g->total)
		snprintf(line, sizeof(line), "scanning: %lu / %lu users, %.0f/s%s, %lu throttled, %lu retried",
			 g->done, g->total, rate, eta, g->throttled, g->retries);
	else
		snprintf(line, sizeof(line), "scanning: %lu users, %.0f/s, %lu throttled, %lu retried",
			 g->done, rate, g->throttled, g->retries);
	draw(p, line);
}

void cli_progress_change(void *ctx, enum mfa_change_phase phase, const struct mfa_apply_counts *c,
			 unsigned long total)
{
	struct cli_progress *p = ctx;
	struct timespec now;
	unsigned long n = c->outcomes[MFA_OUTCOME_CHANGED] + c->outcomes[MFA_OUTCOME_ALREADY] +
			  c->outcomes[MFA_OUTCOME_DRIFTED] + c->outcomes[MFA_OUTCOME_FAILED] +
			  c->outcomes[MFA_OUTCOME_HELD];
	double elapsed, rate;
	char eta[32] = "";
	char line[256];

	if (phase == MFA_CHANGE_STARTING) {
		/* the clock starts with the engine, not with the confirmation */
		cli_progress_init(p);
		p->total = total;
		return;
	}
	if (phase == MFA_CHANGE_FINISHED) {
		cli_progress_clear(p);
		return;
	}
	if (!due(p, false))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = since(&p->start, &now);
	rate = elapsed > 0 ? (double)c->writes / elapsed : 0;
	if (p->total > n && elapsed > 0 && n > 0) {
		double left = (double)(p->total - n) * elapsed / (double)n;
		snprintf(eta, sizeof(eta), ", ETA %dm%02ds", (int)(left / 60), (int)left % 60);
	}
	snprintf(line, sizeof(line),
		 "%lu / %lu users done, %lu changed, %lu failed, %.1f writes/s (quota %.0f/s)%s", n,
		 p->total, c->outcomes[MFA_OUTCOME_CHANGED], c->outcomes[MFA_OUTCOME_FAILED], rate,
		 (double)MFA_WRITE_QUOTA_WRITES / MFA_WRITE_QUOTA_SECONDS, eta);
	draw(p, line);
}
