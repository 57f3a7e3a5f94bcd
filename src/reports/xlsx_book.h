/* reports/xlsx_book.h - the one workbook wrapper: every XLSX the tool
 * writes (report.xlsx, results.xlsx, the --tenants roll-up) goes through
 * it.
 *
 * The book owns what every workbook needs the same way:
 *  - a file that is complete or absent, and that no other user can
 *    redirect: libxlsxwriter writes it (and its sheets' temporary files)
 *    in a private folder "<name>.tmp-XXXXXX" the book makes 0700 inside
 *    the output folder and holds open; at commit the file is fsynced and
 *    renamed from that folder into the output folder (renameat, a link at
 *    the final name replaced, never followed), mode 0600; abandoning a
 *    book closes the workbook and removes the private folder;
 *  - constant memory: libxlsxwriter's constant-memory mode, its temporary
 *    sheet files in that private folder (same disk, not a small /tmp);
 *  - the shared formats (enum mfa_xlsx_style);
 *  - tables: a header row in bold, column widths, the header frozen, an
 *    autofilter over header and data, and continuation sheets "Name (2)",
 *    "Name (3)", ... past Excel's row limit (or rows_per_sheet);
 *  - cells Excel accepts: text always goes in as a string cell, never a
 *    formula ("=HYPERLINK(...)" in a display name stays text); invalid
 *    UTF-8 is replaced by U+FFFD and text cut at Excel's 32,767
 *    characters; an empty or NULL text writes no cell.
 *
 * Sheets appear in the order they are added, and libxlsxwriter cannot move
 * one, so a caller adds them in their final order. Rows of a sheet go out
 * in increasing order (constant-memory mode); sheets may interleave, but a
 * table can continue on a new sheet only while its last sheet is the
 * book's last (mfa_xlsx_table_row refuses otherwise): put the rows of later
 * tables aside (util/spool.h) and stream them in once the earlier table is
 * done.
 *
 *     struct mfa_xlsx_book *b = NULL;
 *     struct mfa_xlsx_table *t;
 *     lxw_worksheet *summary;
 *     if (mfa_xlsx_book_open(&b, dir, "results.xlsx", &opts, &err) < 0 ||
 *         mfa_xlsx_book_sheet(b, "Summary", &summary, &err) < 0 ||
 *         mfa_xlsx_table_add(&t, b, &spec, &err) < 0) goto cleanup;
 *     for each row: mfa_xlsx_table_row(t, &err), then mfa_xlsx_table_string(t, col, ...);
 *     fill summary with mfa_xlsx_book_string(b, summary, row, col, ...);
 *     if (mfa_xlsx_book_commit(b, &err) < 0) goto cleanup;
 *   cleanup:
 *     mfa_xlsx_book_free(b);   (not committed: nothing is left behind)
 */
#ifndef MFA_REPORTS_XLSX_BOOK_H
#define MFA_REPORTS_XLSX_BOOK_H

#include <xlsxwriter.h>

#include "mfa/util/err.h"

/* Excel: 1,048,576 rows a sheet, the header included. */
#define MFA_XLSX_ROWS_MAX 1048575UL

/* Rows a sheet from a text (the CLI passes MFA_XLSX_MAX_ROWS, a test
 * hook): only a plain positive number up to MFA_XLSX_ROWS_MAX counts;
 * NULL, "", 0, signs, junk and larger numbers give MFA_XLSX_ROWS_MAX. */
unsigned long mfa_xlsx_rows_parse(const char *text);

struct mfa_xlsx_book_options {
	unsigned long rows_per_sheet; /* data rows a table sheet holds; 0: MFA_XLSX_ROWS_MAX */
};

#define MFA_XLSX_BOOK_OPTIONS_INIT { 0 }

enum mfa_xlsx_style {
	MFA_XLSX_PLAIN = 0,
	MFA_XLSX_BOLD,
	MFA_XLSX_TITLE,   /* bold, 13 pt: a section title */
	MFA_XLSX_DECIMAL, /* number format "0.0" */
	MFA_XLSX__STYLES
};

struct mfa_xlsx_book;

/* Makes the private folder in dir and the workbook. dir must exist and
 * not be a link; dir and name are copied; o may be NULL (defaults). *out is NULL on failure,
 * with nothing left in dir. */
int mfa_xlsx_book_open(struct mfa_xlsx_book **out, const char *dir, const char *name,
		       const struct mfa_xlsx_book_options *o, struct mfa_err *err);

/* The file's path while it is written ("<dir>/<name>.tmp-XXXXXX/<name>"),
 * for messages; owned by the book. */
const char *mfa_xlsx_book_path(const struct mfa_xlsx_book *b);

/* The libxlsxwriter workbook, for what the book does not wrap (charts);
 * owned by the book, valid until commit or free. Never close it. */
lxw_workbook *mfa_xlsx_book_workbook(struct mfa_xlsx_book *b);

/* Adds a free-form sheet (a Summary) as the book's next sheet; *out is
 * owned by the workbook. name: at most 31 characters. */
int mfa_xlsx_book_sheet(struct mfa_xlsx_book *b, const char *name, lxw_worksheet **out,
			struct mfa_err *err);

/* One cell of a free-form sheet; rows of a sheet in increasing order. */
int mfa_xlsx_book_string(struct mfa_xlsx_book *b, lxw_worksheet *ws, lxw_row_t row,
			 lxw_col_t col, const char *text, enum mfa_xlsx_style style,
			 struct mfa_err *err);
int mfa_xlsx_book_number(struct mfa_xlsx_book *b, lxw_worksheet *ws, lxw_row_t row,
			 lxw_col_t col, double value, enum mfa_xlsx_style style,
			 struct mfa_err *err);

/* A table: one logical sheet of rows under a header. The arrays are
 * borrowed and must outlive the book. */
struct mfa_xlsx_table_spec {
	const char *title;           /* the first sheet's name (at most 26 characters
				      * leave room for " (N)") */
	const char *const *headers;  /* ncols header texts */
	const double *widths;        /* ncols widths, 0 for Excel's default; NULL: all default */
	unsigned ncols;
};

struct mfa_xlsx_table; /* owned by its book */

/* Adds the table's first sheet as the book's next sheet, with its header,
 * widths and frozen header row. *out stays valid until the book is freed. */
int mfa_xlsx_table_add(struct mfa_xlsx_table **out, struct mfa_xlsx_book *b,
		       const struct mfa_xlsx_table_spec *spec, struct mfa_err *err);

/* Starts the table's next data row, first ending the current sheet and
 * adding "Title (N)" when it holds rows_per_sheet rows. */
int mfa_xlsx_table_row(struct mfa_xlsx_table *t, struct mfa_err *err);

/* A cell of the current row: the data row started last (before the end),
 * or the footer. */
int mfa_xlsx_table_string(struct mfa_xlsx_table *t, unsigned col, const char *text,
			  enum mfa_xlsx_style style, struct mfa_err *err);
int mfa_xlsx_table_number(struct mfa_xlsx_table *t, unsigned col, double value,
			  enum mfa_xlsx_style style, struct mfa_err *err);

/* Ends the table: the autofilter goes over the header and data of its last
 * sheet; no data row after. Commit ends every table not yet ended. */
int mfa_xlsx_table_end(struct mfa_xlsx_table *t, struct mfa_err *err);

/* After the end: starts one row right below the data of the last sheet,
 * outside the autofilter (a totals row), for mfa_xlsx_table_string and
 * _number. Once a table. */
int mfa_xlsx_table_footer(struct mfa_xlsx_table *t, struct mfa_err *err);

/* Data rows so far, over all its sheets. */
unsigned long mfa_xlsx_table_rows(const struct mfa_xlsx_table *t);

/* Ends the tables, writes the workbook, fsyncs it and renames it to its
 * final name in dir (then fsyncs the folder). Once; after it, success or not,
 * the book only awaits its free (which, after a failure, leaves nothing
 * behind). */
int mfa_xlsx_book_commit(struct mfa_xlsx_book *b, struct mfa_err *err);

/* Frees the book and its tables. Not committed: closes the workbook and
 * removes its temporary file (abandon). NULL is fine. */
void mfa_xlsx_book_free(struct mfa_xlsx_book *b);

#endif
