/* live.h - the options and set-up every command that talks to Graph
 * shares: sign-in (flags over the AZURE_* environment), the cloud, the
 * http engine's workers and throttle budgets. */
#ifndef MFA_CLI_LIVE_H
#define MFA_CLI_LIVE_H

#include "cli/options.h"
#include "graph/auth.h"
#include "graph/http.h"
#include "graph/throttle.h"
#include "mfa/model/summary.h"

/* Option ids of the live group (other groups use ids below 100). */
enum {
	LIVE_OPT_TENANT = 100, LIVE_OPT_CLIENT_ID, LIVE_OPT_CERTIFICATE, LIVE_OPT_TOKEN_FILE,
	LIVE_OPT_MANAGED_IDENTITY, LIVE_OPT_CLOUD, LIVE_OPT_GRAPH_URL, LIVE_OPT_LOGIN_URL,
	LIVE_OPT_ASSERTION_ALG, LIVE_OPT_WORKERS, LIVE_OPT_READ_BUDGET, LIVE_OPT_WRITE_BUDGET,
	LIVE_OPT_TENANT_WRITE_BUDGET, LIVE_OPT_REPORTS_BUDGET, LIVE_OPT_CA_BUNDLE, LIVE_OPT_TIMEOUT, LIVE_OPT_ATTEMPTS,
};

extern const struct cli_group cli_live_group;

struct cli_live {
	struct mfa_auth_options auth_opts;
	struct mfa_graph_limits limits;
	unsigned workers;
	long timeout_s;         /* per request attempt; 0: the engine's default */
	unsigned attempts;      /* per request, first included; 0: the engine's default */
	struct mfa_auth *auth;   /* after cli_live_connect */
	struct mfa_http *http;   /* after cli_live_connect */
};

void cli_live_init(struct cli_live *l);

/* Takes an option of the live group: 1 taken, 0 not a live option,
 * -1 bad value (printed). */
int cli_live_option(struct cli_live *l, int id, const char *value);

/* Resolves the settings, signs in (so a bad credential fails before any
 * work), and makes the http engine. */
int cli_live_connect(struct cli_live *l, struct mfa_err *err);

/* The tenant signed in to (id or domain), or NULL. */
const char *cli_live_tenant(const struct cli_live *l);

/* Copies the engine's throttling and retry figures into the summary. */
void cli_live_summarise(const struct cli_live *l, struct mfa_summary *s);

/* Frees the engine, then the sign-in (wiping its secrets). */
void cli_live_release(struct cli_live *l);

#endif
