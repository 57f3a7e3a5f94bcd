/* rollup_merge.c - the shards' roll-ups into one (rollup_merge.h). */
#include "jobs/rollup_merge.h"

#include "jobs/outdir.h"
#include "jobs/tenants_file.h"
#include "mfa/model/shard.h"
#include "reports/rollup.h"
#include "util/jsonfile.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Outcomes, best first (tenants.h's order). */
static const char *const outcomes[] = { "done", "findings", "partial", "interrupted", "error" };
#define NOUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

struct shard_in {
	cJSON *doc;
	const char *dir;
	unsigned index;
};

struct place {
	const cJSON *row;        /* its row in the shard's tenants[] */
	size_t shard;            /* which input; (size_t)-1 until seen */
	char folder[4200];
};

static int outcome_rank(const char *name)
{
	size_t k;

	for (k = 0; name && k < NOUTCOMES; k++)
		if (strcmp(name, outcomes[k]) == 0)
			return (int)k;
	return -1;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A whole number in [0, max], or -1. */
static double whole(const cJSON *o, const char *key, double max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max ||
	    v->valuedouble != (double)(long long)v->valuedouble)
		return -1;
	return v->valuedouble;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return path[0] && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The tenant's folder as recorded, or DIR/<its name> when only that is there. */
static void find_folder(char *out, size_t size, const char *recorded, const char *dir)
{
	const char *base = strrchr(recorded, '/');
	char moved[4200];

	snprintf(out, size, "%s", recorded);
	if (!recorded[0] || is_dir(recorded))
		return;
	snprintf(moved, sizeof(moved), "%s/%s", dir, base ? base + 1 : recorded);
	if (is_dir(moved))
		snprintf(out, size, "%s", moved);
}

/* Reads and checks dir's roll-up; s->doc is set on success. */
static int read_shard(struct shard_in *s, const char *dir, struct mfa_err *err)
{
	const cJSON *sh;
	char path[4200];
	double v;

	s->dir = dir;
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if (mfa_jsonfile_read(&s->doc, path, err) < 0)
		return mfa_err_prefix(err, "'%s' holds no roll-up to merge", dir);
	if (!str(s->doc, "kind") || strcmp(str(s->doc, "kind"), "mfa-migrate-rollup") != 0)
		return mfa_err_set(err, "'%s' is not the roll-up of an audit --tenants run: give the folders 'audit --tenants --shard I/N' printed",
				   path);
	sh = cJSON_GetObjectItemCaseSensitive(s->doc, "shard");
	if (!sh)
		return mfa_err_set(err, "'%s' is the roll-up of an unsharded run (no \"shard\"): it holds every tenant already, nothing to merge",
				   path);
	v = whole(sh, "index", MFA_SHARD_MAX);
	if (v < 0 || whole(sh, "count", MFA_SHARD_MAX) < 1 || v >= whole(sh, "count", MFA_SHARD_MAX) ||
	    whole(sh, "fileTenants", MFA_TENANTS_MAX) < 0 || !str(sh, "fileDigest") ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(sh, "tenants")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(s->doc, "tenants")) ||
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sh, "tenants")) !=
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s->doc, "tenants")))
		return mfa_err_set(err, "'%s': its \"shard\" is damaged (index, count, fileTenants, fileDigest, tenants): run that shard again",
				   path);
	s->index = (unsigned)v;
	return 0;
}

/* "1, 3, 5" (at most a few dozen named, then "..."). */
static void missing_list(char *out, size_t size, const size_t *by_index, unsigned count)
{
	size_t len = 0;
	unsigned i, named = 0;

	out[0] = '\0';
	for (i = 0; i < count && len + 16 < size; i++) {
		if (by_index[i] != (size_t)-1)
			continue;
		if (named++ == 40) {
			snprintf(out + len, size - len, ", ...");
			return;
		}
		len += (size_t)snprintf(out + len, size - len, "%s%u", len ? ", " : "", i);
	}
}

/* Every shard's tenants into their places in the file. */
static int place_tenants(struct place *p, size_t nplaces, const struct shard_in *in, size_t nin,
			 struct mfa_err *err)
{
	size_t k;

	for (k = 0; k < nin; k++) {
		const cJSON *rows = cJSON_GetObjectItemCaseSensitive(in[k].doc, "tenants");
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(in[k].doc, "shard"),
								     "tenants");
		int j, m = cJSON_GetArraySize(rows);

		for (j = 0; j < m; j++) {
			const cJSON *row = cJSON_GetArrayItem(rows, j), *e = cJSON_GetArrayItem(list, j);
			double pos = whole(e, "position", (double)nplaces - 1);
			const char *id = str(row, "tenant");

			if (pos < 0 || !id || !str(e, "tenant") || strcmp(id, str(e, "tenant")) != 0 ||
			    outcome_rank(str(row, "outcome")) < 0 || whole(row, "exitCode", 255) < 0 ||
			    !str(row, "folder") || !str(row, "name"))
				return mfa_err_set(err, "'%s/summary.json': tenant %d of the roll-up is damaged (tenant, name, outcome, exitCode, folder, its shard position): run that shard again",
						   in[k].dir, j + 1);
			if (p[(size_t)pos].shard != (size_t)-1)
				return mfa_err_set(err, "tenant '%s' (place %.0f in the tenants file) is in both '%s' and '%s': give each shard once",
						   id, pos + 1, in[p[(size_t)pos].shard].dir, in[k].dir);
			p[(size_t)pos].row = row;
			p[(size_t)pos].shard = k;
			find_folder(p[(size_t)pos].folder, sizeof(p[(size_t)pos].folder), str(row, "folder"),
				    in[k].dir);
		}
	}
	for (k = 0; k < nplaces; k++)
		if (p[k].shard == (size_t)-1)
			return mfa_err_set(err, "the shards hold fewer tenants than their tenants file's %zu (place %zu is in none): they are not of one run",
					   nplaces, k + 1);
	return 0;
}

int mfa_rollup_merge_run(struct mfa_rollup_merge_result *res, const struct mfa_rollup_merge_options *o)
{
	struct mfa_err *err = &res->err;
	struct mfa_outdir dir = MFA_OUTDIR_INIT;
	struct shard_in *in = NULL;
	struct place *places = NULL;
	struct mfa_rollup_tenant *rows = NULL;
	size_t *by_index = NULL, nplaces = 0, k, j;
	unsigned count = 0;
	const char *digest = NULL;
	int worst = -1, worst_code = o->codes.done, rc = -1;
	char missing[512];

	memset(res, 0, sizeof(*res));
	if (o->ndirs == 0) {
		mfa_err_set(err, "name the shards' roll-up folders to merge");
		goto cleanup;
	}
	in = calloc(o->ndirs, sizeof(*in));
	if (!in) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	for (k = 0; k < o->ndirs; k++) {
		const cJSON *sh;

		if (read_shard(&in[k], o->dirs[k], err) < 0)
			goto cleanup;
		sh = cJSON_GetObjectItemCaseSensitive(in[k].doc, "shard");
		if (k == 0) {
			count = (unsigned)whole(sh, "count", MFA_SHARD_MAX);
			nplaces = (size_t)whole(sh, "fileTenants", MFA_TENANTS_MAX);
			digest = str(sh, "fileDigest");
			by_index = malloc(count * sizeof(*by_index));
			places = calloc(nplaces ? nplaces : 1, sizeof(*places));
			if (!by_index || !places) {
				mfa_err_set(err, "out of memory");
				goto cleanup;
			}
			memset(by_index, 0xff, count * sizeof(*by_index));
			for (j = 0; j < nplaces; j++)
				places[j].shard = (size_t)-1;
		} else if ((unsigned)whole(sh, "count", MFA_SHARD_MAX) != count) {
			mfa_err_set(err, "'%s' is shard %u of %.0f, but '%s' is of %u: give the shards of one run",
				    in[k].dir, in[k].index, whole(sh, "count", MFA_SHARD_MAX), in[0].dir, count);
			goto cleanup;
		} else if ((size_t)whole(sh, "fileTenants", MFA_TENANTS_MAX) != nplaces || strcmp(str(sh, "fileDigest"), digest) != 0) {
			mfa_err_set(err, "'%s' was run on another tenants file than '%s' (fileDigest differs): give the shards of one run, all with the same file",
				    in[k].dir, in[0].dir);
			goto cleanup;
		}
		if (by_index[in[k].index] != (size_t)-1) {
			mfa_err_set(err, "shard %u of %u is given twice: '%s' and '%s'", in[k].index, count,
				    in[by_index[in[k].index]].dir, in[k].dir);
			goto cleanup;
		}
		by_index[in[k].index] = k;
	}
	if (o->ndirs < count) {
		missing_list(missing, sizeof(missing), by_index, count);
		mfa_err_set(err, "%zu of %u shards missing (shard %s): give every shard's roll-up folder, each from 'audit --tenants FILE --shard I/%u'",
			    count - o->ndirs, count, missing, count);
		goto cleanup;
	}
	if (place_tenants(places, nplaces, in, o->ndirs, err) < 0)
		goto cleanup;
	rows = calloc(nplaces ? nplaces : 1, sizeof(*rows));
	if (!rows) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	for (k = 0; k < nplaces; k++) {
		const cJSON *row = places[k].row;
		int r = outcome_rank(str(row, "outcome"));

		rows[k].id = str(row, "tenant");
		rows[k].name = str(row, "name");
		rows[k].outcome = str(row, "outcome");
		rows[k].exit_code = (int)whole(row, "exitCode", 255);
		rows[k].folder = places[k].folder;
		rows[k].counts = row;
		if (r > worst) { /* the first of the worst, as the unsharded run picks */
			worst = r;
			worst_code = rows[k].exit_code;
		}
	}
	dir.allow_shared = o->allow_shared_out;
	if (mfa_outdir_make(&dir, o->out, "rollup", err) < 0)
		goto cleanup;
	for (k = 0; k < o->ndirs; k++) {
		struct stat a, b;

		if (stat(in[k].dir, &a) == 0 && fstat(dir.fd, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino) {
			mfa_err_set(err, "--out '%s' is the shard folder '%s': the merged roll-up would replace that shard's; pick another folder",
				    dir.path, in[k].dir);
			goto cleanup;
		}
	}
	if (worst < 0)
		worst = 0;
	if (mfa_rollup_write(dir.path, rows, nplaces, outcomes[worst], worst_code, err) < 0)
		goto cleanup;
	dir.keep = true;
	mfa_notify(&o->notify, MFA_LEVEL_NOTE, "merged %zu shards: %zu tenants", o->ndirs, nplaces);
	snprintf(res->out_path, sizeof(res->out_path), "%s", dir.path);
	res->worst_code = worst_code;
	res->shards = o->ndirs;
	res->tenants = nplaces;
	rc = 0;
cleanup:
	for (k = 0; in && k < o->ndirs; k++)
		cJSON_Delete(in[k].doc);
	free(in);
	free(places);
	free(by_index);
	free(rows);
	mfa_outdir_release(&dir);
	return rc;
}
