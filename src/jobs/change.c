/* changes.c - the shared body of `apply` and `rollback` (changes.h). */
#include "jobs/change.h"

#include "reports/results.h"
#include "cli/exitcodes.h"
#include "cli/msg.h"
#include "jobs/outdir.h"
#include "mfa/apply/journal.h"
#include "mfa/util/outfile.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static const struct cli_option change_options[] = {
	{ "out", 0, CLI_ARG, "DIR", "output folder (default reports/<UTC time>-<command>; with --resume, the journal's folder)", CHG_OPT_OUT },
	{ "yes", 'y', CLI_NO_ARG, NULL, "do not ask for confirmation (needed without a terminal)", CHG_OPT_YES },
	{ "resume", 0, CLI_ARG, "JOURNAL", "continue an interrupted run from its journal.jsonl; finished users are never sent again", CHG_OPT_RESUME },
	{ "no-verify", 0, CLI_NO_ARG, NULL, "skip reading back every changed user at the end", CHG_OPT_NO_VERIFY },
	{ "quiet", 'q', CLI_NO_ARG, NULL, "print only errors", CHG_OPT_QUIET },
	{ "verbose", 'v', CLI_NO_ARG, NULL, "more detail", CHG_OPT_VERBOSE },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_changes_group = { "run", change_options };

void change_run_init(struct change_run *r, const char *operation)
{
	memset(r, 0, sizeof(*r));
	r->operation = operation;
	cli_live_init(&r->live);
}

int change_run_option(struct change_run *r, int id, const char *value)
{
	int taken = cli_live_option(&r->live, id, value);

	if (taken)
		return taken;
	switch (id) {
	case CHG_OPT_OUT: r->out = value; return 1;
	case CHG_OPT_YES: r->yes = true; return 1;
	case CHG_OPT_RESUME: r->resume = value; return 1;
	case CHG_OPT_NO_VERIFY: r->no_verify = true; return 1;
	case CHG_OPT_QUIET: cli_set_verbosity(CLI_QUIET); return 1;
	case CHG_OPT_VERBOSE: cli_set_verbosity(CLI_VERBOSE); return 1;
	default: return 0;
	}
}

int change_run_connect(struct change_run *r)
{
	struct mfa_err err = MFA_ERR_INIT;

	if (cli_live_connect(&r->live, &err) < 0) {
		errorf("%s", err.msg);
		return -1;
	}
	return 0;
}

void change_run_release(struct change_run *r)
{
	cli_live_release(&r->live);
}

int cli_file_crc32(const char *path, uint32_t *out, struct mfa_err *err)
{
	FILE *f = fopen(path, "rb");
	unsigned char buf[1 << 15];
	uLong crc = crc32(0L, Z_NULL, 0);
	size_t n;

	if (!f)
		return mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		crc = crc32(crc, buf, (uInt)n);
	if (ferror(f)) {
		fclose(f);
		return mfa_err_set(err, "cannot read '%s': %s", path, strerror(errno));
	}
	fclose(f);
	*out = (uint32_t)crc;
	return 0;
}

/* ---- signals and progress -------------------------------------------- */

static struct mfa_http *volatile running_http;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (running_http)
		mfa_http_stop(running_http);
}

struct progress {
	bool tty, enabled, drawn;
	struct timespec start, last;
	unsigned long total;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void on_progress(void *ctx, const struct mfa_apply_counts *c)
{
	struct progress *p = ctx;
	struct timespec now;
	unsigned long done = c->outcomes[MFA_OUTCOME_CHANGED] + c->outcomes[MFA_OUTCOME_ALREADY] +
			     c->outcomes[MFA_OUTCOME_DRIFTED] + c->outcomes[MFA_OUTCOME_FAILED] +
			     c->outcomes[MFA_OUTCOME_HELD];
	double elapsed, rate;
	char eta[32] = "";
	char line[256];

	if (!p->enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->last, &now) < (p->tty ? 0.5 : 5.0))
		return;
	p->last = now;
	elapsed = since(&p->start, &now);
	rate = elapsed > 0 ? (double)c->writes / elapsed : 0;
	if (p->total > done && elapsed > 0 && done > 0) {
		double left = (double)(p->total - done) * elapsed / (double)done;
		snprintf(eta, sizeof(eta), ", ETA %dm%02ds", (int)(left / 60), (int)left % 60);
	}
	snprintf(line, sizeof(line),
		 "%lu / %lu users done, %lu changed, %lu failed, %.1f writes/s (quota %.0f/s)%s", done,
		 p->total, c->outcomes[MFA_OUTCOME_CHANGED], c->outcomes[MFA_OUTCOME_FAILED], rate,
		 (double)MFA_WRITE_QUOTA_WRITES / MFA_WRITE_QUOTA_SECONDS, eta);
	if (p->tty) {
		fprintf(stderr, "\r\033[K%s", line);
		p->drawn = true;
	} else {
		fprintf(stderr, "mfa-migrate: %s\n", line);
	}
}

/* ---- the steps --------------------------------------------------------- */

static bool same_tenant(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* Asks on the terminal; false when the answer is not "yes". */
static int confirm(const struct change_run *r)
{
	char answer[16];

	if (r->yes)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		errorf("refusing to change the tenant without confirmation: there is no terminal to ask on; review the totals and add --yes");
		return EXIT_USAGE;
	}
	fprintf(stderr, "Type 'yes' to %s %lu users in tenant '%s': ", r->operation,
		r->total_changes, cli_live_tenant(&r->live) ? cli_live_tenant(&r->live) : "?");
	if (!fgets(answer, sizeof(answer), stdin) || strcmp(answer, "yes\n") != 0) {
		errorf("not confirmed: nothing was changed");
		return EXIT_ERROR;
	}
	return 0;
}

/* Reads an existing journal into the resume map. */
static int load_resume(struct change_run *r, uint8_t **seen, unsigned long *done,
		       unsigned long *doubt, struct mfa_err *err)
{
	struct mfa_journal_reader *jr = NULL;
	const struct mfa_journal_header *h;
	struct mfa_journal_entry e;
	uint8_t *map = calloc(r->max_seq + 1, 1);
	unsigned long i;
	int got, rc = -1;

	if (!map)
		return mfa_err_set(err, "out of memory");
	if (mfa_journal_open(&jr, r->resume, err) < 0)
		goto cleanup;
	h = mfa_journal_header(jr);
	if (strcmp(h->operation, r->operation) != 0) {
		mfa_err_set(err, "'%s' is the journal of a %s, not of a %s", r->resume, h->operation,
			    r->operation);
		goto cleanup;
	}
	if (h->plan_crc32 != r->source_crc) {
		mfa_err_set(err, "'%s' belongs to another %s (its checksum %08lx is not %08lx of '%s')",
			    r->resume, strcmp(r->operation, "apply") == 0 ? "plan" : "apply journal",
			    (unsigned long)h->plan_crc32, (unsigned long)r->source_crc, r->source_path);
		goto cleanup;
	}
	while ((got = mfa_journal_next(jr, &e, err)) > 0) {
		if (e.seq > r->max_seq) {
			mfa_err_set(err, "'%s' names user %lu, which '%s' does not have", r->resume, e.seq,
				    r->source_path);
			goto cleanup;
		}
		if (e.event == MFA_JOURNAL_OUTCOME)
			map[e.seq] = MFA_SEEN_DONE;
		else if (map[e.seq] != MFA_SEEN_DONE)
			map[e.seq] = MFA_SEEN_INTENT;
	}
	if (got < 0)
		goto cleanup;
	if (mfa_journal_torn(jr))
		warnf("the journal's last line was cut by the interruption; it is dropped and that user read again");
	*done = *doubt = 0;
	for (i = 1; i <= r->max_seq; i++) {
		*done += map[i] == MFA_SEEN_DONE;
		*doubt += map[i] == MFA_SEEN_INTENT;
	}
	*seen = map;
	map = NULL;
	rc = 0;
cleanup:
	free(map);
	mfa_journal_close_reader(jr);
	return rc;
}

/* mfa_outcome_next_fn over a journal reader: its outcome lines, in order. */
static int next_outcome(void *ctx, struct mfa_outcome_record *out, struct mfa_err *err)
{
	struct mfa_journal_entry e;
	int got;

	while ((got = mfa_journal_next(ctx, &e, err)) > 0) {
		if (e.event != MFA_JOURNAL_OUTCOME)
			continue;
		out->seq = e.seq;
		out->id = e.id;
		out->upn = e.upn;
		out->from = e.from;
		out->to = e.to;
		out->outcome = e.outcome;
		out->observed = e.observed;
		out->status = e.status;
		out->attempts = e.attempts;
		out->error = e.error;
		return 1;
	}
	return got;
}

/* The folder a file is in ("." for a bare name), into buf. */
static void dir_of(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, size, ".");
	else if (slash == path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

int change_run_execute(struct change_run *r)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct cli_outdir out = CLI_OUTDIR_INIT;
	struct mfa_journal_writer *jw = NULL;
	struct mfa_journal_reader *jr = NULL;
	struct mfa_apply *engine = NULL;
	struct mfa_apply_options ao = MFA_APPLY_OPTIONS_INIT;
	struct mfa_results_options ro;
	struct mfa_results res;
	struct progress prog;
	struct sigaction sa;
	struct timespec t0, t1;
	uint8_t *seen = NULL;
	unsigned long done = 0, doubt = 0;
	char journal_path[4200];
	const char *tenant = cli_live_tenant(&r->live);
	const char *stopped = NULL;
	char stopped_buf[256];
	int rc, code = EXIT_ERROR, incomplete = 0;

	if (!r->source_tenant || !r->source_tenant[0]) {
		errorf("'%s' names no tenant (it was planned from an export): make the plan from the live tenant with 'mfa-migrate plan', so what runs is what the tenant holds now",
		       r->source_path);
		return EXIT_ERROR;
	}
	if (!same_tenant(r->source_tenant, tenant)) {
		errorf("'%s' belongs to tenant '%s', but this sign-in is for tenant '%s': refusing to change another tenant",
		       r->source_path, r->source_tenant, tenant ? tenant : "?");
		return EXIT_ERROR;
	}
	if (r->resume && load_resume(r, &seen, &done, &doubt, &err) < 0)
		goto fail;

	notef("%s: %lu users to change in tenant '%s' (%lu held, %lu already at their target)%s",
	      r->operation, r->total_changes, tenant, r->holds, r->keeps,
	      r->resume ? "; resuming" : "");
	if (r->resume)
		notef("the journal shows %lu users finished (never sent again) and %lu in doubt (read before anything else)",
		      done, doubt);
	notef("at Graph's write quota this takes at least %.0f s", mfa_plan_min_apply_seconds(r->total_changes));
	code = confirm(r);
	if (code != 0)
		goto cleanup;
	code = EXIT_ERROR;

	if (r->resume) {
		char dir[4096];

		dir_of(r->resume, dir, sizeof(dir));
		if (cli_outdir_make(&out, r->out ? r->out : dir, r->operation, &err) < 0)
			goto fail;
		snprintf(journal_path, sizeof(journal_path), "%s", r->resume);
		if (mfa_journal_reopen(&jw, journal_path, &err) < 0)
			goto fail;
	} else {
		struct mfa_journal_header h;
		time_t now = time(NULL);
		struct tm tm;

		if (cli_outdir_make(&out, r->out, r->operation, &err) < 0)
			goto fail;
		snprintf(journal_path, sizeof(journal_path), "%s/journal.jsonl", out.path);
		memset(&h, 0, sizeof(h));
		snprintf(h.operation, sizeof(h.operation), "%s", r->operation);
		snprintf(h.plan, sizeof(h.plan), "%s", r->source_path);
		h.plan_crc32 = r->source_crc;
		snprintf(h.tenant_id, sizeof(h.tenant_id), "%s", tenant);
		gmtime_r(&now, &tm);
		strftime(h.started, sizeof(h.started), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (mfa_journal_create(&jw, journal_path, &h, &err) < 0)
			goto fail;
	}
	out.keep = true; /* the journal is there: never remove the folder */

	memset(&prog, 0, sizeof(prog));
	prog.enabled = cli_verbosity() >= CLI_NORMAL;
	prog.tty = isatty(STDERR_FILENO);
	/* Every user of the source gets an outcome; those done before don't. */
	prog.total = r->total_changes + r->holds + r->keeps;
	prog.total = prog.total > done ? prog.total - done : 0;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	prog.last = prog.start;

	ao.http = r->live.http;
	ao.graph_url = mfa_auth_graph_url(r->live.auth);
	ao.journal = jw;
	ao.seen = seen;
	ao.seen_size = seen ? r->max_seq + 1 : 0;
	ao.next = r->next;
	ao.next_ctx = r->next_ctx;
	ao.progress = on_progress;
	ao.progress_ctx = &prog;
	if (mfa_apply_new(&engine, &ao, &err) < 0)
		goto fail;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	running_http = r->live.http;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = 1;
	if (r->canary) {
		unsigned long n = r->max_changes && r->max_changes < r->canary ? r->max_changes : r->canary;

		notef("canary: the first %lu changes run alone and are read back", n);
		mfa_apply_set_read_back(engine, 1);
		rc = mfa_apply_run(engine, n, &err);
		mfa_apply_set_read_back(engine, 0);
		if (rc >= 0 && rc != MFA_HTTP_INTERRUPTED && mfa_apply_failed_last_run(engine)) {
			snprintf(stopped_buf, sizeof(stopped_buf),
				 "the canary failed: %lu of the first %lu changes did not take; nothing more was sent",
				 mfa_apply_failed_last_run(engine), n);
			stopped = stopped_buf;
			rc = MFA_APPLY_LIMITED;
		} else if (rc == MFA_APPLY_LIMITED && r->max_changes && r->max_changes <= n) {
			/* the canary used up --max-changes */
		} else if (rc == MFA_APPLY_LIMITED) {
			rc = mfa_apply_run(engine, r->max_changes ? r->max_changes - n : 0, &err);
		}
	} else {
		rc = mfa_apply_run(engine, r->max_changes, &err);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (prog.drawn)
		fputc('\n', stderr);
	if (rc < 0)
		goto fail;
	if (rc == MFA_HTTP_INTERRUPTED || interrupted) {
		stopped = "interrupted (Ctrl-C): in-flight changes finished and are journalled";
		incomplete = 1;
	} else if (rc == MFA_APPLY_LIMITED) {
		if (!stopped) {
			snprintf(stopped_buf, sizeof(stopped_buf),
				 "stopped at --max-changes %lu: the rest is untouched", r->max_changes);
			stopped = stopped_buf;
		}
		incomplete = 1;
	}
	if (mfa_journal_close(jw, &err) < 0) {
		jw = NULL;
		goto fail;
	}
	jw = NULL;

	memset(&ro, 0, sizeof(ro));
	ro.dir = out.path;
	ro.journal_path = journal_path;
	ro.operation = r->operation;
	ro.source = r->source_path;
	ro.tenant_id = tenant;
	ro.incomplete = incomplete;
	ro.stopped_because = stopped;
	ro.http = r->no_verify || interrupted ? NULL : r->live.http;
	ro.graph_url = mfa_auth_graph_url(r->live.auth);
	ro.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ro.writes = mfa_apply_counts(engine)->writes;
	if (r->live.limits.write_window_s > 0)
		ro.write_quota_per_s = r->live.limits.write_units / r->live.limits.write_window_s;
	ro.traffic = r->live.http;
	ro.token_requests = mfa_auth_token_requests(r->live.auth);
	ro.rows_per_sheet = r->xlsx_rows_per_sheet;
	if (mfa_journal_open(&jr, journal_path, &err) < 0)
		goto fail;
	ro.next = next_outcome;
	ro.next_ctx = jr;
	rc = mfa_results_write(&ro, &res, &err);
	mfa_journal_close_reader(jr);
	jr = NULL;
	if (rc < 0)
		goto fail;

	notef("%s: %lu changed, %lu already at target, %lu drifted (left alone), %lu held, %lu failed%s",
	      r->operation, res.outcomes[MFA_OUTCOME_CHANGED], res.outcomes[MFA_OUTCOME_ALREADY],
	      res.outcomes[MFA_OUTCOME_DRIFTED], res.outcomes[MFA_OUTCOME_HELD],
	      res.outcomes[MFA_OUTCOME_FAILED], r->no_verify ? " (not verified)" : "");
	if (res.graph_enforced)
		warnf("%lu users were set back to enabled but Graph enforces them, as it does for users who registered a method (results.csv: verified=enforced-by-graph)",
		      res.graph_enforced);
	if (res.mismatched)
		warnf("%lu changed users read back at another state than planned (see results.csv, verified=false)",
		      res.mismatched);
	printf("%s\n", out.path);
	fflush(stdout);
	if (stopped)
		notef("%s; to continue: mfa-migrate %s %s --resume %s", stopped, r->operation,
		      r->source_path, journal_path);
	if (interrupted)
		code = EXIT_INTERRUPTED;
	else if (res.outcomes[MFA_OUTCOME_FAILED] || res.mismatched || res.unverified)
		code = EXIT_PARTIAL;
	else
		code = EXIT_DONE;
	goto cleanup;
fail:
	errorf("%s", err.msg);
	if (interrupted)
		code = EXIT_INTERRUPTED;
cleanup:
	running_http = NULL;
	mfa_journal_close(jw, NULL);
	mfa_journal_close_reader(jr);
	/* The engine's free cancels what is still queued through `engine`:
	 * free the http engine first. */
	cli_live_release(&r->live);
	mfa_apply_free(engine);
	free(seen);
	cli_outdir_release(&out);
	return code;
}
