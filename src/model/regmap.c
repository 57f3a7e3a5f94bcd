/* regmap.c - the compact registration map (mfa/regmap.h). */
#include "mfa/model/regmap.h"

#include "mfa/util/strarena.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Strings are arena offsets plus one, so 0 means "none"; flags are packed
 * into bytes. 32 bytes an entry. */
struct entry {
	uint32_t id, upn, name, other, dflt;
	uint32_t methods;
	uint8_t user_type, is_admin, registered, capable;
	uint8_t matched;
};

/* A table slot: entry number + 1 (0: empty) and the key's hash, so that a
 * probe touches the entries and their strings only on a likely match. */
struct slot {
	uint32_t idx1;
	uint32_t hash;
};

struct mfa_regmap {
	struct entry *entries;
	size_t count, cap;
	struct mfa_strarena strings;
	/* Open addressing, linear probing. Both tables have tab_cap slots (a
	 * power of two) and are kept at most half full. */
	struct slot *by_id, *by_upn;
	size_t tab_cap;
};

static const char *str_at(const struct mfa_regmap *m, uint32_t off)
{
	return mfa_strarena_get(&m->strings, off);
}

static int arena_add(struct mfa_regmap *m, const char *s, uint32_t *off)
{
	return mfa_strarena_add(&m->strings, s, off);
}

/* The slot of key in table tab (by_id: keyed by the entries' ids, else
 * their UPNs): the one holding it, or the empty one where it would go. */
static size_t table_slot(const struct mfa_regmap *m, const struct slot *tab, bool by_id,
			 const char *key, uint32_t h)
{
	size_t mask = m->tab_cap - 1;
	size_t i;

	for (i = h & mask; tab[i].idx1; i = (i + 1) & mask) {
		const struct entry *e;
		const char *s;

		if (tab[i].hash != h)
			continue;
		e = &m->entries[tab[i].idx1 - 1];
		s = str_at(m, by_id ? e->id : e->upn);
		if (s && strcasecmp(s, key) == 0)
			break;
	}
	return i;
}

static size_t table_find(const struct mfa_regmap *m, const struct slot *tab, bool by_id, const char *key)
{
	size_t i;

	if (!key || !*key || !m || m->tab_cap == 0)
		return MFA_REGMAP_NONE;
	i = table_slot(m, tab, by_id, key, mfa_hash_ci(key));
	return tab[i].idx1 ? tab[i].idx1 - 1 : MFA_REGMAP_NONE;
}

/* Points key's slot at entry idx (a later put wins over an earlier one). */
static void table_set(struct mfa_regmap *m, struct slot *tab, bool by_id, const char *key, size_t idx)
{
	uint32_t h = mfa_hash_ci(key);
	size_t i = table_slot(m, tab, by_id, key, h);

	tab[i].idx1 = (uint32_t)(idx + 1);
	tab[i].hash = h;
}

static int tables_grow(struct mfa_regmap *m, size_t need)
{
	size_t cap = m->tab_cap ? m->tab_cap : 1024;
	struct slot *ids, *upns;
	size_t i;

	while (cap / 2 < need) {
		if (cap > SIZE_MAX / 2 / sizeof(struct slot))
			return -1;
		cap *= 2;
	}
	if (cap == m->tab_cap)
		return 0;
	ids = calloc(cap, sizeof(*ids));
	upns = calloc(cap, sizeof(*upns));
	if (!ids || !upns) {
		free(ids);
		free(upns);
		return -1;
	}
	free(m->by_id);
	free(m->by_upn);
	m->by_id = ids;
	m->by_upn = upns;
	m->tab_cap = cap;
	for (i = 0; i < m->count; i++) {
		const struct entry *e = &m->entries[i];

		if (e->id)
			table_set(m, m->by_id, true, str_at(m, e->id), i);
		if (e->upn)
			table_set(m, m->by_upn, false, str_at(m, e->upn), i);
	}
	return 0;
}

struct mfa_regmap *mfa_regmap_new(void)
{
	return calloc(1, sizeof(struct mfa_regmap));
}

int mfa_regmap_put(struct mfa_regmap *m, const char *id, const char *upn,
		   const char *display_name, enum mfa_user_type user_type,
		   enum mfa_tri is_admin, const struct mfa_registration *reg,
		   size_t *index)
{
	struct entry e;
	struct slot *tab;
	size_t idx, slot;
	bool has_id = id && *id, has_upn = upn && *upn;
	const char *key;
	uint32_t h;
	int replaced = 0;

	if (!m || (!has_id && !has_upn))
		return -1;
	/* Room first, so that the slot found below stays where it is. */
	if (m->count >= UINT32_MAX - 1)
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
	if (tables_grow(m, m->count + 1) < 0)
		return -1;
	/* the id is the key when there is one; the UPN only without */
	key = has_id ? id : upn;
	tab = has_id ? m->by_id : m->by_upn;
	h = mfa_hash_ci(key);
	slot = table_slot(m, tab, has_id, key, h);
	idx = tab[slot].idx1 ? tab[slot].idx1 - 1 : m->count;
	replaced = tab[slot].idx1 != 0;

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
	tab[slot].idx1 = (uint32_t)(idx + 1);
	tab[slot].hash = h;
	if (has_id && has_upn)
		table_set(m, m->by_upn, false, upn, idx);
	if (index)
		*index = idx;
	return replaced;
}

size_t mfa_regmap_find_id(const struct mfa_regmap *m, const char *id)
{
	return m ? table_find(m, m->by_id, true, id) : MFA_REGMAP_NONE;
}

size_t mfa_regmap_find_upn(const struct mfa_regmap *m, const char *upn)
{
	return m ? table_find(m, m->by_upn, false, upn) : MFA_REGMAP_NONE;
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
	       2 * m->tab_cap * sizeof(struct slot);
}

void mfa_regmap_free(struct mfa_regmap *m)
{
	if (!m)
		return;
	free(m->entries);
	mfa_strarena_release(&m->strings);
	free(m->by_id);
	free(m->by_upn);
	free(m);
}
