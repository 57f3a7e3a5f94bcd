/* auth.c - signing in (graph/auth.h). */
#include "graph/auth.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "graph/cloud.h"
#include "graph/http.h"
#include "graph/jwt.h"

#define GRAPH_SCOPE_SUFFIX "/.default"
#define REFRESH_AHEAD_S 300.0   /* refresh with less than 5 minutes left */
#define RETRY_FAILED_REFRESH_S 30.0
#define MAX_TOKEN_REPLY (256 * 1024)
#define MAX_TOKEN_FILE (64 * 1024)

struct mfa_auth {
	enum mfa_auth_kind kind;
	enum mfa_cloud cloud;
	enum mfa_jwt_alg alg;
	char *tenant;
	char *client_id;
	char *secret;          /* wiped on free */
	char *graph_url;
	char *token_url;       /* or the managed identity endpoint's URL */
	int app_service;       /* managed identity at IDENTITY_ENDPOINT, not IMDS */
	char *mi_secret;       /* IDENTITY_HEADER, wiped on free */
	char *mi_header;       /* "X-IDENTITY-HEADER: <secret>", wiped on free */
	const char *mi_headers[2];
	char *ca_file;
	char *proxy_url;       /* options.proxy, copied (may hold a password: wiped) */
	char *no_proxy;
	char *proxy_source;
	long timeout_s;
	mfa_http_trace_fn trace;
	void *trace_ctx;
	struct mfa_credential cred;

	char *bearer;          /* "Bearer <token>", wiped on free */
	double expires_at;     /* monotonic; INFINITY for a ready token */
	double ahead_s;        /* refresh this long before expiry */
	double ahead_opt;      /* options.refresh_ahead_s */
	double next_try;       /* after a failed refresh-ahead */
	int stale;             /* the token was refused (a 401): not to be sent again */
	int fetching;          /* a token request is out, in `engine` */
	struct mfa_http *engine;
	char *assertion;       /* the one being sent, to scrub from messages; wiped */
	int last_rc;           /* how the last token request ended */
	struct mfa_err last_err;
	unsigned long requests;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall-clock seconds with fractions: expires_on is a time, not a span. */
static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void free_secret(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

/* the option if given, else the environment's value; "" is not given */
static const char *pick(const char *opt, const char *env)
{
	if (opt && *opt)
		return opt;
	return env && *env ? env : NULL;
}

/* Replaces every occurrence of needle in msg with "[redacted]". */
static void scrub_one(char *msg, size_t cap, const char *needle)
{
	static const char mask[] = "[redacted]";
	size_t nlen, mlen = sizeof(mask) - 1;
	char *p, tmp[MFA_ERR_MAX];

	if (!needle || !*needle)
		return;
	nlen = strlen(needle);
	p = msg;
	while ((p = strstr(p, needle)) != NULL) {
		snprintf(tmp, sizeof(tmp), "%s", p + nlen);
		*p = '\0';
		if ((size_t)(p - msg) + mlen >= cap)
			return;
		snprintf(p, cap - (size_t)(p - msg), "%s%s", mask, tmp);
		p += mlen;
	}
}

/* Last line of defence: whatever a message was built from, no secret
 * leaves this module in it. */
static void scrub(const struct mfa_auth *a, struct mfa_err *err, const char *extra)
{
	const char *tok;

	if (!err)
		return;
	scrub_one(err->msg, sizeof(err->msg), a->secret);
	scrub_one(err->msg, sizeof(err->msg), a->mi_secret);
	if (a->bearer) {
		tok = a->bearer + 7; /* after "Bearer " */
		scrub_one(err->msg, sizeof(err->msg), tok);
	}
	scrub_one(err->msg, sizeof(err->msg), extra);
}

const char *mfa_auth_kind_name(enum mfa_auth_kind k)
{
	switch (k) {
	case MFA_AUTH_SECRET: return "secret";
	case MFA_AUTH_CERTIFICATE: return "certificate";
	case MFA_AUTH_TOKEN: return "token";
	case MFA_AUTH_MANAGED_IDENTITY: return "managed-identity";
	}
	return "?";
}

/* Checks a token for characters that would break (or inject into) the
 * Authorization header, then stores "Bearer <token>". */
static int set_bearer(struct mfa_auth *a, const char *tok, size_t len, struct mfa_err *err)
{
	size_t i;
	char *b;

	if (len == 0)
		return mfa_err_set(err, "the access token is empty");
	for (i = 0; i < len; i++)
		if ((unsigned char)tok[i] <= ' ' || (unsigned char)tok[i] >= 0x7f)
			return mfa_err_set(err, "the access token contains spaces or control characters");
	b = malloc(len + 8);
	if (!b)
		return mfa_err_set(err, "out of memory");
	memcpy(b, "Bearer ", 7);
	memcpy(b + 7, tok, len);
	b[len + 7] = '\0';
	free_secret(a->bearer);
	a->bearer = b;
	return 0;
}

/* Best effort: the `tid` claim of a JWT access token, for the summary. */
static char *token_tenant(const char *tok)
{
	const char *p1 = strchr(tok, '.'), *p2;
	unsigned char *raw = NULL;
	size_t len;
	cJSON *claims;
	const cJSON *tid;
	char *out = NULL;

	if (!p1 || !(p2 = strchr(p1 + 1, '.')))
		return NULL;
	if (mfa_base64url_decode(&raw, &len, p1 + 1, (size_t)(p2 - p1 - 1), NULL) < 0)
		return NULL;
	claims = cJSON_ParseWithLength((const char *)raw, len);
	tid = cJSON_GetObjectItemCaseSensitive(claims, "tid");
	if (cJSON_IsString(tid))
		out = dup_str(tid->valuestring);
	cJSON_Delete(claims);
	free(raw);
	return out;
}

static int load_token(struct mfa_auth *a, const char *file, const char *value,
		      struct mfa_err *err)
{
	char *buf = NULL;
	const char *s;
	size_t len = 0;
	FILE *f = NULL;
	int rc = -1;

	if (file) {
		f = fopen(file, "rb");
		if (!f) {
			mfa_err_set(err, "cannot open '%s': %s", file, strerror(errno));
			goto cleanup;
		}
		buf = malloc(MAX_TOKEN_FILE + 1);
		if (!buf) {
			mfa_err_set(err, "out of memory");
			goto cleanup;
		}
		len = fread(buf, 1, MAX_TOKEN_FILE + 1, f);
		if (ferror(f) || len > MAX_TOKEN_FILE) {
			mfa_err_set(err, "cannot read an access token from '%s'", file);
			goto cleanup;
		}
		buf[len] = '\0';
		s = buf;
	} else {
		s = value;
		len = strlen(s);
	}
	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
			   s[len - 1] == '\n'))
		len--;
	if (len > 7 && !strncasecmp(s, "Bearer ", 7))
		s += 7, len -= 7;
	if (set_bearer(a, s, len, err) < 0) {
		if (file)
			mfa_err_prefix(err, "'%s'", file);
		goto cleanup;
	}
	a->expires_at = INFINITY;
	if (!a->tenant)
		a->tenant = token_tenant(a->bearer + 7);
	rc = 0;
cleanup:
	if (buf) {
		OPENSSL_cleanse(buf, MAX_TOKEN_FILE + 1);
		free(buf);
	}
	if (f)
		fclose(f);
	return rc;
}

/* AZURE_AUTHORITY_HOST is often a bare host name; make it a URL. */
static char *authority_url(const char *v)
{
	size_t n;
	char *u;

	if (strstr(v, "://"))
		return dup_str(v);
	n = strlen(v) + sizeof("https://");
	u = malloc(n);
	if (u)
		snprintf(u, n, "https://%s", v);
	return u;
}

/* The App Service / Container Apps form: the URL, and the header that
 * carries IDENTITY_HEADER (kept apart so it can be scrubbed and wiped). */
static int app_service_identity(struct mfa_auth *a, const char *endpoint, const char *secret,
				const char *client_id, struct mfa_err *err)
{
	static const char name[] = "X-IDENTITY-HEADER: ";
	size_t i, n = strlen(secret);

	for (i = 0; i < n; i++)
		if ((unsigned char)secret[i] < ' ' || (unsigned char)secret[i] == 0x7f)
			return mfa_err_set(err, "IDENTITY_HEADER contains control characters: check the variable the platform set");
	if (mfa_cloud_mi_url(&a->token_url, MFA_CLOUD_MI_APP_SERVICE, endpoint, a->cloud, client_id,
			     err) < 0)
		return -1;
	a->mi_secret = dup_str(secret);
	a->mi_header = malloc(sizeof(name) + n);
	if (!a->mi_secret || !a->mi_header)
		return mfa_err_set(err, "out of memory");
	memcpy(a->mi_header, name, sizeof(name) - 1);
	memcpy(a->mi_header + sizeof(name) - 1, secret, n + 1);
	a->mi_headers[0] = a->mi_header;
	a->mi_headers[1] = NULL;
	a->app_service = 1;
	return 0;
}

int mfa_auth_new(struct mfa_auth **out, const struct mfa_auth_options *opts,
		 struct mfa_err *err)
{
	static const struct mfa_auth_options defaults = MFA_AUTH_OPTIONS_INIT;
	const struct mfa_auth_options *o = opts ? opts : &defaults;
	const char *tenant = NULL, *client_id = NULL, *secret = NULL, *cert = NULL;
	const char *certpw = NULL, *envtok = NULL, *login = NULL, *imds = NULL;
	char *login_url = NULL;
	struct mfa_auth *a = NULL;
	int rc = -1;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return mfa_err_set(err, "out of memory");
	a->timeout_s = o->timeout_s > 0 ? o->timeout_s : 30;
	a->trace = o->trace;
	a->trace_ctx = o->trace_ctx;
	a->ahead_opt = o->refresh_ahead_s;
	a->cloud = MFA_CLOUD_GLOBAL;
	if (o->cloud && mfa_cloud_parse(o->cloud, &a->cloud, err) < 0)
		goto cleanup;
	a->alg = MFA_JWT_PS256;
	if (o->assertion_alg && mfa_jwt_parse_alg(o->assertion_alg, &a->alg, err) < 0)
		goto cleanup;
	if (o->ca_file && !(a->ca_file = dup_str(o->ca_file)))
		goto oom;
	if ((o->proxy.url && !(a->proxy_url = dup_str(o->proxy.url))) ||
	    (o->proxy.no_proxy && !(a->no_proxy = dup_str(o->proxy.no_proxy))) ||
	    (o->proxy.source && !(a->proxy_source = dup_str(o->proxy.source))))
		goto oom;

	tenant = pick(o->tenant, o->env.tenant);
	client_id = pick(o->client_id, o->env.client_id);
	secret = pick(o->client_secret, o->env.client_secret);
	cert = pick(o->cert_path, o->env.cert_path);
	certpw = pick(o->cert_password, o->env.cert_password);
	envtok = pick(NULL, o->env.access_token);

	if (o->access_token_file && *o->access_token_file)
		a->kind = MFA_AUTH_TOKEN;
	else if (o->managed_identity)
		a->kind = MFA_AUTH_MANAGED_IDENTITY;
	else if (o->client_secret && *o->client_secret)
		a->kind = MFA_AUTH_SECRET;
	else if (o->cert_path && *o->cert_path)
		a->kind = MFA_AUTH_CERTIFICATE;
	else if (envtok)
		a->kind = MFA_AUTH_TOKEN;
	else if (secret)
		a->kind = MFA_AUTH_SECRET;
	else if (cert)
		a->kind = MFA_AUTH_CERTIFICATE;
	else {
		mfa_err_set(err, "no credentials: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH), or pass --access-token-file or --managed-identity");
		goto cleanup;
	}
	if ((tenant && !(a->tenant = dup_str(tenant))) ||
	    (client_id && !(a->client_id = dup_str(client_id))))
		goto oom;

	if (o->graph_url && *o->graph_url) {
		if (mfa_cloud_base_url(&a->graph_url, o->graph_url, err) < 0) {
			mfa_err_prefix(err, "--graph-url");
			goto cleanup;
		}
	} else if (!(a->graph_url = dup_str(mfa_cloud_graph_url(a->cloud)))) {
		goto oom;
	}

	switch (a->kind) {
	case MFA_AUTH_TOKEN:
		if (load_token(a, o->access_token_file && *o->access_token_file ?
				   o->access_token_file : NULL, envtok, err) < 0)
			goto cleanup;
		break;
	case MFA_AUTH_MANAGED_IDENTITY:
		if (pick(NULL, o->env.identity_endpoint) && pick(NULL, o->env.identity_header)) {
			if (pick(NULL, o->env.identity_server_thumbprint)) {
				mfa_err_set(err, "IDENTITY_SERVER_THUMBPRINT is set: this is Service Fabric's managed identity, which mfa-migrate cannot use; sign in with an app registration (AZURE_CLIENT_ID with a secret or certificate)");
				goto cleanup;
			}
			if (app_service_identity(a, o->env.identity_endpoint, o->env.identity_header,
						 client_id, err) < 0)
				goto cleanup;
			break;
		}
		if (pick(NULL, o->env.identity_endpoint) && pick(NULL, o->env.imds_endpoint)) {
			mfa_err_set(err, "IDENTITY_ENDPOINT and IMDS_ENDPOINT are set: this is Azure Arc's managed identity, which mfa-migrate cannot use; sign in with an app registration (AZURE_CLIENT_ID with a secret or certificate)");
			goto cleanup;
		}
		imds = pick(NULL, o->env.imds_url);
		if (imds && strchr(imds, '?')) {
			if (!(a->token_url = dup_str(imds)))
				goto oom;
		} else if (imds) {
			if (mfa_cloud_mi_url(&a->token_url, MFA_CLOUD_MI_IMDS, imds, a->cloud, client_id,
					     err) < 0)
				goto cleanup;
		} else if (mfa_cloud_imds_url(&a->token_url, a->cloud, client_id, err) < 0) {
			goto cleanup;
		}
		if (mfa_cloud_check_imds_url(a->token_url, err) < 0)
			goto cleanup;
		break;
	case MFA_AUTH_SECRET:
	case MFA_AUTH_CERTIFICATE:
		if (!a->client_id) {
			mfa_err_set(err, "no client id: set AZURE_CLIENT_ID or pass --client-id");
			goto cleanup;
		}
		login = o->login_url && *o->login_url ? o->login_url
						       : pick(NULL, o->env.authority_host);
		if (login) {
			if (!(login_url = authority_url(login)))
				goto oom;
		} else if (!(login_url = dup_str(mfa_cloud_login_url(a->cloud)))) {
			goto oom;
		}
		if (mfa_cloud_token_url(&a->token_url, login_url, a->tenant, err) < 0)
			goto cleanup;
		if (a->kind == MFA_AUTH_SECRET) {
			if (!(a->secret = dup_str(secret)))
				goto oom;
		} else if (mfa_credential_load(&a->cred, cert, certpw, err) < 0) {
			goto cleanup;
		}
		break;
	}
	*out = a;
	a = NULL;
	rc = 0;
	goto cleanup;
oom:
	mfa_err_set(err, "out of memory");
cleanup:
	if (rc < 0 && a) {
		scrub(a, err, certpw);
		scrub(a, err, secret);
	}
	free(login_url);
	mfa_auth_free(a);
	return rc;
}

void mfa_auth_free(struct mfa_auth *a)
{
	if (!a)
		return;
	free(a->tenant);
	free(a->client_id);
	free_secret(a->secret);
	free_secret(a->mi_secret);
	free_secret(a->mi_header);
	free(a->graph_url);
	free(a->token_url);
	free(a->ca_file);
	free_secret(a->proxy_url);
	free(a->no_proxy);
	free(a->proxy_source);
	free_secret(a->bearer);
	free_secret(a->assertion);
	mfa_credential_release(&a->cred);
	free(a);
}

/* ---- the token request --------------------------------------------- */

/* Appends "&name=urlencoded(value)" to the form. */
static int form_add(char **form, size_t *len, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);
	size_t add, need;
	char *nf;

	if (!esc)
		return -1;
	add = strlen(name) + strlen(esc) + 2;
	need = *len + add + 1;
	nf = realloc(*form, need);
	if (!nf) {
		curl_free(esc);
		return -1;
	}
	snprintf(nf + *len, add + 1, "%s%s=%s", *len ? "&" : "", name, esc);
	*len += strlen(nf + *len);
	OPENSSL_cleanse(esc, strlen(esc));
	curl_free(esc);
	*form = nf;
	return 0;
}

/* The form body of a client-credentials request; *assertion receives the
 * JWT (so it can be scrubbed from messages). */
static int build_form(struct mfa_auth *a, char **form, size_t *flen, char **assertion,
		      struct mfa_err *err)
{
	char scope[512];

	*form = NULL;
	*flen = 0;
	*assertion = NULL;
	snprintf(scope, sizeof(scope), "%s%s", a->graph_url, GRAPH_SCOPE_SUFFIX);
	if (a->kind == MFA_AUTH_CERTIFICATE &&
	    mfa_jwt_client_assertion(assertion, &a->cred, a->alg, a->client_id, a->token_url,
				     time(NULL), err) < 0)
		return -1;
	if (form_add(form, flen, "client_id", a->client_id) < 0 ||
	    form_add(form, flen, "scope", scope) < 0 ||
	    form_add(form, flen, "grant_type", "client_credentials") < 0 ||
	    (a->kind == MFA_AUTH_SECRET && form_add(form, flen, "client_secret", a->secret) < 0) ||
	    (a->kind == MFA_AUTH_CERTIFICATE &&
	     (form_add(form, flen, "client_assertion_type",
		       "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") < 0 ||
	      form_add(form, flen, "client_assertion", *assertion) < 0)))
		return mfa_err_set(err, "out of memory");
	return 0;
}

/* First line of s, at most n-1 bytes, into dst. */
static void first_line(char *dst, size_t n, const char *s)
{
	size_t i = 0;

	while (s[i] && s[i] != '\r' && s[i] != '\n' && i + 1 < n) {
		dst[i] = s[i];
		i++;
	}
	dst[i] = '\0';
}

/* A managed identity lives in one tenant, whatever --tenant says: its
 * token's `tid` names it. A tenant id given that is another one fails the
 * sign-in (an audit must never report one tenant under another's name);
 * none given takes the token's. A domain name cannot be compared here. */
static int check_mi_tenant(struct mfa_auth *a, const char *token, struct mfa_err *err)
{
	char *tid = token_tenant(token);
	int rc = 0;

	if (!tid)
		return 0;
	if (!a->tenant) {
		a->tenant = tid;
		return 0;
	}
	if (strlen(a->tenant) == 36 && strchr(a->tenant, '-') && strcasecmp(a->tenant, tid) != 0)
		rc = mfa_err_set(err, "sign-in failed: the managed identity belongs to tenant '%s', not '%s': a managed identity signs in only to its own tenant (unset AZURE_TENANT_ID / --tenant, or use an app registration)",
				 tid, a->tenant);
	free(tid);
	return rc;
}

/* Reads a token reply; on success stores the bearer and expiry. */
static int read_reply(struct mfa_auth *a, long status, const char *body, size_t len,
		      double now, struct mfa_err *err)
{
	cJSON *root = NULL;
	const cJSON *tok, *exp, *on, *e, *desc;
	char line[300];
	double secs = 3599;
	int rc = -1;

	root = len ? cJSON_ParseWithLength(body, len) : NULL;
	if (status != 200) {
		e = cJSON_GetObjectItemCaseSensitive(root, "error");
		desc = cJSON_GetObjectItemCaseSensitive(root, "error_description");
		if (cJSON_IsString(e)) {
			first_line(line, sizeof(line),
				   cJSON_IsString(desc) ? desc->valuestring : "");
			mfa_err_set(err, "sign-in failed: %s%s%s", e->valuestring,
				    line[0] ? ": " : "", line);
		} else if (cJSON_IsObject(e) &&
			   cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "message"))) {
			/* IMDS answers {"error":{"code","message"}} */
			first_line(line, sizeof(line),
				   cJSON_GetObjectItemCaseSensitive(e, "message")->valuestring);
			mfa_err_set(err, "sign-in failed: http %ld: %s", status, line);
		} else if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "message"))) {
			/* App Service: {"statusCode","message","correlationId"} */
			first_line(line, sizeof(line),
				   cJSON_GetObjectItemCaseSensitive(root, "message")->valuestring);
			mfa_err_set(err, "sign-in failed: http %ld from the managed identity endpoint: %s%s",
				    status, line, status == 401 || status == 403 ?
				    " (check that IDENTITY_HEADER is the value the platform set now: it is rotated)" : "");
		} else {
			mfa_err_set(err, "sign-in failed: http %ld from the token endpoint", status);
		}
		goto cleanup;
	}
	tok = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	if (!cJSON_IsString(tok)) {
		mfa_err_set(err, "sign-in failed: the token endpoint's reply has no access_token");
		goto cleanup;
	}
	exp = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
	on = cJSON_GetObjectItemCaseSensitive(root, "expires_on");
	if (cJSON_IsNumber(exp))
		secs = exp->valuedouble;
	else if (cJSON_IsString(exp)) /* IMDS sends it as a string */
		secs = strtod(exp->valuestring, NULL);
	else if (cJSON_IsNumber(on) || cJSON_IsString(on)) /* App Service: epoch seconds */
		secs = fmax(1, (cJSON_IsNumber(on) ? on->valuedouble : strtod(on->valuestring, NULL)) -
			       wall_now());
	if (!(secs > 0) || !isfinite(secs))
		secs = 300;
	if (a->kind == MFA_AUTH_MANAGED_IDENTITY && check_mi_tenant(a, tok->valuestring, err) < 0)
		goto cleanup;
	if (set_bearer(a, tok->valuestring, strlen(tok->valuestring), err) < 0) {
		mfa_err_prefix(err, "sign-in failed");
		goto cleanup;
	}
	a->expires_at = now + secs;
	/* Short-lived tokens (tests, some proxies) refresh at 3/4 of their
	 * life rather than on every request. */
	a->ahead_s = a->ahead_opt > 0 ? a->ahead_opt : fmin(REFRESH_AHEAD_S, secs / 4);
	rc = 0;
cleanup:
	if (root && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "access_token")))
		OPENSSL_cleanse(cJSON_GetObjectItemCaseSensitive(root, "access_token")->valuestring,
				strlen(cJSON_GetObjectItemCaseSensitive(root, "access_token")->valuestring));
	cJSON_Delete(root);
	return rc;
}

/* The end of a token request (an http engine done callback). */
static void on_token(void *ctx, const struct mfa_http_response *resp)
{
	struct mfa_auth *a = ctx;
	struct mfa_http *h = a->engine;
	struct mfa_err e = MFA_ERR_INIT;
	double now = mono_now();
	int usable;

	a->fetching = 0;
	a->engine = NULL;
	a->requests += resp->attempts;
	if (resp->cancelled) {
		mfa_err_set(&e, "sign-in did not finish: the run was interrupted");
	} else if (resp->too_large) {
		mfa_err_set(&e, "sign-in failed: the token endpoint's reply is too large");
	} else if (resp->curl_code) {
		mfa_err_set(&e, "sign-in failed: cannot reach '%s': %s",
			    a->kind == MFA_AUTH_MANAGED_IDENTITY ? "the managed identity endpoint"
								 : a->token_url,
			    resp->error ? resp->error : "no answer");
	} else if (read_reply(a, resp->status, resp->body, resp->body_len, now, &e) == 0) {
		a->stale = 0;
		a->next_try = 0;
		a->last_rc = 0;
		free_secret(a->assertion);
		a->assertion = NULL;
		mfa_http_auth_settle(h, 1, NULL);
		return;
	}
	scrub(a, &e, a->assertion);
	free_secret(a->assertion);
	a->assertion = NULL;
	a->last_rc = -1;
	a->last_err = e;
	usable = a->bearer && !a->stale && now < a->expires_at;
	if (resp->cancelled || usable) {
		/* keep the old token while it lasts; try again soon */
		if (usable)
			a->next_try = now + RETRY_FAILED_REFRESH_S;
		mfa_http_auth_settle(h, 0, NULL);
	} else {
		mfa_http_auth_settle(h, 0, &e);
	}
}

/* Submits a token request to h as one of its transfers; on_token takes
 * the answer. */
static int submit_token(struct mfa_auth *a, struct mfa_http *h, struct mfa_err *err)
{
	static const char *const form_headers[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL
	};
	static const char *const imds_headers[] = { "Metadata: true", NULL };
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	int mi = a->kind == MFA_AUTH_MANAGED_IDENTITY, rc = -1;
	char *form = NULL;
	size_t flen = 0;

	free_secret(a->assertion);
	a->assertion = NULL;
	if (!mi && build_form(a, &form, &flen, &a->assertion, err) < 0)
		goto cleanup;
	req.method = mi ? "GET" : "POST";
	req.url = a->token_url;
	req.headers = !mi ? form_headers : a->app_service ? a->mi_headers : imds_headers;
	req.body = form;
	req.body_len = flen;
	req.token = 1;
	req.scope = MFA_SCOPE_UNTHROTTLED;
	req.max_body = MAX_TOKEN_REPLY;
	req.timeout_s = a->timeout_s;
	req.trace_name = !mi ? NULL : a->app_service ? "managed-identity endpoint (IDENTITY_ENDPOINT)"
						      : "managed-identity endpoint";
	req.sensitive = mi;
	req.done = on_token;
	req.ctx = a;
	if (mfa_http_submit(h, &req, err) < 0) {
		mfa_err_prefix(err, "sign-in failed");
		goto cleanup;
	}
	a->fetching = 1;
	a->engine = h;
	rc = 0;
cleanup:
	if (rc < 0) {
		scrub(a, err, a->assertion);
		free_secret(a->assertion);
		a->assertion = NULL;
	}
	free_secret(form);
	return rc;
}

int mfa_auth_sign_in(struct mfa_auth *a, struct mfa_err *err)
{
	struct mfa_http_options o = MFA_HTTP_OPTIONS_INIT;
	struct mfa_http *h = NULL;
	struct mfa_err e = MFA_ERR_INIT;
	int rc = -1;

	if (a->kind == MFA_AUTH_TOKEN)
		return 0;
	if (a->fetching)
		return mfa_err_set(err, "sign-in is already under way");
	/* Nothing else is running yet: a loop of its own, with the one
	 * token request in it, is the same path as a refresh in a run. */
	o.workers = 1;
	o.trace = a->trace;
	o.trace_ctx = a->trace_ctx;
	o.ca_file = a->ca_file;
	o.proxy.url = a->proxy_url;
	o.proxy.no_proxy = a->no_proxy;
	o.proxy.source = a->proxy_source;
	if (mfa_http_new(&h, &o, err) < 0)
		goto cleanup;
	a->last_rc = -1;
	mfa_err_set(&a->last_err, "sign-in failed: no answer from the token endpoint");
	if (submit_token(a, h, err) < 0)
		goto cleanup;
	mfa_http_run(h, &e);
	if (a->last_rc < 0) {
		if (err)
			*err = a->last_err;
		goto cleanup;
	}
	rc = 0;
cleanup:
	mfa_http_free(h);
	return rc;
}

int mfa_auth_bearer(void *ctx, struct mfa_http *h, int refresh, const char **bearer,
		    struct mfa_err *err)
{
	struct mfa_auth *a = ctx;
	double now = mono_now();

	*bearer = NULL;
	if (a->kind == MFA_AUTH_TOKEN) {
		if (refresh) {
			mfa_err_set(err, "the access token was refused (expired?)");
			return -1;
		}
		*bearer = a->bearer;
		return MFA_HTTP_AUTH_READY;
	}
	if (refresh)
		a->stale = 1;
	if (a->bearer && !a->stale && now < a->expires_at) {
		/* refresh ahead of expiry, in the background: the old token
		 * serves until the new one is there */
		if (!a->fetching && a->expires_at - now < a->ahead_s && now >= a->next_try) {
			struct mfa_err e2 = MFA_ERR_INIT;
			if (submit_token(a, h, &e2) < 0)
				a->next_try = now + RETRY_FAILED_REFRESH_S;
		}
		*bearer = a->bearer;
		return MFA_HTTP_AUTH_READY;
	}
	if (!a->fetching && submit_token(a, h, err) < 0)
		return -1;
	return MFA_HTTP_AUTH_PENDING;
}

const char *mfa_auth_graph_url(const struct mfa_auth *a)
{
	return a->graph_url;
}

const char *mfa_auth_token_url(const struct mfa_auth *a)
{
	return a->kind == MFA_AUTH_TOKEN ? NULL : a->token_url;
}

const char *mfa_auth_tenant(const struct mfa_auth *a)
{
	return a->tenant;
}

enum mfa_auth_kind mfa_auth_kind(const struct mfa_auth *a)
{
	return a->kind;
}

double mfa_auth_token_remaining(const struct mfa_auth *a)
{
	if (!a->bearer)
		return -1;
	if (isinf(a->expires_at))
		return 1e9;
	return a->expires_at - mono_now();
}

const char *mfa_auth_mi_endpoint_kind(const struct mfa_auth *a)
{
	if (a->kind != MFA_AUTH_MANAGED_IDENTITY)
		return NULL;
	return a->app_service ? "app-service" : "imds";
}

unsigned long mfa_auth_token_requests(const struct mfa_auth *a)
{
	return a->requests;
}
