/* ca_files.c - the Conditional Access model from --ca-policies and
 * --ca-members files (formats: sources/ca_files.h). */
#include "sources/ca_files.h"

#include "sources/ca_policy_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

/* A members file for a very large tenant is big (about 100 bytes a
 * membership), but past this it is more likely the wrong file. */
#define MAX_FILE ((size_t)1 << 30)

static int read_json(const char *path, cJSON **out, struct mfa_err *err)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ret = -1;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *p;

			if (cap > MAX_FILE) {
				mfa_err_set(err, "'%s': larger than 1 GiB", path);
				goto cleanup;
			}
			p = realloc(buf, ncap);
			if (!p) {
				mfa_err_set(err, "'%s': out of memory", path);
				goto cleanup;
			}
			buf = p;
			cap = ncap;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		mfa_err_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (len > MAX_FILE) {
		mfa_err_set(err, "'%s': larger than 1 GiB", path);
		goto cleanup;
	}
	*out = cJSON_ParseWithLength(buf, len);
	if (!*out) {
		const char *at = cJSON_GetErrorPtr();
		unsigned long line = 1;

		/* cJSON points at where it stopped; a line number is what a
		 * person editing the file needs */
		if (at && at >= buf && at <= buf + len) {
			const char *p;

			for (p = buf; p < at; p++)
				line += *p == '\n';
			mfa_err_set(err, "'%s': line %lu: not valid JSON", path, line);
		} else {
			mfa_err_set(err, "'%s': not valid JSON", path);
		}
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(buf);
	if (f)
		fclose(f);
	return ret;
}

static int load_policies(struct mfa_ca_model *m, const char *path, struct mfa_err *err)
{
	cJSON *root = NULL;
	const cJSON *list, *it;
	size_t i = 0;
	int ret = -1;

	if (read_json(path, &root, err) < 0)
		goto cleanup;
	list = cJSON_IsArray(root) ? root : cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!cJSON_IsArray(list)) {
		mfa_err_set(err, "'%s': expected {\"value\":[...]} or an array of policies", path);
		goto cleanup;
	}
	if (!cJSON_IsArray(root) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "@odata.nextLink"))) {
		mfa_err_set(err, "'%s': @odata.nextLink: a paged list, put every page's policies in one \"value\"",
			    path);
		goto cleanup;
	}
	cJSON_ArrayForEach(it, list) {
		if (mfa_ca_model_add_policy_json(m, it, err) < 0) {
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "displayName");

			if (cJSON_IsString(name))
				mfa_err_prefix(err, "'%s': value[%zu] ('%.80s')", path, i, name->valuestring);
			else
				mfa_err_prefix(err, "'%s': value[%zu]", path, i);
			goto cleanup;
		}
		i++;
	}
	mfa_ca_model_mark_policies_read(m);
	ret = 0;
cleanup:
	cJSON_Delete(root);
	return ret;
}

/* The member array of one list ({"value":[...]} or a bare array). */
static int member_list(const cJSON *item, const char *path, const char *kind, const char *key,
		       const cJSON **out, struct mfa_err *err)
{
	const cJSON *v;

	*out = NULL;
	if (cJSON_IsArray(item)) {
		*out = item;
		return 0;
	}
	if (!cJSON_IsObject(item))
		return mfa_err_set(err, "'%s': %s.%s: expected {\"value\":[...]} or an array of members", path,
				   kind, key);
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "@odata.nextLink")))
		return mfa_err_set(err, "'%s': %s.%s: @odata.nextLink: a paged list, put every page's members "
				   "in one \"value\"", path, kind, key);
	v = cJSON_GetObjectItemCaseSensitive(item, "value");
	if (!cJSON_IsArray(v))
		return mfa_err_set(err, "'%s': %s.%s.value: expected an array of members", path, kind, key);
	*out = v;
	return 0;
}

enum member_kind { MK_USER, MK_GROUP, MK_OTHER };

struct member {
	enum member_kind kind;
	const char *id;
	const char *upn; /* NULL if none */
};

static int member_read(const cJSON *it, const char *path, const char *kind, const char *key, size_t i,
		       struct member *mb, struct mfa_err *err)
{
	const cJSON *x;

	mb->kind = MK_USER;
	mb->id = NULL;
	mb->upn = NULL;
	if (cJSON_IsString(it)) {
		mb->id = it->valuestring;
	} else if (cJSON_IsObject(it)) {
		x = cJSON_GetObjectItemCaseSensitive(it, "@odata.type");
		if (x && !cJSON_IsString(x))
			return mfa_err_set(err, "'%s': %s.%s.value[%zu].@odata.type: expected a string", path,
					   kind, key, i);
		if (x && strcasecmp(x->valuestring, "#microsoft.graph.group") == 0)
			mb->kind = MK_GROUP;
		else if (x && strcasecmp(x->valuestring, "#microsoft.graph.user") != 0)
			mb->kind = MK_OTHER;
		x = cJSON_GetObjectItemCaseSensitive(it, "id");
		if (!cJSON_IsString(x))
			return mfa_err_set(err, "'%s': %s.%s.value[%zu].id: expected a string", path, kind, key, i);
		mb->id = x->valuestring;
		x = cJSON_GetObjectItemCaseSensitive(it, "userPrincipalName");
		if (x && !cJSON_IsNull(x) && !cJSON_IsString(x))
			return mfa_err_set(err, "'%s': %s.%s.value[%zu].userPrincipalName: expected a string",
					   path, kind, key, i);
		if (cJSON_IsString(x) && *x->valuestring)
			mb->upn = x->valuestring;
	} else {
		return mfa_err_set(err, "'%s': %s.%s.value[%zu]: expected a member object or an id string", path,
				   kind, key, i);
	}
	if (!*mb->id)
		return mfa_err_set(err, "'%s': %s.%s.value[%zu].id: empty", path, kind, key, i);
	return 0;
}

/* Work list of one expansion: the group entries still to read, and every
 * entry seen (so a cycle or a diamond is read once). */
struct walk {
	const cJSON **todo;
	size_t ntodo, captodo;
	const cJSON **seen;
	size_t nseen, capseen;
};

static int push(const cJSON ***arr, size_t *n, size_t *cap, const cJSON *x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		const cJSON **p;

		if (c > SIZE_MAX / sizeof(*p))
			return -1;
		p = realloc((void *)*arr, c * sizeof(*p));
		if (!p)
			return -1;
		*arr = p;
		*cap = c;
	}
	(*arr)[(*n)++] = x;
	return 0;
}

static bool seen(const struct walk *w, const cJSON *x)
{
	size_t i;

	for (i = 0; i < w->nseen; i++) {
		if (w->seen[i] == x)
			return true;
	}
	return false;
}

/* Adds every user reachable from entry `root` (under "groups" or "roles")
 * as a member of that group or role, expanding nested groups through the
 * file's own group entries. */
static int expand(struct mfa_ca_model *m, const cJSON *groups, bool role, const cJSON *root, const char *path,
		  struct walk *w, struct mfa_err *err)
{
	const char *set_id = root->string;

	w->ntodo = 0;
	w->nseen = 0;
	if ((role ? mfa_ca_model_mark_role_read(m, set_id) : mfa_ca_model_mark_group_read(m, set_id)) < 0)
		return mfa_err_set(err, "out of memory");
	if (push(&w->todo, &w->ntodo, &w->captodo, root) < 0 || push(&w->seen, &w->nseen, &w->capseen, root) < 0)
		return mfa_err_set(err, "out of memory");
	while (w->ntodo > 0) {
		const cJSON *entry = w->todo[--w->ntodo];
		/* the entry being read is a group unless it is the role itself */
		const char *kind = (role && entry == root) ? "roles" : "groups";
		const cJSON *list, *it;
		size_t i = 0;

		if (member_list(entry, path, kind, entry->string, &list, err) < 0)
			return -1;
		cJSON_ArrayForEach(it, list) {
			struct member mb;
			int rc = 0;

			if (member_read(it, path, kind, entry->string, i++, &mb, err) < 0)
				return -1;
			if (mb.kind == MK_USER) {
				rc = role ? mfa_ca_model_add_role_member(m, set_id, mb.id)
					  : mfa_ca_model_add_group_member(m, set_id, mb.id);
				if (rc == 0 && mb.upn)
					rc = mfa_ca_model_add_user_upn(m, mb.id, mb.upn);
			} else if (mb.kind == MK_GROUP) {
				/* group ids are GUIDs: any case names the same group */
				const cJSON *nested = cJSON_GetObjectItem(groups, mb.id);

				if (nested && !seen(w, nested) &&
				    (push(&w->todo, &w->ntodo, &w->captodo, nested) < 0 ||
				     push(&w->seen, &w->nseen, &w->capseen, nested) < 0))
					rc = -1;
			}
			if (rc < 0)
				return mfa_err_set(err, "out of memory");
		}
	}
	return 0;
}

/* "users": UPN aliases only ({"value":[{"id","userPrincipalName"}]}). */
static int load_users(struct mfa_ca_model *m, const cJSON *users, const char *path, struct mfa_err *err)
{
	const cJSON *list = users, *it;
	size_t i = 0;

	if (cJSON_IsObject(users)) {
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(users, "@odata.nextLink")))
			return mfa_err_set(err, "'%s': users: @odata.nextLink: a paged list, put every page's users "
					   "in one \"value\"", path);
		list = cJSON_GetObjectItemCaseSensitive(users, "value");
	}
	if (!cJSON_IsArray(list))
		return mfa_err_set(err, "'%s': users: expected {\"value\":[...]} or an array of users", path);
	cJSON_ArrayForEach(it, list) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		const cJSON *upn = cJSON_GetObjectItemCaseSensitive(it, "userPrincipalName");

		if (!cJSON_IsString(id) || !*id->valuestring)
			return mfa_err_set(err, "'%s': users.value[%zu].id: expected a string", path, i);
		if (!cJSON_IsString(upn) || !*upn->valuestring)
			return mfa_err_set(err, "'%s': users.value[%zu].userPrincipalName: expected a string", path, i);
		if (mfa_ca_model_add_user_upn(m, id->valuestring, upn->valuestring) < 0)
			return mfa_err_set(err, "out of memory");
		i++;
	}
	return 0;
}

static int load_members(struct mfa_ca_model *m, const char *path, struct mfa_err *err)
{
	cJSON *root = NULL;
	const cJSON *groups, *roles, *users, *sd, *it;
	struct walk w;
	int ret = -1;

	memset(&w, 0, sizeof(w));
	if (read_json(path, &root, err) < 0)
		goto cleanup;
	if (!cJSON_IsObject(root)) {
		mfa_err_set(err, "'%s': expected an object with \"groups\", \"roles\", \"securityDefaults\"", path);
		goto cleanup;
	}
	/* a misspelt key would silently drop memberships: refuse it */
	cJSON_ArrayForEach(it, root) {
		if (strcmp(it->string, "groups") != 0 && strcmp(it->string, "roles") != 0 &&
		    strcmp(it->string, "users") != 0 && strcmp(it->string, "securityDefaults") != 0 &&
		    it->string[0] != '@') {
			mfa_err_set(err, "'%s': unknown key '%.60s' (expected groups, roles, users, securityDefaults)",
				    path, it->string);
			goto cleanup;
		}
	}
	groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
	roles = cJSON_GetObjectItemCaseSensitive(root, "roles");
	users = cJSON_GetObjectItemCaseSensitive(root, "users");
	sd = cJSON_GetObjectItemCaseSensitive(root, "securityDefaults");
	if (users && !cJSON_IsNull(users) && load_users(m, users, path, err) < 0)
		goto cleanup;
	if (groups && !cJSON_IsNull(groups) && !cJSON_IsObject(groups)) {
		mfa_err_set(err, "'%s': groups: expected an object keyed by group id", path);
		goto cleanup;
	}
	if (roles && !cJSON_IsNull(roles) && !cJSON_IsObject(roles)) {
		mfa_err_set(err, "'%s': roles: expected an object keyed by role template id", path);
		goto cleanup;
	}
	if (!cJSON_IsObject(groups))
		groups = NULL;
	if (!cJSON_IsObject(roles))
		roles = NULL;
	cJSON_ArrayForEach(it, groups) {
		if (!*it->string) {
			mfa_err_set(err, "'%s': groups: empty group id", path);
			goto cleanup;
		}
		if (expand(m, groups, false, it, path, &w, err) < 0)
			goto cleanup;
	}
	cJSON_ArrayForEach(it, roles) {
		if (!*it->string) {
			mfa_err_set(err, "'%s': roles: empty role template id", path);
			goto cleanup;
		}
		if (expand(m, groups, true, it, path, &w, err) < 0)
			goto cleanup;
	}
	if (sd && !cJSON_IsNull(sd)) {
		const cJSON *on = cJSON_GetObjectItemCaseSensitive(sd, "isEnabled");

		if (!cJSON_IsObject(sd) || !cJSON_IsBool(on)) {
			mfa_err_set(err, "'%s': securityDefaults.isEnabled: expected true or false", path);
			goto cleanup;
		}
		mfa_ca_model_set_security_defaults(m, cJSON_IsTrue(on));
	}
	ret = 0;
cleanup:
	free((void *)w.todo);
	free((void *)w.seen);
	cJSON_Delete(root);
	return ret;
}

int mfa_ca_model_load_files(struct mfa_ca_model **out, const char *policies_path, const char *members_path,
			    struct mfa_err *err)
{
	struct mfa_ca_model *m = NULL;
	int ret = -1;

	*out = NULL;
	if (!policies_path) {
		mfa_err_set(err, "no policies file");
		goto cleanup;
	}
	m = mfa_ca_model_new();
	if (!m) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	/* members first: policies then find their groups already read */
	if (members_path && load_members(m, members_path, err) < 0)
		goto cleanup;
	if (load_policies(m, policies_path, err) < 0)
		goto cleanup;
	*out = m;
	m = NULL;
	ret = 0;
cleanup:
	mfa_ca_model_free(m);
	return ret;
}
