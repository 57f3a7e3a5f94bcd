/* Fuzz target: the plan-file reader (apply trusts only what it verifies).
 * Any input must be refused cleanly or read to the end, never crash. */
#include "mfa/apply/planfile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/mfa-fuzz-plan-XXXXXX";
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_planfile_reader *r = NULL;
	struct mfa_plan_entry e;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (mfa_planfile_open(&r, path, &err) == 0) {
		while (mfa_planfile_next(r, &e, &err) > 0)
			;
	}
	mfa_planfile_close(r);
	unlink(path);
	return 0;
}
