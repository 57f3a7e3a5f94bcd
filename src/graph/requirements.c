/* requirements.c - per-user MFA state reads and writes through $batch,
 * retried item by item (graph/requirements.h). */
#include "graph/requirements.h"

#include "graph/batch.h"
#include "graph/retry.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A $batch reply of 20 small items is a few KiB; anything near this is
 * not a reply to us. */
#define MAX_BATCH_REPLY (4u << 20)

struct op {
	char *user;            /* percent-encoded id or UPN */
	int write;
	enum mfa_state to;
	mfa_reqs_done_fn done;
	void *ctx;
	unsigned attempts;
};

/* A batch being filled, or in flight (then owned by its http callback). */
struct pack {
	struct mfa_reqs *r;
	int write;
	struct op *ops[MFA_BATCH_MAX];
	size_t n;
	struct mfa_batch b;
};

struct mfa_reqs {
	struct mfa_http *http;
	char *batch_url;
	struct mfa_retry_policy policy;
	mfa_reqs_before_write_fn before_write;
	void *before_write_ctx;
	struct pack *filling[2]; /* [0] reads, [1] writes */
	size_t pending;
	unsigned long retried;
};

static void finish(struct mfa_reqs *r, struct op *op, enum mfa_state state, long status,
		   const char *error)
{
	struct mfa_reqs_result res = { state, status, op->attempts, error };

	r->pending--;
	op->done(op->ctx, &res);
	free(op->user);
	free(op);
}

/* The user for a URL path: curl_easy_escape, except that '@' stays as it
 * is (a UPN reads "/users/ada@contoso.com/...", which Graph accepts, and
 * which is what the journal and the traces have always shown). NULL when
 * out of memory or longer than any Graph user name. */
static char *encode_user(const char *s)
{
	size_t n = strlen(s), i, j = 0;
	char *esc = NULL, *out = NULL;

	if (n > 1024)
		goto cleanup;
	esc = curl_easy_escape(NULL, s, (int)n);
	if (!esc)
		goto cleanup;
	n = strlen(esc);
	out = malloc(n + 1);
	if (!out)
		goto cleanup;
	for (i = 0; i < n; i++) {
		if (esc[i] == '%' && esc[i + 1] == '4' && esc[i + 2] == '0') {
			out[j++] = '@';
			i += 2;
		} else {
			out[j++] = esc[i];
		}
	}
	out[j] = '\0';
cleanup:
	curl_free(esc);
	return out;
}

static void on_batch(void *ctx, const struct mfa_http_response *resp);

/* Submits a pack (owning it from here on); on failure finishes its ops. */
static int submit(struct mfa_reqs *r, struct pack *p, int retry, double delay_s,
		  struct mfa_err *err)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	char *body = NULL;
	size_t len = 0, i;
	double cost = 0;
	int rc = -1;

	mfa_batch_init(&p->b);
	for (i = 0; i < p->n; i++) {
		struct op *op = p->ops[i];
		char url[3200];
		char json[64];

		snprintf(url, sizeof(url), "/users/%s/authentication/requirements", op->user);
		snprintf(json, sizeof(json), "{\"perUserMfaState\":\"%s\"}", mfa_state_name(op->to));
		if (mfa_batch_add(&p->b, op->write ? "PATCH" : "GET", url, op->write ? json : NULL,
				  op, err) < 0)
			goto fail;
		cost += mfa_throttle_cost(op->write ? "PATCH" : "GET", url);
	}
	if (p->write && r->before_write) {
		void *ctxs[MFA_BATCH_MAX];

		for (i = 0; i < p->n; i++)
			ctxs[i] = p->ops[i]->ctx;
		if (r->before_write(r->before_write_ctx, ctxs, p->n, retry, err) < 0)
			goto fail;
	}
	if (mfa_batch_body(&p->b, &body, &len, err) < 0)
		goto fail;
	req.method = "POST";
	req.url = r->batch_url;
	req.headers = headers;
	req.body = body;
	req.body_len = len;
	/* Graph counts each item against the scope, not the envelope. */
	req.scope = p->write ? MFA_SCOPE_IDENTITY_WRITE : MFA_SCOPE_IDENTITY_READ;
	req.cost = cost;
	req.done = on_batch;
	req.ctx = p;
	req.delay_s = delay_s;
	req.not_idempotent = p->write;
	if (mfa_http_submit(r->http, &req, err) < 0)
		goto fail;
	rc = 0;
	goto cleanup;
fail:
	for (i = 0; i < p->n; i++)
		finish(r, p->ops[i], MFA_STATE_UNKNOWN, 0, err->msg);
	mfa_batch_release(&p->b);
	free(p);
cleanup:
	free(body);
	return rc;
}

/* "http 404: Request_ResourceNotFound: ..." from an item's body. */
static void item_error(char *dst, size_t n, long status, const char *body)
{
	cJSON *root = body ? cJSON_Parse(body) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");

	if (status == 0)
		snprintf(dst, n, "no answer for this item in the $batch reply");
	else if (cJSON_IsString(code))
		snprintf(dst, n, "http %ld: %s%s%s", status, code->valuestring,
			 cJSON_IsString(msg) ? ": " : "", cJSON_IsString(msg) ? msg->valuestring : "");
	else
		snprintf(dst, n, "http %ld", status);
	cJSON_Delete(root);
}

/* The state in a GET reply's body, or UNKNOWN (with why). */
static enum mfa_state read_state(const char *body, char *why, size_t n)
{
	cJSON *root = body ? cJSON_Parse(body) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "perUserMfaState");
	enum mfa_state s = MFA_STATE_UNKNOWN;

	if (!cJSON_IsString(v)) {
		snprintf(why, n, "Graph's answer has no perUserMfaState");
	} else {
		s = mfa_state_from_graph(v->valuestring, why, n);
	}
	cJSON_Delete(root);
	return s;
}

static void on_batch(void *ctx, const struct mfa_http_response *resp)
{
	struct pack *p = ctx, *again = NULL;
	struct mfa_reqs *r = p->r;
	struct mfa_batch_result res[MFA_BATCH_MAX];
	struct mfa_err err = MFA_ERR_INIT;
	double delay = 0;
	size_t i;
	unsigned long throttled = 0, retried = 0;
	int parsed = -1;

	memset(res, 0, sizeof(res));
	if (resp->cancelled) {
		for (i = 0; i < p->n; i++)
			finish(r, p->ops[i], MFA_STATE_UNKNOWN, 0, "not done: the run was interrupted");
		goto cleanup;
	}
	/* A 200 whose body was cut (a dropped connection) is no answer: the
	 * items may or may not have run, so they fail here and the caller
	 * settles writes by reading them back. */
	if (resp->status != 200 || resp->curl_code != 0) {
		char msg[MFA_ERR_MAX];

		snprintf(msg, sizeof(msg), "$batch request failed: %s",
			 resp->error ? resp->error : "no answer");
		for (i = 0; i < p->n; i++) {
			p->ops[i]->attempts++;
			finish(r, p->ops[i], MFA_STATE_UNKNOWN, resp->status, msg);
		}
		goto cleanup;
	}
	/* A reply that is not a $batch reply leaves every item "missing",
	 * which is retried like a dropped item. */
	parsed = mfa_batch_parse(&p->b, resp->body, resp->body_len, MAX_BATCH_REPLY, res, &err);
	for (i = 0; i < p->n; i++) {
		struct op *op = p->b.items[i].ctx;
		const struct mfa_batch_result *it = &res[i];
		char why[MFA_ERR_MAX];

		op->attempts++;
		if (!op->write && it->status == 200) {
			enum mfa_state s = read_state(it->body, why, sizeof(why));
			finish(r, op, s, it->status, s == MFA_STATE_UNKNOWN ? why : NULL);
			continue;
		}
		if (op->write && (it->status == 204 || it->status == 200)) {
			finish(r, op, MFA_STATE_UNKNOWN, it->status, NULL);
			continue;
		}
		/* Whether the item goes out again is the retry policy's call. A
		 * write is not idempotent: it is sent again only when Graph
		 * certainly did not run it (throttled); anything else is settled
		 * by the caller reading the state back, so nobody is written
		 * twice. */
		{
			struct mfa_retry_input in;
			struct mfa_retry_decision d;

			memset(&in, 0, sizeof(in));
			in.kind = MFA_RETRY_BATCH_ITEM;
			in.status = it->missing ? 0 : it->status;
			in.has_retry_after = it->retry_after >= 0;
			in.retry_after_s = it->retry_after;
			in.attempt = op->attempts;
			in.not_idempotent = p->write;
			in.retries_used = r->retried;
			mfa_retry_decide(&r->policy, &in, NULL, NULL, &d);
			if (d.throttled)
				throttled++;
			if (d.retry) {
				if (!again) {
					again = calloc(1, sizeof(*again));
					if (again) {
						again->r = r;
						again->write = p->write;
					}
				}
				if (again) {
					again->ops[again->n++] = op;
					if (d.delay_s > delay)
						delay = d.delay_s;
					if (d.pause_scope)
						mfa_http_pause_scope(r->http, p->write ? MFA_SCOPE_IDENTITY_WRITE
										: MFA_SCOPE_IDENTITY_READ,
								     d.delay_s);
					r->retried++;
					retried++;
					continue;
				}
			}
		}
		if (parsed < 0 && it->missing)
			snprintf(why, sizeof(why), "%s", err.msg);
		else
			item_error(why, sizeof(why), it->status, it->body);
		/* the id Microsoft support asks for: the $batch's own */
		if (resp->client_request_id) {
			size_t wl = strlen(why);
			snprintf(why + wl, sizeof(why) - wl, " (in $batch client-request-id %s)",
				 resp->client_request_id);
		}
		finish(r, op, MFA_STATE_UNKNOWN, it->status, why);
	}
	mfa_http_note_items(r->http, p->write ? MFA_SCOPE_IDENTITY_WRITE : MFA_SCOPE_IDENTITY_READ,
			    throttled, retried);
	if (again)
		submit(r, again, 1, delay, &err);
cleanup:
	mfa_batch_results_release(res, p->n);
	mfa_batch_release(&p->b);
	free(p);
}

int mfa_reqs_new(struct mfa_reqs **out, const struct mfa_reqs_options *o, struct mfa_err *err)
{
	struct mfa_reqs *r = calloc(1, sizeof(*r));
	struct mfa_retry_policy def = MFA_RETRY_POLICY_INIT;

	*out = NULL;
	if (!r)
		return mfa_err_set(err, "out of memory");
	if (mfa_batch_url(&r->batch_url, o->graph_url, err) < 0) {
		free(r);
		return -1;
	}
	r->http = o->http;
	r->policy = o->http ? *mfa_http_retry_policy(o->http) : def;
	if (o->max_attempts)
		r->policy.max_attempts = o->max_attempts;
	r->before_write = o->before_write;
	r->before_write_ctx = o->before_write_ctx;
	*out = r;
	return 0;
}

static int queue(struct mfa_reqs *r, const char *user, int write, enum mfa_state to,
		 mfa_reqs_done_fn done, void *ctx, struct mfa_err *err)
{
	struct op *op = calloc(1, sizeof(*op));
	struct pack *p;

	if (!op || !(op->user = encode_user(user))) {
		free(op);
		return mfa_err_set(err, "out of memory (or a user name longer than Graph allows)");
	}
	op->write = write;
	op->to = to;
	op->done = done;
	op->ctx = ctx;
	p = r->filling[write];
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p) {
			free(op->user);
			free(op);
			return mfa_err_set(err, "out of memory");
		}
		p->r = r;
		p->write = write;
		r->filling[write] = p;
	}
	p->ops[p->n++] = op;
	r->pending++;
	if (p->n == MFA_BATCH_MAX) {
		r->filling[write] = NULL;
		return submit(r, p, 0, 0, err);
	}
	return 0;
}

int mfa_reqs_read(struct mfa_reqs *r, const char *user, mfa_reqs_done_fn done, void *ctx,
		  struct mfa_err *err)
{
	return queue(r, user, 0, MFA_STATE_UNKNOWN, done, ctx, err);
}

int mfa_reqs_write(struct mfa_reqs *r, const char *user, enum mfa_state to,
		   mfa_reqs_done_fn done, void *ctx, struct mfa_err *err)
{
	if (to != MFA_STATE_DISABLED && to != MFA_STATE_ENABLED && to != MFA_STATE_ENFORCED)
		return mfa_err_set(err, "cannot set per-user MFA to '%s'", mfa_state_name(to));
	return queue(r, user, 1, to, done, ctx, err);
}

int mfa_reqs_flush(struct mfa_reqs *r, struct mfa_err *err)
{
	int i, rc = 0;

	for (i = 0; i < 2; i++) {
		struct pack *p = r->filling[i];

		r->filling[i] = NULL;
		if (p && submit(r, p, 0, 0, err) < 0)
			rc = -1;
	}
	return rc;
}

size_t mfa_reqs_pending(const struct mfa_reqs *r)
{
	return r->pending;
}

unsigned long mfa_reqs_retried(const struct mfa_reqs *r)
{
	return r->retried;
}

void mfa_reqs_free(struct mfa_reqs *r)
{
	int i;
	size_t j;

	if (!r)
		return;
	for (i = 0; i < 2; i++) {
		struct pack *p = r->filling[i];

		for (j = 0; p && j < p->n; j++)
			finish(r, p->ops[j], MFA_STATE_UNKNOWN, 0, "not sent");
		free(p);
	}
	free(r->batch_url);
	free(r);
}
