/* whatif_class.c - What If classes and the comparison (mfa/model/whatif.h). */
#include "mfa/model/whatif.h"

#include "mfa/util/index.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SETS 256

struct mfa_whatif_set {
	struct mfa_strtab keys; /* key -> class index */
	struct mfa_whatif_class *v;
	size_t n, cap;
	unsigned long max_requests;
	unsigned long no_class_users;
};

static const char *const ctx_names[MFA_WHATIF__CONTEXTS] = {
	"browser", "mobile-desktop", "exchange-activesync", "other-clients",
};
static const char *const ctx_types[MFA_WHATIF__CONTEXTS] = {
	"browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other",
};

const char *mfa_whatif_context_name(int c)
{
	return c >= 0 && c < MFA_WHATIF__CONTEXTS ? ctx_names[c] : "unknown";
}

const char *mfa_whatif_client_app_type(int c)
{
	return c >= 0 && c < MFA_WHATIF__CONTEXTS ? ctx_types[c] : "all";
}

struct mfa_whatif_set *mfa_whatif_set_new(void)
{
	struct mfa_whatif_set *s = calloc(1, sizeof(*s));

	if (s)
		mfa_strtab_init(&s->keys);
	return s;
}

void mfa_whatif_set_free(struct mfa_whatif_set *s)
{
	size_t i;
	int c;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		struct mfa_whatif_class *k = &s->v[i];

		free(k->key);
		free(k->rep_id);
		free(k->rep_upn);
		free(k->user_text);
		for (c = 0; c < MFA_WHATIF__CONTEXTS; c++) {
			free(k->ctx[c].mfa_policies);
			free(k->ctx[c].reasons);
		}
	}
	free(s->v);
	mfa_strtab_release(&s->keys);
	free(s);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* "t<type>;g<guest types>;s<sorted set codes>" or, for a user a policy
 * names directly, "u<id>": what mfa_coverage_evaluate reads of a user. */
size_t mfa_whatif_class_key(const struct mfa_ca_model *m, const struct mfa_user *u, char *buf, size_t size)
{
	uint32_t sets[MAX_SETS];
	bool named, id_known;
	uint8_t gtypes;
	size_t n, i, len;
	int w;

	if (size)
		buf[0] = '\0';
	n = mfa_ca_model_user_facts(m, u, sets, MAX_SETS, &named, &gtypes, &id_known);
	if (!id_known || !u->id || !*u->id || size == 0)
		return 0;
	if (named || n > MAX_SETS) {
		/* named by id (or in more sets than a key holds): a class alone */
		w = snprintf(buf, size, "u%s", u->id);
		return w < 0 ? 0 : (size_t)w;
	}
	qsort(sets, n, sizeof(sets[0]), cmp_u32);
	w = snprintf(buf, size, "t%d;g%u;s", (int)u->user_type, (unsigned)gtypes);
	len = w < 0 ? 0 : (size_t)w;
	for (i = 0; i < n && len < size; i++) {
		w = snprintf(buf + len, size - len, "%s%lx", i ? "," : "", (unsigned long)sets[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return len;
}

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

int mfa_whatif_add_user(struct mfa_whatif_set *s, const struct mfa_ca_model *m, const struct mfa_user *u,
			size_t *cls, struct mfa_err *err)
{
	char key[MAX_SETS * 9 + 64];
	struct mfa_whatif_class *k;
	size_t idx;
	bool added;

	*cls = MFA_WHATIF_NO_CLASS;
	if (mfa_whatif_class_key(m, u, key, sizeof(key)) == 0) {
		s->no_class_users++;
		return 0;
	}
	if (mfa_strtab_intern(&s->keys, key, &idx, &added) < 0)
		return mfa_err_set(err, "out of memory");
	if (added) {
		if (idx >= s->cap) {
			size_t c = s->cap ? s->cap * 2 : 16;
			void *p = realloc(s->v, c * sizeof(*s->v));

			if (!p)
				return mfa_err_set(err, "out of memory");
			s->v = p;
			s->cap = c;
		}
		k = &s->v[idx];
		memset(k, 0, sizeof(*k));
		s->n = idx + 1;
		if (!(k->key = strdup(key)))
			return mfa_err_set(err, "out of memory");
	}
	k = &s->v[idx];
	k->users++;
	/* the lowest id: the same representative on every run */
	if (!k->rep_id || strcasecmp(u->id, k->rep_id) < 0) {
		char *id = dup(u->id), *upn = dup(u->upn);

		if (!id || !upn) {
			free(id);
			free(upn);
			return mfa_err_set(err, "out of memory");
		}
		free(k->rep_id);
		free(k->rep_upn);
		k->rep_id = id;
		k->rep_upn = upn;
		k->rep_type = u->user_type;
	}
	*cls = idx;
	return 0;
}

static bool comparable(enum mfa_coverage_verdict v)
{
	return v == MFA_COVERAGE_COVERED || v == MFA_COVERAGE_NOT_COVERED || v == MFA_COVERAGE_REPORT_ONLY ||
	       v == MFA_COVERAGE_SECURITY_DEFAULTS;
}

static int order_cmp(const void *a, const void *b)
{
	const struct mfa_whatif_class *x = *(struct mfa_whatif_class *const *)a;
	const struct mfa_whatif_class *y = *(struct mfa_whatif_class *const *)b;

	if (x->users != y->users)
		return x->users > y->users ? -1 : 1;
	return strcmp(x->key, y->key);
}

void mfa_whatif_prepare(struct mfa_whatif_set *s, const struct mfa_ca_model *m, unsigned long max_requests)
{
	struct mfa_whatif_class **order = NULL;
	size_t i, n = 0;
	unsigned long used = 0;

	s->max_requests = max_requests;
	for (i = 0; i < s->n; i++) {
		struct mfa_whatif_class *k = &s->v[i];
		struct mfa_user u;

		mfa_user_init(&u);
		u.id = k->rep_id;
		u.upn = k->rep_upn;
		u.user_type = k->rep_type;
		mfa_coverage_evaluate(m, &u, &k->ours);
		k->comparable = comparable(k->ours.verdict);
	}
	order = malloc((s->n ? s->n : 1) * sizeof(*order));
	if (!order)
		return; /* nobody asked: everyone not-checked */
	for (i = 0; i < s->n; i++) {
		if (s->v[i].comparable)
			order[n++] = &s->v[i];
	}
	qsort(order, n, sizeof(*order), order_cmp);
	for (i = 0; i < n; i++) {
		if (used + MFA_WHATIF__CONTEXTS > max_requests)
			break;
		order[i]->asked = true;
		used += MFA_WHATIF__CONTEXTS;
	}
	free(order);
}

/* ';'-joined names into a fresh string. */
static char *join_names(const struct mfa_whatif_policy *p, size_t n, bool (*pick)(const struct mfa_whatif_policy *))
{
	size_t len = 1, i, at = 0;
	char *out;

	for (i = 0; i < n; i++)
		if (pick(&p[i]))
			len += strlen(p[i].name ? p[i].name : "") + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t l;

		if (!pick(&p[i]))
			continue;
		l = strlen(p[i].name ? p[i].name : "");
		if (at)
			out[at++] = ';';
		memcpy(out + at, p[i].name ? p[i].name : "", l);
		at += l;
		out[at] = '\0';
	}
	return out;
}

static bool enforces_mfa(const struct mfa_whatif_policy *p)
{
	return p->enabled && p->applies && p->requires_mfa;
}

/* Our policies (';'-joined in ours) that Microsoft says do not apply, with
 * its reasons: "'CA001' not applied (users)". */
static char *missing_reasons(const char *ours, const struct mfa_whatif_policy *p, size_t n)
{
	char buf[1024];
	size_t at = 0, i;

	buf[0] = '\0';
	for (i = 0; i < n && at < sizeof(buf); i++) {
		const char *name = p[i].name ? p[i].name : "";
		const char *hit = *name ? strstr(ours, name) : NULL;
		size_t l = strlen(name);
		int w;

		if (!hit || (hit != ours && hit[-1] != ';') || (hit[l] && hit[l] != ';') || enforces_mfa(&p[i]))
			continue;
		w = snprintf(buf + at, sizeof(buf) - at, "%s'%s' %s (%s)", at ? ", " : "", name,
			     !p[i].applies ? "not applied" : !p[i].enabled ? "not enabled" : "without mfa",
			     p[i].reasons && *p[i].reasons ? p[i].reasons : "no reason given");
		if (w < 0)
			break;
		at += (size_t)w;
	}
	if (at >= sizeof(buf))
		at = sizeof(buf) - 1;
	buf[at] = '\0';
	return strdup(buf);
}

static char *fmt(const char *f, ...) MFA_PRINTF(1, 2);

static char *fmt(const char *f, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return strdup(buf);
}

int mfa_whatif_take_answer(struct mfa_whatif_set *s, size_t cls, int ctx, const struct mfa_whatif_policy *p,
			   size_t n, const char *error)
{
	struct mfa_whatif_class *k;
	struct mfa_whatif_answer *a;
	bool expect, got;
	char *why = NULL;

	if (cls >= s->n || ctx < 0 || ctx >= MFA_WHATIF__CONTEXTS)
		return 0;
	k = &s->v[cls];
	a = &k->ctx[ctx];
	free(a->mfa_policies);
	free(a->reasons);
	a->mfa_policies = a->reasons = NULL;
	a->answered = false;
	a->agrees = false;
	if (error) {
		a->reasons = dup(error);
		a->mfa_policies = dup("");
		return a->reasons && a->mfa_policies ? 0 : -1;
	}
	a->answered = true;
	a->mfa_policies = join_names(p, n, enforces_mfa);
	if (!a->mfa_policies)
		return -1;
	got = a->mfa_policies[0] != '\0';
	expect = k->ours.verdict == MFA_COVERAGE_COVERED;
	a->agrees = got == expect;
	if (a->agrees) {
		a->reasons = dup("");
	} else if (expect) {
		char *miss = missing_reasons(k->ours.policies, p, n);

		why = fmt("Microsoft applies no enabled policy requiring mfa, we say covered by '%s'%s%s",
			  k->ours.policies, miss && *miss ? ": " : "", miss ? miss : "");
		free(miss);
		a->reasons = why;
	} else {
		a->reasons = fmt("Microsoft applies '%s' requiring mfa, we say %s", a->mfa_policies,
				 mfa_coverage_name(k->ours.verdict));
	}
	return a->reasons ? 0 : -1;
}

int mfa_whatif_finish(struct mfa_whatif_set *s)
{
	size_t i;
	int c;

	for (i = 0; i < s->n; i++) {
		struct mfa_whatif_class *k = &s->v[i];
		int first_bad = -1;
		bool all = k->asked;

		for (c = 0; c < MFA_WHATIF__CONTEXTS; c++) {
			if (!k->ctx[c].answered)
				all = false;
			else if (!k->ctx[c].agrees && first_bad < 0)
				first_bad = c;
		}
		free(k->user_text);
		/* one context that disagrees is enough; agreement needs them all */
		if (first_bad >= 0) {
			k->status = MFA_WHATIF_DISAGREES;
			k->user_text = fmt("disagrees: %s: %s", ctx_names[first_bad], k->ctx[first_bad].reasons);
		} else if (all) {
			k->status = MFA_WHATIF_AGREES;
			k->user_text = dup("agrees");
		} else {
			k->status = MFA_WHATIF_NOT_CHECKED;
			k->user_text = dup("not-checked");
		}
		if (!k->user_text)
			return -1;
	}
	return 0;
}

size_t mfa_whatif_class_count(const struct mfa_whatif_set *s)
{
	return s ? s->n : 0;
}

const struct mfa_whatif_class *mfa_whatif_class_get(const struct mfa_whatif_set *s, size_t i)
{
	return s && i < s->n ? &s->v[i] : NULL;
}

const char *mfa_whatif_user_text(const struct mfa_whatif_set *s, size_t cls)
{
	if (!s || cls >= s->n || !s->v[cls].user_text)
		return "not-checked";
	return s->v[cls].user_text;
}

void mfa_whatif_counts(const struct mfa_whatif_set *s, struct mfa_whatif_counts *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	out->classes = s->n;
	out->max_requests = s->max_requests;
	out->users_not_checked = s->no_class_users;
	for (i = 0; i < s->n; i++) {
		const struct mfa_whatif_class *k = &s->v[i];

		if (k->asked) {
			out->classes_asked++;
			out->requests += MFA_WHATIF__CONTEXTS;
		} else if (k->comparable) {
			out->classes_beyond_cap++;
		}
		switch (k->status) {
		case MFA_WHATIF_AGREES:
			out->classes_agree++;
			out->users_agree += k->users;
			break;
		case MFA_WHATIF_DISAGREES:
			out->classes_disagree++;
			out->users_disagree += k->users;
			break;
		default:
			out->classes_not_checked++;
			out->users_not_checked += k->users;
			break;
		}
	}
}

bool mfa_whatif_disagrees(const char *what_if)
{
	return what_if && strncmp(what_if, "disagrees", 9) == 0;
}
