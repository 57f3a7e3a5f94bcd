/* reports/eml.h - one e-mail message as an .eml file: RFC 5322 headers,
 * MIME 1.0, a UTF-8 text/plain body in base64.
 *
 * Pure: formats into memory, no I/O. Header text (the subject, the
 * recipient's name) is taken as UTF-8; CR, LF and other control
 * characters in it become spaces, so nothing a display name holds can
 * add a header. Text that is not plain ASCII is sent as RFC 2047 encoded
 * words (=?UTF-8?B?...?=), one per folded line, each under 76 bytes.
 * Lines end in CRLF.
 *
 *     struct mfa_eml m = MFA_EML_INIT;
 *     char *text = NULL; size_t len;
 *     m.to_addr = "ann@contoso.example"; m.to_name = "Ann Émile";
 *     m.subject = "..."; m.body = "..."; m.date = time(NULL);
 *     m.message_id = "<1.x@mfa-migrate.invalid>";
 *     if (mfa_eml_format(&text, &len, &m, &err) < 0) goto cleanup;
 *     ... write text ...; free(text);
 */
#ifndef MFA_REPORTS_EML_H
#define MFA_REPORTS_EML_H

#include <stddef.h>
#include <time.h>

#include "mfa/util/err.h"

/* Every string is borrowed for the call. */
struct mfa_eml {
	const char *from;       /* sending address, or NULL: no From header (a draft) */
	const char *to_name;    /* recipient's display name, or NULL */
	const char *to_addr;    /* required; must pass mfa_eml_address_ok */
	const char *subject;    /* UTF-8; NULL: empty */
	const char *body;       /* UTF-8, lines ending in \n (or \r\n); NULL: empty */
	time_t date;            /* the Date header (UTC) */
	const char *message_id; /* "<local@domain>"; required */
};

#define MFA_EML_INIT { NULL, NULL, NULL, NULL, NULL, 0, NULL }

/* 1 when addr is usable as an RFC 5322 addr-spec a message can go to:
 * local@domain, at most 254 bytes, printable ASCII without spaces,
 * quotes, angle brackets, parentheses, commas, semicolons, colons or
 * backslashes, one '@' with text on both sides and a dot-free-of-edges
 * domain. Deliberately stricter than the RFC: a mail property that fails
 * it is reported, not sent. */
int mfa_eml_address_ok(const char *addr);

/* Formats the message into *out (malloc'd, NUL-terminated; the caller
 * frees it), its length in *len. -1 with err set when to_addr or from is
 * not an address (mfa_eml_address_ok) or message_id is missing. */
int mfa_eml_format(char **out, size_t *len, const struct mfa_eml *m, struct mfa_err *err);

/* The RFC 5322 date of t in UTC ("Tue, 01 Dec 2026 12:34:56 +0000"),
 * independent of the locale. buf must hold 32 bytes. */
void mfa_eml_date(char *buf, size_t size, time_t t);

#endif
