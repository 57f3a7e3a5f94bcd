/* auth.c - client-credentials sign-in and bearer-token checks. */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rng.h"

struct emu_auth {
	const struct emu_config *cfg;
	unsigned char key[32];
	EVP_PKEY *cert_key;     /* public key of --client-cert, or NULL */
	char x5t[64];           /* base64url SHA-1 of the certificate (DER) */
	char x5t256[64];        /* base64url SHA-256 */
};

static const char b64url_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		buf_putc(b, b64url_chars[v >> 18]);
		buf_putc(b, b64url_chars[(v >> 12) & 63]);
		buf_putc(b, b64url_chars[(v >> 6) & 63]);
		buf_putc(b, b64url_chars[v & 63]);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		buf_putc(b, b64url_chars[v >> 18]);
		buf_putc(b, b64url_chars[(v >> 12) & 63]);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		buf_putc(b, b64url_chars[v >> 18]);
		buf_putc(b, b64url_chars[(v >> 12) & 63]);
		buf_putc(b, b64url_chars[(v >> 6) & 63]);
	}
}

static int b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

int emu_b64url_decode(const char *s, size_t n, struct buf *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i;

	while (n > 0 && s[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		int v = b64url_val(s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
	buf_cstr(out);
	return 0;
}

static void thumbprint(const unsigned char *der, int len, const EVP_MD *md, char *out, size_t size)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	struct buf b = BUF_INIT;

	EVP_Digest(der, (size_t)len, d, &dl, md, NULL);
	b64url_encode(&b, d, dl);
	snprintf(out, size, "%s", buf_cstr(&b));
	buf_release(&b);
}

int emu_auth_new(struct emu_auth **out, const struct emu_config *cfg, struct mfa_err *err)
{
	struct emu_auth *a = NULL;
	FILE *f = NULL;
	X509 *cert = NULL;
	unsigned char *der = NULL;
	int len, ret = -1;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	a->cfg = cfg;
	if (RAND_bytes(a->key, sizeof(a->key)) != 1) {
		mfa_err_set(err, "cannot draw a token signing key");
		goto cleanup;
	}
	if (cfg->client_cert) {
		f = fopen(cfg->client_cert, "r");
		if (!f) {
			mfa_err_set(err, "cannot open '%s'", cfg->client_cert);
			goto cleanup;
		}
		cert = PEM_read_X509(f, NULL, NULL, NULL);
		if (!cert) {
			mfa_err_set(err, "'%s': no PEM certificate in it", cfg->client_cert);
			goto cleanup;
		}
		a->cert_key = X509_get_pubkey(cert);
		len = i2d_X509(cert, &der);
		if (!a->cert_key || len <= 0) {
			mfa_err_set(err, "'%s': cannot read the certificate's public key", cfg->client_cert);
			goto cleanup;
		}
		thumbprint(der, len, EVP_sha1(), a->x5t, sizeof(a->x5t));
		thumbprint(der, len, EVP_sha256(), a->x5t256, sizeof(a->x5t256));
	}
	*out = a;
	a = NULL;
	ret = 0;
cleanup:
	OPENSSL_free(der);
	X509_free(cert);
	if (f)
		fclose(f);
	emu_auth_free(a);
	return ret;
}

void emu_auth_free(struct emu_auth *a)
{
	if (!a)
		return;
	EVP_PKEY_free(a->cert_key);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	free(a);
}

/* ---- Entra's error replies ---- */

static void entra_error(struct emu_reply *rp, int status, const char *error, unsigned code,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void entra_error(struct emu_reply *rp, int status, const char *error, unsigned code,
			const char *fmt, ...)
{
	char msg[600], full[700], ts[32], trace[37];
	uint64_t r1, r2;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r1 = rng_mix((uint64_t)(emu_wall() * 1e6));
	r2 = rng_mix(r1);
	snprintf(trace, sizeof(trace), "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(r1 >> 32),
		 (unsigned)(r1 & 0xffff), (unsigned)((r1 >> 16) & 0xfff), (unsigned)(r2 & 0xfff),
		 (unsigned long long)(r2 >> 16));
	emu_iso_time(emu_wall(), ts);
	snprintf(full, sizeof(full), "AADSTS%u: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
		 code, msg, trace, trace, ts);
	rp->status = status;
	rp->json = true;
	buf_reset(&rp->body);
	buf_puts(&rp->body, "{\"error\":");
	buf_json_str(&rp->body, error);
	buf_puts(&rp->body, ",\"error_description\":");
	buf_json_str(&rp->body, full);
	buf_printf(&rp->body, ",\"error_codes\":[%u],\"timestamp\":\"%s\",\"trace_id\":\"%s\","
		   "\"correlation_id\":\"%s\"}", code, ts, trace, trace);
}

/* ---- form bodies ---- */

struct form {
	char *copy;
	const char *grant_type, *client_id, *client_secret, *scope;
	const char *assertion_type, *assertion;
};

static void form_parse(struct form *fm, const char *body)
{
	char *p, *next;

	memset(fm, 0, sizeof(*fm));
	fm->copy = strdup(body ? body : "");
	if (!fm->copy)
		abort();
	for (p = fm->copy; p; p = next) {
		next = strchr(p, '&');
		if (next)
			*next++ = '\0';
		char *eq = strchr(p, '='), *v, *q;
		if (!eq)
			continue;
		*eq = '\0';
		v = eq + 1;
		for (q = v; *q; q++)
			if (*q == '+')
				*q = ' ';
		url_decode_inplace(p);
		url_decode_inplace(v);
		if (strcmp(p, "grant_type") == 0)
			fm->grant_type = v;
		else if (strcmp(p, "client_id") == 0)
			fm->client_id = v;
		else if (strcmp(p, "client_secret") == 0)
			fm->client_secret = v;
		else if (strcmp(p, "scope") == 0)
			fm->scope = v;
		else if (strcmp(p, "client_assertion_type") == 0)
			fm->assertion_type = v;
		else if (strcmp(p, "client_assertion") == 0)
			fm->assertion = v;
	}
}

/* ---- client assertion ---- */

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Returns 0 when the assertion is good; otherwise fills rp. */
static int check_assertion(struct emu_auth *a, const char *jwt, const char *client_id,
			   const char *token_url, struct emu_reply *rp)
{
	const char *dot1 = strchr(jwt, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	struct buf hdr = BUF_INIT, pay = BUF_INIT, sig = BUF_INIT;
	cJSON *h = NULL, *p = NULL;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	const char *alg, *aud, *iss, *sub;
	const cJSON *exp, *nbf;
	bool pss;
	double now = emu_wall();
	int ret = -1;

	if (!dot1 || !dot2 || strchr(dot2 + 1, '.') ||
	    emu_b64url_decode(jwt, (size_t)(dot1 - jwt), &hdr) < 0 ||
	    emu_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &pay) < 0 ||
	    emu_b64url_decode(dot2 + 1, strlen(dot2 + 1), &sig) < 0 ||
	    !(h = cJSON_Parse(buf_cstr(&hdr))) || !(p = cJSON_Parse(buf_cstr(&pay)))) {
		entra_error(rp, 400, "invalid_request", 50027,
			    "JWT token is invalid or malformed.");
		goto cleanup;
	}
	alg = json_str(h, "alg");
	if (!alg || (strcmp(alg, "RS256") != 0 && strcmp(alg, "PS256") != 0)) {
		entra_error(rp, 401, "invalid_client", 5002738,
			    "Invalid JWT token. '%s' is not a supported signature algorithm.",
			    alg ? alg : "");
		goto cleanup;
	}
	pss = strcmp(alg, "PS256") == 0;
	if (!a->cert_key) {
		entra_error(rp, 401, "invalid_client", 700027,
			    "Client assertion failed signature validation. [Reason - The key was not found.]");
		goto cleanup;
	}
	{
		const char *want = pss ? a->x5t256 : a->x5t;
		const char *got = json_str(h, pss ? "x5t#S256" : "x5t");
		if (!got || strcmp(got, want) != 0) {
			entra_error(rp, 401, "invalid_client", 700027,
				    "Client assertion contains an invalid signature. [Reason - The key was not found., "
				    "Thumbprint of key used by client: '%.64s']", got ? got : "");
			goto cleanup;
		}
	}
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, a->cert_key) != 1 ||
	    (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1)) ||
	    EVP_DigestVerify(md, (const unsigned char *)sig.data, sig.len,
			     (const unsigned char *)jwt, (size_t)(dot2 - jwt)) != 1) {
		entra_error(rp, 401, "invalid_client", 700027,
			    "Client assertion failed signature validation.");
		goto cleanup;
	}
	aud = json_str(p, "aud");
	iss = json_str(p, "iss");
	sub = json_str(p, "sub");
	if (!iss || !sub || strcmp(iss, client_id) != 0 || strcmp(sub, client_id) != 0) {
		entra_error(rp, 401, "invalid_client", 700021,
			    "Client assertion application identifier doesn't match 'client_id' parameter.");
		goto cleanup;
	}
	if (!aud || (strcmp(aud, token_url) != 0 &&
		     !(strncmp(aud, "https://", 8) == 0 && strncmp(token_url, "http://", 7) == 0 &&
		       strcmp(aud + 8, token_url + 7) == 0))) {
		entra_error(rp, 401, "invalid_client", 50027,
			    "Invalid JWT token. The audience '%.200s' is not the token endpoint '%.200s'.",
			    aud ? aud : "", token_url);
		goto cleanup;
	}
	exp = cJSON_GetObjectItemCaseSensitive(p, "exp");
	nbf = cJSON_GetObjectItemCaseSensitive(p, "nbf");
	if (!cJSON_IsNumber(exp) || exp->valuedouble <= now ||
	    (nbf && (!cJSON_IsNumber(nbf) || nbf->valuedouble > now + 300))) {
		entra_error(rp, 401, "invalid_client", 700024,
			    "Client assertion is not within its valid time range.");
		goto cleanup;
	}
	if (!json_str(p, "jti")) {
		entra_error(rp, 400, "invalid_request", 50027,
			    "Invalid JWT token. The token has no 'jti' claim.");
		goto cleanup;
	}
	ret = 0;
cleanup:
	EVP_MD_CTX_free(md);
	cJSON_Delete(h);
	cJSON_Delete(p);
	buf_release(&hdr);
	buf_release(&pay);
	buf_release(&sig);
	return ret;
}

/* ---- tokens ---- */

static void sign(const struct emu_auth *a, const char *data, size_t n, unsigned char mac[32])
{
	unsigned int len = 32;

	HMAC(EVP_sha256(), a->key, sizeof(a->key), (const unsigned char *)data, n, mac, &len);
}

static void issue(struct emu_auth *a, struct emu_reply *rp)
{
	const struct emu_config *cfg = a->cfg;
	struct buf tok = BUF_INIT, pay = BUF_INIT;
	double now = emu_wall(), exp = now + cfg->token_ttl;
	unsigned char mac[32], jti[12];

	RAND_bytes(jti, sizeof(jti));
	b64url_encode(&tok, (const unsigned char *)"{\"typ\":\"JWT\",\"alg\":\"HS256\"}", 27);
	buf_putc(&tok, '.');
	buf_printf(&pay, "{\"aud\":\"https://graph.microsoft.com\",\"iss\":\"https://sts.windows.net/%s/\","
		   "\"iat\":%.0f,\"nbf\":%.0f,\"exp\":%.0f,\"emu_exp_ms\":%.0f,\"appid\":\"%s\","
		   "\"tid\":\"%s\",\"uti\":\"", cfg->tenant_id, floor(now), floor(now), ceil(exp),
		   floor(exp * 1000.0), cfg->client_id, cfg->tenant_id);
	b64url_encode(&pay, jti, sizeof(jti));
	buf_puts(&pay, "\"}");
	b64url_encode(&tok, (const unsigned char *)pay.data, pay.len);
	sign(a, tok.data, tok.len, mac);
	buf_putc(&tok, '.');
	b64url_encode(&tok, mac, sizeof(mac));

	rp->status = 200;
	rp->json = true;
	buf_reset(&rp->body);
	buf_printf(&rp->body, "{\"token_type\":\"Bearer\",\"expires_in\":%.0f,\"ext_expires_in\":%.0f,"
		   "\"access_token\":\"%s\"}", ceil(cfg->token_ttl), ceil(cfg->token_ttl), buf_cstr(&tok));
	OPENSSL_cleanse(tok.data, tok.len);
	buf_release(&tok);
	buf_release(&pay);
}

void emu_auth_token(struct emu_auth *a, const char *tenant, const char *token_url,
		    const struct emu_request *rq, struct emu_reply *rp)
{
	const struct emu_config *cfg = a->cfg;
	struct form fm;
	size_t sl;

	rp->route = "token";
	form_parse(&fm, rq->body);
	if (strcasecmp(tenant, cfg->tenant_id) != 0) {
		entra_error(rp, 400, "invalid_request", 90002,
			    "Tenant '%.100s' not found. Check to make sure you have the correct tenant ID "
			    "and are signing into the correct cloud.", tenant);
		goto cleanup;
	}
	if (!fm.grant_type) {
		entra_error(rp, 400, "invalid_request", 900144,
			    "The request body must contain the following parameter: 'grant_type'.");
		goto cleanup;
	}
	if (strcmp(fm.grant_type, "client_credentials") != 0) {
		entra_error(rp, 400, "unsupported_grant_type", 70003,
			    "The app requested an unsupported grant type '%.60s'.", fm.grant_type);
		goto cleanup;
	}
	if (!fm.client_id || !*fm.client_id) {
		entra_error(rp, 400, "invalid_request", 900144,
			    "The request body must contain the following parameter: 'client_id'.");
		goto cleanup;
	}
	if (strcasecmp(fm.client_id, cfg->client_id) != 0) {
		entra_error(rp, 400, "unauthorized_client", 700016,
			    "Application with identifier '%.100s' was not found in the directory '%s'.",
			    fm.client_id, cfg->tenant_id);
		goto cleanup;
	}
	if (!fm.scope) {
		entra_error(rp, 400, "invalid_request", 90014,
			    "The required field 'scope' is missing from the credential.");
		goto cleanup;
	}
	sl = strlen(fm.scope);
	if (sl < 9 || strcmp(fm.scope + sl - 9, "/.default") != 0) {
		entra_error(rp, 400, "invalid_scope", 1002012,
			    "The provided value for scope %.100s is not valid. Client credential flows "
			    "must have a scope value with /.default suffixed to the resource identifier.",
			    fm.scope);
		goto cleanup;
	}
	if (fm.client_secret) {
		size_t n = strlen(cfg->client_secret);
		if (strlen(fm.client_secret) != n ||
		    CRYPTO_memcmp(fm.client_secret, cfg->client_secret, n) != 0) {
			entra_error(rp, 401, "invalid_client", 7000215,
				    "Invalid client secret provided. Ensure the secret being sent in the "
				    "request is the client secret value, not the client secret ID, for a "
				    "secret added to app '%s'.", cfg->client_id);
			goto cleanup;
		}
	} else if (fm.assertion) {
		if (!fm.assertion_type ||
		    strcmp(fm.assertion_type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") != 0) {
			entra_error(rp, 400, "invalid_request", 700020,
				    "The client_assertion_type parameter is missing or not "
				    "'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.");
			goto cleanup;
		}
		if (check_assertion(a, fm.assertion, fm.client_id, token_url, rp) < 0)
			goto cleanup;
	} else {
		entra_error(rp, 401, "invalid_client", 7000218,
			    "The request body must contain the following parameter: 'client_assertion' "
			    "or 'client_secret'.");
		goto cleanup;
	}
	issue(a, rp);
cleanup:
	if (fm.copy)
		OPENSSL_cleanse(fm.copy, strlen(fm.copy));
	free(fm.copy);
}

/* ---- managed identity (issue 12) ---- */

#define IMDS_MIN_API_VERSION "2018-02-01"
#define MSI_API_VERSION "2019-08-01"

/* A fresh id for an error reply, shaped as a GUID. */
static void correlation_id(char out[37])
{
	unsigned char r[16];

	RAND_bytes(r, sizeof(r));
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-4%x%02x-8%x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6] & 15, r[7], r[8] & 15, r[9], r[10], r[11],
		 r[12], r[13], r[14], r[15]);
}

static void imds_error(struct emu_reply *rp, int status, const char *error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* IMDS's identity endpoint answers errors the OAuth way. */
static void imds_error(struct emu_reply *rp, int status, const char *error, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp->status = status;
	rp->json = true;
	buf_reset(&rp->body);
	buf_puts(&rp->body, "{\"error\":");
	buf_json_str(&rp->body, error);
	buf_puts(&rp->body, ",\"error_description\":");
	buf_json_str(&rp->body, msg);
	buf_putc(&rp->body, '}');
}

static void msi_error(struct emu_reply *rp, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* App Service's identity endpoint: {"statusCode","message","correlationId"}. */
static void msi_error(struct emu_reply *rp, int status, const char *fmt, ...)
{
	char msg[600], cid[37];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	correlation_id(cid);
	rp->status = status;
	rp->json = true;
	buf_reset(&rp->body);
	buf_printf(&rp->body, "{\"statusCode\":%d,\"message\":", status);
	buf_json_str(&rp->body, msg);
	buf_printf(&rp->body, ",\"correlationId\":\"%s\"}", cid);
}

/* Graph's App ID URI, with or without its trailing slash. */
static bool resource_is_graph(const char *r)
{
	return strcmp(r, "https://graph.microsoft.com") == 0 ||
	       strcmp(r, "https://graph.microsoft.com/") == 0;
}

/* yyyy-mm-dd */
static bool date_shaped(const char *v)
{
	int i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? v[i] != '-' : !(v[i] >= '0' && v[i] <= '9'))
			return false;
	return v[10] == '\0';
}

/* Which identity the request names: 0 the emulator's (none named, or the
 * one named is it), -1 no such identity, -2 more than one selector. The
 * emulator's identity has the app's client id; it accepts any object id
 * and any user-assigned identity resource id as naming it (it has one). */
static int pick_identity(const struct emu_config *cfg, const char *client_id,
			 const char *object_id, const char *res_id)
{
	if ((client_id != NULL) + (object_id != NULL) + (res_id != NULL) > 1)
		return -2;
	if (client_id && strcasecmp(client_id, cfg->client_id) != 0)
		return -1;
	if (object_id && !*object_id)
		return -1;
	if (res_id) {
		static const char kind[] = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/";
		const char *p;
		for (p = res_id; *p; p++)
			if (strncasecmp(p, kind, sizeof(kind) - 1) == 0 && p[sizeof(kind) - 1])
				return 0;
		return -1;
	}
	return 0;
}

/* Mints a token exactly as the token endpoint does (issue()), so Graph
 * takes it like any other; *ttl is its lifetime in seconds. */
static char *mint(struct emu_auth *a, double *ttl)
{
	struct emu_reply tmp;
	cJSON *j;
	const cJSON *t, *e;
	char *tok = NULL;

	emu_reply_init(&tmp);
	issue(a, &tmp);
	j = cJSON_Parse(buf_cstr(&tmp.body));
	t = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	e = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
	if (cJSON_IsString(t) && cJSON_IsNumber(e)) {
		tok = strdup(t->valuestring);
		*ttl = e->valuedouble;
		OPENSSL_cleanse(t->valuestring, strlen(t->valuestring));
	}
	if (!tok)
		abort();
	cJSON_Delete(j);
	OPENSSL_cleanse(tmp.body.data, tmp.body.len);
	emu_reply_release(&tmp);
	return tok;
}

void emu_auth_imds(struct emu_auth *a, const struct emu_request *rq, const char *metadata,
		   struct emu_reply *rp)
{
	const char *ver = emu_request_query(rq, "api-version");
	const char *res = emu_request_query(rq, "resource");
	double now = floor(emu_wall()), ttl = 0;
	char *tok;
	int who;

	rp->route = "imds";
	if (strcmp(rq->method, "GET") != 0) {
		imds_error(rp, 405, "invalid_request", "Only GET requests are supported.");
		return;
	}
	/* IMDS wants exactly "true", lower case: the header is its SSRF guard */
	if (!metadata || strcmp(metadata, "true") != 0) {
		imds_error(rp, 400, "invalid_request", "Required metadata header not specified");
		return;
	}
	if (!ver || !*ver) {
		imds_error(rp, 400, "invalid_request", "Required query variable 'api-version' is missing");
		return;
	}
	if (!date_shaped(ver) || strcmp(ver, IMDS_MIN_API_VERSION) < 0) {
		imds_error(rp, 400, "invalid_request", "Invalid api-version '%.40s'", ver);
		return;
	}
	if (!res || !*res) {
		imds_error(rp, 400, "invalid_request", "Required audience parameter not specified");
		return;
	}
	if (!resource_is_graph(res)) {
		imds_error(rp, 400, "invalid_resource",
			   "AADSTS500011: The resource principal named %.200s was not found in the tenant named %s. "
			   "This can happen if the application has not been installed by the administrator of the "
			   "tenant or consented to by any user in the tenant.", res, a->cfg->tenant_id);
		return;
	}
	who = pick_identity(a->cfg, emu_request_query(rq, "client_id"), emu_request_query(rq, "object_id"),
			    emu_request_query(rq, "msi_res_id"));
	if (who == -2) {
		imds_error(rp, 400, "invalid_request",
			   "Only one of client_id, object_id or msi_res_id may be specified");
		return;
	}
	if (who < 0) {
		imds_error(rp, 400, "invalid_request", "Identity not found");
		return;
	}
	tok = mint(a, &ttl);
	rp->status = 200;
	rp->json = true;
	buf_reset(&rp->body);
	/* numbers as strings, as IMDS sends them */
	buf_printf(&rp->body, "{\"access_token\":\"%s\",\"client_id\":\"%s\",\"expires_in\":\"%.0f\","
		   "\"expires_on\":\"%.0f\",\"ext_expires_in\":\"%.0f\",\"not_before\":\"%.0f\",\"resource\":",
		   tok, a->cfg->client_id, ttl, now + ttl, ttl, now);
	buf_json_str(&rp->body, res);
	buf_puts(&rp->body, ",\"token_type\":\"Bearer\"}");
	OPENSSL_cleanse(tok, strlen(tok));
	free(tok);
}

void emu_auth_msi(struct emu_auth *a, const struct emu_request *rq, const char *identity_header,
		  struct emu_reply *rp)
{
	const char *want = a->cfg->identity_header;
	const char *ver = emu_request_query(rq, "api-version");
	const char *res = emu_request_query(rq, "resource");
	double ttl = 0;
	char *tok;
	int who;

	rp->route = "msi";
	if (!want) {
		msi_error(rp, 404, "No managed identity endpoint here: start graph-emulator with --identity-header SECRET.");
		return;
	}
	if (strcmp(rq->method, "GET") != 0) {
		msi_error(rp, 405, "The requested resource does not support http method '%.20s'.", rq->method);
		return;
	}
	if (!identity_header || strlen(identity_header) != strlen(want) ||
	    CRYPTO_memcmp(identity_header, want, strlen(want)) != 0) {
		msi_error(rp, 401, "Unauthorized: the X-IDENTITY-HEADER header is missing or does not match.");
		return;
	}
	if (!ver || strcmp(ver, MSI_API_VERSION) != 0) {
		msi_error(rp, 400, "Invalid or missing api-version '%.40s': this endpoint serves " MSI_API_VERSION ".",
			  ver ? ver : "");
		return;
	}
	if (!res || !*res) {
		msi_error(rp, 400, "Required query variable 'resource' is missing.");
		return;
	}
	if (!resource_is_graph(res)) {
		msi_error(rp, 400, "AADSTS500011: The resource principal named %.200s was not found in the tenant named %s.",
			  res, a->cfg->tenant_id);
		return;
	}
	who = pick_identity(a->cfg, emu_request_query(rq, "client_id"), emu_request_query(rq, "principal_id"),
			    emu_request_query(rq, "mi_res_id"));
	if (who < 0) {
		msi_error(rp, 400, "Unable to load the proper Managed Identity.");
		return;
	}
	tok = mint(a, &ttl);
	rp->status = 200;
	rp->json = true;
	buf_reset(&rp->body);
	/* App Service 2019-08-01: expires_on in epoch seconds, as a string */
	buf_printf(&rp->body, "{\"access_token\":\"%s\",\"expires_on\":\"%.0f\",\"resource\":", tok,
		   floor(emu_wall()) + ttl);
	buf_json_str(&rp->body, res);
	buf_printf(&rp->body, ",\"token_type\":\"Bearer\",\"client_id\":\"%s\"}", a->cfg->client_id);
	OPENSSL_cleanse(tok, strlen(tok));
	free(tok);
}

static void unauthorized(struct emu_reply *rp, const char *msg)
{
	emu_reply_error(rp, 401, "InvalidAuthenticationToken", "%s", msg);
	emu_reply_header(rp, "WWW-Authenticate",
			 "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", "
			 "client_id=\"00000003-0000-0000-c000-000000000000\"");
}

int emu_auth_check(struct emu_auth *a, const char *authorization, struct emu_reply *rp)
{
	const char *tok, *dot1, *dot2, *e;
	struct buf pay = BUF_INIT, mac64 = BUF_INIT;
	unsigned char mac[32];
	double exp_ms;
	int ret = -1;

	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0 || !authorization[7]) {
		unauthorized(rp, "Access token is empty.");
		goto cleanup;
	}
	tok = authorization + 7;
	dot1 = strchr(tok, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2) {
		unauthorized(rp, "IDX14100: JWT is not well formed, there are no dots (.).");
		goto cleanup;
	}
	sign(a, tok, (size_t)(dot2 - tok), mac);
	b64url_encode(&mac64, mac, sizeof(mac));
	if (strlen(dot2 + 1) != mac64.len || CRYPTO_memcmp(dot2 + 1, mac64.data, mac64.len) != 0 ||
	    emu_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &pay) < 0) {
		unauthorized(rp, "Invalid signature.");
		goto cleanup;
	}
	/* the payload is ours (signature checked), so a plain scan is enough */
	e = strstr(buf_cstr(&pay), "\"emu_exp_ms\":");
	if (!e) {
		unauthorized(rp, "Invalid signature.");
		goto cleanup;
	}
	exp_ms = strtod(e + 13, NULL);
	if (emu_wall() * 1000.0 >= exp_ms) {
		unauthorized(rp, "Lifetime validation failed, the token is expired.");
		goto cleanup;
	}
	ret = 0;
cleanup:
	buf_release(&pay);
	buf_release(&mac64);
	return ret;
}

static const struct { const char *name; unsigned bit; } perm_names[] = {
	{ "User.Read.All", EMU_PERM_USER_READ_ALL },
	{ "Policy.Read.All", EMU_PERM_POLICY_READ_ALL },
	{ "AuditLog.Read.All", EMU_PERM_AUDITLOG_READ_ALL },
	{ "Policy.ReadWrite.AuthenticationMethod", EMU_PERM_POLICY_RW_AUTHMETHOD },
	{ "Directory.Read.All", EMU_PERM_DIRECTORY_READ_ALL },
	{ "User.ReadWrite.All", EMU_PERM_USER_RW_ALL },
	{ "GroupMember.Read.All", EMU_PERM_GROUP_MEMBER_READ_ALL },
	{ "RoleManagement.Read.Directory", EMU_PERM_ROLE_MGMT_READ_DIR },
	{ "Mail.Send", EMU_PERM_MAIL_SEND },
	{ "MailboxSettings.Read", EMU_PERM_MAILBOX_SETTINGS_READ },
	{ "LicenseAssignment.Read.All", EMU_PERM_LICENSE_READ_ALL },
	{ "Policy.Read.AuthenticationMethod", EMU_PERM_POLICY_READ_AUTHMETHOD },
	{ "DirectoryRecommendations.Read.All", EMU_PERM_DIR_RECOMMENDATIONS },
	{ "Policy.Read.ConditionalAccess", EMU_PERM_POLICY_READ_CA },
};

int emu_perms_parse(const char *list, unsigned *out, struct mfa_err *err)
{
	const char *p = list;

	*out = 0;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p), i;
		bool found = false;
		while (n && (*p == ' ')) {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		for (i = 0; n && i < sizeof(perm_names) / sizeof(perm_names[0]); i++) {
			if (strlen(perm_names[i].name) == n && strncasecmp(perm_names[i].name, p, n) == 0) {
				*out |= perm_names[i].bit;
				found = true;
			}
		}
		if (n && !found)
			return mfa_err_set(err, "unknown permission '%.*s'", (int)n, p);
		p = end ? end + 1 : NULL;
	}
	return 0;
}
