/* mfa/error.h - the error buffer every fallible libmfa call fills.
 *
 * Convention (STYLE.md): functions return 0 on success and a negative value
 * on failure; on failure they have written one human sentence into the
 * caller's `struct mfa_err`: lowercase, no full stop, naming the file, line
 * or field concerned, e.g. "users.csv:12: unterminated quoted field".
 * The buffer never holds a secret or a token.
 */
#ifndef MFA_ERROR_H
#define MFA_ERROR_H

#include <stddef.h>

#define MFA_ERR_MAX 512

struct mfa_err {
	char msg[MFA_ERR_MAX];
};

#define MFA_ERR_INIT { { 0 } }

#if defined(__GNUC__)
#define MFA_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MFA_PRINTF(fmt, args)
#endif

/* Writes the formatted message into err (truncating) and returns -1, so a
 * caller can `return mfa_err_set(err, "...")`. err may be NULL. */
int mfa_err_set(struct mfa_err *err, const char *fmt, ...) MFA_PRINTF(2, 3);

/* Prefixes the message already in err with "prefix: ". Returns -1. */
int mfa_err_prefix(struct mfa_err *err, const char *fmt, ...) MFA_PRINTF(2, 3);

#endif
