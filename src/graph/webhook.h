/* graph/webhook.h - one POST of a JSON message to a webhook (a Teams
 * workflow, a Slack incoming webhook, anything that takes JSON).
 *
 * It goes through the http engine (graph/http.h) with its rules: TLS
 * verification always on, plain http only to a loopback host, and then
 * never through a proxy (a proxy only for https to other hosts, as the
 * caller's options.proxy says); no redirects. Retried on 429 (after its
 * Retry-After), 5xx and transport errors with backoff (graph/retry.h), at
 * most `attempts` tries, and never longer than `total_s` in all: what is
 * still out then is abandoned. Blocks for at most that long.
 *
 * The URL is a secret (it carries the token that lets anyone post): it is
 * never part of a message, a trace (traced as "webhook <host>") or an
 * error; mfa_webhook_host gives the host to name instead. */
#ifndef MFA_GRAPH_WEBHOOK_H
#define MFA_GRAPH_WEBHOOK_H

#include <stddef.h>

#include "mfa/util/err.h"
#include "graph/http.h"

struct mfa_webhook_options {
	unsigned attempts;          /* tries in all; 0: 5 */
	double total_s;             /* give up after this long; 0: 60 */
	double backoff_s;           /* first backoff ceiling; 0: 1 (doubles, at most 16) */
	long timeout_s;             /* per attempt; 0: 15 */
	const char *ca_file;        /* extra CA bundle (tests), NULL: system */
	struct mfa_http_proxy proxy;
	mfa_http_trace_fn trace;    /* NULL: off */
	void *trace_ctx;
};

#define MFA_WEBHOOK_OPTIONS_INIT { .attempts = 0 }

struct mfa_webhook_result {
	long status;                /* the last answer's status; 0 when none */
	unsigned attempts;
};

/* The host of url (into buf), "" when it cannot be parsed: what messages
 * name instead of the URL. */
void mfa_webhook_host(const char *url, char *buf, size_t size);

/* Checks the URL as the POST would (https, or http to a loopback host),
 * with a message that names only its host. */
int mfa_webhook_check(const char *url, struct mfa_err *err);

/* POSTs body (Content-Type: application/json) to url. 0 when the answer
 * was 2xx; -1 with err ("webhook 'host': http 500 (after 5 attempts)",
 * never the URL) otherwise. */
int mfa_webhook_post(const char *url, const char *body, size_t len, const struct mfa_webhook_options *o,
		     struct mfa_webhook_result *res, struct mfa_err *err);

#endif
