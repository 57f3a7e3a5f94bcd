/* mailbox_purpose.h - what kind of mailbox each user has (audit and plan
 * --mailbox-purpose): GET /users/{id}/mailboxSettings/userPurpose, 20 at a
 * time through POST /v1.0/$batch, each item retried on its own (429 with
 * its own Retry-After, 5xx) by graph/retry.h's rule for $batch items.
 * Needs MailboxSettings.Read (application).
 *
 * The users scan queues each listed user who has a mailbox (its `mail`
 * property set: Graph lists no mailbox for a user without one) while it
 * runs; the reads run in the same mfa_http_run as the scan. Outlook, not
 * the directory, answers them, with its own limits (Graph's throttling
 * limits, "Outlook service limits"): at most 4 requests of an app at once,
 * and a $batch's Outlook items run 4 at a time; so one batch of first
 * attempts is in flight at a time. A failed item waits out its Retry-After
 * (or backoff) in a batch of retries of its own, which holds no place, and
 * pauses neither the other mailbox reads nor the directory reads beside it.
 * After the run mfa_mailbox_purpose_get answers per user:
 *   - the value Graph gave, verbatim (user, shared, room, equipment,
 *     linked, others, ...);
 *   - NULL when not read: no mailbox (Graph's 404 MailboxNotEnabledForRESTAPI:
 *     inactive, soft-deleted or on-premises), refused (403: one warning
 *     for all, at finish), or failed (one warning with the count).
 * Memory: only users whose answer is not "user" are kept (id and value);
 * a queued user found nowhere read as "user".
 *
 *     mfa_mailbox_purpose_start(&mp, http, graph_url, &err);
 *     mfa_mailbox_purpose_queue(mp, id, &err);   // per user with a mailbox
 *     mfa_mailbox_purpose_flush(mp, &err);       // when the listing ends
 *     mfa_http_run(...);
 *     mfa_mailbox_purpose_finish(mp, warn, ctx); // the warnings
 *     p = mfa_mailbox_purpose_get(mp, id);
 *     mfa_mailbox_purpose_free(mp);
 */
#ifndef MFA_SOURCES_MAILBOX_PURPOSE_H
#define MFA_SOURCES_MAILBOX_PURPOSE_H

#include <stddef.h>

#include "graph/http.h"
#include "mfa/model/source.h"

struct mfa_mailbox_purpose;

/* Sets up the reader for h (borrowed; it must outlive the reader);
 * graph_url is copied. No request yet. */
int mfa_mailbox_purpose_start(struct mfa_mailbox_purpose **out, struct mfa_http *h,
			      const char *graph_url, struct mfa_err *err);

/* Queues the read of one user (object id, copied); a full batch of 20 is
 * submitted at once. */
int mfa_mailbox_purpose_queue(struct mfa_mailbox_purpose *m, const char *id, struct mfa_err *err);

/* Submits the partly filled batch. */
int mfa_mailbox_purpose_flush(struct mfa_mailbox_purpose *m, struct mfa_err *err);

/* Reads queued or in flight. */
size_t mfa_mailbox_purpose_pending(const struct mfa_mailbox_purpose *m);

/* After the run: hands one line per kind of failure to warn (NULL: drop
 * them, e.g. when the whole scan failed anyway). Call once. */
void mfa_mailbox_purpose_finish(struct mfa_mailbox_purpose *m, mfa_warn_fn warn, void *warn_ctx);

/* The purpose of a user the caller queued (see above; only ask for those:
 * a user never queued reads as "user"), NULL when not read. Owned by m,
 * valid until mfa_mailbox_purpose_free; only after finish. */
const char *mfa_mailbox_purpose_get(const struct mfa_mailbox_purpose *m, const char *id);

/* Users whose purpose was read, and whose read was refused with 403. */
unsigned long mfa_mailbox_purpose_read_count(const struct mfa_mailbox_purpose *m);
unsigned long mfa_mailbox_purpose_denied_count(const struct mfa_mailbox_purpose *m);

/* Frees m; reads still queued are dropped. NULL is fine. */
void mfa_mailbox_purpose_free(struct mfa_mailbox_purpose *m);

#endif
