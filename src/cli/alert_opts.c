/* alert_opts.c - audit's alert options and the send (alert_opts.h). */
#include "cli/alert_opts.h"

#include "cli/exitcodes.h"
#include "cli/msg.h"
#include "cli/secrets.h"
#include "jobs/alert.h"

#include <stdio.h>
#include <string.h>

static const struct cli_option alert_options[] = {
	{ "notify-webhook", 0, CLI_ARG, "URL", "post an alert when the run matches --fail-on or finds high-severity changes (a secret: better $MFA_MIGRATE_WEBHOOK_URL, $MFA_MIGRATE_WEBHOOK_URL_FILE or the systemd credential webhook-url)", ALERT_OPT_WEBHOOK },
	{ "webhook-format", 0, CLI_ARG, "FORMAT", "teams (a Teams workflow's Adaptive Card, default), slack (incoming webhook) or json", ALERT_OPT_FORMAT },
	{ "notify-mail", 0, CLI_ARG, "TO", "mail the same alert to TO through Graph (with --send-from; Mail.Send)", ALERT_OPT_MAIL_TO },
	{ "send-from", 0, CLI_ARG, "MAILBOX", "the mailbox (UPN or id) that sends --notify-mail", ALERT_OPT_SEND_FROM },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_alert_group = { "alerts", alert_options };

static struct {
	const char *flag_url, *format_name, *mail_to, *send_from;
	enum mfa_alert_format format;
	const char *url;   /* resolved (a secret) */
} A;

int cli_alert_option(int id, const char *value)
{
	struct mfa_err err = MFA_ERR_INIT;

	switch (id) {
	case ALERT_OPT_WEBHOOK: A.flag_url = value; return 1;
	case ALERT_OPT_FORMAT:
		if (mfa_alert_format_parse(value, &A.format, &err) < 0) {
			errorf("--webhook-format: %s", err.msg);
			return -1;
		}
		A.format_name = value;
		return 1;
	case ALERT_OPT_MAIL_TO:
		if (!strchr(value, '@')) {
			errorf("--notify-mail: '%s' is not a mail address", value);
			return -1;
		}
		A.mail_to = value;
		return 1;
	case ALERT_OPT_SEND_FROM: A.send_from = value; return 1;
	default: return 0;
	}
}

int cli_alert_check(void)
{
	struct mfa_err err = MFA_ERR_INIT;
	int bad = 0;

	A.url = cli_secrets_webhook(A.flag_url, &bad);
	if (bad)
		return EXIT_ERROR;
	if (A.url && !*A.url)
		A.url = NULL;
	if (A.url && mfa_webhook_check(A.url, &err) < 0) {
		errorf("--notify-webhook: %s", err.msg);
		return EXIT_USAGE;
	}
	if (A.format_name && !A.url) {
		errorf("--webhook-format goes with --notify-webhook (or $MFA_MIGRATE_WEBHOOK_URL)");
		return EXIT_USAGE;
	}
	if (!A.mail_to != !A.send_from) {
		errorf("--notify-mail and --send-from go together: the alert is mailed from --send-from to --notify-mail");
		return EXIT_USAGE;
	}
	return 0;
}

void cli_alert_send(const struct mfa_scan_options *o, const char *folder, bool failed_fail_on)
{
	struct mfa_alert_options ao = {
		.webhook_url = A.url, .format = A.format, .webhook = MFA_WEBHOOK_OPTIONS_INIT,
		.mail_to = A.mail_to, .send_from = A.send_from, .session = &o->session,
		.fail_on = o->fail_on_text, .notify = { cli_notify, NULL },
	};
	struct mfa_alert_result res;

	if (!A.url && !A.mail_to)
		return;
	ao.webhook.ca_file = o->session.auth.ca_file;
	ao.webhook.proxy = o->session.auth.proxy;
	ao.webhook.trace = o->session.auth.trace;
	/* tests: MFA_MIGRATE_TIME_SCALE shortens the backoff as it does the windows */
	if (o->session.time_scale > 1)
		ao.webhook.backoff_s = 1.0 / o->session.time_scale;
	mfa_alert_run(folder, failed_fail_on, &ao, &res);
}
