/* change_opts.c - the shared part of apply and rollback (change_opts.h). */
#include "cli/change_opts.h"

#include "cli/exitcodes.h"
#include "cli/live_opts.h"
#include "cli/msg.h"
#include "cli/signals.h"
#include "reports/xlsx_book.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_option change_options[] = {
	{ "out", 0, CLI_ARG, "DIR", "output folder (default reports/<UTC time>-<command>; with --resume, the journal's folder)", CHG_OPT_OUT },
	{ "allow-shared-out", 0, CLI_NO_ARG, NULL, "write into an --out folder that other users own or can write in (refused by default: they could plant links there)", CHG_OPT_ALLOW_SHARED },
	{ "yes", 'y', CLI_NO_ARG, NULL, "do not ask for confirmation (needed without a terminal)", CHG_OPT_YES },
	{ "resume", 0, CLI_ARG, "JOURNAL", "continue an interrupted run from its journal.jsonl; finished users are never sent again", CHG_OPT_RESUME },
	{ "no-retry-failed", 0, CLI_NO_ARG, NULL, "with --resume, leave users whose outcome was 'failed' as they are (default: try them again, compare-and-set)", CHG_OPT_NO_RETRY_FAILED },
	{ "no-verify", 0, CLI_NO_ARG, NULL, "skip reading back every changed user at the end", CHG_OPT_NO_VERIFY },
	{ "quiet", 'q', CLI_NO_ARG, NULL, "print only errors", CHG_OPT_QUIET },
	{ "verbose", 'v', CLI_NO_ARG, NULL, "more detail", CHG_OPT_VERBOSE },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_changes_group = { "run", change_options };

void cli_change_init(struct cli_change *c, const char *operation)
{
	struct mfa_change_options o = MFA_CHANGE_OPTIONS_INIT;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->o.operation = operation;
	/* a test hook: fewer data rows a results.xlsx sheet */
	c->o.xlsx_rows_per_sheet = mfa_xlsx_rows_parse(getenv("MFA_XLSX_MAX_ROWS"));
}

int cli_change_option(struct cli_change *c, int id, const char *value)
{
	int taken = cli_live_option(&c->o.session, id, value);

	if (taken)
		return taken;
	switch (id) {
	case CHG_OPT_OUT: c->o.out = value; return 1;
	case CHG_OPT_ALLOW_SHARED: c->o.allow_shared_out = true; return 1;
	case CHG_OPT_YES: c->yes = true; return 1;
	case CHG_OPT_RESUME: c->o.resume = value; return 1;
	case CHG_OPT_NO_VERIFY: c->o.no_verify = true; return 1;
	case CHG_OPT_NO_RETRY_FAILED: c->o.no_retry_failed = true; return 1;
	case CHG_OPT_QUIET: cli_set_verbosity(CLI_QUIET); return 1;
	case CHG_OPT_VERBOSE: cli_set_verbosity(CLI_VERBOSE); return 1;
	default: return 0;
	}
}

/* Asks on the terminal; then (confirmed) Ctrl-C stops the run gracefully
 * instead of ending the process. */
static int confirm(void *ctx, const char *operation, unsigned long changes, const char *tenant)
{
	struct cli_change *c = ctx;
	char answer[16];

	if (!c->yes) {
		if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
			errorf("refusing to change the tenant without confirmation: there is no terminal to ask on; review the totals and add --yes");
			c->refused_code = EXIT_USAGE;
			return -1;
		}
		fprintf(stderr, "Type 'yes' to %s %lu users in tenant '%s': ", operation, changes,
			tenant ? tenant : "?");
		if (!fgets(answer, sizeof(answer), stdin) || strcmp(answer, "yes\n") != 0) {
			errorf("not confirmed: nothing was changed");
			c->refused_code = EXIT_ERROR;
			return -1;
		}
	}
	cli_signals_install();
	return 0;
}

int cli_change_execute(struct cli_change *c)
{
	struct mfa_change_result res;

	if (cli_live_environment(&c->o.session) < 0)
		return EXIT_ERROR;
	c->o.notify.fn = cli_notify;
	c->o.confirm = confirm;
	c->o.confirm_ctx = c;
	cli_progress_init(&c->progress);
	c->o.progress = cli_progress_change;
	c->o.progress_ctx = &c->progress;
	c->o.stop = &cli_interrupted;
	c->o.running_http = &cli_running_http;
	if (mfa_change_run(&res, &c->o) < 0) {
		errorf("%s", res.err.msg);
		return res.interrupted ? EXIT_INTERRUPTED : EXIT_ERROR;
	}
	if (res.outcome == MFA_CHANGE_REFUSED)
		return c->refused_code;
	printf("%s\n", res.out_path);
	fflush(stdout);
	if (res.stopped[0])
		notef("%s; to continue: mfa-migrate %s %s --resume %s", res.stopped, c->o.operation,
		      c->o.source_path, res.journal_path);
	switch (res.outcome) {
	case MFA_CHANGE_INTERRUPTED: return EXIT_INTERRUPTED;
	case MFA_CHANGE_PARTIAL: return EXIT_PARTIAL;
	default: return EXIT_DONE;
	}
}
