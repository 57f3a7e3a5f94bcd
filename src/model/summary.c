/* summary.c - counts gathered as users stream past (mfa/summary.h). */
#include "mfa/model/summary.h"

#include <string.h>

const char *const mfa_tenant_notes[] = {
	"Trusted IPs of the per-user MFA service settings skip MFA only for per-user MFA: rebuild them as Conditional Access named locations.",
	"'Remember MFA on trusted devices' applies to per-user MFA only: rebuild it as a Conditional Access sign-in frequency session control.",
	"App passwords work only with per-user MFA enforced: block legacy authentication in Conditional Access and move those clients to modern authentication.",
	"Users pending registration are no longer prompted by per-user MFA: use a Conditional Access registration policy or a registration campaign.",
	NULL,
};

void mfa_summary_init(struct mfa_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->security_defaults = -1;
	s->ca_policies = -1;
	clock_gettime(CLOCK_REALTIME, &s->started);
	clock_gettime(CLOCK_MONOTONIC, &s->mono_started);
}

void mfa_summary_add(struct mfa_summary *s, const struct mfa_user *u,
		     const struct mfa_verdict *v, const struct mfa_decision *d)
{
	int i;

	s->users++;
	s->by_class[v->state][v->reg]++;
	s->by_risk[v->risk]++;
	if (v->coverage_checked)
		s->by_coverage[v->coverage.verdict]++;
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		if (v->findings & (1u << i))
			s->by_finding[i]++;
	}
	if (u->user_type == MFA_USER_TYPE_GUEST)
		s->guests++;
	if (u->is_admin == MFA_TRI_YES)
		s->admins++;
	if (u->account_enabled == MFA_TRI_NO)
		s->sign_in_blocked++;
	if (d) {
		s->by_action[d->action]++;
		s->by_hold[d->reason]++;
	}
}

void mfa_summary_finish(struct mfa_summary *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	s->seconds = (double)(now.tv_sec - s->mono_started.tv_sec) +
		     (double)(now.tv_nsec - s->mono_started.tv_nsec) / 1e9;
}

unsigned long mfa_summary_changes(const struct mfa_summary *s)
{
	return s->by_action[MFA_ACTION_DISABLE] + s->by_action[MFA_ACTION_ENABLE] +
	       s->by_action[MFA_ACTION_ENFORCE];
}

double mfa_summary_min_apply_seconds(const struct mfa_summary *s)
{
	return mfa_plan_min_apply_seconds(mfa_summary_changes(s));
}
