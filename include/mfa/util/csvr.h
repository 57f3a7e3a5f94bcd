/* mfa/util/csvr.h - THE CSV record reader: libcsv on top of the text input
 * (mfa/util/textin.h: gzip, BOM, UTF-16, Windows-1252, ',' or ';'), one
 * record at a time, with the physical line it began on.
 *
 *     struct mfa_csvr *r = NULL;
 *     struct mfa_csvr_record rec;
 *     if (mfa_csvr_open(&r, path, 0, &err) < 0) goto cleanup;
 *     while ((rc = mfa_csvr_next(r, &rec, &err)) > 0) {
 *             if (rec.unterminated) ...   // cut off inside quotes at EOF
 *             use rec.cells[0 .. rec.n), rec.line
 *     }
 *     if (rc < 0) goto cleanup;           // err says why
 *   cleanup:
 *     mfa_csvr_free(r);
 *
 * Only libcsv's public API: libcsv names neither where a record starts nor
 * whether the input ended inside quotes, so the reader feeds libcsv one
 * physical line at a time (a record then always ends at the end of a
 * piece) and counts lines and record bytes itself. At the end of the input
 * a record still open gets one more line end: if that ends it, it was a
 * last line without a newline; if not, the input ended inside a quoted
 * field, and csv_fini hands over what there is, flagged unterminated.
 * (CSV_STRICT_FINI would say so too, but only under CSV_STRICT, which also
 * refuses a stray quote inside an unquoted field that exports do have.)
 *
 * Blank lines are skipped (libcsv reports no record for them); fields keep
 * their text as libcsv gives it (quotes removed, "" unescaped, spaces
 * around unquoted fields trimmed).
 */
#ifndef MFA_UTIL_CSVR_H
#define MFA_UTIL_CSVR_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa/util/err.h"

struct mfa_csvr;

/* A record longer than this (default) is not data: almost surely a quote
 * that never closes, swallowing the rest of the file. Refusing it keeps
 * memory flat. */
#define MFA_CSVR_MAX_RECORD (4u * 1024u * 1024u)

/* mfa_csvr_next's return for a record over the size cap. */
#define MFA_CSVR_TOO_LONG (-2)

/* One record, borrowed from the reader until the next mfa_csvr_next or
 * mfa_csvr_free. */
struct mfa_csvr_record {
	char **cells;          /* n NUL-terminated fields (writable in place) */
	size_t n;
	unsigned long line;    /* physical line of the file it began on (1-based, preamble counted) */
	bool unterminated;     /* the input ended inside a quoted field of this record */
	size_t nul_field;      /* 1 + index of the first field that held a NUL byte (its
				* cell then ends at the NUL); 0 when none did */
};

/* Opens path through the text input (mfa_csv_input_open) with the
 * delimiter it detected. max_record caps a record's bytes (0:
 * MFA_CSVR_MAX_RECORD). On failure *out is NULL and err names the file. The
 * reader keeps its own copy of path. */
int mfa_csvr_open(struct mfa_csvr **out, const char *path, size_t max_record, struct mfa_err *err);

/* Reads the next record into *rec. Returns 1 for a record, 0 at the end of
 * the input, MFA_CSVR_TOO_LONG for a record over the cap (err: "PATH:LINE:
 * record longer than 4 MiB (a quoted field that never ends?)", rec->line the
 * line it began on), -1 on a read, decoding, parse or memory error (err
 * names the file). After an error the reader only returns errors. */
int mfa_csvr_next(struct mfa_csvr *r, struct mfa_csvr_record *rec, struct mfa_err *err);

/* Records handed out by mfa_csvr_next so far (header and blank-celled
 * records included; blank lines are no records): what a caller accounts
 * its rows against. */
unsigned long mfa_csvr_records(const struct mfa_csvr *r);

/* The path given to mfa_csvr_open (owned by the reader). */
const char *mfa_csvr_path(const struct mfa_csvr *r);

/* NULL is fine. */
void mfa_csvr_free(struct mfa_csvr *r);

#endif
