/* test_secretfile.c - secrets read from files and descriptors
 * (mfa/util/secretfile.h): one line, its newline dropped, refused when
 * empty, on several lines, not a regular file or too long; the mode
 * reported; a missing file allowed only when asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa/util/secretfile.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *put(const char *dir, const char *name, const char *text, size_t len, mode_t mode)
{
	char *path = malloc(4096);
	int fd;

	assert_non_null(path);
	snprintf(path, 4096, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_one_line(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "s3cret\n", "s3cret" },
		{ "s3cret", "s3cret" },
		{ "s3cret\r\n", "s3cret" },
		{ "with spaces  inside \n", "with spaces  inside " },
	};
	char *dir = tu_make_dir(), name[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_err err = MFA_ERR_INIT;
		char *path, *s = NULL;
		bool open_to_others = true;

		snprintf(name, sizeof(name), "s%zu", i);
		path = put(dir, name, cases[i].text, strlen(cases[i].text), 0600);
		assert_int_equal(mfa_secret_read_file(path, false, &s, &open_to_others, &err), 0);
		assert_string_equal(s, cases[i].want);
		assert_false(open_to_others);
		mfa_secret_free(s);
		free(path);
	}
	tu_remove_dir(dir);
}

static void test_refused(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *needle;
	} cases[] = {
		{ "", 0, "is empty" },
		{ "\n", 1, "is empty" },
		{ "one\ntwo\n", 8, "has more than one line" },
		{ "a\0b\n", 4, "has more than one line" },
	};
	char *dir = tu_make_dir(), name[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_err err = MFA_ERR_INIT;
		char *path, *s = (char *)"untouched";
		bool others;

		snprintf(name, sizeof(name), "r%zu", i);
		path = put(dir, name, cases[i].text, cases[i].len, 0600);
		assert_int_equal(mfa_secret_read_file(path, false, &s, &others, &err), -1);
		assert_null(s);
		assert_non_null(strstr(err.msg, path));
		assert_non_null(strstr(err.msg, cases[i].needle));
		free(path);
	}
	{
		struct mfa_err err = MFA_ERR_INIT;
		char *s = NULL;
		bool others;

		assert_int_equal(mfa_secret_read_file(dir, false, &s, &others, &err), -1);
		assert_non_null(strstr(err.msg, "is not a regular file"));
	}
	tu_remove_dir(dir);
}

static void test_mode_missing_and_size(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir(), *path, *s = NULL, *big, missing[4200];
	bool others = false;

	(void)state;
	path = put(dir, "open", "x\n", 2, 0644);
	assert_int_equal(mfa_secret_read_file(path, false, &s, &others, &err), 0);
	assert_true(others);
	mfa_secret_free(s);
	free(path);

	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(mfa_secret_read_file(missing, true, &s, &others, &err), 0);
	assert_null(s);
	assert_int_equal(mfa_secret_read_file(missing, false, &s, &others, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read"));

	big = malloc(MFA_SECRET_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', MFA_SECRET_MAX + 1);
	path = put(dir, "big", big, MFA_SECRET_MAX + 1, 0600);
	assert_int_equal(mfa_secret_read_file(path, false, &s, &others, &err), -1);
	assert_non_null(strstr(err.msg, "longer than 64 KiB"));
	free(path);
	path = put(dir, "max", big, MFA_SECRET_MAX, 0600);
	assert_int_equal(mfa_secret_read_file(path, false, &s, &others, &err), 0);
	assert_int_equal(strlen(s), MFA_SECRET_MAX);
	mfa_secret_free(s);
	free(path);
	free(big);
	mfa_secret_free(NULL);
	tu_remove_dir(dir);
}

static void test_fd(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	size_t len = 0;
	char *s;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "client-secret=a\nX=b\n", 20), 20);
	close(p[1]);
	s = mfa_secret_read_fd(p[0], &len, &err);
	close(p[0]);
	assert_non_null(s);
	assert_int_equal(len, 20);
	assert_string_equal(s, "client-secret=a\nX=b\n");
	mfa_secret_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_mode_missing_and_size),
		cmocka_unit_test(test_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
