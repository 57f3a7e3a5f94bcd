/* graph/jwt.h - the certificate credential and the signed client assertion
 * that proves it to Entra ID (client-credentials flow with a certificate).
 *
 *     struct mfa_credential cred = MFA_CREDENTIAL_INIT;
 *     char *jwt = NULL;
 *     if (mfa_credential_load(&cred, "app.pem", NULL, &err) < 0) goto cleanup;
 *     if (mfa_jwt_client_assertion(&jwt, &cred, MFA_JWT_PS256, client_id,
 *                                  token_url, time(NULL), &err) < 0) goto cleanup;
 *     ... POST client_assertion=jwt ...
 *   cleanup:
 *     free(jwt);
 *     mfa_credential_release(&cred);
 *
 * The assertion (GRAPH.md "Sign-in"): header
 *   {"alg":"PS256","typ":"JWT","x5t#S256":base64url(SHA-256(DER cert))}
 * or with RS256 {"alg":"RS256","typ":"JWT","x5t":base64url(SHA-1(DER cert))};
 * claims aud = the token URL, iss = sub = client id, jti = 16 random bytes
 * in hex, nbf = iat = now - 60 (so a local clock up to a minute ahead of
 * Entra's is still accepted), exp = now + 600 (ten minutes: long enough for
 * a slow token request, short enough that a leaked assertion is soon
 * useless). PS256 uses RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32 bytes
 * (RFC 7518 3.5). Only RSA keys are accepted.
 *
 * Messages never contain the key, the password or the assertion.
 */
#ifndef MFA_GRAPH_JWT_H
#define MFA_GRAPH_JWT_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mfa/util/err.h"

enum mfa_jwt_alg {
	MFA_JWT_PS256,  /* default */
	MFA_JWT_RS256
};

/* Maps "ps256" / "rs256" (any case) to the enum. */
int mfa_jwt_parse_alg(const char *name, enum mfa_jwt_alg *out, struct mfa_err *err);

/* A private key and the certificate that goes with it. Owns both. */
struct mfa_credential {
	EVP_PKEY *key;
	X509 *cert;
};

#define MFA_CREDENTIAL_INIT { NULL, NULL }

/* Loads a key and its certificate from a file: PEM holding a certificate
 * and a private key (any order; the key may be encrypted with password),
 * or PKCS#12 / PFX (detected by content, not by name). When a PEM holds a
 * chain, the certificate matching the key is used. password may be NULL.
 * On failure *cred is left empty. */
int mfa_credential_load(struct mfa_credential *cred, const char *path,
			const char *password, struct mfa_err *err);

/* The same from memory; label names the source in messages. */
int mfa_credential_load_mem(struct mfa_credential *cred, const void *data, size_t len,
			    const char *password, const char *label, struct mfa_err *err);

/* Frees the key and certificate; the struct can be reused. NULL is fine. */
void mfa_credential_release(struct mfa_credential *cred);

/* The certificate thumbprint the header carries for alg: x5t#S256
 * (PS256) or x5t (RS256), base64url without padding. *out is malloc'd. */
int mfa_jwt_thumbprint(char **out, X509 *cert, enum mfa_jwt_alg alg, struct mfa_err *err);

/* Builds and signs a client assertion for client_id at token_url (the
 * aud claim), valid from now - 60 to now + 600. *out is malloc'd,
 * NUL-terminated "header.claims.signature"; the caller frees it. */
int mfa_jwt_client_assertion(char **out, const struct mfa_credential *cred,
			     enum mfa_jwt_alg alg, const char *client_id,
			     const char *token_url, time_t now, struct mfa_err *err);

/* base64url without padding (RFC 7515 2). *out is malloc'd. */
int mfa_base64url_encode(char **out, const void *data, size_t len, struct mfa_err *err);

/* Decodes base64url (padding optional). *out is malloc'd and
 * NUL-terminated (not counted in *len). */
int mfa_base64url_decode(unsigned char **out, size_t *len, const char *in, size_t inlen,
			 struct mfa_err *err);

#endif
