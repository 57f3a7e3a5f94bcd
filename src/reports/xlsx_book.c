/* xlsx_book.c - the one workbook wrapper (reports/xlsx_book.h).
 *
 * libxlsxwriter writes its file by name, in workbook_close, and its sheet
 * data into temporary files it names itself. Neither name may be one that
 * another user can redirect: both live in a private folder the book makes
 * (0700, a random name, inside the output folder: same disk) and holds
 * open, and libxlsxwriter reaches it through that descriptor
 * (/proc/self/fd/N), so even renaming the folder away changes nothing.
 * At commit the finished file is fsynced through a descriptor opened
 * within the private folder and renamed from it into the output folder
 * (renameat between the two held descriptors); the folder then goes.
 */
#include "reports/xlsx_book.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/random.h>
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
	int dirfd;               /* the output folder, held; -1 */
	int privfd;              /* the private folder in it, held; -1 */
	char *dir;               /* the output folder, for messages; owned */
	char *name;              /* the final name; owned */
	char *priv_name;         /* "<name>.tmp-XXXXXX", the private folder's name; owned */
	char *path;              /* "<dir>/<priv_name>/<name>", for messages; owned */
	char *lxw_dir;           /* the private folder as libxlsxwriter reaches it; owned,
				  * and libxlsxwriter keeps the pointer (tmpdir) */
	char *lxw_path;          /* lxw_dir/<name>; owned */
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
				   b->path);
	text = cell_text(b, text);
	if (!text)
		return mfa_err_set(err, "cannot write '%s': out of memory", b->path);
	e = worksheet_write_string(ws, row, col, text, style_format(b, style));
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", b->path, lxw_strerror(e));
	return 0;
}

int mfa_xlsx_book_number(struct mfa_xlsx_book *b, lxw_worksheet *ws, lxw_row_t row,
			 lxw_col_t col, double value, enum mfa_xlsx_style style,
			 struct mfa_err *err)
{
	lxw_error e;

	if (!b->wb)
		return mfa_err_set(err, "cannot write '%s': workbook already closed",
				   b->path);
	e = worksheet_write_number(ws, row, col, value, style_format(b, style));
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", b->path, lxw_strerror(e));
	return 0;
}

/* ---- book ------------------------------------------------------------- */

const char *mfa_xlsx_book_path(const struct mfa_xlsx_book *b)
{
	return b->path;
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
				   b->path);
	if (b->nsheets >= (size_t)UINT16_MAX)
		return mfa_err_set(err, "cannot write '%s': too many sheets", b->path);
	*out = workbook_add_worksheet(b->wb, name);
	if (!*out)
		return mfa_err_set(err, "cannot write '%s': cannot add sheet '%s'",
				   b->path, name);
	b->nsheets++;
	return 0;
}

/* Makes "<name>.tmp-XXXXXX" in the output folder, 0700, and holds it. */
static int private_folder(struct mfa_xlsx_book *b, struct mfa_err *err)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t len = strlen(b->name);
	unsigned char rnd[6];
	struct stat st;
	int tries, i;

	b->priv_name = malloc(len + 12);
	if (!b->priv_name)
		return mfa_err_set(err, "cannot open '%s/%s': out of memory", b->dir, b->name);
	for (tries = 0; tries < 100; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return mfa_err_set(err, "cannot open '%s/%s': no random numbers: %s", b->dir,
					   b->name, strerror(errno));
		memcpy(b->priv_name, b->name, len);
		memcpy(b->priv_name + len, ".tmp-", 5);
		for (i = 0; i < 6; i++)
			b->priv_name[len + 5 + i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
		b->priv_name[len + 11] = '\0';
		if (mkdirat(b->dirfd, b->priv_name, 0700) == 0)
			break;
		if (errno != EEXIST)
			return mfa_err_set(err, "cannot create a folder in '%s': %s", b->dir,
					   strerror(errno));
	}
	if (tries == 100)
		return mfa_err_set(err, "cannot create a folder in '%s': every name taken", b->dir);
	b->privfd = openat(b->dirfd, b->priv_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* It must be the folder just made: ours, and no one else's to enter. */
	if (b->privfd < 0 || fstat(b->privfd, &st) < 0 || st.st_uid != geteuid() ||
	    fchmod(b->privfd, 0700) < 0) {
		mfa_err_set(err, "cannot open the folder '%s/%s' just made: %s", b->dir, b->priv_name,
			    b->privfd < 0 ? strerror(errno) : "not ours");
		if (b->privfd >= 0)
			close(b->privfd);
		b->privfd = -1;
		unlinkat(b->dirfd, b->priv_name, AT_REMOVEDIR);
		free(b->priv_name);
		b->priv_name = NULL;
		return -1;
	}
	return 0;
}

/* How libxlsxwriter names the private folder: through the descriptor held
 * when /proc shows it, else by its path (still ours alone: 0700). */
static int lxw_names(struct mfa_xlsx_book *b)
{
	char fdpath[64];
	struct stat held, seen;
	char *folder = mfa_path_join(b->dir, b->priv_name);

	if (!folder)
		return -1;
	b->path = mfa_path_join(folder, b->name);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", b->privfd);
	if (fstat(b->privfd, &held) == 0 && stat(fdpath, &seen) == 0 && held.st_dev == seen.st_dev &&
	    held.st_ino == seen.st_ino) {
		b->lxw_dir = strdup(fdpath);
		free(folder);
	} else {
		b->lxw_dir = folder;
	}
	b->lxw_path = b->lxw_dir ? mfa_path_join(b->lxw_dir, b->name) : NULL;
	return b->path && b->lxw_path ? 0 : -1;
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
	b->dirfd = -1;
	b->privfd = -1;
	b->rows_per_sheet = o && o->rows_per_sheet && o->rows_per_sheet <= MFA_XLSX_ROWS_MAX
				    ? o->rows_per_sheet : MFA_XLSX_ROWS_MAX;
	b->dir = strdup(dir);
	b->name = strdup(name);
	if (!b->dir || !b->name) {
		mfa_err_set(err, "cannot open '%s/%s': out of memory", dir, name);
		goto cleanup;
	}
	/* Made now: an unwritable folder fails early. */
	b->dirfd = mfa_dir_open(dir, err);
	if (b->dirfd < 0) {
		mfa_err_prefix(err, "cannot create '%s/%s'", dir, name);
		goto cleanup;
	}
	if (private_folder(b, err) < 0)
		goto cleanup;
	if (lxw_names(b) < 0) {
		mfa_err_set(err, "cannot open '%s/%s': out of memory", dir, name);
		goto cleanup;
	}

	memset(&opts, 0, sizeof(opts));
	opts.constant_memory = LXW_TRUE;
	/* Sheet data waits in temporary files until close; keep them in the
	 * private folder (same disk as the report) rather than in /tmp, which
	 * may be a small tmpfs. */
	opts.tmpdir = b->lxw_dir;
	opts.use_zip64 = LXW_FALSE;
	b->wb = workbook_new_opt(b->lxw_path, &opts);
	if (!b->wb) {
		mfa_err_set(err, "cannot open '%s': cannot create workbook", b->path);
		goto cleanup;
	}
	b->styles[MFA_XLSX_PLAIN] = NULL;
	b->styles[MFA_XLSX_BOLD] = workbook_add_format(b->wb);
	b->styles[MFA_XLSX_TITLE] = workbook_add_format(b->wb);
	b->styles[MFA_XLSX_DECIMAL] = workbook_add_format(b->wb);
	if (!b->styles[MFA_XLSX_BOLD] || !b->styles[MFA_XLSX_TITLE] ||
	    !b->styles[MFA_XLSX_DECIMAL]) {
		mfa_err_set(err, "cannot open '%s': out of memory", b->path);
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

/* The finished file, in the private folder: 0600, on disk. */
static int sync_finished(struct mfa_xlsx_book *b, struct mfa_err *err)
{
	struct stat st;
	int fd = openat(b->privfd, b->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int rc = -1;

	if (fd < 0)
		return mfa_err_set(err, "cannot write '%s': %s", b->path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fchmod(fd, 0600) < 0 || fsync(fd) < 0) {
		mfa_err_set(err, "cannot write '%s': %s", b->path,
			    errno ? strerror(errno) : "not a file");
		goto cleanup;
	}
	rc = 0;
cleanup:
	close(fd);
	return rc;
}

int mfa_xlsx_book_commit(struct mfa_xlsx_book *b, struct mfa_err *err)
{
	lxw_error e;
	size_t i;

	if (!b->wb || b->committed)
		return mfa_err_set(err, "cannot write '%s': workbook already closed", b->path);
	for (i = 0; i < b->ntables; i++)
		if (!b->tables[i]->ended && mfa_xlsx_table_end(b->tables[i], err) < 0)
			return -1;
	/* workbook_close writes the zip and frees the workbook, also on error. */
	e = workbook_close(b->wb);
	b->wb = NULL;
	if (e != LXW_NO_ERROR)
		return mfa_err_set(err, "cannot write '%s': %s", b->path, lxw_strerror(e));
	errno = 0;
	if (sync_finished(b, err) < 0)
		return -1;
	/* From the private folder into place: a link planted at the final
	 * name is replaced, never followed. */
	if (renameat(b->privfd, b->name, b->dirfd, b->name) < 0)
		return mfa_err_set(err, "cannot move '%s' to '%s/%s': %s", b->path, b->dir, b->name,
				   strerror(errno));
	b->committed = 1;
	/* The rename is durable once the folder is synced; a failure here
	 * leaves a complete file, so it is not an error. */
	(void)fsync(b->dirfd);
	return 0;
}

/* Empties and removes the private folder (libxlsxwriter's leftovers, an
 * abandoned workbook); entries are unlinked, never followed. */
static void remove_private(struct mfa_xlsx_book *b)
{
	int fd;
	DIR *d;
	struct dirent *e;

	if (b->privfd < 0)
		return;
	fd = fcntl(b->privfd, F_DUPFD_CLOEXEC, 0);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			unlinkat(b->privfd, e->d_name, 0);
	if (d)
		closedir(d);
	close(b->privfd);
	b->privfd = -1;
	unlinkat(b->dirfd, b->priv_name, AT_REMOVEDIR);
}

void mfa_xlsx_book_free(struct mfa_xlsx_book *b)
{
	size_t i;

	if (!b)
		return;
	/* Abandoned: closing writes the workbook (the public way to release
	 * its sheets' temporary files), then the private folder goes. */
	if (b->wb)
		(void)workbook_close(b->wb);
	b->wb = NULL;
	remove_private(b);
	if (b->dirfd >= 0)
		close(b->dirfd);
	for (i = 0; i < b->ntables; i++)
		free(b->tables[i]);
	free(b->tables);
	free(b->scratch);
	free(b->dir);
	free(b->name);
	free(b->priv_name);
	free(b->path);
	free(b->lxw_dir);
	free(b->lxw_path);
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
				   t->book->path, lxw_strerror(e));
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
				   b->path, spec->ncols);
	if (b->ntables >= SIZE_MAX / sizeof(*grown) - 1)
		return mfa_err_set(err, "cannot write '%s': too many tables", b->path);
	grown = realloc(b->tables, (b->ntables + 1) * sizeof(*grown));
	if (!grown)
		return mfa_err_set(err, "cannot write '%s': out of memory", b->path);
	b->tables = grown;
	t = calloc(1, sizeof(*t));
	if (!t)
		return mfa_err_set(err, "cannot write '%s': out of memory", b->path);
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
				   b->path, t->spec.title);
	if (t->rows >= b->rows_per_sheet) {
		/* A new sheet goes at the end of the book: only right after
		 * the table's last sheet does it keep the sheets in order. */
		if (t->last_sheet_no != b->nsheets - 1)
			return mfa_err_set(err, "cannot write '%s': '%s' cannot continue after a later sheet",
					   b->path, t->spec.title);
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
				   t->book->path, col, t->spec.title);
	return mfa_xlsx_book_string(t->book, t->ws, t->row, (lxw_col_t)col, text, style, err);
}

int mfa_xlsx_table_number(struct mfa_xlsx_table *t, unsigned col, double value,
			  enum mfa_xlsx_style style, struct mfa_err *err)
{
	if (col >= t->spec.ncols || t->row == 0 || (t->ended && !t->footer))
		return mfa_err_set(err, "cannot write '%s': no cell %u in this row of '%s'",
				   t->book->path, col, t->spec.title);
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
				   t->book->path, t->spec.title);
	t->footer = 1;
	t->row = (lxw_row_t)(t->rows + 1);
	return 0;
}

unsigned long mfa_xlsx_table_rows(const struct mfa_xlsx_table *t)
{
	return t->total;
}
