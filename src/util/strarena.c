/* strarena.c - strings in one block, and their hash (strarena.h). */
#include "mfa/util/strarena.h"

#include <stdlib.h>
#include <string.h>

int mfa_strarena_add(struct mfa_strarena *a, const char *s, uint32_t *off)
{
	size_t len;

	*off = 0;
	if (!s || !*s)
		return 0;
	len = strlen(s) + 1;
	if (len > (size_t)UINT32_MAX - 1 || a->len > (size_t)UINT32_MAX - 1 - len)
		return -1;
	if (a->len + len > a->cap) {
		size_t cap = a->cap ? a->cap : 4096;
		char *p;

		while (cap < a->len + len)
			cap *= 2;
		p = realloc(a->data, cap);
		if (!p)
			return -1;
		a->data = p;
		a->cap = cap;
	}
	memcpy(a->data + a->len, s, len);
	*off = (uint32_t)(a->len + 1);
	a->len += len;
	return 0;
}

void mfa_strarena_release(struct mfa_strarena *a)
{
	free(a->data);
	a->data = NULL;
	a->len = a->cap = 0;
}

uint32_t mfa_hash_ci(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + ('a' - 'A'));
		h ^= c;
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}
