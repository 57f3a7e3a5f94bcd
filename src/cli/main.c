/* main.c - mfa-migrate: the command table. */
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/manpage.h"
#include "cli/msg.h"
#include "cli/scan_opts.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef MFA_VERSION
#error "MFA_VERSION comes from project(VERSION) in CMakeLists.txt"
#endif

const struct cli_command cli_commands[] = {
	{ "plan", cmd_plan, "plan the move to Conditional Access, or (--target) another state for chosen users (plan.jsonl)", &cli_plan_usage },
	{ "audit", cmd_audit, "classify every user and report findings (scheduled compliance runs)", &cli_audit_usage },
	{ "apply", cmd_apply, "run a reviewed plan: set per-user MFA to its target, journalled (resumable)", &cli_apply_usage },
	{ "rollback", cmd_rollback, "put every user an apply changed back to its previous state", &cli_rollback_usage },
	{ "notify", cmd_notify, "tell the users a plan or an apply changes: notify.csv, .eml messages, sendMail", &cli_notify_usage },
	{ "rollup", cmd_rollup, "merge the roll-ups of the shards of one 'audit --tenants --shard I/N' run into one", &cli_rollup_usage },
	{ "completion", cmd_completion, "print a tab-completion script for bash, zsh or fish", &cli_completion_usage },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_option cli_top_options[] = {
	{ "help", 'h', CLI_NO_ARG, NULL, "list the commands", 0 },
	{ "version", 0, CLI_NO_ARG, NULL, "print the version", 0 },
	{ "help-man", 0, CLI_NO_ARG, NULL, "print this manual page (roff), made from the same tables as --help", 0 },
	{ NULL, 0, 0, NULL, NULL, 0 },
};

const char cli_about[] =
	"Moves a Microsoft Entra ID tenant off per-user MFA and onto Conditional Access,\n"
	"and audits where a tenant stands.";

const char cli_exit_codes[] =
	"0 done\n1 error\n2 usage\n3 audit findings matched --fail-on\n"
	"4 some changes failed\n130 interrupted\n";

static void usage(FILE *f)
{
	const struct cli_command *c;
	const struct cli_option *o;
	const char *p;

	fprintf(f, "usage: mfa-migrate <command> [options]\n\n%s\n\ncommands:\n", cli_about);
	for (c = cli_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n'mfa-migrate <command> --help' describes a command's options.\n");
	for (o = cli_top_options; o->name; o++)
		fprintf(f, "%s--%s", o == cli_top_options ? "other: mfa-migrate " : " | ", o->name);
	fprintf(f, "\nexit codes:");
	for (p = cli_exit_codes; *p; p = strchr(p, '\n') + 1)
		fprintf(f, "%s%.*s", p == cli_exit_codes ? " " : ", ", (int)strcspn(p, "\n"), p);
	fprintf(f, "\n");
}

int main(int argc, char **argv)
{
	const struct cli_command *c;

	/* Every file this process creates holds personal data: owner only. */
	umask(077);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_DONE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("mfa-migrate %s\n", MFA_VERSION);
		return EXIT_DONE;
	}
	if (strcmp(argv[1], "--help-man") == 0)
		return cli_manpage_write(stdout, MFA_VERSION) < 0 ? EXIT_ERROR : EXIT_DONE;
	for (c = cli_commands; c->name; c++) {
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
	}
	errorf("unknown command '%s' (see 'mfa-migrate --help')", argv[1]);
	return EXIT_USAGE;
}
