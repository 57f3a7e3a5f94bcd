/* completion.c - `mfa-migrate completion bash|zsh|fish`: a tab-completion
 * script made from the command table and each command's option tables
 * (commands.h), the ones --help prints: commands, each command's options,
 * files or folders where the metavar names one, the shells here. The build
 * installs the three scripts where each shell looks (CMakeLists.txt). */
#include "cli/completion.h"

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const cli_completion_shells[] = { "bash", "zsh", "fish", NULL };

static const struct cli_group *const no_groups[] = { NULL };

const struct cli_usage cli_completion_usage = {
	"mfa-migrate completion bash|zsh|fish",
	"Prints a tab-completion script for the shell named: the commands, each\n"
	"command's options, and files or folders where an option takes one. The\n"
	"package installs all three; without it, e.g. in ~/.bashrc:\n"
	"  source <(mfa-migrate completion bash)",
	no_groups,
};

enum cli_hint cli_completion_hint(const char *metavar)
{
	static const char *const files[] = { "FILE", "PLAN", "JOURNAL", "PREVIOUS", NULL };
	size_t i;

	if (!metavar)
		return CLI_HINT_NONE;
	if (strstr(metavar, "DIR"))
		return CLI_HINT_DIR;
	for (i = 0; files[i]; i++) {
		if (strstr(metavar, files[i]))
			return CLI_HINT_FILE;
	}
	return CLI_HINT_NONE;
}

enum cli_hint cli_completion_operand(const struct cli_command *c, int *has)
{
	const char *s = c->usage->synopsis;
	const char *p = strstr(s, c->name);
	char word[32];

	*has = 0;
	if (!p || p[strlen(c->name)] != ' ')
		return CLI_HINT_NONE;
	p += strlen(c->name) + 1;
	if (*p < 'A' || *p > 'Z')
		return CLI_HINT_NONE;
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(p, " "), p);
	*has = 1;
	return cli_completion_hint(word) == CLI_HINT_NONE ? CLI_HINT_FILE : cli_completion_hint(word);
}

static int seen_before(const struct cli_usage *u, const struct cli_option *o)
{
	const struct cli_group *const *g;
	const struct cli_option *e;

	for (g = u->groups; *g; g++) {
		for (e = (*g)->opts; e->name; e++) {
			if (e == o)
				return 0;
			if (strcmp(e->name, o->name) == 0)
				return 1;
		}
	}
	return 0;
}

void cli_completion_each_option(FILE *out, const struct cli_usage *u, cli_completion_fn fn, const void *ctx)
{
	const struct cli_group *const *g;
	const struct cli_option *o;

	for (g = u->groups; *g; g++) {
		for (o = (*g)->opts; o->name; o++) {
			if (!seen_before(u, o))
				fn(out, o, ctx);
		}
	}
	fn(out, &cli_help_option, ctx);
}

/* Text inside single quotes, for sh/zsh ('\'') or fish (\' and \\); zsh's
 * _arguments also wants its brackets and colons escaped in descriptions. */
void cli_completion_quote(FILE *out, const char *s, int fish, int zsh_desc)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs(fish ? "\\'" : "'\\''", out);
		else if (fish && *s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputc(' ', out);
		else if (zsh_desc && (*s == '[' || *s == ']' || *s == ':' || *s == '\\'))
			fprintf(out, "\\%c", *s);
		else
			fputc(*s, out);
	}
}

struct completion_args {
	const char *shell;
	int words;
};

static int on_word(void *ctx, int id, const char *value)
{
	struct completion_args *a = ctx;

	(void)id; /* no options: only words come here */
	a->words++;
	a->shell = value;
	return 0;
}

int cmd_completion(int argc, char **argv)
{
	static void (*const writers[])(FILE *) = { cli_completion_bash, cli_completion_zsh, cli_completion_fish };
	struct completion_args a = { NULL, 0 };
	size_t i;
	int rc = cli_parse(argc, argv, &cli_completion_usage, on_word, &a);

	if (rc != 0)
		return rc > 0 ? EXIT_DONE : EXIT_USAGE;
	for (i = 0; a.words == 1 && cli_completion_shells[i]; i++) {
		if (strcmp(a.shell, cli_completion_shells[i]) == 0)
			break;
	}
	if (a.words != 1) {
		errorf("completion: name one shell: bash, zsh or fish");
		return EXIT_USAGE;
	}
	if (!cli_completion_shells[i]) {
		errorf("completion: unknown shell '%s': use bash, zsh or fish", a.shell);
		return EXIT_USAGE;
	}
	writers[i](stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errorf("cannot write the %s completion script: %s (is the disk full?)", cli_completion_shells[i], strerror(errno));
		return EXIT_ERROR;
	}
	return EXIT_DONE;
}
