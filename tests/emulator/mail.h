/* mail.h - POST /users/{id | userPrincipalName}/sendMail: the body checks
 * Graph makes, Exchange Online's sending limits per mailbox, and the log of
 * every message accepted (GET /_emulator/mail).
 *
 * Limits (token buckets like throttle.h: start full, refill continuously,
 * windows divided by --time-scale; none under --limits off):
 *   30 messages / minute per mailbox (--mail-per-minute)
 *       429 ApplicationThrottled, what Graph answers for Exchange's
 *       per-mailbox limits
 *   10,000 recipients / day per mailbox (--mail-recipients-per-day), to +
 *   cc + bcc of each message
 *       429 ErrorSubmissionQuotaExceeded, Exchange's submission-quota code
 * A message is admitted when both buckets hold its cost and then both are
 * charged; otherwise 429 with Retry-After (seconds until the binding bucket
 * holds the cost again; the window when it never can) and nothing charged.
 *
 * Thread safety: every function takes the module's lock.
 * Ownership: emu_mail_new's result is freed by emu_mail_free; the log owns
 * copies of everything it keeps.
 */
#ifndef EMU_MAIL_H
#define EMU_MAIL_H

#include "buf.h"
#include "emu.h"
#include "tenant.h"

struct emu_mail;

int emu_mail_new(struct emu_mail **out, const struct emu_config *cfg);
void emu_mail_free(struct emu_mail *m); /* NULL is fine */

/* Answers sendMail for the mailbox named key (permission already checked):
 * 202 with no body and the message logged, or Graph's 400 / 404 / 429. */
void emu_mail_send(struct emu_mail *m, const struct emu_tenant *t, const struct emu_request *rq,
		   const char *key, struct emu_reply *rp);

/* Messages accepted so far (for /_emulator/stats). */
unsigned long emu_mail_count(struct emu_mail *m);

/* Writes the log as a JSON array, oldest first: {"mailbox","from","to":[],
 * "cc":[],"bcc":[],"subject","contentType","content","saveToSentItems","at"}. */
void emu_mail_json(struct emu_mail *m, struct buf *b);

/* Clears the log and fills every bucket (POST /_emulator/reset). */
void emu_mail_reset(struct emu_mail *m);

#endif
