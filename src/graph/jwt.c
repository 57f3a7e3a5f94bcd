/* jwt.c - certificate credential and client assertion (graph/jwt.h). */
#include "graph/jwt.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

/* A credential file is small; anything bigger is not one. */
#define MAX_CREDENTIAL_FILE (1024 * 1024)

int mfa_jwt_parse_alg(const char *name, enum mfa_jwt_alg *out, struct mfa_err *err)
{
	if (name && !strcasecmp(name, "ps256")) {
		*out = MFA_JWT_PS256;
		return 0;
	}
	if (name && !strcasecmp(name, "rs256")) {
		*out = MFA_JWT_RS256;
		return 0;
	}
	return mfa_err_set(err, "unknown assertion algorithm '%s' (expected ps256 or rs256)",
			   name ? name : "");
}

int mfa_base64url_encode(char **out, const void *data, size_t len, struct mfa_err *err)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = data;
	size_t i, o = 0, need;
	char *s;

	*out = NULL;
	if (len > (SIZE_MAX - 4) / 4 * 3)
		return mfa_err_set(err, "data too large to encode");
	need = (len + 2) / 3 * 4 + 1;
	s = malloc(need);
	if (!s)
		return mfa_err_set(err, "out of memory");
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		s[o++] = tab[v >> 18 & 63];
		s[o++] = tab[v >> 12 & 63];
		s[o++] = tab[v >> 6 & 63];
		s[o++] = tab[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		s[o++] = tab[v >> 18 & 63];
		s[o++] = tab[v >> 12 & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		s[o++] = tab[v >> 18 & 63];
		s[o++] = tab[v >> 12 & 63];
		s[o++] = tab[v >> 6 & 63];
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

static int b64_val(unsigned char c)
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

int mfa_base64url_decode(unsigned char **out, size_t *len, const char *in, size_t inlen,
			 struct mfa_err *err)
{
	unsigned char *d;
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0;

	*out = NULL;
	*len = 0;
	while (inlen > 0 && in[inlen - 1] == '=')
		inlen--;
	if (inlen % 4 == 1)
		return mfa_err_set(err, "invalid base64url text");
	d = malloc(inlen / 4 * 3 + 3);
	if (!d)
		return mfa_err_set(err, "out of memory");
	for (i = 0; i < inlen; i++) {
		int v = b64_val((unsigned char)in[i]);
		if (v < 0) {
			free(d);
			return mfa_err_set(err, "invalid base64url text");
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	d[o] = '\0';
	*out = d;
	*len = o;
	return 0;
}

/* Never prompts on the terminal (OpenSSL's default for an encrypted key
 * without a password would). */
static int pem_password(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	(void)rwflag;
	if (!pass || size <= 0)
		return -1;
	n = strlen(pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

static int load_pem(struct mfa_credential *cred, const void *data, size_t len,
		    const char *password, const char *label, struct mfa_err *err)
{
	BIO *bio = NULL;
	X509 *x = NULL;
	int rc = -1;

	bio = BIO_new_mem_buf(data, (int)len);
	if (!bio) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	cred->key = PEM_read_bio_PrivateKey(bio, NULL, pem_password, (void *)password);
	if (!cred->key) {
		mfa_err_set(err, "cannot read the private key in '%s': %s", label,
			    password ? "wrong password, or no key in the file"
				     : "no unencrypted key in the file (encrypted? set the certificate password)");
		goto cleanup;
	}
	if (BIO_reset(bio) != 1) {
		mfa_err_set(err, "cannot read '%s'", label);
		goto cleanup;
	}
	/* A PEM may hold a chain: take the certificate of this key. */
	while ((x = PEM_read_bio_X509(bio, NULL, pem_password, (void *)password)) != NULL) {
		if (X509_check_private_key(x, cred->key) == 1) {
			cred->cert = x;
			x = NULL;
			break;
		}
		X509_free(x);
		x = NULL;
	}
	if (!cred->cert) {
		mfa_err_set(err, "no certificate matching the private key in '%s'", label);
		goto cleanup;
	}
	rc = 0;
cleanup:
	X509_free(x);
	BIO_free(bio);
	return rc;
}

static int load_pfx(struct mfa_credential *cred, const void *data, size_t len,
		    const char *password, const char *label, struct mfa_err *err)
{
	const unsigned char *p = data;
	PKCS12 *p12 = NULL;
	STACK_OF(X509) *ca = NULL;
	int rc = -1;

	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (!p12) {
		mfa_err_set(err, "'%s' is neither a PEM file nor a PFX (PKCS#12) file", label);
		goto cleanup;
	}
	if (PKCS12_parse(p12, password ? password : "", &cred->key, &cred->cert, &ca) != 1) {
		mfa_err_set(err, "cannot open the PFX file '%s': wrong password?", label);
		goto cleanup;
	}
	if (!cred->key || !cred->cert) {
		mfa_err_set(err, "the PFX file '%s' needs both a private key and its certificate", label);
		goto cleanup;
	}
	rc = 0;
cleanup:
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	return rc;
}

static int has_pem_marker(const unsigned char *d, size_t len)
{
	static const char mark[] = "-----BEGIN";
	size_t i, m = sizeof(mark) - 1;

	for (i = 0; i + m <= len; i++)
		if (d[i] == '-' && !memcmp(d + i, mark, m))
			return 1;
	return 0;
}

int mfa_credential_load_mem(struct mfa_credential *cred, const void *data, size_t len,
			    const char *password, const char *label, struct mfa_err *err)
{
	int rc;

	cred->key = NULL;
	cred->cert = NULL;
	if (len == 0 || len > MAX_CREDENTIAL_FILE)
		return mfa_err_set(err, "'%s' is %s to be a certificate file", label,
				   len ? "too large" : "empty");
	if (has_pem_marker(data, len))
		rc = load_pem(cred, data, len, password, label, err);
	else
		rc = load_pfx(cred, data, len, password, label, err);
	ERR_clear_error();
	if (rc == 0 && EVP_PKEY_get_base_id(cred->key) != EVP_PKEY_RSA) {
		rc = mfa_err_set(err, "the key in '%s' is not an RSA key (PS256 and RS256 need RSA)",
				 label);
	}
	if (rc < 0)
		mfa_credential_release(cred);
	return rc;
}

int mfa_credential_load(struct mfa_credential *cred, const char *path,
			const char *password, struct mfa_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = NULL;
	int rc = -1;

	cred->key = NULL;
	cred->cert = NULL;
	f = fopen(path, "rb");
	if (!f) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	cap = MAX_CREDENTIAL_FILE + 1;
	buf = malloc(cap);
	if (!buf) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	len = fread(buf, 1, cap, f);
	if (ferror(f)) {
		mfa_err_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	rc = mfa_credential_load_mem(cred, buf, len, password, path, err);
cleanup:
	if (buf) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	if (f)
		fclose(f);
	return rc;
}

void mfa_credential_release(struct mfa_credential *cred)
{
	if (!cred)
		return;
	EVP_PKEY_free(cred->key);
	X509_free(cred->cert);
	cred->key = NULL;
	cred->cert = NULL;
}

int mfa_jwt_thumbprint(char **out, X509 *cert, enum mfa_jwt_alg alg, struct mfa_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const EVP_MD *type = alg == MFA_JWT_RS256 ? EVP_sha1() : EVP_sha256();

	*out = NULL;
	if (!cert || X509_digest(cert, type, md, &mdlen) != 1)
		return mfa_err_set(err, "cannot compute the certificate thumbprint");
	return mfa_base64url_encode(out, md, mdlen, err);
}

/* base64url(JSON of obj) */
static int encode_json(char **out, const cJSON *obj, struct mfa_err *err)
{
	char *text = cJSON_PrintUnformatted(obj);
	int rc;

	*out = NULL;
	if (!text)
		return mfa_err_set(err, "out of memory");
	rc = mfa_base64url_encode(out, text, strlen(text), err);
	free(text);
	return rc;
}

static int sign(unsigned char **sig, size_t *siglen, EVP_PKEY *key, enum mfa_jwt_alg alg,
		const char *data, size_t len, struct mfa_err *err)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = -1;

	*sig = NULL;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1)
		goto fail;
	if (alg == MFA_JWT_PS256) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)
			goto fail;
	} else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		goto fail;
	}
	if (EVP_DigestSign(md, NULL, siglen, (const unsigned char *)data, len) != 1)
		goto fail;
	*sig = malloc(*siglen);
	if (!*sig)
		goto fail;
	if (EVP_DigestSign(md, *sig, siglen, (const unsigned char *)data, len) != 1)
		goto fail;
	rc = 0;
	goto cleanup;
fail:
	free(*sig);
	*sig = NULL;
	mfa_err_set(err, "cannot sign the client assertion with the certificate's key");
cleanup:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	return rc;
}

int mfa_jwt_client_assertion(char **out, const struct mfa_credential *cred,
			     enum mfa_jwt_alg alg, const char *client_id,
			     const char *token_url, time_t now, struct mfa_err *err)
{
	cJSON *hdr = NULL, *claims = NULL;
	char *thumb = NULL, *h64 = NULL, *c64 = NULL, *s64 = NULL, *signing = NULL;
	unsigned char rnd[16], *sig = NULL;
	char jti[33];
	size_t siglen = 0, n, need;
	int i, rc = -1;

	*out = NULL;
	if (!cred || !cred->key || !cred->cert) {
		mfa_err_set(err, "no certificate loaded");
		goto cleanup;
	}
	if (!client_id || !*client_id || !token_url || !*token_url) {
		mfa_err_set(err, "a client assertion needs a client id and a token URL");
		goto cleanup;
	}
	if (mfa_jwt_thumbprint(&thumb, cred->cert, alg, err) < 0)
		goto cleanup;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		mfa_err_set(err, "no random bytes for the assertion id");
		goto cleanup;
	}
	for (i = 0; i < 16; i++)
		snprintf(jti + 2 * i, 3, "%02x", rnd[i]);

	hdr = cJSON_CreateObject();
	claims = cJSON_CreateObject();
	if (!hdr || !claims ||
	    !cJSON_AddStringToObject(hdr, "alg", alg == MFA_JWT_RS256 ? "RS256" : "PS256") ||
	    !cJSON_AddStringToObject(hdr, "typ", "JWT") ||
	    !cJSON_AddStringToObject(hdr, alg == MFA_JWT_RS256 ? "x5t" : "x5t#S256", thumb) ||
	    !cJSON_AddStringToObject(claims, "aud", token_url) ||
	    !cJSON_AddStringToObject(claims, "iss", client_id) ||
	    !cJSON_AddStringToObject(claims, "sub", client_id) ||
	    !cJSON_AddStringToObject(claims, "jti", jti) ||
	    !cJSON_AddNumberToObject(claims, "nbf", (double)(now - 60)) ||
	    !cJSON_AddNumberToObject(claims, "iat", (double)(now - 60)) ||
	    !cJSON_AddNumberToObject(claims, "exp", (double)(now + 600))) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	if (encode_json(&h64, hdr, err) < 0 || encode_json(&c64, claims, err) < 0)
		goto cleanup;
	n = strlen(h64) + 1 + strlen(c64);
	signing = malloc(n + 1);
	if (!signing) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	snprintf(signing, n + 1, "%s.%s", h64, c64);
	if (sign(&sig, &siglen, cred->key, alg, signing, n, err) < 0)
		goto cleanup;
	if (mfa_base64url_encode(&s64, sig, siglen, err) < 0)
		goto cleanup;
	need = n + 1 + strlen(s64) + 1;
	*out = malloc(need);
	if (!*out) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	snprintf(*out, need, "%s.%s", signing, s64);
	rc = 0;
cleanup:
	cJSON_Delete(hdr);
	cJSON_Delete(claims);
	free(thumb);
	free(h64);
	free(c64);
	free(s64);
	free(signing);
	free(sig);
	return rc;
}
