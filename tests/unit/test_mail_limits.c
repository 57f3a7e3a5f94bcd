/* test_mail_limits.c - the mail scope's limiter (graph/throttle.h):
 * Exchange's 30 messages a minute and 10,000 a day per mailbox, lowered
 * by flags, divided by the emulator's time scale. */
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

static void test_defaults(void **state)
{
	struct mfa_throttle lims[MFA_SCOPE__COUNT];

	(void)state;
	mfa_throttle_apply_limits(NULL, lims);
	assert_string_equal(mfa_throttle_scope_name(MFA_SCOPE_MAIL), "mail");
	/* 30 in the first minute, not 31 */
	assert_int_equal(sends_within(&lims[MFA_SCOPE_MAIL], 59.9), 30);
}

static void test_day_cap(void **state)
{
	struct mfa_throttle lim;

	(void)state;
	mfa_throttle_mail_limits(&lim, MFA_MAIL_PER_MINUTE, MFA_MAIL_PER_DAY, 1);
	/* a day holds 10,000 (the minute window alone would allow 43,200) */
	assert_int_equal(sends_within(&lim, 86399), 10000);
}

static void test_lowered_and_scaled(void **state)
{
	struct mfa_throttle lim;

	(void)state;
	mfa_throttle_mail_limits(&lim, 5, 12, 1);
	assert_int_equal(sends_within(&lim, 59.9), 5);
	mfa_throttle_mail_limits(&lim, 5, 12, 1);
	assert_int_equal(sends_within(&lim, 86399), 12);
	/* --time-scale 60: a minute lasts a second */
	mfa_throttle_mail_limits(&lim, 30, 10000, 60);
	assert_int_equal(sends_within(&lim, 0.999), 30);
	assert_int_equal(sends_within(&lim, 1.999), 30); /* the next 30 from t = 1 */
	/* no per-day figure: the minute alone */
	mfa_throttle_mail_limits(&lim, 30, 0, 1);
	assert_int_equal(lim.nwin, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_day_cap),
		cmocka_unit_test(test_lowered_and_scaled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
