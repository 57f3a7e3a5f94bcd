/* xlsx_floor.c - the floor for report.xlsx: a bare libxlsxwriter loop.
 *
 *   xlsx-floor --rows N (--cols C | --cells T) --out FILE
 *
 * Writes N rows of string cells, constant-memory mode, temporary files
 * beside FILE (as mfa-migrate does), one sheet continuing on the next past
 * Excel's 1,048,576 rows, as report.xlsx's sheets do. With --cols every row
 * has C cells; with --cells the T cells are spread evenly over the N rows
 * (row r gets floor((r+1)T/N) - floor(rT/N) cells), so the floor can match
 * a report's exact row and cell counts.
 *
 * What the cells hold matters as much as how many there are: deflate, run
 * at close, is most of the cost, and it is fast on the column-wise
 * repetition of a real report and slow on random text. So column c takes
 * its values from a pool shaped like column c of the Users sheet: object
 * ids (random hex), UPNs, display names, then short enum-like values
 * ("true", "disabled", "enforced-registered", ...) with few distinct
 * values each. All strings are made before the loop; the loop itself only
 * picks one and calls worksheet_write_string: no formatting, no lookups, no
 * allocation of its own. Anything mfa-migrate spends beyond this is its own
 * cost.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#define POOL 4096u       /* distinct ids, UPNs, names */
#define SHEET_ROWS 1048576ull /* Excel's limit */

static const char *const first_names[] = {
	"Ada", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
	"Kira", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
};
static const char *const last_names[] = {
	"Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
	"Jensen", "Kowalski", "Lopez", "Muller", "Nakamura", "Okafor", "Petrov",
};

/* Columns after id, UPN and display name: a few values each, the first
 * one most often (as "disabled" or "false" are). NULL ends a list. */
static const char *const enums[][8] = {
	{ "member", "guest", NULL },
	{ "true", "false", NULL },
	{ "disabled", "enabled", "enforced", NULL },
	{ "true", "false", NULL },
	{ "true", "false", NULL },
	{ "microsoftAuthenticatorPush;mobilePhone", "mobilePhone", "microsoftAuthenticatorPush",
	  "windowsHelloForBusiness;microsoftAuthenticatorPush", "email", NULL },
	{ "microsoftAuthenticatorPush", "sms", "softwareOneTimePasscode", NULL },
	{ "false", "true", NULL },
	{ "disabled-registered", "disabled-not-registered", "enabled-registered",
	  "enforced-registered", "enforced-not-registered", NULL },
	{ "keep", "disable", "hold", NULL },
	{ "none", "low", "medium", "info", "high", NULL },
	{ "stuck-enabled", "app-passwords-possible", "enabled-not-registered", "guest", NULL },
	{ "admin", "guest", "state-unknown", NULL },
	{ "HTTP 403 Forbidden", NULL },
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int parse_ull(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xlsx-floor --rows N (--cols C | --cells T) --out FILE\n");
}

int main(int argc, char **argv)
{
	static char ids[POOL][37], upns[POOL][64], names[POOL][32];
	unsigned long long rows = 0, cols = 0, cells = 0;
	const char *out = NULL;
	char *tmpdir = NULL, *slash;
	lxw_workbook_options opts;
	lxw_workbook *wb = NULL;
	lxw_worksheet *ws = NULL;
	uint64_t x = 0x2545F4914F6CDD1Dull;
	unsigned long long r, written = 0, sheet_row = 0;
	unsigned enum_count[COUNT_OF(enums)];
	unsigned sheets = 0;
	lxw_error e;
	int a, rc = 1;
	unsigned i, j;

	for (a = 1; a < argc; a++) {
		const char *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(argv[a], "--rows") && parse_ull(val, &rows) == 0)
			a++;
		else if (!strcmp(argv[a], "--cols") && parse_ull(val, &cols) == 0)
			a++;
		else if (!strcmp(argv[a], "--cells") && parse_ull(val, &cells) == 0)
			a++;
		else if (!strcmp(argv[a], "--out") && val)
			out = argv[++a];
		else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!out || rows == 0 || (cols == 0) == (cells == 0) ||
	    cols > LXW_COL_MAX) {
		usage(stderr);
		return 2;
	}
	if (cols)
		cells = rows * cols;
	if (cells / rows >= LXW_COL_MAX) {
		fprintf(stderr, "xlsx-floor: too many cells a row\n");
		return 2;
	}

	for (i = 0; i < POOL; i++) {
		static const char hex[] = "0123456789abcdef";
		const char *first = first_names[next(&x) % COUNT_OF(first_names)];
		const char *last = last_names[next(&x) % COUNT_OF(last_names)];

		for (j = 0; j < 36; j++)
			ids[i][j] = (j == 8 || j == 13 || j == 18 || j == 23) ? '-' : hex[next(&x) & 15];
		ids[i][36] = '\0';
		snprintf(upns[i], sizeof(upns[i]), "%s.%s%u@contoso.onmicrosoft.com", first, last, i);
		snprintf(names[i], sizeof(names[i]), "%s %s", first, last);
	}
	for (i = 0; i < COUNT_OF(enums); i++) {
		for (j = 0; j < 8 && enums[i][j]; j++)
			;
		enum_count[i] = j;
	}

	tmpdir = strdup(out);
	if (!tmpdir)
		goto cleanup;
	slash = strrchr(tmpdir, '/');
	if (slash == tmpdir) {
		slash[1] = '\0'; /* "/": the root */
	} else if (slash) {
		*slash = '\0';
	} else {
		tmpdir[0] = '.'; /* fits: out has at least one character */
		tmpdir[1] = '\0';
	}
	memset(&opts, 0, sizeof(opts));
	opts.constant_memory = LXW_TRUE;
	opts.tmpdir = tmpdir;
	wb = workbook_new_opt(out, &opts);
	if (!wb) {
		fprintf(stderr, "xlsx-floor: cannot create '%s'\n", out);
		goto cleanup;
	}

	for (r = 0; r < rows; r++) {
		unsigned long long end = (r + 1) * cells / rows;
		lxw_col_t c = 0;

		if (!ws || sheet_row == SHEET_ROWS) {
			char name[32];

			snprintf(name, sizeof(name), "Sheet%u", ++sheets);
			ws = workbook_add_worksheet(wb, name);
			if (!ws) {
				fprintf(stderr, "xlsx-floor: cannot add a sheet\n");
				goto cleanup;
			}
			sheet_row = 0;
		}
		for (; written < end; written++, c++) {
			uint64_t pick = next(&x);
			const char *text;

			if (c == 0) {
				text = ids[pick & (POOL - 1)];
			} else if (c == 1) {
				text = upns[pick & (POOL - 1)];
			} else if (c == 2) {
				text = names[pick & (POOL - 1)];
			} else {
				unsigned k = (unsigned)((c - 3) % COUNT_OF(enums));
				unsigned n = enum_count[k];

				/* Half the time the first value, else any. */
				text = enums[k][(pick & 1) ? 0 : (pick >> 1) % n];
			}
			e = worksheet_write_string(ws, (lxw_row_t)sheet_row, c, text, NULL);
			if (e != LXW_NO_ERROR) {
				fprintf(stderr, "xlsx-floor: %s\n", lxw_strerror(e));
				goto cleanup;
			}
		}
		sheet_row++;
	}
	e = workbook_close(wb);
	wb = NULL;
	if (e != LXW_NO_ERROR) {
		fprintf(stderr, "xlsx-floor: cannot write '%s': %s\n", out, lxw_strerror(e));
		goto cleanup;
	}
	printf("rows %llu cells %llu sheets %u\n", rows, cells, sheets);
	rc = 0;
cleanup:
	if (wb)
		lxw_workbook_free(wb);
	free(tmpdir);
	return rc;
}
