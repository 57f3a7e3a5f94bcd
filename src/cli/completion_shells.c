/* completion_shells.c - the bash, zsh and fish scripts (completion.h). */
#include "cli/completion.h"

#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

/* "bash zsh fish" between before and after: what `completion` takes. */
static void shell_words(FILE *out, const char *before, const char *after)
{
	size_t i;

	fputs(before, out);
	for (i = 0; cli_completion_shells[i]; i++)
		fprintf(out, "%s%s", i ? " " : "", cli_completion_shells[i]);
	fputs(after, out);
}

/* bash */

static void bash_word(FILE *out, const struct cli_option *o, const void *ctx)
{
	(void)ctx;
	if (o->short_name)
		fprintf(out, " -%c", o->short_name);
	fprintf(out, " --%s", o->name);
}

/* "--a|--b" for the options whose value is of the hint wanted. */
struct bash_case {
	enum cli_hint want;
	int n;
};

static void bash_case(FILE *out, const struct cli_option *o, const void *ctx)
{
	struct bash_case *bc = (struct bash_case *)ctx;

	if (o->arg && cli_completion_hint(o->metavar) == bc->want)
		fprintf(out, "%s--%s", bc->n++ ? "|" : "\t\t", o->name);
}

void cli_completion_bash(FILE *out)
{
	static const char *const actions[] = { ":", "_mfa_migrate_files", "_mfa_migrate_dirs" };
	const struct cli_command *c;
	const struct cli_option *o;
	enum cli_hint h;
	int has;

	fputs("# bash completion for mfa-migrate (made by 'mfa-migrate completion bash'\n"
	      "# from the tables that print --help: do not edit)\n"
	      "_mfa_migrate_files() { compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); }\n"
	      "_mfa_migrate_dirs() { compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- \"$cur\"); }\n"
	      "_mfa_migrate()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= opts= operand= i\n"
	      "\tCOMPREPLY=()\n"
	      "\t(( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\t# --opt=value: bash splits at the '='\n"
	      "\tif [[ $cur == = ]]; then cur=; fi\n"
	      "\tif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
	      "\tif (( COMP_CWORD == 1 )); then\n"
	      "\t\tmapfile -t COMPREPLY < <(compgen -W '", out);
	for (c = cli_commands; c->name; c++)
		fprintf(out, "%s ", c->name);
	for (o = cli_top_options; o->name; o++)
		fprintf(out, "--%s%s", o->name, o[1].name ? " " : "");
	fputs("' -- \"$cur\")\n\t\treturn 0\n\tfi\n\tcase ${COMP_WORDS[1]} in\n", out);
	for (c = cli_commands; c->name; c++) {
		fprintf(out, "\t%s)\n\t\tcase $prev in\n", c->name);
		for (h = CLI_HINT_NONE; h <= CLI_HINT_DIR; h++) {
			struct bash_case bc = { h, 0 };

			cli_completion_each_option(out, c->usage, bash_case, &bc);
			if (bc.n)
				fprintf(out, ") %s; return 0 ;;\n", actions[h]);
		}
		fputs("\t\tesac\n\t\topts='", out);
		cli_completion_each_option(out, c->usage, bash_word, NULL);
		fputs("'\n", out);
		h = cli_completion_operand(c, &has);
		if (has)
			fprintf(out, "\t\toperand=%s\n", h == CLI_HINT_DIR ? "_mfa_migrate_dirs" : "_mfa_migrate_files");
		if (strcmp(c->name, "completion") == 0)
			shell_words(out, "\t\t[[ $cur == -* ]] || { mapfile -t COMPREPLY < <(compgen -W '",
				    "' -- \"$cur\"); return 0; }\n");
		fputs("\t\t;;\n", out);
	}
	fputs("\t*) return 0 ;;\n\tesac\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
	      "\telif [[ -n $operand ]]; then\n\t\t$operand\n\tfi\n"
	      "\treturn 0\n}\n"
	      "complete -o bashdefault -o default -F _mfa_migrate mfa-migrate\n", out);
}

/* zsh */

static void zsh_spec(FILE *out, const struct cli_option *o, const void *ctx)
{
	static const char *const actions[] = { " ", "_files", "_files -/" };

	(void)ctx;
	fputs(" \\\n\t\t\t", out);
	if (o->short_name)
		fprintf(out, "'(-%c --%s)'{-%c,--%s}'[", o->short_name, o->name, o->short_name, o->name);
	else
		fprintf(out, "'--%s%s[", o->name, o->arg ? "=" : "");
	cli_completion_quote(out, o->help, 0, 1);
	fputc(']', out);
	if (o->arg)
		fprintf(out, ":%s:%s", o->metavar, actions[cli_completion_hint(o->metavar)]);
	fputc('\'', out);
}

void cli_completion_zsh(FILE *out)
{
	const struct cli_command *c;
	const struct cli_option *o;
	enum cli_hint h;
	int has;

	fputs("#compdef mfa-migrate\n# zsh completion for mfa-migrate (made by 'mfa-migrate completion zsh'\n"
	      "# from the tables that print --help: do not edit)\n"
	      "_mfa_migrate() {\n\tlocal -a cmds tops\n\tcmds=(", out);
	for (c = cli_commands; c->name; c++) {
		fprintf(out, "\n\t\t'%s:", c->name);
		cli_completion_quote(out, c->summary, 0, 0);
		fputc('\'', out);
	}
	fputs("\n\t)\n\ttops=(", out);
	for (o = cli_top_options; o->name; o++) {
		fprintf(out, "\n\t\t'--%s:", o->name);
		cli_completion_quote(out, o->help, 0, 0);
		fputc('\'', out);
	}
	fputs("\n\t)\n\tif (( CURRENT == 2 )); then\n"
	      "\t\t_describe -t commands 'mfa-migrate command' cmds -- tops\n\t\treturn\n\tfi\n"
	      "\tlocal cmd=$words[2]\n\tshift words\n\t(( CURRENT-- ))\n\tcase $cmd in\n", out);
	for (c = cli_commands; c->name; c++) {
		fprintf(out, "\t(%s)\n\t\t_arguments -s -S", c->name);
		cli_completion_each_option(out, c->usage, zsh_spec, NULL);
		h = cli_completion_operand(c, &has);
		if (has)
			fprintf(out, " \\\n\t\t\t'1:operand:%s'", h == CLI_HINT_DIR ? "_files -/" : "_files");
		if (strcmp(c->name, "completion") == 0)
			shell_words(out, " \\\n\t\t\t'1:shell:(", ")'");
		fputs("\n\t\t;;\n", out);
	}
	fputs("\tesac\n}\n"
	      "if [[ $funcstack[1] == _mfa-migrate ]]; then\n\t_mfa_migrate \"$@\"\n"
	      "else\n\tcompdef _mfa_migrate mfa-migrate\nfi\n", out);
}

/* fish */

static void fish_opt(FILE *out, const struct cli_option *o, const void *ctx)
{
	static const char *const values[] = { " -x", " -r -F", " -x -a '(__fish_complete_directories)'" };
	const struct cli_command *c = ctx;

	fprintf(out, "complete -c mfa-migrate -n '__fish_seen_subcommand_from %s'", c->name);
	if (o->short_name)
		fprintf(out, " -s %c", o->short_name);
	fprintf(out, " -l %s%s -d '", o->name, o->arg ? values[cli_completion_hint(o->metavar)] : "");
	cli_completion_quote(out, o->help, 1, 0);
	fputs("'\n", out);
}

void cli_completion_fish(FILE *out)
{
	const struct cli_command *c;
	const struct cli_option *o;
	enum cli_hint h;
	int has;

	fputs("# fish completion for mfa-migrate (made by 'mfa-migrate completion fish'\n"
	      "# from the tables that print --help: do not edit)\n"
	      "complete -c mfa-migrate -f\n", out);
	for (c = cli_commands; c->name; c++) {
		fprintf(out, "complete -c mfa-migrate -n __fish_use_subcommand -a %s -d '", c->name);
		cli_completion_quote(out, c->summary, 1, 0);
		fputs("'\n", out);
	}
	for (o = cli_top_options; o->name; o++) {
		fprintf(out, "complete -c mfa-migrate -n __fish_use_subcommand -l %s -d '", o->name);
		cli_completion_quote(out, o->help, 1, 0);
		fputs("'\n", out);
	}
	for (c = cli_commands; c->name; c++) {
		cli_completion_each_option(out, c->usage, fish_opt, c);
		h = cli_completion_operand(c, &has);
		if (has)
			fprintf(out, "complete -c mfa-migrate -n '__fish_seen_subcommand_from %s' %s\n", c->name,
				h == CLI_HINT_DIR ? "-a '(__fish_complete_directories)'" : "-F");
	}
	shell_words(out, "complete -c mfa-migrate -n '__fish_seen_subcommand_from completion' -a '", "'\n");
}
