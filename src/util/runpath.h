/* runpath.h - names of the folders a run makes: the timestamped run folder
 * (reports/20261128T081500Z-plan, DIR/<tenant>/20261128T081500Z) and the
 * one check for a folder name that comes from outside input (a tenant
 * name in --tenants, the tenant signed in to with --history).
 */
#ifndef MFA_UTIL_RUNPATH_H
#define MFA_UTIL_RUNPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "mfa/util/err.h"

/* Makes `in` one folder name, into out (size bytes, NUL included).
 * Refuses (-1, err set) an empty name, "." and "..", any '/' and any
 * control character: such a name would point outside the folder it is
 * meant for. Every other character outside [A-Za-z0-9._-] becomes '_'
 * (a domain or a GUID passes as it is). Also -1 when out is too small. */
int mfa_runpath_safe_name(char *out, size_t size, const char *in, struct mfa_err *err);

/* Flags of mfa_runpath_stamped. */
enum {
	MFA_RUNPATH_CREATE = 1, /* claim the name with mkdir(0700) (two runs never share it) */
};

/* Names parent/<UTC time of now, 20261128T081500Z><suffix> into out, or,
 * when that is taken, the same with -2, -3, ... (up to -999). With
 * MFA_RUNPATH_CREATE the folder is made (parent must exist); without, the
 * first name that does not exist yet is given. suffix may be "" (not
 * NULL). Returns 0, or -1 with err set. */
int mfa_runpath_stamped(char *out, size_t size, const char *parent, const char *suffix, time_t now,
			int flags, struct mfa_err *err);

/* True when name is one mfa_runpath_stamped made with an empty suffix:
 * 20261128T081500Z, maybe -N after it. */
bool mfa_runpath_is_stamped(const char *name);

#endif
