/* test_mail_limits.c - the mail scope's limiter (graph/throttle.h):
 * Exchange's 30 messages a minute per mailbox, in ANY minute (evenly
 * spaced, not a burst of 30 and then 30 more), lowered by a flag, divided
 * by the emulator's time scale. (The 10,000 a day is counted by the notify
 * job, e2e/notify.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "graph/throttle.h"

/* How many one-unit sends start in [0, horizon) when each starts as
 * soon as the limiter allows. */
static unsigned long sends_within(struct mfa_throttle *lim, double horizon)
{
	double t = 0;
	unsigned long n = 0;

	for (;;) {
		t = mfa_throttle_ready_at(lim, 1, t);
		if (t >= horizon)
			return n;
		mfa_throttle_take(lim, 1, t);
		n++;
	}
}

/* The most sends that start in any window [a, a + w) of the run. */
static unsigned long max_in_any(struct mfa_throttle *lim, double horizon, double w)
{
	double t = 0, at[4096];
	unsigned long n = 0, best = 0, i, j = 0;

	for (;;) {
		t = mfa_throttle_ready_at(lim, 1, t);
		if (t >= horizon || n == 4096)
			break;
		mfa_throttle_take(lim, 1, t);
		at[n++] = t;
	}
	for (i = 0; i < n; i++) {
		while (at[i] - at[j] >= w)
			j++;
		if (i - j + 1 > best)
			best = i - j + 1;
	}
	return best;
}

static void test_defaults(void **state)
{
	struct mfa_throttle lims[MFA_SCOPE__COUNT];

	(void)state;
	mfa_throttle_apply_limits(NULL, lims);
	assert_string_equal(mfa_throttle_scope_name(MFA_SCOPE_MAIL), "mail");
	/* 30 in the first minute, not 31 (nor 59, a full bucket of 30) */
	assert_int_equal(sends_within(&lims[MFA_SCOPE_MAIL], 59.9), 30);
	mfa_throttle_apply_limits(NULL, lims);
	assert_int_equal(max_in_any(&lims[MFA_SCOPE_MAIL], 600, 60), 30);
	/* and it keeps going: 300 in ten minutes */
	mfa_throttle_apply_limits(NULL, lims);
	assert_int_equal(sends_within(&lims[MFA_SCOPE_MAIL], 599.9), 300);
}

static void test_lowered_and_scaled(void **state)
{
	struct mfa_throttle lim;

	(void)state;
	mfa_throttle_mail_limits(&lim, 5, 1);
	assert_int_equal(sends_within(&lim, 59.9), 5);
	mfa_throttle_mail_limits(&lim, 5, 1);
	assert_int_equal(max_in_any(&lim, 3600, 60), 5);
	/* --time-scale 60: a minute lasts a second */
	mfa_throttle_mail_limits(&lim, 30, 60);
	assert_int_equal(sends_within(&lim, 0.999), 30);
	mfa_throttle_mail_limits(&lim, 30, 60);
	assert_int_equal(sends_within(&lim, 1.999), 60);
	/* no per-minute figure: unlimited */
	mfa_throttle_mail_limits(&lim, 0, 1);
	assert_int_equal(lim.nwin, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_lowered_and_scaled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
