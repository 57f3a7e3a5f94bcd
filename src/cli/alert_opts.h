/* alert_opts.h - audit's alert options (--notify-webhook,
 * --webhook-format, --notify-mail, --send-from), and the alert sent after
 * the reports are written (jobs/alert.h). The webhook URL is a secret
 * (cli/secrets.h says where else it may come from): never printed. */
#ifndef MFA_CLI_ALERT_OPTS_H
#define MFA_CLI_ALERT_OPTS_H

#include <stdbool.h>

#include "cli/options.h"
#include "jobs/scan.h"

/* Option ids of the alert group (scan_opts below 100, live 100..199,
 * evidence 200..299). */
enum {
	ALERT_OPT_WEBHOOK = 300, ALERT_OPT_FORMAT, ALERT_OPT_MAIL_TO, ALERT_OPT_SEND_FROM,
};

extern const struct cli_group cli_alert_group;

/* Takes an option of the alert group: 1 taken, 0 not one of them, -1 bad
 * value (printed). */
int cli_alert_option(int id, const char *value);

/* After the environment is read (cli_live_environment): finds the webhook
 * URL (flag, environment, file or credential) and checks the options go
 * together. 0, or EXIT_USAGE / EXIT_ERROR (printed). */
int cli_alert_check(void);

/* Sends the alert for the audit that wrote `folder`, if it needs one
 * (never changes the exit code). */
void cli_alert_send(const struct mfa_scan_options *o, const char *folder, bool failed_fail_on);

#endif
