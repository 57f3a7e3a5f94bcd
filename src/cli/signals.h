/* signals.h - Ctrl-C and SIGTERM, the same for every command: the flag is
 * set, and the http engine a job put in cli_running_http stops admitting
 * requests (those in flight finish, and are journalled or reported). The
 * job is told through the flag and the engine; it writes what it has,
 * marked incomplete. */
#ifndef MFA_CLI_SIGNALS_H
#define MFA_CLI_SIGNALS_H

#include <signal.h>

#include "graph/http.h"

/* Set by the handler. Jobs read it through their options' `stop`. */
extern volatile sig_atomic_t cli_interrupted;

/* The engine to stop; jobs set it through their options' `running_http`
 * while their engine lives. */
extern struct mfa_http *volatile cli_running_http;

/* Installs the handler for SIGINT and SIGTERM. */
void cli_signals_install(void);

#endif
