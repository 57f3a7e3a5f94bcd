/* mfa/model/sink.h - the contract of where results go: CSV, XLSX, JSON, the plan file.
 *
 * A sink receives every user as a `struct mfa_row`, in input order, then one
 * finish call with the final summary. Each sink writes its file under a
 * temporary name in the output folder ("<name>.tmp", mode 0600) and renames
 * it into place only in finish, so a file with its final name is always
 * complete. Freeing a sink that did not finish removes its temporary file.
 *
 * The sinks themselves are made by the stages that write files
 * (mfa/reports/sinks.h; the plan file's in mfa/apply/planfile.h); this
 * header is only the contract they keep.
 *
 * Lifecycle:
 *     struct mfa_sink *s = NULL;
 *     if (mfa_users_csv_sink_open(&s, dir, &err) < 0) goto cleanup;
 *     for each row: if (mfa_sink_row(s, &row, &err) < 0) goto cleanup;
 *     if (mfa_sink_finish(s, &summary, &err) < 0) goto cleanup;
 *   cleanup:
 *     mfa_sink_free(s);
 */
#ifndef MFA_SINK_H
#define MFA_SINK_H

#include <stdio.h>

#include "mfa/model/classify.h"
#include "mfa/util/err.h"
#include "mfa/model/plan.h"
#include "mfa/model/summary.h"
#include "mfa/model/user.h"

/* One user as it leaves the pipeline. All pointers are borrowed for the
 * duration of the row call; decision is NULL for audit runs. */
struct mfa_row {
	const struct mfa_user *user;
	const struct mfa_verdict *verdict;
	const struct mfa_decision *decision;
};

struct mfa_sink;

struct mfa_sink_ops {
	int (*row)(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err);
	int (*finish)(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err);
	void (*free)(struct mfa_sink *s); /* removes the temporary file unless finished */
};

struct mfa_sink {
	const struct mfa_sink_ops *ops;
	const char *name; /* the final file name, e.g. "users.csv" */
};

int mfa_sink_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err);
int mfa_sink_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err);
void mfa_sink_free(struct mfa_sink *s); /* NULL is fine */

#endif
