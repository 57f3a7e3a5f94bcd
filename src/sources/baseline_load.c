/* baseline_load.c - a previous run's users.csv read into a baseline
 * (sources/baseline_load.h). */
#include "sources/baseline_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mfa/model/columns.h"
#include "mfa/util/csvr.h"
#include "mfa/util/csvw.h"

/* A field longer than this is not part of a users.csv: almost surely a
 * quote that never closes, swallowing the rest of the file. */
#define MAX_FIELD (4u * 1024u * 1024u)

enum bcol {
	BCOL_ID = 0,
	BCOL_UPN,
	BCOL_STATE,
	BCOL_FINDINGS,
	/* the required ones above, the optional ones below */
	BCOL_DISPLAY_NAME,
	BCOL_REGISTERED,
	BCOL_METHODS,
	BCOL_ADMIN,
	BCOL_COVERAGE,
	BCOL__COUNT
};

#define BCOL_REQUIRED 4

static const char *const bcol_names[BCOL__COUNT] = {
	[BCOL_ID] = MFA_COL_NAME_ID,
	[BCOL_UPN] = MFA_COL_NAME_UPN,
	[BCOL_STATE] = MFA_COL_NAME_STATE,
	[BCOL_FINDINGS] = MFA_COL_NAME_FINDINGS,
	[BCOL_DISPLAY_NAME] = MFA_COL_NAME_DISPLAY_NAME,
	[BCOL_REGISTERED] = MFA_COL_NAME_REGISTERED,
	[BCOL_METHODS] = MFA_COL_NAME_METHODS,
	[BCOL_ADMIN] = MFA_COL_NAME_ADMIN,
	[BCOL_COVERAGE] = MFA_COL_NAME_CA_COVERAGE,
};

struct loader {
	const char *path;
	struct mfa_baseline *b;
	struct mfa_err *err;
	bool header_done;
	unsigned long row_no;       /* data records read, header excluded */
	char *cell[BCOL__COUNT];    /* data row: each wanted field, NULL if absent */
	int *colmap;                /* field number -> enum bcol, -1 for not wanted */
	size_t ncols;               /* fields in the header */
	char *other;                /* unknown method names of the row, ';'-joined */
	size_t other_cap;
};

static int loader_nomem(struct loader *ld)
{
	return mfa_err_set(ld->err, "cannot read '%s': out of memory", ld->path);
}

/* Field text of column c in the current data row ("" when absent),
 * formula neutralisation undone. */
static const char *field(const struct loader *ld, enum bcol c)
{
	if (!ld->cell[c])
		return "";
	return mfa_csv_unneutralise(ld->cell[c]);
}

/* Takes the header row, or returns 0 with header_done still false for a
 * blank line before it. */
static int header_done(struct loader *ld, const struct mfa_csvr_record *rec)
{
	bool blank = true;
	bool found[BCOL__COUNT] = { false };
	char missing_buf[256];
	size_t used = 0;
	int nmissing = 0;
	size_t i;
	int c;

	for (i = 0; i < rec->n && blank; i++)
		blank = rec->cells[i][0] == '\0';
	if (blank)
		return 0; /* a blank line before the header: keep looking */
	missing_buf[0] = '\0';
	if (rec->n > SIZE_MAX / sizeof(*ld->colmap))
		return loader_nomem(ld);
	ld->colmap = malloc((rec->n ? rec->n : 1) * sizeof(*ld->colmap));
	if (!ld->colmap)
		return loader_nomem(ld);
	ld->ncols = rec->n;
	for (i = 0; i < rec->n; i++) {
		const char *name = rec->cells[i];

		ld->colmap[i] = -1;
		for (c = 0; c < BCOL__COUNT; c++) {
			/* the first of duplicate columns wins */
			if (!found[c] && strcasecmp(name, bcol_names[c]) == 0) {
				ld->colmap[i] = c;
				found[c] = true;
				break;
			}
		}
	}
	for (c = 0; c < BCOL_REQUIRED; c++) {
		int w;

		if (found[c])
			continue;
		w = snprintf(missing_buf + used, sizeof(missing_buf) - used, "%s%s",
			     nmissing++ ? ", " : "", bcol_names[c]);
		if (w > 0)
			used += (size_t)w < sizeof(missing_buf) - used ? (size_t)w : sizeof(missing_buf) - used - 1;
	}
	if (nmissing)
		return mfa_err_set(ld->err,
				   "'%s' is not a users.csv written by mfa-migrate (missing column%s: %s); --compare takes a previous run's output folder or its users.csv",
				   ld->path, nmissing > 1 ? "s" : "", missing_buf);
	ld->header_done = true;
	return 0;
}

/* Next ';'-separated token of *p, spaces trimmed, NUL-terminated in place;
 * NULL when none is left. */
static char *next_token(char **p)
{
	char *s = *p, *end;

	while (*s == ' ' || *s == ';')
		s++;
	if (!*s)
		return NULL;
	end = strchr(s, ';');
	*p = end ? end + 1 : s + strlen(s);
	if (!end)
		end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		end--;
	*end = '\0';
	return s;
}

static int other_append(struct loader *ld, size_t *used, const char *name)
{
	size_t len = strlen(name);

	if (len > SIZE_MAX - 2 - *used)
		return loader_nomem(ld);
	if (*used + len + 2 > ld->other_cap) {
		size_t cap = ld->other_cap ? ld->other_cap : 128;
		char *p;

		while (cap < *used + len + 2)
			cap *= 2;
		p = realloc(ld->other, cap);
		if (!p)
			return loader_nomem(ld);
		ld->other = p;
		ld->other_cap = cap;
	}
	if (*used)
		ld->other[(*used)++] = ';';
	memcpy(ld->other + *used, name, len + 1);
	*used += len;
	return 0;
}

static int data_row(struct loader *ld, const struct mfa_csvr_record *rec)
{
	struct mfa_baseline_entry e;
	char *p, *tok;
	size_t other_used = 0, i;

	memset(ld->cell, 0, sizeof(ld->cell));
	for (i = 0; i < rec->n && i < ld->ncols; i++) {
		if (ld->colmap[i] >= 0)
			ld->cell[ld->colmap[i]] = rec->cells[i];
	}
	memset(&e, 0, sizeof(e));
	e.id = field(ld, BCOL_ID);
	e.upn = field(ld, BCOL_UPN);
	if (!*e.id && !*e.upn) {
		mfa_baseline_count_skipped(ld->b);
		return 0;
	}
	e.display_name = field(ld, BCOL_DISPLAY_NAME);
	e.state = mfa_state_parse(field(ld, BCOL_STATE));
	e.registered = mfa_tri_parse(field(ld, BCOL_REGISTERED));
	e.is_admin = mfa_tri_parse(field(ld, BCOL_ADMIN));
	/* The split below writes into the record buffer: these fields are not
	 * read again for this row. */
	if (ld->cell[BCOL_METHODS]) {
		p = ld->cell[BCOL_METHODS];
		while ((tok = next_token(&p)) != NULL) {
			int m = mfa_method_parse(tok);

			if (m >= 0)
				e.methods |= 1u << m;
			else if (other_append(ld, &other_used, tok) < 0)
				return -1;
		}
	}
	e.other_methods = other_used ? ld->other : NULL;
	if (ld->cell[BCOL_FINDINGS]) {
		p = ld->cell[BCOL_FINDINGS];
		while ((tok = next_token(&p)) != NULL) {
			int f = mfa_finding_parse(tok);

			/* a finding a newer mfa-migrate knows: not ours to compare */
			if (f >= 0)
				e.findings |= 1u << f;
		}
	}
	if (ld->cell[BCOL_COVERAGE]) {
		p = ld->cell[BCOL_COVERAGE];
		p[strcspn(p, ":")] = '\0';
		while (*p == ' ')
			p++;
		if (*p) {
			int c = mfa_coverage_parse(p);

			e.coverage_checked = true;
			e.coverage = c >= 0 ? (enum mfa_coverage_verdict)c : MFA_COVERAGE_UNKNOWN;
		}
	}
	if (mfa_baseline_append(ld->b, &e) < 0)
		return loader_nomem(ld);
	return 0;
}

/* The file to read for path: path itself, or inside a folder users.csv
 * (users.csv.gz when there is no users.csv). Returns a new string. */
static char *resolve_path(const char *path, struct mfa_err *err)
{
	static const char *const names[] = { "users.csv", "users.csv.gz" };
	struct stat st;
	size_t i, n;
	char *p;

	if (stat(path, &st) < 0) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		p = strdup(path);
		if (!p)
			mfa_err_set(err, "out of memory");
		return p;
	}
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = n + 1 + strlen(names[i]) + 1;

		p = malloc(len);
		if (!p) {
			mfa_err_set(err, "out of memory");
			return NULL;
		}
		snprintf(p, len, "%.*s/%s", (int)n, path, names[i]);
		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	mfa_err_set(err, "'%s' holds no users.csv (nor users.csv.gz): --compare takes a previous run's output folder or its users.csv",
		    path);
	return NULL;
}

int mfa_baseline_load(struct mfa_baseline **out, const char *path, struct mfa_err *err)
{
	struct mfa_baseline *b = NULL;
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	struct loader ld;
	char *file = NULL;
	int rc = -1, got;

	*out = NULL;
	memset(&ld, 0, sizeof(ld));
	b = mfa_baseline_new();
	if (!b) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	file = resolve_path(path, err);
	if (!file)
		goto cleanup;
	if (mfa_baseline_set_path(b, file) < 0) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	ld.path = file;
	ld.b = b;
	ld.err = err;
	if (mfa_csvr_open(&r, file, MAX_FIELD, err) < 0)
		goto cleanup;
	while ((got = mfa_csvr_next(r, &rec, err)) > 0) {
		if (rec.unterminated) {
			mfa_err_set(err, "'%s': row %lu: the file ends inside a quoted field (cut short?)",
				    file, ld.row_no + 1);
			goto cleanup;
		}
		if (!ld.header_done) {
			if (header_done(&ld, &rec) < 0)
				goto cleanup;
			continue;
		}
		ld.row_no++;
		if (data_row(&ld, &rec) < 0)
			goto cleanup;
	}
	if (got == MFA_CSVR_TOO_LONG) {
		mfa_err_set(err, "'%s': row %lu: field longer than %u MiB (a quoted field that never ends?)",
			    file, ld.row_no + 1, MAX_FIELD / (1024u * 1024u));
		goto cleanup;
	}
	if (got < 0)
		goto cleanup;
	if (!ld.header_done) {
		mfa_err_set(err, "'%s': no header row (the file is empty)", file);
		goto cleanup;
	}
	if (mfa_baseline_index(b) < 0) {
		mfa_err_set(err, "cannot read '%s': out of memory", file);
		goto cleanup;
	}
	*out = b;
	b = NULL;
	rc = 0;
cleanup:
	mfa_csvr_free(r);
	free(file);
	free(ld.colmap);
	free(ld.other);
	mfa_baseline_free(b);
	return rc;
}
