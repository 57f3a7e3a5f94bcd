/* ca_fetch.h - reading from Graph what decides Conditional Access coverage:
 * the policies (the Conditional Access scope: 1 request per second, no
 * Retry-After), the security-defaults policy, and the members of every
 * group (transitive) and directory role (by role template id) the
 * policies name. Fills a model for mfa_coverage_evaluate (mfa/coverage.h).
 *
 * Nothing here is fatal to a scan: what cannot be read is warned about and
 * left unread in the model, whose verdicts then say `unknown` wherever it
 * matters (never `not-covered` on a guess).
 */
#ifndef MFA_SOURCES_CA_FETCH_H
#define MFA_SOURCES_CA_FETCH_H

#include "graph/http.h"
#include "mfa/coverage.h"
#include "mfa/source.h"

struct mfa_ca_fetch_result {
	int policies;           /* policies read; -1 when the list could not be read */
	int security_defaults;  /* -1 unknown, 0 off, 1 on */
	unsigned long groups;   /* groups whose members were read */
	unsigned long roles;    /* roles whose members were read */
};

/* Runs the reads on h (which must be idle) and returns a new model in
 * *out (the caller frees it). Returns negative only when out of memory or
 * when sign-in fails; everything else is a warning through warn. */
int mfa_ca_fetch(struct mfa_ca_model **out, struct mfa_http *h, const char *graph_url,
		 mfa_warn_fn warn, void *warn_ctx, struct mfa_ca_fetch_result *res,
		 struct mfa_err *err);

#endif
