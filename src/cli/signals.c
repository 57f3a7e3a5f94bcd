/* signals.c - one Ctrl-C handler for every command (signals.h). */
#include "cli/signals.h"

#include <string.h>

volatile sig_atomic_t cli_interrupted;
struct mfa_http *volatile cli_running_http;

/* The first signal stops admitting and lets in-flight requests finish;
 * a second one does not wait for them (a hung answer would hold the run
 * until its timeout): they end cancelled, their users stay in doubt in the
 * journal for --resume. */
static void on_signal(int sig)
{
	(void)sig;
	if (cli_interrupted && cli_running_http)
		mfa_http_abort(cli_running_http);
	cli_interrupted = 1;
	if (cli_running_http)
		mfa_http_stop(cli_running_http);
}

void cli_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
