/* scan.h - the `plan` and `audit` job: read every user (an export or the
 * live tenant), classify, plan (plan only), and write the reports into one
 * folder; with --history and --compare, the comparison and the trend.
 * The two commands share everything but the plan stage and --fail-on.
 *
 *     struct mfa_scan_options o = MFA_SCAN_OPTIONS_INIT;
 *     struct mfa_scan_result res;
 *     o.from_csv = "export.csv";
 *     if (mfa_scan_run(&res, &o) < 0) fail(res.err.msg);
 *     else use(res.out_path, res.outcome);
 *
 * The job never prints: its messages go to o.notify, its progress to the
 * progress callbacks.
 */
#ifndef MFA_JOBS_SCAN_H
#define MFA_JOBS_SCAN_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "graph/http.h"
#include "jobs/session.h"
#include "mfa/jobs/notify.h"
#include "mfa/model/plan.h"
#include "mfa/model/summary.h"
#include "model/failon.h"

/* Reports to write (mfa_scan_options.formats). */
enum {
	MFA_SCAN_CSV = 1,   /* users.csv, changes.csv, plan.csv */
	MFA_SCAN_XLSX = 2,  /* report.xlsx */
	MFA_SCAN_JSON = 4,  /* summary.json */
	MFA_SCAN_JSONL = 8, /* users.jsonl */
};

/* How a live scan is getting on. */
struct mfa_scan_progress {
	unsigned long listed;    /* users the users list returned so far */
	unsigned long done;      /* users whose state is settled */
	unsigned long total;     /* @odata.count, 0 when not known yet */
	unsigned long throttled; /* 429 answers so far */
	unsigned long retries;   /* requests retried so far */
};

struct mfa_scan_options {
	const char *command;          /* "plan" or "audit": names the run and its folder */
	bool plan;                    /* plan: decide, write plan.csv and plan.jsonl */

	/* input; every string is borrowed for the run */
	const char *from_csv;         /* an export; NULL: the live tenant (session) */
	const char *registration;     /* with from_csv: a registration export, or NULL */
	bool strict;                  /* a bad input row is fatal */
	bool no_registration;         /* live: do not read the registration report */
	const char *ca_policies;      /* Conditional Access from files, or NULL */
	const char *ca_members;       /* with ca_policies, or NULL */
	bool no_ca;                   /* live: do not read Conditional Access */
	const char *exclude;          /* ids or UPNs never to change / marked excluded, or NULL */
	const char *only;             /* plan: change only these, or NULL */
	struct mfa_plan_options plan_opts; /* plan: the holds (its `only` and `select` are the job's) */
	struct mfa_fail_on select;    /* plan: parsed --select (nothing named: everyone) */

	/* evidence (cli/evidence_opts) */
	time_t now;                   /* --now: the run date findings are judged at; 0: the clock */
	unsigned sign_in_days;        /* audit --sign-ins DAYS: read the sign-in logs (live); 0: not */
	/* account types (live only): signInActivity on the users scan, and
	 * stale-account after stale_days (0: 90); mailboxSettings.userPurpose */
	bool sign_in_activity;
	unsigned stale_days;
	bool mailbox_purpose;
	unsigned long what_if;        /* --what-if [N]: at most N What If requests (live
				       * only; reports/whatif_csv.h); 0: not asked */

	/* audit */
	struct mfa_fail_on fail_on;   /* parsed --fail-on */
	const char *fail_on_text;     /* as given, for the message */
	const char *compare;          /* a previous run (folder or users.csv), or NULL */
	const char *history;          /* DIR: runs kept per tenant, or NULL */
	unsigned keep;                /* with history: runs kept uncompressed */

	/* output */
	const char *out;              /* the folder; NULL: reports/<UTC time>-<command> */
	bool allow_shared_out;        /* take an --out/--history folder others can write in */
	unsigned formats;             /* MFA_SCAN_* */
	unsigned long xlsx_rows_per_sheet; /* report.xlsx data rows a sheet; 0: Excel's limit */
	FILE *jsonl_stream;           /* users.jsonl lines here instead of the folder, or NULL */
	bool verbose;                 /* say every bad row (else the first 20, then a count) */

	struct mfa_session_options session; /* live runs */

	/* the caller's */
	struct mfa_notify notify;
	void (*progress_users)(void *ctx, const struct mfa_summary *s, int done);
	void (*progress_scan)(void *ctx, const struct mfa_scan_progress *p);
	void *progress_ctx;
	volatile sig_atomic_t *stop;  /* set (by a signal handler) to stop; may be NULL */
	/* where the job puts its http engine while it lives, for a signal
	 * handler to stop it (mfa_http_stop); may be NULL */
	struct mfa_http *volatile *running_http;
};

#define MFA_SCAN_OPTIONS_INIT { \
	.command = "audit", .plan = false, .plan_opts = MFA_PLAN_OPTIONS_INIT, \
	.fail_on = MFA_FAIL_ON_INIT, .select = MFA_FAIL_ON_INIT, .keep = 12, \
	.formats = MFA_SCAN_CSV | MFA_SCAN_XLSX | MFA_SCAN_JSON, \
	.session = MFA_SESSION_OPTIONS_INIT, .notify = MFA_NOTIFY_INIT }

/* How a finished run came out, worst first. */
enum mfa_scan_outcome {
	MFA_SCAN_INTERRUPTED = 0, /* stopped: the reports do not cover every user, no plan file */
	MFA_SCAN_UNKNOWN_STATES,  /* some users' state could not be read (held) */
	MFA_SCAN_FINDINGS,        /* audit: --fail-on matched */
	MFA_SCAN_DONE,
};

struct mfa_scan_result {
	enum mfa_scan_outcome outcome;   /* when mfa_scan_run returned 0 */
	char out_path[4096];             /* the report folder (kept) */
	unsigned long unknown_states;
	int interrupted;                 /* a failure came after a stop */
	struct mfa_err err;              /* when mfa_scan_run returned -1 */
};

/* Runs the whole scan. Returns 0 when the reports were written (res says
 * how it came out, and where), or -1 with res->err set (nothing complete
 * written; a folder this run made and left empty is removed). */
int mfa_scan_run(struct mfa_scan_result *res, const struct mfa_scan_options *opts);

#endif
