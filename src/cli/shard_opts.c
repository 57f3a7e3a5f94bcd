/* shard_opts.c - --shard I/N and its environment (shard_opts.h). */
#include "cli/shard_opts.h"

#include "cli/exitcodes.h"
#include "cli/msg.h"
#include "mfa/model/shard.h"

#include <stdlib.h>

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

int cli_shard_resolve(struct cli_shard *s)
{
	unsigned *index = &s->index, *count = &s->shards;
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
