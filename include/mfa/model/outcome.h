/* mfa/model/outcome.h - what a change did to one user: the outcome a
 * journal records and the results report counts.
 *
 * Pure data. The journal (mfa/apply/journal.h) writes and reads these
 * outcomes; the results (reports/results.h) take them as plain records, so
 * reports need nothing from apply.
 */
#ifndef MFA_MODEL_OUTCOME_H
#define MFA_MODEL_OUTCOME_H

#include "mfa/model/user.h"

enum mfa_outcome {
	MFA_OUTCOME_NONE = 0, /* no outcome yet (intent only) */
	MFA_OUTCOME_CHANGED,  /* changed: the state was set */
	MFA_OUTCOME_ALREADY,  /* already: the state was already the target */
	MFA_OUTCOME_DRIFTED,  /* drifted: the state was neither from nor to: left alone */
	MFA_OUTCOME_HELD,     /* held: the plan held the user */
	MFA_OUTCOME_FAILED,   /* failed: the change could not be made (error says why) */
	MFA_OUTCOME__COUNT
};

const char *mfa_outcome_name(enum mfa_outcome o); /* "changed", ...; "" for NONE */
int mfa_outcome_parse(const char *name);          /* -1 if none */

/* One user's outcome, as a journal's outcome line holds it. Strings are
 * borrowed from whoever fills the record, for as long as they say. */
struct mfa_outcome_record {
	unsigned long seq;          /* the user's seq in the plan */
	const char *id;             /* or NULL */
	const char *upn;            /* or NULL */
	enum mfa_state from;
	enum mfa_state to;
	enum mfa_outcome outcome;
	enum mfa_state observed;    /* the state read back; MFA_STATE_UNKNOWN if none */
	long status;                /* HTTP status of the write (or read); 0 if none */
	unsigned attempts;
	const char *error;          /* failed: why; NULL otherwise */
};

#endif
