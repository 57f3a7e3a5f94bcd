/* sources/whatif.h - asking Microsoft's What If evaluator
 * (POST /v1.0/identity/conditionalAccess/evaluate, application permission
 * Policy.Read.ConditionalAccess, or Policy.Read.All) about the
 * representative of every class mfa_whatif_prepare chose
 * (mfa/model/whatif.h), once per sign-in context.
 *
 * The requests go in the Conditional Access scope: 1 request per second per
 * tenant and no Retry-After, so the scope's limiter (graph/throttle.h)
 * paces them and they are never sent in a burst. Each body:
 *   { "signInIdentity": { "@odata.type": "#microsoft.graph.userSignIn", "userId": ID },
 *     "signInContext": { "@odata.type": "#microsoft.graph.applicationContext",
 *                        "includeApplications": ["All"] },
 *     "signInConditions": { "clientAppType": TYPE },
 *     "appliedPoliciesOnly": false }
 * (every policy comes back, so a policy we expected that does not apply
 * comes with its analysisReasons). The answers, value[] of
 * whatIfAnalysisResult, go to mfa_whatif_take_answer.
 *
 * A failed request leaves its class not-checked; a 403 (no permission) is
 * said once, not once per request.
 */
#ifndef MFA_SOURCES_WHATIF_H
#define MFA_SOURCES_WHATIF_H

#include "graph/http.h"
#include "mfa/model/source.h"
#include "mfa/model/whatif.h"

struct mfa_whatif_fetch;

/* Submits the requests of every asked class of s (borrowed until
 * mfa_whatif_fetch_finish) to h; they run in the caller's next
 * mfa_http_run. */
int mfa_whatif_fetch_start(struct mfa_whatif_fetch **out, struct mfa_whatif_set *s, struct mfa_http *h,
			   const char *graph_url, struct mfa_err *err);

/* After the run: settles s (mfa_whatif_finish), hands the problems met to
 * warn (NULL: dropped) and frees f. Negative on out of memory. */
int mfa_whatif_fetch_finish(struct mfa_whatif_fetch *f, mfa_warn_fn warn, void *warn_ctx, struct mfa_err *err);

#endif
