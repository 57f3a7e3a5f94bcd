/* graph/cloud.h - which hosts a cloud signs in and talks Graph on, and the
 * rules every URL the tool contacts must follow.
 *
 * The rule, enforced here and checked again by the http engine before any
 * request (defence in depth): a URL is https, or plain http to a loopback
 * host (127.0.0.0/8, ::1, localhost) so tests can run an emulator without
 * certificates. Anything else is refused with a message naming the URL.
 * The one plain-http exception is the fixed managed-identity endpoint
 * (MFA_CLOUD_IMDS_URL), accepted only by mfa_cloud_check_imds_url. The
 * App Service / Container Apps identity endpoint (IDENTITY_ENDPOINT)
 * follows the general rule: https, or http to loopback (where App Service
 * and Container Apps serve it: http://127.0.0.1:PORT/msi/token,
 * http://localhost:42356/msi/token).
 *
 *     enum mfa_cloud c;
 *     char *token_url = NULL;
 *     if (mfa_cloud_parse("usgov", &c, &err) < 0) goto cleanup;
 *     if (mfa_cloud_token_url(&token_url, mfa_cloud_login_url(c),
 *                             tenant, &err) < 0) goto cleanup;
 *     ... free(token_url);
 */
#ifndef MFA_GRAPH_CLOUD_H
#define MFA_GRAPH_CLOUD_H

#include "mfa/util/err.h"

enum mfa_cloud {
	MFA_CLOUD_GLOBAL,     /* login.microsoftonline.com / graph.microsoft.com */
	MFA_CLOUD_USGOV,      /* login.microsoftonline.us / graph.microsoft.us */
	MFA_CLOUD_USGOV_DOD,  /* login.microsoftonline.us / dod-graph.microsoft.us */
	MFA_CLOUD_CHINA,      /* login.partner.microsoftonline.cn / microsoftgraph.chinacloudapi.cn */
	MFA_CLOUD__COUNT
};

/* The managed-identity token endpoint (Azure IMDS) for the global cloud's
 * Graph; mfa_cloud_imds_url builds it for any cloud. */
#define MFA_CLOUD_IMDS_BASE \
	"http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
#define MFA_CLOUD_IMDS_URL MFA_CLOUD_IMDS_BASE "https://graph.microsoft.com/"

/* Maps a --cloud name ("global", "usgov", "usgov-dod", "china"; case
 * insensitive) to its enum. Unknown names fail with a message listing the
 * accepted ones. */
int mfa_cloud_parse(const char *name, enum mfa_cloud *out, struct mfa_err *err);

/* The cloud's name as mfa_cloud_parse accepts it. Static string. */
const char *mfa_cloud_name(enum mfa_cloud c);

/* "https://login.microsoftonline.com" etc., no trailing slash. Static. */
const char *mfa_cloud_login_url(enum mfa_cloud c);

/* "https://graph.microsoft.com" etc., no trailing slash, no version. Static. */
const char *mfa_cloud_graph_url(enum mfa_cloud c);

/* Nonzero when host (as in a URL: "localhost", "127.0.0.1", "[::1]" or
 * "::1") is a loopback host. */
int mfa_cloud_is_loopback_host(const char *host);

/* Writes url's origin, "scheme://host:port" (the port filled in when the
 * URL has none, lowercased), into out. 0, or -1 for a URL libcurl cannot
 * parse or an origin longer than size. */
int mfa_cloud_origin(const char *url, char *out, size_t size);

/* Checks that url is absolute http(s) with a host, and that it is https
 * unless the host is loopback. 0 ok; -1 with a message otherwise. */
int mfa_cloud_check_url(const char *url, struct mfa_err *err);

/* Builds the managed-identity token URL for cloud c into *out (malloc'd):
 * MFA_CLOUD_IMDS_BASE + the cloud's Graph URL + "/", and
 * "&client_id=ID" when client_id (a user-assigned identity) is not NULL;
 * the id must be a GUID-like string. */
int mfa_cloud_imds_url(char **out, enum mfa_cloud c, const char *client_id,
		       struct mfa_err *err);

/* Which managed-identity token endpoint a URL is built for. */
enum mfa_cloud_mi {
	MFA_CLOUD_MI_IMDS,         /* Azure IMDS, api-version 2018-02-01, header Metadata: true */
	MFA_CLOUD_MI_APP_SERVICE   /* App Service / Container Apps, api-version 2019-08-01,
				    * header X-IDENTITY-HEADER */
};

/* Builds the token URL of a managed-identity endpoint into *out (malloc'd,
 * the caller frees): for IMDS
 *   endpoint?api-version=2018-02-01&resource={cloud's Graph}/[&client_id=ID]
 * and for App Service
 *   endpoint?resource={cloud's Graph}/&api-version=2019-08-01[&client_id=ID]
 * (client_id: a user-assigned identity, GUID-like, or NULL). The endpoint
 * must follow mfa_cloud_check_url (https, or http to a loopback host) and
 * carry no query, fragment or user name; a refused App Service endpoint
 * is named as IDENTITY_ENDPOINT in the message. The IMDS form is for an
 * endpoint other than the fixed address (tests); check the result with
 * mfa_cloud_check_imds_url. */
int mfa_cloud_mi_url(char **out, enum mfa_cloud_mi form, const char *endpoint, enum mfa_cloud c,
		     const char *client_id, struct mfa_err *err);

/* Checks a managed-identity endpoint: a URL mfa_cloud_imds_url can build
 * (the fixed Azure metadata address, the only plain-http non-loopback URL
 * the tool ever contacts), or any URL mfa_cloud_check_url accepts whose
 * host is loopback (tests). */
int mfa_cloud_check_imds_url(const char *url, struct mfa_err *err);

/* Checks base (a --graph-url or --login-url value) with
 * mfa_cloud_check_url, refuses a query or fragment, and stores in *out a
 * malloc'd copy without trailing slashes. The caller frees *out. */
int mfa_cloud_base_url(char **out, const char *base, struct mfa_err *err);

/* Builds "{login}/{tenant}/oauth2/v2.0/token" into *out (malloc'd, caller
 * frees). tenant must be a GUID or a domain name (letters, digits, '.',
 * '-'); anything else is refused so it cannot change the path. login is
 * checked like a base URL. */
int mfa_cloud_token_url(char **out, const char *login, const char *tenant,
			struct mfa_err *err);

#endif
