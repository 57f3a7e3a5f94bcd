/* runpath.c - run folder names (runpath.h). */
#include "util/runpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int mfa_runpath_safe_name(char *out, size_t size, const char *in, struct mfa_err *err)
{
	size_t i, n = strlen(in);

	if (size == 0)
		return mfa_err_set(err, "no room for a folder name");
	out[0] = '\0';
	if (n == 0)
		return mfa_err_set(err, "an empty name cannot name a folder");
	if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0)
		return mfa_err_set(err, "'%s' cannot name a folder", in);
	if (n >= size)
		return mfa_err_set(err, "'%.40s...' is too long for a folder name", in);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '/')
			return mfa_err_set(err, "'%s' cannot name a folder: it holds a '/'", in);
		if (c < 0x20 || c == 0x7f)
			return mfa_err_set(err, "a name with a control character cannot name a folder");
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				 c == '.' || c == '-' || c == '_'
			 ? (char)c
			 : '_';
	}
	out[n] = '\0';
	return 0;
}

int mfa_runpath_stamped(char *out, size_t size, const char *parent, const char *suffix, time_t now,
			int flags, struct mfa_err *err)
{
	char stamp[32];
	struct tm tm;
	struct stat st;
	int i, len;

	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return mfa_err_set(err, "cannot format the time");
	/* Two runs in one second get -2, -3, ...: a run never writes into
	 * another run's folder. */
	for (i = 1; i < 1000; i++) {
		if (i == 1)
			len = snprintf(out, size, "%s/%s%s", parent, stamp, suffix);
		else
			len = snprintf(out, size, "%s/%s%s-%d", parent, stamp, suffix, i);
		if (len < 0 || (size_t)len >= size)
			return mfa_err_set(err, "path too long under '%s'", parent);
		if (flags & MFA_RUNPATH_CREATE) {
			if (mkdir(out, 0700) == 0)
				return 0;
			if (errno != EEXIST)
				return mfa_err_set(err, "cannot create folder '%s': %s", out, strerror(errno));
		} else if (lstat(out, &st) < 0) {
			return 0;
		}
	}
	return mfa_err_set(err, "no free folder name in '%s'", parent);
}

bool mfa_runpath_is_stamped(const char *name)
{
	int i;

	for (i = 0; i < 8; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	if (name[8] != 'T')
		return false;
	for (i = 9; i < 15; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return name[15] == 'Z' && (name[16] == '\0' || name[16] == '-');
}
