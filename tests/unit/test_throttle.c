/* test_throttle.c - the limiter, driven by an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "graph/throttle.h"

/* An independent check of what a token bucket (capacity N, refill R per
 * second, starting full) enforces: the units started in any interval
 * [t_i, t_j] never pass N + R (t_j - t_i). */
struct logent {
	double t, cost;
};

/* The largest excess over that bound, over a log sorted by time: with
 * S_j the units up to and including entry j, the bound for [i, j] is
 * S_j - S_(i-1) <= N + R (t_j - t_i), i.e. (S_j - R t_j) - (S_(i-1) - R t_i)
 * <= N: one pass keeping the smallest S_(i-1) - R t_i so far. */
static double max_over_bucket(const struct logent *log, size_t n, double units, double window)
{
	double rate = units / window, before = 0, lo = 0, worst = -units;
	size_t j;

	for (j = 0; j < n; j++) {
		double b = before - rate * log[j].t;
		if (j == 0 || b < lo)
			lo = b;
		before += log[j].cost;
		if (before - rate * log[j].t - lo - units > worst)
			worst = before - rate * log[j].t - lo - units;
	}
	return worst;
}

static void test_burst_then_rate(void **state)
{
	struct mfa_throttle lim;
	double t;
	int i;

	(void)state;
	mfa_throttle_init(&lim, 10, 1.0);
	for (i = 0; i < 10; i++) {
		assert_true(mfa_throttle_ready_at(&lim, 1, 0.0) <= 0.0);
		mfa_throttle_take(&lim, 1, 0.0);
	}
	/* the burst is the capacity; then one unit per 1/10 s, not the window */
	t = mfa_throttle_ready_at(&lim, 1, 0.0);
	assert_true(t > 0.1 - 1e-9 && t < 0.1 + 1e-9);
	/* time passing does not change the answer before then */
	assert_true(mfa_throttle_ready_at(&lim, 1, 0.05) == t);
	assert_true(mfa_throttle_ready_at(&lim, 1, t) <= t);
	t = mfa_throttle_ready_at(&lim, 3, 0.0);
	assert_true(t > 0.3 - 1e-9 && t < 0.3 + 1e-9);
}

/* The bucket refills continuously, a fraction of a unit at a time, and
 * never above its capacity. */
static void test_continuous_refill(void **state)
{
	struct mfa_throttle lim;
	double t;

	(void)state;
	mfa_throttle_init(&lim, 100, 10); /* 10 units / s */
	mfa_throttle_take(&lim, 100, 5.0);
	assert_true(mfa_throttle_ready_at(&lim, 3, 5.35) == 5.35);  /* 3.5 back */
	t = mfa_throttle_ready_at(&lim, 4, 5.35);
	assert_true(t > 5.4 - 1e-9 && t < 5.4 + 1e-9);
	mfa_throttle_take(&lim, 3, 5.35);                           /* 0.5 left */
	t = mfa_throttle_ready_at(&lim, 1, 5.35);
	assert_true(t > 5.4 - 1e-9 && t < 5.4 + 1e-9);
	/* long idle: full again, and no fuller */
	assert_true(mfa_throttle_ready_at(&lim, 100, 100.0) == 100.0);
	mfa_throttle_take(&lim, 100, 1000.0);
	t = mfa_throttle_ready_at(&lim, 1, 1000.0);
	assert_true(t > 1000.1 - 1e-9 && t < 1000.1 + 1e-9);
}

/* A greedy client on a random mix of costs and an irregular clock: the
 * limiter must never let the units pass what the bucket allows, and must
 * not waste much of it either. */
static void greedy_run(double units, double window, double extra_units, double extra_window,
		       unsigned seed)
{
	struct mfa_throttle lim;
	struct logent *log;
	size_t n = 0, cap = 200000;
	double now = 0, total = 0, end = window * 6;
	uint32_t r = seed;

	mfa_throttle_init(&lim, units, window);
	if (extra_units > 0)
		assert_int_equal(mfa_throttle_add_window(&lim, extra_units, extra_window), 0);
	log = malloc(cap * sizeof(*log));
	assert_non_null(log);
	while (now < end && n < cap) {
		double cost, t;
		r = r * 1103515245u + 12345u;
		cost = 1 + (r >> 16) % 2; /* 1 or 2 units, never above the budget */
		if (cost > units)
			cost = units;
		t = mfa_throttle_ready_at(&lim, cost, now);
		assert_true(t >= now);
		if (t > now) {
			/* arrive late sometimes, as a real loop does */
			now = t + (double)((r >> 8) % 3) * 0.0007;
			continue;
		}
		mfa_throttle_take(&lim, cost, now);
		log[n].t = now;
		log[n].cost = cost;
		n++;
		total += cost;
	}
	assert_true(n > 0 && n < cap);
	assert_true(max_over_bucket(log, n, units, window) <= 1e-6);
	if (extra_units > 0)
		assert_true(max_over_bucket(log, n, extra_units, extra_window) <= 1e-6);
	if (extra_units <= 0) {
		/* over 6 windows a tight loop gets close to the capacity plus
		 * 6 windows' refill */
		if (total < 7 * units * 0.9 - 2) /* the last start may fall just after the end */
			fail_msg("%g / %g: %g units in 6 windows", units, window, total);
		assert_true(total <= 7 * units + 1e-9);
	}
	free(log);
}

static void test_bucket_never_over(void **state)
{
	(void)state;
	greedy_run(100, 10, 0, 0, 1);
	greedy_run(8000, 10, 0, 0, 7);
	greedy_run(5, 10, 0, 0, 3);
	greedy_run(1, 1, 0, 0, 5);
}

/* What the sliding window got wrong: after the first burst of 8,000 RU a
 * greedy client goes on at 800 RU/s at once, instead of stalling until
 * the window has slid past the burst. */
static void test_no_stall_after_burst(void **state)
{
	struct mfa_throttle lim;
	double now = 0, spent = 0, gap = 0, last = 0;

	(void)state;
	mfa_throttle_init(&lim, 8000, 10);
	while (now < 5.0) {
		double t = mfa_throttle_ready_at(&lim, 1, now);
		if (t > now) {
			now = t;
			continue;
		}
		mfa_throttle_take(&lim, 1, now);
		spent += 1;
		if (now - last > gap)
			gap = now - last;
		last = now;
	}
	/* 8,000 at once, then 800 per second: about 12,000 by 5 s */
	assert_true(spent >= 8000 + 800 * 5 - 2 && spent <= 8000 + 800 * 5 + 1);
	/* and no start more than one unit's refill after the previous one */
	assert_true(gap <= 1.0 / 800 + 1e-9);
}

static void test_two_windows(void **state)
{
	(void)state;
	/* short window 30/1.5 s, long window 60/30 s */
	greedy_run(30, 1.5, 60, 30, 11);
}

static void test_two_windows_both_must_allow(void **state)
{
	struct mfa_throttle lim;
	double t;
	int i;

	(void)state;
	mfa_throttle_init(&lim, 3, 1.0);
	assert_int_equal(mfa_throttle_add_window(&lim, 4, 100.0), 0);
	assert_int_equal(mfa_throttle_add_window(&lim, 50, 300.0), 0);
	assert_int_equal(mfa_throttle_add_window(&lim, 4, 100.0), -1); /* only three */
	for (i = 0; i < 3; i++)
		mfa_throttle_take(&lim, 1, 0.0);
	/* short bucket empty: one unit refills in 1/3 s */
	t = mfa_throttle_ready_at(&lim, 1, 0.0);
	assert_true(t > 1.0 / 3 - 1e-9 && t < 1.0 / 3 + 1e-9);
	mfa_throttle_take(&lim, 1, 1.1);
	/* long bucket (4 / 100 s) now empty, though the short one is full:
	 * at 2.5 it holds 0.1, one unit at 0.04 / s is 22.5 s away */
	t = mfa_throttle_ready_at(&lim, 1, 2.5);
	assert_true(t > 25.0 - 1e-9 && t < 25.0 + 1e-9);
}

static void test_pause(void **state)
{
	struct mfa_throttle lim;

	(void)state;
	mfa_throttle_init(&lim, 100, 10);
	mfa_throttle_pause(&lim, 5.0, 1.0);
	assert_true(mfa_throttle_ready_at(&lim, 1, 1.0) == 5.0);
	assert_true(mfa_throttle_ready_at(&lim, 1, 6.0) == 6.0);
	assert_true(lim.paused_seconds == 4.0);
	mfa_throttle_pause(&lim, 3.0, 2.0); /* shorter: ignored */
	assert_true(mfa_throttle_ready_at(&lim, 1, 2.0) == 5.0);
	mfa_throttle_pause(&lim, 7.0, 4.0); /* extends by 2, overlap counted once */
	assert_true(lim.paused_seconds == 6.0);
	assert_int_equal(lim.pauses, 2);
	/* an unlimited scope still honours pauses */
	mfa_throttle_init(&lim, 0, 0);
	assert_true(mfa_throttle_ready_at(&lim, 1000, 1.0) == 1.0);
	mfa_throttle_pause(&lim, 2.5, 1.0);
	assert_true(mfa_throttle_ready_at(&lim, 1, 1.0) == 2.5);
}

static void test_slowdown(void **state)
{
	static const struct {
		double pct;
		double gap; /* expected seconds per unit, 0 = no slowdown */
	} cases[] = {
		{ 0.5, 0 },
		{ 0.8, 0 },
		{ 0.9, 10.0 / 10 },   /* 10% of 100 left -> 10 units over 10 s */
		{ 0.95, 10.0 / 5 },
		{ 1.0, 10.0 / 5 },    /* floor: 5% of the budget */
		{ 90, 10.0 / 10 },    /* sent as a percentage */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_throttle lim;
		double t;
		mfa_throttle_init(&lim, 100, 10);
		mfa_throttle_observe_percentage(&lim, cases[i].pct, 0.0);
		mfa_throttle_take(&lim, 1, 0.0);
		t = mfa_throttle_ready_at(&lim, 1, 0.0);
		if (cases[i].gap == 0) {
			assert_true(t == 0.0);
		} else {
			assert_true(t > cases[i].gap - 1e-9 && t < cases[i].gap + 1e-9);
			/* the slowdown lasts one window, then lifts */
			assert_true(mfa_throttle_ready_at(&lim, 1, 10.5) == 10.5);
		}
	}
}

/* Above 1.0 the app is over the limit (1.2 = 20 % over): values up to
 * 1.8 are not capped at 1.0 but pause the scope until the excess has
 * refilled, (pct - 1) x window, the more the further over. */
static void test_over_limit_pauses(void **state)
{
	static const struct {
		double pct, pause;
	} cases[] = {
		{ 1.0, 0 }, { 1.2, 2.0 }, { 1.5, 5.0 }, { 1.8, 8.0 }, { 120, 2.0 }, { 1.95, 9.5 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_throttle lim;
		double t;

		mfa_throttle_init(&lim, 100, 10);
		mfa_throttle_observe_percentage(&lim, cases[i].pct, 1.0);
		t = mfa_throttle_ready_at(&lim, 1, 1.0);
		if (cases[i].pause == 0) {
			assert_int_equal(lim.pauses, 0);
			assert_true(t == 1.0);
		} else {
			assert_int_equal(lim.pauses, 1);
			if (t < 1.0 + cases[i].pause - 1e-9 || t > 1.0 + cases[i].pause + 1e-9)
				fail_msg("%g: ready at %g, want %g", cases[i].pct, t, 1.0 + cases[i].pause);
		}
		assert_int_equal(lim.slowdowns, 1);
		/* and after the pause the slowest spacing: 5 units over 10 s */
		mfa_throttle_take(&lim, 1, t);
		assert_true(mfa_throttle_ready_at(&lim, 1, t) >= t + 2.0 - 1e-9);
	}
}

/* x-ms-throttle-scope as documented: <Scope>/<Limit>/<ApplicationId>/<TenantId>,
 * and which limiter a 429 naming it holds back. */
static void test_scope_string(void **state)
{
	struct mfa_throttle_scope_info si;
	char d[96];

	(void)state;
	assert_int_equal(mfa_throttle_parse_scope("Tenant_Application/ReadWrite/9a3d0c4b-app/72f988bf-tenant", &si), 0);
	assert_string_equal(si.scope, "Tenant_Application");
	assert_string_equal(si.limit, "ReadWrite");
	assert_string_equal(si.app, "9a3d0c4b-app");
	assert_string_equal(si.tenant, "72f988bf-tenant");
	/* resource units: the request's own scope */
	assert_int_equal(mfa_throttle_scope_for(&si, MFA_SCOPE_IDENTITY_READ), MFA_SCOPE_IDENTITY_READ);
	assert_int_equal(mfa_throttle_scope_for(&si, MFA_SCOPE_IDENTITY_WRITE), MFA_SCOPE_IDENTITY_WRITE);
	mfa_throttle_scope_describe(d, sizeof(d), MFA_SCOPE_IDENTITY_READ, &si);
	assert_string_equal(d, "identity-read (Tenant_Application/ReadWrite)");

	/* the tenant's write limit (all apps) holds writes, even when a read saw it */
	assert_int_equal(mfa_throttle_parse_scope("Tenant/Write/app/tenant", &si), 0);
	assert_int_equal(mfa_throttle_scope_for(&si, MFA_SCOPE_IDENTITY_READ), MFA_SCOPE_IDENTITY_WRITE);
	/* the app's cross-tenant quota: writes */
	assert_int_equal(mfa_throttle_parse_scope("Application/ReadWrite/app/tenant", &si), 0);
	assert_int_equal(mfa_throttle_scope_for(&si, MFA_SCOPE_IDENTITY_READ), MFA_SCOPE_IDENTITY_WRITE);
	/* other scopes are never redirected */
	assert_int_equal(mfa_throttle_scope_for(&si, MFA_SCOPE_CONDITIONAL_ACCESS),
			 MFA_SCOPE_CONDITIONAL_ACCESS);
	/* two parts are enough; fewer, empty or oversized parts are not */
	assert_int_equal(mfa_throttle_parse_scope("Tenant/Read", &si), 0);
	assert_string_equal(si.app, "");
	assert_int_equal(mfa_throttle_parse_scope("Tenant", &si), -1);
	assert_int_equal(mfa_throttle_parse_scope("/Write/a/b", &si), -1);
	assert_int_equal(mfa_throttle_parse_scope("Tenant//a/b", &si), -1);
	assert_int_equal(mfa_throttle_parse_scope("Tenant_Application_Tenant_Application_X/Read", &si), -1);
	assert_int_equal(mfa_throttle_parse_scope(NULL, &si), -1);
	assert_string_equal(si.scope, "");
	assert_int_equal(mfa_throttle_scope_for(&si, MFA_SCOPE_IDENTITY_READ), MFA_SCOPE_IDENTITY_READ);
	mfa_throttle_scope_describe(d, sizeof(d), MFA_SCOPE_IDENTITY_WRITE, NULL);
	assert_string_equal(d, "identity-write");
}

static void test_slowdown_lifted(void **state)
{
	struct mfa_throttle lim;

	(void)state;
	mfa_throttle_init(&lim, 100, 10);
	mfa_throttle_observe_percentage(&lim, 0.99, 0.0);
	mfa_throttle_take(&lim, 1, 0.0);
	assert_true(mfa_throttle_ready_at(&lim, 1, 0.0) > 0.0);
	mfa_throttle_observe_percentage(&lim, 0.7, 0.1);
	assert_true(mfa_throttle_ready_at(&lim, 1, 0.1) == 0.1);
}

/* The server's percentage is news only when it is above the share we
 * drained ourselves: a client that drained the bucket itself is paced by
 * the bucket already, and must not idle on top (it would run at 5% of the
 * budget). */
static void test_slowdown_only_for_others_use(void **state)
{
	struct mfa_throttle lim;
	double t;

	(void)state;
	mfa_throttle_init(&lim, 100, 10);
	mfa_throttle_take(&lim, 90, 0.0);
	mfa_throttle_observe_percentage(&lim, 0.92, 0.1); /* what we spent: no news */
	assert_int_equal(lim.slowdowns, 0);
	t = mfa_throttle_ready_at(&lim, 5, 0.1);
	assert_true(t == 0.1); /* 10 units still fit in the window */
	t = mfa_throttle_ready_at(&lim, 50, 0.2);
	/* then the bucket itself waits: 12 held at 0.2, 38 more at 10 / s */
	assert_true(t > 4.0 - 1e-9 && t < 4.0 + 1e-9);

	mfa_throttle_init(&lim, 100, 10);
	mfa_throttle_take(&lim, 10, 0.0);
	mfa_throttle_observe_percentage(&lim, 0.92, 0.1); /* others spend the rest */
	assert_int_equal(lim.slowdowns, 1);
	mfa_throttle_take(&lim, 1, 0.1);
	assert_true(mfa_throttle_ready_at(&lim, 1, 0.1) > 1.0); /* 8 units over 10 s */
}

/* What a reply's headers say, read in one place: the percentage slows the
 * scope (or not), a resource-unit figure above what admission charged
 * charges the difference, and garbage is ignored. */
static void test_observe_reply(void **state)
{
	static const struct {
		const char *pct, *ru;
		double charged;
		double want_units;       /* taken in total, after the admission charge */
		unsigned long slowdowns;
	} cases[] = {
		{ NULL, NULL, 1, 1, 0 },
		{ NULL, "3", 1, 3, 0 },        /* the server counted 3: 2 more */
		{ NULL, "1", 2, 2, 0 },        /* never below what was charged */
		{ NULL, "x", 1, 1, 0 },
		{ NULL, "5000", 1, 1, 0 },     /* garbage */
		{ "0.95", NULL, 1, 1, 1 },
		{ "95", "2", 1, 2, 1 },        /* a percentage, and one more unit */
		{ "0.5", NULL, 1, 1, 0 },
		{ "junk", NULL, 1, 1, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_throttle lim;

		mfa_throttle_init(&lim, 100, 10);
		mfa_throttle_take(&lim, cases[i].charged, 0.0);
		mfa_throttle_observe_reply(&lim, cases[i].pct, cases[i].ru, cases[i].charged, 0.1);
		if (lim.units_taken != cases[i].want_units || lim.slowdowns != cases[i].slowdowns)
			fail_msg("case %zu: units %g slowdowns %lu", i, lim.units_taken, lim.slowdowns);
	}
}

static void test_cost_over_budget(void **state)
{
	struct mfa_throttle lim;
	double t;

	(void)state;
	mfa_throttle_init(&lim, 5, 10);
	assert_true(mfa_throttle_ready_at(&lim, 50, 0.0) == 0.0);
	mfa_throttle_take(&lim, 1, 0.0);
	t = mfa_throttle_ready_at(&lim, 50, 0.0);
	/* waits for a full bucket (4 held, 1 more at 0.5 / s), not forever */
	assert_true(t > 2.0 - 1e-9 && t < 2.0 + 1e-9);
}

static void test_graph_cost(void **state)
{
	static const struct {
		const char *method, *url;
		double cost;
	} cases[] = {
		{ "GET", "https://graph.microsoft.com/v1.0/users?$top=999", 2 },
		{ "GET", "https://graph.microsoft.com/v1.0/users?$select=id,userPrincipalName&$top=999", 1 },
		{ "GET", "https://graph.microsoft.com/v1.0/users?%24select=id", 1 },
		{ "GET", "https://graph.microsoft.com/v1.0/users/delta", 2 },
		{ "GET", "/users", 2 },
		{ "GET", "/users/", 2 },
		{ "GET", "/beta/users/abc/authentication/requirements", 1 },
		{ "GET", "/beta/users/abc/authentication/requirements?$select=perUserMfaState", 1 },
		{ "GET", "/v1.0/users/abc?$expand=manager", 2 },
		{ "GET", "/v1.0/users?$expand=manager&$select=id", 2 },
		{ "GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails", 1 },
		{ "PATCH", "/beta/users/abc/authentication/requirements", 1 },
		{ "POST", "https://graph.microsoft.com/beta/$batch", 1 },
		{ "GET", "/v1.0/usersx", 1 },
		/* Graph's documented costs: a group's transitive members 5, its
		 * members 3 (and the usual $select -1), a $top under 20 -1 */
		{ "GET", "https://graph.microsoft.com/v1.0/groups/g1/transitiveMembers", 5 },
		{ "GET", "https://graph.microsoft.com/v1.0/groups/g1/transitiveMembers?$select=id,userPrincipalName&$top=999", 4 },
		{ "GET", "/v1.0/groups/g1/transitiveMembers/microsoft.graph.user", 5 },
		{ "GET", "/v1.0/groups/g1/members", 3 },
		{ "GET", "/v1.0/groups/g1/members?$select=id", 2 },
		{ "GET", "/v1.0/groups/g1/members?$select=id&$top=5", 1 },
		{ "GET", "/v1.0/groups/g1/membersx", 1 },
		{ "GET", "/v1.0/groups/members", 1 },
		{ "GET", "/v1.0/users?$top=19", 1 },
		{ "GET", "/v1.0/users?%24top=0", 1 },
		{ "GET", "/v1.0/users?$top=20", 2 },
		{ "GET", "/v1.0/users?$top=abc", 2 },
		{ "GET", "/v1.0/users/abc?$top=5", 1 }, /* never below 1 */
		{ "GET", "/v1.0/directoryRoles(roleTemplateId='r1')/members?$select=id", 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double c = mfa_throttle_cost(cases[i].method, cases[i].url);
		if (c != cases[i].cost)
			fail_msg("%s %s: cost %g, want %g", cases[i].method, cases[i].url, c,
				 cases[i].cost);
	}
}

static void test_defaults(void **state)
{
	struct mfa_throttle lims[MFA_SCOPE__COUNT];
	struct mfa_graph_limits l = MFA_GRAPH_LIMITS_INIT;

	(void)state;
	mfa_throttle_apply_limits(NULL, lims);
	assert_int_equal(lims[MFA_SCOPE_IDENTITY_READ].nwin, 1);
	assert_true(lims[MFA_SCOPE_IDENTITY_READ].win[0].units == 8000);
	assert_int_equal(lims[MFA_SCOPE_IDENTITY_WRITE].nwin, 3);
	assert_true(lims[MFA_SCOPE_IDENTITY_WRITE].win[1].units == 18000);
	assert_true(lims[MFA_SCOPE_IDENTITY_WRITE].win[1].window_s == 300);
	/* the app's writes across tenants: 35,000 / 5 min */
	assert_true(lims[MFA_SCOPE_IDENTITY_WRITE].win[2].units == 35000);
	assert_true(lims[MFA_SCOPE_IDENTITY_WRITE].win[2].window_s == 300);
	assert_true(lims[MFA_SCOPE_REPORTS].win[0].units == 5);
	assert_true(lims[MFA_SCOPE_CONDITIONAL_ACCESS].win[0].window_s == 1.1);
	assert_int_equal(lims[MFA_SCOPE_UNTHROTTLED].nwin, 0);
	l.read_units = 3500;
	l.write_tenant_units = 0; /* disabled */
	mfa_throttle_apply_limits(&l, lims);
	assert_true(lims[MFA_SCOPE_IDENTITY_READ].win[0].units == 3500);
	assert_int_equal(lims[MFA_SCOPE_IDENTITY_WRITE].nwin, 2);
	assert_true(lims[MFA_SCOPE_IDENTITY_WRITE].win[1].units == 35000);
	l.write_app_units = 0;
	mfa_throttle_apply_limits(&l, lims);
	assert_int_equal(lims[MFA_SCOPE_IDENTITY_WRITE].nwin, 1);
	assert_string_equal(mfa_throttle_scope_name(MFA_SCOPE_REPORTS), "reports");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_continuous_refill),
		cmocka_unit_test(test_bucket_never_over),
		cmocka_unit_test(test_no_stall_after_burst),
		cmocka_unit_test(test_two_windows),
		cmocka_unit_test(test_two_windows_both_must_allow),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_slowdown),
		cmocka_unit_test(test_over_limit_pauses),
		cmocka_unit_test(test_scope_string),
		cmocka_unit_test(test_slowdown_lifted),
		cmocka_unit_test(test_slowdown_only_for_others_use),
		cmocka_unit_test(test_observe_reply),
		cmocka_unit_test(test_cost_over_budget),
		cmocka_unit_test(test_graph_cost),
		cmocka_unit_test(test_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
