/* cloud.c - cloud hosts and URL rules (graph/cloud.h). */
#include "graph/cloud.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	const char *login;
	const char *graph;
} clouds[MFA_CLOUD__COUNT] = {
	[MFA_CLOUD_GLOBAL] = { "global", "https://login.microsoftonline.com",
			       "https://graph.microsoft.com" },
	[MFA_CLOUD_USGOV] = { "usgov", "https://login.microsoftonline.us",
			      "https://graph.microsoft.us" },
	[MFA_CLOUD_USGOV_DOD] = { "usgov-dod", "https://login.microsoftonline.us",
				  "https://dod-graph.microsoft.us" },
	/* GRAPH.md: login.chinacloudapi.cn is the older name of the same
	 * authority; the partner host is the current one. */
	[MFA_CLOUD_CHINA] = { "china", "https://login.partner.microsoftonline.cn",
			      "https://microsoftgraph.chinacloudapi.cn" },
};

int mfa_cloud_parse(const char *name, enum mfa_cloud *out, struct mfa_err *err)
{
	int i;

	for (i = 0; name && i < MFA_CLOUD__COUNT; i++) {
		if (!strcasecmp(name, clouds[i].name)) {
			*out = (enum mfa_cloud)i;
			return 0;
		}
	}
	return mfa_err_set(err, "unknown cloud '%s' (expected global, usgov, usgov-dod or china)",
			   name ? name : "");
}

const char *mfa_cloud_name(enum mfa_cloud c)
{
	return (unsigned)c < MFA_CLOUD__COUNT ? clouds[c].name : "?";
}

const char *mfa_cloud_login_url(enum mfa_cloud c)
{
	return (unsigned)c < MFA_CLOUD__COUNT ? clouds[c].login : clouds[0].login;
}

const char *mfa_cloud_graph_url(enum mfa_cloud c)
{
	return (unsigned)c < MFA_CLOUD__COUNT ? clouds[c].graph : clouds[0].graph;
}

int mfa_cloud_is_loopback_host(const char *host)
{
	unsigned char a4[4], a6[16];
	char buf[64];
	size_t n;

	if (!host || !*host)
		return 0;
	if (!strcasecmp(host, "localhost") || !strcasecmp(host, "localhost."))
		return 1;
	n = strlen(host);
	if (host[0] == '[' && n >= 2 && host[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET, host, a4) == 1)
		return a4[0] == 127;
	if (inet_pton(AF_INET6, host, a6) == 1) {
		static const unsigned char one[16] = { [15] = 1 };
		/* ::ffff:127.x.x.x is IPv4 loopback written as IPv6 */
		static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
		if (!memcmp(a6, one, 16))
			return 1;
		return !memcmp(a6, mapped, 12) && a6[12] == 127;
	}
	return 0;
}

int mfa_cloud_origin(const char *url, char *out, size_t size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1, n;
	size_t i;

	if (!u || !url || size == 0)
		goto cleanup;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto cleanup;
	n = snprintf(out, size, "%s://%s:%s", scheme, host, port);
	if (n < 0 || (size_t)n >= size)
		goto cleanup;
	for (i = 0; out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	rc = 0;
cleanup:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* Splits url into scheme and host with libcurl's parser (the same parser
 * the transfers use, so the check and the request agree on the host). */
static int url_parts(const char *url, char **scheme, char **host, int *has_extra,
		     struct mfa_err *err)
{
	CURLU *u = NULL;
	char *user = NULL, *query = NULL, *frag = NULL;
	int rc = -1;

	*scheme = *host = NULL;
	*has_extra = 0;
	if (!url || !*url) {
		mfa_err_set(err, "empty URL");
		goto cleanup;
	}
	u = curl_url();
	if (!u) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK) {
		mfa_err_set(err, "'%s' is not a valid http(s) URL", url);
		goto cleanup;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		/* not echoed: the part before '@' may be a password */
		mfa_err_set(err, "a URL must not carry a user name or password");
		goto cleanup;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK)
		*has_extra = 1;
	rc = 0;
cleanup:
	if (rc < 0) {
		curl_free(*scheme);
		curl_free(*host);
		*scheme = *host = NULL;
	}
	curl_free(user);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return rc;
}

static int check_url(const char *url, int *loopback, int *has_extra, struct mfa_err *err)
{
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (url_parts(url, &scheme, &host, has_extra, err) < 0)
		goto cleanup;
	*loopback = mfa_cloud_is_loopback_host(host);
	if (!strcasecmp(scheme, "https")) {
		rc = 0;
	} else if (!strcasecmp(scheme, "http")) {
		if (*loopback)
			rc = 0;
		else
			mfa_err_set(err, "refusing plain http to '%s': use https (http is allowed only for loopback hosts)",
				    host);
	} else {
		mfa_err_set(err, "'%s' is not an http(s) URL", url);
	}
cleanup:
	curl_free(scheme);
	curl_free(host);
	return rc;
}

int mfa_cloud_check_url(const char *url, struct mfa_err *err)
{
	int loopback, extra;

	return check_url(url, &loopback, &extra, err);
}

static int guid_like(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F') || s[i] == '-'))
			return 0;
	return i > 0 && i <= 64;
}

int mfa_cloud_imds_url(char **out, enum mfa_cloud c, const char *client_id,
		       struct mfa_err *err)
{
	size_t need;

	*out = NULL;
	if (client_id && !guid_like(client_id))
		return mfa_err_set(err, "managed identity client id '%s' is not a GUID", client_id);
	need = sizeof(MFA_CLOUD_IMDS_BASE) + strlen(mfa_cloud_graph_url(c)) + 2 +
	       (client_id ? strlen(client_id) + sizeof("&client_id=") : 0);
	*out = malloc(need);
	if (!*out)
		return mfa_err_set(err, "out of memory");
	snprintf(*out, need, "%s%s/%s%s", MFA_CLOUD_IMDS_BASE, mfa_cloud_graph_url(c),
		 client_id ? "&client_id=" : "", client_id ? client_id : "");
	return 0;
}

int mfa_cloud_mi_url(char **out, enum mfa_cloud_mi form, const char *endpoint, enum mfa_cloud c,
		     const char *client_id, struct mfa_err *err)
{
	const char *graph = mfa_cloud_graph_url(c);
	int loopback, extra;
	size_t need;

	*out = NULL;
	if (client_id && !guid_like(client_id))
		return mfa_err_set(err, "managed identity client id '%s' is not a GUID", client_id);
	if (check_url(endpoint, &loopback, &extra, err) < 0) {
		if (form == MFA_CLOUD_MI_APP_SERVICE)
			mfa_err_prefix(err, "IDENTITY_ENDPOINT");
		return -1;
	}
	if (extra)
		return mfa_err_set(err, "%s '%s' must be an endpoint without '?' or '#'",
				   form == MFA_CLOUD_MI_APP_SERVICE ? "IDENTITY_ENDPOINT"
								    : "managed identity endpoint",
				   endpoint);
	need = strlen(endpoint) + strlen(graph) + 64 + (client_id ? strlen(client_id) : 0);
	*out = malloc(need);
	if (!*out)
		return mfa_err_set(err, "out of memory");
	if (form == MFA_CLOUD_MI_APP_SERVICE)
		snprintf(*out, need, "%s?resource=%s/&api-version=2019-08-01%s%s", endpoint, graph,
			 client_id ? "&client_id=" : "", client_id ? client_id : "");
	else
		snprintf(*out, need, "%s?api-version=2018-02-01&resource=%s/%s%s", endpoint, graph,
			 client_id ? "&client_id=" : "", client_id ? client_id : "");
	return 0;
}

int mfa_cloud_check_imds_url(const char *url, struct mfa_err *err)
{
	static const char cid[] = "&client_id=";
	size_t blen = sizeof(MFA_CLOUD_IMDS_BASE) - 1;
	int loopback, extra, i;

	if (url && !strncmp(url, MFA_CLOUD_IMDS_BASE, blen)) {
		const char *rest = url + blen;
		for (i = 0; i < MFA_CLOUD__COUNT; i++) {
			const char *g = clouds[i].graph;
			size_t glen = strlen(g);
			if (strncmp(rest, g, glen) || rest[glen] != '/')
				continue;
			rest += glen + 1;
			if (!*rest || (!strncmp(rest, cid, sizeof(cid) - 1) &&
				       guid_like(rest + sizeof(cid) - 1)))
				return 0;
			break;
		}
	}
	if (check_url(url, &loopback, &extra, err) < 0)
		return -1;
	if (!loopback)
		return mfa_err_set(err, "managed identity endpoint '%s' must be the Azure metadata address or a loopback host",
				   url);
	return 0;
}

int mfa_cloud_base_url(char **out, const char *base, struct mfa_err *err)
{
	int loopback, extra;
	size_t n;
	char *copy;

	*out = NULL;
	if (check_url(base, &loopback, &extra, err) < 0)
		return -1;
	if (extra)
		return mfa_err_set(err, "'%s' must be a base URL without '?' or '#'", base);
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	copy = malloc(n + 1);
	if (!copy)
		return mfa_err_set(err, "out of memory");
	memcpy(copy, base, n);
	copy[n] = '\0';
	*out = copy;
	return 0;
}

int mfa_cloud_token_url(char **out, const char *login, const char *tenant,
			struct mfa_err *err)
{
	static const char suffix[] = "/oauth2/v2.0/token";
	char *base = NULL;
	size_t i, n, need;
	int rc = -1;

	*out = NULL;
	if (!tenant || !*tenant) {
		mfa_err_set(err, "no tenant: set AZURE_TENANT_ID or pass --tenant");
		goto cleanup;
	}
	for (i = 0; tenant[i]; i++) {
		char c = tenant[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-')) {
			mfa_err_set(err, "tenant '%s' is not a tenant id or domain name", tenant);
			goto cleanup;
		}
	}
	if (i > 253) {
		mfa_err_set(err, "tenant name is too long");
		goto cleanup;
	}
	if (mfa_cloud_base_url(&base, login, err) < 0)
		goto cleanup;
	n = strlen(base);
	need = n + 1 + i + sizeof(suffix);
	*out = malloc(need);
	if (!*out) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	snprintf(*out, need, "%s/%s%s", base, tenant, suffix);
	rc = 0;
cleanup:
	free(base);
	return rc;
}
