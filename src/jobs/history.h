/* history.h - audit --history DIR: every run in DIR/<tenant>/<UTC time>/,
 * compared with the newest earlier run there, and the older runs beyond
 * --keep N compressed (zlib) rather than deleted. Retention touches only
 * files a run recorded in its own manifest (manifest.json in the run
 * folder: each file's name, device and inode), never follows a link, and
 * works relative to descriptors of the folders it opened O_NOFOLLOW. */
#ifndef MFA_JOBS_HISTORY_H
#define MFA_JOBS_HISTORY_H

#include <stdbool.h>

#include "mfa/model/summary.h"
#include "mfa/util/err.h"

struct mfa_history {
	char tenant_dir[4096];  /* DIR/<tenant> */
	char run_dir[4096];     /* DIR/<tenant>/<UTC time>: where this run writes */
	char previous[4096];    /* the newest earlier run, when there is one */
	bool has_previous;
};

/* Makes DIR/<tenant> (0700), names this run's folder (not created yet)
 * and finds the newest earlier run. tenant may be NULL (an export):
 * "export". A tenant that cannot name a folder (util/runpath.h: "..",
 * "/", ...) is refused; so are DIR and DIR/<tenant> when they are links,
 * or another user owns them or others may write in them, unless
 * allow_shared. */
int mfa_history_prepare(struct mfa_history *h, const char *root, const char *tenant,
			bool allow_shared, struct mfa_err *err);

/* After a finished run: records every regular file of this run's folder
 * in its manifest.json, the list retention later trusts. */
int mfa_history_seal(const struct mfa_history *h, struct mfa_err *err);

/* After a finished run: compresses the report files (CSV, JSON lines) of
 * every run older than the newest `keep`, into .gz files beside them:
 * only files its manifest lists, still the same file (device and inode),
 * opened O_NOFOLLOW; the .gz is created O_EXCL|O_NOFOLLOW, fsynced and
 * renamed within the run folder, and the manifest updated. A run with no
 * manifest is left as it is. */
int mfa_history_retain(const struct mfa_history *h, unsigned keep, unsigned *compressed,
		       struct mfa_err *err);

/* The counts of every mfa-migrate run in the tenant's history, oldest
 * first, read from each run's summary.json (never compressed); a run whose
 * summary cannot be read is left out. On success *out is a new array of
 * *n entries the caller frees with free() (NULL-safe; not NULL even when
 * *n is 0). Returns 0, or -1 with err set (cannot list the folder, out of
 * memory). */
int mfa_history_trend(const struct mfa_history *h, struct mfa_run_counts **out, size_t *n,
		      struct mfa_err *err);

#endif
