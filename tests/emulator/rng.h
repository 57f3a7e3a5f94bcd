/* rng.h - the emulator's deterministic randomness.
 *
 * Everything random is a pure function of (seed, stream, counter) through
 * splitmix64, so a given seed and request sequence reproduce the same tenant
 * and the same faults on every run and every machine.
 */
#ifndef EMU_RNG_H
#define EMU_RNG_H

#include <stdint.h>

static inline uint64_t rng_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A 64-bit value for (seed, stream, n). */
static inline uint64_t rng_at(uint64_t seed, uint64_t stream, uint64_t n)
{
	return rng_mix(rng_mix(seed ^ rng_mix(stream)) ^ n);
}

/* A double in [0, 1) from a 64-bit value. */
static inline double rng_unit(uint64_t x)
{
	return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

#endif
