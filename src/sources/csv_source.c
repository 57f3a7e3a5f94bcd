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

#include "mfa/model/regmap.h"
#include "sources/csv_formats.h"
#include "mfa/util/csvr.h"

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
	struct mfa_source_stats stats;
};

/* ---- reader ---- */

/* Reads the header row and matches it to a format. */
static int reader_header(struct mfa_csvr *r, struct mfa_csv_layout *layout, struct mfa_err *err)
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
		for (i = 0; i < rec.n && blank; i++)
			blank = rec.cells[i][0] == '\0';
		if (!blank)
			break;
	}
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

static int load_registration(struct csv_source *s, struct mfa_err *err)
{
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	struct mfa_csv_layout layout;
	struct mfa_user u;
	bool has_type;
	int rc = -1;

	if (mfa_csvr_open(&r, s->reg_path, 0, err) < 0 || reader_header(r, &layout, err) < 0)
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
			if (bad_row(s, s->reg_path, rec.line, "unterminated quoted field", err) < 0)
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
		if (rec.unterminated) {
			s->stats.rows++;
			if (bad_row(s, s->path, rec.line, "unterminated quoted field", err) < 0)
				return -1;
			continue;
		}
		res = mfa_csv_row_map(&s->layout, rec.cells, rec.n, out, &s->scratch);
		if (res == MFA_CSV_ROW_BLANK)
			continue;
		if (res == MFA_CSV_ROW_NOMEM)
			return mfa_err_set(err, "cannot read '%s': out of memory", s->path);
		s->stats.rows++;
		if (res == MFA_CSV_ROW_BAD || res == MFA_CSV_ROW_WARN) {
			if (bad_row(s, s->path, rec.line, s->scratch.problem, err) < 0)
				return -1;
			if (res == MFA_CSV_ROW_BAD)
				continue;
		}
		out->source_file = s->path;
		out->source_line = rec.line;
		if (s->reg)
			join(s, out);
		return 1;
	}

	/* Registration users the state file never named: not lost. */
	idx = mfa_regmap_next_unmatched(s->reg, s->next_unmatched);
	if (idx == MFA_REGMAP_NONE)
		return 0;
	s->next_unmatched = idx + 1;
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
}

static void csv_free_source(struct mfa_source *base)
{
	struct csv_source *s = (struct csv_source *)base;

	if (!s)
		return;
	mfa_csvr_free(s->main);
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
	if (mfa_csvr_open(&s->main, s->path, 0, err) < 0 || reader_header(s->main, &s->layout, err) < 0)
		goto cleanup;
	s->stats.format = s->layout.format->name;
	*out = &s->base;
	s = NULL;
	rc = 0;
cleanup:
	if (s)
		csv_free_source(&s->base);
	return rc;
}
