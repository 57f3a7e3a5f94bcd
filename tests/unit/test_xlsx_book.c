/* test_xlsx_book.c - reports/xlsx_book: the sheets in the order they were
 * added, a table's header, widths, filter and continuation, a totals row
 * below the filter (the --tenants roll-up's shape), number and string
 * cells, a table that would continue after a later sheet refused, the file
 * 0600 and complete or absent, written in a private 0700 folder, links
 * planted at the names in the output folder never followed, and nothing
 * left behind when abandoned.
 *
 * The workbook is read back with `unzip -p`, its parts as text. */
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

#include "reports/xlsx_book.h"

/* One part of the zip, NUL-terminated; the caller frees. */
static char *zip_part(const char *dir, const char *file, const char *part)
{
	char cmd[1024];
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "unzip -p '%s/%s' '%s'", dir, file, part);
	p = popen(cmd, "r");
	assert_non_null(p);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, p);
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	assert_int_equal(pclose(p), 0);
	return buf;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static const char *const heads[] = { "tenant", "name", "users", "folder" };
static const double widths[] = { 40, 24, 0, 60 };
static const struct mfa_xlsx_table_spec tenants_spec = { "Tenants", heads, widths, 4 };
static const struct mfa_xlsx_table_spec other_spec = { "Other", heads, NULL, 2 };

/* The roll-up's shape: a Tenants table, then a bold totals row below its
 * filter; and a Notes sheet after it. */
static void test_table_footer_and_order(void **state)
{
	struct mfa_xlsx_book_options o = MFA_XLSX_BOOK_OPTIONS_INIT;
	struct mfa_xlsx_book *b = NULL;
	struct mfa_xlsx_table *t = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	lxw_worksheet *notes;
	char *dir = tu_make_dir();
	char path[600], tmp[600];
	struct stat st;
	mode_t old;
	char *xml;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "%s/rollup.xlsx", dir);
	snprintf(tmp, sizeof(tmp), "%s/rollup.xlsx.tmp-", dir);
	old = umask(0);
	assert_int_equal(mfa_xlsx_book_open(&b, dir, "rollup.xlsx", &o, &err), 0);
	umask(old);
	/* "<dir>/rollup.xlsx.tmp-XXXXXX/rollup.xlsx", the folder 0700 */
	assert_memory_equal(mfa_xlsx_book_path(b), tmp, strlen(tmp));
	assert_string_equal(mfa_xlsx_book_path(b) + strlen(tmp) + 6, "/rollup.xlsx");
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(strlen(mfa_xlsx_book_path(b)) - 12),
		 mfa_xlsx_book_path(b));
	assert_int_equal(lstat(tmp, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	assert_non_null(mfa_xlsx_book_workbook(b));
	assert_int_equal(mfa_xlsx_table_add(&t, b, &tenants_spec, &err), 0);
	for (i = 0; i < 3; i++) {
		char id[16];

		snprintf(id, sizeof(id), "tenant-%d", i);
		assert_int_equal(mfa_xlsx_table_row(t, &err), 0);
		assert_int_equal(mfa_xlsx_table_string(t, 0, id, MFA_XLSX_PLAIN, &err), 0);
		assert_int_equal(mfa_xlsx_table_string(t, 1, i == 1 ? NULL : "Name", MFA_XLSX_PLAIN, &err), 0);
		assert_int_equal(mfa_xlsx_table_number(t, 2, 10 * (i + 1), MFA_XLSX_PLAIN, &err), 0);
		assert_int_equal(mfa_xlsx_table_string(t, 3, "=cmd|' /C calc'!A0", MFA_XLSX_PLAIN, &err), 0);
	}
	/* No cell past the table's columns. */
	assert_true(mfa_xlsx_table_string(t, 4, "x", MFA_XLSX_PLAIN, &err) < 0);
	/* A footer only after the end; no data row after it. */
	assert_true(mfa_xlsx_table_footer(t, &err) < 0);
	assert_int_equal(mfa_xlsx_table_end(t, &err), 0);
	assert_true(mfa_xlsx_table_row(t, &err) < 0);
	assert_true(mfa_xlsx_table_string(t, 0, "x", MFA_XLSX_PLAIN, &err) < 0);
	assert_int_equal(mfa_xlsx_table_footer(t, &err), 0);
	assert_int_equal(mfa_xlsx_table_string(t, 0, "all tenants", MFA_XLSX_BOLD, &err), 0);
	assert_int_equal(mfa_xlsx_table_number(t, 2, 60, MFA_XLSX_BOLD, &err), 0);
	assert_true(mfa_xlsx_table_footer(t, &err) < 0);
	assert_int_equal(mfa_xlsx_table_rows(t), 3);
	assert_int_equal(mfa_xlsx_book_sheet(b, "Notes", &notes, &err), 0);
	assert_int_equal(mfa_xlsx_book_string(b, notes, 0, 0, "note", MFA_XLSX_TITLE, &err), 0);
	assert_int_equal(mfa_xlsx_book_number(b, notes, 1, 0, 1.25, MFA_XLSX_DECIMAL, &err), 0);
	/* Complete or absent: only the private folder before the commit. */
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(access(tmp, F_OK), 0);
	assert_int_equal(tu_dir_entries(dir), 1);
	assert_int_equal(mfa_xlsx_book_commit(b, &err), 0);
	assert_true(mfa_xlsx_book_commit(b, &err) < 0);
	mfa_xlsx_book_free(b);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_not_equal(access(tmp, F_OK), 0);
	assert_int_equal(tu_dir_entries(dir), 1);

	xml = zip_part(dir, "rollup.xlsx", "xl/workbook.xml");
	assert_non_null(strstr(xml, "<sheet name=\"Tenants\" sheetId=\"1\""));
	assert_non_null(strstr(xml, "<sheet name=\"Notes\" sheetId=\"2\""));
	assert_true(strstr(xml, "\"Tenants\"") < strstr(xml, "\"Notes\""));
	assert_non_null(strstr(xml, "localSheetId=\"0\" hidden=\"1\">Tenants!$A$1:$D$4<"));
	free(xml);
	xml = zip_part(dir, "rollup.xlsx", "xl/worksheets/sheet1.xml");
	/* Header frozen, filter over header and data only, the footer below. */
	assert_non_null(strstr(xml, "state=\"frozen\""));
	assert_non_null(strstr(xml, "<autoFilter ref=\"A1:D4\"/>"));
	assert_non_null(strstr(xml, "<row r=\"5\""));
	assert_non_null(strstr(xml, ">all tenants<"));
	assert_non_null(strstr(xml, "<v>60</v>"));
	assert_non_null(strstr(xml, "<v>20</v>"));
	/* Widths only where given. */
	assert_non_null(strstr(xml, "<col min=\"1\" max=\"1\" width=\"40.7109375\""));
	assert_null(strstr(xml, "<col min=\"3\""));
	/* Strings, never formulas. */
	assert_null(strstr(xml, "<f>"));
	assert_int_equal(count_of(xml, ">=cmd|' /C calc'!A0<"), 3);
	assert_int_equal(count_of(xml, ">Name<"), 2);
	free(xml);
	tu_remove_dir(dir);
}

/* A table continues on a new sheet only while its last sheet is the
 * book's last; otherwise the sheets would be out of order. */
static void test_continuation_order(void **state)
{
	struct mfa_xlsx_book_options o = MFA_XLSX_BOOK_OPTIONS_INIT;
	struct mfa_xlsx_book *b = NULL;
	struct mfa_xlsx_table *t = NULL, *u = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir();
	char *xml;
	int i;

	(void)state;
	o.rows_per_sheet = 2;
	assert_int_equal(mfa_xlsx_book_open(&b, dir, "x.xlsx", &o, &err), 0);
	assert_int_equal(mfa_xlsx_table_add(&t, b, &tenants_spec, &err), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(mfa_xlsx_table_row(t, &err), 0);
		assert_int_equal(mfa_xlsx_table_string(t, 0, "a", MFA_XLSX_PLAIN, &err), 0);
	}
	assert_int_equal(mfa_xlsx_table_add(&u, b, &other_spec, &err), 0);
	assert_int_equal(mfa_xlsx_table_row(t, &err), 0); /* still room on "Tenants (2)" */
	assert_true(mfa_xlsx_table_row(t, &err) < 0);
	assert_non_null(strstr(err.msg, "cannot continue after a later sheet"));
	for (i = 0; i < 5; i++)
		assert_int_equal(mfa_xlsx_table_row(u, &err), 0);
	assert_int_equal(mfa_xlsx_table_rows(t), 4);
	assert_int_equal(mfa_xlsx_book_commit(b, &err), 0);
	mfa_xlsx_book_free(b);

	xml = zip_part(dir, "x.xlsx", "xl/workbook.xml");
	assert_non_null(strstr(xml, "<sheet name=\"Tenants\" sheetId=\"1\""));
	assert_non_null(strstr(xml, "<sheet name=\"Tenants (2)\" sheetId=\"2\""));
	assert_non_null(strstr(xml, "<sheet name=\"Other\" sheetId=\"3\""));
	assert_non_null(strstr(xml, "<sheet name=\"Other (2)\" sheetId=\"4\""));
	assert_non_null(strstr(xml, "<sheet name=\"Other (3)\" sheetId=\"5\""));
	assert_null(strstr(xml, "Tenants (3)"));
	/* Each filter on its own sheet. */
	assert_non_null(strstr(xml, "localSheetId=\"1\" hidden=\"1\">'Tenants (2)'!$A$1:$D$3<"));
	assert_non_null(strstr(xml, "localSheetId=\"4\" hidden=\"1\">'Other (3)'!$A$1:$B$2<"));
	free(xml);
	tu_remove_dir(dir);
}

/* Abandoned with rows on continued sheets: nothing left; and a folder that
 * does not exist fails at open, naming the file. */
static void test_abandon(void **state)
{
	struct mfa_xlsx_book_options o = MFA_XLSX_BOOK_OPTIONS_INIT;
	struct mfa_xlsx_book *b = (struct mfa_xlsx_book *)&o;
	struct mfa_xlsx_table *t = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	lxw_worksheet *ws;
	char *dir = tu_make_dir();
	char missing[600];
	int i;

	(void)state;
	o.rows_per_sheet = 1;
	assert_int_equal(mfa_xlsx_book_open(&b, dir, "report.xlsx", &o, &err), 0);
	assert_int_equal(mfa_xlsx_book_sheet(b, "Summary", &ws, &err), 0);
	assert_int_equal(mfa_xlsx_table_add(&t, b, &tenants_spec, &err), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(mfa_xlsx_table_row(t, &err), 0);
		assert_int_equal(mfa_xlsx_table_string(t, 0, "a", MFA_XLSX_PLAIN, &err), 0);
	}
	assert_int_equal(tu_dir_entries(dir), 1); /* the private folder */
	mfa_xlsx_book_free(b);
	assert_int_equal(tu_dir_entries(dir), 0);
	mfa_xlsx_book_free(NULL);

	snprintf(missing, sizeof(missing), "%s/no/such", dir);
	b = (struct mfa_xlsx_book *)&o;
	assert_true(mfa_xlsx_book_open(&b, missing, "report.xlsx", NULL, &err) < 0);
	assert_null(b);
	assert_non_null(strstr(err.msg, "report.xlsx"));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	assert_int_equal(tu_dir_entries(dir), 0);
	tu_remove_dir(dir);
}

/* Links planted in the output folder at the final name and at the old
 * temporary name, pointing at a file of the test's: the target is never
 * written, the final name ends a regular file (the link replaced), and
 * nothing else is left. */
static void test_planted_links_not_followed(void **state)
{
	struct mfa_xlsx_book *b = NULL;
	struct mfa_xlsx_table *t = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir(), *other = tu_make_dir();
	char target[600], link1[600], link2[600];
	struct stat st;
	char buf[16] = { 0 };
	FILE *f;
	char *xml;

	(void)state;
	snprintf(target, sizeof(target), "%s/target", other);
	snprintf(link1, sizeof(link1), "%s/report.xlsx", dir);
	snprintf(link2, sizeof(link2), "%s/report.xlsx.tmp", dir);
	f = fopen(target, "w");
	assert_non_null(f);
	fputs("untouched", f);
	fclose(f);
	assert_int_equal(symlink(target, link1), 0);
	assert_int_equal(symlink(target, link2), 0);
	assert_int_equal(mfa_xlsx_book_open(&b, dir, "report.xlsx", NULL, &err), 0);
	assert_int_equal(mfa_xlsx_table_add(&t, b, &tenants_spec, &err), 0);
	assert_int_equal(mfa_xlsx_table_row(t, &err), 0);
	assert_int_equal(mfa_xlsx_table_string(t, 0, "tenant", MFA_XLSX_PLAIN, &err), 0);
	assert_int_equal(mfa_xlsx_book_commit(b, &err), 0);
	mfa_xlsx_book_free(b);
	f = fopen(target, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 9);
	fclose(f);
	assert_string_equal(buf, "untouched");
	assert_int_equal(lstat(link1, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	xml = zip_part(dir, "report.xlsx", "xl/workbook.xml");
	assert_non_null(strstr(xml, "Tenants"));
	free(xml);
	assert_int_equal(tu_dir_entries(dir), 2); /* report.xlsx and the old link at .tmp */
	tu_remove_dir(dir);
	tu_remove_dir(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_footer_and_order),
		cmocka_unit_test(test_continuation_order),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_planted_links_not_followed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
