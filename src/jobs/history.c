/* history.c - runs kept per tenant, compared and compressed (history.h). */
#include "jobs/history.h"

#include "mfa/util/outfile.h"
#include "util/runpath.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_RUNS 4096

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

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The run folders of tenant_dir written by mfa-migrate, oldest first
 * (their names sort by time). The caller frees each name and the array. */
static int list_runs(const char *tenant_dir, char ***out, size_t *n, struct mfa_err *err)
{
	DIR *d = opendir(tenant_dir);
	struct dirent *e;
	char **names = NULL;
	size_t count = 0;
	char path[4200];

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : mfa_err_set(err, "cannot read '%s': %s", tenant_dir, strerror(errno));
	names = calloc(MAX_RUNS, sizeof(*names));
	if (!names) {
		closedir(d);
		return mfa_err_set(err, "out of memory");
	}
	while ((e = readdir(d)) != NULL && count < MAX_RUNS) {
		if (!mfa_runpath_is_stamped(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tenant_dir, e->d_name);
		if (!ours(path))
			continue;
		names[count] = strdup(e->d_name);
		if (names[count])
			count++;
	}
	closedir(d);
	qsort(names, count, sizeof(*names), cmp_names);
	*out = names;
	*n = count;
	return 0;
}

static void free_runs(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int cli_history_prepare(struct cli_history *h, const char *root, const char *tenant,
			struct mfa_err *err)
{
	char name[256];
	char **runs = NULL;
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
		snprintf(h->previous, sizeof(h->previous), "%s/%s", h->tenant_dir, runs[n - 1]);
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

int cli_history_retain(const struct cli_history *h, unsigned keep, unsigned *compressed,
		       struct mfa_err *err)
{
	char **runs = NULL;
	size_t n = 0, i;
	char dir[4200], path[4500];
	int rc = 0;

	*compressed = 0;
	if (list_runs(h->tenant_dir, &runs, &n, err) < 0)
		return -1;
	for (i = 0; i + keep < n && rc == 0; i++) {
		DIR *d;
		struct dirent *e;
		bool did = false;

		snprintf(dir, sizeof(dir), "%s/%s", h->tenant_dir, runs[i]);
		d = opendir(dir);
		if (!d)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (!compressible(e->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (gzip_file(path, err) < 0) {
				rc = -1;
				break;
			}
			did = true;
		}
		closedir(d);
		*compressed += did;
	}
	free_runs(runs, n);
	return rc;
}

/* Reads a whole small file (a summary.json) into a new string. */
static char *slurp(const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (buf) {
		n = fread(buf, 1, max, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

cJSON *cli_history_trend(const struct cli_history *h)
{
	static const char *const keep[] = { "startedDateTime", "users", "byState", "byFinding" };
	struct mfa_err err = MFA_ERR_INIT;
	cJSON *trend = cJSON_CreateArray();
	char **runs = NULL;
	size_t n = 0, i, k;
	char path[4300];

	if (!trend || list_runs(h->tenant_dir, &runs, &n, &err) < 0)
		return trend;
	for (i = 0; i < n; i++) {
		char *text;
		cJSON *doc, *item;

		snprintf(path, sizeof(path), "%s/%s/summary.json", h->tenant_dir, runs[i]);
		text = slurp(path, 1 << 20);
		doc = text ? cJSON_Parse(text) : NULL;
		free(text);
		if (!doc)
			continue;
		item = cJSON_CreateObject();
		if (item) {
			cJSON_AddStringToObject(item, "run", runs[i]);
			for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
				cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, keep[k]);

				if (v)
					cJSON_AddItemToObject(item, keep[k], cJSON_Duplicate(v, 1));
			}
			cJSON_AddItemToArray(trend, item);
		}
		cJSON_Delete(doc);
	}
	free_runs(runs, n);
	return trend;
}
