/* failon.h - audit --fail-on LIST: which per-user MFA states, classes,
 * findings and (with a comparison) changes make an audit exit "findings
 * matched"; and plan --select LIST, the same items (no changes) choosing
 * the users a plan changes. One parser and one matcher for both.
 * Pure: parsing and matching, no I/O.
 *
 *     struct mfa_fail_on f = MFA_FAIL_ON_INIT;
 *     if (mfa_fail_on_parse(&f, "enforced,admin-not-registered", &err) < 0) ...
 *     ... the run ...
 *     if (mfa_fail_on_matched(&f, &summary) || (f.change_any && change_matched)) ...
 */
#ifndef MFA_MODEL_FAILON_H
#define MFA_MODEL_FAILON_H

#include <stdbool.h>

#include "mfa/model/classify.h"
#include "mfa/model/compare.h"
#include "mfa/model/summary.h"
#include "mfa/model/user.h"
#include "mfa/util/err.h"

struct mfa_fail_on {
	bool state[MFA_STATE__COUNT];       /* per-user MFA states named */
	bool finding[MFA_FINDING__COUNT];   /* findings named */
	bool cls[MFA_STATE__COUNT][MFA_REG__COUNT]; /* classes named (state x registration) */
	struct mfa_change_filter change;    /* change items named (new:..., added, ...) */
	bool any;                           /* a state or a finding was named */
	bool change_any;                    /* a change item was named */
};

#define MFA_FAIL_ON_INIT { { false }, { false }, { { false } }, MFA_CHANGE_FILTER_INIT, false, false }

/* Adds the comma-separated items of list to f (several --fail-on add up;
 * empty items are skipped). An item is a change item
 * (mfa_change_fail_on_parse), a finding name, a class name
 * (mfa_class_name: enforced-registered, ...) or a per-user MFA state name
 * (unknown too); a name that is both a finding and a class
 * (enabled-not-registered) is the finding, which means the same users. Returns 0, or -1 with err naming the item it cannot place
 * (f may then hold the items before it). list is borrowed. */
int mfa_fail_on_parse(struct mfa_fail_on *f, const char *list, struct mfa_err *err);

/* True when s counts a user in a state or with a finding that f names.
 * Naming enabled or enforced also matches enabled-or-enforced users (an
 * export that cannot tell them apart: they may be either).
 * (Changes are matched by the counting sink: mfa_changes_count_sink_open.) */
bool mfa_fail_on_matched(const struct mfa_fail_on *f, const struct mfa_summary *s);

/* True when the user v describes has a state, class or finding f names
 * (the same rule per user: --select). */
bool mfa_fail_on_matches(const struct mfa_fail_on *f, const struct mfa_verdict *v);

#endif
