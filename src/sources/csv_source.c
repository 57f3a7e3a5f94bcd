/* csv_source.c - users from a CSV export (mfa_csv_source_open, mfa/source.h).
 *
 * The file is streamed: the record reader (mfa/util/csvr.h) yields one
 * record at a time with its line, which is mapped to a struct mfa_user in
 * buffers reused from row to row. Only the --registration file is held, in
 * a compact mfa_regmap.
 */
#include "mfa/model/source.h"
#include "sources/csv_source.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>
#include <sys/stat.h>

#include "mfa/model/regmap.h"
#include "sources/csv_formats.h"
#include "mfa/util/csvr.h"
#include "mfa/util/index.h"

/* Every id and UPN of the state file, counted before the first user is
 * yielded (a first pass), so that a user named twice is known at its first
 * row: that row gets the duplicate-user finding, the later ones are bad
 * rows. The pass also finds a quote that never closes before anything is
 * written. A file that cannot be read twice (a pipe) is counted as it
 * streams instead: later rows are still refused, but the first row cannot
 * know it will be repeated. */
struct census {
	struct mfa_strtab keys;   /* ids and UPNs, any case */
	unsigned long *first;     /* per key: line of the first row naming it */
	unsigned char *repeated;  /* per key: a later row names it too */
	size_t cap;
	bool live;                /* no first pass: keys are noted as rows are yielded */
};

struct csv_source {
	struct mfa_source base;
	struct mfa_csv_options opts;
	char *path;
	char *reg_path;
	struct mfa_csvr *main;
	struct mfa_csv_layout layout;
	struct mfa_csv_scratch scratch;
	struct mfa_regmap *reg;
	unsigned long *reg_lines;  /* line of each regmap entry, by entry number */
	size_t reg_lines_cap;
	bool main_done;
	size_t next_unmatched;
	unsigned long header_records; /* records up to and including the header */
	char **header;                /* the state file's header names, for messages */
	size_t nheader;
	struct census census;
	struct mfa_source_stats stats;
};

/* ---- reader ---- */

/* The one message for a quote that never closes: fatal, since every row
 * after it would be lost (issue 11). */
static int unterminated(const char *path, unsigned long line, struct mfa_err *err)
{
	return mfa_err_set(err, "%s:%lu: a quoted field opens here and never closes (a stray quote, or the file was cut short): fix the quote or export the file again",
			   path, line);
}

static int keep_header(struct csv_source *s, const struct mfa_csvr_record *rec, struct mfa_err *err);

/* Reads the header row and matches it to a format; with keep, keeps a
 * copy of its names there (for messages). */
static int reader_header(struct mfa_csvr *r, struct mfa_csv_layout *layout, struct csv_source *keep,
			 struct mfa_err *err)
{
	struct mfa_csvr_record rec;
	size_t i;
	int rc;

	for (;;) {
		bool blank = true;

		rc = mfa_csvr_next(r, &rec, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return mfa_err_set(err, "'%s': no header row (the file is empty)", mfa_csvr_path(r));
		if (rec.unterminated)
			return unterminated(mfa_csvr_path(r), rec.line, err);
		for (i = 0; i < rec.n && blank; i++)
			blank = rec.cells[i][0] == '\0';
		if (!blank)
			break;
	}
	if (keep && keep_header(keep, &rec, err) < 0)
		return -1;
	if (mfa_csv_format_detect((const char *const *)rec.cells, rec.n, layout) < 0) {
		char expected[MFA_ERR_MAX];

		mfa_csv_formats_expected(expected, sizeof(expected));
		return mfa_err_set(err, "'%s': cannot tell the export format from its header; %s",
				   mfa_csvr_path(r), expected);
	}
	return 0;
}

/* ---- source ---- */

/* Counts a bad row and reports it; under --strict it is the error. */
static int bad_row(struct csv_source *s, const char *path, unsigned long line, const char *problem,
		   struct mfa_err *err)
{
	char msg[MFA_ERR_MAX];

	s->stats.bad_rows++;
	snprintf(msg, sizeof(msg), "%s:%lu: %s", path, line, problem);
	if (s->opts.strict)
		return mfa_err_set(err, "%s", msg);
	if (s->opts.warn)
		s->opts.warn(s->opts.warn_ctx, msg);
	return 0;
}

/* Is u (registration file, line) a repeat of an earlier registration row?
 * 0: no; 1: the same user again (a bad row, skipped); 2: the same id with
 * another UPN (a bad row, but the user is kept by UPN: nobody vanishes);
 * -1: --strict made the bad row fatal. */
static int reg_repeat(struct csv_source *s, const struct mfa_user *u, unsigned long line,
		      struct mfa_err *err)
{
	struct mfa_regmap_entry e;
	char problem[400];
	size_t idx = MFA_REGMAP_NONE;
	int kind = 1;

	if (u->id)
		idx = mfa_regmap_find_id(s->reg, u->id);
	else if (u->upn) {
		idx = mfa_regmap_find_upn(s->reg, u->upn);
		if (idx != MFA_REGMAP_NONE) {
			mfa_regmap_get(s->reg, idx, &e);
			if (e.id)
				idx = MFA_REGMAP_NONE; /* another user's UPN: the map tells them apart */
		}
	}
	if (idx == MFA_REGMAP_NONE)
		return 0;
	mfa_regmap_get(s->reg, idx, &e);
	if (u->id && u->upn && e.upn && strcasecmp(u->upn, e.upn) != 0) {
		kind = 2;
		snprintf(problem, sizeof(problem),
			 "id '%.60s' is already on line %lu for '%.100s': '%.100s' is kept as a user of its own, joined by UPN only",
			 u->id, idx < s->reg_lines_cap ? s->reg_lines[idx] : 0UL, e.upn, u->upn);
	} else {
		snprintf(problem, sizeof(problem),
			 "user '%.160s' is already on line %lu (a duplicate: only the first row is used)",
			 u->upn ? u->upn : u->id, idx < s->reg_lines_cap ? s->reg_lines[idx] : 0UL);
	}
	if (bad_row(s, s->reg_path, line, problem, err) < 0)
		return -1;
	return kind;
}

static int load_registration(struct csv_source *s, struct mfa_err *err)
{
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	struct mfa_csv_layout layout;
	struct mfa_user u;
	bool has_type;
	int rc = -1;

	if (mfa_csvr_open(&r, s->reg_path, 0, err) < 0 || reader_header(r, &layout, NULL, err) < 0)
		goto cleanup;
	if (!mfa_csv_layout_has_registration(&layout)) {
		mfa_err_set(err, "'%s': a %s export has no registration data (--registration wants a userRegistrationDetails export)",
			    s->reg_path, layout.format->name);
		goto cleanup;
	}
	has_type = layout.field_col[MFA_CSV_F_USER_TYPE] >= 0;
	s->reg = mfa_regmap_new();
	if (!s->reg) {
		mfa_err_set(err, "cannot read '%s': out of memory", s->reg_path);
		goto cleanup;
	}
	for (;;) {
		enum mfa_csv_row_result res;
		size_t idx;
		int put, got;

		got = mfa_csvr_next(r, &rec, err);
		if (got < 0)
			goto cleanup;
		if (got == 0)
			break;
		if (rec.unterminated) {
			unterminated(s->reg_path, rec.line, err);
			goto cleanup;
		}
		if (rec.nul_field) {
			char problem[96];

			snprintf(problem, sizeof(problem), "column %zu holds a NUL byte (is the file text?)",
				 rec.nul_field);
			if (bad_row(s, s->reg_path, rec.line, problem, err) < 0)
				goto cleanup;
			continue;
		}
		res = mfa_csv_row_map(&layout, rec.cells, rec.n, &u, &s->scratch);
		if (res == MFA_CSV_ROW_NOMEM) {
			mfa_err_set(err, "cannot read '%s': out of memory", s->reg_path);
			goto cleanup;
		}
		if (res == MFA_CSV_ROW_BLANK)
			continue;
		if (res == MFA_CSV_ROW_BAD) {
			if (bad_row(s, s->reg_path, rec.line, s->scratch.problem, err) < 0)
				goto cleanup;
			continue;
		}
		/* A repeated row must not replace the first: a repeated id
		 * with another UPN would make the first user vanish. */
		got = reg_repeat(s, &u, rec.line, err);
		if (got < 0)
			goto cleanup;
		if (got == 1)
			continue;
		if (got == 2)
			u.id = NULL; /* kept as its own user, joined by UPN */
		/* A state column in a registration file is not what it is for:
		 * its problems (MFA_CSV_ROW_WARN) do not matter here. A userType
		 * guessed for want of a column must not override the state
		 * file's. */
		put = mfa_regmap_put(s->reg, u.id, u.upn, u.display_name,
				     has_type || u.user_type == MFA_USER_TYPE_GUEST ? u.user_type
										: MFA_USER_TYPE_UNKNOWN,
				     u.is_admin, &u.reg, &idx);
		if (put < 0) {
			mfa_err_set(err, "cannot read '%s': out of memory", s->reg_path);
			goto cleanup;
		}
		if (idx >= s->reg_lines_cap) {
			size_t cap = s->reg_lines_cap ? s->reg_lines_cap * 2 : 1024;
			unsigned long *p = cap <= SIZE_MAX / sizeof(*p)
						   ? realloc(s->reg_lines, cap * sizeof(*p))
						   : NULL;

			if (!p) {
				mfa_err_set(err, "cannot read '%s': out of memory", s->reg_path);
				goto cleanup;
			}
			s->reg_lines = p;
			s->reg_lines_cap = cap;
		}
		s->reg_lines[idx] = rec.line;
	}
	rc = 0;
cleanup:
	mfa_csvr_free(r);
	return rc;
}

/* Joins u to its registration row: by id, else by UPN (unless both sides
 * have ids and they differ: a reused UPN is another user). The
 * registration file's data wins over the state file's own columns. */
static void join(struct csv_source *s, struct mfa_user *u)
{
	struct mfa_regmap_entry e;
	size_t idx = MFA_REGMAP_NONE;

	if (u->id)
		idx = mfa_regmap_find_id(s->reg, u->id);
	if (idx == MFA_REGMAP_NONE && u->upn) {
		size_t j = mfa_regmap_find_upn(s->reg, u->upn);

		if (j != MFA_REGMAP_NONE) {
			mfa_regmap_get(s->reg, j, &e);
			if (!u->id || !e.id)
				idx = j;
		}
	}
	if (idx == MFA_REGMAP_NONE)
		return;
	mfa_regmap_get(s->reg, idx, &e);
	mfa_regmap_mark(s->reg, idx);
	s->stats.joined++;
	if (e.reg.registered != MFA_TRI_UNKNOWN || e.reg.capable != MFA_TRI_UNKNOWN ||
	    e.reg.methods || e.reg.other_methods)
		u->reg = e.reg;
	if (e.is_admin != MFA_TRI_UNKNOWN)
		u->is_admin = e.is_admin;
	if (e.user_type != MFA_USER_TYPE_UNKNOWN)
		u->user_type = e.user_type;
	if (!u->id)
		u->id = e.id;
	if (!u->upn)
		u->upn = e.upn;
	if (!u->display_name)
		u->display_name = e.display_name;
}

/* ---- the first pass ---- */

static int census_note(struct census *c, const char *key, unsigned long line)
{
	size_t idx;
	bool added;

	if (!key)
		return 0;
	if (mfa_strtab_intern(&c->keys, key, &idx, &added) < 0)
		return -1;
	if (added) {
		if (idx >= c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 1024;
			unsigned long *f = cap <= SIZE_MAX / sizeof(*f) ? realloc(c->first, cap * sizeof(*f)) : NULL;
			unsigned char *r;

			if (!f)
				return -1;
			c->first = f;
			r = realloc(c->repeated, cap);
			if (!r)
				return -1;
			c->repeated = r;
			c->cap = cap;
		}
		c->first[idx] = line;
		c->repeated[idx] = 0;
	} else if (c->first[idx] != line) {
		c->repeated[idx] = 1;
	}
	return 0;
}

/* For the row at line: the key of an earlier row naming the same user
 * (*earlier its line), else NULL; *repeated when a later row names it. */
static const char *census_check(const struct census *c, const struct mfa_user *u,
				unsigned long line, unsigned long *earlier, bool *repeated)
{
	const char *keys[2] = { u->id, u->upn };
	size_t i;

	*repeated = false;
	for (i = 0; i < 2; i++) {
		size_t idx = keys[i] ? mfa_strtab_find(&c->keys, keys[i]) : MFA_INDEX_NONE;

		if (idx == MFA_INDEX_NONE)
			continue;
		if (c->first[idx] < line) {
			*earlier = c->first[idx];
			return keys[i];
		}
		if (c->repeated[idx])
			*repeated = true;
	}
	return NULL;
}

static void census_release(struct census *c)
{
	mfa_strtab_release(&c->keys);
	free(c->first);
	free(c->repeated);
}

/* Reads the whole state file once: every id and UPN, and any quote that
 * never closes (fatal) before the first user is yielded. */
static int census_run(struct csv_source *s, struct mfa_err *err)
{
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	struct mfa_csv_layout layout;
	struct mfa_csv_scratch scratch;
	struct mfa_user u;
	struct stat st;
	int rc = -1, got;

	memset(&scratch, 0, sizeof(scratch));
	if (stat(s->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		s->census.live = true;
		return 0;
	}
	if (mfa_csvr_open(&r, s->path, 0, err) < 0 || reader_header(r, &layout, NULL, err) < 0)
		goto cleanup;
	while ((got = mfa_csvr_next(r, &rec, err)) > 0) {
		enum mfa_csv_row_result res;

		if (rec.unterminated) {
			unterminated(s->path, rec.line, err);
			goto cleanup;
		}
		res = mfa_csv_row_map(&layout, rec.cells, rec.n, &u, &scratch);
		if (res == MFA_CSV_ROW_NOMEM)
			goto nomem;
		if (res == MFA_CSV_ROW_BAD || res == MFA_CSV_ROW_BLANK || rec.nul_field)
			continue;
		if (census_note(&s->census, u.id, rec.line) < 0 ||
		    census_note(&s->census, u.upn, rec.line) < 0)
			goto nomem;
	}
	if (got < 0)
		goto cleanup;
	rc = 0;
	goto cleanup;
nomem:
	mfa_err_set(err, "cannot read '%s': out of memory", s->path);
cleanup:
	mfa_csv_scratch_release(&scratch);
	mfa_csvr_free(r);
	return rc;
}

/* "column 3 ('displayName')": a field of the state file, for messages. */
static void column_name(const struct csv_source *s, size_t field1, char *buf, size_t size)
{
	if (field1 >= 1 && field1 <= s->nheader)
		snprintf(buf, size, "column %zu ('%.60s')", field1, s->header[field1 - 1]);
	else
		snprintf(buf, size, "column %zu", field1);
}

static int keep_header(struct csv_source *s, const struct mfa_csvr_record *rec, struct mfa_err *err)
{
	size_t i;

	s->header = calloc(rec->n ? rec->n : 1, sizeof(*s->header));
	if (!s->header)
		return mfa_err_set(err, "cannot read '%s': out of memory", s->path);
	for (i = 0; i < rec->n; i++) {
		s->header[i] = strdup(rec->cells[i]);
		if (!s->header[i])
			return mfa_err_set(err, "cannot read '%s': out of memory", s->path);
		s->nheader = i + 1;
	}
	return 0;
}

static int csv_next(struct mfa_source *base, struct mfa_user *out, struct mfa_err *err)
{
	struct csv_source *s = (struct csv_source *)base;
	struct mfa_regmap_entry e;
	size_t idx;

	while (!s->main_done) {
		enum mfa_csv_row_result res;
		struct mfa_csvr_record rec;
		int got = mfa_csvr_next(s->main, &rec, err);

		if (got < 0)
			return -1;
		if (got == 0) {
			s->main_done = true;
			break;
		}
		const char *dup;
		unsigned long earlier = 0;
		bool repeated;

		if (rec.unterminated) /* the first pass saw none: the file changed */
			return unterminated(s->path, rec.line, err);
		if (rec.nul_field) {
			char col[96], problem[160];

			s->stats.rows++;
			s->stats.state_bad_rows++;
			column_name(s, rec.nul_field, col, sizeof(col));
			snprintf(problem, sizeof(problem), "%s holds a NUL byte (is the file text?)", col);
			if (bad_row(s, s->path, rec.line, problem, err) < 0)
				return -1;
			continue;
		}
		res = mfa_csv_row_map(&s->layout, rec.cells, rec.n, out, &s->scratch);
		if (res == MFA_CSV_ROW_BLANK) {
			s->stats.blank_rows++;
			continue;
		}
		if (res == MFA_CSV_ROW_NOMEM)
			return mfa_err_set(err, "cannot read '%s': out of memory", s->path);
		s->stats.rows++;
		dup = res == MFA_CSV_ROW_BAD ? NULL
					     : census_check(&s->census, out, rec.line, &earlier, &repeated);
		if (dup) {
			char problem[300];

			s->stats.duplicates++;
			s->stats.state_bad_rows++;
			snprintf(problem, sizeof(problem),
				 "user '%.160s' is already on line %lu (a duplicate: only the first row is used)",
				 dup, earlier);
			if (bad_row(s, s->path, rec.line, problem, err) < 0)
				return -1;
			continue;
		}
		if (res == MFA_CSV_ROW_BAD || res == MFA_CSV_ROW_WARN) {
			if (bad_row(s, s->path, rec.line, s->scratch.problem, err) < 0)
				return -1;
			if (res == MFA_CSV_ROW_BAD) {
				s->stats.state_bad_rows++;
				continue;
			}
		}
		if (s->census.live && (census_note(&s->census, out->id, rec.line) < 0 ||
					census_note(&s->census, out->upn, rec.line) < 0))
			return mfa_err_set(err, "cannot read '%s': out of memory", s->path);
		out->source_file = s->path;
		out->source_line = rec.line;
		out->duplicate = repeated;
		if (s->reg)
			join(s, out);
		return 1;
	}

	/* Registration users the state file never named: not lost. */
	idx = mfa_regmap_next_unmatched(s->reg, s->next_unmatched);
	if (idx == MFA_REGMAP_NONE)
		return 0;
	s->next_unmatched = idx + 1;
	s->stats.registration_only++;
	mfa_regmap_get(s->reg, idx, &e);
	mfa_user_init(out);
	out->id = e.id;
	out->upn = e.upn;
	out->display_name = e.display_name;
	out->user_type = e.user_type;
	if (out->user_type == MFA_USER_TYPE_UNKNOWN)
		out->user_type = mfa_upn_is_external(e.upn) ? MFA_USER_TYPE_GUEST : MFA_USER_TYPE_MEMBER;
	out->is_admin = e.is_admin;
	out->reg = e.reg;
	out->state = MFA_STATE_UNKNOWN;
	out->state_error = "in the registration export but not in the state export";
	out->source_file = s->reg_path;
	out->source_line = idx < s->reg_lines_cap ? s->reg_lines[idx] : 0;
	return 1;
}

static void csv_stats(const struct mfa_source *base, struct mfa_source_stats *out)
{
	const struct csv_source *s = (const struct csv_source *)base;

	*out = s->stats;
	out->records = mfa_csvr_records(s->main) - s->header_records;
}

static void csv_free_source(struct mfa_source *base)
{
	struct csv_source *s = (struct csv_source *)base;
	size_t i;

	if (!s)
		return;
	mfa_csvr_free(s->main);
	census_release(&s->census);
	for (i = 0; i < s->nheader; i++)
		free(s->header[i]);
	free(s->header);
	mfa_csv_scratch_release(&s->scratch);
	mfa_regmap_free(s->reg);
	free(s->reg_lines);
	free(s->path);
	free(s->reg_path);
	free(s);
}

static const struct mfa_source_ops csv_ops = {
	.next = csv_next,
	.stats = csv_stats,
	.free = csv_free_source,
};

int mfa_csv_source_open(struct mfa_source **out, const char *path,
			const struct mfa_csv_options *opts, struct mfa_err *err)
{
	static const struct mfa_csv_options defaults = MFA_CSV_OPTIONS_INIT;
	struct csv_source *s = NULL;
	int rc = -1;

	*out = NULL;
	if (!path || !*path)
		return mfa_err_set(err, "no CSV file given");
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		mfa_err_set(err, "cannot open '%s': out of memory", path);
		goto cleanup;
	}
	s->base.ops = &csv_ops;
	mfa_strtab_init(&s->census.keys);
	s->opts = opts ? *opts : defaults;
	if (s->opts.registration_path) {
		s->reg_path = strdup(s->opts.registration_path);
		if (!s->reg_path) {
			mfa_err_set(err, "cannot open '%s': out of memory", s->opts.registration_path);
			goto cleanup;
		}
		s->opts.registration_path = s->reg_path;
		if (load_registration(s, err) < 0)
			goto cleanup;
	}
	if (census_run(s, err) < 0)
		goto cleanup;
	if (mfa_csvr_open(&s->main, s->path, 0, err) < 0 ||
	    reader_header(s->main, &s->layout, s, err) < 0)
		goto cleanup;
	s->header_records = mfa_csvr_records(s->main);
	s->stats.format = s->layout.format->name;
	*out = &s->base;
	s = NULL;
	rc = 0;
cleanup:
	if (s)
		csv_free_source(&s->base);
	return rc;
}
