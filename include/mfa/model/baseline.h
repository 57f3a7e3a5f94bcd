/* mfa/model/baseline.h - the previous run's users (audit --compare), kept
 * compactly so that this run's stream of users can be matched to them.
 * Pure: filled by a loader (src/sources/baseline_load.c reads a users.csv)
 * or entry by entry; compared in mfa/model/compare.h.
 *
 * Matching a user to the baseline: by object id (any case) when the user
 * has one and the baseline knows it; otherwise by UPN (any case), but only
 * when one side has no object id. So a user deleted and recreated with the
 * same UPN (new object id) is one user removed and one added.
 *
 * Memory: 32 bytes a user, 16 to 32 bytes of index, and its id, UPN,
 * display name and unknown method names once each (mfa/util/index.h).
 *
 * Ownership: the baseline copies every string it is given. Strings it hands
 * out (mfa_baseline_get, mfa_change_set.prev_other_methods) stay valid until
 * the next mfa_baseline_add or mfa_baseline_free; marking does not move
 * them.
 */
#ifndef MFA_MODEL_BASELINE_H
#define MFA_MODEL_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa/model/classify.h"
#include "mfa/model/coverage.h"
#include "mfa/model/user.h"

/* ---- the baseline: the previous run's users ---- */

struct mfa_baseline;

/* "No such entry" from the find and iterate functions. */
#define MFA_BASELINE_NONE ((size_t)-1)

/* One previous user. Strings are borrowed from the baseline (see above);
 * NULL where the row had none. */
struct mfa_baseline_entry {
	const char *id;
	const char *upn;
	const char *display_name;
	enum mfa_state state;
	enum mfa_tri registered;    /* isMfaRegistered */
	uint32_t methods;           /* bit (1u << enum mfa_method) */
	const char *other_methods;  /* ';'-joined names outside enum mfa_method; NULL if none */
	enum mfa_tri is_admin;
	uint32_t findings;          /* bit (1u << enum mfa_finding) */
	bool coverage_checked;      /* caCoverage was not empty */
	enum mfa_coverage_verdict coverage; /* UNKNOWN when not checked */
	bool seen;                  /* marked: a user of this run matched it */
};

/* An empty baseline. NULL when out of memory. */
struct mfa_baseline *mfa_baseline_new(void);

/* Adds a previous user and indexes it at once (tests and small baselines
 * are built this way). At least one of e->id and e->upn must be set.
 * A user already in the baseline (same id; without id, same UPN) is
 * replaced: the later row wins. e->seen is ignored (a new entry is unseen).
 * Writes the entry number to *index when index is non-NULL. Returns 0 for a
 * new entry, 1 for a replaced one, -1 on out of memory, a missing key, or a
 * baseline past 4 GiB of strings / 2^32 users. */
int mfa_baseline_add(struct mfa_baseline *b, const struct mfa_baseline_entry *e, size_t *index);

/* Appends a previous user without indexing it (a loader's fast path: the
 * indexes are built once by mfa_baseline_index at the end). Same keys and
 * limits as mfa_baseline_add; until mfa_baseline_index the baseline finds
 * nothing and a repeated key is two entries. Returns 0 or -1. */
int mfa_baseline_append(struct mfa_baseline *b, const struct mfa_baseline_entry *e);

/* Builds the indexes of every entry appended, at their final size. A user
 * listed twice (same id; without id, same UPN) is kept once, with the later
 * entry's values, at the earlier entry's position. Returns 0, or -1 when
 * out of memory. */
int mfa_baseline_index(struct mfa_baseline *b);

/* Records the file the baseline was read from (copied), for
 * mfa_baseline_path. Returns 0, or -1 when out of memory. */
int mfa_baseline_set_path(struct mfa_baseline *b, const char *path);

/* Counts one input row a loader skipped (no id and no UPN). */
void mfa_baseline_count_skipped(struct mfa_baseline *b);

/* The file the baseline was read from (mfa_baseline_set_path; the
 * users.csv inside a folder), for messages and summary.json; "" for a
 * baseline built with mfa_baseline_add. Owned by the baseline. */
const char *mfa_baseline_path(const struct mfa_baseline *b);

/* Users in the baseline (replaced rows count once). NULL: 0. */
size_t mfa_baseline_count(const struct mfa_baseline *b);

/* Data rows the loader skipped (no id and no UPN). */
unsigned long mfa_baseline_skipped(const struct mfa_baseline *b);

/* The entry number that user u matches (see "Matching" above), or
 * MFA_BASELINE_NONE. Pure. */
size_t mfa_baseline_find(const struct mfa_baseline *b, const struct mfa_user *u);

/* Fills *out with entry i (i < mfa_baseline_count). */
void mfa_baseline_get(const struct mfa_baseline *b, size_t i, struct mfa_baseline_entry *out);

/* Records that a user of this run matched entry i. Idempotent, so every
 * consumer of the stream (the changes.csv sink, the caller's counts) may
 * mark the entries it matched; once every row has been marked by someone,
 * the unseen entries are the removed users. Out-of-range i is ignored. */
void mfa_baseline_mark(struct mfa_baseline *b, size_t i);

/* The first entry number >= from never marked, in file order, or
 * MFA_BASELINE_NONE. */
size_t mfa_baseline_next_unseen(const struct mfa_baseline *b, size_t from);

/* Bytes the baseline holds, for tests and progress. */
size_t mfa_baseline_memory(const struct mfa_baseline *b);

/* NULL is fine. */
void mfa_baseline_free(struct mfa_baseline *b);

#endif
