/* sources/ca_policy_json.h - one Conditional Access policy, as Graph's
 * JSON has it, read into the coverage model (mfa/model/coverage.h). Used
 * by the live read (ca_fetch.c) and the --ca-policies file (ca_files.c). */
#ifndef MFA_SOURCES_CA_POLICY_JSON_H
#define MFA_SOURCES_CA_POLICY_JSON_H

#include "mfa/model/coverage.h"
#include "mfa/util/err.h"

struct cJSON;

/* Adds one policy: one element of the `value` of Graph's policies list.
 * Reads what decides coverage (see mfa/model/coverage.h) and hands it to
 * mfa_ca_model_add_policy; `policy` stays the caller's. Fails on a value of
 * the wrong type or an unknown state / operator, with err naming the field
 * ("conditions.users.includeGroups: expected an array of strings").
 * Disabled policies are kept (counted) but never evaluated. */
int mfa_ca_model_add_policy_json(struct mfa_ca_model *m, const struct cJSON *policy,
				 struct mfa_err *err);

/* The grant controls of a policy (or of a whatIfAnalysisResult, which
 * inherits them): *mfa when mfa, or an authentication strength that
 * satisfies it, is among them (block: never); MFA_GAP_OR added to *gaps
 * when an OR lets a sign-in through with another control. -1 with err on
 * a value of the wrong type. */
int mfa_ca_grant_read(const struct cJSON *policy, bool *mfa, uint32_t *gaps, struct mfa_err *err);

#endif
