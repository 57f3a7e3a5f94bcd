/* plan.c - the action for each user (mfa/plan.h). Pure. */
#include "mfa/model/plan.h"

#include "model/failon.h"

#include <string.h>

static const char *const action_names[MFA_ACTION__COUNT] = {
	[MFA_ACTION_DISABLE] = "disable",
	[MFA_ACTION_KEEP] = "keep",
	[MFA_ACTION_HOLD] = "hold",
	[MFA_ACTION_ENABLE] = "enable",
	[MFA_ACTION_ENFORCE] = "enforce",
};

static const char *const hold_names[MFA_HOLD__COUNT] = {
	[MFA_HOLD_NONE] = "",
	[MFA_HOLD_EXCLUDED] = "excluded",
	[MFA_HOLD_STATE_UNKNOWN] = "state-unknown",
	[MFA_HOLD_NOT_IN_ONLY] = "not-in-only-list",
	[MFA_HOLD_GUEST] = "guest",
	[MFA_HOLD_ACCOUNT_DISABLED] = "account-disabled",
	[MFA_HOLD_UNREGISTERED] = "unregistered",
	[MFA_HOLD_ADMIN] = "admin",
	[MFA_HOLD_NOT_COVERED] = "not-covered",
	[MFA_HOLD_USES_CA] = "uses-conditional-access",
	[MFA_HOLD_CA_UNKNOWN] = "ca-unknown",
	[MFA_HOLD_STALE_ACCOUNT] = "stale-account",
	[MFA_HOLD_SHARED_MAILBOX] = "shared-mailbox",
	[MFA_HOLD_COVERAGE_DISAGREES] = "coverage-disagrees",
};

static bool on_list(const struct mfa_idset *set, const struct mfa_user *u)
{
	return (u->id && mfa_idset_contains(set, u->id)) ||
	       (u->upn && mfa_idset_contains(set, u->upn));
}

enum mfa_state mfa_plan_target(const struct mfa_plan_options *o)
{
	if (o && (o->target == MFA_STATE_ENABLED || o->target == MFA_STATE_ENFORCED))
		return o->target;
	return MFA_STATE_DISABLED;
}

enum mfa_action mfa_action_for_target(enum mfa_state target)
{
	switch (target) {
	case MFA_STATE_ENABLED: return MFA_ACTION_ENABLE;
	case MFA_STATE_ENFORCED: return MFA_ACTION_ENFORCE;
	default: return MFA_ACTION_DISABLE;
	}
}

bool mfa_plan_requires_coverage(const struct mfa_plan_options *o, bool coverage_checked)
{
	if (!o || mfa_plan_target(o) != MFA_STATE_DISABLED)
		return false;
	return o->require_ca_coverage || (coverage_checked && !o->no_require_ca_coverage);
}

/* What the coverage rule accepts. Security defaults are Microsoft's path
 * for a tenant without Entra ID P1 (its per-user MFA article: turn them
 * on, then disable per-user MFA), so the default rule takes them; an
 * explicit --require-ca-coverage asks for a Conditional Access policy. */
static bool coverage_enough(const struct mfa_plan_options *o, enum mfa_coverage_verdict c)
{
	if (c == MFA_COVERAGE_COVERED)
		return true;
	return c == MFA_COVERAGE_SECURITY_DEFAULTS && !o->require_ca_coverage;
}

bool mfa_action_is_change(enum mfa_action a)
{
	return a == MFA_ACTION_DISABLE || a == MFA_ACTION_ENABLE || a == MFA_ACTION_ENFORCE;
}

/* Towards enabled or enforced: Microsoft's article says not to use
 * per-user MFA beside Conditional Access, and never to enforce a user who
 * has not registered. Unread policies hold too: never assume there are
 * none. */
static enum mfa_hold_reason guardrail(const struct mfa_plan_options *o,
				      const struct mfa_verdict *v, enum mfa_state target)
{
	enum mfa_coverage_verdict c = v->coverage.verdict;

	if (target == MFA_STATE_DISABLED)
		return MFA_HOLD_NONE;
	if (!o->despite_conditional_access) {
		if (!v->coverage_checked || c == MFA_COVERAGE_UNKNOWN)
			return MFA_HOLD_CA_UNKNOWN;
		if (c == MFA_COVERAGE_COVERED || c == MFA_COVERAGE_PARTIAL ||
		    c == MFA_COVERAGE_SECURITY_DEFAULTS)
			return MFA_HOLD_USES_CA;
	}
	if (target == MFA_STATE_ENFORCED && !o->allow_unregistered && v->reg != MFA_REG_REGISTERED)
		return MFA_HOLD_UNREGISTERED;
	return MFA_HOLD_NONE;
}

/* The first rule that holds the user, in the order an admin reads them:
 * their own choices first, then what the data cannot support, then the
 * guardrails of the target. */
static enum mfa_hold_reason hold_reason(const struct mfa_plan_options *o,
					const struct mfa_user *u, const struct mfa_verdict *v,
					enum mfa_state target)
{
	if (v->findings & (1u << MFA_FINDING_EXCLUDED))
		return MFA_HOLD_EXCLUDED;
	if (v->state == MFA_STATE_UNKNOWN)
		return MFA_HOLD_STATE_UNKNOWN;
	/* enabled-or-enforced (an export that cannot tell): towards enabled
	 * or enforced it may already be there, so nothing can be compared */
	if (target != MFA_STATE_DISABLED && v->state == MFA_STATE_AMBIGUOUS)
		return MFA_HOLD_STATE_UNKNOWN;
	if (!o)
		return MFA_HOLD_NONE;
	/* Microsoft's evidence says otherwise (What If, mfa/model/whatif.h):
	 * our verdict is not to be trusted for this user. */
	if (mfa_plan_requires_coverage(o, v->coverage_checked) &&
	    (v->findings & (1u << MFA_FINDING_COVERAGE_DISAGREES)))
		return MFA_HOLD_COVERAGE_DISAGREES;
	/* Unknown coverage (policies unreadable) holds too: the point of the
	 * rule is that nobody is left without MFA on a guess. */
	if (mfa_plan_requires_coverage(o, v->coverage_checked) &&
	    !coverage_enough(o, v->coverage.verdict))
		return MFA_HOLD_NOT_COVERED;
	if (o->only && !on_list(o->only, u))
		return MFA_HOLD_NOT_IN_ONLY;
	if (o->skip_guests && u->user_type == MFA_USER_TYPE_GUEST)
		return MFA_HOLD_GUEST;
	if (o->skip_disabled_accounts && u->account_enabled == MFA_TRI_NO)
		return MFA_HOLD_ACCOUNT_DISABLED;
	if (o->hold_admins && u->is_admin == MFA_TRI_YES)
		return MFA_HOLD_ADMIN;
	if (o->hold_unregistered && v->reg != MFA_REG_REGISTERED)
		return MFA_HOLD_UNREGISTERED;
	/* account types (--hold-stale, --skip-shared-mailboxes) */
	if (o->hold_stale && (v->findings & (1u << MFA_FINDING_STALE_ACCOUNT)))
		return MFA_HOLD_STALE_ACCOUNT;
	if (o->skip_shared_mailboxes && (v->findings & (1u << MFA_FINDING_SHARED_MAILBOX)))
		return MFA_HOLD_SHARED_MAILBOX;
	return guardrail(o, v, target);
}

void mfa_plan_decide(const struct mfa_plan_options *opts, const struct mfa_user *u,
		     const struct mfa_verdict *v, struct mfa_decision *out)
{
	enum mfa_state target = mfa_plan_target(opts);

	out->from = v->state;
	out->to = v->state;
	out->expect = v->state;
	out->reason = MFA_HOLD_NONE;
	/* Already where the plan ends: nothing to change, whatever the lists
	 * say. */
	if (v->state == target) {
		out->action = MFA_ACTION_KEEP;
		return;
	}
	/* Not chosen by --select: left as it is. An excluded user or an
	 * unknown state is still held, so the reports say why. */
	if (opts && opts->select && !mfa_fail_on_matches(opts->select, v) &&
	    !(v->findings & (1u << MFA_FINDING_EXCLUDED)) && v->state != MFA_STATE_UNKNOWN) {
		out->action = MFA_ACTION_KEEP;
		return;
	}
	out->reason = hold_reason(opts, u, v, target);
	if (out->reason != MFA_HOLD_NONE) {
		out->action = MFA_ACTION_HOLD;
		return;
	}
	out->action = mfa_action_for_target(target);
	out->to = target;
	/* Graph enforces a registered user set to enabled (GRAPH.md). */
	out->expect = target == MFA_STATE_ENABLED && v->reg == MFA_REG_REGISTERED ? MFA_STATE_ENFORCED
										  : target;
}

const char *mfa_action_name(enum mfa_action a)
{
	return (unsigned)a < MFA_ACTION__COUNT ? action_names[a] : "";
}

int mfa_action_parse(const char *name)
{
	int i;

	for (i = 0; name && i < MFA_ACTION__COUNT; i++) {
		if (strcmp(name, action_names[i]) == 0)
			return i;
	}
	return -1;
}

const char *mfa_hold_reason_name(enum mfa_hold_reason r)
{
	return (unsigned)r < MFA_HOLD__COUNT ? hold_names[r] : "";
}

int mfa_hold_reason_parse(const char *name)
{
	int i;

	for (i = 0; name && i < MFA_HOLD__COUNT; i++) {
		if (strcmp(name, hold_names[i]) == 0)
			return i;
	}
	return -1;
}

double mfa_plan_min_apply_seconds(unsigned long changes)
{
	/* A fresh write window's whole budget is there at once: only the
	 * writes beyond it wait for the window to refill. */
	if (changes <= MFA_WRITE_QUOTA_WRITES)
		return 0.0;
	return (double)(changes - MFA_WRITE_QUOTA_WRITES) * MFA_WRITE_QUOTA_SECONDS /
	       MFA_WRITE_QUOTA_WRITES;
}
