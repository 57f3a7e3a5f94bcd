/* index.c - the one case-insensitive id/UPN hash (mfa/util/index.h). */
#include "mfa/util/index.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MIN_CAP 64u

void mfa_index_init(struct mfa_index *ix, mfa_index_key_fn key, const void *ctx)
{
	memset(ix, 0, sizeof(*ix));
	ix->key = key;
	ix->ctx = ctx;
}

uint32_t mfa_index_hash(const char *key)
{
	return mfa_hash_ci(key);
}

/* The slot holding key (hash h), or the empty slot where it would go. */
static size_t slot_of(const struct mfa_index *ix, const char *key, uint32_t h)
{
	size_t mask = ix->cap - 1;
	size_t i;

	for (i = h & mask; ix->slots[i].item1; i = (i + 1) & mask) {
		const char *s;

		if (ix->slots[i].hash != h)
			continue;
		s = ix->key(ix->ctx, ix->slots[i].item1 - 1u);
		if (s && strcasecmp(s, key) == 0)
			break;
	}
	return i;
}

/* Rehashing needs no key: every slot carries its hash, and the keys in a
 * table are distinct. */
static int rehash(struct mfa_index *ix, size_t cap)
{
	struct mfa_index_slot *slots;
	size_t i, mask = cap - 1;

	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (i = 0; i < ix->cap; i++) {
		size_t j;

		if (!ix->slots[i].item1)
			continue;
		for (j = ix->slots[i].hash & mask; slots[j].item1; j = (j + 1) & mask)
			;
		slots[j] = ix->slots[i];
	}
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	return 0;
}

int mfa_index_reserve(struct mfa_index *ix, size_t n)
{
	size_t cap = ix->cap ? ix->cap : MIN_CAP;

	while (cap / 2 < n) {
		if (cap > SIZE_MAX / 2 / sizeof(struct mfa_index_slot))
			return -1;
		cap *= 2;
	}
	return cap == ix->cap ? 0 : rehash(ix, cap);
}

size_t mfa_index_find(const struct mfa_index *ix, const char *key)
{
	size_t i;

	if (!ix || !key || !*key || ix->cap == 0)
		return MFA_INDEX_NONE;
	i = slot_of(ix, key, mfa_hash_ci(key));
	return ix->slots[i].item1 ? ix->slots[i].item1 - 1u : MFA_INDEX_NONE;
}

int mfa_index_set(struct mfa_index *ix, const char *key, size_t item)
{
	uint32_t h;
	size_t i;

	if (!key || !*key || item >= UINT32_MAX - 1u)
		return -1;
	if (ix->used >= SIZE_MAX / 2 || mfa_index_reserve(ix, ix->used + 1) < 0)
		return -1;
	h = mfa_hash_ci(key);
	i = slot_of(ix, key, h);
	if (!ix->slots[i].item1)
		ix->used++;
	ix->slots[i].item1 = (uint32_t)(item + 1);
	ix->slots[i].hash = h;
	return 0;
}

void mfa_index_clear(struct mfa_index *ix)
{
	if (ix->slots)
		memset(ix->slots, 0, ix->cap * sizeof(*ix->slots));
	ix->used = 0;
}

size_t mfa_index_memory(const struct mfa_index *ix)
{
	return ix ? ix->cap * sizeof(struct mfa_index_slot) : 0;
}

void mfa_index_release(struct mfa_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->cap = ix->used = 0;
}

/* ---- interned strings ---- */

static const char *strtab_key(const void *ctx, size_t i)
{
	const struct mfa_strtab *t = ctx;

	return mfa_strarena_get(&t->strings, t->off[i]);
}

void mfa_strtab_init(struct mfa_strtab *t)
{
	memset(t, 0, sizeof(*t));
	mfa_index_init(&t->ix, strtab_key, t);
}

size_t mfa_strtab_find(const struct mfa_strtab *t, const char *s)
{
	return t ? mfa_index_find(&t->ix, s) : MFA_INDEX_NONE;
}

int mfa_strtab_intern(struct mfa_strtab *t, const char *s, size_t *idx, bool *added)
{
	uint32_t off;

	if (added)
		*added = false;
	if (!s || !*s)
		return -1;
	*idx = mfa_index_find(&t->ix, s);
	if (*idx != MFA_INDEX_NONE)
		return 0;
	if (t->count >= UINT32_MAX - 2u)
		return -1;
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		uint32_t *p;

		if (cap > SIZE_MAX / sizeof(*p))
			return -1;
		p = realloc(t->off, cap * sizeof(*p));
		if (!p)
			return -1;
		t->off = p;
		t->cap = cap;
	}
	/* room in the index first, so that a failure leaves no half entry */
	if (mfa_index_reserve(&t->ix, t->count + 1) < 0 || mfa_strarena_add(&t->strings, s, &off) < 0)
		return -1;
	t->off[t->count] = off;
	if (mfa_index_set(&t->ix, s, t->count) < 0)
		return -1;
	*idx = t->count++;
	if (added)
		*added = true;
	return 0;
}

const char *mfa_strtab_get(const struct mfa_strtab *t, size_t i)
{
	return mfa_strarena_get(&t->strings, t->off[i]);
}

size_t mfa_strtab_count(const struct mfa_strtab *t)
{
	return t ? t->count : 0;
}

size_t mfa_strtab_memory(const struct mfa_strtab *t)
{
	if (!t)
		return 0;
	return t->strings.cap + t->cap * sizeof(uint32_t) + mfa_index_memory(&t->ix);
}

void mfa_strtab_release(struct mfa_strtab *t)
{
	mfa_strarena_release(&t->strings);
	free(t->off);
	t->off = NULL;
	t->count = t->cap = 0;
	mfa_index_release(&t->ix);
}
