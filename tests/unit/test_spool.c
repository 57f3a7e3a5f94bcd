/* test_spool.c - util/spool: records come back as they went in (absent
 * and empty fields apart, NUL bytes kept), in order, once; the file is
 * never visible in its folder; misuse and a damaged file are errors. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "util/spool.h"

static void test_round_trip(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_spool *sp = NULL;
	const struct mfa_spool_field *f;
	struct mfa_spool_field bin[2] = { { "a\0b", 3 }, { NULL, 0 } };
	char *dir = tu_make_dir();
	char *big = malloc(200000);
	size_t n;
	unsigned long i;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 199999);
	big[199999] = '\0';
	assert_int_equal(mfa_spool_new(&sp, dir, &err), 0);
	/* Unlinked from the start. */
	assert_int_equal(tu_dir_entries(dir), 0);
	for (i = 0; i < 10000; i++) {
		char num[24];
		const char *strs[4] = { num, NULL, "", i == 5000 ? big : "tail" };

		snprintf(num, sizeof(num), "%lu", i);
		assert_int_equal(mfa_spool_append_strs(sp, strs, 4, &err), 0);
	}
	assert_int_equal(mfa_spool_append(sp, bin, 2, &err), 0);
	assert_int_equal(mfa_spool_append(sp, NULL, 0, &err), 0);
	assert_int_equal(mfa_spool_count(sp), 10002);
	assert_int_equal(mfa_spool_rewind(sp, &err), 0);
	/* Appending after the rewind, and a second rewind, are refused. */
	assert_true(mfa_spool_append(sp, bin, 1, &err) < 0);
	assert_true(mfa_spool_rewind(sp, &err) < 0);

	for (i = 0; i < 10000; i++) {
		char num[24];

		snprintf(num, sizeof(num), "%lu", i);
		assert_int_equal(mfa_spool_next(sp, &f, &n, &err), 1);
		assert_int_equal(n, 4);
		assert_string_equal(f[0].data, num);
		assert_int_equal(f[0].len, strlen(num));
		assert_null(f[1].data);
		assert_int_equal(f[1].len, 0);
		assert_non_null(f[2].data);
		assert_string_equal(f[2].data, "");
		assert_string_equal(f[3].data, i == 5000 ? big : "tail");
	}
	assert_int_equal(mfa_spool_next(sp, &f, &n, &err), 1);
	assert_int_equal(n, 2);
	assert_int_equal(f[0].len, 3);
	assert_memory_equal(f[0].data, "a\0b", 4);
	assert_null(f[1].data);
	assert_int_equal(mfa_spool_next(sp, &f, &n, &err), 1);
	assert_int_equal(n, 0);
	assert_int_equal(mfa_spool_next(sp, &f, &n, &err), 0);
	assert_int_equal(mfa_spool_next(sp, &f, &n, &err), 0);
	mfa_spool_free(sp);
	assert_int_equal(tu_dir_entries(dir), 0);
	rmdir(dir);
	free(dir);
	free(big);
}

static void test_misuse(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_spool *sp = (struct mfa_spool *)&err;
	const struct mfa_spool_field *f;
	size_t n;

	(void)state;
	assert_true(mfa_spool_new(&sp, "/nonexistent/folder", &err) < 0);
	assert_null(sp);
	assert_non_null(strstr(err.msg, "/nonexistent/folder"));

	/* The system's temporary folder. */
	assert_int_equal(mfa_spool_new(&sp, NULL, &err), 0);
	assert_true(mfa_spool_next(sp, &f, &n, &err) < 0); /* not rewound */
	assert_int_equal(mfa_spool_rewind(sp, &err), 0);
	assert_int_equal(mfa_spool_next(sp, &f, &n, &err), 0); /* empty */
	mfa_spool_free(sp);
	mfa_spool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
