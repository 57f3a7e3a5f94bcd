/* rollup_merge.h - `mfa-migrate rollup DIR...`: the roll-ups the shards of
 * one `audit --tenants FILE --shard I/N` run wrote (each DIR/summary.json
 * with its "shard": jobs/tenants.h), merged into the summary.json and
 * report.xlsx one unsharded run writes (reports/rollup.h): the tenants in
 * the file's order, the worst outcome, the totals.
 *
 * Refused, naming the folder, before anything is written: a folder that
 * holds no roll-up, or the roll-up of an unsharded run; shards of another
 * count or another tenants file than the first; a shard given twice; a
 * tenant in two shards; and missing shards (all of them named). Each
 * tenant's counts are taken from its shard's roll-up, so the shards'
 * folders may have moved since; a tenant's report folder is kept as its
 * shard recorded it, or DIR/<its folder's name> when only that exists.
 */
#ifndef MFA_JOBS_ROLLUP_MERGE_H
#define MFA_JOBS_ROLLUP_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "jobs/tenants.h"
#include "mfa/jobs/notify.h"
#include "mfa/util/err.h"

struct mfa_rollup_merge_options {
	char *const *dirs;       /* the shards' roll-up folders (borrowed) */
	size_t ndirs;
	const char *out;         /* the merged roll-up's folder; NULL: reports/<UTC time>-rollup */
	bool allow_shared_out;   /* take an --out folder others can write in */
	struct mfa_tenants_codes codes; /* the done code, for a file of no tenants' worst */
	struct mfa_notify notify;
};

struct mfa_rollup_merge_result {
	char out_path[4096];
	int worst_code;          /* the worst tenant's exit code, as audit --tenants gives */
	size_t shards, tenants;
	struct mfa_err err;      /* when mfa_rollup_merge_run returned -1 */
};

/* Checks and merges. Returns 0, or -1 with res->err set (nothing written). */
int mfa_rollup_merge_run(struct mfa_rollup_merge_result *res, const struct mfa_rollup_merge_options *o);

#endif
