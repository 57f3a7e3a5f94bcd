/* manpage.h - `mfa-migrate --help-man`: the manual page, in roff, made
 * from the command table and each command's option tables (commands.h),
 * the same ones --help prints, so the page cannot drift from --help. The
 * build writes it into the build tree and installs it as
 * share/man/man1/mfa-migrate.1 (CMakeLists.txt). */
#ifndef MFA_CLI_MANPAGE_H
#define MFA_CLI_MANPAGE_H

#include <stdio.h>

/* Writes the whole page to out; version goes in the page's footer.
 * 0, or -1 when out could not be written (said on stderr). */
int cli_manpage_write(FILE *out, const char *version);

#endif
