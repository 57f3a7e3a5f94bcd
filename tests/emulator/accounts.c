/* accounts.c - signInActivity and mailboxSettings.userPurpose of the
 * emulated users (accounts.h). */
#include "accounts.h"

#include "app.h"
#include "mfa/util/csvw.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* FNV-1a of the id: the same user gets the same account type wherever the
 * tenant came from. */
static uint32_t user_hash(const struct emu_tenant *t, const struct emu_user *u)
{
	const unsigned char *p = (const unsigned char *)emu_user_id(t, u);
	uint32_t h = 2166136261u;

	for (; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* Today's UTC midnight. */
static double today(void)
{
	time_t now = time(NULL);

	return (double)(now - now % 86400);
}

int emu_accounts_sign_in(const struct emu_tenant *t, const struct emu_user *u, char last[32],
			 char non_interactive[32])
{
	uint32_t h = user_hash(t, u), kind = h % 10, r = h / 10;
	double day = 86400, base = today(), secs = (double)(r % 86400);

	last[0] = non_interactive[0] = '\0';
	if (kind == 0)
		return 0;
	if (kind <= 2) {
		emu_iso_time(base - (120 + (double)(r % 300)) * day + secs, last);
	} else if (kind == 3) {
		emu_iso_time(base - (200 + (double)(r % 200)) * day + secs, last);
		emu_iso_time(base - (double)(r % 30) * day - secs, non_interactive);
	} else {
		emu_iso_time(base - (double)(r % 60) * day - secs, last);
		if (r & 1)
			emu_iso_time(base - (double)(r % 7) * day - secs, non_interactive);
	}
	return 1;
}

void emu_accounts_sign_in_json(const struct emu_tenant *t, const struct emu_user *u, struct buf *b)
{
	char last[32], ni[32];

	if (!emu_accounts_sign_in(t, u, last, ni)) {
		buf_puts(b, "null");
		return;
	}
	buf_puts(b, "{\"lastSignInDateTime\":");
	buf_json_str(b, last[0] ? last : NULL);
	buf_puts(b, ",\"lastSignInRequestId\":");
	buf_json_str(b, last[0] ? "c8b1a0f2-1f1a-4c1e-9d3e-0f6b5e7a9d01" : NULL);
	buf_puts(b, ",\"lastNonInteractiveSignInDateTime\":");
	buf_json_str(b, ni[0] ? ni : NULL);
	buf_puts(b, ",\"lastNonInteractiveSignInRequestId\":");
	buf_json_str(b, ni[0] ? "5e2a7c44-8b0d-4f6e-a1c3-2d9f8e7b6a02" : NULL);
	buf_putc(b, '}');
}

const char *emu_accounts_purpose(const struct emu_tenant *t, const struct emu_user *u)
{
	uint32_t k;

	if (!emu_user_mail(t, u))
		return NULL;
	k = (user_hash(t, u) >> 8) % 20;
	return k < 2 ? "shared" : k == 2 ? "room" : k == 3 ? "equipment" : "user";
}

void emu_accounts_mailbox_settings(struct emu_app *app, const struct emu_request *rq,
				   const char *key, int purpose_only, struct emu_reply *rp)
{
	const struct emu_tenant *t = &app->tenant;
	long idx = emu_tenant_find(t, key);
	const char *purpose, *sel = emu_request_query(rq, "$select");
	struct buf *b = &rp->body;

	if (idx < 0) {
		emu_reply_error(rp, 404, "ErrorInvalidUser",
				"The requested user '%.200s' is invalid.", key);
		return;
	}
	purpose = emu_accounts_purpose(t, &t->users[idx]);
	if (!purpose) {
		emu_reply_error(rp, 404, "MailboxNotEnabledForRESTAPI",
				"The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
		return;
	}
	rp->json = true;
	buf_printf(b, "{\"@odata.context\":\"%s/%s/$metadata#users('%s')/mailboxSettings%s\"",
		   rq->base_url ? rq->base_url : "", rq->version, emu_user_id(t, &t->users[idx]),
		   purpose_only ? "/userPurpose" : "");
	if (purpose_only) {
		buf_printf(b, ",\"value\":\"%s\"}", purpose);
		return;
	}
	if (!sel || !strstr(sel, "userPurpose") || strchr(sel, ','))
		buf_puts(b, ",\"timeZone\":\"UTC\",\"dateFormat\":\"yyyy-MM-dd\",\"timeFormat\":\"HH:mm\"");
	buf_printf(b, ",\"userPurpose\":\"%s\"}", purpose);
}

void emu_accounts_write_state(const struct emu_tenant *t, FILE *f)
{
	struct mfa_csvw w;
	uint32_t i;

	mfa_csvw_init(&w, f);
	fputs("id,userPrincipalName,lastSignInDateTime,lastNonInteractiveSignInDateTime,mailboxPurpose\n", f);
	for (i = 0; i < t->count; i++) {
		const struct emu_user *u = &t->users[i];
		const char *p = emu_accounts_purpose(t, u);
		char last[32], ni[32];

		emu_accounts_sign_in(t, u, last, ni);
		mfa_csvw_field(&w, emu_user_id(t, u));
		mfa_csvw_field(&w, emu_user_upn(t, u));
		mfa_csvw_field(&w, last);
		mfa_csvw_field(&w, ni);
		mfa_csvw_field(&w, p ? p : "");
		mfa_csvw_end(&w);
	}
}
