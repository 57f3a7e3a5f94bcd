/* mailbox_purpose.c - mailboxSettings.userPurpose per user through $batch
 * (mailbox_purpose.h). */
#include "sources/mailbox_purpose.h"

#include "graph/batch.h"
#include "graph/retry.h"
#include "mfa/util/index.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 20 small items: a few KiB. */
#define MAX_BATCH_REPLY (4u << 20)
/* Outlook runs at most 4 requests of an app at once, and a $batch's
 * Outlook items 4 at a time (Graph's throttling limits, "Outlook service
 * limits"): one batch in flight keeps within that. */
#define BATCHES_IN_FLIGHT 1
#define NOT_READ UINT16_MAX

struct op {
	char *id;
	unsigned attempts;
};

/* A batch in flight (owned by its http callback). */
struct pack {
	struct mfa_mailbox_purpose *m;
	struct op *ops[MFA_BATCH_MAX];
	size_t n;
	int counted;     /* holds a place in flight (a first attempt) */
	struct mfa_batch b;
};

struct mfa_mailbox_purpose {
	struct mfa_http *http;
	char *batch_url;
	struct mfa_retry_policy policy;
	/* ids waiting for a batch: NUL-terminated, one after another, from
	 * q_head to q_len (37 bytes a user, not a batch's worth of structs) */
	char *q;
	size_t q_head, q_len, q_cap, queued;
	int flushed;     /* the listing ended: a partial batch may go */
	unsigned in_flight;
	size_t pending;  /* queued + in flight */
	unsigned long retried;
	/* users whose answer is not "user": id -> value (NOT_READ: none) */
	struct mfa_strtab ids;
	uint16_t *code;
	size_t code_cap;
	struct mfa_strtab values;
	unsigned long read, denied, no_mailbox, failed;
	int oom;        /* an answer could not be kept: nobody's purpose is known */
	char denied_why[256], failed_why[256];
};

/* Records id's outcome: value NULL is "not read". */
static void record(struct mfa_mailbox_purpose *m, const char *id, const char *value)
{
	size_t i, v = NOT_READ;

	if (value && strcmp(value, "user") == 0)
		return;
	if (value && (mfa_strtab_intern(&m->values, value, &v, NULL) < 0 || v >= NOT_READ))
		v = NOT_READ;
	if (mfa_strtab_intern(&m->ids, id, &i, NULL) < 0) {
		m->oom = 1;
		return;
	}
	if (i >= m->code_cap) {
		size_t cap = m->code_cap ? m->code_cap * 2 : 256;
		uint16_t *c = realloc(m->code, cap * sizeof(*c));

		if (!c) {
			m->oom = 1;
			return;
		}
		m->code = c;
		m->code_cap = cap;
	}
	m->code[i] = (uint16_t)v;
}

static void done(struct mfa_mailbox_purpose *m, struct op *op, const char *value)
{
	record(m, op->id, value);
	m->pending--;
	free(op->id);
	free(op);
}

static void on_batch(void *ctx, const struct mfa_http_response *resp);

/* Sends p (owned from here on); on failure its ops are not read. A retry
 * (delay_s > 0 after a failure) holds no place in flight: its wait
 * (Retry-After, backoff) must not stop the first attempts of the rest. */
static int send_pack(struct mfa_mailbox_purpose *m, struct pack *p, int retry, double delay_s,
		     struct mfa_err *err)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	char *body = NULL;
	size_t len = 0, i;
	int rc = -1;

	mfa_batch_init(&p->b);
	for (i = 0; i < p->n; i++) {
		char url[256];

		snprintf(url, sizeof(url), "/users/%s/mailboxSettings/userPurpose", p->ops[i]->id);
		if (mfa_batch_add(&p->b, "GET", url, NULL, p->ops[i], err) < 0)
			goto fail;
	}
	if (mfa_batch_body(&p->b, &body, &len, err) < 0)
		goto fail;
	req.method = "POST";
	req.url = m->batch_url;
	req.headers = headers;
	req.body = body;
	req.body_len = len;
	req.scope = MFA_SCOPE_IDENTITY_READ; /* the envelope; Outlook has its own limits */
	req.done = on_batch;
	req.ctx = p;
	req.delay_s = delay_s;
	if (mfa_http_submit(m->http, &req, err) < 0)
		goto fail;
	p->counted = !retry;
	m->in_flight += p->counted;
	rc = 0;
	goto cleanup;
fail:
	m->failed += p->n;
	snprintf(m->failed_why, sizeof(m->failed_why), "%s", err->msg);
	for (i = 0; i < p->n; i++)
		done(m, p->ops[i], NULL);
	mfa_batch_release(&p->b);
	free(p);
cleanup:
	free(body);
	return rc;
}

/* The next queued id, or NULL. */
static const char *dequeue(struct mfa_mailbox_purpose *m)
{
	const char *id;

	if (!m->queued)
		return NULL;
	id = m->q + m->q_head;
	m->q_head += strlen(id) + 1;
	m->queued--;
	return id;
}

/* Sends batches of queued ids while there is room in flight: full ones,
 * and after the listing a partial one. */
static int pump(struct mfa_mailbox_purpose *m, struct mfa_err *err)
{
	int rc = 0;

	while (m->in_flight < BATCHES_IN_FLIGHT &&
	       (m->queued >= MFA_BATCH_MAX || (m->flushed && m->queued))) {
		struct pack *p = calloc(1, sizeof(*p));
		const char *id;

		if (!p)
			return mfa_err_set(err, "out of memory");
		p->m = m;
		while (p->n < MFA_BATCH_MAX && (id = dequeue(m)) != NULL) {
			struct op *op = calloc(1, sizeof(*op));

			if (!op || !(op->id = strdup(id))) {
				free(op);
				record(m, id, NULL);
				m->pending--;
				m->failed++;
				snprintf(m->failed_why, sizeof(m->failed_why), "out of memory");
				continue;
			}
			p->ops[p->n++] = op;
		}
		if (!p->n) {
			free(p);
			continue;
		}
		if (send_pack(m, p, 0, 0, err) < 0)
			rc = -1;
	}
	/* the queue's front is spent: keep the buffer small */
	if (m->q_head && (m->q_head == m->q_len || m->q_head > m->q_cap / 2)) {
		memmove(m->q, m->q + m->q_head, m->q_len - m->q_head);
		m->q_len -= m->q_head;
		m->q_head = 0;
	}
	return rc;
}

/* "http 403: ErrorAccessDenied: Access is denied..." from an item. */
static void item_error(char *dst, size_t n, long status, const char *code, const cJSON *msg)
{
	if (code)
		snprintf(dst, n, "http %ld: %s%s%s", status, code, cJSON_IsString(msg) ? ": " : "",
			 cJSON_IsString(msg) ? msg->valuestring : "");
	else
		snprintf(dst, n, status ? "http %ld" : "no answer for the item in the $batch reply", status);
}

/* One item's outcome: 1 settled, 0 to be retried. */
static int settle(struct mfa_mailbox_purpose *m, struct op *op, const struct mfa_batch_result *it,
		  struct mfa_retry_decision *d)
{
	cJSON *root = it->body ? cJSON_Parse(it->body) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "value");
	const char *c = cJSON_IsString(code) ? code->valuestring : NULL;
	struct mfa_retry_input in;
	int rc = 1;

	memset(d, 0, sizeof(*d));
	op->attempts++;
	if (it->status == 200 && cJSON_IsString(v)) {
		m->read++;
		done(m, op, v->valuestring);
		goto cleanup;
	}
	if (it->status == 404 && c && strcmp(c, "MailboxNotEnabledForRESTAPI") == 0) {
		m->no_mailbox++;
		done(m, op, NULL);
		goto cleanup;
	}
	if (it->status == 403) {
		if (!m->denied++)
			item_error(m->denied_why, sizeof(m->denied_why), it->status, c,
				   cJSON_GetObjectItemCaseSensitive(e, "message"));
		done(m, op, NULL);
		goto cleanup;
	}
	memset(&in, 0, sizeof(in));
	in.kind = MFA_RETRY_BATCH_ITEM;
	in.status = it->missing ? 0 : it->status;
	in.has_retry_after = it->retry_after >= 0;
	in.retry_after_s = it->retry_after;
	in.attempt = op->attempts;
	in.retries_used = m->retried;
	if (it->status != 200)
		mfa_retry_decide(&m->policy, &in, NULL, NULL, d);
	if (d->retry) {
		rc = 0;
		goto cleanup;
	}
	if (!m->failed++) {
		if (it->status == 200)
			snprintf(m->failed_why, sizeof(m->failed_why), "Graph's answer has no userPurpose value");
		else
			item_error(m->failed_why, sizeof(m->failed_why), it->status, c,
				   cJSON_GetObjectItemCaseSensitive(e, "message"));
	}
	done(m, op, NULL);
cleanup:
	cJSON_Delete(root);
	return rc;
}

static void on_batch(void *ctx, const struct mfa_http_response *resp)
{
	struct pack *p = ctx, *again = NULL;
	struct mfa_mailbox_purpose *m = p->m;
	struct mfa_batch_result res[MFA_BATCH_MAX];
	struct mfa_err err = MFA_ERR_INIT;
	unsigned long throttled = 0, retried = 0;
	double delay = 0;
	size_t i;

	memset(res, 0, sizeof(res));
	m->in_flight -= p->counted;
	if (resp->cancelled || resp->status != 200 || resp->curl_code != 0) {
		if (!resp->cancelled && !m->failed)
			snprintf(m->failed_why, sizeof(m->failed_why), "$batch request failed: %s",
				 resp->error ? resp->error : "no answer");
		if (!resp->cancelled)
			m->failed += p->n;
		for (i = 0; i < p->n; i++)
			done(m, p->ops[i], NULL);
		goto cleanup;
	}
	mfa_batch_parse(&p->b, resp->body, resp->body_len, MAX_BATCH_REPLY, res, &err);
	for (i = 0; i < p->n; i++) {
		struct op *op = p->b.items[i].ctx;
		struct mfa_retry_decision d;

		if (settle(m, op, &res[i], &d))
			continue;
		if (d.throttled)
			throttled++;
		if (!again && (again = calloc(1, sizeof(*again))) != NULL)
			again->m = m;
		if (!again) {
			m->failed++;
			done(m, op, NULL);
			continue;
		}
		/* the delay is the pause: only this reader waits (one batch in
		 * flight), not the directory reads beside it */
		again->ops[again->n++] = op;
		if (d.delay_s > delay)
			delay = d.delay_s;
		m->retried++;
		retried++;
	}
	mfa_http_note_items(m->http, MFA_SCOPE_IDENTITY_READ, throttled, retried);
	if (again)
		send_pack(m, again, 1, delay, &err);
cleanup:
	mfa_batch_results_release(res, p->n);
	mfa_batch_release(&p->b);
	free(p);
	if (!resp->cancelled)
		pump(m, &err);
}

int mfa_mailbox_purpose_start(struct mfa_mailbox_purpose **out, struct mfa_http *h,
			      const char *graph_url, struct mfa_err *err)
{
	struct mfa_mailbox_purpose *m = calloc(1, sizeof(*m));
	size_t len = strlen(graph_url) + sizeof("/v1.0/$batch"), n;

	*out = NULL;
	if (!m || !(m->batch_url = malloc(len))) {
		free(m);
		return mfa_err_set(err, "out of memory");
	}
	/* userPurpose is in v1.0; $batch items are relative to it */
	n = strlen(graph_url);
	while (n && graph_url[n - 1] == '/')
		n--;
	snprintf(m->batch_url, len, "%.*s/v1.0/$batch", (int)n, graph_url);
	m->http = h;
	m->policy = *mfa_http_retry_policy(h);
	mfa_strtab_init(&m->ids);
	mfa_strtab_init(&m->values);
	*out = m;
	return 0;
}

int mfa_mailbox_purpose_queue(struct mfa_mailbox_purpose *m, const char *id, struct mfa_err *err)
{
	size_t n;

	if (!id || !*id)
		return 0;
	/* an object id is a GUID: nothing in it needs encoding */
	n = strlen(id);
	if (n > 64 || strcspn(id, "/?#%& ") != n) {
		record(m, id, NULL); /* not read, never "user" */
		return 0;
	}
	if (m->q_len + n + 1 > m->q_cap) {
		size_t cap = m->q_cap ? m->q_cap * 2 : 4096;
		char *q;

		while (cap < m->q_len + n + 1)
			cap *= 2;
		q = realloc(m->q, cap);
		if (!q)
			return mfa_err_set(err, "out of memory");
		m->q = q;
		m->q_cap = cap;
	}
	memcpy(m->q + m->q_len, id, n + 1);
	m->q_len += n + 1;
	m->queued++;
	m->pending++;
	return pump(m, err);
}

int mfa_mailbox_purpose_flush(struct mfa_mailbox_purpose *m, struct mfa_err *err)
{
	m->flushed = 1;
	return pump(m, err);
}

size_t mfa_mailbox_purpose_pending(const struct mfa_mailbox_purpose *m)
{
	return m->pending;
}

/* Reads never sent (the run stopped first) are not read, never "user". */
static void drop_unsent(struct mfa_mailbox_purpose *m)
{
	const char *id;

	while ((id = dequeue(m)) != NULL) {
		record(m, id, NULL);
		m->pending--;
	}
}

void mfa_mailbox_purpose_finish(struct mfa_mailbox_purpose *m, mfa_warn_fn warn, void *warn_ctx)
{
	char msg[MFA_ERR_MAX + 512];

	drop_unsent(m);
	if (!warn)
		return;
	if (m->oom)
		warn(warn_ctx, "mailbox purpose not kept: out of memory (every mailboxPurpose is empty)");
	if (m->denied) {
		snprintf(msg, sizeof(msg),
			 "mailbox purpose not read for %lu users (%s): their mailboxPurpose is empty and no shared-mailbox finding can be raised for them; grant the app MailboxSettings.Read (application) to read it",
			 m->denied, m->denied_why);
		warn(warn_ctx, msg);
	}
	if (m->failed) {
		snprintf(msg, sizeof(msg),
			 "mailbox purpose not read for %lu users (%s): their mailboxPurpose is empty; run again to read it",
			 m->failed, m->failed_why);
		warn(warn_ctx, msg);
	}
}

const char *mfa_mailbox_purpose_get(const struct mfa_mailbox_purpose *m, const char *id)
{
	size_t i = mfa_strtab_find(&m->ids, id);

	if (m->oom)
		return NULL;
	if (i == MFA_INDEX_NONE)
		return "user";
	if (i >= m->code_cap || m->code[i] == NOT_READ)
		return NULL;
	return mfa_strtab_get(&m->values, m->code[i]);
}

unsigned long mfa_mailbox_purpose_read_count(const struct mfa_mailbox_purpose *m)
{
	return m->read;
}

unsigned long mfa_mailbox_purpose_denied_count(const struct mfa_mailbox_purpose *m)
{
	return m->denied;
}

void mfa_mailbox_purpose_free(struct mfa_mailbox_purpose *m)
{
	if (!m)
		return;
	mfa_strtab_release(&m->ids);
	mfa_strtab_release(&m->values);
	free(m->code);
	free(m->q);
	free(m->batch_url);
	free(m);
}
