/* apply/engine.h - the change engine behind `apply` and `rollback`:
 * compare-and-set state changes, journalled ahead, through $batch.
 *
 * The engine pulls changes one at a time from a caller's iterator (apply:
 * the plan's lines; rollback: the apply journal's `changed` lines) and
 * takes each to exactly one outcome:
 *
 *   hold / keep     -> `held` / `already`, journalled without a request;
 *   change          -> read the user's state (batched):
 *                        == to (or ends)      -> `already`
 *                        == expect (or also)  -> journal the intent (synced), write `to`:
 *                                            ok      -> `changed`
 *                                            failed  -> read back: == to (or ends) -> `changed`,
 *                                                       else `failed` (with the error)
 *                        anything else  -> `drifted` (left alone)
 *
 * `ends` is a second state the change counts as done (Graph turns
 * `enabled` into `enforced` for a registered user); `also` a second state
 * it may start from (a rollback of such a user finds it enforced).
 *                        read failed    -> `failed`
 *
 * Resume: the caller passes what the journal already holds per seq. A seq
 * with an outcome is skipped; a seq with only an intent ("in doubt": the
 * write may or may not have happened before the crash) goes through the
 * same compare-and-set, which reads `to` if the write went through, so
 * nothing is written twice.
 *
 * The journal is synced before every write batch is sent (the intents)
 * and at the end; outcomes between two syncs that a crash loses are
 * settled again by the next run's reads.
 */
#ifndef MFA_APPLY_ENGINE_H
#define MFA_APPLY_ENGINE_H

#include <stdint.h>

#include "graph/http.h"
#include "mfa/apply/journal.h"

enum mfa_write_kind {
	MFA_WRITE_SET = 0,   /* compare-and-set: expect -> to */
	MFA_WRITE_HOLD,      /* journal `held` */
	MFA_WRITE_KEEP       /* journal `already` (the plan saw it at `to`) */
};

/* One change as the iterator yields it; strings are copied by the engine. */
struct mfa_change {
	unsigned long seq;      /* 1-based, unique; indexes the resume map */
	const char *id;         /* object id (preferred) or NULL */
	const char *upn;
	enum mfa_write_kind kind;
	enum mfa_state expect;  /* the state the change may start from */
	enum mfa_state to;
	enum mfa_state also;    /* another state it may start from; UNKNOWN: none */
	enum mfa_state ends;    /* another state that counts as done; UNKNOWN: none */
};

/* Fills *out with the next change: 1, 0 at the end, negative on error. */
typedef int (*mfa_change_next_fn)(void *ctx, struct mfa_change *out, struct mfa_err *err);

/* What the journal says per seq (index seq; size max_seq + 1). */
enum mfa_seen {
	MFA_SEEN_NONE = 0,
	MFA_SEEN_INTENT,  /* in doubt */
	MFA_SEEN_DONE     /* has an outcome: never touched again */
};

struct mfa_apply_counts {
	unsigned long outcomes[MFA_OUTCOME__COUNT];
	unsigned long skipped;     /* already done in an earlier run (resume) */
	unsigned long in_doubt;    /* intents from an earlier run settled now */
	unsigned long writes;      /* write requests queued */
	unsigned long reads;       /* state reads queued */
};

struct mfa_apply_options {
	struct mfa_http *http;          /* borrowed, auth set */
	const char *graph_url;          /* copied */
	struct mfa_journal_writer *journal; /* borrowed, open */
	const uint8_t *seen;            /* resume map (enum mfa_seen), or NULL */
	unsigned long seen_size;        /* entries in seen */
	mfa_change_next_fn next;
	void *next_ctx;
	unsigned backlog;               /* users in flight at once; 0 = 2000 */
	/* Called after each outcome is journalled (progress). May be NULL. */
	void (*progress)(void *ctx, const struct mfa_apply_counts *c);
	void *progress_ctx;
};

#define MFA_APPLY_OPTIONS_INIT { NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL }

struct mfa_apply;

int mfa_apply_new(struct mfa_apply **out, const struct mfa_apply_options *o, struct mfa_err *err);

#define MFA_APPLY_LIMITED 2

/* Runs until the iterator is exhausted, or until `max_writes` more
 * compare-and-set changes were dispatched (0: no limit) and everything in
 * flight finished; a change pulled but not dispatched is kept for the next
 * call. Returns 0 when the iterator is exhausted, MFA_APPLY_LIMITED when
 * it stopped at max_writes (call again to continue), MFA_HTTP_INTERRUPTED
 * after mfa_http_stop, negative on a fatal error (the journal could not be
 * written, sign-in failed; err says which file and why). Whatever it
 * returns, every job has settled: an outcome, or none (left for resume).
 * After an interruption or a fatal error the engine runs no more. */
int mfa_apply_run(struct mfa_apply *a, unsigned long max_writes, struct mfa_err *err);

/* Read every write back before its outcome (the canary): a write Graph
 * accepted but that did not take is `failed`. */
void mfa_apply_set_read_back(struct mfa_apply *a, int on);

const struct mfa_apply_counts *mfa_apply_counts(const struct mfa_apply *a);

/* Outcomes `failed` recorded by the last mfa_apply_run call. */
unsigned long mfa_apply_failed_last_run(const struct mfa_apply *a);

/* Frees the engine. What it still has pending (a run that returned an
 * error, or none that ran to its end) is settled first: the http engine
 * is stopped and stepped until in-flight requests finished (their outcomes
 * go to the journal), the rest get no outcome ("in doubt" or untouched,
 * for --resume). So the teardown order is fixed: free the engine first,
 * then close the journal, then free the http engine. NULL is fine. */
void mfa_apply_free(struct mfa_apply *a);

#endif
