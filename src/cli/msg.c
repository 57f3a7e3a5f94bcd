/* msg.c - messages on stderr (msg.h). */
#include "cli/msg.h"

#include <stdarg.h>
#include <stdio.h>

static enum cli_verbosity verbosity = CLI_NORMAL;

void cli_set_verbosity(enum cli_verbosity v)
{
	verbosity = v;
}

enum cli_verbosity cli_verbosity(void)
{
	return verbosity;
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fputs("mfa-migrate: ", stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < CLI_NORMAL)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void notef(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < CLI_NORMAL)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void infof(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < CLI_VERBOSE)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void cli_notify(void *ctx, enum mfa_level level, const char *text)
{
	(void)ctx;
	switch (level) {
	case MFA_LEVEL_ERROR: errorf("%s", text); break;
	case MFA_LEVEL_WARN: warnf("%s", text); break;
	case MFA_LEVEL_NOTE: notef("%s", text); break;
	case MFA_LEVEL_INFO: infof("%s", text); break;
	case MFA_LEVEL_RELAY:
		if (verbosity >= CLI_NORMAL)
			fprintf(stderr, "mfa-migrate: %s\n", text);
		break;
	case MFA_LEVEL_RELAY_ERROR: fprintf(stderr, "mfa-migrate: %s\n", text); break;
	}
}
