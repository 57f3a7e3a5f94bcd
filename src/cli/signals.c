/* signals.c - one Ctrl-C handler for every command (signals.h). */
#include "cli/signals.h"

#include <string.h>

volatile sig_atomic_t cli_interrupted;
struct mfa_http *volatile cli_running_http;

static void on_signal(int sig)
{
	(void)sig;
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
