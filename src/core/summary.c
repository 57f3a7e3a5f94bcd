/* summary.c - counts gathered as users stream past (mfa/summary.h). */
#include "mfa/summary.h"

#include <string.h>

void mfa_summary_init(struct mfa_summary *s)
{
	memset(s, 0, sizeof(*s));
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

double mfa_summary_min_apply_seconds(const struct mfa_summary *s)
{
	return mfa_plan_min_apply_seconds(s->by_action[MFA_ACTION_DISABLE]);
}
