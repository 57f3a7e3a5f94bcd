/* test_outfile.c - util/outfile: links planted at the temporary and the
 * final name are never followed (the target keeps its bytes, the final
 * name ends a regular 0600 file), a folder given as a link is refused, and
 * an abandoned file leaves nothing. */
#include <dirent.h>
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

#include "testutil.h"

#include "mfa/util/outfile.h"

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_text(const char *path, const char *want)
{
	char buf[64] = { 0 };
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	(void)!fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	assert_string_equal(buf, want);
}

static void test_links_not_followed(void **state)
{
	struct mfa_outfile o = MFA_OUTFILE_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir(), *other = tu_make_dir();
	char target[600], tmp[600], final[600];
	struct stat st;

	(void)state;
	snprintf(target, sizeof(target), "%s/target", other);
	snprintf(tmp, sizeof(tmp), "%s/users.csv.tmp", dir);
	snprintf(final, sizeof(final), "%s/users.csv", dir);
	write_text(target, "untouched");
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(symlink(target, final), 0);
	assert_int_equal(mfa_outfile_open(&o, dir, "users.csv", &err), 0);
	fputs("report", o.f);
	assert_int_equal(mfa_outfile_commit(&o, &err), 0);
	mfa_outfile_release(&o);
	assert_text(target, "untouched");
	assert_int_equal(lstat(final, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_text(final, "report");
	assert_int_equal(tu_dir_entries(dir), 1);
	tu_remove_dir(dir);
	tu_remove_dir(other);
}

static void test_folder_link_refused(void **state)
{
	struct mfa_outfile o = MFA_OUTFILE_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir(), *other = tu_make_dir();
	char link[600];

	(void)state;
	snprintf(link, sizeof(link), "%s/out", dir);
	assert_int_equal(symlink(other, link), 0);
	assert_true(mfa_outfile_open(&o, link, "users.csv", &err) < 0);
	assert_non_null(strstr(err.msg, link));
	assert_int_equal(tu_dir_entries(other), 0);
	mfa_outfile_release(&o);
	tu_remove_dir(dir);
	tu_remove_dir(other);
}

static void test_abandon_leaves_nothing(void **state)
{
	struct mfa_outfile o = MFA_OUTFILE_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir();

	(void)state;
	assert_int_equal(mfa_outfile_open(&o, dir, "plan.csv", &err), 0);
	fputs("half", o.f);
	assert_int_equal(tu_dir_entries(dir), 1);
	mfa_outfile_release(&o);
	assert_int_equal(tu_dir_entries(dir), 0);
	mfa_outfile_release(&o);
	tu_remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links_not_followed),
		cmocka_unit_test(test_folder_link_refused),
		cmocka_unit_test(test_abandon_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
