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

int mfa_dir_open(const char *dir, struct mfa_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return mfa_err_set(err, "cannot open folder '%s': %s%s", dir, strerror(errno),
				   errno == ELOOP || errno == ENOTDIR ? " (a link or not a folder: give a real folder)"
								      : "");
	return fd;
}

int mfa_dir_check_private(int fd, const char *path, const char *what, struct mfa_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return mfa_err_set(err, "%s: cannot read folder '%s': %s", what, path, strerror(errno));
	if (st.st_uid != geteuid())
		return mfa_err_set(err, "%s: folder '%s' belongs to another user (uid %lu): give a folder of your own, or --allow-shared-out to write there anyway",
				   what, path, (unsigned long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return mfa_err_set(err, "%s: folder '%s' can be written by others (mode %04o): run 'chmod go-w' on it, or --allow-shared-out to write there anyway",
				   what, path, (unsigned)(st.st_mode & 07777));
	return 0;
}

int mfa_create_at(int dirfd, const char *dir, const char *name, struct mfa_err *err)
{
	const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, name, flags, 0600);

	/* Whatever holds the name (a killed run's leftover, a link someone
	 * planted) goes: unlinkat removes a link itself, never its target.
	 * If something comes back before the second try, that try fails. */
	if (fd < 0 && errno == EEXIST) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return mfa_err_set(err, "cannot replace '%s/%s': %s", dir, name, strerror(errno));
		fd = openat(dirfd, name, flags, 0600);
	}
	if (fd < 0)
		return mfa_err_set(err, "cannot create '%s/%s': %s", dir, name, strerror(errno));
	/* 0600 whatever the umask: reports hold personal data. */
	if (fchmod(fd, 0600) < 0) {
		mfa_err_set(err, "cannot set permissions of '%s/%s': %s", dir, name, strerror(errno));
		close(fd);
		unlinkat(dirfd, name, 0);
		return -1;
	}
	return fd;
}

int mfa_outfile_openat(struct mfa_outfile *o, int dirfd, const char *dir, const char *name,
		       struct mfa_err *err)
{
	size_t len = strlen(name);
	int fd = -1;

	*o = (struct mfa_outfile)MFA_OUTFILE_INIT;
	o->final_name = strdup(name);
	o->tmp_name = len < SIZE_MAX - 5 ? malloc(len + 5) : NULL;
	if (!o->final_name || !o->tmp_name)
		goto oom;
	memcpy(o->tmp_name, name, len);
	memcpy(o->tmp_name + len, ".tmp", 5);
	o->final_path = mfa_path_join(dir, name);
	o->tmp_path = mfa_path_join(dir, o->tmp_name);
	if (!o->final_path || !o->tmp_path)
		goto oom;
	o->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (o->dirfd < 0) {
		mfa_err_set(err, "cannot open folder '%s': %s", dir, strerror(errno));
		goto fail;
	}
	fd = mfa_create_at(o->dirfd, dir, o->tmp_name, err);
	if (fd < 0)
		goto fail;
	o->f = fdopen(fd, "w+");
	if (!o->f) {
		mfa_err_set(err, "cannot open '%s': %s", o->tmp_path, strerror(errno));
		close(fd);
		unlinkat(o->dirfd, o->tmp_name, 0);
		goto fail;
	}
	return 0;
oom:
	mfa_err_set(err, "out of memory");
fail:
	/* nothing of ours is at the temporary name */
	free(o->tmp_path);
	o->tmp_path = NULL;
	mfa_outfile_release(o);
	return -1;
}

int mfa_outfile_open(struct mfa_outfile *o, const char *dir, const char *name,
		     struct mfa_err *err)
{
	int dirfd = mfa_dir_open(dir, err), rc;

	if (dirfd < 0) {
		*o = (struct mfa_outfile)MFA_OUTFILE_INIT;
		return -1;
	}
	rc = mfa_outfile_openat(o, dirfd, dir, name, err);
	close(dirfd);
	return rc;
}

int mfa_outfile_commit(struct mfa_outfile *o, struct mfa_err *err)
{
	FILE *f = o->f;

	o->f = NULL;
	if (!f)
		return mfa_err_set(err, "cannot write '%s': not open", o->tmp_path ? o->tmp_path : "?");
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
		mfa_err_set(err, "cannot write '%s': %s", o->tmp_path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		mfa_err_set(err, "cannot write '%s': %s", o->tmp_path, strerror(errno));
		return -1;
	}
	if (renameat(o->dirfd, o->tmp_name, o->dirfd, o->final_name) < 0)
		return mfa_err_set(err, "cannot rename '%s' to '%s': %s", o->tmp_path,
				   o->final_path, strerror(errno));
	free(o->tmp_path);
	o->tmp_path = NULL;
	/* The rename is durable once the folder is synced; a failure here
	 * leaves a complete file, so it is not an error. */
	(void)fsync(o->dirfd);
	return 0;
}

void mfa_outfile_release(struct mfa_outfile *o)
{
	if (o->f) {
		fclose(o->f);
		o->f = NULL;
	}
	if (o->tmp_path && o->dirfd >= 0 && o->tmp_name)
		unlinkat(o->dirfd, o->tmp_name, 0);
	free(o->tmp_path);
	o->tmp_path = NULL;
	free(o->final_path);
	o->final_path = NULL;
	free(o->tmp_name);
	o->tmp_name = NULL;
	free(o->final_name);
	o->final_name = NULL;
	if (o->dirfd >= 0)
		close(o->dirfd);
	o->dirfd = -1;
}
