/* session.c - sign-in and engine for the Graph jobs (session.h). */
#include "jobs/session.h"

#include <string.h>

static void apply_time_scale(struct mfa_graph_limits *l, double k)
{
	if (!(k > 1))
		return;
	l->read_window_s /= k;
	l->write_window_s /= k;
	l->write_tenant_window_s /= k;
	l->write_app_window_s /= k;
	l->reports_window_s /= k;
	l->ca_window_s /= k;
}

int mfa_session_open(struct mfa_session *s, const struct mfa_session_options *o,
		     struct mfa_err *err)
{
	struct mfa_http_options ho = MFA_HTTP_OPTIONS_INIT;

	s->limits = o->limits;
	if (mfa_auth_new(&s->auth, &o->auth, err) < 0)
		return -1;
	if (mfa_auth_sign_in(s->auth, err) < 0)
		return -1;
	apply_time_scale(&s->limits, o->time_scale);
	ho.workers = o->workers;
	if (o->timeout_s)
		ho.timeout_s = o->timeout_s;
	if (o->attempts)
		ho.retry.max_attempts = o->attempts;
	ho.limits = &s->limits;
	ho.ca_file = o->auth.ca_file;
	ho.proxy = o->auth.proxy;
	ho.trace = o->auth.trace;
	ho.trace_ctx = o->auth.trace_ctx;
	if (mfa_http_new(&s->http, &ho, err) < 0)
		return -1;
	mfa_http_set_auth(s->http, mfa_auth_bearer, s->auth);
	if (mfa_http_set_token_origin(s->http, mfa_session_graph_url(s), err) < 0)
		return -1;
	mfa_notify(&o->notify, MFA_LEVEL_INFO, "signed in to tenant '%s' (%s)",
		   mfa_session_tenant(s) ? mfa_session_tenant(s) : "?",
		   mfa_auth_kind_name(mfa_auth_kind(s->auth)));
	return 0;
}

const char *mfa_session_tenant(const struct mfa_session *s)
{
	return s->auth ? mfa_auth_tenant(s->auth) : NULL;
}

const char *mfa_session_graph_url(const struct mfa_session *s)
{
	return s->auth ? mfa_auth_graph_url(s->auth) : NULL;
}

void mfa_session_summarise(const struct mfa_session *s, struct mfa_summary *sum)
{
	struct mfa_http_stats st;
	int i;

	if (!s->http)
		return;
	mfa_http_stats(s->http, &st);
	sum->graph.present = 1;
	sum->graph.requests = st.attempts;
	/* $batch items count on their own (Graph throttles them one by one). */
	sum->graph.retries = st.retries + st.item_retries;
	sum->graph.throttled = st.throttled + st.items_throttled;
	sum->graph.server_errors = st.server_errors;
	sum->graph.transport_errors = st.transport_errors;
	sum->graph.failed = st.failed;
	sum->graph.peak_in_flight = st.peak_in_flight;
	sum->graph.http_version = st.http_version;
	sum->graph.token_requests = mfa_auth_token_requests(s->auth);
	sum->graph.auth_kind = mfa_auth_kind_name(mfa_auth_kind(s->auth));
	sum->graph.managed_identity = mfa_auth_mi_endpoint_kind(s->auth);
	sum->graph.paused_seconds = 0;
	for (i = 0; i < MFA_SCOPE__COUNT; i++) {
		sum->graph.paused_seconds += st.scope[i].paused_seconds;
		sum->graph.slowdowns += st.scope[i].slowdowns;
	}
}

void mfa_session_close(struct mfa_session *s)
{
	mfa_http_free(s->http);
	s->http = NULL;
	mfa_auth_free(s->auth);
	s->auth = NULL;
}
