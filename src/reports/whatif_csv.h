/* reports/whatif_csv.h - whatif.csv: the What If cross-check class by
 * class (mfa/model/whatif.h), written through util/outfile (a temporary
 * name in the folder, renamed into place when complete) and util/csvw.
 *
 * Columns: class (1-based, in the order classes were met), representative
 * (UPN), representativeId, usersInClass, context, ourVerdict, ourPolicies,
 * microsoftMfaPolicies (enabled policies What If applies with mfa),
 * agreement (agrees | disagrees | not-checked), reasons.
 * An asked class has one row per context; any other class one row with an
 * empty context and agreement not-checked, its reasons saying why
 * (our verdict not comparable, or beyond the --what-if cap).
 */
#ifndef MFA_REPORTS_WHATIF_CSV_H
#define MFA_REPORTS_WHATIF_CSV_H

#include "mfa/model/whatif.h"
#include "mfa/util/err.h"

#define MFA_WHATIF_CSV "whatif.csv"

/* Writes whatif.csv into the folder dirfd (borrowed; dir names it in
 * messages). Nothing is left under the name on failure. */
int mfa_whatif_csv_write(const struct mfa_whatif_set *s, int dirfd, const char *dir, struct mfa_err *err);

#endif
