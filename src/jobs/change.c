/* change.c - the apply and rollback job (change.h). */
#include "jobs/change.h"

#include "jobs/outdir.h"
#include "mfa/apply/journal.h"
#include "mfa/util/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

int mfa_file_crc32(const char *path, uint32_t *out, struct mfa_err *err)
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

static bool same_tenant(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

static bool stopped_by_caller(const struct mfa_change_options *o)
{
	return o->stop && *o->stop;
}

/* What one seq's journal lines said, as load_resume folds them. */
enum { SAW_INTENT = 1, SAW_DONE = 2, SAW_FAILED = 4 };

/* Reads an existing journal into the resume map: a user with an outcome
 * is finished, except one whose last outcome is `failed` (unless
 * --no-retry-failed), which goes through compare-and-set again: in doubt
 * when the journal holds an intent for it (an earlier write may have
 * landed: read back, it is `changed`), else as never tried. */
static int load_resume(const struct mfa_change_options *r, uint8_t **seen, unsigned long *done,
		       unsigned long *doubt, unsigned long *retry, struct mfa_err *err)
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
		if (e.event == MFA_JOURNAL_INTENT)
			map[e.seq] |= SAW_INTENT;
		else if (e.outcome == MFA_OUTCOME_FAILED && !r->no_retry_failed)
			map[e.seq] = (uint8_t)((map[e.seq] & ~SAW_DONE) | SAW_FAILED);
		else
			map[e.seq] = (uint8_t)((map[e.seq] & ~SAW_FAILED) | SAW_DONE);
	}
	if (got < 0)
		goto cleanup;
	if (mfa_journal_torn(jr))
		mfa_notify(&r->notify, MFA_LEVEL_WARN,
			   "the journal's last line was cut by the interruption; it is dropped and that user read again");
	*done = *doubt = *retry = 0;
	for (i = 1; i <= r->max_seq; i++) {
		uint8_t saw = map[i];

		*retry += (saw & SAW_FAILED) != 0;
		map[i] = saw & SAW_DONE ? MFA_SEEN_DONE : saw & SAW_INTENT ? MFA_SEEN_INTENT : MFA_SEEN_NONE;
		*done += map[i] == MFA_SEEN_DONE;
		*doubt += map[i] == MFA_SEEN_INTENT && !(saw & SAW_FAILED);
	}
	*seen = map;
	map = NULL;
	rc = 0;
cleanup:
	free(map);
	mfa_journal_close_reader(jr);
	return rc;
}

/* The journal's outcome lines, each user's last one only: a user retried
 * on resume has a `failed` line before the one that counts. */
struct outcome_iter {
	struct mfa_journal_reader *jr;
	unsigned *left;            /* per seq: outcome lines still to come */
	unsigned long size;
};

/* Counts the outcome lines per seq, then opens the journal for the pass. */
static int outcome_iter_open(struct outcome_iter *it, const char *path, unsigned long max_seq,
			     struct mfa_err *err)
{
	struct mfa_journal_entry e;
	int got;

	memset(it, 0, sizeof(*it));
	it->size = max_seq + 1;
	it->left = calloc(it->size, sizeof(*it->left));
	if (!it->left)
		return mfa_err_set(err, "out of memory");
	if (mfa_journal_open(&it->jr, path, err) < 0)
		return -1;
	while ((got = mfa_journal_next(it->jr, &e, err)) > 0)
		if (e.event == MFA_JOURNAL_OUTCOME && e.seq < it->size)
			it->left[e.seq]++;
	mfa_journal_close_reader(it->jr);
	it->jr = NULL;
	if (got < 0)
		return -1;
	return mfa_journal_open(&it->jr, path, err);
}

static void outcome_iter_release(struct outcome_iter *it)
{
	mfa_journal_close_reader(it->jr);
	it->jr = NULL;
	free(it->left);
	it->left = NULL;
}

/* mfa_outcome_next_fn over an outcome_iter. */
static int next_outcome(void *ctx, struct mfa_outcome_record *out, struct mfa_err *err)
{
	struct outcome_iter *it = ctx;
	struct mfa_journal_entry e;
	int got;

	while ((got = mfa_journal_next(it->jr, &e, err)) > 0) {
		if (e.event != MFA_JOURNAL_OUTCOME)
			continue;
		if (e.seq < it->size && it->left[e.seq] && --it->left[e.seq] > 0)
			continue; /* superseded by a later outcome */
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

static void on_progress(void *ctx, const struct mfa_apply_counts *c)
{
	const struct mfa_change_options *o = ctx;

	o->progress(o->progress_ctx, MFA_CHANGE_UPDATE, c, 0);
}

/* Opens the folder and the journal: a new one, or the resumed one. */
static int open_journal(const struct mfa_change_options *r, const char *tenant,
			struct mfa_outdir *out, struct mfa_journal_writer **jw, char *journal_path,
			size_t size, struct mfa_err *err)
{
	struct mfa_journal_header h;
	time_t now = time(NULL);
	struct tm tm;

	if (r->resume) {
		char dir[4096];

		dir_of(r->resume, dir, sizeof(dir));
		out->allow_shared = r->allow_shared_out;
		if (mfa_outdir_make(out, r->out ? r->out : dir, r->operation, err) < 0)
			return -1;
		snprintf(journal_path, size, "%s", r->resume);
		return mfa_journal_reopen(jw, journal_path, err);
	}
	out->allow_shared = r->allow_shared_out;
	if (mfa_outdir_make(out, r->out, r->operation, err) < 0)
		return -1;
	snprintf(journal_path, size, "%s/journal.jsonl", out->path);
	memset(&h, 0, sizeof(h));
	snprintf(h.operation, sizeof(h.operation), "%s", r->operation);
	snprintf(h.plan, sizeof(h.plan), "%s", r->source_path);
	h.plan_crc32 = r->source_crc;
	snprintf(h.tenant_id, sizeof(h.tenant_id), "%s", tenant);
	gmtime_r(&now, &tm);
	strftime(h.started, sizeof(h.started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return mfa_journal_create(jw, journal_path, &h, err);
}

/* The engine's runs: the canary alone and read back, then the rest. Sets
 * res->stopped when the canary failed. Returns the engine's last code. */
static int run_engine(const struct mfa_change_options *r, struct mfa_apply *engine,
		      struct mfa_change_result *res, struct mfa_err *err)
{
	unsigned long n;
	int rc;

	if (!r->canary)
		return mfa_apply_run(engine, r->max_changes, err);
	n = r->max_changes && r->max_changes < r->canary ? r->max_changes : r->canary;
	mfa_notify(&r->notify, MFA_LEVEL_NOTE, "canary: the first %lu changes run alone and are read back", n);
	mfa_apply_set_read_back(engine, 1);
	rc = mfa_apply_run(engine, n, err);
	mfa_apply_set_read_back(engine, 0);
	if (rc >= 0 && rc != MFA_HTTP_INTERRUPTED && mfa_apply_failed_last_run(engine)) {
		snprintf(res->stopped, sizeof(res->stopped),
			 "the canary failed: %lu of the first %lu changes did not take; nothing more was sent",
			 mfa_apply_failed_last_run(engine), n);
		return MFA_APPLY_LIMITED;
	}
	if (rc == MFA_APPLY_LIMITED && r->max_changes && r->max_changes <= n)
		return rc; /* the canary used up --max-changes */
	if (rc == MFA_APPLY_LIMITED)
		return mfa_apply_run(engine, r->max_changes ? r->max_changes - n : 0, err);
	return rc;
}

int mfa_change_run(struct mfa_change_result *res, const struct mfa_change_options *r)
{
	struct mfa_err *err = &res->err;
	struct mfa_session session = MFA_SESSION_INIT;
	struct mfa_outdir out = MFA_OUTDIR_INIT;
	struct mfa_journal_writer *jw = NULL;
	struct outcome_iter outcomes = { NULL, NULL, 0 };
	struct mfa_apply *engine = NULL;
	struct mfa_apply_options ao = MFA_APPLY_OPTIONS_INIT;
	struct mfa_results_options ro;
	struct timespec t0, t1;
	uint8_t *seen = NULL;
	unsigned long done = 0, doubt = 0, retry = 0, total;
	const char *tenant;
	int rc, ret = -1, incomplete = 0;

	memset(res, 0, sizeof(*res));
	if (mfa_session_open(&session, &r->session, err) < 0)
		goto cleanup;
	tenant = mfa_session_tenant(&session);
	if (!r->source_tenant || !r->source_tenant[0]) {
		mfa_err_set(err, "'%s' names no tenant (it was planned from an export): make the plan from the live tenant with 'mfa-migrate plan', so what runs is what the tenant holds now",
			    r->source_path);
		goto cleanup;
	}
	if (!same_tenant(r->source_tenant, tenant)) {
		mfa_err_set(err, "'%s' belongs to tenant '%s', but this sign-in is for tenant '%s': refusing to change another tenant",
			    r->source_path, r->source_tenant, tenant ? tenant : "?");
		goto cleanup;
	}
	if (r->resume && load_resume(r, &seen, &done, &doubt, &retry, err) < 0)
		goto cleanup;

	if (r->what)
		mfa_notify(&r->notify, MFA_LEVEL_NOTE,
			   "%s: %s %lu users in tenant '%s' (%lu held, %lu kept)%s", r->operation,
			   r->what, r->total_changes, tenant, r->holds, r->keeps,
			   r->resume ? "; resuming" : "");
	else
		mfa_notify(&r->notify, MFA_LEVEL_NOTE,
			   "%s: %lu users to change in tenant '%s' (%lu held, %lu already at their target)%s",
			   r->operation, r->total_changes, tenant, r->holds, r->keeps,
			   r->resume ? "; resuming" : "");
	if (r->resume)
		mfa_notify(&r->notify, MFA_LEVEL_NOTE,
			   "the journal shows %lu users finished (never sent again%s), %lu in doubt (read before anything else) and %lu failed (tried again, compare-and-set)",
			   done, r->no_retry_failed ? ", failed ones included" : "", doubt, retry);
	mfa_notify(&r->notify, MFA_LEVEL_NOTE, "at Graph's write quota this takes at least %.0f s",
		   mfa_plan_min_apply_seconds(r->total_changes));
	if (r->confirm && r->confirm(r->confirm_ctx, r->what ? r->what : r->operation,
				     r->total_changes, tenant) != 0) {
		res->outcome = MFA_CHANGE_REFUSED;
		ret = 0;
		goto cleanup;
	}

	if (open_journal(r, tenant, &out, &jw, res->journal_path, sizeof(res->journal_path), err) < 0)
		goto cleanup;
	out.keep = true; /* the journal is there: never remove the folder */

	ao.http = session.http;
	ao.graph_url = mfa_session_graph_url(&session);
	ao.journal = jw;
	ao.seen = seen;
	ao.seen_size = seen ? r->max_seq + 1 : 0;
	ao.next = r->next;
	ao.next_ctx = r->next_ctx;
	ao.progress = r->progress ? on_progress : NULL;
	ao.progress_ctx = (void *)r;
	if (mfa_apply_new(&engine, &ao, err) < 0)
		goto cleanup;
	if (r->running_http) {
		*r->running_http = session.http;
		if (stopped_by_caller(r)) /* a stop that came before the engine */
			mfa_http_stop(session.http);
	}
	/* Every user of the source gets an outcome; those done before don't. */
	total = r->total_changes + r->holds + r->keeps;
	if (r->progress)
		r->progress(r->progress_ctx, MFA_CHANGE_STARTING, mfa_apply_counts(engine),
			    total > done ? total - done : 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = run_engine(r, engine, res, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r->progress)
		r->progress(r->progress_ctx, MFA_CHANGE_FINISHED, mfa_apply_counts(engine), 0);
	if (rc < 0)
		goto cleanup;
	if (rc == MFA_HTTP_INTERRUPTED || stopped_by_caller(r)) {
		snprintf(res->stopped, sizeof(res->stopped), "%s",
			 "interrupted (Ctrl-C): in-flight changes finished and are journalled");
		incomplete = 1;
	} else if (rc == MFA_APPLY_LIMITED) {
		if (!res->stopped[0])
			snprintf(res->stopped, sizeof(res->stopped),
				 "stopped at --max-changes %lu: the rest is untouched", r->max_changes);
		incomplete = 1;
	}
	rc = mfa_journal_close(jw, err);
	jw = NULL;
	if (rc < 0)
		goto cleanup;

	memset(&ro, 0, sizeof(ro));
	ro.dir = out.path;
	ro.journal_path = res->journal_path;
	ro.operation = r->operation;
	ro.source = r->source_path;
	ro.tenant_id = tenant;
	ro.incomplete = incomplete;
	ro.stopped_because = res->stopped[0] ? res->stopped : NULL;
	ro.http = r->no_verify || stopped_by_caller(r) ? NULL : session.http;
	ro.graph_url = mfa_session_graph_url(&session);
	ro.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ro.writes = mfa_apply_counts(engine)->writes;
	if (session.limits.write_window_s > 0)
		ro.write_quota_per_s = session.limits.write_units / session.limits.write_window_s;
	ro.traffic = session.http;
	ro.token_requests = mfa_auth_token_requests(session.auth);
	ro.rows_per_sheet = r->xlsx_rows_per_sheet;
	if (outcome_iter_open(&outcomes, res->journal_path, r->max_seq, err) < 0)
		goto cleanup;
	ro.next = next_outcome;
	ro.next_ctx = &outcomes;
	rc = mfa_results_write(&ro, &res->results, err);
	outcome_iter_release(&outcomes);
	if (rc < 0)
		goto cleanup;

	mfa_notify(&r->notify, MFA_LEVEL_NOTE,
		   "%s: %lu changed, %lu already at target, %lu drifted (left alone), %lu held, %lu failed%s",
		   r->operation, res->results.outcomes[MFA_OUTCOME_CHANGED],
		   res->results.outcomes[MFA_OUTCOME_ALREADY], res->results.outcomes[MFA_OUTCOME_DRIFTED],
		   res->results.outcomes[MFA_OUTCOME_HELD], res->results.outcomes[MFA_OUTCOME_FAILED],
		   r->no_verify ? " (not verified)" : "");
	if (res->results.graph_enforced && strcmp(r->operation, "apply") == 0)
		mfa_notify(&r->notify, MFA_LEVEL_NOTE,
			   "%lu users set to enabled are enforced: Graph does that for users who registered a method, as the plan expected (results.csv: verified=enforced-by-graph)",
			   res->results.graph_enforced);
	else if (res->results.graph_enforced)
		mfa_notify(&r->notify, MFA_LEVEL_WARN,
			   "%lu users were set back to enabled but Graph enforces them, as it does for users who registered a method (results.csv: verified=enforced-by-graph)",
			   res->results.graph_enforced);
	if (res->results.mismatched)
		mfa_notify(&r->notify, MFA_LEVEL_WARN,
			   "%lu changed users read back at another state than planned (see results.csv, verified=false)",
			   res->results.mismatched);
	snprintf(res->out_path, sizeof(res->out_path), "%s", out.path);
	if (stopped_by_caller(r))
		res->outcome = MFA_CHANGE_INTERRUPTED;
	else if (res->results.outcomes[MFA_OUTCOME_FAILED] || res->results.mismatched ||
		 res->results.unverified)
		res->outcome = MFA_CHANGE_PARTIAL;
	else
		res->outcome = MFA_CHANGE_DONE;
	ret = 0;
cleanup:
	if (ret < 0 && stopped_by_caller(r))
		res->interrupted = 1;
	/* Teardown in the one order that works (apply/engine.h): the engine
	 * settles what it still has through the http engine and into the
	 * journal, so it goes first, then the journal, then the session. */
	mfa_apply_free(engine);
	mfa_journal_close(jw, NULL);
	outcome_iter_release(&outcomes);
	if (r->running_http)
		*r->running_http = NULL;
	mfa_session_close(&session);
	free(seen);
	mfa_outdir_release(&out);
	return ret;
}
