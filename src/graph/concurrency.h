/* graph/concurrency.h - how many requests of one throttle scope may be in
 * flight: an adaptive target, grown while latency is what binds and shrunk
 * on 429 or rising latency.
 *
 * Little's law: in flight = rate x latency. A scope's limiter
 * (graph/throttle.h) allows some rate; to reach it at a round trip of L
 * seconds, rate x L requests must be out at once: 2 batches at 50 ms, 96
 * at 2.4 s for 800 users/s in batches of 20. A fixed cap is either too low
 * for long round trips or needlessly high for short ones, so the engine
 * keeps one controller per scope and asks it before each admission.
 *
 * The rule (TCP slow start / congestion avoidance, with Vegas' latency
 * check against a long-run baseline instead of the minimum, since one
 * server's round trips spread widely on their own):
 * - grow only while the target is what holds requests back: in the last
 *   admission pass a request was ready (its limiter would have let it go)
 *   but the scope had `target` in flight (then measured rate x latency is
 *   the target: the cap is full), and the scope's limiter (its window, a
 *   slowdown or a pause) held nothing back. When the limiter binds, in
 *   flight settles at rate x latency below the target, so the target stops
 *   growing: more would only queue behind the limiter.
 *   Slow start: +MFA_CONC_SLOW_START_GAIN per completed request (tripling
 *   per round trip) until the first shrink; after that +1 per round trip
 *   (1/target a completion).
 * - shrink on a 429 (the request's own, or a $batch item's): halve;
 *   and when the recent latency (short average) exceeds 1.5x the long-run
 *   average: scale by long/short (at least halving). At most one shrink
 *   per round trip, since what is in flight was sent under the old target.
 * - never above `ceiling` (--workers), never below 1.
 *
 * Pure and time-injected like throttle.c: every call takes `now`
 * (monotonic seconds), no I/O, no allocation; plain struct, no free.
 *
 *     struct mfa_conc c;
 *     mfa_conc_init(&c, 8, 256);
 *     if (scope_in_flight < mfa_conc_target(&c)) start();
 *     mfa_conc_admission(&c, cap_blocked, limiter_blocked, now); // each pass
 *     mfa_conc_done(&c, latency_s, now);       // each answer but a 429
 *     mfa_conc_throttled(&c, now);             // each 429
 */
#ifndef MFA_GRAPH_CONCURRENCY_H
#define MFA_GRAPH_CONCURRENCY_H

/* The start value (a small tenant, a short round trip need no more). */
#define MFA_CONC_START 8
/* Slow start: added to the target per answer while latency binds, so the
 * target triples each round trip (TCP doubles; at a 2 s round trip every
 * round trip of ramp costs 2 s of the run, and the scope's limiter, not
 * the target, is what keeps the rate in check). */
#define MFA_CONC_SLOW_START_GAIN 2
/* Latency above this multiple of the long-run average counts as rising. */
#define MFA_CONC_RISE 1.5

struct mfa_conc {
	double target;          /* current target (fractional while growing by 1/target) */
	unsigned ceiling;       /* never above this (>= 1) */
	int slow_start;         /* 1 until the first shrink */

	unsigned long samples;  /* latencies seen */
	double lat_short;       /* recent average latency (about one round trip) */
	double lat_long;        /* long-run average latency (about ten round trips) */

	int cap_blocked;        /* the last admission pass: ready work held by the
				 * target, none by the limiter */
	double shrunk_at;       /* last shrink; -1: never */

	/* counters, for the run summary and tests */
	unsigned peak;          /* highest target reached */
	unsigned long grows;    /* completions that grew the target */
	unsigned long shrinks;  /* shrinks applied (429 or latency) */
};

/* Sets up a controller starting at `start` (0: MFA_CONC_START), never
 * above `ceiling` (0 is taken as 1). */
void mfa_conc_init(struct mfa_conc *c, unsigned start, unsigned ceiling);

/* The number of requests of this scope that may be in flight now
 * (1..ceiling). */
unsigned mfa_conc_target(const struct mfa_conc *c);

/* What the latest admission pass saw for this scope, when it had queued
 * work: cap_blocked = a request was ready but the target was reached;
 * limiter_blocked = the head waited for its limiter (window, slowdown or
 * pause). Call it once per pass for every scope with queued work. */
void mfa_conc_admission(struct mfa_conc *c, int cap_blocked, int limiter_blocked, double now);

/* An attempt answered (any status but 429) after latency_s seconds. Grows
 * the target when it is what binds, shrinks it when latency is rising. */
void mfa_conc_done(struct mfa_conc *c, double latency_s, double now);

/* A 429 (of a request or of a $batch item): halves the target, at most
 * once per round trip. */
void mfa_conc_throttled(struct mfa_conc *c, double now);

#endif
