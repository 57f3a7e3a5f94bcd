/* whatif.c - the What If evaluator over the CA fixture (whatif.h).
 *
 * The same rules the fixture's policies mean to Entra: users (All, None,
 * GuestsOrExternalUsers, ids), groups (transitively through nested fixture
 * groups), roles (the fixture's directoryRoles, or the tenant's admins as
 * Global Administrator when the fixture has none), guest and external
 * user types, exclusions (an exclusion always wins), client app types,
 * applications (a sign-in to all apps meets only a policy on All), and
 * any other condition the request cannot meet (platforms, locations,
 * risk, devices, authentication flows). Disabled policies never apply.
 */
#include "whatif.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GLOBAL_ADMIN_TEMPLATE "62e90394-69f5-4237-9190-012177145e10"

int emu_whatif_override_load(cJSON **out, const char *path, struct mfa_err *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	const cJSON *it;
	size_t n;

	*out = NULL;
	if (!f)
		return mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*out = cJSON_ParseWithLength(buf_cstr(&b), b.len);
	buf_release(&b);
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return mfa_err_set(err, "'%s': not a JSON object of user -> policies", path);
	}
	cJSON_ArrayForEach(it, *out) {
		const cJSON *p;

		if (!cJSON_IsArray(it))
			goto bad;
		cJSON_ArrayForEach(p, it)
			if (!cJSON_IsString(p))
				goto bad;
	}
	return 0;
bad:
	mfa_err_set(err, "'%s': \"%s\" must be an array of policy names or ids", path, it->string);
	cJSON_Delete(*out);
	*out = NULL;
	return -1;
}

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool has_str(const cJSON *arr, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strcasecmp(it->valuestring, s) == 0)
			return true;
	return false;
}

static bool nonempty(const cJSON *arr)
{
	return cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0;
}

/* The user as the policies see it. */
struct who {
	const char *id, *upn;
	unsigned gtype; /* 0: not a guest; else one of the names below */
	bool admin;
};

static const char *gtype_name(unsigned g)
{
	return g == 1 ? "internalGuest" : g == 2 ? "b2bCollaborationGuest" : g == 3 ? "b2bCollaborationMember" : "";
}

static bool is_user(const struct who *w, const char *s)
{
	return s && (strcasecmp(s, w->id) == 0 || strcasecmp(s, w->upn) == 0);
}

static const cJSON *fixture_item(const struct emu_app *app, const char *list, const char *key, const char *value)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(app->fixture, list)) {
		const char *v = jstr(it, key);

		if (v && strcasecmp(v, value) == 0)
			return it;
	}
	return NULL;
}

static bool in_members(const struct emu_app *app, const cJSON *members, const struct who *w, int depth);

static bool in_group(const struct emu_app *app, const char *gid, const struct who *w, int depth)
{
	const cJSON *g = fixture_item(app, "groups", "id", gid);

	return g && depth < 8 && in_members(app, cJSON_GetObjectItemCaseSensitive(g, "members"), w, depth + 1);
}

static bool in_members(const struct emu_app *app, const cJSON *members, const struct who *w, int depth)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, members) {
		const char *type = jstr(m, "@odata.type");

		if (cJSON_IsString(m) && is_user(w, m->valuestring))
			return true;
		if (cJSON_IsObject(m) && type && strcasecmp(type, "#microsoft.graph.group") == 0) {
			if (jstr(m, "id") && in_group(app, jstr(m, "id"), w, depth))
				return true;
		} else if (cJSON_IsObject(m) && (is_user(w, jstr(m, "id")) || is_user(w, jstr(m, "userPrincipalName")))) {
			return true;
		}
	}
	return false;
}

static bool in_role(const struct emu_app *app, const char *template_id, const struct who *w)
{
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(app->fixture, "directoryRoles");
	const cJSON *r;

	if (!roles)
		return strcasecmp(template_id, GLOBAL_ADMIN_TEMPLATE) == 0 && w->admin;
	r = fixture_item(app, "directoryRoles", "roleTemplateId", template_id);
	if (!r)
		r = fixture_item(app, "directoryRoles", "id", template_id);
	return r && in_members(app, cJSON_GetObjectItemCaseSensitive(r, "members"), w, 0);
}

/* includeGuestsOrExternalUsers / exclude...: the user's type is listed and
 * the tenants are all (an enumerated list names tenants nobody here is from). */
static bool typed(const cJSON *g, const struct who *w)
{
	const char *types = jstr(g, "guestOrExternalUserTypes");
	const cJSON *ten = cJSON_GetObjectItemCaseSensitive(g, "externalTenants");
	const char *kind = jstr(ten, "membershipKind");
	const char *name = gtype_name(w->gtype), *p;
	size_t len = strlen(name);

	if (!types || !w->gtype)
		return false;
	if (ten && !cJSON_IsNull(ten) && (!kind || strcasecmp(kind, "all") != 0))
		return false;
	for (p = strstr(types, name); p; p = strstr(p + 1, name))
		if ((p == types || p[-1] == ',') && (p[len] == '\0' || p[len] == ','))
			return true;
	return false;
}

static bool side(const struct emu_app *app, const cJSON *users, const char *u, const char *g, const char *r,
		 const char *t, const struct who *w)
{
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(users, u), *it;

	if (has_str(ids, "All") || (w->gtype && has_str(ids, "GuestsOrExternalUsers")))
		return true;
	cJSON_ArrayForEach(it, ids)
		if (cJSON_IsString(it) && is_user(w, it->valuestring))
			return true;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(users, g))
		if (cJSON_IsString(it) && in_group(app, it->valuestring, w, 0))
			return true;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(users, r))
		if (cJSON_IsString(it) && in_role(app, it->valuestring, w))
			return true;
	return typed(cJSON_GetObjectItemCaseSensitive(users, t), w);
}

/* Why the policy does not apply, or NULL when it does. */
static const char *why_not(const struct emu_app *app, const cJSON *pol, const struct who *w, const char *client,
			   const cJSON *apps)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(pol, "conditions");
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(c, "users");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, "applications");
	const cJSON *types = cJSON_GetObjectItemCaseSensitive(c, "clientAppTypes");
	const cJSON *plat = cJSON_GetObjectItemCaseSensitive(c, "platforms");
	const cJSON *loc = cJSON_GetObjectItemCaseSensitive(c, "locations");
	const cJSON *inc_apps = cJSON_GetObjectItemCaseSensitive(a, "includeApplications"), *it;
	const char *state = jstr(pol, "state");
	bool app_ok = false;

	if (!state || strcmp(state, "disabled") == 0)
		return "policyNotEnabled";
	if (!side(app, users, "includeUsers", "includeGroups", "includeRoles", "includeGuestsOrExternalUsers", w) ||
	    side(app, users, "excludeUsers", "excludeGroups", "excludeRoles", "excludeGuestsOrExternalUsers", w))
		return "users";
	/* the sign-in's apps: "All" meets only a policy on All */
	cJSON_ArrayForEach(it, apps) {
		if (!cJSON_IsString(it))
			continue;
		if (has_str(inc_apps, "All") || has_str(inc_apps, it->valuestring))
			app_ok = true;
		if (has_str(cJSON_GetObjectItemCaseSensitive(a, "excludeApplications"), it->valuestring))
			return "application";
	}
	if (!app_ok)
		return nonempty(cJSON_GetObjectItemCaseSensitive(a, "includeUserActions")) ? "userActions"
		       : nonempty(cJSON_GetObjectItemCaseSensitive(a, "includeAuthenticationContextClassReferences"))
		       ? "authenticationContext" : "application";
	if (nonempty(types) && !has_str(types, "all") && !has_str(types, client))
		return "clientApps";
	if (plat && !cJSON_IsNull(plat) && !has_str(cJSON_GetObjectItemCaseSensitive(plat, "includePlatforms"), "all"))
		return "devicePlatform";
	if (loc && !cJSON_IsNull(loc) &&
	    (!has_str(cJSON_GetObjectItemCaseSensitive(loc, "includeLocations"), "All") ||
	     nonempty(cJSON_GetObjectItemCaseSensitive(loc, "excludeLocations"))))
		return "location";
	if (nonempty(cJSON_GetObjectItemCaseSensitive(c, "signInRiskLevels")))
		return "signInRisk";
	if (nonempty(cJSON_GetObjectItemCaseSensitive(c, "userRiskLevels")))
		return "userRisk";
	it = cJSON_GetObjectItemCaseSensitive(c, "devices");
	if (it && !cJSON_IsNull(it))
		return "devices";
	it = cJSON_GetObjectItemCaseSensitive(c, "authenticationFlows");
	if (it && !cJSON_IsNull(it))
		return "authenticationFlow";
	return NULL;
}

/* The override's list for the user, or NULL. */
static const cJSON *override_for(const struct emu_app *app, const struct who *w)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, app->whatif_override)
		if (it->string && is_user(w, it->string))
			return it;
	return NULL;
}

void emu_whatif_evaluate(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	const struct emu_tenant *t = &app->tenant;
	cJSON *body = NULL, *out = NULL, *value;
	const cJSON *ident, *ctx, *cond, *apps, *pol, *over;
	const char *uid, *client, *odata;
	bool applied_only;
	struct who w;
	char *s;
	long idx;

	if (!rq->content_type || strncasecmp(rq->content_type, "application/json", 16) != 0) {
		emu_reply_error(rp, 415, "UnsupportedMediaType", "The request content type must be application/json.");
		return;
	}
	body = cJSON_ParseWithLength(rq->body ? rq->body : "", rq->body_len);
	ident = cJSON_GetObjectItemCaseSensitive(body, "signInIdentity");
	ctx = cJSON_GetObjectItemCaseSensitive(body, "signInContext");
	cond = cJSON_GetObjectItemCaseSensitive(body, "signInConditions");
	uid = jstr(ident, "userId");
	odata = jstr(ident, "@odata.type");
	if (!cJSON_IsObject(body) || !uid || !odata || strcmp(odata, "#microsoft.graph.userSignIn") != 0 ||
	    !cJSON_IsObject(ctx) || !cJSON_IsObject(cond)) {
		emu_reply_error(rp, 400, "BadRequest",
				"signInIdentity (a #microsoft.graph.userSignIn with userId), signInContext and signInConditions are required.");
		goto cleanup;
	}
	apps = cJSON_GetObjectItemCaseSensitive(ctx, "includeApplications");
	if (!jstr(ctx, "@odata.type") || strcmp(jstr(ctx, "@odata.type"), "#microsoft.graph.applicationContext") != 0 ||
	    !nonempty(apps)) {
		emu_reply_error(rp, 400, "BadRequest", "signInContext: only an applicationContext with includeApplications is emulated.");
		goto cleanup;
	}
	idx = emu_tenant_find(t, uid);
	if (idx < 0) {
		emu_reply_error(rp, 400, "BadRequest", "User '%.100s' was not found in the tenant.", uid);
		goto cleanup;
	}
	w.id = emu_user_id(t, &t->users[idx]);
	w.upn = emu_user_upn(t, &t->users[idx]);
	w.admin = (t->users[idx].flags & EMU_F_ADMIN) != 0;
	w.gtype = (t->users[idx].flags & EMU_F_GUEST) ? (strstr(w.upn, "#EXT#") ? 2 : 1)
		  : strstr(w.upn, "#EXT#") ? 3 : 0;
	client = jstr(cond, "clientAppType") ? jstr(cond, "clientAppType") : "all";
	applied_only = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "appliedPoliciesOnly"));
	over = override_for(app, &w);

	out = cJSON_CreateObject();
	s = NULL;
	{
		char octx[300];

		snprintf(octx, sizeof(octx), "%s/%s/$metadata#Collection(microsoft.graph.whatIfAnalysisResult)",
			 rq->base_url ? rq->base_url : "", rq->version);
		cJSON_AddStringToObject(out, "@odata.context", octx);
	}
	value = cJSON_AddArrayToObject(out, "value");
	cJSON_ArrayForEach(pol, cJSON_GetObjectItemCaseSensitive(app->fixture, "policies")) {
		const char *why = why_not(app, pol, &w, client, apps);
		cJSON *r;

		if (over) /* Microsoft says otherwise for this user */
			why = (has_str(over, jstr(pol, "displayName") ? jstr(pol, "displayName") : "") ||
			       (jstr(pol, "id") && has_str(over, jstr(pol, "id")))) ? NULL : "users";
		if (applied_only && why)
			continue;
		r = cJSON_Duplicate(pol, true);
		cJSON_DeleteItemFromObjectCaseSensitive(r, "@odata.type");
		cJSON_AddStringToObject(r, "@odata.type", "#microsoft.graph.whatIfAnalysisResult");
		cJSON_AddBoolToObject(r, "policyApplies", why == NULL);
		cJSON_AddStringToObject(r, "analysisReasons", why ? why : "notSet");
		cJSON_AddItemToArray(value, r);
	}
	s = cJSON_PrintUnformatted(out);
	if (!s)
		abort();
	rp->json = true;
	buf_puts(&rp->body, s);
	free(s);
cleanup:
	cJSON_Delete(out);
	cJSON_Delete(body);
}
