/* cmd_rollback.c - `rollback JOURNAL`: put every user an apply changed back
 * to exactly the state it had (its `from`: disabled, enabled or enforced),
 * compare-and-set against the state the apply set, journalled the same
 * way. */
#include "cli/change_opts.h"
#include "cli/live_opts.h"
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/msg.h"

#include "mfa/apply/journal.h"
#include "mfa/apply/planfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_PLAN = 1 };

static const struct cli_option rollback_options[] = {
	{ "plan", 0, CLI_ARG, "FILE", "the plan the apply ran (default: the one its journal names)", OPT_PLAN },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

static const struct cli_group rollback_group = { "rollback", rollback_options };
static const struct cli_group *const rollback_groups[] = {
	&rollback_group, &cli_changes_group, &cli_live_group, NULL,
};

const struct cli_usage cli_rollback_usage = {
	"mfa-migrate rollback JOURNAL [--yes] [--resume ROLLBACK_JOURNAL] [options]",
	"Reads an apply's journal.jsonl and sets every user it changed back to the\n"
	"state recorded there (disabled, enabled or enforced), if the user is still\n"
	"where the apply put it; a user changed since is left alone ('drifted').\n"
	"Journalled and resumable like apply. Note: Graph turns 'enabled' into\n"
	"'enforced' for a user who has registered a method; such users are reported\n"
	"(verified=enforced-by-graph).",
	rollback_groups,
};

struct rollback_args {
	struct cli_change run;
	const char *journal;
	const char *plan;         /* --plan, or NULL: the journal's */
	struct mfa_journal_reader *reader;
};

static int on_option(void *ctx, int id, const char *value)
{
	struct rollback_args *a = ctx;
	int taken = cli_change_option(&a->run, id, value);

	if (taken)
		return taken < 0 ? -1 : 0;
	if (id == OPT_PLAN) {
		a->plan = value;
		return 0;
	}
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

/* The apply journal's `changed` users, each back from the state the apply
 * set to its recorded one. A user the apply set to enabled may be found
 * enforced (Graph's rule for registered users): that is still the apply's
 * doing. */
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
		out->also = e.to == MFA_STATE_ENABLED ? MFA_STATE_ENFORCED : MFA_STATE_UNKNOWN;
		out->to = e.from;
		return 1;
	}
	return rc;
}

/* The plan's change lines by seq: the user each names (id, else UPN) and
 * the state it went from; NULL for keep and hold. */
struct plan_users {
	char **key;
	enum mfa_state *from;
	unsigned long n;
};

static void plan_users_release(struct plan_users *p)
{
	unsigned long i;

	for (i = 0; p->key && i <= p->n; i++)
		free(p->key[i]);
	free(p->key);
	free(p->from);
}

/* Opens the plan the journal names (or --plan), checks it is the one the
 * apply ran (its CRC) and keeps its change lines. */
static int load_plan(struct rollback_args *a, const struct mfa_journal_header *jh,
		     struct plan_users *p, struct mfa_err *err)
{
	const char *path = a->plan ? a->plan : jh->plan;
	struct mfa_planfile_reader *pr = NULL;
	struct mfa_plan_entry e;
	int got, rc = -1;

	if (mfa_planfile_open(&pr, path, err) < 0) {
		mfa_err_prefix(err, "'%s' is checked against the plan it ran (give it with --plan FILE): ",
			       a->journal);
		return -1;
	}
	if (mfa_planfile_header(pr)->crc32 != jh->plan_crc32) {
		mfa_err_set(err, "'%s' is not the plan '%s' ran (its checksum is %08lx, the journal records %08lx): refusing to roll back; point at the right one with --plan FILE",
			    path, a->journal, (unsigned long)mfa_planfile_header(pr)->crc32,
			    (unsigned long)jh->plan_crc32);
		goto cleanup;
	}
	p->n = mfa_planfile_header(pr)->users;
	p->key = calloc(p->n + 1, sizeof(*p->key));
	p->from = calloc(p->n + 1, sizeof(*p->from));
	if (!p->key || !p->from) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	while ((got = mfa_planfile_next(pr, &e, err)) > 0) {
		if (!mfa_action_is_change(e.action) || e.seq > p->n)
			continue;
		p->from[e.seq] = e.from;
		if (!(p->key[e.seq] = strdup(e.id ? e.id : e.upn))) {
			mfa_err_set(err, "out of memory");
			goto cleanup;
		}
	}
	rc = got < 0 ? -1 : 0;
cleanup:
	mfa_planfile_close(pr);
	return rc;
}

enum { SAW_INTENT = 1, SAW_FINAL = 2 };

/* Counts what the apply journal changed and checks it is one an apply of
 * that plan wrote: every `changed` line has an earlier intent for the same
 * seq and user, no seq has two final outcomes, and every user it would
 * touch is a change line of the plan, from the state it recorded. */
static int survey(struct rollback_args *a, struct mfa_err *err)
{
	struct mfa_journal_reader *r = NULL;
	struct mfa_journal_entry e;
	struct plan_users plan = { NULL, NULL, 0 };
	unsigned char *saw = NULL;
	int got, rc = -1;

	if (mfa_journal_open(&r, a->journal, err) < 0)
		return -1;
	if (strcmp(mfa_journal_header(r)->operation, "apply") != 0) {
		mfa_err_set(err, "'%s' is the journal of a %s; rollback takes the journal of an apply",
			    a->journal, mfa_journal_header(r)->operation);
		goto cleanup;
	}
	if (load_plan(a, mfa_journal_header(r), &plan, err) < 0)
		goto cleanup;
	saw = calloc(plan.n + 1, 1);
	if (!saw) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	while ((got = mfa_journal_next(r, &e, err)) > 0) {
		const char *key = e.id ? e.id : e.upn;
		int mine = e.seq >= 1 && e.seq <= plan.n && plan.key[e.seq] && key &&
			   strcmp(plan.key[e.seq], key) == 0;

		if (e.seq < 1 || e.seq > plan.n) {
			mfa_err_set(err, "%s: user %lu is not in the plan it names: refusing to roll back",
				    a->journal, e.seq);
			goto cleanup;
		}
		if (e.seq > a->run.o.max_seq)
			a->run.o.max_seq = e.seq;
		if (e.event == MFA_JOURNAL_INTENT) {
			if (mine)
				saw[e.seq] |= SAW_INTENT;
			continue;
		}
		if (saw[e.seq] & SAW_FINAL) {
			mfa_err_set(err, "%s: user %lu has two outcomes: not a journal apply wrote; refusing to roll back",
				    a->journal, e.seq);
			goto cleanup;
		}
		if (e.outcome != MFA_OUTCOME_FAILED)
			saw[e.seq] |= SAW_FINAL;
		if (e.outcome == MFA_OUTCOME_CHANGED) {
			if (!mine || e.from != plan.from[e.seq]) {
				mfa_err_set(err, "%s: user %lu ('%s') is not one the plan changes from '%s': refusing to roll back",
					    a->journal, e.seq, key ? key : "?", mfa_state_name(e.from));
				goto cleanup;
			}
			if (!(saw[e.seq] & SAW_INTENT)) {
				mfa_err_set(err, "%s: user %lu was changed without an intent line before it: not a journal apply wrote; refusing to roll back",
					    a->journal, e.seq);
				goto cleanup;
			}
			if (e.from != MFA_STATE_DISABLED && e.from != MFA_STATE_ENABLED &&
			    e.from != MFA_STATE_ENFORCED) {
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
	free(saw);
	plan_users_release(&plan);
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
	rc = cli_parse(argc, argv, &cli_rollback_usage, on_option, &a);
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
