/* jsonfile.h - a cJSON document to a file and back: the one way the tool
 * writes a JSON document (summary.json of the roll-up, ...) and reads one
 * back (an earlier run's summary.json). Whole files, no silent caps.
 */
#ifndef MFA_UTIL_JSONFILE_H
#define MFA_UTIL_JSONFILE_H

#include <stddef.h>

#include "mfa/util/err.h"

struct cJSON;

/* Largest file mfa_jsonfile_read takes (a summary.json is a few KiB);
 * past it the read fails and says so. */
#define MFA_JSONFILE_MAX ((size_t)256 << 20)

/* Writes doc, printed with indentation and a final newline, as dir/name
 * through an outfile (mfa/util/outfile.h: 0600, fsynced, renamed into
 * place; absent on failure). doc is borrowed. Returns 0, or -1 with err
 * set. */
int mfa_jsonfile_write(const char *dir, const char *name, const struct cJSON *doc,
		       struct mfa_err *err);

/* The same into an outfile its caller opened earlier (a sink opens its
 * file when the run starts, so a folder it cannot write fails first):
 * prints doc into o and commits it. o stays the caller's to release.
 * Returns 0, or -1 with err set. */
struct mfa_outfile;
int mfa_jsonfile_commit(struct mfa_outfile *o, const struct cJSON *doc, struct mfa_err *err);

/* Reads the whole file at path and parses it. On success *out is a new
 * document the caller frees with cJSON_Delete. Returns 0; -1 with err set
 * when the file cannot be read, is larger than MFA_JSONFILE_MAX, or is not
 * JSON (*out NULL). */
int mfa_jsonfile_read(struct cJSON **out, const char *path, struct mfa_err *err);

/* The same for name in the folder dirfd, opened O_NOFOLLOW (a link there
 * is refused, never followed); path names it in messages. */
int mfa_jsonfile_read_at(struct cJSON **out, int dirfd, const char *name, const char *path,
			 struct mfa_err *err);

#endif
