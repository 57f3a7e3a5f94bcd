/* test_compare.c - what changed since the previous run (mfa/compare.h):
 * every change kind and its severity, matching users to the baseline,
 * --fail-on items, the rows, the counts, and loading a users.csv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "testutil.h"

#include "mfa/model/classify.h"
#include "mfa/model/compare.h"
#include "sources/baseline_load.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "mfa/model/summary.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define K(k) (1u << MFA_CHANGE_##k)
#define F(f) (1u << MFA_FINDING_##f)
#define M(m) (1u << MFA_METHOD_##m)

/* ---- helpers ---- */

/* One side of a comparison: a baseline entry or a current user. cov < 0:
 * coverage not checked. */
struct side {
	const char *id, *upn, *name;
	enum mfa_state state;
	enum mfa_tri reg;
	uint32_t methods;
	const char *other;
	enum mfa_tri admin;
	uint32_t findings;
	int cov;
};

static struct mfa_baseline_entry entry_of(const struct side *s)
{
	struct mfa_baseline_entry e;

	memset(&e, 0, sizeof(e));
	e.id = s->id;
	e.upn = s->upn;
	e.display_name = s->name;
	e.state = s->state;
	e.registered = s->reg;
	e.methods = s->methods;
	e.other_methods = s->other;
	e.is_admin = s->admin;
	e.findings = s->findings;
	e.coverage_checked = s->cov >= 0;
	e.coverage = s->cov >= 0 ? (enum mfa_coverage_verdict)s->cov : MFA_COVERAGE_UNKNOWN;
	return e;
}

static void user_of(const struct side *s, struct mfa_user *u, struct mfa_verdict *v)
{
	mfa_user_init(u);
	u->id = s->id;
	u->upn = s->upn;
	u->display_name = s->name;
	u->state = s->state;
	u->reg.registered = s->reg;
	u->reg.methods = s->methods;
	u->reg.other_methods = s->other;
	u->is_admin = s->admin;
	memset(v, 0, sizeof(*v));
	v->state = s->state;
	v->findings = s->findings;
	v->coverage_checked = s->cov >= 0;
	v->coverage.verdict = s->cov >= 0 ? (enum mfa_coverage_verdict)s->cov : MFA_COVERAGE_UNKNOWN;
}

static struct mfa_baseline *baseline_of(const struct side *sides, size_t n)
{
	struct mfa_baseline *b = mfa_baseline_new();
	size_t i;

	assert_non_null(b);
	for (i = 0; i < n; i++) {
		struct mfa_baseline_entry e = entry_of(&sides[i]);

		assert_true(mfa_baseline_add(b, &e, NULL) >= 0);
	}
	return b;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void gzip_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb");
	gzFile out = gzopen(to, "wb");
	char buf[4096];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(gzwrite(out, buf, (unsigned)n), (int)n);
	fclose(in);
	assert_int_equal(gzclose(out), Z_OK);
}

/* ---- every change kind, table-driven ---- */

#define DIS MFA_STATE_DISABLED
#define ENA MFA_STATE_ENABLED
#define ENF MFA_STATE_ENFORCED
#define AMB MFA_STATE_AMBIGUOUS
#define UNK MFA_STATE_UNKNOWN
#define Y MFA_TRI_YES
#define N MFA_TRI_NO
#define U MFA_TRI_UNKNOWN
#define COV MFA_COVERAGE_COVERED
#define PART MFA_COVERAGE_PARTIAL
#define NOTC MFA_COVERAGE_NOT_COVERED
#define SD MFA_COVERAGE_SECURITY_DEFAULTS
#define RO MFA_COVERAGE_REPORT_ONLY
#define CUNK MFA_COVERAGE_UNKNOWN
#define NOCHK (-1)
#define PUSH M(AUTHENTICATOR_PUSH)

/* A user with id-1 / a@x. */
#define S(st, rg, me, ot, ad, fi, cv) { "id-1", "a@x", "A", st, rg, me, ot, ad, fi, cv }

struct kind_case {
	const char *what;
	bool in_baseline;
	struct side prev, cur;
	uint32_t kinds;
	enum mfa_severity severity;
	uint32_t appeared, cleared;
};

static const struct kind_case kind_cases[] = {
	{ "nothing changed", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, COV),
	  0, MFA_SEV_NONE, 0, 0 },
	{ "added guest", false, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, N, 0, NULL, N, F(GUEST), COV),
	  K(ADDED) | K(FINDING_APPEARED), MFA_SEV_INFO, F(GUEST), 0 },
	{ "added without findings", false, S(DIS, Y, PUSH, NULL, N, 0, COV), S(ENF, Y, PUSH, NULL, N, 0, COV),
	  K(ADDED), MFA_SEV_INFO, 0, 0 },
	{ "added admin without a method", false, S(DIS, Y, PUSH, NULL, N, 0, COV),
	  S(DIS, N, 0, NULL, Y, F(ADMIN_NOT_REGISTERED), COV),
	  K(ADDED) | K(FINDING_APPEARED), MFA_SEV_HIGH, F(ADMIN_NOT_REGISTERED), 0 },
	{ "disabled -> enforced", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(ENF, Y, PUSH, NULL, N, 0, COV),
	  K(STATE_CHANGED) | K(STATE_AWAY_FROM_DISABLED), MFA_SEV_HIGH, 0, 0 },
	{ "disabled -> enabled", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(ENA, Y, PUSH, NULL, N, 0, COV),
	  K(STATE_CHANGED) | K(STATE_AWAY_FROM_DISABLED), MFA_SEV_HIGH, 0, 0 },
	{ "disabled -> enabled-or-enforced", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(AMB, Y, PUSH, NULL, N, 0, COV),
	  K(STATE_CHANGED) | K(STATE_AWAY_FROM_DISABLED), MFA_SEV_HIGH, 0, 0 },
	{ "disabled -> unknown", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(UNK, Y, PUSH, NULL, N, 0, COV),
	  K(STATE_CHANGED), MFA_SEV_MEDIUM, 0, 0 },
	{ "enforced -> disabled", true, S(ENF, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, COV),
	  K(STATE_CHANGED), MFA_SEV_INFO, 0, 0 },
	{ "enabled -> enforced", true, S(ENA, Y, PUSH, NULL, N, 0, COV), S(ENF, Y, PUSH, NULL, N, 0, COV),
	  K(STATE_CHANGED), MFA_SEV_LOW, 0, 0 },
	{ "unknown -> disabled", true, S(UNK, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, COV),
	  K(STATE_CHANGED), MFA_SEV_INFO, 0, 0 },
	{ "registered", true, S(DIS, N, 0, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, COV),
	  K(REGISTRATION_CHANGED), MFA_SEV_LOW, 0, 0 },
	{ "no longer registered", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, N, 0, NULL, N, 0, COV),
	  K(REGISTRATION_CHANGED), MFA_SEV_MEDIUM, 0, 0 },
	{ "a method added", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH | M(FIDO2), NULL, N, 0, COV),
	  K(REGISTRATION_CHANGED), MFA_SEV_LOW, 0, 0 },
	{ "unknown methods: same set, other order and case", true,
	  S(DIS, Y, PUSH, "quantumKey;fooBar", N, 0, COV), S(DIS, Y, PUSH, "FOOBAR; quantumkey", N, 0, COV),
	  0, MFA_SEV_NONE, 0, 0 },
	{ "unknown methods: one more", true,
	  S(DIS, Y, PUSH, "quantumKey", N, 0, COV), S(DIS, Y, PUSH, "quantumKey;quantumKey2", N, 0, COV),
	  K(REGISTRATION_CHANGED), MFA_SEV_LOW, 0, 0 },
	{ "registration unknown before", true, S(DIS, U, 0, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, COV),
	  0, MFA_SEV_NONE, 0, 0 },
	{ "registration unknown now", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, U, 0, NULL, N, 0, COV),
	  0, MFA_SEV_NONE, 0, 0 },
	{ "became an admin", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, Y, 0, COV),
	  K(ADMIN_CHANGED), MFA_SEV_MEDIUM, 0, 0 },
	{ "no longer an admin", true, S(DIS, Y, PUSH, NULL, Y, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, COV),
	  K(ADMIN_CHANGED), MFA_SEV_INFO, 0, 0 },
	{ "admin unknown before", true, S(DIS, Y, PUSH, NULL, U, 0, COV), S(DIS, Y, PUSH, NULL, Y, 0, COV),
	  0, MFA_SEV_NONE, 0, 0 },
	{ "covered -> not-covered", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, NOTC),
	  K(COVERAGE_CHANGED), MFA_SEV_HIGH, 0, 0 },
	{ "covered -> partial", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, PART),
	  K(COVERAGE_CHANGED), MFA_SEV_MEDIUM, 0, 0 },
	{ "partial -> covered", true, S(DIS, Y, PUSH, NULL, N, 0, PART), S(DIS, Y, PUSH, NULL, N, 0, COV),
	  K(COVERAGE_CHANGED), MFA_SEV_INFO, 0, 0 },
	{ "security-defaults -> report-only", true, S(DIS, Y, PUSH, NULL, N, 0, SD), S(DIS, Y, PUSH, NULL, N, 0, RO),
	  K(COVERAGE_CHANGED), MFA_SEV_MEDIUM, 0, 0 },
	{ "report-only -> security-defaults", true, S(DIS, Y, PUSH, NULL, N, 0, RO), S(DIS, Y, PUSH, NULL, N, 0, SD),
	  K(COVERAGE_CHANGED), MFA_SEV_INFO, 0, 0 },
	{ "covered -> unknown", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, CUNK),
	  K(COVERAGE_CHANGED), MFA_SEV_MEDIUM, 0, 0 },
	{ "unknown -> covered", true, S(DIS, Y, PUSH, NULL, N, 0, CUNK), S(DIS, Y, PUSH, NULL, N, 0, COV),
	  K(COVERAGE_CHANGED), MFA_SEV_INFO, 0, 0 },
	{ "coverage not checked before", true, S(DIS, Y, PUSH, NULL, N, 0, NOCHK), S(DIS, Y, PUSH, NULL, N, 0, NOTC),
	  0, MFA_SEV_NONE, 0, 0 },
	{ "coverage not checked now", true, S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, NOCHK),
	  0, MFA_SEV_NONE, 0, 0 },
	{ "a high finding appeared", true, S(DIS, Y, PUSH, NULL, Y, 0, COV),
	  S(DIS, Y, PUSH, NULL, Y, F(ADMIN_NOT_REGISTERED) | F(GUEST), COV),
	  K(FINDING_APPEARED), MFA_SEV_HIGH, F(ADMIN_NOT_REGISTERED) | F(GUEST), 0 },
	{ "a low finding appeared", true, S(ENA, Y, PUSH, NULL, N, 0, COV),
	  S(ENA, Y, PUSH, NULL, N, F(ENABLED_REGISTERED), COV),
	  K(FINDING_APPEARED), MFA_SEV_LOW, F(ENABLED_REGISTERED), 0 },
	{ "a finding cleared", true, S(DIS, Y, PUSH, NULL, N, F(NOT_COVERED) | F(GUEST), COV),
	  S(DIS, Y, PUSH, NULL, N, F(GUEST), COV),
	  K(FINDING_CLEARED), MFA_SEV_INFO, 0, F(NOT_COVERED) },
	{ "per-user MFA back on, with its finding", true, S(DIS, Y, PUSH, NULL, N, F(GUEST), COV),
	  S(ENF, Y, PUSH, NULL, N, F(APP_PASSWORDS_POSSIBLE), COV),
	  K(STATE_CHANGED) | K(STATE_AWAY_FROM_DISABLED) | K(FINDING_APPEARED) | K(FINDING_CLEARED),
	  MFA_SEV_HIGH, F(APP_PASSWORDS_POSSIBLE), F(GUEST) },
};

static void test_change_kinds(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(kind_cases); i++) {
		const struct kind_case *c = &kind_cases[i];
		struct mfa_baseline *b = mfa_baseline_new();
		struct mfa_change_set cs;
		struct mfa_user u;
		struct mfa_verdict v;

		assert_non_null(b);
		if (c->in_baseline) {
			struct mfa_baseline_entry e = entry_of(&c->prev);

			assert_int_equal(mfa_baseline_add(b, &e, NULL), 0);
		}
		user_of(&c->cur, &u, &v);
		mfa_compare_user(b, &u, &v, &cs);
		if (cs.kinds != c->kinds || cs.severity != c->severity ||
		    cs.findings_appeared != c->appeared || cs.findings_cleared != c->cleared)
			fail_msg("%s: kinds %#x severity %s appeared %#x cleared %#x; expected %#x %s %#x %#x",
				 c->what, cs.kinds, mfa_severity_name(cs.severity), cs.findings_appeared,
				 cs.findings_cleared, c->kinds, mfa_severity_name(c->severity), c->appeared,
				 c->cleared);
		assert_int_equal(cs.index, c->in_baseline ? 0 : MFA_BASELINE_NONE);
		/* pure: comparing marks nothing */
		assert_int_equal(mfa_baseline_next_unseen(b, 0), c->in_baseline ? 0 : MFA_BASELINE_NONE);
		mfa_baseline_free(b);
	}
}

/* A new sms-voice-only is judged at the verdict's date: medium before
 * 1 February 2027, high from then on (as the run's other reports). */
static void test_finding_severity_by_date(void **state)
{
	static const struct side prev = S(DIS, Y, PUSH, NULL, N, 0, COV);
	static const struct side cur = S(DIS, Y, PUSH, NULL, N, F(SMS_VOICE_ONLY), COV);
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_baseline_entry e = entry_of(&prev);
	struct mfa_change_set cs;
	struct mfa_user u;
	struct mfa_verdict v;

	(void)state;
	assert_non_null(b);
	assert_int_equal(mfa_baseline_add(b, &e, NULL), 0);
	user_of(&cur, &u, &v);
	v.judged_at = MFA_SMS_VOICE_END - 1;
	mfa_compare_user(b, &u, &v, &cs);
	assert_int_equal(cs.severity, MFA_SEV_MEDIUM);
	v.judged_at = MFA_SMS_VOICE_END;
	mfa_compare_user(b, &u, &v, &cs);
	assert_int_equal(cs.severity, MFA_SEV_HIGH);
	mfa_baseline_free(b);
}

static void test_kind_names(void **state)
{
	static const char *const names[MFA_CHANGE__COUNT] = {
		"added", "removed", "state-changed", "state-away-from-disabled",
		"registration-changed", "admin-changed", "finding-appeared", "finding-cleared",
		"coverage-changed",
	};
	int k;

	(void)state;
	for (k = 0; k < MFA_CHANGE__COUNT; k++) {
		assert_string_equal(mfa_change_kind_name((enum mfa_change_kind)k), names[k]);
		assert_int_equal(mfa_change_kind_parse(names[k]), k);
		/* no change kind may shadow a finding or a state in --fail-on */
		assert_int_equal(mfa_finding_parse(names[k]), -1);
		assert_int_equal(mfa_state_parse(names[k]), MFA_STATE_UNKNOWN);
	}
	assert_null(mfa_change_kind_name(MFA_CHANGE__COUNT));
	assert_int_equal(mfa_change_kind_parse("Added"), -1);
	assert_int_equal(mfa_change_kind_parse(NULL), -1);
}

/* ---- matching users to the baseline ---- */

struct match_case {
	const char *what;
	const char *b_id, *b_upn;
	const char *u_id, *u_upn;
	bool matches;
};

static const struct match_case match_cases[] = {
	{ "same id, any case, UPN renamed", "ID-1", "a@x", "id-1", "b@x", true },
	{ "baseline without ids: by UPN, any case", NULL, "A@X", "id-9", "a@x", true },
	{ "user without id: by UPN", "id-1", "a@x", NULL, "a@x", true },
	{ "UPN reused by a new account", "id-1", "a@x", "id-2", "a@x", false },
	{ "nothing in common", "id-1", "a@x", NULL, "c@x", false },
	{ "empty id is no id", "id-1", "a@x", "", "A@x", true },
};

static void test_matching(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		struct side bs = S(DIS, Y, PUSH, NULL, N, 0, COV), us = bs;
		struct mfa_baseline *b;
		struct mfa_user u;
		struct mfa_verdict v;
		struct mfa_change_set cs;

		bs.id = c->b_id;
		bs.upn = c->b_upn;
		us.id = c->u_id;
		us.upn = c->u_upn;
		b = baseline_of(&bs, 1);
		user_of(&us, &u, &v);
		if ((mfa_baseline_find(b, &u) == 0) != c->matches)
			fail_msg("%s: expected %s", c->what, c->matches ? "a match" : "no match");
		mfa_compare_user(b, &u, &v, &cs);
		assert_int_equal(cs.kinds, c->matches ? 0 : K(ADDED));
		mfa_baseline_free(b);
	}
}

/* Removed users: every unseen entry exactly once, in baseline order. */
static void test_unseen(void **state)
{
	struct side sides[5] = {
		S(DIS, Y, PUSH, NULL, N, 0, COV), S(ENF, Y, PUSH, NULL, N, F(GUEST), COV),
		S(DIS, Y, PUSH, NULL, N, 0, COV), S(DIS, Y, PUSH, NULL, N, 0, COV),
		S(ENA, N, 0, NULL, Y, F(ADMIN_NOT_REGISTERED), PART),
	};
	const char *ids[5] = { "u0", "u1", "u2", "u3", "u4" };
	struct mfa_baseline *b;
	struct mfa_change_set cs;
	struct mfa_baseline_entry e;
	size_t i, seen[5], n = 0;

	(void)state;
	for (i = 0; i < 5; i++)
		sides[i].id = ids[i];
	b = baseline_of(sides, 5);
	assert_int_equal(mfa_baseline_count(b), 5);
	mfa_baseline_mark(b, 0);
	mfa_baseline_mark(b, 2);
	mfa_baseline_mark(b, 2); /* idempotent */
	mfa_baseline_mark(b, 3);
	mfa_baseline_mark(b, 99); /* ignored */
	for (i = mfa_baseline_next_unseen(b, 0); i != MFA_BASELINE_NONE; i = mfa_baseline_next_unseen(b, i + 1)) {
		assert_true(n < 5);
		seen[n++] = i;
	}
	assert_int_equal(n, 2);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 4);
	mfa_baseline_get(b, 2, &e);
	assert_true(e.seen);
	mfa_baseline_get(b, 4, &e);
	assert_false(e.seen);

	mfa_compare_removed(b, 4, &cs);
	assert_int_equal(cs.kinds, K(REMOVED) | K(FINDING_CLEARED));
	assert_int_equal(cs.findings_cleared, F(ADMIN_NOT_REGISTERED));
	assert_int_equal(cs.prev_state, ENA);
	assert_int_equal(cs.prev_coverage, PART);
	assert_int_equal(cs.severity, MFA_SEV_INFO);
	assert_int_equal(cs.index, 4);
	mfa_compare_removed(b, 3, &cs);
	assert_int_equal(cs.kinds, K(REMOVED));
	mfa_baseline_free(b);
}

/* ---- --fail-on ---- */

struct fail_on_case {
	const char *item;
	int rc;
	uint32_t kinds, new_findings, cleared_findings;
	const char *err_has;
};

static const struct fail_on_case fail_on_cases[] = {
	{ "added", 1, K(ADDED), 0, 0, NULL },
	{ "removed", 1, K(REMOVED), 0, 0, NULL },
	{ "state-changed", 1, K(STATE_CHANGED), 0, 0, NULL },
	{ "state-away-from-disabled", 1, K(STATE_AWAY_FROM_DISABLED), 0, 0, NULL },
	{ "registration-changed", 1, K(REGISTRATION_CHANGED), 0, 0, NULL },
	{ "admin-changed", 1, K(ADMIN_CHANGED), 0, 0, NULL },
	{ "coverage-changed", 1, K(COVERAGE_CHANGED), 0, 0, NULL },
	{ "finding-appeared", 1, K(FINDING_APPEARED), 0, 0, NULL },
	{ "finding-cleared", 1, K(FINDING_CLEARED), 0, 0, NULL },
	{ "new:admin-not-registered", 1, 0, F(ADMIN_NOT_REGISTERED), 0, NULL },
	{ "new:not-covered", 1, 0, F(NOT_COVERED), 0, NULL },
	{ "cleared:guest", 1, 0, 0, F(GUEST), NULL },
	{ "new:admin-not-registred", -1, 0, 0, 0, "'admin-not-registred' is not a finding" },
	{ "new:", -1, 0, 0, 0, "'new:'" },
	{ "cleared:added", -1, 0, 0, 0, "'added' is not a finding" },
	{ "new:Admin-Not-Registered", -1, 0, 0, 0, "is not a finding" },
	/* not about changes: left to the caller's states and findings */
	{ "enforced", 0, 0, 0, 0, NULL },
	{ "admin-not-registered", 0, 0, 0, 0, NULL },
	{ "renewed:guest", 0, 0, 0, 0, NULL },
	{ "", 0, 0, 0, 0, NULL },
};

static void test_fail_on_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(fail_on_cases); i++) {
		const struct fail_on_case *c = &fail_on_cases[i];
		struct mfa_change_filter f = MFA_CHANGE_FILTER_INIT;
		struct mfa_err err = MFA_ERR_INIT;
		int rc = mfa_change_fail_on_parse(c->item, &f, &err);

		if (rc != c->rc)
			fail_msg("'%s': returned %d, expected %d", c->item, rc, c->rc);
		assert_int_equal(f.kinds, c->kinds);
		assert_int_equal(f.new_findings, c->new_findings);
		assert_int_equal(f.cleared_findings, c->cleared_findings);
		assert_int_equal(mfa_change_filter_empty(&f), rc <= 0);
		if (c->err_has) {
			if (!strstr(err.msg, c->err_has))
				fail_msg("'%s': message '%s' lacks '%s'", c->item, err.msg, c->err_has);
		} else {
			assert_string_equal(err.msg, "");
		}
	}
}

struct match_on_case {
	const char *items; /* ','-separated */
	uint32_t kinds, appeared, cleared;
	bool matches;
};

static const struct match_on_case match_on_cases[] = {
	{ "new:admin-not-registered", K(FINDING_APPEARED), F(ADMIN_NOT_REGISTERED), 0, true },
	{ "new:admin-not-registered", K(FINDING_APPEARED), F(GUEST), 0, false },
	/* a finding present before and now did not appear */
	{ "new:admin-not-registered", 0, 0, 0, false },
	{ "new:guest", K(FINDING_CLEARED), 0, F(GUEST), false },
	{ "cleared:guest", K(FINDING_CLEARED), 0, F(GUEST), true },
	{ "state-changed", K(STATE_CHANGED) | K(STATE_AWAY_FROM_DISABLED), 0, 0, true },
	{ "state-away-from-disabled", K(STATE_CHANGED), 0, 0, false },
	{ "state-away-from-disabled", K(STATE_CHANGED) | K(STATE_AWAY_FROM_DISABLED), 0, 0, true },
	{ "added,removed", K(REMOVED) | K(FINDING_CLEARED), 0, F(GUEST), true },
	{ "added,removed", K(COVERAGE_CHANGED), 0, 0, false },
	{ "coverage-changed,new:not-covered", K(COVERAGE_CHANGED), 0, 0, true },
	{ "finding-appeared", K(FINDING_APPEARED), F(GUEST), 0, true },
	{ "", K(ADDED), 0, 0, false },
};

static void test_fail_on_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(match_on_cases); i++) {
		const struct match_on_case *c = &match_on_cases[i];
		struct mfa_change_filter f = MFA_CHANGE_FILTER_INIT;
		struct mfa_change_set cs;
		char buf[256], *p, *save = NULL;

		snprintf(buf, sizeof(buf), "%s", c->items);
		for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
			assert_int_equal(mfa_change_fail_on_parse(p, &f, NULL), 1);
		memset(&cs, 0, sizeof(cs));
		cs.kinds = c->kinds;
		cs.findings_appeared = c->appeared;
		cs.findings_cleared = c->cleared;
		if (mfa_change_matches(&f, &cs) != c->matches)
			fail_msg("'%s' against kinds %#x: expected %s", c->items, c->kinds,
				 c->matches ? "a match" : "no match");
	}
}

/* ---- rows ---- */

struct got_row {
	enum mfa_change_kind kind;
	enum mfa_severity severity;
	int finding;
	char id[32], upn[32], name[32], prev[256], cur[256], detail[512];
};

struct rows {
	struct got_row r[16];
	int n;
	int stop_after; /* 0: never */
};

static int collect(void *ctx, const struct mfa_change_row *row, struct mfa_err *err)
{
	struct rows *rs = ctx;
	struct got_row *g;

	assert_true(rs->n < 16);
	g = &rs->r[rs->n++];
	g->kind = row->kind;
	g->severity = row->severity;
	g->finding = row->finding;
	assert_non_null(row->id);
	assert_non_null(row->upn);
	assert_non_null(row->display_name);
	assert_non_null(row->previous);
	assert_non_null(row->current);
	assert_non_null(row->detail);
	snprintf(g->id, sizeof(g->id), "%s", row->id);
	snprintf(g->upn, sizeof(g->upn), "%s", row->upn);
	snprintf(g->name, sizeof(g->name), "%s", row->display_name);
	snprintf(g->prev, sizeof(g->prev), "%s", row->previous);
	snprintf(g->cur, sizeof(g->cur), "%s", row->current);
	snprintf(g->detail, sizeof(g->detail), "%s", row->detail);
	if (rs->stop_after && rs->n == rs->stop_after)
		return mfa_err_set(err, "stopped");
	return 0;
}

static void rows_of(const struct side *prev, const struct side *cur, struct rows *rs)
{
	struct mfa_baseline *b = prev ? baseline_of(prev, 1) : mfa_baseline_new();
	struct mfa_change_set cs;
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_err err = MFA_ERR_INIT;

	memset(rs, 0, sizeof(*rs));
	user_of(cur, &u, &v);
	if (v.coverage_checked)
		snprintf(v.coverage.reason, sizeof(v.coverage.reason), "only some apps");
	mfa_compare_user(b, &u, &v, &cs);
	assert_int_equal(mfa_change_rows(b, &cs, &u, &v, collect, rs, &err), 0);
	mfa_baseline_free(b);
}

static void test_rows(void **state)
{
	struct side prev = S(DIS, Y, PUSH | M(MOBILE_PHONE), "quantumKey", N, F(GUEST), COV);
	struct side cur = S(ENF, N, M(FIDO2), "quantumKey2", Y, F(APP_PASSWORDS_POSSIBLE) | F(ADMIN_NOT_REGISTERED), PART);
	struct rows rs;

	(void)state;
	cur.name = "Adele Vance";
	rows_of(&prev, &cur, &rs);
	assert_int_equal(rs.n, 7);
	/* one state row, of the more specific kind */
	assert_int_equal(rs.r[0].kind, MFA_CHANGE_STATE_AWAY_FROM_DISABLED);
	assert_int_equal(rs.r[0].severity, MFA_SEV_HIGH);
	assert_string_equal(rs.r[0].prev, "disabled");
	assert_string_equal(rs.r[0].cur, "enforced");
	assert_string_equal(rs.r[0].id, "id-1");
	assert_string_equal(rs.r[0].upn, "a@x");
	assert_string_equal(rs.r[0].name, "Adele Vance");
	assert_int_equal(rs.r[0].finding, -1);

	assert_int_equal(rs.r[1].kind, MFA_CHANGE_REGISTRATION_CHANGED);
	assert_int_equal(rs.r[1].severity, MFA_SEV_MEDIUM);
	assert_string_equal(rs.r[1].prev, "registered: mobilePhone;microsoftAuthenticatorPush;quantumKey");
	assert_string_equal(rs.r[1].cur, "not registered: fido2SecurityKey;quantumKey2");
	assert_string_equal(rs.r[1].detail,
			    "isMfaRegistered true -> false; methods added: fido2SecurityKey, quantumKey2; "
			    "methods removed: mobilePhone, microsoftAuthenticatorPush, quantumKey");

	assert_int_equal(rs.r[2].kind, MFA_CHANGE_ADMIN_CHANGED);
	assert_int_equal(rs.r[2].severity, MFA_SEV_MEDIUM);
	assert_string_equal(rs.r[2].prev, "false");
	assert_string_equal(rs.r[2].cur, "true");

	assert_int_equal(rs.r[3].kind, MFA_CHANGE_COVERAGE_CHANGED);
	assert_int_equal(rs.r[3].severity, MFA_SEV_MEDIUM);
	assert_string_equal(rs.r[3].prev, "covered");
	assert_string_equal(rs.r[3].cur, "partial");
	assert_string_equal(rs.r[3].detail, "only some apps");

	/* findings in enum order: admin-not-registered before app-passwords-possible */
	assert_int_equal(rs.r[4].kind, MFA_CHANGE_FINDING_APPEARED);
	assert_int_equal(rs.r[4].finding, MFA_FINDING_ADMIN_NOT_REGISTERED);
	assert_int_equal(rs.r[4].severity, MFA_SEV_HIGH);
	assert_string_equal(rs.r[4].prev, "");
	assert_string_equal(rs.r[4].cur, "admin-not-registered");
	assert_string_equal(rs.r[4].detail, mfa_finding_advice(MFA_FINDING_ADMIN_NOT_REGISTERED));
	assert_int_equal(rs.r[5].kind, MFA_CHANGE_FINDING_APPEARED);
	assert_int_equal(rs.r[5].finding, MFA_FINDING_APP_PASSWORDS_POSSIBLE);
	assert_int_equal(rs.r[5].severity, MFA_SEV_MEDIUM);
	assert_int_equal(rs.r[6].kind, MFA_CHANGE_FINDING_CLEARED);
	assert_int_equal(rs.r[6].finding, MFA_FINDING_GUEST);
	assert_int_equal(rs.r[6].severity, MFA_SEV_INFO);
	assert_string_equal(rs.r[6].prev, "guest");
	assert_string_equal(rs.r[6].cur, "");

	/* an added user: its row, then its findings */
	cur = (struct side)S(ENA, U, 0, NULL, U, F(REGISTRATION_UNKNOWN), NOCHK);
	rows_of(NULL, &cur, &rs);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.r[0].kind, MFA_CHANGE_ADDED);
	assert_int_equal(rs.r[0].severity, MFA_SEV_INFO);
	assert_string_equal(rs.r[0].prev, "");
	assert_string_equal(rs.r[0].cur, "enabled");
	assert_int_equal(rs.r[1].kind, MFA_CHANGE_FINDING_APPEARED);
	assert_string_equal(rs.r[1].cur, "registration-unknown");
	assert_int_equal(rs.r[1].severity, MFA_SEV_LOW);

	/* nothing changed: no row */
	rows_of(&prev, &prev, &rs);
	assert_int_equal(rs.n, 0);
}

static void test_rows_removed_and_stop(void **state)
{
	struct side prev = S(ENF, Y, PUSH, NULL, N, F(APP_PASSWORDS_POSSIBLE), COV);
	struct mfa_baseline *b;
	struct mfa_change_set cs;
	struct mfa_err err = MFA_ERR_INIT;
	struct rows rs;

	(void)state;
	prev.name = "=cmd";
	b = baseline_of(&prev, 1);
	mfa_compare_removed(b, 0, &cs);
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(mfa_change_rows(b, &cs, NULL, NULL, collect, &rs, &err), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.r[0].kind, MFA_CHANGE_REMOVED);
	assert_string_equal(rs.r[0].id, "id-1");
	assert_string_equal(rs.r[0].upn, "a@x");
	assert_string_equal(rs.r[0].name, "=cmd");
	assert_string_equal(rs.r[0].prev, "enforced");
	assert_string_equal(rs.r[0].cur, "");
	assert_int_equal(rs.r[1].kind, MFA_CHANGE_FINDING_CLEARED);
	assert_string_equal(rs.r[1].prev, "app-passwords-possible");

	/* a callback's error stops the list and is returned */
	memset(&rs, 0, sizeof(rs));
	rs.stop_after = 1;
	assert_int_equal(mfa_change_rows(b, &cs, NULL, NULL, collect, &rs, &err), -1);
	assert_int_equal(rs.n, 1);
	assert_string_equal(err.msg, "stopped");
	mfa_baseline_free(b);
}

/* ---- counts: for every finding, now = before + appeared - cleared ---- */

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void test_counts(void **state)
{
	enum { PREV = 300, OVERLAP = 200, ADDED = 70 };
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_change_counts c;
	unsigned long before[MFA_FINDING__COUNT] = { 0 }, now[MFA_FINDING__COUNT] = { 0 };
	unsigned long changed = 0;
	uint32_t seed = 12345;
	char id[32];
	int i, f;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < PREV; i++) {
		struct side s = S((enum mfa_state)(lcg(&seed) % MFA_STATE__COUNT), Y, PUSH, NULL, N,
				  lcg(&seed) & ((1u << MFA_FINDING__COUNT) - 1u), COV);
		struct mfa_baseline_entry e;

		snprintf(id, sizeof(id), "user-%d", i);
		s.id = id;
		e = entry_of(&s);
		assert_int_equal(mfa_baseline_add(b, &e, NULL), 0);
		for (f = 0; f < MFA_FINDING__COUNT; f++)
			before[f] += (e.findings >> f) & 1u;
	}
	mfa_change_counts_init(&c);
	/* users PREV-OVERLAP .. PREV+ADDED-1: the first OVERLAP are known */
	for (i = PREV - OVERLAP; i < PREV + ADDED; i++) {
		struct side s = S((enum mfa_state)(lcg(&seed) % MFA_STATE__COUNT), Y, PUSH, NULL, N,
				  lcg(&seed) & ((1u << MFA_FINDING__COUNT) - 1u), COV);
		struct mfa_user u;
		struct mfa_verdict v;
		struct mfa_change_set cs;

		snprintf(id, sizeof(id), "USER-%d", i);
		s.id = id;
		user_of(&s, &u, &v);
		mfa_compare_user(b, &u, &v, &cs);
		if (cs.index != MFA_BASELINE_NONE)
			mfa_baseline_mark(b, cs.index);
		mfa_change_counts_add(&c, &cs);
		changed += cs.kinds != 0;
		for (f = 0; f < MFA_FINDING__COUNT; f++)
			now[f] += (v.findings >> f) & 1u;
	}
	mfa_change_counts_finish(&c, b);
	assert_int_equal(c.previous_users, PREV);
	assert_int_equal(c.by_kind[MFA_CHANGE_ADDED], ADDED);
	assert_int_equal(c.by_kind[MFA_CHANGE_REMOVED], PREV - OVERLAP);
	assert_int_equal(c.changed, changed + (PREV - OVERLAP));
	for (f = 0; f < MFA_FINDING__COUNT; f++) {
		if (now[f] != before[f] + c.appeared[f] - c.cleared[f])
			fail_msg("%s: before %lu + appeared %lu - cleared %lu != now %lu",
				 mfa_finding_name((enum mfa_finding)f), before[f], c.appeared[f],
				 c.cleared[f], now[f]);
	}
	/* severity counts partition the changed users */
	{
		unsigned long sum = 0;
		int s;

		for (s = 0; s < MFA_SEV__COUNT; s++)
			sum += c.by_severity[s];
		assert_int_equal(sum, c.changed);
		assert_int_equal(c.by_severity[MFA_SEV_NONE], 0);
	}
	mfa_baseline_free(b);
}

/* ---- loading a users.csv ---- */

static const char users_csv[] =
	"\xEF\xBB\xBF"
	"id,displayName,userPrincipalName,perUserMfaState,isMfaRegistered,methodsRegistered,isAdmin,findings,caCoverage,extra\r\n"
	"id-1,\"'=HYPERLINK(\"\"https://x.example\"\",\"\"x\"\")\",a@x,enforced,true,\"microsoftAuthenticatorPush;quantumKey;mobilePhone\",false,\"app-passwords-possible;some-future-finding\",\"partial: only some apps, locations\",z\r\n"
	"id-2,\"Ortiz, Sof\xC3\xAD" "a\nsecond line\",b@x,disabled,false,,true,admin-not-registered;not-covered,not-covered,\r\n"
	",,c@x,enabled,,,,,,\r\n"
	",Nobody,,disabled,,,,,,\r\n"
	"id-4,D,d@x,enabled-or-enforced,true,fido2SecurityKey,,,covered\r\n";

static void check_loaded(struct mfa_baseline *b)
{
	struct mfa_baseline_entry e;
	struct mfa_user u;

	assert_int_equal(mfa_baseline_count(b), 4);
	assert_int_equal(mfa_baseline_skipped(b), 1);

	mfa_baseline_get(b, 0, &e);
	assert_string_equal(e.id, "id-1");
	assert_string_equal(e.upn, "a@x");
	assert_string_equal(e.display_name, "=HYPERLINK(\"https://x.example\",\"x\")");
	assert_int_equal(e.state, MFA_STATE_ENFORCED);
	assert_int_equal(e.registered, MFA_TRI_YES);
	assert_int_equal(e.methods, PUSH | M(MOBILE_PHONE));
	assert_string_equal(e.other_methods, "quantumKey");
	assert_int_equal(e.is_admin, MFA_TRI_NO);
	assert_int_equal(e.findings, F(APP_PASSWORDS_POSSIBLE));
	assert_true(e.coverage_checked);
	assert_int_equal(e.coverage, MFA_COVERAGE_PARTIAL);
	assert_false(e.seen);

	mfa_baseline_get(b, 1, &e);
	assert_string_equal(e.display_name, "Ortiz, Sof\xC3\xAD" "a\nsecond line");
	assert_int_equal(e.state, MFA_STATE_DISABLED);
	assert_int_equal(e.registered, MFA_TRI_NO);
	assert_int_equal(e.methods, 0);
	assert_null(e.other_methods);
	assert_int_equal(e.is_admin, MFA_TRI_YES);
	assert_int_equal(e.findings, F(ADMIN_NOT_REGISTERED) | F(NOT_COVERED));
	assert_int_equal(e.coverage, MFA_COVERAGE_NOT_COVERED);

	mfa_baseline_get(b, 2, &e);
	assert_null(e.id);
	assert_string_equal(e.upn, "c@x");
	assert_null(e.display_name);
	assert_int_equal(e.state, MFA_STATE_ENABLED);
	assert_int_equal(e.registered, MFA_TRI_UNKNOWN);
	assert_int_equal(e.is_admin, MFA_TRI_UNKNOWN);
	assert_false(e.coverage_checked);

	/* a short row: the missing trailing fields are empty */
	mfa_baseline_get(b, 3, &e);
	assert_int_equal(e.state, MFA_STATE_AMBIGUOUS);
	assert_int_equal(e.methods, M(FIDO2));
	assert_int_equal(e.findings, 0);
	assert_int_equal(e.coverage, MFA_COVERAGE_COVERED);

	mfa_user_init(&u);
	u.upn = "C@X";
	assert_int_equal(mfa_baseline_find(b, &u), 2);
	u.id = "ID-2";
	u.upn = NULL;
	assert_int_equal(mfa_baseline_find(b, &u), 1);
}

static void test_load_file_gz_folder(void **state)
{
	char *dir = tu_make_dir(), *gzdir = tu_make_dir();
	char path[1024], gz[1024];
	struct mfa_baseline *b = NULL;
	struct mfa_err err = MFA_ERR_INIT;

	(void)state;
	snprintf(path, sizeof(path), "%s/users.csv", dir);
	write_file(path, users_csv);

	/* the file */
	assert_int_equal(mfa_baseline_load(&b, path, &err), 0);
	check_loaded(b);
	assert_string_equal(mfa_baseline_path(b), path);
	assert_true(mfa_baseline_memory(b) > 0);
	mfa_baseline_free(b);
	b = NULL;

	/* the folder, with and without a trailing slash */
	assert_int_equal(mfa_baseline_load(&b, dir, &err), 0);
	check_loaded(b);
	assert_string_equal(mfa_baseline_path(b), path);
	mfa_baseline_free(b);
	b = NULL;
	snprintf(gz, sizeof(gz), "%s/", dir);
	assert_int_equal(mfa_baseline_load(&b, gz, &err), 0);
	mfa_baseline_free(b);
	b = NULL;

	/* a compressed copy: by name in a folder, and whatever its name */
	snprintf(gz, sizeof(gz), "%s/users.csv.gz", gzdir);
	gzip_file(path, gz);
	assert_int_equal(mfa_baseline_load(&b, gzdir, &err), 0);
	check_loaded(b);
	assert_string_equal(mfa_baseline_path(b), gz);
	mfa_baseline_free(b);
	b = NULL;
	snprintf(gz, sizeof(gz), "%s/previous.csv", gzdir);
	gzip_file(path, gz);
	assert_int_equal(mfa_baseline_load(&b, gz, &err), 0);
	check_loaded(b);
	mfa_baseline_free(b);
	b = NULL;

	tu_remove_dir(dir);
	tu_remove_dir(gzdir);
}

static void test_load_refused(void **state)
{
	char *dir = tu_make_dir();
	char path[1024];
	struct mfa_baseline *b = (struct mfa_baseline *)&b; /* must come back NULL */
	struct mfa_err err = MFA_ERR_INIT;

	(void)state;
	/* an Entra admin center export is not a previous run */
	snprintf(path, sizeof(path), "%s/export.csv", dir);
	write_file(path, "id,userPrincipalName,displayName,perUserMfaState\nid-1,a@x,A,enforced\n");
	assert_int_equal(mfa_baseline_load(&b, path, &err), -1);
	assert_null(b);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "not a users.csv written by mfa-migrate"));
	assert_non_null(strstr(err.msg, "missing column: findings"));

	write_file(path, "userPrincipalName,state\na@x,enforced\n");
	assert_int_equal(mfa_baseline_load(&b, path, &err), -1);
	assert_non_null(strstr(err.msg, "missing columns: id, perUserMfaState, findings"));

	/* empty */
	write_file(path, "");
	assert_int_equal(mfa_baseline_load(&b, path, &err), -1);
	assert_non_null(strstr(err.msg, "no header row"));

	/* cut short inside a quoted field */
	write_file(path, "id,userPrincipalName,perUserMfaState,findings,displayName\nid-1,a@x,enforced,,\"Ad");
	assert_int_equal(mfa_baseline_load(&b, path, &err), -1);
	assert_non_null(strstr(err.msg, "ends inside a quoted field"));
	assert_non_null(strstr(err.msg, path));

	/* a folder without users.csv, and nothing at all */
	assert_int_equal(mfa_baseline_load(&b, dir, &err), -1);
	assert_non_null(strstr(err.msg, "holds no users.csv"));
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(mfa_baseline_load(&b, path, &err), -1);
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_non_null(strstr(err.msg, "No such file"));
	assert_null(b);
	tu_remove_dir(dir);
}

/* A user listed twice: kept once, the later row's values at the earlier
 * row's place, in a file and through mfa_baseline_add. */
static void test_duplicates(void **state)
{
	char *dir = tu_make_dir();
	char path[1024];
	struct mfa_baseline *b = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_baseline_entry e;
	struct mfa_user u;
	struct side s = S(DIS, Y, PUSH, NULL, N, 0, COV);
	size_t idx = 99;

	(void)state;
	snprintf(path, sizeof(path), "%s/users.csv", dir);
	write_file(path,
		   "id,userPrincipalName,perUserMfaState,findings\n"
		   "id-1,old@x,disabled,\n"
		   ",n@x,enabled,\n"
		   "id-2,b@x,enabled,\n"
		   "ID-1,new@x,enforced,app-passwords-possible\n"
		   ",N@X,enforced,\n");
	if (mfa_baseline_load(&b, path, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(mfa_baseline_count(b), 3);
	mfa_baseline_get(b, 0, &e);
	assert_string_equal(e.id, "ID-1");
	assert_string_equal(e.upn, "new@x");
	assert_int_equal(e.state, MFA_STATE_ENFORCED);
	assert_int_equal(e.findings, F(APP_PASSWORDS_POSSIBLE));
	mfa_baseline_get(b, 1, &e);
	assert_string_equal(e.upn, "N@X");
	assert_int_equal(e.state, MFA_STATE_ENFORCED);
	mfa_baseline_get(b, 2, &e);
	assert_string_equal(e.id, "id-2");
	mfa_user_init(&u);
	u.upn = "new@x";
	assert_int_equal(mfa_baseline_find(b, &u), 0);
	u.upn = "old@x";
	assert_int_equal(mfa_baseline_find(b, &u), MFA_BASELINE_NONE);
	mfa_baseline_free(b);
	tu_remove_dir(dir);

	/* the same through mfa_baseline_add, with the seen bit kept */
	b = mfa_baseline_new();
	assert_non_null(b);
	s.upn = "old@x";
	e = entry_of(&s);
	assert_int_equal(mfa_baseline_add(b, &e, &idx), 0);
	assert_int_equal(idx, 0);
	s.id = "id-2";
	s.upn = "b@x";
	e = entry_of(&s);
	assert_int_equal(mfa_baseline_add(b, &e, &idx), 0);
	assert_int_equal(idx, 1);
	mfa_baseline_mark(b, 0);
	s.id = "ID-1";
	s.upn = "new@x";
	s.state = ENF;
	e = entry_of(&s);
	assert_int_equal(mfa_baseline_add(b, &e, &idx), 1);
	assert_int_equal(idx, 0);
	assert_int_equal(mfa_baseline_count(b), 2);
	mfa_baseline_get(b, 0, &e);
	assert_int_equal(e.state, MFA_STATE_ENFORCED);
	assert_true(e.seen);
	u.id = NULL;
	u.upn = "NEW@x";
	assert_int_equal(mfa_baseline_find(b, &u), 0);
	u.upn = "old@x";
	assert_int_equal(mfa_baseline_find(b, &u), MFA_BASELINE_NONE);
	/* no key at all is refused */
	s.id = NULL;
	s.upn = "";
	e = entry_of(&s);
	assert_int_equal(mfa_baseline_add(b, &e, NULL), -1);
	assert_int_equal(mfa_baseline_count(b), 2);
	mfa_baseline_free(b);
}

/* What a loader does, without a file: append every row, index once. The
 * same duplicates rule as a loaded file (later row wins, earlier place). */
static void test_append_index(void **state)
{
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_baseline_entry e;
	struct mfa_user u;
	struct side s = S(DIS, Y, PUSH, NULL, N, 0, COV);

	(void)state;
	assert_non_null(b);
	assert_string_equal(mfa_baseline_path(b), "");
	s.upn = "old@x";
	e = entry_of(&s);
	assert_int_equal(mfa_baseline_append(b, &e), 0);
	s.id = NULL;
	s.upn = "n@x";
	e = entry_of(&s);
	assert_int_equal(mfa_baseline_append(b, &e), 0);
	s.id = "ID-1";
	s.upn = "new@x";
	s.state = ENF;
	e = entry_of(&s);
	assert_int_equal(mfa_baseline_append(b, &e), 0);
	s.id = NULL;
	s.upn = "";
	e = entry_of(&s);
	assert_int_equal(mfa_baseline_append(b, &e), -1); /* no key */
	assert_int_equal(mfa_baseline_append(NULL, &e), -1);
	mfa_baseline_count_skipped(b);
	mfa_baseline_count_skipped(NULL);
	/* not indexed yet: three entries, nothing found */
	assert_int_equal(mfa_baseline_count(b), 3);
	mfa_user_init(&u);
	u.id = "id-1";
	assert_int_equal(mfa_baseline_find(b, &u), MFA_BASELINE_NONE);
	assert_int_equal(mfa_baseline_index(b), 0);
	assert_int_equal(mfa_baseline_count(b), 2);
	assert_int_equal(mfa_baseline_find(b, &u), 0);
	mfa_baseline_get(b, 0, &e);
	assert_string_equal(e.upn, "new@x");
	assert_int_equal(e.state, MFA_STATE_ENFORCED);
	u.id = NULL;
	u.upn = "N@X";
	assert_int_equal(mfa_baseline_find(b, &u), 1);
	assert_int_equal(mfa_baseline_skipped(b), 1);
	assert_int_equal(mfa_baseline_set_path(b, "/runs/a/users.csv"), 0);
	assert_string_equal(mfa_baseline_path(b), "/runs/a/users.csv");
	assert_int_equal(mfa_baseline_index(NULL), -1);
	mfa_baseline_free(b);
}

/* Many users through mfa_baseline_add (the tables grow) all found again. */
static void test_many(void **state)
{
	enum { COUNT = 5000 };
	struct mfa_baseline *b = mfa_baseline_new();
	struct side s = S(DIS, Y, PUSH, NULL, N, 0, COV);
	char id[32], upn[32];
	struct mfa_user u;
	int i;

	(void)state;
	for (i = 0; i < COUNT; i++) {
		struct mfa_baseline_entry e;
		size_t idx;

		snprintf(id, sizeof(id), "id-%d", i);
		snprintf(upn, sizeof(upn), "u%d@x", i);
		s.id = i % 3 ? id : NULL;
		s.upn = upn;
		e = entry_of(&s);
		assert_int_equal(mfa_baseline_add(b, &e, &idx), 0);
		assert_int_equal(idx, (size_t)i);
	}
	mfa_user_init(&u);
	for (i = 0; i < COUNT; i++) {
		snprintf(id, sizeof(id), "ID-%d", i);
		snprintf(upn, sizeof(upn), "U%d@X", i);
		u.id = i % 3 ? id : NULL;
		u.upn = upn;
		assert_int_equal(mfa_baseline_find(b, &u), (size_t)i);
		mfa_baseline_mark(b, (size_t)i);
	}
	assert_int_equal(mfa_baseline_next_unseen(b, 0), MFA_BASELINE_NONE);
	mfa_baseline_free(b);
}

/* The sample users.csv of an older run (no caCoverage columns). */
static void test_load_sample(void **state)
{
	const char *samples = getenv("MFA_SAMPLES");
	char path[1024];
	struct mfa_baseline *b = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_baseline_entry e;
	struct mfa_user u;
	size_t i;

	(void)state;
	if (!samples)
		skip();
	snprintf(path, sizeof(path), "%s/mfa-migrate-users.csv", samples);
	if (mfa_baseline_load(&b, path, &err) < 0)
		fail_msg("%s", err.msg);
	/* one user a line after the header (no field of the sample spans lines) */
	{
		FILE *f = fopen(path, "rb");
		size_t lines = 0;
		int ch;

		assert_non_null(f);
		while ((ch = getc(f)) != EOF)
			lines += ch == '\n';
		fclose(f);
		assert_true(lines > 10);
		assert_int_equal(mfa_baseline_count(b), lines - 1);
	}
	mfa_user_init(&u);
	u.upn = "payroll.notice@contoso.example";
	i = mfa_baseline_find(b, &u);
	assert_int_not_equal(i, MFA_BASELINE_NONE);
	mfa_baseline_get(b, i, &e);
	assert_string_equal(e.display_name, "=HYPERLINK(\"https://payroll.fabrikam.example\",\"Payroll\")");
	assert_false(e.coverage_checked);
	u.upn = "grady.archie@contoso.example";
	mfa_baseline_get(b, mfa_baseline_find(b, &u), &e);
	assert_int_equal(e.is_admin, MFA_TRI_YES);
	assert_int_equal(e.methods, PUSH | M(FIDO2));
	assert_int_equal(e.state, MFA_STATE_ENFORCED);
	mfa_baseline_free(b);
}

/* What mfa-migrate writes it reads back unchanged: the same users compared
 * with their own users.csv show no change. */
static void test_round_trip(void **state)
{
	static const struct side users[] = {
		{ "id-1", "a@x", "=SUM(A1)", ENF, Y, PUSH | M(FIDO2), "quantumKey;otherKey", Y, 0, 0 },
		{ "id-2", "b@x", "Ortiz, \"Sofi\"\nline 2", DIS, N, M(EMAIL), NULL, N, 0, 0 },
		{ NULL, "c@x", NULL, ENA, U, 0, NULL, U, 0, 0 },
		{ "id-4", "kim_f.example#EXT#@x", "-Kim", UNK, Y, M(SOFTWARE_OTP), NULL, N, 0, 0 },
	};
	const enum mfa_coverage_verdict cov[NELEM(users)] = { PART, NOTC, COV, CUNK };
	char *dir = tu_make_dir();
	struct mfa_sink *sink = NULL;
	struct mfa_summary sum;
	struct mfa_baseline *b = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_user u[NELEM(users)];
	struct mfa_verdict v[NELEM(users)];
	size_t i;

	(void)state;
	memset(&sum, 0, sizeof(sum));
	assert_int_equal(mfa_users_csv_sink_open(&sink, dir, &err), 0);
	for (i = 0; i < NELEM(users); i++) {
		struct mfa_row row = { &u[i], &v[i], NULL };

		user_of(&users[i], &u[i], &v[i]);
		u[i].user_type = i == 3 ? MFA_USER_TYPE_GUEST : MFA_USER_TYPE_MEMBER;
		mfa_classify(NULL, &u[i], &v[i]);
		/* as a run with --ca-policies would have it */
		v[i].coverage_checked = i != 2;
		v[i].coverage.verdict = cov[i];
		if (cov[i] == PART)
			snprintf(v[i].coverage.reason, sizeof(v[i].coverage.reason), "only some apps, locations");
		assert_int_equal(mfa_sink_row(sink, &row, &err), 0);
	}
	assert_int_equal(mfa_sink_finish(sink, &sum, &err), 0);
	mfa_sink_free(sink);

	if (mfa_baseline_load(&b, dir, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(mfa_baseline_count(b), NELEM(users));
	for (i = 0; i < NELEM(users); i++) {
		struct mfa_change_set cs;

		mfa_compare_user(b, &u[i], &v[i], &cs);
		if (cs.kinds != 0)
			fail_msg("user %zu: kinds %#x after a round trip", i, cs.kinds);
		assert_int_equal(cs.index, i);
		assert_true(v[i].findings != 0 || i == 1);
		assert_int_equal(cs.prev_findings, v[i].findings);
		mfa_baseline_mark(b, cs.index);
	}
	assert_int_equal(mfa_baseline_next_unseen(b, 0), MFA_BASELINE_NONE);
	mfa_baseline_free(b);
	tu_remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_kinds),
		cmocka_unit_test(test_finding_severity_by_date),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_unseen),
		cmocka_unit_test(test_fail_on_parse),
		cmocka_unit_test(test_fail_on_match),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_rows_removed_and_stop),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_load_file_gz_folder),
		cmocka_unit_test(test_load_refused),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_append_index),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_load_sample),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
