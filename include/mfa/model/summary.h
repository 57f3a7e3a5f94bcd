/* mfa/summary.h - the counts a run gathers as users stream past, written
 * at the end into summary.json and the Summary sheet. Plain data, no
 * allocation: init, add each row, read the fields.
 */
#ifndef MFA_SUMMARY_H
#define MFA_SUMMARY_H

#include <time.h>

#include "mfa/model/classify.h"
#include "mfa/model/plan.h"
#include "mfa/model/user.h"

struct mfa_change_counts; /* mfa/compare.h */
struct mfa_posture;       /* mfa/model/posture.h */
struct mfa_whatif_counts; /* mfa/whatif.h */

/* One earlier run's counts, as its summary.json gave them: the trend
 * across the runs kept by audit --history (jobs/history.h fills them). */
struct mfa_run_counts {
	char run[64];             /* its folder's name, e.g. 20261128T081500Z */
	char started[64];         /* its startedDateTime; "" when it had none */
	unsigned long users;
	unsigned long by_state[MFA_STATE__COUNT];
	unsigned long by_finding[MFA_FINDING__COUNT];
};

struct mfa_summary {
	/* what the run was */
	const char *command;      /* "plan" or "audit"; borrowed */
	const char *source_kind;  /* "csv" or "graph"; borrowed */
	const char *source_path;  /* input file, NULL for graph; borrowed */
	const char *registration_path; /* --registration, or NULL; borrowed */
	const char *format;       /* detected input format; borrowed */
	const char *plan_sha256;  /* plan.jsonl's SHA-256 (hex), "" or NULL if none; borrowed */
	const char *tenant_id;    /* NULL when unknown (CSV input); borrowed */
	int has_plan;             /* action counts are meaningful */
	int incomplete;           /* interrupted: the reports do not cover every user */

	/* input */
	unsigned long input_rows;
	unsigned long bad_rows;
	unsigned long joined;     /* users that matched a registration row */
	/* an export's accounting: records = users from the state file +
	 * state-file bad rows + blank rows, or the run fails */
	unsigned long input_records;     /* data records read from the state file */
	unsigned long rows_accounted;    /* what the run accounted them as */
	unsigned long blank_rows;
	unsigned long duplicate_rows;    /* rows refused as repeats of an earlier user */
	unsigned long registration_only; /* users only in the registration file */
	unsigned long unmatched_exclude; /* --exclude entries that matched no user */
	unsigned long unmatched_only;    /* --only entries that matched no user */

	/* users */
	unsigned long users;
	unsigned long by_class[MFA_STATE__COUNT][MFA_REG__COUNT];
	unsigned long by_action[MFA_ACTION__COUNT];
	unsigned long by_hold[MFA_HOLD__COUNT];
	unsigned long by_finding[MFA_FINDING__COUNT];
	unsigned long by_risk[MFA_SEV__COUNT];
	const char *compare_path; /* audit --compare: the previous run; borrowed */
	const char *history_root; /* audit --history DIR, or NULL; borrowed */
	/* with history_root: the earlier runs' counts, oldest first; borrowed */
	const struct mfa_run_counts *history_runs;
	size_t history_nruns;
	const struct mfa_change_counts *changes; /* filled by the counting sink; borrowed */
	int coverage_checked;     /* a CA model was given */
	int require_ca_coverage;  /* plan: users not `covered` were held (mfa_plan_requires_coverage) */
	time_t now;               /* the run date findings were judged at (classify's now) */
	unsigned long by_coverage[MFA_COVERAGE__COUNT];
	int security_defaults;    /* -1 unknown, 0 off, 1 on */
	int ca_policies;          /* policies read; -1 when they could not be read */
	unsigned long guests;
	unsigned long admins;
	unsigned long sign_in_blocked;
	/* a live run's tenant posture and Entra's recommendation compared
	 * with this run's users (mfa/model/posture.h); NULL offline; borrowed */
	const struct mfa_posture *posture;
	/* --what-if: the What If cross-check's counts; NULL: not asked; borrowed */
	const struct mfa_whatif_counts *what_if;

	/* a live run's traffic with Microsoft Graph (present: 1) */
	struct {
		int present;
		const char *auth_kind;     /* "secret", "certificate", ...; borrowed */
		const char *managed_identity; /* "imds" or "app-service" for a managed
					       * identity, else NULL; borrowed */
		unsigned long requests;    /* HTTP requests sent, retries included */
		unsigned long retries;
		unsigned long throttled;   /* 429 answers */
		unsigned long server_errors;
		unsigned long transport_errors;
		unsigned long failed;      /* requests that failed for good */
		unsigned long token_requests;
		unsigned long slowdowns;   /* x-ms-throttle-limit-percentage > 0.8 seen */
		unsigned long unknown_states; /* users whose state could not be read */
		unsigned peak_in_flight;
		const char *http_version;  /* "2", "1.1"; NULL: no answer; borrowed (static) */
		const char *state_path;    /* how per-user states were read: "inline" (the
					    * $select fast path) or "batch" (per-user reads);
					    * NULL: none read; borrowed (static) */
		const char *state_path_reason; /* why that path, one line; borrowed */
		double paused_seconds;     /* time scopes spent paused by Retry-After */
		int registration_unavailable;
	} graph;

	/* timing, wall clock */
	struct timespec started;  /* CLOCK_REALTIME at start */
	struct timespec mono_started; /* CLOCK_MONOTONIC at start, for seconds */
	double seconds;           /* elapsed, set by mfa_summary_finish */
};

/* What disappears with per-user MFA and must be rebuilt in Conditional
 * Access: one sentence each, NULL-terminated (summary.json, the Summary
 * sheet, the README). */
extern const char *const mfa_tenant_notes[];

/* Zeroes everything and stamps the start time. */
void mfa_summary_init(struct mfa_summary *s);

/* Counts one user. decision may be NULL (audit). */
void mfa_summary_add(struct mfa_summary *s, const struct mfa_user *u,
		     const struct mfa_verdict *v, const struct mfa_decision *d);

/* Stamps the elapsed time. */
void mfa_summary_finish(struct mfa_summary *s);

/* The plan's changes: disable + enable + enforce. */
unsigned long mfa_summary_changes(const struct mfa_summary *s);

/* Least time to apply the plan's changes at Graph's write quota. */
double mfa_summary_min_apply_seconds(const struct mfa_summary *s);

#endif
