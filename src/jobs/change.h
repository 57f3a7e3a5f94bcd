/* change.h - the `apply` and `rollback` job: sign-in, the tenant check,
 * the confirmation (the caller's), the journal (new or resumed), the
 * canary, the run under a stop flag, and the results. Each command only
 * supplies where its changes come from (the plan; the apply journal).
 *
 *     struct mfa_change_options o = MFA_CHANGE_OPTIONS_INIT;
 *     struct mfa_change_result res;
 *     o.operation = "apply"; o.source_path = plan; ... o.next = next_change;
 *     if (mfa_change_run(&res, &o) < 0) fail(res.err.msg);
 *
 * The job never prints: its messages go to o.notify.
 */
#ifndef MFA_JOBS_CHANGE_H
#define MFA_JOBS_CHANGE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "apply/engine.h"
#include "jobs/session.h"
#include "mfa/jobs/notify.h"
#include "reports/results.h"

/* The progress callback's calls: one starting (the engine is about to
 * send; total outcomes to come), updates, one finished. */
enum mfa_change_phase { MFA_CHANGE_STARTING, MFA_CHANGE_UPDATE, MFA_CHANGE_FINISHED };

struct mfa_change_options {
	/* what runs; strings borrowed for the run */
	const char *operation;       /* "apply" | "rollback" */
	/* what the run does, in words for the confirmation and the first
	 * line: "ENABLE per-user MFA for" (then the count); NULL: the operation */
	const char *what;
	const char *source_path;     /* the plan / the apply journal */
	uint32_t source_crc;
	const char *source_tenant;   /* tenant the source belongs to ("" or NULL: none, refused) */
	unsigned long total_changes; /* compare-and-set changes the source holds */
	unsigned long holds;
	unsigned long keeps;
	unsigned long max_seq;
	mfa_change_next_fn next;     /* the changes, in order */
	void *next_ctx;
	unsigned long canary;        /* 0: none */
	unsigned long max_changes;   /* 0: no limit */
	unsigned long xlsx_rows_per_sheet; /* results.xlsx data rows a sheet; 0: Excel's limit */

	const char *out;             /* the folder; NULL: new, or with resume the journal's */
	const char *resume;          /* a journal to continue, or NULL */
	bool no_retry_failed;        /* resume: a `failed` user is finished (default: tried
				      * again, compare-and-set, as in doubt if the journal
				      * holds its intent) */
	bool no_verify;              /* skip reading back every changed user */
	bool allow_shared_out;       /* take an --out folder others can write in */

	struct mfa_session_options session;

	/* The caller's say before anything is sent: 0 go on; anything else
	 * stops the run (outcome MFA_CHANGE_REFUSED; the caller said why).
	 * `operation` is `what` when set. NULL: go on. */
	int (*confirm)(void *ctx, const char *operation, unsigned long changes, const char *tenant);
	void *confirm_ctx;
	struct mfa_notify notify;
	void (*progress)(void *ctx, enum mfa_change_phase phase, const struct mfa_apply_counts *c,
			 unsigned long total);
	void *progress_ctx;
	volatile sig_atomic_t *stop;  /* set (by a signal handler) to stop; may be NULL */
	/* where the job puts its http engine while it runs, for a signal
	 * handler to stop it (mfa_http_stop); may be NULL */
	struct mfa_http *volatile *running_http;
};

#define MFA_CHANGE_OPTIONS_INIT { .operation = "apply", .session = MFA_SESSION_OPTIONS_INIT, \
				  .notify = MFA_NOTIFY_INIT }

enum mfa_change_outcome {
	MFA_CHANGE_DONE = 0,      /* every change took and read back as planned */
	MFA_CHANGE_PARTIAL,       /* some failed, read back otherwise, or could not be read back */
	MFA_CHANGE_INTERRUPTED,   /* stopped by the stop flag: in-flight changes journalled */
	MFA_CHANGE_REFUSED,       /* the confirmation said no: nothing was sent */
};

struct mfa_change_result {
	enum mfa_change_outcome outcome; /* when mfa_change_run returned 0 */
	char out_path[4096];             /* the report folder (with its journal) */
	char journal_path[4200];
	char stopped[256];               /* why the run stopped early, "" when it did not */
	struct mfa_results results;      /* what results.csv says */
	int interrupted;                 /* a failure came after a stop */
	struct mfa_err err;              /* when mfa_change_run returned -1 */
};

/* Runs the changes. Returns 0 when the run happened or was refused (res
 * says which, and where), -1 with res->err set. */
int mfa_change_run(struct mfa_change_result *res, const struct mfa_change_options *o);

/* crc32 of a whole file (the rollback names the apply journal by it). */
int mfa_file_crc32(const char *path, uint32_t *out, struct mfa_err *err);

#endif
