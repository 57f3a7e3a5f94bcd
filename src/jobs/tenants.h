/* tenants.h - audit --tenants FILE: one audit per tenant, several at once,
 * each in its own process with its own throttle budgets (Graph's budgets
 * are per app and tenant), then a roll-up across tenants.
 *
 * The file: one tenant per line, comma-separated fields
 *     tenant[,display name[,client id[,certificate[,graph url]]]]
 * blank lines and lines starting with '#' ignored. An empty field takes the
 * run's own setting (flags, then the AZURE_* environment). The graph url
 * field is for national clouds behind a proxy and for the emulator; it also
 * sets the sign-in URL.
 *
 * Each tenant's audit runs as `mfa-migrate audit` with the command line it
 * was given (less --tenants and --out), plus --tenant, and --out
 * ROLLUP/<tenant> (or --history as given). One tenant failing does not stop
 * the others. The roll-up folder gets summary.json and report.xlsx (a
 * Tenants sheet); the exit code is the worst of the tenants' (1 > 4 > 3 > 0).
 */
#ifndef MFA_CLI_TENANTS_H
#define MFA_CLI_TENANTS_H

/* argv is audit's (argv[0] "audit"); file the --tenants value; out the
 * --out value or NULL; workers the --workers value (0: default); history
 * the --history value or NULL. Returns the exit code. */
int cli_tenants_run(int argc, char **argv, const char *file, const char *out, unsigned workers,
		    const char *history);

#endif
