/* graph/requirements.h - reading and setting users' per-user MFA state
 * (GET/PATCH /users/{id}/authentication/requirements), 20 at a time
 * through $batch, each item retried on its own.
 *
 * Callers queue single operations; the client packs them into batches of
 * up to MFA_BATCH_MAX (reads and writes apart: they count against
 * different throttle scopes), submits each full batch to the http engine,
 * and calls every operation's callback exactly once with its final result.
 * Whether and when an item goes out again is graph/retry.h's call, asked
 * per item (kind MFA_RETRY_BATCH_ITEM, writes not idempotent): a throttled
 * item (429, its own Retry-After) pauses its scope (mfa_http_pause_scope:
 * a pause of its graph/throttle.h limiter) and goes into a new batch after the
 * longest delay among its batch's retried items; 5xx and missing read
 * items back off exponentially; a write is sent again only after a 429.
 *
 *     struct mfa_reqs_options o = MFA_REQS_OPTIONS_INIT;
 *     o.http = h; o.graph_url = base;
 *     mfa_reqs_new(&r, &o, &err);
 *     mfa_reqs_read(r, user_id, on_state, user, &err);   // queued
 *     mfa_reqs_flush(r, &err);                            // send the partial batch
 *     mfa_http_run(h, &err);                              // callbacks run in here
 *     mfa_reqs_free(r);
 */
#ifndef MFA_GRAPH_REQUIREMENTS_H
#define MFA_GRAPH_REQUIREMENTS_H

#include <stddef.h>

#include "mfa/util/err.h"
#include "mfa/model/user.h"
#include "graph/http.h"

struct mfa_reqs;

/* The final result of one operation; valid during the callback only. */
struct mfa_reqs_result {
	enum mfa_state state;   /* read: the state Graph answered; UNKNOWN on failure */
	long status;            /* the item's HTTP status on its last attempt; 0 if none */
	unsigned attempts;      /* batches the item went out in */
	const char *error;      /* NULL on success; else one line for people */
};

typedef void (*mfa_reqs_done_fn)(void *ctx, const struct mfa_reqs_result *r);

/* Called just before a batch of writes is submitted, with the ctx of each
 * item (retry: 1 when the batch re-sends items that went out before). What
 * apply uses to write and sync its journal's intents first. Returning
 * negative fails the batch's items with err's message, unsent. */
typedef int (*mfa_reqs_before_write_fn)(void *ctx, void *const *item_ctx, size_t n, int retry,
					struct mfa_err *err);

struct mfa_reqs_options {
	struct mfa_http *http;        /* borrowed */
	const char *graph_url;        /* base, e.g. "https://graph.microsoft.com"; copied */
	unsigned max_attempts;        /* per item; 0: the engine's retry default (8) */
	mfa_reqs_before_write_fn before_write; /* may be NULL */
	void *before_write_ctx;
};

#define MFA_REQS_OPTIONS_INIT { NULL, NULL, 0, NULL, NULL }

int mfa_reqs_new(struct mfa_reqs **out, const struct mfa_reqs_options *o, struct mfa_err *err);

/* Queues a read of the user's state. user is an object id (preferred) or a
 * UPN; it is copied and percent-encoded for the URL. */
int mfa_reqs_read(struct mfa_reqs *r, const char *user, mfa_reqs_done_fn done, void *ctx,
		  struct mfa_err *err);

/* Queues setting the user's state to `to` (disabled, enabled or enforced). */
int mfa_reqs_write(struct mfa_reqs *r, const char *user, enum mfa_state to,
		   mfa_reqs_done_fn done, void *ctx, struct mfa_err *err);

/* Submits the partly filled batches. */
int mfa_reqs_flush(struct mfa_reqs *r, struct mfa_err *err);

/* Operations queued or in flight whose callback has not run yet. */
size_t mfa_reqs_pending(const struct mfa_reqs *r);

/* Items retried so far (re-batched). */
unsigned long mfa_reqs_retried(const struct mfa_reqs *r);

/* Frees the client. Operations still queued (never submitted) get their
 * callback with an error first. NULL is fine. */
void mfa_reqs_free(struct mfa_reqs *r);

#endif
