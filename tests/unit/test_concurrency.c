/* test_concurrency.c - the adaptive in-flight target, driven by synthetic
 * round trips and a real limiter (graph/throttle.h) on an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "graph/concurrency.h"
#include "graph/throttle.h"

#define MAXF 4096

/* A backlog of requests against a server answering after latency x
 * [0.5, 1.5] (graph-emulator's --latency-ms spread), admitted as the
 * engine does: the limiter first, then the target. Returns the average in
 * flight over the last `tail` seconds; *max_target the highest target. */
struct sim {
	double rate;       /* requests per second the limiter allows */
	double latency;    /* mean round trip */
	double seconds;    /* simulated time */
	unsigned ceiling;
	double rise_at;    /* > 0: from then on round trips are rise_x longer */
	double rise_x;
};

static uint64_t rng = 12345;

static double uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static double run(const struct sim *s, struct mfa_conc *c, double tail, unsigned *max_target)
{
	static double fin[MAXF], began[MAXF];
	struct mfa_throttle lim;
	const double dt = 0.001;
	double t, inflight_sum = 0;
	size_t n = 0, i, ticks = 0;

	/* a tight window (a tenth of a second): no burst to hide behind */
	mfa_throttle_init(&lim, s->rate / 10.0, 0.1);
	mfa_conc_init(c, 0, s->ceiling);
	*max_target = mfa_conc_target(c);
	for (t = 0; t < s->seconds; t += dt) {
		int cap = 0, held = 0;

		for (i = 0; i < n;) {
			if (fin[i] <= t) {
				mfa_conc_done(c, fin[i] - began[i], t);
				fin[i] = fin[n - 1];
				began[i] = began[n - 1];
				n--;
			} else {
				i++;
			}
		}
		for (;;) {
			double lat;

			if (mfa_throttle_ready_at(&lim, 1, t) > t) {
				held = 1;
				break;
			}
			if (n >= mfa_conc_target(c)) {
				cap = 1;
				break;
			}
			assert_true(n < MAXF);
			mfa_throttle_take(&lim, 1, t);
			lat = s->latency * (0.5 + uniform());
			if (s->rise_at > 0 && t >= s->rise_at)
				lat *= s->rise_x;
			began[n] = t;
			fin[n++] = t + lat;
		}
		mfa_conc_admission(c, cap, held, t);
		assert_true(n <= s->ceiling);
		if (mfa_conc_target(c) > *max_target)
			*max_target = mfa_conc_target(c);
		if (t >= s->seconds - tail) {
			inflight_sum += (double)n;
			ticks++;
		}
	}
	return inflight_sum / (double)ticks;
}

/* At 50 ms, 300 ms, 1 s and 2 s (x 40 batches/s: 800 users/s in twenties)
 * the scope ends with rate x latency in flight, and the target did not
 * run far past that: it stops growing once the limiter binds. */
static void reaches(double latency)
{
	struct sim s = { 40, latency, 30 + 10 * latency, 256, 0, 0 };
	struct mfa_conc c;
	unsigned max_target;
	double want = s.rate * s.latency;
	double got = run(&s, &c, 5, &max_target);

	print_message("latency %.2f s: in flight %.1f (rate x latency %.1f), target %u, peak %u\n",
		      latency, got, want, mfa_conc_target(&c), max_target);
	assert_true(got >= 0.9 * want);
	assert_true(got <= 1.1 * want + 1);
	assert_true(max_target <= 1.5 * want + MFA_CONC_START);
	assert_true(max_target <= 256);
}

static void test_reaches_50ms(void **state)
{
	(void)state;
	reaches(0.05);
}

static void test_reaches_300ms(void **state)
{
	(void)state;
	reaches(0.3);
}

static void test_reaches_1s(void **state)
{
	(void)state;
	reaches(1.0);
}

static void test_reaches_2s(void **state)
{
	(void)state;
	reaches(2.0);
}

/* A 2 s round trip at 200 requests/s wants 400 in flight: the ceiling
 * holds, the target sits at it. */
static void test_never_above_ceiling(void **state)
{
	struct sim s = { 200, 2.0, 30, 64, 0, 0 };
	struct mfa_conc c;
	unsigned max_target;
	double got;

	(void)state;
	got = run(&s, &c, 5, &max_target);
	assert_int_equal(max_target, 64);
	assert_int_equal(mfa_conc_target(&c), 64);
	assert_true(got >= 60);
}

/* A 429 halves the target, once per round trip: the 429s of one wave
 * (everything sent under the old target) count once. */
static void test_halves_on_429(void **state)
{
	struct mfa_conc c;
	int i;

	(void)state;
	mfa_conc_init(&c, 64, 256);
	for (i = 0; i < 20; i++)
		mfa_conc_done(&c, 1.0, 0.0); /* a round trip of 1 s, nothing blocked */
	assert_int_equal(mfa_conc_target(&c), 64);
	mfa_conc_throttled(&c, 10.0);
	assert_int_equal(mfa_conc_target(&c), 32);
	mfa_conc_throttled(&c, 10.2); /* same wave */
	mfa_conc_throttled(&c, 10.9);
	assert_int_equal(mfa_conc_target(&c), 32);
	mfa_conc_throttled(&c, 11.0); /* a round trip later */
	assert_int_equal(mfa_conc_target(&c), 16);
	for (i = 0; i < 20; i++)
		mfa_conc_throttled(&c, 12.0 + i);
	assert_int_equal(mfa_conc_target(&c), 1); /* never below 1 */
	assert_int_equal(c.shrinks, 6); /* 64 -> 32 -> ... -> 1 */
	/* after a shrink: +1 per round trip, not per answer */
	mfa_conc_admission(&c, 1, 0, 40.0);
	for (i = 0; i < 4; i++) /* 1 + 1/1 + 1/2 + 1/2.5 + 1/2.9 */
		mfa_conc_done(&c, 1.0, 40.0 + i);
	assert_int_equal(mfa_conc_target(&c), 3);
}

/* While the limiter holds work back, answers do not grow the target,
 * however full the target is. */
static void test_no_growth_when_limiter_binds(void **state)
{
	struct mfa_conc c;
	int i;

	(void)state;
	mfa_conc_init(&c, 8, 256);
	for (i = 0; i < 200; i++) {
		mfa_conc_admission(&c, 1, 1, i * 0.01);
		mfa_conc_done(&c, 0.5, i * 0.01);
	}
	assert_int_equal(mfa_conc_target(&c), 8);
	assert_int_equal(c.grows, 0);
	/* then the target binds alone: slow start, +2 an answer */
	mfa_conc_admission(&c, 1, 0, 2.6);
	for (i = 0; i < 4; i++)
		mfa_conc_done(&c, 0.5, 2.6 + i * 0.01);
	assert_int_equal(mfa_conc_target(&c), 16);
	/* nothing ready beyond the target: no growth either */
	mfa_conc_admission(&c, 0, 0, 3.0);
	for (i = 0; i < 8; i++)
		mfa_conc_done(&c, 0.5, 3.0);
	assert_int_equal(mfa_conc_target(&c), 16);
}

/* Round trips that triple (the server queueing) shrink the target well
 * below where it would be, and the scope keeps going. */
static void test_shrinks_when_latency_rises(void **state)
{
	struct sim steady = { 2000, 0.1, 12, 256, 0, 0 };
	struct sim rising = { 2000, 0.1, 12, 256, 6.0, 3.0 };
	struct mfa_conc a, b;
	unsigned ma, mb;

	(void)state;
	run(&steady, &a, 1, &ma);
	run(&rising, &b, 1, &mb);
	print_message("steady target %u (%lu shrinks), rising %u (%lu shrinks)\n",
		      mfa_conc_target(&a), a.shrinks, mfa_conc_target(&b), b.shrinks);
	assert_int_equal(a.shrinks, 0);
	assert_true(b.shrinks >= 1);
	assert_true(mfa_conc_target(&b) < mfa_conc_target(&a));
	assert_true(mfa_conc_target(&b) >= 1);
}

static void test_start_and_ceiling(void **state)
{
	struct mfa_conc c;

	(void)state;
	mfa_conc_init(&c, 0, 256);
	assert_int_equal(mfa_conc_target(&c), MFA_CONC_START);
	mfa_conc_init(&c, 0, 2); /* --workers 2: never more, from the start */
	assert_int_equal(mfa_conc_target(&c), 2);
	mfa_conc_init(&c, 5, 0);
	assert_int_equal(mfa_conc_target(&c), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reaches_50ms),
		cmocka_unit_test(test_reaches_300ms),
		cmocka_unit_test(test_reaches_1s),
		cmocka_unit_test(test_reaches_2s),
		cmocka_unit_test(test_never_above_ceiling),
		cmocka_unit_test(test_halves_on_429),
		cmocka_unit_test(test_no_growth_when_limiter_binds),
		cmocka_unit_test(test_shrinks_when_latency_rises),
		cmocka_unit_test(test_start_and_ceiling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
