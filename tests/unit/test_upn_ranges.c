/* test_upn_ranges.c - the users list cut into userPrincipalName ranges
 * (sources/upn_ranges.h): how many, the boundaries from a sample, the
 * cover (every string in some range, whatever the order), the filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sources/upn_ranges.h"

static void test_partition_count(void **state)
{
	(void)state;
	assert_int_equal(mfa_upn_partitions(0), 0);
	assert_int_equal(mfa_upn_partitions(1000), 2);
	assert_int_equal(mfa_upn_partitions(1600), 2);
	assert_int_equal(mfa_upn_partitions(1601), 3);
	assert_int_equal(mfa_upn_partitions(16000), 20);
	assert_int_equal(mfa_upn_partitions(10000000), MFA_UPN_MAX_PARTITIONS);
}

static void test_order(void **state)
{
	(void)state;
	assert_true(mfa_upn_cmp("Bob@x", "bob@x") == 0);
	assert_true(mfa_upn_cmp("alice", "Bob") < 0);
	assert_true(mfa_upn_cmp("b", "b.") < 0);
	assert_true(mfa_upn_cmp("z", "\xc3\xa9lodie") < 0); /* non-ASCII after ASCII */
	assert_true(mfa_upn_cmp("\xc3\x89mile", "\xc3\xa9lodie") < 0); /* not folded */
}

/* s is in range i of bounds b[0..k) under cmp: P0 le b0, Pi ge b(i-1) and le bi, Pk ge b(k-1). */
static int in_range(int (*cmp)(const char *, const char *), const char *s, const char **b, size_t k, size_t i)
{
	if (i > 0 && cmp(s, b[i - 1]) < 0)
		return 0;
	if (i < k && cmp(s, b[i]) > 0)
		return 0;
	return 1;
}

static int cmp_plain(const char *a, const char *b)
{
	return strcmp(a, b);
}

static int cmp_reversed(const char *a, const char *b)
{
	return strcmp(b, a);
}

static void test_bounds_from_sample(void **state)
{
	enum { N = 999 };
	static char names[N][32];
	const char *upns[N + 2], *b[MFA_UPN_MAX_PARTITIONS], *probe[] = { "", "a", "Zz", "\xc3\xa9", "m", "~" };
	size_t i, j, k, p;
	int (*orders[])(const char *, const char *) = { mfa_upn_cmp, cmp_plain, cmp_reversed };

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "%c%s%03zu@x", (int)("abcXYZ_q"[i % 8]), i % 5 ? "" : "'",
			 (i * 7919) % 1000);
		upns[i] = names[i];
	}
	upns[N] = NULL; /* no UPN: skipped */
	upns[N + 1] = "";
	k = mfa_upn_bounds(upns, N + 2, 20, b);
	assert_int_equal(k, 19);
	for (i = 0; i < k; i++) {
		int found = 0;
		if (i)
			assert_true(mfa_upn_cmp(b[i - 1], b[i]) < 0);
		for (j = 0; j < N; j++)
			found |= b[i] == names[j];
		assert_true(found); /* a sampled UPN: its user sits on the boundary */
	}
	/* every sampled name and every probe is in some range, in any order */
	for (p = 0; p < sizeof(orders) / sizeof(orders[0]); p++) {
		for (j = 0; j < N + sizeof(probe) / sizeof(probe[0]); j++) {
			const char *s = j < N ? names[j] : probe[j - N];
			int covered = 0;
			for (i = 0; i <= k; i++)
				covered |= in_range(orders[p], s, b, k, i);
			assert_true(covered);
		}
	}
	/* roughly even under our order: no range holds more than 2 x N / 20 */
	for (i = 0; i <= k; i++) {
		size_t n = 0;
		for (j = 0; j < N; j++)
			n += (size_t)in_range(mfa_upn_cmp, names[j], b, k, i);
		assert_true(n <= 2 * N / 20);
	}
}

static void test_bounds_degenerate(void **state)
{
	const char *same[] = { "a@x", "A@X", "a@x" }, *one[] = { "a@x", NULL }, *b[4];
	const char *two[] = { "b@x", "a@x", "B@x", "a@x" };

	(void)state;
	assert_int_equal(mfa_upn_bounds(same, 3, 4, b), 1); /* one boundary: two ranges still cover */
	assert_int_equal(mfa_upn_bounds(one, 2, 4, b), 0);
	assert_int_equal(mfa_upn_bounds(two, 4, 1, b), 0);
	assert_int_equal(mfa_upn_bounds(two, 4, 4, b), 2);
	assert_true(mfa_upn_cmp(b[0], b[1]) < 0);
	assert_int_equal(mfa_upn_alphabet(b, 4), 4);
	assert_string_equal(b[0], "b");
}

static void test_filter(void **state)
{
	char *f;

	(void)state;
	f = mfa_upn_range_filter(NULL, "o'neil@x");
	assert_string_equal(f, "userPrincipalName%20le%20%27o%27%27neil%40x%27");
	free(f);
	f = mfa_upn_range_filter("a+b#c", NULL);
	assert_string_equal(f, "userPrincipalName%20ge%20%27a%2Bb%23c%27");
	free(f);
	f = mfa_upn_range_filter("b", "\xc3\xa9");
	assert_string_equal(f, "userPrincipalName%20ge%20%27b%27%20and%20userPrincipalName%20le%20%27%C3%A9%27");
	free(f);
	assert_null(mfa_upn_range_filter(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partition_count),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_bounds_from_sample),
		cmocka_unit_test(test_bounds_degenerate),
		cmocka_unit_test(test_filter),
	};

	return cmocka_run_group_tests_name("upn_ranges", tests, NULL, NULL);
}
