/* live.c - sign-in and engine options shared by the Graph commands (live.h). */
#include "jobs/session.h"

#include "cli/msg.h"

#include <stdlib.h>
#include <string.h>

static const struct cli_option live_options[] = {
	{ "tenant", 0, CLI_ARG, "ID", "tenant id or domain (default: $AZURE_TENANT_ID)", LIVE_OPT_TENANT },
	{ "client-id", 0, CLI_ARG, "ID", "app (client) id (default: $AZURE_CLIENT_ID); the secret comes only from $AZURE_CLIENT_SECRET", LIVE_OPT_CLIENT_ID },
	{ "certificate", 0, CLI_ARG, "FILE", "sign in with a certificate: PEM with key, or PFX (default: $AZURE_CLIENT_CERTIFICATE_PATH; password from $AZURE_CLIENT_CERTIFICATE_PASSWORD)", LIVE_OPT_CERTIFICATE },
	{ "assertion-alg", 0, CLI_ARG, "ALG", "certificate assertion: ps256 (x5t#S256, default) or rs256 (x5t)", LIVE_OPT_ASSERTION_ALG },
	{ "access-token-file", 0, CLI_ARG, "FILE", "use a ready access token (or $MFA_MIGRATE_ACCESS_TOKEN)", LIVE_OPT_TOKEN_FILE },
	{ "managed-identity", 0, CLI_NO_ARG, NULL, "sign in as the machine's managed identity", LIVE_OPT_MANAGED_IDENTITY },
	{ "cloud", 0, CLI_ARG, "NAME", "global (default), usgov, usgov-dod or china", LIVE_OPT_CLOUD },
	{ "graph-url", 0, CLI_ARG, "URL", "Graph base URL (https; plain http only to loopback)", LIVE_OPT_GRAPH_URL },
	{ "login-url", 0, CLI_ARG, "URL", "sign-in base URL (default from --cloud or $AZURE_AUTHORITY_HOST)", LIVE_OPT_LOGIN_URL },
	{ "ca-bundle", 0, CLI_ARG, "FILE", "extra CA certificates to trust (TLS is always verified)", LIVE_OPT_CA_BUNDLE },
	{ "workers", 0, CLI_ARG, "N", "requests in flight at once (default 16)", LIVE_OPT_WORKERS },
	{ "timeout", 0, CLI_ARG, "SECONDS", "give up on one request attempt after this long (default 60); it is retried", LIVE_OPT_TIMEOUT },
	{ "attempts", 0, CLI_ARG, "N", "tries per request before giving up on it (default 8)", LIVE_OPT_ATTEMPTS },
	{ "read-budget", 0, CLI_ARG, "RU", "identity reads per 10 s, in resource units (default 8000: Graph's large-tenant limit)", LIVE_OPT_READ_BUDGET },
	{ "write-budget", 0, CLI_ARG, "N", "writes per 150 s for this app (default 3000)", LIVE_OPT_WRITE_BUDGET },
	{ "tenant-write-budget", 0, CLI_ARG, "N", "writes per 300 s for the tenant, shared with its other apps (default 18000)", LIVE_OPT_TENANT_WRITE_BUDGET },
	{ "reports-budget", 0, CLI_ARG, "N", "registration report requests per 10 s (default 5)", LIVE_OPT_REPORTS_BUDGET },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_live_group = { "live tenant (Microsoft Graph)", live_options };

void cli_live_init(struct cli_live *l)
{
	struct mfa_auth_options ao = MFA_AUTH_OPTIONS_INIT;
	struct mfa_graph_limits lim = MFA_GRAPH_LIMITS_INIT;

	memset(l, 0, sizeof(*l));
	l->auth_opts = ao;
	l->limits = lim;
	l->workers = 16;
}

int cli_live_option(struct cli_live *l, int id, const char *value)
{
	unsigned long n;

	switch (id) {
	case LIVE_OPT_TENANT: l->auth_opts.tenant = value; return 1;
	case LIVE_OPT_CLIENT_ID: l->auth_opts.client_id = value; return 1;
	case LIVE_OPT_CERTIFICATE: l->auth_opts.cert_path = value; return 1;
	case LIVE_OPT_ASSERTION_ALG: l->auth_opts.assertion_alg = value; return 1;
	case LIVE_OPT_TOKEN_FILE: l->auth_opts.access_token_file = value; return 1;
	case LIVE_OPT_MANAGED_IDENTITY: l->auth_opts.managed_identity = 1; return 1;
	case LIVE_OPT_CLOUD: l->auth_opts.cloud = value; return 1;
	case LIVE_OPT_GRAPH_URL: l->auth_opts.graph_url = value; return 1;
	case LIVE_OPT_LOGIN_URL: l->auth_opts.login_url = value; return 1;
	case LIVE_OPT_CA_BUNDLE: l->auth_opts.ca_file = value; return 1;
	case LIVE_OPT_WORKERS:
		if (cli_parse_count("workers", value, 256, &n) < 0)
			return -1;
		l->workers = (unsigned)n;
		return 1;
	case LIVE_OPT_TIMEOUT:
		if (cli_parse_count("timeout", value, 3600, &n) < 0)
			return -1;
		l->timeout_s = (long)n;
		return 1;
	case LIVE_OPT_ATTEMPTS:
		if (cli_parse_count("attempts", value, 100, &n) < 0)
			return -1;
		l->attempts = (unsigned)n;
		return 1;
	case LIVE_OPT_READ_BUDGET:
		if (cli_parse_count("read-budget", value, 1000000, &n) < 0)
			return -1;
		l->limits.read_units = (double)n;
		return 1;
	case LIVE_OPT_WRITE_BUDGET:
		if (cli_parse_count("write-budget", value, 1000000, &n) < 0)
			return -1;
		l->limits.write_units = (double)n;
		return 1;
	case LIVE_OPT_TENANT_WRITE_BUDGET:
		if (cli_parse_count("tenant-write-budget", value, 1000000, &n) < 0)
			return -1;
		l->limits.write_tenant_units = (double)n;
		return 1;
	case LIVE_OPT_REPORTS_BUDGET:
		if (cli_parse_count("reports-budget", value, 1000000, &n) < 0)
			return -1;
		l->limits.reports_units = (double)n;
		return 1;
	default:
		return 0;
	}
}

/* MFA_MIGRATE_TIME_SCALE=K divides every throttle window by K, to match a
 * graph-emulator run with --time-scale K (benchmarks and tests only: Graph
 * itself is never time-scaled). */
static void apply_time_scale(struct mfa_graph_limits *l)
{
	const char *v = getenv("MFA_MIGRATE_TIME_SCALE");
	char *end = NULL;
	double k;

	if (!v || !*v)
		return;
	k = strtod(v, &end);
	if (!end || *end || !(k >= 1 && k <= 10000)) {
		warnf("MFA_MIGRATE_TIME_SCALE='%s' is not a number from 1 to 10000: ignored", v);
		return;
	}
	l->read_window_s /= k;
	l->write_window_s /= k;
	l->write_tenant_window_s /= k;
	l->reports_window_s /= k;
	l->ca_window_s /= k;
}

/* MFA_MIGRATE_TRACE set, and not "0" */
static int trace_wanted(void)
{
	const char *tr = getenv("MFA_MIGRATE_TRACE");

	return tr && *tr && strcmp(tr, "0") != 0;
}

/* The environment's sign-in settings; the graph layer reads no environment. */
static void read_auth_env(struct mfa_auth_options *o)
{
	o->env.tenant = getenv("AZURE_TENANT_ID");
	o->env.client_id = getenv("AZURE_CLIENT_ID");
	o->env.client_secret = getenv("AZURE_CLIENT_SECRET");
	o->env.cert_path = getenv("AZURE_CLIENT_CERTIFICATE_PATH");
	o->env.cert_password = getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD");
	o->env.access_token = getenv("MFA_MIGRATE_ACCESS_TOKEN");
	o->env.authority_host = getenv("AZURE_AUTHORITY_HOST");
	o->env.imds_url = getenv("MFA_MIGRATE_IMDS_URL");
	o->trace = trace_wanted();
}

int cli_live_connect(struct cli_live *l, struct mfa_err *err)
{
	struct mfa_http_options ho = MFA_HTTP_OPTIONS_INIT;

	read_auth_env(&l->auth_opts);
	if (mfa_auth_new(&l->auth, &l->auth_opts, err) < 0)
		return -1;
	if (mfa_auth_sign_in(l->auth, err) < 0)
		return -1;
	apply_time_scale(&l->limits);
	ho.workers = l->workers;
	if (l->timeout_s)
		ho.timeout_s = l->timeout_s;
	if (l->attempts)
		ho.retry.max_attempts = l->attempts;
	ho.limits = &l->limits;
	ho.ca_file = l->auth_opts.ca_file;
	ho.trace = trace_wanted();
	if (mfa_http_new(&l->http, &ho, err) < 0)
		return -1;
	mfa_http_set_auth(l->http, mfa_auth_bearer, l->auth);
	infof("signed in to tenant '%s' (%s)", cli_live_tenant(l) ? cli_live_tenant(l) : "?",
	      mfa_auth_kind_name(mfa_auth_kind(l->auth)));
	return 0;
}

const char *cli_live_tenant(const struct cli_live *l)
{
	return l->auth ? mfa_auth_tenant(l->auth) : NULL;
}

void cli_live_summarise(const struct cli_live *l, struct mfa_summary *s)
{
	struct mfa_http_stats st;
	int i;

	if (!l->http)
		return;
	mfa_http_stats(l->http, &st);
	s->graph.present = 1;
	s->graph.requests = st.attempts;
	/* $batch items count on their own (Graph throttles them one by one). */
	s->graph.retries = st.retries + st.item_retries;
	s->graph.throttled = st.throttled + st.items_throttled;
	s->graph.server_errors = st.server_errors;
	s->graph.transport_errors = st.transport_errors;
	s->graph.failed = st.failed;
	s->graph.peak_in_flight = st.peak_in_flight;
	s->graph.token_requests = mfa_auth_token_requests(l->auth);
	s->graph.auth_kind = mfa_auth_kind_name(mfa_auth_kind(l->auth));
	s->graph.paused_seconds = 0;
	for (i = 0; i < MFA_SCOPE__COUNT; i++) {
		s->graph.paused_seconds += st.scope[i].paused_seconds;
		s->graph.slowdowns += st.scope[i].slowdowns;
	}
}

void cli_live_release(struct cli_live *l)
{
	mfa_http_free(l->http);
	l->http = NULL;
	mfa_auth_free(l->auth);
	l->auth = NULL;
}
