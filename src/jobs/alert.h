/* alert.h - audit --notify-webhook / --notify-mail: after the audit's
 * reports are written, tell someone when the run needs a look.
 *
 * When: the run matched its --fail-on list (failed_fail_on), or, with a
 * previous run to compare with (--compare, --history), there are
 * high-severity changes (summary.json changes.bySeverity.high > 0: a user
 * moved away from disabled, a new high-severity finding such as
 * admin-not-registered). Otherwise nothing is sent.
 *
 * What (reports/alert_json.h): the tenant, the counts (users, admins,
 * high-risk users, changes by severity, the findings with the most
 * users), the top changes (changes.csv, high severity first, at most
 * MFA_ALERT_TOP) and the report folder, read back from the folder's
 * summary.json and changes.csv (a report that is missing leaves its part
 * out). Sent to the webhook (graph/webhook.h) in o->format, and by mail
 * (jobs/sendmail.h, from send_from to mail_to through Graph, signed in
 * with o->session) as plain text.
 *
 * Never fails the audit: a send that fails is a warning (naming the
 * webhook's host, never its URL) and the caller's exit code stays what it
 * was. Messages go to o->notify. */
#ifndef MFA_JOBS_ALERT_H
#define MFA_JOBS_ALERT_H

#include <stdbool.h>

#include "graph/webhook.h"
#include "jobs/session.h"
#include "mfa/jobs/notify.h"
#include "reports/alert_json.h"

struct mfa_alert_options {
	const char *webhook_url;          /* a secret; NULL: no webhook */
	enum mfa_alert_format format;
	struct mfa_webhook_options webhook;
	const char *mail_to;              /* NULL: no mail */
	const char *send_from;            /* the mailbox that sends it (Mail.Send) */
	const struct mfa_session_options *session; /* for the mail */
	const char *fail_on;              /* the --fail-on list as given, or NULL */
	const char *tenant_name;          /* NULL: the tenant id */
	struct mfa_notify notify;
};

struct mfa_alert_result {
	bool needed;        /* the run called for an alert */
	bool webhook_sent;
	bool mail_sent;
};

/* Reads the alert from the report folder `folder` and sends it when
 * needed. failed_fail_on: the run matched --fail-on. */
void mfa_alert_run(const char *folder, bool failed_fail_on, const struct mfa_alert_options *o,
		   struct mfa_alert_result *res);

/* Builds the alert from the folder (no sending): 0, with *needed. */
int mfa_alert_build(struct mfa_alert *a, const char *folder, bool failed_fail_on, const char *fail_on,
		    bool *needed, struct mfa_err *err);

#endif
