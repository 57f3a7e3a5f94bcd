/* main.c - graph-emulator: flags, start-up and shutdown. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "whatif.h"
#include "http_routes.h"
#include "multitenant.h"
#include "rng.h"

#define DEFAULT_TENANT "5f1c2b3a-7e6d-4c5b-9a8f-000000e1a1c0"
#define DEFAULT_CLIENT "8d4e3f2a-1b0c-4d9e-8f7a-000000c11e47"
#define DEFAULT_PERMS "User.Read.All,Policy.Read.All,AuditLog.Read.All,Policy.ReadWrite.AuthenticationMethod," \
	"LicenseAssignment.Read.All,DirectoryRecommendations.Read.All"

struct flag {
	const char *name, *arg, *dflt, *help;
};

static const struct flag flags[] = {
	{ "port", "P", "0", "TCP port on 127.0.0.1; 0 picks a free one" },
	{ "port-file", "FILE", NULL, "write the bound port here once ready to serve" },
	{ "users", "N", "1000", "generate a tenant of N users" },
	{ "seed", "S", "1", "seed for the generated tenant, faults and $batch order" },
	{ "tenant-csv", "FILE", NULL, "load the tenant from mfa-migrate's users.csv (or any export it reads)" },
	{ "tenant-id", "ID", DEFAULT_TENANT, "tenant id of the token endpoint path" },
	/* issue 16: many tenants (multitenant.h) */
	{ "tenants", "N", "1", "serve N tenants, each with its own id, --users users (seed --seed + k), token signing key and budgets; /_emulator/tenants lists them" },
	{ "client-id", "ID", DEFAULT_CLIENT, "the one app registration that may sign in" },
	{ "client-secret", "SECRET", "emulator-secret", "that app's client secret" },
	{ "client-cert", "PEM", NULL, "that app's certificate, for client_assertion (RS256/x5t, PS256/x5t#S256)" },
	{ "token-ttl", "SECONDS", "3600", "access token lifetime (not time-scaled)" },
	/* issue 12: managed identity */
	{ "identity-header", "SECRET", NULL, "serve the App Service identity endpoint /msi/token, checking X-IDENTITY-HEADER against SECRET" },
	{ "app-permissions", "LIST", DEFAULT_PERMS, "comma-separated application permissions the app holds" },
	{ "limits", "graph|off", "graph", "Graph's throttling budgets, or none" },
	{ "time-scale", "K", "1", "divide every throttle window and Retry-After by K" },
	{ "latency-ms", "MS", "0", "added latency per Graph request, jittered over 0.5..1.5 x MS" },
	{ "fail-5xx", "RATE", "0", "share of Graph requests answered 500/502/503/504" },
	{ "fail-429", "RATE", "0", "share of Graph requests answered 429 at random" },
	{ "drop", "RATE", "0", "share of Graph requests whose connection closes mid-response" },
	{ "slow", "RATE", "0", "share of Graph requests held for --slow-seconds before answering" },
	{ "slow-seconds", "SECONDS", "300", "how long a --slow response hangs" },
	/* issue 12: API fidelity */
	{ "state-select", "inline|drop|reject", "inline",
	  "perUserMfaState in a /users $select: served inline, silently dropped, or 400 as Graph answers an unknown property" },
	{ "no-state-select", NULL, NULL, "the same as --state-select drop (kept for old scripts)" },
	{ "member-page-size", "N", "100", "page size of group and role member lists without $top" },
	{ "empty-pages", "N", "0", "put N empty pages (value [] with a nextLink) into every paged list, at seeded places" },
	{ "no-upn-range-filter", NULL, NULL,
	  "answer a /users $filter with userPrincipalName ge/le 400 (a Graph that refuses range filters)" },
	/* end issue 12: API fidelity */
	{ "no-registration-license", NULL, NULL, "answer userRegistrationDetails 403 (no Entra ID P1)" },
	{ "registration-page-size", "N", "999", "page size of userRegistrationDetails" },
	{ "no-p1", NULL, NULL, "subscribedSkus without an Entra ID P1/P2 service plan" },
	{ "no-recommendation", NULL, NULL, "no switchFromPerUserMFA directory recommendation" },
	{ "recommendation-differ", "N", "0", "Microsoft's impacted users: drop the first N enabled/enforced, add the first N disabled" },
	{ "recommendation-page-size", "N", "100", "impactedResources per page" },
	{ "ca-fixture", "FILE", NULL, "JSON with CA policies, security defaults, groups, roles (README)" },
	{ "what-if-override", "FILE", NULL, "JSON user id or UPN -> the policies What If says apply instead (README)" },
	{ "export-csv", "FILE", NULL, "write the tenant as users.csv at start-up" },
	{ "threads", "N", "2", "HTTP worker threads" },
	{ "no-serve", NULL, NULL, "build (and export) the tenant, then exit" },
	/* issue 12: transport and throttling */
	{ "tls-cert", "PEM", NULL, "serve HTTPS with this certificate (chain) file; needs --tls-key" },
	{ "tls-key", "PEM", NULL, "private key of --tls-cert" },
	{ "public-url", "URL", NULL, "base URL clients reach the emulator at (a front such as nghttpx)" },
	{ "batch-item-latency-ms", "MS", "0", "each $batch item takes MS, jittered over 0.5..1.5 x MS" },
	{ "batch-parallelism", "K", "1", "$batch items run K at a time (dependsOn chains run in order)" },
	{ "app-writes-elsewhere", "N", "0", "writes per 5 min the app spends in other tenants (35,000 app quota)" },
	{ "batch-424", NULL, NULL, "answer a $batch that has a throttled item 424 (older Graph docs)" },
	/* end issue 12: transport and throttling */
	/* issue 13: sendMail */
	{ "mail-per-minute", "N", "30", "sendMail messages per minute per mailbox (Exchange's message rate limit)" },
	{ "mail-recipients-per-day", "N", "10000", "sendMail recipients per day per mailbox (Exchange's recipient rate limit)" },
	/* issue 15: sign-in logs */
	{ "sign-ins-per-user", "K", "4", "sign-ins per user in the log's first round and in each advance" },
	{ "sign-ins-days", "D", "7", "the first round of sign-ins spreads over the D days before start-up" },
	{ "help", NULL, NULL, "show this help" },
};

#define NFLAGS (sizeof(flags) / sizeof(flags[0]))

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: graph-emulator [options]\n"
	      "A local Microsoft Graph stand-in for mfa-migrate's tests; listens on 127.0.0.1 only.\n\n", f);
	for (i = 0; i < NFLAGS; i++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", flags[i].name, flags[i].arg ? " " : "",
			 flags[i].arg ? flags[i].arg : "");
		fprintf(f, "  %-32s %s", left, flags[i].help);
		if (flags[i].dflt)
			fprintf(f, " (default: %s)", flags[i].dflt);
		fputc('\n', f);
	}
	fputs("\nEndpoints, the --ca-fixture format and /_emulator/* are described in tests/emulator/README.md.\n", f);
}

static int num(const char *flag, const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || d < lo || d > hi) {
		fprintf(stderr, "graph-emulator: bad value '%s' for --%s (expected %g..%g)\n", v, flag, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int parse_args(int argc, char **argv, struct emu_config *cfg, const char **perms)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		char name[64];
		const struct flag *fl = NULL;
		size_t k;
		double d;

		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "graph-emulator: unexpected argument '%s'\n", a);
			return -1;
		}
		eq = strchr(a, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
		for (k = 0; k < NFLAGS; k++)
			if (strcmp(flags[k].name, name) == 0)
				fl = &flags[k];
		if (!fl) {
			fprintf(stderr, "graph-emulator: unknown option '--%s' (see --help)\n", name);
			return -1;
		}
		if (fl->arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				fprintf(stderr, "graph-emulator: '--%s' needs a value\n", name);
				return -1;
			}
		} else if (eq) {
			fprintf(stderr, "graph-emulator: '--%s' takes no value\n", name);
			return -1;
		}
		if (strcmp(name, "help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(name, "port") == 0) {
			if (num(name, val, 0, 65535, &d) < 0)
				return -1;
			cfg->port = (int)d;
		} else if (strcmp(name, "port-file") == 0) {
			cfg->port_file = val;
		} else if (strcmp(name, "users") == 0) {
			if (num(name, val, 0, 50000000, &d) < 0)
				return -1;
			cfg->users = (uint32_t)d;
		} else if (strcmp(name, "seed") == 0) {
			char *end;
			errno = 0;
			cfg->seed = strtoull(val, &end, 10);
			if (errno || end == val || *end) {
				fprintf(stderr, "graph-emulator: bad value '%s' for --seed\n", val);
				return -1;
			}
		} else if (strcmp(name, "tenant-csv") == 0) {
			cfg->tenant_csv = val;
		} else if (strcmp(name, "tenant-id") == 0) {
			cfg->tenant_id = val;
		} else if (strcmp(name, "tenants") == 0) {
			if (num(name, val, 1, EMU_TENANTS_MAX, &d) < 0)
				return -1;
			cfg->tenants = (unsigned)d;
		} else if (strcmp(name, "client-id") == 0) {
			cfg->client_id = val;
		} else if (strcmp(name, "client-secret") == 0) {
			cfg->client_secret = val;
		} else if (strcmp(name, "client-cert") == 0) {
			cfg->client_cert = val;
		} else if (strcmp(name, "identity-header") == 0) {
			/* issue 12: managed identity */
			if (!*val) {
				fprintf(stderr, "graph-emulator: --identity-header needs a non-empty value\n");
				return -1;
			}
			cfg->identity_header = val;
		} else if (strcmp(name, "token-ttl") == 0) {
			if (num(name, val, 0.001, 1e9, &cfg->token_ttl) < 0)
				return -1;
		} else if (strcmp(name, "app-permissions") == 0) {
			*perms = val;
		} else if (strcmp(name, "limits") == 0) {
			if (strcmp(val, "graph") != 0 && strcmp(val, "off") != 0) {
				fprintf(stderr, "graph-emulator: --limits takes 'graph' or 'off'\n");
				return -1;
			}
			cfg->limits = strcmp(val, "graph") == 0;
		} else if (strcmp(name, "time-scale") == 0) {
			if (num(name, val, 0.001, 1e6, &cfg->time_scale) < 0)
				return -1;
		} else if (strcmp(name, "latency-ms") == 0) {
			if (num(name, val, 0, 1e7, &cfg->latency_ms) < 0)
				return -1;
		} else if (strcmp(name, "fail-5xx") == 0) {
			if (num(name, val, 0, 1, &cfg->fail_5xx) < 0)
				return -1;
		} else if (strcmp(name, "fail-429") == 0) {
			if (num(name, val, 0, 1, &cfg->fail_429) < 0)
				return -1;
		} else if (strcmp(name, "drop") == 0) {
			if (num(name, val, 0, 1, &cfg->drop) < 0)
				return -1;
		} else if (strcmp(name, "slow") == 0) {
			if (num(name, val, 0, 1, &cfg->slow) < 0)
				return -1;
		} else if (strcmp(name, "slow-seconds") == 0) {
			if (num(name, val, 0, 1e7, &cfg->slow_seconds) < 0)
				return -1;
		/* issue 12: API fidelity */
		} else if (strcmp(name, "state-select") == 0) {
			if (strcmp(val, "inline") == 0) {
				cfg->state_select = EMU_STATE_SELECT_INLINE;
			} else if (strcmp(val, "drop") == 0) {
				cfg->state_select = EMU_STATE_SELECT_DROP;
			} else if (strcmp(val, "reject") == 0) {
				cfg->state_select = EMU_STATE_SELECT_REJECT;
			} else {
				fprintf(stderr, "graph-emulator: --state-select takes 'inline', 'drop' or 'reject'\n");
				return -1;
			}
		} else if (strcmp(name, "no-state-select") == 0) {
			cfg->state_select = EMU_STATE_SELECT_DROP;
		} else if (strcmp(name, "member-page-size") == 0) {
			if (num(name, val, 1, 999, &d) < 0)
				return -1;
			cfg->member_page_size = (unsigned)d;
		} else if (strcmp(name, "empty-pages") == 0) {
			if (num(name, val, 0, 1000, &d) < 0)
				return -1;
			cfg->empty_pages = (unsigned)d;
		} else if (strcmp(name, "no-upn-range-filter") == 0) {
			cfg->no_upn_range_filter = true;
		/* end issue 12: API fidelity */
		} else if (strcmp(name, "sign-ins-per-user") == 0 || strcmp(name, "sign-ins-days") == 0) {
			bool per_user = strcmp(name, "sign-ins-per-user") == 0;
			double count;

			if (num(name, val, per_user ? 0 : 1, per_user ? 100000 : 3650, &count) < 0)
				return -1;
			if (per_user)
				cfg->signins_per_user = (unsigned)count;
			else
				cfg->signins_days = (unsigned)count;
		} else if (strcmp(name, "no-registration-license") == 0) {
			cfg->registration_license = false;
		} else if (strcmp(name, "registration-page-size") == 0) {
			if (num(name, val, 1, 1000000, &d) < 0)
				return -1;
			cfg->registration_page_size = (unsigned)d;
		} else if (strcmp(name, "no-p1") == 0) {
			cfg->no_p1 = true;
		} else if (strcmp(name, "no-recommendation") == 0) {
			cfg->no_recommendation = true;
		} else if (strcmp(name, "recommendation-differ") == 0) {
			if (num(name, val, 0, 1000000, &d) < 0)
				return -1;
			cfg->recommendation_differ = (unsigned)d;
		} else if (strcmp(name, "recommendation-page-size") == 0) {
			if (num(name, val, 1, 999, &d) < 0)
				return -1;
			cfg->recommendation_page_size = (unsigned)d;
		} else if (strcmp(name, "ca-fixture") == 0) {
			cfg->ca_fixture = val;
		} else if (strcmp(name, "what-if-override") == 0) {
			cfg->whatif_override = val;
		} else if (strcmp(name, "export-csv") == 0) {
			cfg->export_csv = val;
		} else if (strcmp(name, "threads") == 0) {
			if (num(name, val, 1, 64, &d) < 0)
				return -1;
			cfg->threads = (unsigned)d;
		} else if (strcmp(name, "no-serve") == 0) {
			cfg->no_serve = true;
		/* issue 12: transport and throttling */
		} else if (strcmp(name, "tls-cert") == 0) {
			cfg->tls_cert = val;
		} else if (strcmp(name, "tls-key") == 0) {
			cfg->tls_key = val;
		} else if (strcmp(name, "public-url") == 0) {
			size_t n = strlen(val);
			if ((strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) ||
			    n > 200 || strpbrk(val, "\"\\ ?#") || val[n - 1] == '/') {
				fprintf(stderr, "graph-emulator: bad --public-url '%s' (expected http(s)://host[:port] without a trailing slash)\n", val);
				return -1;
			}
			cfg->public_url = val;
		} else if (strcmp(name, "batch-item-latency-ms") == 0) {
			if (num(name, val, 0, 1e7, &cfg->batch_item_latency_ms) < 0)
				return -1;
		} else if (strcmp(name, "batch-parallelism") == 0) {
			if (num(name, val, 1, 20, &d) < 0)
				return -1;
			cfg->batch_parallelism = (unsigned)d;
		} else if (strcmp(name, "app-writes-elsewhere") == 0) {
			if (num(name, val, 0, 1e9, &cfg->app_writes_elsewhere) < 0)
				return -1;
		} else if (strcmp(name, "batch-424") == 0) {
			cfg->batch_424 = true;
		/* end issue 12: transport and throttling */
		} else if (strcmp(name, "mail-per-minute") == 0) {
			if (num(name, val, 1, 1e6, &cfg->mail_per_minute) < 0)
				return -1;
		} else if (strcmp(name, "mail-recipients-per-day") == 0) {
			if (num(name, val, 1, 1e9, &cfg->mail_recipients_per_day) < 0)
				return -1;
		}
	}
	if (!cfg->tls_cert != !cfg->tls_key) {
		fprintf(stderr, "graph-emulator: --tls-cert and --tls-key go together; give both or neither\n");
		return -1;
	}
	if (cfg->tenants > 1 && cfg->tenant_csv) {
		fprintf(stderr, "graph-emulator: --tenant-csv loads one tenant: drop --tenants\n");
		return -1;
	}
	if (cfg->fail_5xx + cfg->fail_429 + cfg->drop + cfg->slow > 1) {
		fprintf(stderr, "graph-emulator: the fault rates add up to more than 1\n");
		return -1;
	}
	return 0;
}

/* Writes the port to a temporary name and renames it, so a reader never
 * sees a half-written file. */
static int write_port_file(const char *path, int port, struct mfa_err *err)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return mfa_err_set(err, "port file path too long");
	f = fopen(tmp, "w");
	if (!f)
		return mfa_err_set(err, "cannot write '%s': %s", tmp, strerror(errno));
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return mfa_err_set(err, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

static int export_csv(const struct emu_tenant *t, const char *path, struct mfa_err *err)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return mfa_err_set(err, "cannot write '%s': %s", path, strerror(errno));
	if (emu_tenant_export_csv(t, f) < 0 || fclose(f) != 0)
		return mfa_err_set(err, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

/* Builds one tenant's app (its cfg already set): users, fixture, auth,
 * budgets, mail, faults, stats. The first also exports (--export-csv). */
static int build_app(struct emu_app *app, bool first, struct mfa_err *err)
{
	const struct emu_config *cfg = app->cfg;

	app->skip_key = rng_mix(cfg->seed ^ 0x5eed5eedULL);
	if (cfg->tenant_csv) {
		if (emu_tenant_load_csv(&app->tenant, cfg->tenant_csv, cfg->seed, err) < 0)
			return -1;
		if (app->tenant.unknown_states)
			fprintf(stderr, "graph-emulator: %lu users of '%s' had no known per-user state; they start disabled\n",
				app->tenant.unknown_states, cfg->tenant_csv);
	} else if (emu_tenant_generate(&app->tenant, cfg->users, cfg->seed, err) < 0) {
		return -1;
	}
	if (first && cfg->export_csv && export_csv(&app->tenant, cfg->export_csv, err) < 0)
		return -1;
	if (cfg->no_serve)
		return 0;
	if (cfg->ca_fixture && emu_fixture_load(app, cfg->ca_fixture, err) < 0)
		return -1;
	if (cfg->whatif_override && emu_whatif_override_load(&app->whatif_override, cfg->whatif_override, err) < 0)
		return -1;
	if (emu_auth_new(&app->auth, cfg, err) < 0)
		return -1;
	if (emu_throttle_new(&app->throttle, cfg, app->tenant.count) < 0)
		return mfa_err_set(err, "out of memory");
	if (emu_mail_new(&app->mail, cfg) < 0)
		return mfa_err_set(err, "out of memory");
	if (emu_signins_new(&app->signins, app) < 0)
		return mfa_err_set(err, "out of memory");
	emu_faults_init(&app->faults, cfg);
	emu_stats_init(&app->stats);
	return 0;
}

static void release_app(struct emu_app *app)
{
	if (app->throttle) {
		emu_stats_release(&app->stats);
		emu_throttle_free(app->throttle);
	}
	emu_mail_free(app->mail);
	emu_signins_free(app->signins);
	emu_auth_free(app->auth);
	cJSON_Delete(app->fixture);
	cJSON_Delete(app->whatif_override);
	emu_tenant_release(&app->tenant);
}

int main(int argc, char **argv)
{
	struct emu_config cfg = {
		.port = 0, .users = 1000, .seed = 1, .tenant_id = DEFAULT_TENANT,
		.client_id = DEFAULT_CLIENT, .client_secret = "emulator-secret", .token_ttl = 3600,
		.limits = true, .time_scale = 1, .slow_seconds = 300, .state_select = EMU_STATE_SELECT_INLINE,
		.member_page_size = 100,
		.registration_license = true, .registration_page_size = 999, .threads = 2,
		.batch_parallelism = 1, .mail_per_minute = 30, .mail_recipients_per_day = 10000,
		.signins_per_user = 4, .signins_days = 7,
		.tenants = 1,
	};
	struct emu_tenants ts = { NULL, NULL, NULL, 0 };
	struct emu_server *server = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	const char *perms = DEFAULT_PERMS;
	sigset_t set;
	double t0;
	size_t k;
	int port = 0, sig = 0, rc = 1;

	if (parse_args(argc, argv, &cfg, &perms) < 0)
		return 2;
	if (emu_perms_parse(perms, &cfg.perms, &err) < 0) {
		fprintf(stderr, "graph-emulator: %s\n", err.msg);
		return 2;
	}
	if (emu_tenants_init(&ts, &cfg, cfg.tenants, &err) < 0) {
		fprintf(stderr, "graph-emulator: %s\n", err.msg);
		return 2;
	}

	/* signals are taken by sigwait below; every thread started after this inherits the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	t0 = emu_now();
	for (k = 0; k < ts.n; k++)
		if (build_app(&ts.apps[k], k == 0, &err) < 0)
			goto fail;
	if (ts.n == 1)
		fprintf(stderr, "graph-emulator: tenant of %u users ready in %.2f s\n", ts.apps[0].tenant.count,
			emu_now() - t0);
	else
		fprintf(stderr, "graph-emulator: %zu tenants of %u users each ready in %.2f s\n", ts.n,
			ts.apps[0].tenant.count, emu_now() - t0);
	if (cfg.no_serve) {
		rc = 0;
		goto cleanup;
	}
	if (emu_server_start(&server, &ts, &port, &err) < 0)
		goto fail;
	if (cfg.port_file && write_port_file(cfg.port_file, port, &err) < 0)
		goto fail;
	printf("graph-emulator listening on %s://127.0.0.1:%d\n", cfg.tls_cert ? "https" : "http", port);
	fflush(stdout);

	while (sigwait(&set, &sig) != 0)
		;
	fprintf(stderr, "graph-emulator: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = 0;
	goto cleanup;
fail:
	fprintf(stderr, "graph-emulator: %s\n", err.msg);
cleanup:
	emu_server_stop(server);
	for (k = 0; k < ts.n; k++)
		release_app(&ts.apps[k]);
	emu_tenants_release(&ts);
	if (cfg.port_file && rc == 0 && !cfg.no_serve)
		unlink(cfg.port_file);
	return rc;
}
