/* signins.h - the emulated tenant's sign-in logs (GET /beta/auditLogs/signIns)
 * and POST /_emulator/sign-ins/advance.
 *
 * The log is never stored: sign-in k of user i in round r is a pure
 * function of (seed, r, i, k), of the user's per-user MFA state as it was
 * when round r happened (one byte per user per round is kept), and of who
 * the --ca-fixture's enabled policies require MFA of (worked out once at
 * start-up by a small local rule set, README "Sign-in logs"). Round 0 is
 * --sign-ins-per-user K sign-ins per user spread over the --sign-ins-days
 * before start-up; each advance adds a round of K per user at "now" from
 * the states of that moment, so a test can apply, advance and audit.
 *
 * Thread safety: one mutex; a list page and an advance never interleave.
 */
#ifndef EMU_SIGNINS_H
#define EMU_SIGNINS_H

#include "emu.h"

struct emu_app;
struct emu_signins;

/* Builds the log of app's tenant and fixture (both loaded). Returns 0 or
 * -1 (out of memory). */
int emu_signins_new(struct emu_signins **out, const struct emu_app *app);

/* GET /beta/auditLogs/signIns: $top (1..1000, default 1000), $filter
 * (createdDateTime ge|gt <time>, signInEventTypes/any(...) naming
 * nonInteractiveUser; anything else 400), $skiptoken; newest round first. */
void emu_signins_list(struct emu_signins *s, const struct emu_app *app, const struct emu_request *rq,
		      struct emu_reply *rp);

/* POST /_emulator/sign-ins/advance: a new round at now; answers
 * {"rounds":N,"signIns":total,"at":"..."}. */
void emu_signins_advance(struct emu_signins *s, const struct emu_app *app, struct emu_reply *rp);

/* Back to round 0 only (POST /_emulator/reset). */
void emu_signins_reset(struct emu_signins *s);

void emu_signins_free(struct emu_signins *s);

#endif
