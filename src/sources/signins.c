/* signins.c - the sign-in logs from Graph into per-user counters
 * (signins.h). */
#include "sources/signins.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mfa_signins {
	struct mfa_http *h;
	struct mfa_signin_map *m;
	struct mfa_signins_result res;
	int failed, done, oom;
	char why[MFA_ERR_MAX + 128];
};

static void on_page(void *ctx, const struct mfa_http_response *resp);

static void fail(struct mfa_signins *s, const char *why)
{
	if (s->failed)
		return;
	s->failed = 1;
	snprintf(s->why, sizeof(s->why), "%s", why ? why : "no answer");
}

static void submit(struct mfa_signins *s, const char *url)
{
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	req.url = url;
	req.scope = MFA_SCOPE_REPORTS;
	req.done = on_page;
	req.ctx = s;
	if (mfa_http_submit(s->h, &req, &err) < 0)
		fail(s, err.msg);
}

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static int take(struct mfa_signins *s, const cJSON *e)
{
	const cJSON *pols = cJSON_GetObjectItemCaseSensitive(e, "authenticationRequirementPolicies"), *p;
	const char *req = jstr(e, "authenticationRequirement");
	struct mfa_signin_record r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.user_id = jstr(e, "userId");
	r.created = jstr(e, "createdDateTime");
	r.interactive = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "isInteractive"));
	r.client_app = jstr(e, "clientAppUsed");
	r.single_factor = req && strcmp(req, "singleFactorAuthentication") == 0;
	cJSON_ArrayForEach(p, pols)
		r.providers |= mfa_signin_provider_bit(jstr(p, "requirementProvider"));
	rc = mfa_signin_map_fold(s->m, &r);
	if (rc == 0)
		s->res.signins++;
	return rc < 0 ? -1 : 0;
}

static void on_page(void *ctx, const struct mfa_http_response *resp)
{
	struct mfa_signins *s = ctx;
	cJSON *root = NULL;
	const cJSON *value, *e;
	const char *next;

	if (resp->cancelled || s->failed)
		return;
	if (resp->status != 200) {
		fail(s, resp->error ? resp->error : "no answer");
		return;
	}
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	value = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!cJSON_IsArray(value)) {
		fail(s, "Graph's answer is not a sign-in page (malformed JSON)");
		goto cleanup;
	}
	cJSON_ArrayForEach(e, value) {
		if (take(s, e) < 0) {
			s->oom = 1;
			fail(s, "out of memory");
			goto cleanup;
		}
	}
	s->res.pages++;
	/* Every page is followed, an empty one carrying a nextLink too. */
	next = jstr(root, "@odata.nextLink");
	if (next)
		submit(s, next);
	else
		s->done = 1;
cleanup:
	cJSON_Delete(root);
}

int mfa_signins_start(struct mfa_signins **out, struct mfa_signin_map *m, struct mfa_http *h,
		      const char *graph_url, unsigned days, time_t now, struct mfa_err *err)
{
	struct mfa_signins *s;
	time_t since = now - (time_t)days * 86400;
	struct tm tm;
	char url[1024], when[32];

	*out = NULL;
	if (days < 1 || !gmtime_r(&since, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return mfa_err_set(err, "bad sign-in window of %u days", days);
	if (!(s = calloc(1, sizeof(*s))))
		return mfa_err_set(err, "out of memory");
	s->h = h;
	s->m = m;
	/* $filter, percent-encoded: createdDateTime ge <since> and
	 * (signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')) */
	snprintf(url, sizeof(url),
		 "%s/beta/auditLogs/signIns?$top=1000&$filter=createdDateTime%%20ge%%20%s%%20and%%20"
		 "(signInEventTypes%%2Fany(t%%3A%%20t%%20eq%%20%%27interactiveUser%%27%%20or%%20t%%20eq%%20"
		 "%%27nonInteractiveUser%%27))",
		 graph_url, when);
	submit(s, url);
	*out = s;
	return 0;
}

void mfa_signins_finish(struct mfa_signins *s, struct mfa_signins_result *res, mfa_warn_fn warn,
			void *warn_ctx)
{
	char msg[MFA_ERR_MAX + 512];

	if (!s)
		return;
	if (!s->done && !s->failed)
		fail(s, "the log was not read to its end (the run was interrupted)");
	s->res.read = s->done && !s->failed;
	s->res.users = mfa_signin_map_count(s->m);
	*res = s->res;
	if (!s->res.read && warn) {
		snprintf(msg, sizeof(msg),
			 "sign-in logs unavailable (%s): the sign-in columns are empty and no sign-in finding is raised; "
			 "reading them needs the AuditLog.Read.All permission and an Entra ID P1 licence",
			 s->why);
		warn(warn_ctx, msg);
	}
	free(s);
}
