/* outdir.h - the run's output folder: --out DIR, or
 * reports/<UTC timestamp>-<command>/ (made unique), created 0700. A folder
 * this run created and left empty (the run failed) is removed again. */
#ifndef MFA_CLI_OUTDIR_H
#define MFA_CLI_OUTDIR_H

#include <stdbool.h>

#include "mfa/util/err.h"

struct cli_outdir {
	char path[4096];
	bool created; /* this run made the folder */
	bool keep;    /* the run finished: leave it whatever it holds */
};

#define CLI_OUTDIR_INIT { { 0 }, false, false }

int cli_outdir_make(struct cli_outdir *o, const char *given, const char *command,
		    struct mfa_err *err);

/* Removes the folder if this run created it, did not keep it, and it is
 * empty. */
void cli_outdir_release(struct cli_outdir *o);

#endif
