/* Fuzz target: the --tenants file (jobs/tenants_file.h): each line becomes
 * a child process's command line and a folder name. Any input is refused
 * cleanly or read into entries whose folder names are safe. */
#include "jobs/tenants_file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/mfa-fuzz-tenants-XXXXXX";
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_tenant_entry *t = NULL;
	size_t n = 0, i;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (mfa_tenants_file_load(&t, &n, path, &err) == 0) {
		for (i = 0; i < n; i++) {
			/* the promise the roll-up relies on: a folder name is
			 * never empty, ".", ".." or a path */
			if (!t[i].dir_name[0] || strchr(t[i].dir_name, '/') ||
			    !strcmp(t[i].dir_name, ".") || !strcmp(t[i].dir_name, ".."))
				abort();
		}
	}
	free(t);
	unlink(path);
	return 0;
}
