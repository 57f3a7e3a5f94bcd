/* mfa/outfile.h - report files that are complete or absent.
 *
 * An outfile is created as "<dir>/<name>.tmp" with mode 0600 (reports hold
 * personal data) and becomes "<dir>/<name>" only on commit, after flush and
 * fsync. Aborting (or freeing an uncommitted outfile) removes the
 * temporary file.
 */
#ifndef MFA_OUTFILE_H
#define MFA_OUTFILE_H

#include <stdio.h>

#include "mfa/util/err.h"

struct mfa_outfile {
	FILE *f;          /* write here; owned */
	char *tmp_path;   /* owned */
	char *final_path; /* owned */
};

#define MFA_OUTFILE_INIT { NULL, NULL, NULL }

/* Creates the temporary file. dir must exist. */
int mfa_outfile_open(struct mfa_outfile *o, const char *dir, const char *name,
		     struct mfa_err *err);

/* Flushes, fsyncs, closes and renames into place. */
int mfa_outfile_commit(struct mfa_outfile *o, struct mfa_err *err);

/* Closes and removes the temporary file if not committed; frees paths.
 * Safe on an initialised, opened or committed outfile. */
void mfa_outfile_release(struct mfa_outfile *o);

/* Joins dir and name into a new string ("dir/name"); NULL on out of memory. */
char *mfa_path_join(const char *dir, const char *name);

/* Creates dir and its parents with mode 0700 where missing. */
int mfa_mkdirs(const char *dir, struct mfa_err *err);

#endif
