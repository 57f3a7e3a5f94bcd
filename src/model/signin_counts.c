/* signin_counts.c - sign-in records folded into per-user counters, and the
 * map that keeps them (mfa/model/signins.h). Pure. */
#include "mfa/model/signins.h"

#include "mfa/util/index.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mfa_signin_map {
	struct mfa_strtab ids;            /* user id -> entry number */
	struct mfa_signin_counts *counts; /* one per id, same numbers */
	size_t cap;
};

unsigned mfa_signin_provider_bit(const char *provider)
{
	if (!provider || !*provider)
		return 0;
	if (strcmp(provider, "user") == 0)
		return MFA_SIGNIN_BY_USER;
	if (strcmp(provider, "multiConditionalAccess") == 0)
		return MFA_SIGNIN_BY_CA;
	if (strcmp(provider, "securityDefaults") == 0)
		return MFA_SIGNIN_BY_SD;
	return MFA_SIGNIN_BY_OTHER;
}

bool mfa_signin_client_is_legacy(const char *client_app)
{
	/* The "Legacy Authentication Clients" of the sign-in logs' client
	 * app filter; the modern ones are Browser and Mobile Apps and
	 * Desktop clients. */
	static const char *const legacy[] = {
		"Exchange ActiveSync", "IMAP4", "IMAP", "POP3", "POP", "Authenticated SMTP", "SMTP",
		"Autodiscover", "Exchange Online PowerShell", "Exchange Web Services",
		"MAPI Over HTTP", "Offline Address Book", "Outlook Anywhere (RPC over HTTP)",
		"Reporting Web Services", "Universal Outlook", "Other clients", NULL,
	};
	size_t i;

	for (i = 0; client_app && legacy[i]; i++) {
		if (strcasecmp(client_app, legacy[i]) == 0)
			return true;
	}
	return false;
}

/* ISO 8601 UTC times of one format compare as strings. */
static bool newer(const char *t, const char *than)
{
	return t && *t && strcmp(t, than) > 0;
}

static void set_time(char dst[32], const char *t)
{
	size_t n = strlen(t);

	if (n > 31)
		n = 31;
	memcpy(dst, t, n);
	dst[n] = '\0';
}

void mfa_signin_fold(struct mfa_signin_counts *c, const struct mfa_signin_record *r)
{
	unsigned p = r->providers;

	c->total++;
	if (r->interactive)
		c->interactive++;
	if (p & MFA_SIGNIN_BY_USER)
		c->mfa_per_user++;
	if (p & MFA_SIGNIN_BY_CA)
		c->mfa_conditional_access++;
	if (p & MFA_SIGNIN_BY_SD)
		c->mfa_security_defaults++;
	if (p & MFA_SIGNIN_BY_OTHER)
		c->mfa_other++;
	if ((p & MFA_SIGNIN_BY_USER) && !(p & (MFA_SIGNIN_BY_CA | MFA_SIGNIN_BY_SD)))
		c->mfa_only_per_user++;
	if (r->single_factor)
		c->single_factor++;
	if (mfa_signin_client_is_legacy(r->client_app))
		c->legacy_client++;
	if (newer(r->created, c->last))
		set_time(c->last, r->created);
	/* The newest sign-in that required MFA decides whether per-user MFA
	 * is still acting; at the same instant, per-user MFA wins (it acted). */
	if (p && r->created && *r->created) {
		int cmp = strcmp(r->created, c->last_mfa);

		if (cmp > 0) {
			set_time(c->last_mfa, r->created);
			c->last_mfa_per_user = (p & MFA_SIGNIN_BY_USER) != 0;
		} else if (cmp == 0 && (p & MFA_SIGNIN_BY_USER)) {
			c->last_mfa_per_user = true;
		}
	}
}

bool mfa_signin_only_per_user(const struct mfa_signin_counts *c)
{
	return c && c->mfa_only_per_user > 0;
}

bool mfa_signin_still_prompted(const struct mfa_signin_counts *c)
{
	return c && c->last_mfa[0] && c->last_mfa_per_user;
}

bool mfa_signin_legacy(const struct mfa_signin_counts *c)
{
	return c && c->legacy_client > 0;
}

struct mfa_signin_map *mfa_signin_map_new(void)
{
	struct mfa_signin_map *m = calloc(1, sizeof(*m));

	if (m)
		mfa_strtab_init(&m->ids);
	return m;
}

int mfa_signin_map_fold(struct mfa_signin_map *m, const struct mfa_signin_record *r)
{
	size_t i;
	bool added = false;

	if (!r->user_id || !*r->user_id)
		return 1;
	i = mfa_strtab_find(&m->ids, r->user_id);
	if (i == MFA_INDEX_NONE) {
		/* Room first, so that a failure leaves the map as it was. */
		if (m->ids.count == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 1024;
			struct mfa_signin_counts *p;

			if (cap > SIZE_MAX / sizeof(*p))
				return -1;
			p = realloc(m->counts, cap * sizeof(*p));
			if (!p)
				return -1;
			m->counts = p;
			m->cap = cap;
		}
		if (mfa_strtab_intern(&m->ids, r->user_id, &i, &added) < 0)
			return -1;
		memset(&m->counts[i], 0, sizeof(m->counts[i]));
	}
	mfa_signin_fold(&m->counts[i], r);
	return 0;
}

const struct mfa_signin_counts *mfa_signin_map_find(const struct mfa_signin_map *m, const char *id)
{
	size_t i = m ? mfa_strtab_find(&m->ids, id) : MFA_INDEX_NONE;

	return i == MFA_INDEX_NONE ? NULL : &m->counts[i];
}

size_t mfa_signin_map_count(const struct mfa_signin_map *m)
{
	return m ? mfa_strtab_count(&m->ids) : 0;
}

const struct mfa_signin_counts *mfa_signin_map_at(const struct mfa_signin_map *m, size_t i,
						  const char **id)
{
	if (id)
		*id = mfa_strtab_get(&m->ids, i);
	return &m->counts[i];
}

size_t mfa_signin_map_memory(const struct mfa_signin_map *m)
{
	return m ? sizeof(*m) + m->cap * sizeof(*m->counts) + mfa_strtab_memory(&m->ids) : 0;
}

void mfa_signin_map_free(struct mfa_signin_map *m)
{
	if (!m)
		return;
	mfa_strtab_release(&m->ids);
	free(m->counts);
	free(m);
}
