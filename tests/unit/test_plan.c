/* Table-driven tests of plan (mfa/plan.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mfa/model/plan.h"
#include "model/failon.h"

struct case_ {
	const char *what;
	enum mfa_state state;
	enum mfa_tri registered;
	enum mfa_tri admin;
	enum mfa_user_type type;
	enum mfa_tri enabled;
	const char *upn;
	struct mfa_plan_options opts; /* .only is set by the test when use_only */
	int use_only;
	int excluded;
	/* expected */
	enum mfa_action action;
	enum mfa_hold_reason reason;
	enum mfa_state to;
};

#define NOOPTS MFA_PLAN_OPTIONS_INIT
#define M MFA_USER_TYPE_MEMBER
#define G MFA_USER_TYPE_GUEST
#define Y MFA_TRI_YES
#define N MFA_TRI_NO
#define U MFA_TRI_UNKNOWN

static const struct case_ cases[] = {
	{ "enforced -> disabled", MFA_STATE_ENFORCED, Y, N, M, Y, "a@x", NOOPTS, 0, 0, MFA_ACTION_DISABLE, MFA_HOLD_NONE, MFA_STATE_DISABLED },
	{ "enabled -> disabled", MFA_STATE_ENABLED, N, N, M, Y, "a@x", NOOPTS, 0, 0, MFA_ACTION_DISABLE, MFA_HOLD_NONE, MFA_STATE_DISABLED },
	{ "ambiguous -> disabled", MFA_STATE_AMBIGUOUS, Y, N, M, Y, "a@x", NOOPTS, 0, 0, MFA_ACTION_DISABLE, MFA_HOLD_NONE, MFA_STATE_DISABLED },
	{ "disabled: keep", MFA_STATE_DISABLED, Y, N, M, Y, "a@x", NOOPTS, 0, 0, MFA_ACTION_KEEP, MFA_HOLD_NONE, MFA_STATE_DISABLED },
	{ "disabled and excluded: still keep", MFA_STATE_DISABLED, Y, N, M, Y, "a@x", NOOPTS, 0, 1, MFA_ACTION_KEEP, MFA_HOLD_NONE, MFA_STATE_DISABLED },
	{ "unknown: hold, never disabled", MFA_STATE_UNKNOWN, Y, N, M, Y, "a@x", NOOPTS, 0, 0, MFA_ACTION_HOLD, MFA_HOLD_STATE_UNKNOWN, MFA_STATE_UNKNOWN },
	{ "excluded wins over everything", MFA_STATE_ENFORCED, Y, Y, G, N, "a@x", { .skip_guests = true, .skip_disabled_accounts = true, .hold_unregistered = true, .hold_admins = true }, 1, 1, MFA_ACTION_HOLD, MFA_HOLD_EXCLUDED, MFA_STATE_ENFORCED },
	{ "not on --only", MFA_STATE_ENFORCED, Y, N, M, Y, "other@x", NOOPTS, 1, 0, MFA_ACTION_HOLD, MFA_HOLD_NOT_IN_ONLY, MFA_STATE_ENFORCED },
	{ "on --only", MFA_STATE_ENFORCED, Y, N, M, Y, "A@X", NOOPTS, 1, 0, MFA_ACTION_DISABLE, MFA_HOLD_NONE, MFA_STATE_DISABLED },
	{ "--skip-guests", MFA_STATE_ENABLED, Y, N, G, Y, "g#EXT#@x", { .skip_guests = true }, 0, 0, MFA_ACTION_HOLD, MFA_HOLD_GUEST, MFA_STATE_ENABLED },
	{ "guest without --skip-guests", MFA_STATE_ENABLED, Y, N, G, Y, "g#EXT#@x", NOOPTS, 0, 0, MFA_ACTION_DISABLE, MFA_HOLD_NONE, MFA_STATE_DISABLED },
	{ "--skip-disabled-accounts", MFA_STATE_ENFORCED, Y, N, M, N, "a@x", { .skip_disabled_accounts = true }, 0, 0, MFA_ACTION_HOLD, MFA_HOLD_ACCOUNT_DISABLED, MFA_STATE_ENFORCED },
	{ "--hold-unregistered: not registered", MFA_STATE_ENABLED, N, N, M, Y, "a@x", { .hold_unregistered = true }, 0, 0, MFA_ACTION_HOLD, MFA_HOLD_UNREGISTERED, MFA_STATE_ENABLED },
	{ "--hold-unregistered: unknown counts as not", MFA_STATE_ENABLED, U, N, M, Y, "a@x", { .hold_unregistered = true }, 0, 0, MFA_ACTION_HOLD, MFA_HOLD_UNREGISTERED, MFA_STATE_ENABLED },
	{ "--hold-unregistered: registered goes", MFA_STATE_ENFORCED, Y, N, M, Y, "a@x", { .hold_unregistered = true }, 0, 0, MFA_ACTION_DISABLE, MFA_HOLD_NONE, MFA_STATE_DISABLED },
	{ "--hold-admins", MFA_STATE_ENFORCED, Y, Y, M, Y, "a@x", { .hold_admins = true }, 0, 0, MFA_ACTION_HOLD, MFA_HOLD_ADMIN, MFA_STATE_ENFORCED },
};

static void test_table(void **state)
{
	struct mfa_idset *only = mfa_idset_new();
	struct mfa_idset *ex = mfa_idset_new();
	size_t i;

	(void)state;
	assert_int_equal(mfa_idset_add(only, "a@x"), 0);
	assert_int_equal(mfa_idset_add(ex, "a@x"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_ *c = &cases[i];
		struct mfa_classify_options cls = { c->excluded ? ex : NULL, NULL, 0, 90 };
		struct mfa_plan_options po = c->opts;
		struct mfa_user u;
		struct mfa_verdict v;
		struct mfa_decision d;

		print_message("case: %s\n", c->what);
		mfa_user_init(&u);
		u.upn = c->upn;
		u.state = c->state;
		u.reg.registered = c->registered;
		u.is_admin = c->admin;
		u.user_type = c->type;
		u.account_enabled = c->enabled;
		if (c->use_only)
			po.only = only;
		mfa_classify(&cls, &u, &v);
		mfa_plan_decide(&po, &u, &v, &d);
		assert_int_equal(d.action, c->action);
		assert_int_equal(d.reason, c->reason);
		assert_int_equal(d.from, c->state);
		assert_int_equal(d.to, c->to);
	}
	mfa_idset_free(only);
	mfa_idset_free(ex);
}

static void test_unknown_never_disabled(void **state)
{
	/* Whatever the options, an unknown state is never planned as a change
	 * and never reported as disabled. */
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_decision d;
	int mask;

	(void)state;
	for (mask = 0; mask < 16; mask++) {
		po.skip_guests = mask & 1;
		po.skip_disabled_accounts = mask & 2;
		po.hold_unregistered = mask & 4;
		po.hold_admins = mask & 8;
		mfa_user_init(&u);
		u.upn = "x@y";
		mfa_classify(NULL, &u, &v);
		mfa_plan_decide(&po, &u, &v, &d);
		assert_int_equal(d.action, MFA_ACTION_HOLD);
		assert_int_not_equal(d.to, MFA_STATE_DISABLED);
	}
}

static void test_require_ca_coverage(void **state)
{
	/* Everyone not `covered` is held; unknown coverage holds too. */
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_decision d;
	int verdict;

	(void)state;
	po.require_ca_coverage = true;
	for (verdict = 0; verdict < MFA_COVERAGE__COUNT; verdict++) {
		mfa_user_init(&u);
		u.upn = "x@y";
		u.state = MFA_STATE_ENFORCED;
		u.reg.registered = MFA_TRI_YES;
		mfa_classify(NULL, &u, &v);
		v.coverage_checked = 1;
		v.coverage.verdict = (enum mfa_coverage_verdict)verdict;
		mfa_plan_decide(&po, &u, &v, &d);
		if (verdict == MFA_COVERAGE_COVERED) {
			assert_int_equal(d.action, MFA_ACTION_DISABLE);
		} else {
			assert_int_equal(d.action, MFA_ACTION_HOLD);
			assert_int_equal(d.reason, MFA_HOLD_NOT_COVERED);
		}
	}
	/* Without the option the default still holds (coverage checked);
	 * --no-require-ca-coverage turns it off. */
	po.require_ca_coverage = false;
	v.coverage.verdict = MFA_COVERAGE_NOT_COVERED;
	mfa_plan_decide(&po, &u, &v, &d);
	assert_int_equal(d.reason, MFA_HOLD_NOT_COVERED);
	po.no_require_ca_coverage = true;
	mfa_plan_decide(&po, &u, &v, &d);
	assert_int_equal(d.action, MFA_ACTION_DISABLE);
}

/* A model where one policy (enabled, MFA, all apps) covers the users
 * whose ids are given, and nobody else. */
static struct mfa_ca_model *model_covering(const char *const *ids, size_t n)
{
	struct mfa_ca_model *m = mfa_ca_model_new();
	struct mfa_ca_policy p;
	struct mfa_err err = MFA_ERR_INIT;

	assert_non_null(m);
	memset(&p, 0, sizeof(p));
	p.name = "CA001";
	p.state = MFA_CA_POLICY_ENABLED;
	p.requires_mfa = true;
	p.targets_apps = true;
	p.include_users.v = ids;
	p.include_users.n = n;
	assert_int_equal(mfa_ca_model_add_policy(m, &p, &err), 0);
	mfa_ca_model_mark_policies_read(m);
	return m;
}

static void test_safe_by_default(void **state)
{
	/* Safe by default: with a model, every user not `covered` is held
	 * `not-covered`, exactly those; --no-require-ca-coverage gives the
	 * plan without it; without a model (coverage not checked) nobody is. */
	static const char *const covered[] = { "id-1", "id-3" };
	static const struct {
		const char *id;
		enum mfa_state state;
	} users[] = {
		{ "id-1", MFA_STATE_ENFORCED }, { "id-2", MFA_STATE_ENFORCED },
		{ "id-3", MFA_STATE_ENABLED },  { "id-4", MFA_STATE_ENABLED },
		{ "id-5", MFA_STATE_DISABLED }, /* already there: keep, whatever coverage */
	};
	struct mfa_ca_model *m = model_covering(covered, 2);
	struct mfa_classify_options cls = MFA_CLASSIFY_OPTIONS_INIT;
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	size_t i;
	int pass;

	(void)state;
	for (pass = 0; pass < 4; pass++) {
		/* 0: model, default; 1: model, --no-require-ca-coverage;
		 * 2: no model, default; 3: model, --target enforced */
		cls.ca = pass == 2 ? NULL : m;
		po = (struct mfa_plan_options)MFA_PLAN_OPTIONS_INIT;
		po.no_require_ca_coverage = pass == 1;
		po.target = pass == 3 ? MFA_STATE_ENFORCED : MFA_STATE_DISABLED;
		po.despite_conditional_access = pass == 3;
		assert_int_equal(mfa_plan_requires_coverage(&po, cls.ca != NULL), pass == 0);
		for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
			struct mfa_user u;
			struct mfa_verdict v;
			struct mfa_decision d;
			bool is_covered = i == 0 || i == 2;

			print_message("pass %d: %s\n", pass, users[i].id);
			mfa_user_init(&u);
			u.id = users[i].id;
			u.upn = "x@y";
			u.state = users[i].state;
			u.reg.registered = MFA_TRI_YES;
			mfa_classify(&cls, &u, &v);
			assert_int_equal(v.coverage.verdict, pass == 2 ? MFA_COVERAGE_UNKNOWN
							 : is_covered ? MFA_COVERAGE_COVERED
							 : MFA_COVERAGE_NOT_COVERED);
			mfa_plan_decide(&po, &u, &v, &d);
			if (pass == 3) {
				/* no not-covered hold towards enforced */
				assert_int_equal(d.action, users[i].state == MFA_STATE_ENFORCED
							   ? MFA_ACTION_KEEP : MFA_ACTION_ENFORCE);
			} else if (users[i].state == MFA_STATE_DISABLED) {
				assert_int_equal(d.action, MFA_ACTION_KEEP);
			} else if (pass == 0 && !is_covered) {
				assert_int_equal(d.action, MFA_ACTION_HOLD);
				assert_int_equal(d.reason, MFA_HOLD_NOT_COVERED);
				assert_int_equal(d.to, users[i].state);
			} else {
				assert_int_equal(d.action, MFA_ACTION_DISABLE);
				assert_int_equal(d.reason, MFA_HOLD_NONE);
			}
		}
	}
	mfa_ca_model_free(m);
}

static void test_requires_coverage(void **state)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;

	(void)state;
	assert_false(mfa_plan_requires_coverage(NULL, true));
	/* the default: wherever coverage was checked */
	assert_true(mfa_plan_requires_coverage(&po, true));
	assert_false(mfa_plan_requires_coverage(&po, false));
	po.no_require_ca_coverage = true;
	assert_false(mfa_plan_requires_coverage(&po, true));
	/* --require-ca-coverage: offline too, and it wins */
	po.require_ca_coverage = true;
	assert_true(mfa_plan_requires_coverage(&po, false));
	assert_true(mfa_plan_requires_coverage(&po, true));
	/* towards enabled or enforced never: those have their own guardrails */
	po.target = MFA_STATE_ENABLED;
	assert_false(mfa_plan_requires_coverage(&po, true));
	po.target = MFA_STATE_ENFORCED;
	po.no_require_ca_coverage = false;
	assert_false(mfa_plan_requires_coverage(&po, true));
}

/* One user towards a target: enforced/enabled/disabled state, registered
 * or not, coverage read (verdict) or not. */
static void decide(const struct mfa_plan_options *po, enum mfa_state state, enum mfa_tri registered,
		   int coverage_checked, enum mfa_coverage_verdict cov, struct mfa_decision *d)
{
	struct mfa_user u;
	struct mfa_verdict v;

	mfa_user_init(&u);
	u.upn = "x@y";
	u.state = state;
	u.reg.registered = registered;
	mfa_classify(NULL, &u, &v);
	v.coverage_checked = coverage_checked;
	v.coverage.verdict = cov;
	mfa_plan_decide(po, &u, &v, d);
}

static void test_target_enforced(void **state)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_decision d;

	(void)state;
	po.target = MFA_STATE_ENFORCED;
	/* a registered enabled user, no CA: enforce */
	decide(&po, MFA_STATE_ENABLED, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_ENFORCE);
	assert_int_equal(d.from, MFA_STATE_ENABLED);
	assert_int_equal(d.to, MFA_STATE_ENFORCED);
	assert_int_equal(d.expect, MFA_STATE_ENFORCED);
	/* disabled -> enforced too */
	decide(&po, MFA_STATE_DISABLED, Y, 1, MFA_COVERAGE_REPORT_ONLY, &d);
	assert_int_equal(d.action, MFA_ACTION_ENFORCE);
	/* already enforced: keep */
	decide(&po, MFA_STATE_ENFORCED, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_KEEP);
	assert_int_equal(d.to, MFA_STATE_ENFORCED);
	/* nothing registered, or unknown: held unregistered, unless allowed */
	decide(&po, MFA_STATE_ENABLED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_HOLD);
	assert_int_equal(d.reason, MFA_HOLD_UNREGISTERED);
	assert_int_equal(d.to, MFA_STATE_ENABLED);
	decide(&po, MFA_STATE_DISABLED, U, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.reason, MFA_HOLD_UNREGISTERED);
	po.allow_unregistered = true;
	decide(&po, MFA_STATE_DISABLED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_ENFORCE);
	/* an unknown state is held, never assumed at the target */
	decide(&po, MFA_STATE_UNKNOWN, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.reason, MFA_HOLD_STATE_UNKNOWN);
	decide(&po, MFA_STATE_AMBIGUOUS, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.reason, MFA_HOLD_STATE_UNKNOWN);
}

static void test_target_conditional_access(void **state)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_decision d;
	int verdict, t;

	(void)state;
	for (t = 0; t < 2; t++) {
		po.target = t ? MFA_STATE_ENFORCED : MFA_STATE_ENABLED;
		po.despite_conditional_access = false;
		for (verdict = 0; verdict < MFA_COVERAGE__COUNT; verdict++) {
			decide(&po, MFA_STATE_DISABLED, Y, 1, (enum mfa_coverage_verdict)verdict, &d);
			switch (verdict) {
			case MFA_COVERAGE_COVERED:
			case MFA_COVERAGE_PARTIAL:
			case MFA_COVERAGE_SECURITY_DEFAULTS:
				assert_int_equal(d.reason, MFA_HOLD_USES_CA);
				break;
			case MFA_COVERAGE_UNKNOWN:
				assert_int_equal(d.reason, MFA_HOLD_CA_UNKNOWN);
				break;
			default:
				assert_true(mfa_action_is_change(d.action));
			}
		}
		/* policies never read: held, never assumed absent */
		decide(&po, MFA_STATE_DISABLED, Y, 0, MFA_COVERAGE_UNKNOWN, &d);
		assert_int_equal(d.action, MFA_ACTION_HOLD);
		assert_int_equal(d.reason, MFA_HOLD_CA_UNKNOWN);
		po.despite_conditional_access = true;
		decide(&po, MFA_STATE_DISABLED, Y, 1, MFA_COVERAGE_COVERED, &d);
		assert_int_equal(d.action, mfa_action_for_target(po.target));
		decide(&po, MFA_STATE_DISABLED, Y, 0, MFA_COVERAGE_UNKNOWN, &d);
		assert_int_equal(d.action, mfa_action_for_target(po.target));
	}
	/* towards disabled, CA requiring MFA is no guardrail: it is what
	 * makes disabling safe */
	po = (struct mfa_plan_options)MFA_PLAN_OPTIONS_INIT;
	decide(&po, MFA_STATE_ENFORCED, Y, 1, MFA_COVERAGE_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_DISABLE);
	assert_int_equal(d.expect, MFA_STATE_DISABLED);
}

static void test_target_enabled(void **state)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_decision d;

	(void)state;
	po.target = MFA_STATE_ENABLED;
	/* registered: Graph makes it enforced, and the plan says so */
	decide(&po, MFA_STATE_DISABLED, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_ENABLE);
	assert_int_equal(d.to, MFA_STATE_ENABLED);
	assert_int_equal(d.expect, MFA_STATE_ENFORCED);
	/* unregistered: enabled it stays (no unregistered hold for enabled) */
	decide(&po, MFA_STATE_DISABLED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_ENABLE);
	assert_int_equal(d.expect, MFA_STATE_ENABLED);
	/* enforced -> enabled is a plain change */
	decide(&po, MFA_STATE_ENFORCED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_ENABLE);
	assert_int_equal(d.from, MFA_STATE_ENFORCED);
	assert_int_equal(d.to, MFA_STATE_ENABLED);
	decide(&po, MFA_STATE_ENABLED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_KEEP);
	/* --hold-unregistered still holds */
	po.hold_unregistered = true;
	decide(&po, MFA_STATE_DISABLED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.reason, MFA_HOLD_UNREGISTERED);
}

static void test_select(void **state)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_fail_on sel = MFA_FAIL_ON_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_decision d;

	(void)state;
	assert_int_equal(mfa_fail_on_parse(&sel, "stuck-enabled", &err), 0);
	po.target = MFA_STATE_ENFORCED;
	po.select = &sel;
	/* enabled and registered: stuck-enabled, chosen */
	decide(&po, MFA_STATE_ENABLED, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_ENFORCE);
	/* anyone else is keep, not hold */
	decide(&po, MFA_STATE_DISABLED, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_KEEP);
	assert_int_equal(d.reason, MFA_HOLD_NONE);
	assert_int_equal(d.to, MFA_STATE_DISABLED);
	decide(&po, MFA_STATE_ENABLED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_KEEP);
	/* an unknown state is still held */
	decide(&po, MFA_STATE_UNKNOWN, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.reason, MFA_HOLD_STATE_UNKNOWN);
	/* a class and a state select too */
	sel = (struct mfa_fail_on)MFA_FAIL_ON_INIT;
	assert_int_equal(mfa_fail_on_parse(&sel, "disabled-registered", &err), 0);
	decide(&po, MFA_STATE_DISABLED, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_ENFORCE);
	decide(&po, MFA_STATE_DISABLED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_KEEP);
	/* towards disabled as well */
	po.target = MFA_STATE_DISABLED;
	sel = (struct mfa_fail_on)MFA_FAIL_ON_INIT;
	assert_int_equal(mfa_fail_on_parse(&sel, "enabled-not-registered", &err), 0);
	decide(&po, MFA_STATE_ENABLED, N, 1, MFA_COVERAGE_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_DISABLE);
	decide(&po, MFA_STATE_ENFORCED, Y, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.action, MFA_ACTION_KEEP);
	assert_int_equal(d.to, MFA_STATE_ENFORCED);
	/* a selected user Conditional Access does not cover is held */
	decide(&po, MFA_STATE_ENABLED, N, 1, MFA_COVERAGE_NOT_COVERED, &d);
	assert_int_equal(d.reason, MFA_HOLD_NOT_COVERED);
}

static void test_min_apply_seconds(void **state)
{
	(void)state;
	/* 3,000 writes per 150 s: the first window's 3,000 go at once (a
	 * burst), the rest at 20 per second: 100,000 changes take 80.8 min. */
	assert_true(mfa_plan_min_apply_seconds(100000) == 97000.0 / 20.0);
	assert_true(mfa_plan_min_apply_seconds(0) == 0.0);
	/* 677 changes "at least 34 s" finished in about 1 s: within the burst */
	assert_true(mfa_plan_min_apply_seconds(677) == 0.0);
	assert_true(mfa_plan_min_apply_seconds(3000) == 0.0);
	assert_true(mfa_plan_min_apply_seconds(3001) == 1.0 / 20.0);
	assert_true(mfa_plan_min_apply_seconds(6000) == 150.0);
}

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < MFA_ACTION__COUNT; i++)
		assert_int_equal(mfa_action_parse(mfa_action_name((enum mfa_action)i)), i);
	for (i = 1; i < MFA_HOLD__COUNT; i++)
		assert_int_equal(mfa_hold_reason_parse(mfa_hold_reason_name((enum mfa_hold_reason)i)), i);
	assert_int_equal(mfa_action_parse("delete"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_unknown_never_disabled),
		cmocka_unit_test(test_target_enforced),
		cmocka_unit_test(test_target_conditional_access),
		cmocka_unit_test(test_target_enabled),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_require_ca_coverage),
		cmocka_unit_test(test_safe_by_default),
		cmocka_unit_test(test_requires_coverage),
		cmocka_unit_test(test_min_apply_seconds),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
