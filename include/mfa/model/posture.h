/* mfa/model/posture.h - the tenant's posture around the switch, as data:
 * what a live run read about licences, the authentication methods policy,
 * Microsoft-managed Conditional Access policies and Entra's own
 * switchFromPerUserMFA recommendation (src/sources/posture.h reads them),
 * turned into notes that say what each means for the migration, and the
 * recommendation's users compared with ours.
 *
 * Pure: no I/O. The reader fills a struct mfa_posture through the setters
 * below; the scan streams every user past mfa_posture_count_user (or the
 * sink of mfa_posture_sink_open); summary.json and the Summary sheet read
 * the notes from mfa_posture_notes and the comparison from the struct.
 *
 *     struct mfa_posture *p = mfa_posture_new();
 *     mfa_posture_set_licences(p, MFA_POSTURE_READ, 1, 0, NULL);
 *     ...each user: mfa_posture_count_user(p, u);
 *     mfa_posture_compare_done(p, 1);
 *     n = mfa_posture_notes(p, notes, MFA_POSTURE_MAX_NOTES);
 *     mfa_posture_free(p);
 */
#ifndef MFA_MODEL_POSTURE_H
#define MFA_MODEL_POSTURE_H

#include <stddef.h>

#include "mfa/model/user.h"
#include "mfa/util/err.h"

/* How one read went. */
enum mfa_posture_read {
	MFA_POSTURE_NOT_READ = 0, /* never asked (offline, or the run stopped first) */
	MFA_POSTURE_READ,         /* read to its end */
	MFA_POSTURE_FORBIDDEN,    /* 403: the app lacks the permission */
	MFA_POSTURE_FAILED,       /* any other failure (its reason kept) */
};

/* The users either side counts that the other does not: the first
 * MFA_POSTURE_LIST_MAX ids are kept, all are counted. */
#define MFA_POSTURE_LIST_MAX 100
#define MFA_POSTURE_MAX_MANAGED 8
#define MFA_POSTURE_MAX_NOTES 10

/* The managed policy this migration is about (Microsoft's per-user MFA
 * article): at most 500 users, switched on by Microsoft at least 90 days
 * after it appears in report-only. */
#define MFA_POSTURE_PER_USER_POLICY "Multifactor authentication for per-user multifactor authentication users"

struct mfa_posture_idlist {
	unsigned long count;                    /* all of them */
	size_t kept;                            /* ids[0..kept) */
	char ids[MFA_POSTURE_LIST_MAX][40];     /* object ids (GUIDs) */
};

struct mfa_posture_managed {
	char name[200];    /* displayName */
	char state[48];    /* enabled, disabled, enabledForReportingButNotEnforced */
};

struct mfa_idset;

struct mfa_posture {
	/* GET /v1.0/subscribedSkus */
	enum mfa_posture_read licences;
	int p1, p2;                 /* an enabled AAD_PREMIUM / AAD_PREMIUM_P2 service plan */
	char licences_why[200];

	/* GET /v1.0/policies/authenticationMethodsPolicy */
	enum mfa_posture_read methods;
	char migration_state[40];   /* policyMigrationState, "" when absent */
	char campaign_state[24];    /* registrationEnforcement...Campaign.state */
	int campaign_targets;       /* its includeTargets; -1 unknown */
	int snooze_days;            /* its snoozeDurationInDays; -1 unknown */
	char sms_state[24], voice_state[24]; /* "" when the configuration is absent */
	char system_preferred[24];  /* systemCredentialPreferences.state */
	char methods_why[200];

	/* GET /v1.0/identity/conditionalAccess/policies: the managed ones */
	enum mfa_posture_read managed;
	size_t nmanaged;
	struct mfa_posture_managed managed_policies[MFA_POSTURE_MAX_MANAGED];
	unsigned long managed_more;  /* beyond the array */
	char managed_why[200];

	/* GET /beta/directory/recommendations + impactedResources */
	enum mfa_posture_read recommendation;
	int rec_found;               /* a switchFromPerUserMFA recommendation exists */
	char rec_status[32];         /* its status, e.g. active */
	char rec_why[200];
	struct mfa_idset *impacted;  /* Microsoft's users (owned) */
	unsigned long rec_count;     /* impacted resources read (users) */

	/* ours, from the stream */
	unsigned long ours;                 /* users with per-user MFA enabled or enforced */
	struct mfa_posture_idlist only_ours;      /* ours, not Microsoft's */
	struct mfa_posture_idlist only_microsoft; /* Microsoft's, not ours */
	int compared;                       /* mfa_posture_compare_done ran */
	int incomplete;                     /* ... for a run that did not see every user */
};

/* Makes an empty posture (every read MFA_POSTURE_NOT_READ). NULL: out of memory. */
struct mfa_posture *mfa_posture_new(void);
void mfa_posture_free(struct mfa_posture *p); /* NULL is fine */

/* Setters for the reader: why (copied, may be NULL) is the failure's reason. */
void mfa_posture_set_read(enum mfa_posture_read *field, char *why_buf, size_t why_size,
			  enum mfa_posture_read how, const char *why);
/* A managed policy seen; names past MFA_POSTURE_MAX_MANAGED are counted. */
void mfa_posture_add_managed(struct mfa_posture *p, const char *name, const char *state);
/* One of the recommendation's impacted users (by object id). 0, or -1 out of memory. */
int mfa_posture_add_impacted(struct mfa_posture *p, const char *id);

/* True when a Conditional Access policy with this displayName is
 * one Microsoft manages ("Microsoft-managed: ..." names). */
int mfa_posture_is_managed_policy(const char *display_name);

/* Counts a user in our side of the recommendation's comparison. */
int mfa_posture_count_user(struct mfa_posture *p, const struct mfa_user *u, struct mfa_err *err);
/* After the last user: fills only_microsoft, unless the run did not see
 * every user (complete 0: an interrupted scan), when Microsoft's users it
 * did not see prove nothing and only_microsoft stays empty. */
void mfa_posture_compare_done(struct mfa_posture *p, int complete);

/* One tenant note. */
struct mfa_posture_note {
	const char *key;      /* e.g. "licences"; static */
	const char *status;   /* "ok", "attention" or "unknown"; static */
	char text[640];       /* what was found */
	char meaning[640];    /* what it means for the migration */
};

/* Fills out[0..n) with the notes (at most max) and returns n. p NULL: 0. */
size_t mfa_posture_notes(const struct mfa_posture *p, struct mfa_posture_note *out, size_t max);

/* A sink (mfa/model/sink.h) that counts every row with
 * mfa_posture_count_user and finishes with mfa_posture_compare_done; p is
 * borrowed. Open it before the sinks that write the summary. */
struct mfa_sink;
int mfa_posture_sink_open(struct mfa_sink **out, struct mfa_posture *p, struct mfa_err *err);

#endif
