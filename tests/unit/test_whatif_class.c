/* test_whatif_class.c - What If classes, the request cap and the
 * comparison with Microsoft's answer (mfa/model/whatif.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mfa/model/whatif.h"

#define BREAKGLASS "b7e1c2d0-0000-4000-8000-000000000001"
#define ADMINS "ad000000-0000-4000-8000-000000000002"
#define A1 "a1000000-0000-4000-8000-000000000001"
#define A2 "a2000000-0000-4000-8000-000000000002"
#define A3 "a0000000-0000-4000-8000-000000000003"
#define BG "b9000000-0000-4000-8000-000000000004"
#define NAMED "c0000000-0000-4000-8000-000000000005"
#define GUEST "d0000000-0000-4000-8000-000000000006"
#define ADMIN "e0000000-0000-4000-8000-000000000007"

static struct mfa_ca_model *model(void)
{
	struct mfa_ca_model *m = mfa_ca_model_new();
	const char *exc_groups[] = { BREAKGLASS };
	const char *inc_groups[] = { ADMINS };
	const char *named[] = { NAMED };
	struct mfa_ca_policy all = { 0 }, admins = { 0 }, one = { 0 };
	struct mfa_err err = MFA_ERR_INIT;

	all.name = "CA001";
	all.state = MFA_CA_POLICY_ENABLED;
	all.requires_mfa = all.targets_apps = true;
	all.include_all = true;
	all.exclude_guests = true;
	all.exclude_groups = (struct mfa_ca_ids){ exc_groups, 1 };
	admins = all;
	admins.name = "CA002";
	admins.include_all = false;
	admins.exclude_guests = false;
	admins.exclude_groups = (struct mfa_ca_ids){ NULL, 0 };
	admins.include_groups = (struct mfa_ca_ids){ inc_groups, 1 };
	one = admins;
	one.name = "CA003";
	one.state = MFA_CA_POLICY_REPORT_ONLY;
	one.include_groups = (struct mfa_ca_ids){ NULL, 0 };
	one.include_users = (struct mfa_ca_ids){ named, 1 };
	assert_int_equal(mfa_ca_model_add_policy(m, &all, &err), 0);
	assert_int_equal(mfa_ca_model_add_policy(m, &admins, &err), 0);
	assert_int_equal(mfa_ca_model_add_policy(m, &one, &err), 0);
	assert_int_equal(mfa_ca_model_add_group_member(m, BREAKGLASS, BG), 0);
	assert_int_equal(mfa_ca_model_add_group_member(m, ADMINS, ADMIN), 0);
	mfa_ca_model_mark_policies_read(m);
	return m;
}

static size_t add(struct mfa_whatif_set *s, const struct mfa_ca_model *m, const char *id, enum mfa_user_type t)
{
	struct mfa_user u;
	struct mfa_err err = MFA_ERR_INIT;
	size_t cls;

	mfa_user_init(&u);
	u.id = id;
	u.upn = id ? id : "noid@contoso.example";
	u.user_type = t;
	assert_int_equal(mfa_whatif_add_user(s, m, &u, &cls, &err), 0);
	return cls;
}

static void test_classes(void **state)
{
	struct mfa_ca_model *m = model();
	struct mfa_whatif_set *s = mfa_whatif_set_new();
	size_t a1, a2, a3, bg, named, guest, admin, none;

	(void)state;
	a1 = add(s, m, A1, MFA_USER_TYPE_MEMBER);
	a2 = add(s, m, A2, MFA_USER_TYPE_MEMBER);
	a3 = add(s, m, A3, MFA_USER_TYPE_MEMBER);
	bg = add(s, m, BG, MFA_USER_TYPE_MEMBER);
	named = add(s, m, NAMED, MFA_USER_TYPE_MEMBER);
	guest = add(s, m, GUEST, MFA_USER_TYPE_GUEST);
	admin = add(s, m, ADMIN, MFA_USER_TYPE_MEMBER);
	none = add(s, m, NULL, MFA_USER_TYPE_MEMBER);
	/* same groups, roles and type: one class; each difference another */
	assert_int_equal(a1, a2);
	assert_int_equal(a1, a3);
	assert_int_not_equal(a1, bg);
	assert_int_not_equal(a1, named);
	assert_int_not_equal(a1, guest);
	assert_int_not_equal(a1, admin);
	assert_int_not_equal(bg, admin);
	assert_true(none == MFA_WHATIF_NO_CLASS);
	assert_int_equal(mfa_whatif_class_count(s), 5);
	/* the representative is the lowest id, whatever the order seen */
	assert_string_equal(mfa_whatif_class_get(s, a1)->rep_id, A3);
	assert_int_equal(mfa_whatif_class_get(s, a1)->users, 3);
	mfa_whatif_set_free(s);
	mfa_ca_model_free(m);
}

static void answer(struct mfa_whatif_set *s, size_t cls, const char *applying)
{
	struct mfa_whatif_policy p[2] = {
		{ "CA001", true, false, true, "users" },
		{ "CA002", true, false, true, "users" },
	};
	int c;

	if (applying && strcmp(applying, "CA001") == 0) {
		p[0].applies = true;
		p[0].reasons = "notSet";
	}
	for (c = 0; c < MFA_WHATIF__CONTEXTS; c++)
		assert_int_equal(mfa_whatif_take_answer(s, cls, c, p, 2, NULL), 0);
}

static void test_cap_and_compare(void **state)
{
	struct mfa_ca_model *m = model();
	struct mfa_whatif_set *s = mfa_whatif_set_new();
	struct mfa_whatif_counts n;
	size_t all, bg, named, guest;

	(void)state;
	all = add(s, m, A1, MFA_USER_TYPE_MEMBER);
	add(s, m, A2, MFA_USER_TYPE_MEMBER);
	bg = add(s, m, BG, MFA_USER_TYPE_MEMBER);
	add(s, m, BG "-2", MFA_USER_TYPE_MEMBER); /* not in the group: class of A */
	named = add(s, m, NAMED, MFA_USER_TYPE_MEMBER);
	guest = add(s, m, GUEST, MFA_USER_TYPE_GUEST);
	/* 4 comparable classes, room for 3 x 4 contexts */
	mfa_whatif_prepare(s, m, 3 * MFA_WHATIF__CONTEXTS + 1);
	assert_int_equal(mfa_whatif_class_get(s, all)->ours.verdict, MFA_COVERAGE_COVERED);
	assert_int_equal(mfa_whatif_class_get(s, bg)->ours.verdict, MFA_COVERAGE_NOT_COVERED);
	assert_int_equal(mfa_whatif_class_get(s, named)->ours.verdict, MFA_COVERAGE_COVERED);
	assert_int_equal(mfa_whatif_class_get(s, guest)->ours.verdict, MFA_COVERAGE_NOT_COVERED);
	/* largest first, then by key: the 3-user class is asked; one is left */
	assert_true(mfa_whatif_class_get(s, all)->asked);
	answer(s, all, "CA001");     /* agrees */
	answer(s, bg, NULL);         /* not-covered, nothing applies: agrees */
	answer(s, guest, "CA001");   /* not-covered, yet CA001 applies: disagrees */
	assert_int_equal(mfa_whatif_finish(s), 0);
	mfa_whatif_counts(s, &n);
	assert_int_equal(n.classes, 4);
	assert_int_equal(n.classes_asked, 3);
	assert_int_equal(n.classes_beyond_cap, 1);
	assert_int_equal(n.requests, 3 * MFA_WHATIF__CONTEXTS);
	assert_string_equal(mfa_whatif_user_text(s, all), "agrees");
	assert_string_equal(mfa_whatif_user_text(s, bg), "agrees");
	assert_true(mfa_whatif_disagrees(mfa_whatif_user_text(s, guest)));
	assert_string_equal(mfa_whatif_user_text(s, guest),
			    "disagrees: browser: Microsoft applies 'CA001' requiring mfa, we say not-covered");
	assert_false(mfa_whatif_class_get(s, named)->asked);
	assert_string_equal(mfa_whatif_user_text(s, named), "not-checked");
	assert_string_equal(mfa_whatif_user_text(s, MFA_WHATIF_NO_CLASS), "not-checked");
	assert_int_equal(n.users_agree, 4);
	assert_int_equal(n.users_disagree, 1);
	assert_int_equal(n.users_not_checked, 1);
	mfa_whatif_set_free(s);
	mfa_ca_model_free(m);
}

static void test_microsoft_applies_more(void **state)
{
	struct mfa_ca_model *m = model();
	struct mfa_whatif_set *s = mfa_whatif_set_new();
	struct mfa_whatif_policy p = { "Hidden", true, true, true, "notSet" };
	size_t bg, a;
	int c;

	(void)state;
	a = add(s, m, A1, MFA_USER_TYPE_MEMBER);
	mfa_whatif_prepare(s, m, 200);
	answer(s, a, NULL);
	assert_int_equal(mfa_whatif_finish(s), 0);
	assert_true(mfa_whatif_disagrees(mfa_whatif_user_text(s, a)));
	assert_non_null(strstr(mfa_whatif_user_text(s, a), "we say covered by 'CA001': 'CA001' not applied (users)"));
	mfa_whatif_set_free(s);
	s = mfa_whatif_set_new();
	bg = add(s, m, BG, MFA_USER_TYPE_MEMBER);
	mfa_whatif_prepare(s, m, 200);
	for (c = 0; c < MFA_WHATIF__CONTEXTS; c++)
		assert_int_equal(mfa_whatif_take_answer(s, bg, c, &p, 1, c == 3 ? "http 500" : NULL), 0);
	assert_int_equal(mfa_whatif_finish(s), 0);
	assert_string_equal(mfa_whatif_user_text(s, bg),
			    "disagrees: browser: Microsoft applies 'Hidden' requiring mfa, we say not-covered");
	/* an unanswered context alone leaves a class not-checked */
	mfa_whatif_set_free(s);
	s = mfa_whatif_set_new();
	bg = add(s, m, BG, MFA_USER_TYPE_MEMBER);
	mfa_whatif_prepare(s, m, 200);
	p.applies = false;
	for (c = 0; c < MFA_WHATIF__CONTEXTS; c++)
		assert_int_equal(mfa_whatif_take_answer(s, bg, c, &p, 1, c == 3 ? "http 500" : NULL), 0);
	assert_int_equal(mfa_whatif_finish(s), 0);
	assert_string_equal(mfa_whatif_user_text(s, bg), "not-checked");
	mfa_whatif_set_free(s);
	mfa_ca_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_cap_and_compare),
		cmocka_unit_test(test_microsoft_applies_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
