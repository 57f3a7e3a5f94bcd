/* test_csvr.c - the one CSV record reader (mfa/util/csvr.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mfa/util/csvr.h"

static void write_bytes(char path[64], const void *data, size_t len)
{
	int fd;

	snprintf(path, 64, "/tmp/mfa-csvr-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Every record of text as "line|u|cell/cell/..." lines, joined by '\n';
 * returns mfa_csvr_next's last result (0 at a clean end). */
static int read_all(const char *text, size_t len, size_t cap, char *out, size_t size,
		    struct mfa_err *err)
{
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	char path[64];
	size_t used = 0, i;
	int rc;

	out[0] = '\0';
	write_bytes(path, text, len);
	rc = mfa_csvr_open(&r, path, cap, err);
	if (rc == 0) {
		while ((rc = mfa_csvr_next(r, &rec, err)) > 0) {
			used += (size_t)snprintf(out + used, size - used, "%s%lu|%s|", used ? "\n" : "",
						 rec.line, rec.unterminated ? "u" : "");
			for (i = 0; i < rec.n; i++)
				used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "/" : "",
							 rec.cells[i]);
			assert_true(used < size);
		}
	}
	mfa_csvr_free(r);
	unlink(path);
	return rc;
}

static void test_records(void **state)
{
	static const struct {
		const char *name, *in, *want;
	} cases[] = {
		{ "plain", "a,b\nc,d\n", "1||a/b\n2||c/d" },
		{ "no final newline", "a,b\nc,d", "1||a/b\n2||c/d" },
		{ "semicolon", "a;b;c\n1;\"x;y\";3\n", "1||a/b/c\n2||1/x;y/3" },
		{ "crlf", "a,b\r\nc,d\r\n\r\ne,f\r\n", "1||a/b\n2||c/d\n4||e/f" },
		{ "lone cr", "a,b\rc,d\r", "1||a/b\n2||c/d" },
		{ "quoted newlines", "h1,h2\n1,\"two\nlines\"\n2,\"three\r\nline\r\nfield\"\n3,x\n",
		  "1||h1/h2\n2||1/two\nlines\n4||2/three\r\nline\r\nfield\n7||3/x" },
		{ "blank lines", "\n\na,b\n   \n\t\nc,d\n", "3||a/b\n6||c/d" },
		{ "escaped quotes", "\"say \"\"hi\"\"\",x\n", "1||say \"hi\"/x" },
		{ "stray quote in an unquoted field", "O\"Brien,x\n", "1||O\"Brien/x" },
		{ "spaces trimmed", "  a  , b\n", "1||a/b" },
		{ "empty fields", ",,\n", "1||//" },
		{ "closed quote at eof", "a,\"b\"", "1||a/b" },
		{ "unterminated at eof", "a,b\n1,\"never closed\n2,x\n", "1||a/b\n2|u|1/never closed\n2,x\n" },
		{ "unterminated, no newline", "a,\"bc", "1|u|a/bc" },
		{ "escaped quote then eof", "a,\"bc\"\"", "1|u|a/bc\"" },
		{ "sep line and bom", "\xEF\xBB\xBFsep=;\na;b\n", "2||a/b" },
	};
	struct mfa_err err = MFA_ERR_INIT;
	char out[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = read_all(cases[i].in, strlen(cases[i].in), 0, out, sizeof(out), &err);

		if (rc != 0)
			fail_msg("%s: rc %d (%s)", cases[i].name, rc, err.msg);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%s: got\n%s\nwant\n%s", cases[i].name, out, cases[i].want);
	}
}

static void test_empty(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	char out[64];

	(void)state;
	assert_int_equal(read_all("", 0, 0, out, sizeof(out), &err), 0);
	assert_string_equal(out, "");
	assert_int_equal(read_all("\n\n", 2, 0, out, sizeof(out), &err), 0);
	assert_string_equal(out, "");
}

static void test_over_the_cap(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	char out[4096];
	char *big;
	size_t n = 3000, h;

	(void)state;
	big = malloc(n);
	assert_non_null(big);
	h = (size_t)snprintf(big, n, "a,b\n1,2\nx,\"");
	memset(big + h, 'y', n - h);
	/* a 1 KiB cap: the record of line 3 passes it */
	assert_int_equal(read_all(big, n, 1024, out, sizeof(out), &err), MFA_CSVR_TOO_LONG);
	assert_string_equal(out, "1||a/b\n2||1/2");
	assert_non_null(strstr(err.msg, ":3: record longer than"));
	assert_non_null(strstr(err.msg, "a quoted field that never ends?"));
	/* under the cap it reads, unterminated */
	assert_int_equal(read_all(big, n, 4096, out, sizeof(out), &err), 0);
	assert_non_null(strstr(out, "3|u|x/yyy"));
	/* many lines of one quoted field count together */
	memset(big + h, '\n', n - h);
	assert_int_equal(read_all(big, n, 1024, out, sizeof(out), &err), MFA_CSVR_TOO_LONG);
	assert_non_null(strstr(err.msg, ":3: record longer than"));
	free(big);
}

static void test_open_errors(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_csvr *r = (struct mfa_csvr *)&err;

	(void)state;
	assert_int_equal(mfa_csvr_open(&r, "/nonexistent/mfa-csvr.csv", 0, &err), -1);
	assert_null(r);
	assert_non_null(strstr(err.msg, "/nonexistent/mfa-csvr.csv"));
	mfa_csvr_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_over_the_cap),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests_name("csvr", tests, NULL, NULL);
}
