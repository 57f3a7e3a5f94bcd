/* graph_source.h - the live tenant as a source (mfa/source.h): every user
 * of GET /v1.0/users, each with its per-user MFA state and joined to the
 * userRegistrationDetails report.
 *
 * The first mfa_source_next runs the whole scan on the http engine:
 *   - users pages ($top=999, $select of the record's fields), each next
 *     page submitted from the previous page's callback;
 *   - the state: inline when the first page carries perUserMfaState (the
 *     fast path), else read per user through $batch (graph/requirements.h);
 *     a 400 on the first page whose error names perUserMfaState (Graph's
 *     answer to an unknown $select property) asks for the page again
 *     without it and reads per user; mfa_source_stats' state_path and
 *     state_path_reason say which path ran and why;
 *   - per-user reads with a nextLink on the first page: the rest of the
 *     list in parallel userPrincipalName ranges (sources/upn_ranges.h),
 *     each followed by its own nextLinks, users de-duplicated by id; a
 *     range answered 400 (a Graph that refuses the filter) drops them
 *     all and follows the first page's nextLink serially instead;
 *     state_path_reason says "listed in N partitions" or "listed
 *     serially";
 *   - at the same time, the registration report's pages into a compact map
 *     (mfa/regmap.h); without the licence or permission the run goes on
 *     with registration unknown and a warning.
 * Scanned users go to an anonymous spool file as they complete, so memory
 * stays flat whatever the tenant's size; the source then yields them from
 * the spool, joined to the registration map. Every user the users list
 * returned is yielded exactly once; a state that could not be read is
 * UNKNOWN with the error in state_error.
 */
#ifndef MFA_SOURCES_GRAPH_SOURCE_H
#define MFA_SOURCES_GRAPH_SOURCE_H

#include <signal.h>
#include <time.h>

#include "mfa/model/coverage.h"
#include "mfa/model/source.h"
#include "mfa/model/whatif.h"
#include "sources/ca_fetch.h"
#include "sources/posture.h"
#include "sources/signins.h"
#include "graph/http.h"

/* Progress of the scan, for the CLI. */
struct mfa_graph_progress {
	unsigned long listed;      /* users returned by the users list so far */
	unsigned long done;        /* users whose state is settled (read or failed) */
	unsigned long total;       /* @odata.count, 0 when not known yet */
	unsigned long registration;/* registration entries loaded */
	int fast_path;             /* -1 not known yet, 0 per-user reads, 1 inline */
};

struct mfa_graph_source_options {
	struct mfa_http *http;     /* borrowed; the caller set its auth */
	const char *graph_url;     /* base, e.g. "https://graph.microsoft.com"; copied */
	int registration;          /* 1: read the registration report (default) */
	unsigned users_page_size;  /* $top, 1..999; 0 = 999 */
	unsigned backlog;          /* users awaiting a state read before the next
				    * users page waits; 0 = 5000 */
	mfa_warn_fn warn;          /* non-fatal problems (no registration licence) */
	void *warn_ctx;
	void (*progress)(void *ctx, const struct mfa_graph_progress *p);
	void *progress_ctx;
	/* Filled during the scan with the tenant's Conditional Access
	 * policies and memberships (sources/ca_fetch.h); borrowed, and read
	 * by classify only after the scan. NULL: not read. */
	struct mfa_ca_model *ca;
	/* audit --sign-ins DAYS: the sign-in logs of the DAYS before now,
	 * read alongside (sources/signins.h) and joined by id (u->signins;
	 * zero counts for a user without sign-ins in the window, NULL for
	 * everyone when the logs could not be read). 0: not read. */
	unsigned sign_in_days;
	time_t now;
	/* account types (opt-in: they cost requests):
	 * sign_in_activity: signInActivity in every users page's $select
	 *   (AuditLog.Read.All, Entra ID P1), pages of at most
	 *   MFA_SIGN_IN_ACTIVITY_PAGE_SIZE; the users get last_sign_in and
	 *   last_non_interactive_sign_in ("" for Graph's null: never signed
	 *   in). Refused on the first page (403, or Graph's licence error
	 *   Authentication_RequestFromNonPremiumTenantOrB2CTenant): one
	 *   warning, the list asked again without it, the fields NULL;
	 * mailbox_purpose: mailboxSettings.userPurpose of every user with a
	 *   mail (sources/mailbox_purpose.h) into mailbox_purpose. */
	int sign_in_activity;
	int mailbox_purpose;
	/* What If (sources/whatif.h; --what-if): with what_if set and the
	 * policies read, after the scan the users on the spool are put in
	 * their classes, the representatives asked about (at most
	 * what_if_max requests), and each user yielded with its what_if
	 * text. Borrowed; filled for the reports. note: the line saying how
	 * many requests and how long, before they start. */
	struct mfa_whatif_set *what_if;
	unsigned long what_if_max;
	mfa_warn_fn note;
	void *note_ctx;
	/* Filled during the scan with the tenant's posture (sources/posture.h);
	 * borrowed. NULL: not read. */
	struct mfa_posture *posture;
};

/* Graph's largest users page with signInActivity in $select: a larger
 * $top is answered with pages of at most this many (the List users page;
 * older versions of it said 120). */
#define MFA_SIGN_IN_ACTIVITY_PAGE_SIZE 500

#define MFA_GRAPH_SOURCE_OPTIONS_INIT { .registration = 1 }

/* Makes the source; no network until the first mfa_source_next. */
int mfa_graph_source_open(struct mfa_source **out, const struct mfa_graph_source_options *o,
			  struct mfa_err *err);

#endif
