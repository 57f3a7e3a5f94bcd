/* compare.c - what changed since the previous run (mfa/compare.h): the
 * pure diff of a user against its baseline entry, its rows, counts and
 * --fail-on matching. */
#include "mfa/model/compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bounded appends into a fixed buffer; what does not fit is cut off. */
struct text {
	char *buf;
	size_t size, used;
};

static void text_put(struct text *t, const char *s, size_t len)
{
	size_t room;

	if (t->used + 1 >= t->size)
		return;
	room = t->size - 1 - t->used;
	if (len > room)
		len = room;
	memcpy(t->buf + t->used, s, len);
	t->used += len;
	t->buf[t->used] = '\0';
}

static void text_str(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

/* ---- change kinds ---- */

static const char *const kind_names[MFA_CHANGE__COUNT] = {
	[MFA_CHANGE_ADDED] = "added",
	[MFA_CHANGE_REMOVED] = "removed",
	[MFA_CHANGE_STATE_CHANGED] = "state-changed",
	[MFA_CHANGE_STATE_AWAY_FROM_DISABLED] = "state-away-from-disabled",
	[MFA_CHANGE_REGISTRATION_CHANGED] = "registration-changed",
	[MFA_CHANGE_ADMIN_CHANGED] = "admin-changed",
	[MFA_CHANGE_FINDING_APPEARED] = "finding-appeared",
	[MFA_CHANGE_FINDING_CLEARED] = "finding-cleared",
	[MFA_CHANGE_COVERAGE_CHANGED] = "coverage-changed",
};

const char *mfa_change_kind_name(enum mfa_change_kind k)
{
	return (unsigned)k < MFA_CHANGE__COUNT ? kind_names[k] : NULL;
}

int mfa_change_kind_parse(const char *name)
{
	int i;

	for (i = 0; name && i < MFA_CHANGE__COUNT; i++) {
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	}
	return -1;
}

/* ---- comparing ---- */

#define BIT(k) (1u << (k))
#define FINDINGS_ALL ((1u << MFA_FINDING__COUNT) - 1u)

/* The next name of a ';'-separated list at *p (spaces around it dropped):
 * its start, with *len set; NULL at the end. Advances *p. */
static const char *next_name(const char **p, size_t *len)
{
	const char *s = *p, *end;

	if (!s || !*s)
		return NULL;
	end = strchr(s, ';');
	if (!end)
		end = s + strlen(s);
	*p = *end ? end + 1 : end;
	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	*len = (size_t)(end - s);
	return s;
}

/* Is name (len bytes) one of the names of list (any case)? */
static bool name_in_list(const char *name, size_t len, const char *list)
{
	const char *p = list, *n;
	size_t nl;

	while ((n = next_name(&p, &nl)) != NULL) {
		if (nl == len && strncasecmp(n, name, len) == 0)
			return true;
	}
	return false;
}

/* Calls fn for each name of a that b lacks. */
static void names_missing(const char *a, const char *b,
			  void (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
	const char *p = a, *n;
	size_t nl;

	while ((n = next_name(&p, &nl)) != NULL) {
		if (nl && !name_in_list(n, nl, b))
			fn(ctx, n, nl);
	}
}

static void flag_found(void *ctx, const char *name, size_t len)
{
	(void)name;
	(void)len;
	*(bool *)ctx = true;
}

/* Same set of unknown method names, whatever their order and case. */
static bool same_names(const char *a, const char *b)
{
	bool differ = false;

	names_missing(a, b, flag_found, &differ);
	names_missing(b, a, flag_found, &differ);
	return !differ;
}

static bool reg_known(enum mfa_tri registered, uint32_t methods, const char *other)
{
	return registered != MFA_TRI_UNKNOWN || methods != 0 || (other && *other);
}

/* Strength of a coverage verdict, for "weaker" / "stronger"; unknown is
 * handled apart. */
static int coverage_rank(enum mfa_coverage_verdict v)
{
	switch (v) {
	case MFA_COVERAGE_COVERED: return 5;
	case MFA_COVERAGE_SECURITY_DEFAULTS: return 4;
	case MFA_COVERAGE_PARTIAL: return 3;
	case MFA_COVERAGE_REPORT_ONLY: return 2;
	case MFA_COVERAGE_NOT_COVERED: return 0;
	default: return -1;
	}
}

enum mfa_severity mfa_change_severity(const struct mfa_change_set *cs, enum mfa_change_kind kind,
				      enum mfa_finding finding)
{
	if ((unsigned)kind >= MFA_CHANGE__COUNT || !(cs->kinds & BIT(kind)))
		return MFA_SEV_NONE;
	switch (kind) {
	case MFA_CHANGE_ADDED:
	case MFA_CHANGE_REMOVED:
		return MFA_SEV_INFO;
	case MFA_CHANGE_STATE_AWAY_FROM_DISABLED:
		return MFA_SEV_HIGH;
	case MFA_CHANGE_STATE_CHANGED:
		if (cs->kinds & BIT(MFA_CHANGE_STATE_AWAY_FROM_DISABLED))
			return MFA_SEV_HIGH;
		if (cs->cur_state == MFA_STATE_DISABLED)
			return MFA_SEV_INFO;
		if (cs->cur_state == MFA_STATE_UNKNOWN)
			return MFA_SEV_MEDIUM;
		return MFA_SEV_LOW;
	case MFA_CHANGE_REGISTRATION_CHANGED:
		return cs->prev_registered == MFA_TRI_YES && cs->cur_registered == MFA_TRI_NO
		       ? MFA_SEV_MEDIUM : MFA_SEV_LOW;
	case MFA_CHANGE_ADMIN_CHANGED:
		return cs->cur_admin == MFA_TRI_YES ? MFA_SEV_MEDIUM : MFA_SEV_INFO;
	case MFA_CHANGE_FINDING_APPEARED:
		if ((unsigned)finding >= MFA_FINDING__COUNT || !(cs->findings_appeared & BIT(finding)))
			return MFA_SEV_NONE;
		return mfa_finding_severity_at(finding, cs->judged_at);
	case MFA_CHANGE_FINDING_CLEARED:
		if ((unsigned)finding >= MFA_FINDING__COUNT || !(cs->findings_cleared & BIT(finding)))
			return MFA_SEV_NONE;
		return MFA_SEV_INFO;
	case MFA_CHANGE_COVERAGE_CHANGED:
		if (cs->cur_coverage == MFA_COVERAGE_NOT_COVERED)
			return MFA_SEV_HIGH;
		if (cs->cur_coverage == MFA_COVERAGE_UNKNOWN ||
		    (cs->prev_coverage != MFA_COVERAGE_UNKNOWN &&
		     coverage_rank(cs->cur_coverage) < coverage_rank(cs->prev_coverage)))
			return MFA_SEV_MEDIUM;
		return MFA_SEV_INFO;
	default:
		return MFA_SEV_NONE;
	}
}

/* The highest severity among the set's changes. */
static enum mfa_severity set_severity(const struct mfa_change_set *cs)
{
	enum mfa_severity max = MFA_SEV_NONE, s;
	int k, f;

	for (k = 0; k < MFA_CHANGE__COUNT; k++) {
		if (k == MFA_CHANGE_FINDING_APPEARED || k == MFA_CHANGE_FINDING_CLEARED) {
			for (f = 0; f < MFA_FINDING__COUNT; f++) {
				s = mfa_change_severity(cs, (enum mfa_change_kind)k, (enum mfa_finding)f);
				if (s > max)
					max = s;
			}
			continue;
		}
		s = mfa_change_severity(cs, (enum mfa_change_kind)k, (enum mfa_finding)0);
		if (s > max)
			max = s;
	}
	return max;
}

static void set_init(struct mfa_change_set *out)
{
	memset(out, 0, sizeof(*out));
	out->index = MFA_BASELINE_NONE;
	out->prev_state = out->cur_state = MFA_STATE_UNKNOWN;
	out->prev_registered = out->cur_registered = MFA_TRI_UNKNOWN;
	out->prev_admin = out->cur_admin = MFA_TRI_UNKNOWN;
	out->prev_coverage = out->cur_coverage = MFA_COVERAGE_UNKNOWN;
}

void mfa_compare_user(const struct mfa_baseline *b, const struct mfa_user *u,
		      const struct mfa_verdict *v, struct mfa_change_set *out)
{
	struct mfa_baseline_entry e;

	set_init(out);
	out->cur_state = (unsigned)v->state < MFA_STATE__COUNT ? v->state : MFA_STATE_UNKNOWN;
	out->cur_registered = u->reg.registered;
	out->cur_methods = u->reg.methods;
	out->cur_other_methods = u->reg.other_methods && *u->reg.other_methods ? u->reg.other_methods : NULL;
	out->cur_admin = u->is_admin;
	out->cur_coverage_checked = v->coverage_checked != 0;
	if (out->cur_coverage_checked)
		out->cur_coverage = v->coverage.verdict;
	out->cur_findings = v->findings & FINDINGS_ALL;
	out->judged_at = v->judged_at;

	out->index = mfa_baseline_find(b, u);
	if (out->index == MFA_BASELINE_NONE) {
		out->kinds = BIT(MFA_CHANGE_ADDED);
		out->findings_appeared = out->cur_findings;
		goto findings;
	}
	mfa_baseline_get(b, out->index, &e);
	out->prev_state = e.state;
	out->prev_registered = e.registered;
	out->prev_methods = e.methods;
	out->prev_other_methods = e.other_methods;
	out->prev_admin = e.is_admin;
	out->prev_coverage_checked = e.coverage_checked;
	out->prev_coverage = e.coverage;
	out->prev_findings = e.findings;

	if (out->prev_state != out->cur_state) {
		out->kinds |= BIT(MFA_CHANGE_STATE_CHANGED);
		if (out->prev_state == MFA_STATE_DISABLED &&
		    (out->cur_state == MFA_STATE_ENABLED || out->cur_state == MFA_STATE_ENFORCED ||
		     out->cur_state == MFA_STATE_AMBIGUOUS))
			out->kinds |= BIT(MFA_CHANGE_STATE_AWAY_FROM_DISABLED);
	}
	if (reg_known(out->prev_registered, out->prev_methods, out->prev_other_methods) &&
	    reg_known(out->cur_registered, out->cur_methods, out->cur_other_methods) &&
	    (out->prev_registered != out->cur_registered || out->prev_methods != out->cur_methods ||
	     !same_names(out->prev_other_methods, out->cur_other_methods)))
		out->kinds |= BIT(MFA_CHANGE_REGISTRATION_CHANGED);
	if (out->prev_admin != MFA_TRI_UNKNOWN && out->cur_admin != MFA_TRI_UNKNOWN &&
	    out->prev_admin != out->cur_admin)
		out->kinds |= BIT(MFA_CHANGE_ADMIN_CHANGED);
	if (out->prev_coverage_checked && out->cur_coverage_checked &&
	    out->prev_coverage != out->cur_coverage)
		out->kinds |= BIT(MFA_CHANGE_COVERAGE_CHANGED);
	out->findings_appeared = out->cur_findings & ~out->prev_findings;
	out->findings_cleared = out->prev_findings & ~out->cur_findings;
findings:
	if (out->findings_appeared)
		out->kinds |= BIT(MFA_CHANGE_FINDING_APPEARED);
	if (out->findings_cleared)
		out->kinds |= BIT(MFA_CHANGE_FINDING_CLEARED);
	out->severity = set_severity(out);
}

void mfa_compare_removed(const struct mfa_baseline *b, size_t i, struct mfa_change_set *out)
{
	struct mfa_baseline_entry e;

	set_init(out);
	if (!b || i >= mfa_baseline_count(b))
		return;
	mfa_baseline_get(b, i, &e);
	out->index = i;
	out->prev_state = e.state;
	out->prev_registered = e.registered;
	out->prev_methods = e.methods;
	out->prev_other_methods = e.other_methods;
	out->prev_admin = e.is_admin;
	out->prev_coverage_checked = e.coverage_checked;
	out->prev_coverage = e.coverage;
	out->prev_findings = e.findings;
	out->findings_cleared = e.findings;
	out->kinds = BIT(MFA_CHANGE_REMOVED);
	if (out->findings_cleared)
		out->kinds |= BIT(MFA_CHANGE_FINDING_CLEARED);
	out->severity = set_severity(out);
}

/* ---- rows ---- */

/* "registered: a;b", "not registered", "not registered: email" */
static void reg_text(char *buf, size_t size, enum mfa_tri registered, uint32_t methods,
		     const char *other)
{
	struct text t = { buf, size, 0 };
	char list[1024];

	buf[0] = '\0';
	mfa_methods_format(methods, other, list, sizeof(list));
	text_str(&t, registered == MFA_TRI_YES ? "registered"
		     : registered == MFA_TRI_NO ? "not registered" : "registration unknown");
	if (list[0]) {
		text_str(&t, ": ");
		text_str(&t, list);
	}
}

struct name_list {
	struct text *t;
	bool any;
};

static void list_name(void *ctx, const char *name, size_t len)
{
	struct name_list *nl = ctx;

	text_str(nl->t, nl->any ? ", " : "");
	text_put(nl->t, name, len);
	nl->any = true;
}

/* "methods added: a, b; removed: c", and whether isMfaRegistered moved. */
static void reg_detail(char *buf, size_t size, const struct mfa_change_set *cs)
{
	struct text t = { buf, size, 0 };
	struct name_list nl = { &t, false };
	uint32_t added = cs->cur_methods & ~cs->prev_methods;
	uint32_t removed = cs->prev_methods & ~cs->cur_methods;
	int pass, m;

	buf[0] = '\0';
	if (cs->prev_registered != cs->cur_registered) {
		text_str(&t, "isMfaRegistered ");
		text_str(&t, mfa_tri_name(cs->prev_registered)[0] ? mfa_tri_name(cs->prev_registered) : "unknown");
		text_str(&t, " -> ");
		text_str(&t, mfa_tri_name(cs->cur_registered)[0] ? mfa_tri_name(cs->cur_registered) : "unknown");
	}
	for (pass = 0; pass < 2; pass++) {
		uint32_t set = pass == 0 ? added : removed;
		const char *from = pass == 0 ? cs->cur_other_methods : cs->prev_other_methods;
		const char *to = pass == 0 ? cs->prev_other_methods : cs->cur_other_methods;
		size_t before = t.used;

		text_str(&t, t.used ? "; " : "");
		text_str(&t, pass == 0 ? "methods added: " : "methods removed: ");
		nl.any = false;
		for (m = 0; m < MFA_METHOD__COUNT; m++) {
			if (set & BIT(m))
				list_name(&nl, mfa_method_name((enum mfa_method)m),
					  strlen(mfa_method_name((enum mfa_method)m)));
		}
		names_missing(from, to, list_name, &nl);
		if (!nl.any) {
			/* nothing of this kind: take the label back */
			t.used = before;
			if (t.size)
				t.buf[t.used < t.size ? t.used : t.size - 1] = '\0';
		}
	}
}

static const char *state_detail(const struct mfa_change_set *cs)
{
	if (cs->kinds & BIT(MFA_CHANGE_STATE_AWAY_FROM_DISABLED))
		return "per-user MFA is on again: the user was disabled in the previous run";
	if (cs->cur_state == MFA_STATE_DISABLED)
		return "per-user MFA turned off";
	if (cs->cur_state == MFA_STATE_UNKNOWN)
		return "the per-user MFA state could not be read in this run";
	return "per-user MFA state changed";
}

static const char *coverage_text(bool checked, enum mfa_coverage_verdict v)
{
	return checked ? mfa_coverage_name(v) : "";
}

/* Fills in the rest of r for one change and hands it to fn. */
static int emit(const struct mfa_change_set *cs, struct mfa_change_row *r, enum mfa_change_kind kind,
		int finding, const char *previous, const char *current, const char *detail,
		mfa_change_row_fn fn, void *ctx, struct mfa_err *err)
{
	r->kind = kind;
	r->finding = finding;
	r->severity = mfa_change_severity(cs, kind, (enum mfa_finding)(finding < 0 ? 0 : finding));
	r->previous = previous;
	r->current = current;
	r->detail = detail ? detail : "";
	return fn(ctx, r, err);
}

int mfa_change_rows(const struct mfa_baseline *b, const struct mfa_change_set *cs,
		    const struct mfa_user *u, const struct mfa_verdict *v,
		    mfa_change_row_fn fn, void *ctx, struct mfa_err *err)
{
	struct mfa_change_row r;
	struct mfa_baseline_entry e;
	char prev[1200], cur[1200], detail[1200];
	uint32_t k = cs->kinds;
	int rc = 0, f;

	if (!k)
		return 0;
	memset(&r, 0, sizeof(r));
	if (u) {
		r.id = u->id;
		r.upn = u->upn;
		r.display_name = u->display_name;
	} else if (b && cs->index < mfa_baseline_count(b)) {
		mfa_baseline_get(b, cs->index, &e);
		r.id = e.id;
		r.upn = e.upn;
		r.display_name = e.display_name;
	}
	if (!r.id)
		r.id = "";
	if (!r.upn)
		r.upn = "";
	if (!r.display_name)
		r.display_name = "";

	if (k & BIT(MFA_CHANGE_ADDED))
		rc = emit(cs, &r, MFA_CHANGE_ADDED, -1, "", mfa_state_name(cs->cur_state),
			  "not in the previous run", fn, ctx, err);
	if (!rc && (k & BIT(MFA_CHANGE_REMOVED)))
		rc = emit(cs, &r, MFA_CHANGE_REMOVED, -1, mfa_state_name(cs->prev_state), "",
			  "not in this run (deleted, or outside this run's input)", fn, ctx, err);
	/* one row for the state: the more specific kind */
	if (!rc && (k & BIT(MFA_CHANGE_STATE_CHANGED)))
		rc = emit(cs, &r, k & BIT(MFA_CHANGE_STATE_AWAY_FROM_DISABLED)
				  ? MFA_CHANGE_STATE_AWAY_FROM_DISABLED : MFA_CHANGE_STATE_CHANGED,
			  -1, mfa_state_name(cs->prev_state), mfa_state_name(cs->cur_state),
			  state_detail(cs), fn, ctx, err);
	if (!rc && (k & BIT(MFA_CHANGE_REGISTRATION_CHANGED))) {
		reg_text(prev, sizeof(prev), cs->prev_registered, cs->prev_methods, cs->prev_other_methods);
		reg_text(cur, sizeof(cur), cs->cur_registered, cs->cur_methods, cs->cur_other_methods);
		reg_detail(detail, sizeof(detail), cs);
		rc = emit(cs, &r, MFA_CHANGE_REGISTRATION_CHANGED, -1, prev, cur, detail, fn, ctx, err);
	}
	if (!rc && (k & BIT(MFA_CHANGE_ADMIN_CHANGED)))
		rc = emit(cs, &r, MFA_CHANGE_ADMIN_CHANGED, -1, mfa_tri_name(cs->prev_admin),
			  mfa_tri_name(cs->cur_admin),
			  cs->cur_admin == MFA_TRI_YES ? "became an administrator" : "no longer an administrator",
			  fn, ctx, err);
	if (!rc && (k & BIT(MFA_CHANGE_COVERAGE_CHANGED)))
		rc = emit(cs, &r, MFA_CHANGE_COVERAGE_CHANGED, -1,
			  coverage_text(cs->prev_coverage_checked, cs->prev_coverage),
			  coverage_text(cs->cur_coverage_checked, cs->cur_coverage),
			  v && v->coverage_checked ? v->coverage.reason : "", fn, ctx, err);
	for (f = 0; !rc && f < MFA_FINDING__COUNT; f++) {
		if (cs->findings_appeared & BIT(f))
			rc = emit(cs, &r, MFA_CHANGE_FINDING_APPEARED, f, "",
				  mfa_finding_name((enum mfa_finding)f),
				  mfa_finding_advice((enum mfa_finding)f), fn, ctx, err);
	}
	for (f = 0; !rc && f < MFA_FINDING__COUNT; f++) {
		if (cs->findings_cleared & BIT(f))
			rc = emit(cs, &r, MFA_CHANGE_FINDING_CLEARED, f,
				  mfa_finding_name((enum mfa_finding)f), "",
				  k & BIT(MFA_CHANGE_REMOVED) ? "the user is not in this run" : "no longer found",
				  fn, ctx, err);
	}
	return rc;
}

/* ---- counts ---- */

void mfa_change_counts_init(struct mfa_change_counts *c)
{
	memset(c, 0, sizeof(*c));
}

void mfa_change_counts_add(struct mfa_change_counts *c, const struct mfa_change_set *cs)
{
	int i;

	if (!cs->kinds)
		return;
	c->changed++;
	for (i = 0; i < MFA_CHANGE__COUNT; i++) {
		if (cs->kinds & BIT(i))
			c->by_kind[i]++;
	}
	if ((unsigned)cs->severity < MFA_SEV__COUNT)
		c->by_severity[cs->severity]++;
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		if (cs->findings_appeared & BIT(i))
			c->appeared[i]++;
		if (cs->findings_cleared & BIT(i))
			c->cleared[i]++;
	}
}

void mfa_change_counts_finish(struct mfa_change_counts *c, const struct mfa_baseline *b)
{
	struct mfa_change_set cs;
	size_t i;

	c->previous_users = mfa_baseline_count(b);
	for (i = mfa_baseline_next_unseen(b, 0); i != MFA_BASELINE_NONE;
	     i = mfa_baseline_next_unseen(b, i + 1)) {
		mfa_compare_removed(b, i, &cs);
		mfa_change_counts_add(c, &cs);
	}
}

/* ---- --fail-on ---- */

int mfa_change_fail_on_parse(const char *item, struct mfa_change_filter *f, struct mfa_err *err)
{
	static const char new_prefix[] = "new:", cleared_prefix[] = "cleared:";
	const char *name;
	bool is_new;
	int k;

	if (!item)
		return 0;
	k = mfa_change_kind_parse(item);
	if (k >= 0) {
		f->kinds |= BIT(k);
		return 1;
	}
	if (strncmp(item, new_prefix, sizeof(new_prefix) - 1) == 0) {
		is_new = true;
		name = item + sizeof(new_prefix) - 1;
	} else if (strncmp(item, cleared_prefix, sizeof(cleared_prefix) - 1) == 0) {
		is_new = false;
		name = item + sizeof(cleared_prefix) - 1;
	} else {
		return 0;
	}
	k = mfa_finding_parse(name);
	if (k < 0)
		return mfa_err_set(err, "'%s': '%s' is not a finding (new: and cleared: take a finding name, e.g. new:admin-not-registered)",
				   item, name);
	if (is_new)
		f->new_findings |= BIT(k);
	else
		f->cleared_findings |= BIT(k);
	return 1;
}

bool mfa_change_filter_empty(const struct mfa_change_filter *f)
{
	return !f->kinds && !f->new_findings && !f->cleared_findings;
}

bool mfa_change_matches(const struct mfa_change_filter *f, const struct mfa_change_set *cs)
{
	return (cs->kinds & f->kinds) != 0 || (cs->findings_appeared & f->new_findings) != 0 ||
	       (cs->findings_cleared & f->cleared_findings) != 0;
}
