/* Table-driven tests of classify (mfa/classify.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
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

#define METHOD(x) (1u << MFA_METHOD_##x)

/* sms-voice-only: which method sets are phone-only. */
static void test_sms_voice_only(void **state)
{
	static const struct {
		const char *what;
		uint32_t methods;
		const char *other;
		int want;
	} phones[] = {
		{ "mobile phone alone", METHOD(MOBILE_PHONE), NULL, 1 },
		{ "alternate mobile alone", METHOD(ALTERNATE_MOBILE_PHONE), NULL, 1 },
		{ "office phone alone", METHOD(OFFICE_PHONE), NULL, 1 },
		{ "all three phones", METHOD(MOBILE_PHONE) | METHOD(ALTERNATE_MOBILE_PHONE) | METHOD(OFFICE_PHONE), NULL, 1 },
		{ "phone + email: email is no MFA method", METHOD(MOBILE_PHONE) | METHOD(EMAIL), NULL, 1 },
		{ "phone + security questions", METHOD(OFFICE_PHONE) | METHOD(SECURITY_QUESTION), NULL, 1 },
		{ "phone + temporary access pass", METHOD(MOBILE_PHONE) | METHOD(TAP), NULL, 1 },
		{ "phone + email + questions + TAP", METHOD(MOBILE_PHONE) | METHOD(EMAIL) | METHOD(SECURITY_QUESTION) | METHOD(TAP), NULL, 1 },
		{ "phone + Authenticator push", METHOD(MOBILE_PHONE) | METHOD(AUTHENTICATOR_PUSH), NULL, 0 },
		{ "phone + software OTP", METHOD(MOBILE_PHONE) | METHOD(SOFTWARE_OTP), NULL, 0 },
		{ "phone + FIDO2", METHOD(ALTERNATE_MOBILE_PHONE) | METHOD(FIDO2), NULL, 0 },
		{ "phone + passkey in Authenticator", METHOD(MOBILE_PHONE) | METHOD(PASSKEY_AUTHENTICATOR), NULL, 0 },
		{ "phone + Windows Hello", METHOD(OFFICE_PHONE) | METHOD(WINDOWS_HELLO), NULL, 0 },
		{ "phone + a method the tool does not know", METHOD(MOBILE_PHONE), "qrCodePin", 0 },
		{ "phone + an empty unknown list", METHOD(MOBILE_PHONE), "", 1 },
		{ "no methods at all", 0, NULL, 0 },
		{ "email alone", METHOD(EMAIL), NULL, 0 },
		{ "email + questions", METHOD(EMAIL) | METHOD(SECURITY_QUESTION), NULL, 0 },
		{ "Authenticator alone", METHOD(AUTHENTICATOR_PUSH), NULL, 0 },
	};
	struct mfa_classify_options opts = MFA_CLASSIFY_OPTIONS_INIT;
	size_t i;
	int reg;

	(void)state;
	for (i = 0; i < sizeof(phones) / sizeof(phones[0]); i++) {
		/* whatever the registered flag and the state say */
		for (reg = 0; reg < 3; reg++) {
			struct mfa_user u;
			struct mfa_verdict v;

			print_message("case: %s (registered %d)\n", phones[i].what, reg);
			mfa_user_init(&u);
			u.upn = "a@x";
			u.state = reg == 1 ? MFA_STATE_DISABLED : MFA_STATE_ENFORCED;
			u.reg.registered = (enum mfa_tri)reg;
			u.reg.methods = phones[i].methods;
			u.reg.other_methods = phones[i].other;
			mfa_classify(&opts, &u, &v);
			assert_int_equal(!!(v.findings & F(SMS_VOICE_ONLY)), phones[i].want);
		}
	}
}

/* sms-voice-only is medium before 2027-02-01T00:00:00Z and high from
 * then, judged at the classify options' now; nothing else moves. */
static void test_severity_by_date(void **state)
{
	static const struct {
		const char *what;
		time_t now;
		enum mfa_severity want;
	} dates[] = {
		{ "unset (0)", 0, MFA_SEV_MEDIUM },
		{ "2026-12-01", 1796083200, MFA_SEV_MEDIUM },
		{ "2027-01-31T23:59:59Z", MFA_SMS_VOICE_END - 1, MFA_SEV_MEDIUM },
		{ "2027-02-01T00:00:00Z", MFA_SMS_VOICE_END, MFA_SEV_HIGH },
		{ "2027-02-01T00:00:01Z", MFA_SMS_VOICE_END + 1, MFA_SEV_HIGH },
		{ "2030-01-01", 1893456000, MFA_SEV_HIGH },
	};
	struct mfa_classify_options opts = MFA_CLASSIFY_OPTIONS_INIT;
	size_t i;
	int f;

	(void)state;
	assert_int_equal(MFA_SMS_VOICE_END, 1801440000); /* date -u -d 2027-02-01 +%s */
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		struct mfa_user u;
		struct mfa_verdict v;

		print_message("at %s\n", dates[i].what);
		assert_int_equal(mfa_finding_severity_at(MFA_FINDING_SMS_VOICE_ONLY, dates[i].now),
				 dates[i].want);
		for (f = 0; f < MFA_FINDING__COUNT; f++)
			if (f != MFA_FINDING_SMS_VOICE_ONLY)
				assert_int_equal(mfa_finding_severity_at((enum mfa_finding)f, dates[i].now),
						 mfa_finding_severity((enum mfa_finding)f));
		/* a disabled, registered member whose only method is a phone:
		 * the risk is sms-voice-only's severity at that date */
		mfa_user_init(&u);
		u.upn = "a@x";
		u.state = MFA_STATE_DISABLED;
		u.reg.registered = MFA_TRI_YES;
		u.reg.methods = METHOD(MOBILE_PHONE) | METHOD(EMAIL);
		opts.now = dates[i].now;
		mfa_classify(&opts, &u, &v);
		assert_int_equal(v.findings, F(SMS_VOICE_ONLY));
		assert_int_equal(v.risk, dates[i].want);
	}
	assert_int_equal(mfa_finding_severity(MFA_FINDING_SMS_VOICE_ONLY), MFA_SEV_MEDIUM);
	/* the advice names the date */
	assert_non_null(strstr(mfa_finding_advice(MFA_FINDING_SMS_VOICE_ONLY), "1 February 2027"));
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
		cmocka_unit_test(test_sms_voice_only),
		cmocka_unit_test(test_severity_by_date),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_state_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
