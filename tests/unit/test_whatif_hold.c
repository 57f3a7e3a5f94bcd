/* test_whatif_hold.c - a What If disagreement (mfa_user.what_if) raises
 * coverage-disagrees (classify) and, under --require-ca-coverage, holds
 * the user with that reason (plan) wherever coverage is required (the
 * default when it was checked); agreement and not-checked change
 * nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mfa/model/classify.h"
#include "mfa/model/plan.h"
#include "mfa/model/whatif.h"

/* require: 1 --require-ca-coverage, 0 the default (coverage checked:
 * required), -1 --no-require-ca-coverage */
static void decide(const char *what_if, enum mfa_coverage_verdict cov, int require, struct mfa_verdict *v,
		   struct mfa_decision *d)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_user u;

	po.require_ca_coverage = require > 0;
	po.no_require_ca_coverage = require < 0;
	mfa_user_init(&u);
	u.id = "a1000000-0000-4000-8000-000000000001";
	u.upn = "x@y";
	u.state = MFA_STATE_ENFORCED;
	u.reg.registered = MFA_TRI_YES;
	u.what_if = what_if;
	mfa_classify(NULL, &u, v);
	v->coverage_checked = 1;
	v->coverage.verdict = cov;
	mfa_plan_decide(&po, &u, v, d);
}

static void test_finding_and_hold(void **state)
{
	static const char dis[] = "disagrees: browser: Microsoft applies no enabled policy requiring mfa, we say covered by 'CA001'";
	struct mfa_verdict v;
	struct mfa_decision d;

	(void)state;
	decide(dis, MFA_COVERAGE_COVERED, 1, &v, &d);
	assert_true(v.findings & (1u << MFA_FINDING_COVERAGE_DISAGREES));
	assert_int_equal(d.action, MFA_ACTION_HOLD);
	assert_int_equal(d.reason, MFA_HOLD_COVERAGE_DISAGREES);
	assert_string_equal(mfa_hold_reason_name(d.reason), "coverage-disagrees");
	/* a not-covered user Microsoft says is covered: still coverage-disagrees */
	decide(dis, MFA_COVERAGE_NOT_COVERED, 1, &v, &d);
	assert_int_equal(d.reason, MFA_HOLD_COVERAGE_DISAGREES);
	/* the default, coverage checked: the requirement is on */
	decide(dis, MFA_COVERAGE_COVERED, 0, &v, &d);
	assert_int_equal(d.reason, MFA_HOLD_COVERAGE_DISAGREES);
	/* --no-require-ca-coverage: the finding, no hold */
	decide(dis, MFA_COVERAGE_COVERED, -1, &v, &d);
	assert_true(v.findings & (1u << MFA_FINDING_COVERAGE_DISAGREES));
	assert_int_equal(d.action, MFA_ACTION_DISABLE);
	/* agreement, not-checked and not asked change nothing */
	decide("agrees", MFA_COVERAGE_COVERED, 1, &v, &d);
	assert_false(v.findings & (1u << MFA_FINDING_COVERAGE_DISAGREES));
	assert_int_equal(d.action, MFA_ACTION_DISABLE);
	decide("not-checked", MFA_COVERAGE_COVERED, 1, &v, &d);
	assert_int_equal(d.action, MFA_ACTION_DISABLE);
	decide(NULL, MFA_COVERAGE_COVERED, 1, &v, &d);
	assert_false(v.findings & (1u << MFA_FINDING_COVERAGE_DISAGREES));
	assert_int_equal(d.action, MFA_ACTION_DISABLE);
	assert_true(mfa_whatif_disagrees(dis));
	assert_false(mfa_whatif_disagrees("agrees"));
	assert_false(mfa_whatif_disagrees(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finding_and_hold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
