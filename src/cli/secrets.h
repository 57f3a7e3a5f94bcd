/* secrets.h - the secrets the CLI reads and hands to the library, and how
 * audit --tenants passes them on to each tenant's audit.
 *
 * Where a secret comes from, first that is set wins (README "Secrets"):
 *   client secret  --client-secret-file FILE          (as an option)
 *                  $AZURE_CLIENT_SECRET               (as the environment)
 *                  $AZURE_CLIENT_SECRET_FILE
 *                  $CREDENTIALS_DIRECTORY/azure-client-secret (systemd
 *                  LoadCredential=azure-client-secret:...)
 *   certificate    --certificate FILE, $AZURE_CLIENT_CERTIFICATE_PATH,
 *                  $CREDENTIALS_DIRECTORY/azure-client-certificate (a PEM
 *                  with its key, as --certificate takes it; used by path)
 *   webhook URL    --notify-webhook URL, $MFA_MIGRATE_WEBHOOK_URL,
 *                  $MFA_MIGRATE_WEBHOOK_URL_FILE,
 *                  $CREDENTIALS_DIRECTORY/webhook-url
 * graph/auth.h then picks the kind (an option-level secret beats a
 * certificate option; an environment-level one loses to it).
 *
 * A file is read once, into a buffer of its own (never grown, so never
 * copied), its one trailing newline dropped; it must be one non-empty line.
 * A file other users can read gets a warning. Every buffer is wiped
 * (explicit_bzero) and freed at exit (atexit), after the library made and
 * wiped its own copies.
 *
 * --secret-fd N: the secrets come from descriptor N instead (read to its
 * end once, then closed), as lines NAME=VALUE: "client-secret" and
 * "notify-webhook" (option level), or the name of a secret environment
 * variable (AZURE_CLIENT_SECRET, IDENTITY_HEADER, https_proxy, ...).
 * Then no secret is read from the environment or from files. This is how
 * audit --tenants starts each tenant's audit: cli_secrets_bundle() makes
 * the text and cli_secrets_child_env() the environment without any secret,
 * so a secret is never in a child's argv or environment. */
#ifndef MFA_CLI_SECRETS_H
#define MFA_CLI_SECRETS_H

#include <stddef.h>

#include "jobs/session.h"

/* --client-secret-file FILE: remembered, read by cli_secrets_resolve. */
void cli_secrets_set_file(const char *path);

/* --secret-fd N: 0, or -1 (printed) when N is not a descriptor number
 * above 2. */
int cli_secrets_set_fd(const char *value);

/* Reads the secrets (the fd, or the files and environment above) into o's
 * sign-in options. 0, or -1 (printed: names the file or variable). Once
 * per process; later calls only fill o again. */
int cli_secrets_resolve(struct mfa_session_options *o);

/* A secret environment variable's value: from the --secret-fd text when
 * there was one (never the environment then), else getenv. NULL: unset. */
const char *cli_secret_env(const char *name);

/* The webhook URL (--notify-webhook given as `flag`, else the places
 * above). NULL: none. Sets *bad and prints when a named file cannot be
 * read. */
const char *cli_secrets_webhook(const char *flag, int *bad);

/* A resolved secret by its --secret-fd name ("client-secret",
 * "notify-webhook", or a secret environment variable's), NULL: none. */
const char *cli_secrets_value(const char *key);

/* The text a tenant's audit reads from its --secret-fd: every secret this
 * process resolved. Owned here (wiped at exit); *len 0 when none. */
const char *cli_secrets_bundle(size_t *len);

/* This process's environment without any secret variable (the ones above,
 * the proxies, and every name with SECRET, PASSWORD, PASSWD, TOKEN or
 * _KEY in it): what a tenant's audit is started with. NULL-terminated;
 * NULL when out of memory. */
char **cli_secrets_child_env(void);

/* Whether an environment variable name is one of those left out. */
int cli_secrets_env_is_secret(const char *name);

#endif
