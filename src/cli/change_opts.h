/* change_opts.h - what `apply` and `rollback` share in the CLI: the run
 * options group, the confirmation on the terminal, and the call of the
 * change job (jobs/change.h) with its exit code. */
#ifndef MFA_CLI_CHANGE_OPTS_H
#define MFA_CLI_CHANGE_OPTS_H

#include <stdbool.h>

#include "cli/options.h"
#include "cli/progress.h"
#include "jobs/change.h"

/* Option ids of the shared group (commands use ids below 50). */
enum {
	CHG_OPT_OUT = 50, CHG_OPT_YES, CHG_OPT_RESUME, CHG_OPT_NO_VERIFY, CHG_OPT_QUIET,
	CHG_OPT_VERBOSE, CHG_OPT_ALLOW_SHARED, CHG_OPT_NO_RETRY_FAILED,
};

extern const struct cli_group cli_changes_group;

struct cli_change {
	struct mfa_change_options o;
	bool yes;                 /* --yes: no confirmation asked */
	int refused_code;         /* the exit code when not confirmed */
	struct cli_progress progress;
};

/* Sets the defaults; operation is "apply" or "rollback". */
void cli_change_init(struct cli_change *c, const char *operation);

/* Takes a shared option (the run group or the live group): 1 taken, 0 not
 * ours, -1 bad value (printed). */
int cli_change_option(struct cli_change *c, int id, const char *value);

/* Runs the job with the command's source filled in c->o, and returns the
 * exit code (after saying the result). */
int cli_change_execute(struct cli_change *c);

#endif
