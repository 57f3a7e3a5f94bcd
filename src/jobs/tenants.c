/* tenants.c - one audit per tenant, in parallel processes, and the roll-up
 * (tenants.h). */
#include "jobs/tenants.h"

#include "cli/exitcodes.h"
#include "cli/msg.h"
#include "jobs/outdir.h"
#include "mfa/model/classify.h"
#include "mfa/util/outfile.h"
#include "util/jsonfile.h"
#include "util/runpath.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define MAX_TENANTS 1000
#define WORKERS_PER_TENANT 4

struct tenant {
	char id[256], name[256], client[256], cert[1024], graph[1024];
	char dir_name[300];   /* safe for a file name */
	pid_t pid;
	int code;             /* exit code; -1 while running */
	char folder[4096];    /* its report folder, from its stdout */
};

/* Splits a line at commas into up to n trimmed fields. */
static int split(char *line, char **fields, int n)
{
	int k = 0;
	char *p = line;

	while (k < n) {
		char *comma = strchr(p, ',');
		char *end;

		if (comma)
			*comma = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
			*--end = '\0';
		fields[k++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
	return k;
}

static int load(const char *file, struct tenant **out, size_t *n)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0, count = 0;
	unsigned long lineno = 0;
	struct tenant *t = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	int rc = -1;

	if (!f) {
		errorf("cannot open '%s': %s", file, strerror(errno));
		return -1;
	}
	t = calloc(MAX_TENANTS, sizeof(*t));
	if (!t) {
		errorf("out of memory");
		goto cleanup;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *fields[5] = { NULL };
		int k, i;

		lineno++;
		k = split(line, fields, 5);
		if (k == 0 || !fields[0][0] || fields[0][0] == '#')
			continue;
		if (count == MAX_TENANTS) {
			errorf("%s:%lu: more than %d tenants", file, lineno, MAX_TENANTS);
			goto cleanup;
		}
		snprintf(t[count].id, sizeof(t[count].id), "%s", fields[0]);
		if (k > 1)
			snprintf(t[count].name, sizeof(t[count].name), "%s", fields[1]);
		if (k > 2)
			snprintf(t[count].client, sizeof(t[count].client), "%s", fields[2]);
		if (k > 3)
			snprintf(t[count].cert, sizeof(t[count].cert), "%s", fields[3]);
		if (k > 4)
			snprintf(t[count].graph, sizeof(t[count].graph), "%s", fields[4]);
		/* Its folder is made from the line: a name like ".." would put
		 * that audit's reports outside the roll-up. */
		if (mfa_runpath_safe_name(t[count].dir_name, sizeof(t[count].dir_name) - 8,
					  t[count].id, &err) < 0) {
			errorf("%s:%lu: %s", file, lineno, err.msg);
			goto cleanup;
		}
		/* The same tenant twice (two apps, two clouds) gets two folders. */
		for (i = 0; i < (int)count; i++) {
			if (strcmp(t[i].dir_name, t[count].dir_name) == 0) {
				size_t len = strlen(t[count].dir_name);

				snprintf(t[count].dir_name + len, sizeof(t[count].dir_name) - len, "-%zu",
					 count + 1);
				break;
			}
		}
		t[count].code = -1;
		count++;
	}
	if (count == 0) {
		errorf("'%s' names no tenant (one per line: tenant[,name[,client id[,certificate[,graph url]]]])",
		       file);
		goto cleanup;
	}
	*out = t;
	t = NULL;
	*n = count;
	rc = 0;
cleanup:
	free(line);
	free(t);
	fclose(f);
	return rc;
}

/* The options this module sets per tenant; the child gets every other
 * argument as it was given. */
static int is_option(const char *a, const char *name, int *takes_value);

static int overridden(const char *a, int *takes_value)
{
	return is_option(a, "--tenants", takes_value) || is_option(a, "--out", takes_value) ||
	       is_option(a, "--workers", takes_value) || is_option(a, "--tenant", takes_value);
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

static pid_t start(struct tenant *t, int argc, char **argv, const char *rollup, unsigned workers,
		   const char *history)
{
	char **args = calloc((size_t)argc + 20, sizeof(*args));
	char wbuf[16], outdir[4400], log[4400], outfile[4400];
	int i, k = 0, fd_out, fd_err;
	pid_t pid;

	if (!args)
		return -1;
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
	args[k] = NULL;
	snprintf(log, sizeof(log), "%s/%s.log", rollup, t->dir_name);
	snprintf(outfile, sizeof(outfile), "%s/%s.out", rollup, t->dir_name);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		fd_out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		fd_err = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd_out < 0 || fd_err < 0 || dup2(fd_out, 1) < 0 || dup2(fd_err, 2) < 0)
			_exit(EXIT_ERROR);
		execv("/proc/self/exe", args);
		_exit(EXIT_ERROR);
	}
	free(args);
	return pid;
}

/* Worse first: an error, an interruption, failures, findings, nothing. */
static int rank(int code)
{
	switch (code) {
	case EXIT_DONE: return 0;
	case EXIT_FINDINGS: return 1;
	case EXIT_PARTIAL: return 2;
	case EXIT_INTERRUPTED: return 3;
	default: return 4;
	}
}

static const char *outcome(int code)
{
	switch (code) {
	case EXIT_DONE: return "done";
	case EXIT_FINDINGS: return "findings";
	case EXIT_PARTIAL: return "partial";
	case EXIT_INTERRUPTED: return "interrupted";
	default: return "error";
	}
}

/* The tenant's own summary.json, or NULL (it failed before writing one). */
static cJSON *tenant_summary(const struct tenant *t)
{
	struct mfa_err err = MFA_ERR_INIT;
	char path[4200];
	cJSON *doc = NULL;

	if (!t->folder[0])
		return NULL;
	snprintf(path, sizeof(path), "%s/summary.json", t->folder);
	if (mfa_jsonfile_read(&doc, path, &err) < 0)
		return NULL;
	return doc;
}

static double num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *const state_cols[] = { "disabled", "enabled", "enforced", "enabled-or-enforced",
					  "unknown" };
#define NSTATES (sizeof(state_cols) / sizeof(state_cols[0]))

static int write_rollup(const char *dir, struct tenant *t, size_t n, int worst)
{
	struct mfa_err err = MFA_ERR_INIT;
	cJSON *root = cJSON_CreateObject(), *arr, *tot;
	char *xtmp = NULL, *xfinal = NULL;
	lxw_workbook *wb = NULL;
	lxw_worksheet *ws;
	lxw_format *bold;
	double totals[NSTATES + 3] = { 0 };
	size_t i, j;
	int rc = -1;

	if (!root)
		goto cleanup;
	cJSON_AddStringToObject(root, "kind", "mfa-migrate-rollup");
	cJSON_AddNumberToObject(root, "formatVersion", 1);
	cJSON_AddStringToObject(root, "worstOutcome", outcome(worst));
	cJSON_AddNumberToObject(root, "exitCode", worst);
	arr = cJSON_AddArrayToObject(root, "tenants");
	xtmp = mfa_path_join(dir, "report.xlsx.tmp");
	xfinal = mfa_path_join(dir, "report.xlsx");
	wb = xtmp ? workbook_new(xtmp) : NULL;
	if (!wb) {
		errorf("cannot create '%s'", xtmp ? xtmp : "report.xlsx");
		goto cleanup;
	}
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	ws = workbook_add_worksheet(wb, "Tenants");
	{
		static const char *const head[] = { "tenant", "name", "outcome", "exit code", "users" };
		for (j = 0; j < 5; j++)
			worksheet_write_string(ws, 0, (lxw_col_t)j, head[j], bold);
		for (j = 0; j < NSTATES; j++)
			worksheet_write_string(ws, 0, (lxw_col_t)(5 + j), state_cols[j], bold);
		worksheet_write_string(ws, 0, (lxw_col_t)(5 + NSTATES), "high risk", bold);
		worksheet_write_string(ws, 0, (lxw_col_t)(6 + NSTATES), "medium risk", bold);
		worksheet_write_string(ws, 0, (lxw_col_t)(7 + NSTATES), "report folder", bold);
		worksheet_set_column(ws, 0, 0, 40, NULL);
		worksheet_set_column(ws, 1, 1, 24, NULL);
		worksheet_set_column(ws, (lxw_col_t)(7 + NSTATES), (lxw_col_t)(7 + NSTATES), 60, NULL);
		worksheet_freeze_panes(ws, 1, 0);
	}
	for (i = 0; i < n; i++) {
		cJSON *s = tenant_summary(&t[i]), *o = cJSON_CreateObject();
		lxw_row_t row = (lxw_row_t)(i + 1);

		cJSON_AddStringToObject(o, "tenant", t[i].id);
		cJSON_AddStringToObject(o, "name", t[i].name);
		cJSON_AddStringToObject(o, "outcome", outcome(t[i].code));
		cJSON_AddNumberToObject(o, "exitCode", t[i].code);
		cJSON_AddStringToObject(o, "folder", t[i].folder);
		worksheet_write_string(ws, row, 0, t[i].id, NULL);
		worksheet_write_string(ws, row, 1, t[i].name, NULL);
		worksheet_write_string(ws, row, 2, outcome(t[i].code), NULL);
		worksheet_write_number(ws, row, 3, t[i].code, NULL);
		worksheet_write_string(ws, row, (lxw_col_t)(7 + NSTATES), t[i].folder, NULL);
		if (s) {
			cJSON_AddNumberToObject(o, "users", num(s, "users", NULL));
			cJSON_AddItemToObject(o, "byState", cJSON_Duplicate(cJSON_GetObjectItem(s, "byState"), 1));
			cJSON_AddItemToObject(o, "byRisk", cJSON_Duplicate(cJSON_GetObjectItem(s, "byRisk"), 1));
			cJSON_AddItemToObject(o, "byFinding",
					      cJSON_Duplicate(cJSON_GetObjectItem(s, "byFinding"), 1));
			if (cJSON_GetObjectItem(s, "changes"))
				cJSON_AddItemToObject(o, "changes",
						      cJSON_Duplicate(cJSON_GetObjectItem(s, "changes"), 1));
			worksheet_write_number(ws, row, 4, num(s, "users", NULL), NULL);
			totals[0] += num(s, "users", NULL);
			for (j = 0; j < NSTATES; j++) {
				double v = num(s, "byState", state_cols[j]);
				worksheet_write_number(ws, row, (lxw_col_t)(5 + j), v, NULL);
				totals[1 + j] += v;
			}
			worksheet_write_number(ws, row, (lxw_col_t)(5 + NSTATES), num(s, "byRisk", "high"), NULL);
			worksheet_write_number(ws, row, (lxw_col_t)(6 + NSTATES), num(s, "byRisk", "medium"), NULL);
			totals[1 + NSTATES] += num(s, "byRisk", "high");
			totals[2 + NSTATES] += num(s, "byRisk", "medium");
			cJSON_Delete(s);
		}
		cJSON_AddItemToArray(arr, o);
	}
	worksheet_write_string(ws, (lxw_row_t)(n + 1), 0, "all tenants", bold);
	worksheet_write_number(ws, (lxw_row_t)(n + 1), 4, totals[0], bold);
	for (j = 0; j < NSTATES + 2; j++)
		worksheet_write_number(ws, (lxw_row_t)(n + 1), (lxw_col_t)(5 + j), totals[1 + j], bold);
	worksheet_autofilter(ws, 0, 0, (lxw_row_t)n, (lxw_col_t)(7 + NSTATES));
	tot = cJSON_AddObjectToObject(root, "allTenants");
	cJSON_AddNumberToObject(tot, "users", totals[0]);
	for (j = 0; j < NSTATES; j++)
		cJSON_AddNumberToObject(tot, state_cols[j], totals[1 + j]);
	cJSON_AddNumberToObject(tot, "highRisk", totals[1 + NSTATES]);
	cJSON_AddNumberToObject(tot, "mediumRisk", totals[2 + NSTATES]);
	if (workbook_close(wb) != LXW_NO_ERROR) {
		wb = NULL;
		errorf("cannot write '%s'", xtmp);
		goto cleanup;
	}
	wb = NULL;
	if (chmod(xtmp, 0600) < 0 || rename(xtmp, xfinal) < 0) {
		errorf("cannot move '%s' into place", xtmp);
		goto cleanup;
	}
	if (mfa_jsonfile_write(dir, "summary.json", root, &err) < 0) {
		errorf("%s", err.msg);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (wb)
		workbook_close(wb);
	free(xtmp);
	free(xfinal);
	cJSON_Delete(root);
	return rc;
}

/* The report folder a child printed on its stdout. */
static void read_folder(struct tenant *t, const char *rollup)
{
	char path[4400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.out", rollup, t->dir_name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(t->folder, sizeof(t->folder), f))
		t->folder[strcspn(t->folder, "\n")] = '\0';
	fclose(f);
	unlink(path);
}

/* Says the child's own lines again, prefixed with its tenant. */
static void relay_log(const struct tenant *t, const char *rollup)
{
	char path[4400], line[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.log", rollup, t->dir_name);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *msg = strncmp(line, "mfa-migrate: ", 13) == 0 ? line + 13 : line;

		if (cli_verbosity() >= CLI_NORMAL || strstr(line, "error:"))
			fprintf(stderr, "mfa-migrate: [%s] %s", t->name[0] ? t->name : t->id, msg);
	}
	fclose(f);
}

int cli_tenants_run(int argc, char **argv, const char *file, const char *out, unsigned workers,
		    const char *history)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct cli_outdir dir = CLI_OUTDIR_INIT;
	struct tenant *t = NULL;
	size_t n = 0, next = 0, running = 0, i;
	unsigned total = workers ? workers : 16, at_once, each;
	int worst = EXIT_DONE, code = EXIT_ERROR;

	if (load(file, &t, &n) < 0)
		return EXIT_ERROR;
	if (cli_outdir_make(&dir, out, "audit-tenants", &err) < 0) {
		errorf("%s", err.msg);
		goto cleanup;
	}
	dir.keep = true;
	/* Each tenant has budgets of its own; what is shared is this
	 * machine's in-flight requests: split --workers among the tenants. */
	at_once = total / WORKERS_PER_TENANT;
	if (at_once < 1)
		at_once = 1;
	if (at_once > n)
		at_once = (unsigned)n;
	each = total / at_once;
	if (each < 1)
		each = 1;
	notef("auditing %zu tenants, %u at a time with %u workers each", n, at_once, each);
	while (next < n || running) {
		int status;
		pid_t pid;

		while (next < n && running < at_once) {
			t[next].pid = start(&t[next], argc, argv, dir.path, each, history);
			if (t[next].pid < 0) {
				t[next].code = EXIT_ERROR;
				errorf("[%s] cannot start its audit: %s", t[next].id, strerror(errno));
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
			t[i].code = WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_ERROR;
			running--;
			read_folder(&t[i], dir.path);
			relay_log(&t[i], dir.path);
		}
	}
	for (i = 0; i < n; i++) {
		if (rank(t[i].code) > rank(worst))
			worst = t[i].code;
	}
	if (write_rollup(dir.path, t, n, worst) < 0)
		goto cleanup;
	printf("%s\n", dir.path);
	code = worst;
cleanup:
	free(t);
	cli_outdir_release(&dir);
	return code;
}
