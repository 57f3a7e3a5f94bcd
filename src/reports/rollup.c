/* rollup.c - the roll-up of audit --tenants (rollup.h). */
#include "reports/rollup.h"

#include "reports/xlsx_book.h"
#include "util/jsonfile.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

/* The tenant's own summary.json, or NULL (it failed before writing one). */
static cJSON *tenant_summary(const struct mfa_rollup_tenant *t)
{
	struct mfa_err err = MFA_ERR_INIT;
	char path[4200];
	cJSON *doc = NULL;

	if (t->counts) /* a merged shard's row; no counts when it had none */
		return cJSON_GetObjectItem(t->counts, "users") ? cJSON_Duplicate(t->counts, 1) : NULL;
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

#define NCOLS (8 + NSTATES)

/* summary.json's "shard": which shard, of which file, holding which tenants. */
static void add_shard(cJSON *root, const struct mfa_rollup_tenant *t, size_t n,
		      const struct mfa_rollup_shard *sh)
{
	cJSON *o = cJSON_AddObjectToObject(root, "shard"), *arr;
	char digest[17];
	size_t i;

	snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)sh->file_digest);
	cJSON_AddNumberToObject(o, "index", sh->index);
	cJSON_AddNumberToObject(o, "count", sh->count);
	cJSON_AddNumberToObject(o, "fileTenants", (double)sh->file_tenants);
	cJSON_AddStringToObject(o, "fileDigest", digest);
	arr = cJSON_AddArrayToObject(o, "tenants");
	for (i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddNumberToObject(e, "position", (double)sh->positions[i]);
		cJSON_AddStringToObject(e, "tenant", t[i].id);
		cJSON_AddItemToArray(arr, e);
	}
}

int mfa_rollup_write(const char *dir, const struct mfa_rollup_tenant *t, size_t n,
		     const char *worst_outcome, int worst_code, struct mfa_err *err)
{
	return mfa_rollup_write_shard(dir, t, n, worst_outcome, worst_code, NULL, err);
}

int mfa_rollup_write_shard(const char *dir, const struct mfa_rollup_tenant *t, size_t n,
			   const char *worst_outcome, int worst_code,
			   const struct mfa_rollup_shard *shard, struct mfa_err *err)
{
	/* the spec borrows these until the book is freed, below */
	const char *headers[NCOLS] = { "tenant", "name", "outcome", "exit code", "users" };
	double widths[NCOLS] = { 40, 24 };
	const struct mfa_xlsx_table_spec spec = { "Tenants", headers, widths, NCOLS };
	cJSON *root = cJSON_CreateObject(), *arr, *tot;
	struct mfa_xlsx_book *book = NULL;
	struct mfa_xlsx_table *tab;
	double totals[NSTATES + 3] = { 0 };
	size_t i, j;
	int rc = -1;

	for (j = 0; j < NSTATES; j++)
		headers[5 + j] = state_cols[j];
	headers[5 + NSTATES] = "high risk";
	headers[6 + NSTATES] = "medium risk";
	headers[7 + NSTATES] = "report folder";
	widths[7 + NSTATES] = 60;
	if (!root) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	cJSON_AddStringToObject(root, "kind", "mfa-migrate-rollup");
	cJSON_AddNumberToObject(root, "formatVersion", 1);
	cJSON_AddStringToObject(root, "worstOutcome", worst_outcome);
	cJSON_AddNumberToObject(root, "exitCode", worst_code);
	arr = cJSON_AddArrayToObject(root, "tenants");
	if (mfa_xlsx_book_open(&book, dir, "report.xlsx", NULL, err) < 0 ||
	    mfa_xlsx_table_add(&tab, book, &spec, err) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		cJSON *s = tenant_summary(&t[i]), *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "tenant", t[i].id);
		cJSON_AddStringToObject(o, "name", t[i].name);
		cJSON_AddStringToObject(o, "outcome", t[i].outcome);
		cJSON_AddNumberToObject(o, "exitCode", t[i].exit_code);
		cJSON_AddStringToObject(o, "folder", t[i].folder);
		cJSON_AddItemToArray(arr, o);
		if (mfa_xlsx_table_row(tab, err) < 0 ||
		    mfa_xlsx_table_string(tab, 0, t[i].id, MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(tab, 1, t[i].name, MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(tab, 2, t[i].outcome, MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_number(tab, 3, t[i].exit_code, MFA_XLSX_PLAIN, err) < 0 ||
		    mfa_xlsx_table_string(tab, 7 + NSTATES, t[i].folder, MFA_XLSX_PLAIN, err) < 0) {
			cJSON_Delete(s);
			goto cleanup;
		}
		if (s) {
			double v[NSTATES + 3];

			cJSON_AddNumberToObject(o, "users", num(s, "users", NULL));
			cJSON_AddItemToObject(o, "byState", cJSON_Duplicate(cJSON_GetObjectItem(s, "byState"), 1));
			cJSON_AddItemToObject(o, "byRisk", cJSON_Duplicate(cJSON_GetObjectItem(s, "byRisk"), 1));
			cJSON_AddItemToObject(o, "byFinding",
					      cJSON_Duplicate(cJSON_GetObjectItem(s, "byFinding"), 1));
			if (cJSON_GetObjectItem(s, "changes"))
				cJSON_AddItemToObject(o, "changes",
						      cJSON_Duplicate(cJSON_GetObjectItem(s, "changes"), 1));
			v[0] = num(s, "users", NULL);
			for (j = 0; j < NSTATES; j++)
				v[1 + j] = num(s, "byState", state_cols[j]);
			v[1 + NSTATES] = num(s, "byRisk", "high");
			v[2 + NSTATES] = num(s, "byRisk", "medium");
			cJSON_Delete(s);
			for (j = 0; j < NSTATES + 3; j++) {
				totals[j] += v[j];
				if (mfa_xlsx_table_number(tab, (unsigned)(4 + j), v[j], MFA_XLSX_PLAIN,
							  err) < 0)
					goto cleanup;
			}
		}
	}
	/* the totals row, bold, below the autofilter */
	if (mfa_xlsx_table_end(tab, err) < 0 || mfa_xlsx_table_footer(tab, err) < 0 ||
	    mfa_xlsx_table_string(tab, 0, "all tenants", MFA_XLSX_BOLD, err) < 0)
		goto cleanup;
	for (j = 0; j < NSTATES + 3; j++)
		if (mfa_xlsx_table_number(tab, (unsigned)(4 + j), totals[j], MFA_XLSX_BOLD, err) < 0)
			goto cleanup;
	tot = cJSON_AddObjectToObject(root, "allTenants");
	cJSON_AddNumberToObject(tot, "users", totals[0]);
	for (j = 0; j < NSTATES; j++)
		cJSON_AddNumberToObject(tot, state_cols[j], totals[1 + j]);
	cJSON_AddNumberToObject(tot, "highRisk", totals[1 + NSTATES]);
	cJSON_AddNumberToObject(tot, "mediumRisk", totals[2 + NSTATES]);
	if (shard)
		add_shard(root, t, n, shard);
	if (mfa_xlsx_book_commit(book, err) < 0)
		goto cleanup;
	if (mfa_jsonfile_write(dir, "summary.json", root, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	mfa_xlsx_book_free(book); /* not committed: nothing left behind */
	cJSON_Delete(root);
	return rc;
}
