/* cmd_rollup.c - `rollup DIR...`: merge the roll-ups of the shards of one
 * `audit --tenants FILE --shard I/N` run into the one an unsharded run
 * writes (jobs/rollup_merge.h). */
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/msg.h"
#include "cli/options.h"
#include "jobs/rollup_merge.h"

#include <stdio.h>
#include <stdlib.h>

enum { OPT_OUT = 1, OPT_ALLOW_SHARED, OPT_QUIET, OPT_VERBOSE };

static const struct cli_option rollup_options[] = {
	{ "out", 0, CLI_ARG, "DIR", "the merged roll-up's folder (default reports/<UTC time>-rollup)", OPT_OUT },
	{ "allow-shared-out", 0, CLI_NO_ARG, NULL, "write into a folder that other users own or can write in (refused by default)", OPT_ALLOW_SHARED },
	{ "quiet", 'q', CLI_NO_ARG, NULL, "print only errors", OPT_QUIET },
	{ "verbose", 'v', CLI_NO_ARG, NULL, "more detail", OPT_VERBOSE },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_group rollup_group = { "rollup", rollup_options };
static const struct cli_group *const rollup_groups[] = { &rollup_group, NULL };

const struct cli_usage cli_rollup_usage = {
	"mfa-migrate rollup DIR... [--out DIR]",
	"Merges the roll-ups that the shards of one 'audit --tenants FILE --shard I/N'\n"
	"run wrote (one folder per shard, every shard once) into the summary.json and\n"
	"report.xlsx one unsharded run of the same file writes, and prints the merged\n"
	"folder's path. Shards of different runs, a shard given twice and missing shards\n"
	"are refused, naming them. Exits with the worst tenant's audit exit code, as\n"
	"'audit --tenants' does.",
	rollup_groups,
};

struct rollup_args {
	struct mfa_rollup_merge_options o;
	char **dirs;
};

static int on_option(void *ctx, int id, const char *value)
{
	struct rollup_args *a = ctx;

	switch (id) {
	case 0: a->dirs[a->o.ndirs++] = (char *)value; break;
	case OPT_OUT: a->o.out = value; break;
	case OPT_ALLOW_SHARED: a->o.allow_shared_out = true; break;
	case OPT_QUIET: cli_set_verbosity(CLI_QUIET); break;
	case OPT_VERBOSE: cli_set_verbosity(CLI_VERBOSE); break;
	default: return -1;
	}
	return 0;
}

int cmd_rollup(int argc, char **argv)
{
	struct rollup_args a = {
		.o = { .codes = { EXIT_DONE, EXIT_FINDINGS, EXIT_PARTIAL, EXIT_INTERRUPTED, EXIT_ERROR },
		       .notify = { cli_notify, NULL } },
		.dirs = calloc((size_t)argc + 1, sizeof(char *)),
	};
	struct mfa_rollup_merge_result res;
	int rc;

	if (!a.dirs) {
		errorf("out of memory");
		return EXIT_ERROR;
	}
	rc = cli_parse(argc, argv, &cli_rollup_usage, on_option, &a);
	if (rc != 0) {
		free(a.dirs);
		return rc > 0 ? EXIT_DONE : EXIT_USAGE;
	}
	if (a.o.ndirs == 0) {
		errorf("name the shards' roll-up folders (each 'audit --tenants FILE --shard I/N' prints one)");
		free(a.dirs);
		return EXIT_USAGE;
	}
	a.o.dirs = a.dirs;
	rc = mfa_rollup_merge_run(&res, &a.o);
	free(a.dirs);
	if (rc < 0) {
		errorf("%s", res.err.msg);
		return EXIT_ERROR;
	}
	printf("%s\n", res.out_path);
	return res.worst_code;
}
