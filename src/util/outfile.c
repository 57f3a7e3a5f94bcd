/* outfile.c - report files that are complete or absent (mfa/outfile.h). */
#include "mfa/util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *mfa_path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p;

	if (a > SIZE_MAX - b - 2)
		return NULL;
	p = malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

int mfa_mkdirs(const char *dir, struct mfa_err *err)
{
	char *path = strdup(dir);
	char *p;
	int rc = -1;

	if (!path)
		return mfa_err_set(err, "out of memory");
	for (p = path + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(path, 0700) < 0 && errno != EEXIST) {
				mfa_err_set(err, "cannot create folder '%s': %s", path, strerror(errno));
				goto cleanup;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	rc = 0;
cleanup:
	free(path);
	return rc;
}

int mfa_outfile_open(struct mfa_outfile *o, const char *dir, const char *name,
		     struct mfa_err *err)
{
	char *tmpname = NULL;
	size_t len = strlen(name);
	int fd = -1;

	o->final_path = mfa_path_join(dir, name);
	tmpname = malloc(len + 5);
	if (!o->final_path || !tmpname)
		goto oom;
	memcpy(tmpname, name, len);
	memcpy(tmpname + len, ".tmp", 5);
	o->tmp_path = mfa_path_join(dir, tmpname);
	free(tmpname);
	tmpname = NULL;
	if (!o->tmp_path)
		goto oom;
	/* 0600 whatever the umask: reports hold personal data. A stale .tmp
	 * from a killed run is replaced. */
	fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		mfa_err_set(err, "cannot create '%s': %s", o->tmp_path, strerror(errno));
		goto fail;
	}
	if (fchmod(fd, 0600) < 0) {
		mfa_err_set(err, "cannot set permissions of '%s': %s", o->tmp_path, strerror(errno));
		goto fail;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		mfa_err_set(err, "cannot open '%s': %s", o->tmp_path, strerror(errno));
		goto fail;
	}
	return 0;
oom:
	free(tmpname);
	mfa_err_set(err, "out of memory");
fail:
	if (fd >= 0 && !o->f) {
		close(fd);
		unlink(o->tmp_path);
	}
	mfa_outfile_release(o);
	return -1;
}

int mfa_outfile_commit(struct mfa_outfile *o, struct mfa_err *err)
{
	FILE *f = o->f;

	o->f = NULL;
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
		mfa_err_set(err, "cannot write '%s': %s", o->tmp_path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		mfa_err_set(err, "cannot write '%s': %s", o->tmp_path, strerror(errno));
		return -1;
	}
	if (rename(o->tmp_path, o->final_path) < 0)
		return mfa_err_set(err, "cannot rename '%s' to '%s': %s", o->tmp_path,
				   o->final_path, strerror(errno));
	free(o->tmp_path);
	o->tmp_path = NULL;
	return 0;
}

void mfa_outfile_release(struct mfa_outfile *o)
{
	if (o->f) {
		fclose(o->f);
		o->f = NULL;
	}
	if (o->tmp_path) {
		unlink(o->tmp_path);
		free(o->tmp_path);
		o->tmp_path = NULL;
	}
	free(o->final_path);
	o->final_path = NULL;
}
