/* alert.c - the audit's alert: read back, decided, sent (alert.h). */
#include "jobs/alert.h"

#include "jobs/sendmail.h"
#include "mfa/util/csvr.h"
#include "util/jsonfile.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static unsigned long num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (unsigned long)v->valuedouble : 0;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* The findings with the most users, most first. */
static void top_findings(struct mfa_alert *a, const cJSON *by)
{
	const cJSON *f;
	size_t i, k;

	cJSON_ArrayForEach(f, by) {
		unsigned long n = cJSON_IsNumber(f) && f->valuedouble > 0 ? (unsigned long)f->valuedouble : 0;

		if (!n || !f->string)
			continue;
		for (k = a->n_findings; k > 0 && a->findings[k - 1].users < n; k--)
			;
		if (k >= MFA_ALERT_TOP)
			continue;
		i = a->n_findings < MFA_ALERT_TOP ? a->n_findings : MFA_ALERT_TOP - 1;
		memmove(&a->findings[k + 1], &a->findings[k], (i - k) * sizeof(a->findings[0]));
		copy(a->findings[k].name, sizeof(a->findings[k].name), f->string);
		a->findings[k].users = n;
		if (a->n_findings < MFA_ALERT_TOP)
			a->n_findings++;
	}
}

static int read_summary(struct mfa_alert *a, const char *folder, struct mfa_err *err)
{
	cJSON *s = NULL;
	const cJSON *t, *ch;
	char path[4200];

	snprintf(path, sizeof(path), "%s/summary.json", folder);
	if (mfa_jsonfile_read(&s, path, err) < 0)
		return -1;
	t = cJSON_GetObjectItemCaseSensitive(s, "tenantId");
	if (cJSON_IsString(t))
		copy(a->tenant, sizeof(a->tenant), t->valuestring);
	a->users = num(s, "users");
	a->admins = num(s, "admins");
	a->high_risk_users = num(cJSON_GetObjectItemCaseSensitive(s, "byRisk"), "high");
	top_findings(a, cJSON_GetObjectItemCaseSensitive(s, "byFinding"));
	ch = cJSON_GetObjectItemCaseSensitive(s, "changes");
	if (cJSON_IsObject(ch)) {
		const cJSON *sev = cJSON_GetObjectItemCaseSensitive(ch, "bySeverity");

		a->compared = 1;
		a->high_changes = num(sev, "high");
		a->medium_changes = num(sev, "medium");
	}
	cJSON_Delete(s);
	return 0;
}

/* changes.csv's high- and medium-severity rows, high first. */
static int read_changes(struct mfa_alert *a, const char *folder, struct mfa_err *err)
{
	static const char *const names[] = { "change", "severity", "userPrincipalName", "previous",
					     "current", "detail" };
	struct mfa_alert_change medium[MFA_ALERT_TOP];
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	size_t col[6], n_medium = 0, i, k;
	char path[4200];
	int rc, header = 1;

	snprintf(path, sizeof(path), "%s/changes.csv", folder);
	if (mfa_csvr_open(&r, path, 0, err) < 0)
		return -1;
	while ((rc = mfa_csvr_next(r, &rec, err)) > 0) {
		struct mfa_alert_change *c;

		if (header) {
			for (k = 0; k < 6; k++) {
				col[k] = (size_t)-1;
				for (i = 0; i < rec.n; i++)
					if (strcmp(rec.cells[i], names[k]) == 0)
						col[k] = i;
			}
			header = 0;
			continue;
		}
		if (col[1] >= rec.n)
			continue;
		if (!strcmp(rec.cells[col[1]], "high") && a->n_top < MFA_ALERT_TOP)
			c = &a->top[a->n_top++];
		else if (!strcmp(rec.cells[col[1]], "medium") && n_medium < MFA_ALERT_TOP)
			c = &medium[n_medium++];
		else
			continue;
		copy(c->change, sizeof(c->change), col[0] < rec.n ? rec.cells[col[0]] : "");
		copy(c->severity, sizeof(c->severity), rec.cells[col[1]]);
		copy(c->upn, sizeof(c->upn), col[2] < rec.n ? rec.cells[col[2]] : "");
		copy(c->previous, sizeof(c->previous), col[3] < rec.n ? rec.cells[col[3]] : "");
		copy(c->current, sizeof(c->current), col[4] < rec.n ? rec.cells[col[4]] : "");
		copy(c->detail, sizeof(c->detail), col[5] < rec.n ? rec.cells[col[5]] : "");
	}
	mfa_csvr_free(r);
	for (i = 0; i < n_medium && a->n_top < MFA_ALERT_TOP; i++)
		a->top[a->n_top++] = medium[i];
	return rc < 0 ? -1 : 0;
}

int mfa_alert_build(struct mfa_alert *a, const char *folder, bool failed_fail_on, const char *fail_on,
		    bool *needed, struct mfa_err *err)
{
	memset(a, 0, sizeof(*a));
	copy(a->folder, sizeof(a->folder), folder);
	copy(a->fail_on, sizeof(a->fail_on), fail_on);
	a->failed_fail_on = failed_fail_on;
	if (read_summary(a, folder, err) < 0)
		return -1;
	if (a->compared && read_changes(a, folder, err) < 0)
		return -1;
	*needed = a->failed_fail_on || a->high_changes > 0;
	return 0;
}

static bool send_mail(const struct mfa_alert *a, const struct mfa_alert_options *o)
{
	struct mfa_session s = MFA_SESSION_INIT;
	struct mfa_sendmail_answer ans;
	struct mfa_err err = MFA_ERR_INIT;
	char subject[1024], *text = NULL, *body = NULL, *url = NULL;
	bool ok = false;

	mfa_alert_title(a, subject, sizeof(subject));
	if (!(text = mfa_alert_text(a, &err)) || !(body = mfa_sendmail_body(subject, text, o->mail_to, &err)))
		goto cleanup;
	if (mfa_session_open(&s, o->session, &err) < 0 ||
	    !(url = mfa_sendmail_url(mfa_session_graph_url(&s), o->send_from, &err)) ||
	    mfa_sendmail_post(s.http, url, body, &ans, &err) < 0)
		goto cleanup;
	if (ans.status >= 200 && ans.status < 300)
		ok = true;
	else
		mfa_err_set(&err, "%s", ans.error[0] ? ans.error : "no answer");
cleanup:
	if (ok)
		mfa_notify(&o->notify, MFA_LEVEL_NOTE, "alert mailed to '%s' from '%s'", o->mail_to, o->send_from);
	else
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "could not mail the alert to '%s' from '%s': %s (the audit's reports and exit code are not affected)",
			   o->mail_to, o->send_from, err.msg);
	mfa_session_close(&s);
	free(url);
	free(body);
	free(text);
	return ok;
}

void mfa_alert_run(const char *folder, bool failed_fail_on, const struct mfa_alert_options *o,
		   struct mfa_alert_result *res)
{
	struct mfa_alert *a = calloc(1, sizeof(*a));
	struct mfa_webhook_result wr;
	struct mfa_err err = MFA_ERR_INIT;
	char host[256], *payload = NULL;
	bool needed = false;

	memset(res, 0, sizeof(*res));
	if (!a || mfa_alert_build(a, folder, failed_fail_on, o->fail_on, &needed, &err) < 0) {
		mfa_notify(&o->notify, MFA_LEVEL_WARN, "no alert sent: cannot read the reports back: %s",
			   a ? err.msg : "out of memory");
		goto cleanup;
	}
	if (o->tenant_name)
		copy(a->tenant_name, sizeof(a->tenant_name), o->tenant_name);
	res->needed = needed;
	if (!needed)
		goto cleanup;
	if (o->webhook_url) {
		mfa_webhook_host(o->webhook_url, host, sizeof(host));
		payload = mfa_alert_payload(a, o->format, &err);
		if (payload && mfa_webhook_post(o->webhook_url, payload, strlen(payload), &o->webhook, &wr, &err) == 0) {
			res->webhook_sent = true;
			mfa_notify(&o->notify, MFA_LEVEL_NOTE, "alert posted to the webhook at '%s'", host);
		} else {
			mfa_notify(&o->notify, MFA_LEVEL_WARN,
				   "could not post the alert: %s (the audit's reports and exit code are not affected)",
				   err.msg);
		}
	}
	if (o->mail_to && o->send_from && o->session)
		res->mail_sent = send_mail(a, o);
cleanup:
	free(payload);
	free(a);
}
