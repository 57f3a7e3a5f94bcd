/* cmd_apply.c - `apply PLAN`: run a reviewed plan against the tenant. */
#include "cli/change_opts.h"
#include "cli/live_opts.h"
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/msg.h"

#include "mfa/apply/planfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { OPT_CANARY = 1, OPT_MAX_CHANGES, OPT_MAX_PLAN_AGE, OPT_PLAN_SHA256 };

static const struct cli_option apply_options[] = {
	{ "canary", 0, CLI_ARG, "N", "run the first N changes alone, read them back, and stop if any failed", OPT_CANARY },
	{ "max-changes", 0, CLI_ARG, "N", "stop before changing more than N users (continue later with --resume)", OPT_MAX_CHANGES },
	{ "max-plan-age", 0, CLI_ARG, "DAYS", "refuse a plan older than this (default 7)", OPT_MAX_PLAN_AGE },
	{ "plan-sha256", 0, CLI_ARG, "HEX", "refuse any plan but the reviewed one: the SHA-256 that plan printed (plan.jsonl.sha256)", OPT_PLAN_SHA256 },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_group apply_group = { "apply", apply_options };
static const struct cli_group *const apply_groups[] = {
	&apply_group, &cli_changes_group, &cli_live_group, NULL,
};

const struct cli_usage cli_apply_usage = {
	"mfa-migrate apply PLAN [--yes] [--canary N] [--max-changes N] [--resume JOURNAL] [options]",
	"Sets per-user MFA to the plan's target (disabled, enabled or enforced) for\n"
	"every user the plan (plan.jsonl) says to change, and nobody else. A registered\n"
	"user set to enabled ends enforced (Graph's rule): that counts as done.\n"
	"Each user's state is read just before the change:\n"
	"a user no longer in the state the plan saw is left alone ('drifted'). Every\n"
	"change is journalled ahead in journal.jsonl, so a crash or Ctrl-C loses\n"
	"nothing: 'apply PLAN --resume JOURNAL' continues, and 'rollback JOURNAL'\n"
	"puts everyone back. Writes results.csv, results.xlsx and summary.json.",
	apply_groups,
};

struct apply_args {
	struct cli_change run;
	const char *plan;
	unsigned long max_age_days;
	const char *sha256;       /* --plan-sha256, or NULL */
	struct mfa_planfile_reader *reader;
};

static int on_option(void *ctx, int id, const char *value)
{
	struct apply_args *a = ctx;
	int taken = cli_change_option(&a->run, id, value);

	if (taken)
		return taken < 0 ? -1 : 0;
	switch (id) {
	case 0:
		if (a->plan) {
			errorf("one plan at a time ('%s' and '%s')", a->plan, value);
			return -1;
		}
		a->plan = value;
		return 0;
	case OPT_CANARY:
		return cli_parse_count("canary", value, 100000, &a->run.o.canary);
	case OPT_MAX_CHANGES:
		return cli_parse_count("max-changes", value, 100000000, &a->run.o.max_changes);
	case OPT_MAX_PLAN_AGE:
		return cli_parse_count("max-plan-age", value, 3650, &a->max_age_days);
	case OPT_PLAN_SHA256:
		if (strlen(value) != 64 || strspn(value, "0123456789abcdefABCDEF") != 64) {
			errorf("--plan-sha256 takes the 64 hex digits plan printed, not '%s'", value);
			return -1;
		}
		a->sha256 = value;
		return 0;
	default:
		return -1;
	}
}

/* The plan's lines as changes: a change is compare-and-set from the state
 * the plan saw to its target (done at `expect` too); holds and keeps are
 * journalled as they are. */
static int next_change(void *ctx, struct mfa_change *out, struct mfa_err *err)
{
	struct apply_args *a = ctx;
	struct mfa_plan_entry e;
	int rc = mfa_planfile_next(a->reader, &e, err);

	if (rc <= 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->seq = e.seq;
	out->id = e.id;
	out->upn = e.upn;
	out->expect = e.from;
	out->to = e.to;
	out->ends = e.expect != e.to ? e.expect : MFA_STATE_UNKNOWN;
	if (mfa_action_is_change(e.action))
		out->kind = MFA_WRITE_SET;
	else if (e.action == MFA_ACTION_HOLD)
		out->kind = MFA_WRITE_HOLD;
	else
		out->kind = MFA_WRITE_KEEP;
	return 1;
}

/* What the run does, in the words the confirmation asks about. */
static const char *target_words(enum mfa_state target)
{
	switch (target) {
	case MFA_STATE_ENABLED: return "ENABLE per-user MFA for";
	case MFA_STATE_ENFORCED: return "ENFORCE per-user MFA for";
	default: return "DISABLE per-user MFA for";
	}
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a;
	struct mfa_err err = MFA_ERR_INIT;
	const struct mfa_planfile_header *h;
	double age_days;
	int rc, code = EXIT_ERROR;

	memset(&a, 0, sizeof(a));
	cli_change_init(&a.run, "apply");
	a.max_age_days = 7;
	rc = cli_parse(argc, argv, &cli_apply_usage, on_option, &a);
	if (rc != 0)
		return rc > 0 ? EXIT_DONE : EXIT_USAGE;
	if (!a.plan) {
		errorf("name the plan to apply: mfa-migrate apply reports/.../plan.jsonl");
		return EXIT_USAGE;
	}
	if (mfa_planfile_open(&a.reader, a.plan, &err) < 0) {
		errorf("%s", err.msg);
		goto cleanup;
	}
	h = mfa_planfile_header(a.reader);
	if (a.sha256 && strcasecmp(a.sha256, h->sha256) != 0) {
		errorf("'%s' is not the reviewed plan: its SHA-256 is %s, --plan-sha256 says %s; apply only the plan that was approved",
		       a.plan, h->sha256, a.sha256);
		goto cleanup;
	}
	/* What the header says it was made from decides, whatever tenant it
	 * names: an export is not what the tenant holds now. */
	if (strcmp(h->source_kind, "graph") != 0) {
		errorf("'%s' was planned from %s: make the plan from the live tenant with 'mfa-migrate plan' (no --from-csv), so what runs is what the tenant holds now",
		       a.plan, strcmp(h->source_kind, "csv") == 0 ? "an export (source kind csv)"
								 : "no live scan (its header names no source kind 'graph')");
		goto cleanup;
	}
	age_days = difftime(time(NULL), h->created_time) / 86400.0;
	if (age_days > (double)a.max_age_days) {
		errorf("'%s' was made %.1f days ago (%s); a plan older than %lu days is refused: make a new one (or raise --max-plan-age)",
		       a.plan, age_days, h->created, a.max_age_days);
		goto cleanup;
	}
	a.run.o.source_path = a.plan;
	a.run.o.source_crc = h->crc32;
	a.run.o.source_tenant = h->tenant_id;
	a.run.o.total_changes = h->by_action[mfa_action_for_target(h->target)];
	a.run.o.what = target_words(h->target);
	a.run.o.holds = h->by_action[MFA_ACTION_HOLD];
	a.run.o.keeps = h->by_action[MFA_ACTION_KEEP];
	a.run.o.max_seq = h->users;
	a.run.o.next = next_change;
	a.run.o.next_ctx = &a;
	code = cli_change_execute(&a.run);
cleanup:
	mfa_planfile_close(a.reader);
	return code;
}
