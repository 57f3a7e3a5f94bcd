/* evidence_opts.h - the options of plan and audit that read more of the
 * tenant than the users' states (sign-in activity, mailbox purpose,
 * Microsoft's What If, the sign-in logs) and the run date findings are
 * judged at, parsed into the scan job's options (jobs/scan.h). */
#ifndef MFA_CLI_EVIDENCE_OPTS_H
#define MFA_CLI_EVIDENCE_OPTS_H

#include "cli/options.h"
#include "jobs/scan.h"

/* Option ids of the evidence group (scan_opts uses ids below 100, the
 * live group 100..199). */
enum {
	EVIDENCE_OPT__FIRST = 200,
	EVIDENCE_OPT_WHAT_IF = 250,   /* --what-if [N] (whatif; clear of the ids from 200 in evidence_opts.c) */
};

extern const struct cli_group cli_evidence_group;
/* plan only: the holds the evidence allows (--hold-stale, ...) */
extern const struct cli_group cli_evidence_plan_group;

/* Takes an option of the evidence group into o: 1 taken, 0 not one of
 * them, -1 bad value (printed). */
int cli_evidence_option(struct mfa_scan_options *o, int id, const char *value);

/* The evidence option combinations that make no sense: 0, or EXIT_USAGE
 * (said). */
int cli_evidence_check_usage(const struct mfa_scan_options *o);

#endif
