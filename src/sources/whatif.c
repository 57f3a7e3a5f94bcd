/* whatif.c - What If requests on the http engine (whatif.h). */
#include "sources/whatif.h"
#include "sources/ca_policy_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One request: class cls in context ctx. */
struct ask {
	struct mfa_whatif_fetch *f;
	size_t cls;
	int ctx;
};

struct mfa_whatif_fetch {
	struct mfa_whatif_set *s;
	struct ask *asks;
	size_t nasks;
	unsigned long failed, denied;
	char first_error[MFA_ERR_MAX];
	long denied_status;
	int oom;
};

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void failed(struct ask *a, const char *why)
{
	struct mfa_whatif_fetch *f = a->f;

	if (f->failed++ == 0)
		snprintf(f->first_error, sizeof(f->first_error), "%s", why);
	if (mfa_whatif_take_answer(f->s, a->cls, a->ctx, NULL, 0, why) < 0)
		f->oom = 1;
}

static void on_answer(void *ctx, const struct mfa_http_response *resp)
{
	struct ask *a = ctx;
	struct mfa_whatif_fetch *f = a->f;
	struct mfa_whatif_policy *pols = NULL;
	cJSON *root = NULL;
	const cJSON *value, *it;
	size_t n = 0;

	if (resp->cancelled) {
		failed(a, "not asked: the run was stopped");
		return;
	}
	if (resp->status == 403) {
		f->denied++;
		f->denied_status = resp->status;
		failed(a, resp->error ? resp->error : "http 403");
		return;
	}
	if (resp->status != 200) {
		failed(a, resp->error ? resp->error : "no answer");
		return;
	}
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	value = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!cJSON_IsArray(value)) {
		failed(a, "Graph's What If answer has no value array (malformed JSON)");
		goto cleanup;
	}
	pols = calloc((size_t)cJSON_GetArraySize(value) + 1, sizeof(*pols));
	if (!pols) {
		f->oom = 1;
		goto cleanup;
	}
	cJSON_ArrayForEach(it, value) {
		struct mfa_whatif_policy *p = &pols[n];
		struct mfa_err err = MFA_ERR_INIT;
		const char *state = jstr(it, "state");
		uint32_t gaps = 0;
		bool mfa = false;

		if (!cJSON_IsObject(it))
			continue;
		p->name = jstr(it, "displayName") ? jstr(it, "displayName") : jstr(it, "id");
		p->enabled = state && strcmp(state, "enabled") == 0;
		p->applies = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "policyApplies"));
		p->reasons = jstr(it, "analysisReasons");
		if (mfa_ca_grant_read(it, &mfa, &gaps, &err) < 0) {
			char why[MFA_ERR_MAX + 64];

			snprintf(why, sizeof(why), "Graph's What If answer: %s", err.msg);
			failed(a, why);
			goto cleanup;
		}
		/* mfa OR another control does not require mfa */
		p->requires_mfa = mfa && !(gaps & MFA_GAP_OR);
		n++;
	}
	if (mfa_whatif_take_answer(f->s, a->cls, a->ctx, pols, n, NULL) < 0)
		f->oom = 1;
cleanup:
	free(pols);
	cJSON_Delete(root);
}

static char *body_for(const char *user_id, int ctx)
{
	cJSON *b = cJSON_CreateObject(), *o;
	char *s = NULL;
	const char *apps[] = { "All" };

	if (!b)
		return NULL;
	o = cJSON_AddObjectToObject(b, "signInIdentity");
	if (!o || !cJSON_AddStringToObject(o, "@odata.type", "#microsoft.graph.userSignIn") ||
	    !cJSON_AddStringToObject(o, "userId", user_id))
		goto cleanup;
	o = cJSON_AddObjectToObject(b, "signInContext");
	if (!o || !cJSON_AddStringToObject(o, "@odata.type", "#microsoft.graph.applicationContext") ||
	    !cJSON_AddItemToObject(o, "includeApplications", cJSON_CreateStringArray(apps, 1)))
		goto cleanup;
	o = cJSON_AddObjectToObject(b, "signInConditions");
	if (!o || !cJSON_AddStringToObject(o, "clientAppType", mfa_whatif_client_app_type(ctx)))
		goto cleanup;
	if (!cJSON_AddBoolToObject(b, "appliedPoliciesOnly", 0))
		goto cleanup;
	s = cJSON_PrintUnformatted(b);
cleanup:
	cJSON_Delete(b);
	return s;
}

int mfa_whatif_fetch_start(struct mfa_whatif_fetch **out, struct mfa_whatif_set *s, struct mfa_http *h,
			   const char *graph_url, struct mfa_err *err)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct mfa_whatif_fetch *f = calloc(1, sizeof(*f));
	size_t i, nclasses = mfa_whatif_class_count(s), k = 0;
	char url[1024];
	int c;

	*out = NULL;
	if (!f)
		return mfa_err_set(err, "out of memory");
	f->s = s;
	for (i = 0; i < nclasses; i++)
		if (mfa_whatif_class_get(s, i)->asked)
			k++;
	f->asks = calloc(k * MFA_WHATIF__CONTEXTS + 1, sizeof(*f->asks));
	if (!f->asks) {
		free(f);
		return mfa_err_set(err, "out of memory");
	}
	*out = f;
	snprintf(url, sizeof(url), "%s/v1.0/identity/conditionalAccess/evaluate", graph_url);
	for (i = 0; i < nclasses; i++) {
		const struct mfa_whatif_class *cl = mfa_whatif_class_get(s, i);

		if (!cl->asked)
			continue;
		for (c = 0; c < MFA_WHATIF__CONTEXTS; c++) {
			struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
			struct ask *a = &f->asks[f->nasks];
			char *body = body_for(cl->rep_id, c);

			a->f = f;
			a->cls = i;
			a->ctx = c;
			if (!body)
				return mfa_err_set(err, "out of memory");
			req.method = "POST";
			req.url = url;
			req.headers = headers;
			req.body = body;
			req.body_len = strlen(body);
			req.scope = MFA_SCOPE_CONDITIONAL_ACCESS;
			req.done = on_answer;
			req.ctx = a;
			if (mfa_http_submit(h, &req, err) < 0) {
				free(body);
				return mfa_err_prefix(err, "cannot ask What If");
			}
			free(body);
			f->nasks++;
		}
	}
	return 0;
}

int mfa_whatif_fetch_finish(struct mfa_whatif_fetch *f, mfa_warn_fn warn, void *warn_ctx, struct mfa_err *err)
{
	char msg[MFA_ERR_MAX + 256];
	int rc = 0;

	if (!f)
		return 0;
	if (f->oom || mfa_whatif_finish(f->s) < 0)
		rc = mfa_err_set(err, "out of memory comparing What If's answers");
	if (warn && f->denied) {
		snprintf(msg, sizeof(msg),
			 "What If refused %lu requests (%s): their classes are 'not-checked'; asking What If needs the Policy.Read.ConditionalAccess (or Policy.Read.All) permission",
			 f->denied, f->first_error);
		warn(warn_ctx, msg);
	} else if (warn && f->failed) {
		snprintf(msg, sizeof(msg), "%lu What If requests failed (first: %s): their classes are 'not-checked'",
			 f->failed, f->first_error);
		warn(warn_ctx, msg);
	}
	free(f->asks);
	free(f);
	return rc;
}
