/* columns.h - the columns of users.csv and the Users sheet, in one place.
 *
 * mfa_user_columns fills `out` with one string per column for a row. The
 * strings point into the row or into `scratch`, which the caller owns and
 * keeps alive while it uses them.
 */
#ifndef MFA_REPORTS_COLUMNS_H
#define MFA_REPORTS_COLUMNS_H

#include "mfa/model/sink.h"

enum mfa_user_column {
	MFA_COL_ID = 0,
	MFA_COL_UPN,
	MFA_COL_DISPLAY_NAME,
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
	MFA_COL__COUNT
};

struct mfa_column_scratch {
	char methods[1024];
	char findings[512];
	char coverage[200];
};

/* Header names (Graph's property names where Graph has one). */
extern const char *const mfa_user_column_names[MFA_COL__COUNT];

void mfa_user_columns(const struct mfa_row *row, struct mfa_column_scratch *scratch,
		      const char *out[MFA_COL__COUNT]);

/* ';'-joined names of the findings in `findings`, into buf. */
void mfa_findings_format(uint32_t findings, char *buf, size_t size);

#endif
