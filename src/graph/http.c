/* http.c - the HTTP engine (graph/http.h).
 *
 * Life of a request: mfa_http_submit copies it into a `struct xfer` and
 * appends it to its scope's queue. Each mfa_http_step:
 *   1. moves delayed transfers (backoff) whose time has come to the front
 *      of their scope's queue;
 *   2. starts token requests (outside the worker count), then admits
 *      queue heads while a worker slot is free and the scope's limiter is
 *      ready; a head that needs a token the source does not have yet goes
 *      to `held` instead, uncharged, until mfa_http_auth_settle (the
 *      limiter is charged at admission, through throttle.c);
 *   3. lets curl work, then handles every finished attempt: stats, the
 *      throttle headers, then mfa_retry_decide, whose answer is applied
 *      here (pause the scope, delay this request, ask for a new token and
 *      hold it) or the request is finished and its callback runs;
 *   4. sleeps in curl_multi_poll until network activity or the earliest
 *      time something could be admitted.
 * Ordering within a scope is FIFO, retries and requests marked `first`
 * (a listing's next page) at the front.
 */
#include "graph/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "graph/cloud.h"
#include "graph/concurrency.h"

#define POLL_CAP_MS 200

struct xfer {
	struct xfer *next;
	struct mfa_http *h;

	/* the request, copied */
	char *method;
	char *url;
	struct curl_slist *headers;
	char *body;
	size_t body_len;
	int scope;
	double cost;
	int no_auth;
	int sensitive;
	int not_idempotent;
	int token;           /* a token request (see mfa_http_request.token) */
	size_t max_body;
	long timeout_s;
	char *trace_name;
	char cid[40];        /* client-request-id: one GUID per request, every attempt */
	int proxied;         /* goes through the proxy (see proxy_wanted) */
	char target[272];    /* host:port of the tunnel, for messages (proxied only) */
	mfa_http_done_fn done;
	void *ctx;

	/* progress */
	double submitted;
	double start_at;     /* backoff: not before this */
	double started;      /* this attempt */
	unsigned attempts;
	int auth_refreshed;
	int got_401;         /* held for a new token after a 401: its answer is kept */
	unsigned auth_gen;   /* engine's token generation this attempt used */
	CURL *easy;
	struct curl_slist *sent;
	char errbuf[CURL_ERROR_SIZE];

	/* this attempt's response */
	char *buf;
	size_t len, cap;
	int too_big;
	char content_type[128];
	char retry_after[64];
	char pct[32];
	char ru[32];
	char tscope[128];
	char request_id[80];
	char *location;
	long status;
	int curl_code;
	long proxy_status;   /* the proxy's answer to CONNECT when not 2xx; else 0 */
};

struct queue {
	struct xfer *head, *tail;
};

struct mfa_http {
	struct mfa_http_options o;
	char *user_agent;
	char *ca_file;
	char token_origin[512];    /* "" or the only origin the token may go to */
	char *proxy_url;           /* NULL: all direct; may hold credentials (wiped) */
	char *no_proxy;
	char proxy_shown[320];     /* "'http://host:port' (https_proxy)": no credentials */
	CURLM *multi;
	struct mfa_throttle lim[MFA_SCOPE__COUNT];
	struct mfa_conc conc[MFA_SCOPE__COUNT]; /* in-flight target per scope */
	unsigned scope_in_flight[MFA_SCOPE__COUNT];
	struct queue q[MFA_SCOPE__COUNT];
	struct queue tokq;         /* token requests: started first, outside `workers` */
	struct queue held;         /* requests waiting for a token (auth_pending) */
	struct xfer *delayed;      /* unsorted: retries are few */
	int http_rank;             /* rank of st.http_version (note_http_version) */
	struct xfer *running;      /* in flight (at most `workers` and each scope's
				    * target, plus token requests) */
	unsigned in_flight;        /* requests in flight, token requests not counted */
	unsigned token_in_flight;
	unsigned rr;               /* round-robin start among scopes */
	mfa_http_auth_fn auth;
	void *auth_ctx;
	unsigned auth_gen;
	int auth_pending;          /* the token source said PENDING: hold what needs a token */
	volatile sig_atomic_t stop;
	volatile sig_atomic_t abort_now; /* mfa_http_abort: end in-flight requests too */
	int fatal;
	int closing;
	struct mfa_err fatal_err;
	uint64_t rng;
	struct mfa_http_stats st;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: jitter needs spread, not secrecy */
static double prng(void *ctx)
{
	uint64_t *s = ctx;

	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double)((*s * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ---- proxies -------------------------------------------------------- */

/* Checks a proxy URL (no scheme: http, as libcurl reads one) and stores
 * in h->proxy_url the form libcurl gets and in h->proxy_shown the form
 * messages show: scheme, host and port only, never user or password. */
static int proxy_setup(struct mfa_http *h, const struct mfa_http_proxy *p, struct mfa_err *err)
{
	static const char *const schemes[] = { "http", "https", "socks4", "socks4a", "socks5",
					       "socks5h" };
	const char *src = p->source && *p->source ? p->source : "proxy setting";
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLU *u = NULL;
	size_t i, need;
	int rc = -1, known = 0;

	if (p->no_proxy && *p->no_proxy && !(h->no_proxy = dup_str(p->no_proxy)))
		return mfa_err_set(err, "out of memory");
	if (!p->url || !*p->url)
		return 0;
	need = strlen(p->url) + sizeof("http://");
	if (!(h->proxy_url = malloc(need)) || !(u = curl_url())) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	snprintf(h->proxy_url, need, "%s%s", strstr(p->url, "://") ? "" : "http://", p->url);
	if (curl_url_set(u, CURLUPART_URL, h->proxy_url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		mfa_err_set(err, "the proxy in %s is not a URL like 'http://proxy.example:3128': fix or unset it",
			    src);
		goto cleanup;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		known |= !strcasecmp(scheme, schemes[i]);
	if (!known) {
		mfa_err_set(err, "the proxy in %s has scheme '%s': use http, https, socks4 or socks5",
			    src, scheme);
		goto cleanup;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		port = NULL;
	snprintf(h->proxy_shown, sizeof(h->proxy_shown), "'%s://%s%s%s' (%s)", scheme, host,
		 port ? ":" : "", port ? port : "", src);
	rc = 0;
cleanup:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* Nonzero when the address text a (no brackets) lies in the range r
 * ("10.0.0.0/8", "fd00::/8" or a plain address). */
static int ip_in_range(const char *a, const char *r)
{
	unsigned char ha[16], ra[16];
	char net[64];
	const char *slash = strchr(r, '/');
	size_t nlen = slash ? (size_t)(slash - r) : strlen(r);
	int len, bits, i;
	char *end = NULL;

	if (nlen == 0 || nlen >= sizeof(net))
		return 0;
	memcpy(net, r, nlen);
	net[nlen] = '\0';
	if (inet_pton(AF_INET, a, ha) == 1 && inet_pton(AF_INET, net, ra) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, a, ha) == 1 && inet_pton(AF_INET6, net, ra) == 1)
		len = 16;
	else
		return 0;
	bits = len * 8;
	if (slash) {
		long b = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || b < 0 || b > len * 8)
			return 0;
		bits = (int)b;
	}
	for (i = 0; i < bits / 8; i++)
		if (ha[i] != ra[i])
			return 0;
	if (bits % 8) {
		unsigned char m = (unsigned char)(0xffu << (8 - bits % 8));
		if ((ha[i] & m) != (ra[i] & m))
			return 0;
	}
	return 1;
}

/* Nonzero when host (as in a URL: an IPv6 address in brackets) is named
 * by the no-proxy list (syntax in graph/http.h). */
static int no_proxy_names(const char *list, const char *host)
{
	char hb[256], tok[256];
	const char *p = list;
	size_t hl = strlen(host), tl;

	if (!list)
		return 0;
	if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
		host++;
		hl -= 2;
	}
	while (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (hl == 0 || hl >= sizeof(hb))
		return 0;
	memcpy(hb, host, hl);
	hb[hl] = '\0';
	while (*p) {
		const char *t;
		p += strspn(p, ", \t");
		t = p;
		p += strcspn(p, ", \t");
		tl = (size_t)(p - t);
		if (tl == 0 || tl >= sizeof(tok))
			continue;
		memcpy(tok, t, tl);
		tok[tl] = '\0';
		if (!strcmp(tok, "*"))
			return 1;
		if (tok[0] == '[' && tok[tl - 1] == ']' && tl > 2) {
			memmove(tok, tok + 1, tl - 2);
			tok[tl -= 2] = '\0';
		}
		if (ip_in_range(hb, tok))
			return 1;
		t = tok;
		while (*t == '.')
			t++;
		tl = strlen(t);
		while (tl > 0 && t[tl - 1] == '.')
			tl--;
		if (tl == 0)
			continue;
		if (hl == tl && !strncasecmp(hb, t, tl))
			return 1;
		if (hl > tl && hb[hl - tl - 1] == '.' && !strncasecmp(hb + hl - tl, t, tl))
			return 1;
	}
	return 0;
}

/* Whether a request to url goes through the proxy: only https, only to a
 * host that is neither loopback nor named in no_proxy. Sets x->target
 * (host:port) when it does. Anything unreadable goes direct: the URL was
 * already checked (https, or http to loopback) at submit. */
static int proxy_wanted(const struct mfa_http *h, const char *url, struct xfer *x)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLU *u;
	int via = 0;

	if (!h->proxy_url || !(u = curl_url()))
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    !strcasecmp(scheme, "https") && !mfa_cloud_is_loopback_host(host) &&
	    !no_proxy_names(h->no_proxy, host)) {
		via = 1;
		snprintf(x->target, sizeof(x->target), "%s:%s", host, port);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return via;
}

static void q_push(struct queue *q, struct xfer *x)
{
	x->next = NULL;
	if (q->tail)
		q->tail->next = x;
	else
		q->head = x;
	q->tail = x;
}

static void q_push_front(struct queue *q, struct xfer *x)
{
	x->next = q->head;
	q->head = x;
	if (!q->tail)
		q->tail = x;
}

static struct xfer *q_pop(struct queue *q)
{
	struct xfer *x = q->head;

	if (x) {
		q->head = x->next;
		if (!q->head)
			q->tail = NULL;
		x->next = NULL;
	}
	return x;
}

/* One request more (+1) or less (-1) in flight. */
static void count_in_flight(struct mfa_http *h, const struct xfer *x, int d)
{
	if (x->token) {
		h->token_in_flight += (unsigned)d;
	} else {
		h->in_flight += (unsigned)d;
		h->scope_in_flight[x->scope] += (unsigned)d;
	}
}

static void xfer_reset_response(struct xfer *x)
{
	if (x->buf && x->token)
		OPENSSL_cleanse(x->buf, x->len); /* an access token */
	free(x->buf);
	x->buf = NULL;
	x->len = x->cap = 0;
	x->too_big = 0;
	x->content_type[0] = x->retry_after[0] = x->pct[0] = x->ru[0] = '\0';
	x->tscope[0] = x->request_id[0] = '\0';
	free(x->location);
	x->location = NULL;
	x->status = 0;
	x->curl_code = 0;
	x->proxy_status = 0;
	x->errbuf[0] = '\0';
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->easy) {
		curl_multi_remove_handle(x->h->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->sent);
	curl_slist_free_all(x->headers);
	xfer_reset_response(x);
	free(x->method);
	free(x->url);
	if (x->body && x->token)
		OPENSSL_cleanse(x->body, x->body_len); /* a secret or an assertion */
	free(x->body);
	free(x->trace_name);
	free(x);
}

/* ---- curl callbacks ------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	size_t n = size * nmemb;

	if (n > x->max_body - x->len || x->len > x->max_body) {
		x->too_big = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (x->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 16384;
		char *nb;
		while (cap < x->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
		nb = realloc(x->buf, cap);
		if (!nb)
			return 0;
		x->buf = nb;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

static void keep_header(char *dst, size_t dstsz, const char *v, size_t vlen)
{
	if (vlen >= dstsz)
		vlen = dstsz - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	size_t n = size * nmemb, nlen, vlen;
	const char *colon, *v, *end = data + n;

	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* a new response (after a 100 Continue): forget the last one's */
		x->content_type[0] = x->retry_after[0] = x->pct[0] = x->ru[0] = '\0';
		x->tscope[0] = x->request_id[0] = '\0';
		free(x->location);
		x->location = NULL;
		return n;
	}
	colon = memchr(data, ':', n);
	if (!colon)
		return n;
	nlen = (size_t)(colon - data);
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
			   end[-1] == '\t'))
		end--;
	vlen = (size_t)(end - v);
#define IS(name) (nlen == sizeof(name) - 1 && !strncasecmp(data, name, nlen))
	if (IS("retry-after"))
		keep_header(x->retry_after, sizeof(x->retry_after), v, vlen);
	else if (IS("x-ms-throttle-limit-percentage"))
		keep_header(x->pct, sizeof(x->pct), v, vlen);
	else if (IS("x-ms-resource-unit"))
		keep_header(x->ru, sizeof(x->ru), v, vlen);
	else if (IS("x-ms-throttle-scope"))
		keep_header(x->tscope, sizeof(x->tscope), v, vlen);
	else if (IS("content-type"))
		keep_header(x->content_type, sizeof(x->content_type), v, vlen);
	else if (IS("request-id"))
		keep_header(x->request_id, sizeof(x->request_id), v, vlen);
	else if (IS("location") && vlen < 16384) {
		free(x->location);
		x->location = malloc(vlen + 1);
		if (x->location)
			keep_header(x->location, vlen + 1, v, vlen);
	}
#undef IS
	return n;
}

/* ---- engine lifecycle ---------------------------------------------- */

int mfa_http_new(struct mfa_http **out, const struct mfa_http_options *opts,
		 struct mfa_err *err)
{
	static const struct mfa_http_options defaults = MFA_HTTP_OPTIONS_INIT;
	struct mfa_http *h = NULL;
	struct timespec ts;
	int i;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return mfa_err_set(err, "cannot initialise libcurl");
	h = calloc(1, sizeof(*h));
	if (!h) {
		curl_global_cleanup();
		return mfa_err_set(err, "out of memory");
	}
	h->o = opts ? *opts : defaults;
	if (h->o.workers == 0)
		h->o.workers = defaults.workers;
	if (h->o.connect_timeout_s <= 0)
		h->o.connect_timeout_s = defaults.connect_timeout_s;
	if (h->o.timeout_s <= 0)
		h->o.timeout_s = defaults.timeout_s;
	if (h->o.max_body == 0)
		h->o.max_body = defaults.max_body;
	if (h->o.retry.max_attempts == 0)
		h->o.retry = defaults.retry;
	h->user_agent = dup_str(h->o.user_agent ? h->o.user_agent : "mfa-migrate");
	h->ca_file = h->o.ca_file ? dup_str(h->o.ca_file) : NULL;
	h->o.user_agent = h->user_agent;
	h->o.ca_file = h->ca_file;
	memset(&h->o.proxy, 0, sizeof(h->o.proxy)); /* not kept: copied into h */
	if (proxy_setup(h, opts ? &opts->proxy : &defaults.proxy, err) < 0) {
		mfa_http_free(h);
		return -1;
	}
	mfa_throttle_apply_limits(h->o.limits, h->lim);
	h->o.limits = NULL; /* not kept: copied into the limiters */
	for (i = 0; i < MFA_SCOPE__COUNT; i++)
		mfa_conc_init(&h->conc[i], h->o.workers_start, h->o.workers);
	clock_gettime(CLOCK_REALTIME, &ts);
	h->rng = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^
		 (uint64_t)(uintptr_t)h;
	if (!h->rng)
		h->rng = 88172645463325252ULL;
	h->multi = curl_multi_init();
	if (!h->user_agent || (h->o.ca_file && !h->ca_file) || !h->multi) {
		mfa_http_free(h);
		return mfa_err_set(err, "out of memory");
	}
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	/* with HTTP/1.1 each in-flight request needs its own connection:
	 * never open more than the ceiling of requests in flight (the
	 * scopes' targets stay below it), plus one for a token request
	 * (which may go to the same host); HTTP/2 multiplexes them */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)h->o.workers + 1);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)h->o.workers + 1);
	*out = h;
	return 0;
}

static void finish(struct xfer *x, int cancelled);

static void cancel_waiting(struct mfa_http *h);

void mfa_http_free(struct mfa_http *h)
{
	struct xfer *x;

	if (!h)
		return;
	h->closing = 1; /* submits from the callbacks below are refused */
	while ((x = h->running) != NULL) {
		h->running = x->next;
		count_in_flight(h, x, -1);
		finish(x, 1);
	}
	cancel_waiting(h);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->user_agent);
	free(h->ca_file);
	if (h->proxy_url)
		OPENSSL_cleanse(h->proxy_url, strlen(h->proxy_url)); /* may hold a password */
	free(h->proxy_url);
	free(h->no_proxy);
	free(h);
	curl_global_cleanup();
}

void mfa_http_set_auth(struct mfa_http *h, mfa_http_auth_fn fn, void *ctx)
{
	h->auth = fn;
	h->auth_ctx = ctx;
}

void mfa_http_stop(struct mfa_http *h)
{
	if (h)
		h->stop = 1;
}

void mfa_http_abort(struct mfa_http *h)
{
	if (h) {
		h->abort_now = 1;
		h->stop = 1;
	}
}

/* Ends every request in flight as cancelled (mfa_http_abort): a hung
 * answer is not waited for. The caller cannot know whether a write
 * landed, which is what its journal's intent lines are for. */
static void abort_running(struct mfa_http *h)
{
	struct xfer *x;

	while ((x = h->running) != NULL) {
		h->running = x->next;
		x->next = NULL;
		count_in_flight(h, x, -1);
		finish(x, 1); /* xfer_free takes the handle out of the multi */
	}
}

int mfa_http_interrupted(const struct mfa_http *h)
{
	return h && h->stop;
}

struct mfa_throttle *mfa_http_limiter(struct mfa_http *h, int scope)
{
	return scope >= 0 && scope < MFA_SCOPE__COUNT ? &h->lim[scope] : NULL;
}

void mfa_http_stats(const struct mfa_http *h, struct mfa_http_stats *out)
{
	int i;

	*out = h->st;
	for (i = 0; i < MFA_SCOPE__COUNT; i++) {
		out->scope[i].pauses = h->lim[i].pauses;
		out->scope[i].paused_seconds = h->lim[i].paused_seconds;
		out->scope[i].slowdowns = h->lim[i].slowdowns;
		out->scope[i].units = h->lim[i].units_taken;
		out->scope[i].peak_target = h->conc[i].peak;
		out->scope[i].target = mfa_conc_target(&h->conc[i]);
		out->scope[i].target_shrinks = h->conc[i].shrinks;
	}
}

/* A random (version 4) GUID for client-request-id, from OpenSSL's CSPRNG
 * (the engine's jitter PRNG if that fails: it needs to be unique, not
 * secret). */
static void new_request_id(struct mfa_http *h, char out[40])
{
	unsigned char b[16];
	size_t i;

	if (RAND_bytes(b, sizeof(b)) != 1)
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(prng(&h->rng) * 256.0);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 40,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}

static void set_fatal(struct mfa_http *h, const struct mfa_err *e)
{
	if (h->fatal)
		return;
	h->fatal = 1;
	snprintf(h->fatal_err.msg, sizeof(h->fatal_err.msg), "%s",
		 e && e->msg[0] ? e->msg : "sign-in failed");
}

int mfa_http_set_token_origin(struct mfa_http *h, const char *url, struct mfa_err *err)
{
	if (mfa_cloud_origin(url, h->token_origin, sizeof(h->token_origin)) < 0) {
		h->token_origin[0] = '\0';
		return mfa_err_set(err, "'%s' is not a URL the token can be tied to", url ? url : "");
	}
	return 0;
}

int mfa_http_submit(struct mfa_http *h, const struct mfa_http_request *req,
		    struct mfa_err *err)
{
	const char *method = req->method ? req->method : "GET";
	const char *const *hp;
	struct xfer *x = NULL;
	size_t i, mlen = strlen(method);
	int rc = -1;

	if (h->closing) {
		mfa_err_set(err, "the http engine is shutting down");
		goto cleanup;
	}
	if (!req->url || !req->done || req->scope < 0 || req->scope >= MFA_SCOPE__COUNT) {
		mfa_err_set(err, "invalid request (no URL, no callback or unknown scope)");
		goto cleanup;
	}
	if (mlen == 0 || mlen > 16) {
		mfa_err_set(err, "invalid HTTP method");
		goto cleanup;
	}
	for (i = 0; i < mlen; i++) {
		if (method[i] < 'A' || method[i] > 'Z') {
			mfa_err_set(err, "invalid HTTP method '%s'", method);
			goto cleanup;
		}
	}
	/* the transport rule (https, or http to loopback), checked on every
	 * request whoever built its URL; a token request may also go to the
	 * Azure metadata address (managed identity), which is plain http */
	if (mfa_cloud_check_url(req->url, err) < 0) {
		struct mfa_err e2 = MFA_ERR_INIT;
		if (!req->token || mfa_cloud_check_imds_url(req->url, &e2) < 0)
			goto cleanup;
	}
	if (h->token_origin[0] && !req->no_auth && !req->token) {
		char origin[sizeof(h->token_origin)];

		if (mfa_cloud_origin(req->url, origin, sizeof(origin)) < 0 ||
		    strcmp(origin, h->token_origin) != 0) {
			mfa_err_set(err, "refusing to send the access token to '%s': it is not Microsoft Graph's '%s' (an answer pointed elsewhere; nothing was sent)",
				    mfa_cloud_origin(req->url, origin, sizeof(origin)) < 0 ? "?" : origin,
				    h->token_origin);
			goto cleanup;
		}
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		goto oom;
	x->h = h;
	x->method = dup_str(method);
	x->url = dup_str(req->url);
	if (!x->method || !x->url)
		goto oom;
	for (hp = req->headers; hp && *hp; hp++) {
		struct curl_slist *n;
		if (strpbrk(*hp, "\r\n") || !strchr(*hp, ':')) {
			mfa_err_set(err, "invalid request header");
			goto cleanup;
		}
		n = curl_slist_append(x->headers, *hp);
		if (!n)
			goto oom;
		x->headers = n;
	}
	if (req->body && req->body_len) {
		if (req->body_len == SIZE_MAX)
			goto oom;
		x->body = malloc(req->body_len + 1);
		if (!x->body)
			goto oom;
		memcpy(x->body, req->body, req->body_len);
		x->body[req->body_len] = '\0';
		x->body_len = req->body_len;
	}
	if (req->trace_name && !(x->trace_name = dup_str(req->trace_name)))
		goto oom;
	x->token = req->token;
	if (!x->token)
		new_request_id(h, x->cid);
	x->scope = x->token ? MFA_SCOPE_UNTHROTTLED : req->scope;
	x->cost = req->cost > 0 ? req->cost : mfa_throttle_cost(method, req->url);
	x->no_auth = req->no_auth || x->token;
	x->sensitive = req->sensitive;
	x->not_idempotent = req->not_idempotent;
	x->max_body = req->max_body && req->max_body < h->o.max_body ? req->max_body
								   : h->o.max_body;
	x->timeout_s = req->timeout_s > 0 ? req->timeout_s : h->o.timeout_s;
	x->proxied = proxy_wanted(h, x->url, x);
	x->done = req->done;
	x->ctx = req->ctx;
	x->submitted = mono_now();
	if (req->delay_s > 0) {
		x->start_at = x->submitted + req->delay_s;
		x->next = h->delayed;
		h->delayed = x;
	} else if (req->first) {
		q_push_front(x->token ? &h->tokq : &h->q[x->scope], x);
	} else {
		q_push(x->token ? &h->tokq : &h->q[x->scope], x);
	}
	if (!x->token)
		h->st.submitted++;
	x = NULL;
	rc = 0;
	goto cleanup;
oom:
	mfa_err_set(err, "out of memory");
cleanup:
	xfer_free(x);
	return rc;
}

/* ---- finishing ----------------------------------------------------- */

static void lower_first(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
}

/* "code: message" from a Graph error body, or "error: description" from
 * an OAuth one; empty when the body says nothing readable. */
static void body_error(char *dst, size_t n, const struct xfer *x)
{
	cJSON *root = NULL;
	const cJSON *e, *code, *msg;

	dst[0] = '\0';
	if (!x->buf || x->len == 0 || x->len > (1u << 20))
		return;
	root = cJSON_ParseWithLength(x->buf, x->len);
	if (!root)
		return;
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (cJSON_IsObject(e)) {
		code = cJSON_GetObjectItemCaseSensitive(e, "code");
		msg = cJSON_GetObjectItemCaseSensitive(e, "message");
		snprintf(dst, n, "%s%s%s", cJSON_IsString(code) ? code->valuestring : "",
			 cJSON_IsString(code) && cJSON_IsString(msg) ? ": " : "",
			 cJSON_IsString(msg) ? msg->valuestring : "");
	} else if (cJSON_IsString(e)) {
		msg = cJSON_GetObjectItemCaseSensitive(root, "error_description");
		snprintf(dst, n, "%s%s%s", e->valuestring, cJSON_IsString(msg) ? ": " : "",
			 cJSON_IsString(msg) ? msg->valuestring : "");
	}
	cJSON_Delete(root);
}

static void error_text(char *dst, size_t n, const struct xfer *x, int cancelled)
{
	char detail[384];
	char tries[96];

	/* the id Microsoft support asks for, with every failure shown */
	snprintf(tries, sizeof(tries), " (after %u attempt%s%s%s)", x->attempts,
		 x->attempts == 1 ? "" : "s", x->cid[0] ? "; client-request-id " : "", x->cid);
	if (x->too_big) {
		snprintf(dst, n, "response larger than %zu bytes", x->max_body);
	} else if (x->proxy_status) {
		snprintf(dst, n, "proxy %s %s the tunnel to '%s': http %ld; check the proxy's rules, or name the host in no_proxy%s",
			 x->h->proxy_shown, x->proxy_status < 500 ? "refused" : "could not open",
			 x->target, x->proxy_status, tries);
	} else if (x->curl_code) {
		snprintf(detail, sizeof(detail), "%s",
			 x->errbuf[0] ? x->errbuf : curl_easy_strerror((CURLcode)x->curl_code));
		lower_first(detail);
		snprintf(dst, n, "%s%s%s%s%s", detail, x->proxied ? " (through proxy " : "",
			 x->proxied ? x->h->proxy_shown : "", x->proxied ? ")" : "", tries);
	} else if (x->status >= 400 || (x->attempts > 0 && x->status < 200)) {
		body_error(detail, sizeof(detail), x);
		snprintf(dst, n, "http %ld%s%s%s", x->status, detail[0] ? ": " : "", detail, tries);
	} else {
		dst[0] = '\0';
	}
	if (cancelled) {
		char last[512];
		snprintf(last, sizeof(last), "%s", dst);
		if (x->h->fatal)
			snprintf(dst, n, "not completed: %s", x->h->fatal_err.msg);
		else
			snprintf(dst, n, "interrupted%s%s", last[0] ? " after: " : "", last);
	}
}

static void finish(struct xfer *x, int cancelled)
{
	struct mfa_http *h = x->h;
	struct mfa_http_response r;
	char err[512];

	memset(&r, 0, sizeof(r));
	error_text(err, sizeof(err), x, cancelled);
	r.method = x->method;
	r.url = x->url;
	r.status = x->status;
	r.body = x->buf ? x->buf : "";
	r.body_len = x->len;
#define HDR(f) ((f)[0] ? (f) : NULL)
	r.content_type = HDR(x->content_type);
	r.retry_after = HDR(x->retry_after);
	r.throttle_percentage = HDR(x->pct);
	r.resource_unit = HDR(x->ru);
	r.throttle_scope = HDR(x->tscope);
	r.request_id = HDR(x->request_id);
	r.client_request_id = HDR(x->cid);
#undef HDR
	r.location = x->location;
	r.curl_code = x->curl_code;
	r.too_large = x->too_big;
	r.error = err[0] ? err : NULL;
	r.attempts = x->attempts;
	r.seconds = mono_now() - x->submitted;
	r.cancelled = cancelled;
	if (x->token)
		; /* the token source counts its own requests */
	else if (cancelled)
		h->st.cancelled++;
	else if (r.error)
		h->st.failed++;
	else
		h->st.succeeded++;
	x->done(x->ctx, &r);
	xfer_free(x);
}

/* Cancels everything not in flight. A cancelled token request tells its
 * source, which may hand held requests back to the queues: so round again
 * until nothing is left. */
static void cancel_waiting(struct mfa_http *h)
{
	struct xfer *x;
	int i, more = 1;

	while (more) {
		more = 0;
		while ((x = q_pop(&h->tokq)) != NULL) {
			finish(x, 1);
			more = 1;
		}
		while ((x = q_pop(&h->held)) != NULL) {
			finish(x, 1);
			more = 1;
		}
		for (i = 0; i < MFA_SCOPE__COUNT; i++)
			while ((x = q_pop(&h->q[i])) != NULL) {
				finish(x, 1);
				more = 1;
			}
		while ((x = h->delayed) != NULL) {
			h->delayed = x->next;
			finish(x, 1);
			more = 1;
		}
	}
}

/* ---- starting an attempt ------------------------------------------- */

/* One line per finished attempt; `paused` names the limiter a pause went
 * to ("identity-write (Tenant/Write)"), when the decision pauses one. */
static void trace_line(const struct xfer *x, double now, const struct mfa_retry_decision *d,
		       const char *paused)
{
	const char *shown = x->trace_name ? x->trace_name : x->url;
	const char *q = x->sensitive && !x->trace_name ? strchr(x->url, '?') : NULL;
	int ulen = q ? (int)(q - x->url) : (int)strlen(shown);
	char what[160], line[1024];
	int n;

	if (!x->h->o.trace)
		return;
	if (x->token) {
		snprintf(line, sizeof(line), "%s %s -> %ld %.0f ms attempt %u (token request)",
			 x->method, x->trace_name ? x->trace_name : x->url,
			 x->curl_code && !x->too_big ? 0L : x->status, (now - x->started) * 1000.0,
			 x->attempts);
		x->h->o.trace(x->h->o.trace_ctx, line);
		return;
	}
	if (x->too_big)
		snprintf(what, sizeof(what), "body over %zu bytes", x->max_body);
	else if (x->proxy_status)
		snprintf(what, sizeof(what), "proxy answered %ld", x->proxy_status);
	else if (x->curl_code)
		snprintf(what, sizeof(what), "error (%s)", curl_easy_strerror((CURLcode)x->curl_code));
	else
		snprintf(what, sizeof(what), "%ld", x->status);
	n = snprintf(line, sizeof(line), "%s %.*s -> %s %.0f ms attempt %u cid %s", x->method,
		     ulen, shown, what, (now - x->started) * 1000.0, x->attempts, x->cid);
	if (d && d->retry && n > 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, " (retry in %.3f s%s%s: %s)", d->delay_s,
			 d->pause_scope ? ", paused " : "", d->pause_scope ? paused : "", d->why);
	x->h->o.trace(x->h->o.trace_ctx, line);
}

static int set_method(CURL *e, const struct xfer *x)
{
	int rc = 0;

	if (!strcmp(x->method, "GET") && !x->body) {
		rc |= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		return rc;
	}
	if (!strcmp(x->method, "HEAD"))
		return curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	if (x->body || !strcmp(x->method, "POST") || !strcmp(x->method, "PATCH") ||
	    !strcmp(x->method, "PUT")) {
		rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body ? x->body : "");
		rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	}
	if (strcmp(x->method, "POST"))
		rc |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	return rc;
}

/* Starts one attempt of x with Authorization: bearer (NULL: none). On
 * failure x is finished (callback run). */
static void start(struct mfa_http *h, struct xfer *x, const char *bearer, double now)
{
	struct curl_slist *l = NULL, *n, *hp;
	char *authline = NULL;
	CURL *c = NULL;
	int bad = 0;

	xfer_reset_response(x);
	for (hp = x->headers; hp; hp = hp->next) {
		if (!(n = curl_slist_append(l, hp->data)))
			goto oom;
		l = n;
	}
	if (bearer) {
		size_t need = strlen(bearer) + sizeof("Authorization: ");
		authline = malloc(need);
		if (!authline)
			goto oom;
		snprintf(authline, need, "Authorization: %s", bearer);
		n = curl_slist_append(l, authline);
		/* the copy in the list is freed with it; wipe ours now */
		memset(authline, 0, need);
		if (!n)
			goto oom;
		l = n;
	}
	if (x->cid[0]) {
		char line[64];
		snprintf(line, sizeof(line), "client-request-id: %s", x->cid);
		if (!(n = curl_slist_append(l, line)))
			goto oom;
		l = n;
	}
	/* no "Expect: 100-continue" round trip before a $batch body */
	if (!(n = curl_slist_append(l, "Expect:")))
		goto oom;
	l = n;

	c = curl_easy_init();
	if (!c)
		goto oom;
	bad |= curl_easy_setopt(c, CURLOPT_URL, x->url);
	bad |= curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)x);
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)x);
	bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)x);
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, l);
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->o.connect_timeout_s);
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT, x->timeout_s);
	bad |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	/* curl refuses early when Content-Length already says too much */
	bad |= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
	/* wait for a connection that can multiplex rather than open another */
	bad |= curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
	if (h->o.http2)
		bad |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	else
		bad |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (h->ca_file)
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	/* Both set on every transfer, so libcurl never falls back to the
	 * environment's http_proxy/ALL_PROXY/no_proxy: "" is direct, and the
	 * no-proxy list was applied already (proxy_wanted). */
	bad |= curl_easy_setopt(c, CURLOPT_PROXY, x->proxied ? h->proxy_url : "");
	bad |= curl_easy_setopt(c, CURLOPT_NOPROXY, "");
	/* TLS verification stays at libcurl's default: on. */
	bad |= set_method(c, x);
	if (bad) {
		snprintf(x->errbuf, sizeof(x->errbuf), "libcurl refused a transfer option");
		x->curl_code = CURLE_FAILED_INIT;
		goto fail;
	}
	if (curl_multi_add_handle(h->multi, c) != CURLM_OK) {
		snprintf(x->errbuf, sizeof(x->errbuf), "libcurl could not start the transfer");
		x->curl_code = CURLE_FAILED_INIT;
		goto fail;
	}
	x->easy = c;
	x->sent = l;
	x->started = now;
	x->attempts++;
	x->auth_gen = h->auth_gen;
	x->next = h->running;
	h->running = x;
	count_in_flight(h, x, 1);
	if (!x->token) {
		if (h->in_flight > h->st.peak_in_flight)
			h->st.peak_in_flight = h->in_flight;
		h->st.attempts++;
		h->st.bytes_sent += x->body_len;
	}
	free(authline);
	return;
oom:
	snprintf(x->errbuf, sizeof(x->errbuf), "out of memory");
	x->curl_code = CURLE_OUT_OF_MEMORY;
fail:
	free(authline);
	if (c)
		curl_easy_cleanup(c);
	curl_slist_free_all(l);
	finish(x, 0);
}

/* The Authorization value for x, or NULL when it carries none. Returns 0;
 * 1 when x now waits in `held` for a token; -1 when no token can be had
 * (the engine is stopping, x is finished). */
static int bearer_for(struct mfa_http *h, struct xfer *x, const char **bearer)
{
	struct mfa_err e = MFA_ERR_INIT;
	int rc;

	*bearer = NULL;
	if (x->no_auth || !h->auth)
		return 0;
	if (!h->auth_pending) {
		rc = h->auth(h->auth_ctx, h, 0, bearer, &e);
		if (rc == MFA_HTTP_AUTH_READY && *bearer)
			return 0;
		if (rc != MFA_HTTP_AUTH_PENDING) {
			set_fatal(h, &e);
			finish(x, 1);
			return -1;
		}
		h->auth_pending = 1;
	}
	q_push(&h->held, x);
	return 1;
}

/* Token requests first, outside the workers count: whatever needs a
 * token waits for them. */
static void admit_tokens(struct mfa_http *h, double now)
{
	struct xfer *x;

	while (!h->fatal && !h->stop && (x = q_pop(&h->tokq)) != NULL)
		start(h, x, NULL, now);
}

static void admit(struct mfa_http *h, double now)
{
	const char *bearer;
	int i;

	admit_tokens(h, now);
	for (i = 0; i < MFA_SCOPE__COUNT && h->in_flight < h->o.workers; i++) {
		int s = (int)((h->rr + (unsigned)i) % MFA_SCOPE__COUNT);
		int capped = 0, held = 0;
		struct xfer *x;

		while (h->in_flight < h->o.workers && !h->fatal && (x = h->q[s].head) != NULL) {
			if (mfa_throttle_ready_at(&h->lim[s], x->cost, now) > now) {
				held = 1;
				break;
			}
			if (h->scope_in_flight[s] >= mfa_conc_target(&h->conc[s])) {
				capped = 1;
				break;
			}
			q_pop(&h->q[s]);
			/* the token first: a request held for one is not charged */
			if (bearer_for(h, x, &bearer) != 0)
				continue;
			mfa_throttle_take(&h->lim[s], x->cost, now);
			start(h, x, bearer, now);
		}
		/* what held this scope back: its target (latency binds) or
		 * its limiter (the rate binds) */
		if (h->q[s].head)
			mfa_conc_admission(&h->conc[s], capped, held, now);
	}
	h->rr = (h->rr + 1) % MFA_SCOPE__COUNT;
	admit_tokens(h, now); /* asked for just now, by the token source */
}

static void promote_delayed(struct mfa_http *h, double now)
{
	struct xfer **pp = &h->delayed, *x;

	while ((x = *pp) != NULL) {
		if (x->start_at <= now) {
			*pp = x->next;
			q_push_front(x->token ? &h->tokq : &h->q[x->scope], x);
		} else {
			pp = &x->next;
		}
	}
}

/* ---- a finished attempt -------------------------------------------- */

static void unlink_running(struct mfa_http *h, struct xfer *x)
{
	struct xfer **pp;

	for (pp = &h->running; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			x->next = NULL;
			count_in_flight(h, x, -1);
			return;
		}
	}
}

/* A finished attempt of a token request: the token endpoint's retry rule,
 * scheduled by time like any other retry, never slept. */
static void token_attempt_done(struct mfa_http *h, struct xfer *x, double now)
{
	struct mfa_retry_input in;
	struct mfa_retry_decision d;

	memset(&in, 0, sizeof(in));
	in.kind = MFA_RETRY_TOKEN;
	in.status = x->status;
	in.curl_code = x->too_big ? 0 : x->curl_code;
	in.has_retry_after = mfa_retry_parse_after(x->retry_after[0] ? x->retry_after : NULL,
						   time(NULL), &in.retry_after_s) == 0;
	in.attempt = x->attempts;
	if (x->too_big) {
		memset(&d, 0, sizeof(d));
		d.why = "response too large";
	} else if (x->proxy_status >= 400 && x->proxy_status < 500) {
		/* the proxy's rule will not change by asking again */
		memset(&d, 0, sizeof(d));
		d.why = "refused by the proxy";
	} else {
		mfa_retry_decide(NULL, &in, NULL, NULL, &d);
	}
	trace_line(x, now, &d, NULL);
	if (!d.retry) {
		finish(x, 0);
		return;
	}
	if (h->stop || h->fatal) {
		finish(x, 1);
		return;
	}
	x->start_at = now + d.delay_s;
	if (d.delay_s > 0) {
		x->next = h->delayed;
		h->delayed = x;
	} else {
		q_push_front(&h->tokq, x);
	}
}


/* The highest HTTP version that carried a Graph answer (summary.json's
 * graph.httpVersion). */
static void note_http_version(struct mfa_http *h, CURL *easy)
{
	static const struct { long v; int rank; const char *name; } vs[] = {
		{ CURL_HTTP_VERSION_1_0, 1, "1.0" },
		{ CURL_HTTP_VERSION_1_1, 2, "1.1" },
		{ CURL_HTTP_VERSION_2_0, 3, "2" },
#ifdef CURL_HTTP_VERSION_3
		{ CURL_HTTP_VERSION_3, 4, "3" },
#endif
	};
	long v = 0;
	size_t i;

	if (curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &v) != CURLE_OK)
		return;
	for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++)
		if (vs[i].v == v && vs[i].rank > h->http_rank) {
			h->http_rank = vs[i].rank;
			h->st.http_version = vs[i].name;
		}
}

static void attempt_done(struct mfa_http *h, CURL *easy, CURLcode result)
{
	struct mfa_retry_input in;
	struct mfa_retry_decision d;
	struct mfa_throttle_scope_info si;
	enum mfa_graph_scope paused;
	char pdesc[96] = "";
	int si_ok;
	struct mfa_throttle *lim;
	char *p = NULL;
	struct xfer *x;
	double now = mono_now();

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p);
	x = (struct xfer *)(void *)p;
	if (!x)
		return;
	lim = &h->lim[x->scope];
	unlink_running(h, x);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &x->status);
	x->curl_code = (int)result;
	if (x->status > 0 && !x->token)
		note_http_version(h, easy);
	curl_multi_remove_handle(h->multi, easy);
	curl_easy_cleanup(easy);
	x->easy = NULL;
	curl_slist_free_all(x->sent);
	x->sent = NULL;
	if (result == CURLE_FILESIZE_EXCEEDED)
		x->too_big = 1;
	if (x->proxied && result != CURLE_OK) {
		long pc = 0;
		curl_easy_getinfo(easy, CURLINFO_HTTP_CONNECTCODE, &pc);
		if (pc && (pc < 200 || pc > 299)) {
			x->proxy_status = pc;
			x->status = 0; /* no answer from the server itself */
		}
	}
	if (x->token) {
		token_attempt_done(h, x, now);
		return;
	}

	h->st.bytes_received += x->len;
	/* the scope's in-flight target learns from every answer */
	if (x->status == 429 || x->status == 424) /* 424: a throttled $batch (older docs) */
		mfa_conc_throttled(&h->conc[x->scope], now);
	else if (x->status > 0)
		mfa_conc_done(&h->conc[x->scope], now - x->started, now);
	if (x->status == 429 || x->status == 424)
		h->st.throttled++;
	else if (x->status >= 500 && x->status <= 599)
		h->st.server_errors++;
	if (result != CURLE_OK && !x->too_big)
		h->st.transport_errors++;

	/* what the server says about our budget */
	mfa_throttle_observe_reply(lim, x->pct[0] ? x->pct : NULL, x->ru[0] ? x->ru : NULL,
				   x->cost, now);

	memset(&in, 0, sizeof(in));
	in.status = x->status;
	in.curl_code = x->too_big ? 0 : (int)result;
	in.has_retry_after = mfa_retry_parse_after(x->retry_after[0] ? x->retry_after : NULL,
						   time(NULL), &in.retry_after_s) == 0;
	in.attempt = x->attempts;
	/* without a token source a 401 cannot be helped by retrying */
	in.auth_refreshed = x->auth_refreshed || x->no_auth || !h->auth;
	in.not_idempotent = x->not_idempotent;
	in.retries_used = h->st.retries;
	if (x->too_big) {
		memset(&d, 0, sizeof(d));
		d.why = "response too large";
	} else if (x->proxy_status >= 400 && x->proxy_status < 500) {
		/* the proxy's rule will not change by asking again */
		memset(&d, 0, sizeof(d));
		d.why = "refused by the proxy";
	} else {
		mfa_retry_decide(&h->o.retry, &in, h->o.rand ? h->o.rand : prng,
				 h->o.rand ? h->o.rand_ctx : (void *)&h->rng, &d);
	}
	/* A throttled answer names the limit it hit (x-ms-throttle-scope):
	 * a tenant-wide write limit or the app's cross-tenant quota holds the
	 * write scope, whichever request ran into it. */
	paused = (enum mfa_graph_scope)x->scope;
	si_ok = x->tscope[0] && mfa_throttle_parse_scope(x->tscope, &si) == 0;
	if (d.pause_scope && si_ok)
		paused = mfa_throttle_scope_for(&si, (enum mfa_graph_scope)x->scope);
	if (d.pause_scope)
		mfa_throttle_scope_describe(pdesc, sizeof(pdesc), paused, si_ok ? &si : NULL);
	trace_line(x, now, &d, pdesc);
	if (!d.retry) {
		finish(x, 0);
		return;
	}
	if (h->stop || h->fatal) {
		finish(x, 1);
		return;
	}
	if (d.refresh_auth) {
		/* one refresh per wave of 401s: a request that used a token
		 * already replaced just retries with the new one, and one that
		 * comes back while a new token is on its way waits for it */
		if (x->auth_gen == h->auth_gen && !h->auth_pending) {
			struct mfa_err e = MFA_ERR_INIT;
			const char *b = NULL;
			int rc = h->auth(h->auth_ctx, h, 1, &b, &e);

			if (rc == MFA_HTTP_AUTH_READY && b) {
				h->auth_gen++; /* a source with a new token at hand */
			} else if (rc == MFA_HTTP_AUTH_PENDING) {
				h->auth_pending = 1;
			} else {
				set_fatal(h, &e);
				finish(x, 0);
				return;
			}
			h->st.auth_refreshes++;
		}
		x->auth_refreshed = 1;
		if (h->auth_pending) {
			/* counted as a retry when it goes out (mfa_http_auth_settle) */
			x->got_401 = 1;
			q_push(&h->held, x);
			return;
		}
	}
	if (d.pause_scope)
		mfa_throttle_pause(&h->lim[paused], now + d.delay_s, now);
	h->st.retries++;
	x->start_at = now + d.delay_s;
	if (d.delay_s > 0) {
		x->next = h->delayed;
		h->delayed = x;
	} else {
		q_push_front(&h->q[x->scope], x);
	}
}

void mfa_http_auth_settle(struct mfa_http *h, int renewed, const struct mfa_err *failure)
{
	struct queue back[MFA_SCOPE__COUNT];
	struct xfer *x;
	int i;

	h->auth_pending = 0;
	if (renewed)
		h->auth_gen++;
	if (failure) {
		set_fatal(h, failure);
		/* a request that got its 401 finishes with it; the rest never went */
		while ((x = q_pop(&h->held)) != NULL)
			finish(x, !x->got_401);
		return;
	}
	/* back to the front of their queues, in the order they came */
	memset(back, 0, sizeof(back));
	while ((x = q_pop(&h->held)) != NULL) {
		if (x->got_401) {
			x->got_401 = 0;
			h->st.retries++;
		}
		q_push(&back[x->scope], x);
	}
	for (i = 0; i < MFA_SCOPE__COUNT; i++) {
		if (!back[i].head)
			continue;
		back[i].tail->next = h->q[i].head;
		if (!h->q[i].head)
			h->q[i].tail = back[i].tail;
		h->q[i].head = back[i].head;
	}
}

/* ---- the loop -------------------------------------------------------- */

static int idle(const struct mfa_http *h)
{
	int i;

	if (h->in_flight || h->token_in_flight || h->delayed || h->tokq.head || h->held.head)
		return 0;
	for (i = 0; i < MFA_SCOPE__COUNT; i++)
		if (h->q[i].head)
			return 0;
	return 1;
}

int mfa_http_step(struct mfa_http *h, int timeout_ms, struct mfa_err *err)
{
	double now, wake = INFINITY;
	int running = 0, left, i, wait_ms;
	const struct xfer *x;
	CURLMsg *m;

	if (h->closing)
		return 0;
	now = mono_now();
	promote_delayed(h, now);
	if (!h->stop && !h->fatal)
		admit(h, now);
	curl_multi_perform(h->multi, &running);
	while ((m = curl_multi_info_read(h->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE)
			attempt_done(h, m->easy_handle, m->data.result);

	if (h->stop || h->fatal) {
		if (h->abort_now)
			abort_running(h);
		if (h->in_flight || h->token_in_flight)
			goto wait;
		cancel_waiting(h);
		if (h->fatal) {
			mfa_err_set(err, "%s", h->fatal_err.msg);
			return -1;
		}
		return 0;
	}
	if (idle(h))
		return 0;
wait:
	now = mono_now();
	if (h->tokq.head && !h->stop && !h->fatal)
		wake = now;
	if (h->in_flight < h->o.workers && !h->stop && !h->fatal)
		for (i = 0; i < MFA_SCOPE__COUNT; i++)
			if (h->q[i].head &&
			    h->scope_in_flight[i] < mfa_conc_target(&h->conc[i])) {
				/* (a scope at its target wakes on an answer) */
				double t = mfa_throttle_ready_at(&h->lim[i], h->q[i].head->cost, now);
				if (t < wake)
					wake = t;
			}
	for (x = h->delayed; x; x = x->next)
		if (x->start_at < wake)
			wake = x->start_at;
	wait_ms = timeout_ms < 0 ? 0 : timeout_ms;
	if (isfinite(wake)) {
		double ms = ceil((wake - now) * 1000.0);
		if (ms < wait_ms)
			wait_ms = ms > 0 ? (int)ms : 0;
	}
	if (wait_ms > 0)
		curl_multi_poll(h->multi, NULL, 0, wait_ms, NULL);
	return 1;
}

int mfa_http_run(struct mfa_http *h, struct mfa_err *err)
{
	int rc;

	while ((rc = mfa_http_step(h, POLL_CAP_MS, err)) == 1)
		;
	if (rc < 0)
		return -1;
	return h->stop ? MFA_HTTP_INTERRUPTED : 0;
}

void mfa_http_pause_scope(struct mfa_http *h, int scope, double seconds)
{
	double now = mono_now();

	if (scope < 0 || scope >= MFA_SCOPE__COUNT || seconds <= 0)
		return;
	mfa_throttle_pause(&h->lim[scope], now + seconds, now);
}

const struct mfa_retry_policy *mfa_http_retry_policy(const struct mfa_http *h)
{
	return &h->o.retry;
}

void mfa_http_note_items(struct mfa_http *h, int scope, unsigned long throttled,
			 unsigned long retried)
{
	if (throttled && scope >= 0 && scope < MFA_SCOPE__COUNT)
		mfa_conc_throttled(&h->conc[scope], mono_now());
	h->st.items_throttled += throttled;
	h->st.item_retries += retried;
}
