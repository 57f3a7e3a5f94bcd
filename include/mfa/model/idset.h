/* mfa/idset.h - a set of user identifiers (object ids and UPNs), compared
 * case-insensitively. Used for --exclude and --only lists (read from a
 * file by mfa_idset_load, src/sources/idlist.h).
 */
#ifndef MFA_IDSET_H
#define MFA_IDSET_H

#include <stdbool.h>
#include <stddef.h>

struct mfa_idset;

/* Makes an empty set. Returns NULL when out of memory. */
struct mfa_idset *mfa_idset_new(void);

/* Adds a copy of id (spaces trimmed; an empty id is ignored). Returns 0, or
 * -1 on out of memory. */
int mfa_idset_add(struct mfa_idset *set, const char *id);

/* True when id (any case) is in the set. NULL set or id: false. */
bool mfa_idset_contains(const struct mfa_idset *set, const char *id);

size_t mfa_idset_count(const struct mfa_idset *set);

/* Records that a user with this id or UPN was seen (an entry matching it,
 * any case, is then "seen"). NULL set or id: nothing. Returns 0, or -1 on
 * out of memory. Entries added later start unseen. */
int mfa_idset_note(struct mfa_idset *set, const char *id);

/* The first entry number >= from never noted, with *id its text (owned by
 * the set), or (size_t)-1 when there is none. */
size_t mfa_idset_next_unseen(const struct mfa_idset *set, size_t from, const char **id);

/* NULL is fine. */
void mfa_idset_free(struct mfa_idset *set);

#endif
