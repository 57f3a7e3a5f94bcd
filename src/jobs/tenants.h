/* tenants.h - audit --tenants FILE: one audit per tenant, several at once,
 * each in its own process with its own throttle budgets (Graph's budgets
 * are per app and tenant), then a roll-up across tenants.
 *
 * The file: one tenant per line, comma-separated fields
 *     tenant[,display name[,client id[,certificate[,graph url]]]]
 * blank lines and lines starting with '#' ignored (read by
 * jobs/tenants_file.h). An empty field takes the
 * run's own setting (flags, then the AZURE_* environment). The graph url
 * field is for national clouds behind a proxy and for the emulator; it also
 * sets the sign-in URL.
 *
 * Each tenant's audit runs as `mfa-migrate audit` with the command line it
 * was given (less --tenants and --out), plus --tenant, and --out
 * ROLLUP/<tenant> (or --history as given), plus --secret-fd 3 when
 * `secrets` is set (even empty): each audit gets them on its descriptor 3, the read end of a
 * pipe holding `secrets` (written and closed before it starts), never in
 * its argv or environment; its environment is `env` (the caller leaves the
 * secrets out of it). --client-secret-file, --secret-fd and
 * --notify-webhook are not passed on (their values are in `secrets`).
 * One tenant failing does not stop
 * the others. The roll-up folder gets summary.json and report.xlsx (a
 * Tenants sheet, reports/rollup.h); the result is the worst of the
 * tenants' exit codes (error > interrupted > partial > findings > done).
 *
 * With a shard (shard_count > 0) only the file's tenants in that shard
 * run (none is fine: an empty roll-up), and summary.json's "shard" says
 * which shard of how many, of which file (tenant count and fingerprint),
 * and each tenant's place in the file: `mfa-migrate rollup` merges the
 * shards back into the roll-up one unsharded run writes.
 */
#ifndef MFA_JOBS_TENANTS_H
#define MFA_JOBS_TENANTS_H

#include <stdbool.h>

#include "mfa/jobs/notify.h"
#include "mfa/util/err.h"

/* The exit codes of a tenant's audit, as the program that runs them
 * defines them (anything else is an error). */
struct mfa_tenants_codes {
	int done, findings, partial, interrupted, error;
};

struct mfa_tenants_options {
	const char *file;       /* the --tenants file */
	const char *out;        /* the roll-up folder; NULL: reports/<UTC time>-audit-tenants */
	unsigned workers;       /* requests in flight across all tenants; 0: 256 */
	const char *history;    /* --history DIR as given, or NULL */
	bool allow_shared_out;  /* take a roll-up folder others can write in (the
				 * audits get the flag in argv as given) */
	int argc;               /* audit's command line (argv[0] "audit"), passed on */
	char **argv;
	const char *program;    /* the executable each audit runs as (e.g. "/proc/self/exe") */
	char *const *env;       /* each audit's environment, without secrets; NULL: empty */
	const char *secrets;    /* what each audit reads from --secret-fd 3; NULL: no --secret-fd */
	size_t secrets_len;     /* at most 65536 (a pipe's buffer: written before the start) */
	struct mfa_tenants_codes codes;
	/* --shard I/N: only the tenants of shard shard_index of shard_count
	 * (mfa/model/shard.h), the roll-up recording which; count 0: all */
	unsigned shard_index, shard_count;
	struct mfa_notify notify; /* its own lines, and each audit's, relayed */
};

struct mfa_tenants_result {
	char out_path[4096];    /* the roll-up folder */
	int worst_code;         /* the worst tenant's exit code */
	struct mfa_err err;     /* when mfa_tenants_run returned -1 */
};

/* Runs every tenant's audit and writes the roll-up. Returns 0 (res says
 * the worst outcome), or -1 with res->err set (a bad --tenants file: no
 * audit was started; or the roll-up could not be written). */
int mfa_tenants_run(struct mfa_tenants_result *res, const struct mfa_tenants_options *o);

#endif
