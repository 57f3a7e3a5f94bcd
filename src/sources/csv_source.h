/* sources/csv_source.h - users from a CSV export, as a source
 * (mfa/model/source.h): every supported export format, detected from the
 * header row (sources/csv_formats.h), read through the one CSV reader
 * (mfa/util/csvr.h), with an optional registration export joined.
 */
#ifndef MFA_SOURCES_CSV_SOURCE_H
#define MFA_SOURCES_CSV_SOURCE_H

#include <stdbool.h>

#include "mfa/model/source.h"
#include "mfa/util/err.h"

struct mfa_csv_options {
	const char *registration_path; /* --registration FILE, joined by id, else UPN; NULL for none */
	bool strict;                   /* a bad row is fatal instead of warned and counted */
	mfa_warn_fn warn;              /* where bad rows are reported; NULL: silently counted */
	void *warn_ctx;
};

#define MFA_CSV_OPTIONS_INIT { NULL, false, NULL, NULL }

/* Opens a CSV export (any supported format, detected from the header row;
 * UTF-8 with or without BOM, UTF-16LE/BE with BOM, ',' or ';' delimited,
 * optionally gzip-compressed) and, when opts->registration_path is set,
 * loads that registration export to join to each user.
 *
 * Users of the registration file that the state file never names are
 * yielded after the last row of the state file, with state UNKNOWN, so no
 * user is lost.
 *
 * On success *out owns the open file(s); free with mfa_source_free. On
 * failure *out is NULL and err names the file and problem (a header it
 * cannot place lists the columns each format needs). */
int mfa_csv_source_open(struct mfa_source **out, const char *path,
			const struct mfa_csv_options *opts, struct mfa_err *err);

#endif
