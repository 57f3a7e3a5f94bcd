/* msg.h - what the CLI tells people, on stderr (stdout carries only the
 * report folder's path). printf-checked, like curl's tool_msgs.c. */
#ifndef MFA_CLI_MSG_H
#define MFA_CLI_MSG_H

#include "mfa/jobs/notify.h"
#include "mfa/util/err.h"

enum cli_verbosity { CLI_QUIET = 0, CLI_NORMAL = 1, CLI_VERBOSE = 2 };

void cli_set_verbosity(enum cli_verbosity v);
enum cli_verbosity cli_verbosity(void);

/* "mfa-migrate: error: ..." always. */
void errorf(const char *fmt, ...) MFA_PRINTF(1, 2);
/* "mfa-migrate: warning: ..." unless quiet. */
void warnf(const char *fmt, ...) MFA_PRINTF(1, 2);
/* "mfa-migrate: ..." unless quiet. */
void notef(const char *fmt, ...) MFA_PRINTF(1, 2);
/* Only with -v. */
void infof(const char *fmt, ...) MFA_PRINTF(1, 2);

/* A job's messages (mfa/jobs/notify.h), said at their level: set as the
 * fn of a struct mfa_notify (ctx unused). */
void cli_notify(void *ctx, enum mfa_level level, const char *text);

#endif
