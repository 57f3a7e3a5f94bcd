/* signins.h - the tenant's sign-in logs from Graph, streamed into per-user
 * counters (mfa/model/signins.h) for audit --sign-ins DAYS.
 *
 * GET /beta/auditLogs/signIns (beta: authenticationRequirementPolicies and
 * its requirementProvider are beta only), $top=1000 (Graph's maximum and
 * default page size), $filter createdDateTime ge <now - DAYS> and
 * signInEventTypes interactiveUser or nonInteractiveUser (without it Graph
 * lists interactive sign-ins only), every @odata.nextLink followed, in the
 * reports throttle scope (5 requests / 10 s per app and tenant). Each page
 * is parsed and folded as it arrives, the next requested from its
 * callback: memory holds one page and one counter record per user, never
 * the log.
 *
 * Needs AuditLog.Read.All and an Entra ID P1 licence. Without them (403,
 * or Graph's 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant),
 * or when any page cannot be read, the logs count as not read: one warning
 * naming what to grant, the users' sign-in columns empty, no sign-in
 * finding, and the run goes on. A log half read is never joined.
 */
#ifndef MFA_SOURCES_SIGNINS_H
#define MFA_SOURCES_SIGNINS_H

#include <time.h>

#include "graph/http.h"
#include "mfa/model/signins.h"
#include "mfa/model/source.h"

struct mfa_signins_result {
	int read;                /* 1: the log was read to its end */
	unsigned long signins;   /* sign-ins folded */
	unsigned long pages;     /* pages read */
	unsigned long users;     /* users seen in the log */
};

struct mfa_signins;

/* Submits the first page to h for the DAYS (>= 1) before now; the rest
 * follows from the callbacks during the caller's next mfa_http_run. m is
 * the caller's and must live until mfa_signins_finish. */
int mfa_signins_start(struct mfa_signins **out, struct mfa_signin_map *m, struct mfa_http *h,
		      const char *graph_url, unsigned days, time_t now, struct mfa_err *err);

/* After the run: fills *res, says why the log was not read (one line, to
 * warn; NULL drops it), frees s. NULL s is fine (res untouched). */
void mfa_signins_finish(struct mfa_signins *s, struct mfa_signins_result *res, mfa_warn_fn warn,
			void *warn_ctx);

#endif
