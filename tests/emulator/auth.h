/* auth.h - the token endpoint and bearer-token checks.
 *
 * Access tokens are JWT-shaped (header.payload.signature, HS256 with a key
 * drawn at start-up), so they are self-checking: no token table, no lock.
 * They carry exp (seconds) and emu_exp_ms (milliseconds, what is checked).
 */
#ifndef EMU_AUTH_H
#define EMU_AUTH_H

#include "emu.h"
#include "mfa/util/err.h"

struct buf;

/* Decodes n characters of base64url (padding optional) onto out
 * (NUL-terminated). -1 on bad input. */
int emu_b64url_decode(const char *s, size_t n, struct buf *out);

struct emu_auth;

/* Loads --client-cert (when set) and draws the signing key.
 * On success *out is owned by the caller (emu_auth_free). */
int emu_auth_new(struct emu_auth **out, const struct emu_config *cfg, struct mfa_err *err);
void emu_auth_free(struct emu_auth *a);

/* Answers POST /{tenant}/oauth2/v2.0/token. tenant is the path segment;
 * token_url is the URL the client posted to (for the assertion's aud). */
void emu_auth_token(struct emu_auth *a, const char *tenant, const char *token_url,
		    const struct emu_request *rq, struct emu_reply *rp);

/* issue 12: managed identity. The emulator's one app (--client-id) is
 * also the machine's managed identity; both endpoints mint their tokens
 * through the token endpoint's own signing (same claims, same lifetime),
 * so Graph accepts them with the app's --app-permissions.
 *
 * emu_auth_imds answers GET /metadata/identity/oauth2/token as Azure IMDS
 * does (`metadata` is the request's Metadata header, or NULL); errors are
 * {"error","error_description"}. emu_auth_msi answers GET /msi/token as
 * App Service / Container Apps do for api-version 2019-08-01
 * (`identity_header` is the request's X-IDENTITY-HEADER, or NULL, checked
 * against --identity-header; without that flag the endpoint is 404);
 * errors are {"statusCode","message","correlationId"}. README.md lists
 * every refusal. Route names in the stats: "imds", "msi". */
void emu_auth_imds(struct emu_auth *a, const struct emu_request *rq, const char *metadata,
		   struct emu_reply *rp);
void emu_auth_msi(struct emu_auth *a, const struct emu_request *rq, const char *identity_header,
		  struct emu_reply *rp);

/* Checks the Authorization header. Returns 0 when it carries a live token
 * issued here; otherwise fills rp with Graph's 401 and returns -1. */
int emu_auth_check(struct emu_auth *a, const char *authorization, struct emu_reply *rp);

/* Parses a comma-separated permission list into enum emu_perm bits.
 * Returns -1 and sets err for an unknown name. */
int emu_perms_parse(const char *list, unsigned *out, struct mfa_err *err);

#endif
