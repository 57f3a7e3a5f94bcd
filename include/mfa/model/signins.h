/* mfa/model/signins.h - the sign-in logs folded into per-user counters
 * (struct mfa_signin_counts, mfa/model/user.h), and the compact map that
 * holds them for a whole tenant while the log streams past. Pure: no I/O.
 *
 * A record is one sign-in as the log gives it (beta signIn resource):
 * createdDateTime, isInteractive, authenticationRequirement and the
 * requirementProvider of each authenticationRequirementPolicies entry,
 * clientAppUsed. A sign-in may name several providers (per-user MFA and
 * Conditional Access both); it counts once under each.
 *
 * The map is keyed by object id (case-insensitive) and holds one entry per
 * user that appears in the log, never the sign-ins: its size follows the
 * users, not the window.
 *
 * Ownership: the map copies every id it is given; the counts handed out by
 * mfa_signin_map_find stay valid until the next mfa_signin_map_fold or
 * mfa_signin_map_free.
 *
 *     struct mfa_signin_map *m = mfa_signin_map_new();
 *     struct mfa_signin_record r = { "id-1", "2026-11-30T10:00:00Z", true,
 *                                    MFA_SIGNIN_BY_USER, false, "Browser" };
 *     if (mfa_signin_map_fold(m, &r) < 0) nomem();
 *     const struct mfa_signin_counts *c = mfa_signin_map_find(m, "id-1");
 *     mfa_signin_map_free(m);
 */
#ifndef MFA_MODEL_SIGNINS_H
#define MFA_MODEL_SIGNINS_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa/model/user.h"

/* What required MFA at a sign-in (requirementProvider), as bits. */
enum {
	MFA_SIGNIN_BY_USER = 1u << 0,  /* user: per-user MFA */
	MFA_SIGNIN_BY_CA = 1u << 1,    /* multiConditionalAccess */
	MFA_SIGNIN_BY_SD = 1u << 2,    /* securityDefaults */
	MFA_SIGNIN_BY_OTHER = 1u << 3, /* request, tenantSessionRiskPolicy, enforcedForCspAdmins, ... */
};

struct mfa_signin_record {
	const char *user_id;      /* userId */
	const char *created;      /* createdDateTime (ISO 8601, UTC); NULL: unknown */
	bool interactive;         /* isInteractive */
	unsigned providers;       /* MFA_SIGNIN_BY_* bits; 0: nothing required MFA */
	bool single_factor;       /* authenticationRequirement singleFactorAuthentication */
	const char *client_app;   /* clientAppUsed; NULL: not given */
};

/* The bit of a requirementProvider value (exact, as Graph spells it);
 * any other non-empty value is MFA_SIGNIN_BY_OTHER; NULL or "" is 0. */
unsigned mfa_signin_provider_bit(const char *provider);

/* True for a clientAppUsed value of a legacy-authentication client:
 * Exchange ActiveSync, IMAP4, POP3, Authenticated SMTP, Autodiscover,
 * Exchange Online PowerShell, Exchange Web Services, MAPI Over HTTP,
 * Offline Address Book, Outlook Anywhere (RPC over HTTP), Reporting Web
 * Services, Universal Outlook, Other clients (any case). Browser, Mobile
 * Apps and Desktop clients, and values not in the list are not. */
bool mfa_signin_client_is_legacy(const char *client_app);

/* Adds one sign-in to c. */
void mfa_signin_fold(struct mfa_signin_counts *c, const struct mfa_signin_record *r);

/* The findings' tests on one user's counts (NULL: the logs were not read,
 * always false):
 *   only_per_user     some sign-in got MFA from per-user MFA alone;
 *   still_prompted    the newest sign-in that required MFA had per-user
 *                     MFA among what required it (per-user MFA is still
 *                     acting; an older one in the window is history);
 *   legacy            some sign-in came from a legacy client. */
bool mfa_signin_only_per_user(const struct mfa_signin_counts *c);
bool mfa_signin_still_prompted(const struct mfa_signin_counts *c);
bool mfa_signin_legacy(const struct mfa_signin_counts *c);

struct mfa_signin_map;

/* An empty map; NULL when out of memory. */
struct mfa_signin_map *mfa_signin_map_new(void);

/* Folds r into its user's entry (made on first sight). A record without
 * user_id (or an empty one) is not counted and returns 1. Returns 0, or -1
 * out of memory (the map is unchanged). */
int mfa_signin_map_fold(struct mfa_signin_map *m, const struct mfa_signin_record *r);

/* The counts of the user with that id (any case), or NULL. */
const struct mfa_signin_counts *mfa_signin_map_find(const struct mfa_signin_map *m, const char *id);

/* Users in the map, and the i-th (in order of first sight) with its id. */
size_t mfa_signin_map_count(const struct mfa_signin_map *m);
const struct mfa_signin_counts *mfa_signin_map_at(const struct mfa_signin_map *m, size_t i,
						  const char **id);

/* Bytes the map holds, for tests. */
size_t mfa_signin_map_memory(const struct mfa_signin_map *m);

/* NULL is fine. */
void mfa_signin_map_free(struct mfa_signin_map *m);

#endif
