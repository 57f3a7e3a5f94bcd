/* Fuzz target: the --exclude / --only list reader (sources/idlist.h): a
 * break-glass list decides who is never changed. Any input is refused
 * cleanly or read into a set. */
#include "sources/idlist.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/mfa-fuzz-idlist-XXXXXX";
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_idset *set = NULL;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (mfa_idset_load(&set, path, &err) == 0)
		(void)mfa_idset_count(set);
	mfa_idset_free(set);
	unlink(path);
	return 0;
}
