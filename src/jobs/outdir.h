/* outdir.h - the run's output folder: --out DIR, or
 * reports/<UTC timestamp>-<command>/ (made unique), created 0700. A folder
 * this run created and left empty (the run failed) is removed again. */
#ifndef MFA_JOBS_OUTDIR_H
#define MFA_JOBS_OUTDIR_H

#include <stdbool.h>

#include "mfa/util/err.h"

struct mfa_outdir {
	char path[4096];
	bool created;      /* this run made the folder */
	bool keep;         /* the run finished: leave it whatever it holds */
	bool allow_shared; /* set before make: take a given folder others can write in */
	int fd;            /* the folder, held (O_DIRECTORY|O_NOFOLLOW) once made; -1 */
};

#define MFA_OUTDIR_INIT { { 0 }, false, false, false, -1 }

/* Makes (or takes) the folder: given (--out; made with its parents when
 * missing), or a new reports/<UTC time>-<command> named by
 * util/runpath.h. A given folder that is a link, or that another user
 * owns or others may write in, is refused unless allow_shared
 * (mfa_dir_check_private). Returns 0, or -1 with err set. */
int mfa_outdir_make(struct mfa_outdir *o, const char *given, const char *command,
		    struct mfa_err *err);

/* Removes name from the folder if it is there (a link is removed, never
 * followed): a file an earlier run left that this run must not be seen
 * beside. 1 removed, 0 nothing there, -1 with err set. */
int mfa_outdir_remove(struct mfa_outdir *o, const char *name, struct mfa_err *err);

/* Closes the folder; removes it if this run created it, did not keep it,
 * and it is empty. */
void mfa_outdir_release(struct mfa_outdir *o);

#endif
