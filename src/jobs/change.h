/* changes.h - what `apply` and `rollback` share: tenant check, the
 * confirmation, the journal (new or resumed), the canary, the run under
 * Ctrl-C, the results and the exit code. Each command only supplies where
 * its changes come from (the plan; the apply journal). */
#ifndef MFA_CLI_CHANGES_H
#define MFA_CLI_CHANGES_H

#include <stdbool.h>
#include <stdint.h>

#include "apply/engine.h"
#include "jobs/session.h"
#include "cli/options.h"

/* Option ids of the shared group (commands use ids below 50). */
enum {
	CHG_OPT_OUT = 50, CHG_OPT_YES, CHG_OPT_RESUME, CHG_OPT_NO_VERIFY, CHG_OPT_QUIET,
	CHG_OPT_VERBOSE,
};

extern const struct cli_group cli_changes_group;

struct change_run {
	/* set by the command */
	const char *operation;      /* "apply" | "rollback" */
	const char *source_path;    /* the plan / the apply journal */
	uint32_t source_crc;
	const char *source_tenant;  /* tenant the source belongs to ("" or NULL: none) */
	unsigned long total_changes;/* compare-and-set changes the source holds */
	unsigned long holds;
	unsigned long keeps;
	unsigned long max_seq;
	mfa_change_next_fn next;
	void *next_ctx;
	unsigned long canary;       /* 0: none */
	unsigned long max_changes;  /* 0: no limit */
	unsigned long xlsx_rows_per_sheet; /* results.xlsx data rows a sheet; 0: Excel's limit */

	/* options of the shared group */
	const char *out;
	const char *resume;
	bool yes;
	bool no_verify;
	struct cli_live live;
};

void change_run_init(struct change_run *r, const char *operation);

/* Takes a shared option: 1 taken, 0 not ours, -1 bad value (printed). */
int change_run_option(struct change_run *r, int id, const char *value);

/* Connects (sign-in) before the source is read, so the tenant is known. */
int change_run_connect(struct change_run *r);

/* Everything after the source is open and counted. Returns the exit code. */
int change_run_execute(struct change_run *r);

void change_run_release(struct change_run *r);

/* crc32 of a whole file (the rollback names the apply journal by it). */
int cli_file_crc32(const char *path, uint32_t *out, struct mfa_err *err);

#endif
