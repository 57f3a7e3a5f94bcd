/* test_jsonfile.c - JSON documents to files and back (util/jsonfile.h). */
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
#include <cjson/cJSON.h>

#include "util/jsonfile.h"

static char dir[] = "/tmp/test_jsonfile.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	unlink(path);
	return rmdir(dir);
}

/* A summary.json well over 1 MiB (a long history) reads back whole: the
 * last key, past the first MiB, is there. */
static void test_large_reads_whole(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	cJSON *doc = cJSON_CreateObject(), *runs, *back = NULL;
	const cJSON *v;
	char path[256];
	struct stat st;
	int i;

	(void)state;
	assert_non_null(doc);
	cJSON_AddStringToObject(doc, "kind", "mfa-migrate-summary");
	runs = cJSON_AddArrayToObject(doc, "runs");
	for (i = 0; i < 20000; i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "run", "20261128T081500Z");
		cJSON_AddNumberToObject(r, "users", i);
		cJSON_AddStringToObject(r, "note", "padding padding padding padding padding");
		cJSON_AddItemToArray(runs, r);
	}
	cJSON_AddNumberToObject(doc, "users", 123456);
	assert_int_equal(mfa_jsonfile_write(dir, "summary.json", doc, &err), 0);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > (1 << 20));
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(mfa_jsonfile_read(&back, path, &err), 0);
	assert_non_null(back);
	v = cJSON_GetObjectItemCaseSensitive(back, "users");
	assert_true(cJSON_IsNumber(v));
	assert_int_equal((int)v->valuedouble, 123456);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(back, "runs")), 20000);
	cJSON_Delete(back);
	cJSON_Delete(doc);
}

static void test_errors_said(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	cJSON *back = (cJSON *)1;
	char path[256];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	assert_int_equal(mfa_jsonfile_read(&back, path, &err), -1);
	assert_null(back);
	assert_non_null(strstr(err.msg, "missing.json"));

	snprintf(path, sizeof(path), "%s/bad.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"kind\": ", f);
	fclose(f);
	assert_int_equal(mfa_jsonfile_read(&back, path, &err), -1);
	assert_null(back);
	assert_non_null(strstr(err.msg, "not JSON"));

	/* an empty file is not JSON either */
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(mfa_jsonfile_read(&back, path, &err), -1);

	/* a folder that is not there: nothing written */
	back = cJSON_CreateNull();
	assert_int_equal(mfa_jsonfile_write("/nonexistent/folder", "x.json", back, &err), -1);
	cJSON_Delete(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_reads_whole),
		cmocka_unit_test(test_errors_said),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
