/* test_jwt.c - the certificate credential and the client assertion,
 * checked with OpenSSL against a key and certificate made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "graph/jwt.h"

#define PASSWORD "s3cret-Pa55word!"

struct fixture {
	EVP_PKEY *key;
	X509 *cert;
	char *pem;      /* cert + unencrypted key */
	size_t pem_len;
	char *pem_enc;  /* key (encrypted with PASSWORD) then cert */
	size_t pem_enc_len;
	unsigned char *pfx;
	size_t pfx_len;
};

static char *bio_text(BIO *b, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	char *out = malloc((size_t)n + 1);

	assert_non_null(out);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	return out;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	X509_NAME *name;
	BIO *b;
	PKCS12 *p12;
	unsigned char *p;
	int n;

	f->key = EVP_RSA_gen(2048);
	f->cert = X509_new();
	X509_set_version(f->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(f->cert), 42);
	X509_gmtime_adj(X509_getm_notBefore(f->cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(f->cert), 3600);
	X509_set_pubkey(f->cert, f->key);
	name = X509_get_subject_name(f->cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"mfa-migrate test", -1, -1, 0);
	X509_set_issuer_name(f->cert, name);
	if (!f->key || !X509_sign(f->cert, f->key, EVP_sha256()))
		return -1;

	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, f->cert);
	PEM_write_bio_PrivateKey(b, f->key, NULL, NULL, 0, NULL, NULL);
	f->pem = bio_text(b, &f->pem_len);
	BIO_free(b);

	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PKCS8PrivateKey(b, f->key, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)PASSWORD);
	PEM_write_bio_X509(b, f->cert);
	f->pem_enc = bio_text(b, &f->pem_enc_len);
	BIO_free(b);

	p12 = PKCS12_create(PASSWORD, "app", f->key, f->cert, NULL, 0, 0, 0, 0, 0);
	if (!p12)
		return -1;
	n = i2d_PKCS12(p12, NULL);
	f->pfx = malloc((size_t)n);
	p = f->pfx;
	i2d_PKCS12(p12, &p);
	f->pfx_len = (size_t)n;
	PKCS12_free(p12);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	EVP_PKEY_free(f->key);
	X509_free(f->cert);
	free(f->pem);
	free(f->pem_enc);
	free(f->pfx);
	free(f);
	return 0;
}

/* base64url of a digest of the DER certificate, computed without jwt.c */
static void expected_thumb(X509 *cert, int sha256, char *out, size_t outsz)
{
	unsigned char *der = NULL, md[32];
	unsigned char b64[64];
	int len = i2d_X509(cert, &der), n, i, o = 0;

	assert_true(len > 0);
	if (sha256)
		SHA256(der, (size_t)len, md);
	else
		SHA1(der, (size_t)len, md);
	n = EVP_EncodeBlock(b64, md, sha256 ? 32 : 20);
	for (i = 0; i < n && (size_t)o + 1 < outsz; i++) {
		char c = (char)b64[i];
		if (c == '=')
			break;
		out[o++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[o] = '\0';
	OPENSSL_free(der);
}

static cJSON *decode_part(const char *s, size_t len)
{
	unsigned char *raw = NULL;
	size_t n;
	cJSON *j;

	assert_int_equal(mfa_base64url_decode(&raw, &n, s, len, NULL), 0);
	j = cJSON_ParseWithLength((const char *)raw, n);
	free(raw);
	assert_non_null(j);
	return j;
}

static void check_assertion(const struct fixture *f, const struct mfa_credential *cred,
			    enum mfa_jwt_alg alg)
{
	const char *aud = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
	const char *cid = "11111111-2222-3333-4444-555555555555";
	struct mfa_err err = MFA_ERR_INIT;
	char *jwt = NULL, *dot1, *dot2, want[64];
	unsigned char *sig = NULL;
	size_t siglen;
	cJSON *hdr, *claims;
	EVP_MD_CTX *md;
	EVP_PKEY_CTX *pctx = NULL;
	const time_t now = 1700000000;

	assert_int_equal(mfa_jwt_client_assertion(&jwt, cred, alg, cid, aud, now, &err), 0);
	dot1 = strchr(jwt, '.');
	assert_non_null(dot1);
	dot2 = strchr(dot1 + 1, '.');
	assert_non_null(dot2);
	assert_null(strchr(dot2 + 1, '.'));
	assert_null(strchr(jwt, '=')); /* no padding */

	hdr = decode_part(jwt, (size_t)(dot1 - jwt));
	claims = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	expected_thumb(f->cert, alg == MFA_JWT_PS256, want, sizeof(want));
	if (alg == MFA_JWT_PS256) {
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(hdr, "alg")->valuestring, "PS256");
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(hdr, "x5t#S256")->valuestring, want);
		assert_null(cJSON_GetObjectItemCaseSensitive(hdr, "x5t"));
	} else {
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(hdr, "alg")->valuestring, "RS256");
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(hdr, "x5t")->valuestring, want);
		assert_null(cJSON_GetObjectItemCaseSensitive(hdr, "x5t#S256"));
	}
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(hdr, "typ")->valuestring, "JWT");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(claims, "aud")->valuestring, aud);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(claims, "iss")->valuestring, cid);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(claims, "sub")->valuestring, cid);
	assert_int_equal(strlen(cJSON_GetObjectItemCaseSensitive(claims, "jti")->valuestring), 32);
	assert_true(cJSON_GetObjectItemCaseSensitive(claims, "nbf")->valuedouble == (double)(now - 60));
	assert_true(cJSON_GetObjectItemCaseSensitive(claims, "exp")->valuedouble == (double)(now + 600));

	/* the signature verifies with the certificate's public key */
	assert_int_equal(mfa_base64url_decode(&sig, &siglen, dot2 + 1, strlen(dot2 + 1), NULL), 0);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, X509_get0_pubkey(f->cert)), 1);
	if (alg == MFA_JWT_PS256) {
		EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
	} else {
		EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
	}
	assert_int_equal(EVP_DigestVerify(md, sig, siglen, (const unsigned char *)jwt,
					  (size_t)(dot2 - jwt)), 1);
	/* and fails on a changed payload */
	jwt[dot1 - jwt + 3] ^= 1;
	assert_int_not_equal(EVP_DigestVerify(md, sig, siglen, (const unsigned char *)jwt,
					      (size_t)(dot2 - jwt)), 1);
	EVP_MD_CTX_free(md);
	free(sig);
	cJSON_Delete(hdr);
	cJSON_Delete(claims);
	free(jwt);
}

static void test_pem(void **state)
{
	struct fixture *f = *state;
	struct mfa_credential cred = MFA_CREDENTIAL_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	assert_int_equal(mfa_credential_load_mem(&cred, f->pem, f->pem_len, NULL, "app.pem", &err), 0);
	assert_int_equal(X509_cmp(cred.cert, f->cert), 0);
	check_assertion(f, &cred, MFA_JWT_PS256);
	check_assertion(f, &cred, MFA_JWT_RS256);
	mfa_credential_release(&cred);
}

static void test_pem_encrypted(void **state)
{
	struct fixture *f = *state;
	struct mfa_credential cred = MFA_CREDENTIAL_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	assert_int_equal(mfa_credential_load_mem(&cred, f->pem_enc, f->pem_enc_len, PASSWORD,
						 "enc.pem", &err), 0);
	check_assertion(f, &cred, MFA_JWT_PS256);
	mfa_credential_release(&cred);
	/* no password: refused, never a terminal prompt */
	assert_int_equal(mfa_credential_load_mem(&cred, f->pem_enc, f->pem_enc_len, NULL,
						 "enc.pem", &err), -1);
	assert_non_null(strstr(err.msg, "'enc.pem'"));
	assert_int_equal(mfa_credential_load_mem(&cred, f->pem_enc, f->pem_enc_len, "wrong-pass-XYZ",
						 "enc.pem", &err), -1);
	assert_null(strstr(err.msg, "wrong-pass-XYZ"));
	assert_null(cred.key);
}

static void test_pfx(void **state)
{
	struct fixture *f = *state;
	struct mfa_credential cred = MFA_CREDENTIAL_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	char path[] = "/tmp/test_jwt_XXXXXX";
	FILE *fp;
	int fd;

	assert_int_equal(mfa_credential_load_mem(&cred, f->pfx, f->pfx_len, PASSWORD, "app.pfx", &err), 0);
	assert_int_equal(X509_cmp(cred.cert, f->cert), 0);
	check_assertion(f, &cred, MFA_JWT_PS256);
	check_assertion(f, &cred, MFA_JWT_RS256);
	mfa_credential_release(&cred);

	assert_int_equal(mfa_credential_load_mem(&cred, f->pfx, f->pfx_len, "not-it-QQQ", "app.pfx", &err), -1);
	assert_non_null(strstr(err.msg, "wrong password"));
	assert_null(strstr(err.msg, "not-it-QQQ"));
	assert_null(strstr(err.msg, PASSWORD));

	/* from a file, detected by content whatever the name */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "wb");
	fwrite(f->pfx, 1, f->pfx_len, fp);
	fclose(fp);
	assert_int_equal(mfa_credential_load(&cred, path, PASSWORD, &err), 0);
	mfa_credential_release(&cred);
	unlink(path);
	assert_int_equal(mfa_credential_load(&cred, path, PASSWORD, &err), -1);
	assert_non_null(strstr(err.msg, "cannot open"));
}

static void test_bad_inputs(void **state)
{
	struct fixture *f = *state;
	struct mfa_credential cred = MFA_CREDENTIAL_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	EVP_PKEY *ec;
	BIO *b;
	char *text, *only_cert;
	size_t len;
	char *jwt = NULL;

	assert_int_equal(mfa_credential_load_mem(&cred, "garbage", 7, NULL, "x.pfx", &err), -1);
	assert_non_null(strstr(err.msg, "neither a PEM"));
	assert_int_equal(mfa_credential_load_mem(&cred, "", 0, NULL, "x", &err), -1);

	/* a PEM with only the certificate */
	only_cert = strstr(f->pem, "-----BEGIN PRIVATE KEY");
	assert_non_null(only_cert);
	assert_int_equal(mfa_credential_load_mem(&cred, f->pem, (size_t)(only_cert - f->pem), NULL,
						 "cert.pem", &err), -1);

	/* an EC key: PS256/RS256 need RSA */
	ec = EVP_EC_gen("P-256");
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, ec, NULL, NULL, 0, NULL, NULL);
	text = bio_text(b, &len);
	BIO_free(b);
	assert_int_equal(mfa_credential_load_mem(&cred, text, len, NULL, "ec.pem", &err), -1);
	free(text);
	EVP_PKEY_free(ec);

	assert_int_equal(mfa_jwt_client_assertion(&jwt, &cred, MFA_JWT_PS256, "c", "https://x", 0, &err), -1);
	assert_null(jwt);
}

static void test_base64url(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "\xfb\xff", "-_8" },
	};
	enum mfa_jwt_alg alg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *enc = NULL;
		unsigned char *dec = NULL;
		size_t n;
		assert_int_equal(mfa_base64url_encode(&enc, cases[i].in, strlen(cases[i].in), NULL), 0);
		assert_string_equal(enc, cases[i].out);
		assert_int_equal(mfa_base64url_decode(&dec, &n, enc, strlen(enc), NULL), 0);
		assert_int_equal(n, strlen(cases[i].in));
		assert_memory_equal(dec, cases[i].in, n);
		free(enc);
		free(dec);
	}
	assert_int_equal(mfa_jwt_parse_alg("PS256", &alg, NULL), 0);
	assert_int_equal(alg, MFA_JWT_PS256);
	assert_int_equal(mfa_jwt_parse_alg("rs256", &alg, NULL), 0);
	assert_int_equal(alg, MFA_JWT_RS256);
	assert_int_equal(mfa_jwt_parse_alg("hs256", &alg, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pem),
		cmocka_unit_test(test_pem_encrypted),
		cmocka_unit_test(test_pfx),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_base64url),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
