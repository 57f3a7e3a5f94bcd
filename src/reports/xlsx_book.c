/* xlsx_book.c - the one workbook wrapper (reports/xlsx_book.h).
 *
 * libxlsxwriter writes its file by name, in workbook_close. The book holds
 * the temporary file open from its creation (mfa_outfile_open: 0600,
 * O_NOFOLLOW); libxlsxwriter's fopen("wb") truncates that same file and
 * keeps its mode. After the close, the book checks that the name still
 * leads to the file it holds, then mfa_outfile_commit fsyncs it through the
 * descriptor held and renames it into place.
 */
#include "reports/xlsx_book.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mfa/util/outfile.h"

/* Excel's limit on the text of a cell, in UTF-16 code units. */
#define CELL_UNITS 32767u

/* Room for a truncated or repaired cell: every unit as a 3-byte sequence
 * (U+FFFD), or two units as one 4-byte sequence, plus the terminator. */
#define SCRATCH_SIZE (CELL_UNITS * 3u + 1u)

struct mfa_xlsx_table {
	struct mfa_xlsx_book *book;
	struct mfa_xlsx_table_spec spec;
	lxw_worksheet *ws;       /* its last sheet */
	size_t nsheets;
	size_t last_sheet_no;    /* the book's number of that sheet */
	unsigned long rows;      /* data rows on the last sheet */
	unsigned long total;     /* data rows over all its sheets */
	lxw_row_t row;           /* the current row */
	int ended;
	int footer;
};

struct mfa_xlsx_book {
	struct mfa_outfile out;  /* the temporary file, held open until commit */
	char *dir;               /* owned; libxlsxwriter keeps the pointer (tmpdir) */
	lxw_workbook *wb;        /* NULL once closed */
	lxw_format *styles[MFA_XLSX__STYLES];
	unsigned long rows_per_sheet;
	size_t nsheets;          /* sheets added so far */
	struct mfa_xlsx_table **tables; /* owned */
	size_t ntables;
	char *scratch;           /* SCRATCH_SIZE, for repaired cells; lazily */
	int committed;
};

unsigned long mfa_xlsx_rows_parse(const char *text)
{
	unsigned long v;
	char *end;

	if (!text || !*text)
		return MFA_XLSX_ROWS_MAX;
	errno = 0;
	v = strtoul(text, &end, 10);
	/* Only a plain positive number below Excel's limit lowers it; anything
	 * else (0, junk, "-3" which strtoul would wrap) keeps the default. */
	if (errno || *end || text[0] == '-' || text[0] == '+' || v == 0 || v > MFA_XLSX_ROWS_MAX)
		return MFA_XLSX_ROWS_MAX;
	return v;
}

/* ---- cell text -------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when the bytes there
 * are not one: overlong forms, surrogates, code points past U+10FFFF and
 * the XML non-characters U+FFFE/U+FFFF all count as invalid, since any of
 * them makes the sheet unreadable to Excel. */
static size_t utf8_seq_len(const unsigned char *p)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && p[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && p[1] >= 0xA0)
			return 0; /* surrogate */
		if (c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
			return 0; /* U+FFFE, U+FFFF */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && p[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xF4 && p[1] >= 0x90)
			return 0; /* past U+10FFFF */
		return 4;
	}
	return 0;
}

/* Copies text into the scratch buffer, replacing invalid bytes with U+FFFD
 * and stopping at Excel's cell limit. */
static const char *cell_repair(struct mfa_xlsx_book *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t out = 0;
	unsigned units = 0;

	if (!b->scratch) {
		b->scratch = malloc(SCRATCH_SIZE);
		if (!b->scratch)
			return NULL;
	}
	while (*p) {
		size_t n = utf8_seq_len(p);
		unsigned need = n == 4 ? 2u : 1u;

		if (units + need > CELL_UNITS)
			break;
		if (n == 0) {
			memcpy(b->scratch + out, "\xEF\xBF\xBD", 3);
			out += 3;
			p++;
		} else {
			memcpy(b->scratch + out, p, n);
			out += n;
			p += n;
		}
		units += need;
	}
	b->scratch[out] = '\0';
	return b->scratch;
}

/* The text to hand libxlsxwriter for a cell: text itself when it is valid
 * UTF-8 within Excel's limit (the common case, no copy), else a repaired
 * copy in the scratch buffer (valid until the next call). NULL: no memory. */
static const char *cell_text(struct mfa_xlsx_book *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned units = 0;

	for (;;) {
		/* ASCII run: the usual content of every column. */
		while (*p && *p < 0x80 && units < CELL_UNITS) {
			p++;
			units++;
		}
		if (!*p)
			return text;
		if (units >= CELL_UNITS)
			return cell_repair(b, text);
		{
			size_t n = utf8_seq_len(p);
			unsigned need = n == 4 ? 2u : 1u;

			if (n == 0 || units + need > CELL_UNITS)
				return cell_repair(b, text);
			p += n;
			units += need;
		}
	}
}

static lxw_format *style_format(const struct mfa_xlsx_book *b, enum mfa_xlsx_style style)
{
	return (unsigned)style < MFA_XLSX__STYLES ? b->styles[style] : NULL;
}

int mfa_xlsx_book_string(struct mfa_xlsx_book *b, lxw_worksheet *ws, lxw_row_t row,
			 lxw_col_t col, const char *text, enum mfa_xlsx_style style,
			 struct mfa_err *err)
{
	lxw_error e;

	if (!text || !*text)
		return 0;
	if (!b->wb)
		return mfa_err_set(err, "cannot write '%s': workbook already closed",
				   b->out.tmp_path);
	text = cell_text(b, text);
	if (!text)
		return mfa_err_set(err, "cannot write '%s': out of memory", b->out.tmp_path);
	e = worksheet_write_string(ws, row, col, text, style_format(b, style));
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", b->out.tmp_path, lxw_strerror(e));
	return 0;
}

int mfa_xlsx_book_number(struct mfa_xlsx_book *b, lxw_worksheet *ws, lxw_row_t row,
			 lxw_col_t col, double value, enum mfa_xlsx_style style,
			 struct mfa_err *err)
{
	lxw_error e;

	if (!b->wb)
		return mfa_err_set(err, "cannot write '%s': workbook already closed",
				   b->out.tmp_path);
	e = worksheet_write_number(ws, row, col, value, style_format(b, style));
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", b->out.tmp_path, lxw_strerror(e));
	return 0;
}

/* ---- book ------------------------------------------------------------- */

const char *mfa_xlsx_book_path(const struct mfa_xlsx_book *b)
{
	return b->out.tmp_path;
}

lxw_workbook *mfa_xlsx_book_workbook(struct mfa_xlsx_book *b)
{
	return b->wb;
}

int mfa_xlsx_book_sheet(struct mfa_xlsx_book *b, const char *name, lxw_worksheet **out,
			struct mfa_err *err)
{
	*out = NULL;
	if (!b->wb)
		return mfa_err_set(err, "cannot write '%s': workbook already closed",
				   b->out.tmp_path);
	if (b->nsheets >= (size_t)UINT16_MAX)
		return mfa_err_set(err, "cannot write '%s': too many sheets", b->out.tmp_path);
	*out = workbook_add_worksheet(b->wb, name);
	if (!*out)
		return mfa_err_set(err, "cannot write '%s': cannot add sheet '%s'",
				   b->out.tmp_path, name);
	b->nsheets++;
	return 0;
}

int mfa_xlsx_book_open(struct mfa_xlsx_book **out, const char *dir, const char *name,
		       const struct mfa_xlsx_book_options *o, struct mfa_err *err)
{
	struct mfa_xlsx_book *b = NULL;
	lxw_workbook_options opts;
	int rc = -1;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b) {
		mfa_err_set(err, "cannot open '%s/%s': out of memory", dir, name);
		goto cleanup;
	}
	b->out = (struct mfa_outfile)MFA_OUTFILE_INIT;
	b->rows_per_sheet = o && o->rows_per_sheet && o->rows_per_sheet <= MFA_XLSX_ROWS_MAX
				    ? o->rows_per_sheet : MFA_XLSX_ROWS_MAX;
	b->dir = strdup(dir);
	if (!b->dir) {
		mfa_err_set(err, "cannot open '%s/%s': out of memory", dir, name);
		goto cleanup;
	}
	/* Created now, 0600: an unwritable folder fails early, and the report
	 * is never readable by others, since libxlsxwriter's fopen("wb") in
	 * workbook_close truncates this file and keeps its mode. */
	if (mfa_outfile_open(&b->out, dir, name, err) < 0)
		goto cleanup;

	memset(&opts, 0, sizeof(opts));
	opts.constant_memory = LXW_TRUE;
	/* Sheet data waits in temporary files until close; keep them beside
	 * the report (same disk, same permissions) rather than in /tmp, which
	 * may be a small tmpfs. */
	opts.tmpdir = b->dir;
	opts.use_zip64 = LXW_FALSE;
	b->wb = workbook_new_opt(b->out.tmp_path, &opts);
	if (!b->wb) {
		mfa_err_set(err, "cannot open '%s': cannot create workbook", b->out.tmp_path);
		goto cleanup;
	}
	b->styles[MFA_XLSX_PLAIN] = NULL;
	b->styles[MFA_XLSX_BOLD] = workbook_add_format(b->wb);
	b->styles[MFA_XLSX_TITLE] = workbook_add_format(b->wb);
	b->styles[MFA_XLSX_DECIMAL] = workbook_add_format(b->wb);
	if (!b->styles[MFA_XLSX_BOLD] || !b->styles[MFA_XLSX_TITLE] ||
	    !b->styles[MFA_XLSX_DECIMAL]) {
		mfa_err_set(err, "cannot open '%s': out of memory", b->out.tmp_path);
		goto cleanup;
	}
	format_set_bold(b->styles[MFA_XLSX_BOLD]);
	format_set_bold(b->styles[MFA_XLSX_TITLE]);
	format_set_font_size(b->styles[MFA_XLSX_TITLE], 13);
	format_set_num_format(b->styles[MFA_XLSX_DECIMAL], "0.0");

	*out = b;
	b = NULL;
	rc = 0;
cleanup:
	mfa_xlsx_book_free(b);
	return rc;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int mfa_xlsx_book_commit(struct mfa_xlsx_book *b, struct mfa_err *err)
{
	struct stat held, named;
	lxw_error e;
	size_t i;

	if (!b->wb || b->committed)
		return mfa_err_set(err, "cannot write '%s': workbook already closed",
				   b->out.tmp_path);
	for (i = 0; i < b->ntables; i++)
		if (!b->tables[i]->ended && mfa_xlsx_table_end(b->tables[i], err) < 0)
			return -1;
	/* workbook_close writes the zip and frees the workbook, also on error. */
	e = workbook_close(b->wb);
	b->wb = NULL;
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", b->out.tmp_path, lxw_strerror(e));
	/* libxlsxwriter opened the file by name: it must still be ours. */
	if (fstat(fileno(b->out.f), &held) < 0 || lstat(b->out.tmp_path, &named) < 0)
		return mfa_err_set(err, "cannot write '%s': %s", b->out.tmp_path, strerror(errno));
	if (held.st_dev != named.st_dev || held.st_ino != named.st_ino)
		return mfa_err_set(err, "cannot write '%s': it was replaced while being written",
				   b->out.tmp_path);
	if (fchmod(fileno(b->out.f), 0600) < 0)
		return mfa_err_set(err, "cannot write '%s': %s", b->out.tmp_path, strerror(errno));
	if (mfa_outfile_commit(&b->out, err) < 0)
		return -1;
	b->committed = 1;
	/* The rename is durable once the folder is synced; a failure here
	 * leaves a complete file, so it is not an error. */
	(void)fsync_dir(b->dir);
	return 0;
}

void mfa_xlsx_book_free(struct mfa_xlsx_book *b)
{
	size_t i;

	if (!b)
		return;
	/* Abandoned: closing writes the workbook (the public way to release
	 * its sheets' temporary files), then the temporary file goes. */
	if (b->wb)
		(void)workbook_close(b->wb);
	b->wb = NULL;
	mfa_outfile_release(&b->out); /* removes the temporary file unless committed */
	for (i = 0; i < b->ntables; i++)
		free(b->tables[i]);
	free(b->tables);
	free(b->scratch);
	free(b->dir);
	free(b);
}

/* ---- tables ----------------------------------------------------------- */

/* Adds the table's next sheet ("Title", then "Title (2)", ...) with its
 * column widths, frozen bold header and nothing else. */
static int table_add_sheet(struct mfa_xlsx_table *t, struct mfa_err *err)
{
	struct mfa_xlsx_book *b = t->book;
	char name[32]; /* Excel allows 31 characters */
	lxw_worksheet *ws;
	lxw_col_t c;

	if (t->nsheets == 0)
		snprintf(name, sizeof(name), "%s", t->spec.title);
	else
		snprintf(name, sizeof(name), "%s (%zu)", t->spec.title, t->nsheets + 1);
	if (mfa_xlsx_book_sheet(b, name, &ws, err) < 0)
		return -1;
	t->ws = ws;
	t->nsheets++;
	t->last_sheet_no = b->nsheets - 1;
	t->rows = 0;
	t->row = 0;

	/* Widths and panes are kept in memory and written at close, so they
	 * may be set at any time; the header row must come first. */
	for (c = 0; t->spec.widths && c < t->spec.ncols; c++)
		if (t->spec.widths[c] > 0)
			worksheet_set_column(ws, c, c, t->spec.widths[c], NULL);
	worksheet_freeze_panes(ws, 1, 0);
	for (c = 0; c < t->spec.ncols; c++)
		if (mfa_xlsx_book_string(b, ws, 0, c, t->spec.headers[c], MFA_XLSX_BOLD, err) < 0)
			return -1;
	return 0;
}

/* Sets the autofilter over the header and data of the table's last sheet.
 * In constant-memory mode libxlsxwriter refuses ranges that end above the
 * row it is still holding, so this runs when the sheet is complete: when
 * it continues on a new sheet, or at the end. The range then ends on
 * exactly that held row (or the header), which it accepts. */
static int table_close_sheet(struct mfa_xlsx_table *t, struct mfa_err *err)
{
	lxw_error e = worksheet_autofilter(t->ws, 0, 0, (lxw_row_t)t->rows,
					   (lxw_col_t)(t->spec.ncols - 1));

	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': autofilter: %s",
				   t->book->out.tmp_path, lxw_strerror(e));
	return 0;
}

int mfa_xlsx_table_add(struct mfa_xlsx_table **out, struct mfa_xlsx_book *b,
		       const struct mfa_xlsx_table_spec *spec, struct mfa_err *err)
{
	struct mfa_xlsx_table *t = NULL;
	struct mfa_xlsx_table **grown;

	*out = NULL;
	if (spec->ncols == 0 || spec->ncols > LXW_COL_MAX)
		return mfa_err_set(err, "cannot write '%s': a table of %u columns",
				   b->out.tmp_path, spec->ncols);
	if (b->ntables >= SIZE_MAX / sizeof(*grown) - 1)
		return mfa_err_set(err, "cannot write '%s': too many tables", b->out.tmp_path);
	grown = realloc(b->tables, (b->ntables + 1) * sizeof(*grown));
	if (!grown)
		return mfa_err_set(err, "cannot write '%s': out of memory", b->out.tmp_path);
	b->tables = grown;
	t = calloc(1, sizeof(*t));
	if (!t)
		return mfa_err_set(err, "cannot write '%s': out of memory", b->out.tmp_path);
	b->tables[b->ntables++] = t;
	t->book = b;
	t->spec = *spec;
	if (table_add_sheet(t, err) < 0)
		return -1;
	*out = t;
	return 0;
}

int mfa_xlsx_table_row(struct mfa_xlsx_table *t, struct mfa_err *err)
{
	struct mfa_xlsx_book *b = t->book;

	if (t->ended)
		return mfa_err_set(err, "cannot write '%s': table '%s' already ended",
				   b->out.tmp_path, t->spec.title);
	if (t->rows >= b->rows_per_sheet) {
		/* A new sheet goes at the end of the book: only right after
		 * the table's last sheet does it keep the sheets in order. */
		if (t->last_sheet_no != b->nsheets - 1)
			return mfa_err_set(err, "cannot write '%s': '%s' cannot continue after a later sheet",
					   b->out.tmp_path, t->spec.title);
		if (table_close_sheet(t, err) < 0 || table_add_sheet(t, err) < 0)
			return -1;
	}
	t->rows++;
	t->total++;
	t->row = (lxw_row_t)t->rows;
	return 0;
}

int mfa_xlsx_table_string(struct mfa_xlsx_table *t, unsigned col, const char *text,
			  enum mfa_xlsx_style style, struct mfa_err *err)
{
	if (col >= t->spec.ncols || t->row == 0 || (t->ended && !t->footer))
		return mfa_err_set(err, "cannot write '%s': no cell %u in this row of '%s'",
				   t->book->out.tmp_path, col, t->spec.title);
	return mfa_xlsx_book_string(t->book, t->ws, t->row, (lxw_col_t)col, text, style, err);
}

int mfa_xlsx_table_number(struct mfa_xlsx_table *t, unsigned col, double value,
			  enum mfa_xlsx_style style, struct mfa_err *err)
{
	if (col >= t->spec.ncols || t->row == 0 || (t->ended && !t->footer))
		return mfa_err_set(err, "cannot write '%s': no cell %u in this row of '%s'",
				   t->book->out.tmp_path, col, t->spec.title);
	return mfa_xlsx_book_number(t->book, t->ws, t->row, (lxw_col_t)col, value, style, err);
}

int mfa_xlsx_table_end(struct mfa_xlsx_table *t, struct mfa_err *err)
{
	if (t->ended)
		return 0;
	if (table_close_sheet(t, err) < 0)
		return -1;
	t->ended = 1;
	return 0;
}

int mfa_xlsx_table_footer(struct mfa_xlsx_table *t, struct mfa_err *err)
{
	if (!t->ended || t->footer)
		return mfa_err_set(err, "cannot write '%s': a footer comes once, after the end of '%s'",
				   t->book->out.tmp_path, t->spec.title);
	t->footer = 1;
	t->row = (lxw_row_t)(t->rows + 1);
	return 0;
}

unsigned long mfa_xlsx_table_rows(const struct mfa_xlsx_table *t)
{
	return t->total;
}
