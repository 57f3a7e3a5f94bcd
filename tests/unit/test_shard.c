/* test_shard.c - a tenant's shard (mfa/model/shard.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mfa/model/shard.h"

static void test_hash_is_fnv1a64_lowercased(void **state)
{
	(void)state;
	/* FNV-1a 64's published vectors */
	assert_true(mfa_shard_hash("") == 0xcbf29ce484222325ULL);
	assert_true(mfa_shard_hash("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(mfa_shard_hash("foobar") == 0x85944171f73967e8ULL);
	/* case does not move a tenant */
	assert_true(mfa_shard_hash("FooBar") == mfa_shard_hash("foobar"));
	assert_true(mfa_shard_hash("Contoso.OnMicrosoft.com") == mfa_shard_hash("contoso.onmicrosoft.com"));
	assert_int_equal(mfa_shard_of("anything", 1), 0);
}

static void test_shards_cover_once(void **state)
{
	static const unsigned ns[] = { 1, 2, 3, 4, 7, 16 };
	char id[64];
	size_t k;
	unsigned t;

	(void)state;
	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		unsigned per[16] = { 0 };

		for (t = 0; t < 1000; t++) {
			unsigned s;

			snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012u", t);
			s = mfa_shard_of(id, ns[k]);
			assert_true(s < ns[k]);
			per[s]++;
		}
		/* spread: no shard empty, none far above its share */
		for (t = 0; t < ns[k]; t++) {
			assert_true(per[t] > 0);
			assert_true(per[t] < 2 * 1000 / ns[k] + 10);
		}
	}
}

/* Names that differ only above each byte's low two bits: plain FNV mod 4
 * would put every one of them in the same shard. */
static void test_power_of_two_sees_every_bit(void **state)
{
	static const char *const ids[] = { "contoso-a", "contoso-e", "contoso-i", "contoso-m",
					   "contoso-q", "contoso-u", "contoso-y" };
	unsigned first = mfa_shard_of(ids[0], 4);
	bool differ = false;
	size_t i;

	(void)state;
	for (i = 1; i < sizeof(ids) / sizeof(ids[0]); i++)
		differ = differ || mfa_shard_of(ids[i], 4) != first;
	assert_true(differ);
}

static void test_parse(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	unsigned i = 9, n = 9;

	(void)state;
	assert_int_equal(mfa_shard_parse("0/4", &i, &n, &err), 0);
	assert_int_equal(i, 0);
	assert_int_equal(n, 4);
	assert_int_equal(mfa_shard_parse("3/4", &i, &n, &err), 0);
	assert_int_equal(i, 3);
	assert_int_equal(mfa_shard_parse("4/4", &i, &n, &err), -1);
	assert_non_null(strstr(err.msg, "numbered 0 to 3"));
	assert_int_equal(mfa_shard_parse("0/0", &i, &n, &err), -1);
	assert_int_equal(mfa_shard_parse("1", &i, &n, &err), -1);
	assert_non_null(strstr(err.msg, "is not I/N"));
	assert_int_equal(mfa_shard_parse("-1/4", &i, &n, &err), -1);
	assert_int_equal(mfa_shard_parse(" 1/4", &i, &n, &err), -1);
	assert_int_equal(mfa_shard_parse("1/4x", &i, &n, &err), -1);
	assert_int_equal(mfa_shard_parse("1/", &i, &n, &err), -1);
	assert_int_equal(mfa_shard_parse("/4", &i, &n, &err), -1);
	assert_int_equal(mfa_shard_parse("1/9999999999", &i, &n, &err), -1);
	assert_int_equal(mfa_shard_number("12", "JOB_COMPLETION_INDEX", 0, 99, &i, &err), 0);
	assert_int_equal(i, 12);
	assert_int_equal(mfa_shard_number("12", "JOB_COMPLETION_INDEX", 0, 11, &i, &err), -1);
	assert_non_null(strstr(err.msg, "JOB_COMPLETION_INDEX: '12'"));
	assert_int_equal(mfa_shard_number("", "x", 0, 11, &i, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_is_fnv1a64_lowercased),
		cmocka_unit_test(test_power_of_two_sees_every_bit),
		cmocka_unit_test(test_shards_cover_once),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
