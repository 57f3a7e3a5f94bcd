/* Fuzz target: the journal reader (resume and rollback trust what it
 * reads). Any input is refused cleanly or read to its end. */
#include "mfa/apply/journal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/mfa-fuzz-journal-XXXXXX";
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_journal_reader *r = NULL;
	struct mfa_journal_entry e;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (mfa_journal_open(&r, path, &err) == 0) {
		while (mfa_journal_next(r, &e, &err) > 0)
			;
	}
	mfa_journal_close_reader(r);
	unlink(path);
	return 0;
}
