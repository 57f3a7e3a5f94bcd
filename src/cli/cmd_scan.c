/* cmd_scan.c - `plan` and `audit`: read every user, classify, plan (plan
 * only), write the reports. The two commands share everything but the
 * plan stage and --fail-on. */
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/msg.h"
#include "cli/options.h"
#include "jobs/outdir.h"
#include "cli/progress.h"
#include "jobs/history.h"
#include "jobs/session.h"
#include "jobs/tenants.h"
#include "sources/ca_fetch.h"
#include "sources/graph_source.h"
#include "reports/xlsx_book.h"

#include "mfa/model/compare.h"
#include "mfa/model/idset.h"
#include "mfa/jobs/pipeline.h"
#include "mfa/apply/planfile.h"
#include "mfa/model/sink.h"
#include "mfa/model/source.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_FROM_CSV = 1, OPT_REGISTRATION, OPT_OUT, OPT_EXCLUDE, OPT_ONLY, OPT_FORMAT,
	OPT_STRICT, OPT_SKIP_GUESTS, OPT_SKIP_DISABLED, OPT_HOLD_UNREGISTERED,
	OPT_HOLD_ADMINS, OPT_FAIL_ON, OPT_QUIET, OPT_VERBOSE, OPT_NO_REGISTRATION,
	OPT_CA_POLICIES, OPT_CA_MEMBERS, OPT_NO_CA, OPT_REQUIRE_CA, OPT_COMPARE, OPT_HISTORY,
	OPT_KEEP, OPT_JSONL, OPT_TENANTS,
};

static const struct cli_option input_options[] = {
	{ "from-csv", 0, CLI_ARG, "FILE", "read users from an export instead of the live tenant (any supported format, .gz too)", OPT_FROM_CSV },
	{ "registration", 0, CLI_ARG, "FILE", "with --from-csv: join a registration-details export (by id, else UPN)", OPT_REGISTRATION },
	{ "no-registration", 0, CLI_NO_ARG, NULL, "live: do not read the registration report (registration is then unknown)", OPT_NO_REGISTRATION },
	{ "strict", 0, CLI_NO_ARG, NULL, "stop at the first bad input row instead of counting it", OPT_STRICT },
	{ "ca-policies", 0, CLI_ARG, "FILE", "Conditional Access policies as Graph lists them ({\"value\":[...]}), for coverage without a live tenant", OPT_CA_POLICIES },
	{ "ca-members", 0, CLI_ARG, "FILE", "the group and role memberships those policies name (format in the README)", OPT_CA_MEMBERS },
	{ "no-ca", 0, CLI_NO_ARG, NULL, "live: do not read Conditional Access (coverage is then not reported)", OPT_NO_CA },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_option plan_only_options[] = {
	{ "require-ca-coverage", 0, CLI_NO_ARG, NULL, "hold every user whom Conditional Access does not fully cover (unknown coverage too)", OPT_REQUIRE_CA },
	{ "exclude", 0, CLI_ARG, "FILE", "UPNs or ids never to change, one per line (break-glass accounts)", OPT_EXCLUDE },
	{ "only", 0, CLI_ARG, "FILE", "change only these UPNs or ids (a pilot group); hold everyone else", OPT_ONLY },
	{ "skip-guests", 0, CLI_NO_ARG, NULL, "hold guest (B2B) accounts", OPT_SKIP_GUESTS },
	{ "skip-disabled-accounts", 0, CLI_NO_ARG, NULL, "hold accounts whose sign-in is blocked", OPT_SKIP_DISABLED },
	{ "hold-unregistered", 0, CLI_NO_ARG, NULL, "hold users with no MFA method registered (or unknown)", OPT_HOLD_UNREGISTERED },
	{ "hold-admins", 0, CLI_NO_ARG, NULL, "hold administrators", OPT_HOLD_ADMINS },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_option audit_only_options[] = {
	{ "exclude", 0, CLI_ARG, "FILE", "UPNs or ids to mark as excluded (break-glass accounts)", OPT_EXCLUDE },
	{ "fail-on", 0, CLI_ARG, "LIST", "exit 3 when any user has one of these states or findings (e.g. enforced,enabled,admin-not-registered), or, with --compare, one of these changes (new:FINDING, state-away-from-disabled, added, ...)", OPT_FAIL_ON },
	{ "tenants", 0, CLI_ARG, "FILE", "audit many tenants: one per line, tenant[,name[,client id[,certificate[,graph url]]]]; a roll-up across them", OPT_TENANTS },
	{ "history", 0, CLI_ARG, "DIR", "keep each run in DIR/<tenant>/<UTC time>/ and compare with the newest earlier one there", OPT_HISTORY },
	{ "keep", 0, CLI_ARG, "N", "with --history: runs kept as they are; older ones get their CSV files gzip-compressed (default 12)", OPT_KEEP },
	{ "compare", 0, CLI_ARG, "PREVIOUS", "report what changed since a previous audit (its folder, or its users.csv): changes.csv and summary.json's changes", OPT_COMPARE },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_option output_options[] = {
	{ "out", 0, CLI_ARG, "DIR", "output folder (default reports/<UTC time>-<command>)", OPT_OUT },
	{ "format", 0, CLI_ARG, "LIST", "reports to write: any of csv,xlsx,json,jsonl (default csv,xlsx,json)", OPT_FORMAT },
	{ "jsonl", 0, CLI_ARG, "-", "write the users.jsonl lines to stdout instead of the folder (the folder's path then goes to stderr)", OPT_JSONL },
	{ "quiet", 'q', CLI_NO_ARG, NULL, "print only errors", OPT_QUIET },
	{ "verbose", 'v', CLI_NO_ARG, NULL, "print every bad row, retry and throttle", OPT_VERBOSE },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_group input_group = { "input", input_options };
static const struct cli_group plan_group = { "plan", plan_only_options };
static const struct cli_group audit_group = { "audit", audit_only_options };
static const struct cli_group output_group = { "output", output_options };

static const struct cli_group *const plan_groups[] = {
	&input_group, &plan_group, &cli_live_group, &output_group, NULL,
};
static const struct cli_group *const audit_groups[] = {
	&input_group, &audit_group, &cli_live_group, &output_group, NULL,
};

static const struct cli_usage plan_usage = {
	"mfa-migrate plan [--from-csv FILE [--registration FILE]] [options]",
	"Reads every user (live from Microsoft Graph, or from an export), classifies each\n"
	"by per-user MFA state and registration, and plans the move to Conditional Access:\n"
	"every enabled or enforced user to disabled, with the risks spelled out and the\n"
	"users to hold back. Writes users.csv, plan.csv, plan.jsonl (what 'apply' runs),\n"
	"summary.json and report.xlsx into the output folder and prints the folder's path.\n"
	"Nothing is changed in the tenant.",
	plan_groups,
};

static const struct cli_usage audit_usage = {
	"mfa-migrate audit [--from-csv FILE [--registration FILE]] [--fail-on LIST] [options]",
	"Reads every user (live from Microsoft Graph, or from an export), classifies each\n"
	"by per-user MFA state and registration, and reports the findings: users.csv,\n"
	"summary.json and report.xlsx in the output folder, whose path it prints. With\n"
	"--fail-on, exits 3 when any user matches (scheduled compliance runs).",
	audit_groups,
};

#define FORMAT_CSV 1
#define FORMAT_XLSX 2
#define FORMAT_JSON 4
#define FORMAT_JSONL 8

struct scan_args {
	const char *command;
	bool plan;
	const char *from_csv;
	const char *registration;
	const char *out;
	const char *exclude;
	const char *only;
	const char *fail_on;
	unsigned formats;
	bool strict;
	bool no_registration;
	bool jsonl_stdout;
	const char *ca_policies;
	const char *ca_members;
	bool no_ca;
	struct mfa_plan_options plan_opts;
	struct cli_live live;
	/* --fail-on, parsed */
	bool fail_state[MFA_STATE__COUNT];
	bool fail_finding[MFA_FINDING__COUNT];
	struct mfa_change_filter fail_change;
	bool fail_any;
	bool fail_change_any;
	const char *compare;
	const char *history;
	const char *tenants;
	unsigned long keep;
};

/* Bad rows: the first few are shown, the rest counted (summary.json). */
#define BAD_ROWS_SHOWN 20

struct warn_ctx {
	unsigned long shown;
	unsigned long hidden;
};

static void on_warn(void *ctx, const char *msg)
{
	struct warn_ctx *w = ctx;

	if (cli_verbosity() >= CLI_VERBOSE || w->shown < BAD_ROWS_SHOWN) {
		warnf("%s", msg);
		w->shown++;
	} else {
		w->hidden++;
	}
}

static volatile sig_atomic_t interrupted;
static struct mfa_http *volatile running_http;

/* Ctrl-C: stop admitting requests (the engine lets in-flight ones finish),
 * and stop the pipeline; the reports are written marked incomplete. */
static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (running_http)
		mfa_http_stop(running_http);
}

static int parse_formats(struct scan_args *a, const char *list)
{
	char buf[128];
	char *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	a->formats = 0;
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (strcmp(p, "csv") == 0)
			a->formats |= FORMAT_CSV;
		else if (strcmp(p, "xlsx") == 0)
			a->formats |= FORMAT_XLSX;
		else if (strcmp(p, "json") == 0)
			a->formats |= FORMAT_JSON;
		else if (strcmp(p, "jsonl") == 0)
			a->formats |= FORMAT_JSONL;
		else {
			errorf("--format: unknown report format '%s' (use csv, xlsx, json, jsonl)", p);
			return -1;
		}
	}
	if (!a->formats) {
		errorf("--format: name at least one of csv, xlsx, json, jsonl");
		return -1;
	}
	return 0;
}

static int parse_fail_on(struct scan_args *a, const char *list)
{
	char buf[1024];
	char *p, *save = NULL;

	if (strlen(list) >= sizeof(buf)) {
		errorf("--fail-on: list too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		struct mfa_err err = MFA_ERR_INIT;
		int f = mfa_finding_parse(p);
		enum mfa_state s = mfa_state_parse(p);
		int c = mfa_change_fail_on_parse(p, &a->fail_change, &err);

		if (c < 0) {
			errorf("--fail-on: %s", err.msg);
			return -1;
		}
		if (c > 0) {
			a->fail_change_any = true;
			continue;
		}
		if (f >= 0)
			a->fail_finding[f] = true;
		else if (s != MFA_STATE_UNKNOWN || strcmp(p, "unknown") == 0)
			a->fail_state[s] = true;
		else {
			errorf("--fail-on: '%s' is neither a per-user MFA state (disabled, enabled, enforced, enabled-or-enforced, unknown) nor a finding (see the README)",
			       p);
			return -1;
		}
		a->fail_any = true;
	}
	return 0;
}

static int on_option(void *ctx, int id, const char *value)
{
	struct scan_args *a = ctx;
	int taken = cli_live_option(&a->live, id, value);

	if (taken != 0)
		return taken < 0 ? -1 : 0;
	switch (id) {
	case 0:
		errorf("unexpected argument '%s' (see 'mfa-migrate %s --help')", value, a->command);
		return -1;
	case OPT_FROM_CSV: a->from_csv = value; break;
	case OPT_REGISTRATION: a->registration = value; break;
	case OPT_OUT: a->out = value; break;
	case OPT_EXCLUDE: a->exclude = value; break;
	case OPT_ONLY: a->only = value; break;
	case OPT_FORMAT: return parse_formats(a, value);
	case OPT_STRICT: a->strict = true; break;
	case OPT_NO_REGISTRATION: a->no_registration = true; break;
	case OPT_CA_POLICIES: a->ca_policies = value; break;
	case OPT_CA_MEMBERS: a->ca_members = value; break;
	case OPT_NO_CA: a->no_ca = true; break;
	case OPT_REQUIRE_CA: a->plan_opts.require_ca_coverage = true; break;
	case OPT_COMPARE: a->compare = value; break;
	case OPT_HISTORY: a->history = value; break;
	case OPT_TENANTS: a->tenants = value; break;
	case OPT_JSONL:
		if (strcmp(value, "-") != 0) {
			errorf("--jsonl: only '-' (standard output) is supported, not '%s'", value);
			return -1;
		}
		a->jsonl_stdout = true;
		break;
	case OPT_KEEP: return cli_parse_count("keep", value, 100000, &a->keep);
	case OPT_SKIP_GUESTS: a->plan_opts.skip_guests = true; break;
	case OPT_SKIP_DISABLED: a->plan_opts.skip_disabled_accounts = true; break;
	case OPT_HOLD_UNREGISTERED: a->plan_opts.hold_unregistered = true; break;
	case OPT_HOLD_ADMINS: a->plan_opts.hold_admins = true; break;
	case OPT_FAIL_ON: a->fail_on = value; return parse_fail_on(a, value);
	case OPT_QUIET: cli_set_verbosity(CLI_QUIET); break;
	case OPT_VERBOSE: cli_set_verbosity(CLI_VERBOSE); break;
	default: return -1;
	}
	return 0;
}

static bool fail_on_matched(const struct scan_args *a, const struct mfa_summary *s)
{
	int i, j;

	for (i = 0; i < MFA_STATE__COUNT; i++) {
		for (j = 0; j < MFA_REG__COUNT && a->fail_state[i]; j++) {
			if (s->by_class[i][j])
				return true;
		}
	}
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		if (a->fail_finding[i] && s->by_finding[i])
			return true;
	}
	return false;
}

/* Live runs: the scan's traffic and what it could not read go into the
 * summary before the reports are finished. */
static void before_finish(void *ctx, struct mfa_source *src, struct mfa_summary *s)
{
	struct scan_args *a = ctx;

	cli_live_summarise(&a->live, s);
	s->graph.unknown_states = mfa_graph_source_unknown(src);
	s->graph.registration_unavailable = mfa_graph_source_registration_unavailable(src);
	if (s->coverage_checked && !a->ca_policies) {
		struct mfa_ca_fetch_result res;

		mfa_graph_source_ca_result(src, &res);
		s->ca_policies = res.policies;
		s->security_defaults = res.security_defaults;
	}
	if (mfa_graph_source_interrupted(src))
		s->incomplete = 1;
}

static void tell_result(const struct scan_args *a, const struct mfa_summary *s)
{
	if (a->plan)
		notef("%lu users: %lu to disable, %lu already disabled, %lu held; applying takes at least %.0f s at Graph's write quota",
		      s->users, s->by_action[MFA_ACTION_DISABLE], s->by_action[MFA_ACTION_KEEP],
		      s->by_action[MFA_ACTION_HOLD], mfa_summary_min_apply_seconds(s));
	else
		notef("%lu users audited: %lu high-risk, %lu medium-risk", s->users,
		      s->by_risk[MFA_SEV_HIGH], s->by_risk[MFA_SEV_MEDIUM]);
	if (s->bad_rows)
		warnf("%lu bad input rows were skipped or read as unknown (see summary.json)",
		      s->bad_rows);
}

/* Opens the source the options name: an export, or the live tenant. */
static int open_source(struct scan_args *a, struct mfa_source **src, struct warn_ctx *warn,
		       struct cli_progress *progress, struct mfa_ca_model *ca, struct mfa_err *err)
{
	struct mfa_csv_options csv_opts = MFA_CSV_OPTIONS_INIT;
	struct mfa_graph_source_options go = MFA_GRAPH_SOURCE_OPTIONS_INIT;

	if (a->from_csv) {
		csv_opts.registration_path = a->registration;
		csv_opts.strict = a->strict;
		csv_opts.warn = on_warn;
		csv_opts.warn_ctx = warn;
		return mfa_csv_source_open(src, a->from_csv, &csv_opts, err);
	}
	if (cli_live_connect(&a->live, err) < 0)
		return -1;
	go.http = a->live.http;
	go.graph_url = mfa_auth_graph_url(a->live.auth);
	go.registration = !a->no_registration;
	go.warn = on_warn;
	go.warn_ctx = warn;
	go.progress = cli_progress_scan;
	go.progress_ctx = progress;
	go.ca = a->ca_policies ? NULL : ca;
	progress->http = a->live.http;
	return mfa_graph_source_open(src, &go, err);
}

/* The Conditional Access model: from files; or, live, an empty one the
 * scan fills (it reads the policies alongside the users); NULL (coverage
 * not checked) for an export without files, or with --no-ca. */
static int open_coverage(struct scan_args *a, struct mfa_ca_model **ca, struct mfa_summary *s,
			 struct mfa_err *err)
{
	*ca = NULL;
	if (a->ca_policies) {
		if (mfa_ca_model_load_files(ca, a->ca_policies, a->ca_members, err) < 0)
			return -1;
		s->ca_policies = (int)mfa_ca_model_policy_count(*ca);
		s->security_defaults = mfa_ca_model_security_defaults(*ca);
		return 0;
	}
	if (a->from_csv || a->no_ca)
		return 0;
	*ca = mfa_ca_model_new();
	return *ca ? 0 : mfa_err_set(err, "out of memory");
}

static int run(struct scan_args *a)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_classify_options cls = MFA_CLASSIFY_OPTIONS_INIT;
	struct mfa_idset *exclude = NULL, *only = NULL;
	struct mfa_ca_model *ca = NULL;
	struct mfa_baseline *baseline = NULL;
	struct cli_history hist;
	cJSON *trend = NULL;
	unsigned compressed = 0;
	struct mfa_change_counts changes;
	bool change_matched = false;
	struct mfa_source *src = NULL;
	struct mfa_sink *sinks[10] = { NULL };
	size_t nsinks = 0, i;
	struct mfa_summary summary;
	struct mfa_planfile_meta meta;
	struct mfa_pipeline pipe;
	struct cli_progress progress;
	struct warn_ctx warn = { 0, 0 };
	struct cli_outdir out = CLI_OUTDIR_INIT;
	struct sigaction sa;
	const char *tenant = NULL;
	int code = EXIT_ERROR;

	if (a->exclude && mfa_idset_load(&exclude, a->exclude, &err) < 0)
		goto fail;
	if (a->only && mfa_idset_load(&only, a->only, &err) < 0)
		goto fail;
	cls.exclude = exclude;
	a->plan_opts.only = only;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	cli_progress_init(&progress);
	mfa_summary_init(&summary);
	if (open_coverage(a, &ca, &summary, &err) < 0)
		goto fail;
	if (open_source(a, &src, &warn, &progress, ca, &err) < 0)
		goto fail;
	running_http = a->live.http;
	if (!a->from_csv)
		tenant = cli_live_tenant(&a->live);
	/* With the tenant known: where the run goes and what it compares
	 * with. The previous run is read before any scan, so a bad one fails
	 * first. */
	if (a->history) {
		if (cli_history_prepare(&hist, a->history, tenant, &err) < 0)
			goto fail;
		a->out = hist.run_dir;
		if (!a->compare && hist.has_previous)
			a->compare = hist.previous;
		trend = cli_history_trend(&hist);
		summary.history_root = a->history;
		summary.history_runs = trend;
	}
	if (a->compare && mfa_baseline_load(&baseline, a->compare, &err) < 0)
		goto fail;
	cls.ca = ca;
	summary.coverage_checked = ca != NULL;
	if (a->plan_opts.require_ca_coverage && !ca)
		warnf("--require-ca-coverage without Conditional Access data: every user not already disabled is held");

	if (cli_outdir_make(&out, a->out, a->command, &err) < 0)
		goto fail;
	/* Counting first: summary.json, last, reads the counts. */
	if (baseline && mfa_changes_count_sink_open(&sinks[nsinks++], baseline, &changes,
						    &a->fail_change, &change_matched, &err) < 0)
		goto fail;
	if ((a->formats & FORMAT_CSV) && mfa_users_csv_sink_open(&sinks[nsinks++], out.path, &err) < 0)
		goto fail;
	if ((a->formats & FORMAT_CSV) && baseline &&
	    mfa_changes_csv_sink_open(&sinks[nsinks++], out.path, baseline, &err) < 0)
		goto fail;
	if ((a->formats & FORMAT_CSV) && a->plan &&
	    mfa_plan_csv_sink_open(&sinks[nsinks++], out.path, &err) < 0)
		goto fail;
	if (a->formats & FORMAT_XLSX) {
		struct mfa_xlsx_sink_options xo = MFA_XLSX_SINK_OPTIONS_INIT;

		xo.has_plan = a->plan;
		/* A test hook: fewer rows a sheet, to see continuation sheets. */
		xo.rows_per_sheet = mfa_xlsx_rows_parse(getenv("MFA_XLSX_MAX_ROWS"));
		if (mfa_xlsx_sink_open_opt(&sinks[nsinks++], out.path, &xo, &err) < 0)
			goto fail;
		if (baseline)
			mfa_xlsx_sink_set_baseline(sinks[nsinks - 1], baseline);
	}
	if ((a->formats & FORMAT_JSONL) &&
	    mfa_jsonl_sink_open(&sinks[nsinks++], out.path, a->jsonl_stdout ? stdout : NULL, &err) < 0)
		goto fail;
	memset(&meta, 0, sizeof(meta));
	meta.tenant_id = tenant;
	meta.source_kind = a->from_csv ? "csv" : "graph";
	meta.source_path = a->from_csv;
	meta.registration_path = a->registration;
	meta.exclude_path = a->exclude;
	meta.only_path = a->only;
	meta.plan_opts = &a->plan_opts;
	if (a->plan && mfa_planfile_sink_open(&sinks[nsinks++], out.path, &meta, &err) < 0)
		goto fail;
	/* summary.json last: it is the mark that the run finished. */
	if ((a->formats & FORMAT_JSON) && mfa_summary_json_sink_open(&sinks[nsinks++], out.path, &err) < 0)
		goto fail;

	summary.command = a->command;
	summary.source_kind = meta.source_kind;
	summary.source_path = a->from_csv;
	summary.registration_path = a->registration;
	summary.tenant_id = tenant;
	summary.compare_path = a->compare;
	summary.changes = baseline ? &changes : NULL;

	memset(&pipe, 0, sizeof(pipe));
	pipe.source = src;
	pipe.classify = &cls;
	pipe.plan = a->plan ? &a->plan_opts : NULL;
	pipe.sinks = sinks;
	pipe.nsinks = nsinks;
	pipe.summary = &summary;
	pipe.progress = cli_progress_users;
	pipe.progress_ctx = &progress;
	/* A live scan stops itself on Ctrl-C (the engine lets in-flight
	 * requests finish) and hands over what it scanned: every one of those
	 * users is still reported. An export is simply read no further. */
	pipe.stop = a->from_csv ? &interrupted : NULL;
	pipe.before_finish = a->from_csv ? NULL : before_finish;
	pipe.before_finish_ctx = a;
	if (mfa_pipeline_run(&pipe, &err) < 0)
		goto fail;

	if (warn.hidden)
		warnf("%lu more bad rows not shown (-v shows every one)", warn.hidden);
	tell_result(a, &summary);
	if (a->history && !summary.incomplete &&
	    cli_history_retain(&hist, a->keep ? (unsigned)a->keep : 12, &compressed, &err) < 0)
		warnf("keeping the history tidy: %s", err.msg);
	else if (compressed)
		infof("compressed the reports of %u older runs in '%s'", compressed, hist.tenant_dir);
	/* stdout stays pure JSON lines when they go there */
	if (a->jsonl_stdout)
		fprintf(stderr, "%s\n", out.path);
	else
		printf("%s\n", out.path);
	fflush(stdout);
	out.keep = true;
	if (summary.incomplete) {
		errorf("interrupted: the reports in '%s' do not cover every user (summary.json says complete: false); no plan file was written",
		       out.path);
		code = EXIT_INTERRUPTED;
	} else if (summary.graph.unknown_states) {
		errorf("%lu users' per-user MFA state could not be read (see stateError in users.csv); they are held",
		       summary.graph.unknown_states);
		code = EXIT_PARTIAL;
	} else if (!a->plan && ((a->fail_any && fail_on_matched(a, &summary)) ||
				(a->fail_change_any && change_matched))) {
		notef("audit findings matched --fail-on %s", a->fail_on);
		code = EXIT_FINDINGS;
	} else {
		code = EXIT_DONE;
	}
	goto cleanup;
fail:
	if (interrupted)
		code = EXIT_INTERRUPTED;
	errorf("%s", err.msg);
cleanup:
	running_http = NULL;
	for (i = 0; i < nsinks; i++)
		mfa_sink_free(sinks[i]);
	mfa_source_free(src);
	mfa_idset_free(exclude);
	mfa_idset_free(only);
	mfa_ca_model_free(ca);
	mfa_baseline_free(baseline);
	cJSON_Delete(trend);
	cli_outdir_release(&out);
	return code;
}

static int scan_main(int argc, char **argv, bool plan)
{
	struct scan_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.command = plan ? "plan" : "audit";
	a.plan = plan;
	a.formats = FORMAT_CSV | FORMAT_XLSX | FORMAT_JSON;
	cli_live_init(&a.live);
	rc = cli_parse(argc, argv, plan ? &plan_usage : &audit_usage, on_option, &a);
	if (rc != 0)
		return rc > 0 ? EXIT_DONE : EXIT_USAGE;
	if (a.jsonl_stdout)
		a.formats |= FORMAT_JSONL;
	if (a.tenants) {
		if (a.from_csv || a.jsonl_stdout) {
			errorf("--tenants audits live tenants: it goes with neither --from-csv nor --jsonl -");
			return EXIT_USAGE;
		}
		return cli_tenants_run(argc, argv, a.tenants, a.out, a.live.workers, a.history);
	}
	if (a.history && a.out) {
		errorf("--history names the output folder itself: drop --out");
		return EXIT_USAGE;
	}
	if (a.keep && !a.history) {
		errorf("--keep goes with --history");
		return EXIT_USAGE;
	}
	if (a.fail_change_any && !a.compare && !a.history) {
		errorf("--fail-on names changes (new:..., added, ...): they need --compare PREVIOUS");
		return EXIT_USAGE;
	}
	if (a.ca_members && !a.ca_policies) {
		errorf("--ca-members goes with --ca-policies");
		return EXIT_USAGE;
	}
	if (a.registration && !a.from_csv) {
		errorf("--registration goes with --from-csv (a live scan reads the registration report itself)");
		return EXIT_USAGE;
	}
	rc = run(&a);
	cli_live_release(&a.live);
	return rc;
}

int cmd_plan(int argc, char **argv)
{
	return scan_main(argc, argv, true);
}

int cmd_audit(int argc, char **argv)
{
	return scan_main(argc, argv, false);
}
