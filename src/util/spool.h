/* util/spool.h - records put aside while a run streams, read back once.
 *
 * A spool is an anonymous temporary file (unlinked from the start, so
 * nothing is left behind whatever happens to the process) holding
 * length-prefixed records. Records are appended while the run streams,
 * then, after mfa_spool_rewind, read back in the same order, once. Memory
 * stays at one stdio buffer and the largest record, whatever the count.
 *
 * A record is a list of fields; a field is a byte string (it may hold NUL
 * bytes) or absent (NULL, told apart from an empty one).
 *
 *     struct mfa_spool *sp = NULL;
 *     if (mfa_spool_new(&sp, dir, &err) < 0) goto cleanup;
 *     for each record: if (mfa_spool_append_strs(sp, strs, n, &err) < 0) goto cleanup;
 *     if (mfa_spool_rewind(sp, &err) < 0) goto cleanup;
 *     while ((rc = mfa_spool_next(sp, &fields, &n, &err)) > 0) use fields[0..n);
 *     if (rc < 0) goto cleanup;
 *   cleanup:
 *     mfa_spool_free(sp);
 */
#ifndef MFA_UTIL_SPOOL_H
#define MFA_UTIL_SPOOL_H

#include <stddef.h>

#include "mfa/util/err.h"

/* One field. data NULL: absent (len 0). Read back, data is NUL-terminated
 * after its len bytes, so a text field can be used as a C string. */
struct mfa_spool_field {
	const char *data;
	size_t len;
};

struct mfa_spool;

/* Creates the spool's file in dir (copied; NULL: the system's temporary
 * folder), mode 0600 and already unlinked. *out is NULL on failure. */
int mfa_spool_new(struct mfa_spool **out, const char *dir, struct mfa_err *err);

/* Appends one record of n fields (n may be 0). Only before the rewind.
 * Refuses a record of 2 GiB or more, and more than 65,535 fields. Fields are copied. */
int mfa_spool_append(struct mfa_spool *sp, const struct mfa_spool_field *fields, size_t n,
		     struct mfa_err *err);

/* The same, for n C strings (a NULL string is an absent field). */
int mfa_spool_append_strs(struct mfa_spool *sp, const char *const *strs, size_t n,
			  struct mfa_err *err);

/* Ends the appending and goes back to the first record. Once only. */
int mfa_spool_rewind(struct mfa_spool *sp, struct mfa_err *err);

/* Reads the next record: 1 with *fields (n of them) owned by the spool and
 * valid until the next call; 0 at the end; negative on a read error or a
 * damaged file. */
int mfa_spool_next(struct mfa_spool *sp, const struct mfa_spool_field **fields, size_t *n,
		   struct mfa_err *err);

/* Records appended so far. */
unsigned long mfa_spool_count(const struct mfa_spool *sp);

/* Closes the file (its space goes with it) and frees. NULL is fine. */
void mfa_spool_free(struct mfa_spool *sp);

#endif
