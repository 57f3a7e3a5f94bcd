/* columns.c - the users.csv / Users sheet columns (columns.h). */
#include "mfa/model/columns.h"

#include <stdio.h>
#include <string.h>

const char *const mfa_user_column_names[MFA_COL__COUNT] = {
	[MFA_COL_ID] = MFA_COL_NAME_ID,
	[MFA_COL_UPN] = MFA_COL_NAME_UPN,
	[MFA_COL_DISPLAY_NAME] = MFA_COL_NAME_DISPLAY_NAME,
	[MFA_COL_MAIL] = MFA_COL_NAME_MAIL,
	[MFA_COL_USER_TYPE] = MFA_COL_NAME_USER_TYPE,
	[MFA_COL_ACCOUNT_ENABLED] = MFA_COL_NAME_ACCOUNT_ENABLED,
	[MFA_COL_STATE] = MFA_COL_NAME_STATE,
	[MFA_COL_REGISTERED] = MFA_COL_NAME_REGISTERED,
	[MFA_COL_CAPABLE] = MFA_COL_NAME_CAPABLE,
	[MFA_COL_METHODS] = MFA_COL_NAME_METHODS,
	[MFA_COL_DEFAULT_METHOD] = MFA_COL_NAME_DEFAULT_METHOD,
	[MFA_COL_ADMIN] = MFA_COL_NAME_ADMIN,
	[MFA_COL_CLASS] = MFA_COL_NAME_CLASS,
	[MFA_COL_ACTION] = MFA_COL_NAME_ACTION,
	[MFA_COL_HOLD_REASON] = MFA_COL_NAME_HOLD_REASON,
	[MFA_COL_RISK] = MFA_COL_NAME_RISK,
	[MFA_COL_FINDINGS] = MFA_COL_NAME_FINDINGS,
	[MFA_COL_STATE_ERROR] = MFA_COL_NAME_STATE_ERROR,
	[MFA_COL_CA_COVERAGE] = MFA_COL_NAME_CA_COVERAGE,
	[MFA_COL_CA_POLICIES] = MFA_COL_NAME_CA_POLICIES,
	[MFA_COL_LAST_SIGN_IN] = MFA_COL_NAME_LAST_SIGN_IN,
	[MFA_COL_LAST_NON_INTERACTIVE] = MFA_COL_NAME_LAST_NON_INTERACTIVE,
	[MFA_COL_MAILBOX_PURPOSE] = MFA_COL_NAME_MAILBOX_PURPOSE,
	[MFA_COL_WHAT_IF] = MFA_COL_NAME_WHAT_IF,
	[MFA_COL_SIGN_INS] = MFA_COL_NAME_SIGN_INS,
	[MFA_COL_INTERACTIVE_SIGN_INS] = MFA_COL_NAME_INTERACTIVE_SIGN_INS,
	[MFA_COL_MFA_BY_PER_USER] = MFA_COL_NAME_MFA_BY_PER_USER,
	[MFA_COL_MFA_BY_CA] = MFA_COL_NAME_MFA_BY_CA,
	[MFA_COL_MFA_BY_SECURITY_DEFAULTS] = MFA_COL_NAME_MFA_BY_SECURITY_DEFAULTS,
	[MFA_COL_MFA_BY_OTHER] = MFA_COL_NAME_MFA_BY_OTHER,
	[MFA_COL_SINGLE_FACTOR_SIGN_INS] = MFA_COL_NAME_SINGLE_FACTOR_SIGN_INS,
	[MFA_COL_LEGACY_CLIENT_SIGN_INS] = MFA_COL_NAME_LEGACY_CLIENT_SIGN_INS,
	[MFA_COL_LAST_LOGGED_SIGN_IN] = MFA_COL_NAME_LAST_LOGGED_SIGN_IN,
};

void mfa_findings_format(uint32_t findings, char *buf, size_t size)
{
	size_t used = 0;
	int i;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		const char *name;
		size_t len;

		if (!(findings & (1u << i)))
			continue;
		name = mfa_finding_name((enum mfa_finding)i);
		len = strlen(name);
		if (used + len + 2 > size)
			break;
		if (used)
			buf[used++] = ';';
		memcpy(buf + used, name, len + 1);
		used += len;
	}
}

/* The sign-in counts, empty when the logs were not read. */
static void signin_columns(const struct mfa_signin_counts *c, struct mfa_column_scratch *scratch,
			   const char *out[MFA_COL__COUNT])
{
	static const int cols[] = {
		MFA_COL_SIGN_INS, MFA_COL_INTERACTIVE_SIGN_INS, MFA_COL_MFA_BY_PER_USER,
		MFA_COL_MFA_BY_CA, MFA_COL_MFA_BY_SECURITY_DEFAULTS, MFA_COL_MFA_BY_OTHER,
		MFA_COL_SINGLE_FACTOR_SIGN_INS, MFA_COL_LEGACY_CLIENT_SIGN_INS,
	};
	unsigned long v[sizeof(cols) / sizeof(cols[0])];
	size_t i;

	if (!c) {
		for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
			out[cols[i]] = "";
		out[MFA_COL_LAST_LOGGED_SIGN_IN] = "";
		return;
	}
	v[0] = c->total;
	v[1] = c->interactive;
	v[2] = c->mfa_per_user;
	v[3] = c->mfa_conditional_access;
	v[4] = c->mfa_security_defaults;
	v[5] = c->mfa_other;
	v[6] = c->single_factor;
	v[7] = c->legacy_client;
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		snprintf(scratch->counts[i], sizeof(scratch->counts[i]), "%lu", v[i]);
		out[cols[i]] = scratch->counts[i];
	}
	out[MFA_COL_LAST_LOGGED_SIGN_IN] = c->last;
}

void mfa_user_columns(const struct mfa_row *row, struct mfa_column_scratch *scratch,
		      const char *out[MFA_COL__COUNT])
{
	const struct mfa_user *u = row->user;
	const struct mfa_verdict *v = row->verdict;
	const struct mfa_decision *d = row->decision;

	mfa_methods_format(u->reg.methods, u->reg.other_methods, scratch->methods,
			   sizeof(scratch->methods));
	mfa_findings_format(v->findings, scratch->findings, sizeof(scratch->findings));
	out[MFA_COL_ID] = u->id ? u->id : "";
	out[MFA_COL_UPN] = u->upn ? u->upn : "";
	out[MFA_COL_DISPLAY_NAME] = u->display_name ? u->display_name : "";
	out[MFA_COL_MAIL] = u->mail ? u->mail : "";
	out[MFA_COL_USER_TYPE] = mfa_user_type_name(u->user_type);
	out[MFA_COL_ACCOUNT_ENABLED] = mfa_tri_name(u->account_enabled);
	out[MFA_COL_STATE] = mfa_state_name(v->state);
	out[MFA_COL_REGISTERED] = mfa_tri_name(u->reg.registered);
	out[MFA_COL_CAPABLE] = mfa_tri_name(u->reg.capable);
	out[MFA_COL_METHODS] = scratch->methods;
	out[MFA_COL_DEFAULT_METHOD] = u->reg.default_method ? u->reg.default_method : "";
	out[MFA_COL_ADMIN] = mfa_tri_name(u->is_admin);
	out[MFA_COL_CLASS] = mfa_class_name(v->state, v->reg);
	out[MFA_COL_ACTION] = d ? mfa_action_name(d->action) : "";
	out[MFA_COL_HOLD_REASON] = d ? mfa_hold_reason_name(d->reason) : "";
	out[MFA_COL_RISK] = mfa_severity_name(v->risk);
	out[MFA_COL_FINDINGS] = scratch->findings;
	out[MFA_COL_STATE_ERROR] = u->state_error ? u->state_error : "";
	/* "partial: only some apps" - the verdict, and why when it says less
	 * than covered. Empty when coverage was not checked. */
	if (!v->coverage_checked)
		scratch->coverage[0] = '\0';
	else if (v->coverage.reason[0])
		snprintf(scratch->coverage, sizeof(scratch->coverage), "%s: %s",
			 mfa_coverage_name(v->coverage.verdict), v->coverage.reason);
	else
		snprintf(scratch->coverage, sizeof(scratch->coverage), "%s",
			 mfa_coverage_name(v->coverage.verdict));
	out[MFA_COL_CA_COVERAGE] = scratch->coverage;
	out[MFA_COL_CA_POLICIES] = v->coverage_checked ? v->coverage.policies : "";
	out[MFA_COL_LAST_SIGN_IN] = u->last_sign_in ? u->last_sign_in : "";
	out[MFA_COL_LAST_NON_INTERACTIVE] =
		u->last_non_interactive_sign_in ? u->last_non_interactive_sign_in : "";
	out[MFA_COL_MAILBOX_PURPOSE] = u->mailbox_purpose ? u->mailbox_purpose : "";
	out[MFA_COL_WHAT_IF] = u->what_if ? u->what_if : "";
	signin_columns(u->signins, scratch, out);
}
