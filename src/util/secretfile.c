/* secretfile.c - secrets read into wiped buffers (mfa/util/secretfile.h). */
#define _GNU_SOURCE /* explicit_bzero */
#include "mfa/util/secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void mfa_secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, MFA_SECRET_MAX + 1);
	free(s);
}

char *mfa_secret_read_fd(int fd, size_t *len, struct mfa_err *err)
{
	char *buf = malloc(MFA_SECRET_MAX + 1), extra;
	size_t n = 0;
	ssize_t r;

	*len = 0;
	if (!buf) {
		mfa_err_set(err, "out of memory");
		return NULL;
	}
	for (;;) {
		if (n == MFA_SECRET_MAX)
			r = read(fd, &extra, 1);
		else
			r = read(fd, buf + n, MFA_SECRET_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (r > 0 && n == MFA_SECRET_MAX)) {
			mfa_err_set(err, "%s", r < 0 ? strerror(errno) : "longer than 64 KiB, not a secret");
			mfa_secret_free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int mfa_secret_read_file(const char *path, bool missing_ok, char **out, bool *others_can_read,
			 struct mfa_err *err)
{
	struct mfa_err e = MFA_ERR_INIT;
	struct stat st;
	size_t len = 0;
	char *buf;
	int fd;

	*out = NULL;
	*others_can_read = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (missing_ok && errno == ENOENT)
			return 0;
		return mfa_err_set(err, "cannot read '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mfa_err_set(err, "'%s' is not a regular file: give the file that holds the secret", path);
	}
	*others_can_read = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
	buf = mfa_secret_read_fd(fd, &len, &e);
	close(fd);
	if (!buf)
		return mfa_err_set(err, "cannot read '%s': %s", path, e.msg);
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len == 0 || memchr(buf, '\n', len) || memchr(buf, '\0', len)) {
		mfa_secret_free(buf);
		return mfa_err_set(err, "'%s' %s: put the secret alone on one line", path,
				   len == 0 ? "is empty" : "has more than one line");
	}
	*out = buf;
	return 0;
}
