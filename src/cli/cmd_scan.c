/* cmd_scan.c - `plan` and `audit`: read every user, classify, plan (plan
 * only), write the reports. The two commands share everything but the
 * plan stage and --fail-on. */
#include "cli/alert_opts.h"
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/live_opts.h"
#include "cli/msg.h"
#include "cli/options.h"
#include "cli/scan_opts.h"
#include "cli/secrets.h"
#include "cli/progress.h"
#include "cli/signals.h"
#include "jobs/scan.h"
#include "jobs/tenants.h"
#include "reports/xlsx_book.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The job's result as an exit code, said. */
static int exit_code(const struct scan_args *a, const struct mfa_scan_result *res, int rc)
{
	if (rc < 0) {
		errorf("%s", res->err.msg);
		return res->interrupted ? EXIT_INTERRUPTED : EXIT_ERROR;
	}
	/* stdout stays pure JSON lines when they go there */
	fprintf(a->jsonl_stdout ? stderr : stdout, "%s\n", res->out_path);
	fflush(stdout);
	switch (res->outcome) {
	case MFA_SCAN_INTERRUPTED:
		errorf("interrupted: the reports in '%s' do not cover every user (summary.json says complete: false); no plan file was written",
		       res->out_path);
		return EXIT_INTERRUPTED;
	case MFA_SCAN_UNKNOWN_STATES:
		errorf("%lu users' per-user MFA state could not be read (see stateError in users.csv); they are held",
		       res->unknown_states);
		return EXIT_PARTIAL;
	case MFA_SCAN_FINDINGS:
		notef("audit findings matched --fail-on %s", a->o.fail_on_text);
		return EXIT_FINDINGS;
	case MFA_SCAN_DONE:
		break;
	}
	return EXIT_DONE;
}

/* audit --tenants: one audit per tenant (jobs/tenants.h), each given the
 * secrets on a pipe and an environment without them (cli/secrets.h). */
static int run_tenants(struct scan_args *a, int argc, char **argv)
{
	struct mfa_tenants_options to = {
		.file = a->tenants, .out = a->o.out, .workers = a->o.session.workers,
		.history = a->o.history, .allow_shared_out = a->o.allow_shared_out, .argc = argc, .argv = argv, .program = "/proc/self/exe",
		.codes = { EXIT_DONE, EXIT_FINDINGS, EXIT_PARTIAL, EXIT_INTERRUPTED, EXIT_ERROR },
		.notify = { cli_notify, NULL },
		.shard_index = a->shard.index, .shard_count = a->shard.shards, /* cli_shard_resolve */
	};
	struct mfa_tenants_result res;
	char **env = NULL;
	int rc = EXIT_ERROR;

	if (cli_live_environment(&a->o.session) < 0)
		return EXIT_ERROR;
	rc = cli_alert_check(); /* the webhook URL: each tenant's audit gets it on its pipe */
	if (rc)
		return rc;
	rc = EXIT_ERROR;
	to.secrets = cli_secrets_bundle(&to.secrets_len);
	env = cli_secrets_child_env();
	if (!to.secrets || !env) {
		if (!env)
			errorf("out of memory");
		goto cleanup;
	}
	to.env = env;
	if (mfa_tenants_run(&res, &to) < 0) {
		errorf("%s", res.err.msg);
		goto cleanup;
	}
	printf("%s\n", res.out_path);
	rc = res.worst_code;
cleanup:
	free(env);
	return rc;
}

static int scan_main(int argc, char **argv, bool plan)
{
	struct scan_args a = { MFA_SCAN_OPTIONS_INIT, NULL, false, 0, CLI_SHARD_INIT };
	struct mfa_scan_result res;
	struct cli_progress progress;
	int rc, code;

	a.o.command = plan ? "plan" : "audit";
	a.o.plan = plan;
	rc = cli_parse(argc, argv, plan ? &cli_plan_usage : &cli_audit_usage, cli_scan_option, &a);
	if (rc != 0)
		return rc > 0 ? EXIT_DONE : EXIT_USAGE;
	if (a.jsonl_stdout) {
		a.o.formats |= MFA_SCAN_JSONL;
		a.o.jsonl_stream = stdout;
	}
	if (cli_shard_check_usage(&a.shard, a.tenants != NULL))
		return EXIT_USAGE;
	if (a.tenants) {
		if (a.o.from_csv || a.jsonl_stdout) {
			errorf("--tenants audits live tenants: it goes with neither --from-csv nor --jsonl -");
			return EXIT_USAGE;
		}
		rc = cli_shard_resolve(&a.shard);
		if (rc)
			return rc;
		return run_tenants(&a, argc, argv);
	}
	rc = cli_scan_check_usage(&a);
	if (rc)
		return rc;
	if (a.keep)
		a.o.keep = (unsigned)a.keep;
	a.o.verbose = cli_verbosity() >= CLI_VERBOSE;
	if (cli_live_environment(&a.o.session) < 0)
		return EXIT_ERROR;
	if (!plan && (rc = cli_alert_check()) != 0)
		return rc;
	/* a test hook: fewer data rows a report.xlsx sheet */
	a.o.xlsx_rows_per_sheet = mfa_xlsx_rows_parse(getenv("MFA_XLSX_MAX_ROWS"));
	a.o.notify.fn = cli_notify;
	cli_progress_init(&progress);
	a.o.progress_users = cli_progress_users;
	a.o.progress_scan = cli_progress_scan;
	a.o.progress_ctx = &progress;
	a.o.stop = &cli_interrupted;
	a.o.running_http = &cli_running_http;
	cli_signals_install();
	rc = mfa_scan_run(&res, &a.o);
	code = exit_code(&a, &res, rc);
	if (!plan && rc == 0 && res.outcome != MFA_SCAN_INTERRUPTED)
		cli_alert_send(&a.o, res.out_path, res.outcome == MFA_SCAN_FINDINGS);
	return code;
}

int cmd_plan(int argc, char **argv)
{
	return scan_main(argc, argv, true);
}

int cmd_audit(int argc, char **argv)
{
	return scan_main(argc, argv, false);
}
