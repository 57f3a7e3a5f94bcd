/* mfa/idset.h - a set of user identifiers (object ids and UPNs), compared
 * case-insensitively. Used for --exclude and --only lists.
 *
 * A list file holds one identifier per line; blank lines and lines starting
 * with '#' are ignored; surrounding spaces and a trailing ',...' (a CSV row)
 * are ignored, so a one-column export works as it is.
 */
#ifndef MFA_IDSET_H
#define MFA_IDSET_H

#include <stdbool.h>
#include <stddef.h>

#include "mfa/util/err.h"

struct mfa_idset;

/* Makes an empty set. Returns NULL when out of memory. */
struct mfa_idset *mfa_idset_new(void);

/* Adds a copy of id (lowercased, trimmed). Returns 0, or -1 on out of memory. */
int mfa_idset_add(struct mfa_idset *set, const char *id);

/* Reads a list file into a new set (*out). On failure *out is NULL and err
 * names the file and line. */
int mfa_idset_load(struct mfa_idset **out, const char *path, struct mfa_err *err);

/* True when id (any case) is in the set. NULL set or id: false. */
bool mfa_idset_contains(const struct mfa_idset *set, const char *id);

size_t mfa_idset_count(const struct mfa_idset *set);

/* NULL is fine. */
void mfa_idset_free(struct mfa_idset *set);

#endif
