/* sources/idlist.h - an --exclude / --only list file, read into a set of
 * user identifiers (mfa/model/idset.h).
 *
 * A list file holds one identifier per line; blank lines are ignored, and
 * '#' at the start of a line or after a space, tab, quote, ',' or ';'
 * starts a comment that runs to the end of the line (a '#' inside a name
 * is kept: guests' UPNs hold "#EXT#"); surrounding spaces, quotes and a trailing ',...' or
 * ';...' (a CSV row) are ignored, so a one-column export works as it is. A
 * UTF-8 BOM is skipped; a NUL byte means the file is not a text list.
 */
#ifndef MFA_SOURCES_IDLIST_H
#define MFA_SOURCES_IDLIST_H

#include "mfa/model/idset.h"
#include "mfa/util/err.h"

/* Reads the list file at path into a new set: on success *out owns it
 * (mfa_idset_free). On failure *out is NULL and err names the file and
 * line. */
int mfa_idset_load(struct mfa_idset **out, const char *path, struct mfa_err *err);

#endif
