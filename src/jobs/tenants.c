/* tenants.c - one audit per tenant, in parallel processes, and the roll-up
 * (tenants.h). */
#define _GNU_SOURCE /* posix_spawn_file_actions_addclosefrom_np */
#include "jobs/tenants.h"

#include "jobs/outdir.h"
#include "jobs/tenants_file.h"
#include "mfa/util/outfile.h"
#include "reports/rollup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKERS_PER_TENANT 64 /* a ceiling: each audit adapts below it */

struct tenant {
	char id[256], name[256], client[256], cert[1024], graph[1024];
	char dir_name[300];   /* safe for a file name */
	size_t position;      /* its place in the file (--shard) */
	pid_t pid;
	int code;             /* exit code; -1 while running */
	char folder[4096];    /* its report folder, from its stdout */
	int out_fd;           /* its stdout: a file with no name; -1 */
	int log_fd;           /* its stderr: <dir_name>.log.tmp until it ends; -1 */
};

/* The --tenants file (jobs/tenants_file.h), as this module's tenants:
 * all of them, or the shard's (sh->count > 0), sh filled for the roll-up. */
static int load(const char *file, struct tenant **out, size_t *n, struct mfa_rollup_shard *sh,
		struct mfa_err *err)
{
	struct mfa_tenant_entry *e = NULL;
	struct tenant *t = NULL;
	size_t count = 0, i;

	*out = NULL;
	*n = 0;
	if (mfa_tenants_file_load(&e, &count, file, err) < 0)
		return -1;
	if (sh->count) {
		sh->file_tenants = count;
		sh->file_digest = mfa_tenants_file_digest(e, count);
		mfa_tenants_file_shard(e, &count, sh->index, sh->count);
	}
	t = calloc(count ? count : 1, sizeof(*t));
	if (!t) {
		free(e);
		return mfa_err_set(err, "out of memory");
	}
	for (i = 0; i < count; i++) {
		memcpy(t[i].id, e[i].id, sizeof(t[i].id));
		memcpy(t[i].name, e[i].name, sizeof(t[i].name));
		memcpy(t[i].client, e[i].client, sizeof(t[i].client));
		memcpy(t[i].cert, e[i].cert, sizeof(t[i].cert));
		memcpy(t[i].graph, e[i].graph, sizeof(t[i].graph));
		memcpy(t[i].dir_name, e[i].dir_name, sizeof(t[i].dir_name));
		t[i].position = e[i].position;
		t[i].code = -1;
		t[i].out_fd = t[i].log_fd = -1;
	}
	free(e);
	*out = t;
	*n = count;
	return 0;
}

/* The options this module sets per tenant; the child gets every other
 * argument as it was given. */
static int is_option(const char *a, const char *name, int *takes_value);

static int overridden(const char *a, int *takes_value)
{
	if (is_option(a, "--shard", takes_value) || is_option(a, "--shard-count", takes_value))
		return 1; /* which tenants this run takes: not the audits' business */
	return is_option(a, "--tenants", takes_value) || is_option(a, "--out", takes_value) ||
	       is_option(a, "--workers", takes_value) || is_option(a, "--tenant", takes_value) ||
	       is_option(a, "--client-secret-file", takes_value) || is_option(a, "--secret-fd", takes_value) ||
	       is_option(a, "--notify-webhook", takes_value);
}

static int is_option(const char *a, const char *name, int *takes_value)
{
	size_t len = strlen(name);

	if (strncmp(a, name, len) != 0 || (a[len] != '\0' && a[len] != '='))
		return 0;
	*takes_value = a[len] == '\0';
	return 1;
}

/* Options a tenant's own line replaces. */
static int per_tenant_override(const struct tenant *t, const char *a, int *takes_value)
{
	return (t->client[0] && is_option(a, "--client-id", takes_value)) ||
	       (t->cert[0] && is_option(a, "--certificate", takes_value)) ||
	       (t->graph[0] && (is_option(a, "--graph-url", takes_value) ||
				is_option(a, "--login-url", takes_value)));
}

/* The child's stdout and stderr: files created in the roll-up folder
 * (held fd) with O_EXCL|O_NOFOLLOW, never opened by name again; the
 * stdout file loses its name at once, the log keeps "<name>.log.tmp"
 * until the audit ends (finish_log). Returns 0, or an errno value. */
static int open_outputs(struct tenant *t, const struct mfa_outdir *dir)
{
	struct mfa_err err = MFA_ERR_INIT;
	char name[320];

	snprintf(name, sizeof(name), "%s.out", t->dir_name);
	t->out_fd = mfa_create_at(dir->fd, dir->path, name, &err);
	if (t->out_fd < 0)
		return errno ? errno : EIO;
	unlinkat(dir->fd, name, 0);
	snprintf(name, sizeof(name), "%s.log.tmp", t->dir_name);
	t->log_fd = mfa_create_at(dir->fd, dir->path, name, &err);
	if (t->log_fd < 0) {
		int e = errno ? errno : EIO;

		close(t->out_fd);
		t->out_fd = -1;
		return e;
	}
	return 0;
}

/* The ended audit's log gets its name: fsynced, renamed within the
 * folder (a link planted at <name>.log is replaced, never followed). */
static void finish_log(struct tenant *t, const struct mfa_outdir *dir)
{
	char tmp[320], name[320];

	if (t->log_fd < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.log.tmp", t->dir_name);
	snprintf(name, sizeof(name), "%s.log", t->dir_name);
	if (fsync(t->log_fd) < 0 || renameat(dir->fd, tmp, dir->fd, name) < 0)
		unlinkat(dir->fd, tmp, 0);
	close(t->log_fd);
	t->log_fd = -1;
	if (t->out_fd >= 0)
		close(t->out_fd);
	t->out_fd = -1;
}

/* The read end of a pipe that holds o->secrets (written, write end
 * closed), at a descriptor above 9 so the file actions' dup2 to 1, 2 and 3
 * cannot clobber it. -1 with errno set; *fd -1 when there are none. */
static int secrets_pipe(const struct mfa_tenants_options *o, int *fd)
{
	int p[2], r = -1, e;
	size_t done = 0;

	*fd = -1;
	if (!o->secrets)
		return 0;
	if (o->secrets_len > 65536) {
		errno = E2BIG;
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	while (done < o->secrets_len) {
		ssize_t w = write(p[1], o->secrets + done, o->secrets_len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	close(p[1]);
	p[1] = -1;
	r = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
	if (r < 0)
		goto fail;
	close(p[0]);
	*fd = r;
	return 0;
fail:
	e = errno ? errno : EIO;
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	errno = e;
	return -1;
}

/* Starts the tenant's audit: its stdout (the folder it prints) and its
 * stderr go to files beside the roll-up (open_outputs), the secrets come
 * on descriptor 3 (secrets_pipe), and it inherits no other file
 * descriptor and only o->env. Returns 0, or an errno value. */
static int start(struct tenant *t, const struct mfa_tenants_options *o, const struct mfa_outdir *dir,
		 unsigned workers)
{
	static char *const no_env[] = { NULL };
	const char *rollup = dir->path;
	int argc = o->argc;
	char **argv = o->argv;
	const char *history = o->history;
	posix_spawn_file_actions_t fa;
	char **args = calloc((size_t)argc + 22, sizeof(*args));
	char wbuf[16], outdir[4400], fd3[] = "3";
	int i, k = 0, rc, sfd = -1;

	if (!args)
		return ENOMEM;
	args[k++] = "mfa-migrate";
	args[k++] = "audit";
	for (i = 1; i < argc; i++) {
		int takes = 0;

		if (overridden(argv[i], &takes) || per_tenant_override(t, argv[i], &takes)) {
			i += takes;
			continue;
		}
		args[k++] = argv[i];
	}
	args[k++] = "--tenant";
	args[k++] = t->id;
	if (t->client[0]) {
		args[k++] = "--client-id";
		args[k++] = t->client;
	}
	if (t->cert[0]) {
		args[k++] = "--certificate";
		args[k++] = t->cert;
	}
	if (t->graph[0]) {
		args[k++] = "--graph-url";
		args[k++] = t->graph;
		args[k++] = "--login-url";
		args[k++] = t->graph;
	}
	snprintf(wbuf, sizeof(wbuf), "%u", workers);
	args[k++] = "--workers";
	args[k++] = wbuf;
	snprintf(outdir, sizeof(outdir), "%s/%s", rollup, t->dir_name);
	if (!history) {
		args[k++] = "--out";
		args[k++] = outdir;
	}
	if (o->secrets) {
		args[k++] = "--secret-fd";
		args[k++] = fd3;
	}
	args[k] = NULL;
	if (secrets_pipe(o, &sfd) < 0) {
		rc = errno ? errno : EIO;
		free(args);
		return rc;
	}
	rc = open_outputs(t, dir);
	if (rc != 0) {
		if (sfd >= 0)
			close(sfd);
		free(args);
		return rc;
	}
	rc = posix_spawn_file_actions_init(&fa);
	if (rc == 0) {
		rc = posix_spawn_file_actions_adddup2(&fa, t->out_fd, STDOUT_FILENO);
		if (rc == 0)
			rc = posix_spawn_file_actions_adddup2(&fa, t->log_fd, STDERR_FILENO);
		if (rc == 0 && sfd >= 0)
			rc = posix_spawn_file_actions_adddup2(&fa, sfd, 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
		if (rc == 0)
			rc = posix_spawn_file_actions_addclosefrom_np(&fa, sfd >= 0 ? 4 : STDERR_FILENO + 1);
#endif
		if (rc == 0)
			rc = posix_spawn(&t->pid, o->program, &fa, NULL, args, o->env ? o->env : no_env);
		posix_spawn_file_actions_destroy(&fa);
	}
	if (sfd >= 0)
		close(sfd);
	free(args);
	if (rc != 0)
		finish_log(t, dir);
	return rc;
}

/* Worse first: an error, an interruption, failures, findings, nothing. */
static int rank(const struct mfa_tenants_codes *c, int code)
{
	if (code == c->done)
		return 0;
	if (code == c->findings)
		return 1;
	if (code == c->partial)
		return 2;
	if (code == c->interrupted)
		return 3;
	return 4;
}

static const char *outcome(const struct mfa_tenants_codes *c, int code)
{
	static const char *const names[] = { "done", "findings", "partial", "interrupted", "error" };

	return names[rank(c, code)];
}

/* The descriptor fd, read from its start (dup: fclose leaves fd open). */
static FILE *read_back(int fd)
{
	int d;
	FILE *f;

	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	f = d >= 0 ? fdopen(d, "r") : NULL;
	if (!f && d >= 0)
		close(d);
	return f;
}

/* The report folder a child printed on its stdout. */
static void read_folder(struct tenant *t)
{
	FILE *f = read_back(t->out_fd);

	if (!f)
		return;
	if (fgets(t->folder, sizeof(t->folder), f))
		t->folder[strcspn(t->folder, "\n")] = '\0';
	fclose(f);
}

/* Says the child's own lines again, prefixed with its tenant. */
static void relay_log(const struct tenant *t, const struct mfa_notify *notify)
{
	char line[2048];
	FILE *f = read_back(t->log_fd);

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *msg = strncmp(line, "mfa-migrate: ", 13) == 0 ? line + 13 : line;

		line[strcspn(line, "\n")] = '\0';
		mfa_notify(notify, strstr(line, "error:") ? MFA_LEVEL_RELAY_ERROR : MFA_LEVEL_RELAY,
			   "[%s] %s", t->name[0] ? t->name : t->id, msg);
	}
	fclose(f);
}

int mfa_tenants_run(struct mfa_tenants_result *res, const struct mfa_tenants_options *o)
{
	struct mfa_err *err = &res->err;
	const struct mfa_tenants_codes *c = &o->codes;
	struct mfa_outdir dir = MFA_OUTDIR_INIT;
	struct tenant *t = NULL;
	struct mfa_rollup_tenant *rows = NULL;
	struct mfa_rollup_shard shard = { o->shard_index, o->shard_count, 0, 0, NULL };
	size_t *positions = NULL;
	size_t n = 0, next = 0, running = 0, i;
	unsigned total = o->workers ? o->workers : 256, at_once, each;
	int worst = c->done, rc = -1;

	memset(res, 0, sizeof(*res));
	if (load(o->file, &t, &n, &shard, err) < 0)
		goto cleanup;
	dir.allow_shared = o->allow_shared_out;
	if (mfa_outdir_make(&dir, o->out, "audit-tenants", err) < 0)
		goto cleanup;
	dir.keep = true;
	/* Each tenant has budgets of its own; what is shared is this
	 * machine's in-flight requests: split the workers among the tenants. */
	at_once = total / WORKERS_PER_TENANT;
	if (at_once < 1)
		at_once = 1;
	if (at_once > n)
		at_once = n ? (unsigned)n : 1;
	each = total / at_once;
	if (each < 1)
		each = 1;
	if (shard.count)
		mfa_notify(&o->notify, MFA_LEVEL_NOTE, "shard %u/%u: %zu of the file's %zu tenants",
			   shard.index, shard.count, n, shard.file_tenants);
	mfa_notify(&o->notify, MFA_LEVEL_NOTE, "auditing %zu tenants, %u at a time with %u workers each",
		   n, at_once, each);
	while (next < n || running) {
		int status, e;
		pid_t pid;

		while (next < n && running < at_once) {
			e = start(&t[next], o, &dir, each);
			if (e != 0) {
				t[next].pid = -1;
				t[next].code = c->error;
				mfa_notify(&o->notify, MFA_LEVEL_ERROR, "[%s] cannot start its audit: %s",
					   t[next].id, strerror(e));
			} else {
				running++;
			}
			next++;
		}
		if (!running)
			break;
		pid = wait(&status);
		if (pid < 0)
			break;
		for (i = 0; i < next; i++) {
			if (t[i].pid != pid)
				continue;
			t[i].code = WIFEXITED(status) ? WEXITSTATUS(status) : c->error;
			running--;
			read_folder(&t[i]);
			relay_log(&t[i], &o->notify);
			finish_log(&t[i], &dir);
		}
	}
	rows = calloc(n ? n : 1, sizeof(*rows));
	positions = calloc(n ? n : 1, sizeof(*positions));
	if (!rows || !positions) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (rank(c, t[i].code) > rank(c, worst))
			worst = t[i].code;
		rows[i].id = t[i].id;
		rows[i].name = t[i].name;
		rows[i].outcome = outcome(c, t[i].code);
		rows[i].exit_code = t[i].code;
		rows[i].folder = t[i].folder;
		positions[i] = t[i].position;
	}
	shard.positions = positions;
	if (mfa_rollup_write_shard(dir.path, rows, n, outcome(c, worst), worst,
				   shard.count ? &shard : NULL, err) < 0)
		goto cleanup;
	snprintf(res->out_path, sizeof(res->out_path), "%s", dir.path);
	res->worst_code = worst;
	rc = 0;
cleanup:
	for (i = 0; t && i < n; i++)
		finish_log(&t[i], &dir);
	free(rows);
	free(positions);
	free(t);
	mfa_outdir_release(&dir);
	return rc;
}
