/* posture_json.h - a live run's tenant posture notes and Entra's
 * switchFromPerUserMFA comparison in summary.json's tenantNotes
 * (mfa/model/posture.h). */
#ifndef MFA_REPORTS_POSTURE_JSON_H
#define MFA_REPORTS_POSTURE_JSON_H

#include <cjson/cJSON.h>

#include "mfa/model/posture.h"

/* Adds to the tenantNotes object `notes`:
 *   "posture": [{"key","status","text","meaning"}, ...]
 *   "switchFromPerUserMfa": {"read", "found", "status", "complete", "microsoftCount",
 *       "ourCount", "onlyMicrosoft": {"count","ids"}, "onlyOurs": {"count","ids"}}
 * (ids capped at MFA_POSTURE_LIST_MAX; counts always whole). p NULL: nothing. */
void mfa_posture_json_add(cJSON *notes, const struct mfa_posture *p);

#endif
