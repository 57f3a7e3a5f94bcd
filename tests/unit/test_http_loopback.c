/* test_http_loopback.c - the http engine and sign-in against a tiny HTTP
 * server on 127.0.0.1 run by a thread of this test (one thread per
 * connection), serving canned answers by path:
 *   /slow        200 after 50 ms (to overlap requests)
 *   /ok          200
 *   /throttle    first 429 with Retry-After: 0.2, then 200
 *   /flaky503    first 503, then 200
 *   /drop        first: connection closed without an answer, then 200
 *   /auth        200 if "Authorization: Bearer <valid_token>", else 401
 *   /big         5000-byte body
 *   /graphjson   403 with a Graph error body
 *   /{tenant}/oauth2/v2.0/token  token endpoint, behaviour by tenant:
 *                good, cert (needs a client assertion), bad (invalid_client),
 *                echo (echoes the secret in error_description), down (500);
 *                while slow_tokens > 0, a token answer comes after 2 s
 *                (the server records when that request was open)
 *   /imds        managed identity (needs "Metadata: true")
 *   CONNECT      as a proxy: 403 (logged as "CONNECT host:port"); a
 *                request sent to it as to a proxy is logged with its
 *                absolute URL ("http://127.0.0.1:port/ok") and gets 404
 * The server records when each request arrived and how many connections
 * and requests were open at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "graph/auth.h"
#include "graph/http.h"
#include "graph/requirements.h"

#define SECRET "Zx9~TopSecretValue.42"
#define CERT_PASSWORD "cert-Pa55-QWERTY"
#define MAX_LOG 256

struct hit {
	char path[128];
	char cid[64];   /* its client-request-id header, "" if none */
	double t;
};

static struct server {
	int fd;
	int port;
	pthread_t thread;
	volatile int stop;
	pthread_mutex_t mu;
	int conns, peak_conns, active, peak_active, threads;
	int count_throttle, count_503, count_drop, count_wq, count_batch, tokens_issued;
	int slow_tokens;             /* token answers still to delay by 2 s */
	double slow_token_start, slow_token_end; /* when the slow one was open */
	char valid_token[64];
	char last_form[4096];
	char last_auth[256];
	struct hit log[MAX_LOG];
	int nlog;
} S;

/* strcasestr is a GNU extension; the build is POSIX */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return hay;
	return NULL;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int respond(int fd, int status, const char *extra, const char *body)
{
	char head[512];
	size_t blen = strlen(body);

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
		 status, blen, extra ? extra : "");
	if (send_all(fd, head, strlen(head)) < 0)
		return -1;
	return send_all(fd, body, blen);
}

/* Reads one request; returns its length or -1. */
static int read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0, need = 0;
	char *end;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;
		if (S.stop)
			return -1;
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end && !need) {
			const char *cl = find_ci(buf, "\r\nContent-Length:");
			need = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (need && len >= need)
			return (int)len;
		if (len + 1 >= cap)
			return -1;
	}
}

static const char *header_value(const char *req, const char *name, char *out, size_t n)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	p = find_ci(req, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	e = strstr(p, "\r\n");
	snprintf(out, n, "%.*s", (int)(e - p), p);
	return out;
}

static int serve_token(int fd, const char *path, const char *req)
{
	const char *body = strstr(req, "\r\n\r\n") + 4;
	char reply[1024];
	int n, slow, rc;

	pthread_mutex_lock(&S.mu);
	snprintf(S.last_form, sizeof(S.last_form), "%s", body);
	pthread_mutex_unlock(&S.mu);
	if (!strncmp(path, "/bad/", 5))
		return respond(fd, 401, NULL,
			       "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\\r\\nTrace ID: 0000\\r\\nCorrelation ID: 1111\",\"error_codes\":[7000215]}");
	if (!strncmp(path, "/echo/", 6))
		return respond(fd, 400, NULL,
			       "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS90002: the value " SECRET " is not valid\"}");
	if (!strncmp(path, "/down/", 6))
		return respond(fd, 500, NULL, "{}");
	if (!strncmp(path, "/cert/", 6) &&
	    (!strstr(body, "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer") ||
	     !strstr(body, "client_assertion=ey") || strstr(body, "client_secret")))
		return respond(fd, 400, NULL, "{\"error\":\"invalid_request\",\"error_description\":\"no assertion\"}");
	if (!strncmp(path, "/good/", 6) && !strstr(body, "client_secret=Zx9~TopSecretValue.42"))
		return respond(fd, 401, NULL, "{\"error\":\"invalid_client\",\"error_description\":\"wrong secret\"}");
	pthread_mutex_lock(&S.mu);
	n = ++S.tokens_issued;
	slow = S.slow_tokens > 0;
	if (slow) {
		S.slow_tokens--;
		S.slow_token_start = mono();
	}
	pthread_mutex_unlock(&S.mu);
	if (slow)
		sleep_ms(2000);
	snprintf(reply, sizeof(reply),
		 "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"tok-%d\"}", n);
	rc = respond(fd, 200, NULL, reply);
	if (slow) {
		pthread_mutex_lock(&S.mu);
		S.slow_token_end = mono();
		pthread_mutex_unlock(&S.mu);
	}
	return rc;
}

static int serve_batch(int fd, const char *req);

static int serve(int fd, const char *req)
{
	char method[16], path[256], auth[256], md[32];
	int first;

	if (sscanf(req, "%15s %255s", method, path) != 2)
		return -1;
	pthread_mutex_lock(&S.mu);
	if (S.nlog < MAX_LOG) {
		snprintf(S.log[S.nlog].path, sizeof(S.log[0].path), "%s%s",
			 strcmp(method, "CONNECT") ? "" : "CONNECT ", path);
		S.log[S.nlog].t = mono();
		if (!header_value(req, "client-request-id", S.log[S.nlog].cid, sizeof(S.log[0].cid)))
			S.log[S.nlog].cid[0] = '\0';
		S.nlog++;
	}
	if (header_value(req, "Authorization", auth, sizeof(auth)))
		snprintf(S.last_auth, sizeof(S.last_auth), "%s", auth);
	pthread_mutex_unlock(&S.mu);

	if (!strcmp(method, "CONNECT")) {
		respond(fd, 403, NULL, "");
		return -1; /* and close, as a proxy does after refusing */
	}
	if (strstr(path, "/oauth2/v2.0/token"))
		return serve_token(fd, path, req);
	if (!strncmp(path, "/imds", 5)) {
		if (!header_value(req, "Metadata", md, sizeof(md)) || strcmp(md, "true"))
			return respond(fd, 400, NULL, "{\"error\":\"invalid_request\"}");
		return respond(fd, 200, NULL,
			       "{\"access_token\":\"mi-token\",\"expires_in\":\"3599\",\"token_type\":\"Bearer\"}");
	}
	if (!strcmp(path, "/slow")) {
		sleep_ms(50);
		return respond(fd, 200, NULL, "{\"ok\":true}");
	}
	if (!strcmp(path, "/ok"))
		return respond(fd, 200, NULL, "{\"ok\":true}");
	if (!strcmp(path, "/throttle")) {
		pthread_mutex_lock(&S.mu);
		first = S.count_throttle++ == 0;
		pthread_mutex_unlock(&S.mu);
		if (first)
			return respond(fd, 429, "Retry-After: 0.2\r\nx-ms-throttle-limit-percentage: 1.0\r\n",
				       "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}}");
		return respond(fd, 200, NULL, "{\"ok\":true}");
	}
	if (!strcmp(path, "/beta/$batch"))
		return serve_batch(fd, req);
	if (!strcmp(path, "/writequota")) { /* the tenant's write limit, hit by a read */
		pthread_mutex_lock(&S.mu);
		first = S.count_wq++ == 0;
		pthread_mutex_unlock(&S.mu);
		if (first)
			return respond(fd, 429, "Retry-After: 0.2\r\nx-ms-throttle-scope: Tenant/Write/app-1/tenant-1\r\n",
				       "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}}");
		return respond(fd, 200, NULL, "{\"ok\":true}");
	}
	if (!strcmp(path, "/flaky503")) {
		pthread_mutex_lock(&S.mu);
		first = S.count_503++ == 0;
		pthread_mutex_unlock(&S.mu);
		return first ? respond(fd, 503, NULL, "{}") : respond(fd, 200, NULL, "{\"ok\":true}");
	}
	if (!strcmp(path, "/drop")) {
		pthread_mutex_lock(&S.mu);
		first = S.count_drop++ == 0;
		pthread_mutex_unlock(&S.mu);
		return first ? -1 : respond(fd, 200, NULL, "{\"ok\":true}");
	}
	if (!strcmp(path, "/auth")) {
		char want[128];
		pthread_mutex_lock(&S.mu);
		snprintf(want, sizeof(want), "Bearer %s", S.valid_token);
		pthread_mutex_unlock(&S.mu);
		if (header_value(req, "Authorization", auth, sizeof(auth)) && !strcmp(auth, want))
			return respond(fd, 200, NULL, "{\"ok\":true}");
		return respond(fd, 401, NULL,
			       "{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":\"Access token has expired.\"}}");
	}
	if (!strcmp(path, "/big")) {
		static char big[5001];
		memset(big, 'x', 5000);
		return respond(fd, 200, NULL, big);
	}
	if (!strcmp(path, "/graphjson"))
		return respond(fd, 403, NULL,
			       "{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}");
	return respond(fd, 404, NULL, "{}");
}

/* $batch of requirement reads: the first envelope is answered 424 as a
 * whole (a throttled batch, as older docs have it), the second answers
 * item "1" 424 (failed dependency) and the rest 200, then all 200. */
static int serve_batch(int fd, const char *req)
{
	const char *p = strstr(req, "\r\n\r\n");
	char body[8192];
	size_t n = 0;
	int k;

	pthread_mutex_lock(&S.mu);
	k = S.count_batch++;
	pthread_mutex_unlock(&S.mu);
	if (k == 0)
		return respond(fd, 424, "Retry-After: 0.1\r\n",
			       "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"throttled\"}}");
	n += (size_t)snprintf(body + n, sizeof(body) - n, "{\"responses\":[");
	while (p && (p = strstr(p, "\"id\":\"")) != NULL) {
		int id = (int)strtol(p + 6, NULL, 10);
		const char *url = strstr(p, "\"url\":\"");
		int gone = url && !strncmp(url + 7, "/users/gone/", 12); /* a user that is not there */
		p += 6;
		n += (size_t)snprintf(body + n, sizeof(body) - n,
				      "%s{\"id\":\"%d\",\"status\":%d,\"body\":%s}", body[n - 1] == '[' ? "" : ",", id,
				      gone ? 404 : k == 1 && id == 1 ? 424 : 200,
				      gone ? "{\"error\":{\"code\":\"Request_ResourceNotFound\",\"message\":\"no such user\"}}"
				      : k == 1 && id == 1 ? "{\"error\":{\"code\":\"FailedDependency\"}}"
							: "{\"perUserMfaState\":\"disabled\"}");
	}
	snprintf(body + n, sizeof(body) - n, "]}");
	return respond(fd, 200, NULL, body);
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(65536);

	for (;;) {
		int rc;
		if (read_request(fd, buf, 65536) < 0)
			break;
		pthread_mutex_lock(&S.mu);
		if (++S.active > S.peak_active)
			S.peak_active = S.active;
		pthread_mutex_unlock(&S.mu);
		rc = serve(fd, buf);
		pthread_mutex_lock(&S.mu);
		S.active--;
		pthread_mutex_unlock(&S.mu);
		if (rc < 0)
			break;
	}
	free(buf);
	close(fd);
	pthread_mutex_lock(&S.mu);
	S.conns--;
	S.threads--;
	pthread_mutex_unlock(&S.mu);
	return NULL;
}

static void *accept_main(void *arg)
{
	(void)arg;
	while (!S.stop) {
		struct pollfd p = { S.fd, POLLIN, 0 };
		pthread_t t;
		int c;
		if (poll(&p, 1, 50) <= 0)
			continue;
		c = accept(S.fd, NULL, NULL);
		if (c < 0)
			continue;
		pthread_mutex_lock(&S.mu);
		if (++S.conns > S.peak_conns)
			S.peak_conns = S.conns;
		S.threads++;
		pthread_mutex_unlock(&S.mu);
		if (pthread_create(&t, NULL, conn_main, (void *)(intptr_t)c) != 0) {
			close(c);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

static int server_start(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread */
	memset(&S, 0, sizeof(S));
	pthread_mutex_init(&S.mu, NULL);
	if ((S.fd = tu_listen_loopback(&S.port)) < 0)
		return -1;
	return pthread_create(&S.thread, NULL, accept_main, NULL) == 0 ? 0 : -1;
}

static int server_stop(void **state)
{
	int i;

	(void)state;
	S.stop = 1;
	pthread_join(S.thread, NULL);
	for (i = 0; i < 100; i++) { /* connection threads notice within 100 ms */
		int n;
		pthread_mutex_lock(&S.mu);
		n = S.threads;
		pthread_mutex_unlock(&S.mu);
		if (!n)
			break;
		sleep_ms(10);
	}
	close(S.fd);
	curl_global_cleanup();
	return 0;
}

static void reset_counts(void)
{
	pthread_mutex_lock(&S.mu);
	S.peak_conns = S.conns;
	S.peak_active = 0;
	S.count_throttle = S.count_503 = S.count_drop = S.count_wq = S.count_batch = 0;
	S.nlog = 0;
	pthread_mutex_unlock(&S.mu);
}

static char *url_of(const char *path)
{
	static char buf[8][256];
	static int k;
	char *u = buf[k++ % 8];

	snprintf(u, 256, "http://127.0.0.1:%d%s", S.port, path);
	return u;
}

/* ---- engine tests -------------------------------------------------- */

struct result {
	long status;
	unsigned attempts;
	int cancelled;
	int calls;
	char error[512];
	char cid[64];         /* the client-request-id it sent */
	struct mfa_http *h;   /* for callbacks that stop or submit */
	int stop_on_done;
};

static void on_done(void *ctx, const struct mfa_http_response *r)
{
	struct result *res = ctx;

	res->status = r->status;
	res->attempts = r->attempts;
	res->cancelled = r->cancelled;
	res->calls++;
	snprintf(res->error, sizeof(res->error), "%s", r->error ? r->error : "");
	snprintf(res->cid, sizeof(res->cid), "%s", r->client_request_id ? r->client_request_id : "");
	if (res->stop_on_done)
		mfa_http_stop(res->h);
}

static double zero_rand(void *ctx)
{
	(void)ctx;
	return 0.0;
}

static struct mfa_http *engine(unsigned workers)
{
	struct mfa_http_options o = MFA_HTTP_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http *h = NULL;

	o.workers = workers;
	o.rand = zero_rand; /* backoff 0: no waiting in tests, except Retry-After */
	o.trace = NULL;
	if (mfa_http_new(&h, &o, &err) < 0)
		fail_msg("%s", err.msg);
	return h;
}

static void submit(struct mfa_http *h, const char *path, int scope, struct result *res)
{
	struct mfa_http_request r = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	r.url = url_of(path);
	r.scope = scope;
	r.done = on_done;
	r.ctx = res;
	res->h = h;
	if (mfa_http_submit(h, &r, &err) < 0)
		fail_msg("submit %s: %s", path, err.msg);
}

static void test_workers_respected(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http_stats st;
	struct result res[12];
	struct mfa_http *h;
	int i;

	(void)state;
	reset_counts();
	memset(res, 0, sizeof(res));
	h = engine(3);
	for (i = 0; i < 12; i++)
		submit(h, "/slow", MFA_SCOPE_UNTHROTTLED, &res[i]);
	assert_int_equal(mfa_http_run(h, &err), 0);
	for (i = 0; i < 12; i++) {
		assert_int_equal(res[i].calls, 1);
		assert_int_equal(res[i].status, 200);
		assert_string_equal(res[i].error, "");
	}
	mfa_http_stats(h, &st);
	assert_int_equal(st.succeeded, 12);
	assert_int_equal(st.attempts, 12);
	assert_true(st.peak_in_flight <= 3);
	assert_true(st.peak_in_flight >= 2); /* it did run in parallel */
	mfa_http_free(h);
	assert_true(S.peak_conns <= 3);
	assert_true(S.peak_active <= 3);
	assert_true(S.peak_active >= 2);
}

/* --workers is a ceiling: each scope starts at MFA_CONC_START in flight
 * and, while only the round trip holds requests back (an unthrottled
 * scope, 50 ms answers), grows past it, never past the ceiling. */
static void test_target_grows_to_ceiling(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http_stats st;
	static struct result res[200];
	struct mfa_http *h;
	int i;

	(void)state;
	reset_counts();
	memset(res, 0, sizeof(res));
	h = engine(24);
	for (i = 0; i < 200; i++)
		submit(h, "/slow", MFA_SCOPE_UNTHROTTLED, &res[i]);
	assert_int_equal(mfa_http_run(h, &err), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(res[i].status, 200);
	mfa_http_stats(h, &st);
	assert_true(st.peak_in_flight > 8);   /* grew past the start */
	assert_true(st.peak_in_flight <= 24); /* never past --workers */
	assert_int_equal(st.scope[MFA_SCOPE_UNTHROTTLED].peak_target, 24);
	assert_int_equal(st.scope[MFA_SCOPE_IDENTITY_READ].peak_target, 8); /* unused */
	mfa_http_free(h);
	assert_true(S.peak_active <= 24);
	assert_true(S.peak_active > 8);
}

/* A 429 with Retry-After: 0.2 pauses the whole scope: nothing of that
 * scope reaches the server for 0.2 s, the request is retried and succeeds. */
static void test_throttle_pauses_scope(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http_stats st;
	struct result t = { 0 }, ok[4];
	struct mfa_http *h;
	double t429 = -1;
	int i, later = 0;

	(void)state;
	reset_counts();
	memset(ok, 0, sizeof(ok));
	h = engine(1);
	submit(h, "/throttle", MFA_SCOPE_IDENTITY_READ, &t);
	for (i = 0; i < 4; i++)
		submit(h, "/ok", MFA_SCOPE_IDENTITY_READ, &ok[i]);
	assert_int_equal(mfa_http_run(h, &err), 0);
	assert_int_equal(t.status, 200);
	assert_int_equal(t.attempts, 2);
	for (i = 0; i < 4; i++)
		assert_int_equal(ok[i].status, 200);
	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.nlog; i++) {
		if (!strcmp(S.log[i].path, "/throttle") && t429 < 0) {
			t429 = S.log[i].t;
		} else if (t429 >= 0) {
			/* 0.19: the server's clock reads a little after curl sent */
			if (S.log[i].t < t429 + 0.19)
				fail_msg("%s arrived %.3f s after the 429", S.log[i].path, S.log[i].t - t429);
			later++;
		}
	}
	pthread_mutex_unlock(&S.mu);
	assert_int_equal(later, 5);
	mfa_http_stats(h, &st);
	assert_int_equal(st.throttled, 1);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.scope[MFA_SCOPE_IDENTITY_READ].pauses, 1);
	assert_true(st.scope[MFA_SCOPE_IDENTITY_READ].paused_seconds > 0.19 &&
		    st.scope[MFA_SCOPE_IDENTITY_READ].paused_seconds < 0.21);
	/* x-ms-throttle-limit-percentage 1.0 was seen: the scope slowed */
	assert_int_equal(st.scope[MFA_SCOPE_IDENTITY_READ].slowdowns, 1);
	mfa_http_free(h);
}

static char traced[4][512];
static int ntraced;

static void keep_trace(void *ctx, const char *line)
{
	(void)ctx;
	if (ntraced < 4)
		snprintf(traced[ntraced++], sizeof(traced[0]), "%s", line);
}

/* A 429 whose x-ms-throttle-scope names the tenant's write limit pauses
 * the write scope, though a read ran into it; the read scope goes on. The
 * trace names the limiter and the request's client-request-id. */
static void test_throttle_scope_string(void **state)
{
	struct mfa_http_options o = MFA_HTTP_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http_stats st;
	struct result t = { 0 };
	struct mfa_http *h = NULL;
	char want[160];

	(void)state;
	reset_counts();
	ntraced = 0;
	o.workers = 2;
	o.rand = zero_rand;
	o.trace = keep_trace;
	if (mfa_http_new(&h, &o, &err) < 0)
		fail_msg("%s", err.msg);
	submit(h, "/writequota", MFA_SCOPE_IDENTITY_READ, &t);
	assert_int_equal(mfa_http_run(h, &err), 0);
	assert_int_equal(t.status, 200);
	assert_int_equal(t.attempts, 2);
	mfa_http_stats(h, &st);
	assert_int_equal(st.scope[MFA_SCOPE_IDENTITY_WRITE].pauses, 1);
	assert_true(st.scope[MFA_SCOPE_IDENTITY_WRITE].paused_seconds > 0.19);
	assert_int_equal(st.scope[MFA_SCOPE_IDENTITY_READ].pauses, 0);
	assert_int_equal(ntraced, 2);
	snprintf(want, sizeof(want), "-> 429 ");
	assert_non_null(strstr(traced[0], want));
	snprintf(want, sizeof(want), " attempt 1 cid %s (retry in 0.200 s, paused identity-write (Tenant/Write): throttled (429))", t.cid);
	if (!strstr(traced[0], want))
		fail_msg("trace '%s' lacks '%s'", traced[0], want);
	snprintf(want, sizeof(want), " attempt 2 cid %s", t.cid);
	assert_non_null(strstr(traced[1], want));
	mfa_http_free(h);
}

struct state_read {
	enum mfa_state state;
	long status;
	unsigned attempts;
	int calls;
	char error[256];
};

static void on_state(void *ctx, const struct mfa_reqs_result *r)
{
	struct state_read *s = ctx;

	s->state = r->state;
	s->status = r->status;
	s->attempts = r->attempts;
	s->calls++;
	snprintf(s->error, sizeof(s->error), "%s", r->error ? r->error : "");
}

/* A $batch answered 424 as a whole is throttled: sent again after its
 * Retry-After, nothing counted done; an item answered 424 goes into the
 * next batch; in the end every read has its answer. */
static void test_batch_424(void **state)
{
	struct mfa_reqs_options ro = MFA_REQS_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http_stats st;
	struct state_read r[4];
	struct mfa_reqs *reqs = NULL;
	struct mfa_http *h;
	char batch_cid[64] = "";
	char base[64];
	int i;

	(void)state;
	reset_counts();
	memset(r, 0, sizeof(r));
	h = engine(4);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", S.port);
	ro.http = h;
	ro.graph_url = base;
	assert_int_equal(mfa_reqs_new(&reqs, &ro, &err), 0);
	for (i = 0; i < 3; i++) {
		char user[16];
		snprintf(user, sizeof(user), "u%d", i);
		assert_int_equal(mfa_reqs_read(reqs, user, on_state, &r[i], &err), 0);
	}
	assert_int_equal(mfa_reqs_read(reqs, "gone", on_state, &r[3], &err), 0);
	assert_int_equal(mfa_reqs_flush(reqs, &err), 0);
	assert_int_equal(mfa_http_run(h, &err), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_string_equal(r[i].error, "");
		assert_int_equal(r[i].state, MFA_STATE_DISABLED);
		assert_int_equal(r[i].status, 200);
		assert_int_equal(r[i].attempts, i == 0 ? 2 : 1);
	}
	/* an item that fails names its $batch's client-request-id, as sent */
	assert_int_equal(r[3].calls, 1);
	assert_int_equal(r[3].status, 404);
	assert_int_equal(r[3].state, MFA_STATE_UNKNOWN);
	assert_non_null(strstr(r[3].error, "http 404: Request_ResourceNotFound: no such user (in $batch client-request-id "));
	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.nlog; i++)
		if (!strcmp(S.log[i].path, "/beta/$batch") && !batch_cid[0])
			snprintf(batch_cid, sizeof(batch_cid), "%s", S.log[i].cid);
	pthread_mutex_unlock(&S.mu);
	assert_int_equal(strlen(batch_cid), 36);
	if (!strstr(r[3].error, batch_cid))
		fail_msg("'%s' lacks '%s'", r[3].error, batch_cid);
	assert_int_equal(S.count_batch, 3);
	mfa_http_stats(h, &st);
	assert_int_equal(st.throttled, 1);    /* the 424 envelope */
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.scope[MFA_SCOPE_IDENTITY_READ].pauses, 1);
	assert_int_equal(st.item_retries, 1); /* the 424 item */
	assert_int_equal(mfa_reqs_retried(reqs), 1);
	mfa_reqs_free(reqs);
	mfa_http_free(h);
}

static void test_503_and_drop_retried(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http_stats st;
	struct result a = { 0 }, b = { 0 }, c = { 0 };
	struct mfa_http *h;
	char want[640];
	int i, drops = 0;

	(void)state;
	reset_counts();
	h = engine(1);
	submit(h, "/drop", MFA_SCOPE_UNTHROTTLED, &a);
	submit(h, "/flaky503", MFA_SCOPE_UNTHROTTLED, &b);
	submit(h, "/graphjson", MFA_SCOPE_UNTHROTTLED, &c);
	assert_int_equal(mfa_http_run(h, &err), 0);
	assert_int_equal(a.status, 200);
	assert_int_equal(a.attempts, 2);
	assert_int_equal(b.status, 200);
	assert_int_equal(b.attempts, 2);
	/* a 403 is final, and its message carries Graph's error */
	assert_int_equal(c.status, 403);
	assert_int_equal(c.attempts, 1);
	snprintf(want, sizeof(want),
		 "http 403: Authorization_RequestDenied: Insufficient privileges to complete the operation. (after 1 attempt; client-request-id %s)",
		 c.cid);
	assert_string_equal(c.error, want);
	/* client-request-id: a random v4 GUID per request, the same on each
	 * of its attempts, as the server received it */
	for (i = 0; i < 3; i++) {
		const char *id = i == 0 ? a.cid : i == 1 ? b.cid : c.cid;
		size_t k;
		assert_int_equal(strlen(id), 36);
		for (k = 0; k < 36; k++)
			if (k == 8 || k == 13 || k == 18 || k == 23)
				assert_int_equal(id[k], '-');
			else
				assert_non_null(strchr("0123456789abcdef", id[k]));
		assert_int_equal(id[14], '4');
		assert_non_null(strchr("89ab", id[19]));
	}
	assert_string_not_equal(a.cid, b.cid);
	assert_string_not_equal(b.cid, c.cid);
	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.nlog; i++) {
		if (!strcmp(S.log[i].path, "/drop")) {
			assert_string_equal(S.log[i].cid, a.cid);
			drops++;
		} else if (!strcmp(S.log[i].path, "/flaky503")) {
			assert_string_equal(S.log[i].cid, b.cid);
		} else if (!strcmp(S.log[i].path, "/graphjson")) {
			assert_string_equal(S.log[i].cid, c.cid);
		}
	}
	pthread_mutex_unlock(&S.mu);
	assert_int_equal(drops, 2); /* both attempts, one id */
	mfa_http_stats(h, &st);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.server_errors, 1);
	assert_int_equal(st.transport_errors, 1);
	assert_int_equal(st.failed, 1);
	mfa_http_free(h);
}

struct fake_auth {
	int refreshes;
	int calls;
	char header[64];
};

/* A token source with a new token always at hand. */
static int fake_bearer(void *ctx, struct mfa_http *h, int refresh, const char **bearer,
		       struct mfa_err *err)
{
	struct fake_auth *a = ctx;

	(void)h;
	(void)err;
	a->calls++;
	if (refresh)
		a->refreshes++;
	snprintf(a->header, sizeof(a->header), "Bearer tok%d", a->refreshes + 1);
	*bearer = a->header;
	return MFA_HTTP_AUTH_READY;
}

/* Five requests in flight all get 401 on the old token: the token is
 * refreshed once, and every request is retried once with the new one. */
static void test_auth_refresh_once(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct fake_auth fa = { 0, 0, "" };
	struct mfa_http_stats st;
	struct result res[5];
	struct mfa_http *h;
	int i;

	(void)state;
	reset_counts();
	snprintf(S.valid_token, sizeof(S.valid_token), "tok2");
	memset(res, 0, sizeof(res));
	h = engine(5);
	mfa_http_set_auth(h, fake_bearer, &fa);
	for (i = 0; i < 5; i++)
		submit(h, "/auth", MFA_SCOPE_UNTHROTTLED, &res[i]);
	assert_int_equal(mfa_http_run(h, &err), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(res[i].status, 200);
		assert_int_equal(res[i].attempts, 2);
	}
	assert_int_equal(fa.refreshes, 1);
	mfa_http_stats(h, &st);
	assert_int_equal(st.auth_refreshes, 1);
	mfa_http_free(h);
}

/* Tied to Graph's origin, the token goes nowhere else: a URL on another
 * port or host (a nextLink pointing away) is refused before anything is
 * sent; token requests and no_auth requests are not tied. */
static void test_token_stays_with_graph(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct fake_auth fa = { 0, 0, "" };
	struct mfa_http_request r = MFA_HTTP_REQUEST_INIT;
	struct result res = { 0 }, other = { 0 };
	struct mfa_http *h;
	char graph[128], elsewhere[160];

	(void)state;
	reset_counts();
	snprintf(S.valid_token, sizeof(S.valid_token), "tok1");
	h = engine(2);
	mfa_http_set_auth(h, fake_bearer, &fa);
	snprintf(graph, sizeof(graph), "%s", url_of(""));
	assert_int_equal(mfa_http_set_token_origin(h, graph, &err), 0);
	submit(h, "/auth", MFA_SCOPE_UNTHROTTLED, &res); /* Graph's own origin: sent */
	/* the same host on another port, and another host: refused */
	snprintf(elsewhere, sizeof(elsewhere), "http://127.0.0.1:1/v1.0/users");
	r.done = on_done;
	r.ctx = &other;
	r.url = elsewhere;
	assert_int_equal(mfa_http_submit(h, &r, &err), -1);
	assert_non_null(strstr(err.msg, "refusing to send the access token to 'http://127.0.0.1:1'"));
	r.url = "https://graph.example.net/v1.0/users?$skiptoken=x";
	assert_int_equal(mfa_http_submit(h, &r, &err), -1);
	/* without a token it may go (a webhook's own engine does the same) */
	r.url = elsewhere;
	r.no_auth = 1;
	assert_int_equal(mfa_http_submit(h, &r, &err), 0);
	assert_int_equal(mfa_http_run(h, &err), 0);
	assert_int_equal(res.status, 200);
	assert_int_equal(other.calls, 1);
	mfa_http_free(h);
}

static void test_refused_urls_and_size_cap(void **state)
{
	struct mfa_http_options o = MFA_HTTP_OPTIONS_INIT;
	struct mfa_http_request r = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct result res = { 0 }, mi = { 0 };
	struct mfa_http *h = NULL;

	(void)state;
	o.max_body = 1000;
	o.trace = NULL;
	assert_int_equal(mfa_http_new(&h, &o, &err), 0);
	r.done = on_done;
	r.ctx = &res;
	r.url = "http://graph.microsoft.com/v1.0/users";
	assert_int_equal(mfa_http_submit(h, &r, &err), -1);
	assert_non_null(strstr(err.msg, "refusing plain http"));
	r.url = "file:///etc/passwd";
	assert_int_equal(mfa_http_submit(h, &r, &err), -1);

	r.url = url_of("/big");
	assert_int_equal(mfa_http_submit(h, &r, &err), 0);
	assert_int_equal(mfa_http_run(h, &err), 0);
	assert_int_equal(res.calls, 1);
	assert_string_equal(res.error, "response larger than 1000 bytes");
	/* the Azure metadata address is plain http: only a token request may
	 * go there (it is cancelled by mfa_http_free here, never sent) */
	r.url = "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com/";
	assert_int_equal(mfa_http_submit(h, &r, &err), -1);
	r.token = 1;
	r.ctx = &mi;
	assert_int_equal(mfa_http_submit(h, &r, &err), 0);
	r.url = "http://169.254.169.254/other";
	assert_int_equal(mfa_http_submit(h, &r, &err), -1);
	mfa_http_free(h);
	assert_int_equal(mi.calls, 1);
	assert_int_equal(mi.cancelled, 1);
	assert_int_equal(mi.attempts, 0);
}

/* Stop from a callback: nothing new starts, what is in flight finishes,
 * the rest is cancelled, every callback runs exactly once. */
static void test_stop(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct result res[10];
	struct mfa_http *h;
	int i, done = 0, cancelled = 0;

	(void)state;
	reset_counts();
	memset(res, 0, sizeof(res));
	h = engine(2);
	for (i = 0; i < 10; i++)
		submit(h, "/slow", MFA_SCOPE_UNTHROTTLED, &res[i]);
	res[0].stop_on_done = 1;
	assert_int_equal(mfa_http_run(h, &err), MFA_HTTP_INTERRUPTED);
	assert_true(mfa_http_interrupted(h));
	for (i = 0; i < 10; i++) {
		assert_int_equal(res[i].calls, 1);
		if (res[i].cancelled) {
			cancelled++;
			assert_int_equal(res[i].attempts, 0);
			assert_string_equal(res[i].error, "interrupted");
		} else {
			done++;
			assert_int_equal(res[i].status, 200);
		}
	}
	assert_true(done >= 1 && done <= 2); /* only what was in flight */
	assert_int_equal(done + cancelled, 10);
	mfa_http_free(h);
}

/* ---- sign-in ------------------------------------------------------- */

static void assert_clean(const char *msg)
{
	if (strstr(msg, SECRET) || strstr(msg, CERT_PASSWORD) || strstr(msg, "tok-") ||
	    strstr(msg, "secret-token-") || strstr(msg, "client_assertion=") || strstr(msg, "eyJ"))
		fail_msg("message leaks a secret: %s", msg);
}

static struct mfa_auth_options secret_opts(const char *tenant, char *login)
{
	struct mfa_auth_options o = MFA_AUTH_OPTIONS_INIT;

	snprintf(login, 128, "http://127.0.0.1:%d", S.port);
	o.tenant = tenant;
	o.client_id = "00000000-0000-0000-0000-0000000000aa";
	o.client_secret = SECRET;
	o.login_url = login;
	return o;
}

static void test_sign_in_secret(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_auth *a = NULL;
	char login[128];
	struct mfa_auth_options o = secret_opts("good", login);
	struct mfa_http *h;
	const char *b;

	(void)state;
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_kind(a), MFA_AUTH_SECRET);
	assert_string_equal(mfa_auth_graph_url(a), "https://graph.microsoft.com");
	assert_int_equal(mfa_auth_sign_in(a, &err), 0);
	assert_non_null(strstr(S.last_form, "grant_type=client_credentials"));
	assert_non_null(strstr(S.last_form, "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"));
	h = engine(1);
	assert_int_equal(mfa_auth_bearer(a, h, 0, &b, &err), MFA_HTTP_AUTH_READY);
	assert_non_null(b);
	assert_true(!strncmp(b, "Bearer tok-", 11));
	assert_true(mfa_auth_token_remaining(a) > 3500);
	assert_int_equal(mfa_auth_token_requests(a), 1);
	/* a refused token is refreshed as a transfer of the engine: the
	 * source says "pending", never blocks, and the token is there once
	 * the loop has run */
	{
		char first[64];
		snprintf(first, sizeof(first), "%s", b);
		assert_int_equal(mfa_auth_bearer(a, h, 1, &b, &err), MFA_HTTP_AUTH_PENDING);
		assert_null(b);
		assert_int_equal(mfa_auth_token_requests(a), 1);
		assert_int_equal(mfa_http_run(h, &err), 0);
		assert_int_equal(mfa_auth_token_requests(a), 2);
		assert_int_equal(mfa_auth_bearer(a, h, 0, &b, &err), MFA_HTTP_AUTH_READY);
		assert_string_not_equal(b, first);
		/* sign-in again: another new token */
		snprintf(first, sizeof(first), "%s", b);
		assert_int_equal(mfa_auth_sign_in(a, &err), 0);
		assert_int_equal(mfa_auth_bearer(a, h, 0, &b, &err), MFA_HTTP_AUTH_READY);
		assert_string_not_equal(b, first);
	}
	mfa_http_free(h);
	mfa_auth_free(a);
}

/* Every failure path of sign-in: the message is one clear line and holds
 * no secret, password, assertion or token. */
static void test_sign_in_errors_leak_nothing(void **state)
{
	static const struct {
		const char *tenant;
		const char *want;
	} cases[] = {
		{ "bad", "sign-in failed: invalid_client: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value." },
		{ "echo", "sign-in failed: invalid_request: AADSTS90002: the value [redacted] is not valid" },
		{ "down", "sign-in failed: http 500 from the token endpoint" },
	};
	char login[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_auth_options o = secret_opts(cases[i].tenant, login);
		struct mfa_err err = MFA_ERR_INIT;
		struct mfa_auth *a = NULL;
		assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
		assert_int_equal(mfa_auth_sign_in(a, &err), -1);
		assert_string_equal(err.msg, cases[i].want);
		assert_clean(err.msg);
		/* the same failure inside a run stops the engine with it */
		{
			struct result res = { 0 };
			struct mfa_http *h = engine(1);
			mfa_http_set_auth(h, mfa_auth_bearer, a);
			submit(h, "/ok", MFA_SCOPE_UNTHROTTLED, &res);
			err.msg[0] = '\0';
			assert_int_equal(mfa_http_run(h, &err), -1);
			assert_string_equal(err.msg, cases[i].want);
			assert_int_equal(res.calls, 1);
			assert_int_equal(res.cancelled, 1);
			assert_int_equal(res.attempts, 0);
			assert_clean(res.error);
			mfa_http_free(h);
		}
		mfa_auth_free(a);
	}
	/* unreachable endpoint (a closed port) */
	{
		struct mfa_auth_options o = secret_opts("good", login);
		struct mfa_err err = MFA_ERR_INIT;
		struct mfa_auth *a = NULL;
		snprintf(login, sizeof(login), "http://127.0.0.1:1");
		assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
		assert_int_equal(mfa_auth_sign_in(a, &err), -1);
		assert_non_null(strstr(err.msg, "sign-in failed: cannot reach 'http://127.0.0.1:1/good/oauth2/v2.0/token'"));
		assert_clean(err.msg);
		mfa_auth_free(a);
	}
	/* configuration errors */
	{
		struct mfa_auth_options o = secret_opts("good", login);
		struct mfa_err err = MFA_ERR_INIT;
		struct mfa_auth *a = NULL;
		o.login_url = "http://login.example.com";
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_non_null(strstr(err.msg, "refusing plain http"));
		assert_clean(err.msg);
		o = secret_opts("bad/../x", login);
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_clean(err.msg);
		o = secret_opts("good", login);
		o.client_id = NULL;
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_string_equal(err.msg, "no client id: set AZURE_CLIENT_ID or pass --client-id");
		o = secret_opts("good", login);
		o.client_secret = NULL;
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_non_null(strstr(err.msg, "no credentials"));
		o = secret_opts("good", login);
		o.cloud = "mars";
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_clean(err.msg);
		/* a password that appears in a path still never shows */
		o = secret_opts("good", login);
		o.client_secret = NULL;
		o.cert_path = "/nonexistent/" CERT_PASSWORD ".pem";
		o.cert_password = CERT_PASSWORD;
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_string_equal(err.msg, "cannot open '/nonexistent/[redacted].pem': No such file or directory");
		o.cert_path = "/nonexistent/x.pem";
		o.cert_password = CERT_PASSWORD;
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_non_null(strstr(err.msg, "cannot open '/nonexistent/x.pem'"));
		assert_clean(err.msg);
	}
}

static void write_cert(const char *path, const char *password)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *f;

	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"t", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_sign(x, key, EVP_sha256());
	f = fopen(path, "w");
	assert_non_null(f);
	PEM_write_PKCS8PrivateKey(f, key, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)password);
	PEM_write_X509(f, x);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void test_sign_in_certificate(void **state)
{
	struct mfa_auth_options o = MFA_AUTH_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_auth *a = NULL;
	char path[] = "/tmp/test_http_cert_XXXXXX", login[128];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_cert(path, CERT_PASSWORD);
	snprintf(login, sizeof(login), "http://127.0.0.1:%d/", S.port);
	o.tenant = "cert";
	o.client_id = "00000000-0000-0000-0000-0000000000bb";
	o.cert_path = path;
	o.cert_password = CERT_PASSWORD;
	o.login_url = login;
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_kind(a), MFA_AUTH_CERTIFICATE);
	assert_int_equal(mfa_auth_sign_in(a, &err), 0);
	assert_true(mfa_auth_token_remaining(a) > 3500);
	/* a refresh inside a run: a new assertion, as a transfer of the loop */
	{
		struct result res = { 0 };
		struct mfa_http *h = engine(1);
		int next;
		reset_counts();
		pthread_mutex_lock(&S.mu);
		next = S.tokens_issued + 1;
		snprintf(S.valid_token, sizeof(S.valid_token), "tok-%d", next);
		pthread_mutex_unlock(&S.mu);
		mfa_http_set_auth(h, mfa_auth_bearer, a);
		submit(h, "/auth", MFA_SCOPE_IDENTITY_READ, &res);
		assert_int_equal(mfa_http_run(h, &err), 0);
		assert_int_equal(res.status, 200);
		assert_int_equal(res.attempts, 2);
		assert_non_null(strstr(S.last_form, "client_assertion=ey"));
		mfa_http_free(h);
	}
	mfa_auth_free(a);
	/* rs256 as well */
	o.assertion_alg = "rs256";
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_sign_in(a, &err), 0);
	mfa_auth_free(a);
	/* wrong password */
	o.cert_password = "Wrong-" CERT_PASSWORD;
	assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
	assert_clean(err.msg);
	assert_null(strstr(err.msg, "Wrong-"));
	/* a secret wins over a certificate when both come from one place */
	o.cert_password = CERT_PASSWORD;
	o.client_secret = SECRET;
	o.tenant = "good";
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_kind(a), MFA_AUTH_SECRET);
	assert_int_equal(mfa_auth_sign_in(a, &err), 0);
	mfa_auth_free(a);
	unlink(path);
}

static void test_ready_token(void **state)
{
	struct mfa_auth_options o = MFA_AUTH_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct result res[3];
	struct mfa_auth *a = NULL;
	struct mfa_http *h;
	char path[] = "/tmp/test_http_token_XXXXXX";
	int fd = mkstemp(path), i;
	/* header.{"tid":"contoso-tid"}.sig */
	const char *tok = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJjb250b3NvLXRpZCJ9.secret-token-sig";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "Bearer ", 7), 7);
	assert_int_equal(write(fd, tok, strlen(tok)), (ssize_t)strlen(tok));
	assert_int_equal(write(fd, "\n", 1), 1);
	close(fd);
	o.access_token_file = path;
	o.client_secret = SECRET; /* the file wins */
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_kind(a), MFA_AUTH_TOKEN);
	assert_null(mfa_auth_token_url(a));
	assert_string_equal(mfa_auth_tenant(a), "contoso-tid");
	assert_int_equal(mfa_auth_sign_in(a, &err), 0);

	/* the server refuses it: one refresh is asked for and cannot be done */
	reset_counts();
	snprintf(S.valid_token, sizeof(S.valid_token), "something-else");
	memset(res, 0, sizeof(res));
	h = engine(1);
	mfa_http_set_auth(h, mfa_auth_bearer, a);
	for (i = 0; i < 3; i++)
		submit(h, "/auth", MFA_SCOPE_UNTHROTTLED, &res[i]);
	assert_int_equal(mfa_http_run(h, &err), -1);
	assert_string_equal(err.msg, "the access token was refused (expired?)");
	assert_clean(err.msg);
	assert_int_equal(res[0].status, 401);
	assert_int_equal(res[0].cancelled, 0);
	assert_clean(res[0].error);
	for (i = 1; i < 3; i++) {
		assert_int_equal(res[i].calls, 1);
		assert_int_equal(res[i].cancelled, 1);
		assert_string_equal(res[i].error, "not completed: the access token was refused (expired?)");
	}
	/* the token went to the server, whole */
	assert_true(!strncmp(S.last_auth, "Bearer eyJ", 10));
	mfa_http_free(h);
	mfa_auth_free(a);
	unlink(path);
	/* a token with a space or newline inside would break the header */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "secret-token-a\nX-Evil: 1", 25), 25);
	close(fd);
	o.access_token_file = path;
	assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
	assert_non_null(strstr(err.msg, "spaces or control characters"));
	assert_clean(err.msg);
	unlink(path);
}

static void test_managed_identity(void **state)
{
	struct mfa_auth_options o = MFA_AUTH_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_auth *a = NULL;
	struct result res = { 0 };
	struct mfa_http *h;

	(void)state;
	o.env.imds_url = url_of("/imds?api-version=2018-02-01");
	o.managed_identity = 1;
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_kind(a), MFA_AUTH_MANAGED_IDENTITY);
	/* no sign-in first: the engine's first request fetches the token in
	 * its own loop, then goes out with it */
	reset_counts();
	snprintf(S.valid_token, sizeof(S.valid_token), "mi-token");
	h = engine(1);
	mfa_http_set_auth(h, mfa_auth_bearer, a);
	submit(h, "/auth", MFA_SCOPE_IDENTITY_READ, &res);
	assert_int_equal(mfa_http_run(h, &err), 0);
	assert_int_equal(res.status, 200);
	assert_int_equal(res.attempts, 1);
	assert_string_equal(S.last_auth, "Bearer mi-token");
	assert_int_equal(mfa_auth_token_requests(a), 1);
	assert_true(mfa_auth_token_remaining(a) > 3500); /* expires_in as a string */
	mfa_http_free(h);
	assert_int_equal(mfa_auth_sign_in(a, &err), 0); /* and sign-in, the same path */
	assert_int_equal(mfa_auth_token_requests(a), 2);
	mfa_auth_free(a);
	/* the override must be loopback */
	o.env.imds_url = "http://10.1.2.3/token";
	assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
	o.env.imds_url = NULL;
	/* default: the fixed address */
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_string_equal(mfa_auth_token_url(a), "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com/");
	mfa_auth_free(a);
}

/* The engine with the real auth module: the token is fetched lazily, and a
 * 401 triggers one real refresh that the server then accepts. */
static void test_engine_with_auth(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_auth *a = NULL;
	struct result res = { 0 };
	struct mfa_http *h;
	char login[128];
	struct mfa_auth_options o = secret_opts("good", login);
	int next;

	(void)state;
	reset_counts();
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	pthread_mutex_lock(&S.mu);
	next = S.tokens_issued + 2; /* the first token will be refused */
	snprintf(S.valid_token, sizeof(S.valid_token), "tok-%d", next);
	pthread_mutex_unlock(&S.mu);
	h = engine(2);
	mfa_http_set_auth(h, mfa_auth_bearer, a);
	submit(h, "/auth", MFA_SCOPE_IDENTITY_READ, &res);
	assert_int_equal(mfa_http_run(h, &err), 0);
	assert_int_equal(res.status, 200);
	assert_int_equal(res.attempts, 2);
	assert_int_equal(mfa_auth_token_requests(a), 2);
	mfa_http_free(h);
	mfa_auth_free(a);
}

/* A token refresh that takes 2 s does not stop other transfers: with a
 * token near its end, the refresh goes out in the background as a
 * transfer of the loop, and reads keep completing, with the old token,
 * all the while the token request is open at the server (its own
 * timestamps), four chains of /slow reads at a time. */
#define MAX_DONE 4096

static struct chains {
	struct mfa_http *h;
	double done_at[MAX_DONE];
	int n, failed;
	double give_up;
	int no_auth;          /* the chains' reads carry no token */
} C;

static void on_chain(void *ctx, const struct mfa_http_response *r)
{
	double now = mono(), end;

	(void)ctx;
	if (r->status != 200 || r->error)
		C.failed++;
	if (C.n < MAX_DONE)
		C.done_at[C.n++] = now;
	pthread_mutex_lock(&S.mu);
	end = S.slow_token_end;
	pthread_mutex_unlock(&S.mu);
	/* the next read of this chain, until a little after the token came */
	if ((end > 0 && now > end + 0.2) || now > C.give_up)
		return;
	{
		struct mfa_http_request q = MFA_HTTP_REQUEST_INIT;
		struct mfa_err err = MFA_ERR_INIT;

		q.url = url_of("/slow");
		q.scope = MFA_SCOPE_IDENTITY_READ;
		q.no_auth = C.no_auth;
		q.done = on_chain;
		if (mfa_http_submit(C.h, &q, &err) < 0)
			C.failed++;
	}
}

static void test_slow_refresh_does_not_stall(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http_stats st;
	struct mfa_auth *a = NULL;
	char login[128];
	struct mfa_auth_options o = secret_opts("good", login);
	double t0, start, end;
	int i, during = 0, before = 0;

	(void)state;
	/* every token is "near its end" 0.3 s after it was issued */
	o.refresh_ahead_s = 3599 - 0.3;
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_sign_in(a, &err), 0);
	reset_counts();
	pthread_mutex_lock(&S.mu);
	S.slow_tokens = 1;
	S.slow_token_start = S.slow_token_end = 0;
	pthread_mutex_unlock(&S.mu);
	memset(&C, 0, sizeof(C));
	C.h = engine(4);
	t0 = mono();
	C.give_up = t0 + 10;
	mfa_http_set_auth(C.h, mfa_auth_bearer, a);
	for (i = 0; i < 4; i++) {
		struct mfa_http_request q = MFA_HTTP_REQUEST_INIT;
		q.url = url_of("/slow");
		q.scope = MFA_SCOPE_IDENTITY_READ;
		q.done = on_chain;
		assert_int_equal(mfa_http_submit(C.h, &q, &err), 0);
	}
	assert_int_equal(mfa_http_run(C.h, &err), 0);
	pthread_mutex_lock(&S.mu);
	start = S.slow_token_start;
	end = S.slow_token_end;
	pthread_mutex_unlock(&S.mu);
	/* the refresh happened, and was open at the server for 2 s */
	assert_true(start > t0);
	assert_true(end - start >= 1.9);
	assert_true(end < C.give_up);
	for (i = 0; i < C.n; i++) {
		if (C.done_at[i] > start && C.done_at[i] < end)
			during++;
		else if (C.done_at[i] <= start)
			before++;
	}
	/* 2 s of 50 ms reads, four at a time, is 80 to 160 here: a loop
	 * stalled by the refresh completes none until the token is in */
	if (during < 20)
		fail_msg("%d reads completed while the token request was open (%d before)", during,
			 before);
	assert_int_equal(C.failed, 0);
	assert_int_equal(mfa_auth_token_requests(a), 2);
	mfa_http_stats(C.h, &st);
	assert_int_equal(st.auth_refreshes, 0); /* ahead of expiry, no 401 */
	assert_int_equal(st.failed, 0);
	assert_true(st.succeeded == (unsigned long)C.n);
	mfa_http_free(C.h);
	mfa_auth_free(a);
}

/* The token in use is refused and its replacement takes 2 s: the
 * requests that need it wait for it (held, then sent with it: not failed),
 * while reads that need no token keep completing meanwhile. */
static void test_held_for_slow_token(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http_stats st;
	struct mfa_auth *a = NULL;
	struct result res[3];
	char login[128];
	struct mfa_auth_options o = secret_opts("good", login);
	double start, end;
	int i, during = 0;

	(void)state;
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_sign_in(a, &err), 0);
	reset_counts();
	memset(res, 0, sizeof(res));
	pthread_mutex_lock(&S.mu);
	snprintf(S.valid_token, sizeof(S.valid_token), "tok-%d", S.tokens_issued + 1);
	S.slow_tokens = 1;
	S.slow_token_start = S.slow_token_end = 0;
	pthread_mutex_unlock(&S.mu);
	memset(&C, 0, sizeof(C));
	C.h = engine(4);
	C.no_auth = 1;
	C.give_up = mono() + 10;
	mfa_http_set_auth(C.h, mfa_auth_bearer, a);
	for (i = 0; i < 3; i++)
		submit(C.h, "/auth", MFA_SCOPE_IDENTITY_READ, &res[i]);
	{
		struct mfa_http_request q = MFA_HTTP_REQUEST_INIT;
		q.url = url_of("/slow");
		q.no_auth = 1;
		q.done = on_chain;
		assert_int_equal(mfa_http_submit(C.h, &q, &err), 0);
	}
	assert_int_equal(mfa_http_run(C.h, &err), 0);
	pthread_mutex_lock(&S.mu);
	start = S.slow_token_start;
	end = S.slow_token_end;
	pthread_mutex_unlock(&S.mu);
	assert_true(end - start >= 1.9);
	for (i = 0; i < 3; i++) {
		assert_int_equal(res[i].calls, 1);
		assert_int_equal(res[i].status, 200);
		assert_int_equal(res[i].attempts, 2); /* the 401, then with the new token */
		assert_int_equal(res[i].cancelled, 0);
	}
	for (i = 0; i < C.n; i++)
		if (C.done_at[i] > start && C.done_at[i] < end)
			during++;
	if (during < 10)
		fail_msg("%d reads completed while the token request was open", during);
	assert_int_equal(C.failed, 0);
	assert_int_equal(mfa_auth_token_requests(a), 2);
	mfa_http_stats(C.h, &st);
	assert_int_equal(st.auth_refreshes, 1); /* one refresh for the wave of 401s */
	assert_int_equal(st.retries, 3);
	assert_int_equal(st.failed, 0);
	mfa_http_free(C.h);
	mfa_auth_free(a);
}

/* ---- proxies ------------------------------------------------------- */

/* This test's server posing as the proxy. */
static const char *proxy_url(void)
{
	static char u[64];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d", S.port);
	return u;
}

/* The paths the server saw, joined by " | ". */
static const char *seen(void)
{
	static char buf[2048];
	size_t n = 0;
	int i;

	buf[0] = '\0';
	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.nlog && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " | " : "", S.log[i].path);
	pthread_mutex_unlock(&S.mu);
	return buf;
}

static struct mfa_http *proxied_engine(const char *no_proxy)
{
	struct mfa_http_options o = MFA_HTTP_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_http *h = NULL;

	o.workers = 1;
	o.rand = zero_rand;
	o.connect_timeout_s = 1;
	o.retry.max_attempts = 1;
	o.retry.max_connect_attempts = 1;
	o.proxy.url = proxy_url();
	o.proxy.no_proxy = no_proxy;
	o.proxy.source = "https_proxy";
	if (mfa_http_new(&h, &o, &err) < 0)
		fail_msg("%s", err.msg);
	return h;
}

static void run_one(struct mfa_http *h, const char *url, struct result *res)
{
	struct mfa_http_request r = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	memset(res, 0, sizeof(*res));
	r.url = url;
	r.scope = MFA_SCOPE_UNTHROTTLED;
	r.no_auth = 1;
	r.done = on_done;
	r.ctx = res;
	if (mfa_http_submit(h, &r, &err) < 0)
		fail_msg("submit %s: %s", url, err.msg);
	assert_int_equal(mfa_http_run(h, &err), 0);
	assert_int_equal(res->calls, 1);
}

/* Plain http to loopback never goes to a proxy: not when the proxy is
 * configured, and not because the environment names one (libcurl would
 * read http_proxy / ALL_PROXY itself); a token request with the secret
 * neither. */
static void test_proxy_never_for_loopback_http(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_auth *a = NULL;
	struct result res;
	struct mfa_http *h;
	char login[128];
	struct mfa_auth_options o = secret_opts("good", login);

	(void)state;
	setenv("http_proxy", proxy_url(), 1);
	setenv("ALL_PROXY", proxy_url(), 1);
	setenv("https_proxy", proxy_url(), 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");

	reset_counts();
	h = engine(1); /* no proxy option: the environment must not count */
	run_one(h, url_of("/ok"), &res);
	assert_int_equal(res.status, 200);
	assert_string_equal(seen(), "/ok");
	mfa_http_free(h);

	reset_counts();
	h = proxied_engine(NULL);
	run_one(h, url_of("/ok"), &res);
	assert_int_equal(res.status, 200);
	run_one(h, "http://localhost:1/nothing", &res); /* loopback by name: direct, refused */
	assert_int_equal(res.status, 0);
	assert_null(strstr(res.error, "through proxy"));
	assert_string_equal(seen(), "/ok");
	mfa_http_free(h);

	/* https to a loopback host is direct too (a loopback address names
	 * this machine, not the proxy's): the TLS handshake fails on this
	 * plain server, and no CONNECT came */
	reset_counts();
	h = proxied_engine(NULL);
	{
		char u[64];
		snprintf(u, sizeof(u), "https://127.0.0.1:%d/ok", S.port);
		run_one(h, u, &res);
	}
	assert_int_equal(res.status, 0);
	assert_null(strstr(seen(), "CONNECT"));
	mfa_http_free(h);

	/* the sign-in, secret and all, with the proxy configured */
	reset_counts();
	o.proxy.url = proxy_url();
	o.proxy.source = "https_proxy";
	assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
	assert_int_equal(mfa_auth_sign_in(a, &err), 0);
	assert_string_equal(seen(), "/good/oauth2/v2.0/token");
	mfa_auth_free(a);

	/* the environment's https_proxy does not count either */
	reset_counts();
	h = engine(1);
	run_one(h, "https://graph.mfa-proxy-test.invalid/v1.0/users", &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(seen(), "");
	mfa_http_free(h);
	unsetenv("http_proxy");
	unsetenv("ALL_PROXY");
	unsetenv("https_proxy");
}

/* https to another host goes through the proxy as a tunnel; a refusal is
 * final at the first attempt and names the proxy without its password;
 * no_proxy entries send the host direct. */
static void test_proxy_for_https(void **state)
{
	static const struct {
		const char *no_proxy;
		const char *url;
		int via;
	} cases[] = {
		{ NULL, "https://graph.mfa-proxy-test.invalid/v1.0/users", 1 },
		{ "mfa-proxy-test.invalid", "https://graph.mfa-proxy-test.invalid/v1.0/users", 0 },
		{ ".mfa-proxy-test.invalid", "https://graph.mfa-proxy-test.invalid/", 0 },
		{ "other.invalid, GRAPH.mfa-proxy-test.invalid.", "https://graph.mfa-proxy-test.invalid/", 0 },
		{ "*", "https://graph.mfa-proxy-test.invalid/", 0 },
		{ "test.invalid", "https://graph.mfa-proxy-test.invalid/", 1 }, /* not a label boundary */
		{ "raph.mfa-proxy-test.invalid", "https://graph.mfa-proxy-test.invalid/", 1 },
		{ "192.0.2.0/24", "https://192.0.2.7:1/", 0 },
		{ "192.0.2.0/25", "https://192.0.2.200:1/", 1 },
		{ "2001:db8::/32", "https://[2001:db8::1]:1/", 0 },
		{ "[2001:db8::1]", "https://[2001:db8::1]:1/", 0 },
	};
	struct mfa_http_options o = MFA_HTTP_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct result res;
	struct mfa_http *h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset_counts();
		h = proxied_engine(cases[i].no_proxy);
		run_one(h, cases[i].url, &res);
		assert_int_equal(res.status, 0);
		assert_int_equal(res.attempts, 1);
		if (cases[i].via) {
			if (!strstr(seen(), "CONNECT ") || strchr(seen(), '|'))
				fail_msg("case %zu: the proxy saw '%s'", i, seen());
			if (!strstr(res.error, "refused the tunnel to '") ||
			    !strstr(res.error, proxy_url()) || !strstr(res.error, "(https_proxy)") ||
			    !strstr(res.error, "http 403"))
				fail_msg("case %zu: %s", i, res.error);
		} else if (seen()[0] || strstr(res.error, "through proxy")) {
			fail_msg("case %zu went to the proxy: '%s' (%s)", i, seen(), res.error);
		}
		mfa_http_free(h);
	}
	reset_counts();
	h = proxied_engine(NULL);
	run_one(h, "https://graph.mfa-proxy-test.invalid:8443/x", &res);
	assert_string_equal(seen(), "CONNECT graph.mfa-proxy-test.invalid:8443");
	mfa_http_free(h);

	/* credentials in the proxy URL are used, never shown */
	reset_counts();
	{
		char u[96];
		snprintf(u, sizeof(u), "http://user:Pr0xyPa55@127.0.0.1:%d", S.port);
		o.proxy.url = u;
		o.retry.max_attempts = 1;
		assert_int_equal(mfa_http_new(&h, &o, &err), 0);
	}
	run_one(h, "https://graph.mfa-proxy-test.invalid/", &res);
	assert_non_null(strstr(res.error, proxy_url()));
	assert_non_null(strstr(res.error, "(proxy setting)"));
	assert_null(strstr(res.error, "Pr0xyPa55"));
	mfa_http_free(h);

	/* a setting that is no proxy URL fails at once, naming where it came from */
	o.proxy.url = "ftp://user:Pr0xyPa55@proxy.example";
	o.proxy.source = "ALL_PROXY";
	assert_int_equal(mfa_http_new(&h, &o, &err), -1);
	assert_null(h);
	assert_non_null(strstr(err.msg, "ALL_PROXY"));
	assert_null(strstr(err.msg, "Pr0xyPa55"));
	/* no scheme: http, as libcurl reads one */
	o.proxy.url = "127.0.0.1:3128";
	assert_int_equal(mfa_http_new(&h, &o, &err), 0);
	mfa_http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_respected),
		cmocka_unit_test(test_target_grows_to_ceiling),
		cmocka_unit_test(test_throttle_pauses_scope),
		cmocka_unit_test(test_throttle_scope_string),
		cmocka_unit_test(test_batch_424),
		cmocka_unit_test(test_503_and_drop_retried),
		cmocka_unit_test(test_auth_refresh_once),
		cmocka_unit_test(test_token_stays_with_graph),
		cmocka_unit_test(test_refused_urls_and_size_cap),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_sign_in_secret),
		cmocka_unit_test(test_sign_in_errors_leak_nothing),
		cmocka_unit_test(test_sign_in_certificate),
		cmocka_unit_test(test_ready_token),
		cmocka_unit_test(test_managed_identity),
		cmocka_unit_test(test_engine_with_auth),
		cmocka_unit_test(test_slow_refresh_does_not_stall),
		cmocka_unit_test(test_held_for_slow_token),
		cmocka_unit_test(test_proxy_never_for_loopback_http),
		cmocka_unit_test(test_proxy_for_https),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
