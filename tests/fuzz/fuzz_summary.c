/* Fuzz target: reading an earlier run's summary.json back: the JSON file
 * reader (util/jsonfile.h) and the --history trend (jobs/history.h), which
 * reads every kept run's summary.json, as another local user may have
 * left it. The input is that file, in a run folder of a history of its
 * own. Any input is refused cleanly or read. */
#include "jobs/history.h"
#include "mfa/util/err.h"
#include "util/jsonfile.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];        /* the history's tenant folder */
static char run[128];        /* one run in it */
static char summary[192];    /* its summary.json */

static void remove_tree(void)
{
	unlink(summary);
	rmdir(run);
	rmdir(root);
}

static int setup(void)
{
	if (root[0])
		return 0;
	snprintf(root, sizeof(root), "/tmp/mfa-fuzz-summary-XXXXXX");
	if (!mkdtemp(root)) {
		root[0] = '\0';
		return -1;
	}
	snprintf(run, sizeof(run), "%s/20260101T000000Z", root);
	snprintf(summary, sizeof(summary), "%s/summary.json", run);
	if (mkdir(run, 0700) < 0)
		return -1;
	atexit(remove_tree);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_history h;
	struct mfa_run_counts *trend = NULL;
	cJSON *doc = NULL;
	size_t n = 0;
	int fd;

	if (setup() < 0)
		return 0;
	fd = open(summary, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	if (mfa_jsonfile_read(&doc, summary, &err) == 0)
		cJSON_Delete(doc);
	memset(&h, 0, sizeof(h));
	snprintf(h.tenant_dir, sizeof(h.tenant_dir), "%s", root);
	if (mfa_history_trend(&h, &trend, &n, &err) == 0 && n > 1)
		abort(); /* one run folder, at most one entry */
	free(trend);
	return 0;
}
