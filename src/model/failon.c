/* failon.c - --fail-on parsing and matching (failon.h). */
#include "model/failon.h"

#include <string.h>

#define MAX_LIST 1024

/* A class name (enforced-registered, ...): 0 and *st, *reg; -1 if none. */
static int class_parse(const char *item, int *st, int *reg)
{
	int i, j;

	for (i = 0; i < MFA_STATE__COUNT; i++) {
		for (j = 0; j < MFA_REG__COUNT; j++) {
			if (strcmp(item, mfa_class_name((enum mfa_state)i, (enum mfa_reg_status)j)) == 0) {
				*st = i;
				*reg = j;
				return 0;
			}
		}
	}
	return -1;
}

/* One item: a change, a finding, a class or a state. */
static int add_item(struct mfa_fail_on *f, const char *item, struct mfa_err *err)
{
	int finding = mfa_finding_parse(item), st = 0, reg = 0;
	enum mfa_state state = mfa_state_parse(item);
	int c = mfa_change_fail_on_parse(item, &f->change, err);

	if (c < 0)
		return -1;
	if (c > 0) {
		f->change_any = true;
		return 0;
	}
	if (finding >= 0)
		f->finding[finding] = true;
	else if (class_parse(item, &st, &reg) == 0)
		f->cls[st][reg] = true;
	else if (state != MFA_STATE_UNKNOWN || strcmp(item, "unknown") == 0)
		f->state[state] = true;
	else
		return mfa_err_set(err, "'%s' is neither a per-user MFA state (disabled, enabled, enforced, enabled-or-enforced, unknown) nor a class (enforced-registered, ...) nor a finding (see the README)",
				   item);
	f->any = true;
	return 0;
}

int mfa_fail_on_parse(struct mfa_fail_on *f, const char *list, struct mfa_err *err)
{
	char item[MAX_LIST];
	const char *p = list, *comma;
	size_t len;

	if (strlen(list) >= MAX_LIST)
		return mfa_err_set(err, "list too long");
	while (*p) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len) {
			memcpy(item, p, len);
			item[len] = '\0';
			if (add_item(f, item, err) < 0)
				return -1;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

/* Is a user in state i one that f names? "enabled-or-enforced" may be
 * either: a compliance check on enabled or on enforced must fail on it. */
static bool state_named(const struct mfa_fail_on *f, int i)
{
	if (f->state[i])
		return true;
	return i == MFA_STATE_AMBIGUOUS &&
	       (f->state[MFA_STATE_ENABLED] || f->state[MFA_STATE_ENFORCED]);
}

bool mfa_fail_on_matched(const struct mfa_fail_on *f, const struct mfa_summary *s)
{
	int i, j;

	for (i = 0; i < MFA_STATE__COUNT; i++) {
		for (j = 0; j < MFA_REG__COUNT && state_named(f, i); j++) {
			if (s->by_class[i][j])
				return true;
		}
		for (j = 0; j < MFA_REG__COUNT; j++) {
			if (f->cls[i][j] && s->by_class[i][j])
				return true;
		}
	}
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		if (f->finding[i] && s->by_finding[i])
			return true;
	}
	return false;
}

bool mfa_fail_on_matches(const struct mfa_fail_on *f, const struct mfa_verdict *v)
{
	int i;

	if ((unsigned)v->state < MFA_STATE__COUNT && state_named(f, v->state))
		return true;
	if ((unsigned)v->state < MFA_STATE__COUNT && (unsigned)v->reg < MFA_REG__COUNT &&
	    f->cls[v->state][v->reg])
		return true;
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		if (f->finding[i] && (v->findings & (1u << i)))
			return true;
	}
	return false;
}
