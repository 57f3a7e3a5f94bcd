/* json_sink.c - summary.json (mfa/sink.h). */
#include "mfa/model/compare.h"
#include "mfa/util/outfile.h"
#include "util/jsonfile.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "reports/posture_json.h"
#include "mfa/model/whatif.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct json_sink {
	struct mfa_sink base;
	struct mfa_outfile out;
};

static int json_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	(void)s;
	(void)row;
	(void)err;
	return 0;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* The trend: each earlier run's counts as its own summary.json had them. */
static void add_history_runs(cJSON *arr, const struct mfa_run_counts *runs, size_t n)
{
	cJSON *item, *o;
	size_t k;
	int i;

	for (k = 0; arr && k < n; k++) {
		item = cJSON_CreateObject();
		if (!item)
			return;
		cJSON_AddStringToObject(item, "run", runs[k].run);
		if (runs[k].started[0])
			cJSON_AddStringToObject(item, "startedDateTime", runs[k].started);
		cJSON_AddNumberToObject(item, "users", (double)runs[k].users);
		o = cJSON_AddObjectToObject(item, "byState");
		for (i = 0; i < MFA_STATE__COUNT; i++)
			cJSON_AddNumberToObject(o, mfa_state_name((enum mfa_state)i), (double)runs[k].by_state[i]);
		o = cJSON_AddObjectToObject(item, "byFinding");
		for (i = 0; i < MFA_FINDING__COUNT; i++)
			cJSON_AddNumberToObject(o, mfa_finding_name((enum mfa_finding)i),
						(double)runs[k].by_finding[i]);
		cJSON_AddItemToArray(arr, item);
	}
}

static void format_time(const struct timespec *t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t->tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Builds the document. Returns NULL on out of memory (cJSON's allocations
 * all hang off root, so one delete frees a partial tree). */
static cJSON *build(const struct mfa_summary *s)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *o, *m;
	char when[32];
	int i, j;
	unsigned long by_state[MFA_STATE__COUNT] = { 0 }, by_reg[MFA_REG__COUNT] = { 0 };

	if (!root)
		return NULL;
	cJSON_AddStringToObject(root, "kind", "mfa-migrate-summary");
	cJSON_AddNumberToObject(root, "formatVersion", 1);
	add_str(root, "command", s->command);
	cJSON_AddBoolToObject(root, "complete", !s->incomplete);
	add_str(root, "tenantId", s->tenant_id);
	format_time(&s->started, when, sizeof(when));
	cJSON_AddStringToObject(root, "startedDateTime", when);
	cJSON_AddNumberToObject(root, "seconds", s->seconds);

	o = cJSON_AddObjectToObject(root, "source");
	add_str(o, "kind", s->source_kind);
	add_str(o, "path", s->source_path);
	add_str(o, "registrationPath", s->registration_path);
	add_str(o, "format", s->format);
	if (s->plan_sha256 && s->plan_sha256[0])
		cJSON_AddStringToObject(root, "planSha256", s->plan_sha256);

	o = cJSON_AddObjectToObject(root, "input");
	cJSON_AddNumberToObject(o, "rows", (double)s->input_rows);
	cJSON_AddNumberToObject(o, "badRows", (double)s->bad_rows);
	cJSON_AddNumberToObject(o, "registrationJoined", (double)s->joined);
	if (s->source_path) {
		cJSON_AddNumberToObject(o, "records", (double)s->input_records);
		cJSON_AddNumberToObject(o, "accounted", (double)s->rows_accounted);
		cJSON_AddNumberToObject(o, "blankRows", (double)s->blank_rows);
		cJSON_AddNumberToObject(o, "duplicateRows", (double)s->duplicate_rows);
		cJSON_AddNumberToObject(o, "registrationOnly", (double)s->registration_only);
	}
	cJSON_AddNumberToObject(o, "unmatchedExclude", (double)s->unmatched_exclude);
	cJSON_AddNumberToObject(o, "unmatchedOnly", (double)s->unmatched_only);

	cJSON_AddNumberToObject(root, "users", (double)s->users);
	cJSON_AddNumberToObject(root, "guests", (double)s->guests);
	cJSON_AddNumberToObject(root, "admins", (double)s->admins);
	cJSON_AddNumberToObject(root, "signInBlocked", (double)s->sign_in_blocked);

	for (i = 0; i < MFA_STATE__COUNT; i++) {
		for (j = 0; j < MFA_REG__COUNT; j++) {
			by_state[i] += s->by_class[i][j];
			by_reg[j] += s->by_class[i][j];
		}
	}
	o = cJSON_AddObjectToObject(root, "byState");
	for (i = 0; i < MFA_STATE__COUNT; i++)
		cJSON_AddNumberToObject(o, mfa_state_name((enum mfa_state)i), (double)by_state[i]);
	o = cJSON_AddObjectToObject(root, "byRegistration");
	for (j = 0; j < MFA_REG__COUNT; j++)
		cJSON_AddNumberToObject(o, mfa_reg_status_name((enum mfa_reg_status)j),
					(double)by_reg[j]);
	/* state x registration, as a matrix an admin can read. */
	o = cJSON_AddObjectToObject(root, "byStateAndRegistration");
	for (i = 0; i < MFA_STATE__COUNT; i++) {
		m = cJSON_AddObjectToObject(o, mfa_state_name((enum mfa_state)i));
		for (j = 0; j < MFA_REG__COUNT; j++)
			cJSON_AddNumberToObject(m, mfa_reg_status_name((enum mfa_reg_status)j),
						(double)s->by_class[i][j]);
	}
	o = cJSON_AddObjectToObject(root, "byFinding");
	for (i = 0; i < MFA_FINDING__COUNT; i++)
		cJSON_AddNumberToObject(o, mfa_finding_name((enum mfa_finding)i),
					(double)s->by_finding[i]);
	/* the run date (--now, else the clock) and the severities the
	 * findings were judged at then (sms-voice-only turns high on
	 * 2027-02-01) */
	if (s->now) {
		struct timespec at = { s->now, 0 };

		format_time(&at, when, sizeof(when));
		cJSON_AddStringToObject(root, "findingsJudgedAt", when);
	}
	o = cJSON_AddObjectToObject(root, "findingSeverity");
	for (i = 0; i < MFA_FINDING__COUNT; i++)
		cJSON_AddStringToObject(o, mfa_finding_name((enum mfa_finding)i),
					mfa_severity_name(mfa_finding_severity_at((enum mfa_finding)i, s->now)));
	o = cJSON_AddObjectToObject(root, "byRisk");
	for (i = 0; i < MFA_SEV__COUNT; i++)
		cJSON_AddNumberToObject(o, mfa_severity_name((enum mfa_severity)i),
					(double)s->by_risk[i]);
	if (s->history_root) {
		o = cJSON_AddObjectToObject(root, "history");
		add_str(o, "root", s->history_root);
		/* earlier runs, oldest first; this run is the document itself */
		add_history_runs(cJSON_AddArrayToObject(o, "runs"), s->history_runs, s->history_nruns);
	}
	if (s->changes) {
		const struct mfa_change_counts *c = s->changes;

		o = cJSON_AddObjectToObject(root, "changes");
		add_str(o, "previous", s->compare_path);
		cJSON_AddNumberToObject(o, "previousUsers", (double)c->previous_users);
		cJSON_AddNumberToObject(o, "usersChanged", (double)c->changed);
		m = cJSON_AddObjectToObject(o, "byKind");
		for (i = 0; i < MFA_CHANGE__COUNT; i++)
			cJSON_AddNumberToObject(m, mfa_change_kind_name((enum mfa_change_kind)i),
						(double)c->by_kind[i]);
		m = cJSON_AddObjectToObject(o, "bySeverity");
		for (i = 0; i < MFA_SEV__COUNT; i++)
			cJSON_AddNumberToObject(m, mfa_severity_name((enum mfa_severity)i),
						(double)c->by_severity[i]);
		m = cJSON_AddObjectToObject(o, "findingsAppeared");
		for (i = 0; i < MFA_FINDING__COUNT; i++)
			if (c->appeared[i])
				cJSON_AddNumberToObject(m, mfa_finding_name((enum mfa_finding)i),
							(double)c->appeared[i]);
		m = cJSON_AddObjectToObject(o, "findingsCleared");
		for (i = 0; i < MFA_FINDING__COUNT; i++)
			if (c->cleared[i])
				cJSON_AddNumberToObject(m, mfa_finding_name((enum mfa_finding)i),
							(double)c->cleared[i]);
	}
	if (s->coverage_checked) {
		o = cJSON_AddObjectToObject(root, "caCoverage");
		for (i = 0; i < MFA_COVERAGE__COUNT; i++)
			cJSON_AddNumberToObject(o, mfa_coverage_name((enum mfa_coverage_verdict)i),
						(double)s->by_coverage[i]);
	}
	if (s->what_if) { /* --what-if (mfa/model/whatif.h) */
		const struct mfa_whatif_counts *w = s->what_if;

		o = cJSON_AddObjectToObject(root, "whatIf");
		cJSON_AddNumberToObject(o, "classes", (double)w->classes);
		cJSON_AddNumberToObject(o, "classesAsked", (double)w->classes_asked);
		cJSON_AddNumberToObject(o, "classesAgree", (double)w->classes_agree);
		cJSON_AddNumberToObject(o, "classesDisagree", (double)w->classes_disagree);
		cJSON_AddNumberToObject(o, "classesNotChecked", (double)w->classes_not_checked);
		cJSON_AddNumberToObject(o, "classesBeyondCap", (double)w->classes_beyond_cap);
		cJSON_AddNumberToObject(o, "usersAgree", (double)w->users_agree);
		cJSON_AddNumberToObject(o, "usersDisagree", (double)w->users_disagree);
		cJSON_AddNumberToObject(o, "usersNotChecked", (double)w->users_not_checked);
		cJSON_AddNumberToObject(o, "requests", (double)w->requests);
		cJSON_AddNumberToObject(o, "maxRequests", (double)w->max_requests);
	}
	o = cJSON_AddObjectToObject(root, "tenantNotes");
	if (s->security_defaults < 0)
		cJSON_AddNullToObject(o, "securityDefaults");
	else
		cJSON_AddBoolToObject(o, "securityDefaults", s->security_defaults);
	if (s->ca_policies >= 0)
		cJSON_AddNumberToObject(o, "conditionalAccessPolicies", s->ca_policies);
	else
		cJSON_AddNullToObject(o, "conditionalAccessPolicies");
	m = cJSON_AddArrayToObject(o, "rebuildInConditionalAccess");
	for (i = 0; mfa_tenant_notes[i]; i++)
		cJSON_AddItemToArray(m, cJSON_CreateString(mfa_tenant_notes[i]));
	mfa_posture_json_add(o, s->posture); /* live runs: posture and the recommendation */
	if (s->graph.present) {
		o = cJSON_AddObjectToObject(root, "graph");
		add_str(o, "signIn", s->graph.auth_kind);
		if (s->graph.managed_identity)
			add_str(o, "managedIdentity", s->graph.managed_identity);
		cJSON_AddNumberToObject(o, "requests", (double)s->graph.requests);
		cJSON_AddNumberToObject(o, "retries", (double)s->graph.retries);
		cJSON_AddNumberToObject(o, "throttled", (double)s->graph.throttled);
		cJSON_AddNumberToObject(o, "serverErrors", (double)s->graph.server_errors);
		cJSON_AddNumberToObject(o, "transportErrors", (double)s->graph.transport_errors);
		cJSON_AddNumberToObject(o, "failedRequests", (double)s->graph.failed);
		cJSON_AddNumberToObject(o, "tokenRequests", (double)s->graph.token_requests);
		cJSON_AddNumberToObject(o, "slowdowns", (double)s->graph.slowdowns);
		cJSON_AddNumberToObject(o, "pausedSeconds", s->graph.paused_seconds);
		cJSON_AddNumberToObject(o, "peakInFlight", s->graph.peak_in_flight);
		add_str(o, "httpVersion", s->graph.http_version);
		add_str(o, "statePath", s->graph.state_path);
		add_str(o, "statePathReason", s->graph.state_path_reason);
		cJSON_AddNumberToObject(o, "unknownStates", (double)s->graph.unknown_states);
		cJSON_AddBoolToObject(o, "registrationAvailable", !s->graph.registration_unavailable);
	}
	if (s->has_plan) {
		cJSON_AddBoolToObject(root, "requireCaCoverage", s->require_ca_coverage);
		o = cJSON_AddObjectToObject(root, "byAction");
		for (i = 0; i < MFA_ACTION__COUNT; i++)
			cJSON_AddNumberToObject(o, mfa_action_name((enum mfa_action)i),
						(double)s->by_action[i]);
		o = cJSON_AddObjectToObject(root, "byHoldReason");
		for (i = 1; i < MFA_HOLD__COUNT; i++)
			cJSON_AddNumberToObject(o, mfa_hold_reason_name((enum mfa_hold_reason)i),
						(double)s->by_hold[i]);
		o = cJSON_AddObjectToObject(root, "apply");
		cJSON_AddNumberToObject(o, "changes", (double)mfa_summary_changes(s));
		cJSON_AddNumberToObject(o, "writeQuotaPer150s", MFA_WRITE_QUOTA_WRITES);
		cJSON_AddNumberToObject(o, "minSeconds", mfa_summary_min_apply_seconds(s));
	}
	return root;
}

static int json_finish(struct mfa_sink *sink, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct json_sink *js = (struct json_sink *)sink;
	cJSON *root = build(sum);
	int rc;

	if (!root)
		return mfa_err_set(err, "out of memory writing summary.json");
	rc = mfa_jsonfile_commit(&js->out, root, err);
	cJSON_Delete(root);
	return rc;
}

static void json_free(struct mfa_sink *s)
{
	struct json_sink *js = (struct json_sink *)s;

	mfa_outfile_release(&js->out);
	free(js);
}

static const struct mfa_sink_ops json_ops = { json_row, json_finish, json_free };

int mfa_summary_json_sink_open(struct mfa_sink **out, const char *dir, struct mfa_err *err)
{
	struct json_sink *js = calloc(1, sizeof(*js));

	*out = NULL;
	if (!js)
		return mfa_err_set(err, "out of memory");
	js->base.ops = &json_ops;
	js->base.name = "summary.json";
	if (mfa_outfile_open(&js->out, dir, "summary.json", err) < 0) {
		free(js);
		return -1;
	}
	*out = &js->base;
	return 0;
}
