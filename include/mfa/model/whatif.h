/* mfa/whatif.h - the What If cross-check (plan/audit --what-if): users
 * whose coverage verdict depends on the same things fall into one class;
 * Microsoft's What If evaluator is asked for one representative of each
 * class in a few sign-in contexts, and its answer is compared with our
 * verdict. Pure: the live requests are src/sources/whatif.c's, the file
 * src/reports/whatif_csv.c's.
 *
 * A class key is what mfa_coverage_evaluate reads of a user
 * (mfa_ca_model_user_facts): the policy-named groups and roles the user is
 * in, the user type and guest types, and whether a policy names the user
 * directly (then the user is a class alone). The representative is the
 * member with the lowest object id, so a rerun asks for the same user.
 *
 *     struct mfa_whatif_set *s = mfa_whatif_set_new();
 *     for each user: mfa_whatif_add_user(s, model, &u, &cls, &err);
 *     mfa_whatif_prepare(s, model, max_requests);     // our verdicts; who is asked
 *     for each asked class c, context x: mfa_whatif_take_answer(s, c, x, results, n);
 *     mfa_whatif_finish(s);
 *     mfa_whatif_user_text(s, cls);                   // "agrees", "disagrees: ...", "not-checked"
 *     mfa_whatif_set_free(s);
 *
 * Comparing, per context (all cloud apps; the client app type varies):
 *   covered                  Microsoft must apply an enabled policy requiring
 *                            mfa (mfa control, AND-ed or alone, or an
 *                            authentication strength) in every context
 *   not-covered, report-only, security-defaults
 *                            Microsoft must apply none in any context
 *                            (What If evaluates Conditional Access only;
 *                            report-only policies enforce nothing)
 *   partial, unknown         not compared (an all-apps context can neither
 *                            confirm nor refute a policy on some apps,
 *                            locations or devices): not asked, and their
 *                            users are "not-checked"
 * Classes beyond the request cap are "not-checked" too.
 *
 * Ownership: the set copies what it keeps; strings it hands out live until
 * mfa_whatif_set_free.
 */
#ifndef MFA_MODEL_WHATIF_H
#define MFA_MODEL_WHATIF_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa/model/coverage.h"
#include "mfa/model/user.h"
#include "mfa/util/err.h"

/* The sign-in contexts asked, each with all cloud apps. */
enum mfa_whatif_context {
	MFA_WHATIF_BROWSER = 0,      /* clientAppType browser */
	MFA_WHATIF_MOBILE_DESKTOP,   /* mobileAppsAndDesktopClients */
	MFA_WHATIF_EAS,              /* exchangeActiveSync (legacy) */
	MFA_WHATIF_OTHER,            /* other (legacy) */
	MFA_WHATIF__CONTEXTS
};

/* "browser", "mobile-desktop", "exchange-activesync", "other-clients". */
const char *mfa_whatif_context_name(int c);
/* Graph's conditionalAccessClientApp value of a context. */
const char *mfa_whatif_client_app_type(int c);

/* How a class came out. */
enum mfa_whatif_status {
	MFA_WHATIF_NOT_CHECKED = 0, /* not asked (cap, verdict not comparable) or not answered */
	MFA_WHATIF_AGREES,
	MFA_WHATIF_DISAGREES,
};

/* One policy of a whatIfAnalysisResult, as the caller read it. Borrowed. */
struct mfa_whatif_policy {
	const char *name;     /* displayName, else id */
	bool enabled;         /* state "enabled" */
	bool applies;         /* policyApplies */
	bool requires_mfa;    /* mfa alone or AND-ed, or an authentication strength */
	const char *reasons;  /* analysisReasons ("notSet", "users", ...), NULL if none */
};

/* Microsoft's answer for one class in one context. */
struct mfa_whatif_answer {
	bool answered;
	bool agrees;
	char *mfa_policies; /* ';'-joined enabled policies applying with mfa; "" none */
	char *reasons;      /* why it disagrees, or the error; "" */
};

struct mfa_whatif_class {
	char *key;
	char *rep_id, *rep_upn;
	enum mfa_user_type rep_type;
	unsigned long users;
	struct mfa_coverage ours;   /* our verdict (of the representative) */
	bool comparable;            /* covered, not-covered, report-only, security-defaults */
	bool asked;                 /* within the cap: requests were made */
	enum mfa_whatif_status status;
	struct mfa_whatif_answer ctx[MFA_WHATIF__CONTEXTS];
	char *user_text;            /* what each member's what_if says */
};

/* For summary.json and the Summary sheet. */
struct mfa_whatif_counts {
	unsigned long classes;
	unsigned long classes_asked;
	unsigned long classes_not_checked; /* not comparable, beyond the cap, unanswered */
	unsigned long classes_beyond_cap;
	unsigned long classes_agree, classes_disagree;
	unsigned long users_agree, users_disagree, users_not_checked;
	unsigned long requests;            /* classes_asked x contexts */
	unsigned long max_requests;
};

#define MFA_WHATIF_NO_CLASS ((size_t)-1)

struct mfa_whatif_set;

/* NULL when out of memory. */
struct mfa_whatif_set *mfa_whatif_set_new(void);
/* NULL is fine. */
void mfa_whatif_set_free(struct mfa_whatif_set *s);

/* The class key of u into buf (NUL-terminated, truncated to size): "" for
 * a user that cannot be asked about (no id to match). Returns its length. */
size_t mfa_whatif_class_key(const struct mfa_ca_model *m, const struct mfa_user *u, char *buf, size_t size);

/* Puts u in its class (made when new): *cls its index, or
 * MFA_WHATIF_NO_CLASS for a user without an id. Returns 0, or -1 with err
 * (out of memory). */
int mfa_whatif_add_user(struct mfa_whatif_set *s, const struct mfa_ca_model *m, const struct mfa_user *u,
			size_t *cls, struct mfa_err *err);

/* After every user is in: our verdict per class, and which classes are
 * asked (the comparable ones, largest first, then by key, while classes x
 * contexts <= max_requests). */
void mfa_whatif_prepare(struct mfa_whatif_set *s, const struct mfa_ca_model *m, unsigned long max_requests);

/* Microsoft's answer for class cls in context ctx: the n policies of
 * value[]. error non-NULL: the request failed (the class stays
 * not-checked, error kept as the reason). Returns 0 or -1 (out of memory). */
int mfa_whatif_take_answer(struct mfa_whatif_set *s, size_t cls, int ctx, const struct mfa_whatif_policy *p,
			   size_t n, const char *error);

/* Settles each class's status and user text. */
int mfa_whatif_finish(struct mfa_whatif_set *s);

size_t mfa_whatif_class_count(const struct mfa_whatif_set *s);
const struct mfa_whatif_class *mfa_whatif_class_get(const struct mfa_whatif_set *s, size_t i);

/* The user text of class cls ("not-checked" for MFA_WHATIF_NO_CLASS). */
const char *mfa_whatif_user_text(const struct mfa_whatif_set *s, size_t cls);

void mfa_whatif_counts(const struct mfa_whatif_set *s, struct mfa_whatif_counts *out);

/* True when a user's what_if field says Microsoft disagrees. */
bool mfa_whatif_disagrees(const char *what_if);

#endif
