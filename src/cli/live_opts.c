/* live_opts.c - the live group's options and environment (live_opts.h). */
#include "cli/live_opts.h"

#include "cli/msg.h"
#include "cli/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_option live_options[] = {
	{ "tenant", 0, CLI_ARG, "ID", "tenant id or domain (default: $AZURE_TENANT_ID)", LIVE_OPT_TENANT },
	{ "client-id", 0, CLI_ARG, "ID", "app (client) id (default: $AZURE_CLIENT_ID); its secret from --client-secret-file, $AZURE_CLIENT_SECRET, $AZURE_CLIENT_SECRET_FILE or the systemd credential azure-client-secret, never from argv", LIVE_OPT_CLIENT_ID },
	{ "client-secret-file", 0, CLI_ARG, "FILE", "read the client secret from FILE (one line; wins over the environment's)", LIVE_OPT_CLIENT_SECRET_FILE },
	{ "secret-fd", 0, CLI_ARG, "N", "read the secrets from descriptor N as NAME=VALUE lines (how --tenants passes them to each tenant's audit)", LIVE_OPT_SECRET_FD },
	{ "certificate", 0, CLI_ARG, "FILE", "sign in with a certificate: PEM with key, or PFX (default: $AZURE_CLIENT_CERTIFICATE_PATH, then the systemd credential azure-client-certificate; password from $AZURE_CLIENT_CERTIFICATE_PASSWORD)", LIVE_OPT_CERTIFICATE },
	{ "assertion-alg", 0, CLI_ARG, "ALG", "certificate assertion: ps256 (x5t#S256, default) or rs256 (x5t)", LIVE_OPT_ASSERTION_ALG },
	{ "access-token-file", 0, CLI_ARG, "FILE", "use a ready access token (or $MFA_MIGRATE_ACCESS_TOKEN)", LIVE_OPT_TOKEN_FILE },
	{ "managed-identity", 0, CLI_NO_ARG, NULL, "sign in as the machine's managed identity ($IDENTITY_ENDPOINT + $IDENTITY_HEADER on App Service and Container Apps, else IMDS; user-assigned: --client-id)", LIVE_OPT_MANAGED_IDENTITY },
	{ "cloud", 0, CLI_ARG, "NAME", "global (default), usgov, usgov-dod or china", LIVE_OPT_CLOUD },
	{ "graph-url", 0, CLI_ARG, "URL", "Graph base URL (https; plain http only to loopback)", LIVE_OPT_GRAPH_URL },
	{ "login-url", 0, CLI_ARG, "URL", "sign-in base URL (default from --cloud or $AZURE_AUTHORITY_HOST)", LIVE_OPT_LOGIN_URL },
	{ "ca-bundle", 0, CLI_ARG, "FILE", "extra CA certificates to trust (TLS is always verified)", LIVE_OPT_CA_BUNDLE },
	{ "workers", 0, CLI_ARG, "N", "most requests in flight at once (default 256); below it the tool adapts to the round trip", LIVE_OPT_WORKERS },
	{ "timeout", 0, CLI_ARG, "SECONDS", "give up on one request attempt after this long (default 60); it is retried", LIVE_OPT_TIMEOUT },
	{ "attempts", 0, CLI_ARG, "N", "tries per request before giving up on it (default 8)", LIVE_OPT_ATTEMPTS },
	{ "read-budget", 0, CLI_ARG, "RU", "identity reads per 10 s, in resource units (default 8000: Graph's large-tenant limit)", LIVE_OPT_READ_BUDGET },
	{ "write-budget", 0, CLI_ARG, "N", "writes per 150 s for this app (default 3000)", LIVE_OPT_WRITE_BUDGET },
	{ "tenant-write-budget", 0, CLI_ARG, "N", "writes per 300 s for the tenant, shared with its other apps (default 18000)", LIVE_OPT_TENANT_WRITE_BUDGET },
	{ "reports-budget", 0, CLI_ARG, "N", "registration report requests per 10 s (default 5)", LIVE_OPT_REPORTS_BUDGET },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const struct cli_group cli_live_group = { "live tenant (Microsoft Graph)", live_options };

int cli_live_option(struct mfa_session_options *l, int id, const char *value)
{
	unsigned long n;

	switch (id) {
	case LIVE_OPT_TENANT: l->auth.tenant = value; return 1;
	case LIVE_OPT_CLIENT_ID: l->auth.client_id = value; return 1;
	case LIVE_OPT_CERTIFICATE: l->auth.cert_path = value; return 1;
	case LIVE_OPT_CLIENT_SECRET_FILE: cli_secrets_set_file(value); return 1;
	case LIVE_OPT_SECRET_FD: return cli_secrets_set_fd(value) < 0 ? -1 : 1;
	case LIVE_OPT_ASSERTION_ALG: l->auth.assertion_alg = value; return 1;
	case LIVE_OPT_TOKEN_FILE: l->auth.access_token_file = value; return 1;
	case LIVE_OPT_MANAGED_IDENTITY: l->auth.managed_identity = 1; return 1;
	case LIVE_OPT_CLOUD: l->auth.cloud = value; return 1;
	case LIVE_OPT_GRAPH_URL: l->auth.graph_url = value; return 1;
	case LIVE_OPT_LOGIN_URL: l->auth.login_url = value; return 1;
	case LIVE_OPT_CA_BUNDLE: l->auth.ca_file = value; return 1;
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

static void trace_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "mfa-migrate: trace: %s\n", line);
}

/* MFA_MIGRATE_TRACE set, and not "0" */
static int trace_wanted(void)
{
	const char *tr = getenv("MFA_MIGRATE_TRACE");

	return tr && *tr && strcmp(tr, "0") != 0;
}

/* The first of names that is set (even to ""), as libcurl looks them up;
 * *which gets its name. NULL when none is. */
static const char *first_env(const char *const *names, const char **which)
{
	const char *v;

	for (; *names; names++) {
		if ((v = cli_secret_env(*names)) != NULL) {
			*which = *names;
			return v;
		}
	}
	return NULL;
}

/* The proxy for https, read as curl reads it (https_proxy, HTTPS_PROXY,
 * then all_proxy, ALL_PROXY; no_proxy, NO_PROXY) and passed to the library
 * explicitly, which keeps libcurl from reading any of them itself. No
 * http_proxy: plain http only ever goes to loopback hosts and the managed
 * identity address, and those never go through a proxy (graph/http.h). */
static void proxy_environment(struct mfa_http_proxy *p)
{
	static const char *const proxy_names[] = { "https_proxy", "HTTPS_PROXY", "all_proxy",
						   "ALL_PROXY", NULL };
	static const char *const no_names[] = { "no_proxy", "NO_PROXY", NULL };
	const char *which = NULL, *unused = NULL;

	p->url = first_env(proxy_names, &which);
	p->source = which;
	p->no_proxy = first_env(no_names, &unused);
}

/* The environment's settings: sign-in (the AZURE_* names Azure tooling
 * uses), the https proxy (proxy_environment), tracing, and MFA_MIGRATE_TIME_SCALE=K, which divides every
 * throttle window by K to match a graph-emulator run with --time-scale K
 * (benchmarks and tests only: Graph itself is never time-scaled). */
int cli_live_environment(struct mfa_session_options *o)
{
	const char *v = getenv("MFA_MIGRATE_TIME_SCALE");
	char *end = NULL;
	double k;

	o->notify.fn = cli_notify;
	o->notify.ctx = NULL;
	o->auth.env.tenant = getenv("AZURE_TENANT_ID");
	o->auth.env.client_id = getenv("AZURE_CLIENT_ID");
	o->auth.env.cert_path = getenv("AZURE_CLIENT_CERTIFICATE_PATH");
	o->auth.env.cert_password = cli_secret_env("AZURE_CLIENT_CERTIFICATE_PASSWORD");
	o->auth.env.access_token = cli_secret_env("MFA_MIGRATE_ACCESS_TOKEN");
	o->auth.env.authority_host = getenv("AZURE_AUTHORITY_HOST");
	o->auth.env.imds_url = getenv("MFA_MIGRATE_IMDS_URL");
	/* App Service / Container Apps managed identity (IDENTITY_HEADER is a
	 * secret: the library copies it, wipes its copy, never shows it) */
	o->auth.env.identity_endpoint = getenv("IDENTITY_ENDPOINT");
	o->auth.env.identity_header = cli_secret_env("IDENTITY_HEADER");
	o->auth.env.identity_server_thumbprint = getenv("IDENTITY_SERVER_THUMBPRINT");
	o->auth.env.imds_endpoint = getenv("IMDS_ENDPOINT");
	proxy_environment(&o->auth.proxy);
	o->auth.trace = trace_wanted() ? trace_line : NULL;
	/* the client secret and the credentials' certificate (cli/secrets.h) */
	if (cli_secrets_resolve(o) < 0)
		return -1;
	if (!v || !*v)
		return 0;
	k = strtod(v, &end);
	if (!end || *end || !(k >= 1 && k <= 10000)) {
		warnf("MFA_MIGRATE_TIME_SCALE='%s' is not a number from 1 to 10000: ignored", v);
		return 0;
	}
	o->time_scale = k;
	return 0;
}
