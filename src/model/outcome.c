/* outcome.c - outcome names (mfa/model/outcome.h). */
#include "mfa/model/outcome.h"

#include <string.h>

static const char *const outcome_names[MFA_OUTCOME__COUNT] = {
	"", "changed", "already", "drifted", "held", "failed",
};

const char *mfa_outcome_name(enum mfa_outcome o)
{
	return (unsigned)o < MFA_OUTCOME__COUNT ? outcome_names[o] : "";
}

int mfa_outcome_parse(const char *name)
{
	int i;

	for (i = 1; name && i < MFA_OUTCOME__COUNT; i++) {
		if (strcmp(name, outcome_names[i]) == 0)
			return i;
	}
	return -1;
}
