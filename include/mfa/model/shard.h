/* mfa/model/shard.h - which shard of N a tenant falls in (audit --tenants
 * --shard I/N), so a scheduler can split a tenants file across jobs.
 *
 * The rule, stable across versions and machines so any other scheduler can
 * compute it too:
 *     shard(id, N) = fmix64(FNV-1a-64(lowercase(id))) mod N
 * where id is the tenant line's first field as read (after CSV unquoting,
 * nothing trimmed), lowercase maps the ASCII letters A-Z to a-z and leaves
 * every other byte alone, and FNV-1a-64 starts at 14695981039346656037,
 * and for each byte XORs it in and multiplies by 1099511628211 (mod 2^64).
 * In Python:
 *     h = 14695981039346656037
 *     for b in tid.lower().encode(): h = ((h ^ b) * 1099511628211) % 2**64
 *     h ^= h >> 33; h = h * 0xff51afd7ed558ccd % 2**64
 *     h ^= h >> 33; h = h * 0xc4ceb9fe1a85ec53 % 2**64
 *     h ^= h >> 33; shard = h % n
 * (str.lower also folds non-ASCII letters; tenant ids and domain names are
 * ASCII.) fmix64 is MurmurHash3's 64-bit finaliser (the three lines
 * above); it matters: FNV's low bits depend only on the low bits of each
 * byte, which a power-of-two N would see alone.
 * The same tenant on two lines lands in the same shard.
 */
#ifndef MFA_MODEL_SHARD_H
#define MFA_MODEL_SHARD_H

#include <stdint.h>

#include "mfa/util/err.h"

#define MFA_SHARD_MAX 100000 /* the largest N */

/* FNV-1a 64 of id with ASCII letters lowercased. */
uint64_t mfa_shard_hash(const char *id);

/* The shard (0..count-1) id falls in; count >= 1. */
unsigned mfa_shard_of(const char *id, unsigned count);

/* Parses "I/N" (0 <= I < N <= MFA_SHARD_MAX, decimal digits only) into
 * *index and *count. Returns 0, or -1 with err saying what is wrong. */
int mfa_shard_parse(const char *text, unsigned *index, unsigned *count, struct mfa_err *err);

/* Parses a decimal number in [lo, hi] (a shard index or count given alone,
 * as in JOB_COMPLETION_INDEX). Returns 0, or -1 with err set (naming what). */
int mfa_shard_number(const char *text, const char *what, unsigned lo, unsigned hi, unsigned *out,
		     struct mfa_err *err);

#endif
