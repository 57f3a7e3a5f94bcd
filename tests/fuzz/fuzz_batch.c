/* Fuzz target: a $batch reply from the server (graph/batch.h), as the
 * requirements client reads it: any bytes are mapped back to the items or
 * refused, never crash. */
#include "graph/batch.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_batch b;
	struct mfa_batch_result res[MFA_BATCH_MAX];
	char url[64];
	int i;

	mfa_batch_init(&b);
	for (i = 0; i < 5; i++) {
		snprintf(url, sizeof(url), "/users/%d/authentication/requirements", i);
		if (mfa_batch_add(&b, "GET", url, NULL, NULL, &err) < 0)
			break;
	}
	mfa_batch_parse(&b, (const char *)data, size, 1 << 20, res, &err);
	mfa_batch_longest_retry_after(res, b.n);
	mfa_batch_results_release(res, b.n);
	mfa_batch_release(&b);
	return 0;
}
