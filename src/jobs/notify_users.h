/* notify_users.h - the `notify` job: tell the users a plan changes (a plan
 * folder: advance notice) or an apply changed (an apply folder: the users
 * whose change succeeded) what happens to them and what to do.
 *
 * Writes into the folder (RUN_DIR or out): notify.csv, one row per user
 * (reports/notify_csv.h), and one message per notifiable user as
 * notify/<seq>.eml (reports/eml.h), from a template (reports/notice.h).
 * A user's address is the mail property the scan read (plan.jsonl
 * "mail"); a user without one, or with one that is not an address, is
 * listed as not notifiable, never guessed from the UPN. notify.csv is
 * committed last, so a folder with it is complete; a folder that has one
 * is refused unless resume is set.
 *
 * With send_from, the messages are sent through Graph (POST
 * /users/{send_from}/sendMail, Mail.Send), one at a time, each in
 * notify-journal.jsonl first (mfa/apply/journal.h, operation "notify":
 * an intent synced before the send; an outcome after: "changed" = Graph
 * accepted it (202), "failed" = Graph refused it, so it was not sent).
 * A send whose answer never came (a crash, a timeout, a 5xx: Graph may
 * have sent it) keeps only its intent: it is reported `unknown` and never
 * sent again unless resend_unknown. The mail limiter (graph/throttle.h,
 * MFA_SCOPE_MAIL) paces the sends; a 429 pauses it for Retry-After and
 * the engine retries (a 429 was not acted on). Results: notify-results.csv.
 *
 * The job never prints: messages go to o.notify.
 */
#ifndef MFA_JOBS_NOTIFY_USERS_H
#define MFA_JOBS_NOTIFY_USERS_H

#include <signal.h>
#include <stdbool.h>

#include "jobs/session.h"
#include "mfa/jobs/notify.h"

#define MFA_NOTIFY_JOURNAL "notify-journal.jsonl"
#define MFA_NOTIFY_DIR "notify"

struct mfa_notify_users_options {
	/* strings borrowed for the run */
	const char *run_dir;        /* a plan folder (plan.jsonl) or an apply folder (journal.jsonl) */
	const char *plan;           /* apply folder: the plan apply ran, when the path its
				     * journal names does not reach it; NULL */
	const char *out;            /* NULL: run_dir */
	bool allow_shared_out;
	const char *template_path;  /* NULL: the built-in templates */
	const char *date;           /* {date}; NULL: the apply's start date (apply folder),
				     * "in the coming days" (plan folder) */
	bool resume;                /* the folder's files are there from before: keep them,
				     * continue the sending its journal records */

	const char *send_from;      /* the sending mailbox (UPN or id); NULL: files only */
	double mail_per_minute;     /* <= Exchange's 30 */
	double mail_per_day;        /* <= Exchange's 10,000 */
	bool resend_unknown;        /* resume: send again the users whose send is unknown */
	struct mfa_session_options session;

	struct mfa_notify notify;
	volatile sig_atomic_t *stop;              /* may be NULL */
	struct mfa_http *volatile *running_http;  /* may be NULL */
};

#define MFA_NOTIFY_USERS_OPTIONS_INIT { .mail_per_minute = 30, .mail_per_day = 10000, \
					.session = MFA_SESSION_OPTIONS_INIT, .notify = MFA_NOTIFY_INIT }

struct mfa_notify_users_result {
	char out_path[4096];
	unsigned long users;          /* rows of notify.csv */
	unsigned long notifiable;
	unsigned long sent;           /* accepted by Graph, this run or before */
	unsigned long failed;         /* refused by Graph */
	unsigned long unknown;        /* sent, answer unknown */
	unsigned long not_sent;       /* not tried (interrupted) */
	int interrupted;
	struct mfa_err err;
};

/* Runs the job. 0 when it ran (res says what happened), -1 with res->err. */
int mfa_notify_users_run(struct mfa_notify_users_result *res,
			 const struct mfa_notify_users_options *o);

#endif
