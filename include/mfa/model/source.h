/* mfa/source.h - where user records come from: a CSV export or a live tenant.
 *
 * A source yields `struct mfa_user` records one at a time; nothing holds the
 * whole tenant. Every source is driven the same way:
 *
 *     struct mfa_source *src = NULL;
 *     struct mfa_err err = MFA_ERR_INIT;
 *     struct mfa_user u;
 *     int rc;
 *     if (mfa_csv_source_open(&src, path, &opts, &err) < 0) goto cleanup;  // sources/csv_source.h
 *     while ((rc = mfa_source_next(src, &u, &err)) > 0)
 *             use(&u);            // u's strings valid until the next call
 *     if (rc < 0) goto cleanup;   // err says why
 *   cleanup:
 *     mfa_source_free(src);
 */
#ifndef MFA_SOURCE_H
#define MFA_SOURCE_H

#include "mfa/util/err.h"
#include "mfa/model/user.h"

struct mfa_source;

/* What a source tells its caller about its input. */
struct mfa_source_stats {
	unsigned long rows;      /* data rows (or users) read from the input */
	unsigned long bad_rows;  /* rows reported as bad (warned, counted) */
	unsigned long joined;    /* users that found their registration row (--registration) */
	/* An export's accounting (zero for a live source): every data record
	 * the reader gave is a user yielded, a bad row or a blank row. */
	unsigned long records;           /* data records the CSV reader gave for the state file */
	unsigned long state_bad_rows;    /* of bad_rows, the state file's rows not yielded */
	unsigned long blank_rows;        /* records of the state file with every cell empty */
	unsigned long duplicates;        /* state-file rows refused as repeats of an earlier user */
	unsigned long registration_only; /* users yielded from the registration file alone */
	const char *format;      /* short name of the detected input format, e.g. "o365reports-getmfastatus"; owned by the source */
	/* Facts only a live source knows (zero for an export). */
	unsigned long unknown_states;  /* users whose per-user MFA state could not be read */
	int registration_unavailable;  /* registration details could not be read: all unknown */
	int interrupted;               /* stopped before it listed every user */
	const char *state_path;        /* "inline" (the users list served the state) or
					* "batch" (per-user reads); NULL: none read; static */
	const char *state_path_reason; /* why that path, one line; static */
	int ca_read;                   /* it read Conditional Access itself: the two below count */
	int ca_policies;               /* policies read; -1 when the list could not be read */
	int security_defaults;         /* -1 unknown, 0 off, 1 on */
};

/* Called for every bad row or other non-fatal problem, with one line of
 * text ("file:line: problem"); ctx is the caller's. May be NULL. */
typedef void (*mfa_warn_fn)(void *ctx, const char *msg);

/* The operations a source implements. Sources are made by their own
 * constructors (mfa_csv_source_open, the graph source) and driven only
 * through the mfa_source_* functions below. */
struct mfa_source_ops {
	int (*next)(struct mfa_source *src, struct mfa_user *out, struct mfa_err *err);
	void (*stats)(const struct mfa_source *src, struct mfa_source_stats *out);
	void (*free)(struct mfa_source *src);
};

struct mfa_source {
	const struct mfa_source_ops *ops;
};

/* Fills *out with the next user and returns 1; returns 0 at the end of the
 * input; returns negative on a fatal error (err filled). The strings in
 * *out are owned by the source and valid until the next call. */
int mfa_source_next(struct mfa_source *src, struct mfa_user *out, struct mfa_err *err);

/* Counts so far (final after next returned 0). */
void mfa_source_stats(const struct mfa_source *src, struct mfa_source_stats *out);

/* Frees the source and everything it owns. NULL is fine. */
void mfa_source_free(struct mfa_source *src);

#endif
