/* rollup.h - the roll-up of audit --tenants: summary.json (kind
 * mfa-migrate-rollup) and report.xlsx (a Tenants sheet), one row per
 * tenant with its counts read back from its own summary.json, and a total.
 */
#ifndef MFA_REPORTS_ROLLUP_H
#define MFA_REPORTS_ROLLUP_H

#include <stddef.h>

#include "mfa/util/err.h"

/* One tenant's audit, as the scheduler saw it end. Strings borrowed. */
struct mfa_rollup_tenant {
	const char *id;        /* the tenant line's first field */
	const char *name;      /* its display name, "" when none */
	const char *outcome;   /* "done", "findings", "partial", "interrupted", "error" */
	int exit_code;         /* its audit's exit code */
	const char *folder;    /* its report folder, "" when it wrote none */
};

/* Writes dir/report.xlsx and dir/summary.json (in that order; each
 * complete or absent) for the n tenants, with the worst outcome and exit
 * code. Returns 0, or -1 with err set. */
int mfa_rollup_write(const char *dir, const struct mfa_rollup_tenant *t, size_t n,
		     const char *worst_outcome, int worst_code, struct mfa_err *err);

#endif
