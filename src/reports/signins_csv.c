/* signins_csv.c - signins.csv (signins_csv.h). */
#include "reports/signins_csv.h"

#include "mfa/util/csvw.h"
#include "mfa/util/outfile.h"

#include <stdlib.h>
#include <string.h>

struct signins_sink {
	struct mfa_sink base;
	struct mfa_outfile out;
	struct mfa_csvw w;
	unsigned long rows;
	char buf[1 << 16];
};

static const char *const columns[] = {
	"id", "userPrincipalName", "displayName", "signIns", "interactiveSignIns",
	"mfaByPerUser", "mfaByConditionalAccess", "mfaBySecurityDefaults", "mfaByOther",
	"mfaOnlyByPerUser", "singleFactorSignIns", "legacyClientSignIns", "lastLoggedSignIn",
	"lastMfaSignIn", "lastMfaByPerUser", "findings",
};

static const enum mfa_finding signin_findings[] = {
	MFA_FINDING_MFA_ONLY_FROM_PER_USER, MFA_FINDING_STILL_PROMPTED_PER_USER,
	MFA_FINDING_LEGACY_CLIENT_SIGN_INS, MFA_FINDING_COVERAGE_DISAGREES,
};

static int signins_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	struct signins_sink *ss = (struct signins_sink *)s;
	const struct mfa_user *u = row->user;
	const struct mfa_signin_counts *c = u->signins;
	char findings[256];
	size_t used = 0, i;

	(void)err;
	if (!c)
		return 0;
	findings[0] = '\0';
	for (i = 0; i < sizeof(signin_findings) / sizeof(signin_findings[0]); i++) {
		const char *name = mfa_finding_name(signin_findings[i]);

		if (row->verdict && (row->verdict->findings & (1u << signin_findings[i])) &&
		    used + strlen(name) + 2 < sizeof(findings)) {
			memcpy(findings + used, used ? ";" : "", used ? 1 : 0);
			used += used ? 1 : 0;
			memcpy(findings + used, name, strlen(name) + 1);
			used += strlen(name);
		}
	}
	mfa_csvw_field(&ss->w, u->id ? u->id : "");
	mfa_csvw_field(&ss->w, u->upn ? u->upn : "");
	mfa_csvw_field(&ss->w, u->display_name ? u->display_name : "");
	mfa_csvw_ulong(&ss->w, c->total);
	mfa_csvw_ulong(&ss->w, c->interactive);
	mfa_csvw_ulong(&ss->w, c->mfa_per_user);
	mfa_csvw_ulong(&ss->w, c->mfa_conditional_access);
	mfa_csvw_ulong(&ss->w, c->mfa_security_defaults);
	mfa_csvw_ulong(&ss->w, c->mfa_other);
	mfa_csvw_ulong(&ss->w, c->mfa_only_per_user);
	mfa_csvw_ulong(&ss->w, c->single_factor);
	mfa_csvw_ulong(&ss->w, c->legacy_client);
	mfa_csvw_field(&ss->w, c->last);
	mfa_csvw_field(&ss->w, c->last_mfa);
	mfa_csvw_field(&ss->w, c->last_mfa[0] ? (c->last_mfa_per_user ? "true" : "false") : "");
	mfa_csvw_field(&ss->w, findings);
	mfa_csvw_end(&ss->w);
	ss->rows++;
	return 0;
}

static int signins_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct signins_sink *ss = (struct signins_sink *)s;

	(void)sum;
	if (!ss->rows)
		return 0; /* the logs were not read: no file (freeing removes it) */
	return mfa_outfile_commit(&ss->out, err);
}

static void signins_free(struct mfa_sink *s)
{
	struct signins_sink *ss = (struct signins_sink *)s;

	mfa_outfile_release(&ss->out);
	free(ss);
}

static const struct mfa_sink_ops signins_ops = { signins_row, signins_finish, signins_free };

int mfa_signins_csv_sink_open(struct mfa_sink **out, const char *dir, struct mfa_err *err)
{
	struct signins_sink *ss = calloc(1, sizeof(*ss));
	size_t i;

	*out = NULL;
	if (!ss)
		return mfa_err_set(err, "out of memory");
	ss->base.ops = &signins_ops;
	ss->base.name = "signins.csv";
	if (mfa_outfile_open(&ss->out, dir, "signins.csv", err) < 0) {
		free(ss);
		return -1;
	}
	setvbuf(ss->out.f, ss->buf, _IOFBF, sizeof(ss->buf));
	mfa_csvw_init(&ss->w, ss->out.f);
	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		mfa_csvw_field(&ss->w, columns[i]);
	mfa_csvw_end(&ss->w);
	*out = &ss->base;
	return 0;
}
