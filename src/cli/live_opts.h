/* live_opts.h - the options every command that talks to Graph shares
 * (sign-in, cloud, workers, throttle budgets), parsed into the session's
 * plain options (jobs/session.h), and the environment the session needs. */
#ifndef MFA_CLI_LIVE_OPTS_H
#define MFA_CLI_LIVE_OPTS_H

#include "cli/options.h"
#include "jobs/session.h"

/* Option ids of the live group (other groups use ids below 100). */
enum {
	LIVE_OPT_TENANT = 100, LIVE_OPT_CLIENT_ID, LIVE_OPT_CERTIFICATE, LIVE_OPT_TOKEN_FILE,
	LIVE_OPT_MANAGED_IDENTITY, LIVE_OPT_CLOUD, LIVE_OPT_GRAPH_URL, LIVE_OPT_LOGIN_URL,
	LIVE_OPT_ASSERTION_ALG, LIVE_OPT_WORKERS, LIVE_OPT_READ_BUDGET, LIVE_OPT_WRITE_BUDGET,
	LIVE_OPT_TENANT_WRITE_BUDGET, LIVE_OPT_REPORTS_BUDGET, LIVE_OPT_CA_BUNDLE, LIVE_OPT_TIMEOUT, LIVE_OPT_ATTEMPTS,
	LIVE_OPT_CLIENT_SECRET_FILE, LIVE_OPT_SECRET_FD,
};

extern const struct cli_group cli_live_group;

/* Takes an option of the live group into o: 1 taken, 0 not a live option,
 * -1 bad value (printed). */
int cli_live_option(struct mfa_session_options *o, int id, const char *value);

/* Reads the environment the session takes (MFA_MIGRATE_TIME_SCALE, the
 * AZURE_* sign-in defaults, tracing, and the https proxy: https_proxy /
 * HTTPS_PROXY / all_proxy / ALL_PROXY and no_proxy / NO_PROXY; http_proxy
 * is never used), warning about a bad value, and sets the CLI's message
 * printer; then the secrets from files, systemd credentials or --secret-fd
 * (cli/secrets.h). The library reads none of these itself. 0, or -1 when
 * a secret cannot be read (printed: exit with EXIT_ERROR). */
int cli_live_environment(struct mfa_session_options *o);

#endif
