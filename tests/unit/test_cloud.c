/* test_cloud.c - cloud hosts and the URL rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graph/cloud.h"

static void test_clouds(void **state)
{
	static const struct {
		const char *name;
		enum mfa_cloud c;
		const char *login, *graph;
	} cases[] = {
		{ "global", MFA_CLOUD_GLOBAL, "https://login.microsoftonline.com", "https://graph.microsoft.com" },
		{ "GLOBAL", MFA_CLOUD_GLOBAL, "https://login.microsoftonline.com", "https://graph.microsoft.com" },
		{ "usgov", MFA_CLOUD_USGOV, "https://login.microsoftonline.us", "https://graph.microsoft.us" },
		{ "usgov-dod", MFA_CLOUD_USGOV_DOD, "https://login.microsoftonline.us", "https://dod-graph.microsoft.us" },
		{ "china", MFA_CLOUD_CHINA, "https://login.partner.microsoftonline.cn", "https://microsoftgraph.chinacloudapi.cn" },
	};
	struct mfa_err err = MFA_ERR_INIT;
	enum mfa_cloud c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mfa_cloud_parse(cases[i].name, &c, &err), 0);
		assert_int_equal(c, cases[i].c);
		assert_string_equal(mfa_cloud_login_url(c), cases[i].login);
		assert_string_equal(mfa_cloud_graph_url(c), cases[i].graph);
	}
	assert_int_equal(mfa_cloud_parse("germany", &c, &err), -1);
	assert_non_null(strstr(err.msg, "'germany'"));
	assert_int_equal(mfa_cloud_parse(NULL, &c, &err), -1);
}

static void test_loopback(void **state)
{
	static const struct {
		const char *host;
		int yes;
	} cases[] = {
		{ "localhost", 1 }, { "LOCALHOST", 1 }, { "127.0.0.1", 1 }, { "127.1.2.3", 1 },
		{ "[::1]", 1 }, { "::1", 1 }, { "[::ffff:127.0.0.1]", 1 },
		{ "128.0.0.1", 0 }, { "10.0.0.1", 0 }, { "169.254.169.254", 0 }, { "[::2]", 0 },
		{ "localhost.example.com", 0 }, { "127.0.0.1.nip.io", 0 }, { "", 0 }, { NULL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (mfa_cloud_is_loopback_host(cases[i].host) != cases[i].yes)
			fail_msg("'%s' loopback should be %d", cases[i].host ? cases[i].host : "(null)",
				 cases[i].yes);
}

static void test_check_url(void **state)
{
	static const struct {
		const char *url;
		int ok;
		const char *msg; /* substring of the message when refused */
	} cases[] = {
		{ "https://graph.microsoft.com/v1.0/users", 1, NULL },
		{ "HTTPS://graph.microsoft.com", 1, NULL },
		{ "http://127.0.0.1:8080/v1.0/users", 1, NULL },
		{ "http://localhost:1/x", 1, NULL },
		{ "http://[::1]:8080/", 1, NULL },
		{ "http://graph.microsoft.com/v1.0/users", 0, "refusing plain http to 'graph.microsoft.com'" },
		{ "http://169.254.169.254/metadata/identity/oauth2/token", 0, "refusing plain http" },
		{ "http://127.0.0.1.evil.example/", 0, "refusing plain http" },
		{ "ftp://127.0.0.1/", 0, "not an http(s) URL" },
		{ "file:///etc/passwd", 0, "" },
		{ "graph.microsoft.com/v1.0", 0, "not a valid" },
		{ "", 0, "empty URL" },
		{ "https://user:hunter2@graph.microsoft.com/", 0, "user name or password" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_err err = MFA_ERR_INIT;
		int rc = mfa_cloud_check_url(cases[i].url, &err);
		if ((rc == 0) != cases[i].ok)
			fail_msg("'%s': rc %d (%s)", cases[i].url, rc, err.msg);
		if (!cases[i].ok && !strstr(err.msg, cases[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].url, err.msg, cases[i].msg);
		assert_null(strstr(err.msg, "hunter2"));
	}
}

static void test_token_url(void **state)
{
	static const struct {
		const char *login, *tenant, *want;
	} cases[] = {
		{ "https://login.microsoftonline.com", "contoso.onmicrosoft.com",
		  "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" },
		{ "https://login.microsoftonline.us/", "72f988bf-86f1-41af-91ab-2d7cd011db47",
		  "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token" },
		{ "http://127.0.0.1:9999//", "t1", "http://127.0.0.1:9999/t1/oauth2/v2.0/token" },
		{ "https://login.microsoftonline.com", "../x", NULL },
		{ "https://login.microsoftonline.com", "a/b", NULL },
		{ "https://login.microsoftonline.com", "a?b", NULL },
		{ "https://login.microsoftonline.com", "", NULL },
		{ "https://login.microsoftonline.com", NULL, NULL },
		{ "http://login.microsoftonline.com", "t", NULL },
		{ "https://login.microsoftonline.com/?x=1", "t", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mfa_err err = MFA_ERR_INIT;
		char *out = NULL;
		int rc = mfa_cloud_token_url(&out, cases[i].login, cases[i].tenant, &err);
		if (cases[i].want) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err.msg);
			assert_string_equal(out, cases[i].want);
		} else {
			if (rc == 0)
				fail_msg("case %zu: accepted '%s'", i, out);
			assert_null(out);
			assert_true(err.msg[0] != '\0');
		}
		free(out);
	}
}

static void test_imds(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	char *u = NULL;

	(void)state;
	assert_int_equal(mfa_cloud_check_imds_url(MFA_CLOUD_IMDS_URL, &err), 0);
	assert_int_equal(mfa_cloud_imds_url(&u, MFA_CLOUD_GLOBAL, NULL, &err), 0);
	assert_string_equal(u, MFA_CLOUD_IMDS_URL);
	free(u);
	assert_int_equal(mfa_cloud_imds_url(&u, MFA_CLOUD_USGOV, "0f3c1a2b-0000-4000-8000-000000000001", &err), 0);
	assert_string_equal(u, MFA_CLOUD_IMDS_BASE "https://graph.microsoft.us/&client_id=0f3c1a2b-0000-4000-8000-000000000001");
	assert_int_equal(mfa_cloud_check_imds_url(u, &err), 0);
	free(u);
	assert_int_equal(mfa_cloud_imds_url(&u, MFA_CLOUD_GLOBAL, "x&resource=evil", &err), -1);
	assert_null(u);
	/* the only plain-http exception is this exact address and shape */
	assert_int_equal(mfa_cloud_check_imds_url(MFA_CLOUD_IMDS_BASE "https://evil.example/", &err), -1);
	assert_int_equal(mfa_cloud_check_imds_url(MFA_CLOUD_IMDS_URL "&x=1", &err), -1);
	assert_int_equal(mfa_cloud_check_imds_url("http://169.254.169.254/other", &err), -1);
	assert_int_equal(mfa_cloud_check_imds_url("http://10.0.0.1/metadata/identity/oauth2/token", &err), -1);
	assert_int_equal(mfa_cloud_check_imds_url("http://127.0.0.1:1234/token", &err), 0);
	/* and the general rule still refuses it */
	assert_int_equal(mfa_cloud_check_url(MFA_CLOUD_IMDS_URL, &err), -1);
}

static void test_base_url(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	char *u = NULL;

	(void)state;
	assert_int_equal(mfa_cloud_base_url(&u, "https://graph.microsoft.com///", &err), 0);
	assert_string_equal(u, "https://graph.microsoft.com");
	free(u);
	assert_int_equal(mfa_cloud_base_url(&u, "http://example.com", &err), -1);
	assert_null(u);
	assert_int_equal(mfa_cloud_base_url(&u, "https://graph.microsoft.com/#x", &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clouds),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_check_url),
		cmocka_unit_test(test_token_url),
		cmocka_unit_test(test_imds),
		cmocka_unit_test(test_base_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
