/* mail.c - sendMail: body checks, Exchange's per-mailbox limits, the log. */
#include "mail.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "throttle.h"

struct bucket {
	double level, last; /* tokens at time last */
};

struct mailbox {
	uint32_t user;                /* index into the tenant */
	struct bucket minute, day;
};

struct emu_mail {
	const struct emu_config *cfg;
	pthread_mutex_t lock;
	double per_minute, per_day;   /* capacities */
	double minute_window, day_window; /* seconds, time-scaled */
	struct mailbox *boxes;        /* owned; the mailboxes that sent */
	size_t nboxes, boxes_cap;
	char **log;                   /* owned; one JSON object per message */
	size_t nlog, log_cap;
};

int emu_mail_new(struct emu_mail **out, const struct emu_config *cfg)
{
	struct emu_mail *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -1;
	m->cfg = cfg;
	pthread_mutex_init(&m->lock, NULL);
	m->per_minute = cfg->mail_per_minute;
	m->per_day = cfg->mail_recipients_per_day;
	m->minute_window = 60.0 / cfg->time_scale;
	m->day_window = 86400.0 / cfg->time_scale;
	*out = m;
	return 0;
}

static void log_clear(struct emu_mail *m)
{
	size_t i;

	for (i = 0; i < m->nlog; i++)
		free(m->log[i]);
	m->nlog = 0;
}

void emu_mail_free(struct emu_mail *m)
{
	if (!m)
		return;
	log_clear(m);
	free(m->log);
	free(m->boxes);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void emu_mail_reset(struct emu_mail *m)
{
	pthread_mutex_lock(&m->lock);
	log_clear(m);
	m->nboxes = 0; /* a mailbox seen again starts full */
	pthread_mutex_unlock(&m->lock);
}

unsigned long emu_mail_count(struct emu_mail *m)
{
	unsigned long n;

	pthread_mutex_lock(&m->lock);
	n = m->nlog;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void emu_mail_json(struct emu_mail *m, struct buf *b)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	buf_putc(b, '[');
	for (i = 0; i < m->nlog; i++) {
		if (i)
			buf_putc(b, ',');
		buf_puts(b, m->log[i]);
	}
	buf_putc(b, ']');
	pthread_mutex_unlock(&m->lock);
}

/* ---- the body ---- */

static const char MSG_BAD_JSON[] =
	"Unable to read JSON request payload. Please ensure Content-Type header is set and payload "
	"is of valid JSON format.";

/* A plausible SMTP address: one '@' with text on both sides, no spaces. */
static bool address_ok(const char *a)
{
	const char *at = strchr(a, '@');

	return at && at != a && at[1] && !strchr(at + 1, '@') && !strpbrk(a, " \t\r\n<>,;\"");
}

/* Checks one recipient list (NULL or absent is fine unless required) and
 * appends its addresses to out (a JSON array's items). Returns the count or
 * -1 with rp filled. */
static long recipients(const cJSON *list, bool required, struct buf *out, struct emu_reply *rp)
{
	const cJSON *r;
	long n = 0;

	if (!list || cJSON_IsNull(list)) {
		list = NULL;
	} else if (!cJSON_IsArray(list)) {
		emu_reply_error(rp, 400, "RequestBodyRead",
				"Cannot read a collection of microsoft.graph.recipient: a JSON array was expected.");
		return -1;
	}
	cJSON_ArrayForEach(r, list) {
		const cJSON *ea = cJSON_GetObjectItemCaseSensitive(r, "emailAddress");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(ea, "address");
		if (!cJSON_IsString(a) || !address_ok(a->valuestring)) {
			emu_reply_error(rp, 400, "ErrorInvalidRecipients",
					"At least one recipient isn't valid., Recipient '%.200s' is not resolved. "
					"All recipients must be resolved before a message can be submitted.",
					cJSON_IsString(a) ? a->valuestring : "");
			return -1;
		}
		if (n)
			buf_putc(out, ',');
		buf_json_str(out, a->valuestring);
		n++;
	}
	if (required && n == 0) {
		emu_reply_error(rp, 400, "ErrorInvalidRecipients",
				"At least one recipient isn't valid., A message can't be sent because it "
				"contains no recipients.");
		return -1;
	}
	return n;
}

/* ---- the limits ---- */

static struct mailbox *mailbox_get(struct emu_mail *m, uint32_t user, double now)
{
	size_t i;
	struct mailbox *b;

	for (i = 0; i < m->nboxes; i++)
		if (m->boxes[i].user == user)
			return &m->boxes[i];
	if (m->nboxes == m->boxes_cap) {
		size_t cap = m->boxes_cap ? m->boxes_cap * 2 : 16;
		struct mailbox *nb = realloc(m->boxes, cap * sizeof(*nb));
		if (!nb)
			abort();
		m->boxes = nb;
		m->boxes_cap = cap;
	}
	b = &m->boxes[m->nboxes++];
	b->user = user;
	b->minute.level = m->per_minute;
	b->day.level = m->per_day;
	b->minute.last = b->day.last = now;
	return b;
}

static void refill(struct bucket *b, double capacity, double window, double now)
{
	if (now > b->last) {
		b->level = fmin(capacity, b->level + (now - b->last) * capacity / window);
		b->last = now;
	}
}

static double wait_for(const struct bucket *b, double cost, double capacity, double window)
{
	if (cost > capacity)
		return window;
	return b->level >= cost ? 0 : (cost - b->level) * window / capacity;
}

/* 0: admitted and charged; -1: rp filled with the 429. */
static int charge(struct emu_mail *m, uint32_t user, const char *upn, long nrcpt, struct emu_reply *rp)
{
	struct mailbox *b;
	double now = emu_now(), wm, wd;
	char ra[32];

	if (!m->cfg->limits)
		return 0;
	b = mailbox_get(m, user, now);
	refill(&b->minute, m->per_minute, m->minute_window, now);
	refill(&b->day, m->per_day, m->day_window, now);
	wm = wait_for(&b->minute, 1, m->per_minute, m->minute_window);
	wd = wait_for(&b->day, (double)nrcpt, m->per_day, m->day_window);
	if (wm <= 0 && wd <= 0) {
		b->minute.level -= 1;
		b->day.level -= (double)nrcpt;
		return 0;
	}
	if (wd > wm)
		emu_reply_error(rp, 429, "ErrorSubmissionQuotaExceeded",
				"The message couldn't be sent because the sender's submission quota was "
				"exceeded. Please try again later. (mailbox '%.200s': %g recipients / day)",
				upn, m->per_day);
	else
		emu_reply_error(rp, 429, "ApplicationThrottled",
				"Application is over its MessageRateLimit limit. (mailbox '%.200s': %g "
				"messages / minute)", upn, m->per_minute);
	rp->throttled = true;
	emu_format_seconds(fmax(wm, wd), ra, sizeof(ra));
	emu_reply_header(rp, "Retry-After", "%s", ra);
	return -1;
}

void emu_mail_send(struct emu_mail *m, const struct emu_tenant *t, const struct emu_request *rq,
		   const char *key, struct emu_reply *rp)
{
	cJSON *body = NULL;
	const cJSON *msg, *save, *subject, *mb, *ctype = NULL, *content = NULL;
	struct buf to = BUF_INIT, cc = BUF_INIT, bcc = BUF_INIT, rec = BUF_INIT;
	const struct emu_user *u;
	long idx, nto, ncc, nbcc;
	char at[32];
	char *entry;

	if (!rq->content_type || strncasecmp(rq->content_type, "application/json", 16) != 0) {
		emu_reply_error(rp, 400, "BadRequest", "%s", MSG_BAD_JSON);
		goto cleanup;
	}
	body = rq->body ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
	if (!cJSON_IsObject(body)) {
		emu_reply_error(rp, 400, "BadRequest", "%s", MSG_BAD_JSON);
		goto cleanup;
	}
	idx = emu_tenant_find(t, key);
	if (idx < 0) {
		emu_reply_error(rp, 404, "ErrorInvalidUser", "The requested user '%.200s' is invalid.", key);
		goto cleanup;
	}
	u = &t->users[idx];
	/* a user without mail has no mailbox here; a guest's mailbox is elsewhere */
	if (!emu_user_mail(t, u) || (u->flags & EMU_F_GUEST)) {
		emu_reply_error(rp, 404, "MailboxNotEnabledForRESTAPI",
				"The mailbox is either inactive, soft-deleted, or is hosted on-premise.");
		goto cleanup;
	}
	msg = cJSON_GetObjectItemCaseSensitive(body, "message");
	if (!cJSON_IsObject(msg)) {
		emu_reply_error(rp, 400, "ErrorInvalidParameter", "The value of the parameter 'Message' is empty.");
		goto cleanup;
	}
	save = cJSON_GetObjectItemCaseSensitive(body, "saveToSentItems");
	if (save && !cJSON_IsBool(save)) {
		char *lit = cJSON_PrintUnformatted(save);
		emu_reply_error(rp, 400, "BadRequest",
				"Cannot convert the literal '%.60s' to the expected type 'Edm.Boolean'.",
				lit ? lit : "");
		free(lit);
		goto cleanup;
	}
	subject = cJSON_GetObjectItemCaseSensitive(msg, "subject");
	if (subject && !cJSON_IsString(subject) && !cJSON_IsNull(subject)) {
		emu_reply_error(rp, 400, "BadRequest",
				"Cannot convert a value to the expected type 'Edm.String' (message.subject).");
		goto cleanup;
	}
	mb = cJSON_GetObjectItemCaseSensitive(msg, "body");
	if (mb && !cJSON_IsNull(mb)) {
		if (!cJSON_IsObject(mb)) {
			emu_reply_error(rp, 400, "BadRequest",
					"Cannot convert a value to the expected type 'microsoft.graph.itemBody'.");
			goto cleanup;
		}
		ctype = cJSON_GetObjectItemCaseSensitive(mb, "contentType");
		content = cJSON_GetObjectItemCaseSensitive(mb, "content");
		if (ctype && !(cJSON_IsString(ctype) && (strcasecmp(ctype->valuestring, "text") == 0 ||
							 strcasecmp(ctype->valuestring, "html") == 0))) {
			char *lit = cJSON_PrintUnformatted(ctype);
			emu_reply_error(rp, 400, "BadRequest",
					"Cannot convert the literal '%.60s' to the expected type "
					"'microsoft.graph.bodyType'.", lit ? lit : "");
			free(lit);
			goto cleanup;
		}
		if (content && !cJSON_IsString(content) && !cJSON_IsNull(content)) {
			emu_reply_error(rp, 400, "BadRequest",
					"Cannot convert a value to the expected type 'Edm.String' (message.body.content).");
			goto cleanup;
		}
	}
	if ((nto = recipients(cJSON_GetObjectItemCaseSensitive(msg, "toRecipients"), true, &to, rp)) < 0 ||
	    (ncc = recipients(cJSON_GetObjectItemCaseSensitive(msg, "ccRecipients"), false, &cc, rp)) < 0 ||
	    (nbcc = recipients(cJSON_GetObjectItemCaseSensitive(msg, "bccRecipients"), false, &bcc, rp)) < 0)
		goto cleanup;

	emu_iso_time(emu_wall(), at);
	buf_puts(&rec, "{\"mailbox\":");
	buf_json_str(&rec, emu_user_upn(t, u));
	buf_puts(&rec, ",\"from\":");
	buf_json_str(&rec, emu_user_mail(t, u));
	buf_printf(&rec, ",\"to\":[%s],\"cc\":[%s],\"bcc\":[%s],\"subject\":", to.data ? to.data : "",
		   cc.data ? cc.data : "", bcc.data ? bcc.data : "");
	buf_json_str(&rec, cJSON_IsString(subject) ? subject->valuestring : "");
	/* Graph's enum spelling, whatever case the client sent */
	buf_printf(&rec, ",\"contentType\":\"%s\",\"content\":",
		   ctype && strcasecmp(ctype->valuestring, "html") == 0 ? "HTML" : "Text");
	buf_json_str(&rec, cJSON_IsString(content) ? content->valuestring : "");
	buf_printf(&rec, ",\"saveToSentItems\":%s,\"at\":\"%s\"}", !save || cJSON_IsTrue(save) ? "true" : "false", at);
	entry = buf_detach(&rec, NULL);

	pthread_mutex_lock(&m->lock);
	if (charge(m, (uint32_t)idx, emu_user_upn(t, u), nto + ncc + nbcc, rp) < 0) {
		pthread_mutex_unlock(&m->lock);
		free(entry);
		goto cleanup;
	}
	if (m->nlog == m->log_cap) {
		size_t cap = m->log_cap ? m->log_cap * 2 : 64;
		char **nl = realloc(m->log, cap * sizeof(*nl));
		if (!nl)
			abort();
		m->log = nl;
		m->log_cap = cap;
	}
	m->log[m->nlog++] = entry;
	pthread_mutex_unlock(&m->lock);
	rp->status = 202;
cleanup:
	buf_release(&to);
	buf_release(&cc);
	buf_release(&bcc);
	buf_release(&rec);
	cJSON_Delete(body);
}
