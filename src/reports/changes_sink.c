/* changes_sink.c - changes.csv: what changed since the previous run
 * (mfa_changes_csv_sink_open, mfa/compare.h).
 *
 * Each row compares its user with the baseline and writes one line per
 * change; finish writes the users the stream never matched (removed), then
 * commits. The rows themselves come from mfa_change_rows, shared with the
 * XLSX Changes sheet.
 */
#include "mfa/model/compare.h"
#include "mfa/util/csvw.h"
#include "mfa/util/outfile.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"

#include <stdlib.h>

struct changes_sink {
	struct mfa_sink base;
	struct mfa_outfile out;
	struct mfa_csvw w;
	struct mfa_baseline *baseline; /* borrowed; marked as rows go by */
	char buf[1 << 16];             /* stdio buffer: fewer write(2) calls on big runs */
};

static const char *const change_columns[] = {
	"change", "severity", "id", "userPrincipalName", "displayName",
	"previous", "current", "detail",
};

static int write_row(void *ctx, const struct mfa_change_row *r, struct mfa_err *err)
{
	struct changes_sink *cs = ctx;

	(void)err;
	mfa_csvw_field(&cs->w, mfa_change_kind_name(r->kind));
	mfa_csvw_field(&cs->w, mfa_severity_name(r->severity));
	mfa_csvw_field(&cs->w, r->id);
	mfa_csvw_field(&cs->w, r->upn);
	mfa_csvw_field(&cs->w, r->display_name);
	mfa_csvw_field(&cs->w, r->previous);
	mfa_csvw_field(&cs->w, r->current);
	mfa_csvw_field(&cs->w, r->detail);
	mfa_csvw_end(&cs->w);
	return 0;
}

static int changes_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	struct changes_sink *cs = (struct changes_sink *)s;
	struct mfa_change_set set;

	mfa_compare_user(cs->baseline, row->user, row->verdict, &set);
	if (set.index != MFA_BASELINE_NONE)
		mfa_baseline_mark(cs->baseline, set.index);
	return mfa_change_rows(cs->baseline, &set, row->user, row->verdict, write_row, cs, err);
}

static int changes_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct changes_sink *cs = (struct changes_sink *)s;
	struct mfa_change_set set;
	size_t i;

	/* An interrupted run did not see every user: the ones it missed are
	 * not removed, so none is listed. */
	if (sum && sum->incomplete)
		return mfa_outfile_commit(&cs->out, err);
	for (i = mfa_baseline_next_unseen(cs->baseline, 0); i != MFA_BASELINE_NONE;
	     i = mfa_baseline_next_unseen(cs->baseline, i + 1)) {
		mfa_compare_removed(cs->baseline, i, &set);
		if (mfa_change_rows(cs->baseline, &set, NULL, NULL, write_row, cs, err) != 0)
			return -1;
	}
	return mfa_outfile_commit(&cs->out, err);
}

static void changes_free(struct mfa_sink *s)
{
	struct changes_sink *cs = (struct changes_sink *)s;

	mfa_outfile_release(&cs->out);
	free(cs);
}

static const struct mfa_sink_ops changes_ops = { changes_row, changes_finish, changes_free };

int mfa_changes_csv_sink_open(struct mfa_sink **out, const char *dir,
			      struct mfa_baseline *baseline, struct mfa_err *err)
{
	struct changes_sink *cs;
	size_t i;

	*out = NULL;
	if (!baseline)
		return mfa_err_set(err, "changes.csv: no previous run to compare with");
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return mfa_err_set(err, "out of memory");
	cs->base.ops = &changes_ops;
	cs->base.name = "changes.csv";
	cs->baseline = baseline;
	if (mfa_outfile_open(&cs->out, dir, "changes.csv", err) < 0) {
		free(cs);
		return -1;
	}
	setvbuf(cs->out.f, cs->buf, _IOFBF, sizeof(cs->buf));
	mfa_csvw_init(&cs->w, cs->out.f);
	for (i = 0; i < sizeof(change_columns) / sizeof(change_columns[0]); i++)
		mfa_csvw_field(&cs->w, change_columns[i]);
	mfa_csvw_end(&cs->w);
	*out = &cs->base;
	return 0;
}

/* ---- the counting sink -------------------------------------------------- */

struct count_sink {
	struct mfa_sink base;
	struct mfa_baseline *baseline;
	struct mfa_change_counts *counts;
	const struct mfa_change_filter *filter;
	bool *matched;
};

static int count_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	struct count_sink *cs = (struct count_sink *)s;
	struct mfa_change_set set;

	(void)err;
	mfa_compare_user(cs->baseline, row->user, row->verdict, &set);
	if (set.index != MFA_BASELINE_NONE)
		mfa_baseline_mark(cs->baseline, set.index);
	mfa_change_counts_add(cs->counts, &set);
	if (cs->filter && cs->matched && mfa_change_matches(cs->filter, &set))
		*cs->matched = true;
	return 0;
}

static int count_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct count_sink *cs = (struct count_sink *)s;
	size_t i;

	(void)err;
	if (sum->incomplete)
		return 0;
	mfa_change_counts_finish(cs->counts, cs->baseline);
	/* A removed user matches a filter too (`removed`, `cleared:...`). */
	for (i = mfa_baseline_next_unseen(cs->baseline, 0); cs->filter && cs->matched &&
	     i != MFA_BASELINE_NONE; i = mfa_baseline_next_unseen(cs->baseline, i + 1)) {
		struct mfa_change_set set;

		mfa_compare_removed(cs->baseline, i, &set);
		if (mfa_change_matches(cs->filter, &set))
			*cs->matched = true;
	}
	return 0;
}

static void count_free(struct mfa_sink *s)
{
	free(s);
}

static const struct mfa_sink_ops count_ops = { count_row, count_finish, count_free };

int mfa_changes_count_sink_open(struct mfa_sink **out, struct mfa_baseline *baseline,
				struct mfa_change_counts *counts,
				const struct mfa_change_filter *filter, bool *matched,
				struct mfa_err *err)
{
	struct count_sink *cs = calloc(1, sizeof(*cs));

	*out = NULL;
	if (!cs)
		return mfa_err_set(err, "out of memory");
	cs->base.ops = &count_ops;
	cs->base.name = "(change counts)";
	cs->baseline = baseline;
	cs->counts = counts;
	cs->filter = filter;
	cs->matched = matched;
	mfa_change_counts_init(counts);
	*out = &cs->base;
	return 0;
}
