/* sources/baseline_load.h - a previous run's users.csv, read into a
 * baseline (mfa/model/baseline.h) for audit --compare. */
#ifndef MFA_SOURCES_BASELINE_LOAD_H
#define MFA_SOURCES_BASELINE_LOAD_H

#include "mfa/model/baseline.h"
#include "mfa/util/err.h"

/* Loads a previous run. path is its output folder (then <path>/users.csv,
 * or <path>/users.csv.gz when there is no users.csv) or the users.csv file
 * itself, which may be gzip-compressed whatever its name (detected by
 * content), UTF-8 with or without BOM, ',' or ';' delimited. Columns are
 * found by their header names, in any order; id, userPrincipalName,
 * perUserMfaState and findings are required (anything else is "not a
 * users.csv written by mfa-migrate"), displayName, isMfaRegistered,
 * methodsRegistered, isAdmin and caCoverage are read when present (older
 * runs have no caCoverage). Formula-neutralised fields ("'=x") are read
 * back as written ("=x"). Rows with neither id nor UPN are skipped and
 * counted (mfa_baseline_skipped).
 *
 * Memory: 32 bytes a user, 16 to 32 bytes of lookup tables, and its id,
 * UPN, display name and unknown method names once each; a million users
 * take some 150-200 MiB and load in about two seconds (the parse is most
 * of it). A user listed twice (same id; without id, same UPN) is kept once,
 * with the later row's values, at the earlier row's position.
 *
 * On success *out owns the baseline (free with mfa_baseline_free); on
 * failure *out is NULL and err names the file. */
int mfa_baseline_load(struct mfa_baseline **out, const char *path, struct mfa_err *err);

#endif
