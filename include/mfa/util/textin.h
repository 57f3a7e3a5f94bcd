/* sources/csv_input.h - the bytes of a CSV export, as UTF-8 (internal).
 *
 * Exports reach us however the exporting tool and the person's editor left
 * them: gzip-compressed (detected by content, not by name), UTF-8 with or
 * without a BOM, UTF-16LE/BE with a BOM (PowerShell's "Unicode"), with
 * Windows-1252 bytes from an old Excel "Save as CSV". This stream hides all
 * of that: it yields UTF-8 (BOM removed; bytes that are not valid UTF-8 are
 * read as Windows-1252), in whatever chunks the caller asks for, never
 * holding the whole file.
 *
 * At open it also reads ahead to the header line to choose the delimiter:
 * ',' or ';', whichever appears more outside quotes in that line (',' on a
 * tie). Preamble lines before the header are consumed and counted, never
 * passed on: blank lines, an Excel "sep=;" line (which then fixes the
 * delimiter) and a Windows PowerShell "#TYPE ..." line (Export-Csv without
 * -NoTypeInformation).
 *
 * A gzip input has an expansion limit: once more than 32 MiB has been
 * decompressed, the output may be at most 200 times the compressed bytes
 * read so far (real exports compress 5 to 30 times); past that the read
 * fails ("... expands to more than 200 times its size (a zip bomb?) ...").
 */
#ifndef MFA_SOURCES_CSV_INPUT_H
#define MFA_SOURCES_CSV_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mfa/util/err.h"

struct mfa_csv_input;

/* Opens path. chunk is how many raw bytes to read at a time (0: 64 KiB);
 * tests pass tiny values to split code units across reads. On failure *out
 * is NULL and err names the file. The input keeps its own copy of path. */
int mfa_csv_input_open(struct mfa_csv_input **out, const char *path, size_t chunk,
		       struct mfa_err *err);

/* Copies up to size bytes of UTF-8 into buf. Returns the count (> 0), 0 at
 * the end of the input, -1 on a read or decompression error (err names the
 * file). */
ssize_t mfa_csv_input_read(struct mfa_csv_input *in, char *buf, size_t size, struct mfa_err *err);

/* The delimiter chosen at open: ',' or ';'. */
char mfa_csv_input_delimiter(const struct mfa_csv_input *in);

/* Physical lines consumed before the header ("sep=", "#TYPE"), so that line
 * numbers still match the file. */
unsigned long mfa_csv_input_skipped_lines(const struct mfa_csv_input *in);

/* "utf-8", "utf-16le" or "utf-16be". */
const char *mfa_csv_input_encoding(const struct mfa_csv_input *in);

/* True when the file was gzip-compressed. */
bool mfa_csv_input_gzipped(const struct mfa_csv_input *in);

/* Closes the file. NULL is fine. */
void mfa_csv_input_free(struct mfa_csv_input *in);

#endif
