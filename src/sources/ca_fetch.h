/* ca_fetch.h - reading from Graph what decides Conditional Access coverage:
 * the policies (the Conditional Access scope: 1 request per second, no
 * Retry-After), the security-defaults policy, and the members of every
 * group (transitive) and directory role (by role template id) the
 * policies name. Fills a model for mfa_coverage_evaluate (mfa/coverage.h).
 *
 * Nothing here is fatal to a scan: what cannot be read is warned about and
 * left unread in the model, whose verdicts then say `unknown` wherever it
 * matters (never `not-covered` on a guess). A member read refused with 403
 * (the app lacks GroupMember.Read.All for groups, RoleManagement.Read.Directory
 * for roles) is counted, not warned about one by one: one warning per
 * missing permission, naming it. Member lists are followed through every
 * nextLink (empty pages included); members the app may not read in full
 * (id + @odata.type only) are matched by id. A role counts as read only
 * when its own list and those of the role-assignable groups holding it were
 * all read to their end.
 */
#ifndef MFA_SOURCES_CA_FETCH_H
#define MFA_SOURCES_CA_FETCH_H

#include "graph/http.h"
#include "mfa/model/coverage.h"
#include "mfa/model/source.h"

struct mfa_ca_fetch_result {
	int policies;           /* policies read; -1 when the list could not be read */
	int security_defaults;  /* -1 unknown, 0 off, 1 on */
	unsigned long groups;   /* groups whose members were read */
	unsigned long roles;    /* roles whose members were read */
};

struct mfa_ca_fetch;

/* Submits the reads to h (the policies and the security-defaults policy;
 * the members follow from the policies' callback) to fill m, which the
 * caller owns and keeps alive until mfa_ca_fetch_finish. The reads run in
 * the caller's next mfa_http_run, alongside whatever else it runs (the
 * users scan). */
int mfa_ca_fetch_start(struct mfa_ca_fetch **out, struct mfa_ca_model *m, struct mfa_http *h,
		       const char *graph_url, struct mfa_err *err);

/* Hands every policy read to the tenant posture's reader as well
 * (sources/posture.h: the Microsoft-managed ones); p borrowed, NULL: none. */
struct mfa_posture;
void mfa_ca_fetch_set_posture(struct mfa_ca_fetch *f, struct mfa_posture *p);

/* After the run: fills *res, hands the problems met (one line each) to
 * warn (NULL: drop them, e.g. when the whole scan failed anyway), and
 * frees f. Returns negative when a membership could not be stored (out of
 * memory). */
int mfa_ca_fetch_finish(struct mfa_ca_fetch *f, struct mfa_ca_fetch_result *res,
			mfa_warn_fn warn, void *warn_ctx, struct mfa_err *err);

#endif
