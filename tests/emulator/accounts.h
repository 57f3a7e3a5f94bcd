/* accounts.h - the account types of issue 14 item 4: each user's
 * signInActivity and mailboxSettings.userPurpose, both deterministic from
 * the user's id (so from the seed, or the loaded file), so tests compare
 * user by user with GET /_emulator/state?accounts=1.
 *
 * signInActivity (served in /users only when $select names it; the route
 * checks AuditLog.Read.All and the P1 licence, graph_api.c): about 1 in 10
 * users never signed in (null), 2 in 10 last signed in interactively 120
 * to 419 days ago with no non-interactive sign-in, 1 in 10 signed in
 * interactively long ago but non-interactively within the last 30 days,
 * the rest within the last 60 days. Times count back from today's UTC
 * midnight, so nobody sits near a 90-day cut and a run crossing midnight
 * changes nothing that matters.
 *
 * userPurpose, for users with a mail address: 2 in 20 shared, 1 room,
 * 1 equipment, the rest user; a user without mail has no mailbox (404
 * MailboxNotEnabledForRESTAPI, as Exchange Online answers).
 */
#ifndef EMU_ACCOUNTS_H
#define EMU_ACCOUNTS_H

#include <stdio.h>

#include "buf.h"
#include "emu.h"
#include "tenant.h"

struct emu_app;

/* Graph's largest users page with signInActivity; a larger $top gets
 * pages of this many. */
#define EMU_SIGN_IN_PAGE_SIZE 500

/* The user's signInActivity: 0 never signed in (null); 1 with last /
 * non-interactive filled (either may be "" for null). */
int emu_accounts_sign_in(const struct emu_tenant *t, const struct emu_user *u, char last[32],
			 char non_interactive[32]);

/* The JSON value of signInActivity (an object, or null). */
void emu_accounts_sign_in_json(const struct emu_tenant *t, const struct emu_user *u, struct buf *b);

/* The user's mailbox purpose, NULL when the user has no mailbox. */
const char *emu_accounts_purpose(const struct emu_tenant *t, const struct emu_user *u);

/* GET /users/{key}/mailboxSettings (purpose_only 0: the whole settings,
 * honouring $select=userPurpose) or /users/{key}/mailboxSettings/userPurpose
 * ({"value": ...}). The route checked MailboxSettings.Read. */
void emu_accounts_mailbox_settings(struct emu_app *app, const struct emu_request *rq,
				   const char *key, int purpose_only, struct emu_reply *rp);

/* "id,userPrincipalName,lastSignInDateTime,lastNonInteractiveSignInDateTime,
 * mailboxPurpose" for every user (GET /_emulator/state?accounts=1). */
void emu_accounts_write_state(const struct emu_tenant *t, FILE *f);

#endif
