/* notify.c - a job's messages through its caller's callback (mfa/jobs/notify.h). */
#include "mfa/jobs/notify.h"

#include <stdarg.h>
#include <stdio.h>

void mfa_notify(const struct mfa_notify *n, enum mfa_level level, const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	if (!n || !n->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n->fn(n->ctx, level, text);
}
