/* test_ca_fetch.c - Conditional Access memberships read live
 * (sources/ca_fetch.h) from a tiny Graph on 127.0.0.1 run by a thread of
 * this test (one thread per connection). Its tenant:
 *   policy "groups" requires mfa of groups G1 and G2, policy "admins" of
 *   the role R (template id);
 *   G1's transitiveMembers come in three pages: empty with a nextLink,
 *   u1 (id + @odata.type only, no userPrincipalName) with a nextLink,
 *   empty without one;
 *   G2 holds u2; R holds u3 and the role-assignable group G3, which holds u4;
 *   u5 is in nothing.
 * deny_groups / deny_roles make the member reads answer Graph's 403 (the
 * app lacks GroupMember.Read.All / RoleManagement.Read.Directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "graph/http.h"
#include "mfa/model/coverage.h"
#include "sources/ca_fetch.h"

#define ROLE "62e90394-69f5-4237-9190-012177145e10"
#define DENIED "{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"Insufficient privileges to complete the operation.\"}}"
#define MAX_WARN 16

static struct server {
	int fd, port;
	pthread_t thread;
	volatile int stop;
	pthread_mutex_t mu;
	int threads;
	int deny_groups, deny_roles;
	int member_requests;
} S;

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

static int respond(int fd, int status, const char *body)
{
	char head[256];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		 status, strlen(body));
	return send_all(fd, head, strlen(head)) < 0 ? -1 : send_all(fd, body, strlen(body));
}

/* One GET (no body); its length, or -1. */
static int read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;

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
		if (strstr(buf, "\r\n\r\n"))
			return (int)len;
		if (len + 1 >= cap)
			return -1;
	}
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int serve(int fd, const char *req)
{
	char path[512], body[1024];
	const char *base;
	int member;

	if (sscanf(req, "GET %511s", path) != 1)
		return -1;
	member = strstr(path, "/members") != NULL || strstr(path, "/transitiveMembers") != NULL ||
		 starts(path, "/page/");
	pthread_mutex_lock(&S.mu);
	S.member_requests += member;
	pthread_mutex_unlock(&S.mu);
	if (!strcmp(path, "/v1.0/identity/conditionalAccess/policies")) {
		return respond(fd, 200,
			"{\"value\":["
			"{\"id\":\"p1\",\"displayName\":\"groups\",\"state\":\"enabled\",\"conditions\":{\"clientAppTypes\":[\"all\"],"
			"\"applications\":{\"includeApplications\":[\"All\"]},\"users\":{\"includeGroups\":[\"G1\",\"G2\"]}},"
			"\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}},"
			"{\"id\":\"p2\",\"displayName\":\"admins\",\"state\":\"enabled\",\"conditions\":{\"clientAppTypes\":[\"all\"],"
			"\"applications\":{\"includeApplications\":[\"All\"]},\"users\":{\"includeRoles\":[\"" ROLE "\"]}},"
			"\"grantControls\":{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}}]}");
	}
	if (!strcmp(path, "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy"))
		return respond(fd, 200, "{\"isEnabled\":false}");
	if (starts(path, "/v1.0/groups/") && S.deny_groups)
		return respond(fd, 403, DENIED);
	if (starts(path, "/v1.0/directoryRoles") && S.deny_roles)
		return respond(fd, 403, DENIED);
	base = "http://127.0.0.1";
	if (starts(path, "/v1.0/groups/G1/transitiveMembers?")) {
		snprintf(body, sizeof(body), "{\"value\":[],\"@odata.nextLink\":\"%s:%d/page/g1-2\"}", base, S.port);
		return respond(fd, 200, body);
	}
	if (!strcmp(path, "/page/g1-2")) {
		snprintf(body, sizeof(body),
			 "{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u1\"}],\"@odata.nextLink\":\"%s:%d/page/g1-3\"}",
			 base, S.port);
		return respond(fd, 200, body);
	}
	if (!strcmp(path, "/page/g1-3"))
		return respond(fd, 200, "{\"value\":[]}");
	if (starts(path, "/v1.0/groups/G2/transitiveMembers?"))
		return respond(fd, 200, "{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u2\",\"userPrincipalName\":\"u2@contoso.example\"}]}");
	if (starts(path, "/v1.0/groups/G3/transitiveMembers?"))
		return respond(fd, 200, "{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u4\"}]}");
	if (starts(path, "/v1.0/directoryRoles(roleTemplateId='" ROLE "')/members"))
		return respond(fd, 200, "{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u3\"},"
				     "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"G3\"}]}");
	return respond(fd, 404, "{\"error\":{\"code\":\"Request_ResourceNotFound\",\"message\":\"no such thing\"}}");
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(16384);

	while (buf && read_request(fd, buf, 16384) >= 0 && serve(fd, buf) == 0)
		;
	free(buf);
	close(fd);
	pthread_mutex_lock(&S.mu);
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

		if (poll(&p, 1, 50) <= 0 || (c = accept(S.fd, NULL, NULL)) < 0)
			continue;
		pthread_mutex_lock(&S.mu);
		S.threads++;
		pthread_mutex_unlock(&S.mu);
		if (pthread_create(&t, NULL, conn_main, (void *)(intptr_t)c) != 0) {
			close(c);
			pthread_mutex_lock(&S.mu);
			S.threads--;
			pthread_mutex_unlock(&S.mu);
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
	int i, n = 1;

	(void)state;
	S.stop = 1;
	pthread_join(S.thread, NULL);
	for (i = 0; i < 100 && n; i++) { /* connection threads notice within 100 ms */
		pthread_mutex_lock(&S.mu);
		n = S.threads;
		pthread_mutex_unlock(&S.mu);
		if (n)
			sleep_ms(10);
	}
	close(S.fd);
	curl_global_cleanup();
	return 0;
}

/* ---- the fetch ------------------------------------------------------- */

struct warnings {
	char *msg[MAX_WARN];
	int n;
};

static void on_warn(void *ctx, const char *msg)
{
	struct warnings *w = ctx;

	if (w->n < MAX_WARN)
		w->msg[w->n++] = strdup(msg);
}

static void warnings_free(struct warnings *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		free(w->msg[i]);
	w->n = 0;
}

/* How many warnings name `what`. */
static int naming(const struct warnings *w, const char *what)
{
	int i, n = 0;

	for (i = 0; i < w->n; i++)
		n += strstr(w->msg[i], what) != NULL;
	return n;
}

static const char *find(const struct warnings *w, const char *what)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (strstr(w->msg[i], what))
			return w->msg[i];
	return "";
}

/* Reads the tenant into *m and says what was warned; the verdicts of
 * u1..u5 into v[1..5]. */
static void fetch(int deny_groups, int deny_roles, struct warnings *w,
		  struct mfa_ca_fetch_result *res, enum mfa_coverage_verdict v[6])
{
	struct mfa_http_options o = MFA_HTTP_OPTIONS_INIT;
	struct mfa_http *h = NULL;
	struct mfa_ca_model *m = mfa_ca_model_new();
	struct mfa_ca_fetch *f = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char base[64];
	int i;

	pthread_mutex_lock(&S.mu);
	S.deny_groups = deny_groups;
	S.deny_roles = deny_roles;
	S.member_requests = 0;
	pthread_mutex_unlock(&S.mu);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", S.port);
	o.workers = 4;
	assert_non_null(m);
	assert_int_equal(mfa_http_new(&h, &o, &err), 0);
	assert_int_equal(mfa_ca_fetch_start(&f, m, h, base, &err), 0);
	assert_true(mfa_http_run(h, &err) >= 0);
	assert_int_equal(mfa_ca_fetch_finish(f, res, on_warn, w, &err), 0);
	for (i = 1; i <= 5; i++) {
		struct mfa_user u;
		struct mfa_coverage c;
		char id[8];

		snprintf(id, sizeof(id), "u%d", i);
		mfa_user_init(&u);
		u.id = id;
		u.user_type = MFA_USER_TYPE_MEMBER;
		mfa_coverage_evaluate(m, &u, &c);
		v[i] = c.verdict;
	}
	mfa_ca_model_free(m);
	mfa_http_free(h);
}

/* Every permission: every page followed (empty ones too), members given
 * by id alone matched, the role's group expanded. */
static void test_all_read(void **state)
{
	struct warnings w = { { NULL }, 0 };
	struct mfa_ca_fetch_result res;
	enum mfa_coverage_verdict v[6];

	(void)state;
	fetch(0, 0, &w, &res, v);
	assert_int_equal(w.n, 0);
	assert_int_equal(res.policies, 2);
	assert_int_equal(res.groups, 2);
	assert_int_equal(res.roles, 1);
	assert_int_equal(v[1], MFA_COVERAGE_COVERED); /* on G1's second page, between empty ones */
	assert_int_equal(v[2], MFA_COVERAGE_COVERED);
	assert_int_equal(v[3], MFA_COVERAGE_COVERED);
	assert_int_equal(v[4], MFA_COVERAGE_COVERED); /* the role through G3 */
	assert_int_equal(v[5], MFA_COVERAGE_NOT_COVERED);
	assert_int_equal(S.member_requests, 6); /* G1 three pages, G2, R, G3 */
	warnings_free(&w);
}

/* No GroupMember.Read.All: one warning naming it, counting the three
 * groups (G3 too: the role is not read in full without it); the role's
 * direct member is known. */
static void test_groups_denied(void **state)
{
	struct warnings w = { { NULL }, 0 };
	struct mfa_ca_fetch_result res;
	enum mfa_coverage_verdict v[6];

	(void)state;
	fetch(1, 0, &w, &res, v);
	assert_int_equal(w.n, 1);
	assert_int_equal(naming(&w, "GroupMember.Read.All"), 1);
	assert_non_null(strstr(find(&w, "GroupMember"),
			       "cannot read group members (http 403, Authorization_RequestDenied): 3 groups; "
			       "users whose coverage depends on them are 'unknown'; grant the app GroupMember.Read.All"));
	assert_int_equal(res.groups, 0);
	assert_int_equal(res.roles, 0);
	assert_int_equal(v[3], MFA_COVERAGE_COVERED);
	assert_int_equal(v[1], MFA_COVERAGE_UNKNOWN);
	assert_int_equal(v[2], MFA_COVERAGE_UNKNOWN);
	assert_int_equal(v[4], MFA_COVERAGE_UNKNOWN);
	assert_int_equal(v[5], MFA_COVERAGE_UNKNOWN);
	warnings_free(&w);
}

/* Neither permission: one warning each, naming it. */
static void test_both_denied(void **state)
{
	struct warnings w = { { NULL }, 0 };
	struct mfa_ca_fetch_result res;
	enum mfa_coverage_verdict v[6];
	int i;

	(void)state;
	fetch(1, 1, &w, &res, v);
	assert_int_equal(w.n, 2);
	assert_int_equal(naming(&w, "GroupMember.Read.All"), 1);
	assert_int_equal(naming(&w, "RoleManagement.Read.Directory"), 1);
	assert_non_null(strstr(find(&w, "GroupMember"), ": 2 groups; "));
	assert_non_null(strstr(find(&w, "RoleManagement"),
			       "cannot read directory role members (http 403, Authorization_RequestDenied): 1 directory role; "
			       "users whose coverage depends on it are 'unknown'; grant the app RoleManagement.Read.Directory"));
	for (i = 1; i <= 5; i++)
		assert_int_equal(v[i], MFA_COVERAGE_UNKNOWN);
	warnings_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_read),
		cmocka_unit_test(test_groups_denied),
		cmocka_unit_test(test_both_denied),
	};

	return cmocka_run_group_tests(tests, server_start, server_stop);
}
