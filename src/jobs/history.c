/* history.c - runs kept per tenant, compared and compressed (history.h). */
#include "jobs/history.h"

#include "mfa/util/outfile.h"
#include "mfa/model/classify.h"
#include "mfa/model/user.h"
#include "util/jsonfile.h"
#include "util/runpath.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* True when dir/summary.json is mfa-migrate's: never touch anything else. */
static bool ours(const char *dir)
{
	char path[4200], buf[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, "\"mfa-migrate-summary\"") != NULL;
}

static int stamped_entry(const struct dirent *e)
{
	return mfa_runpath_is_stamped(e->d_name);
}

/* The run folders of tenant_dir written by mfa-migrate, oldest first
 * (their names sort by time). Free with free_runs. */
static int list_runs(const char *tenant_dir, struct dirent ***out, size_t *n, struct mfa_err *err)
{
	struct dirent **list = NULL;
	char path[4200];
	int got, i;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	got = scandir(tenant_dir, &list, stamped_entry, alphasort);
	if (got < 0)
		return errno == ENOENT ? 0 : mfa_err_set(err, "cannot read '%s': %s", tenant_dir, strerror(errno));
	for (i = 0; i < got; i++) {
		snprintf(path, sizeof(path), "%s/%s", tenant_dir, list[i]->d_name);
		if (ours(path))
			list[count++] = list[i];
		else
			free(list[i]);
	}
	*out = list;
	*n = count;
	return 0;
}

static void free_runs(struct dirent **list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

int mfa_history_prepare(struct mfa_history *h, const char *root, const char *tenant,
			struct mfa_err *err)
{
	char name[256];
	struct dirent **runs = NULL;
	size_t n = 0;

	memset(h, 0, sizeof(*h));
	if (mfa_runpath_safe_name(name, sizeof(name), tenant ? tenant : "export", err) < 0)
		return mfa_err_prefix(err, "--history: the tenant");
	if ((size_t)snprintf(h->tenant_dir, sizeof(h->tenant_dir), "%s/%s", root, name) >=
	    sizeof(h->tenant_dir))
		return mfa_err_set(err, "--history: path too long");
	if (mfa_mkdirs(h->tenant_dir, err) < 0)
		return -1;
	if (list_runs(h->tenant_dir, &runs, &n, err) < 0)
		return -1;
	if (n) {
		snprintf(h->previous, sizeof(h->previous), "%s/%s", h->tenant_dir, runs[n - 1]->d_name);
		h->has_previous = true;
	}
	free_runs(runs, n);
	if (mfa_runpath_stamped(h->run_dir, sizeof(h->run_dir), h->tenant_dir, "", time(NULL), 0,
				err) < 0)
		return mfa_err_prefix(err, "--history");
	return 0;
}

/* path -> path.gz, then path is removed. */
static int gzip_file(const char *path, struct mfa_err *err)
{
	char gz[4300], tmp[4310], buf[1 << 15];
	FILE *in = fopen(path, "rb");
	gzFile out = NULL;
	size_t n;
	int rc = -1;

	if (!in)
		return mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	snprintf(gz, sizeof(gz), "%s.gz", path);
	snprintf(tmp, sizeof(tmp), "%s.gz.tmp", path);
	out = gzopen(tmp, "wb9");
	if (!out) {
		mfa_err_set(err, "cannot create '%s'", tmp);
		goto cleanup;
	}
	chmod(tmp, 0600);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (gzwrite(out, buf, (unsigned)n) != (int)n) {
			mfa_err_set(err, "cannot write '%s'", tmp);
			goto cleanup;
		}
	}
	if (ferror(in)) {
		mfa_err_set(err, "cannot read '%s'", path);
		goto cleanup;
	}
	if (gzclose(out) != Z_OK) {
		out = NULL;
		mfa_err_set(err, "cannot write '%s'", tmp);
		goto cleanup;
	}
	out = NULL;
	if (rename(tmp, gz) < 0 || unlink(path) < 0) {
		mfa_err_set(err, "cannot replace '%s' with '%s': %s", path, gz, strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (out)
		gzclose(out);
	if (rc < 0)
		unlink(tmp);
	fclose(in);
	return rc;
}

static bool compressible(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcmp(name + n - 4, ".csv") == 0) ||
	       (n > 6 && strcmp(name + n - 6, ".jsonl") == 0);
}

static int compressible_entry(const struct dirent *e)
{
	return compressible(e->d_name);
}

int mfa_history_retain(const struct mfa_history *h, unsigned keep, unsigned *compressed,
		       struct mfa_err *err)
{
	struct dirent **runs = NULL;
	size_t n = 0, i;
	char dir[4200], path[4500];
	int rc = 0;

	*compressed = 0;
	if (list_runs(h->tenant_dir, &runs, &n, err) < 0)
		return -1;
	for (i = 0; i + keep < n && rc == 0; i++) {
		struct dirent **files = NULL;
		int nfiles, k;
		bool did = false;

		snprintf(dir, sizeof(dir), "%s/%s", h->tenant_dir, runs[i]->d_name);
		nfiles = scandir(dir, &files, compressible_entry, alphasort);
		for (k = 0; k < nfiles; k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[k]->d_name);
			if (rc == 0 && gzip_file(path, err) < 0)
				rc = -1;
			else if (rc == 0)
				did = true;
		}
		free_runs(files, nfiles > 0 ? (size_t)nfiles : 0);
		*compressed += did;
	}
	free_runs(runs, n);
	return rc;
}

static unsigned long count_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble > 0))
		return 0;
	/* a summary.json anyone may have edited: a count past the type's
	 * range must not overflow the conversion (undefined behaviour) */
	if (v->valuedouble >= (double)ULONG_MAX)
		return ULONG_MAX;
	return (unsigned long)v->valuedouble;
}

int mfa_history_trend(const struct mfa_history *h, struct mfa_run_counts **out, size_t *nout,
		      struct mfa_err *err)
{
	struct mfa_err skip = MFA_ERR_INIT;
	struct mfa_run_counts *trend = NULL;
	struct dirent **runs = NULL;
	size_t n = 0, i, got = 0;
	char path[4300];
	int k, rc = -1;

	*out = NULL;
	*nout = 0;
	if (list_runs(h->tenant_dir, &runs, &n, err) < 0)
		return -1;
	trend = calloc(n ? n : 1, sizeof(*trend));
	if (!trend) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		struct mfa_run_counts *r = &trend[got];
		cJSON *doc = NULL;
		const cJSON *v, *states, *findings;

		snprintf(path, sizeof(path), "%s/%s/summary.json", h->tenant_dir, runs[i]->d_name);
		/* a run whose summary cannot be read is left out of the trend */
		if (mfa_jsonfile_read(&doc, path, &skip) < 0)
			continue;
		snprintf(r->run, sizeof(r->run), "%s", runs[i]->d_name);
		v = cJSON_GetObjectItemCaseSensitive(doc, "startedDateTime");
		if (cJSON_IsString(v))
			snprintf(r->started, sizeof(r->started), "%s", v->valuestring);
		r->users = count_of(doc, "users");
		states = cJSON_GetObjectItemCaseSensitive(doc, "byState");
		for (k = 0; k < MFA_STATE__COUNT; k++)
			r->by_state[k] = count_of(states, mfa_state_name((enum mfa_state)k));
		findings = cJSON_GetObjectItemCaseSensitive(doc, "byFinding");
		for (k = 0; k < MFA_FINDING__COUNT; k++)
			r->by_finding[k] = count_of(findings, mfa_finding_name((enum mfa_finding)k));
		cJSON_Delete(doc);
		got++;
	}
	*out = trend;
	trend = NULL;
	*nout = got;
	rc = 0;
cleanup:
	free(trend);
	free_runs(runs, n);
	return rc;
}
