/* multitenant.h - graph-emulator --tenants N: several tenants in one
 * process, each a struct emu_app of its own (its own config copy with its
 * tenant id and seed, users, signing key, throttle budgets, faults, stats
 * and mail), and the rules that pick a request's tenant:
 *
 *   POST /{tenant}/oauth2/v2.0/token   the path's tenant
 *   /v1.0/..., /beta/...               the bearer token's tid claim (read
 *                                      unverified; that tenant then checks
 *                                      the signature, so a token another
 *                                      tenant signed is refused)
 *   /_emulator/...?tenant=ID           that tenant; no ?tenant: the first
 *
 * An unknown tenant falls to the first, which refuses it as before.
 * Tenant 0's id is --tenant-id and its seed --seed; tenant k (k >= 1) is
 * EMU_TENANT_ID_FORMAT with k, seeded --seed + k.
 */
#ifndef EMU_MULTITENANT_H
#define EMU_MULTITENANT_H

#include <stddef.h>

#include "app.h"

#define EMU_TENANTS_MAX 10000
#define EMU_TENANT_ID_FORMAT "00000000-0000-4000-8000-%012zu"

struct emu_tenants {
	struct emu_app *apps;       /* n of them */
	struct emu_config *cfgs;    /* each app's config (apps[k].cfg) */
	char (*ids)[40];            /* generated ids, for cfgs[k].tenant_id */
	size_t n;
};

/* Makes n apps' configs from base (not yet built: the caller builds each
 * app as it built the one). Returns 0, or -1 with err set. */
int emu_tenants_init(struct emu_tenants *ts, const struct emu_config *base, size_t n,
		     struct mfa_err *err);
/* Frees the arrays (not what each app holds: the caller releases those). */
void emu_tenants_release(struct emu_tenants *ts);

/* The tenant with this id (any case), or NULL. */
struct emu_app *emu_tenants_find(const struct emu_tenants *ts, const char *id);

/* The tenant a Graph request's Authorization header names (tid), else the first. */
struct emu_app *emu_tenants_for_token(const struct emu_tenants *ts, const char *authorization);

/* GET /_emulator/tenants: {"tenants":[{"id","users","seed"}...]}. */
void emu_tenants_json(const struct emu_tenants *ts, struct emu_reply *rp);

#endif
