/* journal.c - journal.jsonl, written ahead and read back (mfa/journal.h). */
#include "mfa/apply/journal.h"
#include "mfa/apply/planfile.h"

#include "mfa/util/jsonnum.h"
#include "mfa/util/jsonw.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE (64 * 1024)

/* A journal line names a user of a plan (id and UPN bounded by the plan
 * writer) and at most one error message, each escaped at 6 bytes a byte
 * at worst: the reader's limit holds every line the writer makes. */
_Static_assert((2 * MFA_PLANFILE_MAX_KEY + MFA_ERR_MAX) * 6 + 1024 <= MAX_LINE,
	       "a journal line the writer makes must fit the reader's limit");

static void now_utc(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- writer ---------------------------------------------------------- */

struct mfa_journal_writer {
	FILE *f;
	char *path;
	int failed; /* errno of the first failed write; nothing is written after it */
};

/* The first failed write (a full disk) ends the writer: every later
 * append and sync fails with the same error, and what stdio still buffers
 * is sent to /dev/null, so no line can land in the file behind a torn one
 * (the reader drops a torn last line; a torn line in the middle would be
 * damage, and the journal could not be resumed). */
static int write_failed(struct mfa_journal_writer *w, int e, struct mfa_err *err)
{
	if (!w->failed) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		w->failed = e ? e : EIO;
		if (null >= 0) {
			dup2(null, fileno(w->f));
			close(null);
		}
	}
	return mfa_err_set(err, "cannot write journal '%s': %s", w->path, strerror(w->failed));
}

static int open_append(struct mfa_journal_writer **out, const char *path, int flags,
		       struct mfa_err *err)
{
	struct mfa_journal_writer *w = calloc(1, sizeof(*w));
	int fd;

	*out = NULL;
	if (!w || !(w->path = strdup(path))) {
		free(w);
		return mfa_err_set(err, "out of memory");
	}
	/* never through a link: another user could point it at any file */
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | flags, 0600);
	if (fd < 0) {
		if (errno == ELOOP)
			mfa_err_set(err, "journal '%s' is a symbolic link: a journal is written only as the file itself (give its real path)",
				    path);
		else if (errno == EEXIST)
			mfa_err_set(err, "'%s' already exists: a journal is never overwritten (use --resume to continue it, or another --out)",
				    path);
		else
			mfa_err_set(err, "cannot open journal '%s': %s", path, strerror(errno));
		goto fail;
	}
	w->f = fdopen(fd, "a");
	if (!w->f) {
		close(fd);
		mfa_err_set(err, "cannot open journal '%s': %s", path, strerror(errno));
		goto fail;
	}
	*out = w;
	return 0;
fail:
	free(w->path);
	free(w);
	return -1;
}

int mfa_journal_create(struct mfa_journal_writer **out, const char *path,
		       const struct mfa_journal_header *h, struct mfa_err *err)
{
	struct mfa_journal_writer *w;

	if (open_append(&w, path, O_CREAT | O_EXCL, err) < 0)
		return -1;
	fprintf(w->f, "{\"kind\":\"%s\",\"formatVersion\":%d,\"operation\":", MFA_JOURNAL_KIND,
		MFA_JOURNAL_VERSION);
	mfa_json_write_string(w->f, h->operation);
	fputs(",\"plan\":", w->f);
	mfa_json_write_string(w->f, h->plan);
	fprintf(w->f, ",\"planCrc32\":\"%08lx\",\"tenantId\":", (unsigned long)h->plan_crc32);
	mfa_json_write_string(w->f, h->tenant_id[0] ? h->tenant_id : NULL);
	fputs(",\"startedDateTime\":", w->f);
	mfa_json_write_string(w->f, h->started);
	fputs("}\n", w->f);
	if (mfa_journal_sync(w, err) < 0) {
		mfa_journal_close(w, NULL);
		unlink(path);
		return -1;
	}
	*out = w;
	return 0;
}

/* Cuts a torn last line (no '\n') off the file. */
static int drop_torn_tail(const char *path, struct mfa_err *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	off_t size, pos;
	char c;
	int rc = -1;

	if (fd < 0 && errno == ELOOP)
		return mfa_err_set(err, "journal '%s' is a symbolic link: a journal is written only as the file itself (give its real path)",
				   path);
	if (fd < 0)
		return mfa_err_set(err, "cannot open journal '%s': %s", path, strerror(errno));
	size = lseek(fd, 0, SEEK_END);
	for (pos = size; pos > 0; pos--) {
		if (pread(fd, &c, 1, pos - 1) != 1) {
			mfa_err_set(err, "cannot read journal '%s': %s", path, strerror(errno));
			goto cleanup;
		}
		if (c == '\n')
			break;
	}
	if (pos != size && (ftruncate(fd, pos) < 0 || fsync(fd) < 0)) {
		mfa_err_set(err, "cannot repair journal '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	close(fd);
	return rc;
}

int mfa_journal_reopen(struct mfa_journal_writer **out, const char *path, struct mfa_err *err)
{
	if (drop_torn_tail(path, err) < 0)
		return -1;
	return open_append(out, path, 0, err);
}

int mfa_journal_append(struct mfa_journal_writer *w, const struct mfa_journal_entry *e,
		       struct mfa_err *err)
{
	FILE *f = w->f;
	char when[32];

	if (w->failed)
		return write_failed(w, w->failed, err);
	now_utc(when, sizeof(when));
	fprintf(f, "{\"seq\":%lu,\"event\":\"%s\",\"id\":", e->seq,
		e->event == MFA_JOURNAL_INTENT ? "intent" : "outcome");
	mfa_json_write_string(f, e->id);
	fputs(",\"userPrincipalName\":", f);
	mfa_json_write_string(f, e->upn);
	fprintf(f, ",\"from\":\"%s\",\"to\":\"%s\"", mfa_state_name(e->from), mfa_state_name(e->to));
	if (e->event == MFA_JOURNAL_OUTCOME) {
		fprintf(f, ",\"outcome\":\"%s\",\"observed\":", mfa_outcome_name(e->outcome));
		mfa_json_write_string(f, e->observed == MFA_STATE_UNKNOWN ? NULL
									  : mfa_state_name(e->observed));
		fprintf(f, ",\"status\":%ld,\"attempts\":%u,\"error\":", e->status, e->attempts);
		mfa_json_write_string(f, e->error);
	}
	fprintf(f, ",\"time\":\"%s\"}\n", when);
	if (ferror(f))
		return write_failed(w, errno, err);
	return 0;
}

int mfa_journal_sync(struct mfa_journal_writer *w, struct mfa_err *err)
{
	if (w->failed)
		return write_failed(w, w->failed, err);
	if (fflush(w->f) != 0 || fsync(fileno(w->f)) < 0)
		return write_failed(w, errno, err);
	return 0;
}

int mfa_journal_close(struct mfa_journal_writer *w, struct mfa_err *err)
{
	int rc;

	if (!w)
		return 0;
	rc = mfa_journal_sync(w, err);
	fclose(w->f);
	free(w->path);
	free(w);
	return rc;
}

/* ---- reader ---------------------------------------------------------- */

struct mfa_journal_reader {
	FILE *f;
	char *path;
	char *line;
	size_t cap;
	unsigned long lineno;
	int torn;
	struct mfa_journal_header header;
	cJSON *current;
};

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 1: a complete line; 0: end (or a torn last line); -1: error. */
static int next_line(struct mfa_journal_reader *r, struct mfa_err *err)
{
	ssize_t n = getline(&r->line, &r->cap, r->f);

	if (n < 0) {
		if (ferror(r->f))
			return mfa_err_set(err, "cannot read journal '%s': %s", r->path, strerror(errno));
		return 0;
	}
	r->lineno++;
	if (r->line[n - 1] != '\n') {
		r->torn = 1;
		return 0;
	}
	if ((size_t)n > MAX_LINE || memchr(r->line, '\0', (size_t)n))
		return mfa_err_set(err, "%s:%lu: not a journal line", r->path, r->lineno);
	r->line[n - 1] = '\0';
	return 1;
}

int mfa_journal_open(struct mfa_journal_reader **out, const char *path, struct mfa_err *err)
{
	struct mfa_journal_reader *r = calloc(1, sizeof(*r));
	cJSON *o = NULL;
	const cJSON *v;
	const char *s;
	int got;

	*out = NULL;
	if (!r || !(r->path = strdup(path))) {
		free(r);
		return mfa_err_set(err, "out of memory");
	}
	r->f = fopen(path, "r");
	if (!r->f) {
		mfa_err_set(err, "cannot open journal '%s': %s", path, strerror(errno));
		goto fail;
	}
	got = next_line(r, err);
	if (got < 0)
		goto fail;
	if (got == 0) {
		mfa_err_set(err, "'%s' is empty or cut short: not a journal", path);
		goto fail;
	}
	o = cJSON_Parse(r->line);
	s = jstr(o, "kind");
	if (!s || strcmp(s, MFA_JOURNAL_KIND) != 0) {
		mfa_err_set(err, "'%s' is not an mfa-migrate journal (its first line is not a journal header)",
			    path);
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "formatVersion");
	if (!cJSON_IsNumber(v) || v->valueint != MFA_JOURNAL_VERSION) {
		mfa_err_set(err, "'%s' has journal format version %d; this mfa-migrate reads version %d",
			    path, cJSON_IsNumber(v) ? v->valueint : -1, MFA_JOURNAL_VERSION);
		goto fail;
	}
	s = jstr(o, "operation");
	if (!s || (strcmp(s, "apply") != 0 && strcmp(s, "rollback") != 0 && strcmp(s, "notify") != 0)) {
		mfa_err_set(err, "%s:1: the journal header names no operation", path);
		goto fail;
	}
	snprintf(r->header.operation, sizeof(r->header.operation), "%s", s);
	snprintf(r->header.plan, sizeof(r->header.plan), "%s", jstr(o, "plan") ? jstr(o, "plan") : "");
	r->header.plan_crc32 = (uint32_t)strtoul(jstr(o, "planCrc32") ? jstr(o, "planCrc32") : "0", NULL, 16);
	snprintf(r->header.tenant_id, sizeof(r->header.tenant_id), "%s",
		 jstr(o, "tenantId") ? jstr(o, "tenantId") : "");
	snprintf(r->header.started, sizeof(r->header.started), "%s",
		 jstr(o, "startedDateTime") ? jstr(o, "startedDateTime") : "");
	cJSON_Delete(o);
	*out = r;
	return 0;
fail:
	cJSON_Delete(o);
	mfa_journal_close_reader(r);
	return -1;
}

const struct mfa_journal_header *mfa_journal_header(const struct mfa_journal_reader *r)
{
	return &r->header;
}

int mfa_journal_next(struct mfa_journal_reader *r, struct mfa_journal_entry *out,
		     struct mfa_err *err)
{
	const cJSON *seq, *v;
	const char *ev;
	unsigned long n;
	int got, oc;

	cJSON_Delete(r->current);
	r->current = NULL;
	got = next_line(r, err);
	if (got <= 0)
		return got;
	r->current = cJSON_Parse(r->line);
	memset(out, 0, sizeof(*out));
	seq = cJSON_GetObjectItemCaseSensitive(r->current, "seq");
	ev = jstr(r->current, "event");
	if (!mfa_json_whole(seq, 4e15, &n) || n < 1 || !ev)
		return mfa_err_set(err, "%s:%lu: damaged journal line", r->path, r->lineno);
	out->seq = n;
	out->id = jstr(r->current, "id");
	out->upn = jstr(r->current, "userPrincipalName");
	out->from = mfa_state_parse(jstr(r->current, "from"));
	out->to = mfa_state_parse(jstr(r->current, "to"));
	if (strcmp(ev, "intent") == 0) {
		out->event = MFA_JOURNAL_INTENT;
		return 1;
	}
	if (strcmp(ev, "outcome") != 0)
		return mfa_err_set(err, "%s:%lu: unknown journal event", r->path, r->lineno);
	out->event = MFA_JOURNAL_OUTCOME;
	oc = mfa_outcome_parse(jstr(r->current, "outcome"));
	if (oc < 0)
		return mfa_err_set(err, "%s:%lu: unknown outcome", r->path, r->lineno);
	out->outcome = (enum mfa_outcome)oc;
	out->observed = mfa_state_parse(jstr(r->current, "observed"));
	v = cJSON_GetObjectItemCaseSensitive(r->current, "status");
	out->status = mfa_json_whole(v, 999, &n) ? (long)n : 0;
	v = cJSON_GetObjectItemCaseSensitive(r->current, "attempts");
	out->attempts = mfa_json_whole(v, 1e6, &n) ? (unsigned)n : 0;
	out->error = jstr(r->current, "error");
	return 1;
}

int mfa_journal_torn(const struct mfa_journal_reader *r)
{
	return r->torn;
}

void mfa_journal_close_reader(struct mfa_journal_reader *r)
{
	if (!r)
		return;
	cJSON_Delete(r->current);
	if (r->f)
		fclose(r->f);
	free(r->line);
	free(r->path);
	free(r);
}
