/* notify_csv.c - notify.csv and notify-results.csv (notify_csv.h). */
#include "reports/notify_csv.h"

#include "mfa/util/csvw.h"
#include "mfa/util/outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const mfa_notify_columns[MFA_NCOL__COUNT] = {
	"id", "userPrincipalName", "displayName", "mail", "from", "to", "change", "todo",
	"notifiable", "reason", "message",
};

const char *const mfa_notify_result_columns[MFA_RCOL__COUNT] = {
	"id", "userPrincipalName", "mail", "result", "status", "attempts", "error",
};

struct mfa_notify_csv {
	struct mfa_outfile out;
	struct mfa_csvw w;
	size_t n;
};

static int check(struct mfa_notify_csv *c, struct mfa_err *err)
{
	if (ferror(c->out.f))
		return mfa_err_set(err, "cannot write '%s': %s", c->out.tmp_path, strerror(errno));
	return 0;
}

int mfa_notify_csv_open(struct mfa_notify_csv **out, int dirfd, const char *dir, const char *name,
			const char *const *columns, size_t n, struct mfa_err *err)
{
	struct mfa_notify_csv *c = calloc(1, sizeof(*c));
	size_t i;

	*out = NULL;
	if (!c)
		return mfa_err_set(err, "out of memory");
	c->out = (struct mfa_outfile)MFA_OUTFILE_INIT;
	c->n = n;
	if (mfa_outfile_openat(&c->out, dirfd, dir, name, err) < 0) {
		mfa_notify_csv_free(c);
		return -1;
	}
	mfa_csvw_init(&c->w, c->out.f);
	for (i = 0; i < n; i++)
		mfa_csvw_field(&c->w, columns[i]);
	mfa_csvw_end(&c->w);
	if (check(c, err) < 0) {
		mfa_notify_csv_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int mfa_notify_csv_row(struct mfa_notify_csv *c, const char *const *fields, struct mfa_err *err)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		mfa_csvw_field(&c->w, fields[i]);
	mfa_csvw_end(&c->w);
	return check(c, err);
}

int mfa_notify_csv_commit(struct mfa_notify_csv *c, struct mfa_err *err)
{
	return mfa_outfile_commit(&c->out, err);
}

void mfa_notify_csv_free(struct mfa_notify_csv *c)
{
	if (!c)
		return;
	mfa_outfile_release(&c->out);
	free(c);
}
