/* mfa/csvwrite.h - writing CSV fields safely.
 *
 * Fields are RFC 4180 quoted when they hold ',', '"', CR or LF. A field that
 * a spreadsheet would run as a formula (first character '=', '+', '-', '@',
 * TAB or CR) is neutralised by a leading apostrophe: display names are
 * attacker-controlled. mfa-migrate's own CSV reader strips that apostrophe
 * again (mfa_csv_unneutralise), so what it writes it reads back unchanged.
 */
#ifndef MFA_CSVWRITE_H
#define MFA_CSVWRITE_H

#include <stdbool.h>
#include <stdio.h>

struct mfa_csvw {
	FILE *f;     /* borrowed */
	bool first;  /* no field written yet on this row */
};

static inline void mfa_csvw_init(struct mfa_csvw *w, FILE *f)
{
	w->f = f;
	w->first = true;
}

/* Writes one field (NULL writes an empty field). */
void mfa_csvw_field(struct mfa_csvw *w, const char *s);

/* Writes an unsigned number field. */
void mfa_csvw_ulong(struct mfa_csvw *w, unsigned long v);

/* Ends the row with "\n". */
void mfa_csvw_end(struct mfa_csvw *w);

/* True when s would be neutralised on output. */
bool mfa_csv_needs_neutralising(const char *s);

/* When s starts with an apostrophe followed by one of the formula
 * characters or by another apostrophe (mfa_csvw_field doubles a leading
 * apostrophe, so the round trip is exact), returns s + 1; otherwise s. */
const char *mfa_csv_unneutralise(const char *s);

#endif
