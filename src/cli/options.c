/* options.c - option tables: parsing and --help (options.h). */
#include "cli/options.h"

#include "cli/msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct cli_option cli_help_option = { "help", 'h', CLI_NO_ARG, NULL, "show this help", 0 };

void cli_print_help(const struct cli_usage *usage)
{
	const struct cli_group *const *g;
	const struct cli_option *o;

	printf("usage: %s\n\n%s\n", usage->synopsis, usage->description);
	for (g = usage->groups; *g; g++) {
		if (!(*g)->opts[0].name)
			continue; /* a group with nothing in it yet */
		printf("\n%s:\n", (*g)->title);
		for (o = (*g)->opts; o->name; o++) {
			char left[64];

			if (o->arg == CLI_OPTIONAL_NUM)
				snprintf(left, sizeof(left), "    --%s [%s]", o->name, o->metavar);
			else if (o->short_name)
				snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
					 o->arg ? " " : "", o->arg ? o->metavar : "");
			else
				snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
					 o->arg ? o->metavar : "");
			printf("  %-30s %s\n", left, o->help);
		}
	}
	printf("  %-30s %s\n", "-h, --help", cli_help_option.help);
}

static const struct cli_option *find(const struct cli_usage *usage, const char *name, size_t len,
				     char short_name)
{
	const struct cli_group *const *g;
	const struct cli_option *o;

	for (g = usage->groups; *g; g++) {
		for (o = (*g)->opts; o->name; o++) {
			if (short_name ? o->short_name == short_name
				       : strlen(o->name) == len && strncmp(o->name, name, len) == 0)
				return o;
		}
	}
	return NULL;
}

/* Two options of one command with the same id or name would take each
 * other's values: the tables are wrong, whatever the command line. */
static int check_table(const struct cli_usage *usage)
{
	const struct cli_group *const *g, *const *h;
	const struct cli_option *o, *p;

	for (g = usage->groups; *g; g++) {
		for (o = (*g)->opts; o->name; o++) {
			for (h = g; *h; h++) {
				for (p = h == g ? o + 1 : (*h)->opts; p->name; p++) {
					if (p->id == o->id || strcmp(p->name, o->name) == 0) {
						fprintf(stderr, "mfa-migrate: internal error: options --%s and --%s share an id or a name (please report this)\n",
							o->name, p->name);
						return -1;
					}
				}
			}
		}
	}
	return 0;
}

int cli_parse(int argc, char **argv, const struct cli_usage *usage, cli_option_fn fn, void *ctx)
{
	int i;
	bool words_only = false;

	if (check_table(usage) < 0)
		return -1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct cli_option *o = NULL;
		const char *value = NULL;

		if (words_only || a[0] != '-' || a[1] == '\0') {
			if (fn(ctx, 0, a) < 0)
				return -1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			words_only = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_help(usage);
			return 1;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);

			o = find(usage, a + 2, len, 0);
			if (eq)
				value = eq + 1;
		} else if (a[2] == '\0') {
			o = find(usage, NULL, 0, a[1]);
		}
		if (!o) {
			errorf("unknown option '%s' (see 'mfa-migrate %s --help')", a, argv[0]);
			return -1;
		}
		if (o->arg == CLI_OPTIONAL_NUM && !value) {
			/* the next word only when it is a number */
			if (i + 1 < argc && argv[i + 1][0] && strspn(argv[i + 1], "0123456789") == strlen(argv[i + 1]))
				value = argv[++i];
		} else if (o->arg && !value) {
			if (i + 1 >= argc) {
				errorf("option '--%s' needs a value (%s)", o->name, o->metavar);
				return -1;
			}
			value = argv[++i];
		} else if (!o->arg && value) {
			errorf("option '--%s' takes no value", o->name);
			return -1;
		}
		if (fn(ctx, o->id, value) < 0)
			return -1;
	}
	return 0;
}

int cli_parse_count(const char *name, const char *value, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || !end || *end || value[0] == '-' || value[0] == '\0' || v == 0 || v > max) {
		errorf("--%s: '%s' is not a whole number from 1 to %lu", name, value, max);
		return -1;
	}
	*out = v;
	return 0;
}
