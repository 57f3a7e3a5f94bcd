/* secret_pass.c - the secrets a tenant's audit gets on its --secret-fd,
 * and the environment it gets without them (cli/secrets.h). */
#define _GNU_SOURCE /* strcasestr */
#include "cli/secrets.h"

#include "cli/msg.h"
#include "mfa/util/secretfile.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

/* The environment variables that hold a secret: moved to the pipe for a
 * tenant's audit, never left in its environment. */
static const char *const secret_env_names[] = {
	"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "MFA_MIGRATE_ACCESS_TOKEN",
	"IDENTITY_HEADER", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
	"MFA_MIGRATE_WEBHOOK_URL", NULL,
};

/* Left out of a child's environment as well, not passed on: the files the
 * parent already read, the proxy no run uses. */
static const char *const dropped_env_names[] = {
	"AZURE_CLIENT_SECRET_FILE", "MFA_MIGRATE_WEBHOOK_URL_FILE", "http_proxy", "HTTP_PROXY", NULL,
};

static char *bundle;      /* cli_secrets_bundle's text, wiped at exit */
static size_t bundle_len;

static void wipe_bundle(void)
{
	mfa_secret_free(bundle);
	bundle = NULL;
}

/* Appends "name=value\n" to the bundle (value one line). */
static int bundle_add(char *buf, size_t *n, const char *name, const char *value)
{
	size_t a = strlen(name), b;

	if (!value || !*value)
		return 0;
	b = strlen(value);
	if (strchr(value, '\n') || *n + a + b + 2 > MFA_SECRET_MAX) {
		errorf("the secret in '%s' cannot be passed on to the tenants' audits (%s)", name,
		       strchr(value, '\n') ? "it has a line break" : "too long");
		return -1;
	}
	memcpy(buf + *n, name, a);
	buf[*n + a] = '=';
	memcpy(buf + *n + a + 1, value, b);
	buf[*n + a + 1 + b] = '\n';
	*n += a + b + 2;
	return 0;
}

const char *cli_secrets_bundle(size_t *len)
{
	size_t n = 0, i;
	char *buf;

	*len = 0;
	if (bundle) {
		*len = bundle_len;
		return bundle;
	}
	buf = malloc(MFA_SECRET_MAX + 1);
	if (!buf) {
		errorf("out of memory");
		return NULL;
	}
	if (bundle_add(buf, &n, "client-secret", cli_secrets_value("client-secret")) < 0 ||
	    bundle_add(buf, &n, "notify-webhook", cli_secrets_value("notify-webhook")) < 0)
		goto bad;
	for (i = 0; secret_env_names[i]; i++) {
		/* the webhook's is resolved: notify-webhook */
		if (strcmp(secret_env_names[i], "MFA_MIGRATE_WEBHOOK_URL") != 0 &&
		    bundle_add(buf, &n, secret_env_names[i], cli_secrets_value(secret_env_names[i])) < 0)
			goto bad;
	}
	buf[n] = '\0';
	bundle = buf;
	bundle_len = n;
	atexit(wipe_bundle);
	*len = n;
	return buf;
bad:
	mfa_secret_free(buf);
	return NULL;
}

static int in_list(const char *const *list, const char *name, size_t len)
{
	for (; *list; list++) {
		if (strlen(*list) == len && strncmp(*list, name, len) == 0)
			return 1;
	}
	return 0;
}

int cli_secrets_env_is_secret(const char *entry)
{
	static const char *const words[] = { "SECRET", "PASSWORD", "PASSWD", "TOKEN", "_KEY", NULL };
	size_t len = strcspn(entry, "=");
	char name[256];
	size_t i;

	if (in_list(secret_env_names, entry, len) || in_list(dropped_env_names, entry, len))
		return 1;
	if (len >= sizeof(name))
		return 1; /* no such name is ours: leave it out */
	memcpy(name, entry, len);
	name[len] = '\0';
	for (i = 0; words[i]; i++) {
		if (strcasestr(name, words[i]))
			return 1;
	}
	return 0;
}

char **cli_secrets_child_env(void)
{
	size_t n = 0, k = 0, i;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!cli_secrets_env_is_secret(environ[i]))
			env[k++] = environ[i];
	}
	env[k] = NULL;
	return env;
}
