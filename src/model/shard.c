/* shard.c - a tenant's shard (mfa/model/shard.h). */
#include "mfa/model/shard.h"

#include <stddef.h>
#include <string.h>

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

uint64_t mfa_shard_hash(const char *id)
{
	uint64_t h = FNV_OFFSET;
	const unsigned char *p;

	for (p = (const unsigned char *)id; *p; p++) {
		unsigned char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h ^= c;
		h *= FNV_PRIME;
	}
	return h;
}

unsigned mfa_shard_of(const char *id, unsigned count)
{
	uint64_t h = mfa_shard_hash(id);

	/* FNV's low bits depend only on the low bits of each byte: mix with
	 * MurmurHash3's 64-bit finaliser first, so every bit of every byte
	 * reaches the bits a power-of-two N looks at. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return count ? (unsigned)(h % count) : 0;
}

/* Digits only, at most 9 of them, no sign, no spaces. */
static int digits(const char *s, size_t len, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 9)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = (unsigned)v;
	return 0;
}

int mfa_shard_number(const char *text, const char *what, unsigned lo, unsigned hi, unsigned *out,
		     struct mfa_err *err)
{
	unsigned v;

	if (!text || digits(text, strlen(text), &v) < 0 || v < lo || v > hi)
		return mfa_err_set(err, "%s: '%s' is not a number from %u to %u", what, text ? text : "", lo, hi);
	*out = v;
	return 0;
}

int mfa_shard_parse(const char *text, unsigned *index, unsigned *count, struct mfa_err *err)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	unsigned i, n;

	if (!slash || digits(text, (size_t)(slash - text), &i) < 0 ||
	    digits(slash + 1, strlen(slash + 1), &n) < 0)
		return mfa_err_set(err, "'%s' is not I/N (e.g. 0/4: the first of 4 shards)", text ? text : "");
	if (n < 1 || n > MFA_SHARD_MAX)
		return mfa_err_set(err, "'%s': the shard count must be 1 to %d", text, MFA_SHARD_MAX);
	if (i >= n)
		return mfa_err_set(err, "'%s': shards are numbered 0 to %u", text, n - 1);
	*index = i;
	*count = n;
	return 0;
}
