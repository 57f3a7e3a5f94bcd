/* mfa/coverage.h - does Conditional Access (or security defaults) require
 * MFA of a user? A pure evaluator over a model of the tenant's policies and
 * of the group and role memberships their scopes name.
 *
 * The model is filled by the builders below: live (src/sources/ca_fetch.c)
 * or from files (src/sources/ca_files.h, `--ca-policies FILE` and
 * `--ca-members FILE`), a policy's Graph JSON read by
 * src/sources/ca_policy_json.h into a struct mfa_ca_policy.
 * mfa_coverage_evaluate then runs once a user, with no I/O and no globals;
 * the model is only read, so several threads may evaluate against one
 * model at once.
 *
 *     struct mfa_ca_model *m = NULL;
 *     if (mfa_ca_model_load_files(&m, "ca-policies.json", "ca-members.json", &err) < 0) ...
 *     struct mfa_coverage c;
 *     mfa_coverage_evaluate(m, &user, &c);
 *     printf("%s %s %s\n", mfa_coverage_name(c.verdict), c.reason, c.policies);
 *     mfa_ca_model_free(m);
 *
 *
 * Verdicts, and which wins when several policies apply to a user:
 *
 *   covered            an enabled policy requires mfa (or an authentication
 *                      strength that satisfies mfa) for all cloud apps, all
 *                      client app types, with no location, platform, device,
 *                      risk or authentication-flow condition, and no OR with
 *                      a non-MFA control
 *   security-defaults  security defaults are on and no enabled policy covers
 *                      the user. Entra does not allow CA policies and
 *                      security defaults at once; should both show up, a
 *                      covering policy is the stronger statement, and
 *                      security defaults (MFA for every user) outrank a
 *                      policy that covers only part of the sign-ins
 *   partial            an enabled policy requires mfa, but only for part of
 *                      the sign-ins; `reason` says which parts are left out
 *                      (the union over the partial policies)
 *   report-only        only policies in enabledForReportingButNotEnforced
 *                      would require mfa (`reason` lists their gaps when
 *                      none of them would cover in full)
 *   not-covered        nothing requires mfa of the user
 *   unknown            the policies were not read, or whether a policy
 *                      applies cannot be told (a group or role it names was
 *                      not read; a user without object id whose UPN cannot
 *                      be matched either (see "users" above); a guest against a
 *                      policy that names external tenants) and that policy
 *                      would raise the verdict; `reason` says which
 *
 *   So: covered > security-defaults > partial > report-only > not-covered.
 *   A disabled policy counts for nothing. Several partial policies are not
 *   combined (one for browsers and one for the other client types is still
 *   "partial").
 *
 * Scope, as Entra applies it: a user is in a policy's scope when included
 * (includeUsers "All" or the user's id; "GuestsOrExternalUsers" for guests;
 * includeGroups by transitive membership; includeRoles by role template id;
 * includeGuestsOrExternalUsers by guest type) and not excluded by any of the
 * same means: an exclusion always wins. "None" includes nobody.
 *
 * Guest types from what a user record can tell (an approximation: the
 * record does not carry Graph's externalUserState or the home tenant):
 *   userType guest, UPN with #EXT# (or no UPN) -> b2bCollaborationGuest
 *   userType guest, UPN without #EXT#          -> internalGuest
 *   userType member, UPN with #EXT#            -> b2bCollaborationMember
 *   userType unknown, UPN with #EXT#           -> b2bCollaborationGuest
 *   anything else                              -> not a guest
 * b2bDirectConnectUser, otherExternalUser and serviceProvider users have no
 * user object in the tenant and never match. externalTenants "all" matches
 * every guest; an enumerated tenant list cannot be checked (unknown).
 * The legacy includeUsers value "GuestsOrExternalUsers" matches any of the
 * types above.
 *
 * Ownership: the model copies every string it is given; strings it hands
 * out are owned by it and valid until the next builder call or
 * mfa_ca_model_free.
 */
#ifndef MFA_COVERAGE_H
#define MFA_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa/util/err.h"
#include "mfa/model/user.h"

struct mfa_ca_model;

enum mfa_coverage_verdict {
	MFA_COVERAGE_UNKNOWN = 0,
	MFA_COVERAGE_COVERED,
	MFA_COVERAGE_PARTIAL,
	MFA_COVERAGE_REPORT_ONLY,
	MFA_COVERAGE_SECURITY_DEFAULTS,
	MFA_COVERAGE_NOT_COVERED,
	MFA_COVERAGE__COUNT
};

/* What a partial policy leaves out (bits of mfa_coverage.gaps). The text in
 * parentheses is what `reason` says, ", "-joined in this order. */
enum mfa_coverage_gap {
	MFA_GAP_APPS = 1u << 0,        /* "only some apps": specific apps, excluded apps, app filter, user actions, authentication contexts */
	MFA_GAP_CLIENT_APPS = 1u << 1, /* "some client app types" */
	MFA_GAP_LOCATIONS = 1u << 2,   /* "locations" */
	MFA_GAP_PLATFORMS = 1u << 3,   /* "platforms" */
	MFA_GAP_DEVICES = 1u << 4,     /* "device filter" */
	MFA_GAP_RISK = 1u << 5,        /* "risk levels": user, sign-in or insider risk */
	MFA_GAP_AUTH_FLOWS = 1u << 6,  /* "authentication flows" */
	MFA_GAP_OR = 1u << 7           /* "mfa OR another control" */
};

#define MFA_COVERAGE_REASON_MAX 160
#define MFA_COVERAGE_POLICIES_MAX 512

struct mfa_coverage {
	enum mfa_coverage_verdict verdict;
	uint32_t gaps; /* enum mfa_coverage_gap bits behind a partial / report-only verdict; 0 otherwise */
	/* Why, for partial ("only some apps, locations"), report-only (its
	 * gaps, if any) and unknown; "" otherwise. */
	char reason[MFA_COVERAGE_REASON_MAX];
	/* displayNames (the id when a policy has none) of the policies behind
	 * the verdict, ';'-joined in the order the policies were added: the
	 * covering ones for covered, the partial ones for partial, the
	 * report-only ones for report-only; "" otherwise. When they do not all
	 * fit, as many as fit and then ";+N more". */
	char policies[MFA_COVERAGE_POLICIES_MAX];
	unsigned npolicies; /* how many policies that is, including any cut off */
};

/* ---- the model ---- */

/* An empty model: no policies, security defaults off, policies "not read"
 * (every verdict unknown until mfa_ca_model_mark_policies_read). NULL when
 * out of memory. */
struct mfa_ca_model *mfa_ca_model_new(void);

/* Guest and external user types (conditionalAccessGuestOrExternalUserTypes). */
enum mfa_ca_guest_type {
	MFA_CA_GUEST_INTERNAL = 1u << 0,                 /* internalGuest */
	MFA_CA_GUEST_B2B_COLLABORATION_GUEST = 1u << 1,  /* b2bCollaborationGuest */
	MFA_CA_GUEST_B2B_COLLABORATION_MEMBER = 1u << 2, /* b2bCollaborationMember */
	MFA_CA_GUEST_B2B_DIRECT_CONNECT = 1u << 3,       /* b2bDirectConnectUser */
	MFA_CA_GUEST_OTHER_EXTERNAL = 1u << 4,           /* otherExternalUser */
	MFA_CA_GUEST_SERVICE_PROVIDER = 1u << 5          /* serviceProvider */
};

enum mfa_ca_policy_state {
	MFA_CA_POLICY_DISABLED = 0,
	MFA_CA_POLICY_ENABLED,
	MFA_CA_POLICY_REPORT_ONLY /* enabledForReportingButNotEnforced */
};

/* Ids a policy names; borrowed. NULL or "" entries are skipped. */
struct mfa_ca_ids {
	const char *const *v;
	size_t n;
};

/* includeGuestsOrExternalUsers / excludeGuestsOrExternalUsers. */
struct mfa_ca_guests {
	uint8_t types;           /* enum mfa_ca_guest_type bits; 0: none */
	bool tenants_enumerated; /* externalTenants lists tenants (cannot be checked), not "all" */
};

/* One policy as far as coverage goes (what src/sources/ca_policy_json.c
 * reads out of Graph's conditionalAccessPolicy). Every pointer is
 * borrowed for the call. */
struct mfa_ca_policy {
	const char *name;                  /* displayName, else id; shown in verdicts */
	enum mfa_ca_policy_state state;
	bool requires_mfa;                 /* grant controls require mfa, or a strength that satisfies it */
	bool targets_apps;                 /* some app, user action or authentication context */
	uint32_t gaps;                     /* enum mfa_coverage_gap bits */
	bool include_all;                  /* includeUsers "All" */
	bool include_guests, exclude_guests; /* includeUsers / excludeUsers "GuestsOrExternalUsers" */
	struct mfa_ca_guests include_typed, exclude_typed;
	struct mfa_ca_ids include_users, exclude_users; /* user ids (no special values) */
	struct mfa_ca_ids include_groups, exclude_groups; /* group object ids */
	struct mfa_ca_ids include_roles, exclude_roles;   /* role template ids */
};

/* Adds one policy, copying what it keeps. A policy is evaluated when it is
 * not disabled, requires mfa and targets some app; disabled and other
 * policies are kept (counted) but never evaluated, and name no users,
 * groups or roles. Returns 0, or -1 with err ("out of memory"). */
int mfa_ca_model_add_policy(struct mfa_ca_model *m, const struct mfa_ca_policy *p, struct mfa_err *err);

/* Says the policies list was read in full (possibly empty): from now on
 * verdicts are computed. */
void mfa_ca_model_mark_policies_read(struct mfa_ca_model *m);

void mfa_ca_model_set_security_defaults(struct mfa_ca_model *m, bool enabled);

/* Records that user_id is a (transitive) member of group_id / holds the
 * directory role with that template id, and that the group / role was read.
 * The caller resolves nesting (GET /groups/{id}/transitiveMembers). Ids are
 * compared case-insensitively; adding a membership twice is harmless.
 * Returns 0, or -1 on out of memory, an empty id or a model past 2^31
 * groups, roles or users. */
int mfa_ca_model_add_group_member(struct mfa_ca_model *m, const char *group_id, const char *user_id);
int mfa_ca_model_add_role_member(struct mfa_ca_model *m, const char *role_template_id,
				 const char *user_id);

/* Records that a group's / role's members were read in full, for one that
 * has none (a group or role a policy names but that was never read makes
 * the verdicts depending on it unknown). Graph answers 404 for the members
 * of a role never activated in the tenant: that role has no members.
 * Returns 0 or -1 as above. */
int mfa_ca_model_mark_group_read(struct mfa_ca_model *m, const char *group_id);
int mfa_ca_model_mark_role_read(struct mfa_ca_model *m, const char *role_template_id);

/* Lets a user known only by UPN be matched to user_id (the member lists
 * carry userPrincipalName). A later alias for the same UPN wins. Returns 0
 * or -1 as above. */
int mfa_ca_model_add_user_upn(struct mfa_ca_model *m, const char *user_id, const char *upn);

/* The group ids / role template ids that the enabled and report-only
 * policies requiring mfa name (include or exclude), i.e. what the live path
 * must fetch, in the order first named. i < the count. */
size_t mfa_ca_model_group_count(const struct mfa_ca_model *m);
const char *mfa_ca_model_group_id(const struct mfa_ca_model *m, size_t i);
size_t mfa_ca_model_role_count(const struct mfa_ca_model *m);
const char *mfa_ca_model_role_id(const struct mfa_ca_model *m, size_t i);

/* Policies added (all states). NULL: 0. */
size_t mfa_ca_model_policy_count(const struct mfa_ca_model *m);

/* Security defaults as set (files: the members file's "securityDefaults"). */
bool mfa_ca_model_security_defaults(const struct mfa_ca_model *m);

/* True once the whole policies list is in (mfa_ca_model_mark_policies_read). */
bool mfa_ca_model_policies_read(const struct mfa_ca_model *m);

/* Bytes the model holds, for tests and progress. */
size_t mfa_ca_model_memory(const struct mfa_ca_model *m);

/* NULL is fine. */
void mfa_ca_model_free(struct mfa_ca_model *m);

/* ---- evaluation ---- */

/* The verdict for u. m NULL, or policies not marked read: unknown. Pure:
 * same model and user, same answer. The user is found by u->id, else by
 * u->upn through the UPN aliases. */
void mfa_coverage_evaluate(const struct mfa_ca_model *m, const struct mfa_user *u,
			   struct mfa_coverage *out);

/* What u's verdict depends on, for the What If classes (mfa/model/whatif.h):
 * the policy-named groups and roles u is in, as codes (a group's index, or
 * a role's index | MFA_CA_ROLE_CODE), in no particular order, written to
 * sets[0..max) (the count is returned even past max); *named: an
 * evaluated policy names u by id (include or exclude); *guest_types: the
 * enum mfa_ca_guest_type bits u counts as; *id_known: u could be matched
 * at all (false: no id and no UPN alias). */
#define MFA_CA_ROLE_CODE 0x80000000u
size_t mfa_ca_model_user_facts(const struct mfa_ca_model *m, const struct mfa_user *u, uint32_t *sets,
			       size_t max, bool *named, uint8_t *guest_types, bool *id_known);

/* "covered", "partial", "report-only", "security-defaults", "not-covered",
 * "unknown". Never NULL ("unknown" out of range). */
const char *mfa_coverage_name(enum mfa_coverage_verdict v);

/* Verdict by name (as above); -1 if none. */
int mfa_coverage_parse(const char *name);

/* ", "-joined text of gap bits (as in mfa_coverage.reason) into buf.
 * Returns the length it needed. */
size_t mfa_coverage_gaps_format(uint32_t gaps, char *buf, size_t size);

#endif
