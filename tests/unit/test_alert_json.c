/* test_alert_json.c - the alert's payloads (reports/alert_json.h): the
 * Teams workflow's Adaptive Card message, Slack's text and blocks, our
 * own JSON, the mail text; and the alert read back from a report folder
 * (jobs/alert.h): when it is needed, the findings and changes on top. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/alert.h"
#include "reports/alert_json.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sample(struct mfa_alert *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->tenant, sizeof(a->tenant), "contoso.onmicrosoft.com");
	a->failed_fail_on = 1;
	snprintf(a->fail_on, sizeof(a->fail_on), "admin-not-registered");
	a->compared = 1;
	a->high_changes = 2;
	a->medium_changes = 1;
	a->users = 120;
	a->admins = 3;
	a->high_risk_users = 4;
	snprintf(a->findings[0].name, sizeof(a->findings[0].name), "admin-not-registered");
	a->findings[0].users = 1;
	a->n_findings = 1;
	snprintf(a->top[0].change, sizeof(a->top[0].change), "state-away-from-disabled");
	snprintf(a->top[0].severity, sizeof(a->top[0].severity), "high");
	snprintf(a->top[0].upn, sizeof(a->top[0].upn), "ann@contoso.example");
	snprintf(a->top[0].previous, sizeof(a->top[0].previous), "disabled");
	snprintf(a->top[0].current, sizeof(a->top[0].current), "enabled");
	a->n_top = 1;
	snprintf(a->folder, sizeof(a->folder), "/var/lib/mfa-migrate/contoso/2026-12-01T06-00-00Z");
}

static cJSON *parse(const struct mfa_alert *a, enum mfa_alert_format f)
{
	struct mfa_err err = MFA_ERR_INIT;
	char *text = mfa_alert_payload(a, f, &err);
	cJSON *doc;

	assert_non_null(text);
	doc = cJSON_Parse(text);
	assert_non_null(doc);
	free(text);
	return doc;
}

static void test_teams(void **state)
{
	struct mfa_alert a;
	cJSON *doc, *att, *card, *b;
	int saw_folder = 0, saw_change = 0, saw_facts = 0;

	(void)state;
	sample(&a);
	doc = parse(&a, MFA_ALERT_TEAMS);
	assert_string_equal(cJSON_GetObjectItem(doc, "type")->valuestring, "message");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "attachments")), 1);
	att = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "attachments"), 0);
	assert_string_equal(cJSON_GetObjectItem(att, "contentType")->valuestring,
			    "application/vnd.microsoft.card.adaptive");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(att, "contentUrl")));
	card = cJSON_GetObjectItem(att, "content");
	assert_string_equal(cJSON_GetObjectItem(card, "type")->valuestring, "AdaptiveCard");
	assert_string_equal(cJSON_GetObjectItem(card, "version")->valuestring, "1.4");
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(card, "body")) {
		const char *type = cJSON_GetObjectItem(b, "type")->valuestring;

		if (!strcmp(type, "FactSet"))
			saw_facts = cJSON_GetArraySize(cJSON_GetObjectItem(b, "facts"));
		else if (strstr(cJSON_GetObjectItem(b, "text")->valuestring, a.folder))
			saw_folder = 1;
		else if (!strcmp(cJSON_GetObjectItem(b, "text")->valuestring,
				 "high state-away-from-disabled ann@contoso.example: disabled -> enabled"))
			saw_change = 1;
	}
	assert_true(saw_folder);
	assert_true(saw_change);
	assert_int_equal(saw_facts, 6); /* tenant, users, admins, high-risk, changes, one finding */
	cJSON_Delete(doc);
}

static void test_slack_and_json(void **state)
{
	struct mfa_alert a;
	cJSON *doc, *blocks, *top;
	char title[1024];

	(void)state;
	sample(&a);
	mfa_alert_title(&a, title, sizeof(title));
	assert_string_equal(title, "mfa-migrate audit of 'contoso.onmicrosoft.com': --fail-on admin-not-registered matched; 2 high-severity changes since the previous run");
	doc = parse(&a, MFA_ALERT_SLACK);
	assert_string_equal(cJSON_GetObjectItem(doc, "text")->valuestring, title);
	blocks = cJSON_GetObjectItem(doc, "blocks");
	assert_int_equal(cJSON_GetArraySize(blocks), 4);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(blocks, 0), "type")->valuestring, "header");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(blocks, 3), "type")->valuestring, "context");
	cJSON_Delete(doc);
	/* Slack's markup characters are escaped: no "<!channel>" ping */
	snprintf(a.fail_on, sizeof(a.fail_on), "<!channel> & co");
	doc = parse(&a, MFA_ALERT_SLACK);
	assert_non_null(strstr(cJSON_GetObjectItem(doc, "text")->valuestring, "--fail-on &lt;!channel&gt; &amp; co matched"));
	cJSON_Delete(doc);
	sample(&a);

	doc = parse(&a, MFA_ALERT_JSON);
	assert_string_equal(cJSON_GetObjectItem(doc, "kind")->valuestring, "mfa-migrate-alert");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "reasons")), 2);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "counts"), "changesHigh")->valueint, 2);
	top = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "topChanges"), 0);
	assert_string_equal(cJSON_GetObjectItem(top, "current")->valuestring, "enabled");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(doc, "tenantName")));
	cJSON_Delete(doc);
}

static void test_format_parse_and_text(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	enum mfa_alert_format f;
	struct mfa_alert a;
	char *text;

	(void)state;
	assert_int_equal(mfa_alert_format_parse("slack", &f, &err), 0);
	assert_int_equal(f, MFA_ALERT_SLACK);
	assert_int_equal(mfa_alert_format_parse("Teams", &f, &err), -1);
	assert_string_equal(err.msg, "'Teams' is not a webhook format (use teams, slack or json)");
	sample(&a);
	text = mfa_alert_text(&a, &err);
	assert_non_null(strstr(text, "Users: 120\n"));
	assert_non_null(strstr(text, "  high state-away-from-disabled ann@contoso.example: disabled -> enabled\n"));
	assert_non_null(strstr(text, a.folder));
	free(text);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_build_from_folder(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_alert *a = malloc(sizeof(*a));
	char *dir = tu_make_dir();
	bool needed = true;
	size_t i;

	(void)state;
	assert_non_null(a);
	/* no previous run, --fail-on passed: nothing to say */
	write_file(dir, "summary.json",
		   "{\"tenantId\":\"t1\",\"users\":50,\"admins\":2,\"byRisk\":{\"high\":3},"
		   "\"byFinding\":{\"guest\":5,\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":6,\"f\":7,\"g\":8,"
		   "\"h\":9,\"i\":10,\"j\":11,\"zero\":0}}");
	assert_int_equal(mfa_alert_build(a, dir, false, NULL, &needed, &err), 0);
	assert_false(needed);
	assert_string_equal(a->tenant, "t1");
	assert_int_equal(a->high_risk_users, 3);
	assert_int_equal(a->n_findings, MFA_ALERT_TOP);
	for (i = 1; i < a->n_findings; i++)
		assert_true(a->findings[i - 1].users >= a->findings[i].users);
	assert_string_equal(a->findings[0].name, "j");
	assert_int_equal(a->findings[MFA_ALERT_TOP - 1].users, 2); /* "a" (1) dropped */
	assert_int_equal(mfa_alert_build(a, dir, true, "guest", &needed, &err), 0);
	assert_true(needed);

	/* a previous run: high-severity changes call for it, high ones first */
	write_file(dir, "summary.json",
		   "{\"tenantId\":\"t1\",\"users\":50,\"changes\":{\"bySeverity\":{\"high\":1,\"medium\":1}}}");
	write_file(dir, "changes.csv",
		   "change,severity,id,userPrincipalName,displayName,previous,current,detail\n"
		   "finding-appeared,medium,1,m@x.example,M,,stuck-enabled,d1\n"
		   "state-changed,low,2,l@x.example,L,enabled,enforced,d2\n"
		   "state-away-from-disabled,high,3,h@x.example,H,disabled,enabled,d3\n");
	assert_int_equal(mfa_alert_build(a, dir, false, NULL, &needed, &err), 0);
	assert_true(needed);
	assert_int_equal(a->n_top, 2);
	assert_string_equal(a->top[0].upn, "h@x.example");
	assert_string_equal(a->top[1].upn, "m@x.example");
	assert_string_equal(a->top[1].current, "stuck-enabled");

	/* no summary: an error, not a crash */
	tu_remove_dir(dir);
	dir = tu_make_dir();
	assert_int_equal(mfa_alert_build(a, dir, true, NULL, &needed, &err), -1);
	tu_remove_dir(dir);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_teams),
		cmocka_unit_test(test_slack_and_json),
		cmocka_unit_test(test_format_parse_and_text),
		cmocka_unit_test(test_build_from_folder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
