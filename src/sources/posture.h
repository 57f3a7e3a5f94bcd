/* posture.h - reading the tenant's posture from Graph alongside the users
 * scan (mfa/model/posture.h holds what is read):
 *   - GET /v1.0/subscribedSkus (LicenseAssignment.Read.All): an enabled
 *     AAD_PREMIUM / AAD_PREMIUM_P2 service plan;
 *   - GET /v1.0/policies/authenticationMethodsPolicy
 *     (Policy.Read.AuthenticationMethod): policyMigrationState, the
 *     registration campaign, the Sms and Voice configurations' state,
 *     systemCredentialPreferences;
 *   - the Microsoft-managed Conditional Access policies, from the policies
 *     ca_fetch reads anyway (no second request in the Conditional Access
 *     scope, 1 request a second): it hands each to mfa_posture_take_ca_policy
 *     and says how the list went with mfa_posture_ca_read (its own warning
 *     is the one said for a 403);
 *   - GET /beta/directory/recommendations (DirectoryRecommendations.Read.All),
 *     the switchFromPerUserMFA one, then its impactedResources, every page.
 * The legacy MFA service settings have no Graph API: nothing is asked, and
 * the note says to check them in the portal.
 *
 * Nothing here fails a scan: a read refused with 403 is one warning naming
 * the permission and its note says "unknown (needs X)"; any other failure is
 * one warning and "unknown (could not be read: ...)".
 */
#ifndef MFA_SOURCES_POSTURE_H
#define MFA_SOURCES_POSTURE_H

#include "graph/http.h"
#include "mfa/model/posture.h"
#include "mfa/model/source.h"

struct mfa_posture_fetch;

/* Submits the reads to h to fill p (the caller's, alive until finish);
 * they run in the caller's next mfa_http_run. */
int mfa_posture_fetch_start(struct mfa_posture_fetch **out, struct mfa_posture *p,
			    struct mfa_http *h, const char *graph_url, struct mfa_err *err);

/* After the run: hands the warnings to warn (NULL: drops them) and frees f.
 * Returns negative only when out of memory. NULL f is fine. */
int mfa_posture_fetch_finish(struct mfa_posture_fetch *f, mfa_warn_fn warn, void *warn_ctx,
			     struct mfa_err *err);

/* For ca_fetch: one policy object of GET .../conditionalAccess/policies
 * (its displayName and state are kept when Microsoft manages it). p NULL:
 * nothing. */
struct cJSON;
void mfa_posture_take_ca_policy(struct mfa_posture *p, const struct cJSON *policy);

/* For ca_fetch: the policy list was read to its end (resp NULL), or failed
 * with resp (403: "unknown (needs Policy.Read.All)"). p NULL: nothing. */
void mfa_posture_ca_read(struct mfa_posture *p, const struct mfa_http_response *resp);

#endif
