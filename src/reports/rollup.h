/* rollup.h - the roll-up of audit --tenants: summary.json (kind
 * mfa-migrate-rollup) and report.xlsx (a Tenants sheet), one row per
 * tenant with its counts read back from its own summary.json, and a total.
 */
#ifndef MFA_REPORTS_ROLLUP_H
#define MFA_REPORTS_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "mfa/util/err.h"

struct cJSON;

/* One tenant's audit, as the scheduler saw it end. Strings borrowed. */
struct mfa_rollup_tenant {
	const char *id;        /* the tenant line's first field */
	const char *name;      /* its display name, "" when none */
	const char *outcome;   /* "done", "findings", "partial", "interrupted", "error" */
	int exit_code;         /* its audit's exit code */
	const char *folder;    /* its report folder, "" when it wrote none */
	/* rollup merge: the tenant's row of a shard's roll-up, whose counts
	 * are taken instead of reading folder/summary.json; NULL: read it */
	const struct cJSON *counts;
};

/* audit --tenants --shard: which shard this roll-up is, recorded as
 * summary.json's "shard" so `mfa-migrate rollup` can check and merge. */
struct mfa_rollup_shard {
	unsigned index, count;
	size_t file_tenants;      /* tenants in the whole file */
	uint64_t file_digest;     /* jobs/tenants_file.h's fingerprint of the file */
	const size_t *positions;  /* each tenant's place in the file (n of them) */
};

/* Writes dir/report.xlsx and dir/summary.json (in that order; each
 * complete or absent) for the n tenants, with the worst outcome and exit
 * code. Returns 0, or -1 with err set. */
int mfa_rollup_write(const char *dir, const struct mfa_rollup_tenant *t, size_t n,
		     const char *worst_outcome, int worst_code, struct mfa_err *err);

/* The same, with shard (when not NULL) recorded in summary.json. */
int mfa_rollup_write_shard(const char *dir, const struct mfa_rollup_tenant *t, size_t n,
			   const char *worst_outcome, int worst_code,
			   const struct mfa_rollup_shard *shard, struct mfa_err *err);

#endif
