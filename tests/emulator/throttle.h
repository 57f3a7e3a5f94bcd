/* throttle.h - Graph's service-protection budgets as token buckets, time-scaled.
 *
 * Each limit is a bucket whose capacity is the budget and which refills
 * continuously at budget/window per second (window divided by
 * --time-scale), starting full. A request is admitted when every bucket it
 * draws from holds its cost, and then all of them are charged; otherwise
 * it is answered 429 and nothing is charged. Retry-After is the time until
 * the binding bucket (the one that needs longest) holds the cost again.
 *
 * x-ms-throttle-limit-percentage, as Graph documents it (sent above 0.8;
 * 1.0 = throttling starts; up to 1.8): on an admitted request the most
 * drained bucket's share, (budget - tokens) / budget after the charge, so
 * never above 1.0; on a 429, 1.0 + the cost that bucket refused in its
 * trailing window / budget, capped at 1.8 (1.2 = asked 20 % more than it
 * held).
 *
 * Limits (one app and one tenant are emulated; scope strings are Graph's
 * <Scope>/<Limit>/<ApplicationId>/<TenantId>):
 *   identity RU   3,500 (<50 users), 5,000 (50-500), 8,000 (>500) / 10 s
 *                 Tenant_Application/ReadWrite, ResourceUnitLimitExceeded
 *   writes        3,000 / 150 s per app+tenant   Tenant_Application/Write
 *                 35,000 / 300 s per app across tenants, of which
 *                 --app-writes-elsewhere N are spent elsewhere: this tenant
 *                 sees a bucket of 35,000 - N refilled at (35,000 - N) / 300 s
 *                                                Application/Write
 *                 18,000 / 300 s per tenant      Tenant/Write
 *                 (all WriteLimitExceeded)
 *   reports       5 / 10 s                       Tenant_Application/Read
 *   ca            1 / 1 s per tenant, 429 without Retry-After  Tenant/ReadWrite
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

/* Fills every bucket and forgets the refused cost (after POST /_emulator/reset). */
void emu_throttle_reset(struct emu_throttle *t);

/* Formats seconds for Retry-After: whole seconds when >= 10, else up to
 * three decimals ("0.095", "2.128"). */
void emu_format_seconds(double s, char *out, size_t size);

#endif
