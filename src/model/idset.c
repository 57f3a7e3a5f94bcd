/* idset.c - a case-insensitive set of identifiers (mfa/idset.h).
 * Open addressing over lowercased copies; lists are small (break-glass
 * accounts, a pilot group) but may be a whole department. */
#include "mfa/model/idset.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mfa_idset {
	char **slots;
	size_t cap;   /* power of two */
	size_t count;
};

static uint64_t hash_lower(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)tolower((unsigned char)s[i]);
		h *= 1099511628211ull;
	}
	return h;
}

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

	if (!set)
		return NULL;
	set->cap = 64;
	set->slots = calloc(set->cap, sizeof(*set->slots));
	if (!set->slots) {
		free(set);
		return NULL;
	}
	return set;
}

static char **find_slot(char **slots, size_t cap, const char *s, size_t len)
{
	size_t i = (size_t)hash_lower(s, len) & (cap - 1);

	while (slots[i]) {
		if (strlen(slots[i]) == len && strncmp(slots[i], s, len) == 0)
			return &slots[i];
		i = (i + 1) & (cap - 1);
	}
	return &slots[i];
}

static int grow(struct mfa_idset *set)
{
	size_t cap = set->cap * 2, i;
	char **slots;

	if (cap < set->cap || cap > SIZE_MAX / sizeof(*slots))
		return -1;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (i = 0; i < set->cap; i++) {
		if (set->slots[i])
			*find_slot(slots, cap, set->slots[i], strlen(set->slots[i])) = set->slots[i];
	}
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

int mfa_idset_add(struct mfa_idset *set, const char *id)
{
	size_t len, i;
	const char *s = trim(id, &len);
	char *copy;
	char **slot;

	if (len == 0)
		return 0;
	if ((set->count + 1) * 2 > set->cap && grow(set) < 0)
		return -1;
	copy = malloc(len + 1);
	if (!copy)
		return -1;
	for (i = 0; i < len; i++)
		copy[i] = (char)tolower((unsigned char)s[i]);
	copy[len] = '\0';
	slot = find_slot(set->slots, set->cap, copy, len);
	if (*slot) {
		free(copy);
		return 0;
	}
	*slot = copy;
	set->count++;
	return 0;
}

bool mfa_idset_contains(const struct mfa_idset *set, const char *id)
{
	char buf[512];
	size_t len, i;
	const char *s;

	if (!set || !id || set->count == 0)
		return false;
	s = trim(id, &len);
	if (len == 0 || len >= sizeof(buf))
		return false;
	for (i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[len] = '\0';
	return *find_slot(set->slots, set->cap, buf, len) != NULL;
}

size_t mfa_idset_count(const struct mfa_idset *set)
{
	return set ? set->count : 0;
}

void mfa_idset_free(struct mfa_idset *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	free(set);
}

int mfa_idset_load(struct mfa_idset **out, const char *path, struct mfa_err *err)
{
	struct mfa_idset *set = NULL;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int rc = -1;

	*out = NULL;
	f = fopen(path, "r");
	if (!f) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	set = mfa_idset_new();
	if (!set) {
		mfa_err_set(err, "out of memory reading '%s'", path);
		goto cleanup;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *p = line, *comma;

		lineno++;
		if (lineno == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
		    (unsigned char)p[2] == 0xBF)
			p += 3;
		if (memchr(p, '\0', (size_t)n - (size_t)(p - line))) {
			mfa_err_set(err, "%s:%lu: not a text list of user names or ids", path, lineno);
			goto cleanup;
		}
		comma = strpbrk(p, ",;\r\n");
		if (comma)
			*comma = '\0';
		/* Strip the quotes a CSV export puts around a value. */
		while (*p == ' ' || *p == '\t' || *p == '"')
			p++;
		{
			size_t len = strlen(p);
			while (len > 0 && (p[len - 1] == '"' || isspace((unsigned char)p[len - 1])))
				p[--len] = '\0';
		}
		if (*p == '\0' || *p == '#')
			continue;
		if (mfa_idset_add(set, p) < 0) {
			mfa_err_set(err, "out of memory reading '%s'", path);
			goto cleanup;
		}
	}
	if (ferror(f)) {
		mfa_err_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	*out = set;
	set = NULL;
	rc = 0;
cleanup:
	free(line);
	if (f)
		fclose(f);
	mfa_idset_free(set);
	return rc;
}
