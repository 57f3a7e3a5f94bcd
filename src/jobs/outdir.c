/* outdir.c - the output folder (outdir.h). */
#include "jobs/outdir.h"

#include "mfa/util/outfile.h"
#include "util/runpath.h"

#include <errno.h>
#include <fcntl.h>
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
		o->created = lstat(o->path, &st) < 0;
		if (!o->created && S_ISLNK(st.st_mode))
			return mfa_err_set(err, "--out: '%s' is a link: give the folder itself", given);
		if (!o->created && !S_ISDIR(st.st_mode))
			return mfa_err_set(err, "--out: '%s' exists and is not a folder", given);
		if (mfa_mkdirs(o->path, err) < 0)
			return -1;
		o->fd = mfa_dir_open(o->path, err);
		if (o->fd < 0)
			return mfa_err_prefix(err, "--out");
		if (!o->allow_shared && mfa_dir_check_private(o->fd, o->path, "--out", err) < 0)
			return -1;
		return 0;
	}
	snprintf(suffix, sizeof(suffix), "-%s", command);
	if (mfa_mkdirs("reports", err) < 0)
		return -1;
	if (mfa_runpath_stamped(o->path, sizeof(o->path), "reports", suffix, time(NULL),
				MFA_RUNPATH_CREATE, err) < 0)
		return -1;
	o->created = true;
	o->fd = mfa_dir_open(o->path, err);
	return o->fd < 0 ? -1 : 0;
}

int mfa_outdir_remove(struct mfa_outdir *o, const char *name, struct mfa_err *err)
{
	if (unlinkat(o->fd, name, 0) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return mfa_err_set(err, "cannot remove '%s/%s': %s", o->path, name, strerror(errno));
}

void mfa_outdir_release(struct mfa_outdir *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->created && !o->keep && o->path[0])
		rmdir(o->path); /* fails harmlessly when not empty */
}
