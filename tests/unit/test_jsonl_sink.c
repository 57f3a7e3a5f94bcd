/* users.jsonl: each line parses as one JSON object whose keys are the
 * users.csv columns, with real booleans, arrays and nulls, and names kept
 * exactly (no spreadsheet neutralising). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "mfa/model/columns.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mfa-test-jsonl-XXXXXX";
static char path[512];

/* Hand-made users covering each kind of value. */
struct fixture {
	const char *id, *upn, *name;
	enum mfa_state state;
	enum mfa_user_type type;
	enum mfa_tri enabled, registered, capable, admin;
	uint32_t methods;
	const char *other_methods, *default_method, *state_error;
};

static const struct fixture users[] = {
	{ "11111111-0000-0000-0000-000000000001", "ann@contoso.example",
	  "=Ann \"Quote\"\nSecond line\\", MFA_STATE_ENFORCED, MFA_USER_TYPE_MEMBER,
	  MFA_TRI_YES, MFA_TRI_YES, MFA_TRI_YES, MFA_TRI_YES,
	  (1u << MFA_METHOD_AUTHENTICATOR_PUSH) | (1u << MFA_METHOD_FIDO2),
	  "someNewMethod;;another\"one", "microsoftAuthenticatorPush", NULL },
	{ NULL, "bob@contoso.example", NULL, MFA_STATE_ENFORCED, MFA_USER_TYPE_UNKNOWN,
	  MFA_TRI_NO, MFA_TRI_NO, MFA_TRI_UNKNOWN, MFA_TRI_UNKNOWN, 0, NULL, NULL, NULL },
	{ "11111111-0000-0000-0000-000000000003", "cy_contoso.example#EXT#@contoso.example",
	  "@Cy\t\x01", MFA_STATE_UNKNOWN, MFA_USER_TYPE_GUEST,
	  MFA_TRI_UNKNOWN, MFA_TRI_UNKNOWN, MFA_TRI_UNKNOWN, MFA_TRI_NO, 0, NULL, NULL,
	  "HTTP 500: \"oops\"" },
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

static void make_row(size_t i, struct mfa_user *u, struct mfa_verdict *v,
		     struct mfa_decision *d)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;

	mfa_user_init(u);
	u->id = users[i].id;
	u->upn = users[i].upn;
	u->display_name = users[i].name;
	u->state = users[i].state;
	u->user_type = users[i].type;
	u->account_enabled = users[i].enabled;
	u->reg.registered = users[i].registered;
	u->reg.capable = users[i].capable;
	u->is_admin = users[i].admin;
	u->reg.methods = users[i].methods;
	u->reg.other_methods = users[i].other_methods;
	u->reg.default_method = users[i].default_method;
	u->state_error = users[i].state_error;
	mfa_classify(NULL, u, v);
	mfa_plan_decide(&po, u, v, d);
}

/* Writes every fixture through a sink; plan rows unless audit. */
static void write_all(struct mfa_sink *s, int audit)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_summary sum;
	size_t i;

	mfa_summary_init(&sum);
	for (i = 0; i < NUSERS; i++) {
		struct mfa_user u;
		struct mfa_verdict v;
		struct mfa_decision d;
		struct mfa_row row = { &u, &v, audit ? NULL : &d };

		make_row(i, &u, &v, &d);
		mfa_summary_add(&sum, &u, &v, row.decision);
		assert_int_equal(mfa_sink_row(s, &row, &err), 0);
	}
	mfa_summary_finish(&sum);
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void expect_string_or_null(const cJSON *o, const char *key, const char *want)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(it);
	if (!want || !*want) {
		assert_true(cJSON_IsNull(it));
		return;
	}
	assert_true(cJSON_IsString(it));
	assert_string_equal(it->valuestring, want);
}

static void expect_tri(const cJSON *o, const char *key, enum mfa_tri t)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(it);
	if (t == MFA_TRI_UNKNOWN)
		assert_true(cJSON_IsNull(it));
	else if (t == MFA_TRI_YES)
		assert_true(cJSON_IsTrue(it));
	else
		assert_true(cJSON_IsFalse(it));
}

/* The array holds exactly the non-empty ';'-pieces of `joined`, in order:
 * what users.csv's cell says, element by element. */
static void expect_list(const cJSON *o, const char *key, const char *joined)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key);
	const cJSON *it;
	char *copy = strdup(joined), *p, *save = NULL;
	int n = 0;

	assert_non_null(copy);
	assert_non_null(arr);
	assert_true(cJSON_IsArray(arr));
	it = arr->child;
	for (p = strtok_r(copy, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		assert_non_null(it);
		assert_true(cJSON_IsString(it));
		assert_string_equal(it->valuestring, p);
		it = it->next;
		n++;
	}
	assert_null(it);
	assert_int_equal(cJSON_GetArraySize(arr), n);
	free(copy);
}

/* Checks one parsed line against the row it came from. */
static void check_line(const char *line, size_t i, int audit)
{
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_decision d;
	struct mfa_row row = { &u, &v, audit ? NULL : &d };
	struct mfa_column_scratch scratch;
	const char *cols[MFA_COL__COUNT];
	cJSON *o = cJSON_Parse(line);
	const cJSON *it;
	int k = 0;

	assert_non_null(o);
	assert_true(cJSON_IsObject(o));
	make_row(i, &u, &v, &d);
	mfa_user_columns(&row, &scratch, cols);

	/* Exactly the users.csv columns, in their order. */
	for (it = o->child; it; it = it->next, k++) {
		assert_true(k < MFA_COL__COUNT);
		assert_string_equal(it->string, mfa_user_column_names[k]);
	}
	assert_int_equal(k, MFA_COL__COUNT);

	/* Raw input, not the spreadsheet-safe text: no leading quote. */
	expect_string_or_null(o, "id", users[i].id);
	expect_string_or_null(o, "userPrincipalName", users[i].upn);
	expect_string_or_null(o, "displayName", users[i].name);
	expect_string_or_null(o, "defaultMfaMethod", users[i].default_method);
	expect_string_or_null(o, "stateError", users[i].state_error);
	expect_tri(o, "accountEnabled", users[i].enabled);
	expect_tri(o, "isMfaRegistered", users[i].registered);
	expect_tri(o, "isMfaCapable", users[i].capable);
	expect_tri(o, "isAdmin", users[i].admin);
	expect_string_or_null(o, "userType", cols[MFA_COL_USER_TYPE]);
	expect_string_or_null(o, "perUserMfaState", mfa_state_name(users[i].state));
	expect_string_or_null(o, "class", cols[MFA_COL_CLASS]);
	expect_string_or_null(o, "risk", cols[MFA_COL_RISK]);
	expect_list(o, "methodsRegistered", cols[MFA_COL_METHODS]);
	expect_list(o, "findings", cols[MFA_COL_FINDINGS]);
	/* No CA model given: coverage columns are empty, so null. */
	expect_string_or_null(o, "caCoverage", NULL);
	expect_string_or_null(o, "caPolicies", NULL);
	if (audit) {
		expect_string_or_null(o, "action", NULL);
		expect_string_or_null(o, "holdReason", NULL);
	} else {
		expect_string_or_null(o, "action", mfa_action_name(d.action));
		expect_string_or_null(o, "holdReason", mfa_hold_reason_name(d.reason));
	}
	cJSON_Delete(o);
}

/* Splits buf into lines (each must end in '\n') and checks them. */
static void check_output(char *buf, int audit)
{
	char *p = buf;
	size_t n = 0;

	while (*p) {
		char *nl = strchr(p, '\n');

		assert_non_null(nl);
		*nl = '\0';
		assert_true(n < NUSERS);
		check_line(p, n, audit);
		n++;
		p = nl + 1;
	}
	assert_int_equal(n, NUSERS);
}

static size_t dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static void test_file(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_sink *s = NULL;
	struct stat st;
	char *buf;

	(void)state;
	assert_int_equal(mfa_jsonl_sink_open(&s, dir, NULL, &err), 0);
	assert_string_equal(s->name, "users.jsonl");
	write_all(s, 0);
	mfa_sink_free(s);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(dir_entries(), 1); /* no .tmp left behind */
	buf = slurp(path);
	/* The leading '=' stays: this is not a spreadsheet format. */
	assert_non_null(strstr(buf, "\"displayName\":\"=Ann \\\"Quote\\\"\\nSecond line\\\\\""));
	assert_non_null(strstr(buf, "\"isAdmin\":true"));
	assert_non_null(strstr(buf, "\"accountEnabled\":false"));
	check_output(buf, 0);
	free(buf);
	unlink(path);
}

static void test_audit_rows(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_sink *s = NULL;
	char *buf;

	(void)state;
	assert_int_equal(mfa_jsonl_sink_open(&s, dir, NULL, &err), 0);
	write_all(s, 1);
	mfa_sink_free(s);
	buf = slurp(path);
	check_output(buf, 1);
	free(buf);
	unlink(path);
}

/* To a stream: same bytes as the file, nothing in the folder, and the
 * stream is still open (and flushed) after free. */
static void test_stream(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_sink *s = NULL;
	char *mem = NULL, *file;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(mfa_jsonl_sink_open(&s, dir, f, &err), 0);
	write_all(s, 0);
	/* finish flushed: the bytes are visible without our fflush. */
	assert_true(len > 0);
	mfa_sink_free(s);
	assert_int_equal(dir_entries(), 0);
	assert_true(fputs("still open\n", f) >= 0);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(mfa_jsonl_sink_open(&s, dir, NULL, &err), 0);
	write_all(s, 0);
	mfa_sink_free(s);
	file = slurp(path);
	assert_true(len == strlen(file) + strlen("still open\n"));
	assert_memory_equal(mem, file, strlen(file));
	check_output(file, 0);
	free(file);
	free(mem);
	unlink(path);
}

/* Freed before finish: nothing that looks complete, no temporary file. */
static void test_unfinished(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_sink *s = NULL;
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_decision d;
	struct mfa_row row = { &u, &v, &d };

	(void)state;
	assert_int_equal(mfa_jsonl_sink_open(&s, dir, NULL, &err), 0);
	make_row(0, &u, &v, &d);
	assert_int_equal(mfa_sink_row(s, &row, &err), 0);
	assert_int_equal(dir_entries(), 1);
	mfa_sink_free(s);
	assert_int_equal(dir_entries(), 0);
}

static void test_missing_dir(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_sink *s = (struct mfa_sink *)&err; /* must be reset */

	(void)state;
	assert_int_equal(mfa_jsonl_sink_open(&s, "/nonexistent/mfa-jsonl", NULL, &err), -1);
	assert_null(s);
	assert_non_null(strstr(err.msg, "/nonexistent/mfa-jsonl"));
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/users.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_audit_rows),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_unfinished),
		cmocka_unit_test(test_missing_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
