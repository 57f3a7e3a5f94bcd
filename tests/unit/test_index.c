/* test_index.c - the one id/UPN hash (mfa/util/index.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mfa/util/index.h"

/* Items are the caller's: here an array of keys. */
struct keys {
	const char *k[16];
};

static const char *key_at(const void *ctx, size_t i)
{
	return ((const struct keys *)ctx)->k[i];
}

static void test_insert_lookup_any_case(void **state)
{
	static const struct {
		const char *key;
		size_t want;
	} cases[] = {
		{ "a1b2c3d4-0000-4000-8000-000000000001", 0 },
		{ "A1B2C3D4-0000-4000-8000-000000000001", 0 },
		{ "Adele.Vance@Contoso.Example", 1 },
		{ "adele.vance@contoso.example", 1 },
		{ "ADELE.VANCE@CONTOSO.EXAMPLE", 1 },
		{ "adele.vance@contoso.exampl", MFA_INDEX_NONE },
		{ "adele.vance@contoso.examplex", MFA_INDEX_NONE },
		{ "b\xC3\xA9la@contoso.example", 2 },
		{ "B\xC3\xA9LA@CONTOSO.EXAMPLE", 2 },
		{ "b\xC3\x89la@contoso.example", MFA_INDEX_NONE }, /* non-ASCII is exact */
		{ "", MFA_INDEX_NONE },
		{ NULL, MFA_INDEX_NONE },
	};
	struct keys ks = { { "a1b2c3d4-0000-4000-8000-000000000001", "Adele.Vance@Contoso.Example",
			     "b\xC3\xA9la@contoso.example" } };
	struct mfa_index ix;
	size_t i;

	(void)state;
	mfa_index_init(&ix, key_at, &ks);
	assert_int_equal(mfa_index_find(&ix, "x"), MFA_INDEX_NONE); /* never set */
	for (i = 0; i < 3; i++)
		assert_int_equal(mfa_index_set(&ix, ks.k[i], i), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t got = mfa_index_find(&ix, cases[i].key);

		if (got != cases[i].want)
			fail_msg("case %zu (%s): got %zu, want %zu", i, cases[i].key ? cases[i].key : "(null)",
				 got, cases[i].want);
	}
	assert_int_equal(ix.used, 3);
	mfa_index_release(&ix);
	mfa_index_release(&ix); /* twice is fine */
	assert_int_equal(mfa_index_find(&ix, ks.k[0]), MFA_INDEX_NONE);
}

static void test_duplicates_and_null(void **state)
{
	struct keys ks = { { "one@x", "ONE@X", NULL, "two@x" } };
	struct mfa_index ix;

	(void)state;
	mfa_index_init(&ix, key_at, &ks);
	assert_int_equal(mfa_index_set(&ix, "one@x", 0), 0);
	/* the later set of the same key (any case) wins, in the same slot */
	assert_int_equal(mfa_index_set(&ix, "ONE@X", 1), 0);
	assert_int_equal(ix.used, 1);
	assert_int_equal(mfa_index_find(&ix, "One@X"), 1);
	/* NULL and "" are never keys */
	assert_int_equal(mfa_index_set(&ix, NULL, 2), -1);
	assert_int_equal(mfa_index_set(&ix, "", 2), -1);
	assert_int_equal(mfa_index_set(&ix, "x", UINT32_MAX), -1);
	/* an item whose key went away (NULL) matches nothing */
	assert_int_equal(mfa_index_set(&ix, "two@x", 3), 0);
	ks.k[3] = NULL;
	assert_int_equal(mfa_index_find(&ix, "two@x"), MFA_INDEX_NONE);
	mfa_index_clear(&ix);
	assert_int_equal(ix.used, 0);
	assert_int_equal(mfa_index_find(&ix, "one@x"), MFA_INDEX_NONE);
	mfa_index_release(&ix);
}

/* ---- growth, through the interning table ---- */

static void test_growth(void **state)
{
	enum { N = 100000 };
	struct mfa_strtab t;
	char key[64];
	size_t i, idx, mem;
	bool added;

	(void)state;
	mfa_strtab_init(&t);
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "%08zX-1111-4222-8333-%012zX", i, i * 7919);
		assert_int_equal(mfa_strtab_intern(&t, key, &idx, &added), 0);
		assert_int_equal(idx, i);
		assert_true(added);
	}
	assert_int_equal(mfa_strtab_count(&t), N);
	/* every key still found, in any case, after many rehashes */
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "%08zx-1111-4222-8333-%012zx", i, i * 7919);
		assert_int_equal(mfa_strtab_find(&t, key), i);
		assert_int_equal(mfa_strtab_intern(&t, key, &idx, &added), 0);
		assert_int_equal(idx, i);
		assert_false(added);
	}
	assert_int_equal(mfa_strtab_count(&t), N);
	assert_true(t.ix.used * 2 <= t.ix.cap);
	/* 37 bytes of text, 4 of offset, 16 to 32 of index a key */
	mem = mfa_strtab_memory(&t);
	if (mem / N > 2 * 37 + 8 + 32)
		fail_msg("%zu bytes a key", mem / N);
	/* the first spelling is kept */
	snprintf(key, sizeof(key), "%08zX-1111-4222-8333-%012zX", (size_t)5, (size_t)5 * 7919);
	assert_string_equal(mfa_strtab_get(&t, 5), key);
	mfa_strtab_release(&t);
	assert_int_equal(mfa_strtab_count(&t), 0);
	assert_int_equal(mfa_strtab_find(&t, key), MFA_INDEX_NONE);
}

static void test_strtab_null_and_reserve(void **state)
{
	struct mfa_strtab t;
	struct keys ks = { { "a" } };
	struct mfa_index ix;
	size_t idx = 7;

	(void)state;
	mfa_strtab_init(&t);
	assert_int_equal(mfa_strtab_intern(&t, NULL, &idx, NULL), -1);
	assert_int_equal(mfa_strtab_intern(&t, "", &idx, NULL), -1);
	assert_int_equal(mfa_strtab_find(&t, NULL), MFA_INDEX_NONE);
	assert_int_equal(mfa_strtab_find(NULL, "a"), MFA_INDEX_NONE);
	assert_int_equal(mfa_strtab_count(NULL), 0);
	assert_int_equal(mfa_strtab_memory(NULL), 0);
	mfa_strtab_release(&t);

	/* reserve sizes once: no rehash while filling */
	mfa_index_init(&ix, key_at, &ks);
	assert_int_equal(mfa_index_reserve(&ix, 1000), 0);
	assert_int_equal(ix.cap, 2048);
	assert_int_equal(mfa_index_set(&ix, "a", 0), 0);
	assert_int_equal(ix.cap, 2048);
	assert_int_equal(mfa_index_memory(&ix), 2048 * sizeof(struct mfa_index_slot));
	mfa_index_release(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_lookup_any_case),
		cmocka_unit_test(test_duplicates_and_null),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_strtab_null_and_reserve),
	};

	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
