/* graph/ratelimit.h - client-side model of Graph's throttle limits.
 *
 * One `struct mfa_ratelimit` per throttle scope (identity reads, identity
 * writes, reports, conditional access). A scope has one or two budgets of
 * N units per W seconds (both must allow a request), a "paused until" time
 * set when the server answers 429 (or 503) with Retry-After, and a slowdown
 * while the server reports `x-ms-throttle-limit-percentage` above 0.8.
 *
 * Everything is pure and time-injected: every call takes `now`, a monotonic
 * time in seconds (any origin, never decreasing between calls), so the
 * tests drive it without sleeping. No allocation; plain struct, no free.
 *
 *     struct mfa_ratelimit lim;
 *     mfa_ratelimit_init(&lim, 3000, 150);        // writes per app+tenant
 *     mfa_ratelimit_add_window(&lim, 18000, 300); // writes per tenant
 *     if (mfa_ratelimit_ready_at(&lim, 1, now) <= now)
 *             mfa_ratelimit_take(&lim, 1, now);   // and start the request
 *     ...on 429 with Retry-After: 2.1
 *     mfa_ratelimit_pause(&lim, now + 2.1);
 *
 * The http engine owns one limiter per scope (graph/http.h) and consults it
 * in its admission loop; callers normally only fill `struct mfa_graph_limits`.
 */
#ifndef MFA_GRAPH_RATELIMIT_H
#define MFA_GRAPH_RATELIMIT_H

/* Slots a window is divided into (see ratelimit.c for why slots). */
#define MFA_RATELIMIT_SLOTS 100
#define MFA_RATELIMIT_MAX_WINDOWS 2

/* One sliding window: at most `units` spent in any `window_s` seconds.
 * Internal state; read `units` and `window_s` if you like. */
struct mfa_ratewin {
	double units;
	double window_s;
	double slot_s;                        /* window_s / MFA_RATELIMIT_SLOTS */
	long long head;                       /* index of the newest slot used */
	double used[MFA_RATELIMIT_SLOTS + 1]; /* ring: units spent per slot */
	double sum;                           /* sum of used[] */
};

struct mfa_ratelimit {
	struct mfa_ratewin win[MFA_RATELIMIT_MAX_WINDOWS];
	int nwin;                 /* 0 = unlimited (only pauses apply) */

	double paused_until;      /* no start before this (Retry-After) */

	/* slowdown after x-ms-throttle-limit-percentage > 0.8 */
	double slow_until;        /* slowdown ends (one window after the report) */
	double slow_gap;          /* seconds per unit of cost between starts */
	double next_start;        /* earliest start while slowed */

	/* counters, for the run summary */
	unsigned long pauses;     /* mfa_ratelimit_pause calls that extended the pause */
	double paused_seconds;    /* total time covered by pauses (overlaps counted once) */
	unsigned long slowdowns;  /* reports above 0.8 observed */
	double units_taken;
};

/* Sets up a limiter with one window of `units` per `window_s` seconds.
 * units <= 0 or window_s <= 0 means unlimited (no window). */
void mfa_ratelimit_init(struct mfa_ratelimit *lim, double units, double window_s);

/* Adds a second window that must allow as well (writes: 3,000 / 150 s per
 * app+tenant and 18,000 / 300 s per tenant). Returns -1 if both windows are
 * already in use or the values are not positive. */
int mfa_ratelimit_add_window(struct mfa_ratelimit *lim, double units, double window_s);

/* The earliest time, >= now, at which a request costing `cost` units may
 * start: after any pause, after the slowdown spacing, and when every window
 * has room. A cost larger than a window's budget is treated as the whole
 * budget (it waits for an empty window rather than forever). */
double mfa_ratelimit_ready_at(const struct mfa_ratelimit *lim, double cost, double now);

/* Records that a request costing `cost` started at now. Call it only when
 * ready_at(cost, now) <= now; it does not check. */
void mfa_ratelimit_take(struct mfa_ratelimit *lim, double cost, double now);

/* Pauses the whole scope until `until` (a Retry-After). Never shortens an
 * existing pause. Counts the extension in paused_seconds. */
void mfa_ratelimit_pause(struct mfa_ratelimit *lim, double until, double now);

/* Feeds the value of x-ms-throttle-limit-percentage (a fraction, 0.8..1.8;
 * a value above 2 is taken as a percentage, 85 = 0.85). A figure no higher
 * than what the limiter itself counts in its window (+0.05) is ignored:
 * the window already paces that. Otherwise, above 0.8 the
 * limiter spreads what is left of the window's budget evenly over one
 * window: requests are spaced by window_s / remaining units, with at least
 * 5% of the budget left so progress continues. At or below 0.8 it lifts the
 * slowdown. */
void mfa_ratelimit_observe_percentage(struct mfa_ratelimit *lim, double pct, double now);

/* ---- Graph's scopes and their defaults ---------------------------- */

enum mfa_graph_scope {
	MFA_SCOPE_IDENTITY_READ,
	MFA_SCOPE_IDENTITY_WRITE,
	MFA_SCOPE_REPORTS,
	MFA_SCOPE_CONDITIONAL_ACCESS,
	MFA_SCOPE_UNTHROTTLED,    /* token endpoint and anything not Graph */
	MFA_SCOPE__COUNT
};

/* Short name of a scope for messages and summary.json ("identity-read"). */
const char *mfa_graph_scope_name(enum mfa_graph_scope s);

/* Budgets per scope; a value <= 0 disables that window. The defaults are
 * Graph's published limits (GRAPH.md), for a large tenant:
 *   identity reads   8,000 RU / 10 s per app+tenant (3,500 below 50 users,
 *                    5,000 up to 500: lower it for small tenants)
 *   identity writes  3,000 writes / 150 s per app+tenant, and
 *                    18,000 writes / 300 s per tenant (shared with other apps)
 *   reports          5 requests / 10 s per app+tenant (unconfirmed)
 *   conditional access 1 request / 1 s per tenant
 * CLI flags map onto these fields. */
struct mfa_graph_limits {
	double read_units, read_window_s;
	double write_units, write_window_s;
	double write_tenant_units, write_tenant_window_s;
	double reports_units, reports_window_s;
	double ca_units, ca_window_s;
};

#define MFA_GRAPH_LIMITS_INIT { 8000, 10, 3000, 150, 18000, 300, 5, 10, 1, 1 }

/* Initialises lims[MFA_SCOPE__COUNT] from l (NULL = the defaults). */
void mfa_graph_limits_apply(const struct mfa_graph_limits *l,
			    struct mfa_ratelimit lims[MFA_SCOPE__COUNT]);

/* Graph's cost of one request in resource units: a GET of the users
 * collection costs 2, any other GET 1, a write 1; `$select` lowers it by 1
 * and `$expand` raises it by 1; never below 1. url may be absolute or
 * relative ("/users/{id}/..."). For the write scope the cost is 1 write. */
double mfa_graph_cost(const char *method, const char *url);

#endif
