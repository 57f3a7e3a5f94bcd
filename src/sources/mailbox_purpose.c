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
#define NOT_READ UINT16_MAX

struct op {
	char *id;
	unsigned attempts;
};

struct pack {
	struct mfa_mailbox_purpose *m;
	struct op *ops[MFA_BATCH_MAX];
	size_t n;
	struct mfa_batch b;
};

struct mfa_mailbox_purpose {
	struct mfa_http *http;
	char *batch_url;
	struct mfa_retry_policy policy;
	struct pack *filling;
	size_t pending;
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

/* Submits p (owned from here on); on failure its ops are not read. */
static int submit(struct mfa_mailbox_purpose *m, struct pack *p, double delay_s, struct mfa_err *err)
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
	req.scope = MFA_SCOPE_IDENTITY_READ;
	req.cost = (double)p->n;
	req.done = on_batch;
	req.ctx = p;
	req.delay_s = delay_s;
	if (mfa_http_submit(m->http, &req, err) < 0)
		goto fail;
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
		again->ops[again->n++] = op;
		if (d.delay_s > delay)
			delay = d.delay_s;
		if (d.pause_scope)
			mfa_http_pause_scope(m->http, MFA_SCOPE_IDENTITY_READ, d.delay_s);
		m->retried++;
		retried++;
	}
	mfa_http_note_items(m->http, MFA_SCOPE_IDENTITY_READ, throttled, retried);
	if (again)
		submit(m, again, delay, &err);
cleanup:
	mfa_batch_results_release(res, p->n);
	mfa_batch_release(&p->b);
	free(p);
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
	struct op *op;
	struct pack *p;

	/* an object id is a GUID: nothing in it needs encoding */
	if (!id || !*id)
		return 0;
	if (strlen(id) > 64 || strcspn(id, "/?#%& ") != strlen(id)) {
		record(m, id, NULL); /* not read, never "user" */
		return 0;
	}
	op = calloc(1, sizeof(*op));
	if (!op || !(op->id = strdup(id))) {
		free(op);
		return mfa_err_set(err, "out of memory");
	}
	p = m->filling;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p) {
			free(op->id);
			free(op);
			return mfa_err_set(err, "out of memory");
		}
		p->m = m;
		m->filling = p;
	}
	p->ops[p->n++] = op;
	m->pending++;
	if (p->n == MFA_BATCH_MAX) {
		m->filling = NULL;
		return submit(m, p, 0, err);
	}
	return 0;
}

int mfa_mailbox_purpose_flush(struct mfa_mailbox_purpose *m, struct mfa_err *err)
{
	struct pack *p = m->filling;

	m->filling = NULL;
	return p ? submit(m, p, 0, err) : 0;
}

size_t mfa_mailbox_purpose_pending(const struct mfa_mailbox_purpose *m)
{
	return m->pending;
}

/* Reads never sent (the run stopped first) are not read, never "user". */
static void drop_unsent(struct mfa_mailbox_purpose *m)
{
	struct pack *p = m->filling;
	size_t i;

	m->filling = NULL;
	for (i = 0; p && i < p->n; i++)
		done(m, p->ops[i], NULL);
	free(p);
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
	drop_unsent(m);
	mfa_strtab_release(&m->ids);
	mfa_strtab_release(&m->values);
	free(m->code);
	free(m->batch_url);
	free(m);
}
