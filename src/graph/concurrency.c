/* concurrency.c - the adaptive in-flight target of one throttle scope
 * (graph/concurrency.h). */
#include "graph/concurrency.h"

#include <math.h>
#include <string.h>

/* Latency averages: exponential moving averages whose weight is 1/n for
 * the first samples (a plain mean, so the first answer does not stand in
 * for all of them), then about one round trip's answers (target of them)
 * for the short one and LONG_RTTS round trips' for the long one: counted
 * in answers, a scope with many in flight would otherwise forget its
 * baseline within a fraction of a round trip. */
#define SHORT_ALPHA 0.2
#define LONG_ALPHA 0.02
#define LONG_RTTS 10.0
/* Samples before latency may shrink anything (the averages settle). */
#define MIN_SAMPLES 16

static double ema(double avg, double v, unsigned long n, double alpha)
{
	double a = 1.0 / (double)n;

	if (a < alpha)
		a = alpha;
	return avg + a * (v - avg);
}

static void clamp(struct mfa_conc *c)
{
	if (c->target > (double)c->ceiling)
		c->target = (double)c->ceiling;
	if (c->target < 1)
		c->target = 1;
	if (mfa_conc_target(c) > c->peak)
		c->peak = mfa_conc_target(c);
}

void mfa_conc_init(struct mfa_conc *c, unsigned start, unsigned ceiling)
{
	memset(c, 0, sizeof(*c));
	c->ceiling = ceiling ? ceiling : 1;
	c->target = start ? start : MFA_CONC_START;
	c->slow_start = 1;
	c->shrunk_at = -1;
	clamp(c);
}

unsigned mfa_conc_target(const struct mfa_conc *c)
{
	unsigned t = (unsigned)floor(c->target + 1e-9);

	if (t < 1)
		t = 1;
	return t > c->ceiling ? c->ceiling : t;
}

void mfa_conc_admission(struct mfa_conc *c, int cap_blocked, int limiter_blocked, double now)
{
	(void)now;
	c->cap_blocked = cap_blocked && !limiter_blocked;
}

/* One round trip, as far as we know one: what "recently" means. */
static double round_trip(const struct mfa_conc *c)
{
	return c->samples ? c->lat_short : 0;
}

static int may_shrink(const struct mfa_conc *c, double now)
{
	return c->shrunk_at < 0 || now - c->shrunk_at >= round_trip(c);
}

static void shrink(struct mfa_conc *c, double factor, double now)
{
	if (c->target <= 1)
		return; /* nothing left to take */
	if (factor < 0.5)
		factor = 0.5;
	c->target *= factor;
	c->slow_start = 0;
	c->shrunk_at = now;
	c->shrinks++;
	clamp(c);
}

void mfa_conc_done(struct mfa_conc *c, double latency_s, double now)
{
	double w_short, w_long;

	if (!(latency_s >= 0) || !isfinite(latency_s))
		return;
	c->samples++;
	w_short = 1.0 / c->target;
	if (w_short > SHORT_ALPHA)
		w_short = SHORT_ALPHA;
	w_long = 1.0 / (LONG_RTTS * c->target);
	if (w_long > LONG_ALPHA)
		w_long = LONG_ALPHA;
	c->lat_short = ema(c->lat_short, latency_s, c->samples, w_short);
	c->lat_long = ema(c->lat_long, latency_s, c->samples, w_long);

	if (c->samples >= MIN_SAMPLES && c->lat_short > MFA_CONC_RISE * c->lat_long) {
		if (may_shrink(c, now))
			shrink(c, c->lat_long / c->lat_short, now);
		return;
	}
	/* Grow only while the target holds ready work back and the limiter
	 * does not: then latency is what binds. */
	if (!c->cap_blocked || mfa_conc_target(c) >= c->ceiling)
		return;
	c->target += c->slow_start ? MFA_CONC_SLOW_START_GAIN : 1.0 / c->target;
	c->grows++;
	clamp(c);
}

void mfa_conc_throttled(struct mfa_conc *c, double now)
{
	if (may_shrink(c, now))
		shrink(c, 0.5, now);
}
