/* baseline.c - the previous run's users, for comparing (mfa/model/baseline.h).
 *
 * Laid out as mfa_regmap is (fixed-size entries, strings in one arena, id
 * and UPN indexes holding entry numbers), but a loaded baseline's indexes
 * are built once, at their final size, after the whole file is read: on a
 * million users, growing them as rows come in costs more than the parse.
 */
#include "mfa/model/baseline.h"

#include <stdlib.h>
#include <string.h>

#include "mfa/util/index.h"
#include "mfa/util/strarena.h"

/* An entry: strings are arena offsets plus one (0: none), the rest packed.
 * 32 bytes. */
struct bentry {
	uint32_t id, upn, name, other;
	uint32_t methods;
	uint32_t findings;
	uint8_t state, registered, admin;
	uint8_t coverage; /* COVERAGE_UNCHECKED when not checked */
	uint8_t seen;
	uint8_t dead;     /* replaced by a later row (only while loading) */
};

#define COVERAGE_UNCHECKED 0xFFu

struct mfa_baseline {
	struct bentry *e;
	size_t n, cap;
	struct mfa_strarena strings;
	/* by object id (entries that have one) and by UPN (every entry; a UPN
	 * shared by several entries finds the last) */
	struct mfa_index by_id, by_upn;
	char *path;
	unsigned long skipped;
};

static const char *str_at(const struct mfa_baseline *b, uint32_t off)
{
	return mfa_strarena_get(&b->strings, off);
}

static int arena_add(struct mfa_baseline *b, const char *s, uint32_t *off)
{
	return mfa_strarena_add(&b->strings, s, off);
}

static const char *id_of(const void *ctx, size_t i)
{
	const struct mfa_baseline *b = ctx;

	return str_at(b, b->e[i].id);
}

static const char *upn_of(const void *ctx, size_t i)
{
	const struct mfa_baseline *b = ctx;

	return str_at(b, b->e[i].upn);
}

/* Puts entry i into both tables, which the caller made room in (so the
 * sets below cannot fail: keys are non-empty, i is in range, nothing
 * grows). Returns the earlier entry it replaces (same id; without id, same
 * UPN and no id either), whose slots it does not touch, or
 * MFA_BASELINE_NONE. */
static size_t tables_insert(struct mfa_baseline *b, size_t i)
{
	const struct bentry *e = &b->e[i];
	const char *key;
	size_t j;

	if (e->id) {
		key = str_at(b, e->id);
		j = mfa_index_find(&b->by_id, key);
		if (j != MFA_INDEX_NONE)
			return j;
		mfa_index_set(&b->by_id, key, i);
	}
	key = str_at(b, e->upn);
	if (!key)
		return MFA_BASELINE_NONE;
	j = mfa_index_find(&b->by_upn, key);
	if (j != MFA_INDEX_NONE && !e->id && !b->e[j].id)
		return j;
	/* a UPN shared by several entries finds the last */
	mfa_index_set(&b->by_upn, key, i);
	return MFA_BASELINE_NONE;
}

/* Points the UPN table at entry i (its UPN may be new). */
static void upn_point(struct mfa_baseline *b, size_t i)
{
	const char *key = str_at(b, b->e[i].upn);

	if (key)
		mfa_index_set(&b->by_upn, key, i);
}

/* (Re)builds both tables for the entries there are, sized once so that
 * they are at most half full with room for `extra` more. A later entry
 * with an earlier one's key replaces it in place (the later row wins, at
 * the earlier row's position); the replaced copies are then dropped and
 * the tables built again. */
static int tables_build(struct mfa_baseline *b, size_t extra)
{
	size_t i, j, kept;
	bool dropped = false;

	if (b->n > SIZE_MAX / 2 - extra)
		return -1;
	mfa_index_clear(&b->by_id);
	mfa_index_clear(&b->by_upn);
	if (mfa_index_reserve(&b->by_id, b->n + extra) < 0 ||
	    mfa_index_reserve(&b->by_upn, b->n + extra) < 0)
		return -1;
	for (i = 0; i < b->n; i++) {
		j = tables_insert(b, i);
		if (j == MFA_BASELINE_NONE)
			continue;
		b->e[j] = b->e[i];
		b->e[i].dead = 1;
		dropped = true;
	}
	if (!dropped)
		return 0;
	/* the replaced entries may have left stale UPN slots: start over */
	for (i = 0, kept = 0; i < b->n; i++) {
		if (!b->e[i].dead)
			b->e[kept++] = b->e[i];
	}
	b->n = kept;
	return tables_build(b, extra);
}

int mfa_baseline_append(struct mfa_baseline *b, const struct mfa_baseline_entry *in)
{
	struct bentry e;

	if (!b || !in || (!(in->id && *in->id) && !(in->upn && *in->upn)))
		return -1;
	if (b->n >= UINT32_MAX - 2)
		return -1;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct bentry *p;

		if (cap > SIZE_MAX / sizeof(*p))
			return -1;
		p = realloc(b->e, cap * sizeof(*p));
		if (!p)
			return -1;
		b->e = p;
		b->cap = cap;
	}
	memset(&e, 0, sizeof(e));
	if (arena_add(b, in->id, &e.id) < 0 || arena_add(b, in->upn, &e.upn) < 0 ||
	    arena_add(b, in->display_name, &e.name) < 0 ||
	    arena_add(b, in->other_methods, &e.other) < 0)
		return -1;
	e.methods = in->methods;
	e.findings = in->findings & ((1u << MFA_FINDING__COUNT) - 1u);
	e.state = (uint8_t)((unsigned)in->state < MFA_STATE__COUNT ? in->state : MFA_STATE_UNKNOWN);
	e.registered = (uint8_t)in->registered;
	e.admin = (uint8_t)in->is_admin;
	if (!in->coverage_checked)
		e.coverage = COVERAGE_UNCHECKED;
	else
		e.coverage = (uint8_t)((unsigned)in->coverage < MFA_COVERAGE__COUNT
				       ? in->coverage : MFA_COVERAGE_UNKNOWN);
	b->e[b->n++] = e;
	return 0;
}

/* ---- the baseline ---- */

struct mfa_baseline *mfa_baseline_new(void)
{
	struct mfa_baseline *b = calloc(1, sizeof(struct mfa_baseline));

	if (b) {
		mfa_index_init(&b->by_id, id_of, b);
		mfa_index_init(&b->by_upn, upn_of, b);
	}
	return b;
}

void mfa_baseline_free(struct mfa_baseline *b)
{
	if (!b)
		return;
	free(b->e);
	mfa_strarena_release(&b->strings);
	mfa_index_release(&b->by_id);
	mfa_index_release(&b->by_upn);
	free(b->path);
	free(b);
}

int mfa_baseline_add(struct mfa_baseline *b, const struct mfa_baseline_entry *e, size_t *index)
{
	size_t i, j;

	if (!b || !e)
		return -1;
	if ((b->by_id.cap / 2 < b->by_id.used + 1 || b->by_upn.cap / 2 < b->by_upn.used + 1) &&
	    tables_build(b, b->n + 1) < 0)
		return -1;
	if (mfa_baseline_append(b, e) < 0)
		return -1;
	i = b->n - 1;
	j = tables_insert(b, i);
	if (j != MFA_BASELINE_NONE) {
		uint8_t seen = b->e[j].seen;

		/* The later row wins, in the earlier one's place. A changed UPN
		 * leaves the old one's slot pointing at j, where it no longer
		 * matches. */
		b->e[j] = b->e[i];
		b->e[j].seen = seen;
		b->n--;
		upn_point(b, j);
		i = j;
	}
	if (index)
		*index = i;
	return j != MFA_BASELINE_NONE;
}

const char *mfa_baseline_path(const struct mfa_baseline *b)
{
	return b && b->path ? b->path : "";
}

int mfa_baseline_index(struct mfa_baseline *b)
{
	return b ? tables_build(b, 0) : -1;
}

int mfa_baseline_set_path(struct mfa_baseline *b, const char *path)
{
	char *p = strdup(path ? path : "");

	if (!p)
		return -1;
	free(b->path);
	b->path = p;
	return 0;
}

void mfa_baseline_count_skipped(struct mfa_baseline *b)
{
	if (b)
		b->skipped++;
}

size_t mfa_baseline_count(const struct mfa_baseline *b)
{
	return b ? b->n : 0;
}

unsigned long mfa_baseline_skipped(const struct mfa_baseline *b)
{
	return b ? b->skipped : 0;
}

void mfa_baseline_get(const struct mfa_baseline *b, size_t i, struct mfa_baseline_entry *out)
{
	const struct bentry *e = &b->e[i];

	out->id = str_at(b, e->id);
	out->upn = str_at(b, e->upn);
	out->display_name = str_at(b, e->name);
	out->state = (enum mfa_state)e->state;
	out->registered = (enum mfa_tri)e->registered;
	out->methods = e->methods;
	out->other_methods = str_at(b, e->other);
	out->is_admin = (enum mfa_tri)e->admin;
	out->findings = e->findings;
	out->coverage_checked = e->coverage != COVERAGE_UNCHECKED;
	out->coverage = out->coverage_checked ? (enum mfa_coverage_verdict)e->coverage
					      : MFA_COVERAGE_UNKNOWN;
	out->seen = e->seen != 0;
}

size_t mfa_baseline_find(const struct mfa_baseline *b, const struct mfa_user *u)
{
	bool has_id = u->id && *u->id;
	size_t i;

	if (!b)
		return MFA_BASELINE_NONE;
	if (has_id) {
		i = mfa_index_find(&b->by_id, u->id);
		if (i != MFA_BASELINE_NONE)
			return i;
	}
	i = mfa_index_find(&b->by_upn, u->upn);
	/* Both sides have an object id and they differ: the UPN was reused by
	 * another account (deleted and recreated), so not the same user. */
	if (i != MFA_BASELINE_NONE && has_id && b->e[i].id)
		return MFA_BASELINE_NONE;
	return i;
}

void mfa_baseline_mark(struct mfa_baseline *b, size_t i)
{
	if (b && i < b->n)
		b->e[i].seen = 1;
}

size_t mfa_baseline_next_unseen(const struct mfa_baseline *b, size_t from)
{
	size_t i;

	for (i = from; b && i < b->n; i++) {
		if (!b->e[i].seen)
			return i;
	}
	return MFA_BASELINE_NONE;
}

size_t mfa_baseline_memory(const struct mfa_baseline *b)
{
	if (!b)
		return 0;
	return sizeof(*b) + b->cap * sizeof(struct bentry) + b->strings.cap +
	       mfa_index_memory(&b->by_id) + mfa_index_memory(&b->by_upn);
}
