/* jsonfile.c - JSON documents to files and back (jsonfile.h). */
#include "util/jsonfile.h"

#include "mfa/util/outfile.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mfa_jsonfile_commit(struct mfa_outfile *o, const struct cJSON *doc, struct mfa_err *err)
{
	char *text = cJSON_Print(doc);
	int rc = -1;

	if (!text)
		return mfa_err_set(err, "out of memory");
	if (fputs(text, o->f) == EOF || fputc('\n', o->f) == EOF) {
		mfa_err_set(err, "cannot write '%s': %s", o->tmp_path, strerror(errno));
		goto cleanup;
	}
	rc = mfa_outfile_commit(o, err);
cleanup:
	free(text);
	return rc;
}

int mfa_jsonfile_write(const char *dir, const char *name, const struct cJSON *doc,
		       struct mfa_err *err)
{
	struct mfa_outfile o = MFA_OUTFILE_INIT;
	int rc = -1;

	if (mfa_outfile_open(&o, dir, name, err) < 0)
		goto cleanup;
	rc = mfa_jsonfile_commit(&o, doc, err);
cleanup:
	mfa_outfile_release(&o);
	return rc;
}

static int read_stream(struct cJSON **out, FILE *f, const char *path, struct mfa_err *err);

int mfa_jsonfile_read(struct cJSON **out, const char *path, struct mfa_err *err)
{
	FILE *f = fopen(path, "rb");

	*out = NULL;
	if (!f)
		return mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	return read_stream(out, f, path, err);
}

int mfa_jsonfile_read_at(struct cJSON **out, int dirfd, const char *name, const char *path,
			 struct mfa_err *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;

	*out = NULL;
	if (!f) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return read_stream(out, f, path, err);
}

/* Reads f whole and parses it; closes f. */
static int read_stream(struct cJSON **out, FILE *f, const char *path, struct mfa_err *err)
{
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0, n;
	int rc = -1;

	for (;;) {
		if (len == cap) {
			/* the cap plus one byte tells "larger" from "exactly the cap" */
			size_t want = cap ? cap * 2 : 64 * 1024;

			if (cap > MFA_JSONFILE_MAX)
				break;
			if (want > MFA_JSONFILE_MAX + 1)
				want = MFA_JSONFILE_MAX + 1;
			grown = realloc(buf, want);
			if (!grown) {
				mfa_err_set(err, "out of memory reading '%s'", path);
				goto cleanup;
			}
			buf = grown;
			cap = want;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	if (len > MFA_JSONFILE_MAX) {
		mfa_err_set(err, "'%s' is larger than %zu MiB: not read", path, MFA_JSONFILE_MAX >> 20);
		goto cleanup;
	}
	if (ferror(f)) {
		mfa_err_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	*out = cJSON_ParseWithLength(buf ? buf : "", len);
	if (!*out) {
		mfa_err_set(err, "'%s' is not JSON", path);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(buf);
	fclose(f);
	return rc;
}
