/* Fuzz target: the Conditional Access files (--ca-policies, --ca-members)
 * and the evaluator over what they load: refused cleanly or evaluated,
 * never crash. The input is split at its first NUL into the two files. */
#include "mfa/model/coverage.h"
#include "sources/ca_files.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int spill(char *path, const uint8_t *data, size_t size)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char pol[] = "/tmp/mfa-fuzz-pol-XXXXXX", mem[] = "/tmp/mfa-fuzz-mem-XXXXXX";
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_ca_model *m = NULL;
	struct mfa_coverage c;
	struct mfa_user u;

	if (spill(pol, data, n1) < 0)
		return 0;
	if (spill(mem, nul ? nul + 1 : data, nul ? size - n1 - 1 : 0) < 0) {
		unlink(pol);
		return 0;
	}
	if (mfa_ca_model_load_files(&m, pol, nul ? mem : NULL, &err) == 0) {
		mfa_user_init(&u);
		u.id = "11111111-1111-1111-1111-111111111111";
		u.upn = "a_b#EXT#@x";
		u.user_type = MFA_USER_TYPE_GUEST;
		mfa_coverage_evaluate(m, &u, &c);
	}
	mfa_ca_model_free(m);
	unlink(pol);
	unlink(mem);
	return 0;
}
