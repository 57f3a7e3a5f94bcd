/* sendmail.c - one message through Graph's sendMail (sendmail.h). */
#include "jobs/sendmail.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *mfa_sendmail_body(const char *subject, const char *text, const char *to, struct mfa_err *err)
{
	cJSON *root = cJSON_CreateObject(), *msg, *b, *rcpts, *rcpt, *addr;
	char *out = NULL;

	if (!root) {
		mfa_err_set(err, "out of memory");
		return NULL;
	}
	msg = cJSON_AddObjectToObject(root, "message");
	cJSON_AddStringToObject(msg, "subject", subject);
	b = cJSON_AddObjectToObject(msg, "body");
	cJSON_AddStringToObject(b, "contentType", "Text");
	cJSON_AddStringToObject(b, "content", text);
	rcpts = cJSON_AddArrayToObject(msg, "toRecipients");
	rcpt = cJSON_CreateObject();
	cJSON_AddItemToArray(rcpts, rcpt);
	addr = cJSON_AddObjectToObject(rcpt, "emailAddress");
	cJSON_AddStringToObject(addr, "address", to);
	cJSON_AddFalseToObject(root, "saveToSentItems");
	out = cJSON_PrintUnformatted(root);
	if (!out)
		mfa_err_set(err, "out of memory");
	cJSON_Delete(root);
	return out;
}

char *mfa_sendmail_url(const char *graph_url, const char *from, struct mfa_err *err)
{
	char *esc = curl_easy_escape(NULL, from, 0), *url = NULL;
	size_t n;

	if (!esc) {
		mfa_err_set(err, "out of memory");
		return NULL;
	}
	n = strlen(graph_url) + strlen(esc) + sizeof("/v1.0/users//sendMail");
	url = malloc(n);
	if (url)
		snprintf(url, n, "%s/v1.0/users/%s/sendMail", graph_url, esc);
	else
		mfa_err_set(err, "out of memory");
	curl_free(esc);
	return url;
}

static void on_sent(void *ctx, const struct mfa_http_response *resp)
{
	struct mfa_sendmail_answer *a = ctx;

	a->status = resp->status;
	a->attempts = resp->attempts;
	a->cancelled = resp->cancelled;
	/* A 4xx (a 429 already retried by the engine) was refused: not sent.
	 * No status at all after an attempt, a 5xx, a timeout: unknown. */
	a->acted = !(resp->status >= 400 && resp->status < 500) &&
		   !(resp->status >= 200 && resp->status < 300) && resp->attempts > 0;
	snprintf(a->error, sizeof(a->error), "%s", resp->error ? resp->error : "");
}

int mfa_sendmail_post(struct mfa_http *h, const char *url, const char *body,
		      struct mfa_sendmail_answer *a, struct mfa_err *err)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;

	memset(a, 0, sizeof(*a));
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.scope = MFA_SCOPE_MAIL;
	req.cost = 1;
	req.not_idempotent = 1;
	req.done = on_sent;
	req.ctx = a;
	if (mfa_http_submit(h, &req, err) < 0)
		return -1;
	if (mfa_http_run(h, err) < 0)
		return -1;
	return 0;
}
