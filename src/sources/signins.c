/* signins.c - the sign-in logs from Graph into per-user counters
 * (signins.h). */
#include "sources/signins.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One day of the window, listed through its own nextLinks: the days run
 * side by side, so the reports limiter, not one page's round trip after
 * another, sets the pace. */
struct slice {
	struct mfa_signins *s;
	int done;
};

struct mfa_signins {
	struct mfa_http *h;
	struct mfa_signin_map *m;
	struct mfa_signins_result res;
	struct slice *slices;
	unsigned nslices, open;  /* slices, and those not read to their end */
	int failed, oom;
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

static void submit(struct slice *sl, const char *url)
{
	struct mfa_signins *s = sl->s;
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	req.url = url;
	req.scope = MFA_SCOPE_REPORTS;
	req.done = on_page;
	req.ctx = sl;
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
	struct slice *sl = ctx;
	struct mfa_signins *s = sl->s;
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
	if (next) {
		submit(sl, next);
	} else if (!sl->done) {
		sl->done = 1;
		s->open--;
	}
cleanup:
	cJSON_Delete(root);
}

/* Graph's form of a time: 2026-11-24T15:00:00Z; with frac, the last
 * 100-ns tick of that second (the end of a slice, for le). */
static int iso(time_t t, int frac, char *buf, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, frac ? "%Y-%m-%dT%H:%M:%S.9999999Z" : "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -1;
	return 0;
}

int mfa_signins_start(struct mfa_signins **out, struct mfa_signin_map *m, struct mfa_http *h,
		      const char *graph_url, unsigned days, time_t now, struct mfa_err *err)
{
	struct mfa_signins *s;
	time_t since = now - (time_t)days * 86400;
	char url[1024], from[40], to[40], upto[80];
	unsigned i;

	*out = NULL;
	/* every day's times format if the window's ends do */
	if (days < 1 || iso(since, 0, from, sizeof(from)) < 0 || iso(now, 1, to, sizeof(to)) < 0)
		return mfa_err_set(err, "bad sign-in window of %u days", days);
	if (!(s = calloc(1, sizeof(*s))) || !(s->slices = calloc(days, sizeof(*s->slices)))) {
		free(s);
		return mfa_err_set(err, "out of memory");
	}
	s->h = h;
	s->m = m;
	s->nslices = s->open = days;
	for (i = 0; i < days; i++) {
		time_t a = since + (time_t)i * 86400;

		s->slices[i].s = s;
		/* day i: from its first second to the last tick before the next
		 * day's (le, as Graph documents createdDateTime's filter); the
		 * last day open-ended */
		iso(a, 0, from, sizeof(from));
		iso(a + 86400 - 1, 1, to, sizeof(to));
		if (i + 1 < days)
			snprintf(upto, sizeof(upto), "%%20and%%20createdDateTime%%20le%%20%s", to);
		else
			upto[0] = '\0';
		/* $filter, percent-encoded: createdDateTime ge <from> [and
		 * createdDateTime le <to>] and (signInEventTypes/any(t: t eq
		 * 'interactiveUser' or t eq 'nonInteractiveUser')) */
		snprintf(url, sizeof(url),
			 "%s/beta/auditLogs/signIns?$top=1000&$filter=createdDateTime%%20ge%%20%s%s%%20and%%20"
			 "(signInEventTypes%%2Fany(t%%3A%%20t%%20eq%%20%%27interactiveUser%%27%%20or%%20t%%20eq%%20"
			 "%%27nonInteractiveUser%%27))",
			 graph_url, from, upto);
		submit(&s->slices[i], url);
	}
	*out = s;
	return 0;
}

void mfa_signins_finish(struct mfa_signins *s, struct mfa_signins_result *res, mfa_warn_fn warn,
			void *warn_ctx)
{
	char msg[MFA_ERR_MAX + 512];

	if (!s)
		return;
	if (s->open && !s->failed)
		fail(s, "the log was not read to its end (the run was interrupted)");
	s->res.read = !s->open && !s->failed;
	s->res.users = mfa_signin_map_count(s->m);
	*res = s->res;
	if (!s->res.read && warn) {
		snprintf(msg, sizeof(msg),
			 "sign-in logs unavailable (%s): the sign-in columns are empty and no sign-in finding is raised; "
			 "reading them needs the AuditLog.Read.All permission and an Entra ID P1 licence",
			 s->why);
		warn(warn_ctx, msg);
	}
	free(s->slices);
	free(s);
}
