/* test_idlist.c - --exclude / --only list files (sources/idlist.h) and the
 * set they fill (mfa/model/idset.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sources/idlist.h"

static void write_bytes(char path[64], const void *data, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, 64, "/tmp/mfa-idlist-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_list_file(void **state)
{
	static const char text[] =
		"\xEF\xBB\xBF# break-glass accounts\n"
		"BreakGlass1@Contoso.Example\n"
		"  \"breakglass2@contoso.example\" ,Break Glass 2\r\n"
		"\n"
		"00000000-0000-4000-8000-00000000000A;x\n"
		"breakglass1@contoso.example\n"
		"#not@contoso.example\n";
	static const struct {
		const char *id;
		bool in;
	} cases[] = {
		{ "breakglass1@contoso.example", true },
		{ "BREAKGLASS1@CONTOSO.EXAMPLE", true },
		{ "  breakglass2@contoso.example ", true },
		{ "00000000-0000-4000-8000-00000000000a", true },
		{ "not@contoso.example", false },
		{ "#not@contoso.example", false },
		{ "Break Glass 2", false },
		{ "", false },
		{ NULL, false },
	};
	struct mfa_idset *set = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char path[64];
	size_t i;

	(void)state;
	write_bytes(path, text, sizeof(text) - 1);
	if (mfa_idset_load(&set, path, &err) < 0)
		fail_msg("%s", err.msg);
	unlink(path);
	assert_int_equal(mfa_idset_count(set), 3);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (mfa_idset_contains(set, cases[i].id) != cases[i].in)
			fail_msg("'%s': want %s", cases[i].id ? cases[i].id : "(null)",
				 cases[i].in ? "in" : "out");
	}
	mfa_idset_free(set);
	assert_false(mfa_idset_contains(NULL, "x"));
	assert_int_equal(mfa_idset_count(NULL), 0);
	mfa_idset_free(NULL);
}

/* A trailing comment is not part of the name; '#' inside a name is kept;
 * entries never noted are listed as unseen. */
static void test_trailing_comment_and_unseen(void **state)
{
	static const char text[] =
		"admin@contoso.example # break-glass\n"
		"ops@contoso.example\t#second\n"
		"bob_fabrikam.com#EXT#@contoso.onmicrosoft.com\n"
		"gone@contoso.example  # left last year\n";
	struct mfa_idset *set = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	const char *id = NULL;
	char path[64];
	size_t i;

	(void)state;
	write_bytes(path, text, sizeof(text) - 1);
	if (mfa_idset_load(&set, path, &err) < 0)
		fail_msg("%s", err.msg);
	unlink(path);
	assert_int_equal(mfa_idset_count(set), 4);
	assert_true(mfa_idset_contains(set, "admin@contoso.example"));
	assert_true(mfa_idset_contains(set, "ops@contoso.example"));
	assert_true(mfa_idset_contains(set, "BOB_fabrikam.com#EXT#@contoso.onmicrosoft.com"));
	assert_false(mfa_idset_contains(set, "admin@contoso.example # break-glass"));
	assert_int_equal(mfa_idset_note(set, "ADMIN@contoso.example"), 0);
	assert_int_equal(mfa_idset_note(set, "ops@contoso.example"), 0);
	assert_int_equal(mfa_idset_note(set, "nobody@contoso.example"), 0);
	assert_int_equal(mfa_idset_note(set, "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"), 0);
	i = mfa_idset_next_unseen(set, 0, &id);
	assert_int_equal(i, 3);
	assert_string_equal(id, "gone@contoso.example");
	assert_int_equal(mfa_idset_next_unseen(set, i + 1, &id), (size_t)-1);
	mfa_idset_free(set);
}

static void test_refused(void **state)
{
	struct mfa_idset *set = (struct mfa_idset *)&set;
	struct mfa_err err = MFA_ERR_INIT;
	char path[64], want[128];

	(void)state;
	write_bytes(path, "a@x\nb\0@x\n", 9);
	assert_int_equal(mfa_idset_load(&set, path, &err), -1);
	assert_null(set);
	snprintf(want, sizeof(want), "%s:2: not a text list of user names or ids", path);
	assert_string_equal(err.msg, want);
	unlink(path);
	assert_int_equal(mfa_idset_load(&set, "/nonexistent/mfa-list.txt", &err), -1);
	assert_null(set);
	assert_non_null(strstr(err.msg, "cannot open '/nonexistent/mfa-list.txt'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_file),
		cmocka_unit_test(test_trailing_comment_and_unseen),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests_name("idlist", tests, NULL, NULL);
}
