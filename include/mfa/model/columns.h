/* columns.h - the columns of users.csv and the Users sheet, in one place.
 *
 * mfa_user_columns fills `out` with one string per column for a row. The
 * strings point into the row or into `scratch`, which the caller owns and
 * keeps alive while it uses them.
 *
 * The one definition of the users.csv schema: its writers (the CSV and
 * JSONL sinks, the Users sheet) and its readers (the baseline loader, the
 * "mfa-migrate-users" CSV input format) take the names from here.
 */
#ifndef MFA_REPORTS_COLUMNS_H
#define MFA_REPORTS_COLUMNS_H

#include "mfa/model/sink.h"

enum mfa_user_column {
	MFA_COL_ID = 0,
	MFA_COL_UPN,
	MFA_COL_DISPLAY_NAME,
	MFA_COL_MAIL,
	MFA_COL_USER_TYPE,
	MFA_COL_ACCOUNT_ENABLED,
	MFA_COL_STATE,
	MFA_COL_REGISTERED,
	MFA_COL_CAPABLE,
	MFA_COL_METHODS,
	MFA_COL_DEFAULT_METHOD,
	MFA_COL_ADMIN,
	MFA_COL_CLASS,
	MFA_COL_ACTION,
	MFA_COL_HOLD_REASON,
	MFA_COL_RISK,
	MFA_COL_FINDINGS,
	MFA_COL_STATE_ERROR,
	MFA_COL_CA_COVERAGE,
	MFA_COL_CA_POLICIES,
	MFA_COL_LAST_SIGN_IN,
	MFA_COL_LAST_NON_INTERACTIVE,
	MFA_COL_MAILBOX_PURPOSE,
	MFA_COL_WHAT_IF,
	MFA_COL_SIGN_INS,
	MFA_COL_INTERACTIVE_SIGN_INS,
	MFA_COL_MFA_BY_PER_USER,
	MFA_COL_MFA_BY_CA,
	MFA_COL_MFA_BY_SECURITY_DEFAULTS,
	MFA_COL_MFA_BY_OTHER,
	MFA_COL_SINGLE_FACTOR_SIGN_INS,
	MFA_COL_LEGACY_CLIENT_SIGN_INS,
	MFA_COL_LAST_LOGGED_SIGN_IN,
	MFA_COL__COUNT
};

/* Header names (Graph's property names where Graph has one), as literals
 * for tables that readers of users.csv build at compile time. */
#define MFA_COL_NAME_ID "id"
#define MFA_COL_NAME_UPN "userPrincipalName"
#define MFA_COL_NAME_DISPLAY_NAME "displayName"
#define MFA_COL_NAME_MAIL "mail"
#define MFA_COL_NAME_USER_TYPE "userType"
#define MFA_COL_NAME_ACCOUNT_ENABLED "accountEnabled"
#define MFA_COL_NAME_STATE "perUserMfaState"
#define MFA_COL_NAME_REGISTERED "isMfaRegistered"
#define MFA_COL_NAME_CAPABLE "isMfaCapable"
#define MFA_COL_NAME_METHODS "methodsRegistered"
#define MFA_COL_NAME_DEFAULT_METHOD "defaultMfaMethod"
#define MFA_COL_NAME_ADMIN "isAdmin"
#define MFA_COL_NAME_CLASS "class"
#define MFA_COL_NAME_ACTION "action"
#define MFA_COL_NAME_HOLD_REASON "holdReason"
#define MFA_COL_NAME_RISK "risk"
#define MFA_COL_NAME_FINDINGS "findings"
#define MFA_COL_NAME_STATE_ERROR "stateError"
#define MFA_COL_NAME_CA_COVERAGE "caCoverage"
#define MFA_COL_NAME_CA_POLICIES "caPolicies"
#define MFA_COL_NAME_LAST_SIGN_IN "lastSignInDateTime"
#define MFA_COL_NAME_LAST_NON_INTERACTIVE "lastNonInteractiveSignInDateTime"
#define MFA_COL_NAME_MAILBOX_PURPOSE "mailboxPurpose"
#define MFA_COL_NAME_WHAT_IF "whatIf"
#define MFA_COL_NAME_SIGN_INS "signIns"
#define MFA_COL_NAME_INTERACTIVE_SIGN_INS "interactiveSignIns"
#define MFA_COL_NAME_MFA_BY_PER_USER "mfaByPerUser"
#define MFA_COL_NAME_MFA_BY_CA "mfaByConditionalAccess"
#define MFA_COL_NAME_MFA_BY_SECURITY_DEFAULTS "mfaBySecurityDefaults"
#define MFA_COL_NAME_MFA_BY_OTHER "mfaByOther"
#define MFA_COL_NAME_SINGLE_FACTOR_SIGN_INS "singleFactorSignIns"
#define MFA_COL_NAME_LEGACY_CLIENT_SIGN_INS "legacyClientSignIns"
#define MFA_COL_NAME_LAST_LOGGED_SIGN_IN "lastLoggedSignIn"

struct mfa_column_scratch {
	char methods[1024];
	char findings[512];
	char coverage[200];
	char counts[9][24]; /* the sign-in counts as text */
};

/* The header names above, by column. */
extern const char *const mfa_user_column_names[MFA_COL__COUNT];

void mfa_user_columns(const struct mfa_row *row, struct mfa_column_scratch *scratch,
		      const char *out[MFA_COL__COUNT]);

/* ';'-joined names of the findings in `findings`, into buf. */
void mfa_findings_format(uint32_t findings, char *buf, size_t size);

#endif
