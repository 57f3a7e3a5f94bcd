/* faults.h - seeded fault injection.
 *
 * Every Graph API request (/v1.0/..., /beta/...) takes the next number n of
 * one counter; its fault is a pure function of (--seed, n), so a seed and a
 * request sequence reproduce the same faults. One uniform draw u decides,
 * with the rates stacked in this order so each happens at its own rate:
 *   u < drop                      connection closed mid-response
 *   u < drop+slow                 response held for --slow-seconds
 *   u < drop+slow+fail5xx         500/502/503/504 (503 half the time with Retry-After)
 *   u < drop+slow+fail5xx+fail429 429 with Retry-After
 * Dropped and slow requests are carried out first (the client cannot tell
 * whether a write happened); 5xx and 429 ones are not. $batch items draw
 * their own 5xx/429 from the same counter. Latency (--latency-ms) applies to
 * every request, uniformly jittered over [0.5, 1.5] x latency.
 */
#ifndef EMU_FAULTS_H
#define EMU_FAULTS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "emu.h"

enum emu_fault_kind { EMU_FAULT_NONE, EMU_FAULT_DROP, EMU_FAULT_SLOW, EMU_FAULT_5XX, EMU_FAULT_429 };

struct emu_fault {
	enum emu_fault_kind kind;
	int status;          /* for 5XX/429 */
	double retry_after;  /* seconds; 0: no header */
	double delay;        /* seconds before the response starts (latency) */
};

struct emu_faults {
	const struct emu_config *cfg;
	atomic_ullong seq;
	atomic_ulong injected[5]; /* by kind */
};

void emu_faults_init(struct emu_faults *f, const struct emu_config *cfg);
/* Draws the fault of the next request; item: a $batch item (5xx/429 only, no latency). */
void emu_faults_draw(struct emu_faults *f, bool item, struct emu_fault *out);
/* Fills rp with the error reply of a 5XX or 429 fault. */
void emu_faults_reply(const struct emu_fault *ft, struct emu_reply *rp);
void emu_faults_reset(struct emu_faults *f);

#endif
