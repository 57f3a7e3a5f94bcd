/* whatif.h - POST /{version}/identity/conditionalAccess/evaluate: Conditional
 * Access What If over the --ca-fixture, answered in Graph's shape (value[]
 * of whatIfAnalysisResult: each fixture policy with policyApplies and
 * analysisReasons), with --what-if-override FILE to make Microsoft
 * disagree for chosen users. README "What If". */
#ifndef EMU_WHATIF_H
#define EMU_WHATIF_H

#include "app.h"

/* Loads --what-if-override FILE: a JSON object whose keys are user ids or
 * UPNs and whose values are arrays of the policies (displayName or id)
 * What If says apply to that user, in every context; [] says none does. */
int emu_whatif_override_load(cJSON **out, const char *path, struct mfa_err *err);

/* Answers one evaluate request (after token, permission and throttle). */
void emu_whatif_evaluate(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp);

#endif
