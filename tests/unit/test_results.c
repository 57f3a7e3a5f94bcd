/* test_results.c - reports/results from plain outcome records (no
 * journal, no network): results.csv, results.xlsx (Summary, then Results
 * and its continuation sheets, in that order in xl/workbook.xml) and
 * summary.json; all 0600; an iterator that fails leaves no file behind. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include <cjson/cJSON.h>

#include "reports/results.h"

static char *slurp(const char *cmd)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, p);
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	assert_int_equal(pclose(p), 0);
	return buf;
}

struct feed {
	const struct mfa_outcome_record *recs;
	size_t n, at;
	size_t fail_at; /* SIZE_MAX: never */
};

static int next(void *ctx, struct mfa_outcome_record *out, struct mfa_err *err)
{
	struct feed *f = ctx;

	if (f->at == f->fail_at)
		return mfa_err_set(err, "journal.jsonl:%zu: damaged", f->at + 2);
	if (f->at >= f->n)
		return 0;
	*out = f->recs[f->at++];
	return 1;
}

static const struct mfa_outcome_record recs[] = {
	{ 1, "id-1", "a@contoso.example", MFA_STATE_ENFORCED, MFA_STATE_DISABLED,
	  MFA_OUTCOME_CHANGED, MFA_STATE_UNKNOWN, 204, 1, NULL },
	{ 2, "id-2", "b@contoso.example", MFA_STATE_ENFORCED, MFA_STATE_DISABLED,
	  MFA_OUTCOME_FAILED, MFA_STATE_UNKNOWN, 403, 3, "=HYPERLINK(\"x\") forbidden" },
	{ 3, NULL, "c@contoso.example", MFA_STATE_ENABLED, MFA_STATE_DISABLED,
	  MFA_OUTCOME_DRIFTED, MFA_STATE_ENFORCED, 0, 0, NULL },
	{ 4, "id-4", "d@contoso.example", MFA_STATE_ENABLED, MFA_STATE_ENABLED,
	  MFA_OUTCOME_HELD, MFA_STATE_UNKNOWN, 0, 0, NULL },
	{ 5, "id-5", "e@contoso.example", MFA_STATE_DISABLED, MFA_STATE_DISABLED,
	  MFA_OUTCOME_ALREADY, MFA_STATE_UNKNOWN, 0, 0, NULL },
};

static void options_for(struct mfa_results_options *o, const char *dir, struct feed *f)
{
	memset(o, 0, sizeof(*o));
	o->dir = dir;
	o->journal_path = "journal.jsonl";
	o->next = next;
	o->next_ctx = f;
	o->operation = "apply";
	o->source = "plan.jsonl";
	o->tenant_id = "contoso";
	o->seconds = 1.5;
	o->writes = 2;
	o->rows_per_sheet = 2;
}

static void test_results_files(void **state)
{
	struct feed f = { recs, sizeof(recs) / sizeof(recs[0]), 0, SIZE_MAX };
	struct mfa_results_options o;
	struct mfa_results res;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir();
	char cmd[700], path[600];
	const char *names[] = { "results.csv", "results.xlsx", "summary.json" };
	struct stat st;
	cJSON *json;
	char *text;
	size_t i;

	(void)state;
	options_for(&o, dir, &f);
	assert_int_equal(mfa_results_write(&o, &res, &err), 0);
	assert_int_equal(res.outcomes[MFA_OUTCOME_CHANGED], 1);
	assert_int_equal(res.outcomes[MFA_OUTCOME_FAILED], 1);
	assert_int_equal(res.outcomes[MFA_OUTCOME_DRIFTED], 1);
	assert_int_equal(res.outcomes[MFA_OUTCOME_HELD], 1);
	assert_int_equal(res.outcomes[MFA_OUTCOME_ALREADY], 1);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	assert_int_equal(tu_dir_entries(dir), 3);

	snprintf(cmd, sizeof(cmd), "cat '%s/results.csv'", dir);
	text = slurp(cmd);
	assert_non_null(strstr(text, "seq,id,userPrincipalName,from,to,outcome,observed,status,attempts,error,verified\n"));
	assert_non_null(strstr(text, "1,id-1,a@contoso.example,enforced,disabled,changed,,204,1,,\n"));
	assert_non_null(strstr(text, "3,,c@contoso.example,enabled,disabled,drifted,enforced,,,,\n"));
	free(text);

	snprintf(cmd, sizeof(cmd), "unzip -p '%s/results.xlsx' xl/workbook.xml", dir);
	text = slurp(cmd);
	assert_non_null(strstr(text, "<sheet name=\"Summary\" sheetId=\"1\""));
	assert_non_null(strstr(text, "<sheet name=\"Results\" sheetId=\"2\""));
	assert_non_null(strstr(text, "<sheet name=\"Results (2)\" sheetId=\"3\""));
	assert_non_null(strstr(text, "<sheet name=\"Results (3)\" sheetId=\"4\""));
	assert_null(strstr(text, "Results (4)"));
	assert_non_null(strstr(text, "localSheetId=\"3\" hidden=\"1\">'Results (3)'!$A$1:$K$2<"));
	free(text);
	snprintf(cmd, sizeof(cmd), "unzip -p '%s/results.xlsx' xl/worksheets/sheet3.xml", dir);
	text = slurp(cmd);
	assert_non_null(strstr(text, ">c@contoso.example<"));
	assert_non_null(strstr(text, ">d@contoso.example<"));
	free(text);
	snprintf(cmd, sizeof(cmd), "unzip -p '%s/results.xlsx' xl/worksheets/sheet2.xml", dir);
	text = slurp(cmd);
	assert_null(strstr(text, "<f>"));
	assert_non_null(strstr(text, "forbidden<"));
	free(text);
	snprintf(cmd, sizeof(cmd), "unzip -p '%s/results.xlsx' xl/worksheets/sheet1.xml", dir);
	text = slurp(cmd);
	assert_non_null(strstr(text, ">plan.jsonl<"));
	assert_non_null(strstr(text, ">verified at target<"));
	free(text);

	snprintf(cmd, sizeof(cmd), "cat '%s/summary.json'", dir);
	text = slurp(cmd);
	json = cJSON_Parse(text);
	assert_non_null(json);
	assert_string_equal(cJSON_GetObjectItem(json, "journal")->valuestring, "journal.jsonl");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "outcomes"), "failed")->valueint, 1);
	cJSON_Delete(json);
	free(text);
	tu_remove_dir(dir);
}

/* The iterator fails half-way (a damaged journal): its error comes back
 * and none of the three files is left, under either name. */
static void test_results_iterator_fails(void **state)
{
	struct feed f = { recs, sizeof(recs) / sizeof(recs[0]), 0, 3 };
	struct mfa_results_options o;
	struct mfa_results res;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir();

	(void)state;
	options_for(&o, dir, &f);
	assert_true(mfa_results_write(&o, &res, &err) < 0);
	assert_string_equal(err.msg, "journal.jsonl:5: damaged");
	assert_int_equal(tu_dir_entries(dir), 0);
	tu_remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_files),
		cmocka_unit_test(test_results_iterator_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
