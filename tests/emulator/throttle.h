/* throttle.h - Graph's service-protection budgets, time-scaled.
 *
 * Windows are fixed windows that open at the first request counted after
 * the previous window closed ("first-use" windows): a burst that starts on
 * an idle scope always sees exactly one full budget before its first 429,
 * and Retry-After is the time left in the window. Throttled requests are
 * not counted. Every window length is divided by --time-scale.
 *
 * Scopes (one app and one tenant are emulated, so app+tenant is one scope):
 *   identity  resource units / 10 s: 3,500 (<50 users), 5,000 (50-500), 8,000 (>500)
 *   writes    3,000 / 150 s per app+tenant and 18,000 / 300 s per tenant
 *   reports   5 requests / 10 s
 *   ca        1 request / 1 s per tenant, 429 without Retry-After
 */
#ifndef EMU_THROTTLE_H
#define EMU_THROTTLE_H

#include <stdbool.h>

#include "emu.h"

enum emu_scope { EMU_SCOPE_NONE, EMU_SCOPE_IDENTITY, EMU_SCOPE_REPORTS, EMU_SCOPE_CA };

struct emu_throttle;

int emu_throttle_new(struct emu_throttle **out, const struct emu_config *cfg, unsigned long users);
void emu_throttle_free(struct emu_throttle *t);

/* Charges one request of `scope` costing `ru` resource units (plus one
 * write when `write`). Returns 0 and adds x-ms-resource-unit (and
 * x-ms-throttle-limit-percentage above 0.8) to rp; or returns -1 with rp
 * filled as Graph's 429. */
int emu_throttle_charge(struct emu_throttle *t, enum emu_scope scope, int ru, bool write,
			struct emu_reply *rp);

/* Closes every window (after POST /_emulator/reset). */
void emu_throttle_reset(struct emu_throttle *t);

/* Formats seconds for Retry-After: whole seconds when >= 10, else up to
 * three decimals ("0.095", "2.128"). */
void emu_format_seconds(double s, char *out, size_t size);

#endif
