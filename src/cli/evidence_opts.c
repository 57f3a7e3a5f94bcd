/* evidence_opts.c - the evidence options of plan and audit (evidence_opts.h). */
#include "cli/evidence_opts.h"

#include "cli/msg.h"

static const struct cli_option evidence_options[] = {
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_evidence_group = { "evidence", evidence_options };

int cli_evidence_option(struct mfa_scan_options *o, int id, const char *value)
{
	(void)o;
	(void)value;
	switch (id) {
	default: return 0;
	}
}
