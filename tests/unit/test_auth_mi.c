/* test_auth_mi.c - managed identity: which endpoint, its URL rules, and
 * IDENTITY_HEADER kept out of every message (no network). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graph/auth.h"
#include "graph/cloud.h"

#define SECRET "Xk9-identity-header-value"
#define UAMI "0f3c1a2b-0000-4000-8000-000000000001"

static void test_mi_urls(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	char *u = NULL;

	(void)state;
	assert_int_equal(mfa_cloud_mi_url(&u, MFA_CLOUD_MI_APP_SERVICE, "http://127.0.0.1:41564/msi/token",
					  MFA_CLOUD_GLOBAL, NULL, &err), 0);
	assert_string_equal(u, "http://127.0.0.1:41564/msi/token?resource=https://graph.microsoft.com/&api-version=2019-08-01");
	free(u);
	assert_int_equal(mfa_cloud_mi_url(&u, MFA_CLOUD_MI_APP_SERVICE, "https://mi.example/msi/token",
					  MFA_CLOUD_USGOV, UAMI, &err), 0);
	assert_string_equal(u, "https://mi.example/msi/token?resource=https://graph.microsoft.us/&api-version=2019-08-01&client_id=" UAMI);
	free(u);
	assert_int_equal(mfa_cloud_mi_url(&u, MFA_CLOUD_MI_IMDS, "http://localhost:9/metadata/identity/oauth2/token",
					  MFA_CLOUD_GLOBAL, UAMI, &err), 0);
	assert_string_equal(u, "http://localhost:9/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com/&client_id=" UAMI);
	assert_int_equal(mfa_cloud_check_imds_url(u, &err), 0);
	free(u);

	/* plain http off loopback, other schemes, a query, a password, a bad id */
	assert_int_equal(mfa_cloud_mi_url(&u, MFA_CLOUD_MI_APP_SERVICE, "http://10.1.2.3/msi/token",
					  MFA_CLOUD_GLOBAL, NULL, &err), -1);
	assert_null(u);
	assert_non_null(strstr(err.msg, "IDENTITY_ENDPOINT"));
	assert_non_null(strstr(err.msg, "use https (http is allowed only for loopback hosts)"));
	assert_int_equal(mfa_cloud_mi_url(&u, MFA_CLOUD_MI_APP_SERVICE, "ftp://127.0.0.1/msi/token",
					  MFA_CLOUD_GLOBAL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "IDENTITY_ENDPOINT"));
	assert_int_equal(mfa_cloud_mi_url(&u, MFA_CLOUD_MI_APP_SERVICE, "http://127.0.0.1/msi/token?x=1",
					  MFA_CLOUD_GLOBAL, NULL, &err), -1);
	assert_int_equal(mfa_cloud_mi_url(&u, MFA_CLOUD_MI_APP_SERVICE, "https://u:pw@mi.example/msi/token",
					  MFA_CLOUD_GLOBAL, NULL, &err), -1);
	assert_null(strstr(err.msg, "pw"));
	assert_int_equal(mfa_cloud_mi_url(&u, MFA_CLOUD_MI_APP_SERVICE, "http://127.0.0.1/msi/token",
					  MFA_CLOUD_GLOBAL, "x&resource=evil", &err), -1);
	assert_null(u);
}

static struct mfa_auth *mi(const char *endpoint, const char *header, const char *imds,
			   const char *client_id, struct mfa_err *err)
{
	struct mfa_auth_options o = MFA_AUTH_OPTIONS_INIT;
	struct mfa_auth *a = NULL;

	o.managed_identity = 1;
	o.env.identity_endpoint = endpoint;
	o.env.identity_header = header;
	o.env.imds_url = imds;
	o.env.client_id = client_id;
	o.env.client_secret = "not-this";
	if (mfa_auth_new(&a, &o, err) < 0)
		return NULL;
	return a;
}

static void test_which_endpoint(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_auth *a;

	(void)state;
	/* both set: App Service; the client id is the user-assigned identity */
	a = mi("http://127.0.0.1:41564/msi/token", SECRET, NULL, UAMI, &err);
	assert_non_null(a);
	assert_int_equal(mfa_auth_kind(a), MFA_AUTH_MANAGED_IDENTITY);
	assert_string_equal(mfa_auth_mi_endpoint_kind(a), "app-service");
	assert_string_equal(mfa_auth_token_url(a), "http://127.0.0.1:41564/msi/token?resource=https://graph.microsoft.com/&api-version=2019-08-01&client_id=" UAMI);
	assert_null(strstr(mfa_auth_token_url(a), SECRET));
	mfa_auth_free(a);

	/* only one of the two: IMDS, as azure-identity does */
	a = mi("http://127.0.0.1:41564/msi/token", NULL, NULL, NULL, &err);
	assert_non_null(a);
	assert_string_equal(mfa_auth_mi_endpoint_kind(a), "imds");
	assert_string_equal(mfa_auth_token_url(a), MFA_CLOUD_IMDS_URL);
	mfa_auth_free(a);
	a = mi("", SECRET, NULL, NULL, &err);
	assert_non_null(a);
	assert_string_equal(mfa_auth_mi_endpoint_kind(a), "imds");
	mfa_auth_free(a);

	/* a test's IMDS endpoint without a query gets IMDS's query */
	a = mi(NULL, NULL, "http://127.0.0.1:9/metadata/identity/oauth2/token", UAMI, &err);
	assert_non_null(a);
	assert_string_equal(mfa_auth_token_url(a), "http://127.0.0.1:9/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com/&client_id=" UAMI);
	mfa_auth_free(a);

	/* not managed identity: no endpoint kind */
	{
		struct mfa_auth_options o = MFA_AUTH_OPTIONS_INIT;
		o.env.tenant = "contoso.onmicrosoft.com";
		o.env.client_id = UAMI;
		o.env.client_secret = "s";
		o.env.identity_endpoint = "http://127.0.0.1:1/msi/token";
		o.env.identity_header = SECRET;
		assert_int_equal(mfa_auth_new(&a, &o, &err), 0);
		assert_null(mfa_auth_mi_endpoint_kind(a));
		mfa_auth_free(a);
	}
}

static void test_refusals_keep_the_secret(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;

	(void)state;
	{
		/* Service Fabric: the same two variables and a pinned certificate */
		struct mfa_auth_options o = MFA_AUTH_OPTIONS_INIT;
		struct mfa_auth *a = NULL;
		o.managed_identity = 1;
		o.env.identity_endpoint = "https://10.0.0.4:2377/metadata/identity/oauth2/token";
		o.env.identity_header = SECRET;
		o.env.identity_server_thumbprint = "0123456789abcdef";
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_null(a);
		assert_non_null(strstr(err.msg, "Service Fabric"));
		assert_null(strstr(err.msg, SECRET));
	}
	{
		/* Azure Arc: IDENTITY_ENDPOINT and IMDS_ENDPOINT, no header */
		struct mfa_auth_options o = MFA_AUTH_OPTIONS_INIT;
		struct mfa_auth *a = NULL;
		o.managed_identity = 1;
		o.env.identity_endpoint = "http://localhost:40342/metadata/identity/oauth2/token";
		o.env.imds_endpoint = "http://localhost:40342";
		assert_int_equal(mfa_auth_new(&a, &o, &err), -1);
		assert_null(a);
		assert_non_null(strstr(err.msg, "Azure Arc"));
	}
	assert_null(mi("http://192.0.2.7/msi/token", SECRET, NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "IDENTITY_ENDPOINT"));
	assert_null(strstr(err.msg, SECRET));
	assert_null(mi("http://127.0.0.1/msi/token", SECRET "\r\nX-Evil: 1", NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "IDENTITY_HEADER contains control characters"));
	assert_null(strstr(err.msg, SECRET));
	assert_null(mi("http://127.0.0.1/msi/token", SECRET, NULL, "not a guid " SECRET, &err));
	assert_non_null(strstr(err.msg, "not a GUID"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mi_urls),
		cmocka_unit_test(test_which_endpoint),
		cmocka_unit_test(test_refusals_keep_the_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
