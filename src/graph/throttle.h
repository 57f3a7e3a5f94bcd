/* graph/throttle.h - client-side model of Graph's throttle limits.
 *
 * One `struct mfa_throttle` per throttle scope (identity reads, identity
 * writes, reports, conditional access). A scope has one to three budgets of
 * N units per W seconds, each a token bucket as Graph documents them
 * (capacity N, refilled at N / W per second, starting full; every one must
 * hold a request's cost), a "paused until" time
 * set when the server answers 429 (or 503) with Retry-After, and a slowdown
 * while the server reports `x-ms-throttle-limit-percentage` above 0.8.
 *
 * Everything is pure and time-injected: every call takes `now`, a monotonic
 * time in seconds (any origin, never decreasing between calls), so the
 * tests drive it without sleeping. No allocation; plain struct, no free.
 *
 *     struct mfa_throttle lim;
 *     mfa_throttle_init(&lim, 3000, 150);        // writes per app+tenant
 *     mfa_throttle_add_window(&lim, 18000, 300); // writes per tenant
 *     if (mfa_throttle_ready_at(&lim, 1, now) <= now)
 *             mfa_throttle_take(&lim, 1, now);   // and start the request
 *     ...on 429 with Retry-After: 2.1
 *     mfa_throttle_pause(&lim, now + 2.1, now);
 *
 * This is the only limiter: every charge (admission, the resource units a
 * reply reports), every pause (a 429, a throttled $batch item) and every
 * slowdown of a scope is one of the calls below. The http engine owns one
 * limiter per scope (graph/http.h) and makes those calls from its
 * admission loop; callers normally only fill `struct mfa_graph_limits`,
 * and pause a scope through mfa_http_pause_scope.
 */
#ifndef MFA_GRAPH_THROTTLE_H
#define MFA_GRAPH_THROTTLE_H

#include <stddef.h>

#define MFA_THROTTLE_MAX_WINDOWS 3

/* One budget, `units` per `window_s` seconds, as a token bucket: capacity
 * `units`, refilled continuously at units / window_s per second, full
 * until the first take. Internal state; read `units` and `window_s` if you
 * like. */
struct mfa_throttle_window {
	double units;
	double window_s;
	double rate;      /* units / window_s, tokens per second */
	double level;     /* tokens at time last (below 0: a debt) */
	double last;
	int started;      /* 0 until the first take: full, no time origin yet */
};

struct mfa_throttle {
	struct mfa_throttle_window win[MFA_THROTTLE_MAX_WINDOWS];
	int nwin;                 /* 0 = unlimited (only pauses apply) */

	double paused_until;      /* no start before this (Retry-After) */

	/* slowdown after x-ms-throttle-limit-percentage > 0.8 */
	double slow_until;        /* slowdown ends (one window after the report) */
	double slow_gap;          /* seconds per unit of cost between starts */
	double next_start;        /* earliest start while slowed */

	/* counters, for the run summary */
	unsigned long pauses;     /* mfa_throttle_pause calls that extended the pause */
	double paused_seconds;    /* total time covered by pauses (overlaps counted once) */
	unsigned long slowdowns;  /* reports above 0.8 observed */
	double units_taken;
};

/* Sets up a limiter with one budget (a "window" in the field names) of
 * `units` per `window_s` seconds. units <= 0 or window_s <= 0 means
 * unlimited (no budget). */
void mfa_throttle_init(struct mfa_throttle *lim, double units, double window_s);

/* Adds another budget that must allow as well (writes: 3,000 / 150 s per
 * app+tenant, 18,000 / 300 s per tenant and 35,000 / 300 s per app across
 * tenants). Returns -1 if MFA_THROTTLE_MAX_WINDOWS windows are already in
 * use or the values are not positive. */
int mfa_throttle_add_window(struct mfa_throttle *lim, double units, double window_s);

/* The earliest time, >= now, at which a request costing `cost` units may
 * start: after any pause, after the slowdown spacing, and when every bucket
 * holds the cost. A cost larger than a bucket's capacity is treated as the
 * whole capacity (it waits for a full bucket rather than forever). */
double mfa_throttle_ready_at(const struct mfa_throttle *lim, double cost, double now);

/* Records that a request costing `cost` started at now. Call it only when
 * ready_at(cost, now) <= now; it does not check. */
void mfa_throttle_take(struct mfa_throttle *lim, double cost, double now);

/* Pauses the whole scope until `until` (a Retry-After). Never shortens an
 * existing pause. Counts the extension in paused_seconds. */
void mfa_throttle_pause(struct mfa_throttle *lim, double until, double now);

/* Feeds the value of x-ms-throttle-limit-percentage (a fraction, 0.8..1.8;
 * a value above 2 is taken as a percentage, 85 = 0.85). Graph's figure is
 * the share of the budget drained; one no higher than the share the
 * limiter drained from its own tightest bucket (+0.05) is ignored: the
 * bucket already paces that. A higher one means other consumers of the
 * budget: above 0.8 the limiter spreads what the server says is left
 * evenly over one window: requests are spaced by window_s / remaining units, with at least
 * 5% of the budget left so progress continues. Above 1.0 the app is over
 * the limit (1.2 = 20 % over) and is being throttled: the scope pauses
 * until the excess has refilled, (pct - 1) x window_s (at most one window),
 * and then goes on at that slowest spacing. At or below 0.8 it lifts the
 * slowdown. */
void mfa_throttle_observe_percentage(struct mfa_throttle *lim, double pct, double now);

/* Feeds what a reply's headers say about the budget, as the server sent
 * them (NULL when absent): x-ms-throttle-limit-percentage goes to
 * mfa_throttle_observe_percentage; x-ms-resource-unit, the cost the server
 * actually counted, charges the difference when it is above `charged`
 * (what admission took; a figure of 1000 or more is taken as garbage).
 * Unreadable values are ignored. */
void mfa_throttle_observe_reply(struct mfa_throttle *lim, const char *percentage,
				const char *resource_unit, double charged, double now);

/* ---- Graph's scopes and their defaults ---------------------------- */

enum mfa_graph_scope {
	MFA_SCOPE_IDENTITY_READ,
	MFA_SCOPE_IDENTITY_WRITE,
	MFA_SCOPE_REPORTS,
	MFA_SCOPE_CONDITIONAL_ACCESS,
	MFA_SCOPE_MAIL,           /* sendMail: Exchange's limits per sending mailbox */
	MFA_SCOPE_UNTHROTTLED,    /* token endpoint and anything not Graph */
	MFA_SCOPE__COUNT
};

/* Short name of a scope for messages and summary.json ("identity-read"). */
const char *mfa_throttle_scope_name(enum mfa_graph_scope s);

/* x-ms-throttle-scope, as Graph documents it:
 * "<Scope>/<Limit>/<ApplicationId>/<TenantId>", e.g.
 * "Tenant_Application/ReadWrite/9a3d.../72f9..." (the app's resource units
 * in this tenant), "Tenant/Write/..." (the tenant's writes, all apps),
 * "Application/Write/..." (the app's writes across tenants). */
struct mfa_throttle_scope_info {
	char scope[32];   /* "Tenant_Application", "Tenant", "Application" */
	char limit[32];   /* "Read", "Write", "ReadWrite" */
	char app[64];     /* may be empty */
	char tenant[64];  /* may be empty */
};

/* Reads the header value into *out. Returns 0, or -1 (out emptied) when
 * it is absent or not of that form (fewer than two parts, an empty scope
 * or limit, or a part too long). */
int mfa_throttle_parse_scope(const char *value, struct mfa_throttle_scope_info *out);

/* The limiter a 429 naming *si holds back, for a request of request_scope:
 * a write limit ("Write") or the application's cross-tenant quota
 * ("Application/...") is the identity-write scope, whatever the request
 * was; anything else (resource units: "Read", "ReadWrite") is the
 * request's own scope. Scopes other than identity reads and writes are
 * never redirected. */
enum mfa_graph_scope mfa_throttle_scope_for(const struct mfa_throttle_scope_info *si,
					    enum mfa_graph_scope request_scope);

/* "identity-write (Tenant/Write)": the limiter and, when known, the scope
 * string's first two parts, for messages and trace lines. */
void mfa_throttle_scope_describe(char *dst, size_t n, enum mfa_graph_scope s,
				 const struct mfa_throttle_scope_info *si);

/* Budgets per scope; a value <= 0 disables that window. The defaults are
 * Graph's published limits (GRAPH.md), for a large tenant:
 *   identity reads   8,000 RU / 10 s per app+tenant (3,500 below 50 users,
 *                    5,000 up to 500: lower it for small tenants)
 *   identity writes  3,000 writes / 150 s per app+tenant,
 *                    18,000 writes / 300 s per tenant (shared with other apps),
 *                    and 35,000 writes / 300 s per app across tenants (the
 *                    other tenants' runs of this app count too: lower it
 *                    when several run at once)
 *   reports          5 requests / 10 s per app+tenant (unconfirmed)
 *   conditional access 1 request / 1 s per tenant, paced here at 1 per
 *                    1.1 s: Graph counts arrivals and sends no Retry-After,
 *                    we pace departures, so a request that reaches it a
 *                    little late must not make the next one early
 *                    (What If asks hundreds in a row)
 * CLI flags map onto these fields. */
struct mfa_graph_limits {
	double read_units, read_window_s;
	double write_units, write_window_s;
	double write_tenant_units, write_tenant_window_s;
	double write_app_units, write_app_window_s;
	double reports_units, reports_window_s;
	double ca_units, ca_window_s;
};

#define MFA_GRAPH_LIMITS_INIT { 8000, 10, 3000, 150, 18000, 300, 35000, 300, 5, 10, 1, 1.1 }

/* Exchange Online's sending limits per mailbox (GRAPH.md): 30 messages a
 * minute and 10,000 recipients a day. mfa-migrate sends one recipient a
 * message, so both count messages. */
#define MFA_MAIL_PER_MINUTE 30
#define MFA_MAIL_PER_DAY 10000

/* Sets the mail scope's limiter to at most per_minute messages in ANY
 * minute: a bucket of one message refilled every 60 / per_minute seconds,
 * so messages go out evenly spaced (a full bucket of 30 would let 59 go
 * in the first minute). Divided by time_scale when it is above 1
 * (graph-emulator --time-scale); per_minute <= 0: unlimited. The daily
 * cap is not a rate: the notify job counts it (it stops at the cap). */
void mfa_throttle_mail_limits(struct mfa_throttle *lim, double per_minute, double time_scale);

/* Initialises lims[MFA_SCOPE__COUNT] from l (NULL = the defaults); the
 * mail scope gets Exchange's defaults (mfa_throttle_mail_limits). */
void mfa_throttle_apply_limits(const struct mfa_graph_limits *l,
			    struct mfa_throttle lims[MFA_SCOPE__COUNT]);

/* Graph's cost of one request in resource units: a GET of the users
 * collection costs 2, of a group's transitiveMembers 5, of its members 3,
 * any other GET 1, a write 1; `$select` lowers it by 1, `$expand` raises it
 * by 1 and a `$top` under 20 lowers it by 1; never below 1. url may be absolute or
 * relative ("/users/{id}/..."). For the write scope the cost is 1 write.
 * A $batch is charged the sum of its items' costs (Graph counts the items,
 * not the envelope): its submitter adds them up and sets request.cost. */
double mfa_throttle_cost(const char *method, const char *url);

#endif
