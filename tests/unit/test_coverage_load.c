/* test_coverage_load.c - --ca-policies / --ca-members files
 * (mfa_ca_model_load_files), and the samples that go with them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "mfa/model/coverage.h"
#include "mfa/model/source.h"
#include "sources/csv_source.h"
#include "sources/ca_files.h"
#include "sources/ca_policy_json.h"

#define GA "62e90394-69f5-4237-9190-012177145e10"
#define BREAK_GLASS "b7e1c2d0-5a3f-4c9e-8d21-6f0a9b3e4c01"
#define FRONTLINE "c4a8e9f1-2b6d-4f7a-9e30-1d5c8b2a7f03"

#define CA1 "CA001: Require MFA for all users"
#define CA2 "CA002: Require phishing-resistant MFA for admins"
#define CA3 "CA003: Require MFA for guests"
#define CA5 "CA005: Require MFA for Exchange Online"
#define CA6 "CA006: MFA or compliant device for frontline"

static const char *samples(void)
{
	const char *d = getenv("MFA_SAMPLES");

	if (!d)
		fail_msg("MFA_SAMPLES is not set (ctest sets it to the samples folder)");
	return d;
}

static void sample_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", samples(), name);
}

/* What the sample policies (samples/ca-policies.json) say of each user of
 * samples/graph-peruser-state.csv, worked out from the policies' design:
 * CA001 all users but guests, svc-backup and the break-glass group (which
 * holds Miriam through a nested group); CA002 Global Administrators (Grady,
 * Lidia); CA003 guests, report-only; CA004 disabled; CA005 Ray, Exchange
 * Online only; CA006 the frontline group (svc-backup, Megan), mfa OR
 * compliant device. */
static const struct expect {
	const char *upn;
	enum mfa_coverage_verdict verdict;
	const char *policies;
	uint32_t gaps;
} expected[] = {
	{ "adele.vance@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "alex.wilber@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "diego.siciliani@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "grady.archie@contoso.example", MFA_COVERAGE_COVERED, CA1 ";" CA2, 0 },
	{ "henrietta.mueller@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "isaiah.langer@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "johanna.lorenz@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "joni.sherman@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "sofia.ortiz@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "lidia.holloway@contoso.example", MFA_COVERAGE_COVERED, CA1 ";" CA2, 0 },
	{ "lynne.robbins@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "megan.bowen@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "miriam.graham@contoso.example", MFA_COVERAGE_NOT_COVERED, "", 0 },
	{ "nestor.wilke@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "patti.fernandez@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "pradeep.gupta@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "jamie.oneil@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "payroll.notice@contoso.example", MFA_COVERAGE_COVERED, CA1, 0 },
	{ "kim.akers_fabrikam.example#EXT#@contoso.example", MFA_COVERAGE_REPORT_ONLY, CA3, 0 },
	{ "ray.chen_fabrikam.example#EXT#@contoso.example", MFA_COVERAGE_PARTIAL, CA5, MFA_GAP_APPS },
	{ "svc-backup@contoso.example", MFA_COVERAGE_PARTIAL, CA6, MFA_GAP_OR },
};

#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

/* Runs every user of the sample users file through m; `ids` false drops
 * the object ids, so users are found by UPN alone. */
static void check_sample_users(const struct mfa_ca_model *m, bool ids, const char *how)
{
	struct mfa_source *src = NULL;
	struct mfa_csv_options opts = MFA_CSV_OPTIONS_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_user u;
	bool seen[NEXPECTED];
	char path[512];
	size_t i;
	int rc;

	memset(seen, 0, sizeof(seen));
	sample_path(path, sizeof(path), "graph-peruser-state.csv");
	if (mfa_csv_source_open(&src, path, &opts, &err) < 0)
		fail_msg("%s", err.msg);
	while ((rc = mfa_source_next(src, &u, &err)) > 0) {
		struct mfa_coverage c;

		if (!ids)
			u.id = NULL;
		mfa_coverage_evaluate(m, &u, &c);
		for (i = 0; i < NEXPECTED; i++) {
			if (strcmp(expected[i].upn, u.upn) == 0)
				break;
		}
		if (i == NEXPECTED)
			fail_msg("%s: no expectation for '%s'", how, u.upn);
		seen[i] = true;
		if (c.verdict != expected[i].verdict || strcmp(c.policies, expected[i].policies) != 0 ||
		    c.gaps != expected[i].gaps)
			fail_msg("%s: '%s': %s '%s' (%s), want %s '%s'", how, u.upn, mfa_coverage_name(c.verdict),
				 c.policies, c.reason, mfa_coverage_name(expected[i].verdict), expected[i].policies);
	}
	if (rc < 0)
		fail_msg("%s", err.msg);
	for (i = 0; i < NEXPECTED; i++) {
		if (!seen[i])
			fail_msg("%s: '%s' not in the users file", how, expected[i].upn);
	}
	mfa_source_free(src);
}

static void test_samples(void **state)
{
	struct mfa_ca_model *m = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char pp[512], mp[512];

	(void)state;
	sample_path(pp, sizeof(pp), "ca-policies.json");
	sample_path(mp, sizeof(mp), "ca-members.json");
	if (mfa_ca_model_load_files(&m, pp, mp, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(mfa_ca_model_policy_count(m), 7); /* with the Microsoft-managed one (report-only, names nobody) */
	assert_int_equal(mfa_ca_model_group_count(m), 2);
	assert_string_equal(mfa_ca_model_group_id(m, 0), BREAK_GLASS);
	assert_string_equal(mfa_ca_model_group_id(m, 1), FRONTLINE);
	assert_int_equal(mfa_ca_model_role_count(m), 1);
	assert_string_equal(mfa_ca_model_role_id(m, 0), GA);
	check_sample_users(m, true, "by id");
	/* member lists carry UPNs: an export without ids gives the same answers */
	check_sample_users(m, false, "by UPN");
	mfa_ca_model_free(m);
}

/* Adds the emulator fixture's "members" (ids, or objects with an id) of
 * each entry of list to m. The fixture's group lists are transitive. */
static void fixture_members(struct mfa_ca_model *m, const cJSON *fx, const char *list, bool role)
{
	const cJSON *it, *mb;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(fx, list)) {
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(it, role ? "roleTemplateId" : "id");

		assert_true(cJSON_IsString(key));
		assert_int_equal(role ? mfa_ca_model_mark_role_read(m, key->valuestring)
				      : mfa_ca_model_mark_group_read(m, key->valuestring), 0);
		cJSON_ArrayForEach(mb, cJSON_GetObjectItemCaseSensitive(it, "members")) {
			const cJSON *type = cJSON_GetObjectItemCaseSensitive(mb, "@odata.type");

			if (cJSON_IsString(type) && strcmp(type->valuestring, "#microsoft.graph.group") == 0)
				continue;
			assert_true(cJSON_IsString(mb));
			assert_int_equal(role ? mfa_ca_model_add_role_member(m, key->valuestring, mb->valuestring)
					      : mfa_ca_model_add_group_member(m, key->valuestring, mb->valuestring), 0);
		}
	}
}

static cJSON *parse_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	cJSON *j;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	j = cJSON_ParseWithLength(buf, (size_t)n);
	free(buf);
	if (!j)
		fail_msg("'%s': not valid JSON", path);
	return j;
}

/* samples/ca-fixture.json (the emulator's --ca-fixture) describes the same
 * tenant as the two files: the same policies, and memberships that give
 * every user the same verdict (the live path builds its model this way). */
static void test_emulator_fixture_matches(void **state)
{
	struct mfa_ca_model *m = mfa_ca_model_new();
	struct mfa_err err = MFA_ERR_INIT;
	cJSON *fx, *pols;
	const cJSON *it, *sd;
	char fp[512], pp[512];

	(void)state;
	sample_path(fp, sizeof(fp), "ca-fixture.json");
	sample_path(pp, sizeof(pp), "ca-policies.json");
	fx = parse_file(fp);
	pols = parse_file(pp);
	assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(fx, "policies"),
				  cJSON_GetObjectItemCaseSensitive(pols, "value"), true));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(fx, "policies")) {
		if (mfa_ca_model_add_policy_json(m, it, &err) < 0)
			fail_msg("%s", err.msg);
	}
	mfa_ca_model_mark_policies_read(m);
	sd = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fx, "securityDefaults"), "isEnabled");
	assert_true(cJSON_IsBool(sd));
	mfa_ca_model_set_security_defaults(m, cJSON_IsTrue(sd));
	fixture_members(m, fx, "groups", false);
	fixture_members(m, fx, "directoryRoles", true);
	check_sample_users(m, true, "emulator fixture");
	cJSON_Delete(fx);
	cJSON_Delete(pols);
	mfa_ca_model_free(m);
}

/* ---- small files ---- */

static char dir[64];

static void write_file(const char *name, const char *text, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

#define POLICY(users, grant)                                                                          \
	"{\"id\":\"p1\",\"displayName\":\"P1\",\"state\":\"enabled\",\"conditions\":{\"users\":" users \
	",\"applications\":{\"includeApplications\":[\"All\"]},\"clientAppTypes\":[\"all\"]},"         \
	"\"grantControls\":" grant "}"
#define MFA "{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}"

static enum mfa_coverage_verdict verdict_of(const struct mfa_ca_model *m, const char *id, const char *upn)
{
	struct mfa_user u;
	struct mfa_coverage c;

	mfa_user_init(&u);
	u.id = id;
	u.upn = upn;
	u.user_type = MFA_USER_TYPE_MEMBER;
	mfa_coverage_evaluate(m, &u, &c);
	return c.verdict;
}

static struct mfa_ca_model *load(const char *policies, const char *members)
{
	struct mfa_ca_model *m = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char pp[128], mp[128];

	write_file("p.json", policies, pp, sizeof(pp));
	if (members)
		write_file("m.json", members, mp, sizeof(mp));
	if (mfa_ca_model_load_files(&m, pp, members ? mp : NULL, &err) < 0)
		fail_msg("%s", err.msg);
	return m;
}

static void test_shapes(void **state)
{
	struct mfa_ca_model *m;

	(void)state;
	/* a bare array of policies; a bare array of members with plain ids */
	m = load("[" POLICY("{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}", MFA) "]",
		 "{\"groups\":{\"G1\":[\"u1\",{\"id\":\"u2\"}]}}");
	assert_int_equal(verdict_of(m, "u1", NULL), MFA_COVERAGE_NOT_COVERED);
	assert_int_equal(verdict_of(m, "u2", NULL), MFA_COVERAGE_NOT_COVERED);
	assert_int_equal(verdict_of(m, "u3", NULL), MFA_COVERAGE_COVERED);
	mfa_ca_model_free(m);

	/* a role member that is a (role-assignable) group is expanded; other
	 * member types are not users */
	m = load("{\"value\":[" POLICY("{\"includeRoles\":[\"" GA "\"]}", MFA) "]}",
		 "{\"roles\":{\"" GA "\":{\"value\":[{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"G1\"},"
		 "{\"@odata.type\":\"#microsoft.graph.servicePrincipal\",\"id\":\"sp1\"}]}},"
		 "\"groups\":{\"G1\":{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u1\"}]}}}");
	assert_int_equal(verdict_of(m, "u1", NULL), MFA_COVERAGE_COVERED);
	assert_int_equal(verdict_of(m, "sp1", NULL), MFA_COVERAGE_NOT_COVERED);
	mfa_ca_model_free(m);

	/* a transitive list names nested groups with no entry of their own:
	 * their members are in the list already */
	m = load("{\"value\":[" POLICY("{\"includeGroups\":[\"G1\"]}", MFA) "]}",
		 "{\"groups\":{\"G1\":{\"value\":[{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"G2\"},"
		 "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u9\"}]}}}");
	assert_int_equal(verdict_of(m, "u9", NULL), MFA_COVERAGE_COVERED);
	assert_int_equal(verdict_of(m, "u1", NULL), MFA_COVERAGE_NOT_COVERED);
	mfa_ca_model_free(m);

	/* no members file: groups the policies name are not read */
	m = load("{\"value\":[" POLICY("{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}", MFA) "]}", NULL);
	assert_int_equal(verdict_of(m, "u1", NULL), MFA_COVERAGE_UNKNOWN);
	mfa_ca_model_free(m);

	/* users known by UPN alone: a group whose members all have UPNs
	 * answers for them; one with a member without UPN cannot */
	m = load("{\"value\":[" POLICY("{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}", MFA) "]}",
		 "{\"groups\":{\"G1\":{\"value\":[{\"id\":\"u1\",\"userPrincipalName\":\"a@contoso.example\"}]}}}");
	assert_int_equal(verdict_of(m, NULL, "b@contoso.example"), MFA_COVERAGE_COVERED);
	assert_int_equal(verdict_of(m, NULL, "A@Contoso.Example"), MFA_COVERAGE_NOT_COVERED);
	assert_int_equal(verdict_of(m, NULL, NULL), MFA_COVERAGE_UNKNOWN);
	mfa_ca_model_free(m);
	m = load("{\"value\":[" POLICY("{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"G1\"]}", MFA) "]}",
		 "{\"groups\":{\"G1\":{\"value\":[{\"id\":\"u1\",\"userPrincipalName\":\"a@contoso.example\"},"
		 "{\"id\":\"u2\"}]}}}");
	assert_int_equal(verdict_of(m, NULL, "b@contoso.example"), MFA_COVERAGE_UNKNOWN);
	mfa_ca_model_free(m);
	/* ...and "users" supplies the UPNs of users named by id */
	m = load("{\"value\":[" POLICY("{\"includeUsers\":[\"All\"],\"excludeUsers\":[\"u7\"]}", MFA) "]}",
		 "{\"users\":{\"value\":[{\"id\":\"u7\",\"userPrincipalName\":\"svc@contoso.example\"}]}}");
	assert_int_equal(verdict_of(m, NULL, "b@contoso.example"), MFA_COVERAGE_COVERED);
	assert_int_equal(verdict_of(m, NULL, "svc@contoso.example"), MFA_COVERAGE_NOT_COVERED);
	mfa_ca_model_free(m);
	m = load("{\"value\":[" POLICY("{\"includeUsers\":[\"All\"],\"excludeUsers\":[\"u7\"]}", MFA) "]}",
		 "{\"users\":[]}");
	assert_int_equal(verdict_of(m, NULL, "b@contoso.example"), MFA_COVERAGE_UNKNOWN);
	assert_int_equal(verdict_of(m, "u8", "b@contoso.example"), MFA_COVERAGE_COVERED);
	mfa_ca_model_free(m);

	/* security defaults from the members file */
	m = load("{\"value\":[]}", "{\"securityDefaults\":{\"id\":\"x\",\"isEnabled\":true}}");
	assert_int_equal(verdict_of(m, "u1", NULL), MFA_COVERAGE_SECURITY_DEFAULTS);
	mfa_ca_model_free(m);
	m = load("{\"value\":[]}", "{\"groups\":{}}");
	assert_int_equal(verdict_of(m, "u1", NULL), MFA_COVERAGE_NOT_COVERED);
	mfa_ca_model_free(m);
}

static void test_bad_files(void **state)
{
	static const struct {
		const char *policies, *members;
		char which;      /* the file the message names: 'p'olicies or 'm'embers */
		const char *msg; /* after "'<path>': " */
	} bad[] = {
		{ "{\"value\":[", NULL, 'p', "line 1: not valid JSON" },
		{ "{\"value\":[]}", "{\n\"groups\": {\n  \"G1\": [,]\n}}", 'm', "line 3: not valid JSON" },
		{ "{\"policies\":[]}", NULL, 'p', "expected {\"value\":[...]} or an array of policies" },
		{ "{\"value\":[],\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/x?$skiptoken=1\"}", NULL, 'p',
		  "@odata.nextLink: a paged list, put every page's policies in one \"value\"" },
		{ "{\"value\":[" POLICY("{\"includeUsers\":[\"All\"]}", MFA) ",{\"id\":\"p2\",\"displayName\":\"Two\","
		  "\"state\":\"enabled\",\"conditions\":{\"users\":{\"excludeGroups\":{}},\"applications\":{}}}]}",
		  "{\"groups\":{}}", 'p', "value[1] ('Two'): conditions.users.excludeGroups: expected an array of strings" },
		{ "{\"value\":[7]}", NULL, 'p', "value[0]: expected a policy object" },
		{ "{\"value\":[]}", "[]", 'm', "expected an object with \"groups\", \"roles\", \"securityDefaults\"" },
		{ "{\"value\":[]}", "{\"group\":{}}", 'm', "unknown key 'group' (expected groups, roles, users, securityDefaults)" },
		{ "{\"value\":[]}", "{\"groups\":[]}", 'm', "groups: expected an object keyed by group id" },
		{ "{\"value\":[]}", "{\"groups\":{\"G1\":{\"members\":[]}}}", 'm',
		  "groups.G1.value: expected an array of members" },
		{ "{\"value\":[]}", "{\"groups\":{\"G1\":7}}", 'm',
		  "groups.G1: expected {\"value\":[...]} or an array of members" },
		{ "{\"value\":[]}", "{\"groups\":{\"G1\":{\"value\":[],\"@odata.nextLink\":\"https://x\"}}}", 'm',
		  "groups.G1: @odata.nextLink: a paged list, put every page's members in one \"value\"" },
		{ "{\"value\":[]}", "{\"groups\":{\"G1\":{\"value\":[{\"id\":\"u1\"},{\"displayName\":\"x\"}]}}}", 'm',
		  "groups.G1.value[1].id: expected a string" },
		{ "{\"value\":[]}", "{\"groups\":{\"G1\":{\"value\":[\"\"]}}}", 'm', "groups.G1.value[0].id: empty" },
		{ "{\"value\":[]}", "{\"roles\":{\"R1\":{\"value\":[true]}}}", 'm',
		  "roles.R1.value[0]: expected a member object or an id string" },
		/* the error names the nested group's list where the bad member is */
		{ "{\"value\":[]}", "{\"roles\":{\"R1\":[{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"G1\"}]},"
		  "\"groups\":{\"G1\":[{\"id\":5}]}}", 'm', "groups.G1.value[0].id: expected a string" },
		{ "{\"value\":[]}", "{\"users\":{\"value\":[{\"id\":\"u1\"}]}}", 'm',
		  "users.value[0].userPrincipalName: expected a string" },
		{ "{\"value\":[]}", "{\"users\":7}", 'm', "users: expected {\"value\":[...]} or an array of users" },
		{ "{\"value\":[]}", "{\"securityDefaults\":{\"isEnabled\":\"yes\"}}", 'm',
		  "securityDefaults.isEnabled: expected true or false" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mfa_ca_model *m = (struct mfa_ca_model *)&m; /* must come back NULL */
		struct mfa_err err = MFA_ERR_INIT;
		char pp[128], mp[128], want[700];

		write_file("p.json", bad[i].policies, pp, sizeof(pp));
		if (bad[i].members)
			write_file("m.json", bad[i].members, mp, sizeof(mp));
		assert_int_equal(mfa_ca_model_load_files(&m, pp, bad[i].members ? mp : NULL, &err), -1);
		assert_null(m);
		snprintf(want, sizeof(want), "'%s': %s", bad[i].which == 'm' ? mp : pp, bad[i].msg);
		if (strcmp(err.msg, want) != 0)
			fail_msg("case %zu: '%s', want '%s'", i, err.msg, want);
	}
	{
		struct mfa_ca_model *m = NULL;
		struct mfa_err err = MFA_ERR_INIT;
		char path[128], want[200];

		snprintf(path, sizeof(path), "%s/none.json", dir);
		snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", path);
		assert_int_equal(mfa_ca_model_load_files(&m, path, NULL, &err), -1);
		assert_null(m);
		assert_string_equal(err.msg, want);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_coverage_load.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/p.json", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/m.json", dir);
	unlink(p);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_emulator_fixture_matches),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
