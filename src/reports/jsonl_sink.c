/* jsonl_sink.c - users.jsonl: one JSON object per user (mfa/sink.h).
 *
 * The keys are the users.csv columns (columns.h), so a pipeline can move
 * between the two without renaming anything. Unlike users.csv, nothing is
 * neutralised for spreadsheets: JSON is read by programs, which must get
 * the names exactly as the tenant holds them. */
#include "mfa/util/outfile.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "mfa/model/columns.h"
#include "mfa/util/jsonw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSONL_FILE "users.jsonl"

struct jsonl_sink {
	struct mfa_sink base;
	struct mfa_outfile out; /* file mode only */
	FILE *f;                /* out.f, or the caller's stream (not owned) */
	int to_stream;
	struct mfa_column_scratch scratch;
	char buf[1 << 16]; /* stdio buffer for the file: fewer write(2) calls */
};

/* How a column's text becomes a JSON value. */
enum jsonl_kind {
	KIND_STRING = 0, /* a string; null when empty */
	KIND_BOOL,       /* mfa_tri_name's "true"/"false"; null when unknown */
	KIND_METHODS,    /* array of method names */
	KIND_FINDINGS    /* array of finding names */
};

static enum jsonl_kind column_kind(int col)
{
	switch (col) {
	case MFA_COL_ACCOUNT_ENABLED:
	case MFA_COL_REGISTERED:
	case MFA_COL_CAPABLE:
	case MFA_COL_ADMIN:
		return KIND_BOOL;
	case MFA_COL_METHODS:
		return KIND_METHODS;
	case MFA_COL_FINDINGS:
		return KIND_FINDINGS;
	default:
		return KIND_STRING;
	}
}

static void write_item(FILE *f, const char *s, int *first)
{
	if (!*first)
		putc(',', f);
	*first = 0;
	mfa_json_write_string(f, s);
}

/* The methods straight from the bits and other_methods rather than from
 * the users.csv cell, which is cut at the scratch buffer's size. The
 * order is the cell's: known methods, then the others as read. */
static int write_methods(FILE *f, const struct mfa_registration *reg, struct mfa_err *err)
{
	char *other = NULL, *p;
	int first = 1, m;

	putc('[', f);
	for (m = 0; m < MFA_METHOD__COUNT; m++) {
		if (reg->methods & (1u << m))
			write_item(f, mfa_method_name((enum mfa_method)m), &first);
	}
	if (reg->other_methods && *reg->other_methods) {
		/* A private copy split in place: other_methods is borrowed. */
		other = strdup(reg->other_methods);
		if (!other)
			return mfa_err_set(err, "out of memory");
		for (p = other; p; ) {
			char *end = strchr(p, ';');

			if (end)
				*end = '\0';
			if (*p)
				write_item(f, p, &first);
			p = end ? end + 1 : NULL;
		}
		free(other);
	}
	putc(']', f);
	return 0;
}

static void write_findings(FILE *f, uint32_t findings)
{
	int first = 1, i;

	putc('[', f);
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		if (findings & (1u << i))
			write_item(f, mfa_finding_name((enum mfa_finding)i), &first);
	}
	putc(']', f);
}

static int jsonl_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	struct jsonl_sink *js = (struct jsonl_sink *)s;
	const char *cols[MFA_COL__COUNT];
	FILE *f = js->f;
	int i;

	mfa_user_columns(row, &js->scratch, cols);
	putc('{', f);
	for (i = 0; i < MFA_COL__COUNT; i++) {
		const char *v = cols[i];

		if (i)
			putc(',', f);
		mfa_json_write_string(f, mfa_user_column_names[i]);
		putc(':', f);
		switch (column_kind(i)) {
		case KIND_BOOL:
			/* mfa_tri_name gives exactly "true", "false" or "". */
			fputs(*v ? v : "null", f);
			break;
		case KIND_METHODS:
			if (write_methods(f, &row->user->reg, err) < 0)
				return -1;
			break;
		case KIND_FINDINGS:
			write_findings(f, row->verdict->findings);
			break;
		case KIND_STRING:
			mfa_json_write_string(f, *v ? v : NULL);
			break;
		}
	}
	putc('}', f);
	putc('\n', f);
	/* A closed pipe or a full disk: stop now, not after the whole tenant. */
	if (ferror(f))
		return mfa_err_set(err, "cannot write '%s': %s",
				   js->to_stream ? "standard output" : js->out.tmp_path,
				   strerror(errno));
	return 0;
}

static int jsonl_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct jsonl_sink *js = (struct jsonl_sink *)s;

	(void)sum;
	if (!js->to_stream)
		return mfa_outfile_commit(&js->out, err);
	if (fflush(js->f) != 0 || ferror(js->f))
		return mfa_err_set(err, "cannot write '%s' to standard output: %s", JSONL_FILE,
				   strerror(errno));
	return 0;
}

static void jsonl_free(struct mfa_sink *s)
{
	struct jsonl_sink *js = (struct jsonl_sink *)s;

	/* The caller's stream stays open: it is theirs (stdout). */
	if (!js->to_stream)
		mfa_outfile_release(&js->out);
	free(js);
}

static const struct mfa_sink_ops jsonl_ops = { jsonl_row, jsonl_finish, jsonl_free };

int mfa_jsonl_sink_open(struct mfa_sink **out, const char *dir, FILE *stream,
			struct mfa_err *err)
{
	struct jsonl_sink *js = calloc(1, sizeof(*js));

	*out = NULL;
	if (!js)
		return mfa_err_set(err, "out of memory");
	js->base.ops = &jsonl_ops;
	js->base.name = JSONL_FILE;
	if (stream) {
		js->f = stream;
		js->to_stream = 1;
	} else {
		if (mfa_outfile_open(&js->out, dir, JSONL_FILE, err) < 0) {
			free(js);
			return -1;
		}
		setvbuf(js->out.f, js->buf, _IOFBF, sizeof(js->buf));
		js->f = js->out.f;
	}
	*out = &js->base;
	return 0;
}
