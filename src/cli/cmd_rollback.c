/* cmd_rollback.c - `rollback JOURNAL`: put every user an apply changed back
 * to exactly the state it had (enabled stays enabled, enforced stays
 * enforced), compare-and-set against disabled, journalled the same way. */
#include "cli/change_opts.h"
#include "cli/live_opts.h"
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/msg.h"

#include "mfa/apply/journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_group *const rollback_groups[] = {
	&cli_changes_group, &cli_live_group, NULL,
};

static const struct cli_usage rollback_usage = {
	"mfa-migrate rollback JOURNAL [--yes] [--resume ROLLBACK_JOURNAL] [options]",
	"Reads an apply's journal.jsonl and sets every user it changed back to the\n"
	"state recorded there (enabled or enforced), if the user is still disabled;\n"
	"a user changed since is left alone ('drifted'). Journalled and resumable like\n"
	"apply. Note: Graph turns 'enabled' into 'enforced' for a user who has\n"
	"registered a method; such users are reported (verified=false).",
	rollback_groups,
};

struct rollback_args {
	struct cli_change run;
	const char *journal;
	struct mfa_journal_reader *reader;
};

static int on_option(void *ctx, int id, const char *value)
{
	struct rollback_args *a = ctx;
	int taken = cli_change_option(&a->run, id, value);

	if (taken)
		return taken < 0 ? -1 : 0;
	if (id == 0) {
		if (a->journal) {
			errorf("one journal at a time ('%s' and '%s')", a->journal, value);
			return -1;
		}
		a->journal = value;
		return 0;
	}
	return -1;
}

/* The apply journal's `changed` users, each back from disabled to its
 * recorded state. */
static int next_change(void *ctx, struct mfa_change *out, struct mfa_err *err)
{
	struct rollback_args *a = ctx;
	struct mfa_journal_entry e;
	int rc;

	while ((rc = mfa_journal_next(a->reader, &e, err)) > 0) {
		if (e.event != MFA_JOURNAL_OUTCOME || e.outcome != MFA_OUTCOME_CHANGED)
			continue;
		memset(out, 0, sizeof(*out));
		out->seq = e.seq;
		out->id = e.id;
		out->upn = e.upn;
		out->kind = MFA_WRITE_SET;
		out->expect = e.to;
		out->to = e.from;
		return 1;
	}
	return rc;
}

/* Counts what the apply journal changed and checks it is one. */
static int survey(struct rollback_args *a, struct mfa_err *err)
{
	struct mfa_journal_reader *r = NULL;
	struct mfa_journal_entry e;
	int got, rc = -1;

	if (mfa_journal_open(&r, a->journal, err) < 0)
		return -1;
	if (strcmp(mfa_journal_header(r)->operation, "apply") != 0) {
		mfa_err_set(err, "'%s' is the journal of a %s; rollback takes the journal of an apply",
			    a->journal, mfa_journal_header(r)->operation);
		goto cleanup;
	}
	while ((got = mfa_journal_next(r, &e, err)) > 0) {
		if (e.seq > a->run.o.max_seq)
			a->run.o.max_seq = e.seq;
		if (e.event == MFA_JOURNAL_OUTCOME && e.outcome == MFA_OUTCOME_CHANGED) {
			if (e.from != MFA_STATE_ENABLED && e.from != MFA_STATE_ENFORCED) {
				mfa_err_set(err, "%s: user %lu was changed from '%s', which cannot be restored",
					    a->journal, e.seq, mfa_state_name(e.from));
				goto cleanup;
			}
			a->run.o.total_changes++;
		}
	}
	if (got < 0)
		goto cleanup;
	rc = 0;
cleanup:
	mfa_journal_close_reader(r);
	return rc;
}

int cmd_rollback(int argc, char **argv)
{
	struct rollback_args a;
	struct mfa_err err = MFA_ERR_INIT;
	static char tenant[64];
	int rc, code = EXIT_ERROR;

	memset(&a, 0, sizeof(a));
	cli_change_init(&a.run, "rollback");
	rc = cli_parse(argc, argv, &rollback_usage, on_option, &a);
	if (rc != 0)
		return rc > 0 ? EXIT_DONE : EXIT_USAGE;
	if (!a.journal) {
		errorf("name the apply journal to roll back: mfa-migrate rollback reports/.../journal.jsonl");
		return EXIT_USAGE;
	}
	if (survey(&a, &err) < 0 || mfa_file_crc32(a.journal, &a.run.o.source_crc, &err) < 0 ||
	    mfa_journal_open(&a.reader, a.journal, &err) < 0) {
		errorf("%s", err.msg);
		goto cleanup;
	}
	snprintf(tenant, sizeof(tenant), "%s", mfa_journal_header(a.reader)->tenant_id);
	a.run.o.source_path = a.journal;
	a.run.o.source_tenant = tenant;
	a.run.o.next = next_change;
	a.run.o.next_ctx = &a;
	code = cli_change_execute(&a.run);
cleanup:
	mfa_journal_close_reader(a.reader);
	return code;
}
