/* user.c - the user record's names and parsing (mfa/user.h). */
#include "mfa/model/user.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void mfa_user_init(struct mfa_user *u)
{
	memset(u, 0, sizeof(*u));
	u->state = MFA_STATE_UNKNOWN;
	u->user_type = MFA_USER_TYPE_UNKNOWN;
	u->account_enabled = MFA_TRI_UNKNOWN;
	u->is_admin = MFA_TRI_UNKNOWN;
	u->reg.registered = MFA_TRI_UNKNOWN;
	u->reg.capable = MFA_TRI_UNKNOWN;
}

static const char *const state_names[MFA_STATE__COUNT] = {
	[MFA_STATE_UNKNOWN] = "unknown",
	[MFA_STATE_DISABLED] = "disabled",
	[MFA_STATE_ENABLED] = "enabled",
	[MFA_STATE_ENFORCED] = "enforced",
	[MFA_STATE_AMBIGUOUS] = "enabled-or-enforced",
};

const char *mfa_state_name(enum mfa_state s)
{
	if ((unsigned)s >= MFA_STATE__COUNT)
		return "unknown";
	return state_names[s];
}

enum mfa_state mfa_state_parse(const char *text)
{
	size_t len;
	int s;

	if (!text)
		return MFA_STATE_UNKNOWN;
	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	/* "unknown" is listed but parses to UNKNOWN like anything else. */
	for (s = MFA_STATE_DISABLED; s < MFA_STATE__COUNT; s++) {
		if (strlen(state_names[s]) == len && strncasecmp(text, state_names[s], len) == 0)
			return (enum mfa_state)s;
	}
	return MFA_STATE_UNKNOWN;
}

enum mfa_state mfa_state_from_graph(const char *value, char *why, size_t size)
{
	enum mfa_state s = mfa_state_parse(value);

	/* Only Graph's three values count; never our own spellings. */
	if (s == MFA_STATE_AMBIGUOUS)
		s = MFA_STATE_UNKNOWN;
	if (s == MFA_STATE_UNKNOWN && why && size)
		snprintf(why, size, "Graph answered an unreadable per-user MFA state '%.40s'",
			 value ? value : "");
	return s;
}

enum mfa_tri mfa_tri_parse(const char *v)
{
	static const char *const yes[] = { "true", "yes", "1", "y", "$true" };
	static const char *const no[] = { "false", "no", "0", "n", "$false" };
	size_t i;

	if (!v)
		return MFA_TRI_UNKNOWN;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return MFA_TRI_YES;
		if (strcasecmp(v, no[i]) == 0)
			return MFA_TRI_NO;
	}
	return MFA_TRI_UNKNOWN;
}

const char *mfa_tri_name(enum mfa_tri t)
{
	switch (t) {
	case MFA_TRI_YES:
		return "true";
	case MFA_TRI_NO:
		return "false";
	default:
		return "";
	}
}

const char *mfa_user_type_name(enum mfa_user_type t)
{
	switch (t) {
	case MFA_USER_TYPE_MEMBER:
		return "member";
	case MFA_USER_TYPE_GUEST:
		return "guest";
	default:
		return "";
	}
}
