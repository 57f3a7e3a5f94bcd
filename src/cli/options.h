/* options.h - a command's option table, which also writes its --help
 * (libgit2's CLI style: one table, two uses). */
#ifndef MFA_CLI_OPTIONS_H
#define MFA_CLI_OPTIONS_H

#include <stdbool.h>

/* CLI_OPTIONAL_NUM: an optional whole number, "--name=N" or "--name N"
 * when the next word is all digits; value NULL when none was given. */
enum cli_arg { CLI_NO_ARG = 0, CLI_ARG, CLI_OPTIONAL_NUM };

struct cli_option {
	const char *name;     /* long name without "--" */
	char short_name;      /* 0 for none */
	enum cli_arg arg;
	const char *metavar;  /* e.g. "FILE" */
	const char *help;
	int id;               /* what cli_parse hands back */
};

/* A group of options under a title in --help; opts ends with a NULL name.
 * A command's options are a NULL-terminated list of groups, so groups
 * shared by several commands (sign-in, output) are written once. */
struct cli_group {
	const char *title;
	const struct cli_option *opts;
};

/* What a command knows of its usage, for --help. */
struct cli_usage {
	const char *synopsis;
	const char *description;
	const struct cli_group *const *groups;
};

/* Called for each option found; value is NULL for flags. Return 0 to go
 * on, negative to stop with a usage error (after printing it). */
typedef int (*cli_option_fn)(void *ctx, int id, const char *value);

/* Parses argv (argv[0] is the command name). Handles --help itself
 * (prints usage and returns 1). Non-option words are passed with id 0.
 * Returns 0, 1 for --help, or -1 for a usage error (already printed). */
int cli_parse(int argc, char **argv, const struct cli_usage *usage, cli_option_fn fn, void *ctx);

void cli_print_help(const struct cli_usage *usage);

/* -h, --help: every command has it (cli_parse answers it itself). */
extern const struct cli_option cli_help_option;

/* Parses a whole positive number for option `name`; prints the usage error. */
int cli_parse_count(const char *name, const char *value, unsigned long max, unsigned long *out);

#endif
