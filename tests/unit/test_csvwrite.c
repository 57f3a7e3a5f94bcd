/* CSV fields: quoting and formula neutralising (mfa/csvwrite.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa/util/csvw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *in;
	const char *out;
} cases[] = {
	{ "plain", "plain" },
	{ "", "" },
	{ "a,b", "\"a,b\"" },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ "two\nlines", "\"two\nlines\"" },
	{ "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"" },
	{ "+1", "'+1" },
	{ "-2", "'-2" },
	{ "@SUM(A1)", "'@SUM(A1)" },
	{ "\tTab", "'\tTab" },
	{ "\rCR", "\"'\rCR\"" },
	{ "a=b", "a=b" },
	/* a leading apostrophe is doubled, so reading strips exactly one */
	{ "'=x", "''=x" },
	{ "'Brien", "''Brien" },
	/* spaces at either end survive only inside quotes */
	{ " lead", "\" lead\"" },
	{ "trail ", "\"trail \"" },
};

static void test_fields(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct mfa_csvw w;

		mfa_csvw_init(&w, f);
		mfa_csvw_field(&w, cases[i].in);
		fclose(f);
		assert_string_equal(buf, cases[i].out);
		free(buf);
	}
}

static void test_row(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mfa_csvw w;

	(void)state;
	mfa_csvw_init(&w, f);
	mfa_csvw_field(&w, "a");
	mfa_csvw_field(&w, NULL);
	mfa_csvw_ulong(&w, 42);
	mfa_csvw_end(&w);
	mfa_csvw_field(&w, "b");
	mfa_csvw_end(&w);
	fclose(f);
	assert_string_equal(buf, "a,,42\nb\n");
	free(buf);
}

static void test_unneutralise(void **state)
{
	(void)state;
	assert_string_equal(mfa_csv_unneutralise("'=x"), "=x");
	assert_string_equal(mfa_csv_unneutralise("'-2"), "-2");
	/* An apostrophe that is part of the name stays. */
	assert_string_equal(mfa_csv_unneutralise("'Brien"), "'Brien");
	/* a value that really starts with an apostrophe gets a second one */
	assert_string_equal(mfa_csv_unneutralise("''=x"), "'=x");
	assert_string_equal(mfa_csv_unneutralise("''Brien"), "'Brien");
	assert_string_equal(mfa_csv_unneutralise("O'Brien"), "O'Brien");
	assert_null(mfa_csv_unneutralise(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_unneutralise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
