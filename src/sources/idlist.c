/* idlist.c - reading an --exclude / --only list file (sources/idlist.h). */
#include "sources/idlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int mfa_idset_load(struct mfa_idset **out, const char *path, struct mfa_err *err)
{
	struct mfa_idset *set = NULL;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int rc = -1;

	*out = NULL;
	f = fopen(path, "r");
	if (!f) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	set = mfa_idset_new();
	if (!set) {
		mfa_err_set(err, "out of memory reading '%s'", path);
		goto cleanup;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *p = line, *comma;

		lineno++;
		if (lineno == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
		    (unsigned char)p[2] == 0xBF)
			p += 3;
		if (memchr(p, '\0', (size_t)n - (size_t)(p - line))) {
			mfa_err_set(err, "%s:%lu: not a text list of user names or ids", path, lineno);
			goto cleanup;
		}
		/* '#' after a space (or at the start) begins a comment:
		 * "admin@contoso.com  # break-glass". A '#' inside a name is
		 * kept: a guest's UPN holds "#EXT#". */
		{
			char *h;

			for (h = p; (h = strchr(h, '#')) != NULL; h++) {
				if (h == p || h[-1] == ' ' || h[-1] == '\t' || h[-1] == '"' ||
				    h[-1] == ',' || h[-1] == ';') {
					*h = '\0';
					break;
				}
			}
		}
		comma = strpbrk(p, ",;\r\n");
		if (comma)
			*comma = '\0';
		/* Strip the quotes a CSV export puts around a value. */
		while (*p == ' ' || *p == '\t' || *p == '"')
			p++;
		{
			size_t len = strlen(p);
			while (len > 0 && (p[len - 1] == '"' || isspace((unsigned char)p[len - 1])))
				p[--len] = '\0';
		}
		if (*p == '\0' || *p == '#')
			continue;
		if (mfa_idset_add(set, p) < 0) {
			mfa_err_set(err, "out of memory reading '%s'", path);
			goto cleanup;
		}
	}
	if (ferror(f)) {
		mfa_err_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	*out = set;
	set = NULL;
	rc = 0;
cleanup:
	free(line);
	if (f)
		fclose(f);
	mfa_idset_free(set);
	return rc;
}
