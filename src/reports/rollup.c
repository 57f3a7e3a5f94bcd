/* rollup.c - the roll-up of audit --tenants (rollup.h). */
#include "reports/rollup.h"

#include "mfa/util/outfile.h"
#include "util/jsonfile.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <xlsxwriter.h>

/* The tenant's own summary.json, or NULL (it failed before writing one). */
static cJSON *tenant_summary(const struct mfa_rollup_tenant *t)
{
	struct mfa_err err = MFA_ERR_INIT;
	char path[4200];
	cJSON *doc = NULL;

	if (!t->folder[0])
		return NULL;
	snprintf(path, sizeof(path), "%s/summary.json", t->folder);
	if (mfa_jsonfile_read(&doc, path, &err) < 0)
		return NULL;
	return doc;
}

static double num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *const state_cols[] = { "disabled", "enabled", "enforced", "enabled-or-enforced",
					  "unknown" };
#define NSTATES (sizeof(state_cols) / sizeof(state_cols[0]))

int mfa_rollup_write(const char *dir, const struct mfa_rollup_tenant *t, size_t n,
		     const char *worst_outcome, int worst_code, struct mfa_err *err)
{
	cJSON *root = cJSON_CreateObject(), *arr, *tot;
	char *xtmp = NULL, *xfinal = NULL;
	lxw_workbook *wb = NULL;
	lxw_worksheet *ws;
	lxw_format *bold;
	double totals[NSTATES + 3] = { 0 };
	size_t i, j;
	int rc = -1;

	if (!root) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	cJSON_AddStringToObject(root, "kind", "mfa-migrate-rollup");
	cJSON_AddNumberToObject(root, "formatVersion", 1);
	cJSON_AddStringToObject(root, "worstOutcome", worst_outcome);
	cJSON_AddNumberToObject(root, "exitCode", worst_code);
	arr = cJSON_AddArrayToObject(root, "tenants");
	xtmp = mfa_path_join(dir, "report.xlsx.tmp");
	xfinal = mfa_path_join(dir, "report.xlsx");
	wb = xtmp ? workbook_new(xtmp) : NULL;
	if (!wb) {
		mfa_err_set(err, "cannot create '%s'", xtmp ? xtmp : "report.xlsx");
		goto cleanup;
	}
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	ws = workbook_add_worksheet(wb, "Tenants");
	{
		static const char *const head[] = { "tenant", "name", "outcome", "exit code", "users" };
		for (j = 0; j < 5; j++)
			worksheet_write_string(ws, 0, (lxw_col_t)j, head[j], bold);
		for (j = 0; j < NSTATES; j++)
			worksheet_write_string(ws, 0, (lxw_col_t)(5 + j), state_cols[j], bold);
		worksheet_write_string(ws, 0, (lxw_col_t)(5 + NSTATES), "high risk", bold);
		worksheet_write_string(ws, 0, (lxw_col_t)(6 + NSTATES), "medium risk", bold);
		worksheet_write_string(ws, 0, (lxw_col_t)(7 + NSTATES), "report folder", bold);
		worksheet_set_column(ws, 0, 0, 40, NULL);
		worksheet_set_column(ws, 1, 1, 24, NULL);
		worksheet_set_column(ws, (lxw_col_t)(7 + NSTATES), (lxw_col_t)(7 + NSTATES), 60, NULL);
		worksheet_freeze_panes(ws, 1, 0);
	}
	for (i = 0; i < n; i++) {
		cJSON *s = tenant_summary(&t[i]), *o = cJSON_CreateObject();
		lxw_row_t row = (lxw_row_t)(i + 1);

		cJSON_AddStringToObject(o, "tenant", t[i].id);
		cJSON_AddStringToObject(o, "name", t[i].name);
		cJSON_AddStringToObject(o, "outcome", t[i].outcome);
		cJSON_AddNumberToObject(o, "exitCode", t[i].exit_code);
		cJSON_AddStringToObject(o, "folder", t[i].folder);
		worksheet_write_string(ws, row, 0, t[i].id, NULL);
		worksheet_write_string(ws, row, 1, t[i].name, NULL);
		worksheet_write_string(ws, row, 2, t[i].outcome, NULL);
		worksheet_write_number(ws, row, 3, t[i].exit_code, NULL);
		worksheet_write_string(ws, row, (lxw_col_t)(7 + NSTATES), t[i].folder, NULL);
		if (s) {
			cJSON_AddNumberToObject(o, "users", num(s, "users", NULL));
			cJSON_AddItemToObject(o, "byState", cJSON_Duplicate(cJSON_GetObjectItem(s, "byState"), 1));
			cJSON_AddItemToObject(o, "byRisk", cJSON_Duplicate(cJSON_GetObjectItem(s, "byRisk"), 1));
			cJSON_AddItemToObject(o, "byFinding",
					      cJSON_Duplicate(cJSON_GetObjectItem(s, "byFinding"), 1));
			if (cJSON_GetObjectItem(s, "changes"))
				cJSON_AddItemToObject(o, "changes",
						      cJSON_Duplicate(cJSON_GetObjectItem(s, "changes"), 1));
			worksheet_write_number(ws, row, 4, num(s, "users", NULL), NULL);
			totals[0] += num(s, "users", NULL);
			for (j = 0; j < NSTATES; j++) {
				double v = num(s, "byState", state_cols[j]);
				worksheet_write_number(ws, row, (lxw_col_t)(5 + j), v, NULL);
				totals[1 + j] += v;
			}
			worksheet_write_number(ws, row, (lxw_col_t)(5 + NSTATES), num(s, "byRisk", "high"), NULL);
			worksheet_write_number(ws, row, (lxw_col_t)(6 + NSTATES), num(s, "byRisk", "medium"), NULL);
			totals[1 + NSTATES] += num(s, "byRisk", "high");
			totals[2 + NSTATES] += num(s, "byRisk", "medium");
			cJSON_Delete(s);
		}
		cJSON_AddItemToArray(arr, o);
	}
	worksheet_write_string(ws, (lxw_row_t)(n + 1), 0, "all tenants", bold);
	worksheet_write_number(ws, (lxw_row_t)(n + 1), 4, totals[0], bold);
	for (j = 0; j < NSTATES + 2; j++)
		worksheet_write_number(ws, (lxw_row_t)(n + 1), (lxw_col_t)(5 + j), totals[1 + j], bold);
	worksheet_autofilter(ws, 0, 0, (lxw_row_t)n, (lxw_col_t)(7 + NSTATES));
	tot = cJSON_AddObjectToObject(root, "allTenants");
	cJSON_AddNumberToObject(tot, "users", totals[0]);
	for (j = 0; j < NSTATES; j++)
		cJSON_AddNumberToObject(tot, state_cols[j], totals[1 + j]);
	cJSON_AddNumberToObject(tot, "highRisk", totals[1 + NSTATES]);
	cJSON_AddNumberToObject(tot, "mediumRisk", totals[2 + NSTATES]);
	if (workbook_close(wb) != LXW_NO_ERROR) {
		wb = NULL;
		mfa_err_set(err, "cannot write '%s'", xtmp);
		goto cleanup;
	}
	wb = NULL;
	if (chmod(xtmp, 0600) < 0 || rename(xtmp, xfinal) < 0) {
		mfa_err_set(err, "cannot move '%s' into place", xtmp);
		goto cleanup;
	}
	if (mfa_jsonfile_write(dir, "summary.json", root, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	if (wb)
		workbook_close(wb);
	free(xtmp);
	free(xfinal);
	cJSON_Delete(root);
	return rc;
}

