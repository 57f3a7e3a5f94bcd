/* exitcodes.h - the exit codes (DESIGN.md; documented in the README). */
#ifndef MFA_CLI_EXITCODES_H
#define MFA_CLI_EXITCODES_H

enum cli_exit {
	EXIT_DONE = 0,        /* done */
	EXIT_ERROR = 1,       /* error: nothing complete was written */
	EXIT_USAGE = 2,       /* the command line is wrong */
	EXIT_FINDINGS = 3,    /* audit findings matched --fail-on */
	EXIT_PARTIAL = 4,     /* finished, but some changes failed (see results) */
	EXIT_INTERRUPTED = 130
};

#endif
