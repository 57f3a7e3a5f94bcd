/* mfa/outfile.h - report files that are complete or absent, written
 * without following links.
 *
 * An outfile holds its folder open (O_DIRECTORY|O_NOFOLLOW) from open to
 * commit and does everything relative to that descriptor: it creates
 * "<name>.tmp" with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600 (reports hold
 * personal data), never opens it again by name, and on commit flushes,
 * fsyncs and renames it to "<name>" within the same folder (renameat: a
 * link planted at the final name is replaced, never followed), then
 * fsyncs the folder. Aborting (or freeing an uncommitted outfile) removes
 * the temporary file.
 */
#ifndef MFA_OUTFILE_H
#define MFA_OUTFILE_H

#include <stdio.h>

#include "mfa/util/err.h"

struct mfa_outfile {
	FILE *f;          /* write here (opened "w+": the writer may rewind and read it back); owned */
	char *tmp_path;   /* "<dir>/<name>.tmp", for messages only; owned */
	char *final_path; /* "<dir>/<name>", for messages only; owned */
	int dirfd;        /* the folder, held; owned; -1 when none */
	char *tmp_name;   /* owned */
	char *final_name; /* owned */
};

#define MFA_OUTFILE_INIT { NULL, NULL, NULL, -1, NULL, NULL }

/* Creates the temporary file in dir (which must exist and must not be a
 * link). */
int mfa_outfile_open(struct mfa_outfile *o, const char *dir, const char *name,
		     struct mfa_err *err);

/* The same in the folder dirfd (borrowed: the outfile holds a duplicate);
 * dir names it in messages. */
int mfa_outfile_openat(struct mfa_outfile *o, int dirfd, const char *dir, const char *name,
		       struct mfa_err *err);

/* Flushes, fsyncs, closes and renames into place. */
int mfa_outfile_commit(struct mfa_outfile *o, struct mfa_err *err);

/* Closes and removes the temporary file if not committed; frees paths.
 * Safe on an initialised, opened or committed outfile. */
void mfa_outfile_release(struct mfa_outfile *o);

/* Opens the folder dir for the *at calls: O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC
 * (a link at dir's last component is refused). Returns the descriptor
 * (the caller closes it), or -1 with err set. */
int mfa_dir_open(const char *dir, struct mfa_err *err);

/* Creates name in dirfd for writing with O_CREAT|O_EXCL|O_NOFOLLOW|
 * O_CLOEXEC, mode 0600 whatever the umask. Something already at name (a
 * stale temporary file, a planted link) is removed first, never followed;
 * a name something re-plants meanwhile fails. dir names the folder in
 * messages. Returns the descriptor, or -1 with err set. */
int mfa_create_at(int dirfd, const char *dir, const char *name, struct mfa_err *err);

/* Refuses (-1, err set) the folder fd (named path in the message, what
 * says which option gave it: "--out") when another user owns it or
 * group or others may write in it: anyone who can write there can plant a
 * link or a file under a name the tool is about to use. */
int mfa_dir_check_private(int fd, const char *path, const char *what, struct mfa_err *err);

/* Joins dir and name into a new string ("dir/name"); NULL on out of memory. */
char *mfa_path_join(const char *dir, const char *name);

/* Creates dir and its parents with mode 0700 where missing. */
int mfa_mkdirs(const char *dir, struct mfa_err *err);

#endif
