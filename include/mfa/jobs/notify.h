/* mfa/jobs/notify.h - how a job tells people what it does: never by
 * printing, always through the callback its caller gave (the CLI prints;
 * a test or another program may collect). One line of text a call, no
 * trailing newline, no program-name prefix.
 */
#ifndef MFA_JOBS_NOTIFY_H
#define MFA_JOBS_NOTIFY_H

#include "mfa/util/err.h"

enum mfa_level {
	MFA_LEVEL_ERROR = 0,  /* something failed; always said */
	MFA_LEVEL_WARN,       /* a problem the run went on past */
	MFA_LEVEL_NOTE,       /* what the run did (unless quiet) */
	MFA_LEVEL_INFO,       /* detail (verbose only) */
	MFA_LEVEL_RELAY,      /* another process's own line, its prefix kept (unless quiet) */
	MFA_LEVEL_RELAY_ERROR /* another process's own error line, its prefix kept (always) */
};

/* text is valid only during the call. */
typedef void (*mfa_notify_fn)(void *ctx, enum mfa_level level, const char *text);

struct mfa_notify {
	mfa_notify_fn fn; /* NULL: say nothing */
	void *ctx;
};

#define MFA_NOTIFY_INIT { NULL, NULL }

/* Formats and hands one line to n->fn (n or n->fn NULL: nothing). Lines
 * longer than 4 KiB are cut. */
void mfa_notify(const struct mfa_notify *n, enum mfa_level level, const char *fmt, ...)
	MFA_PRINTF(3, 4);

#endif
