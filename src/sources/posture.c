/* posture.c - the tenant's posture from Graph (posture.h). */
#include "sources/posture.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WARNINGS 6

struct mfa_posture_fetch {
	struct mfa_http *h;
	char *graph;
	struct mfa_posture *p;
	int oom;
	char *warnings[MAX_WARNINGS];
	unsigned nwarnings;
};

/* What each read fills, for its callbacks. */
enum area { A_LICENCES, A_METHODS, A_MANAGED, A_RECOMMENDATION };

struct read {
	struct mfa_posture_fetch *f;
	enum area area;
};

static const struct {
	const char *what, *permission;
} AREAS[] = {
	[A_LICENCES] = { "the tenant's licences (subscribedSkus)", "LicenseAssignment.Read.All" },
	[A_METHODS] = { "the authentication methods policy", "Policy.Read.AuthenticationMethod" },
	[A_MANAGED] = { "the Conditional Access policies for Microsoft-managed ones", "Policy.Read.All" },
	[A_RECOMMENDATION] = { "Entra's switchFromPerUserMFA recommendation", "DirectoryRecommendations.Read.All" },
};

static void warn(struct mfa_posture_fetch *f, const char *msg)
{
	if (f->nwarnings < MAX_WARNINGS && (f->warnings[f->nwarnings] = strdup(msg)))
		f->nwarnings++;
}

static void set(struct mfa_posture_fetch *f, enum area a, enum mfa_posture_read how, const char *why)
{
	struct mfa_posture *p = f->p;

	switch (a) {
	case A_LICENCES:
		mfa_posture_set_read(&p->licences, p->licences_why, sizeof(p->licences_why), how, why);
		break;
	case A_METHODS:
		mfa_posture_set_read(&p->methods, p->methods_why, sizeof(p->methods_why), how, why);
		break;
	case A_MANAGED:
		mfa_posture_set_read(&p->managed, p->managed_why, sizeof(p->managed_why), how, why);
		break;
	case A_RECOMMENDATION:
		mfa_posture_set_read(&p->recommendation, p->rec_why, sizeof(p->rec_why), how, why);
		break;
	}
}

/* A read that did not work: one warning, and the note says unknown. */
static void failed(struct mfa_posture_fetch *f, enum area a, const struct mfa_http_response *resp,
		   const char *why)
{
	char msg[MFA_ERR_MAX + 256];

	if (resp && resp->status == 403) {
		set(f, a, MFA_POSTURE_FORBIDDEN, resp->error);
		snprintf(msg, sizeof(msg), "cannot read %s (%s): its tenant note says 'unknown'; grant the app %s",
			 AREAS[a].what, resp->error ? resp->error : "http 403", AREAS[a].permission);
	} else {
		why = why ? why : resp && resp->error ? resp->error : "no answer";
		set(f, a, MFA_POSTURE_FAILED, why);
		snprintf(msg, sizeof(msg), "cannot read %s (%s): its tenant note says 'unknown'",
			 AREAS[a].what, why);
	}
	warn(f, msg);
}

static void on_page(void *ctx, const struct mfa_http_response *resp);

static void get(struct mfa_posture_fetch *f, enum area a, const char *url, mfa_http_done_fn done)
{
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct read *r = calloc(1, sizeof(*r));

	if (!r) {
		f->oom = 1;
		return;
	}
	r->f = f;
	r->area = a;
	req.url = url;
	req.scope = a == A_MANAGED ? MFA_SCOPE_CONDITIONAL_ACCESS : MFA_SCOPE_IDENTITY_READ;
	req.done = done;
	req.ctx = r;
	if (mfa_http_submit(f->h, &req, &err) < 0) {
		free(r);
		failed(f, a, NULL, err.msg);
	}
}

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void copy(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s ? s : "");
}

/* subscribedSkus: a P1 / P2 service plan provisioned in a working SKU. */
static void take_skus(struct mfa_posture *p, const cJSON *value)
{
	const cJSON *sku, *plan;

	cJSON_ArrayForEach(sku, value) {
		const char *cap = jstr(sku, "capabilityStatus");

		if (cap && strcmp(cap, "Enabled") != 0 && strcmp(cap, "Warning") != 0)
			continue; /* Suspended, Deleted, LockedOut */
		cJSON_ArrayForEach(plan, cJSON_GetObjectItemCaseSensitive(sku, "servicePlans")) {
			const char *name = jstr(plan, "servicePlanName");
			const char *prov = jstr(plan, "provisioningStatus");

			if (!name || (prov && strcmp(prov, "Success") != 0))
				continue;
			if (strcmp(name, "AAD_PREMIUM") == 0)
				p->p1 = 1;
			else if (strcmp(name, "AAD_PREMIUM_P2") == 0)
				p->p2 = 1;
		}
	}
}

static void take_methods(struct mfa_posture *p, const cJSON *root)
{
	const cJSON *camp, *c;

	copy(p->migration_state, sizeof(p->migration_state), jstr(root, "policyMigrationState"));
	camp = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "registrationEnforcement"),
						 "authenticationMethodsRegistrationCampaign");
	if (camp) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(camp, "includeTargets");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(camp, "snoozeDurationInDays");

		copy(p->campaign_state, sizeof(p->campaign_state), jstr(camp, "state"));
		if (cJSON_IsArray(t))
			p->campaign_targets = cJSON_GetArraySize(t);
		if (cJSON_IsNumber(s))
			p->snooze_days = (int)s->valuedouble;
	}
	copy(p->system_preferred, sizeof(p->system_preferred),
	     jstr(cJSON_GetObjectItemCaseSensitive(root, "systemCredentialPreferences"), "state"));
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "authenticationMethodConfigurations")) {
		const char *id = jstr(c, "id");

		if (id && strcmp(id, "Sms") == 0)
			copy(p->sms_state, sizeof(p->sms_state), jstr(c, "state"));
		else if (id && strcmp(id, "Voice") == 0)
			copy(p->voice_state, sizeof(p->voice_state), jstr(c, "state"));
	}
}

void mfa_posture_take_ca_policy(struct mfa_posture *p, const struct cJSON *policy)
{
	const char *name = jstr(policy, "displayName");

	if (p && mfa_posture_is_managed_policy(name))
		mfa_posture_add_managed(p, name, jstr(policy, "state"));
}

void mfa_posture_ca_read(struct mfa_posture *p, const struct mfa_http_response *resp)
{
	if (!p)
		return;
	if (!resp)
		mfa_posture_set_read(&p->managed, p->managed_why, sizeof(p->managed_why), MFA_POSTURE_READ, NULL);
	else
		mfa_posture_set_read(&p->managed, p->managed_why, sizeof(p->managed_why),
				     resp->status == 403 ? MFA_POSTURE_FORBIDDEN : MFA_POSTURE_FAILED,
				     resp->error ? resp->error : "malformed JSON");
}

/* The recommendations: the switchFromPerUserMFA one, whose impacted
 * resources are read next. */
static void take_recommendations(struct mfa_posture_fetch *f, const cJSON *value)
{
	const cJSON *r;
	char url[1024];

	cJSON_ArrayForEach(r, value) {
		const char *type = jstr(r, "recommendationType"), *id = jstr(r, "id");

		if (!type || strcmp(type, "switchFromPerUserMFA") != 0 || !id || f->p->rec_found)
			continue;
		f->p->rec_found = 1;
		copy(f->p->rec_status, sizeof(f->p->rec_status), jstr(r, "status"));
		snprintf(url, sizeof(url), "%s/beta/directory/recommendations/%s/impactedResources", f->graph, id);
		get(f, A_RECOMMENDATION, url, on_page);
	}
}

static void take_impacted(struct mfa_posture_fetch *f, const cJSON *value)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, value) {
		const char *type = jstr(r, "resourceType");
		const char *id = jstr(r, "subjectId");

		if (type && strcmp(type, "user") != 0)
			continue;
		if (!id)
			id = jstr(r, "id");
		if (mfa_posture_add_impacted(f->p, id) < 0)
			f->oom = 1;
	}
}

/* Every read's pages: each area takes its page, the nextLink is followed,
 * and the area is read once its last page is in. The recommendation list
 * and its impacted resources share A_RECOMMENDATION: the area is read when
 * the last page of whichever came last arrived and nothing is pending. */
static void on_page(void *ctx, const struct mfa_http_response *resp)
{
	struct read *r = ctx;
	struct mfa_posture_fetch *f = r->f;
	cJSON *root = NULL;
	const cJSON *value;
	const char *next;
	int impacted = resp->url && strstr(resp->url, "/impactedResources") != NULL;

	if (resp->cancelled)
		goto cleanup;
	if (resp->status != 200) {
		failed(f, r->area, resp, NULL);
		goto cleanup;
	}
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	value = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!root || (r->area != A_METHODS && !cJSON_IsArray(value))) {
		failed(f, r->area, resp, "malformed JSON");
		goto cleanup;
	}
	switch (r->area) {
	case A_LICENCES: take_skus(f->p, value); break;
	case A_METHODS: take_methods(f->p, root); break;
	case A_MANAGED: break; /* read by ca_fetch (mfa_posture_take_ca_policy) */
	case A_RECOMMENDATION:
		if (impacted)
			take_impacted(f, value);
		else
			take_recommendations(f, value);
		break;
	}
	next = jstr(root, "@odata.nextLink");
	if (next && r->area != A_METHODS) {
		get(f, r->area, next, on_page);
		goto cleanup;
	}
	/* The list's last page: read, unless it started an impacted read. */
	if (r->area == A_RECOMMENDATION && !impacted && f->p->rec_found)
		goto cleanup;
	if (*(r->area == A_LICENCES ? &f->p->licences : r->area == A_METHODS ? &f->p->methods
			: r->area == A_MANAGED ? &f->p->managed : &f->p->recommendation) == MFA_POSTURE_NOT_READ)
		set(f, r->area, MFA_POSTURE_READ, NULL);
cleanup:
	cJSON_Delete(root);
	free(r);
}

int mfa_posture_fetch_start(struct mfa_posture_fetch **out, struct mfa_posture *p,
			    struct mfa_http *h, const char *graph_url, struct mfa_err *err)
{
	struct mfa_posture_fetch *f = calloc(1, sizeof(*f));
	char url[1024];

	*out = NULL;
	if (!f || !(f->graph = strdup(graph_url))) {
		free(f);
		return mfa_err_set(err, "out of memory");
	}
	f->h = h;
	f->p = p;
	snprintf(url, sizeof(url), "%s/v1.0/subscribedSkus?$select=skuPartNumber,capabilityStatus,servicePlans",
		 graph_url);
	get(f, A_LICENCES, url, on_page);
	snprintf(url, sizeof(url), "%s/v1.0/policies/authenticationMethodsPolicy", graph_url);
	get(f, A_METHODS, url, on_page);
	snprintf(url, sizeof(url), "%s/beta/directory/recommendations", graph_url);
	get(f, A_RECOMMENDATION, url, on_page);
	*out = f;
	return 0;
}

int mfa_posture_fetch_finish(struct mfa_posture_fetch *f, mfa_warn_fn warn_fn, void *warn_ctx,
			     struct mfa_err *err)
{
	unsigned i;
	int rc = 0;

	if (!f)
		return 0;
	for (i = 0; i < f->nwarnings; i++) {
		if (warn_fn)
			warn_fn(warn_ctx, f->warnings[i]);
		free(f->warnings[i]);
	}
	if (f->oom)
		rc = mfa_err_set(err, "out of memory reading the tenant's posture");
	free(f->graph);
	free(f);
	return rc;
}
