/* tenant.h - the emulated tenant: users, their per-user MFA state and their
 * registration details, held in compact arrays (one string pool, fixed-size
 * records, two open-addressing indexes) so that 1,000,000 users take about
 * 120 MB.
 *
 * Thread safety: the tenant's shape never changes after load; the mutable
 * parts (current state, write counters) are atomics, so readers and writers
 * need no lock. emu_tenant_reset is atomic per user only.
 */
#ifndef EMU_TENANT_H
#define EMU_TENANT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mfa/util/err.h"

/* Members' mail addresses are their UPN's name at this domain. */
#define EMU_MAIL_DOMAIN "mail.contoso.example"

enum emu_state { EMU_DISABLED = 0, EMU_ENABLED = 1, EMU_ENFORCED = 2 };

enum emu_user_flag {
	EMU_F_GUEST = 1u << 0,
	EMU_F_ENABLED = 1u << 1,      /* accountEnabled */
	EMU_F_ADMIN = 1u << 2,
	EMU_F_REGISTERED = 1u << 3,   /* isMfaRegistered */
	EMU_F_CAPABLE = 1u << 4,      /* isMfaCapable */
	EMU_F_SYNCED = 1u << 5,       /* onPremisesSyncEnabled */
	EMU_F_SSPR_ENABLED = 1u << 6, /* isSsprEnabled */
};

struct emu_user {
	uint32_t id_off, upn_off, name_off; /* into the pool; 0 is "" */
	uint32_t other_off;                 /* ';'-joined unknown method names; 0: none */
	uint32_t mail_off;                  /* the mail property; 0: none (Graph's null) */
	uint32_t methods;                   /* bit (1u << enum mfa_method) */
	uint32_t created;                   /* unix time */
	uint32_t updated;                   /* registration lastUpdatedDateTime, unix time */
	uint16_t flags;                     /* enum emu_user_flag */
	uint8_t orig_state;                 /* enum emu_state as loaded */
	uint8_t default_method;             /* index into the default-method names; 0: none */
	_Atomic uint8_t state;              /* enum emu_state now */
};

struct emu_tenant {
	struct emu_user *users; /* owned */
	uint32_t count;
	char *pool;             /* owned string pool */
	size_t pool_len, pool_cap;
	uint32_t *id_index;     /* owned; slot = user index + 1, 0 empty */
	uint32_t *upn_index;
	uint32_t index_mask;
	_Atomic uint32_t *writes; /* owned; successful PATCHes per user */
	const char *default_names[256]; /* [0] NULL; the rest static or owned by the pool */
	unsigned default_count;
	unsigned long unknown_states; /* rows loaded whose state was not disabled/enabled/enforced */
};

/* Generates n users deterministically from seed (see README for the mix).
 * On failure returns -1 with err set. Free with emu_tenant_release. */
int emu_tenant_generate(struct emu_tenant *t, uint32_t n, uint64_t seed, struct mfa_err *err);

/* Loads mfa-migrate's users.csv (or any export mfa_csv_source_open reads).
 * A column named `mail` (any case), when the file has one, gives each row's
 * mail (empty: none); without it nobody has a mail address. */
int emu_tenant_load_csv(struct emu_tenant *t, const char *path, uint64_t seed, struct mfa_err *err);

/* Writes the tenant (current states) as users.csv; see README for columns. */
int emu_tenant_export_csv(const struct emu_tenant *t, FILE *f);

/* Writes "id,userPrincipalName,perUserMfaState" with every current state. */
void emu_tenant_write_state(const struct emu_tenant *t, FILE *f);

/* Finds a user by object id or userPrincipalName (case-insensitive).
 * Returns the index or -1. */
long emu_tenant_find(const struct emu_tenant *t, const char *key);

/* Puts every state back as loaded and clears the write counters. */
void emu_tenant_reset(struct emu_tenant *t);

void emu_tenant_release(struct emu_tenant *t);

static inline const char *emu_user_id(const struct emu_tenant *t, const struct emu_user *u)
{
	return t->pool + u->id_off;
}
static inline const char *emu_user_upn(const struct emu_tenant *t, const struct emu_user *u)
{
	return t->pool + u->upn_off;
}
static inline const char *emu_user_name(const struct emu_tenant *t, const struct emu_user *u)
{
	return t->pool + u->name_off;
}
/* The user's mail address, NULL when the user has none. */
static inline const char *emu_user_mail(const struct emu_tenant *t, const struct emu_user *u)
{
	return u->mail_off ? t->pool + u->mail_off : NULL;
}
static inline const char *emu_user_default(const struct emu_tenant *t, const struct emu_user *u)
{
	return t->default_names[u->default_method];
}

const char *emu_state_name(enum emu_state s);
/* Parses "disabled"/"enabled"/"enforced" exactly; -1 for anything else. */
int emu_state_parse(const char *s);

/* Graph's name for method bit i, NULL when out of range. */
const char *emu_method_name(unsigned i);
/* True when the methods include a passwordless-capable one. */
bool emu_methods_passwordless(uint32_t methods);
/* True when the methods can reset a password (SSPR). */
bool emu_methods_sspr(uint32_t methods);
/* userPreferredMethodForSecondaryAuthentication for these methods. */
const char *emu_methods_preferred(uint32_t methods);

#endif
