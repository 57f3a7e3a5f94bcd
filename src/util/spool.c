/* spool.c - records put aside while a run streams, read back once
 * (util/spool.h).
 *
 * File format, native byte order (the file never outlives the process):
 *   record = u32 field count, then per field u32 length (SPOOL_ABSENT for
 *            an absent field) and that many bytes.
 */
#include "util/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mfa/util/outfile.h"

#define SPOOL_ABSENT UINT32_MAX
#define SPOOL_MAX_FIELDS 65535u
#define SPOOL_BUFFER (64u * 1024u)

#ifdef P_tmpdir
#define SPOOL_DEFAULT_DIR P_tmpdir
#else
#define SPOOL_DEFAULT_DIR "/tmp"
#endif

struct mfa_spool {
	FILE *f;
	int reading;
	unsigned long count;
	char *rec;                      /* the record read last: its bytes */
	size_t rec_cap;
	struct mfa_spool_field *fields; /* and its fields, pointing into rec */
	size_t *offs;                   /* the fields' offsets in rec, while reading */
	size_t fields_cap;
};

/* An unlinked file in dir: O_TMPFILE where the system has it (never
 * visible), else mkstemp and an immediate unlink. */
static int spool_open_fd(const char *dir, struct mfa_err *err)
{
	char *tmpl = NULL;
	int fd = -1;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT)
		goto fail;
#endif
	tmpl = mfa_path_join(dir, ".mfa-spool-XXXXXX");
	if (!tmpl) {
		mfa_err_set(err, "cannot create a spool file in '%s': out of memory", dir);
		return -1;
	}
	fd = mkstemp(tmpl);
	if (fd < 0)
		goto fail;
	(void)unlink(tmpl);
	(void)fchmod(fd, 0600);
	free(tmpl);
	return fd;
fail:
	mfa_err_set(err, "cannot create a spool file in '%s': %s", dir, strerror(errno));
	free(tmpl);
	return -1;
}

int mfa_spool_new(struct mfa_spool **out, const char *dir, struct mfa_err *err)
{
	struct mfa_spool *sp = NULL;
	int fd = -1;
	int rc = -1;

	*out = NULL;
	if (!dir)
		dir = SPOOL_DEFAULT_DIR;
	sp = calloc(1, sizeof(*sp));
	if (!sp) {
		mfa_err_set(err, "cannot create a spool file: out of memory");
		goto cleanup;
	}
	fd = spool_open_fd(dir, err);
	if (fd < 0)
		goto cleanup;
	sp->f = fdopen(fd, "w+b");
	if (!sp->f) {
		mfa_err_set(err, "cannot open a spool file in '%s': %s", dir, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	(void)setvbuf(sp->f, NULL, _IOFBF, SPOOL_BUFFER);
	*out = sp;
	sp = NULL;
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	mfa_spool_free(sp);
	return rc;
}

static int spool_write_error(struct mfa_err *err)
{
	return mfa_err_set(err, "cannot write a spool file: %s",
			   errno ? strerror(errno) : "write failed (is the disk full?)");
}

int mfa_spool_append(struct mfa_spool *sp, const struct mfa_spool_field *fields, size_t n,
		     struct mfa_err *err)
{
	uint32_t u;
	size_t i;

	if (sp->reading)
		return mfa_err_set(err, "cannot append to a spool already read back");
	if (n > SPOOL_MAX_FIELDS)
		return mfa_err_set(err, "cannot spool a record of %zu fields", n);
	for (i = 0; i < n; i++)
		if (fields[i].data && fields[i].len >= SPOOL_ABSENT)
			return mfa_err_set(err, "cannot spool a field of %zu bytes", fields[i].len);
	errno = 0;
	u = (uint32_t)n;
	if (fwrite(&u, sizeof(u), 1, sp->f) != 1)
		return spool_write_error(err);
	for (i = 0; i < n; i++) {
		u = fields[i].data ? (uint32_t)fields[i].len : SPOOL_ABSENT;
		if (fwrite(&u, sizeof(u), 1, sp->f) != 1 ||
		    (fields[i].data && fields[i].len &&
		     fwrite(fields[i].data, 1, fields[i].len, sp->f) != fields[i].len))
			return spool_write_error(err);
	}
	sp->count++;
	return 0;
}

int mfa_spool_append_strs(struct mfa_spool *sp, const char *const *strs, size_t n,
			  struct mfa_err *err)
{
	struct mfa_spool_field small[16] = { { NULL, 0 } };
	struct mfa_spool_field *f = small;
	size_t i;
	int rc;

	if (n > sizeof(small) / sizeof(small[0])) {
		f = calloc(n, sizeof(*f));
		if (!f)
			return mfa_err_set(err, "cannot spool a record: out of memory");
	}
	for (i = 0; i < n; i++) {
		f[i].data = strs[i];
		f[i].len = strs[i] ? strlen(strs[i]) : 0;
	}
	rc = mfa_spool_append(sp, f, n, err);
	if (f != small)
		free(f);
	return rc;
}

int mfa_spool_rewind(struct mfa_spool *sp, struct mfa_err *err)
{
	if (sp->reading)
		return mfa_err_set(err, "a spool is read back once only");
	errno = 0;
	if (fflush(sp->f) != 0 || ferror(sp->f))
		return spool_write_error(err);
	if (fseek(sp->f, 0, SEEK_SET) != 0)
		return mfa_err_set(err, "cannot read back a spool file: %s", strerror(errno));
	sp->reading = 1;
	return 0;
}

static int spool_damaged(struct mfa_spool *sp, struct mfa_err *err)
{
	if (ferror(sp->f))
		return mfa_err_set(err, "cannot read back a spool file: %s", strerror(errno));
	return mfa_err_set(err, "cannot read back a spool file: it ends inside a record");
}

int mfa_spool_next(struct mfa_spool *sp, const struct mfa_spool_field **fields, size_t *n,
		   struct mfa_err *err)
{
	size_t used = 0, i;
	uint32_t nf, len;

	*fields = NULL;
	*n = 0;
	if (!sp->reading)
		return mfa_err_set(err, "a spool is read only after its rewind");
	if (fread(&nf, sizeof(nf), 1, sp->f) != 1) {
		if (ferror(sp->f))
			return spool_damaged(sp, err);
		return 0;
	}
	if (nf > SPOOL_MAX_FIELDS)
		return mfa_err_set(err, "cannot read back a spool file: it is damaged");
	if (nf > sp->fields_cap) {
		struct mfa_spool_field *grown = realloc(sp->fields, (size_t)nf * sizeof(*grown));
		size_t *offs;

		if (grown)
			sp->fields = grown;
		offs = grown ? realloc(sp->offs, (size_t)nf * sizeof(*offs)) : NULL;
		if (!offs)
			return mfa_err_set(err, "cannot read back a spool file: out of memory");
		sp->offs = offs;
		sp->fields_cap = nf;
	}
	/* Offsets first, pointers at the end, since rec may move as it grows. */
	for (i = 0; i < nf; i++) {
		if (fread(&len, sizeof(len), 1, sp->f) != 1)
			return spool_damaged(sp, err);
		if (len == SPOOL_ABSENT) {
			sp->offs[i] = SIZE_MAX;
			continue;
		}
		if ((size_t)len > SIZE_MAX / 2 - used - 1)
			return mfa_err_set(err, "cannot read back a spool file: record too large");
		if (used + len + 1 > sp->rec_cap) {
			size_t cap = (used + len + 1) * 2;
			char *grown = realloc(sp->rec, cap);

			if (!grown)
				return mfa_err_set(err, "cannot read back a spool file: out of memory");
			sp->rec = grown;
			sp->rec_cap = cap;
		}
		if (len && fread(sp->rec + used, 1, len, sp->f) != len)
			return spool_damaged(sp, err);
		sp->rec[used + len] = '\0';
		sp->offs[i] = used;
		sp->fields[i].len = len;
		used += (size_t)len + 1;
	}
	for (i = 0; i < nf; i++) {
		if (sp->offs[i] == SIZE_MAX) {
			sp->fields[i].data = NULL;
			sp->fields[i].len = 0;
		} else {
			sp->fields[i].data = sp->rec + sp->offs[i];
		}
	}
	*fields = sp->fields;
	*n = nf;
	return 1;
}

unsigned long mfa_spool_count(const struct mfa_spool *sp)
{
	return sp->count;
}

void mfa_spool_free(struct mfa_spool *sp)
{
	if (!sp)
		return;
	if (sp->f)
		fclose(sp->f);
	free(sp->rec);
	free(sp->fields);
	free(sp->offs);
	free(sp);
}
