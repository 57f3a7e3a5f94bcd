/* csv_source.c - users from a CSV export (mfa_csv_source_open, mfa/source.h).
 *
 * The file is streamed: csv_input yields UTF-8 in 64 KiB chunks, libcsv
 * parses them, and one record at a time is mapped to a struct mfa_user in
 * buffers reused from row to row. Only the --registration file is held, in
 * a compact mfa_regmap.
 *
 * Line numbers: libcsv reports fields and records but not where they are,
 * so each chunk is fed to it one physical line at a time (up to and
 * including each CR or LF). A record therefore always ends at the end of a
 * piece, and the piece in which the parser left its "row not begun" state
 * is the record's first line, quoted newlines included.
 */
#include "mfa/model/source.h"

#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfa/model/regmap.h"
#include "sources/csv_formats.h"
#include "mfa/util/textin.h"

#define CHUNK (64u * 1024u)
/* A record longer than this is not a user: almost surely a quote that
 * never closes, swallowing the rest of the file. Refusing it keeps memory
 * flat. */
#define MAX_RECORD (4u * 1024u * 1024u)

/* libcsv's parser states (struct csv_parser.pstate, csv.h exposes the
 * struct but not these names). */
#define LIBCSV_ROW_NOT_BEGUN 0
#define LIBCSV_FIELD_BEGUN 2

/* One CSV file being parsed, record by record. */
struct reader {
	const char *path;          /* borrowed from the source */
	struct mfa_csv_input *in;
	struct csv_parser parser;
	bool parser_ready;
	char *buf;                 /* UTF-8 chunk: buf[pos..len) not yet parsed */
	size_t pos, len;
	bool finished;             /* input ended and csv_fini was called */
	unsigned long line;        /* physical line of the next byte */
	bool prev_cr;
	unsigned long rec_line;    /* line where the record being parsed began */
	size_t rec_bytes;
	/* the current record */
	char *row;                 /* fields, each NUL-terminated */
	size_t row_len, row_cap;
	size_t *offs;
	size_t nfields, offs_cap;
	char **cells;
	size_t cells_cap;
	bool rec_done;
	bool nomem;
};

struct csv_source {
	struct mfa_source base;
	struct mfa_csv_options opts;
	char *path;
	char *reg_path;
	struct reader main;
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

static void on_field(void *data, size_t len, void *ctx)
{
	struct reader *r = ctx;

	if (r->nomem)
		return;
	if (r->nfields == r->offs_cap) {
		size_t cap = r->offs_cap ? r->offs_cap * 2 : 32;
		size_t *p = cap <= SIZE_MAX / sizeof(*p) ? realloc(r->offs, cap * sizeof(*p)) : NULL;

		if (!p) {
			r->nomem = true;
			return;
		}
		r->offs = p;
		r->offs_cap = cap;
	}
	if (len > SIZE_MAX - 1 - r->row_len) {
		r->nomem = true;
		return;
	}
	if (r->row_len + len + 1 > r->row_cap) {
		size_t cap = r->row_cap ? r->row_cap : 1024;
		char *p;

		while (cap < r->row_len + len + 1)
			cap *= 2;
		p = realloc(r->row, cap);
		if (!p) {
			r->nomem = true;
			return;
		}
		r->row = p;
		r->row_cap = cap;
	}
	if (len)
		memcpy(r->row + r->row_len, data, len);
	r->row[r->row_len + len] = '\0';
	r->offs[r->nfields++] = r->row_len;
	r->row_len += len + 1;
}

static void on_record(int c, void *ctx)
{
	struct reader *r = ctx;

	(void)c;
	r->rec_done = true;
}

static int reader_open(struct reader *r, const char *path, struct mfa_err *err)
{
	r->path = path;
	if (mfa_csv_input_open(&r->in, path, 0, err) < 0)
		return -1;
	if (csv_init(&r->parser, 0) != 0)
		return mfa_err_set(err, "cannot read '%s': out of memory", path);
	r->parser_ready = true;
	csv_set_delim(&r->parser, (unsigned char)mfa_csv_input_delimiter(r->in));
	csv_set_blk_size(&r->parser, 4096);
	r->buf = malloc(CHUNK);
	if (!r->buf)
		return mfa_err_set(err, "cannot read '%s': out of memory", path);
	r->line = 1 + mfa_csv_input_skipped_lines(r->in);
	r->rec_line = r->line;
	return 0;
}

static void reader_release(struct reader *r)
{
	mfa_csv_input_free(r->in);
	if (r->parser_ready)
		csv_free(&r->parser);
	free(r->buf);
	free(r->row);
	free(r->offs);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

/* Reads the next record. Returns 1 with cells, ncells and line set (valid
 * until the next call), 0 at the end of the file, -1 on error. *unterminated
 * is set for a record cut off by the end of the file inside quotes. */
static int reader_next(struct reader *r, char ***cells, size_t *ncells, unsigned long *line,
		       bool *unterminated, struct mfa_err *err)
{
	size_t i;

	r->row_len = 0;
	r->nfields = 0;
	r->rec_done = false;
	*unterminated = false;
	for (;;) {
		size_t start, end, seg;

		if (r->nomem)
			return mfa_err_set(err, "cannot read '%s': out of memory", r->path);
		if (r->rec_done)
			break;
		if (r->finished)
			return 0;
		if (r->pos == r->len) {
			ssize_t n = mfa_csv_input_read(r->in, r->buf, CHUNK, err);

			if (n < 0)
				return -1;
			if (n == 0) {
				*unterminated = r->parser.pstate == LIBCSV_FIELD_BEGUN && r->parser.quoted;
				csv_fini(&r->parser, on_field, on_record, r);
				r->finished = true;
				continue;
			}
			r->pos = 0;
			r->len = (size_t)n;
		}
		start = r->pos;
		for (end = start; end < r->len && r->buf[end] != '\n' && r->buf[end] != '\r'; end++)
			;
		seg = (end < r->len ? end + 1 : end) - start;
		if (r->parser.pstate == LIBCSV_ROW_NOT_BEGUN) {
			r->rec_line = r->line;
			r->rec_bytes = 0;
		}
		r->rec_bytes += seg;
		if (r->rec_bytes > MAX_RECORD)
			return mfa_err_set(err, "%s:%lu: record longer than %u MiB (a quoted field that never ends?)",
					   r->path, r->rec_line, MAX_RECORD / (1024u * 1024u));
		if (csv_parse(&r->parser, r->buf + start, seg, on_field, on_record, r) != seg)
			return mfa_err_set(err, "cannot read '%s': %s", r->path,
					   csv_strerror(csv_error(&r->parser)));
		/* CR, LF and CRLF each end one physical line */
		if (end > start)
			r->prev_cr = false;
		if (end < r->len) {
			if (r->buf[end] == '\r')
				r->line++;
			else if (!r->prev_cr)
				r->line++;
			r->prev_cr = r->buf[end] == '\r';
		}
		r->pos = start + seg;
	}
	if (r->nomem)
		return mfa_err_set(err, "cannot read '%s': out of memory", r->path);
	if (r->nfields > r->cells_cap) {
		char **p = r->nfields <= SIZE_MAX / sizeof(*p) ? realloc(r->cells, r->nfields * sizeof(*p)) : NULL;

		if (!p)
			return mfa_err_set(err, "cannot read '%s': out of memory", r->path);
		r->cells = p;
		r->cells_cap = r->nfields;
	}
	for (i = 0; i < r->nfields; i++)
		r->cells[i] = r->row + r->offs[i];
	*cells = r->cells;
	*ncells = r->nfields;
	*line = r->rec_line;
	return 1;
}

/* Reads the header row and matches it to a format. */
static int reader_header(struct reader *r, struct mfa_csv_layout *layout, struct mfa_err *err)
{
	char **cells;
	size_t n, i;
	unsigned long line;
	bool unterminated;
	int rc;

	for (;;) {
		bool blank = true;

		rc = reader_next(r, &cells, &n, &line, &unterminated, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return mfa_err_set(err, "'%s': no header row (the file is empty)", r->path);
		for (i = 0; i < n && blank; i++)
			blank = cells[i][0] == '\0';
		if (!blank)
			break;
	}
	if (mfa_csv_format_detect((const char *const *)cells, n, layout) < 0) {
		char expected[MFA_ERR_MAX];

		mfa_csv_formats_expected(expected, sizeof(expected));
		return mfa_err_set(err, "'%s': cannot tell the export format from its header; %s",
				   r->path, expected);
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
	struct reader r;
	struct mfa_csv_layout layout;
	struct mfa_user u;
	char **cells;
	size_t n;
	unsigned long line;
	bool unterminated, has_type;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (reader_open(&r, s->reg_path, err) < 0 || reader_header(&r, &layout, err) < 0)
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

		got = reader_next(&r, &cells, &n, &line, &unterminated, err);
		if (got < 0)
			goto cleanup;
		if (got == 0)
			break;
		if (unterminated) {
			if (bad_row(s, s->reg_path, line, "unterminated quoted field", err) < 0)
				goto cleanup;
			continue;
		}
		res = mfa_csv_row_map(&layout, cells, n, &u, &s->scratch);
		if (res == MFA_CSV_ROW_NOMEM) {
			mfa_err_set(err, "cannot read '%s': out of memory", s->reg_path);
			goto cleanup;
		}
		if (res == MFA_CSV_ROW_BLANK)
			continue;
		if (res == MFA_CSV_ROW_BAD) {
			if (bad_row(s, s->reg_path, line, s->scratch.problem, err) < 0)
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
		s->reg_lines[idx] = line;
	}
	rc = 0;
cleanup:
	reader_release(&r);
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
		char **cells;
		size_t n;
		unsigned long line;
		bool unterminated;
		int got = reader_next(&s->main, &cells, &n, &line, &unterminated, err);

		if (got < 0)
			return -1;
		if (got == 0) {
			s->main_done = true;
			break;
		}
		if (unterminated) {
			s->stats.rows++;
			if (bad_row(s, s->path, line, "unterminated quoted field", err) < 0)
				return -1;
			continue;
		}
		res = mfa_csv_row_map(&s->layout, cells, n, out, &s->scratch);
		if (res == MFA_CSV_ROW_BLANK)
			continue;
		if (res == MFA_CSV_ROW_NOMEM)
			return mfa_err_set(err, "cannot read '%s': out of memory", s->path);
		s->stats.rows++;
		if (res == MFA_CSV_ROW_BAD || res == MFA_CSV_ROW_WARN) {
			if (bad_row(s, s->path, line, s->scratch.problem, err) < 0)
				return -1;
			if (res == MFA_CSV_ROW_BAD)
				continue;
		}
		out->source_file = s->path;
		out->source_line = line;
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
	reader_release(&s->main);
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
	if (reader_open(&s->main, s->path, err) < 0 || reader_header(&s->main, &s->layout, err) < 0)
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
