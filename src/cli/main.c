/* main.c - mfa-migrate: the command table. */
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/msg.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef MFA_VERSION
#define MFA_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "plan", cmd_plan, "plan the move to Conditional Access, or (--target) another state for chosen users (plan.jsonl)" },
	{ "audit", cmd_audit, "classify every user and report findings (scheduled compliance runs)" },
	{ "apply", cmd_apply, "run a reviewed plan: set per-user MFA to its target, journalled (resumable)" },
	{ "rollback", cmd_rollback, "put every user an apply changed back to its previous state" },
	{ "notify", cmd_notify, "tell the users a plan or an apply changes: notify.csv, .eml messages, sendMail" },
	{ "rollup", cmd_rollup, "merge the roll-ups of the shards of one 'audit --tenants --shard I/N' run into one" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: mfa-migrate <command> [options]\n\n"
		   "Moves a Microsoft Entra ID tenant off per-user MFA and onto Conditional Access,\n"
		   "and audits where a tenant stands.\n\ncommands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n'mfa-migrate <command> --help' describes a command's options.\n"
		   "exit codes: 0 done, 1 error, 2 usage, 3 audit findings matched --fail-on,\n"
		   "            4 some changes failed, 130 interrupted\n");
}

int main(int argc, char **argv)
{
	const struct command *c;

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
	for (c = commands; c->name; c++) {
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
	}
	errorf("unknown command '%s' (see 'mfa-migrate --help')", argv[1]);
	return EXIT_USAGE;
}
