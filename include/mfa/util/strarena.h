/* strarena.h - strings kept once in one growing block and named by 32-bit
 * offsets, and the case-insensitive hash the lookup tables use. For the
 * compact per-user maps (registration, baseline, coverage), where a pointer
 * per string would cost more than the string.
 *
 * An offset is the string's position plus one, so 0 means "none". Strings
 * handed out stay valid until the next mfa_strarena_add (the block may
 * move) or mfa_strarena_release.
 */
#ifndef MFA_CORE_STRARENA_H
#define MFA_CORE_STRARENA_H

#include <stddef.h>
#include <stdint.h>

struct mfa_strarena {
	char *data;
	size_t len, cap;
};

#define MFA_STRARENA_INIT { NULL, 0, 0 }

/* Copies s in; *off gets its offset (0 for NULL or ""). Returns 0, or -1
 * when out of memory or past 4 GiB of text (refused, never wrapped). */
int mfa_strarena_add(struct mfa_strarena *a, const char *s, uint32_t *off);

static inline const char *mfa_strarena_get(const struct mfa_strarena *a, uint32_t off)
{
	return off ? a->data + (off - 1) : NULL;
}

void mfa_strarena_release(struct mfa_strarena *a);

/* FNV-1a over ASCII-lowercased bytes (as strcasecmp folds in the C
 * locale), finished with murmur3's fmix32: open-addressing tables keep the
 * low bits, which FNV alone mixes poorly. */
uint32_t mfa_hash_ci(const char *s);

#endif
