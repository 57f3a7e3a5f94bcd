/* graph/retry.h - the one place that decides whether a failed request is
 * tried again, after how long, and what the wait applies to.
 *
 * The http engine calls mfa_retry_decide after every attempt and applies
 * the answer; graph/requirements.c asks it about every item of a $batch
 * reply, and the engine about every attempt of a token request
 * (graph/auth.h). No other file holds a retry rule. Pure: time and
 * randomness are passed in; a Retry-After arrives already read into
 * seconds (mfa_retry_parse_after, once, where the header is received).
 *
 * Policy (GRAPH.md, DESIGN.md "Concurrency"):
 * - 429: retry after Retry-After (seconds, fractional allowed, or an
 *   HTTP-date); without one (Conditional Access never sends it) back off
 *   exponentially. Either way the whole scope pauses: Graph throttles the
 *   app+tenant, so every request of that scope would get a 429 too.
 * - 503 with Retry-After: the same, scope paused. 500, 502, 503 without
 *   Retry-After, 504, 408: exponential backoff for this request only.
 * - transport errors: timeouts, dropped or reset connections, empty or
 *   partial replies are retried with backoff; a refused connection or an
 *   unresolvable host only for the first `max_connect_attempts` attempts.
 *   TLS, certificate, URL and size errors are never retried.
 * - 424 (failed dependency: nothing ran): a request answered 424 is a
 *   $batch envelope throttled as a whole (older docs): handled as a 429
 *   (throttled, scope paused, Retry-After or backoff); a $batch item's 424
 *   is retried with backoff (or its Retry-After), no pause. Either is sent
 *   again even when not idempotent.
 * - 401: refresh the token once, then retry once, immediately
 *   (refresh_auth set). A second 401 is final.
 * - any other 4xx: final.
 * - a request marked not_idempotent is retried only after a 429, a 401 or
 *   a connection that never opened: after a 5xx, a timeout or a dropped
 *   reply the server may have acted, so the answer is final and the
 *   caller settles it by reading the state back.
 * - the retry budget: with max_total_retries set, a run that has spent
 *   that many retries retries nothing more.
 * $batch items (kind MFA_RETRY_BATCH_ITEM) follow the same rules, with a
 * status of 0 meaning the reply lacked the item (retried like a 503
 * without Retry-After), and a 401 final (the envelope's token was taken).
 * Token requests (kind MFA_RETRY_TOKEN) have the token endpoint's own
 * rule, whatever policy is passed: at most 3 attempts (cannot-connect
 * included), backoff ceilings 1, 2, 4, 8 s, a Retry-After clamped to 30 s,
 * no run budget, a 401 final (a wrong credential, not an old token), no
 * scope paused (the token endpoint is none of Graph's scopes), and
 * the backoff at the middle of its range instead of a random draw (one
 * request an hour needs no spread).
 * Backoff is "full jitter": a uniform random delay in
 * [0, min(cap, base * 2^(attempt-1))], except that a 429 without
 * Retry-After waits at least half that ceiling (it pauses a scope, and a
 * pause drawn near zero would not be one). A Retry-After beyond
 * max_retry_after_s is clamped to it.
 */
#ifndef MFA_GRAPH_RETRY_H
#define MFA_GRAPH_RETRY_H

#include <time.h>

struct mfa_retry_policy {
	unsigned max_attempts;          /* attempts per request, first included */
	unsigned max_connect_attempts;  /* attempts while the host refuses/does not resolve */
	unsigned long max_total_retries;/* retries per run, all requests together; 0 = no cap */
	double base_s;                  /* first backoff ceiling */
	double cap_s;                   /* backoff ceiling */
	double max_retry_after_s;       /* a longer Retry-After is clamped to this */
};

#define MFA_RETRY_POLICY_INIT { 8, 3, 100000, 1.0, 60.0, 300.0 }

enum mfa_retry_kind {
	MFA_RETRY_REQUEST = 0,   /* an http engine request */
	MFA_RETRY_BATCH_ITEM,    /* one item of a $batch reply */
	MFA_RETRY_TOKEN          /* a token request: the token endpoint's rule */
};

/* What happened on the attempt just finished. All zero is a valid start
 * (a request, no Retry-After). */
struct mfa_retry_input {
	enum mfa_retry_kind kind;
	long status;             /* HTTP status; 0 when no response (see curl_code),
				  * or, for a $batch item, no answer for it */
	int curl_code;           /* CURLcode of the transfer; 0 = CURLE_OK */
	int has_retry_after;     /* 1: the answer carried a readable Retry-After */
	double retry_after_s;    /* its value in seconds (>= 0), when has_retry_after */
	unsigned attempt;        /* attempts made so far, >= 1 */
	int auth_refreshed;      /* this request already had its token refreshed */
	int not_idempotent;      /* the request changes something (a write
				  * $batch): retried only when the server
				  * certainly did not act on it (429, 401, no
				  * connection); otherwise the caller reads the
				  * state back and decides (compare-and-set) */
	unsigned long retries_used; /* retries spent so far in this run */
};

struct mfa_retry_decision {
	int retry;               /* 1: try again after delay_s */
	double delay_s;          /* >= 0 */
	int pause_scope;         /* 1: the delay pauses the whole throttle scope */
	int refresh_auth;        /* 1: refresh the token before retrying (401) */
	int throttled;           /* the server throttled us (429) */
	const char *why;         /* static text: "throttled (429)", "retries exhausted"... */
};

/* Uniform random number in [0, 1). */
typedef double (*mfa_retry_rand_fn)(void *ctx);

/* Decides for one finished attempt. A 2xx/3xx with curl_code 0 is never
 * retried. rand may be NULL (then the backoff is the full ceiling). policy
 * is not read for a token request (it may be NULL then). Always fills
 * *out. */
void mfa_retry_decide(const struct mfa_retry_policy *policy,
		      const struct mfa_retry_input *in,
		      mfa_retry_rand_fn rand, void *rand_ctx,
		      struct mfa_retry_decision *out);

/* Reads a Retry-After value: delta seconds ("120", "2.128") or an HTTP-date
 * ("Wed, 21 Oct 2015 07:28:00 GMT", relative to wall_now). Returns 0 and
 * *seconds >= 0 (a date in the past gives 0), or -1 if value is absent or
 * unreadable. */
int mfa_retry_parse_after(const char *value, time_t wall_now, double *seconds);

/* Nonzero for the statuses whose Retry-After pauses a whole scope (429,
 * 503): Graph throttles the app+tenant, not the request. */
int mfa_retry_status_pauses(long status);

/* The backoff ceiling for an attempt: min(cap, base * 2^(attempt-1)). */
double mfa_retry_backoff_ceiling(const struct mfa_retry_policy *policy, unsigned attempt);

#endif
