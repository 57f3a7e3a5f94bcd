/* outdir.c - the output folder (outdir.h). */
#include "jobs/outdir.h"

#include "mfa/util/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_outdir_make(struct cli_outdir *o, const char *given, const char *command,
		    struct mfa_err *err)
{
	struct stat st;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (given) {
		if ((size_t)snprintf(o->path, sizeof(o->path), "%s", given) >= sizeof(o->path))
			return mfa_err_set(err, "--out: path too long");
		o->created = stat(o->path, &st) < 0;
		if (!o->created && !S_ISDIR(st.st_mode))
			return mfa_err_set(err, "--out: '%s' exists and is not a folder", given);
		return mfa_mkdirs(o->path, err);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (mfa_mkdirs("reports", err) < 0)
		return -1;
	/* Two runs in one second get -2, -3, ...: a run never writes into
	 * another run's folder. */
	for (n = 1; n < 1000; n++) {
		if (n == 1)
			snprintf(o->path, sizeof(o->path), "reports/%s-%s", stamp, command);
		else
			snprintf(o->path, sizeof(o->path), "reports/%s-%s-%d", stamp, command, n);
		if (mkdir(o->path, 0700) == 0) {
			o->created = true;
			return 0;
		}
		if (errno != EEXIST)
			return mfa_err_set(err, "cannot create folder '%s': %s", o->path, strerror(errno));
	}
	return mfa_err_set(err, "cannot find a free folder name under 'reports/'");
}

void cli_outdir_release(struct cli_outdir *o)
{
	if (o->created && !o->keep && o->path[0])
		rmdir(o->path); /* fails harmlessly when not empty */
}
