/* coverage.c - the Conditional Access model and coverage evaluator
 * (mfa/coverage.h). */
#include "mfa/model/coverage.h"

#include "mfa/util/index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#define NONE32 UINT32_MAX
/* A membership link names a group, or a role with this bit set. */
#define ROLE_BIT 0x80000000u
#define MAX_INDEX (ROLE_BIT - 1u)

/* ---- interned, case-insensitive strings (mfa_strtab) ---- */

static const char *strtab_str(const struct mfa_strtab *t, uint32_t i)
{
	return mfa_strtab_get(t, i);
}

static uint32_t strtab_find(const struct mfa_strtab *t, const char *s)
{
	size_t i = mfa_strtab_find(t, s);

	return i == MFA_INDEX_NONE ? NONE32 : (uint32_t)i;
}

/* The entry of s, added when new (*added says which). */
static int strtab_intern(struct mfa_strtab *t, const char *s, uint32_t *idx, bool *added)
{
	size_t i;

	*added = false;
	if (!s || !*s)
		return -1;
	/* indexes share 31 bits with ROLE_BIT */
	if (mfa_strtab_find(t, s) == MFA_INDEX_NONE && mfa_strtab_count(t) >= MAX_INDEX)
		return -1;
	if (mfa_strtab_intern(t, s, &i, added) < 0)
		return -1;
	*idx = (uint32_t)i;
	return 0;
}

/* Grows a parallel array of `size`-byte items to hold at least `need`. */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			return -1;
		c *= 2;
	}
	p = realloc(*arr, c * size);
	if (!p)
		return -1;
	memset((char *)p + *cap * size, 0, (c - *cap) * size);
	*arr = p;
	*cap = c;
	return 0;
}

/* ---- the model ---- */

enum pstate { PS_DISABLED = 0, PS_ENABLED, PS_REPORT_ONLY };

/* Guest types: enum mfa_ca_guest_type (mfa/model/coverage.h) */
#define GT_INTERNAL_GUEST MFA_CA_GUEST_INTERNAL
#define GT_B2B_GUEST MFA_CA_GUEST_B2B_COLLABORATION_GUEST
#define GT_B2B_MEMBER MFA_CA_GUEST_B2B_COLLABORATION_MEMBER

enum { TEN_ALL = 0, TEN_ENUMERATED };

/* group / role flags */
enum { F_READ = 1u << 0, F_NAMED = 1u << 1 };

/* A group or role. `unaliased` counts its members without a UPN alias:
 * at 0, a user known by UPN alone and not aliased is surely not a member. */
struct setinfo {
	uint32_t unaliased;
	uint8_t flags;
};

/* user flags */
enum { U_ALIASED = 1u << 0 };

struct typed {
	uint8_t types;   /* GT_* */
	uint8_t tenants; /* TEN_* */
};

struct idlist {
	uint32_t *v; /* sorted, unique */
	uint32_t n;
};

struct policy {
	char *name;
	uint8_t state;
	bool evaluated; /* not disabled, requires mfa, targets some app */
	uint32_t gaps;
	bool inc_all, inc_guests, exc_guests;
	struct typed inc_typed, exc_typed;
	struct idlist inc_users, exc_users, inc_groups, exc_groups, inc_roles, exc_roles;
};

struct link {
	uint32_t set;  /* group index, or role index | ROLE_BIT */
	uint32_t next; /* next link + 1; 0: end */
};

struct mfa_ca_model {
	struct policy *pol;
	size_t npol, cappol;
	bool policies_read, security_defaults;
	struct mfa_strtab users, groups, roles, upns;
	uint32_t *user_head; /* per user: first link + 1; 0: none */
	size_t user_head_cap;
	uint8_t *user_flags; /* per user: U_* */
	size_t user_flags_cap;
	uint32_t *upn_user;  /* per UPN alias: user index */
	size_t upn_user_cap;
	struct setinfo *group_info, *role_info;
	size_t group_info_cap, role_info_cap;
	struct link *links;
	size_t nlinks, caplinks;
	uint32_t *named_groups, *named_roles;
	size_t nnamed_groups, cap_named_groups, nnamed_roles, cap_named_roles;
};

struct mfa_ca_model *mfa_ca_model_new(void)
{
	struct mfa_ca_model *m = calloc(1, sizeof(struct mfa_ca_model));

	if (m) {
		mfa_strtab_init(&m->users);
		mfa_strtab_init(&m->groups);
		mfa_strtab_init(&m->roles);
		mfa_strtab_init(&m->upns);
	}
	return m;
}

static void policy_release(struct policy *p)
{
	free(p->name);
	free(p->inc_users.v);
	free(p->exc_users.v);
	free(p->inc_groups.v);
	free(p->exc_groups.v);
	free(p->inc_roles.v);
	free(p->exc_roles.v);
}

void mfa_ca_model_free(struct mfa_ca_model *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->npol; i++)
		policy_release(&m->pol[i]);
	free(m->pol);
	mfa_strtab_release(&m->users);
	mfa_strtab_release(&m->groups);
	mfa_strtab_release(&m->roles);
	mfa_strtab_release(&m->upns);
	free(m->user_head);
	free(m->user_flags);
	free(m->upn_user);
	free(m->group_info);
	free(m->role_info);
	free(m->links);
	free(m->named_groups);
	free(m->named_roles);
	free(m);
}

static int user_intern(struct mfa_ca_model *m, const char *id, uint32_t *idx)
{
	bool added;

	if (strtab_intern(&m->users, id, idx, &added) < 0)
		return -1;
	if (grow((void **)&m->user_head, &m->user_head_cap, mfa_strtab_count(&m->users), sizeof(uint32_t)) < 0)
		return -1;
	return grow((void **)&m->user_flags, &m->user_flags_cap, mfa_strtab_count(&m->users), 1);
}

static int set_intern(struct mfa_ca_model *m, bool role, const char *id, uint32_t *idx)
{
	struct mfa_strtab *t = role ? &m->roles : &m->groups;
	bool added;

	if (strtab_intern(t, id, idx, &added) < 0)
		return -1;
	if (role)
		return grow((void **)&m->role_info, &m->role_info_cap, mfa_strtab_count(t), sizeof(struct setinfo));
	return grow((void **)&m->group_info, &m->group_info_cap, mfa_strtab_count(t), sizeof(struct setinfo));
}

static struct setinfo *set_info(struct mfa_ca_model *m, bool role, uint32_t idx)
{
	return role ? &m->role_info[idx] : &m->group_info[idx];
}

static const struct setinfo *set_info_c(const struct mfa_ca_model *m, uint32_t link_set)
{
	return (link_set & ROLE_BIT) ? &m->role_info[link_set & ~ROLE_BIT] : &m->group_info[link_set];
}

static int mark_read(struct mfa_ca_model *m, bool role, const char *id, uint32_t *idx)
{
	if (!m || set_intern(m, role, id, idx) < 0)
		return -1;
	set_info(m, role, *idx)->flags |= F_READ;
	return 0;
}

int mfa_ca_model_mark_group_read(struct mfa_ca_model *m, const char *group_id)
{
	uint32_t idx;

	return mark_read(m, false, group_id, &idx);
}

int mfa_ca_model_mark_role_read(struct mfa_ca_model *m, const char *role_template_id)
{
	uint32_t idx;

	return mark_read(m, true, role_template_id, &idx);
}

static int add_member(struct mfa_ca_model *m, bool role, const char *set_id, const char *user_id)
{
	uint32_t s, u, l, key;

	if (!m || mark_read(m, role, set_id, &s) < 0 || user_intern(m, user_id, &u) < 0)
		return -1;
	key = role ? (s | ROLE_BIT) : s;
	/* a user's links are few (the groups and roles that matter), so a walk
	 * to skip a duplicate is cheaper than an index over all links */
	for (l = m->user_head[u]; l; l = m->links[l - 1].next) {
		if (m->links[l - 1].set == key)
			return 0;
	}
	if (m->nlinks >= UINT32_MAX - 1 ||
	    grow((void **)&m->links, &m->caplinks, m->nlinks + 1, sizeof(struct link)) < 0)
		return -1;
	m->links[m->nlinks].set = key;
	m->links[m->nlinks].next = m->user_head[u];
	m->user_head[u] = (uint32_t)(++m->nlinks);
	if (!(m->user_flags[u] & U_ALIASED))
		set_info(m, role, s)->unaliased++;
	return 0;
}

int mfa_ca_model_add_group_member(struct mfa_ca_model *m, const char *group_id, const char *user_id)
{
	return add_member(m, false, group_id, user_id);
}

int mfa_ca_model_add_role_member(struct mfa_ca_model *m, const char *role_template_id, const char *user_id)
{
	return add_member(m, true, role_template_id, user_id);
}

int mfa_ca_model_add_user_upn(struct mfa_ca_model *m, const char *user_id, const char *upn)
{
	uint32_t u, a;
	bool added;

	if (!m || user_intern(m, user_id, &u) < 0 || strtab_intern(&m->upns, upn, &a, &added) < 0 ||
	    grow((void **)&m->upn_user, &m->upn_user_cap, mfa_strtab_count(&m->upns), sizeof(uint32_t)) < 0)
		return -1;
	m->upn_user[a] = u;
	if (!(m->user_flags[u] & U_ALIASED)) {
		uint32_t l;

		m->user_flags[u] |= U_ALIASED;
		for (l = m->user_head[u]; l; l = m->links[l - 1].next) {
			uint32_t set = m->links[l - 1].set;

			set_info(m, (set & ROLE_BIT) != 0, set & ~ROLE_BIT)->unaliased--;
		}
	}
	return 0;
}

void mfa_ca_model_mark_policies_read(struct mfa_ca_model *m)
{
	if (m)
		m->policies_read = true;
}

void mfa_ca_model_set_security_defaults(struct mfa_ca_model *m, bool enabled)
{
	if (m)
		m->security_defaults = enabled;
}

size_t mfa_ca_model_group_count(const struct mfa_ca_model *m)
{
	return m ? m->nnamed_groups : 0;
}

const char *mfa_ca_model_group_id(const struct mfa_ca_model *m, size_t i)
{
	return strtab_str(&m->groups, m->named_groups[i]);
}

size_t mfa_ca_model_role_count(const struct mfa_ca_model *m)
{
	return m ? m->nnamed_roles : 0;
}

const char *mfa_ca_model_role_id(const struct mfa_ca_model *m, size_t i)
{
	return strtab_str(&m->roles, m->named_roles[i]);
}

size_t mfa_ca_model_policy_count(const struct mfa_ca_model *m)
{
	return m ? m->npol : 0;
}

bool mfa_ca_model_security_defaults(const struct mfa_ca_model *m)
{
	return m && m->security_defaults;
}

bool mfa_ca_model_policies_read(const struct mfa_ca_model *m)
{
	return m && m->policies_read;
}

size_t mfa_ca_model_memory(const struct mfa_ca_model *m)
{
	size_t n, i;

	if (!m)
		return 0;
	n = sizeof(*m) + m->cappol * sizeof(struct policy) + mfa_strtab_memory(&m->users) +
	    mfa_strtab_memory(&m->groups) + mfa_strtab_memory(&m->roles) + mfa_strtab_memory(&m->upns) +
	    m->user_head_cap * sizeof(uint32_t) + m->user_flags_cap + m->upn_user_cap * sizeof(uint32_t) +
	    (m->group_info_cap + m->role_info_cap) * sizeof(struct setinfo) + m->caplinks * sizeof(struct link) +
	    (m->cap_named_groups + m->cap_named_roles) * sizeof(uint32_t);
	for (i = 0; i < m->npol; i++) {
		const struct policy *p = &m->pol[i];

		n += strlen(p->name) + 1 +
		     (size_t)(p->inc_users.n + p->exc_users.n + p->inc_groups.n + p->exc_groups.n +
			      p->inc_roles.n + p->exc_roles.n) * sizeof(uint32_t);
	}
	return n;
}

/* ---- adding one policy ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void idlist_sort(struct idlist *l)
{
	uint32_t i, n = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_u32);
	for (i = 0; i < l->n; i++) {
		if (n == 0 || l->v[n - 1] != l->v[i])
			l->v[n++] = l->v[i];
	}
	l->n = n;
}

static bool idlist_has(const struct idlist *l, uint32_t x)
{
	return l->n && bsearch(&x, l->v, l->n, sizeof(*l->v), cmp_u32) != NULL;
}

static int idlist_alloc(struct idlist *l, size_t n)
{
	l->n = 0;
	l->v = NULL;
	if (n == 0)
		return 0;
	if (n > UINT32_MAX || n > SIZE_MAX / sizeof(*l->v))
		return -1;
	l->v = malloc(n * sizeof(*l->v));
	return l->v ? 0 : -1;
}

/* includeUsers / excludeUsers ids (the special values are the parser's
 * flags). */
static int users_list(struct mfa_ca_model *m, const struct mfa_ca_ids *ids, struct idlist *l)
{
	size_t i;

	if (idlist_alloc(l, ids->n) < 0)
		return -1;
	for (i = 0; i < ids->n; i++) {
		uint32_t u;

		if (!ids->v[i] || !*ids->v[i])
			continue;
		if (user_intern(m, ids->v[i], &u) < 0)
			return -1;
		l->v[l->n++] = u;
	}
	idlist_sort(l);
	return 0;
}

static int name_set(struct mfa_ca_model *m, bool role, uint32_t idx)
{
	uint8_t *f = &set_info(m, role, idx)->flags;
	uint32_t **arr = role ? &m->named_roles : &m->named_groups;
	size_t *n = role ? &m->nnamed_roles : &m->nnamed_groups;
	size_t *cap = role ? &m->cap_named_roles : &m->cap_named_groups;

	if (*f & F_NAMED)
		return 0;
	if (grow((void **)arr, cap, *n + 1, sizeof(uint32_t)) < 0)
		return -1;
	(*arr)[(*n)++] = idx;
	*f |= F_NAMED;
	return 0;
}

static int sets_list(struct mfa_ca_model *m, bool role, const struct mfa_ca_ids *ids, struct idlist *l)
{
	size_t i;

	if (idlist_alloc(l, ids->n) < 0)
		return -1;
	for (i = 0; i < ids->n; i++) {
		uint32_t s;

		if (!ids->v[i] || !*ids->v[i])
			continue;
		if (set_intern(m, role, ids->v[i], &s) < 0 || name_set(m, role, s) < 0)
			return -1;
		l->v[l->n++] = s;
	}
	idlist_sort(l);
	return 0;
}

static void typed_set(struct typed *t, const struct mfa_ca_guests *g)
{
	t->types = g->types;
	t->tenants = g->tenants_enumerated ? TEN_ENUMERATED : TEN_ALL;
}

int mfa_ca_model_add_policy(struct mfa_ca_model *m, const struct mfa_ca_policy *in, struct mfa_err *err)
{
	struct policy p;
	int ret = -1;

	memset(&p, 0, sizeof(p));
	if (!m)
		return mfa_err_set(err, "no model");
	if (!in || (unsigned)in->state > MFA_CA_POLICY_REPORT_ONLY)
		return mfa_err_set(err, "not a policy");
	p.state = in->state == MFA_CA_POLICY_ENABLED ? PS_ENABLED
		  : in->state == MFA_CA_POLICY_REPORT_ONLY ? PS_REPORT_ONLY : PS_DISABLED;
	p.gaps = in->gaps;
	typed_set(&p.inc_typed, &in->include_typed);
	typed_set(&p.exc_typed, &in->exclude_typed);
	p.name = strdup(in->name && *in->name ? in->name : "(unnamed policy)");
	if (!p.name)
		goto oom;
	p.evaluated = p.state != PS_DISABLED && in->requires_mfa && in->targets_apps;
	/* Only what is evaluated names users, groups and roles: nothing
	 * else needs fetching or matching. */
	if (p.evaluated) {
		p.inc_all = in->include_all;
		p.inc_guests = in->include_guests;
		p.exc_guests = in->exclude_guests;
		if (users_list(m, &in->include_users, &p.inc_users) < 0 ||
		    users_list(m, &in->exclude_users, &p.exc_users) < 0 ||
		    sets_list(m, false, &in->include_groups, &p.inc_groups) < 0 ||
		    sets_list(m, false, &in->exclude_groups, &p.exc_groups) < 0 ||
		    sets_list(m, true, &in->include_roles, &p.inc_roles) < 0 ||
		    sets_list(m, true, &in->exclude_roles, &p.exc_roles) < 0)
			goto oom;
	}
	if (grow((void **)&m->pol, &m->cappol, m->npol + 1, sizeof(struct policy)) < 0)
		goto oom;
	m->pol[m->npol++] = p;
	memset(&p, 0, sizeof(p));
	ret = 0;
	goto cleanup;
oom:
	mfa_err_set(err, "out of memory");
cleanup:
	policy_release(&p);
	return ret;
}

/* ---- evaluation ---- */

enum tri { T_NO = 0, T_MAYBE, T_YES };

enum why_code { WHY_NONE = 0, WHY_NO_ID, WHY_GROUP, WHY_ROLE, WHY_TENANT };

struct why {
	enum why_code code;
	uint32_t idx;
};

/* The user as the evaluator sees it. */
struct who {
	uint32_t uidx;  /* in the model's user table; NONE32: named nowhere */
	bool id_known;  /* false: no id and no UPN alias, lists of ids cannot be checked */
	bool upn_only;  /* !id_known, but a UPN that no known user has: lists whose
			 * users all have a UPN alias surely do not hold it */
	uint32_t head;  /* first membership link + 1 */
	uint8_t gtypes; /* GT_* the user is */
};

static uint8_t guest_types_of(const struct mfa_user *u)
{
	bool ext = mfa_upn_is_external(u->upn);

	switch (u->user_type) {
	case MFA_USER_TYPE_GUEST:
		return (ext || !u->upn) ? GT_B2B_GUEST : GT_INTERNAL_GUEST;
	case MFA_USER_TYPE_MEMBER:
		return ext ? GT_B2B_MEMBER : 0;
	default:
		return ext ? GT_B2B_GUEST : 0;
	}
}

static void who_of(const struct mfa_ca_model *m, const struct mfa_user *u, struct who *w)
{
	w->uidx = NONE32;
	w->id_known = false;
	w->upn_only = false;
	w->head = 0;
	w->gtypes = guest_types_of(u);
	if (u->id && *u->id) {
		w->id_known = true;
		w->uidx = strtab_find(&m->users, u->id);
	} else if (u->upn && *u->upn) {
		uint32_t a = strtab_find(&m->upns, u->upn);

		if (a != NONE32) {
			w->id_known = true;
			w->uidx = m->upn_user[a];
		} else {
			w->upn_only = true;
		}
	}
	if (w->uidx != NONE32)
		w->head = m->user_head[w->uidx];
}

static enum tri maybe(struct why *why, enum why_code code, uint32_t idx)
{
	why->code = code;
	why->idx = idx;
	return T_MAYBE;
}

static enum tri users_tri(const struct mfa_ca_model *m, const struct idlist *l, const struct who *w,
			  struct why *why)
{
	uint32_t i;

	if (l->n == 0)
		return T_NO;
	if (w->id_known)
		return w->uidx != NONE32 && idlist_has(l, w->uidx) ? T_YES : T_NO;
	for (i = 0; i < l->n; i++) {
		if (!w->upn_only || !(m->user_flags[l->v[i]] & U_ALIASED))
			return maybe(why, WHY_NO_ID, 0);
	}
	return T_NO;
}

static enum tri sets_tri(const struct mfa_ca_model *m, const struct idlist *l, bool role, const struct who *w,
			 struct why *why)
{
	uint32_t k, i;

	if (l->n == 0)
		return T_NO;
	for (k = w->head; k; k = m->links[k - 1].next) {
		uint32_t s = m->links[k - 1].set;

		if (((s & ROLE_BIT) != 0) == role && idlist_has(l, s & ~ROLE_BIT))
			return T_YES;
	}
	for (i = 0; i < l->n; i++) {
		const struct setinfo *si = set_info_c(m, role ? (l->v[i] | ROLE_BIT) : l->v[i]);

		if (!(si->flags & F_READ))
			return maybe(why, role ? WHY_ROLE : WHY_GROUP, l->v[i]);
		if (!w->id_known && (!w->upn_only || si->unaliased > 0))
			return maybe(why, WHY_NO_ID, 0);
	}
	return T_NO;
}

static enum tri typed_tri(const struct typed *t, const struct who *w, struct why *why)
{
	if (!(t->types & w->gtypes))
		return T_NO;
	return t->tenants == TEN_ALL ? T_YES : maybe(why, WHY_TENANT, 0);
}

/* Keeps the strongest answer; the first MAYBE's reason. */
static void tri_add(enum tri *acc, struct why *acc_why, enum tri t, const struct why *why)
{
	if (t == T_MAYBE && *acc == T_NO)
		*acc_why = *why;
	if (t > *acc)
		*acc = t;
}

static enum tri included(const struct mfa_ca_model *m, const struct policy *p, const struct who *w,
			 struct why *out)
{
	enum tri acc = T_NO;
	struct why why = { WHY_NONE, 0 };

	if (p->inc_all || (p->inc_guests && w->gtypes))
		return T_YES;
	tri_add(&acc, out, typed_tri(&p->inc_typed, w, &why), &why);
	if (acc != T_YES)
		tri_add(&acc, out, users_tri(m, &p->inc_users, w, &why), &why);
	if (acc != T_YES)
		tri_add(&acc, out, sets_tri(m, &p->inc_groups, false, w, &why), &why);
	if (acc != T_YES)
		tri_add(&acc, out, sets_tri(m, &p->inc_roles, true, w, &why), &why);
	return acc;
}

static enum tri excluded(const struct mfa_ca_model *m, const struct policy *p, const struct who *w,
			 struct why *out)
{
	enum tri acc = T_NO;
	struct why why = { WHY_NONE, 0 };

	if (p->exc_guests && w->gtypes)
		return T_YES;
	tri_add(&acc, out, typed_tri(&p->exc_typed, w, &why), &why);
	if (acc != T_YES)
		tri_add(&acc, out, users_tri(m, &p->exc_users, w, &why), &why);
	if (acc != T_YES)
		tri_add(&acc, out, sets_tri(m, &p->exc_groups, false, w, &why), &why);
	if (acc != T_YES)
		tri_add(&acc, out, sets_tri(m, &p->exc_roles, true, w, &why), &why);
	return acc;
}

/* In scope: included and not excluded; an exclusion always wins. */
static enum tri in_scope(const struct mfa_ca_model *m, const struct policy *p, const struct who *w,
			 struct why *why)
{
	struct why iw = { WHY_NONE, 0 }, ew = { WHY_NONE, 0 };
	enum tri inc = included(m, p, w, &iw), exc;

	if (inc == T_NO)
		return T_NO;
	exc = excluded(m, p, w, &ew);
	if (exc == T_YES)
		return T_NO;
	if (inc == T_YES && exc == T_NO)
		return T_YES;
	*why = exc == T_MAYBE ? ew : iw;
	return T_MAYBE;
}

/* covered > security-defaults > partial > report-only > not-covered */
static int rank(enum mfa_coverage_verdict v)
{
	switch (v) {
	case MFA_COVERAGE_COVERED: return 5;
	case MFA_COVERAGE_SECURITY_DEFAULTS: return 4;
	case MFA_COVERAGE_PARTIAL: return 3;
	case MFA_COVERAGE_REPORT_ONLY: return 2;
	case MFA_COVERAGE_NOT_COVERED: return 1;
	default: return 0;
	}
}

/* Policy names, ';'-joined; room is kept for ";+N more". */
#define MORE_ROOM 20

struct names {
	char buf[MFA_COVERAGE_POLICIES_MAX];
	size_t len;
	unsigned n, omitted;
};

static void names_add(struct names *nb, const char *name)
{
	size_t len = strlen(name), sep = nb->len ? 1 : 0;

	nb->n++;
	if (nb->omitted || nb->len + sep + len + MORE_ROOM >= sizeof(nb->buf)) {
		nb->omitted++;
		return;
	}
	if (sep)
		nb->buf[nb->len++] = ';';
	memcpy(nb->buf + nb->len, name, len);
	nb->len += len;
	nb->buf[nb->len] = '\0';
}

static void names_put(const struct names *nb, struct mfa_coverage *out)
{
	int n;

	n = snprintf(out->policies, sizeof(out->policies), "%.*s", (int)nb->len, nb->buf);
	if (nb->omitted && n >= 0 && (size_t)n < sizeof(out->policies))
		snprintf(out->policies + n, sizeof(out->policies) - (size_t)n, "%s+%u more",
			 nb->len ? ";" : "", nb->omitted);
	out->npolicies = nb->n;
}

static const char *const gap_text[] = {
	"only some apps", "some client app types", "locations", "platforms",
	"device filter", "risk levels", "authentication flows", "mfa OR another control",
};

size_t mfa_coverage_gaps_format(uint32_t gaps, char *buf, size_t size)
{
	size_t need = 0, i;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < sizeof(gap_text) / sizeof(gap_text[0]); i++) {
		const char *sep = need ? ", " : "";
		int n;

		if (!(gaps & (1u << i)))
			continue;
		n = snprintf(size > need ? buf + need : NULL, size > need ? size - need : 0, "%s%s", sep,
			     gap_text[i]);
		if (n > 0)
			need += (size_t)n;
	}
	return need;
}

static void unknown_reason(const struct mfa_ca_model *m, const struct policy *p, const struct why *why,
			   struct mfa_coverage *out)
{
	switch (why->code) {
	case WHY_GROUP:
		snprintf(out->reason, sizeof(out->reason), "members of group '%s' not read (policy '%s')",
			 strtab_str(&m->groups, why->idx), p->name);
		break;
	case WHY_ROLE:
		snprintf(out->reason, sizeof(out->reason), "members of role '%s' not read (policy '%s')",
			 strtab_str(&m->roles, why->idx), p->name);
		break;
	case WHY_TENANT:
		snprintf(out->reason, sizeof(out->reason),
			 "guest's home tenant unknown, policy '%s' names external tenants", p->name);
		break;
	default:
		snprintf(out->reason, sizeof(out->reason),
			 "user has no object id to match policy '%s'", p->name);
		break;
	}
}

void mfa_coverage_evaluate(const struct mfa_ca_model *m, const struct mfa_user *u, struct mfa_coverage *out)
{
	/* one name list a verdict a policy can give */
	struct names cov, part, rep;
	uint32_t part_gaps = 0, rep_gaps = 0;
	bool rep_full = false;
	enum mfa_coverage_verdict best, maybe_v = MFA_COVERAGE_UNKNOWN;
	const struct policy *maybe_p = NULL;
	struct why maybe_why = { WHY_NONE, 0 };
	struct who w;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->verdict = MFA_COVERAGE_UNKNOWN;
	if (!m || !u || !m->policies_read) {
		snprintf(out->reason, sizeof(out->reason), "conditional access policies not read");
		return;
	}
	memset(&cov, 0, sizeof(cov));
	memset(&part, 0, sizeof(part));
	memset(&rep, 0, sizeof(rep));
	who_of(m, u, &w);

	for (i = 0; i < m->npol; i++) {
		const struct policy *p = &m->pol[i];
		enum mfa_coverage_verdict v;
		struct why why = { WHY_NONE, 0 };
		enum tri t;

		if (!p->evaluated)
			continue;
		if (p->state == PS_REPORT_ONLY)
			v = MFA_COVERAGE_REPORT_ONLY;
		else
			v = p->gaps ? MFA_COVERAGE_PARTIAL : MFA_COVERAGE_COVERED;
		t = in_scope(m, p, &w, &why);
		if (t == T_NO)
			continue;
		if (t == T_MAYBE) {
			if (rank(v) > rank(maybe_v)) {
				maybe_v = v;
				maybe_p = p;
				maybe_why = why;
			}
			continue;
		}
		if (v == MFA_COVERAGE_COVERED) {
			names_add(&cov, p->name);
		} else if (v == MFA_COVERAGE_PARTIAL) {
			names_add(&part, p->name);
			part_gaps |= p->gaps;
		} else {
			names_add(&rep, p->name);
			rep_gaps |= p->gaps;
			rep_full = rep_full || p->gaps == 0;
		}
	}

	if (cov.n)
		best = MFA_COVERAGE_COVERED;
	else if (m->security_defaults)
		best = MFA_COVERAGE_SECURITY_DEFAULTS;
	else if (part.n)
		best = MFA_COVERAGE_PARTIAL;
	else if (rep.n)
		best = MFA_COVERAGE_REPORT_ONLY;
	else
		best = MFA_COVERAGE_NOT_COVERED;

	/* A policy that might apply and would say more than what surely
	 * applies leaves the verdict open. */
	if (maybe_p && rank(maybe_v) > rank(best)) {
		out->verdict = MFA_COVERAGE_UNKNOWN;
		unknown_reason(m, maybe_p, &maybe_why, out);
		return;
	}
	out->verdict = best;
	switch (best) {
	case MFA_COVERAGE_COVERED:
		names_put(&cov, out);
		break;
	case MFA_COVERAGE_PARTIAL:
		names_put(&part, out);
		out->gaps = part_gaps;
		mfa_coverage_gaps_format(part_gaps, out->reason, sizeof(out->reason));
		break;
	case MFA_COVERAGE_REPORT_ONLY:
		names_put(&rep, out);
		out->gaps = rep_full ? 0 : rep_gaps;
		mfa_coverage_gaps_format(out->gaps, out->reason, sizeof(out->reason));
		break;
	default:
		break;
	}
}

size_t mfa_ca_model_user_facts(const struct mfa_ca_model *m, const struct mfa_user *u, uint32_t *sets,
			       size_t max, bool *named, uint8_t *guest_types, bool *id_known)
{
	struct who w;
	size_t n = 0, i;
	uint32_t k;

	*named = false;
	*guest_types = guest_types_of(u);
	*id_known = false;
	if (!m || !u)
		return 0;
	who_of(m, u, &w);
	*id_known = w.id_known;
	for (k = w.head; k; k = m->links[k - 1].next, n++) {
		if (n < max)
			sets[n] = m->links[k - 1].set; /* ROLE_BIT == MFA_CA_ROLE_CODE */
	}
	for (i = 0; w.uidx != NONE32 && i < m->npol && !*named; i++) {
		const struct policy *p = &m->pol[i];

		*named = p->evaluated && (idlist_has(&p->inc_users, w.uidx) || idlist_has(&p->exc_users, w.uidx));
	}
	return n;
}

static const char *const verdict_names[MFA_COVERAGE__COUNT] = {
	[MFA_COVERAGE_UNKNOWN] = "unknown",
	[MFA_COVERAGE_COVERED] = "covered",
	[MFA_COVERAGE_PARTIAL] = "partial",
	[MFA_COVERAGE_REPORT_ONLY] = "report-only",
	[MFA_COVERAGE_SECURITY_DEFAULTS] = "security-defaults",
	[MFA_COVERAGE_NOT_COVERED] = "not-covered",
};

const char *mfa_coverage_name(enum mfa_coverage_verdict v)
{
	if ((int)v < 0 || v >= MFA_COVERAGE__COUNT)
		return "unknown";
	return verdict_names[v];
}

int mfa_coverage_parse(const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < MFA_COVERAGE__COUNT; i++) {
		if (strcasecmp(name, verdict_names[i]) == 0)
			return i;
	}
	return -1;
}
