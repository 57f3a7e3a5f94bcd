/* test_regmap.c - the compact registration map (mfa/regmap.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mfa/model/regmap.h"

static struct mfa_registration reg_of(enum mfa_tri registered, uint32_t methods, const char *other,
				      const char *dflt)
{
	struct mfa_registration r;

	memset(&r, 0, sizeof(r));
	r.registered = registered;
	r.capable = registered;
	r.methods = methods;
	r.other_methods = other;
	r.default_method = dflt;
	return r;
}

static void test_put_find_get(void **state)
{
	struct mfa_regmap *m = mfa_regmap_new();
	struct mfa_registration r = reg_of(MFA_TRI_YES, 1u << MFA_METHOD_FIDO2, "quantumKey", "fido2SecurityKey");
	struct mfa_regmap_entry e;
	char id[64], upn[64], name[64];
	size_t idx = 99;

	(void)state;
	assert_non_null(m);
	snprintf(id, sizeof(id), "A1B2C3D4-0000-4000-8000-000000000001");
	snprintf(upn, sizeof(upn), "Adele.Vance@Contoso.Example");
	snprintf(name, sizeof(name), "Vance, Adele");
	assert_int_equal(mfa_regmap_put(m, id, upn, name, MFA_USER_TYPE_MEMBER, MFA_TRI_YES, &r, &idx), 0);
	assert_int_equal(idx, 0);
	/* the map copied the strings */
	memset(id, 'x', 10);
	memset(upn, 'x', 10);
	memset(name, 'x', 5);

	assert_int_equal(mfa_regmap_find_id(m, "a1b2c3d4-0000-4000-8000-000000000001"), 0);
	assert_int_equal(mfa_regmap_find_upn(m, "adele.vance@contoso.example"), 0);
	assert_int_equal(mfa_regmap_find_upn(m, "ADELE.VANCE@CONTOSO.EXAMPLE"), 0);
	assert_int_equal(mfa_regmap_find_upn(m, "adele.vance@contoso.exampl"), MFA_REGMAP_NONE);
	assert_int_equal(mfa_regmap_find_id(m, "adele.vance@contoso.example"), MFA_REGMAP_NONE);
	assert_int_equal(mfa_regmap_find_id(m, NULL), MFA_REGMAP_NONE);
	assert_int_equal(mfa_regmap_find_upn(m, ""), MFA_REGMAP_NONE);

	mfa_regmap_get(m, 0, &e);
	assert_string_equal(e.id, "A1B2C3D4-0000-4000-8000-000000000001");
	assert_string_equal(e.upn, "Adele.Vance@Contoso.Example");
	assert_string_equal(e.display_name, "Vance, Adele");
	assert_int_equal(e.user_type, MFA_USER_TYPE_MEMBER);
	assert_int_equal(e.is_admin, MFA_TRI_YES);
	assert_int_equal(e.reg.registered, MFA_TRI_YES);
	assert_int_equal(e.reg.capable, MFA_TRI_YES);
	assert_int_equal(e.reg.methods, 1u << MFA_METHOD_FIDO2);
	assert_string_equal(e.reg.other_methods, "quantumKey");
	assert_string_equal(e.reg.default_method, "fido2SecurityKey");
	assert_false(e.matched);
	assert_int_equal(mfa_regmap_count(m), 1);
	mfa_regmap_free(m);
}

static void test_keys(void **state)
{
	struct mfa_regmap *m = mfa_regmap_new();
	struct mfa_registration r = reg_of(MFA_TRI_NO, 0, NULL, NULL);
	struct mfa_regmap_entry e;
	size_t idx;

	(void)state;
	/* no key at all is refused */
	assert_int_equal(mfa_regmap_put(m, NULL, NULL, "x", MFA_USER_TYPE_MEMBER, MFA_TRI_NO, &r, NULL), -1);
	assert_int_equal(mfa_regmap_put(m, "", "", "x", MFA_USER_TYPE_MEMBER, MFA_TRI_NO, &r, NULL), -1);
	/* UPN only, id only */
	assert_int_equal(mfa_regmap_put(m, NULL, "upn.only@contoso.example", NULL, MFA_USER_TYPE_UNKNOWN,
					MFA_TRI_UNKNOWN, NULL, &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(mfa_regmap_put(m, "id-only", NULL, NULL, MFA_USER_TYPE_GUEST, MFA_TRI_NO, &r, &idx), 0);
	assert_int_equal(idx, 1);
	mfa_regmap_get(m, 0, &e);
	assert_null(e.id);
	assert_null(e.display_name);
	assert_int_equal(e.reg.registered, MFA_TRI_UNKNOWN);
	assert_null(e.reg.other_methods);
	mfa_regmap_get(m, 1, &e);
	assert_null(e.upn);
	assert_int_equal(mfa_regmap_find_id(m, "ID-ONLY"), 1);

	/* same id again: replaced, the later row wins, the number stays */
	r = reg_of(MFA_TRI_YES, 1u << MFA_METHOD_EMAIL, NULL, NULL);
	assert_int_equal(mfa_regmap_put(m, "id-only", "now@contoso.example", "Now", MFA_USER_TYPE_GUEST,
					MFA_TRI_NO, &r, &idx), 1);
	assert_int_equal(idx, 1);
	assert_int_equal(mfa_regmap_count(m), 2);
	mfa_regmap_get(m, 1, &e);
	assert_int_equal(e.reg.registered, MFA_TRI_YES);
	assert_string_equal(e.upn, "now@contoso.example");
	assert_int_equal(mfa_regmap_find_upn(m, "NOW@contoso.example"), 1);

	/* same UPN without an id: replaced */
	assert_int_equal(mfa_regmap_put(m, NULL, "UPN.ONLY@contoso.example", "Again", MFA_USER_TYPE_MEMBER,
					MFA_TRI_YES, NULL, &idx), 1);
	assert_int_equal(idx, 0);
	mfa_regmap_get(m, 0, &e);
	assert_string_equal(e.display_name, "Again");
	mfa_regmap_free(m);
}

static void test_unmatched_iteration(void **state)
{
	struct mfa_regmap *m = mfa_regmap_new();
	char id[32];
	size_t i, n = 0, seen[10];

	(void)state;
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "id-%zu", i);
		assert_int_equal(mfa_regmap_put(m, id, NULL, NULL, MFA_USER_TYPE_MEMBER, MFA_TRI_NO, NULL, NULL), 0);
	}
	mfa_regmap_mark(m, mfa_regmap_find_id(m, "id-0"));
	mfa_regmap_mark(m, mfa_regmap_find_id(m, "id-4"));
	mfa_regmap_mark(m, mfa_regmap_find_id(m, "id-9"));
	mfa_regmap_mark(m, 12345); /* out of range: ignored */
	for (i = mfa_regmap_next_unmatched(m, 0); i != MFA_REGMAP_NONE; i = mfa_regmap_next_unmatched(m, i + 1))
		seen[n++] = i;
	assert_int_equal(n, 7);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[3], 5);
	assert_int_equal(seen[6], 8);
	{
		struct mfa_regmap_entry e;

		mfa_regmap_get(m, 4, &e);
		assert_true(e.matched);
	}
	assert_int_equal(mfa_regmap_next_unmatched(NULL, 0), MFA_REGMAP_NONE);
	assert_int_equal(mfa_regmap_count(NULL), 0);
	mfa_regmap_free(m);
	mfa_regmap_free(NULL);
}

/* Enough entries to grow every table many times; every key must still be
 * found, and the map must stay compact. */
static void test_many(void **state)
{
	enum { N = 200000 };
	struct mfa_regmap *m = mfa_regmap_new();
	struct mfa_registration r = reg_of(MFA_TRI_YES, 1u << MFA_METHOD_MOBILE_PHONE, NULL, "mobilePhone");
	char id[48], upn[64];
	size_t i, mem;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "%08zx-1111-4222-8333-%012zx", i, i * 7919);
		snprintf(upn, sizeof(upn), "user%zu@contoso.example", i);
		r.registered = (i % 3) ? MFA_TRI_YES : MFA_TRI_NO;
		assert_int_equal(mfa_regmap_put(m, id, upn, NULL, MFA_USER_TYPE_MEMBER, MFA_TRI_NO, &r, NULL), 0);
	}
	assert_int_equal(mfa_regmap_count(m), N);
	for (i = 0; i < N; i += 7) {
		struct mfa_regmap_entry e;
		size_t a, b;

		snprintf(id, sizeof(id), "%08zX-1111-4222-8333-%012zX", i, i * 7919);
		snprintf(upn, sizeof(upn), "USER%zu@contoso.example", i);
		a = mfa_regmap_find_id(m, id);
		b = mfa_regmap_find_upn(m, upn);
		assert_int_equal(a, i);
		assert_int_equal(b, i);
		mfa_regmap_get(m, a, &e);
		assert_int_equal(e.reg.registered, (i % 3) ? MFA_TRI_YES : MFA_TRI_NO);
	}
	assert_int_equal(mfa_regmap_find_upn(m, "user200000@contoso.example"), MFA_REGMAP_NONE);
	/* strings are ~70 bytes a user here; the rest must be a few dozen */
	mem = mfa_regmap_memory(m);
	assert_true(mem / N < 70 + 2 * 48 + 64);
	mfa_regmap_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_find_get),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_unmatched_iteration),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("regmap", tests, NULL, NULL);
}
