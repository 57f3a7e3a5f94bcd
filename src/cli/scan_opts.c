/* scan_opts.c - the options of plan and audit (scan_opts.h). */
#include "cli/scan_opts.h"

#include "cli/alert_opts.h"
#include "cli/evidence_opts.h"
#include "cli/exitcodes.h"
#include "cli/live_opts.h"
#include "cli/msg.h"

#include <string.h>

enum {
	OPT_FROM_CSV = 1, OPT_REGISTRATION, OPT_OUT, OPT_EXCLUDE, OPT_ONLY, OPT_FORMAT,
	OPT_STRICT, OPT_SKIP_GUESTS, OPT_SKIP_DISABLED, OPT_HOLD_UNREGISTERED,
	OPT_HOLD_ADMINS, OPT_FAIL_ON, OPT_QUIET, OPT_VERBOSE, OPT_NO_REGISTRATION,
	OPT_CA_POLICIES, OPT_CA_MEMBERS, OPT_NO_CA, OPT_REQUIRE_CA, OPT_COMPARE, OPT_HISTORY,
	OPT_KEEP, OPT_JSONL, OPT_TENANTS, OPT_ALLOW_SHARED, OPT_TARGET, OPT_SELECT,
	OPT_DESPITE_CA, OPT_ALLOW_UNREGISTERED, OPT_NO_REQUIRE_CA,
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
	{ "target", 0, CLI_ARG, "STATE", "where the changed users go: disabled (default), enabled or enforced", OPT_TARGET },
	{ "select", 0, CLI_ARG, "LIST", "change only users with one of these states, classes or findings (as --fail-on, e.g. stuck-enabled); the others are keep", OPT_SELECT },
	{ "despite-conditional-access", 0, CLI_NO_ARG, NULL, "--target enabled|enforced: do not hold users whom Conditional Access or security defaults already require MFA of, nor those it cannot tell (policies unread)", OPT_DESPITE_CA },
	{ "allow-unregistered", 0, CLI_NO_ARG, NULL, "--target enforced: do not hold users with no MFA method registered (their legacy clients stop until they get app passwords)", OPT_ALLOW_UNREGISTERED },
	{ "require-ca-coverage", 0, CLI_NO_ARG, NULL, "hold every user whom Conditional Access does not fully cover, unknown coverage too (the default wherever coverage is checked: live, or --ca-policies; offline without them it holds everyone who would change)", OPT_REQUIRE_CA },
	{ "no-require-ca-coverage", 0, CLI_NO_ARG, NULL, "disable per-user MFA even for users Conditional Access does not cover (they are left without MFA; held 'not-covered' by default)", OPT_NO_REQUIRE_CA },
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
	CLI_SHARD_OPTIONS, /* --shard, --shard-count (shard_opts.h) */
	{ "history", 0, CLI_ARG, "DIR", "keep each run in DIR/<tenant>/<UTC time>/ and compare with the newest earlier one there", OPT_HISTORY },
	{ "keep", 0, CLI_ARG, "N", "with --history: runs kept as they are; older ones get their CSV files gzip-compressed (default 12)", OPT_KEEP },
	{ "compare", 0, CLI_ARG, "PREVIOUS", "report what changed since a previous audit (its folder, or its users.csv): changes.csv and summary.json's changes", OPT_COMPARE },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_option output_options[] = {
	{ "out", 0, CLI_ARG, "DIR", "output folder (default reports/<UTC time>-<command>)", OPT_OUT },
	{ "format", 0, CLI_ARG, "LIST", "reports to write: any of csv,xlsx,json,jsonl (default csv,xlsx,json)", OPT_FORMAT },
	{ "allow-shared-out", 0, CLI_NO_ARG, NULL, "write into an --out/--history folder that other users own or can write in (refused by default: they could plant links there)", OPT_ALLOW_SHARED },
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
	&input_group, &plan_group, &cli_evidence_group, &cli_evidence_plan_group, &cli_live_group,
	&output_group, NULL,
};
static const struct cli_group *const audit_groups[] = {
	&input_group, &audit_group, &cli_evidence_group, &cli_alert_group, &cli_live_group, &output_group, NULL,
};

const struct cli_usage cli_plan_usage = {
	"mfa-migrate plan [--from-csv FILE [--registration FILE]] [options]",
	"Reads every user (live from Microsoft Graph, or from an export), classifies each\n"
	"by per-user MFA state and registration, and plans the move to Conditional Access:\n"
	"every enabled or enforced user to disabled, with the risks spelled out and the\n"
	"users to hold back (or, with --target enabled|enforced, the chosen users to that\n"
	"state, with Microsoft's guardrails as holds). Safe by default: wherever coverage\n"
	"is checked (live, or --ca-policies), users Conditional Access does not cover are\n"
	"held 'not-covered' (--no-require-ca-coverage disables them anyway).\n"
	"Writes users.csv, plan.csv, plan.jsonl (what 'apply' runs),\n"
	"summary.json and report.xlsx into the output folder and prints the folder's path.\n"
	"Nothing is changed in the tenant.",
	plan_groups,
};

const struct cli_usage cli_audit_usage = {
	"mfa-migrate audit [--from-csv FILE [--registration FILE]] [--fail-on LIST] [options]",
	"Reads every user (live from Microsoft Graph, or from an export), classifies each\n"
	"by per-user MFA state and registration, and reports the findings: users.csv,\n"
	"summary.json and report.xlsx in the output folder, whose path it prints. With\n"
	"--fail-on, exits 3 when any user matches (scheduled compliance runs).",
	audit_groups,
};


static int parse_formats(struct mfa_scan_options *a, const char *list)
{
	static const char *const names[] = { "csv", "xlsx", "json", "jsonl" };
	const char *p = list, *comma;
	size_t len, k;

	a->formats = 0;
	for (; *p; p = comma + 1) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		for (k = 0; len && k < 4; k++) {
			if (strlen(names[k]) == len && strncmp(p, names[k], len) == 0)
				break;
		}
		if (len && k == 4) {
			errorf("--format: unknown report format '%.*s' (use csv, xlsx, json, jsonl)", (int)len, p);
			return -1;
		}
		if (len)
			a->formats |= 1u << k;
		if (!comma)
			break;
	}
	if (!a->formats) {
		errorf("--format: name at least one of csv, xlsx, json, jsonl");
		return -1;
	}
	return 0;
}

int cli_scan_option(void *ctx, int id, const char *value)
{
	struct scan_args *a = ctx;
	struct mfa_scan_options *o = &a->o;
	struct mfa_err err = MFA_ERR_INIT;
	int taken = cli_live_option(&o->session, id, value);

	if (taken == 0)
		taken = cli_evidence_option(o, id, value);
	if (taken == 0 && !o->plan)
		taken = cli_alert_option(id, value);
	if (taken != 0)
		return taken < 0 ? -1 : 0;
	switch (id) {
	case 0:
		errorf("unexpected argument '%s' (see 'mfa-migrate %s --help')", value, o->command);
		return -1;
	case OPT_FROM_CSV: o->from_csv = value; break;
	case OPT_REGISTRATION: o->registration = value; break;
	case OPT_OUT: o->out = value; break;
	case OPT_ALLOW_SHARED: o->allow_shared_out = true; break;
	case OPT_EXCLUDE: o->exclude = value; break;
	case OPT_ONLY: o->only = value; break;
	case OPT_FORMAT: return parse_formats(o, value);
	case OPT_STRICT: o->strict = true; break;
	case OPT_NO_REGISTRATION: o->no_registration = true; break;
	case OPT_CA_POLICIES: o->ca_policies = value; break;
	case OPT_CA_MEMBERS: o->ca_members = value; break;
	case OPT_NO_CA: o->no_ca = true; break;
	case OPT_REQUIRE_CA: o->plan_opts.require_ca_coverage = true; break;
	case OPT_NO_REQUIRE_CA: o->plan_opts.no_require_ca_coverage = true; break;
	case OPT_COMPARE: o->compare = value; break;
	case OPT_HISTORY: o->history = value; break;
	case OPT_TENANTS: a->tenants = value; break;
	case SHARD_OPT_SHARD: case SHARD_OPT_COUNT: cli_shard_option(&a->shard, id, value); break;
	case OPT_JSONL:
		if (strcmp(value, "-") != 0) {
			errorf("--jsonl: only '-' (standard output) is supported, not '%s'", value);
			return -1;
		}
		a->jsonl_stdout = true;
		break;
	case OPT_KEEP: return cli_parse_count("keep", value, 100000, &a->keep);
	case OPT_SKIP_GUESTS: o->plan_opts.skip_guests = true; break;
	case OPT_SKIP_DISABLED: o->plan_opts.skip_disabled_accounts = true; break;
	case OPT_HOLD_UNREGISTERED: o->plan_opts.hold_unregistered = true; break;
	case OPT_HOLD_ADMINS: o->plan_opts.hold_admins = true; break;
	case OPT_TARGET:
		o->plan_opts.target = mfa_state_parse(value);
		if (o->plan_opts.target != MFA_STATE_DISABLED && o->plan_opts.target != MFA_STATE_ENABLED &&
		    o->plan_opts.target != MFA_STATE_ENFORCED) {
			errorf("--target: '%s' is not a per-user MFA state to set (use disabled, enabled or enforced)", value);
			return -1;
		}
		break;
	case OPT_SELECT:
		if (mfa_fail_on_parse(&o->select, value, &err) < 0) {
			errorf("--select: %s", err.msg);
			return -1;
		}
		if (o->select.change_any) {
			errorf("--select: '%s' names a change; --select takes states, classes and findings (e.g. stuck-enabled)", value);
			return -1;
		}
		break;
	case OPT_DESPITE_CA: o->plan_opts.despite_conditional_access = true; break;
	case OPT_ALLOW_UNREGISTERED: o->plan_opts.allow_unregistered = true; break;
	case OPT_FAIL_ON:
		o->fail_on_text = value;
		if (mfa_fail_on_parse(&o->fail_on, value, &err) < 0) {
			errorf("--fail-on: %s", err.msg);
			return -1;
		}
		break;
	case OPT_QUIET: cli_set_verbosity(CLI_QUIET); break;
	case OPT_VERBOSE: cli_set_verbosity(CLI_VERBOSE); break;
	default: return -1;
	}
	return 0;
}

int cli_scan_check_usage(const struct scan_args *a)
{
	const struct mfa_scan_options *o = &a->o;

	if (o->history && o->out) {
		errorf("--history names the output folder itself: drop --out");
		return EXIT_USAGE;
	}
	if (a->keep && !o->history) {
		errorf("--keep goes with --history");
		return EXIT_USAGE;
	}
	if (o->fail_on.change_any && !o->compare && !o->history) {
		errorf("--fail-on names changes (new:..., added, ...): they need --compare PREVIOUS");
		return EXIT_USAGE;
	}
	if (o->ca_members && !o->ca_policies) {
		errorf("--ca-members goes with --ca-policies");
		return EXIT_USAGE;
	}
	if (o->plan_opts.require_ca_coverage && o->plan_opts.no_require_ca_coverage) {
		errorf("--require-ca-coverage and --no-require-ca-coverage contradict each other: give one");
		return EXIT_USAGE;
	}
	if (o->registration && !o->from_csv) {
		errorf("--registration goes with --from-csv (a live scan reads the registration report itself)");
		return EXIT_USAGE;
	}
	return cli_evidence_check_usage(o);
}

