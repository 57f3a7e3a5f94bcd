/* completion.h - `mfa-migrate completion bash|zsh|fish` (commands.h's
 * cmd_completion): tab-completion scripts made from the command table and
 * each command's option tables (commands.h), the ones --help prints. What
 * they offer: the commands, each command's options, files or folders where
 * an option or a command's operand takes one, the shells for `completion`.
 * The build writes all three into the build tree and installs each where
 * its shell looks (CMakeLists.txt). Everything is written to out; stdio
 * errors are the caller's to check (ferror). */
#ifndef MFA_CLI_COMPLETION_H
#define MFA_CLI_COMPLETION_H

#include "cli/commands.h"

#include <stdio.h>

/* "bash", "zsh", "fish", NULL: what `completion` takes. */
extern const char *const cli_completion_shells[];

void cli_completion_bash(FILE *out);
void cli_completion_zsh(FILE *out);
void cli_completion_fish(FILE *out);

/* What a value is, from its metavar: a folder (DIR, RUN_DIR), a file
 * (FILE, or a path named by its kind: PLAN, JOURNAL, PREVIOUS), else
 * nothing to offer (a number, a list, an id). */
enum cli_hint { CLI_HINT_NONE, CLI_HINT_FILE, CLI_HINT_DIR };
enum cli_hint cli_completion_hint(const char *metavar);

/* A command's operand, the word after its name in the synopsis when that
 * is a metavar (apply PLAN, notify RUN_DIR): *has set, and its hint (a
 * file unless the metavar says a folder). */
enum cli_hint cli_completion_operand(const struct cli_command *c, int *has);

/* Calls fn for each option of usage once (a name in two groups counts
 * once), in --help's order, then for -h/--help. ctx is fn's. */
typedef void (*cli_completion_fn)(FILE *out, const struct cli_option *o, const void *ctx);
void cli_completion_each_option(FILE *out, const struct cli_usage *u, cli_completion_fn fn, const void *ctx);

/* Writes s for inside single quotes: sh and zsh ('\''), or fish (\' and
 * \\); newlines as spaces; zsh_desc: also escapes [ ] : \ as _arguments
 * wants them in an option's description. */
void cli_completion_quote(FILE *out, const char *s, int fish, int zsh_desc);

#endif
