/* error.c - the error buffer (mfa/error.h). */
#include "mfa/util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mfa_err_set(struct mfa_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int mfa_err_prefix(struct mfa_err *err, const char *fmt, ...)
{
	char prefix[MFA_ERR_MAX];
	char old[MFA_ERR_MAX];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -1;
}
