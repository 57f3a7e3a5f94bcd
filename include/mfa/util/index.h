/* mfa/util/index.h - THE compact id/UPN hash: case-insensitive string keys
 * to item numbers. Every lookup table of mfa-migrate is one of these (the
 * registration map, the baseline, the CA model's interned ids, the
 * --exclude / --only sets).
 *
 * Two forms:
 *
 * struct mfa_index holds no strings. Its items are numbered by the caller
 * (entries of an array), and it reads an item's key back through a
 * callback, so a key costs nothing beyond the caller's own copy: a slot is
 * 8 bytes (item number + 1 and the key's hash, so that a probe touches the
 * caller's strings only on a likely match), open addressing with linear
 * probing, at most half full: 16 to 32 bytes a key.
 *
 *     static const char *entry_id(const void *ctx, size_t i)
 *     { return ((const struct my_map *)ctx)->entries[i].id; }
 *
 *     mfa_index_init(&m->by_id, entry_id, m);
 *     if (mfa_index_set(&m->by_id, id, n) < 0) goto nomem;
 *     i = mfa_index_find(&m->by_id, "ID-1");   // any case
 *     mfa_index_release(&m->by_id);
 *
 * struct mfa_strtab interns strings: it copies each distinct key once into
 * its string arena and numbers them 0, 1, ... in the order they were first
 * added.
 *
 * Keys compare as strcasecmp does in the C locale (ASCII letters folded,
 * other bytes exact); NULL and "" are never keys.
 */
#ifndef MFA_UTIL_INDEX_H
#define MFA_UTIL_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa/util/strarena.h"

/* "No such item" from the find functions. */
#define MFA_INDEX_NONE ((size_t)-1)

/* The key of item number `item`, or NULL when it has none (then it never
 * matches). ctx is the pointer given to mfa_index_init. */
typedef const char *(*mfa_index_key_fn)(const void *ctx, size_t item);

struct mfa_index_slot {
	uint32_t item1; /* item + 1; 0: empty */
	uint32_t hash;
};

struct mfa_index {
	struct mfa_index_slot *slots;
	size_t cap;  /* slots: a power of two, or 0 before the first key */
	size_t used; /* occupied slots */
	mfa_index_key_fn key;
	const void *ctx;
};

/* Sets up an empty index (allocates nothing). key and ctx are kept: the
 * index calls key(ctx, item) to compare a probed key. */
void mfa_index_init(struct mfa_index *ix, mfa_index_key_fn key, const void *ctx);

/* Makes room for n keys in all (the table at most half full), so that a
 * table built once is sized once. Returns 0, or -1 when out of memory. */
int mfa_index_reserve(struct mfa_index *ix, size_t n);

/* The item whose key is `key` (any case), or MFA_INDEX_NONE. NULL or ""
 * finds nothing; so does an index never set. */
size_t mfa_index_find(const struct mfa_index *ix, const char *key);

/* Points key at item: a key already present now finds this item (the
 * later set wins). The caller's key(ctx, item) must return key (in any
 * case) from now on. item must be below UINT32_MAX - 1. Returns 0, or -1
 * when out of memory, for a NULL or "" key or an item out of range. */
int mfa_index_set(struct mfa_index *ix, const char *key, size_t item);

/* Empties the index, keeping its table. */
void mfa_index_clear(struct mfa_index *ix);

/* Bytes the index holds. */
size_t mfa_index_memory(const struct mfa_index *ix);

/* Frees the table; the index is then as after mfa_index_init. */
void mfa_index_release(struct mfa_index *ix);

/* The case-insensitive hash of key that the index uses. */
uint32_t mfa_index_hash(const char *key);

/* ---- interned strings ---- */

struct mfa_strtab {
	struct mfa_strarena strings;
	uint32_t *off;      /* per string: its mfa_strarena offset */
	size_t count, cap;
	struct mfa_index ix;
};

/* Sets up an empty table (allocates nothing). The table's index points at
 * the table itself: do not move a struct mfa_strtab after this. */
void mfa_strtab_init(struct mfa_strtab *t);

/* The number of s (any case) in *idx, copying s in as a new string when
 * it is not there yet (*added then true; added may be NULL). The first
 * spelling added is the one kept. Returns 0, or -1 for a NULL or "" s,
 * when out of memory, or past 4 GiB of text / 2^32 strings. */
int mfa_strtab_intern(struct mfa_strtab *t, const char *s, size_t *idx, bool *added);

/* The number of s (any case), or MFA_INDEX_NONE. */
size_t mfa_strtab_find(const struct mfa_strtab *t, const char *s);

/* String number i (i < count), owned by the table, valid until the next
 * mfa_strtab_intern or mfa_strtab_release. */
const char *mfa_strtab_get(const struct mfa_strtab *t, size_t i);

/* Number of strings. */
size_t mfa_strtab_count(const struct mfa_strtab *t);

/* Bytes the table holds (strings, offsets, index). */
size_t mfa_strtab_memory(const struct mfa_strtab *t);

/* Frees everything; the table is then as after mfa_strtab_init. */
void mfa_strtab_release(struct mfa_strtab *t);

#endif
