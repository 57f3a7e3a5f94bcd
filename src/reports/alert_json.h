/* reports/alert_json.h - the message a scheduled audit sends when it
 * needs someone to look (jobs/alert.h), and its payloads: for a Teams
 * workflow, a Slack incoming webhook, our own JSON, and the mail text.
 * Pure: builds strings, no I/O.
 *
 * Payloads (README "Alerts"):
 *   teams  what a Power Automate / Teams workflow "When a Teams webhook
 *          request is received" takes: {"type":"message","attachments":[
 *          {"contentType":"application/vnd.microsoft.card.adaptive",
 *          "contentUrl":null,"content":{AdaptiveCard 1.4: a title
 *          TextBlock, the reason, a FactSet of the counts, the top
 *          changes, the report folder}}]}
 *   slack  an incoming webhook's {"text": one-line summary, "blocks":[
 *          header, section (mrkdwn) with the reason and counts, section
 *          with the top changes, context with the folder]}
 *   json   {"kind":"mfa-migrate-alert","formatVersion":1,"tenant",
 *          "tenantName","reasons":[...],"failOn","counts":{users, admins,
 *          highRiskUsers, changesHigh, changesMedium, findings:{name:n}},
 *          "topChanges":[{change, severity, userPrincipalName, previous,
 *          current, detail}],"reportFolder"}
 * Nothing in it is a secret: the webhook URL is never part of the message. */
#ifndef MFA_REPORTS_ALERT_JSON_H
#define MFA_REPORTS_ALERT_JSON_H

#include <stddef.h>

#include "mfa/util/err.h"

#define MFA_ALERT_TOP 10      /* changes (or findings) the message lists */

struct mfa_alert_change {
	char change[64], severity[16], upn[256], previous[128], current[128], detail[256];
};

struct mfa_alert_finding {
	char name[64];
	unsigned long users;
};

struct mfa_alert {
	char tenant[256];          /* tenant id or domain ("" unknown) */
	char tenant_name[256];     /* a display name; "" */
	int failed_fail_on;        /* the run matched --fail-on */
	char fail_on[512];         /* the --fail-on list */
	unsigned long high_changes; /* high-severity changes since the previous run */
	unsigned long medium_changes;
	int compared;              /* there was a previous run to compare with */
	unsigned long users, admins, high_risk_users;
	struct mfa_alert_finding findings[MFA_ALERT_TOP]; /* most users first */
	size_t n_findings;
	struct mfa_alert_change top[MFA_ALERT_TOP];       /* high severity first */
	size_t n_top;
	char folder[4096];         /* the report folder */
};

enum mfa_alert_format { MFA_ALERT_TEAMS = 0, MFA_ALERT_SLACK, MFA_ALERT_JSON };

/* "teams", "slack", "json" -> *out; -1 with err otherwise. */
int mfa_alert_format_parse(const char *name, enum mfa_alert_format *out, struct mfa_err *err);

/* The one-line title: "mfa-migrate audit of 'contoso': --fail-on matched,
 * 3 high-severity changes". Into buf (truncated). */
void mfa_alert_title(const struct mfa_alert *a, char *buf, size_t size);

/* The payload for format, malloc'd (caller frees), or NULL with err. */
char *mfa_alert_payload(const struct mfa_alert *a, enum mfa_alert_format format, struct mfa_err *err);

/* The plain text of a mail (the title is the subject), malloc'd. */
char *mfa_alert_text(const struct mfa_alert *a, struct mfa_err *err);

#endif
