/* graph/http.h - the HTTP engine: one thread, one libcurl multi loop,
 * rate-limited per throttle scope, all retries in one place.
 *
 * Modelled on curl's own --parallel mode (tool_operate.c): one struct per
 * transfer attached with CURLOPT_PRIVATE; an admission loop that starts a
 * queued request only when (1) fewer than `workers` are in flight and
 * fewer than its scope's adaptive target (graph/concurrency.h: grown while
 * latency binds, shrunk on 429 or rising latency, never above `workers`),
 * (2) its scope's limiter says it is ready (graph/throttle.h), (3) its own
 * backoff time has passed and (4) the token source has a token for it;
 * otherwise curl_multi_poll waits until the earliest of those times. A
 * finished attempt goes through mfa_retry_decide (graph/retry.h); the
 * engine applies the decision: pause the scope, delay the request, or
 * refresh the token and retry. A token request is a transfer of this same
 * loop (see mfa_http_auth_fn): while it is out, the requests that need
 * its token wait and every other transfer keeps going; nothing sleeps.
 * "Workers" are in-flight slots, not threads. Not thread-safe: use an
 * engine from one thread only (mfa_http_stop excepted, see below).
 *
 *     struct mfa_http_options o = MFA_HTTP_OPTIONS_INIT;
 *     struct mfa_http *h = NULL;
 *     o.workers = 64;                      // the ceiling; the target adapts below it
 *     if (mfa_http_new(&h, &o, &err) < 0) goto cleanup;
 *     mfa_http_set_auth(h, mfa_auth_bearer, auth);      // graph/auth.h
 *     struct mfa_http_request r = MFA_HTTP_REQUEST_INIT;
 *     r.url = "https://graph.microsoft.com/v1.0/users?$top=999";
 *     r.scope = MFA_SCOPE_IDENTITY_READ;
 *     r.done = on_page; r.ctx = pager;     // on_page may submit the next page
 *     if (mfa_http_submit(h, &r, &err) < 0) goto cleanup;
 *     rc = mfa_http_run(h, &err);          // 0 done, MFA_HTTP_INTERRUPTED, -1
 *     mfa_http_stats(h, &stats);
 *   cleanup:
 *     mfa_http_free(h);
 *
 * Transport settings: HTTP/2 over TLS with multiplexing when the server
 * offers it, keep-alive otherwise; gzip/deflate/br accepted; TLS peer and
 * host verification always on; no redirects followed; http(s) only, and
 * plain http only to loopback hosts (graph/cloud.h; every URL is checked
 * at submit). Bodies are capped at max_body bytes while they arrive.
 *
 * Proxies (options.proxy): only https to a host that is not loopback and
 * not named by proxy.no_proxy goes through proxy.url (a CONNECT tunnel:
 * the request, its token and any secret stay inside TLS). Plain http (the
 * emulator, a local token endpoint, the managed identity address) and
 * anything to a loopback host always go direct, whatever the settings: a
 * secret sent in clear must never reach a proxy, and a loopback address
 * means this machine, not the proxy's. The engine reads no environment and
 * keeps libcurl from reading it (every transfer sets its proxy and an
 * empty no-proxy list explicitly), so http_proxy, https_proxy, ALL_PROXY
 * and no_proxy count only as the caller passes them in. A proxy that
 * refuses the tunnel (a 4xx answer to CONNECT) fails the request at once,
 * not retried, with a message naming the proxy (never its credentials):
 *   proxy 'http://10.0.0.5:3128' (https_proxy) refused the tunnel to
 *   'graph.microsoft.com:443': http 403; check the proxy's rules, or name
 *   the host in no_proxy (after 1 attempt)
 *
 * Tracing: with options.trace set (the CLI prints to stderr under MFA_MIGRATE_TRACE)
 * each finished attempt is one line on stderr:
 *   mfa-migrate: trace: GET https://... -> 429 35 ms attempt 1 cid 1b2c3d4e-... (retry in
 *   2.128 s, paused identity-read (Tenant_Application/ReadWrite): throttled (429))
 * "cid" is the request's client-request-id: every Graph request (a $batch
 * envelope too) sends a fresh random GUID in that header, kept for every
 * attempt of the same request (a retry is the same call to Microsoft
 * support), and a failed request's error says it:
 *   http 403: Authorization_RequestDenied: ... (after 1 attempt;
 *   client-request-id 1b2c3d4e-...)
 * The pause of a throttled answer goes to the limiter its
 * x-ms-throttle-scope names (graph/throttle.h mfa_throttle_scope_for).
 * Headers and bodies are never traced, so neither Authorization nor any
 * token can appear; a request marked `sensitive` is traced without its
 * query string.
 */
#ifndef MFA_GRAPH_HTTP_H
#define MFA_GRAPH_HTTP_H

#include <stddef.h>

#include "mfa/util/err.h"
#include "graph/throttle.h"
#include "graph/retry.h"

struct mfa_http;

/* Receives one trace line (no newline, no prefix); line is valid only
 * during the call. */
typedef void (*mfa_http_trace_fn)(void *ctx, const char *line);

/* Where https requests go (see "Proxies" above). All strings are copied. */
struct mfa_http_proxy {
	const char *url;      /* "http://host:3128" (http, https, socks4/5 schemes;
			       * no scheme: http; user:password@ allowed, never
			       * shown); NULL or "": every request direct */
	const char *no_proxy; /* hosts that go direct: comma- or space-separated
			       * names (each also matches its subdomains; a
			       * leading dot is ignored), IP addresses or CIDR
			       * ranges ("10.0.0.0/8"), or "*" for all; NULL: none */
	const char *source;   /* where url came from, for messages ("https_proxy");
			       * NULL: "proxy setting" */
};

#define MFA_HTTP_PROXY_INIT { NULL, NULL, NULL }

struct mfa_http_options {
	unsigned workers;          /* ceiling of requests in flight, all scopes
				    * together; default 256 (2 s round trips at
				    * 800 users/s in batches of 20 need ~96). Each
				    * scope's target adapts below it */
	long connect_timeout_s;    /* default 10 */
	long timeout_s;            /* whole request, per attempt; default 60 */
	size_t max_body;           /* response body cap in bytes; default 64 MiB */
	int http2;                 /* 1: negotiate HTTP/2 over TLS (default) */
	const struct mfa_graph_limits *limits; /* NULL: Graph's defaults; copied */
	struct mfa_retry_policy retry;
	const char *user_agent;    /* NULL: "mfa-migrate"; copied */
	mfa_http_trace_fn trace;   /* one line per attempt; NULL: off (default) */
	void *trace_ctx;
	const char *ca_file;       /* extra CA bundle (tests), NULL: system store; copied */
	mfa_retry_rand_fn rand;    /* jitter source, NULL: internal PRNG */
	void *rand_ctx;
	struct mfa_http_proxy proxy; /* default: none, every request direct */
	unsigned workers_start;    /* each scope's first target; 0: MFA_CONC_START (8) */
};

#define MFA_HTTP_OPTIONS_INIT \
	{ 256, 10, 60, (size_t)64 << 20, 1, NULL, MFA_RETRY_POLICY_INIT, NULL, NULL, NULL, NULL, NULL, NULL, \
	  MFA_HTTP_PROXY_INIT, 0 }

/* What a finished request looks like to its callback. Everything here is
 * owned by the engine and valid only during the callback: copy what you
 * keep. Header fields are NULL when the header was absent. */
struct mfa_http_response {
	const char *method;
	const char *url;
	long status;               /* final HTTP status; 0 when none was received */
	const char *body;          /* NUL-terminated (the NUL not counted); "" if none */
	size_t body_len;
	const char *content_type;
	const char *retry_after;
	const char *throttle_percentage; /* x-ms-throttle-limit-percentage */
	const char *resource_unit;       /* x-ms-resource-unit */
	const char *throttle_scope;      /* x-ms-throttle-scope */
	const char *location;
	const char *request_id;          /* request-id */
	const char *client_request_id;   /* the client-request-id this request sent
					  * (a random GUID, the same on every attempt);
					  * NULL for a token request */
	int curl_code;             /* CURLcode of the last attempt; 0 = fine */
	int too_large;             /* 1: the body passed the cap (the request failed) */
	const char *error;         /* NULL when status is 2xx/3xx; else one line
				    * for people, e.g. "http 403: Authorization_RequestDenied:
				    * Insufficient privileges ... (after 1 attempt)" */
	unsigned attempts;         /* attempts made, >= 0 (0 when cancelled before any) */
	double seconds;            /* submit to completion */
	int cancelled;             /* 1: stopped (mfa_http_stop, sign-in failure or
				    * mfa_http_free) before a final answer */
};

/* Called exactly once per successfully submitted request. It may submit
 * more requests and may call mfa_http_stop; it must not call
 * mfa_http_run/step/free. */
typedef void (*mfa_http_done_fn)(void *ctx, const struct mfa_http_response *resp);

struct mfa_http_request {
	const char *method;        /* NULL = "GET" */
	const char *url;           /* absolute URL; copied */
	const char *const *headers;/* NULL-terminated "Name: value" strings, or NULL; copied */
	const void *body;          /* request body or NULL; copied */
	size_t body_len;
	int scope;                 /* enum mfa_graph_scope */
	double cost;               /* units against the scope; 0 = mfa_throttle_cost(method, url) */
	int no_auth;               /* 1: do not add Authorization */
	int sensitive;             /* 1: trace without the query string */
	mfa_http_done_fn done;     /* required */
	void *ctx;                 /* passed to done, not touched */
	double delay_s;            /* > 0: not started before this many seconds from now
				    * (a caller's own retry, e.g. of $batch items) */
	int not_idempotent;        /* 1: a write; see graph/retry.h */
	int token;                 /* 1: a token request, submitted by a token source
				    * (mfa_http_auth_fn): started ahead of queued work
				    * and outside the `workers` count, never waits for a
				    * token itself (no Authorization), retried by the
				    * token endpoint's rule (graph/retry.h), traced as
				    * "(token request)", wiped when freed, and not
				    * counted in mfa_http_stats (the source counts it) */
	size_t max_body;           /* > 0: a lower body cap for this request */
	long timeout_s;            /* > 0: this request's own per-attempt timeout */
	const char *trace_name;    /* traced instead of the URL when set; copied */
	int first;                 /* 1: queued at the front of its scope, not the
				    * back: the next page of a listing whose users
				    * the queued work is made of (waiting behind that
				    * work would leave the pipe empty later) */
};

#define MFA_HTTP_REQUEST_INIT { .scope = MFA_SCOPE_IDENTITY_READ }

/* A token source (graph/auth.h has one). The engine asks it, from inside
 * its loop, before each attempt of a request that carries Authorization
 * (refresh = 0: so it can refresh ahead of expiry), and with refresh = 1
 * once per 401 wave (the token in use was refused): requests that got a
 * 401 on a token already replaced are retried without asking again. It
 * must never block or wait. It returns
 *   MFA_HTTP_AUTH_READY: *bearer is the Authorization value to send
 *       ("Bearer ..."), owned by ctx, valid until the next call. It may
 *       have started a token request in the background (a refresh ahead
 *       of expiry); then it calls mfa_http_auth_settle when that ends;
 *   MFA_HTTP_AUTH_PENDING: no usable token yet; the source has submitted
 *       a token request to h (mfa_http_submit with token = 1) and calls
 *       mfa_http_auth_settle when it ends. Until then the engine holds
 *       every request that needs a token (held, not failed, not charged to
 *       its scope) and keeps the others flowing;
 *   -1: no token can be had; err says why (never a secret or the token).
 *       The engine stops (see mfa_http_run). */
typedef int (*mfa_http_auth_fn)(void *ctx, struct mfa_http *h, int refresh,
				const char **bearer, struct mfa_err *err);

#define MFA_HTTP_AUTH_READY 0
#define MFA_HTTP_AUTH_PENDING 1

/* What a token source calls when a token request it submitted has ended:
 * renewed = 1 when there is a new token (a 401 on the old one is then
 * answered by retrying with it); failure non-NULL when no token can be
 * had: the engine stops as if the source had returned -1 (a request held
 * after its 401 finishes with that 401, the other held ones are
 * cancelled). Otherwise the held requests go back to the front of their
 * queues and ask the source again. Safe to call from a done callback. */
void mfa_http_auth_settle(struct mfa_http *h, int renewed, const struct mfa_err *failure);

/* Creates an engine. opts may be NULL for the defaults. A proxy URL that
 * cannot be parsed fails here (naming proxy.source, not the value). Calls
 * curl_global_init (reference counted by libcurl; call it from main before
 * any thread starts if the program has threads). */
int mfa_http_new(struct mfa_http **out, const struct mfa_http_options *opts,
		 struct mfa_err *err);

/* Cancels whatever is still queued or in flight (their callbacks run with
 * cancelled = 1) and frees the engine. NULL is fine. */
void mfa_http_free(struct mfa_http *h);

/* Sets the token source; fn NULL sends no Authorization header. */
void mfa_http_set_auth(struct mfa_http *h, mfa_http_auth_fn fn, void *ctx);

/* From now on only requests to url's origin (scheme, host and port: the
 * Graph base URL) may carry the token: mfa_http_submit refuses any other
 * URL that would get Authorization (a nextLink, or a URL built from an
 * answer, pointing elsewhere), so the token never reaches another host.
 * Token requests and no_auth requests are not affected. 0, or -1 with err
 * (a URL that cannot be parsed). */
int mfa_http_set_token_origin(struct mfa_http *h, const char *url, struct mfa_err *err);

/* Queues a request (copying everything in *req). The URL must pass
 * mfa_cloud_check_url (https, or http to loopback). Returns 0 and then
 * calls req->done exactly once later, from mfa_http_run/step/free; or -1
 * with err set and no callback. */
int mfa_http_submit(struct mfa_http *h, const struct mfa_http_request *req,
		    struct mfa_err *err);

#define MFA_HTTP_INTERRUPTED 1

/* One turn of the loop: admits what may start, waits at most timeout_ms
 * for network activity or the next ready time, and handles finished
 * attempts (callbacks run here). Returns 1 while work remains, 0 when
 * everything is finished (check mfa_http_interrupted), -1 when the token
 * source failed (err set; everything is finished too). For callers that
 * interleave other work; mfa_http_run is this in a loop. */
int mfa_http_step(struct mfa_http *h, int timeout_ms, struct mfa_err *err);

/* Runs the loop until all submitted work (including work submitted by
 * callbacks) is done. Returns 0; or MFA_HTTP_INTERRUPTED after
 * mfa_http_stop: nothing new was started, in-flight requests finished, the
 * rest were cancelled (callbacks with cancelled = 1); or -1 when the token
 * source failed (err says why, e.g. "sign-in failed: invalid_client: ..."):
 * in-flight requests finished and the rest were cancelled. */
int mfa_http_run(struct mfa_http *h, struct mfa_err *err);

/* Asks the loop to stop admitting and finish. Only sets a flag
 * (sig_atomic_t), so it is safe to call from a signal handler; the loop
 * notices within 200 ms. */
void mfa_http_stop(struct mfa_http *h);

/* As mfa_http_stop, and requests in flight are not waited for either:
 * the loop ends them as cancelled (callbacks with cancelled = 1) within
 * 200 ms. What a second Ctrl-C calls. Safe in a signal handler. */
void mfa_http_abort(struct mfa_http *h);

/* Nonzero once mfa_http_stop was called. */
int mfa_http_interrupted(const struct mfa_http *h);

struct mfa_http_scope_stats {
	unsigned long pauses;      /* scope pauses (429, or 503 with Retry-After) */
	double paused_seconds;
	unsigned long slowdowns;   /* x-ms-throttle-limit-percentage > 0.8 seen */
	double units;              /* units spent */
	unsigned peak_target;      /* highest in-flight target (graph/concurrency.h) */
	unsigned target;           /* the target now */
	unsigned long target_shrinks; /* shrinks on 429 or rising latency */
};

/* Token requests (mfa_http_request.token) are not counted here: their
 * source counts them (mfa_auth_token_requests). */
struct mfa_http_stats {
	unsigned long submitted;
	unsigned long succeeded;   /* final status 2xx/3xx */
	unsigned long failed;      /* final error (HTTP or transport) */
	unsigned long cancelled;
	unsigned long attempts;    /* requests actually sent, retries included */
	unsigned long retries;
	unsigned long throttled;   /* 429 answers (and 424: a $batch throttled whole) */
	unsigned long server_errors; /* 5xx answers */
	unsigned long transport_errors;
	unsigned long auth_refreshes;
	unsigned long long bytes_received; /* body bytes, after decompression */
	unsigned long long bytes_sent;     /* body bytes */
	unsigned peak_in_flight;
	const char *http_version;  /* "2", "1.1", ...: the highest HTTP version that
				    * carried a Graph answer; NULL before any. Static. */
	unsigned long items_throttled; /* $batch items answered 429 (mfa_http_note_items) */
	unsigned long item_retries;    /* $batch items sent again */
	struct mfa_http_scope_stats scope[MFA_SCOPE__COUNT];
};

/* Counts what happened to the items inside a $batch reply of `scope`,
 * which the engine itself only sees as one 200 (graph/requirements.h
 * calls it). Throttled items shrink the scope's in-flight target like a
 * 429 of the envelope. */
void mfa_http_note_items(struct mfa_http *h, int scope, unsigned long throttled,
			 unsigned long retried);

/* Copies the counters so far into *out (for summary.json). */
void mfa_http_stats(const struct mfa_http *h, struct mfa_http_stats *out);

/* The engine's retry policy (what --attempts set), for callers that
 * retry parts of a request themselves ($batch items). */
const struct mfa_retry_policy *mfa_http_retry_policy(const struct mfa_http *h);

/* Pauses a whole scope for `seconds` from now (never shortening a pause):
 * what a throttled $batch item's Retry-After asks for, since Graph
 * throttles items like requests. Counted in the scope's stats. */
void mfa_http_pause_scope(struct mfa_http *h, int scope, double seconds);

/* The limiter of a scope, to tune or inspect it (tests). NULL if out of range. */
struct mfa_throttle *mfa_http_limiter(struct mfa_http *h, int scope);

#endif
