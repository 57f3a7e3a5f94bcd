/* evidence_opts.c - the evidence options of plan and audit (evidence_opts.h). */
#include "cli/evidence_opts.h"

#include "cli/exitcodes.h"
#include "cli/msg.h"

enum {
	/* issue 15 item 2: the sign-in logs */
	EVIDENCE_OPT_SIGN_INS = EVIDENCE_OPT__FIRST + 20,
};

static const struct cli_option evidence_options[] = {
	/* issue 15 item 2 */
	{ "sign-ins", 0, CLI_ARG, "DAYS",
	  "audit, live: read the sign-in logs of the last DAYS (1..30; 7 is a usual week) for who got MFA from per-user MFA (AuditLog.Read.All, Entra ID P1)",
	  EVIDENCE_OPT_SIGN_INS },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_evidence_group = { "evidence", evidence_options };

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
	return 0;
}
