/* Account types (issue 14 item 4): stale-account judged at the run date
 * with --stale-days, shared-mailbox from mailboxSettings.userPurpose, and
 * their plan holds --hold-stale and --skip-shared-mailboxes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa/model/classify.h"
#include "mfa/model/plan.h"

#define F(x) (1u << MFA_FINDING_##x)

/* 2026-12-01T00:00:00Z */
#define NOW ((time_t)1796083200)

struct stale_case {
	const char *what;
	const char *last, *last_non_interactive; /* NULL: not read */
	unsigned days;
	int stale;
};

static const struct stale_case stale_cases[] = {
	{ "not read is never stale", NULL, NULL, 90, 0 },
	{ "never signed in (Graph's null) is stale", "", "", 90, 1 },
	{ "never signed in, non-interactive not given", "", NULL, 90, 1 },
	{ "interactive yesterday", "2026-11-30T08:15:00Z", "", 90, 0 },
	{ "interactive 91 days ago", "2026-09-01T00:00:00Z", "", 90, 1 },
	{ "interactive old, non-interactive recent: not stale", "2026-01-01T00:00:00Z",
	  "2026-11-29T23:59:59.1234567Z", 90, 0 },
	{ "interactive only non-interactive old", "", "2025-12-01T00:00:00Z", 90, 1 },
	{ "exactly at the cut is stale (not newer)", "2026-09-02T00:00:00Z", "", 90, 1 },
	{ "one second after the cut is not", "2026-09-02T00:00:01Z", "", 90, 0 },
	{ "--stale-days 30 catches 40 days", "2026-10-22T00:00:00Z", "", 30, 1 },
	{ "--stale-days 365 spares 300 days", "2026-02-04T00:00:00Z", "", 365, 0 },
	{ "an unreadable time is never stale", "yesterday", "", 90, 0 },
	{ "leap day parses", "2024-02-29T12:00:00Z", "", 90, 1 },
};

static void test_stale(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(stale_cases) / sizeof(stale_cases[0]); i++) {
		const struct stale_case *c = &stale_cases[i];
		struct mfa_classify_options o = MFA_CLASSIFY_OPTIONS_INIT;
		struct mfa_user u;
		struct mfa_verdict v;

		o.now = NOW;
		o.stale_days = c->days;
		mfa_user_init(&u);
		u.upn = "a@x";
		u.state = MFA_STATE_DISABLED;
		u.last_sign_in = c->last;
		u.last_non_interactive_sign_in = c->last_non_interactive;
		mfa_classify(&o, &u, &v);
		print_message("case: %s\n", c->what);
		assert_int_equal(!!(v.findings & F(STALE_ACCOUNT)), c->stale);
		if (c->stale)
			assert_int_equal(v.risk, MFA_SEV_LOW);
	}
}

static void test_shared_mailbox(void **state)
{
	static const struct { const char *purpose; int shared; } cases[] = {
		{ NULL, 0 }, { "user", 0 }, { "linked", 0 }, { "others", 0 },
		{ "shared", 1 }, { "room", 1 }, { "equipment", 1 }, { "unknownFutureValue", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_classify_options o = MFA_CLASSIFY_OPTIONS_INIT;
		struct mfa_user u;
		struct mfa_verdict v;

		mfa_user_init(&u);
		u.upn = "a@x";
		u.state = MFA_STATE_ENFORCED;
		u.reg.registered = MFA_TRI_YES;
		u.mailbox_purpose = cases[i].purpose;
		mfa_classify(&o, &u, &v);
		print_message("purpose: %s\n", cases[i].purpose ? cases[i].purpose : "(not read)");
		assert_int_equal(!!(v.findings & F(SHARED_MAILBOX)), cases[i].shared);
	}
}

/* The holds come only with their option, and only for the finding. */
static void test_holds(void **state)
{
	struct mfa_classify_options co = MFA_CLASSIFY_OPTIONS_INIT;
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_user stale, shared, fresh;
	struct mfa_verdict v;
	struct mfa_decision d;

	(void)state;
	co.now = NOW;
	mfa_user_init(&stale);
	stale.upn = "stale@x";
	stale.state = MFA_STATE_ENFORCED;
	stale.reg.registered = MFA_TRI_YES;
	stale.last_sign_in = "2025-01-01T00:00:00Z";
	stale.last_non_interactive_sign_in = "";
	shared = stale;
	shared.upn = "shared@x";
	shared.last_sign_in = "2026-11-30T00:00:00Z";
	shared.mailbox_purpose = "room";
	fresh = shared;
	fresh.upn = "fresh@x";
	fresh.mailbox_purpose = "user";

	/* without the options: everybody is disabled */
	mfa_classify(&co, &stale, &v);
	mfa_plan_decide(&po, &stale, &v, &d);
	assert_int_equal(d.action, MFA_ACTION_DISABLE);
	mfa_classify(&co, &shared, &v);
	mfa_plan_decide(&po, &shared, &v, &d);
	assert_int_equal(d.action, MFA_ACTION_DISABLE);

	po.hold_stale = true;
	po.skip_shared_mailboxes = true;
	mfa_classify(&co, &stale, &v);
	mfa_plan_decide(&po, &stale, &v, &d);
	assert_int_equal(d.action, MFA_ACTION_HOLD);
	assert_string_equal(mfa_hold_reason_name(d.reason), "stale-account");
	mfa_classify(&co, &shared, &v);
	mfa_plan_decide(&po, &shared, &v, &d);
	assert_int_equal(d.action, MFA_ACTION_HOLD);
	assert_string_equal(mfa_hold_reason_name(d.reason), "shared-mailbox");
	mfa_classify(&co, &fresh, &v);
	mfa_plan_decide(&po, &fresh, &v, &d);
	assert_int_equal(d.action, MFA_ACTION_DISABLE);

	/* an account already disabled stays keep, stale or not */
	stale.state = MFA_STATE_DISABLED;
	mfa_classify(&co, &stale, &v);
	mfa_plan_decide(&po, &stale, &v, &d);
	assert_int_equal(d.action, MFA_ACTION_KEEP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_shared_mailbox),
		cmocka_unit_test(test_holds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
