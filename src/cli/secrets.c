/* secrets.c - secrets from files, systemd credentials and the parent's
 * pipe (secrets.h). */
#include "cli/secrets.h"

#include "cli/msg.h"
#include "mfa/util/secretfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	const char *file;      /* --client-secret-file */
	int fd;                /* --secret-fd; -1 */
	int resolved;
	char *opt_secret;      /* read from --client-secret-file */
	char *env_secret;      /* read from AZURE_CLIENT_SECRET_FILE or the credential */
	char *webhook;         /* read from a file */
	const char *webhook_in_use;
	char *fd_text;         /* the --secret-fd text, split into lines in place */
	size_t fd_len;
	char cert_path[4096];  /* $CREDENTIALS_DIRECTORY/azure-client-certificate */
} S = { .fd = -1 };

static void wipe_all(void)
{
	mfa_secret_free(S.opt_secret);
	mfa_secret_free(S.env_secret);
	mfa_secret_free(S.webhook);
	mfa_secret_free(S.fd_text);
	S.opt_secret = S.env_secret = S.webhook = S.fd_text = NULL;
}

static void wipe_at_exit(void)
{
	static int registered;

	if (!registered) {
		atexit(wipe_all);
		registered = 1;
	}
}

void cli_secrets_set_file(const char *path)
{
	S.file = path;
}

int cli_secrets_set_fd(const char *value)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno || !end || *end || n < 3 || n > 65535) {
		errorf("--secret-fd: '%s' is not a descriptor number above 2", value);
		return -1;
	}
	S.fd = (int)n;
	return 0;
}

/* A secret file (mfa/util/secretfile.h); what names its source in
 * messages. 0 with *out set (NULL: missing and missing_ok), or -1
 * (printed). */
static int read_secret_file(const char *what, const char *path, bool missing_ok, char **out)
{
	struct mfa_err err = MFA_ERR_INIT;
	bool open_to_others = false;

	wipe_at_exit();
	if (mfa_secret_read_file(path, missing_ok, out, &open_to_others, &err) < 0) {
		errorf("%s: %s", what, err.msg);
		return -1;
	}
	if (*out && open_to_others)
		warnf("%s: '%s' can be read by other users: chmod 600 '%s'", what, path, path);
	return 0;
}

/* $CREDENTIALS_DIRECTORY/name into buf; 0 when there is no such folder. */
static int credential_path(char *buf, size_t size, const char *name)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (!dir || !*dir)
		return 0;
	n = snprintf(buf, size, "%s/%s", dir, name);
	return n > 0 && (size_t)n < size;
}

/* The --secret-fd text: read once, closed, checked line by line. */
static int read_fd(void)
{
	struct mfa_err err = MFA_ERR_INIT;
	size_t i;
	char *p;

	wipe_at_exit();
	S.fd_text = mfa_secret_read_fd(S.fd, &S.fd_len, &err);
	close(S.fd);
	if (!S.fd_text) {
		errorf("--secret-fd %d: cannot read it: %s", S.fd, err.msg);
		return -1;
	}
	if (memchr(S.fd_text, '\0', S.fd_len)) {
		errorf("--secret-fd %d: not NAME=VALUE lines", S.fd);
		return -1;
	}
	for (p = S.fd_text, i = 1; *p; i++) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (!strchr(p, '=') || *p == '=') {
			errorf("--secret-fd %d: line %zu is not NAME=VALUE", S.fd, i);
			return -1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

/* The value of NAME in the --secret-fd text (its lines split in place),
 * or NULL. */
static const char *fd_value(const char *name)
{
	size_t len = strlen(name);
	const char *p = S.fd_text, *end = S.fd_text + S.fd_len;

	for (; p && p < end; p += strlen(p) + 1) {
		if (strncmp(p, name, len) == 0 && p[len] == '=')
			return p + len + 1;
	}
	return NULL;
}

const char *cli_secret_env(const char *name)
{
	const char *v;

	if (S.fd >= 0)
		return fd_value(name);
	v = getenv(name);
	return v;
}

int cli_secrets_resolve(struct mfa_session_options *o)
{
	const char *file;

	if (!S.resolved) {
		S.resolved = 1;
		if (S.fd >= 0) {
			if (read_fd() < 0)
				return -1;
		} else {
			if (S.file && read_secret_file("--client-secret-file", S.file, false, &S.opt_secret) < 0)
				return -1;
			file = getenv("AZURE_CLIENT_SECRET_FILE");
			if (!(getenv("AZURE_CLIENT_SECRET") && *getenv("AZURE_CLIENT_SECRET"))) {
				char path[4096];

				if (file && *file) {
					if (read_secret_file("AZURE_CLIENT_SECRET_FILE", file, false, &S.env_secret) < 0)
						return -1;
				} else if (credential_path(path, sizeof(path), "azure-client-secret") &&
					   read_secret_file("credential 'azure-client-secret'", path, true,
							    &S.env_secret) < 0) {
					return -1;
				}
			}
		}
		if (credential_path(S.cert_path, sizeof(S.cert_path), "azure-client-certificate") &&
		    access(S.cert_path, F_OK) != 0)
			S.cert_path[0] = '\0';
	}
	if (S.fd >= 0)
		o->auth.client_secret = fd_value("client-secret");
	else if (S.opt_secret)
		o->auth.client_secret = S.opt_secret;
	o->auth.env.client_secret = S.env_secret ? S.env_secret : cli_secret_env("AZURE_CLIENT_SECRET");
	if (!(o->auth.env.cert_path && *o->auth.env.cert_path) && S.cert_path[0])
		o->auth.env.cert_path = S.cert_path;
	return 0;
}

const char *cli_secrets_webhook(const char *flag, int *bad)
{
	const char *v, *file;
	char path[4096];

	*bad = 0;
	if (flag)
		return S.webhook_in_use = flag;
	if (S.webhook_in_use)
		return S.webhook_in_use;
	if (S.fd >= 0) {
		v = fd_value("notify-webhook");
		return S.webhook_in_use = v ? v : fd_value("MFA_MIGRATE_WEBHOOK_URL");
	}
	v = getenv("MFA_MIGRATE_WEBHOOK_URL");
	if (v && *v)
		return S.webhook_in_use = v;
	file = getenv("MFA_MIGRATE_WEBHOOK_URL_FILE");
	if (file && *file) {
		if (read_secret_file("MFA_MIGRATE_WEBHOOK_URL_FILE", file, false, &S.webhook) < 0) {
			*bad = 1;
			return NULL;
		}
	} else if (credential_path(path, sizeof(path), "webhook-url") &&
		   read_secret_file("credential 'webhook-url'", path, true, &S.webhook) < 0) {
		*bad = 1;
		return NULL;
	}
	return S.webhook_in_use = S.webhook;
}

const char *cli_secrets_value(const char *key)
{
	const char *v;

	if (!strcmp(key, "client-secret"))
		return S.fd >= 0 ? fd_value("client-secret") : S.opt_secret;
	if (!strcmp(key, "notify-webhook"))
		return S.webhook_in_use;
	v = cli_secret_env(key);
	if (!strcmp(key, "AZURE_CLIENT_SECRET") && !(v && *v))
		v = S.env_secret;
	return v;
}
