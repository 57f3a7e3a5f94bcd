/* webhook.c - one JSON POST to a webhook, on the http engine
 * (webhook.h). */
#include "graph/webhook.h"

#include "graph/cloud.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void mfa_webhook_host(const char *url, char *buf, size_t size)
{
	CURLU *u = curl_url();
	char *host = NULL;

	buf[0] = '\0';
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		snprintf(buf, size, "%s", host);
	curl_free(host);
	curl_url_cleanup(u);
}

int mfa_webhook_check(const char *url, struct mfa_err *err)
{
	struct mfa_err e = MFA_ERR_INIT;
	char host[256];

	mfa_webhook_host(url, host, sizeof(host));
	if (!host[0])
		return mfa_err_set(err, "the webhook URL is not an http(s) URL with a host");
	if (mfa_cloud_check_url(url, &e) < 0)
		return mfa_err_set(err, "the webhook URL to '%s' must be https (plain http only to a loopback host)",
				   host);
	return 0;
}

struct answer {
	int done;
	long status;
	unsigned attempts;
	char error[MFA_ERR_MAX];
};

static void on_answer(void *ctx, const struct mfa_http_response *resp)
{
	struct answer *a = ctx;

	a->done = 1;
	a->status = resp->status;
	a->attempts = resp->attempts;
	snprintf(a->error, sizeof(a->error), "%s",
		 resp->cancelled ? "no answer in time" : resp->error ? resp->error : "");
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The error text without the URL (the engine's messages name a host at
 * most, but a URL must never slip through). */
static void scrub_url(char *msg, const char *url)
{
	size_t n = strlen(url);
	char *p;

	while (n && (p = strstr(msg, url)) != NULL)
		memmove(p, p + n, strlen(p + n) + 1);
}

int mfa_webhook_post(const char *url, const char *body, size_t len, const struct mfa_webhook_options *o,
		     struct mfa_webhook_result *res, struct mfa_err *err)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct mfa_http_options ho = MFA_HTTP_OPTIONS_INIT;
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	struct mfa_http *h = NULL;
	struct mfa_err e = MFA_ERR_INIT;
	struct answer a;
	char host[256], trace_name[300];
	double total = o->total_s > 0 ? o->total_s : 60, deadline;
	int rc = -1, step;

	memset(res, 0, sizeof(*res));
	memset(&a, 0, sizeof(a));
	mfa_webhook_host(url, host, sizeof(host));
	if (mfa_webhook_check(url, err) < 0)
		return -1;
	ho.workers = 1;
	ho.timeout_s = o->timeout_s > 0 ? o->timeout_s : 15;
	ho.connect_timeout_s = ho.timeout_s < 10 ? ho.timeout_s : 10;
	ho.max_body = 1 << 20;
	ho.http2 = 1;
	ho.retry.max_attempts = o->attempts ? o->attempts : 5;
	ho.retry.max_connect_attempts = ho.retry.max_attempts;
	ho.retry.max_total_retries = 0;
	ho.retry.base_s = o->backoff_s > 0 ? o->backoff_s : 1;
	ho.retry.cap_s = 16;
	ho.retry.max_retry_after_s = total;
	ho.ca_file = o->ca_file;
	ho.proxy = o->proxy;
	ho.trace = o->trace;
	ho.trace_ctx = o->trace_ctx;
	if (mfa_http_new(&h, &ho, &e) < 0) {
		mfa_err_set(err, "webhook '%s': %s", host, e.msg);
		goto cleanup;
	}
	snprintf(trace_name, sizeof(trace_name), "webhook %s", host);
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = len;
	req.scope = MFA_SCOPE_UNTHROTTLED;
	req.cost = 1;
	req.no_auth = 1;
	req.sensitive = 1;
	req.trace_name = trace_name;
	req.done = on_answer;
	req.ctx = &a;
	if (mfa_http_submit(h, &req, &e) < 0) {
		mfa_err_set(err, "webhook '%s': the request could not be made", host);
		goto cleanup;
	}
	deadline = mono_now() + total;
	while ((step = mfa_http_step(h, 100, &e)) == 1) {
		if (mono_now() > deadline)
			mfa_http_abort(h);
	}
	res->status = a.status;
	res->attempts = a.attempts;
	if (a.done && a.status >= 200 && a.status < 300) {
		rc = 0;
		goto cleanup;
	}
	scrub_url(a.error, url);
	mfa_err_set(err, "webhook '%s': %s", host, a.done && a.error[0] ? a.error : "no answer in time");
cleanup:
	mfa_http_free(h);
	return rc;
}
