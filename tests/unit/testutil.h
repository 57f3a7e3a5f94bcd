/* testutil.h - what several unit tests need around the code they test:
 * a private scratch folder, a count of what is left in it, its removal;
 * a listening socket on loopback for canned HTTP servers.
 * Linked into every tests/unit/test_*.c executable. Failures are cmocka
 * assertions.
 */
#ifndef MFA_TESTUTIL_H
#define MFA_TESTUTIL_H

/* Makes a new folder under $TMPDIR (or /tmp), mode 0700. Returns its
 * path, allocated: pass it to tu_remove_dir. */
char *tu_make_dir(void);

/* Entries in dir, "." and ".." not counted. */
int tu_dir_entries(const char *dir);

/* Removes dir and everything below it (never following links), then
 * frees the path. NULL is fine. */
void tu_remove_dir(char *dir);

/* A TCP socket listening on 127.0.0.1 at a free port (backlog 64), its
 * port in *port. Returns the descriptor (the caller closes it), or -1. */
int tu_listen_loopback(int *port);

#endif
