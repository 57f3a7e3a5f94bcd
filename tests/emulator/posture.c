/* posture.c - subscribedSkus, the authentication methods policy and the
 * switchFromPerUserMFA recommendation (posture.h). */
#include "posture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_SUFFIX "_Microsoft.Identity.IAM.Insights.SwitchFromPerUserMFA"

static void put_json(struct emu_reply *rp, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (!s)
		abort();
	rp->json = true;
	buf_puts(&rp->body, s);
	free(s);
}

static void context(cJSON *o, const struct emu_request *rq, const char *what)
{
	char ctx[400];

	snprintf(ctx, sizeof(ctx), "%s/%s/$metadata#%s", rq->base_url ? rq->base_url : "", rq->version, what);
	cJSON_AddStringToObject(o, "@odata.context", ctx);
}

static cJSON *plan(const char *name, const char *id)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "servicePlanId", id);
	cJSON_AddStringToObject(p, "servicePlanName", name);
	cJSON_AddStringToObject(p, "provisioningStatus", "Success");
	cJSON_AddStringToObject(p, "appliesTo", "User");
	return p;
}

/* One SKU: Microsoft 365 Business Premium (with AAD_PREMIUM), or without
 * P1 Microsoft 365 Business Standard (no Entra ID plan at all). */
void emu_posture_skus(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	cJSON *o = cJSON_CreateObject(), *v = cJSON_AddArrayToObject(o, "value");
	cJSON *sku = cJSON_CreateObject(), *plans;
	bool p1 = !app->cfg->no_p1;

	context(o, rq, "subscribedSkus");
	cJSON_AddStringToObject(sku, "id", p1 ? "0000aaaa-11bb-cccc-dd22-eeeeee333333_cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
					      : "0000aaaa-11bb-cccc-dd22-eeeeee333333_f245ecc8-75af-4f8e-b61f-27d8114de5f3");
	cJSON_AddStringToObject(sku, "skuId", p1 ? "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
						 : "f245ecc8-75af-4f8e-b61f-27d8114de5f3");
	cJSON_AddStringToObject(sku, "skuPartNumber", p1 ? "SPB" : "O365_BUSINESS_PREMIUM");
	cJSON_AddStringToObject(sku, "capabilityStatus", "Enabled");
	cJSON_AddNumberToObject(sku, "consumedUnits", app->tenant.count);
	cJSON_AddStringToObject(sku, "appliesTo", "User");
	plans = cJSON_AddArrayToObject(sku, "servicePlans");
	cJSON_AddItemToArray(plans, plan("EXCHANGE_S_STANDARD", "9aaf7827-d63c-4b61-89c3-182f06f82e5c"));
	if (p1)
		cJSON_AddItemToArray(plans, plan("AAD_PREMIUM", "41781fb2-bc02-4b7c-bd55-b576c07bb09d"));
	cJSON_AddItemToArray(v, sku);
	put_json(rp, o);
	cJSON_Delete(o);
}

static cJSON *method(const char *type, const char *id, const char *state)
{
	cJSON *m = cJSON_CreateObject();
	char t[128];

	snprintf(t, sizeof(t), "#microsoft.graph.%sAuthenticationMethodConfiguration", type);
	cJSON_AddStringToObject(m, "@odata.type", t);
	cJSON_AddStringToObject(m, "id", id);
	cJSON_AddStringToObject(m, "state", state);
	return m;
}

/* Graph's defaults for a tenant that never touched the policy (SMS and
 * voice on), each top-level key replaced by the fixture's. */
void emu_posture_methods(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	const cJSON *fx = app->fixture ? cJSON_GetObjectItemCaseSensitive(app->fixture, "authenticationMethodsPolicy") : NULL;
	cJSON *o = cJSON_CreateObject(), *re, *camp, *tg, *t, *cfgs;
	const cJSON *it;

	context(o, rq, "authenticationMethodsPolicy");
	cJSON_AddStringToObject(o, "id", "authenticationMethodsPolicy");
	cJSON_AddStringToObject(o, "displayName", "Authentication Methods Policy");
	cJSON_AddStringToObject(o, "policyVersion", "1.5");
	cJSON_AddStringToObject(o, "policyMigrationState", "preMigration");
	re = cJSON_AddObjectToObject(o, "registrationEnforcement");
	camp = cJSON_AddObjectToObject(re, "authenticationMethodsRegistrationCampaign");
	cJSON_AddNumberToObject(camp, "snoozeDurationInDays", 1);
	cJSON_AddStringToObject(camp, "state", "default");
	cJSON_AddArrayToObject(camp, "excludeTargets");
	tg = cJSON_AddArrayToObject(camp, "includeTargets");
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "id", "all_users");
	cJSON_AddStringToObject(t, "targetType", "group");
	cJSON_AddStringToObject(t, "targetedAuthenticationMethod", "microsoftAuthenticator");
	cJSON_AddItemToArray(tg, t);
	t = cJSON_AddObjectToObject(o, "systemCredentialPreferences");
	cJSON_AddStringToObject(t, "state", "default");
	cfgs = cJSON_AddArrayToObject(o, "authenticationMethodConfigurations");
	cJSON_AddItemToArray(cfgs, method("microsoftAuthenticator", "MicrosoftAuthenticator", "enabled"));
	cJSON_AddItemToArray(cfgs, method("sms", "Sms", "enabled"));
	cJSON_AddItemToArray(cfgs, method("voice", "Voice", "enabled"));
	cJSON_AddItemToArray(cfgs, method("fido2", "Fido2", "enabled"));
	cJSON_ArrayForEach(it, fx) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, it->string);
		cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, true));
	}
	put_json(rp, o);
	cJSON_Delete(o);
}

static void rec_id(const struct emu_app *app, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", app->cfg->tenant_id ? app->cfg->tenant_id : "tenant", REC_SUFFIX);
}

/* Microsoft's list, user by user: enabled/enforced users, less the first
 * --recommendation-differ of them, plus as many of the first disabled ones. */
static unsigned long impacted_users(const struct emu_app *app, unsigned long *idx_out, unsigned long max_out,
				    unsigned long skip, unsigned long *total)
{
	const struct emu_tenant *t = &app->tenant;
	unsigned long on = 0, off = 0, n = 0, k = 0, d = app->cfg->recommendation_differ;
	uint32_t i;

	for (i = 0; i < t->count; i++) {
		unsigned s = atomic_load(&t->users[i].state);
		bool in;

		if (s == EMU_ENABLED || s == EMU_ENFORCED)
			in = on++ >= d;
		else
			in = off++ < d;
		if (!in)
			continue;
		if (k++ >= skip && n < max_out)
			idx_out[n++] = i;
	}
	*total = k;
	return n;
}

void emu_posture_recommendations(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	cJSON *o = cJSON_CreateObject(), *v = cJSON_AddArrayToObject(o, "value"), *r;
	unsigned long total = 0;
	char id[200];

	context(o, rq, "directory/recommendations");
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", "tenant_Microsoft.Identity.IAM.Insights.AdminMFAV2");
	cJSON_AddStringToObject(r, "recommendationType", "adminMFAV2");
	cJSON_AddStringToObject(r, "displayName", "Protect all users with a user risk policy");
	cJSON_AddStringToObject(r, "status", "active");
	cJSON_AddItemToArray(v, r);
	impacted_users(app, NULL, 0, 0, &total);
	if (!app->cfg->no_recommendation && total) {
		rec_id(app, id, sizeof(id));
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "id", id);
		cJSON_AddStringToObject(r, "recommendationType", "switchFromPerUserMFA");
		cJSON_AddStringToObject(r, "displayName", "Convert from per-user MFA to Conditional Access MFA");
		cJSON_AddStringToObject(r, "featureAreas", "users");
		cJSON_AddStringToObject(r, "priority", "high");
		cJSON_AddStringToObject(r, "status", "active");
		cJSON_AddItemToArray(v, r);
	}
	put_json(rp, o);
	cJSON_Delete(o);
}

void emu_posture_impacted(struct emu_app *app, const struct emu_request *rq, const char *id,
			  struct emu_reply *rp)
{
	const struct emu_tenant *t = &app->tenant;
	unsigned long per = app->cfg->recommendation_page_size ? app->cfg->recommendation_page_size : 100;
	unsigned long skip = 0, total = 0, n, i;
	const char *tok = emu_request_query(rq, "$skiptoken");
	unsigned long *idx = NULL;
	char want[200], *end;
	cJSON *o, *v;

	rec_id(app, want, sizeof(want));
	if (app->cfg->no_recommendation || strcmp(id, want) != 0) {
		emu_reply_error(rp, 404, "ResourceNotFound", "Recommendation '%s' was not found.", id);
		return;
	}
	if (tok) {
		skip = strtoul(tok, &end, 10);
		if (*end || end == tok) {
			emu_reply_error(rp, 400, "BadRequest", "The specified page token value has expired or is invalid.");
			return;
		}
	}
	if (!(idx = calloc(per, sizeof(*idx))))
		abort();
	n = impacted_users(app, idx, per, skip, &total);
	o = cJSON_CreateObject();
	context(o, rq, "directory/recommendations('...')/impactedResources");
	v = cJSON_AddArrayToObject(o, "value");
	for (i = 0; i < n; i++) {
		const struct emu_user *u = &t->users[idx[i]];
		cJSON *r = cJSON_CreateObject();
		char api[300];

		cJSON_AddStringToObject(r, "id", emu_user_id(t, u));
		cJSON_AddStringToObject(r, "subjectId", emu_user_id(t, u));
		cJSON_AddStringToObject(r, "recommendationId", want);
		cJSON_AddStringToObject(r, "resourceType", "user");
		cJSON_AddStringToObject(r, "displayName", emu_user_name(t, u));
		cJSON_AddStringToObject(r, "status", "active");
		snprintf(api, sizeof(api), "https://graph.microsoft.com/beta/users/%s", emu_user_id(t, u));
		cJSON_AddStringToObject(r, "apiUrl", api);
		cJSON_AddItemToArray(v, r);
	}
	if (skip + n < total) {
		struct buf next = BUF_INIT;
		char at[24];

		snprintf(at, sizeof(at), "%lu", skip + n);
		emu_next_link_url(rq, at, &next);
		cJSON_AddStringToObject(o, "@odata.nextLink", buf_cstr(&next));
		buf_release(&next);
	}
	put_json(rp, o);
	cJSON_Delete(o);
	free(idx);
}
