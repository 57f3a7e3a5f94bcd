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
#include <fcntl.h>
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
	ssize_t n;
	int fd;

	/* a link at the summary (or the folder) makes it not ours */
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
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

/* The folder dir must be a real folder and, unless allow_shared, ours
 * alone to write in. */
static int check_folder(const char *dir, bool allow_shared, struct mfa_err *err)
{
	int fd = mfa_dir_open(dir, err), rc = 0;

	if (fd < 0)
		return mfa_err_prefix(err, "--history");
	if (!allow_shared)
		rc = mfa_dir_check_private(fd, dir, "--history", err);
	close(fd);
	return rc;
}

int mfa_history_prepare(struct mfa_history *h, const char *root, const char *tenant,
			bool allow_shared, struct mfa_err *err)
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
	/* each checked before anything is made in it */
	if (mfa_mkdirs(root, err) < 0 || check_folder(root, allow_shared, err) < 0 ||
	    mfa_mkdirs(h->tenant_dir, err) < 0 || check_folder(h->tenant_dir, allow_shared, err) < 0)
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

#define MANIFEST "manifest.json"

int mfa_history_seal(const struct mfa_history *h, struct mfa_err *err)
{
	struct mfa_outfile o = MFA_OUTFILE_INIT;
	cJSON *root = cJSON_CreateObject(), *files;
	int fd = -1, listfd = -1, rc = -1;
	DIR *d = NULL;
	struct dirent *e;
	struct stat st;

	if (!root || !cJSON_AddStringToObject(root, "kind", "mfa-migrate-manifest") ||
	    !(files = cJSON_AddArrayToObject(root, "files"))) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	fd = mfa_dir_open(h->run_dir, err);
	if (fd < 0)
		goto cleanup;
	listfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	d = listfd >= 0 ? fdopendir(listfd) : NULL;
	if (!d) {
		mfa_err_set(err, "cannot read '%s': %s", h->run_dir, strerror(errno));
		if (listfd >= 0)
			close(listfd);
		goto cleanup;
	}
	while ((e = readdir(d)) != NULL) {
		cJSON *f;

		if (e->d_name[0] == '.' || strcmp(e->d_name, MANIFEST) == 0 ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		f = cJSON_CreateObject();
		cJSON_AddItemToArray(files, f);
		cJSON_AddStringToObject(f, "name", e->d_name);
		cJSON_AddNumberToObject(f, "dev", (double)st.st_dev);
		cJSON_AddNumberToObject(f, "ino", (double)st.st_ino);
	}
	if (mfa_outfile_openat(&o, fd, h->run_dir, MANIFEST, err) < 0 ||
	    mfa_jsonfile_commit(&o, root, err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	mfa_outfile_release(&o);
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	cJSON_Delete(root);
	return rc;
}

/* name -> name.gz in the run folder runfd (run names it in messages);
 * then name is removed. src is name, opened and checked by the caller;
 * *st_gz gets the new file's identity. */
static int gzip_file(int runfd, const char *run, const char *name, int src, struct stat *st_gz,
		     struct mfa_err *err)
{
	char gz[300], tmp[310], buf[1 << 15];
	gzFile out = NULL;
	ssize_t n;
	int fd = -1, zfd, rc = -1, made = 0;

	if ((size_t)snprintf(gz, sizeof(gz), "%s.gz", name) >= sizeof(gz) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.gz.tmp", name) >= sizeof(tmp))
		return mfa_err_set(err, "'%s/%s': name too long", run, name);
	fd = mfa_create_at(runfd, run, tmp, err);
	if (fd < 0)
		return -1;
	made = 1;
	zfd = dup(fd);
	out = zfd >= 0 ? gzdopen(zfd, "wb9") : NULL;
	if (!out) {
		if (zfd >= 0)
			close(zfd);
		mfa_err_set(err, "cannot write '%s/%s'", run, tmp);
		goto cleanup;
	}
	while ((n = read(src, buf, sizeof(buf))) > 0) {
		if (gzwrite(out, buf, (unsigned)n) != (int)n) {
			mfa_err_set(err, "cannot write '%s/%s'", run, tmp);
			goto cleanup;
		}
	}
	if (n < 0) {
		mfa_err_set(err, "cannot read '%s/%s': %s", run, name, strerror(errno));
		goto cleanup;
	}
	if (gzclose(out) != Z_OK) {
		out = NULL;
		mfa_err_set(err, "cannot write '%s/%s'", run, tmp);
		goto cleanup;
	}
	out = NULL;
	if (fsync(fd) < 0 || fstat(fd, st_gz) < 0) {
		mfa_err_set(err, "cannot write '%s/%s': %s", run, tmp, strerror(errno));
		goto cleanup;
	}
	if (renameat(runfd, tmp, runfd, gz) < 0) {
		mfa_err_set(err, "cannot rename '%s/%s': %s", run, tmp, strerror(errno));
		goto cleanup;
	}
	made = 0;
	if (unlinkat(runfd, name, 0) < 0) {
		mfa_err_set(err, "cannot remove '%s/%s': %s", run, name, strerror(errno));
		goto cleanup;
	}
	(void)fsync(runfd);
	rc = 0;
cleanup:
	if (out)
		gzclose(out);
	if (made)
		unlinkat(runfd, tmp, 0);
	if (fd >= 0)
		close(fd);
	return rc;
}

static bool compressible(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcmp(name + n - 4, ".csv") == 0) ||
	       (n > 6 && strcmp(name + n - 6, ".jsonl") == 0);
}

/* Compresses the manifest's report files in one old run folder (name in
 * tenantfd). *did: something was compressed. */
static int retain_run(int tenantfd, const char *tenant_dir, const char *name, bool *did,
		      struct mfa_err *err)
{
	struct mfa_outfile o = MFA_OUTFILE_INIT;
	char run[4400], mpath[4500];
	cJSON *man = NULL, *files, *f;
	struct mfa_err skip = MFA_ERR_INIT;
	int runfd, rc = -1;
	bool changed = false;

	*did = false;
	snprintf(run, sizeof(run), "%s/%s", tenant_dir, name);
	snprintf(mpath, sizeof(mpath), "%s/%s", run, MANIFEST);
	runfd = openat(tenantfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (runfd < 0)
		return 0; /* a link, or gone: not ours to touch */
	/* No manifest (an older version's run, or not a run): left alone. */
	if (mfa_jsonfile_read_at(&man, runfd, MANIFEST, mpath, &skip) < 0) {
		rc = 0;
		goto cleanup;
	}
	files = cJSON_GetObjectItemCaseSensitive(man, "files");
	cJSON_ArrayForEach(f, files) {
		cJSON *jn = cJSON_GetObjectItemCaseSensitive(f, "name");
		cJSON *jd = cJSON_GetObjectItemCaseSensitive(f, "dev");
		cJSON *ji = cJSON_GetObjectItemCaseSensitive(f, "ino");
		struct stat st, gz;
		int src;

		if (!cJSON_IsString(jn) || !cJSON_IsNumber(jd) || !cJSON_IsNumber(ji) ||
		    strchr(jn->valuestring, '/') || !compressible(jn->valuestring))
			continue;
		src = openat(runfd, jn->valuestring, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (src < 0)
			continue; /* gone or a link: nothing of ours */
		/* Still the very file the run wrote, nothing put in its place. */
		if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    (double)st.st_dev != jd->valuedouble || (double)st.st_ino != ji->valuedouble) {
			close(src);
			continue;
		}
		if (gzip_file(runfd, run, jn->valuestring, src, &gz, err) < 0) {
			close(src);
			goto cleanup;
		}
		close(src);
		{
			size_t len = strlen(jn->valuestring);
			char *gzname = malloc(len + 4);

			if (!gzname) {
				mfa_err_set(err, "out of memory");
				goto cleanup;
			}
			memcpy(gzname, jn->valuestring, len);
			memcpy(gzname + len, ".gz", 4);
			cJSON_SetValuestring(jn, gzname);
			free(gzname);
		}
		cJSON_SetNumberValue(jd, (double)gz.st_dev);
		cJSON_SetNumberValue(ji, (double)gz.st_ino);
		changed = *did = true;
	}
	if (changed && (mfa_outfile_openat(&o, runfd, run, MANIFEST, err) < 0 ||
			mfa_jsonfile_commit(&o, man, err) < 0))
		goto cleanup;
	rc = 0;
cleanup:
	mfa_outfile_release(&o);
	cJSON_Delete(man);
	close(runfd);
	return rc;
}

int mfa_history_retain(const struct mfa_history *h, unsigned keep, unsigned *compressed,
		       struct mfa_err *err)
{
	struct dirent **runs = NULL;
	size_t n = 0, i;
	int tenantfd, rc = 0;

	*compressed = 0;
	if (list_runs(h->tenant_dir, &runs, &n, err) < 0)
		return -1;
	tenantfd = mfa_dir_open(h->tenant_dir, err);
	if (tenantfd < 0) {
		free_runs(runs, n);
		return -1;
	}
	for (i = 0; i + keep < n && rc == 0; i++) {
		bool did = false;

		rc = retain_run(tenantfd, h->tenant_dir, runs[i]->d_name, &did, err);
		*compressed += did;
	}
	close(tenantfd);
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
