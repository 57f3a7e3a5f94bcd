/* throttle.c - first-use fixed windows per scope. */
#include "throttle.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct window {
	double start, len;
	long used, limit;
};

struct emu_throttle {
	const struct emu_config *cfg;
	pthread_mutex_t lock;
	struct window identity, write_app, write_tenant, reports, ca;
};

static void window_set(struct window *w, double seconds, long limit, double scale)
{
	w->start = -1e18;
	w->len = seconds / scale;
	w->used = 0;
	w->limit = limit;
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
	window_set(&t->identity, 10, users < 50 ? 3500 : users <= 500 ? 5000 : 8000, k);
	window_set(&t->write_app, 150, 3000, k);
	window_set(&t->write_tenant, 300, 18000, k);
	window_set(&t->reports, 10, 5, k);
	window_set(&t->ca, 1, 1, k);
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
	t->identity.start = t->write_app.start = t->write_tenant.start = -1e18;
	t->reports.start = t->ca.start = -1e18;
	t->identity.used = t->write_app.used = t->write_tenant.used = 0;
	t->reports.used = t->ca.used = 0;
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

/* Opens a new window when the old one has closed. */
static void window_roll(struct window *w, double now)
{
	if (now >= w->start + w->len) {
		w->start = now;
		w->used = 0;
	}
}

static bool window_fits(const struct window *w, long cost)
{
	return w->used + cost <= w->limit;
}

static double window_left(const struct window *w, double now)
{
	return w->start + w->len - now;
}

static double window_fraction(const struct window *w)
{
	return (double)w->used / (double)w->limit;
}

static void too_many(struct emu_reply *rp, const char *scope, const char *info, double retry_after)
{
	char ra[32];

	emu_reply_error(rp, 429, "TooManyRequests",
			"Too many requests. The request was throttled by the '%s' limit.", info);
	rp->throttled = true;
	if (retry_after > 0) {
		emu_format_seconds(retry_after, ra, sizeof(ra));
		emu_reply_header(rp, "Retry-After", "%s", ra);
	}
	emu_reply_header(rp, "x-ms-throttle-scope", "%s", scope);
	emu_reply_header(rp, "x-ms-throttle-information", "%s", info);
	emu_reply_header(rp, "x-ms-throttle-limit-percentage", "1.0");
}

int emu_throttle_charge(struct emu_throttle *t, enum emu_scope scope, int ru, bool write,
			struct emu_reply *rp)
{
	const struct emu_config *cfg = t->cfg;
	double now, frac = 0;
	char scope_text[160];
	int ret = 0;

	rp->ru = ru;
	emu_reply_header(rp, "x-ms-resource-unit", "%d", ru);
	if (!cfg->limits || scope == EMU_SCOPE_NONE)
		return 0;
	now = emu_now();
	pthread_mutex_lock(&t->lock);
	switch (scope) {
	case EMU_SCOPE_IDENTITY:
		window_roll(&t->identity, now);
		if (write) {
			window_roll(&t->write_app, now);
			window_roll(&t->write_tenant, now);
		}
		snprintf(scope_text, sizeof(scope_text), "Tenant_Application/%s/%s/%s",
			 write ? "ReadWrite" : "Read", cfg->tenant_id, cfg->client_id);
		if (!window_fits(&t->identity, ru)) {
			too_many(rp, scope_text, "ResourceUnitLimitExceeded", window_left(&t->identity, now));
			ret = -1;
		} else if (write && !window_fits(&t->write_app, 1)) {
			too_many(rp, scope_text, "WriteLimitExceeded", window_left(&t->write_app, now));
			ret = -1;
		} else if (write && !window_fits(&t->write_tenant, 1)) {
			snprintf(scope_text, sizeof(scope_text), "Tenant/ReadWrite/%s", cfg->tenant_id);
			too_many(rp, scope_text, "WriteLimitExceeded", window_left(&t->write_tenant, now));
			ret = -1;
		} else {
			t->identity.used += ru;
			frac = window_fraction(&t->identity);
			if (write) {
				t->write_app.used++;
				t->write_tenant.used++;
				frac = fmax(frac, fmax(window_fraction(&t->write_app),
						       window_fraction(&t->write_tenant)));
			}
		}
		break;
	case EMU_SCOPE_REPORTS:
		window_roll(&t->reports, now);
		snprintf(scope_text, sizeof(scope_text), "Tenant_Application/Read/%s/%s",
			 cfg->tenant_id, cfg->client_id);
		if (!window_fits(&t->reports, 1)) {
			too_many(rp, scope_text, "ReportsRequestLimitExceeded", window_left(&t->reports, now));
			ret = -1;
		} else {
			t->reports.used++;
			frac = window_fraction(&t->reports);
		}
		break;
	case EMU_SCOPE_CA:
		window_roll(&t->ca, now);
		snprintf(scope_text, sizeof(scope_text), "Tenant/Read/%s", cfg->tenant_id);
		if (!window_fits(&t->ca, 1)) {
			/* Conditional Access sends no Retry-After */
			too_many(rp, scope_text, "ConditionalAccessRequestLimitExceeded", 0);
			ret = -1;
		} else {
			t->ca.used++;
			frac = window_fraction(&t->ca);
		}
		break;
	case EMU_SCOPE_NONE:
		break;
	}
	pthread_mutex_unlock(&t->lock);
	if (ret == 0 && frac > 0.8)
		emu_reply_header(rp, "x-ms-throttle-limit-percentage", "%.2f", frac);
	return ret;
}
