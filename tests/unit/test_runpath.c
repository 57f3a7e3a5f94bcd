/* test_runpath.c - run folder names (util/runpath.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/runpath.h"

static void test_safe_name_refuses(void **state)
{
	static const char *const bad[] = { "..", ".", "", "a/b", "/", "../x", "x/..", "tab\there",
					   "new\nline", "del\x7f" };
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mfa_err err = MFA_ERR_INIT;

		memset(out, 'x', sizeof(out));
		assert_int_equal(mfa_runpath_safe_name(out, sizeof(out), bad[i], &err), -1);
		assert_true(err.msg[0] != '\0');
		assert_string_equal(out, "");
	}
}

static void test_safe_name_maps(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "contoso.onmicrosoft.com", "contoso.onmicrosoft.com" },
		{ "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000001" },
		{ "Contoso Ltd", "Contoso_Ltd" },
		{ "a:b*c", "a_b_c" },
		{ "...", "..." },
		{ ".hidden", ".hidden" },
		{ "under_score", "under_score" },
		{ "caf\xc3\xa9", "caf__" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_err err = MFA_ERR_INIT;

		assert_int_equal(mfa_runpath_safe_name(out, sizeof(out), cases[i].in, &err), 0);
		assert_string_equal(out, cases[i].out);
	}
}

static void test_safe_name_too_long(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	char out[8];

	(void)state;
	assert_int_equal(mfa_runpath_safe_name(out, sizeof(out), "1234567", &err), 0);
	assert_int_equal(mfa_runpath_safe_name(out, sizeof(out), "12345678", &err), -1);
}

static void test_stamped(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	char dir[] = "/tmp/test_runpath.XXXXXX";
	char a[256], b[256], c[256];
	time_t t = 1795854900; /* 2026-11-28T08:35:00Z */

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mfa_runpath_stamped(a, sizeof(a), dir, "-plan", t, MFA_RUNPATH_CREATE, &err), 0);
	assert_non_null(strstr(a, "/20261128T083500Z-plan"));
	assert_int_equal(mfa_runpath_stamped(b, sizeof(b), dir, "-plan", t, MFA_RUNPATH_CREATE, &err), 0);
	assert_non_null(strstr(b, "/20261128T083500Z-plan-2"));
	/* without CREATE: the first free name, not made */
	assert_int_equal(mfa_runpath_stamped(c, sizeof(c), dir, "-plan", t, 0, &err), 0);
	assert_non_null(strstr(c, "/20261128T083500Z-plan-3"));
	assert_int_equal(access(c, F_OK), -1);
	assert_int_equal(mfa_runpath_stamped(c, sizeof(c), dir, "", t, 0, &err), 0);
	assert_true(mfa_runpath_is_stamped(strrchr(c, '/') + 1));
	/* too small */
	assert_int_equal(mfa_runpath_stamped(c, 10, dir, "", t, 0, &err), -1);
	rmdir(a);
	rmdir(b);
	rmdir(dir);
}

static void test_is_stamped(void **state)
{
	(void)state;
	assert_true(mfa_runpath_is_stamped("20261128T081500Z"));
	assert_true(mfa_runpath_is_stamped("20261128T081500Z-2"));
	assert_true(mfa_runpath_is_stamped("20261128T081500Z-plan")); /* any -suffix */
	assert_false(mfa_runpath_is_stamped("20261128T081500"));
	assert_false(mfa_runpath_is_stamped("2026112xT081500Z"));
	assert_false(mfa_runpath_is_stamped("notes"));
	assert_false(mfa_runpath_is_stamped(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_name_refuses),
		cmocka_unit_test(test_safe_name_maps),
		cmocka_unit_test(test_safe_name_too_long),
		cmocka_unit_test(test_stamped),
		cmocka_unit_test(test_is_stamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
