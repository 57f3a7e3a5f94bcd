/* session.h - a signed-in Graph session: the sign-in (graph/auth.h) and the
 * http engine (graph/http.h) with its workers and throttle budgets, made
 * from plain options. Every job that talks to Graph opens one.
 *
 *     struct mfa_session_options so = MFA_SESSION_OPTIONS_INIT;
 *     struct mfa_session s = MFA_SESSION_INIT;
 *     so.auth.tenant = "contoso.onmicrosoft.com";
 *     if (mfa_session_open(&s, &so, &err) < 0) goto cleanup;
 *     ... s.http, mfa_session_graph_url(&s) ...
 *   cleanup:
 *     mfa_session_close(&s);
 */
#ifndef MFA_JOBS_SESSION_H
#define MFA_JOBS_SESSION_H

#include "graph/auth.h"
#include "graph/http.h"
#include "graph/throttle.h"
#include "mfa/jobs/notify.h"
#include "mfa/model/summary.h"

struct mfa_session_options {
	struct mfa_auth_options auth; /* strings borrowed for the session's life */
	struct mfa_graph_limits limits;
	unsigned workers;       /* requests in flight at once */
	long timeout_s;         /* per request attempt; 0: the engine's default */
	unsigned attempts;      /* per request, first included; 0: the engine's default */
	/* Divides every throttle window, to match a graph-emulator run with
	 * --time-scale K (benchmarks and tests only); 0 or 1: none. */
	double time_scale;
	struct mfa_notify notify; /* "signed in to ..." (info) */
};

#define MFA_SESSION_OPTIONS_INIT { \
	.auth = MFA_AUTH_OPTIONS_INIT, .limits = MFA_GRAPH_LIMITS_INIT, .workers = 256, \
	.timeout_s = 0, .attempts = 0, .time_scale = 0, .notify = MFA_NOTIFY_INIT }

struct mfa_session {
	struct mfa_auth *auth;          /* owned */
	struct mfa_http *http;          /* owned; its auth is `auth` */
	struct mfa_graph_limits limits; /* in force (time scale applied); the engine borrows it */
};

#define MFA_SESSION_INIT { NULL, NULL, MFA_GRAPH_LIMITS_INIT }

/* Signs in (so a bad credential fails before any work) and makes the http
 * engine. o is read during the call; its strings must outlive s. On
 * failure what was made is left in s for mfa_session_close. */
int mfa_session_open(struct mfa_session *s, const struct mfa_session_options *o,
		     struct mfa_err *err);

/* The tenant signed in to (id or domain), or NULL (not open). */
const char *mfa_session_tenant(const struct mfa_session *s);

/* Graph's base URL for this sign-in. */
const char *mfa_session_graph_url(const struct mfa_session *s);

/* Copies the engine's throttling and retry figures into the summary. */
void mfa_session_summarise(const struct mfa_session *s, struct mfa_summary *sum);

/* Frees the engine, then the sign-in (wiping its secrets). Safe on an
 * initialised or closed session. */
void mfa_session_close(struct mfa_session *s);

#endif
