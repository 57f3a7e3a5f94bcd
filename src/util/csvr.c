/* csvr.c - the one CSV record reader (mfa/util/csvr.h). */
#include "mfa/util/csvr.h"

#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfa/util/textin.h"

#define CHUNK (64u * 1024u)

struct mfa_csvr {
	char *path;
	struct mfa_csv_input *in;
	struct csv_parser parser;
	bool parser_ready;
	size_t max_record;
	char *buf;                 /* UTF-8 chunk: buf[pos..len) not yet parsed */
	size_t pos, len;
	bool finished;             /* input ended and csv_fini was called */
	bool failed;
	unsigned long line;        /* physical line of the next byte */
	bool prev_cr;
	bool row_open;             /* bytes of a record fed since the last one ended */
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
	size_t nul_field;          /* 1 + index of the first field holding a NUL byte; 0: none */
	unsigned long records;     /* records handed out */
};

static void on_field(void *data, size_t len, void *ctx)
{
	struct mfa_csvr *r = ctx;

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

		while (cap < r->row_len + len + 1) {
			if (cap > SIZE_MAX / 2) {
				r->nomem = true;
				return;
			}
			cap *= 2;
		}
		p = realloc(r->row, cap);
		if (!p) {
			r->nomem = true;
			return;
		}
		r->row = p;
		r->row_cap = cap;
	}
	if (len && !r->nul_field && memchr(data, '\0', len))
		r->nul_field = r->nfields + 1;
	if (len)
		memcpy(r->row + r->row_len, data, len);
	r->row[r->row_len + len] = '\0';
	r->offs[r->nfields++] = r->row_len;
	r->row_len += len + 1;
}

static void on_record(int c, void *ctx)
{
	struct mfa_csvr *r = ctx;

	(void)c;
	r->rec_done = true;
	r->row_open = false;
}

int mfa_csvr_open(struct mfa_csvr **out, const char *path, size_t max_record, struct mfa_err *err)
{
	struct mfa_csvr *r;
	int rc = -1;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(path))) {
		mfa_err_set(err, "cannot read '%s': out of memory", path);
		goto cleanup;
	}
	r->max_record = max_record ? max_record : MFA_CSVR_MAX_RECORD;
	if (mfa_csv_input_open(&r->in, path, 0, err) < 0)
		goto cleanup;
	if (csv_init(&r->parser, 0) != 0) {
		mfa_err_set(err, "cannot read '%s': out of memory", path);
		goto cleanup;
	}
	r->parser_ready = true;
	csv_set_delim(&r->parser, (unsigned char)mfa_csv_input_delimiter(r->in));
	csv_set_blk_size(&r->parser, 4096);
	r->buf = malloc(CHUNK);
	if (!r->buf) {
		mfa_err_set(err, "cannot read '%s': out of memory", path);
		goto cleanup;
	}
	r->line = 1 + mfa_csv_input_skipped_lines(r->in);
	r->rec_line = r->line;
	*out = r;
	r = NULL;
	rc = 0;
cleanup:
	mfa_csvr_free(r);
	return rc;
}

unsigned long mfa_csvr_records(const struct mfa_csvr *r)
{
	return r->records;
}

const char *mfa_csvr_path(const struct mfa_csvr *r)
{
	return r->path;
}

void mfa_csvr_free(struct mfa_csvr *r)
{
	if (!r)
		return;
	mfa_csv_input_free(r->in);
	if (r->parser_ready)
		csv_free(&r->parser);
	free(r->buf);
	free(r->row);
	free(r->offs);
	free(r->cells);
	free(r->path);
	free(r);
}

/* Does the piece hold anything that begins a record? libcsv skips spaces,
 * tabs and line ends before a record (a blank line is no record). */
static bool piece_begins(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return true;
	}
	return false;
}

/* The end of the input: closes an open record (see the header). */
static int finish(struct mfa_csvr *r, bool *unterminated, struct mfa_err *err)
{
	r->finished = true;
	if (r->row_open) {
		if (csv_parse(&r->parser, "\n", 1, on_field, on_record, r) != 1) {
			r->failed = true;
			return mfa_err_set(err, "cannot read '%s': %s", r->path,
					   csv_strerror(csv_error(&r->parser)));
		}
		*unterminated = !r->rec_done;
	}
	csv_fini(&r->parser, on_field, on_record, r);
	/* inside quotes the line end fed above became text: take it back */
	if (*unterminated && r->nfields > 0 && r->row_len >= 2 && r->row[r->row_len - 2] == '\n') {
		r->row[r->row_len - 2] = '\0';
		r->row_len--;
	}
	return 0;
}

int mfa_csvr_next(struct mfa_csvr *r, struct mfa_csvr_record *rec, struct mfa_err *err)
{
	size_t i;

	memset(rec, 0, sizeof(*rec));
	if (r->failed)
		return mfa_err_set(err, "cannot read '%s': an earlier error stopped the reader", r->path);
	r->row_len = 0;
	r->nfields = 0;
	r->nul_field = 0;
	r->rec_done = false;
	for (;;) {
		size_t start, end, seg;

		if (r->nomem)
			goto nomem;
		if (r->rec_done)
			break;
		if (r->finished)
			return 0;
		if (r->pos == r->len) {
			ssize_t n = mfa_csv_input_read(r->in, r->buf, CHUNK, err);

			if (n < 0) {
				r->failed = true;
				return -1;
			}
			if (n == 0) {
				if (finish(r, &rec->unterminated, err) < 0)
					return -1;
				continue;
			}
			r->pos = 0;
			r->len = (size_t)n;
		}
		start = r->pos;
		for (end = start; end < r->len && r->buf[end] != '\n' && r->buf[end] != '\r'; end++)
			;
		seg = (end < r->len ? end + 1 : end) - start;
		if (!r->row_open) {
			r->rec_line = r->line;
			r->rec_bytes = 0;
			r->row_open = piece_begins(r->buf + start, seg);
		}
		r->rec_bytes += seg;
		if (r->rec_bytes > r->max_record) {
			r->failed = true;
			rec->line = r->rec_line;
			mfa_err_set(err, "%s:%lu: record longer than %zu MiB (a quoted field that never ends?)",
				    r->path, r->rec_line, r->max_record / (1024u * 1024u));
			return MFA_CSVR_TOO_LONG;
		}
		if (csv_parse(&r->parser, r->buf + start, seg, on_field, on_record, r) != seg) {
			r->failed = true;
			return mfa_err_set(err, "cannot read '%s': %s", r->path,
					   csv_strerror(csv_error(&r->parser)));
		}
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
		goto nomem;
	if (r->nfields > r->cells_cap) {
		char **p = r->nfields <= SIZE_MAX / sizeof(*p) ? realloc(r->cells, r->nfields * sizeof(*p)) : NULL;

		if (!p)
			goto nomem;
		r->cells = p;
		r->cells_cap = r->nfields;
	}
	for (i = 0; i < r->nfields; i++)
		r->cells[i] = r->row + r->offs[i];
	rec->cells = r->cells;
	rec->n = r->nfields;
	rec->line = r->rec_line;
	rec->nul_field = r->nul_field;
	r->records++;
	return 1;
nomem:
	r->failed = true;
	return mfa_err_set(err, "cannot read '%s': out of memory", r->path);
}
