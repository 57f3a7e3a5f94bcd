/* mfa/compare.h - what changed since the previous run (audit --compare).
 *
 * A scheduled audit compares each user of this run with the same user in a
 * previous run's users.csv (the "baseline") and reports what changed: users
 * added and removed, per-user state changes (above all a move away from
 * `disabled`), registration and admin changes, findings that appeared or
 * cleared, and Conditional Access coverage changes. --fail-on takes the
 * change kinds too, so a scheduled run can fail only on what is new.
 *
 *     struct mfa_baseline *b = NULL;   // mfa/model/baseline.h
 *     if (mfa_baseline_load(&b, "reports/2024-05-01T0300Z-audit", &err) < 0) goto cleanup;
 *                                       // sources/baseline_load.h
 *     for each user u with its verdict v:
 *             struct mfa_change_set cs;
 *             mfa_compare_user(b, u, v, &cs);                  // pure
 *             if (cs.index != MFA_BASELINE_NONE) mfa_baseline_mark(b, cs.index);
 *             mfa_change_counts_add(&counts, &cs);
 *             if (mfa_change_matches(&filter, &cs)) fail = true;
 *             mfa_change_rows(b, &cs, u, v, write_row, ctx, &err);
 *     for (i = mfa_baseline_next_unseen(b, 0); i != MFA_BASELINE_NONE;
 *          i = mfa_baseline_next_unseen(b, i + 1)) {
 *             mfa_compare_removed(b, i, &cs);                  // then as above
 *     }
 *   cleanup:
 *     mfa_baseline_free(b);
 *
 * Matching a user to the baseline: see mfa/model/baseline.h.
 *
 * What is compared, and when "unknown" is not a change:
 *   state         perUserMfaState (the verdict's state), every difference,
 *                 unknown included (a state that could not be read is a
 *                 state of its own everywhere in mfa-migrate).
 *   registration  isMfaRegistered and the set of methodsRegistered (order
 *                 and case of unknown method names do not matter); only
 *                 when both runs know the registration (isMfaRegistered
 *                 set, or a method listed). A run without registration
 *                 data says so through the registration-unknown finding.
 *   admin         isAdmin, only when both runs know it (it comes with the
 *                 registration data).
 *   coverage      the verdict of caCoverage (the part before ':'), only
 *                 when both runs checked coverage (caCoverage not empty).
 *                 Turning --ca-policies on or off is not a tenant change.
 *   findings      the findings column, every difference. Unknown finding
 *                 names in the baseline (a newer mfa-migrate) are ignored.
 *
 * Added users have every current finding "appeared"; removed users have
 * every previous finding "cleared". So for every finding
 *     now = before + appeared - cleared
 * and `new:admin-not-registered` also catches a new admin account created
 * without a method.
 *
 * Change kinds and the severity of each change (mfa_severity):
 *   added                    info
 *   removed                  info
 *   state-changed            info to disabled (the migration's own work),
 *                            medium to unknown (could not be read), low
 *                            otherwise (enabled <-> enforced, ...)
 *   state-away-from-disabled high: disabled before, now enabled, enforced or
 *                            enabled-or-enforced, i.e. per-user MFA turned
 *                            back on. A change set that has it also has
 *                            state-changed (so --fail-on state-changed
 *                            matches it); the row list gives one row, of
 *                            the more specific kind. disabled -> unknown is
 *                            state-changed only (medium): nothing says the
 *                            state moved; the state-unknown finding (high)
 *                            appears alongside.
 *   registration-changed     medium when isMfaRegistered went true -> false,
 *                            low otherwise
 *   admin-changed            medium when the user became an admin, info
 *                            when no longer one
 *   finding-appeared         the finding's own severity (admin-not-registered
 *                            and not-covered: high, ...); one per finding
 *   finding-cleared          info; one per finding
 *   coverage-changed         high when it became not-covered, medium when
 *                            it became weaker (covered > security-defaults >
 *                            partial > report-only > not-covered) or
 *                            unknown, info when it became stronger
 *
 */
#ifndef MFA_COMPARE_H
#define MFA_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa/model/baseline.h"
#include "mfa/model/classify.h"
#include "mfa/model/coverage.h"
#include "mfa/util/err.h"
#include "mfa/model/user.h"

struct mfa_sink;

/* ---- change kinds ---- */

enum mfa_change_kind {
	MFA_CHANGE_ADDED = 0,                /* added */
	MFA_CHANGE_REMOVED,                  /* removed */
	MFA_CHANGE_STATE_CHANGED,            /* state-changed */
	MFA_CHANGE_STATE_AWAY_FROM_DISABLED, /* state-away-from-disabled */
	MFA_CHANGE_REGISTRATION_CHANGED,     /* registration-changed */
	MFA_CHANGE_ADMIN_CHANGED,            /* admin-changed */
	MFA_CHANGE_FINDING_APPEARED,         /* finding-appeared */
	MFA_CHANGE_FINDING_CLEARED,          /* finding-cleared */
	MFA_CHANGE_COVERAGE_CHANGED,         /* coverage-changed */
	MFA_CHANGE__COUNT
};

/* The names above; NULL out of range. */
const char *mfa_change_kind_name(enum mfa_change_kind k);

/* Kind by name (exact, as above); -1 if none. */
int mfa_change_kind_parse(const char *name);

/* ---- comparing one user ---- */

/* What changed for one user. Values of a side that does not exist (prev_*
 * of an added user, cur_* of a removed one) are unknown / 0 / NULL. */
struct mfa_change_set {
	uint32_t kinds;              /* bit (1u << enum mfa_change_kind); 0: nothing changed */
	size_t index;                /* the baseline entry; MFA_BASELINE_NONE for an added user */
	enum mfa_severity severity;  /* highest among the changes; NONE when kinds is 0 */

	enum mfa_state prev_state, cur_state;
	enum mfa_tri prev_registered, cur_registered;
	uint32_t prev_methods, cur_methods;
	const char *prev_other_methods; /* borrowed from the baseline; NULL if none */
	const char *cur_other_methods;  /* borrowed from the user; NULL if none */
	enum mfa_tri prev_admin, cur_admin;
	bool prev_coverage_checked, cur_coverage_checked;
	enum mfa_coverage_verdict prev_coverage, cur_coverage;
	uint32_t prev_findings, cur_findings;
	uint32_t findings_appeared;  /* in cur, not in prev */
	uint32_t findings_cleared;   /* in prev, not in cur */
	time_t judged_at;            /* the verdict's: a new finding has its severity at that date */
};

/* Compares user u (with its verdict v: state, findings, coverage) to its
 * baseline entry and fills *out. Pure: reads the baseline, marks nothing
 * (the caller marks out->index; see mfa_baseline_mark). b, u and v must be
 * non-NULL. */
void mfa_compare_user(const struct mfa_baseline *b, const struct mfa_user *u,
		      const struct mfa_verdict *v, struct mfa_change_set *out);

/* Fills *out for baseline entry i as a removed user: kinds has removed and,
 * when it had findings, finding-cleared. Pure. */
void mfa_compare_removed(const struct mfa_baseline *b, size_t i, struct mfa_change_set *out);

/* Severity of one change of the set: kind, and for finding-appeared /
 * finding-cleared the finding (ignored otherwise). NONE when the set does
 * not have that change. */
enum mfa_severity mfa_change_severity(const struct mfa_change_set *cs, enum mfa_change_kind kind,
				      enum mfa_finding finding);

/* ---- the rows of a change set (changes.csv, the Changes sheet) ---- */

/* One change as a report shows it. Every string is non-NULL ("" for
 * none) and borrowed for the duration of the callback. */
struct mfa_change_row {
	enum mfa_change_kind kind;
	enum mfa_severity severity;
	int finding;              /* enum mfa_finding for finding-appeared/-cleared; -1 otherwise */
	const char *id;
	const char *upn;
	const char *display_name;
	const char *previous;     /* the value before ("disabled", "true", "covered", ...) */
	const char *current;      /* the value now */
	const char *detail;       /* one short sentence or list for a person */
};

/* Returns 0 to go on; anything else stops mfa_change_rows, which returns
 * it (a negative value with err filled, by convention). */
typedef int (*mfa_change_row_fn)(void *ctx, const struct mfa_change_row *row, struct mfa_err *err);

/* Calls fn once per change of cs, in this order: added or removed, the
 * state (one row: state-away-from-disabled or state-changed),
 * registration, admin, coverage, then one row per finding appeared and
 * one per finding cleared (in enum mfa_finding order). u and v are the
 * user and verdict cs was computed from (identity and the coverage
 * reason); both NULL for a removed user (then the baseline entry gives the
 * identity). Nothing is called when cs->kinds is 0. */
int mfa_change_rows(const struct mfa_baseline *b, const struct mfa_change_set *cs,
		    const struct mfa_user *u, const struct mfa_verdict *v,
		    mfa_change_row_fn fn, void *ctx, struct mfa_err *err);

/* ---- counts (summary.json's "changes") ---- */

struct mfa_change_counts {
	unsigned long previous_users;  /* mfa_change_counts_finish: users in the baseline */
	unsigned long changed;         /* users (current or removed) with at least one change */
	unsigned long by_kind[MFA_CHANGE__COUNT]; /* users with that kind of change */
	unsigned long by_severity[MFA_SEV__COUNT]; /* users by their set's highest severity */
	unsigned long appeared[MFA_FINDING__COUNT]; /* users in whom that finding appeared */
	unsigned long cleared[MFA_FINDING__COUNT];  /* users in whom that finding cleared */
};

void mfa_change_counts_init(struct mfa_change_counts *c);

/* Counts one change set (a current user's or a removed one's). */
void mfa_change_counts_add(struct mfa_change_counts *c, const struct mfa_change_set *cs);

/* After the stream, once every matched entry has been marked: counts every
 * unseen entry as removed (mfa_compare_removed + mfa_change_counts_add)
 * and sets previous_users. Call it once, and not for an interrupted run
 * (its unseen users were maybe just not reached; changes.csv lists none). */
void mfa_change_counts_finish(struct mfa_change_counts *c, const struct mfa_baseline *b);

/* ---- --fail-on ---- */

struct mfa_change_filter {
	uint32_t kinds;            /* bit (1u << enum mfa_change_kind) */
	uint32_t new_findings;     /* new:<finding>: bit (1u << enum mfa_finding) */
	uint32_t cleared_findings; /* cleared:<finding> */
};

#define MFA_CHANGE_FILTER_INIT { 0, 0, 0 }

/* Takes one --fail-on item if it is about changes: a change kind name
 * ("state-away-from-disabled", "added", ...), "new:<finding>" (that finding
 * appeared since the previous run) or "cleared:<finding>". Returns 1 when
 * taken (added to *f), 0 when it is not a change item (the caller tries
 * states and findings), -1 when it is a "new:" / "cleared:" item naming no
 * finding (err says which). */
int mfa_change_fail_on_parse(const char *item, struct mfa_change_filter *f, struct mfa_err *err);

/* True when f holds no item. */
bool mfa_change_filter_empty(const struct mfa_change_filter *f);

/* True when cs has a change that f names. Pure. */
bool mfa_change_matches(const struct mfa_change_filter *f, const struct mfa_change_set *cs);

#endif
