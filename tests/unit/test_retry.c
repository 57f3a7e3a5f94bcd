/* test_retry.c - the retry policy, one table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "graph/retry.h"

static double fixed_rand(void *ctx)
{
	return *(const double *)ctx;
}

#define NO_RA NULL
#define R -1.0 /* "some jittered value": check the range instead */

static void test_table(void **state)
{
	static const struct {
		long status;
		int curl_code;
		const char *retry_after;
		unsigned attempt;
		int auth_refreshed;
		/* expected */
		int retry;
		double delay; /* exact with rand = 0.5; R = within the ceiling */
		int pause;
		int refresh;
		int throttled;
		/* the request (0 when not given: an idempotent engine request) */
		enum mfa_retry_kind kind;
		int not_idempotent;
	} cases[] = {
		/* success is never retried */
		{ 200, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 204, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		/* 429: Retry-After honoured, fractional, scope paused */
		{ 429, 0, "2.128", 1, 0, 1, 2.128, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		{ 429, 0, "10", 3, 0, 1, 10, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		{ 429, 0, " 1 ", 1, 0, 1, 1, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		/* 429 without Retry-After (Conditional Access): equal jitter,
		 * ceiling 1, 2, 4 s -> 0.75, 1.5, 3 with rand 0.5; scope paused */
		{ 429, 0, NO_RA, 1, 0, 1, 0.75, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		{ 429, 0, NO_RA, 2, 0, 1, 1.5, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		{ 429, 0, NO_RA, 3, 0, 1, 3.0, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		{ 429, 0, "soon", 1, 0, 1, 0.75, 1, 0, 1, MFA_RETRY_REQUEST, 0 }, /* unreadable = absent */
		/* Retry-After clamped to max_retry_after_s (300) */
		{ 429, 0, "86400", 1, 0, 1, 300, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		/* 503 with Retry-After pauses the scope; without, backoff only */
		{ 503, 0, "3", 1, 0, 1, 3, 1, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 503, 0, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		/* 5xx and 408: full jitter, ceilings 1,2,4,...,60 */
		{ 500, 0, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 502, 0, NO_RA, 2, 0, 1, 1.0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 504, 0, NO_RA, 4, 0, 1, 4.0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 408, 0, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 500, 0, NO_RA, 7, 0, 1, 30.0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },  /* ceiling capped at 60 */
		{ 500, 0, "5", 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 0 },    /* 500: Retry-After not a pause */
		/* attempts exhausted (max 8) */
		{ 500, 0, NO_RA, 8, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 429, 0, "1", 8, 0, 0, 0, 0, 0, 1, MFA_RETRY_REQUEST, 0 },
		/* 401: refresh once, then final */
		{ 401, 0, NO_RA, 1, 0, 1, 0, 0, 1, 0, MFA_RETRY_REQUEST, 0 },
		{ 401, 0, NO_RA, 2, 1, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		/* other 4xx: final */
		{ 400, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 403, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 404, 0, "1", 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 409, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		/* dropped connections and timeouts */
		{ 0, CURLE_RECV_ERROR, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_SEND_ERROR, NO_RA, 2, 0, 1, 1.0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_GOT_NOTHING, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 200, CURLE_PARTIAL_FILE, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_OPERATION_TIMEDOUT, NO_RA, 5, 0, 1, 8.0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_OPERATION_TIMEDOUT, NO_RA, 8, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		/* cannot connect: only max_connect_attempts (3) */
		{ 0, CURLE_COULDNT_CONNECT, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_COULDNT_CONNECT, NO_RA, 2, 0, 1, 1.0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_COULDNT_CONNECT, NO_RA, 3, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_COULDNT_RESOLVE_HOST, NO_RA, 3, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		/* never retried: TLS, URL, size */
		{ 0, CURLE_PEER_FAILED_VERIFICATION, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_SSL_CONNECT_ERROR, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_URL_MALFORMAT, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_FILESIZE_EXCEEDED, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },
		{ 0, CURLE_WRITE_ERROR, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 0 },

		/* a write (not idempotent): again only when the server certainly
		 * did not act: a 429, a 401 (refresh), a connection never made */
		{ 429, 0, "1", 1, 0, 1, 1, 1, 0, 1, MFA_RETRY_REQUEST, 1 },
		{ 429, 0, NO_RA, 2, 0, 1, 1.5, 1, 0, 1, MFA_RETRY_REQUEST, 1 },
		{ 401, 0, NO_RA, 1, 0, 1, 0, 0, 1, 0, MFA_RETRY_REQUEST, 1 },
		{ 0, CURLE_COULDNT_CONNECT, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_REQUEST, 1 },
		{ 500, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 1 },
		{ 503, 0, "3", 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 1 },
		{ 0, CURLE_RECV_ERROR, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 1 },
		{ 0, CURLE_OPERATION_TIMEDOUT, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 1 },
		{ 200, CURLE_PARTIAL_FILE, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_REQUEST, 1 },

		/* $batch items: status 0 = no answer for the item (like a 503
		 * without Retry-After); their own Retry-After; a 401 final */
		{ 0, 0, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 0, 0, NO_RA, 3, 0, 1, 2.0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 429, 0, "7", 1, 0, 1, 7, 1, 0, 1, MFA_RETRY_BATCH_ITEM, 0 },
		{ 429, 0, NO_RA, 1, 0, 1, 0.75, 1, 0, 1, MFA_RETRY_BATCH_ITEM, 0 },
		{ 503, 0, "11", 1, 0, 1, 11, 1, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 500, 0, NO_RA, 2, 0, 1, 1.0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 408, 0, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 500, 0, NO_RA, 8, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 401, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 404, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 501, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 204, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		/* write items: only a throttled one goes out again */
		{ 429, 0, "2", 1, 0, 1, 2, 1, 0, 1, MFA_RETRY_BATCH_ITEM, 1 },
		{ 0, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 1 },
		{ 500, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 1 },
		{ 503, 0, "3", 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 1 },
		{ 401, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 1 },

		/* 424, failed dependency: nothing ran. A whole $batch answered
		 * 424 is throttled (older docs): a 429, even for writes; an
		 * item's 424 is retried with backoff, even a write, no pause */
		{ 424, 0, "3", 1, 0, 1, 3, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		{ 424, 0, NO_RA, 1, 0, 1, 0.75, 1, 0, 1, MFA_RETRY_REQUEST, 0 },
		{ 424, 0, "3", 1, 0, 1, 3, 1, 0, 1, MFA_RETRY_REQUEST, 1 },
		{ 424, 0, "3", 8, 0, 0, 0, 0, 0, 1, MFA_RETRY_REQUEST, 1 },
		{ 424, 0, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 0 },
		{ 424, 0, NO_RA, 2, 0, 1, 1.0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 1 },
		{ 424, 0, "4", 1, 0, 1, 4, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 1 },
		{ 424, 0, NO_RA, 8, 0, 0, 0, 0, 0, 0, MFA_RETRY_BATCH_ITEM, 1 },
		{ 424, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_TOKEN, 0 },

		/* token requests: 3 attempts, ceilings 1, 2, 4, 8, Retry-After
		 * up to 30 s, a 401 final, no scope paused */
		{ 500, 0, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 503, 0, NO_RA, 2, 0, 1, 1.0, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 500, 0, NO_RA, 3, 0, 0, 0, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 429, 0, "100", 1, 0, 1, 30, 0, 0, 1, MFA_RETRY_TOKEN, 0 },
		{ 429, 0, NO_RA, 2, 0, 1, 1.5, 0, 0, 1, MFA_RETRY_TOKEN, 0 },
		{ 503, 0, "2", 1, 0, 1, 2, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 401, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 400, 0, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 0, CURLE_COULDNT_CONNECT, NO_RA, 2, 0, 1, 1.0, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 0, CURLE_COULDNT_CONNECT, NO_RA, 3, 0, 0, 0, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 0, CURLE_RECV_ERROR, NO_RA, 1, 0, 1, 0.5, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
		{ 0, CURLE_PEER_FAILED_VERIFICATION, NO_RA, 1, 0, 0, 0, 0, 0, 0, MFA_RETRY_TOKEN, 0 },
	};
	const struct mfa_retry_policy policy = MFA_RETRY_POLICY_INIT;
	double half = 0.5;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_retry_input in = { 0 };
		struct mfa_retry_decision d;
		char where[96];

		in.kind = cases[i].kind;
		in.status = cases[i].status;
		in.curl_code = cases[i].curl_code;
		/* read once, where the header arrives, as the engine does */
		in.has_retry_after = mfa_retry_parse_after(cases[i].retry_after, 1700000000,
							   &in.retry_after_s) == 0;
		in.attempt = cases[i].attempt;
		in.auth_refreshed = cases[i].auth_refreshed;
		in.not_idempotent = cases[i].not_idempotent;
		mfa_retry_decide(&policy, &in, fixed_rand, &half, &d);
		snprintf(where, sizeof(where), "case %zu (kind %d status %ld curl %d attempt %u)", i,
			 (int)cases[i].kind, cases[i].status, cases[i].curl_code, cases[i].attempt);
		if (d.retry != cases[i].retry || d.pause_scope != cases[i].pause ||
		    d.refresh_auth != cases[i].refresh || d.throttled != cases[i].throttled)
			fail_msg("%s: retry %d pause %d refresh %d throttled %d (%s)", where,
				 d.retry, d.pause_scope, d.refresh_auth, d.throttled, d.why);
		if (d.retry && (d.delay_s < cases[i].delay - 1e-9 || d.delay_s > cases[i].delay + 1e-9))
			fail_msg("%s: delay %g, want %g", where, d.delay_s, cases[i].delay);
		assert_non_null(d.why);
	}
}

/* Full jitter spans [0, ceiling]: rand 0 and rand ~1 reach both ends. */
static void test_jitter_range(void **state)
{
	const struct mfa_retry_policy policy = MFA_RETRY_POLICY_INIT;
	struct mfa_retry_input in = { 0 };
	struct mfa_retry_decision d;
	double lo = 0.0, hi = 0.999999;
	unsigned a;

	(void)state;
	in.status = 503;
	for (a = 1; a < 8; a++) {
		double ceil = mfa_retry_backoff_ceiling(&policy, a);
		in.attempt = a;
		mfa_retry_decide(&policy, &in, fixed_rand, &lo, &d);
		assert_true(d.retry && d.delay_s == 0.0);
		mfa_retry_decide(&policy, &in, fixed_rand, &hi, &d);
		assert_true(d.delay_s > ceil * 0.99 && d.delay_s <= ceil);
		assert_true(ceil <= policy.cap_s);
	}
	assert_true(mfa_retry_backoff_ceiling(&policy, 1) == 1.0);
	assert_true(mfa_retry_backoff_ceiling(&policy, 6) == 32.0);
	assert_true(mfa_retry_backoff_ceiling(&policy, 7) == 60.0);
	assert_true(mfa_retry_backoff_ceiling(&policy, 1000) == 60.0);
}

static void test_run_budget(void **state)
{
	struct mfa_retry_policy policy = MFA_RETRY_POLICY_INIT;
	struct mfa_retry_input in = { 0 };
	struct mfa_retry_decision d;

	(void)state;
	policy.max_total_retries = 10;
	in.status = 500;
	in.attempt = 1;
	in.retries_used = 9;
	mfa_retry_decide(&policy, &in, NULL, NULL, &d);
	assert_int_equal(d.retry, 1);
	assert_true(d.delay_s == 1.0); /* no rand: the ceiling */
	in.retries_used = 10;
	mfa_retry_decide(&policy, &in, NULL, NULL, &d);
	assert_int_equal(d.retry, 0);
	policy.max_total_retries = 0; /* no cap */
	in.retries_used = 1000000;
	mfa_retry_decide(&policy, &in, NULL, NULL, &d);
	assert_int_equal(d.retry, 1);
}

/* The token rule is the token endpoint's whatever policy is passed: no
 * random draw (the middle of the range), no run budget. */
static void test_token_rule(void **state)
{
	struct mfa_retry_policy policy = MFA_RETRY_POLICY_INIT;
	struct mfa_retry_input in = { 0 };
	struct mfa_retry_decision d;
	double zero = 0.0;

	(void)state;
	policy.max_attempts = 100;
	policy.max_total_retries = 1;
	in.kind = MFA_RETRY_TOKEN;
	in.status = 500;
	in.attempt = 2;
	in.retries_used = 1000;
	mfa_retry_decide(&policy, &in, fixed_rand, &zero, &d);
	assert_int_equal(d.retry, 1);
	assert_true(d.delay_s == 1.0);
	in.attempt = 3;
	mfa_retry_decide(NULL, &in, NULL, NULL, &d);
	assert_int_equal(d.retry, 0);
	assert_string_equal(d.why, "retries exhausted");
}

/* A Retry-After read as a number: what a $batch item carries. */
static void test_numeric_retry_after(void **state)
{
	const struct mfa_retry_policy policy = MFA_RETRY_POLICY_INIT;
	struct mfa_retry_input in = { 0 };
	struct mfa_retry_decision d;

	(void)state;
	in.status = 429;
	in.attempt = 1;
	in.has_retry_after = 1;
	in.retry_after_s = 2.125;
	mfa_retry_decide(&policy, &in, NULL, NULL, &d);
	assert_true(d.retry && d.pause_scope && d.delay_s == 2.125);
	in.retry_after_s = -1; /* never a negative wait: taken as absent */
	mfa_retry_decide(&policy, &in, NULL, NULL, &d);
	assert_true(d.retry && d.delay_s == 1.0); /* equal jitter, no rand: the ceiling */
	in.has_retry_after = 0;
	in.retry_after_s = 9;  /* not given: the value is not read */
	mfa_retry_decide(&policy, &in, NULL, NULL, &d);
	assert_true(d.delay_s == 1.0);
	assert_true(mfa_retry_status_pauses(429) && mfa_retry_status_pauses(503));
	assert_false(mfa_retry_status_pauses(500) || mfa_retry_status_pauses(200));
}

static void test_parse_after(void **state)
{
	static const struct {
		const char *v;
		int rc;
		double s;
	} cases[] = {
		{ "120", 0, 120 },
		{ "2.128", 0, 2.128 },
		{ "0", 0, 0 },
		{ "  7\r\n", 0, 7 },
		{ "Tue, 14 Nov 2023 22:13:30 GMT", 0, 10 },   /* now + 10 s */
		{ "Tuesday, 14-Nov-23 22:14:20 GMT", 0, 60 },   /* RFC 850 */
		{ "Tue Nov 14 22:13:20 2023", 0, 0 },           /* asctime, = now */
		{ "Mon, 13 Nov 2023 00:00:00 GMT", 0, 0 },      /* past: 0 */
		{ "-5", -1, 0 },
		{ "1e999", -1, 0 },
		{ "12abc", -1, 0 },
		{ "", -1, 0 },
		{ "nonsense", -1, 0 },
		{ NULL, -1, 0 },
	};
	const time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double s = -1;
		int rc = mfa_retry_parse_after(cases[i].v, now, &s);
		if (rc != cases[i].rc || (rc == 0 && (s < cases[i].s - 1e-9 || s > cases[i].s + 1e-9)))
			fail_msg("'%s': rc %d s %g, want rc %d s %g", cases[i].v ? cases[i].v : "(null)",
				 rc, s, cases[i].rc, cases[i].s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_jitter_range),
		cmocka_unit_test(test_run_budget),
		cmocka_unit_test(test_token_rule),
		cmocka_unit_test(test_numeric_retry_after),
		cmocka_unit_test(test_parse_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
