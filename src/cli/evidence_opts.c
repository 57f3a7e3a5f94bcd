/* evidence_opts.c - the evidence options of plan and audit (evidence_opts.h). */
#include "cli/evidence_opts.h"

#include "cli/msg.h"
#include "mfa/util/isotime.h"

enum {
	OPT_NOW = EVIDENCE_OPT__FIRST, /* safe: --now */
};

static const struct cli_option evidence_options[] = {
	{ "now", 0, CLI_ARG, "DATE", "judge the findings at this date (ISO 8601 date or date-time, UTC; default the clock): sms-voice-only is high from 2027-02-01", OPT_NOW },
	{ "what-if", 0, CLI_OPTIONAL_NUM, "N",
	  "live: cross-check coverage with Microsoft's What If, at most N requests (default 200, 1 a second); whatif.csv",
	  EVIDENCE_OPT_WHAT_IF },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_evidence_group = { "evidence", evidence_options };

int cli_evidence_option(struct mfa_scan_options *o, int id, const char *value)
{
	switch (id) {
	case OPT_NOW:
		if (mfa_isotime_parse(value, &o->now) < 0 || o->now == 0) {
			errorf("--now: '%s' is not an ISO 8601 date or date-time (e.g. 2027-02-01 or 2027-02-01T08:00:00Z)", value);
			return -1;
		}
		return 1;
	case EVIDENCE_OPT_WHAT_IF: /* --what-if [N] (sources/whatif.h) */
		o->what_if = 200;
		return value ? (cli_parse_count("what-if", value, 1000000, &o->what_if) < 0 ? -1 : 1) : 1;
	default: return 0;
	}
}
