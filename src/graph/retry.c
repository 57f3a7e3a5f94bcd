/* retry.c - all retry policy, in one function (graph/retry.h). */
#include "graph/retry.h"

#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int mfa_retry_parse_after(const char *value, time_t wall_now, double *seconds)
{
	const char *p = value;
	char *end;
	double v;
	time_t t;

	if (!p)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return -1;
	if (*p >= '0' && *p <= '9') {
		v = strtod(p, &end);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		if (*end || !isfinite(v) || v < 0)
			return -1;
		*seconds = v;
		return 0;
	}
	/* An HTTP-date; curl's parser reads all three formats RFC 9110 allows. */
	t = curl_getdate(p, NULL);
	if (t == (time_t)-1)
		return -1;
	*seconds = t > wall_now ? difftime(t, wall_now) : 0;
	return 0;
}

int mfa_retry_status_pauses(long status)
{
	return status == 429 || status == 503;
}

double mfa_retry_backoff_ceiling(const struct mfa_retry_policy *policy, unsigned attempt)
{
	double c = policy->base_s;
	unsigned i;

	for (i = 1; i < attempt && c < policy->cap_s; i++)
		c *= 2;
	return c < policy->cap_s ? c : policy->cap_s;
}

static double jitter(const struct mfa_retry_policy *policy, unsigned attempt,
		     mfa_retry_rand_fn rand, void *ctx)
{
	double ceil = mfa_retry_backoff_ceiling(policy, attempt);
	double r = rand ? rand(ctx) : 1.0;

	if (!(r >= 0))
		r = 0;
	if (r > 1)
		r = 1;
	return ceil * r;
}

/* Transport failures worth another try, and whether they are the "could
 * not reach the host at all" kind that only gets a few attempts. */
static int transport_retryable(int code, int *connect_kind)
{
	*connect_kind = 0;
	switch (code) {
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		*connect_kind = 1;
		return 1;
	default:
		return 0;
	}
}

/* The token endpoint's own rule (see retry.h). */
static const struct mfa_retry_policy token_policy = { 3, 3, 0, 1.0, 8.0, 30.0 };

static double middle(void *ctx)
{
	(void)ctx;
	return 0.5;
}

void mfa_retry_decide(const struct mfa_retry_policy *policy,
		      const struct mfa_retry_input *in,
		      mfa_retry_rand_fn rand, void *rand_ctx,
		      struct mfa_retry_decision *out)
{
	double ra = 0;
	int has_ra, connect_kind = 0, backoff = 0, never_ran = 0;
	int auth_refreshed = in->auth_refreshed;
	long s = in->status;

	memset(out, 0, sizeof(*out));
	if (in->kind == MFA_RETRY_TOKEN) {
		policy = &token_policy;
		rand = middle;
		auth_refreshed = 1; /* a 401 is a wrong credential: final */
	} else if (in->kind == MFA_RETRY_BATCH_ITEM) {
		auth_refreshed = 1; /* the envelope's token was taken */
		if (s == 0)
			s = 503; /* no answer for the item: a server error, no Retry-After */
	}
	has_ra = in->has_retry_after && in->retry_after_s >= 0;
	if (has_ra)
		ra = in->retry_after_s;
	if (has_ra && ra > policy->max_retry_after_s)
		ra = policy->max_retry_after_s;

	if (in->kind != MFA_RETRY_BATCH_ITEM && in->curl_code != 0) {
		if (!transport_retryable(in->curl_code, &connect_kind)) {
			out->why = "transfer failed";
			return;
		}
		out->why = connect_kind ? "cannot reach the host" : "connection failed";
		backoff = 1;
	} else if (s >= 200 && s < 400) {
		out->why = "done";
		return;
	} else if (s == 429) {
		out->throttled = 1;
		out->pause_scope = 1;
		out->why = "throttled (429)";
		backoff = !has_ra;
	} else if (s == 424 && in->kind != MFA_RETRY_TOKEN) {
		/* Failed dependency: nothing ran. A whole $batch answered 424 is
		 * a throttled batch (older docs): like a 429. An item's 424 is
		 * that item not run: backoff (or its Retry-After), no pause. */
		never_ran = 1;
		backoff = !has_ra;
		if (in->kind == MFA_RETRY_REQUEST) {
			out->throttled = 1;
			out->pause_scope = 1;
			out->why = "throttled $batch (424)";
		} else {
			out->why = "failed dependency (424)";
		}
	} else if (mfa_retry_status_pauses(s) && has_ra) {
		out->pause_scope = 1;
		out->why = "service unavailable (503)";
	} else if (s == 500 || s == 502 || s == 503 || s == 504 || s == 408) {
		out->why = "server error";
		backoff = 1;
	} else if (s == 401) {
		if (auth_refreshed) {
			out->why = "access token refused";
			return;
		}
		out->why = "access token refused, refreshing";
		out->refresh_auth = 1;
	} else {
		out->why = "request refused";
		return;
	}

	if (in->not_idempotent && !out->throttled && !out->refresh_auth && !connect_kind &&
	    !never_ran) {
		out->pause_scope = 0;
		out->why = "not retried: the server may have acted on it";
		return;
	}
	if (in->attempt >= policy->max_attempts ||
	    (connect_kind && in->attempt >= policy->max_connect_attempts)) {
		out->pause_scope = 0;
		out->refresh_auth = 0;
		out->why = "retries exhausted";
		return;
	}
	if (policy->max_total_retries && in->retries_used >= policy->max_total_retries) {
		out->pause_scope = 0;
		out->refresh_auth = 0;
		out->why = "retry budget for this run exhausted";
		return;
	}
	out->retry = 1;
	if (in->kind == MFA_RETRY_TOKEN)
		out->pause_scope = 0; /* the token endpoint is no Graph scope */
	if (out->refresh_auth) {
		out->delay_s = 0;
	} else if (backoff && out->throttled) {
		/* A 429 without Retry-After pauses the scope: full jitter could
		 * draw ~0 and resume at once, so keep half the ceiling fixed
		 * ("equal jitter") and randomise the rest. */
		double c = mfa_retry_backoff_ceiling(policy, in->attempt);
		out->delay_s = c / 2 + jitter(policy, in->attempt, rand, rand_ctx) / 2;
	} else if (backoff) {
		out->delay_s = jitter(policy, in->attempt, rand, rand_ctx);
	} else {
		out->delay_s = ra;
	}
}
