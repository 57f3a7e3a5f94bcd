/* posture.h - the tenant-posture endpoints (issue 14 item 3, issue 15 item 3):
 *   GET /v1.0/subscribedSkus                    (--no-p1: no Entra ID P1/P2 plan)
 *   GET /v1.0/policies/authenticationMethodsPolicy (the CA fixture's
 *       "authenticationMethodsPolicy" object overrides the defaults key by key)
 *   GET /beta/directory/recommendations          (switchFromPerUserMFA from the
 *       tenant's enabled/enforced users; --no-recommendation: absent)
 *   GET /beta/directory/recommendations/{id}/impactedResources (paged,
 *       --recommendation-page-size; --recommendation-differ N: Microsoft's list
 *       leaves out the first N enabled/enforced users and adds the first N
 *       disabled ones, as a stale list in a real tenant would)
 * README.md ("Tenant posture") has the shapes and permissions.
 */
#ifndef EMU_POSTURE_H
#define EMU_POSTURE_H

#include "app.h"

void emu_posture_skus(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp);
void emu_posture_methods(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp);
void emu_posture_recommendations(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp);
void emu_posture_impacted(struct emu_app *app, const struct emu_request *rq, const char *id,
			  struct emu_reply *rp);

#endif
