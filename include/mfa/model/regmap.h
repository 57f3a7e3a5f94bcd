/* mfa/regmap.h - registration details of a whole tenant, kept compactly so
 * that a stream of users can be joined to them.
 *
 * The one thing mfa-migrate holds for every user at once: filled from a
 * userRegistrationDetails export (--registration) or the live Graph report,
 * then looked up for each user of the state stream, by object id or by UPN
 * (both compared case-insensitively). Entries never found are listed at the
 * end so no user is lost.
 *
 * Layout: entries are a fixed few dozen bytes each (string offsets, the
 * method bitmask, packed flags); every string lives once in one arena; two
 * indexes (id, UPN; mfa/util/index.h) hold entry numbers.
 *
 * Ownership: mfa_regmap_put copies every string it is given (including
 * reg->other_methods and reg->default_method); the caller keeps its own.
 * Those strings must not be ones this map handed out (a put may move them).
 * Strings handed out by mfa_regmap_get are owned by the map and stay valid
 * until the next mfa_regmap_put or mfa_regmap_free.
 *
 *     struct mfa_regmap *m = mfa_regmap_new();
 *     mfa_regmap_put(m, id, upn, name, type, admin, &reg, NULL);
 *     size_t i = mfa_regmap_find_id(m, user_id);
 *     if (i == MFA_REGMAP_NONE) i = mfa_regmap_find_upn(m, user_upn);
 *     if (i != MFA_REGMAP_NONE) { mfa_regmap_get(m, i, &e); mfa_regmap_mark(m, i); }
 *     for (i = mfa_regmap_next_unmatched(m, 0); i != MFA_REGMAP_NONE;
 *          i = mfa_regmap_next_unmatched(m, i + 1)) ...
 *     mfa_regmap_free(m);
 */
#ifndef MFA_REGMAP_H
#define MFA_REGMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa/model/user.h"

struct mfa_regmap;

/* "No such entry" from the find and iterate functions. */
#define MFA_REGMAP_NONE ((size_t)-1)

/* One entry as read back. Strings are borrowed from the map (see above);
 * NULL where the put had none. */
struct mfa_regmap_entry {
	const char *id;
	const char *upn;
	const char *display_name;
	enum mfa_user_type user_type;
	enum mfa_tri is_admin;
	struct mfa_registration reg;
	bool matched;
};

/* An empty map. NULL when out of memory. */
struct mfa_regmap *mfa_regmap_new(void);

/* Adds a user. At least one of id and upn must be non-NULL and non-empty.
 * A user already in the map (same id; or, for a user without id, same UPN)
 * is replaced: the later row wins. Writes the entry's number to *index when
 * index is non-NULL. Returns 0 for a new entry, 1 for a replaced one, -1 on
 * out of memory, a missing key, or a map past 4 GiB of strings / 2^32
 * entries. */
int mfa_regmap_put(struct mfa_regmap *m, const char *id, const char *upn,
		   const char *display_name, enum mfa_user_type user_type,
		   enum mfa_tri is_admin, const struct mfa_registration *reg,
		   size_t *index);

/* Entry number of the user with that object id / UPN (any case), or
 * MFA_REGMAP_NONE. NULL or empty keys find nothing. */
size_t mfa_regmap_find_id(const struct mfa_regmap *m, const char *id);
size_t mfa_regmap_find_upn(const struct mfa_regmap *m, const char *upn);

/* Fills *out with entry number i (i < mfa_regmap_count). */
void mfa_regmap_get(const struct mfa_regmap *m, size_t i, struct mfa_regmap_entry *out);

/* Records that entry i was joined to a user. */
void mfa_regmap_mark(struct mfa_regmap *m, size_t i);

/* The first entry number >= from that was never marked, in the order the
 * entries were first put, or MFA_REGMAP_NONE. */
size_t mfa_regmap_next_unmatched(const struct mfa_regmap *m, size_t from);

/* Number of entries. NULL: 0. */
size_t mfa_regmap_count(const struct mfa_regmap *m);

/* Bytes the map holds (entries, tables, strings): for tests and progress. */
size_t mfa_regmap_memory(const struct mfa_regmap *m);

/* Frees the map and its strings. NULL is fine. */
void mfa_regmap_free(struct mfa_regmap *m);

#endif
