/* commands.h - one function per subcommand (cmd_*.c). Each takes the
 * arguments after the program name (argv[0] is the command) and returns
 * an exit code (exitcodes.h). */
#ifndef MFA_CLI_COMMANDS_H
#define MFA_CLI_COMMANDS_H

#include "cli/options.h"

int cmd_plan(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_rollup(int argc, char **argv);
int cmd_completion(int argc, char **argv);

/* Each command's option tables and text (what its --help prints), for
 * the generated man page and completions (manpage.c, completion.c). */
extern const struct cli_usage cli_apply_usage;
extern const struct cli_usage cli_rollback_usage;
extern const struct cli_usage cli_notify_usage;
extern const struct cli_usage cli_completion_usage;
extern const struct cli_usage cli_rollup_usage;

/* The command table (main.c): one row per command, ended by a NULL name.
 * Everything that lists the commands (--help, --help-man, completion)
 * walks it, so a command added here is documented and completed. */
struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const struct cli_usage *usage;
};

extern const struct cli_command cli_commands[];

/* The top-level text of --help, shared with the man page. */
extern const char cli_about[];      /* what the tool does */
extern const char cli_exit_codes[]; /* "N meaning" lines */
/* The options before a command (--help, --version, --help-man), ended by
 * a NULL name; only their names and help are used. */
extern const struct cli_option cli_top_options[];

#endif
