/* mfa/classify.h - a user's class and findings: a pure function of the
 * record and the options. No I/O, no globals.
 *
 * The class is state x registration ("enforced-registered",
 * "enabled-not-registered", "unknown-unknown", ...). Findings are the risks
 * and facts worth an admin's attention, each with a severity; the user's
 * risk is the highest severity among its findings.
 */
#ifndef MFA_CLASSIFY_H
#define MFA_CLASSIFY_H

#include <stdint.h>
#include <time.h>

#include "mfa/model/coverage.h"
#include "mfa/model/idset.h"
#include "mfa/model/user.h"

enum mfa_reg_status {
	MFA_REG_UNKNOWN = 0,
	MFA_REG_NOT_REGISTERED,
	MFA_REG_REGISTERED,
	MFA_REG__COUNT
};

enum mfa_severity {
	MFA_SEV_NONE = 0,
	MFA_SEV_INFO,
	MFA_SEV_LOW,
	MFA_SEV_MEDIUM,
	MFA_SEV_HIGH,
	MFA_SEV__COUNT
};

/* Every finding classify can raise. The names (mfa_finding_name) are what
 * reports print and what --fail-on takes. */
enum mfa_finding {
	MFA_FINDING_ADMIN_NOT_REGISTERED = 0, /* admin-not-registered (high) */
	MFA_FINDING_STATE_UNKNOWN,            /* state-unknown (high) */
	MFA_FINDING_ENFORCED_NOT_REGISTERED,  /* enforced-not-registered (medium) */
	MFA_FINDING_ENABLED_NOT_REGISTERED,   /* enabled-not-registered (medium): pending registration */
	MFA_FINDING_STATE_AMBIGUOUS,          /* state-ambiguous (medium): enabled or enforced */
	MFA_FINDING_APP_PASSWORDS_POSSIBLE,   /* app-passwords-possible (medium): enforced users may use app passwords */
	MFA_FINDING_ENABLED_REGISTERED,       /* stuck-enabled (low): registered but still enabled */
	MFA_FINDING_REGISTRATION_UNKNOWN,     /* registration-unknown (low) */
	MFA_FINDING_GUEST,                    /* guest (info) */
	MFA_FINDING_SIGN_IN_BLOCKED,          /* sign-in-blocked (info) */
	MFA_FINDING_EXCLUDED,                 /* excluded (info): on the --exclude list */
	MFA_FINDING_NOT_COVERED,              /* not-covered (high): no CA policy (or security defaults) requires MFA */
	MFA_FINDING_PARTIAL_COVERAGE,         /* partial-coverage (medium): CA requires MFA for part of the sign-ins */
	MFA_FINDING_REPORT_ONLY_COVERAGE,     /* report-only-coverage (medium): only report-only policies would */
	MFA_FINDING_DUPLICATE_USER,           /* duplicate-user (medium): the export names the user twice */
	MFA_FINDING_SMS_VOICE_ONLY,           /* sms-voice-only (medium; high from 2027-02-01): only phone methods */
	MFA_FINDING_STALE_ACCOUNT,            /* stale-account (low): no sign-in for --stale-days */
	MFA_FINDING_SHARED_MAILBOX,           /* shared-mailbox (info): shared, room or equipment mailbox */
	MFA_FINDING_COVERAGE_DISAGREES,       /* coverage-disagrees (high): What If or the sign-ins say otherwise */
	MFA_FINDING_MFA_ONLY_FROM_PER_USER,   /* mfa-only-from-per-user (high): sign-ins got MFA only from per-user MFA */
	MFA_FINDING_STILL_PROMPTED_PER_USER,  /* still-prompted-by-per-user-mfa (high): per-user MFA still acting */
	MFA_FINDING_LEGACY_CLIENT_SIGN_INS,   /* legacy-client-sign-ins (medium): legacy clients in the window */
	MFA_FINDING__COUNT
};

struct mfa_classify_options {
	const struct mfa_idset *exclude; /* --exclude list, borrowed; NULL for none */
	const struct mfa_ca_model *ca;   /* Conditional Access model, borrowed; NULL: coverage not checked */
	time_t now;                      /* the run date findings are judged at (--now); the job sets it */
	unsigned stale_days;             /* stale-account after this many days without a sign-in */
};

#define MFA_CLASSIFY_OPTIONS_INIT { NULL, NULL, 0, 90 }

struct mfa_verdict {
	enum mfa_state state;
	enum mfa_reg_status reg;
	uint32_t findings;        /* bit (1u << enum mfa_finding) */
	enum mfa_severity risk;   /* highest severity among findings */
	int coverage_checked;     /* a CA model was given; coverage is meaningful */
	struct mfa_coverage coverage; /* the user's Conditional Access coverage */
};

/* Classifies u. Pure: same input, same output. */
void mfa_classify(const struct mfa_classify_options *opts, const struct mfa_user *u,
		  struct mfa_verdict *out);

/* Registration status of a record. */
enum mfa_reg_status mfa_reg_status_of(const struct mfa_user *u);

/* "enforced-registered" etc. Never NULL. */
const char *mfa_class_name(enum mfa_state s, enum mfa_reg_status r);

/* "registered", "not-registered", "unknown". */
const char *mfa_reg_status_name(enum mfa_reg_status r);

/* "admin-not-registered" etc.; NULL out of range. */
const char *mfa_finding_name(enum mfa_finding f);

/* One sentence an admin reads in the Findings sheet. Never NULL in range. */
const char *mfa_finding_advice(enum mfa_finding f);

/* The severity in the findings table: the one before any date rule. */
enum mfa_severity mfa_finding_severity(enum mfa_finding f);

/* 2027-02-01T00:00:00Z: Microsoft stops SMS and voice as MFA methods. */
#define MFA_SMS_VOICE_END ((time_t)1801440000)

/* The severity of f judged at now (the run date, classify options' now):
 * sms-voice-only is medium before MFA_SMS_VOICE_END and high from then
 * on; every other finding as mfa_finding_severity. What the run's reports
 * show (users' risk, the Findings and Summary sheets, summary.json). */
enum mfa_severity mfa_finding_severity_at(enum mfa_finding f, time_t now);

/* Finding by name; -1 if none. */
int mfa_finding_parse(const char *name);

/* "none", "info", "low", "medium", "high". */
const char *mfa_severity_name(enum mfa_severity s);

#endif
