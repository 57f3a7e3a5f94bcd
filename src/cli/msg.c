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

/* Writes text with every control character shown escaped (\x1b): names
 * and values from an export must not drive the terminal (ESC sequences,
 * CR overwriting the line, C1 controls such as U+009B). */
static void put_clean(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fprintf(stderr, "\\u%04x", p[1]);
			p++;
		} else
			fputc(*p, stderr);
	}
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[8192];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	fputs("mfa-migrate: ", stderr);
	fputs(prefix, stderr);
	put_clean(n < 0 ? "(message could not be formatted)" : buf);
	if (n >= (int)sizeof(buf))
		fputs("...", stderr);
	fputc('\n', stderr);
}

static void relay(const char *text)
{
	fputs("mfa-migrate: ", stderr);
	put_clean(text);
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
			relay(text);
		break;
	case MFA_LEVEL_RELAY_ERROR: relay(text); break;
	}
}
