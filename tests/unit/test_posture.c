/* test_posture.c - the tenant posture notes and Entra's recommendation
 * compared with our count (mfa/model/posture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mfa/model/posture.h"

static const struct mfa_posture_note *find(const struct mfa_posture_note *n, size_t count,
					   const char *key)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strcmp(n[i].key, key) == 0)
			return &n[i];
	return NULL;
}

static void user(struct mfa_posture *p, const char *id, enum mfa_state st)
{
	struct mfa_user u;
	struct mfa_err err = MFA_ERR_INIT;

	memset(&u, 0, sizeof(u));
	u.id = id;
	u.state = st;
	assert_int_equal(mfa_posture_count_user(p, &u, &err), 0);
}

static void test_forbidden_says_which_permission(void **state)
{
	struct mfa_posture *p = mfa_posture_new();
	struct mfa_posture_note n[MFA_POSTURE_MAX_NOTES];
	const struct mfa_posture_note *x;
	size_t count;

	(void)state;
	p->licences = MFA_POSTURE_FORBIDDEN;
	p->methods = MFA_POSTURE_FORBIDDEN;
	p->managed = MFA_POSTURE_FAILED;
	snprintf(p->managed_why, sizeof(p->managed_why), "http 500");
	p->recommendation = MFA_POSTURE_FORBIDDEN;
	count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);
	/* licences, methods policy (one note, not four), managed, legacy, recommendation */
	assert_int_equal(count, 5);
	x = find(n, count, "licences");
	assert_string_equal(x->status, "unknown");
	assert_string_equal(x->text, "unknown (needs LicenseAssignment.Read.All)");
	x = find(n, count, "authentication-methods-policy");
	assert_string_equal(x->text, "unknown (needs Policy.Read.AuthenticationMethod)");
	assert_null(find(n, count, "sms-voice-methods"));
	x = find(n, count, "microsoft-managed-policies");
	assert_string_equal(x->text, "unknown (could not be read: http 500)");
	x = find(n, count, "switch-from-per-user-mfa");
	assert_string_equal(x->text, "unknown (needs DirectoryRecommendations.Read.All)");
	x = find(n, count, "legacy-mfa-settings");
	assert_non_null(strstr(x->text, "mfasettings.aspx"));
	mfa_posture_free(p);
}

static void test_licences_and_methods(void **state)
{
	struct mfa_posture *p = mfa_posture_new();
	struct mfa_posture_note n[MFA_POSTURE_MAX_NOTES];
	const struct mfa_posture_note *x;
	size_t count;

	(void)state;
	p->licences = MFA_POSTURE_READ;
	p->methods = MFA_POSTURE_READ;
	snprintf(p->migration_state, sizeof(p->migration_state), "migrationComplete");
	snprintf(p->campaign_state, sizeof(p->campaign_state), "enabled");
	p->campaign_targets = 2;
	p->snooze_days = 3;
	snprintf(p->sms_state, sizeof(p->sms_state), "enabled");
	snprintf(p->voice_state, sizeof(p->voice_state), "disabled");
	count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);
	x = find(n, count, "licences");
	assert_string_equal(x->status, "attention");
	assert_non_null(strstr(x->meaning, "only from security defaults"));
	x = find(n, count, "methods-policy-migration");
	assert_string_equal(x->status, "ok");
	x = find(n, count, "registration-campaign");
	assert_string_equal(x->status, "ok");
	assert_string_equal(x->text, "the registration campaign is 'enabled', 2 targets, snooze 3 days");
	x = find(n, count, "sms-voice-methods");
	assert_string_equal(x->status, "attention");
	assert_string_equal(x->text, "SMS is 'enabled', voice is 'disabled'");
	x = find(n, count, "system-preferred-mfa");
	assert_string_equal(x->status, "unknown");

	p->p2 = 1;
	count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);
	x = find(n, count, "licences");
	assert_string_equal(x->status, "ok");
	assert_non_null(strstr(x->text, "AAD_PREMIUM_P2"));
	mfa_posture_free(p);
}

static void test_managed_policies(void **state)
{
	struct mfa_posture *p = mfa_posture_new();
	struct mfa_posture_note n[MFA_POSTURE_MAX_NOTES];
	const struct mfa_posture_note *x;
	size_t count;

	(void)state;
	assert_true(mfa_posture_is_managed_policy("Microsoft-managed: Multifactor authentication for admins accessing Microsoft Admin Portals"));
	assert_true(mfa_posture_is_managed_policy(MFA_POSTURE_PER_USER_POLICY));
	assert_false(mfa_posture_is_managed_policy("CA001: Require MFA for all users"));
	assert_false(mfa_posture_is_managed_policy(NULL));
	p->managed = MFA_POSTURE_READ;
	count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);
	x = find(n, count, "microsoft-managed-policies");
	assert_string_equal(x->status, "ok");
	assert_string_equal(x->text, "no Microsoft-managed Conditional Access policy");
	mfa_posture_add_managed(p, "Microsoft-managed: " MFA_POSTURE_PER_USER_POLICY,
				"enabledForReportingButNotEnforced");
	count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);
	x = find(n, count, "microsoft-managed-policies");
	assert_string_equal(x->status, "attention");
	assert_non_null(strstr(x->text, "is 'enabledForReportingButNotEnforced'"));
	assert_non_null(strstr(x->meaning, "at most 500 users"));
	assert_non_null(strstr(x->meaning, "at least 90 days"));
	mfa_posture_free(p);
}

static void test_recommendation_compared(void **state)
{
	struct mfa_posture *p = mfa_posture_new();
	struct mfa_posture_note n[MFA_POSTURE_MAX_NOTES];
	const struct mfa_posture_note *x;
	size_t count;

	(void)state;
	p->recommendation = MFA_POSTURE_READ;
	p->rec_found = 1;
	snprintf(p->rec_status, sizeof(p->rec_status), "active");
	assert_int_equal(mfa_posture_add_impacted(p, "a"), 0);
	assert_int_equal(mfa_posture_add_impacted(p, "b"), 0);
	assert_int_equal(mfa_posture_add_impacted(p, "c"), 0);
	assert_int_equal(mfa_posture_add_impacted(p, "C"), 0); /* the same id, any case */
	assert_int_equal(p->rec_count, 3);
	user(p, "a", MFA_STATE_ENABLED);
	user(p, "b", MFA_STATE_ENFORCED);
	user(p, "d", MFA_STATE_ENFORCED);   /* ours only */
	user(p, "e", MFA_STATE_DISABLED);   /* neither */
	user(p, "f", MFA_STATE_UNKNOWN);    /* not counted */
	mfa_posture_compare_done(p, 1);
	assert_int_equal(p->ours, 3);
	assert_int_equal(p->only_ours.count, 1);
	assert_string_equal(p->only_ours.ids[0], "d");
	assert_int_equal(p->only_microsoft.count, 1);
	assert_string_equal(p->only_microsoft.ids[0], "c");
	count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);
	x = find(n, count, "switch-from-per-user-mfa");
	assert_string_equal(x->status, "attention");
	assert_non_null(strstr(x->text, "Microsoft counts 3 users, this run 3"));
	assert_non_null(strstr(x->text, "1 only Microsoft counts, 1 only this run counts"));
	mfa_posture_free(p);
}

static void test_list_capped(void **state)
{
	struct mfa_posture *p = mfa_posture_new();
	char id[40];
	int i;

	(void)state;
	p->recommendation = MFA_POSTURE_READ;
	p->rec_found = 1;
	for (i = 0; i < MFA_POSTURE_LIST_MAX + 20; i++) {
		snprintf(id, sizeof(id), "u%03d", i);
		user(p, id, MFA_STATE_ENABLED);
	}
	mfa_posture_compare_done(p, 1);
	assert_int_equal(p->only_ours.count, MFA_POSTURE_LIST_MAX + 20);
	assert_int_equal(p->only_ours.kept, MFA_POSTURE_LIST_MAX);
	assert_string_equal(p->only_ours.ids[MFA_POSTURE_LIST_MAX - 1], "u099");
	assert_int_equal(p->only_microsoft.count, 0);
	mfa_posture_free(p);
}

static void test_interrupted_lists_no_microsoft_only(void **state)
{
	struct mfa_posture *p = mfa_posture_new();
	struct mfa_posture_note n[MFA_POSTURE_MAX_NOTES];
	const struct mfa_posture_note *x;
	size_t count;

	(void)state;
	p->recommendation = MFA_POSTURE_READ;
	p->rec_found = 1;
	assert_int_equal(mfa_posture_add_impacted(p, "a"), 0);
	assert_int_equal(mfa_posture_add_impacted(p, "b"), 0);
	user(p, "a", MFA_STATE_ENABLED);
	mfa_posture_compare_done(p, 0); /* "b" was never scanned */
	assert_int_equal(p->only_microsoft.count, 0);
	count = mfa_posture_notes(p, n, MFA_POSTURE_MAX_NOTES);
	x = find(n, count, "switch-from-per-user-mfa");
	assert_non_null(strstr(x->meaning, "interrupted"));
	mfa_posture_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbidden_says_which_permission),
		cmocka_unit_test(test_licences_and_methods),
		cmocka_unit_test(test_managed_policies),
		cmocka_unit_test(test_recommendation_compared),
		cmocka_unit_test(test_list_capped),
		cmocka_unit_test(test_interrupted_lists_no_microsoft_only),
	};

	return cmocka_run_group_tests_name("posture", tests, NULL, NULL);
}
