/* throttle.c - token buckets per limit, with a trailing-window meter of refused cost. */
#include "throttle.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 50 /* refused-cost meter resolution: window / SLOTS */

struct bucket {
	const char *scope;     /* "Tenant_Application/ReadWrite", static */
	const char *info;      /* x-ms-throttle-information, static */
	double budget;         /* the documented limit (for the percentage) */
	double capacity;       /* what this tenant may hold (budget less use elsewhere) */
	double rate;           /* refill per second */
	double window;         /* seconds, time-scaled */
	double level, last;    /* tokens at time last */
	double elsewhere;      /* writes per window spent outside this emulator */
	/* refused meter: slot i holds the costs refused in epoch epochs[i] */
	double refused[SLOTS];
	long long epochs[SLOTS];
};

struct emu_throttle {
	const struct emu_config *cfg;
	pthread_mutex_t lock;
	struct bucket identity, write_app_tenant, write_app, write_tenant, reports, ca;
};

static void bucket_fill(struct bucket *b)
{
	b->level = b->capacity;
	b->last = emu_now();
	memset(b->refused, 0, sizeof(b->refused));
	memset(b->epochs, 0, sizeof(b->epochs));
}

static void bucket_init(struct bucket *b, const char *scope, const char *info, double budget,
			double seconds, double elsewhere, double scale)
{
	memset(b, 0, sizeof(*b));
	b->scope = scope;
	b->info = info;
	b->budget = budget;
	b->elsewhere = fmin(elsewhere, budget);
	b->capacity = budget - b->elsewhere;
	b->window = seconds / scale;
	b->rate = b->capacity / b->window;
	bucket_fill(b);
}

int emu_throttle_new(struct emu_throttle **out, const struct emu_config *cfg, unsigned long users)
{
	struct emu_throttle *t = calloc(1, sizeof(*t));
	double k = cfg->time_scale;

	*out = NULL;
	if (!t)
		return -1;
	t->cfg = cfg;
	pthread_mutex_init(&t->lock, NULL);
	bucket_init(&t->identity, "Tenant_Application/ReadWrite", "ResourceUnitLimitExceeded",
		    users < 50 ? 3500 : users <= 500 ? 5000 : 8000, 10, 0, k);
	bucket_init(&t->write_app_tenant, "Tenant_Application/Write", "WriteLimitExceeded", 3000, 150, 0, k);
	bucket_init(&t->write_app, "Application/Write", "WriteLimitExceeded", 35000, 300,
		    cfg->app_writes_elsewhere, k);
	bucket_init(&t->write_tenant, "Tenant/Write", "WriteLimitExceeded", 18000, 300, 0, k);
	bucket_init(&t->reports, "Tenant_Application/Read", "ReportsRequestLimitExceeded", 5, 10, 0, k);
	bucket_init(&t->ca, "Tenant/ReadWrite", "ConditionalAccessRequestLimitExceeded", 1, 1, 0, k);
	*out = t;
	return 0;
}

void emu_throttle_free(struct emu_throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void emu_throttle_reset(struct emu_throttle *t)
{
	pthread_mutex_lock(&t->lock);
	bucket_fill(&t->identity);
	bucket_fill(&t->write_app_tenant);
	bucket_fill(&t->write_app);
	bucket_fill(&t->write_tenant);
	bucket_fill(&t->reports);
	bucket_fill(&t->ca);
	pthread_mutex_unlock(&t->lock);
}

void emu_format_seconds(double s, char *out, size_t size)
{
	size_t n;

	if (s < 0.001)
		s = 0.001;
	if (s >= 10) {
		snprintf(out, size, "%.0f", ceil(s));
		return;
	}
	snprintf(out, size, "%.3f", ceil(s * 1000.0) / 1000.0);
	n = strlen(out);
	while (n > 1 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 1 && out[n - 1] == '.')
		out[--n] = '\0';
}

static void bucket_refill(struct bucket *b, double now)
{
	if (now > b->last) {
		b->level = fmin(b->capacity, b->level + (now - b->last) * b->rate);
		b->last = now;
	}
}

/* Seconds until the bucket holds cost (the window when it never can). */
static double bucket_wait(const struct bucket *b, double cost)
{
	if (cost > b->capacity || b->rate <= 0)
		return b->window;
	return b->level >= cost ? 0 : (cost - b->level) / b->rate;
}

static long long bucket_epoch(const struct bucket *b, double now)
{
	return (long long)floor(now / (b->window / SLOTS)) + 1; /* 0 marks an unused slot */
}

/* Records a cost the bucket refused (the meter counts only those). */
static void bucket_refuse(struct bucket *b, double now, double cost)
{
	long long e = bucket_epoch(b, now);
	unsigned i = (unsigned)(e % SLOTS);

	if (b->epochs[i] != e) {
		b->epochs[i] = e;
		b->refused[i] = 0;
	}
	b->refused[i] += cost;
}

/* The share of the budget drained: (budget - tokens) / budget, at most 1.0
 * after an admitted charge (other tenants' writes are part of it, as the
 * capacity is the budget less them). */
static double bucket_drained(const struct bucket *b)
{
	return fmin(1.0, fmax(0.0, (b->budget - b->level) / b->budget));
}

/* Throttled: 1.0 plus the cost refused in the trailing window over the
 * budget (1.2 = 20 % more asked than the bucket holds), capped at 1.8. */
static double bucket_over(const struct bucket *b, double now)
{
	long long e = bucket_epoch(b, now);
	double sum = 0;
	unsigned i;

	for (i = 0; i < SLOTS; i++)
		if (b->epochs[i] > e - SLOTS && b->epochs[i] <= e)
			sum += b->refused[i];
	return fmin(1.8, 1.0 + sum / b->budget);
}

static void too_many(struct emu_reply *rp, const struct emu_config *cfg, const struct bucket *b,
		     double retry_after, double fraction)
{
	char ra[32];

	emu_reply_error(rp, 429, "TooManyRequests",
			"Too many requests. The request was throttled by the '%s' limit.", b->info);
	rp->throttled = true;
	if (retry_after > 0) {
		emu_format_seconds(retry_after, ra, sizeof(ra));
		emu_reply_header(rp, "Retry-After", "%s", ra);
	}
	emu_reply_header(rp, "x-ms-throttle-scope", "%s/%s/%s", b->scope, cfg->client_id, cfg->tenant_id);
	emu_reply_header(rp, "x-ms-throttle-information", "%s", b->info);
	emu_reply_header(rp, "x-ms-throttle-limit-percentage", "%.2f", fraction);
}

int emu_throttle_charge(struct emu_throttle *t, enum emu_scope scope, int ru, bool write,
			struct emu_reply *rp)
{
	const struct emu_config *cfg = t->cfg;
	struct bucket *use[4];
	double cost[4], now, frac = 0, wait = 0, wait_frac = 0;
	const struct bucket *binding = NULL;
	unsigned n = 0, i;

	rp->ru = ru;
	emu_reply_header(rp, "x-ms-resource-unit", "%d", ru);
	if (!cfg->limits || scope == EMU_SCOPE_NONE)
		return 0;
	switch (scope) {
	case EMU_SCOPE_IDENTITY:
		use[n] = &t->identity;
		cost[n++] = ru;
		if (write) {
			use[n] = &t->write_app_tenant;
			cost[n++] = 1;
			use[n] = &t->write_app;
			cost[n++] = 1;
			use[n] = &t->write_tenant;
			cost[n++] = 1;
		}
		break;
	case EMU_SCOPE_REPORTS:
		use[n] = &t->reports;
		cost[n++] = 1;
		break;
	case EMU_SCOPE_CA:
		use[n] = &t->ca;
		cost[n++] = 1;
		break;
	case EMU_SCOPE_NONE:
		break;
	}
	now = emu_now();
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < n; i++) {
		double w;
		bucket_refill(use[i], now);
		w = bucket_wait(use[i], cost[i]);
		if (w > 0)
			bucket_refuse(use[i], now, cost[i]);
		if (w > wait) {
			wait = w;
			binding = use[i];
		}
	}
	if (binding)
		wait_frac = bucket_over(binding, now);
	else
		for (i = 0; i < n; i++) {
			use[i]->level -= cost[i];
			frac = fmax(frac, bucket_drained(use[i]));
		}
	pthread_mutex_unlock(&t->lock);
	if (binding) {
		/* Conditional Access sends no Retry-After */
		too_many(rp, cfg, binding, binding == &t->ca ? 0 : wait, wait_frac);
		return -1;
	}
	if (frac > 0.8)
		emu_reply_header(rp, "x-ms-throttle-limit-percentage", "%.2f", fmin(1.8, frac));
	return 0;
}
