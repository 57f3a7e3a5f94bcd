/* test_batch.c - $batch packing and unpacking against canned JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "graph/batch.h"
#include "graph/retry.h"

static void fill(struct mfa_batch *b, size_t n)
{
	struct mfa_err err = MFA_ERR_INIT;
	char url[128];
	size_t i;

	mfa_batch_init(b);
	for (i = 0; i < n; i++) {
		snprintf(url, sizeof(url), "/users/%08zx-0000-4000-8000-000000000000/authentication/requirements", i);
		if (mfa_batch_add(b, "PATCH", url, "{\"perUserMfaState\":\"disabled\"}",
				  (void *)(i + 1), &err) < 0)
			fail_msg("add %zu: %s", i, err.msg);
	}
}

static void test_body(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_batch b;
	char *body = NULL;
	size_t len, i;
	cJSON *root, *reqs, *r;
	char seen[MFA_BATCH_MAX + 1] = { 0 };

	(void)state;
	fill(&b, MFA_BATCH_MAX);
	assert_int_equal(mfa_batch_add(&b, "GET", "/users/x", NULL, NULL, &err), -1); /* full */
	assert_int_equal(mfa_batch_body(&b, &body, &len, &err), 0);
	assert_int_equal(len, strlen(body));
	root = cJSON_Parse(body);
	assert_non_null(root);
	reqs = cJSON_GetObjectItemCaseSensitive(root, "requests");
	assert_int_equal(cJSON_GetArraySize(reqs), MFA_BATCH_MAX);
	i = 0;
	cJSON_ArrayForEach(r, reqs) {
		const char *id = cJSON_GetObjectItemCaseSensitive(r, "id")->valuestring;
		const char *url = cJSON_GetObjectItemCaseSensitive(r, "url")->valuestring;
		long n = strtol(id, NULL, 10);
		/* ids unique, 1..20 */
		assert_true(n >= 1 && n <= MFA_BATCH_MAX && !seen[n]);
		seen[n] = 1;
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "method")->valuestring, "PATCH");
		assert_true(url[0] == '/' && strncmp(url, "/beta", 5) && strncmp(url, "/v1.0", 5));
		assert_string_equal(url, b.items[i].url);
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(r, "body"), "perUserMfaState")->valuestring, "disabled");
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(r, "headers"), "Content-Type")->valuestring,
			"application/json");
		i++;
	}
	cJSON_Delete(root);
	free(body);
	mfa_batch_release(&b);
}

static void test_add_refuses(void **state)
{
	static const struct {
		const char *method, *url, *body;
	} cases[] = {
		{ "GET", "/beta/users/x/authentication/requirements", NULL },
		{ "GET", "/v1.0/users/x", NULL },
		{ "GET", "/BETA/users/x", NULL },
		{ "GET", "/v1.0?x", NULL },
		{ "GET", "users/x", NULL },
		{ "GET", "https://graph.microsoft.com/beta/users/x", NULL },
		{ "GET", "//evil.example/users", NULL },
		{ "GET", "/users/a b", NULL },
		{ "GET", "/users/x\r\nHost: evil", NULL },
		{ "get", "/users/x", NULL },
		{ "", "/users/x", NULL },
		{ "PATCH", "/users/x", "{not json" },
		{ NULL, "/users/x", NULL },
		{ "GET", NULL, NULL },
	};
	struct mfa_batch b;
	size_t i;

	(void)state;
	mfa_batch_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_err err = MFA_ERR_INIT;
		if (mfa_batch_add(&b, cases[i].method, cases[i].url, cases[i].body, NULL, &err) == 0)
			fail_msg("case %zu accepted", i);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(b.n, 0);
	/* a path that merely starts with "beta" letters is fine */
	assert_int_equal(mfa_batch_add(&b, "GET", "/betamax", NULL, NULL, NULL), 0);
	mfa_batch_release(&b);
}

struct reply_case {
	const char *name;
	const char *reply;
	int rc;
	long status[4];        /* per item; 0 = missing */
	double retry_after[4]; /* -1 = none */
	const char *body0;     /* item 1's body, or NULL */
	double longest;
};

static void test_parse_table(void **state)
{
	static const struct reply_case cases[] = {
		{ "in order",
		  "{\"responses\":[{\"id\":\"1\",\"status\":204},{\"id\":\"2\",\"status\":204},"
		  "{\"id\":\"3\",\"status\":200,\"body\":{\"perUserMfaState\":\"enforced\"}},{\"id\":\"4\",\"status\":204}]}",
		  0, { 204, 204, 200, 204 }, { -1, -1, -1, -1 }, NULL, 0 },
		{ "out of order with bodies",
		  "{\"responses\":[{\"id\":\"4\",\"status\":404,\"body\":{\"error\":{\"code\":\"Request_ResourceNotFound\"}}},"
		  "{\"id\":\"2\",\"status\":204},{\"id\":\"1\",\"status\":200,\"body\":{\"perUserMfaState\":\"enabled\"}},"
		  "{\"id\":\"3\",\"status\":204}]}",
		  0, { 200, 204, 204, 404 }, { -1, -1, -1, -1 }, "{\"perUserMfaState\":\"enabled\"}", 0 },
		{ "missing items",
		  "{\"responses\":[{\"id\":\"3\",\"status\":204},{\"id\":\"1\",\"status\":204}]}",
		  0, { 204, 0, 204, 0 }, { -1, -1, -1, -1 }, NULL, 0 },
		{ "200 outside, 429 items with their own Retry-After",
		  "{\"responses\":[{\"id\":\"1\",\"status\":204},"
		  "{\"id\":\"2\",\"status\":429,\"headers\":{\"Retry-After\":\"7\"},\"body\":{\"error\":{\"code\":\"TooManyRequests\"}}},"
		  "{\"id\":\"3\",\"status\":429,\"headers\":{\"retry-after\":\"2.5\"}},"
		  "{\"id\":\"4\",\"status\":503,\"headers\":{\"Retry-After\":11}}]}",
		  0, { 204, 429, 429, 503 }, { -1, 7, 2.5, 11 }, NULL, 11 },
		{ "numeric ids, duplicates and strangers ignored",
		  "{\"responses\":[{\"id\":1,\"status\":204},{\"id\":\"1\",\"status\":500},"
		  "{\"id\":\"99\",\"status\":204},{\"id\":\"2\"},{\"id\":\"3\",\"status\":\"204\"},{\"status\":204}]}",
		  0, { 204, 0, 0, 0 }, { -1, -1, -1, -1 }, NULL, 0 },
		{ "no responses array", "{\"value\":[]}", -1, { 0, 0, 0, 0 }, { -1, -1, -1, -1 }, NULL, 0 },
		{ "malformed JSON", "{\"responses\":[{\"id\":\"1\",\"status\":204}", -1,
		  { 0, 0, 0, 0 }, { -1, -1, -1, -1 }, NULL, 0 },
		{ "not JSON at all", "<html>gateway timeout</html>", -1, { 0, 0, 0, 0 },
		  { -1, -1, -1, -1 }, NULL, 0 },
		{ "empty", "", -1, { 0, 0, 0, 0 }, { -1, -1, -1, -1 }, NULL, 0 },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct reply_case *c = &cases[i];
		struct mfa_batch_result res[MFA_BATCH_MAX];
		struct mfa_err err = MFA_ERR_INIT;
		struct mfa_batch b;
		int rc;

		fill(&b, 4);
		rc = mfa_batch_parse(&b, c->reply, strlen(c->reply), 1 << 20, res, &err);
		if (rc != c->rc)
			fail_msg("%s: rc %d (%s)", c->name, rc, err.msg);
		if (rc < 0)
			assert_true(err.msg[0] != '\0');
		for (k = 0; k < 4; k++) {
			if (res[k].status != c->status[k] || res[k].missing != (c->status[k] == 0))
				fail_msg("%s: item %zu status %ld missing %d", c->name, k, res[k].status,
					 res[k].missing);
			if (res[k].retry_after != c->retry_after[k])
				fail_msg("%s: item %zu retry-after %g", c->name, k, res[k].retry_after);
			/* worth re-batching is the retry policy's call, on the
			 * item's status and its own Retry-After as parsed here */
			{
				const struct mfa_retry_policy pol = MFA_RETRY_POLICY_INIT;
				struct mfa_retry_input in = { 0 };
				struct mfa_retry_decision d;

				in.kind = MFA_RETRY_BATCH_ITEM;
				in.status = res[k].missing ? 0 : res[k].status;
				in.has_retry_after = res[k].retry_after >= 0;
				in.retry_after_s = res[k].retry_after;
				in.attempt = 1;
				mfa_retry_decide(&pol, &in, NULL, NULL, &d);
				if (c->status[k] == 0 || c->status[k] == 429 || c->status[k] >= 500)
					assert_true(d.retry);
				else
					assert_false(d.retry);
				if (d.retry && res[k].retry_after >= 0)
					assert_true(d.delay_s == res[k].retry_after);
			}
			/* the item maps back to its own context */
			assert_ptr_equal(b.items[k].ctx, (void *)(k + 1));
		}
		if (c->body0)
			assert_string_equal(res[0].body, c->body0);
		assert_true(mfa_batch_longest_retry_after(res, b.n) == c->longest);
		mfa_batch_results_release(res, b.n);
		mfa_batch_release(&b);
	}
}

static void test_oversized(void **state)
{
	struct mfa_batch_result res[MFA_BATCH_MAX];
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_batch b;
	const char *reply = "{\"responses\":[{\"id\":\"1\",\"status\":204}]}";

	(void)state;
	fill(&b, 1);
	assert_int_equal(mfa_batch_parse(&b, reply, strlen(reply), 10, res, &err), -1);
	assert_non_null(strstr(err.msg, "exceeds"));
	assert_int_equal(res[0].missing, 1);
	mfa_batch_results_release(res, b.n);
	/* not NUL-terminated: only len bytes are read */
	assert_int_equal(mfa_batch_parse(&b, reply, strlen(reply), strlen(reply), res, &err), 0);
	assert_int_equal(res[0].status, 204);
	mfa_batch_results_release(res, b.n);
	mfa_batch_release(&b);
}

static void test_url(void **state)
{
	char *u = NULL;

	(void)state;
	assert_int_equal(mfa_batch_url(&u, "https://graph.microsoft.com/", NULL), 0);
	assert_string_equal(u, "https://graph.microsoft.com/beta/$batch");
	free(u);
	assert_int_equal(mfa_batch_url(&u, "", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_add_refuses),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
