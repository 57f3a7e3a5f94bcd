/* options.c - option tables: parsing and --help (options.h). */
#include "cli/options.h"

#include "cli/msg.h"

#include <stdio.h>
#include <string.h>

void cli_print_help(const char *usage, const char *description,
		    const struct cli_option *opts)
{
	const struct cli_option *o;

	printf("usage: %s\n\n%s\n\noptions:\n", usage, description);
	for (o = opts; o->name; o++) {
		char left[64];

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->metavar : "");
		printf("  %-28s %s\n", left, o->help);
	}
	printf("  %-28s %s\n", "-h, --help", "show this help");
}

static const struct cli_option *find_long(const struct cli_option *opts, const char *name,
					  size_t len)
{
	for (; opts->name; opts++) {
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	}
	return NULL;
}

static const struct cli_option *find_short(const struct cli_option *opts, char c)
{
	for (; opts->name; opts++) {
		if (opts->short_name == c)
			return opts;
	}
	return NULL;
}

int cli_parse(int argc, char **argv, const struct cli_option *opts, const char *usage,
	      const char *description, cli_option_fn fn, void *ctx)
{
	int i;
	bool words_only = false;

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
			cli_print_help(usage, description, opts);
			return 1;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);

			o = find_long(opts, a + 2, len);
			if (eq)
				value = eq + 1;
		} else if (a[2] == '\0') {
			o = find_short(opts, a[1]);
		}
		if (!o) {
			errorf("unknown option '%s' (see '%s --help')", a, argv[0]);
			return -1;
		}
		if (o->arg && !value) {
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
