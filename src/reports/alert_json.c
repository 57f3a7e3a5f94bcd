/* alert_json.c - an alert's payloads (alert_json.h). */
#include "reports/alert_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mfa_alert_format_parse(const char *name, enum mfa_alert_format *out, struct mfa_err *err)
{
	if (strcmp(name, "teams") == 0)
		*out = MFA_ALERT_TEAMS;
	else if (strcmp(name, "slack") == 0)
		*out = MFA_ALERT_SLACK;
	else if (strcmp(name, "json") == 0)
		*out = MFA_ALERT_JSON;
	else
		return mfa_err_set(err, "'%s' is not a webhook format (use teams, slack or json)", name);
	return 0;
}

static const char *who(const struct mfa_alert *a)
{
	return a->tenant_name[0] ? a->tenant_name : a->tenant[0] ? a->tenant : "the tenant";
}

/* The reasons, joined by "; " into buf. */
static void reasons(const struct mfa_alert *a, char *buf, size_t size)
{
	int n = 0;

	buf[0] = '\0';
	if (a->failed_fail_on)
		n = snprintf(buf, size, "--fail-on %s matched", a->fail_on);
	if (a->high_changes && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "%s%lu high-severity change%s since the previous run",
			 n ? "; " : "", a->high_changes, a->high_changes == 1 ? "" : "s");
}

void mfa_alert_title(const struct mfa_alert *a, char *buf, size_t size)
{
	char r[700];

	reasons(a, r, sizeof(r));
	snprintf(buf, size, "mfa-migrate audit of '%s': %s", who(a), r);
}

/* "high state-away-from-disabled ada@contoso.example: disabled -> enabled" */
static void change_line(const struct mfa_alert_change *c, char *buf, size_t size)
{
	if (c->previous[0] || c->current[0])
		snprintf(buf, size, "%s %s %s: %s -> %s", c->severity, c->change, c->upn,
			 c->previous[0] ? c->previous : "-", c->current[0] ? c->current : "-");
	else
		snprintf(buf, size, "%s %s %s", c->severity, c->change, c->upn);
}

static char *finish(cJSON *root, struct mfa_err *err)
{
	char *text = root ? cJSON_PrintUnformatted(root) : NULL;

	if (!text)
		mfa_err_set(err, "out of memory");
	cJSON_Delete(root);
	return text;
}

static void add_text_block(cJSON *body, const char *text, const char *size, int bold, int subtle)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "type", "TextBlock");
	cJSON_AddStringToObject(t, "text", text);
	cJSON_AddTrueToObject(t, "wrap");
	if (size)
		cJSON_AddStringToObject(t, "size", size);
	if (bold)
		cJSON_AddStringToObject(t, "weight", "Bolder");
	if (subtle)
		cJSON_AddTrueToObject(t, "isSubtle");
	cJSON_AddItemToArray(body, t);
}

static void add_fact(cJSON *facts, const char *title, const char *value)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "title", title);
	cJSON_AddStringToObject(f, "value", value);
	cJSON_AddItemToArray(facts, f);
}

static char *teams(const struct mfa_alert *a, struct mfa_err *err)
{
	cJSON *root = cJSON_CreateObject(), *atts, *att, *card, *body, *fs, *facts;
	char line[1200], num[32];
	size_t i;

	if (!root)
		return finish(NULL, err);
	cJSON_AddStringToObject(root, "type", "message");
	atts = cJSON_AddArrayToObject(root, "attachments");
	att = cJSON_CreateObject();
	cJSON_AddItemToArray(atts, att);
	cJSON_AddStringToObject(att, "contentType", "application/vnd.microsoft.card.adaptive");
	cJSON_AddNullToObject(att, "contentUrl");
	card = cJSON_AddObjectToObject(att, "content");
	cJSON_AddStringToObject(card, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
	cJSON_AddStringToObject(card, "type", "AdaptiveCard");
	cJSON_AddStringToObject(card, "version", "1.4");
	body = cJSON_AddArrayToObject(card, "body");
	snprintf(line, sizeof(line), "MFA audit of %s needs a look", who(a));
	add_text_block(body, line, "Large", 1, 0);
	reasons(a, line, sizeof(line));
	add_text_block(body, line, NULL, 0, 0);
	fs = cJSON_CreateObject();
	cJSON_AddStringToObject(fs, "type", "FactSet");
	facts = cJSON_AddArrayToObject(fs, "facts");
	if (a->tenant[0])
		add_fact(facts, "Tenant", a->tenant);
	snprintf(num, sizeof(num), "%lu", a->users);
	add_fact(facts, "Users", num);
	snprintf(num, sizeof(num), "%lu", a->admins);
	add_fact(facts, "Admins", num);
	snprintf(num, sizeof(num), "%lu", a->high_risk_users);
	add_fact(facts, "High-risk users", num);
	if (a->compared) {
		snprintf(num, sizeof(num), "%lu high, %lu medium", a->high_changes, a->medium_changes);
		add_fact(facts, "Changes", num);
	}
	for (i = 0; i < a->n_findings; i++) {
		snprintf(num, sizeof(num), "%lu", a->findings[i].users);
		add_fact(facts, a->findings[i].name, num);
	}
	cJSON_AddItemToArray(body, fs);
	if (a->n_top) {
		add_text_block(body, "Top changes", "Medium", 1, 0);
		for (i = 0; i < a->n_top; i++) {
			change_line(&a->top[i], line, sizeof(line));
			add_text_block(body, line, NULL, 0, 0);
		}
	}
	snprintf(line, sizeof(line), "Reports: %s", a->folder);
	add_text_block(body, line, "Small", 0, 1);
	return finish(root, err);
}

/* Slack reads &, < and > as markup ("<!channel>" pings everyone): escaped,
 * and cut to SLACK_TEXT_MAX bytes (a section's text may have 3000 chars). */
#define SLACK_TEXT_MAX 2900

static void slack_escape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 6 < size && n + 6 < SLACK_TEXT_MAX; in++) {
		const char *rep = *in == '&' ? "&amp;" : *in == '<' ? "&lt;" : *in == '>' ? "&gt;" : NULL;

		if (rep) {
			memcpy(out + n, rep, strlen(rep));
			n += strlen(rep);
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static void add_mrkdwn(cJSON *o, const char *name, const char *text)
{
	char esc[SLACK_TEXT_MAX + 8];

	slack_escape(text, esc, sizeof(esc));
	cJSON_AddStringToObject(o, name, esc);
}

static void add_mrkdwn_section(cJSON *blocks, const char *text)
{
	cJSON *s = cJSON_CreateObject(), *t;

	cJSON_AddStringToObject(s, "type", "section");
	t = cJSON_AddObjectToObject(s, "text");
	cJSON_AddStringToObject(t, "type", "mrkdwn");
	add_mrkdwn(t, "text", text);
	cJSON_AddItemToArray(blocks, s);
}

static char *slack(const struct mfa_alert *a, struct mfa_err *err)
{
	cJSON *root = cJSON_CreateObject(), *blocks, *h, *t, *ctx, *els, *el;
	char title[1200], r[700], text[4096], line[1200];
	size_t i, n;

	if (!root)
		return finish(NULL, err);
	mfa_alert_title(a, title, sizeof(title));
	add_mrkdwn(root, "text", title);
	blocks = cJSON_AddArrayToObject(root, "blocks");
	h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "type", "header");
	t = cJSON_AddObjectToObject(h, "text");
	cJSON_AddStringToObject(t, "type", "plain_text");
	snprintf(line, sizeof(line), "MFA audit of %.120s needs a look", who(a));
	cJSON_AddStringToObject(t, "text", line);
	cJSON_AddItemToArray(blocks, h);
	reasons(a, r, sizeof(r));
	n = (size_t)snprintf(text, sizeof(text), "*%s*\nusers %lu, admins %lu, high-risk users %lu", r,
			     a->users, a->admins, a->high_risk_users);
	if (a->compared && n < sizeof(text))
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\nchanges: %lu high, %lu medium",
				      a->high_changes, a->medium_changes);
	for (i = 0; i < a->n_findings && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\n%s: %lu", a->findings[i].name,
				      a->findings[i].users);
	add_mrkdwn_section(blocks, text);
	if (a->n_top) {
		n = (size_t)snprintf(text, sizeof(text), "*Top changes*");
		for (i = 0; i < a->n_top && n < sizeof(text); i++) {
			change_line(&a->top[i], line, sizeof(line));
			n += (size_t)snprintf(text + n, sizeof(text) - n, "\n%s", line);
		}
		add_mrkdwn_section(blocks, text);
	}
	ctx = cJSON_CreateObject();
	cJSON_AddStringToObject(ctx, "type", "context");
	els = cJSON_AddArrayToObject(ctx, "elements");
	el = cJSON_CreateObject();
	cJSON_AddStringToObject(el, "type", "mrkdwn");
	snprintf(line, sizeof(line), "reports: %s", a->folder);
	add_mrkdwn(el, "text", line);
	cJSON_AddItemToArray(els, el);
	cJSON_AddItemToArray(blocks, ctx);
	return finish(root, err);
}

static char *own_json(const struct mfa_alert *a, struct mfa_err *err)
{
	cJSON *root = cJSON_CreateObject(), *rs, *c, *f, *top, *o;
	char r[700];
	size_t i;

	if (!root)
		return finish(NULL, err);
	cJSON_AddStringToObject(root, "kind", "mfa-migrate-alert");
	cJSON_AddNumberToObject(root, "formatVersion", 1);
	mfa_alert_title(a, r, sizeof(r));
	cJSON_AddStringToObject(root, "title", r);
	if (a->tenant[0])
		cJSON_AddStringToObject(root, "tenant", a->tenant);
	else
		cJSON_AddNullToObject(root, "tenant");
	if (a->tenant_name[0])
		cJSON_AddStringToObject(root, "tenantName", a->tenant_name);
	else
		cJSON_AddNullToObject(root, "tenantName");
	rs = cJSON_AddArrayToObject(root, "reasons");
	if (a->failed_fail_on)
		cJSON_AddItemToArray(rs, cJSON_CreateString("fail-on"));
	if (a->high_changes)
		cJSON_AddItemToArray(rs, cJSON_CreateString("high-severity-changes"));
	if (a->fail_on[0])
		cJSON_AddStringToObject(root, "failOn", a->fail_on);
	else
		cJSON_AddNullToObject(root, "failOn");
	c = cJSON_AddObjectToObject(root, "counts");
	cJSON_AddNumberToObject(c, "users", (double)a->users);
	cJSON_AddNumberToObject(c, "admins", (double)a->admins);
	cJSON_AddNumberToObject(c, "highRiskUsers", (double)a->high_risk_users);
	if (a->compared) {
		cJSON_AddNumberToObject(c, "changesHigh", (double)a->high_changes);
		cJSON_AddNumberToObject(c, "changesMedium", (double)a->medium_changes);
	}
	f = cJSON_AddObjectToObject(c, "findings");
	for (i = 0; i < a->n_findings; i++)
		cJSON_AddNumberToObject(f, a->findings[i].name, (double)a->findings[i].users);
	top = cJSON_AddArrayToObject(root, "topChanges");
	for (i = 0; i < a->n_top; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "change", a->top[i].change);
		cJSON_AddStringToObject(o, "severity", a->top[i].severity);
		cJSON_AddStringToObject(o, "userPrincipalName", a->top[i].upn);
		cJSON_AddStringToObject(o, "previous", a->top[i].previous);
		cJSON_AddStringToObject(o, "current", a->top[i].current);
		cJSON_AddStringToObject(o, "detail", a->top[i].detail);
		cJSON_AddItemToArray(top, o);
	}
	cJSON_AddStringToObject(root, "reportFolder", a->folder);
	return finish(root, err);
}

char *mfa_alert_payload(const struct mfa_alert *a, enum mfa_alert_format format, struct mfa_err *err)
{
	switch (format) {
	case MFA_ALERT_TEAMS: return teams(a, err);
	case MFA_ALERT_SLACK: return slack(a, err);
	case MFA_ALERT_JSON: return own_json(a, err);
	}
	mfa_err_set(err, "unknown webhook format");
	return NULL;
}

char *mfa_alert_text(const struct mfa_alert *a, struct mfa_err *err)
{
	size_t size = 8192, n, i;
	char *buf = malloc(size), r[700], line[1200];

	if (!buf) {
		mfa_err_set(err, "out of memory");
		return NULL;
	}
	reasons(a, r, sizeof(r));
	n = (size_t)snprintf(buf, size, "The MFA audit of %s needs a look: %s.\n\nTenant: %s\nUsers: %lu\nAdmins: %lu\nHigh-risk users: %lu\n",
			     who(a), r, a->tenant[0] ? a->tenant : "unknown", a->users, a->admins,
			     a->high_risk_users);
	if (a->compared && n < size)
		n += (size_t)snprintf(buf + n, size - n, "Changes since the previous run: %lu high, %lu medium\n",
				      a->high_changes, a->medium_changes);
	for (i = 0; i < a->n_findings && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s: %lu\n", a->findings[i].name, a->findings[i].users);
	if (a->n_top && n < size)
		n += (size_t)snprintf(buf + n, size - n, "\nTop changes:\n");
	for (i = 0; i < a->n_top && n < size; i++) {
		change_line(&a->top[i], line, sizeof(line));
		n += (size_t)snprintf(buf + n, size - n, "  %s\n", line);
	}
	if (n < size)
		snprintf(buf + n, size - n, "\nReports: %s\n", a->folder);
	return buf;
}
