/* Table-driven tests of classify (mfa/classify.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa/model/classify.h"

#define F(x) (1u << MFA_FINDING_##x)

struct case_ {
	const char *what;
	enum mfa_state state;
	enum mfa_tri registered;
	uint32_t methods;
	enum mfa_tri admin;
	enum mfa_user_type type;
	enum mfa_tri enabled;
	const char *upn;
	/* expected */
	const char *cls;
	uint32_t findings;
	enum mfa_severity risk;
};

static const struct case_ cases[] = {
	{ "disabled, registered member", MFA_STATE_DISABLED, MFA_TRI_YES, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "disabled-registered", 0, MFA_SEV_NONE },
	{ "disabled, registration unknown: nothing to say", MFA_STATE_DISABLED, MFA_TRI_UNKNOWN, 0, MFA_TRI_UNKNOWN, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "disabled-unknown", 0, MFA_SEV_NONE },
	{ "admin not registered", MFA_STATE_DISABLED, MFA_TRI_NO, 0, MFA_TRI_YES, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "disabled-not-registered", F(ADMIN_NOT_REGISTERED), MFA_SEV_HIGH },
	{ "admin, registration unknown", MFA_STATE_DISABLED, MFA_TRI_UNKNOWN, 0, MFA_TRI_YES, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "disabled-unknown", F(REGISTRATION_UNKNOWN), MFA_SEV_LOW },
	{ "enabled pending registration", MFA_STATE_ENABLED, MFA_TRI_NO, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "enabled-not-registered", F(ENABLED_NOT_REGISTERED), MFA_SEV_MEDIUM },
	{ "enabled and registered: stuck", MFA_STATE_ENABLED, MFA_TRI_YES, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "enabled-registered", F(ENABLED_REGISTERED), MFA_SEV_LOW },
	{ "enforced, registered", MFA_STATE_ENFORCED, MFA_TRI_YES, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "enforced-registered", F(APP_PASSWORDS_POSSIBLE), MFA_SEV_MEDIUM },
	{ "enforced, not registered", MFA_STATE_ENFORCED, MFA_TRI_NO, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "enforced-not-registered", F(ENFORCED_NOT_REGISTERED) | F(APP_PASSWORDS_POSSIBLE), MFA_SEV_MEDIUM },
	{ "registered by a strong method alone", MFA_STATE_ENFORCED, MFA_TRI_UNKNOWN, 1u << MFA_METHOD_FIDO2, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "enforced-registered", F(APP_PASSWORDS_POSSIBLE), MFA_SEV_MEDIUM },
	{ "email alone is not registration", MFA_STATE_ENABLED, MFA_TRI_UNKNOWN, 1u << MFA_METHOD_EMAIL, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "enabled-unknown", F(REGISTRATION_UNKNOWN), MFA_SEV_LOW },
	{ "unknown state is high risk", MFA_STATE_UNKNOWN, MFA_TRI_YES, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "unknown-registered", F(STATE_UNKNOWN), MFA_SEV_HIGH },
	{ "ambiguous, registered", MFA_STATE_AMBIGUOUS, MFA_TRI_YES, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "enabled-or-enforced-registered", F(STATE_AMBIGUOUS) | F(APP_PASSWORDS_POSSIBLE), MFA_SEV_MEDIUM },
	{ "ambiguous, not registered", MFA_STATE_AMBIGUOUS, MFA_TRI_NO, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "a@x",
	  "enabled-or-enforced-not-registered", F(STATE_AMBIGUOUS) | F(APP_PASSWORDS_POSSIBLE) | F(ENABLED_NOT_REGISTERED), MFA_SEV_MEDIUM },
	{ "guest", MFA_STATE_DISABLED, MFA_TRI_YES, 0, MFA_TRI_NO, MFA_USER_TYPE_GUEST, MFA_TRI_YES, "g_x#EXT#@t",
	  "disabled-registered", F(GUEST), MFA_SEV_INFO },
	{ "blocked", MFA_STATE_DISABLED, MFA_TRI_YES, 0, MFA_TRI_NO, MFA_USER_TYPE_MEMBER, MFA_TRI_NO, "a@x",
	  "disabled-registered", F(SIGN_IN_BLOCKED), MFA_SEV_INFO },
	{ "excluded by UPN, any case", MFA_STATE_ENFORCED, MFA_TRI_YES, 0, MFA_TRI_YES, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, "BreakGlass@X",
	  "enforced-registered", F(EXCLUDED) | F(APP_PASSWORDS_POSSIBLE), MFA_SEV_MEDIUM },
};

static void test_table(void **state)
{
	struct mfa_idset *ex = mfa_idset_new();
	struct mfa_classify_options opts = { ex, NULL, 0, 90 };
	size_t i;

	(void)state;
	assert_int_equal(mfa_idset_add(ex, "  breakglass@x "), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_ *c = &cases[i];
		struct mfa_user u;
		struct mfa_verdict v;

		mfa_user_init(&u);
		u.upn = c->upn;
		u.state = c->state;
		u.reg.registered = c->registered;
		u.reg.methods = c->methods;
		u.is_admin = c->admin;
		u.user_type = c->type;
		u.account_enabled = c->enabled;
		mfa_classify(&opts, &u, &v);
		print_message("case: %s\n", c->what);
		assert_string_equal(mfa_class_name(v.state, v.reg), c->cls);
		assert_int_equal(v.findings, c->findings);
		assert_int_equal(v.risk, c->risk);
	}
	mfa_idset_free(ex);
}

static void test_names_round_trip(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		const char *n = mfa_finding_name((enum mfa_finding)i);
		assert_non_null(n);
		assert_int_equal(mfa_finding_parse(n), i);
		assert_non_null(mfa_finding_advice((enum mfa_finding)i));
	}
	assert_int_equal(mfa_finding_parse("no-such-finding"), -1);
	assert_null(mfa_finding_name(MFA_FINDING__COUNT));
}

static void test_state_parse(void **state)
{
	(void)state;
	assert_int_equal(mfa_state_parse("Enforced"), MFA_STATE_ENFORCED);
	assert_int_equal(mfa_state_parse(" disabled "), MFA_STATE_DISABLED);
	assert_int_equal(mfa_state_parse("ENABLED"), MFA_STATE_ENABLED);
	assert_int_equal(mfa_state_parse("enabled-or-enforced"), MFA_STATE_AMBIGUOUS);
	/* Never taken as disabled. */
	assert_int_equal(mfa_state_parse("unknownFutureValue"), MFA_STATE_UNKNOWN);
	assert_int_equal(mfa_state_parse(""), MFA_STATE_UNKNOWN);
	assert_int_equal(mfa_state_parse(NULL), MFA_STATE_UNKNOWN);
	assert_int_equal(mfa_state_parse("disabledx"), MFA_STATE_UNKNOWN);
	assert_int_equal(mfa_state_parse("-"), MFA_STATE_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_state_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
