/* whatif_csv.c - whatif.csv (whatif_csv.h). */
#include "reports/whatif_csv.h"

#include "mfa/util/csvw.h"
#include "mfa/util/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const columns[] = {
	"class", "representative", "representativeId", "usersInClass", "context", "ourVerdict",
	"ourPolicies", "microsoftMfaPolicies", "agreement", "reasons",
};

static void row(struct mfa_csvw *w, size_t i, const struct mfa_whatif_class *k, const char *ctx,
		const char *ms, const char *agreement, const char *reasons)
{
	mfa_csvw_ulong(w, (unsigned long)i + 1);
	mfa_csvw_field(w, k->rep_upn);
	mfa_csvw_field(w, k->rep_id);
	mfa_csvw_ulong(w, k->users);
	mfa_csvw_field(w, ctx);
	mfa_csvw_field(w, mfa_coverage_name(k->ours.verdict));
	mfa_csvw_field(w, k->ours.policies);
	mfa_csvw_field(w, ms);
	mfa_csvw_field(w, agreement);
	mfa_csvw_field(w, reasons);
	mfa_csvw_end(w);
}

int mfa_whatif_csv_write(const struct mfa_whatif_set *s, int dirfd, const char *dir, struct mfa_err *err)
{
	struct mfa_outfile out = MFA_OUTFILE_INIT;
	struct mfa_whatif_counts n;
	struct mfa_csvw w;
	size_t i, nc = mfa_whatif_class_count(s);
	char why[160];
	int c, rc = -1;

	if (mfa_outfile_openat(&out, dirfd, dir, MFA_WHATIF_CSV, err) < 0)
		return -1;
	mfa_whatif_counts(s, &n);
	mfa_csvw_init(&w, out.f);
	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		mfa_csvw_field(&w, columns[i]);
	mfa_csvw_end(&w);
	for (i = 0; i < nc; i++) {
		const struct mfa_whatif_class *k = mfa_whatif_class_get(s, i);

		if (!k->asked) {
			if (k->comparable)
				snprintf(why, sizeof(why), "not asked: beyond --what-if %lu requests", n.max_requests);
			else
				snprintf(why, sizeof(why), "not compared: What If's all-apps contexts cannot confirm a '%s' verdict",
					 mfa_coverage_name(k->ours.verdict));
			row(&w, i, k, "", "", "not-checked", why);
			continue;
		}
		for (c = 0; c < MFA_WHATIF__CONTEXTS; c++) {
			const struct mfa_whatif_answer *a = &k->ctx[c];

			row(&w, i, k, mfa_whatif_context_name(c), a->mfa_policies ? a->mfa_policies : "",
			    !a->answered ? "not-checked" : a->agrees ? "agrees" : "disagrees",
			    a->reasons ? a->reasons : "not answered");
		}
	}
	if (ferror(out.f)) {
		mfa_err_set(err, "cannot write '%s': %s", out.tmp_path, strerror(errno));
		goto cleanup;
	}
	rc = mfa_outfile_commit(&out, err);
cleanup:
	mfa_outfile_release(&out);
	return rc;
}
