/* ca_fetch.c - Conditional Access policies and memberships from Graph
 * (ca_fetch.h). */
#include "sources/ca_fetch.h"
#include "sources/ca_policy_json.h"
#include "sources/posture.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WARNINGS 8

/* Member reads Graph refused for want of a permission (403): said once
 * per permission, not once per group or role. */
struct denied {
	unsigned long n;       /* groups / roles whose members were refused */
	long status;           /* the first refusal's HTTP status */
	char code[64];         /* and its error code, e.g. Authorization_RequestDenied */
};

/* A directory role being read: its own member list, then the member lists
 * of the role-assignable groups that hold it. It counts as read only once
 * every one of those lists was read to its end. */
struct role_read {
	unsigned pending;      /* member pages submitted, not yet answered */
	int failed;            /* one of them could not be read */
};

struct mfa_ca_fetch {
	struct mfa_http *h;
	char *graph;
	struct mfa_ca_model *m;
	struct mfa_posture *posture;   /* borrowed: the managed policies, or NULL */
	struct mfa_ca_fetch_result res;
	int policies_failed;
	int oom;
	struct role_read *roles;   /* one per role the policies name */
	struct denied denied_groups, denied_roles;
	/* Said only at the end, once it is known the scan itself succeeded. */
	char *warnings[MAX_WARNINGS];
	unsigned nwarnings, dropped;
};


/* One page of a member list: of a group, or of a role (then `role` is
 * set, and `rr` is that role's read). */
struct members {
	struct mfa_ca_fetch *f;
	char *group;   /* the group whose members these are (a role's member group too) */
	char *role;    /* role template id, or NULL */
	struct role_read *rr;
};

static void warn(struct mfa_ca_fetch *f, const char *what, const char *why)
{
	char msg[MFA_ERR_MAX + 256];

	snprintf(msg, sizeof(msg), "%s (%s)", what, why ? why : "no answer");
	if (f->nwarnings < MAX_WARNINGS && (f->warnings[f->nwarnings] = strdup(msg)))
		f->nwarnings++;
	else
		f->dropped++;
}

static int get(struct mfa_ca_fetch *f, const char *url, int scope, mfa_http_done_fn done, void *ctx)
{
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	req.url = url;
	req.scope = scope;
	req.done = done;
	req.ctx = ctx;
	if (mfa_http_submit(f->h, &req, &err) < 0) {
		warn(f, "cannot read Conditional Access data", err.msg);
		return -1;
	}
	return 0;
}

static void members_free(struct members *ms)
{
	free(ms->group);
	free(ms->role);
	free(ms);
}

static void on_members(void *ctx, const struct mfa_http_response *resp);

/* Submits one page of a member list; a role's read waits for it. */
static void fetch_members(struct mfa_ca_fetch *f, const char *group, const char *role,
			  struct role_read *rr, const char *url)
{
	struct members *ms = calloc(1, sizeof(*ms));

	if (!ms || (group && !(ms->group = strdup(group))) || (role && !(ms->role = strdup(role)))) {
		if (ms)
			members_free(ms);
		f->oom = 1;
		if (rr)
			rr->failed = 1;
		return;
	}
	ms->f = f;
	ms->rr = rr;
	if (get(f, url, MFA_SCOPE_IDENTITY_READ, on_members, ms) < 0) {
		members_free(ms);
		if (rr)
			rr->failed = 1;
		return;
	}
	if (rr)
		rr->pending++;
}

static void group_url(const struct mfa_ca_fetch *f, const char *group, char *buf, size_t size)
{
	snprintf(buf, size, "%s/v1.0/groups/%s/transitiveMembers?$select=id,userPrincipalName&$top=999",
		 f->graph, group);
}

/* A 403 on a member read: the app lacks the permission (GroupMember.Read.All
 * for a group's transitiveMembers, RoleManagement.Read.Directory for a
 * role's members). Counted, and said once at the end. */
static void denied(struct denied *d, const struct mfa_http_response *resp)
{
	if (d->n++ == 0) {
		cJSON *root = cJSON_ParseWithLength(resp->body, resp->body_len);
		const char *code = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "error"), "code"));

		d->status = resp->status;
		snprintf(d->code, sizeof(d->code), "%s", code ? code : "");
		cJSON_Delete(root);
	}
}

/* A member page answered: one fewer for its role to wait for, which is
 * read once none is left and none failed. */
static void role_page_done(struct members *ms, int ok)
{
	struct role_read *rr = ms->rr;

	if (!rr)
		return;
	if (!ok)
		rr->failed = 1;
	if (--rr->pending == 0 && !rr->failed) {
		if (mfa_ca_model_mark_role_read(ms->f->m, ms->role) < 0)
			ms->f->oom = 1;
		ms->f->res.roles++;
	}
}

static void on_members(void *ctx, const struct mfa_http_response *resp)
{
	struct members *ms = ctx;
	struct mfa_ca_fetch *f = ms->f;
	cJSON *root = NULL;
	const cJSON *value, *m;
	const char *next;
	char what[256];
	int ok = 0;

	snprintf(what, sizeof(what), "cannot read the members of %s '%s': users whose coverage depends on it are 'unknown'",
		 ms->group ? "group" : "directory role", ms->group ? ms->group : ms->role);
	if (resp->cancelled)
		goto cleanup;
	if (resp->status == 404) {
		/* A role never activated in the tenant, or a deleted group:
		 * nobody is in it. */
		if (!ms->role && mfa_ca_model_mark_group_read(f->m, ms->group) < 0)
			f->oom = 1;
		ok = 1;
		goto cleanup;
	}
	if (resp->status == 403) {
		denied(ms->group ? &f->denied_groups : &f->denied_roles, resp);
		goto cleanup;
	}
	if (resp->status != 200) {
		warn(f, what, resp->error);
		goto cleanup;
	}
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	value = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!cJSON_IsArray(value)) {
		warn(f, what, "malformed JSON");
		goto cleanup;
	}
	/* Members the app may not read in full come as id + @odata.type
	 * only: the id is what they are matched by. */
	cJSON_ArrayForEach(m, value) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "@odata.type");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
		const cJSON *upn = cJSON_GetObjectItemCaseSensitive(m, "userPrincipalName");
		int rc = 0;

		if (!cJSON_IsString(id))
			continue;
		if (cJSON_IsString(type) && strcmp(type->valuestring, "#microsoft.graph.group") == 0) {
			/* A role-assignable group holding a role: its users hold it.
			 * (A group's transitive list already has its nested users.) */
			if (ms->role && !ms->group) {
				char url[1024];

				group_url(f, id->valuestring, url, sizeof(url));
				fetch_members(f, id->valuestring, ms->role, ms->rr, url);
			}
			continue;
		}
		if (cJSON_IsString(type) && strcmp(type->valuestring, "#microsoft.graph.user") != 0)
			continue; /* devices, service principals, contacts */
		if (ms->role)
			rc = mfa_ca_model_add_role_member(f->m, ms->role, id->valuestring);
		else
			rc = mfa_ca_model_add_group_member(f->m, ms->group, id->valuestring);
		if (rc == 0 && cJSON_IsString(upn))
			rc = mfa_ca_model_add_user_upn(f->m, id->valuestring, upn->valuestring);
		if (rc < 0)
			f->oom = 1;
	}
	/* Every page is followed, an empty one carrying a nextLink too. */
	next = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "@odata.nextLink"));
	ok = 1;
	if (next) {
		fetch_members(f, ms->group, ms->role, ms->rr, next);
	} else if (!ms->role) {
		if (mfa_ca_model_mark_group_read(f->m, ms->group) < 0)
			f->oom = 1;
		f->res.groups++;
	}
cleanup:
	role_page_done(ms, ok && !resp->cancelled);
	cJSON_Delete(root);
	members_free(ms);
}

/* Every group and role the policies name: their members, read now. */
static void fetch_all_members(struct mfa_ca_fetch *f)
{
	char url[1024];
	size_t i;

	size_t nroles = mfa_ca_model_role_count(f->m);

	for (i = 0; i < mfa_ca_model_group_count(f->m); i++) {
		const char *g = mfa_ca_model_group_id(f->m, i);

		group_url(f, g, url, sizeof(url));
		fetch_members(f, g, NULL, NULL, url);
	}
	if (nroles && !(f->roles = calloc(nroles, sizeof(*f->roles)))) {
		f->oom = 1;
		return;
	}
	for (i = 0; i < nroles; i++) {
		const char *r = mfa_ca_model_role_id(f->m, i);

		snprintf(url, sizeof(url),
			 "%s/v1.0/directoryRoles(roleTemplateId='%s')/members?$select=id,userPrincipalName",
			 f->graph, r);
		fetch_members(f, NULL, r, &f->roles[i], url);
	}
}

static void on_policies(void *ctx, const struct mfa_http_response *resp)
{
	struct mfa_ca_fetch *f = ctx;
	cJSON *root = NULL;
	const cJSON *value, *p;
	const char *next;
	struct mfa_err err = MFA_ERR_INIT;

	if (resp->cancelled)
		return;
	if (resp->status != 200) {
		f->policies_failed = 1;
		mfa_posture_ca_read(f->posture, resp);
		warn(f, "Conditional Access policies unavailable: every user's coverage is 'unknown'; reading them needs the Policy.Read.All permission",
		     resp->error);
		return;
	}
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	value = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!cJSON_IsArray(value)) {
		f->policies_failed = 1;
		warn(f, "Conditional Access policies unreadable: every user's coverage is 'unknown'",
		     "malformed JSON");
		goto cleanup;
	}
	cJSON_ArrayForEach(p, value) {
		mfa_posture_take_ca_policy(f->posture, p);
		if (mfa_ca_model_add_policy_json(f->m, p, &err) < 0) {
			f->policies_failed = 1;
			warn(f, "a Conditional Access policy could not be read: every user's coverage is 'unknown'",
			     err.msg);
			goto cleanup;
		}
		f->res.policies++;
	}
	next = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "@odata.nextLink"));
	if (next) {
		get(f, next, MFA_SCOPE_CONDITIONAL_ACCESS, on_policies, f);
	} else {
		mfa_ca_model_mark_policies_read(f->m);
		mfa_posture_ca_read(f->posture, NULL);
		fetch_all_members(f);
	}
cleanup:
	cJSON_Delete(root);
}

static void on_security_defaults(void *ctx, const struct mfa_http_response *resp)
{
	struct mfa_ca_fetch *f = ctx;
	cJSON *root = NULL;
	const cJSON *on;

	if (resp->cancelled)
		return;
	if (resp->status != 200) {
		warn(f, "the security-defaults policy could not be read", resp->error);
		return;
	}
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	on = cJSON_GetObjectItemCaseSensitive(root, "isEnabled");
	if (cJSON_IsBool(on)) {
		f->res.security_defaults = cJSON_IsTrue(on);
		mfa_ca_model_set_security_defaults(f->m, cJSON_IsTrue(on));
	} else {
		warn(f, "the security-defaults policy could not be read", "malformed JSON");
	}
	cJSON_Delete(root);
}

int mfa_ca_fetch_start(struct mfa_ca_fetch **out, struct mfa_ca_model *m, struct mfa_http *h,
		       const char *graph_url, struct mfa_err *err)
{
	struct mfa_ca_fetch *f = calloc(1, sizeof(*f));
	char url[1024];

	*out = NULL;
	if (!f || !(f->graph = strdup(graph_url))) {
		free(f);
		return mfa_err_set(err, "out of memory");
	}
	f->h = h;
	f->m = m;
	f->res.security_defaults = -1;
	/* The policies first (they name the groups and roles whose members
	 * are read next), with the security-defaults policy alongside. */
	snprintf(url, sizeof(url), "%s/v1.0/identity/conditionalAccess/policies", graph_url);
	get(f, url, MFA_SCOPE_CONDITIONAL_ACCESS, on_policies, f);
	snprintf(url, sizeof(url), "%s/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", graph_url);
	get(f, url, MFA_SCOPE_IDENTITY_READ, on_security_defaults, f);
	*out = f;
	return 0;
}

void mfa_ca_fetch_set_posture(struct mfa_ca_fetch *f, struct mfa_posture *p)
{
	if (f)
		f->posture = p;
}

/* One line per permission the member reads lacked, naming it. */
static void tell_denied(const struct denied *d, const char *one, const char *many,
			const char *permission, mfa_warn_fn warn_fn, void *warn_ctx)
{
	char msg[512];

	if (!d->n || !warn_fn)
		return;
	snprintf(msg, sizeof(msg),
		 "cannot read %s members (http %ld%s%s): %lu %s; users whose coverage depends on %s are 'unknown'; grant the app %s",
		 one, d->status, d->code[0] ? ", " : "", d->code, d->n, d->n == 1 ? one : many,
		 d->n == 1 ? "it" : "them", permission);
	warn_fn(warn_ctx, msg);
}

int mfa_ca_fetch_finish(struct mfa_ca_fetch *f, struct mfa_ca_fetch_result *res,
			mfa_warn_fn warn_fn, void *warn_ctx, struct mfa_err *err)
{
	unsigned i;
	int rc = 0;

	if (!f)
		return 0;
	*res = f->res;
	if (f->policies_failed || !mfa_ca_model_policies_read(f->m))
		res->policies = -1;
	tell_denied(&f->denied_groups, "group", "groups", "GroupMember.Read.All", warn_fn, warn_ctx);
	tell_denied(&f->denied_roles, "directory role", "directory roles",
		    "RoleManagement.Read.Directory", warn_fn, warn_ctx);
	for (i = 0; i < f->nwarnings; i++) {
		if (warn_fn)
			warn_fn(warn_ctx, f->warnings[i]);
		free(f->warnings[i]);
	}
	if (f->dropped && warn_fn) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%u more Conditional Access reads failed", f->dropped);
		warn_fn(warn_ctx, msg);
	}
	if (f->oom)
		rc = mfa_err_set(err, "out of memory reading Conditional Access memberships");
	free(f->roles);
	free(f->graph);
	free(f);
	return rc;
}
