/* throttle.c - client-side model of Graph's throttle limits
 * (graph/throttle.h).
 *
 * How it works, in one read:
 *
 * Graph documents its limits as token buckets, and the emulator serves
 * them so: a budget of N units per W seconds is a bucket holding at most N
 * tokens, refilled continuously at N / W per second, starting full. A
 * request may start when every bucket of its scope holds its cost; starting
 * it takes the cost from each. So a client may spend N at once, then
 * N / W per second, and never stalls for a window to slide by: what it
 * spent comes back a token at a time. Two numbers a bucket, whatever N.
 *
 * On top of the buckets:
 * - a pause: a 429 (or 503) with Retry-After stops the whole scope until
 *   then. Graph throttles the app+tenant, not a request, so one request's
 *   429 means every request of that scope would get one.
 * - a slowdown: Graph sends x-ms-throttle-limit-percentage, the share of
 *   the budget drained, once above 0.8 (1.0 and over: throttled, 1.2 = 20 %
 *   over). Our own bucket cannot see other apps that share a per-tenant
 *   limit, so a figure above our own drained share means others spend
 *   too: what the server says is left is spread evenly over one window.
 */
#include "graph/throttle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EPS 1e-9

static void win_init(struct mfa_throttle_window *w, double units, double window_s)
{
	memset(w, 0, sizeof(*w));
	w->units = units;
	w->window_s = window_s;
	w->rate = units / window_s;
	w->level = units;
	w->started = 0;
}

/* Tokens in the bucket at now (full before the first take). */
static double win_level(const struct mfa_throttle_window *w, double now)
{
	double l = w->level;

	if (w->started && now > w->last)
		l += (now - w->last) * w->rate;
	return l < w->units ? l : w->units;
}

/* Brings the bucket to now. */
static void win_advance(struct mfa_throttle_window *w, double now)
{
	if (!w->started) {
		w->started = 1;
		w->last = now;
		return;
	}
	if (now > w->last) {
		w->level = win_level(w, now);
		w->last = now;
	}
}

static double win_ready_at(const struct mfa_throttle_window *w, double cost, double now)
{
	double l = win_level(w, now);

	if (cost > w->units)
		cost = w->units;
	if (l + EPS >= cost)
		return now;
	return now + (cost - l) / w->rate;
}

void mfa_throttle_init(struct mfa_throttle *lim, double units, double window_s)
{
	memset(lim, 0, sizeof(*lim));
	if (units > 0 && window_s > 0) {
		win_init(&lim->win[0], units, window_s);
		lim->nwin = 1;
	}
}

int mfa_throttle_add_window(struct mfa_throttle *lim, double units, double window_s)
{
	if (lim->nwin >= MFA_THROTTLE_MAX_WINDOWS || !(units > 0) || !(window_s > 0))
		return -1;
	win_init(&lim->win[lim->nwin], units, window_s);
	lim->nwin++;
	return 0;
}

double mfa_throttle_ready_at(const struct mfa_throttle *lim, double cost, double now)
{
	double t = now;
	int i;

	if (cost < 0)
		cost = 0;
	if (lim->paused_until > t)
		t = lim->paused_until;
	if (now < lim->slow_until && lim->next_start > t)
		t = lim->next_start;
	for (i = 0; i < lim->nwin; i++) {
		/* Asking at t (not now) is right: buckets only fill up over
		 * time, so the first time all of them allow is the max. */
		double w = win_ready_at(&lim->win[i], cost, t);
		if (w > t)
			t = w;
	}
	return t;
}

void mfa_throttle_take(struct mfa_throttle *lim, double cost, double now)
{
	int i;

	if (cost < 0)
		cost = 0;
	for (i = 0; i < lim->nwin; i++) {
		/* may go below 0: a cost over the capacity, or units the server
		 * reported after admission, are a debt that refills */
		win_advance(&lim->win[i], now);
		lim->win[i].level -= cost;
	}
	if (now < lim->slow_until) {
		double base = lim->next_start > now ? lim->next_start : now;
		lim->next_start = base + (cost > 0 ? cost : 1) * lim->slow_gap;
	}
	lim->units_taken += cost;
}

void mfa_throttle_pause(struct mfa_throttle *lim, double until, double now)
{
	double base = lim->paused_until > now ? lim->paused_until : now;

	if (!(until > base))
		return;
	lim->paused_seconds += until - base;
	lim->pauses++;
	lim->paused_until = until;
}

void mfa_throttle_observe_percentage(struct mfa_throttle *lim, double pct, double now)
{
	struct mfa_throttle_window *w;
	double left;
	int i;

	if (!isfinite(pct) || pct < 0)
		return;
	if (pct > 2.0)
		pct /= 100.0;
	if (pct <= 0.8) {
		lim->slow_until = 0;
		return;
	}
	if (lim->nwin == 0)
		return;
	/* The tightest bucket (slowest refill) is the one the server is
	 * most likely warning about. */
	w = &lim->win[0];
	for (i = 1; i < lim->nwin; i++)
		if (lim->win[i].units / lim->win[i].window_s < w->units / w->window_s)
			w = &lim->win[i];
	/* The server's figure only tells us something our own bucket does
	 * not when it is above the share we drained ourselves: other apps on
	 * a tenant-wide budget. Otherwise the bucket already paces us, and
	 * slowing down on top would idle below the refill rate. */
	if (pct <= (w->units - win_level(w, now)) / w->units + 0.05)
		return;
	/* Over the limit (1.2 = 20 % over): the excess must refill before
	 * anything more is accepted. */
	if (pct > 1.0)
		mfa_throttle_pause(lim, now + (pct > 2.0 ? 1.0 : pct - 1.0) * w->window_s, now);
	left = (1.0 - pct) * w->units;
	if (left < 0.05 * w->units)
		left = 0.05 * w->units;
	if (left < 1)
		left = 1;
	lim->slow_gap = w->window_s / left;
	if (lim->slow_until <= now)
		lim->next_start = now;
	lim->slow_until = now + w->window_s;
	lim->slowdowns++;
}

void mfa_throttle_observe_reply(struct mfa_throttle *lim, const char *percentage,
				const char *resource_unit, double charged, double now)
{
	double v;
	char *end;

	if (percentage) {
		v = strtod(percentage, &end);
		if (end != percentage)
			mfa_throttle_observe_percentage(lim, v, now);
	}
	if (resource_unit) {
		v = strtod(resource_unit, &end);
		if (end != resource_unit && isfinite(v) && v > charged && v < 1000)
			mfa_throttle_take(lim, v - charged, now);
	}
}

/* ---- Graph's scopes ------------------------------------------------ */

static const char *const scope_names[MFA_SCOPE__COUNT] = {
	[MFA_SCOPE_IDENTITY_READ] = "identity-read",
	[MFA_SCOPE_IDENTITY_WRITE] = "identity-write",
	[MFA_SCOPE_REPORTS] = "reports",
	[MFA_SCOPE_CONDITIONAL_ACCESS] = "conditional-access",
	[MFA_SCOPE_MAIL] = "mail",
	[MFA_SCOPE_UNTHROTTLED] = "unthrottled",
};

const char *mfa_throttle_scope_name(enum mfa_graph_scope s)
{
	return (unsigned)s < MFA_SCOPE__COUNT ? scope_names[s] : "?";
}

static void add_write_window(struct mfa_throttle *w, double units, double window_s)
{
	if (!(units > 0 && window_s > 0))
		return;
	if (w->nwin == 0)
		mfa_throttle_init(w, units, window_s);
	else
		mfa_throttle_add_window(w, units, window_s);
}

void mfa_throttle_apply_limits(const struct mfa_graph_limits *l,
			    struct mfa_throttle lims[MFA_SCOPE__COUNT])
{
	static const struct mfa_graph_limits defaults = MFA_GRAPH_LIMITS_INIT;

	if (!l)
		l = &defaults;
	mfa_throttle_init(&lims[MFA_SCOPE_IDENTITY_READ], l->read_units, l->read_window_s);
	mfa_throttle_init(&lims[MFA_SCOPE_IDENTITY_WRITE], l->write_units, l->write_window_s);
	add_write_window(&lims[MFA_SCOPE_IDENTITY_WRITE], l->write_tenant_units,
			 l->write_tenant_window_s);
	add_write_window(&lims[MFA_SCOPE_IDENTITY_WRITE], l->write_app_units, l->write_app_window_s);
	mfa_throttle_init(&lims[MFA_SCOPE_REPORTS], l->reports_units, l->reports_window_s);
	mfa_throttle_init(&lims[MFA_SCOPE_CONDITIONAL_ACCESS], l->ca_units, l->ca_window_s);
	mfa_throttle_mail_limits(&lims[MFA_SCOPE_MAIL], MFA_MAIL_PER_MINUTE, 1);
	mfa_throttle_init(&lims[MFA_SCOPE_UNTHROTTLED], 0, 0);
}

void mfa_throttle_mail_limits(struct mfa_throttle *lim, double per_minute, double time_scale)
{
	double k = time_scale > 1 ? time_scale : 1;

	mfa_throttle_init(lim, 0, 0);
	if (per_minute > 0)
		mfa_throttle_init(lim, 1, 60 / per_minute / k);
}

/* Copies the part of v up to the next '/' (or its end) into dst; returns
 * a pointer past the '/', or NULL at the end. *bad is set when it does not
 * fit. */
static const char *scope_part(const char *v, char *dst, size_t n, int *bad)
{
	size_t len = strcspn(v, "/");

	if (len >= n) {
		*bad = 1;
		len = n - 1;
	}
	memcpy(dst, v, len);
	dst[len] = '\0';
	return v[len] == '/' ? v + len + 1 : NULL;
}

int mfa_throttle_parse_scope(const char *value, struct mfa_throttle_scope_info *out)
{
	const char *p = value;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	if (!p)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	p = scope_part(p, out->scope, sizeof(out->scope), &bad);
	if (p)
		p = scope_part(p, out->limit, sizeof(out->limit), &bad);
	if (p)
		p = scope_part(p, out->app, sizeof(out->app), &bad);
	if (p)
		scope_part(p, out->tenant, sizeof(out->tenant), &bad);
	if (bad || !out->scope[0] || !out->limit[0] || strpbrk(out->scope, " \t") ||
	    strpbrk(out->limit, " \t")) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

enum mfa_graph_scope mfa_throttle_scope_for(const struct mfa_throttle_scope_info *si,
					    enum mfa_graph_scope request_scope)
{
	if (request_scope != MFA_SCOPE_IDENTITY_READ && request_scope != MFA_SCOPE_IDENTITY_WRITE)
		return request_scope;
	if (!si || !si->scope[0])
		return request_scope;
	if (!strcasecmp(si->limit, "Write") || !strcasecmp(si->scope, "Application"))
		return MFA_SCOPE_IDENTITY_WRITE;
	return request_scope;
}

void mfa_throttle_scope_describe(char *dst, size_t n, enum mfa_graph_scope s,
				 const struct mfa_throttle_scope_info *si)
{
	if (si && si->scope[0])
		snprintf(dst, n, "%s (%s/%s)", mfa_throttle_scope_name(s), si->scope, si->limit);
	else
		snprintf(dst, n, "%s", mfa_throttle_scope_name(s));
}

/* The value of query parameter name in q (after '?'), written as "$name"
 * or "%24name": a pointer just past its '=', or NULL. */
static const char *param(const char *q, const char *name)
{
	size_t n = strlen(name);

	while (q && *q) {
		const char *p = q;
		if (*p == '$')
			p++;
		else if (!strncasecmp(p, "%24", 3))
			p += 3;
		else
			p = NULL;
		if (p && !strncasecmp(p, name, n) && p[n] == '=')
			return p + n + 1;
		q = strchr(q, '&');
		if (q)
			q++;
	}
	return NULL;
}

/* Nonzero when path[0..plen) is "/groups/{id}/<seg>", optionally followed
 * by a type cast ("/microsoft.graph.user") or "/$count". */
static int group_list(const char *path, size_t plen, const char *seg)
{
	const char *id, *rest, *end = path + plen;
	size_t sl = strlen(seg);

	if (plen < 8 || strncasecmp(path, "/groups/", 8))
		return 0;
	id = path + 8;
	rest = memchr(id, '/', (size_t)(end - id));
	if (!rest || rest == id)
		return 0;
	rest++;
	if ((size_t)(end - rest) < sl || strncasecmp(rest, seg, sl))
		return 0;
	rest += sl;
	return rest == end || *rest == '/';
}

double mfa_throttle_cost(const char *method, const char *url)
{
	const char *path = url ? url : "", *q, *s, *top;
	size_t plen;
	double cost;

	s = strstr(path, "://");
	if (s) {
		path = strchr(s + 3, '/');
		if (!path)
			path = "/";
	}
	if (!strncasecmp(path, "/v1.0/", 6))
		path += 5;
	else if (!strncasecmp(path, "/beta/", 6))
		path += 5;
	q = strchr(path, '?');
	plen = q ? (size_t)(q - path) : strlen(path);
	while (plen > 1 && path[plen - 1] == '/')
		plen--;

	if (!method || strcasecmp(method, "GET"))
		return 1; /* a write: 1 RU, 1 write */
	if ((plen == 6 && !strncasecmp(path, "/users", 6)) ||
	    (plen == 12 && !strncasecmp(path, "/users/delta", 12)))
		cost = 2;
	else if (group_list(path, plen, "transitiveMembers"))
		cost = 5;
	else if (group_list(path, plen, "members"))
		cost = 3;
	else
		cost = 1;
	if (q && param(q + 1, "select"))
		cost -= 1;
	if (q && param(q + 1, "expand"))
		cost += 1;
	if (q && (top = param(q + 1, "top")) != NULL) {
		char *end;
		long n = strtol(top, &end, 10);
		if (end != top && (*end == '\0' || *end == '&') && n >= 0 && n < 20)
			cost -= 1;
	}
	return cost < 1 ? 1 : cost;
}
