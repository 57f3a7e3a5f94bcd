/* cmd_notify.c - `notify RUN_DIR`: tell the users a plan or an apply
 * changes what happens to them (notify.csv, notify/<seq>.eml), and with
 * --send-from send it through Graph. */
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/live_opts.h"
#include "cli/msg.h"
#include "cli/signals.h"

#include "graph/throttle.h"
#include "jobs/notify_users.h"

#include <stdio.h>
#include <string.h>

enum {
	OPT_OUT = 1, OPT_ALLOW_SHARED, OPT_TEMPLATE, OPT_DATE, OPT_PLAN, OPT_RESUME, OPT_SEND_FROM,
	OPT_YES, OPT_PER_MINUTE, OPT_PER_DAY, OPT_RESEND_UNKNOWN, OPT_QUIET, OPT_VERBOSE,
};

static const struct cli_option notify_options[] = {
	{ "out", 0, CLI_ARG, "DIR", "write into DIR instead of RUN_DIR", OPT_OUT },
	{ "allow-shared-out", 0, CLI_NO_ARG, NULL, "write into a folder that other users own or can write in (refused by default)", OPT_ALLOW_SHARED },
	{ "template", 0, CLI_ARG, "FILE", "the message: a 'Subject: ...' line, a blank line, the body; placeholders {displayName} {userPrincipalName} {from} {to} {date} {registrationUrl} (default: the built-in message for each change)", OPT_TEMPLATE },
	{ "date", 0, CLI_ARG, "TEXT", "what {date} says (default: the apply's start date; for a plan folder 'in the coming days')", OPT_DATE },
	{ "plan", 0, CLI_ARG, "FILE", "an apply folder's plan, when the path its journal names no longer reaches it", OPT_PLAN },
	{ "resume", 0, CLI_NO_ARG, NULL, "the folder holds notify.csv from before: keep it and send what its notify-journal.jsonl has not sent", OPT_RESUME },
	{ "send-from", 0, CLI_ARG, "MAILBOX", "send the messages through Graph from this mailbox (UPN or id; application permission Mail.Send); needs --yes", OPT_SEND_FROM },
	{ "yes", 'y', CLI_NO_ARG, NULL, "really send (review notify.csv and the .eml files first)", OPT_YES },
	{ "mail-per-minute", 0, CLI_ARG, "N", "at most N messages a minute (default and maximum 30, Exchange's limit a mailbox)", OPT_PER_MINUTE },
	{ "mail-per-day", 0, CLI_ARG, "N", "at most N messages a day (default and maximum 10000, Exchange's recipients a day; counted per run)", OPT_PER_DAY },
	{ "resend-unknown", 0, CLI_NO_ARG, NULL, "with --resume, send again the messages whose send was cut off (the user may get two)", OPT_RESEND_UNKNOWN },
	{ "quiet", 'q', CLI_NO_ARG, NULL, "print only errors", OPT_QUIET },
	{ "verbose", 'v', CLI_NO_ARG, NULL, "more detail", OPT_VERBOSE },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_group notify_group = { "notify", notify_options };
static const struct cli_group *const notify_groups[] = { &notify_group, &cli_live_group, NULL };

static const struct cli_usage notify_usage = {
	"mfa-migrate notify RUN_DIR [--template FILE] [--send-from MAILBOX --yes] [--resume] [options]",
	"Tells the users a plan changes (RUN_DIR a plan folder: advance notice) or an\n"
	"apply changed (an apply folder: the users whose change succeeded) what\n"
	"happens to them and what they must do. Writes notify.csv (one row per user;\n"
	"users without a mail property are listed as not notifiable) and one message\n"
	"per notifiable user in notify/<seq>.eml. With --send-from MAILBOX --yes the\n"
	"messages are sent through Graph (sendMail), journalled in\n"
	"notify-journal.jsonl so nobody is mailed twice, at Exchange's limits;\n"
	"results in notify-results.csv. After a crash, --resume sends the rest; a\n"
	"message whose send was cut off is reported 'unknown', not sent again.",
	notify_groups,
};

struct notify_args {
	struct mfa_notify_users_options o;
	bool yes;
};

static int parse_rate(const char *name, const char *value, unsigned long max, double *out)
{
	unsigned long v;

	if (cli_parse_count(name, value, max, &v) < 0)
		return -1;
	*out = (double)v;
	return 0;
}

static int on_option(void *ctx, int id, const char *value)
{
	struct notify_args *a = ctx;
	int taken = cli_live_option(&a->o.session, id, value);

	if (taken)
		return taken < 0 ? -1 : 0;
	switch (id) {
	case 0:
		if (a->o.run_dir) {
			errorf("one folder at a time ('%s' and '%s')", a->o.run_dir, value);
			return -1;
		}
		a->o.run_dir = value;
		return 0;
	case OPT_OUT: a->o.out = value; return 0;
	case OPT_ALLOW_SHARED: a->o.allow_shared_out = true; return 0;
	case OPT_TEMPLATE: a->o.template_path = value; return 0;
	case OPT_DATE: a->o.date = value; return 0;
	case OPT_PLAN: a->o.plan = value; return 0;
	case OPT_RESUME: a->o.resume = true; return 0;
	case OPT_SEND_FROM: a->o.send_from = value; return 0;
	case OPT_YES: a->yes = true; return 0;
	case OPT_PER_MINUTE: return parse_rate("mail-per-minute", value, MFA_MAIL_PER_MINUTE, &a->o.mail_per_minute);
	case OPT_PER_DAY: return parse_rate("mail-per-day", value, MFA_MAIL_PER_DAY, &a->o.mail_per_day);
	case OPT_RESEND_UNKNOWN: a->o.resend_unknown = true; return 0;
	case OPT_QUIET: cli_set_verbosity(CLI_QUIET); return 0;
	case OPT_VERBOSE: cli_set_verbosity(CLI_VERBOSE); return 0;
	default: return -1;
	}
}

int cmd_notify(int argc, char **argv)
{
	struct notify_args a = { MFA_NOTIFY_USERS_OPTIONS_INIT, false };
	struct mfa_notify_users_result res;
	int rc;

	rc = cli_parse(argc, argv, &notify_usage, on_option, &a);
	if (rc != 0)
		return rc > 0 ? EXIT_DONE : EXIT_USAGE;
	if (!a.o.run_dir) {
		errorf("name the plan or apply folder: mfa-migrate notify reports/...-plan");
		return EXIT_USAGE;
	}
	if (a.o.send_from && !a.yes) {
		errorf("--send-from mails every notifiable user: review notify.csv and the .eml files, then add --yes");
		return EXIT_USAGE;
	}
	if (a.o.resend_unknown && !a.o.resume) {
		errorf("--resend-unknown goes with --resume");
		return EXIT_USAGE;
	}
	if (a.o.send_from && cli_live_environment(&a.o.session) < 0)
		return EXIT_ERROR;
	a.o.notify.fn = cli_notify;
	a.o.stop = &cli_interrupted;
	a.o.running_http = &cli_running_http;
	cli_signals_install();
	if (mfa_notify_users_run(&res, &a.o) < 0) {
		errorf("%s", res.err.msg);
		return res.interrupted ? EXIT_INTERRUPTED : EXIT_ERROR;
	}
	printf("%s\n", res.out_path);
	fflush(stdout);
	if (res.users > res.notifiable)
		warnf("%lu users have no usable mail property and were not told (notify.csv: notifiable=false)",
		      res.users - res.notifiable);
	if (res.interrupted) {
		notef("interrupted: to send the rest: mfa-migrate notify %s --send-from %s --yes --resume",
		      a.o.run_dir, a.o.send_from);
		return EXIT_INTERRUPTED;
	}
	if (res.unknown)
		warnf("%lu messages may or may not have gone out (notify-results.csv: result=unknown); they are not sent again unless --resume --resend-unknown",
		      res.unknown);
	return res.failed || res.unknown || res.not_sent ? EXIT_PARTIAL : EXIT_DONE;
}
