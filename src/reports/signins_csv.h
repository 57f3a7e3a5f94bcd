/* signins_csv.h - signins.csv (audit --sign-ins): one row per user the
 * sign-in logs were read for, with the counts of the window
 * (struct mfa_signin_counts) and the sign-in findings.
 *
 * Columns: id, userPrincipalName, displayName, signIns, interactiveSignIns,
 * mfaByPerUser, mfaByConditionalAccess, mfaBySecurityDefaults, mfaByOther,
 * mfaOnlyByPerUser, singleFactorSignIns, legacyClientSignIns,
 * lastLoggedSignIn, lastMfaSignIn, lastMfaByPerUser (true/false/""),
 * findings (the sign-in findings, ';'-joined).
 *
 * Users whose logs were not read (u->signins NULL) get no row; when no
 * user had them (the logs could not be read) the file is not written at
 * all, so an empty signins.csv never stands for "no sign-ins".
 */
#ifndef MFA_REPORTS_SIGNINS_CSV_H
#define MFA_REPORTS_SIGNINS_CSV_H

#include "mfa/model/sink.h"

/* dir is copied. */
int mfa_signins_csv_sink_open(struct mfa_sink **out, const char *dir, struct mfa_err *err);

#endif
