/* idset.c - a case-insensitive set of identifiers (mfa/idset.h), on the
 * one index (mfa/util/index.h); lists are small (break-glass accounts, a
 * pilot group) but may be a whole department. */
#include "mfa/model/idset.h"

#include "mfa/util/index.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct mfa_idset {
	struct mfa_strtab ids;
	unsigned char *seen;  /* per entry: mfa_idset_note found it */
	size_t seen_cap;
};

/* Trims spaces; returns the start and sets *len. */
static const char *trim(const char *s, size_t *len)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

struct mfa_idset *mfa_idset_new(void)
{
	struct mfa_idset *set = calloc(1, sizeof(*set));

	if (set)
		mfa_strtab_init(&set->ids);
	return set;
}

int mfa_idset_add(struct mfa_idset *set, const char *id)
{
	size_t len, idx;
	const char *s = trim(id, &len);
	char buf[512], *copy = buf;
	int rc;

	if (len == 0)
		return 0;
	if (len >= sizeof(buf)) {
		copy = malloc(len + 1);
		if (!copy)
			return -1;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	rc = mfa_strtab_intern(&set->ids, copy, &idx, NULL);
	if (copy != buf)
		free(copy);
	return rc;
}

bool mfa_idset_contains(const struct mfa_idset *set, const char *id)
{
	char buf[512];
	size_t len;
	const char *s;

	if (!set || !id || mfa_strtab_count(&set->ids) == 0)
		return false;
	s = trim(id, &len);
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return mfa_strtab_find(&set->ids, buf) != MFA_INDEX_NONE;
}

int mfa_idset_note(struct mfa_idset *set, const char *id)
{
	size_t idx, n;

	if (!set || !id || (n = mfa_strtab_count(&set->ids)) == 0)
		return 0;
	if (set->seen_cap < n) {
		unsigned char *p = realloc(set->seen, n);

		if (!p)
			return -1;
		memset(p + set->seen_cap, 0, n - set->seen_cap);
		set->seen = p;
		set->seen_cap = n;
	}
	idx = mfa_strtab_find(&set->ids, id);
	if (idx != MFA_INDEX_NONE)
		set->seen[idx] = 1;
	return 0;
}

size_t mfa_idset_next_unseen(const struct mfa_idset *set, size_t from, const char **id)
{
	size_t n = mfa_idset_count(set);

	for (; from < n; from++) {
		if (from >= set->seen_cap || !set->seen[from]) {
			*id = mfa_strtab_get(&set->ids, from);
			return from;
		}
	}
	return (size_t)-1;
}

size_t mfa_idset_count(const struct mfa_idset *set)
{
	return set ? mfa_strtab_count(&set->ids) : 0;
}

void mfa_idset_free(struct mfa_idset *set)
{
	if (!set)
		return;
	mfa_strtab_release(&set->ids);
	free(set->seen);
	free(set);
}
