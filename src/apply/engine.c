/* engine.c - compare-and-set changes, journalled ahead (apply/engine.h). */
#include "apply/engine.h"

#include "graph/requirements.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
	struct mfa_apply *a;
	unsigned long seq;
	char *id, *upn;
	const char *target;      /* id, else upn: what the URL names */
	enum mfa_state expect, to;
	enum mfa_state also, ends; /* mfa_change's; UNKNOWN: none */
	int in_doubt;            /* the journal holds an intent from an earlier run */
	long write_status;
	unsigned write_attempts;
	unsigned settles;        /* failed writes read back and sent again */
	char *write_error;       /* a failed write, while its state is read back */
	int finished;            /* settled (an outcome, or dropped): waits in `done` */
	struct job *next_done;
};

struct mfa_apply {
	struct mfa_http *http;
	struct mfa_reqs *reqs;
	struct mfa_journal_writer *journal;
	const uint8_t *seen;
	unsigned long seen_size;
	mfa_change_next_fn next;
	void *next_ctx;
	unsigned backlog;
	void (*progress)(void *ctx, const struct mfa_apply_counts *c);
	void *progress_ctx;

	struct mfa_apply_counts counts;
	unsigned long set_dispatched;
	unsigned long failed_run;
	size_t jobs;             /* jobs without an outcome yet */
	struct job *done;        /* settled jobs, freed by reap() outside any callback */
	int exhausted;
	int have_held;           /* `held_change` waits for the next run */
	struct mfa_change held_change;
	char *held_id, *held_upn;
	int fatal;
	struct mfa_err fatal_err;
	int read_back;
};

/* The state read is where the change ends. */
static int at_end(const struct job *j, enum mfa_state s)
{
	return s == j->to || (j->ends != MFA_STATE_UNKNOWN && s == j->ends);
}

/* The state read is one the change may start from. */
static int at_start(const struct job *j, enum mfa_state s)
{
	return s == j->expect || (j->also != MFA_STATE_UNKNOWN && s == j->also);
}

static void job_free(struct job *j)
{
	free(j->id);
	free(j->upn);
	free(j->write_error);
	free(j);
}

/* Ownership of a job: the callback of its one pending request owns it; a
 * job is settled exactly once (an outcome, or dropped) by retire(), which
 * only parks it on a->done. Jobs are freed by reap(), which runs only
 * from mfa_apply_run's loop and mfa_apply_free, never inside a callback:
 * so code that queued a request may look at j->finished afterwards, even
 * when the queueing failed and ran the callbacks of a whole batch. */
static void retire(struct job *j)
{
	struct mfa_apply *a = j->a;

	j->finished = 1;
	a->jobs--;
	j->next_done = a->done;
	a->done = j;
}

static void reap(struct mfa_apply *a)
{
	struct job *j;

	while ((j = a->done) != NULL) {
		a->done = j->next_done;
		job_free(j);
	}
}

/* The first fatal error (the journal cannot be written, sign-in failed)
 * stops everything: nothing new is sent, what is in flight settles. */
static void set_fatal(struct mfa_apply *a, const struct mfa_err *err)
{
	if (a->fatal)
		return;
	a->fatal = 1;
	a->fatal_err = *err;
	if (!a->fatal_err.msg[0])
		snprintf(a->fatal_err.msg, sizeof(a->fatal_err.msg), "the change engine failed");
	mfa_http_stop(a->http);
}

static int stopping(const struct mfa_apply *a)
{
	return a->fatal || mfa_http_interrupted(a->http);
}

static void record(struct mfa_apply *a, unsigned long seq, const char *id, const char *upn,
		   enum mfa_state from, enum mfa_state to, enum mfa_outcome outcome,
		   enum mfa_state observed, long status, unsigned attempts, const char *error)
{
	struct mfa_journal_entry e;
	struct mfa_err err = MFA_ERR_INIT;

	memset(&e, 0, sizeof(e));
	e.seq = seq;
	e.event = MFA_JOURNAL_OUTCOME;
	e.id = id;
	e.upn = upn;
	e.from = from;
	e.to = to;
	e.outcome = outcome;
	e.observed = observed;
	e.status = status;
	e.attempts = attempts;
	e.error = error;
	if (mfa_journal_append(a->journal, &e, &err) < 0)
		set_fatal(a, &err);
	a->counts.outcomes[outcome]++;
	if (outcome == MFA_OUTCOME_FAILED)
		a->failed_run++;
	if (a->progress)
		a->progress(a->progress_ctx, &a->counts);
}

static void finish_job(struct job *j, enum mfa_outcome outcome, enum mfa_state observed,
		       long status, unsigned attempts, const char *error)
{
	struct mfa_apply *a = j->a;

	record(a, j->seq, j->id, j->upn, j->expect, j->to, outcome, observed, status, attempts, error);
	retire(j);
}

/* A request that ended because the run was interrupted (or stopped by a
 * fatal error) settles nothing: the user gets no outcome, and the next
 * run (--resume) takes it again (reading it first if an intent is in the
 * journal). */
static int dropped(struct job *j)
{
	if (!stopping(j->a))
		return 0;
	retire(j);
	return 1;
}

/* Queues j's next request (a read, or a write of j->to) with `done` as
 * its callback, which owns j from then on. Nothing new is sent once the
 * run is stopping (j is dropped). When the request cannot be queued, j
 * is settled `failed` with `observed`, `status`, `attempts` and the
 * reason, unless the failed queueing already ran j's callback. */
static void request(struct job *j, int write, mfa_reqs_done_fn done, enum mfa_state observed,
		    long status, unsigned attempts, const char *why)
{
	struct mfa_apply *a = j->a;
	struct mfa_err err = MFA_ERR_INIT;
	int rc;

	if (dropped(j))
		return;
	if (write) {
		a->counts.writes++;
		rc = mfa_reqs_write(a->reqs, j->target, j->to, done, j, &err);
	} else {
		a->counts.reads++;
		rc = mfa_reqs_read(a->reqs, j->target, done, j, &err);
	}
	if (rc == 0 || j->finished)
		return;
	finish_job(j, MFA_OUTCOME_FAILED, observed, status, attempts, why ? why : err.msg);
}

static void on_write(void *ctx, const struct mfa_reqs_result *r);

/* Writes that fail are never re-sent blindly (the server may have acted):
 * the state is read back, and only a user still at `expect` is written
 * again, as often as the retry policy allows one request to be tried. */
static unsigned max_settles(const struct mfa_apply *a)
{
	unsigned n = mfa_http_retry_policy(a->http)->max_attempts;

	return n > 1 ? n - 1 : 0;
}

static void on_settle(void *ctx, const struct mfa_reqs_result *r)
{
	struct job *j = ctx;

	if (!r->error && at_end(j, r->state)) {
		/* The write went through though its answer was lost. */
		finish_job(j, MFA_OUTCOME_CHANGED, r->state, j->write_status, j->write_attempts, NULL);
		return;
	}
	if (!r->error && at_start(j, r->state) && j->settles < max_settles(j->a) &&
	    !mfa_http_interrupted(j->a->http)) {
		j->settles++;
		free(j->write_error);
		j->write_error = NULL;
		request(j, 1, on_write, r->state, 0, 0, NULL);
		return;
	}
	if (r->error && dropped(j))
		return;
	finish_job(j, MFA_OUTCOME_FAILED, r->error ? MFA_STATE_UNKNOWN : r->state, j->write_status,
		   j->write_attempts, j->write_error);
}

static void on_read_back(void *ctx, const struct mfa_reqs_result *r)
{
	struct job *j = ctx;
	char why[MFA_ERR_MAX];

	if (r->error && dropped(j))
		return;
	if (!r->error && at_end(j, r->state)) {
		finish_job(j, MFA_OUTCOME_CHANGED, r->state, j->write_status, j->write_attempts, NULL);
		return;
	}
	if (r->error)
		snprintf(why, sizeof(why), "written, but could not be read back: %s", r->error);
	else
		snprintf(why, sizeof(why), "written, but read back as '%s'", mfa_state_name(r->state));
	finish_job(j, MFA_OUTCOME_FAILED, r->error ? MFA_STATE_UNKNOWN : r->state, j->write_status,
		   j->write_attempts, why);
}

static void on_write(void *ctx, const struct mfa_reqs_result *r)
{
	struct job *j = ctx;

	if (!r->error && j->a->read_back) {
		j->write_status = r->status;
		j->write_attempts = r->attempts;
		request(j, 0, on_read_back, MFA_STATE_UNKNOWN, r->status, r->attempts, NULL);
		return;
	}
	if (!r->error) {
		finish_job(j, MFA_OUTCOME_CHANGED, MFA_STATE_UNKNOWN, r->status, r->attempts, NULL);
		return;
	}
	if (dropped(j))
		return;
	/* Failed, or so it seems: a timed-out write may still have landed.
	 * Read it back before saying which. */
	j->write_status = r->status;
	j->write_attempts = r->attempts;
	j->write_error = strdup(r->error);
	request(j, 0, on_settle, MFA_STATE_UNKNOWN, r->status, r->attempts, r->error);
}

static void on_read(void *ctx, const struct mfa_reqs_result *r)
{
	struct job *j = ctx;
	struct mfa_apply *a = j->a;
	char why[MFA_ERR_MAX];

	if (r->error) {
		if (dropped(j))
			return;
		snprintf(why, sizeof(why), "could not read the current state: %s", r->error);
		finish_job(j, MFA_OUTCOME_FAILED, MFA_STATE_UNKNOWN, r->status, r->attempts, why);
		return;
	}
	if (at_end(j, r->state)) {
		if (j->in_doubt) {
			/* Our journalled intent, and the state it announced: the
			 * write landed before the interruption. */
			a->counts.in_doubt++;
			finish_job(j, MFA_OUTCOME_CHANGED, r->state, 0, 0, NULL);
		} else {
			finish_job(j, MFA_OUTCOME_ALREADY, r->state, r->status, r->attempts, NULL);
		}
		return;
	}
	if (!at_start(j, r->state)) {
		if (j->in_doubt)
			a->counts.in_doubt++;
		finish_job(j, MFA_OUTCOME_DRIFTED, r->state, r->status, r->attempts, NULL);
		return;
	}
	if (j->in_doubt)
		a->counts.in_doubt++;
	request(j, 1, on_write, r->state, 0, 0, NULL);
}

/* Before a write batch goes out: its intents are in the journal, on disk. */
static int before_write(void *ctx, void *const *items, size_t n, int retry, struct mfa_err *err)
{
	struct mfa_apply *a = ctx;
	size_t i;

	for (i = 0; i < n && !retry; i++) {
		const struct job *j = items[i];
		struct mfa_journal_entry e;

		memset(&e, 0, sizeof(e));
		e.seq = j->seq;
		e.event = MFA_JOURNAL_INTENT;
		e.id = j->id;
		e.upn = j->upn;
		e.from = j->expect;
		e.to = j->to;
		if (mfa_journal_append(a->journal, &e, err) < 0)
			goto fail;
	}
	if (mfa_journal_sync(a->journal, err) < 0)
		goto fail;
	return 0;
fail:
	set_fatal(a, err);
	return -1;
}

static int dispatch(struct mfa_apply *a, const struct mfa_change *c, struct mfa_err *err)
{
	struct job *j;
	uint8_t seen = c->seq < a->seen_size && a->seen ? a->seen[c->seq] : MFA_SEEN_NONE;

	if (seen == MFA_SEEN_DONE) {
		a->counts.skipped++;
		return 0;
	}
	if (c->kind == MFA_WRITE_HOLD || c->kind == MFA_WRITE_KEEP) {
		record(a, c->seq, c->id, c->upn, c->expect, c->kind == MFA_WRITE_HOLD ? c->expect : c->to,
		       c->kind == MFA_WRITE_HOLD ? MFA_OUTCOME_HELD : MFA_OUTCOME_ALREADY,
		       MFA_STATE_UNKNOWN, 0, 0, NULL);
		if (a->fatal) {
			*err = a->fatal_err; /* the journal could not take the line */
			return -1;
		}
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j || (c->id && !(j->id = strdup(c->id))) || (c->upn && !(j->upn = strdup(c->upn)))) {
		if (j)
			job_free(j);
		return mfa_err_set(err, "out of memory");
	}
	j->a = a;
	j->seq = c->seq;
	j->target = j->id ? j->id : j->upn;
	j->expect = c->expect;
	j->to = c->to;
	j->also = c->also;
	j->ends = c->ends;
	j->in_doubt = seen == MFA_SEEN_INTENT;
	if (!j->target) {
		job_free(j);
		return mfa_err_set(err, "change %lu names no user", c->seq);
	}
	a->jobs++;
	request(j, 0, on_read, MFA_STATE_UNKNOWN, 0, 0, NULL);
	return 0;
}

/* The next change: the one held back by the last run's limit, or a new
 * one from the iterator. */
static int pull(struct mfa_apply *a, struct mfa_change *c, struct mfa_err *err)
{
	int rc;

	if (a->have_held) {
		*c = a->held_change;
		return 1;
	}
	rc = a->next(a->next_ctx, c, err);
	if (rc == 0)
		a->exhausted = 1;
	return rc;
}

static int hold_back(struct mfa_apply *a, const struct mfa_change *c, struct mfa_err *err)
{
	char *id = c->id ? strdup(c->id) : NULL, *upn = c->upn ? strdup(c->upn) : NULL;

	if ((c->id && !id) || (c->upn && !upn)) {
		free(id);
		free(upn);
		return mfa_err_set(err, "out of memory");
	}
	free(a->held_id);
	free(a->held_upn);
	a->held_change = *c;
	a->held_change.id = a->held_id = id;
	a->held_change.upn = a->held_upn = upn;
	a->have_held = 1;
	return 0;
}

/* Once stopping and the http engine is idle, what is left sits in
 * partly filled batches that will never be sent: freeing the client runs
 * their callbacks, which drop their jobs. The engine runs no more. */
static void settle_unsent(struct mfa_apply *a)
{
	mfa_reqs_free(a->reqs);
	a->reqs = NULL;
}

int mfa_apply_run(struct mfa_apply *a, unsigned long max_writes, struct mfa_err *err)
{
	unsigned long limit = max_writes ? a->set_dispatched + max_writes : ULONG_MAX;
	int limited = 0, rc;
	struct mfa_err e = MFA_ERR_INIT;

	if (!a->reqs)
		return mfa_err_set(err, "%s", a->fatal ? a->fatal_err.msg : "the change engine has stopped");
	a->failed_run = 0;
	/* Every error from here on is fatal and goes through set_fatal: the
	 * loop goes on until every job is settled, then reports it. */
	for (;;) {
		struct mfa_change c;

		reap(a);
		while (!a->exhausted && !limited && !stopping(a) && a->jobs < a->backlog) {
			int from_held = a->have_held;

			rc = pull(a, &c, &e);
			if (rc < 0) {
				set_fatal(a, &e);
				break;
			}
			if (rc == 0)
				break;
			if (c.kind == MFA_WRITE_SET && a->set_dispatched >= limit) {
				if (!from_held && hold_back(a, &c, &e) < 0)
					set_fatal(a, &e);
				limited = 1;
				break;
			}
			a->have_held = 0;
			if (dispatch(a, &c, &e) < 0) {
				set_fatal(a, &e);
				break;
			}
			if (c.kind == MFA_WRITE_SET)
				a->set_dispatched++;
		}
		if (!stopping(a) && mfa_reqs_flush(a->reqs, &e) < 0)
			set_fatal(a, &e);
		if (a->jobs == 0 && (a->exhausted || limited || stopping(a)))
			break;
		rc = mfa_http_step(a->http, 200, &e);
		if (rc < 0)
			set_fatal(a, &e);
		/* Stopping, and nothing in flight any more. */
		if (rc <= 0 && stopping(a)) {
			settle_unsent(a);
			break;
		}
	}
	reap(a);
	if (a->fatal) {
		*err = a->fatal_err;
		return -1;
	}
	if (mfa_journal_sync(a->journal, err) < 0) {
		set_fatal(a, err);
		return -1;
	}
	if (mfa_http_interrupted(a->http))
		return MFA_HTTP_INTERRUPTED;
	return a->exhausted && !a->have_held ? 0 : MFA_APPLY_LIMITED;
}

int mfa_apply_new(struct mfa_apply **out, const struct mfa_apply_options *o, struct mfa_err *err)
{
	struct mfa_apply *a = calloc(1, sizeof(*a));
	struct mfa_reqs_options ro = MFA_REQS_OPTIONS_INIT;

	*out = NULL;
	if (!a)
		return mfa_err_set(err, "out of memory");
	a->http = o->http;
	a->journal = o->journal;
	a->seen = o->seen;
	a->seen_size = o->seen_size;
	a->next = o->next;
	a->next_ctx = o->next_ctx;
	a->backlog = o->backlog ? o->backlog : 2000;
	a->progress = o->progress;
	a->progress_ctx = o->progress_ctx;
	ro.http = o->http;
	ro.graph_url = o->graph_url;
	ro.before_write = before_write;
	ro.before_write_ctx = a;
	if (mfa_reqs_new(&a->reqs, &ro, err) < 0) {
		free(a);
		return -1;
	}
	*out = a;
	return 0;
}

void mfa_apply_set_read_back(struct mfa_apply *a, int on)
{
	a->read_back = on;
}

const struct mfa_apply_counts *mfa_apply_counts(const struct mfa_apply *a)
{
	return &a->counts;
}

unsigned long mfa_apply_failed_last_run(const struct mfa_apply *a)
{
	return a->failed_run;
}

void mfa_apply_free(struct mfa_apply *a)
{
	struct mfa_err e = MFA_ERR_INIT;

	if (!a)
		return;
	/* Settle what is still pending while the borrowed http engine and
	 * journal are alive: stop, let in-flight requests finish (their
	 * callbacks journal what they learnt), cancel the rest. */
	if (a->jobs && a->reqs) {
		mfa_http_stop(a->http);
		while (mfa_http_step(a->http, 200, &e) == 1)
			;
	}
	mfa_reqs_free(a->reqs);
	reap(a);
	free(a->held_id);
	free(a->held_upn);
	free(a);
}
