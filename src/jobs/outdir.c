/* outdir.c - the output folder (outdir.h). */
#include "jobs/outdir.h"

#include "mfa/util/outfile.h"
#include "util/runpath.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int mfa_outdir_make(struct mfa_outdir *o, const char *given, const char *command,
		    struct mfa_err *err)
{
	struct stat st;
	char suffix[64];

	if (given) {
		if ((size_t)snprintf(o->path, sizeof(o->path), "%s", given) >= sizeof(o->path))
			return mfa_err_set(err, "--out: path too long");
		o->created = stat(o->path, &st) < 0;
		if (!o->created && !S_ISDIR(st.st_mode))
			return mfa_err_set(err, "--out: '%s' exists and is not a folder", given);
		return mfa_mkdirs(o->path, err);
	}
	snprintf(suffix, sizeof(suffix), "-%s", command);
	if (mfa_mkdirs("reports", err) < 0)
		return -1;
	if (mfa_runpath_stamped(o->path, sizeof(o->path), "reports", suffix, time(NULL),
				MFA_RUNPATH_CREATE, err) < 0)
		return -1;
	o->created = true;
	return 0;
}

void mfa_outdir_release(struct mfa_outdir *o)
{
	if (o->created && !o->keep && o->path[0])
		rmdir(o->path); /* fails harmlessly when not empty */
}
