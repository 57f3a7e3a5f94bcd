/* upn_ranges.c - the users list cut into UPN ranges (upn_ranges.h). */
#include "sources/upn_ranges.h"

#include <stdlib.h>
#include <string.h>

size_t mfa_upn_partitions(unsigned long total)
{
	unsigned long parts;

	if (total == 0)
		return 0;
	parts = (total + MFA_UPN_USERS_PER_PARTITION - 1) / MFA_UPN_USERS_PER_PARTITION;
	if (parts < 2)
		parts = 2;
	if (parts > MFA_UPN_MAX_PARTITIONS)
		parts = MFA_UPN_MAX_PARTITIONS;
	return (size_t)parts;
}

int mfa_upn_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (;; x++, y++) {
		int cx = (*x >= 'A' && *x <= 'Z') ? *x + ('a' - 'A') : *x;
		int cy = (*y >= 'A' && *y <= 'Z') ? *y + ('a' - 'A') : *y;
		if (cx != cy || cx == 0)
			return cx - cy;
	}
}

static int cmp_ptr(const void *a, const void *b)
{
	return mfa_upn_cmp(*(const char *const *)a, *(const char *const *)b);
}

size_t mfa_upn_bounds(const char **upns, size_t n, size_t parts, const char **out)
{
	size_t i, m = 0, j, k = 0;

	if (parts < 2)
		return 0;
	for (i = 0; i < n; i++)
		if (upns[i] && upns[i][0])
			upns[m++] = upns[i];
	if (m < 2)
		return 0;
	qsort(upns, m, sizeof(*upns), cmp_ptr);
	for (j = 1; j < parts; j++) {
		const char *b = upns[j * m / parts];
		if (k && mfa_upn_cmp(b, out[k - 1]) <= 0)
			continue;
		out[k++] = b;
	}
	return k;
}

size_t mfa_upn_alphabet(const char **out, size_t max)
{
	static const char *const letters[] = { "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n",
					       "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z" };
	size_t i, n = sizeof(letters) / sizeof(letters[0]);

	for (i = 0; i < n && i < max; i++)
		out[i] = letters[i];
	return i;
}

/* Appends s percent-encoded (unreserved characters kept) to out at *w. */
static void put_encoded(char *out, size_t *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			out[(*w)++] = (char)*p;
		} else {
			out[(*w)++] = '%';
			out[(*w)++] = hex[*p >> 4];
			out[(*w)++] = hex[*p & 15];
		}
	}
}

/* Appends "userPrincipalName <op> '<v>'" (quotes doubled), encoded. */
static void put_clause(char *out, size_t *w, const char *op, const char *v)
{
	const char *p;

	put_encoded(out, w, "userPrincipalName ");
	put_encoded(out, w, op);
	put_encoded(out, w, " '");
	for (p = v; *p; p++) {
		char c[2] = { *p, '\0' };
		put_encoded(out, w, c);
		if (*p == '\'')
			put_encoded(out, w, c);
	}
	put_encoded(out, w, "'");
}

char *mfa_upn_range_filter(const char *lo, const char *hi)
{
	/* each byte of a literal: at most a doubled quote, 6 bytes encoded */
	size_t cap = 128 + 6 * ((lo ? strlen(lo) : 0) + (hi ? strlen(hi) : 0)), w = 0;
	char *out;

	if (!lo && !hi)
		return NULL;
	out = malloc(cap);
	if (!out)
		return NULL;
	if (lo)
		put_clause(out, &w, "ge", lo);
	if (lo && hi)
		put_encoded(out, &w, " and ");
	if (hi)
		put_clause(out, &w, "le", hi);
	out[w] = '\0';
	return out;
}
