/* test_signins.c - sign-in records folded into per-user counters, the map
 * that holds them, and the findings classify draws from them
 * (mfa/model/signins.h, mfa/model/classify.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mfa/model/classify.h"
#include "mfa/model/signins.h"

#define F(x) (1u << MFA_FINDING_##x)
#define SIGNIN_FINDINGS (F(MFA_ONLY_FROM_PER_USER) | F(STILL_PROMPTED_PER_USER) | \
			 F(LEGACY_CLIENT_SIGN_INS) | F(COVERAGE_DISAGREES))

static void test_provider_and_client(void **state)
{
	(void)state;
	assert_int_equal(mfa_signin_provider_bit("user"), MFA_SIGNIN_BY_USER);
	assert_int_equal(mfa_signin_provider_bit("multiConditionalAccess"), MFA_SIGNIN_BY_CA);
	assert_int_equal(mfa_signin_provider_bit("securityDefaults"), MFA_SIGNIN_BY_SD);
	assert_int_equal(mfa_signin_provider_bit("request"), MFA_SIGNIN_BY_OTHER);
	assert_int_equal(mfa_signin_provider_bit("enforcedForCspAdmins"), MFA_SIGNIN_BY_OTHER);
	assert_int_equal(mfa_signin_provider_bit(""), 0);
	assert_int_equal(mfa_signin_provider_bit(NULL), 0);
	assert_true(mfa_signin_client_is_legacy("Exchange ActiveSync"));
	assert_true(mfa_signin_client_is_legacy("IMAP4"));
	assert_true(mfa_signin_client_is_legacy("pop3"));
	assert_true(mfa_signin_client_is_legacy("Authenticated SMTP"));
	assert_true(mfa_signin_client_is_legacy("Other clients"));
	assert_false(mfa_signin_client_is_legacy("Browser"));
	assert_false(mfa_signin_client_is_legacy("Mobile Apps and Desktop clients"));
	assert_false(mfa_signin_client_is_legacy(NULL));
}

static void test_fold_counts(void **state)
{
	static const struct mfa_signin_record rs[] = {
		{ "u", "2026-11-25T10:00:00Z", true, MFA_SIGNIN_BY_USER, false, "Browser" },
		{ "u", "2026-11-26T10:00:00Z", false, MFA_SIGNIN_BY_USER | MFA_SIGNIN_BY_CA, false, "Browser" },
		{ "u", "2026-11-27T10:00:00Z", true, 0, true, "IMAP4" },
		{ "u", "2026-11-24T10:00:00Z", true, MFA_SIGNIN_BY_SD | MFA_SIGNIN_BY_OTHER, false, NULL },
	};
	struct mfa_signin_counts c;
	size_t i;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		mfa_signin_fold(&c, &rs[i]);
	assert_int_equal(c.total, 4);
	assert_int_equal(c.interactive, 3);
	assert_int_equal(c.mfa_per_user, 2);
	assert_int_equal(c.mfa_conditional_access, 1);
	assert_int_equal(c.mfa_security_defaults, 1);
	assert_int_equal(c.mfa_other, 1);
	assert_int_equal(c.mfa_only_per_user, 1);
	assert_int_equal(c.single_factor, 1);
	assert_int_equal(c.legacy_client, 1);
	assert_string_equal(c.last, "2026-11-27T10:00:00Z");
	/* the newest sign-in that required MFA is the 26th's: per-user was among them */
	assert_string_equal(c.last_mfa, "2026-11-26T10:00:00Z");
	assert_true(mfa_signin_still_prompted(&c));
	assert_true(mfa_signin_only_per_user(&c));
	assert_true(mfa_signin_legacy(&c));
}

/* After the migration: older sign-ins still name per-user MFA, the newest
 * that required MFA does not: not prompted any more, in any order. */
static void test_still_prompted_is_the_newest(void **state)
{
	static const struct mfa_signin_record before = { "u", "2026-11-25T10:00:00Z", true, MFA_SIGNIN_BY_USER, false, "Browser" };
	static const struct mfa_signin_record after = { "u", "2026-11-30T10:00:00Z", true, MFA_SIGNIN_BY_CA, false, "Browser" };
	static const struct mfa_signin_record none = { "u", "2026-12-01T10:00:00Z", true, 0, true, "Browser" };
	struct mfa_signin_counts c;

	(void)state;
	memset(&c, 0, sizeof(c));
	mfa_signin_fold(&c, &after);
	mfa_signin_fold(&c, &none);
	mfa_signin_fold(&c, &before);
	assert_false(mfa_signin_still_prompted(&c));
	assert_true(mfa_signin_only_per_user(&c));
	assert_string_equal(c.last, "2026-12-01T10:00:00Z");

	memset(&c, 0, sizeof(c));
	mfa_signin_fold(&c, &before);
	mfa_signin_fold(&c, &none); /* single factor: does not settle it */
	assert_true(mfa_signin_still_prompted(&c));
	assert_false(mfa_signin_still_prompted(NULL));
}

static void test_map(void **state)
{
	struct mfa_signin_map *m = mfa_signin_map_new();
	struct mfa_signin_record r = { NULL, "2026-11-25T10:00:00Z", true, MFA_SIGNIN_BY_USER, false, "Browser" };
	const struct mfa_signin_counts *c;
	const char *id;
	char key[64];
	size_t mem_small, i;
	int k;

	(void)state;
	assert_non_null(m);
	assert_int_equal(mfa_signin_map_fold(m, &r), 1); /* no user id: not counted */
	r.user_id = "";
	assert_int_equal(mfa_signin_map_fold(m, &r), 1);
	assert_int_equal(mfa_signin_map_count(m), 0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "ID-%04zu", i);
		r.user_id = key;
		assert_int_equal(mfa_signin_map_fold(m, &r), 0);
	}
	mem_small = mfa_signin_map_memory(m);
	/* many sign-ins of the same users: the map does not grow */
	for (k = 0; k < 50; k++) {
		for (i = 0; i < 100; i++) {
			snprintf(key, sizeof(key), "id-%04zu", i); /* any case */
			r.user_id = key;
			assert_int_equal(mfa_signin_map_fold(m, &r), 0);
		}
	}
	assert_int_equal(mfa_signin_map_count(m), 100);
	assert_int_equal(mfa_signin_map_memory(m), mem_small);
	c = mfa_signin_map_find(m, "Id-0042");
	assert_non_null(c);
	assert_int_equal(c->total, 51);
	assert_null(mfa_signin_map_find(m, "id-9999"));
	c = mfa_signin_map_at(m, 7, &id);
	assert_string_equal(id, "ID-0007");
	assert_int_equal(c->mfa_per_user, 51);
	mfa_signin_map_free(m);
	mfa_signin_map_free(NULL);
}

static struct mfa_ca_model *covered_model(void)
{
	struct mfa_ca_model *m = mfa_ca_model_new();
	struct mfa_ca_policy p;
	struct mfa_err err = MFA_ERR_INIT;

	memset(&p, 0, sizeof(p));
	p.name = "all users";
	p.state = MFA_CA_POLICY_ENABLED;
	p.requires_mfa = true;
	p.targets_apps = true;
	p.include_all = true;
	assert_int_equal(mfa_ca_model_add_policy(m, &p, &err), 0);
	mfa_ca_model_mark_policies_read(m);
	return m;
}

static void test_classify_findings(void **state)
{
	static const struct mfa_signin_record only_user = { "u", "2026-11-25T10:00:00Z", true, MFA_SIGNIN_BY_USER, false, "Browser" };
	static const struct mfa_signin_record ca = { "u", "2026-11-30T10:00:00Z", true, MFA_SIGNIN_BY_CA, false, "Browser" };
	static const struct mfa_signin_record legacy = { "u", "2026-11-29T10:00:00Z", false, 0, true, "Authenticated SMTP" };
	struct mfa_classify_options o = MFA_CLASSIFY_OPTIONS_INIT;
	struct mfa_signin_counts c;
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_ca_model *m = covered_model();

	(void)state;
	mfa_user_init(&u);
	u.id = "u";
	u.upn = "u@x";
	u.state = MFA_STATE_ENFORCED;
	u.reg.registered = MFA_TRI_YES;

	/* not read: none of the sign-in findings */
	mfa_classify(&o, &u, &v);
	assert_int_equal(v.findings & SIGNIN_FINDINGS, 0);

	memset(&c, 0, sizeof(c));
	u.signins = &c;
	mfa_classify(&o, &u, &v);
	assert_int_equal(v.findings & SIGNIN_FINDINGS, 0);

	mfa_signin_fold(&c, &only_user);
	mfa_classify(&o, &u, &v);
	assert_int_equal(v.findings & SIGNIN_FINDINGS, F(MFA_ONLY_FROM_PER_USER) | F(STILL_PROMPTED_PER_USER));
	assert_int_equal(v.risk, MFA_SEV_HIGH);

	/* the policies say covered: the sign-ins disagree */
	o.ca = m;
	mfa_classify(&o, &u, &v);
	assert_int_equal(v.coverage.verdict, MFA_COVERAGE_COVERED);
	assert_int_equal(v.findings & SIGNIN_FINDINGS,
			 F(MFA_ONLY_FROM_PER_USER) | F(STILL_PROMPTED_PER_USER) | F(COVERAGE_DISAGREES));

	/* a newer sign-in got MFA from Conditional Access alone; a legacy one */
	mfa_signin_fold(&c, &ca);
	mfa_signin_fold(&c, &legacy);
	mfa_classify(&o, &u, &v);
	assert_int_equal(v.findings & SIGNIN_FINDINGS,
			 F(MFA_ONLY_FROM_PER_USER) | F(COVERAGE_DISAGREES) | F(LEGACY_CLIENT_SIGN_INS));

	assert_int_equal(mfa_finding_parse("still-prompted-by-per-user-mfa"), MFA_FINDING_STILL_PROMPTED_PER_USER);
	mfa_ca_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_and_client),
		cmocka_unit_test(test_fold_counts),
		cmocka_unit_test(test_still_prompted_is_the_newest),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_classify_findings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
