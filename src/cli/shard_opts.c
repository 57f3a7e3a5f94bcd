/* shard_opts.c - --shard I/N and its environment (shard_opts.h). */
#include "cli/shard_opts.h"

#include "cli/exitcodes.h"
#include "cli/msg.h"
#include "mfa/model/shard.h"

#include <stdlib.h>

static const struct cli_option shard_options[] = {
	{ "shard", 0, CLI_ARG, "I/N", "with --tenants: audit only shard I (from 0) of N, the tenants whose id hashes there (FNV-1a 64 of the lowercased id, mod N); 'mfa-migrate rollup' merges the shards", SHARD_OPT_SHARD },
	{ "shard-count", 0, CLI_ARG, "N", "with --tenants: N shards, this one's number from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs); also MFA_MIGRATE_SHARD_COUNT", SHARD_OPT_COUNT },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_shard_group = { "shards", shard_options };

int cli_shard_option(struct cli_shard *s, int id, const char *value)
{
	switch (id) {
	case SHARD_OPT_SHARD: s->spec = value; return 1;
	case SHARD_OPT_COUNT: s->count = value; return 1;
	default: return 0;
	}
}

int cli_shard_check_usage(const struct cli_shard *s, bool tenants)
{
	if ((s->spec || s->count) && !tenants) {
		errorf("--%s splits a --tenants run: give --tenants FILE", s->spec ? "shard" : "shard-count");
		return EXIT_USAGE;
	}
	if (s->spec && s->count) {
		errorf("--shard I/N names the count itself: drop --shard-count");
		return EXIT_USAGE;
	}
	return 0;
}

/* An environment variable, NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int cli_shard_resolve(const struct cli_shard *s, unsigned *index, unsigned *count)
{
	struct mfa_err err = MFA_ERR_INIT;
	const char *n = s->count, *what = "--shard-count", *i = env("JOB_COMPLETION_INDEX");

	*index = *count = 0;
	if (s->spec) {
		if (mfa_shard_parse(s->spec, index, count, &err) < 0) {
			errorf("--shard: %s", err.msg);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (!n && (n = env("MFA_MIGRATE_SHARD_COUNT")) != NULL)
		what = "MFA_MIGRATE_SHARD_COUNT";
	if (!n) {
		if (i)
			warnf("JOB_COMPLETION_INDEX is set but no shard count: auditing every tenant (give --shard-count N or set MFA_MIGRATE_SHARD_COUNT to split them)");
		return 0;
	}
	if (mfa_shard_number(n, what, 1, MFA_SHARD_MAX, count, &err) < 0) {
		errorf("%s", err.msg);
		return EXIT_USAGE;
	}
	if (!i) {
		errorf("%s %u needs this shard's number: set JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it) or give --shard I/N",
		       what, *count);
		return EXIT_USAGE;
	}
	if (mfa_shard_number(i, "JOB_COMPLETION_INDEX", 0, *count - 1, index, &err) < 0) {
		errorf("%s (the shard count is %u)", err.msg, *count);
		return EXIT_USAGE;
	}
	return 0;
}
