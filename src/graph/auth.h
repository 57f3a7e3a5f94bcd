/* graph/auth.h - signing in to Microsoft Graph as an application.
 *
 * Four kinds of credential (GRAPH.md "Sign-in"):
 *   secret       client credentials with a client secret
 *   certificate  client credentials with a JWT client assertion signed by
 *                the app certificate's key (graph/jwt.h; PEM or PFX)
 *   token        a ready access token (--access-token-file, or the token
 *                itself in MFA_MIGRATE_ACCESS_TOKEN); cannot be refreshed
 *   managed-identity  the machine's managed identity: the App Service /
 *                Container Apps endpoint when env.identity_endpoint and
 *                env.identity_header (IDENTITY_ENDPOINT, IDENTITY_HEADER)
 *                are both set, else the Azure metadata endpoint (IMDS), as
 *                azure-identity's ManagedIdentityCredential chooses
 *
 * Which one: each setting comes from its option when set, else from what
 * the caller read from the environment (`env`: this library reads no
 * environment itself). The kind is the first that applies:
 *   1. access_token_file option      -> token
 *   2. managed_identity option       -> managed-identity
 *   3. client_secret option          -> secret
 *   4. cert_path option              -> certificate
 *   5. env.access_token  (MFA_MIGRATE_ACCESS_TOKEN)      -> token
 *   6. env.client_secret (AZURE_CLIENT_SECRET)           -> secret
 *   7. env.cert_path     (AZURE_CLIENT_CERTIFICATE_PATH) -> certificate
 * So a secret wins over a certificate when both come from the same place,
 * and anything given on the command line wins over the environment.
 * Tenant: --tenant / AZURE_TENANT_ID; client id: --client-id /
 * AZURE_CLIENT_ID (for managed identity, a user-assigned identity's id).
 * Hosts: --cloud picks login and Graph hosts (graph/cloud.h);
 * --login-url / AZURE_AUTHORITY_HOST (a bare host name gets https://) and
 * --graph-url override them; every URL must be https unless loopback.
 * The IMDS address is fixed; only for tests, env.imds_url
 * (MFA_MIGRATE_IMDS_URL) may name a loopback replacement: used as it is
 * when it has a query, else given IMDS's query (api-version, resource,
 * client_id). IDENTITY_ENDPOINT must be https or plain http to loopback
 * (graph/cloud.h); it is asked
 *   GET {IDENTITY_ENDPOINT}?resource={Graph}/&api-version=2019-08-01[&client_id=ID]
 * with the header X-IDENTITY-HEADER: {IDENTITY_HEADER}. Service Fabric sets
 * the same two and IDENTITY_SERVER_THUMBPRINT (its endpoint has a
 * self-signed certificate pinned by that thumbprint): refused with a
 * message, not supported; so is Azure Arc (IDENTITY_ENDPOINT and
 * IMDS_ENDPOINT without IDENTITY_HEADER: its endpoint wants a challenge
 * file read from the local disk). The resource is the
 * cloud's Graph (--cloud), whatever --graph-url says. Either form's reply
 * may give the lifetime as expires_in or expires_on (epoch seconds),
 * numbers or strings; it drives the refresh like any other token's.
 *
 * A token request is a transfer of the http engine's loop (graph/http.h,
 * mfa_http_auth_fn), for every kind that fetches one (secret, certificate
 * assertion, managed identity): mfa_auth_bearer never blocks. While a
 * token is on its way the requests that need it are held by the engine
 * and everything else keeps flowing; its retries (the token endpoint's
 * rule in graph/retry.h) are scheduled by time like any other, never
 * slept. Token requests are traced like engine requests (never a body)
 * and follow the same URL rules. mfa_auth_sign_in runs the same token
 * request in a loop of its own, before any other work.
 *
 * A token is refreshed in the background when less than 5 minutes of it
 * remain (a quarter of its life for a short-lived token), the old one
 * serving until the new one is there; and when the engine reports a 401
 * (mfa_auth_bearer with refresh = 1), the requests that need it waiting.
 *
 * Secrets: the client secret, the certificate password, the assertion,
 * IDENTITY_HEADER and the access token never appear in a message (nor in a
 * trace: token requests are traced by name, never by URL or header). Error text from Entra
 * (error_description) is shown, first line only, with anything equal to a
 * secret scrubbed anyway: "sign-in failed: invalid_client: AADSTS7000215:
 * Invalid client secret provided. ..."
 *
 *     struct mfa_auth_options ao = MFA_AUTH_OPTIONS_INIT;
 *     struct mfa_auth *auth = NULL;
 *     ao.tenant = flag_tenant;          // NULL: use ao.env.tenant
 *     ao.env.tenant = getenv("AZURE_TENANT_ID");   // the caller reads it
 *     ao.cloud = flag_cloud;            // NULL: global
 *     if (mfa_auth_new(&auth, &ao, &err) < 0) goto cleanup;   // no network
 *     if (mfa_auth_sign_in(auth, &err) < 0) goto cleanup;     // first token
 *     mfa_http_set_auth(http, mfa_auth_bearer, auth);  // free http before auth
 *     base = mfa_auth_graph_url(auth);  // "https://graph.microsoft.com"
 *   cleanup:
 *     mfa_auth_free(auth);
 */
#ifndef MFA_GRAPH_AUTH_H
#define MFA_GRAPH_AUTH_H

#include "mfa/util/err.h"
#include "graph/http.h"

struct mfa_http;

enum mfa_auth_kind {
	MFA_AUTH_SECRET,
	MFA_AUTH_CERTIFICATE,
	MFA_AUTH_TOKEN,
	MFA_AUTH_MANAGED_IDENTITY
};

/* What the environment says, as the caller read it (NULL or "": not set).
 * Each value is used only where its option is not given, in the order
 * above. */
struct mfa_auth_env {
	const char *tenant;            /* AZURE_TENANT_ID */
	const char *client_id;         /* AZURE_CLIENT_ID */
	const char *client_secret;     /* AZURE_CLIENT_SECRET */
	const char *cert_path;         /* AZURE_CLIENT_CERTIFICATE_PATH */
	const char *cert_password;     /* AZURE_CLIENT_CERTIFICATE_PASSWORD */
	const char *access_token;      /* MFA_MIGRATE_ACCESS_TOKEN */
	const char *authority_host;    /* AZURE_AUTHORITY_HOST */
	const char *imds_url;          /* MFA_MIGRATE_IMDS_URL (tests only) */
	const char *identity_endpoint; /* IDENTITY_ENDPOINT (App Service, Container Apps) */
	const char *identity_header;   /* IDENTITY_HEADER: a secret, copied and wiped */
	const char *identity_server_thumbprint; /* IDENTITY_SERVER_THUMBPRINT (Service Fabric) */
	const char *imds_endpoint;     /* IMDS_ENDPOINT (Azure Arc, with IDENTITY_ENDPOINT) */
};

/* All strings are borrowed for the duration of mfa_auth_new only (it
 * copies what it keeps). NULL means "not given": use env. */
struct mfa_auth_options {
	const char *tenant;            /* --tenant */
	const char *client_id;         /* --client-id */
	const char *client_secret;     /* --client-secret */
	const char *cert_path;         /* --certificate: PEM (cert + key) or PFX */
	const char *cert_password;     /* --certificate-password */
	const char *access_token_file; /* --access-token-file */
	int managed_identity;          /* --managed-identity */
	const char *cloud;             /* --cloud global|usgov|usgov-dod|china; NULL = global */
	const char *graph_url;         /* --graph-url */
	const char *login_url;         /* --login-url */
	const char *assertion_alg;     /* --assertion-alg ps256|rs256; NULL = ps256 */
	struct mfa_auth_env env;       /* the environment's values, read by the caller */
	long timeout_s;                /* token request timeout; 0 = 30 */
	const char *ca_file;           /* extra CA bundle (tests); NULL = system */
	struct mfa_http_proxy proxy;   /* for the sign-in's own loop (graph/http.h
					* "Proxies"); give the run's engine the same */
	mfa_http_trace_fn trace;       /* traces token requests too; NULL: off */
	void *trace_ctx;
	double refresh_ahead_s;        /* > 0: refresh when less than this is left
					* (tests); 0: 5 minutes, or a quarter of a
					* short-lived token's life */
};

#define MFA_AUTH_OPTIONS_INIT { .tenant = NULL }

struct mfa_auth;

/* Resolves the settings (options, then environment), loads and checks the
 * certificate or the token file, checks every URL. No network. */
int mfa_auth_new(struct mfa_auth **out, const struct mfa_auth_options *opts,
		 struct mfa_err *err);

/* Wipes the secrets it holds and frees. NULL is fine. */
void mfa_auth_free(struct mfa_auth *a);

/* Gets a new token now (does nothing for a ready token), so a bad
 * credential fails before any work starts. Blocks: it runs the token
 * request in an http loop of its own (with a's trace and CA settings), so
 * call it before the work starts, never from an engine callback. */
int mfa_auth_sign_in(struct mfa_auth *a, struct mfa_err *err);

/* The token source for an http engine (an mfa_http_auth_fn: pass `a` as
 * its context with mfa_http_set_auth). Never blocks. With a usable token:
 * MFA_HTTP_AUTH_READY and *bearer = "Bearer <token>" (owned by a, valid
 * until the next call), starting a background refresh in h when the token
 * is near its end. Without one (none yet, expired, or refused: refresh =
 * 1): submits a token request to h unless one is out, and returns
 * MFA_HTTP_AUTH_PENDING; when it ends, a calls mfa_http_auth_settle(h).
 * A failed refresh ahead of expiry keeps the old token while it lasts
 * and tries again 30 s later; otherwise the failure stops h with the
 * reason ("sign-in failed: invalid_client: ..."). For a ready token a
 * refresh fails at once with "the access token was refused (expired?)".
 * -1 with err set when no token request can be made. One engine at a
 * time; free that engine before a. */
int mfa_auth_bearer(void *a, struct mfa_http *h, int refresh, const char **bearer,
		    struct mfa_err *err);

/* Graph base URL without trailing slash, e.g. "https://graph.microsoft.com". */
const char *mfa_auth_graph_url(const struct mfa_auth *a);

/* The token URL ({login}/{tenant}/oauth2/v2.0/token, or the IMDS URL);
 * NULL for a ready token. */
const char *mfa_auth_token_url(const struct mfa_auth *a);

/* The tenant id or domain as given; for a ready token, the token's `tid`
 * claim when readable. NULL when unknown. */
const char *mfa_auth_tenant(const struct mfa_auth *a);

enum mfa_auth_kind mfa_auth_kind(const struct mfa_auth *a);

/* "secret", "certificate", "token", "managed-identity". Static. */
const char *mfa_auth_kind_name(enum mfa_auth_kind k);

/* Seconds (monotonic) the current token has left; negative when there is
 * none or it expired; a large value for a ready token of unknown expiry. */
double mfa_auth_token_remaining(const struct mfa_auth *a);

/* For managed identity, which endpoint it signs in at: "imds" or
 * "app-service" (static); NULL for the other kinds. */
const char *mfa_auth_mi_endpoint_kind(const struct mfa_auth *a);

/* Counts of token requests made (including retries), for the summary. */
unsigned long mfa_auth_token_requests(const struct mfa_auth *a);

#endif
