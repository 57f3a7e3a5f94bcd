/* mfa/plan.h - what to do with each user: a pure function of the record,
 * its verdict and the options. No I/O, no globals.
 *
 * The target is always per-user MFA `disabled` (Conditional Access takes
 * over). A user is `disable`d (enabled/enforced -> disabled), `keep`
 * (already disabled, nothing to do) or `hold` with a reason (left alone).
 * An unknown state is always held, never assumed disabled.
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
	MFA_HOLD_NOT_COVERED,     /* not-covered: --require-ca-coverage and coverage is not `covered` */
	MFA_HOLD__COUNT
};

struct mfa_plan_options {
	const struct mfa_idset *only; /* --only list, borrowed; NULL: everyone */
	bool skip_guests;
	bool skip_disabled_accounts;
	bool hold_unregistered;
	bool hold_admins;
	bool require_ca_coverage; /* hold every user Conditional Access does not cover */
};

#define MFA_PLAN_OPTIONS_INIT { NULL, false, false, false, false, false }

struct mfa_decision {
	enum mfa_action action;
	enum mfa_hold_reason reason; /* MFA_HOLD_NONE unless action is HOLD */
	enum mfa_state from;         /* the state the plan saw */
	enum mfa_state to;           /* DISABLED for disable; from otherwise */
};

/* Decides u's action. Pure. */
void mfa_plan_decide(const struct mfa_plan_options *opts, const struct mfa_user *u,
		     const struct mfa_verdict *v, struct mfa_decision *out);

/* "disable", "keep", "hold". */
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
