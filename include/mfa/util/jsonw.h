/* jsonw.h - writing JSON strings straight to a stream, for the per-user
 * lines of plan.jsonl and the journal, where building a cJSON tree per
 * line would cost more than the line itself. */
#ifndef MFA_REPORTS_JSONW_H
#define MFA_REPORTS_JSONW_H

#include <stdio.h>

/* Writes s as a JSON string literal, quotes included; NULL writes null.
 * Bytes >= 0x80 are passed through (the input is UTF-8); control
 * characters are escaped. */
void mfa_json_write_string(FILE *f, const char *s);

#endif
