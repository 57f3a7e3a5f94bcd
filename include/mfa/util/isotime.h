/* isotime.h - ISO 8601 dates and date-times (UTC) to time_t, strictly:
 * what --now takes and what Graph writes (2024-06-01T07:00:00Z).
 *
 *     time_t t;
 *     if (mfa_isotime_parse("2027-02-01", &t) < 0) refuse();
 */
#ifndef MFA_UTIL_ISOTIME_H
#define MFA_UTIL_ISOTIME_H

#include <time.h>

/* Parses text, the whole of it, as one of
 *   YYYY-MM-DD                          (midnight UTC)
 *   YYYY-MM-DDTHH:MM[:SS[.fraction]]    then Z, +HH:MM, -HH:MM or nothing (UTC)
 * with a real calendar date (leap years included), years 1970 to 9999.
 * 0 and *out set (seconds since the epoch, a fraction dropped), or -1 and
 * *out untouched. */
int mfa_isotime_parse(const char *text, time_t *out);

#endif
