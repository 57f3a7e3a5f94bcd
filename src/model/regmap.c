/* regmap.c - the compact registration map (mfa/regmap.h). */
#include "mfa/model/regmap.h"

#include "mfa/util/index.h"
#include "mfa/util/strarena.h"

#include <stdlib.h>
#include <string.h>

/* Strings are arena offsets plus one, so 0 means "none"; flags are packed
 * into bytes. 32 bytes an entry. */
struct entry {
	uint32_t id, upn, name, other, dflt;
	uint32_t methods;
	uint8_t user_type, is_admin, registered, capable;
	uint8_t matched;
};

struct mfa_regmap {
	struct entry *entries;
	size_t count, cap;
	struct mfa_strarena strings;
	struct mfa_index by_id, by_upn;
};

static const char *str_at(const struct mfa_regmap *m, uint32_t off)
{
	return mfa_strarena_get(&m->strings, off);
}

static int arena_add(struct mfa_regmap *m, const char *s, uint32_t *off)
{
	return mfa_strarena_add(&m->strings, s, off);
}

static const char *id_of(const void *ctx, size_t i)
{
	const struct mfa_regmap *m = ctx;

	return str_at(m, m->entries[i].id);
}

static const char *upn_of(const void *ctx, size_t i)
{
	const struct mfa_regmap *m = ctx;

	return str_at(m, m->entries[i].upn);
}

struct mfa_regmap *mfa_regmap_new(void)
{
	struct mfa_regmap *m = calloc(1, sizeof(struct mfa_regmap));

	if (m) {
		mfa_index_init(&m->by_id, id_of, m);
		mfa_index_init(&m->by_upn, upn_of, m);
	}
	return m;
}

int mfa_regmap_put(struct mfa_regmap *m, const char *id, const char *upn,
		   const char *display_name, enum mfa_user_type user_type,
		   enum mfa_tri is_admin, const struct mfa_registration *reg,
		   size_t *index)
{
	struct entry e;
	struct mfa_index *tab;
	size_t idx;
	bool has_id = id && *id, has_upn = upn && *upn;
	const char *key;
	int replaced = 0;

	if (!m || (!has_id && !has_upn))
		return -1;
	/* Room first, so that a failure below leaves the map as it was. */
	if (m->count >= UINT32_MAX - 2)
		return -1;
	if (m->count == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct entry *p;

		if (cap > SIZE_MAX / sizeof(*p))
			return -1;
		p = realloc(m->entries, cap * sizeof(*p));
		if (!p)
			return -1;
		m->entries = p;
		m->cap = cap;
	}
	if (mfa_index_reserve(&m->by_id, m->by_id.used + 1) < 0 ||
	    mfa_index_reserve(&m->by_upn, m->by_upn.used + 1) < 0)
		return -1;
	/* the id is the key when there is one; the UPN only without */
	key = has_id ? id : upn;
	tab = has_id ? &m->by_id : &m->by_upn;
	idx = mfa_index_find(tab, key);
	replaced = idx != MFA_INDEX_NONE;
	if (!replaced)
		idx = m->count;

	memset(&e, 0, sizeof(e));
	if (arena_add(m, id, &e.id) < 0 || arena_add(m, upn, &e.upn) < 0 ||
	    arena_add(m, display_name, &e.name) < 0 ||
	    arena_add(m, reg ? reg->other_methods : NULL, &e.other) < 0 ||
	    arena_add(m, reg ? reg->default_method : NULL, &e.dflt) < 0)
		return -1;
	e.user_type = (uint8_t)user_type;
	e.is_admin = (uint8_t)is_admin;
	if (reg) {
		e.methods = reg->methods;
		e.registered = (uint8_t)reg->registered;
		e.capable = (uint8_t)reg->capable;
	}
	if (replaced)
		e.matched = m->entries[idx].matched;
	else
		m->count++;
	m->entries[idx] = e;
	/* cannot fail: keys are set, idx is in range and there is room */
	if (mfa_index_set(tab, key, idx) < 0 ||
	    (has_id && has_upn && mfa_index_set(&m->by_upn, upn, idx) < 0))
		return -1;
	if (index)
		*index = idx;
	return replaced;
}

size_t mfa_regmap_find_id(const struct mfa_regmap *m, const char *id)
{
	return m ? mfa_index_find(&m->by_id, id) : MFA_REGMAP_NONE;
}

size_t mfa_regmap_find_upn(const struct mfa_regmap *m, const char *upn)
{
	return m ? mfa_index_find(&m->by_upn, upn) : MFA_REGMAP_NONE;
}

void mfa_regmap_get(const struct mfa_regmap *m, size_t i, struct mfa_regmap_entry *out)
{
	const struct entry *e = &m->entries[i];

	out->id = str_at(m, e->id);
	out->upn = str_at(m, e->upn);
	out->display_name = str_at(m, e->name);
	out->user_type = (enum mfa_user_type)e->user_type;
	out->is_admin = (enum mfa_tri)e->is_admin;
	out->reg.registered = (enum mfa_tri)e->registered;
	out->reg.capable = (enum mfa_tri)e->capable;
	out->reg.methods = e->methods;
	out->reg.other_methods = str_at(m, e->other);
	out->reg.default_method = str_at(m, e->dflt);
	out->matched = e->matched != 0;
}

void mfa_regmap_mark(struct mfa_regmap *m, size_t i)
{
	if (m && i < m->count)
		m->entries[i].matched = 1;
}

size_t mfa_regmap_next_unmatched(const struct mfa_regmap *m, size_t from)
{
	size_t i;

	if (!m)
		return MFA_REGMAP_NONE;
	for (i = from; i < m->count; i++) {
		if (!m->entries[i].matched)
			return i;
	}
	return MFA_REGMAP_NONE;
}

size_t mfa_regmap_count(const struct mfa_regmap *m)
{
	return m ? m->count : 0;
}

size_t mfa_regmap_memory(const struct mfa_regmap *m)
{
	if (!m)
		return 0;
	return sizeof(*m) + m->cap * sizeof(struct entry) + m->strings.cap +
	       mfa_index_memory(&m->by_id) + mfa_index_memory(&m->by_upn);
}

void mfa_regmap_free(struct mfa_regmap *m)
{
	if (!m)
		return;
	free(m->entries);
	mfa_strarena_release(&m->strings);
	mfa_index_release(&m->by_id);
	mfa_index_release(&m->by_upn);
	free(m);
}
