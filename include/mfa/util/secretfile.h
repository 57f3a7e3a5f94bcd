/* mfa/util/secretfile.h - reading a secret (a client secret, a webhook
 * URL) from a file or a descriptor into a buffer that is wiped.
 *
 * The buffer is allocated once at its full size (never grown, so the secret
 * is never left behind in a freed copy) and owned by the caller, who frees
 * it with mfa_secret_free (wiped first). Messages name the file, never
 * its content. */
#ifndef MFA_UTIL_SECRETFILE_H
#define MFA_UTIL_SECRETFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa/util/err.h"

#define MFA_SECRET_MAX 65536 /* bytes a secret file (or a --secret-fd text) may hold */

/* Reads fd to its end (at most MFA_SECRET_MAX bytes) into a new buffer of
 * MFA_SECRET_MAX + 1, NUL-terminated; *len the bytes read. NULL with err
 * set ("longer than 64 KiB", or the read error). fd is left open. */
char *mfa_secret_read_fd(int fd, size_t *len, struct mfa_err *err);

/* A secret file: a regular file holding one non-empty line (its one
 * trailing newline, or CRLF, dropped). *out the secret (free with
 * mfa_secret_free), or NULL when missing_ok and the file is not there.
 * *others_can_read: the file's mode lets its group or others read it (the
 * caller warns). -1 with err set ("cannot read 'F': ...", "'F' is empty",
 * "'F' has more than one line", "'F' is not a regular file"). */
int mfa_secret_read_file(const char *path, bool missing_ok, char **out, bool *others_can_read,
			 struct mfa_err *err);

/* Wipes a buffer from mfa_secret_read_fd / _file (all of it) and frees it.
 * NULL is fine. */
void mfa_secret_free(char *s);

#endif
