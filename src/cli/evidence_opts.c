/* evidence_opts.c - the evidence options of plan and audit (evidence_opts.h). */
#include "cli/evidence_opts.h"

#include "cli/exitcodes.h"
#include "cli/msg.h"
#include "mfa/util/isotime.h"

enum {
	OPT_NOW = EVIDENCE_OPT__FIRST,
	/* account types (issue 14) */
	OPT_SIGN_IN_ACTIVITY, OPT_STALE_DAYS, OPT_MAILBOX_PURPOSE,
	OPT_HOLD_STALE, OPT_SKIP_SHARED_MAILBOXES,
};

enum {
	/* issue 15 item 2: the sign-in logs */
	EVIDENCE_OPT_SIGN_INS = EVIDENCE_OPT__FIRST + 20,
};

static const struct cli_option evidence_options[] = {
	{ "now", 0, CLI_ARG, "DATE", "judge the findings at this date (ISO 8601 date or date-time, UTC; default the clock): sms-voice-only is high from 2027-02-01", OPT_NOW },
	{ "what-if", 0, CLI_OPTIONAL_NUM, "N",
	  "live: cross-check coverage with Microsoft's What If, at most N requests (default 200, 1 a second); whatif.csv",
	  EVIDENCE_OPT_WHAT_IF },
	{ "sign-in-activity", 0, CLI_NO_ARG, NULL, "live: read each user's last sign-in (signInActivity: AuditLog.Read.All and an Entra ID P1 licence; users pages of 500) for lastSignInDateTime and the stale-account finding", OPT_SIGN_IN_ACTIVITY },
	{ "stale-days", 0, CLI_ARG, "N", "with --sign-in-activity: stale-account after N days without a sign-in, interactive or not (default 90)", OPT_STALE_DAYS },
	{ "mailbox-purpose", 0, CLI_NO_ARG, NULL, "live: read the mailbox purpose of each user with a mailbox (mailboxSettings, 20 a $batch: MailboxSettings.Read) for mailboxPurpose and the shared-mailbox finding", OPT_MAILBOX_PURPOSE },
	/* issue 15 item 2 */
	{ "sign-ins", 0, CLI_ARG, "DAYS",
	  "audit, live: read the sign-in logs of the last DAYS (1..30; 7 is a usual week) for who got MFA from per-user MFA (AuditLog.Read.All, Entra ID P1)",
	  EVIDENCE_OPT_SIGN_INS },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_option evidence_plan_options[] = {
	{ "hold-stale", 0, CLI_NO_ARG, NULL, "with --sign-in-activity: hold stale accounts (stale-account)", OPT_HOLD_STALE },
	{ "skip-shared-mailboxes", 0, CLI_NO_ARG, NULL, "with --mailbox-purpose: hold shared, room and equipment mailboxes (shared-mailbox)", OPT_SKIP_SHARED_MAILBOXES },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_evidence_group = { "evidence", evidence_options };
const struct cli_group cli_evidence_plan_group = { "evidence holds", evidence_plan_options };

int cli_evidence_option(struct mfa_scan_options *o, int id, const char *value)
{
	unsigned long n;

	switch (id) {
	case EVIDENCE_OPT_SIGN_INS:
		/* Entra keeps sign-in logs 30 days with P1 */
		if (cli_parse_count("sign-ins", value, 30, &n) < 0)
			return -1;
		o->sign_in_days = (unsigned)n;
		return 1;
	case OPT_NOW:
		if (mfa_isotime_parse(value, &o->now) < 0 || o->now == 0) {
			errorf("--now: '%s' is not an ISO 8601 date or date-time (e.g. 2027-02-01 or 2027-02-01T08:00:00Z)", value);
			return -1;
		}
		return 1;
	case OPT_SIGN_IN_ACTIVITY: o->sign_in_activity = true; return 1;
	case OPT_STALE_DAYS:
		if (cli_parse_count("stale-days", value, 36500, &n) < 0)
			return -1;
		o->stale_days = (unsigned)n;
		return 1;
	case OPT_MAILBOX_PURPOSE: o->mailbox_purpose = true; return 1;
	case OPT_HOLD_STALE: o->plan_opts.hold_stale = true; return 1;
	case OPT_SKIP_SHARED_MAILBOXES: o->plan_opts.skip_shared_mailboxes = true; return 1;
	case EVIDENCE_OPT_WHAT_IF: /* --what-if [N] (sources/whatif.h) */
		o->what_if = 200;
		return value ? (cli_parse_count("what-if", value, 1000000, &o->what_if) < 0 ? -1 : 1) : 1;
	default: return 0;
	}
}

int cli_evidence_check_usage(const struct mfa_scan_options *o)
{
	if (o->sign_in_days && o->plan) {
		errorf("--sign-ins is for audit: run 'mfa-migrate audit --sign-ins DAYS' (a plan is made from the states, not the logs)");
		return EXIT_USAGE;
	}
	if (o->sign_in_days && o->from_csv) {
		errorf("--sign-ins reads the live tenant's sign-in logs: drop --from-csv");
		return EXIT_USAGE;
	}
	if (o->from_csv && (o->sign_in_activity || o->mailbox_purpose)) {
		errorf("%s reads the live tenant: drop --from-csv, or the option",
		       o->sign_in_activity ? "--sign-in-activity" : "--mailbox-purpose");
		return EXIT_USAGE;
	}
	if ((o->stale_days || o->plan_opts.hold_stale) && !o->sign_in_activity) {
		errorf("%s goes with --sign-in-activity (nothing is stale without the sign-in times)",
		       o->stale_days ? "--stale-days" : "--hold-stale");
		return EXIT_USAGE;
	}
	if (o->plan_opts.skip_shared_mailboxes && !o->mailbox_purpose) {
		errorf("--skip-shared-mailboxes goes with --mailbox-purpose (no mailbox is known shared without it)");
		return EXIT_USAGE;
	}
	return 0;
}
