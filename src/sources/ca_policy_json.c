/* ca_policy_json.c - one Conditional Access policy, as Graph's JSON has it,
 * read into the coverage model (sources/ca_policy_json.h). */
#include "sources/ca_policy_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

/* JSON helpers: a missing key and JSON null are "absent" (NULL); a value of
 * another type than expected is an error naming its path. */

/* parent's key, or NULL when it is missing or JSON null */
static const cJSON *json_item(const cJSON *parent, const char *key)
{
	const cJSON *x = parent ? cJSON_GetObjectItemCaseSensitive(parent, key) : NULL;

	return x && !cJSON_IsNull(x) ? x : NULL;
}

/* parent's key into *out when it is of the type `is` accepts (what names
 * it in the error); absent: NULL. */
static int json_typed(const cJSON *parent, const char *key, const char *path,
		      cJSON_bool (*is)(const cJSON *), const char *what, const cJSON **out,
		      struct mfa_err *err)
{
	const cJSON *x = json_item(parent, key);

	*out = NULL;
	if (!x)
		return 0;
	if (!is(x))
		return mfa_err_set(err, "%s%s%s: expected %s", path, *path ? "." : "", key, what);
	*out = x;
	return 0;
}

static int json_obj(const cJSON *parent, const char *key, const char *path, const cJSON **out,
		    struct mfa_err *err)
{
	return json_typed(parent, key, path, cJSON_IsObject, "an object", out, err);
}

static int json_str(const cJSON *parent, const char *key, const char *path, const char **out,
		    struct mfa_err *err)
{
	const cJSON *x;
	int rc = json_typed(parent, key, path, cJSON_IsString, "a string", &x, err);

	*out = x ? x->valuestring : NULL;
	return rc;
}

/* An array of strings (absent: NULL). */
static int json_strs(const cJSON *parent, const char *key, const char *path, const cJSON **out,
		     struct mfa_err *err)
{
	const cJSON *x = json_item(parent, key);
	const cJSON *it;
	int i = 0;

	*out = NULL;
	if (!x)
		return 0;
	if (!cJSON_IsArray(x))
		return mfa_err_set(err, "%s.%s: expected an array of strings", path, key);
	cJSON_ArrayForEach(it, x) {
		if (!cJSON_IsString(it))
			return mfa_err_set(err, "%s.%s[%d]: expected a string", path, key, i);
		i++;
	}
	*out = x;
	return 0;
}

static bool strs_has(const cJSON *arr, const char *value)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		if (strcasecmp(it->valuestring, value) == 0)
			return true;
	}
	return false;
}

static int strs_count(const cJSON *arr)
{
	return arr ? cJSON_GetArraySize(arr) : 0;
}

/* True when the comma-separated flags value (Graph's multi-valued enums)
 * holds token. */
static bool flags_has(const char *flags, const char *token)
{
	size_t n = strlen(token);
	const char *p = flags;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len;

		while (*p == ' ')
			p++;
		len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && strncasecmp(p, token, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static int typed_read(const cJSON *users, const char *key, struct mfa_ca_guests *t, struct mfa_err *err)
{
	static const struct {
		const char *name;
		uint8_t bit;
	} types[] = {
		{ "internalGuest", MFA_CA_GUEST_INTERNAL },
		{ "b2bCollaborationGuest", MFA_CA_GUEST_B2B_COLLABORATION_GUEST },
		{ "b2bCollaborationMember", MFA_CA_GUEST_B2B_COLLABORATION_MEMBER },
		{ "b2bDirectConnectUser", MFA_CA_GUEST_B2B_DIRECT_CONNECT },
		{ "otherExternalUser", MFA_CA_GUEST_OTHER_EXTERNAL },
		{ "serviceProvider", MFA_CA_GUEST_SERVICE_PROVIDER },
	};
	const cJSON *o, *ten;
	const char *flags, *kind, *otype;
	char path[96];
	size_t i;

	t->types = 0;
	t->tenants_enumerated = false;
	snprintf(path, sizeof(path), "conditions.users.%s", key);
	if (json_obj(users, key, "conditions.users", &o, err) < 0)
		return -1;
	if (!o)
		return 0;
	if (json_str(o, "guestOrExternalUserTypes", path, &flags, err) < 0 ||
	    json_obj(o, "externalTenants", path, &ten, err) < 0)
		return -1;
	for (i = 0; flags && i < sizeof(types) / sizeof(types[0]); i++) {
		if (flags_has(flags, types[i].name))
			t->types |= types[i].bit;
	}
	if (ten) {
		snprintf(path, sizeof(path), "conditions.users.%s.externalTenants", key);
		if (json_str(ten, "membershipKind", path, &kind, err) < 0 ||
		    json_str(ten, "@odata.type", path, &otype, err) < 0)
			return -1;
		/* anything but "all" names tenants we cannot check */
		if (kind ? strcasecmp(kind, "all") != 0
			 : (otype && strstr(otype, "AllExternalTenants") == NULL))
			t->tenants_enumerated = true;
	}
	return 0;
}

/* Built-in authentication strengths; each satisfies mfa. */
static bool builtin_strength(const char *id)
{
	return id && (strcasecmp(id, "00000000-0000-0000-0000-000000000002") == 0 || /* Multifactor authentication */
		      strcasecmp(id, "00000000-0000-0000-0000-000000000003") == 0 || /* Passwordless MFA */
		      strcasecmp(id, "00000000-0000-0000-0000-000000000004") == 0);  /* Phishing-resistant MFA */
}

/* Grant controls: whether mfa is required (*mfa) and whether an OR lets a
 * sign-in through with something else (gap). Also what the What If
 * answer's policies are read by (sources/whatif.c). */
int mfa_ca_grant_read(const cJSON *pol, bool *mfa, uint32_t *gaps, struct mfa_err *err)
{
	const cJSON *g, *builtin, *custom, *terms, *strength, *it;
	const char *op, *sid, *req;
	int mfa_controls = 0, other = 0;

	*mfa = false;
	if (json_obj(pol, "grantControls", "", &g, err) < 0)
		return -1;
	if (!g)
		return 0;
	if (json_str(g, "operator", "grantControls", &op, err) < 0 ||
	    json_strs(g, "builtInControls", "grantControls", &builtin, err) < 0 ||
	    json_strs(g, "customAuthenticationFactors", "grantControls", &custom, err) < 0 ||
	    json_strs(g, "termsOfUse", "grantControls", &terms, err) < 0 ||
	    json_obj(g, "authenticationStrength", "grantControls", &strength, err) < 0)
		return -1;
	if (op && strcasecmp(op, "AND") != 0 && strcasecmp(op, "OR") != 0)
		return mfa_err_set(err, "grantControls.operator: unknown operator '%.40s'", op);
	/* block stops the sign-in; that is not MFA coverage */
	if (builtin && strs_has(builtin, "block"))
		return 0;
	cJSON_ArrayForEach(it, builtin) {
		if (strcasecmp(it->valuestring, "mfa") == 0)
			mfa_controls++;
		else
			other++;
	}
	other += strs_count(custom) + strs_count(terms);
	if (strength) {
		if (json_str(strength, "id", "grantControls.authenticationStrength", &sid, err) < 0 ||
		    json_str(strength, "requirementsSatisfied", "grantControls.authenticationStrength", &req,
			     err) < 0)
			return -1;
		if ((req && flags_has(req, "mfa")) || builtin_strength(sid))
			mfa_controls++;
		else
			other++;
	}
	if (mfa_controls == 0)
		return 0;
	*mfa = true;
	/* Graph's default operator is OR; with one control it makes no odds */
	if (other > 0 && (!op || strcasecmp(op, "OR") == 0))
		*gaps |= MFA_GAP_OR;
	return 0;
}

/* Applications: whether the policy targets anything at all (*any) and
 * whether it targets less than every cloud app. */
static int apps_read(const cJSON *cond, bool *any, uint32_t *gaps, struct mfa_err *err)
{
	const cJSON *apps, *inc, *exc, *actions, *ctx, *filter;

	*any = false;
	if (json_obj(cond, "applications", "conditions", &apps, err) < 0)
		return -1;
	if (!apps)
		return mfa_err_set(err, "conditions.applications: missing");
	if (json_strs(apps, "includeApplications", "conditions.applications", &inc, err) < 0 ||
	    json_strs(apps, "excludeApplications", "conditions.applications", &exc, err) < 0 ||
	    json_strs(apps, "includeUserActions", "conditions.applications", &actions, err) < 0 ||
	    json_strs(apps, "includeAuthenticationContextClassReferences", "conditions.applications", &ctx,
		      err) < 0 ||
	    json_obj(apps, "applicationFilter", "conditions.applications", &filter, err) < 0)
		return -1;
	if (inc && strs_has(inc, "All")) {
		*any = true;
		if (strs_count(exc) > 0 || filter)
			*gaps |= MFA_GAP_APPS;
		return 0;
	}
	{
		int n = strs_count(inc) - (inc && strs_has(inc, "None") ? 1 : 0);

		*any = n > 0 || strs_count(actions) > 0 || strs_count(ctx) > 0;
	}
	if (*any)
		*gaps |= MFA_GAP_APPS;
	return 0;
}

static int conditions_read(const cJSON *cond, uint32_t *gaps, struct mfa_err *err)
{
	static const char *const legacy_and_modern[] = { "browser", "mobileAppsAndDesktopClients",
							 "exchangeActiveSync", "other" };
	const cJSON *types, *loc, *plat, *dev, *flows, *a, *b;
	const char *s;
	size_t i;
	bool all;

	/* client app types: absent, "all", or the four types together */
	if (json_strs(cond, "clientAppTypes", "conditions", &types, err) < 0)
		return -1;
	if (strs_count(types) > 0 && !strs_has(types, "all")) {
		all = true;
		for (i = 0; i < sizeof(legacy_and_modern) / sizeof(legacy_and_modern[0]); i++)
			all = all && strs_has(types, legacy_and_modern[i]);
		if (!all)
			*gaps |= MFA_GAP_CLIENT_APPS;
	}

	if (json_obj(cond, "locations", "conditions", &loc, err) < 0)
		return -1;
	if (loc) {
		if (json_strs(loc, "includeLocations", "conditions.locations", &a, err) < 0 ||
		    json_strs(loc, "excludeLocations", "conditions.locations", &b, err) < 0)
			return -1;
		if (strs_count(b) > 0 || (strs_count(a) > 0 && !strs_has(a, "All")))
			*gaps |= MFA_GAP_LOCATIONS;
	}

	if (json_obj(cond, "platforms", "conditions", &plat, err) < 0)
		return -1;
	if (plat) {
		if (json_strs(plat, "includePlatforms", "conditions.platforms", &a, err) < 0 ||
		    json_strs(plat, "excludePlatforms", "conditions.platforms", &b, err) < 0)
			return -1;
		if (strs_count(b) > 0 || (strs_count(a) > 0 && !strs_has(a, "all")))
			*gaps |= MFA_GAP_PLATFORMS;
	}

	if (json_obj(cond, "devices", "conditions", &dev, err) < 0)
		return -1;
	if (dev) {
		const cJSON *filter;

		if (json_obj(dev, "deviceFilter", "conditions.devices", &filter, err) < 0 ||
		    json_strs(dev, "includeDevices", "conditions.devices", &a, err) < 0 ||
		    json_strs(dev, "excludeDevices", "conditions.devices", &b, err) < 0)
			return -1;
		if (filter || strs_count(b) > 0 || (strs_count(a) > 0 && !strs_has(a, "All")))
			*gaps |= MFA_GAP_DEVICES;
	}

	/* risk: an empty list (or "none") does not narrow anything */
	{
		static const char *const risks[] = { "userRiskLevels", "signInRiskLevels" };

		for (i = 0; i < sizeof(risks) / sizeof(risks[0]); i++) {
			if (json_strs(cond, risks[i], "conditions", &a, err) < 0)
				return -1;
			if (strs_count(a) > 0 && !(strs_count(a) == 1 && strs_has(a, "none")))
				*gaps |= MFA_GAP_RISK;
		}
		if (json_str(cond, "insiderRiskLevels", "conditions", &s, err) < 0)
			return -1;
		if (s && *s && strcasecmp(s, "none") != 0)
			*gaps |= MFA_GAP_RISK;
	}

	if (json_obj(cond, "authenticationFlows", "conditions", &flows, err) < 0)
		return -1;
	if (flows) {
		if (json_str(flows, "transferMethods", "conditions.authenticationFlows", &s, err) < 0)
			return -1;
		if (s && *s && strcasecmp(s, "none") != 0)
			*gaps |= MFA_GAP_AUTH_FLOWS;
	}
	return 0;
}

/* includeUsers / excludeUsers: the special values set flags (all may be
 * NULL: "All" in excludeUsers is not something Entra accepts, and it is
 * dropped rather than taken as an id), the rest are user ids, borrowed
 * from arr into ids->v (allocated; the caller frees it). */
static int users_read(const cJSON *arr, struct mfa_ca_ids *ids, const char ***v, bool *all, bool *guests)
{
	const cJSON *it;
	int n = strs_count(arr);

	ids->v = NULL;
	ids->n = 0;
	*v = NULL;
	if (n <= 0)
		return 0;
	*v = malloc((size_t)n * sizeof(**v));
	if (!*v)
		return -1;
	cJSON_ArrayForEach(it, arr) {
		const char *s = it->valuestring;

		if (strcasecmp(s, "All") == 0) {
			if (all)
				*all = true;
		} else if (strcasecmp(s, "GuestsOrExternalUsers") == 0) {
			*guests = true;
		} else if (*s && strcasecmp(s, "None") != 0) {
			(*v)[ids->n++] = s;
		}
	}
	ids->v = *v;
	return 0;
}

/* includeGroups / excludeGroups / includeRoles / excludeRoles: ids,
 * borrowed as for users_read. */
static int sets_read(const cJSON *arr, struct mfa_ca_ids *ids, const char ***v)
{
	const cJSON *it;
	int n = strs_count(arr);

	ids->v = NULL;
	ids->n = 0;
	*v = NULL;
	if (n <= 0)
		return 0;
	*v = malloc((size_t)n * sizeof(**v));
	if (!*v)
		return -1;
	cJSON_ArrayForEach(it, arr) {
		if (*it->valuestring)
			(*v)[ids->n++] = it->valuestring;
	}
	ids->v = *v;
	return 0;
}

int mfa_ca_model_add_policy_json(struct mfa_ca_model *m, const struct cJSON *policy, struct mfa_err *err)
{
	struct mfa_ca_policy p;
	const cJSON *cond, *users, *iu, *eu, *ig, *eg, *ir, *er;
	const char *id, *name, *state;
	const char **lists[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	bool mfa, any_app;
	int ret = -1;
	size_t i;

	memset(&p, 0, sizeof(p));
	if (!m)
		return mfa_err_set(err, "no model");
	if (!cJSON_IsObject(policy))
		return mfa_err_set(err, "expected a policy object");
	if (json_str(policy, "id", "", &id, err) < 0 || json_str(policy, "displayName", "", &name, err) < 0 ||
	    json_str(policy, "state", "", &state, err) < 0)
		goto cleanup;
	if (!state) {
		mfa_err_set(err, "state: missing");
		goto cleanup;
	}
	if (strcasecmp(state, "enabled") == 0) {
		p.state = MFA_CA_POLICY_ENABLED;
	} else if (strcasecmp(state, "enabledForReportingButNotEnforced") == 0) {
		p.state = MFA_CA_POLICY_REPORT_ONLY;
	} else if (strcasecmp(state, "disabled") == 0) {
		p.state = MFA_CA_POLICY_DISABLED;
	} else {
		mfa_err_set(err, "state: unknown state '%.60s'", state);
		goto cleanup;
	}
	if (json_obj(policy, "conditions", "", &cond, err) < 0)
		goto cleanup;
	if (!cond) {
		mfa_err_set(err, "conditions: missing");
		goto cleanup;
	}
	if (json_obj(cond, "users", "conditions", &users, err) < 0)
		goto cleanup;
	if (!users) {
		mfa_err_set(err, "conditions.users: missing");
		goto cleanup;
	}
	if (json_strs(users, "includeUsers", "conditions.users", &iu, err) < 0 ||
	    json_strs(users, "excludeUsers", "conditions.users", &eu, err) < 0 ||
	    json_strs(users, "includeGroups", "conditions.users", &ig, err) < 0 ||
	    json_strs(users, "excludeGroups", "conditions.users", &eg, err) < 0 ||
	    json_strs(users, "includeRoles", "conditions.users", &ir, err) < 0 ||
	    json_strs(users, "excludeRoles", "conditions.users", &er, err) < 0 ||
	    typed_read(users, "includeGuestsOrExternalUsers", &p.include_typed, err) < 0 ||
	    typed_read(users, "excludeGuestsOrExternalUsers", &p.exclude_typed, err) < 0 ||
	    apps_read(cond, &any_app, &p.gaps, err) < 0 || conditions_read(cond, &p.gaps, err) < 0 ||
	    mfa_ca_grant_read(policy, &mfa, &p.gaps, err) < 0)
		goto cleanup;

	p.name = name && *name ? name : id && *id ? id : "(unnamed policy)";
	p.requires_mfa = mfa;
	p.targets_apps = any_app;
	if (users_read(iu, &p.include_users, &lists[0], &p.include_all, &p.include_guests) < 0 ||
	    users_read(eu, &p.exclude_users, &lists[1], NULL, &p.exclude_guests) < 0 ||
	    sets_read(ig, &p.include_groups, &lists[2]) < 0 || sets_read(eg, &p.exclude_groups, &lists[3]) < 0 ||
	    sets_read(ir, &p.include_roles, &lists[4]) < 0 || sets_read(er, &p.exclude_roles, &lists[5]) < 0) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	ret = mfa_ca_model_add_policy(m, &p, err);
cleanup:
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		free(lists[i]);
	return ret;
}
