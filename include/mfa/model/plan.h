/* mfa/plan.h - what to do with each user: a pure function of the record,
 * its verdict and the options. No I/O, no globals.
 *
 * The target is per-user MFA `disabled` (Conditional Access takes over:
 * the default), `enabled` or `enforced` (plan --target). A user is changed
 * to the target (action `disable`, `enable` or `enforce`), `keep` (already
 * at the target, or not chosen by --select: nothing to do) or `hold` with a
 * reason (left alone). An unknown state is always held, never assumed to
 * be at the target.
 *
 * Towards disabled the plan is safe by default: where coverage was checked
 * (the verdict's coverage_checked), a user Conditional Access does not
 * cover (`covered`) is held `not-covered`, since disabling their per-user
 * MFA would leave them without MFA; no_require_ca_coverage turns that off
 * (mfa_plan_requires_coverage).
 *
 * Towards enabled or enforced, the guardrails of Microsoft's per-user MFA
 * article are holds too, checked after the others: Conditional Access that
 * requires MFA of the user, or security defaults (`uses-conditional-access`,
 * unless despite_conditional_access), policies that could not be read
 * (`ca-unknown`, the same override), and `enforced` for a user who has not
 * registered a method (`unregistered`, unless allow_unregistered). Graph
 * turns `enabled` into `enforced` for a registered user: such a decision
 * says so in `expect`.
 */
#ifndef MFA_PLAN_H
#define MFA_PLAN_H

#include <stdbool.h>

#include "mfa/model/classify.h"
#include "mfa/model/idset.h"
#include "mfa/model/user.h"

enum mfa_action {
	MFA_ACTION_DISABLE = 0,
	MFA_ACTION_KEEP,
	MFA_ACTION_HOLD,
	MFA_ACTION_ENABLE,        /* target enabled */
	MFA_ACTION_ENFORCE,       /* target enforced */
	MFA_ACTION__COUNT
};

enum mfa_hold_reason {
	MFA_HOLD_NONE = 0,
	MFA_HOLD_EXCLUDED,        /* excluded: on the --exclude list */
	MFA_HOLD_STATE_UNKNOWN,   /* state-unknown: the current state could not be read */
	MFA_HOLD_NOT_IN_ONLY,     /* not-in-only-list: --only given and the user is not on it */
	MFA_HOLD_GUEST,           /* guest: --skip-guests */
	MFA_HOLD_ACCOUNT_DISABLED,/* account-disabled: --skip-disabled-accounts */
	MFA_HOLD_UNREGISTERED,    /* unregistered: --hold-unregistered and not registered (or unknown) */
	MFA_HOLD_ADMIN,           /* admin: --hold-admins */
	MFA_HOLD_NOT_COVERED,     /* not-covered: coverage required (mfa_plan_requires_coverage)
				   * and the user's coverage is not `covered` */
	MFA_HOLD_USES_CA,         /* uses-conditional-access: target enabled|enforced while CA requires
				   * MFA of the user (covered, partial) or security defaults are on */
	MFA_HOLD_CA_UNKNOWN,      /* ca-unknown: target enabled|enforced and the policies were not read */
	MFA_HOLD_STALE_ACCOUNT,   /* stale-account: --hold-stale and no sign-in for --stale-days */
	MFA_HOLD_SHARED_MAILBOX,  /* shared-mailbox: --skip-shared-mailboxes and a shared/room/equipment mailbox */
	MFA_HOLD_COVERAGE_DISAGREES, /* coverage-disagrees: coverage required (mfa_plan_requires_coverage) and Microsoft's What If
				      * disagrees with the verdict for the user's class */
	MFA_HOLD__COUNT
};

struct mfa_fail_on; /* model/failon.h: --fail-on's items, also --select's */

struct mfa_plan_options {
	const struct mfa_idset *only; /* --only list, borrowed; NULL: everyone */
	bool skip_guests;
	bool skip_disabled_accounts;
	bool hold_unregistered;
	bool hold_admins;
	/* target disabled: hold every user Conditional Access does not cover
	 * even when coverage was not checked (--require-ca-coverage offline:
	 * then everyone who would change) */
	bool require_ca_coverage;
	/* where the changed users go: DISABLED, ENABLED or ENFORCED (any
	 * other value is DISABLED) */
	enum mfa_state target;
	/* --select: only users with one of these states, classes or findings
	 * change, the others are `keep`; borrowed; NULL: everyone */
	const struct mfa_fail_on *select;
	bool despite_conditional_access; /* no uses-conditional-access / ca-unknown holds */
	bool allow_unregistered;         /* target enforced: no `unregistered` hold */
	/* --no-require-ca-coverage: no `not-covered` holds by default (safe by
	 * default: wherever coverage was checked, users it does not cover are
	 * held); require_ca_coverage still wins */
	bool no_require_ca_coverage;
	/* account types: hold users with the finding stale-account
	 * (--hold-stale) / shared-mailbox (--skip-shared-mailboxes) */
	bool hold_stale;
	bool skip_shared_mailboxes;
};

#define MFA_PLAN_OPTIONS_INIT { NULL, false, false, false, false, false, MFA_STATE_DISABLED, \
				NULL, false, false, false, \
				false, false /* hold_stale, skip_shared_mailboxes */ }

struct mfa_decision {
	enum mfa_action action;
	enum mfa_hold_reason reason; /* MFA_HOLD_NONE unless action is HOLD */
	enum mfa_state from;         /* the state the plan saw */
	enum mfa_state to;           /* the target for a change; from otherwise */
	/* the state the user ends in: `to`, except ENFORCED for a registered
	 * user set to enabled (Graph's own rule) */
	enum mfa_state expect;
};

/* The target of o (DISABLED when o is NULL). */
enum mfa_state mfa_plan_target(const struct mfa_plan_options *o);

/* The action that moves a user to target: disable, enable or enforce
 * (disable for any other value). */
enum mfa_action mfa_action_for_target(enum mfa_state target);

/* Whether the plan holds users Conditional Access does not cover
 * (`not-covered`): only towards disabled, and then when
 * require_ca_coverage, or when coverage was checked (a live run that read
 * the policies, or --ca-policies: coverage_checked) unless
 * no_require_ca_coverage. Unknown coverage (policies or memberships
 * unreadable) is not `covered`. o NULL: false. */
bool mfa_plan_requires_coverage(const struct mfa_plan_options *o, bool coverage_checked);

/* True for disable, enable and enforce. */
bool mfa_action_is_change(enum mfa_action a);

/* Decides u's action. Pure. */
void mfa_plan_decide(const struct mfa_plan_options *opts, const struct mfa_user *u,
		     const struct mfa_verdict *v, struct mfa_decision *out);

/* "disable", "keep", "hold", "enable", "enforce". */
const char *mfa_action_name(enum mfa_action a);
int mfa_action_parse(const char *name);

/* "excluded", "state-unknown", ...; "" for NONE. */
const char *mfa_hold_reason_name(enum mfa_hold_reason r);
int mfa_hold_reason_parse(const char *name);

/* Graph's write quota: 3,000 writes per 150 s per app and tenant. */
#define MFA_WRITE_QUOTA_WRITES 3000
#define MFA_WRITE_QUOTA_SECONDS 150

/* The least time, in seconds, that `changes` writes take at the write
 * quota. A fresh window's budget is available at once (a burst), so only
 * the rest waits for it to refill at 20 per second:
 * max(0, (changes - 3000) / 20). */
double mfa_plan_min_apply_seconds(unsigned long changes);

#endif
