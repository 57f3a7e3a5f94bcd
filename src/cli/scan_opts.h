/* scan_opts.h - the options of `plan` and `audit`, parsed into the scan
 * job's options (jobs/scan.h). */
#ifndef MFA_CLI_SCAN_OPTS_H
#define MFA_CLI_SCAN_OPTS_H

#include <stdbool.h>

#include "cli/options.h"
#include "cli/shard_opts.h"
#include "jobs/scan.h"

struct scan_args {
	struct mfa_scan_options o;
	const char *tenants;
	bool jsonl_stdout;
	unsigned long keep;
	struct cli_shard shard; /* --shard, --shard-count (shard_opts.h) */
};

extern const struct cli_usage cli_plan_usage;
extern const struct cli_usage cli_audit_usage;

/* cli_parse's callback: ctx is a struct scan_args. */
int cli_scan_option(void *ctx, int id, const char *value);

/* The option combinations that make no sense: 0, or EXIT_USAGE (said). */
int cli_scan_check_usage(const struct scan_args *a);

#endif
