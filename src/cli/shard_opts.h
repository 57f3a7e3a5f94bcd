/* shard_opts.h - audit --tenants FILE --shard I/N: which tenants this run
 * takes, from the flags or from the environment a scheduler sets.
 *
 *   --shard I/N          shard I (from 0) of N
 *   --shard-count N      N shards; I from JOB_COMPLETION_INDEX (what a
 *                        Kubernetes Indexed Job gives each pod)
 *   MFA_MIGRATE_SHARD_COUNT=N   the same as --shard-count N (the flag wins)
 *
 * --shard wins over the environment; JOB_COMPLETION_INDEX without a count
 * is ignored with a warning (every tenant is audited). */
#ifndef MFA_CLI_SHARD_OPTS_H
#define MFA_CLI_SHARD_OPTS_H

#include <stdbool.h>

#include "cli/options.h"

/* Option ids (scan_opts < 100, live 100..199, evidence 200..299,
 * alerts 300..399, shard 400..499; cli_parse refuses a table that reuses one). */
enum {
	SHARD_OPT_SHARD = 400,
	SHARD_OPT_COUNT,
};

/* What the command line said (strings borrowed from argv), and the shard
 * cli_shard_resolve made of it with the environment. */
struct cli_shard {
	const char *spec;   /* --shard I/N, or NULL */
	const char *count;  /* --shard-count N, or NULL */
	unsigned index, shards; /* shards 0: every tenant */
};

#define CLI_SHARD_INIT { NULL, NULL, 0, 0 }

/* The two rows of audit's option table (audit group, after --tenants). */
#define CLI_SHARD_OPTIONS                                                                              \
	{ "shard", 0, CLI_ARG, "I/N", "with --tenants: audit only shard I (from 0) of N, the tenants whose id hashes there (FNV-1a 64 of the lowercased id, mixed, mod N: README); 'mfa-migrate rollup' merges the shards", SHARD_OPT_SHARD }, \
	{ "shard-count", 0, CLI_ARG, "N", "with --tenants: N shards, this one's number from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs); also MFA_MIGRATE_SHARD_COUNT", SHARD_OPT_COUNT }

/* Takes --shard or --shard-count (their ids) into s: 1 taken, 0 not one of them. */
int cli_shard_option(struct cli_shard *s, int id, const char *value);

/* The shard flags without --tenants, or both forms at once: EXIT_USAGE
 * (said); else 0. */
int cli_shard_check_usage(const struct cli_shard *s, bool tenants);

/* Sets s->index and s->shards (0: every tenant) from the flags, then
 * JOB_COMPLETION_INDEX and MFA_MIGRATE_SHARD_COUNT. Returns 0, or
 * EXIT_USAGE (said). */
int cli_shard_resolve(struct cli_shard *s);

#endif
