/* commands.h - one function per subcommand (cmd_*.c). Each takes the
 * arguments after the program name (argv[0] is the command) and returns
 * an exit code (exitcodes.h). */
#ifndef MFA_CLI_COMMANDS_H
#define MFA_CLI_COMMANDS_H

int cmd_plan(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_rollup(int argc, char **argv);

struct cli_usage;
/* rollup's option table and text (what its --help prints). */
extern const struct cli_usage cli_rollup_usage;

#endif
