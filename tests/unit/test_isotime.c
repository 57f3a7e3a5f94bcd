/* Table-driven tests of ISO 8601 parsing (mfa/util/isotime.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa/util/isotime.h"

static const struct {
	const char *text;
	long long want; /* -1: refused */
} cases[] = {
	{ "1970-01-01", 0 },
	{ "2027-02-01", 1801440000 },
	{ "2027-01-31", 1801440000 - 86400 },
	{ "2027-02-01T00:00:00Z", 1801440000 },
	{ "2027-01-31T23:59:59Z", 1801439999 },
	{ "2027-02-01T00:00", 1801440000 },
	{ "2027-02-01T00:00Z", 1801440000 },
	{ "2027-02-01T00:00:00.1234567Z", 1801440000 }, /* Graph's 7 digits */
	{ "2027-02-01T01:00:00+01:00", 1801440000 },
	{ "2027-01-31T19:00:00-05:00", 1801440000 },
	{ "2024-02-29", 1709164800 },                   /* a leap day */
	{ "2000-02-29", 951782400 },                    /* 400-year rule */
	{ "2023-02-29", -1 },
	{ "1900-02-29", -1 },
	{ "2027-13-01", -1 },
	{ "2027-00-10", -1 },
	{ "2027-04-31", -1 },
	{ "2027-02-01T24:00:00Z", -1 },
	{ "2027-02-01T12:60Z", -1 },
	{ "2027-02-01T12:00:61Z", -1 },
	{ "2027-02-01T12:00:00.Z", -1 },
	{ "2027-02-01T12", -1 },
	{ "2027-02-01T", -1 },
	{ "2027-02-01Z", -1 },
	{ "2027-02-01 ", -1 },
	{ " 2027-02-01", -1 },
	{ "2027-2-1", -1 },
	{ "20270201", -1 },
	{ "2027-02-01T00:00:00+0100", -1 },
	{ "1969-12-31", -1 },
	{ "tomorrow", -1 },
	{ "", -1 },
};

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_t t = 12345;
		int rc = mfa_isotime_parse(cases[i].text, &t);

		print_message("'%s'\n", cases[i].text);
		if (cases[i].want < 0) {
			assert_int_equal(rc, -1);
			assert_int_equal((long long)t, 12345); /* untouched */
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal((long long)t, cases[i].want);
		}
	}
	assert_int_equal(mfa_isotime_parse(NULL, &(time_t){ 0 }), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
