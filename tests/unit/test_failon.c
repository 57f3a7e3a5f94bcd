/* test_failon.c - --fail-on parsing and matching (model/failon.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/failon.h"

static void test_parse_items(void **state)
{
	struct mfa_fail_on f = MFA_FAIL_ON_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	(void)state;
	assert_int_equal(mfa_fail_on_parse(&f, "enforced,,admin-not-registered", &err), 0);
	assert_true(f.any);
	assert_false(f.change_any);
	assert_true(f.state[MFA_STATE_ENFORCED]);
	assert_false(f.state[MFA_STATE_ENABLED]);
	assert_true(f.finding[MFA_FINDING_ADMIN_NOT_REGISTERED]);
	/* a second --fail-on adds up */
	assert_int_equal(mfa_fail_on_parse(&f, "unknown,new:state-unknown,added", &err), 0);
	assert_true(f.state[MFA_STATE_UNKNOWN]);
	assert_true(f.change_any);
	assert_false(mfa_change_filter_empty(&f.change));
	assert_true(f.change.new_findings & (1u << MFA_FINDING_STATE_UNKNOWN));
	assert_true(f.state[MFA_STATE_ENFORCED]);
}

static void test_parse_errors(void **state)
{
	struct mfa_fail_on f = MFA_FAIL_ON_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	char big[1100];

	(void)state;
	assert_int_equal(mfa_fail_on_parse(&f, "enforced,bogus", &err), -1);
	assert_non_null(strstr(err.msg, "'bogus' is neither"));
	assert_int_equal(mfa_fail_on_parse(&f, "new:bogus", &err), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(mfa_fail_on_parse(&f, big, &err), -1);
	assert_string_equal(err.msg, "list too long");
}

static void test_matched(void **state)
{
	struct mfa_fail_on f = MFA_FAIL_ON_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_summary s;

	(void)state;
	mfa_summary_init(&s);
	assert_false(mfa_fail_on_matched(&f, &s));
	assert_int_equal(mfa_fail_on_parse(&f, "enforced,guest", &err), 0);
	s.by_class[MFA_STATE_ENABLED][0] = 5;
	s.by_finding[MFA_FINDING_ADMIN_NOT_REGISTERED] = 1;
	assert_false(mfa_fail_on_matched(&f, &s));
	s.by_class[MFA_STATE_ENFORCED][MFA_REG__COUNT - 1] = 1;
	assert_true(mfa_fail_on_matched(&f, &s));
	s.by_class[MFA_STATE_ENFORCED][MFA_REG__COUNT - 1] = 0;
	s.by_finding[MFA_FINDING_GUEST] = 2;
	assert_true(mfa_fail_on_matched(&f, &s));
}

/* An export that cannot tell enabled from enforced: "may be" fails the check. */
static void test_ambiguous_matches_enabled_and_enforced(void **state)
{
	static const char *const lists[] = { "enforced", "enabled", "enabled-or-enforced" };
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_summary s;
	size_t i;

	(void)state;
	mfa_summary_init(&s);
	s.by_class[MFA_STATE_AMBIGUOUS][0] = 1;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct mfa_fail_on f = MFA_FAIL_ON_INIT;

		assert_int_equal(mfa_fail_on_parse(&f, lists[i], &err), 0);
		assert_true(mfa_fail_on_matched(&f, &s));
	}
	{
		struct mfa_fail_on f = MFA_FAIL_ON_INIT;

		assert_int_equal(mfa_fail_on_parse(&f, "disabled,unknown", &err), 0);
		assert_false(mfa_fail_on_matched(&f, &s));
	}
}

static void test_classes_and_users(void **state)
{
	struct mfa_fail_on f = MFA_FAIL_ON_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_summary s;
	struct mfa_verdict v;

	(void)state;
	assert_int_equal(mfa_fail_on_parse(&f, "disabled-registered", &err), 0);
	assert_true(f.cls[MFA_STATE_DISABLED][MFA_REG_REGISTERED]);
	assert_false(f.state[MFA_STATE_DISABLED]);
	memset(&v, 0, sizeof(v));
	v.state = MFA_STATE_DISABLED;
	v.reg = MFA_REG_REGISTERED;
	assert_true(mfa_fail_on_matches(&f, &v));
	v.reg = MFA_REG_NOT_REGISTERED;
	assert_false(mfa_fail_on_matches(&f, &v));
	/* the summary matcher sees classes too */
	mfa_summary_init(&s);
	s.by_class[MFA_STATE_DISABLED][MFA_REG_NOT_REGISTERED] = 3;
	assert_false(mfa_fail_on_matched(&f, &s));
	s.by_class[MFA_STATE_DISABLED][MFA_REG_REGISTERED] = 1;
	assert_true(mfa_fail_on_matched(&f, &s));
	/* a finding, per user */
	f = (struct mfa_fail_on)MFA_FAIL_ON_INIT;
	assert_int_equal(mfa_fail_on_parse(&f, "stuck-enabled", &err), 0);
	v.state = MFA_STATE_ENABLED;
	v.findings = 1u << MFA_FINDING_ENABLED_REGISTERED;
	assert_true(mfa_fail_on_matches(&f, &v));
	v.findings = 0;
	assert_false(mfa_fail_on_matches(&f, &v));
	/* a state, per user, with enabled-or-enforced */
	f = (struct mfa_fail_on)MFA_FAIL_ON_INIT;
	assert_int_equal(mfa_fail_on_parse(&f, "enforced", &err), 0);
	v.state = MFA_STATE_AMBIGUOUS;
	assert_true(mfa_fail_on_matches(&f, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_items),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_matched),
		cmocka_unit_test(test_ambiguous_matches_enabled_and_enforced),
		cmocka_unit_test(test_classes_and_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
