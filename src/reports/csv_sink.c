/* csv_sink.c - users.csv and plan.csv (mfa/sink.h). */
#include "mfa/util/csvw.h"
#include "mfa/util/outfile.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "mfa/model/columns.h"

#include <stdlib.h>

struct csv_sink {
	struct mfa_sink base;
	struct mfa_outfile out;
	struct mfa_csvw w;
	struct mfa_column_scratch scratch;
	char buf[1 << 16]; /* stdio buffer: fewer write(2) calls on big runs */
};

static const char *const plan_columns[] = {
	"id", "userPrincipalName", "displayName", "perUserMfaState", "action",
	"targetState", "holdReason", "risk", "findings",
};

static void header(struct mfa_csvw *w, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mfa_csvw_field(w, names[i]);
	mfa_csvw_end(w);
}

static int users_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	struct csv_sink *cs = (struct csv_sink *)s;
	const char *cols[MFA_COL__COUNT];
	int i;

	(void)err;
	mfa_user_columns(row, &cs->scratch, cols);
	for (i = 0; i < MFA_COL__COUNT; i++)
		mfa_csvw_field(&cs->w, cols[i]);
	mfa_csvw_end(&cs->w);
	return 0;
}

static int plan_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	struct csv_sink *cs = (struct csv_sink *)s;
	const struct mfa_decision *d = row->decision;
	const char *cols[MFA_COL__COUNT];

	(void)err;
	if (!d || d->action == MFA_ACTION_KEEP)
		return 0;
	mfa_user_columns(row, &cs->scratch, cols);
	mfa_csvw_field(&cs->w, cols[MFA_COL_ID]);
	mfa_csvw_field(&cs->w, cols[MFA_COL_UPN]);
	mfa_csvw_field(&cs->w, cols[MFA_COL_DISPLAY_NAME]);
	mfa_csvw_field(&cs->w, mfa_state_name(d->from));
	mfa_csvw_field(&cs->w, mfa_action_name(d->action));
	mfa_csvw_field(&cs->w, mfa_state_name(d->to));
	mfa_csvw_field(&cs->w, mfa_hold_reason_name(d->reason));
	mfa_csvw_field(&cs->w, cols[MFA_COL_RISK]);
	mfa_csvw_field(&cs->w, cols[MFA_COL_FINDINGS]);
	mfa_csvw_end(&cs->w);
	return 0;
}

static int csv_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct csv_sink *cs = (struct csv_sink *)s;

	(void)sum;
	return mfa_outfile_commit(&cs->out, err);
}

static void csv_free(struct mfa_sink *s)
{
	struct csv_sink *cs = (struct csv_sink *)s;

	mfa_outfile_release(&cs->out);
	free(cs);
}

static const struct mfa_sink_ops users_ops = { users_row, csv_finish, csv_free };
static const struct mfa_sink_ops plan_ops = { plan_row, csv_finish, csv_free };

static int csv_sink_open(struct mfa_sink **out, const char *dir, const char *name,
			 const struct mfa_sink_ops *ops, const char *const *cols, size_t ncols,
			 struct mfa_err *err)
{
	struct csv_sink *cs = calloc(1, sizeof(*cs));

	*out = NULL;
	if (!cs)
		return mfa_err_set(err, "out of memory");
	cs->base.ops = ops;
	cs->base.name = name;
	if (mfa_outfile_open(&cs->out, dir, name, err) < 0) {
		free(cs);
		return -1;
	}
	setvbuf(cs->out.f, cs->buf, _IOFBF, sizeof(cs->buf));
	mfa_csvw_init(&cs->w, cs->out.f);
	header(&cs->w, cols, ncols);
	*out = &cs->base;
	return 0;
}

int mfa_users_csv_sink_open(struct mfa_sink **out, const char *dir, struct mfa_err *err)
{
	return csv_sink_open(out, dir, "users.csv", &users_ops, mfa_user_column_names,
			     MFA_COL__COUNT, err);
}

int mfa_plan_csv_sink_open(struct mfa_sink **out, const char *dir, struct mfa_err *err)
{
	return csv_sink_open(out, dir, "plan.csv", &plan_ops, plan_columns,
			     sizeof(plan_columns) / sizeof(plan_columns[0]), err);
}
