/* multitenant.c - many tenants in one emulator (multitenant.h). */
#include "multitenant.h"

#include "auth.h"
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int emu_tenants_init(struct emu_tenants *ts, const struct emu_config *base, size_t n,
		     struct mfa_err *err)
{
	size_t k;

	memset(ts, 0, sizeof(*ts));
	ts->apps = calloc(n, sizeof(*ts->apps));
	ts->cfgs = calloc(n, sizeof(*ts->cfgs));
	ts->ids = calloc(n, sizeof(*ts->ids));
	if (!ts->apps || !ts->cfgs || !ts->ids) {
		emu_tenants_release(ts);
		return mfa_err_set(err, "out of memory");
	}
	ts->n = n;
	for (k = 0; k < n; k++) {
		ts->cfgs[k] = *base;
		if (k > 0) {
			snprintf(ts->ids[k], sizeof(ts->ids[k]), EMU_TENANT_ID_FORMAT, k);
			ts->cfgs[k].tenant_id = ts->ids[k];
			ts->cfgs[k].seed = base->seed + k;
			if (strcasecmp(ts->ids[k], base->tenant_id) == 0) {
				emu_tenants_release(ts);
				return mfa_err_set(err, "--tenant-id '%s' is the id of generated tenant %zu: pick another", base->tenant_id, k);
			}
		}
		ts->apps[k].cfg = &ts->cfgs[k];
	}
	return 0;
}

void emu_tenants_release(struct emu_tenants *ts)
{
	free(ts->apps);
	free(ts->cfgs);
	free(ts->ids);
	memset(ts, 0, sizeof(*ts));
}

struct emu_app *emu_tenants_find(const struct emu_tenants *ts, const char *id)
{
	size_t k;

	for (k = 0; id && k < ts->n; k++)
		if (strcasecmp(ts->cfgs[k].tenant_id, id) == 0)
			return &ts->apps[k];
	return NULL;
}

struct emu_app *emu_tenants_for_token(const struct emu_tenants *ts, const char *authorization)
{
	const char *tok, *dot1, *dot2, *tid, *end;
	struct buf pay = BUF_INIT;
	struct emu_app *app = NULL;
	char id[64];

	if (ts->n == 1 || !authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return &ts->apps[0];
	tok = authorization + 7;
	dot1 = strchr(tok, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2 || emu_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &pay) < 0)
		goto cleanup;
	tid = strstr(buf_cstr(&pay), "\"tid\":\"");
	if (!tid)
		goto cleanup;
	tid += 7;
	end = strchr(tid, '"');
	if (!end || (size_t)(end - tid) >= sizeof(id))
		goto cleanup;
	snprintf(id, sizeof(id), "%.*s", (int)(end - tid), tid);
	app = emu_tenants_find(ts, id);
cleanup:
	buf_release(&pay);
	return app ? app : &ts->apps[0];
}

void emu_tenants_json(const struct emu_tenants *ts, struct emu_reply *rp)
{
	size_t k;

	rp->json = true;
	buf_puts(&rp->body, "{\"tenants\":[");
	for (k = 0; k < ts->n; k++) {
		buf_puts(&rp->body, k ? ",{\"id\":" : "{\"id\":");
		buf_json_str(&rp->body, ts->cfgs[k].tenant_id);
		buf_printf(&rp->body, ",\"users\":%u,\"seed\":%llu}", ts->apps[k].tenant.count,
			   (unsigned long long)ts->cfgs[k].seed);
	}
	buf_puts(&rp->body, "]}");
}
