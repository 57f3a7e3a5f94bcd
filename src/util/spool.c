/* spool.c - records put aside while a run streams, read back once
 * (util/spool.h).
 *
 * File format, native byte order (the file never outlives the process):
 *   record = u32 body length, then the body: u32 field count, then per
 *            field u32 length (SPOOL_ABSENT for an absent field) and that
 *            many bytes.
 * A record goes out in one fwrite and comes back in one fread: a million
 * records of ten fields cost two stdio calls each, not forty.
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
#define SPOOL_MAX_RECORD 0x7fffffffu /* bytes of a record's body: 2 GiB, so sizes never wrap */
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
	char *rec;                      /* a record's bytes: the one being written or read */
	size_t rec_cap;
	struct mfa_spool_field *fields; /* the record read last, pointing into rec */
	size_t fields_cap;
};

/* Makes rec hold at least need bytes. */
static int rec_reserve(struct mfa_spool *sp, size_t need)
{
	char *grown;
	size_t cap;

	if (need <= sp->rec_cap)
		return 0;
	cap = need < SIZE_MAX / 2 ? need * 2 : need;
	grown = realloc(sp->rec, cap);
	if (!grown)
		return -1;
	sp->rec = grown;
	sp->rec_cap = cap;
	return 0;
}

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
	size_t body = sizeof(uint32_t), at, i;
	uint32_t u;

	if (sp->reading)
		return mfa_err_set(err, "cannot append to a spool already read back");
	if (n > SPOOL_MAX_FIELDS)
		return mfa_err_set(err, "cannot spool a record of %zu fields", n);
	for (i = 0; i < n; i++) {
		size_t len = fields[i].data ? fields[i].len : 0;

		if (len >= SPOOL_ABSENT || len > SPOOL_MAX_RECORD - body - sizeof(uint32_t))
			return mfa_err_set(err, "cannot spool a record of more than %lu bytes",
					   (unsigned long)SPOOL_MAX_RECORD);
		body += sizeof(uint32_t) + len;
	}
	if (rec_reserve(sp, sizeof(uint32_t) + body) < 0)
		return mfa_err_set(err, "cannot spool a record: out of memory");
	u = (uint32_t)body;
	memcpy(sp->rec, &u, sizeof(u));
	u = (uint32_t)n;
	memcpy(sp->rec + sizeof(u), &u, sizeof(u));
	at = 2 * sizeof(u);
	for (i = 0; i < n; i++) {
		u = fields[i].data ? (uint32_t)fields[i].len : SPOOL_ABSENT;
		memcpy(sp->rec + at, &u, sizeof(u));
		at += sizeof(u);
		if (fields[i].data && fields[i].len) {
			memcpy(sp->rec + at, fields[i].data, fields[i].len);
			at += fields[i].len;
		}
	}
	errno = 0;
	if (fwrite(sp->rec, 1, at, sp->f) != at)
		return spool_write_error(err);
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
	uint32_t body, nf, len;
	size_t at, i;

	*fields = NULL;
	*n = 0;
	if (!sp->reading)
		return mfa_err_set(err, "a spool is read only after its rewind");
	if (fread(&body, sizeof(body), 1, sp->f) != 1) {
		if (ferror(sp->f))
			return spool_damaged(sp, err);
		return 0;
	}
	if (body < sizeof(nf) || body > SPOOL_MAX_RECORD)
		return mfa_err_set(err, "cannot read back a spool file: it is damaged");
	/* One byte more: the last field's terminator. */
	if (rec_reserve(sp, (size_t)body + 1) < 0)
		return mfa_err_set(err, "cannot read back a spool file: out of memory");
	if (fread(sp->rec, 1, body, sp->f) != body)
		return spool_damaged(sp, err);
	memcpy(&nf, sp->rec, sizeof(nf));
	if (nf > SPOOL_MAX_FIELDS)
		return mfa_err_set(err, "cannot read back a spool file: it is damaged");
	if (nf > sp->fields_cap) {
		struct mfa_spool_field *grown = realloc(sp->fields, (size_t)nf * sizeof(*grown));

		if (!grown)
			return mfa_err_set(err, "cannot read back a spool file: out of memory");
		sp->fields = grown;
		sp->fields_cap = nf;
	}
	/* In place: each field's terminator goes over the first byte of the
	 * next field's length, once that length has been read. */
	at = sizeof(nf);
	for (i = 0; i < nf; i++) {
		if (body - at < sizeof(len))
			return mfa_err_set(err, "cannot read back a spool file: it is damaged");
		memcpy(&len, sp->rec + at, sizeof(len));
		sp->rec[at] = '\0';
		at += sizeof(len);
		if (len == SPOOL_ABSENT) {
			sp->fields[i].data = NULL;
			sp->fields[i].len = 0;
			continue;
		}
		if (len > body - at)
			return mfa_err_set(err, "cannot read back a spool file: it is damaged");
		sp->fields[i].data = sp->rec + at;
		sp->fields[i].len = len;
		at += len;
	}
	if (at != body)
		return mfa_err_set(err, "cannot read back a spool file: it is damaged");
	sp->rec[at] = '\0';
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
	free(sp);
}
