/* reports/notify_csv.h - notify.csv (who is told what) and
 * notify-results.csv (what sending did), written as every report is:
 * through util/outfile (a temporary name in the folder held open, 0600,
 * no link followed, renamed into place when complete) and util/csvw
 * (formula-looking fields neutralised: display names come from the
 * directory).
 *
 *     struct mfa_notify_csv *c = NULL;
 *     if (mfa_notify_csv_open(&c, dirfd, dir, MFA_NOTIFY_CSV, mfa_notify_columns,
 *                             MFA_NCOL__COUNT, &err) < 0) goto cleanup;
 *     mfa_notify_csv_row(c, fields);      // MFA_NCOL__COUNT strings, NULL = empty
 *     if (mfa_notify_csv_commit(c, &err) < 0) goto cleanup;
 *   cleanup:
 *     mfa_notify_csv_free(c);             // uncommitted: nothing is left
 */
#ifndef MFA_REPORTS_NOTIFY_CSV_H
#define MFA_REPORTS_NOTIFY_CSV_H

#include <stddef.h>

#include "mfa/util/err.h"

#define MFA_NOTIFY_CSV "notify.csv"
#define MFA_NOTIFY_RESULTS_CSV "notify-results.csv"

/* notify.csv, one row per user the run changes (or changed) */
enum mfa_notify_column {
	MFA_NCOL_ID = 0,
	MFA_NCOL_UPN,
	MFA_NCOL_DISPLAY_NAME,
	MFA_NCOL_MAIL,
	MFA_NCOL_FROM,
	MFA_NCOL_TO,
	MFA_NCOL_CHANGE,      /* what changes for them */
	MFA_NCOL_TODO,        /* what they must do */
	MFA_NCOL_NOTIFIABLE,  /* "true" | "false" */
	MFA_NCOL_REASON,      /* why not notifiable; empty when it is */
	MFA_NCOL_MESSAGE,     /* the .eml file, relative to the folder ("notify/000001.eml") */
	MFA_NCOL__COUNT
};

/* notify-results.csv, one row per notifiable user */
enum mfa_notify_result_column {
	MFA_RCOL_ID = 0,
	MFA_RCOL_UPN,
	MFA_RCOL_MAIL,
	MFA_RCOL_RESULT,      /* sent | failed | unknown | not-sent */
	MFA_RCOL_STATUS,      /* HTTP status of the send; empty if none */
	MFA_RCOL_ATTEMPTS,
	MFA_RCOL_ERROR,
	MFA_RCOL__COUNT
};

extern const char *const mfa_notify_columns[MFA_NCOL__COUNT];
extern const char *const mfa_notify_result_columns[MFA_RCOL__COUNT];

struct mfa_notify_csv;

/* Starts name in the folder dirfd (borrowed; dir names it in messages)
 * and writes the header row of `columns` (n of them, static). */
int mfa_notify_csv_open(struct mfa_notify_csv **out, int dirfd, const char *dir, const char *name,
			const char *const *columns, size_t n, struct mfa_err *err);

/* One row of n fields (as many as the columns; NULL is empty). */
int mfa_notify_csv_row(struct mfa_notify_csv *c, const char *const *fields, struct mfa_err *err);

/* Completes the file under its name. */
int mfa_notify_csv_commit(struct mfa_notify_csv *c, struct mfa_err *err);

/* Frees; an uncommitted file is removed. NULL is fine. */
void mfa_notify_csv_free(struct mfa_notify_csv *c);

#endif
