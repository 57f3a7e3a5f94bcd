/* batch.c - $batch packing and unpacking (graph/batch.h). */
#include "graph/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "graph/retry.h"

void mfa_batch_init(struct mfa_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void mfa_batch_release(struct mfa_batch *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n; i++) {
		free(b->items[i].url);
		free(b->items[i].body);
	}
	mfa_batch_init(b);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static int check_item_url(const char *url, struct mfa_err *err)
{
	const char *p;

	if (!url || url[0] != '/')
		return mfa_err_set(err, "batch item URL '%s' must start with '/'", url ? url : "");
	if (!strncasecmp(url, "/beta", 5) && (url[5] == '/' || url[5] == '?' || !url[5]))
		return mfa_err_set(err, "batch item URL '%s' must not carry a version segment", url);
	if (!strncasecmp(url, "/v1.0", 5) && (url[5] == '/' || url[5] == '?' || !url[5]))
		return mfa_err_set(err, "batch item URL '%s' must not carry a version segment", url);
	if (strstr(url, "://") || url[1] == '/')
		return mfa_err_set(err, "batch item URL '%s' must be a relative path", url);
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return mfa_err_set(err, "batch item URL '%s' contains a space or control character",
					   url);
	return 0;
}

int mfa_batch_add(struct mfa_batch *b, const char *method, const char *url,
		  const char *json_body, void *ctx, struct mfa_err *err)
{
	struct mfa_batch_item *it;
	size_t i, mlen;

	if (b->n >= MFA_BATCH_MAX)
		return mfa_err_set(err, "a batch holds at most %d requests", MFA_BATCH_MAX);
	mlen = method ? strlen(method) : 0;
	if (mlen == 0 || mlen >= sizeof(it->method))
		return mfa_err_set(err, "invalid batch item method");
	for (i = 0; i < mlen; i++)
		if (method[i] < 'A' || method[i] > 'Z')
			return mfa_err_set(err, "invalid batch item method '%s'", method);
	if (check_item_url(url, err) < 0)
		return -1;
	if (json_body) {
		cJSON *probe = cJSON_Parse(json_body);
		if (!probe)
			return mfa_err_set(err, "batch item body for '%s' is not valid JSON", url);
		cJSON_Delete(probe);
	}
	it = &b->items[b->n];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%zu", b->n + 1);
	memcpy(it->method, method, mlen + 1);
	it->url = dup_str(url);
	it->body = json_body ? dup_str(json_body) : NULL;
	if (!it->url || (json_body && !it->body)) {
		free(it->url);
		free(it->body);
		it->url = it->body = NULL;
		return mfa_err_set(err, "out of memory");
	}
	it->ctx = ctx;
	b->n++;
	return 0;
}

int mfa_batch_body(const struct mfa_batch *b, char **out, size_t *len, struct mfa_err *err)
{
	cJSON *root = NULL, *reqs, *r, *hdrs, *body;
	size_t i;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (b->n == 0)
		return mfa_err_set(err, "empty batch");
	root = cJSON_CreateObject();
	if (!root || !(reqs = cJSON_AddArrayToObject(root, "requests")))
		goto oom;
	for (i = 0; i < b->n; i++) {
		const struct mfa_batch_item *it = &b->items[i];
		r = cJSON_CreateObject();
		if (!r)
			goto oom;
		cJSON_AddItemToArray(reqs, r);
		if (!cJSON_AddStringToObject(r, "id", it->id) ||
		    !cJSON_AddStringToObject(r, "method", it->method) ||
		    !cJSON_AddStringToObject(r, "url", it->url))
			goto oom;
		if (it->body) {
			hdrs = cJSON_AddObjectToObject(r, "headers");
			if (!hdrs || !cJSON_AddStringToObject(hdrs, "Content-Type", "application/json"))
				goto oom;
			body = cJSON_Parse(it->body);
			if (!body)
				goto oom; /* validated in mfa_batch_add */
			cJSON_AddItemToObject(r, "body", body);
		}
	}
	*out = cJSON_PrintUnformatted(root);
	if (!*out)
		goto oom;
	*len = strlen(*out);
	rc = 0;
	goto cleanup;
oom:
	mfa_err_set(err, "out of memory");
cleanup:
	cJSON_Delete(root);
	return rc;
}

int mfa_batch_url(char **out, const char *graph_base, struct mfa_err *err)
{
	static const char tail[] = "/beta/$batch";
	size_t n = graph_base ? strlen(graph_base) : 0;

	*out = NULL;
	while (n > 0 && graph_base[n - 1] == '/')
		n--;
	if (n == 0)
		return mfa_err_set(err, "no Graph URL");
	*out = malloc(n + sizeof(tail));
	if (!*out)
		return mfa_err_set(err, "out of memory");
	memcpy(*out, graph_base, n);
	memcpy(*out + n, tail, sizeof(tail));
	return 0;
}

static void mark_missing(struct mfa_batch_result *results, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		results[i].status = 0;
		results[i].missing = 1;
		results[i].retry_after = -1;
		results[i].body = NULL;
	}
}

/* The item's Retry-After: its headers may hold it as a string or a number,
 * under any capitalisation (cJSON's lookup ignores case). */
static double item_retry_after(const cJSON *resp)
{
	const cJSON *h = cJSON_GetObjectItem(resp, "headers");
	const cJSON *v = cJSON_IsObject(h) ? cJSON_GetObjectItem(h, "Retry-After") : NULL;
	double s;

	if (cJSON_IsNumber(v))
		return v->valuedouble >= 0 ? v->valuedouble : -1;
	if (cJSON_IsString(v) && mfa_retry_parse_after(v->valuestring, time(NULL), &s) == 0)
		return s;
	return -1;
}

int mfa_batch_parse(const struct mfa_batch *b, const char *reply, size_t len, size_t max_len,
		    struct mfa_batch_result *results, struct mfa_err *err)
{
	cJSON *root = NULL, *arr, *resp;
	int rc = -1;

	mark_missing(results, b->n);
	if (len > max_len) {
		mfa_err_set(err, "$batch reply of %zu bytes exceeds the %zu-byte limit", len, max_len);
		goto cleanup;
	}
	root = cJSON_ParseWithLength(reply, len);
	if (!root) {
		mfa_err_set(err, "$batch reply is not valid JSON");
		goto cleanup;
	}
	arr = cJSON_GetObjectItemCaseSensitive(root, "responses");
	if (!cJSON_IsArray(arr)) {
		mfa_err_set(err, "$batch reply has no \"responses\" array");
		goto cleanup;
	}
	cJSON_ArrayForEach(resp, arr) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(resp, "id");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(resp, "status");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(resp, "body");
		char idbuf[32];
		size_t i;

		if (cJSON_IsString(id))
			snprintf(idbuf, sizeof(idbuf), "%s", id->valuestring);
		else if (cJSON_IsNumber(id))
			snprintf(idbuf, sizeof(idbuf), "%d", id->valueint);
		else
			continue;
		for (i = 0; i < b->n; i++)
			if (!strcmp(b->items[i].id, idbuf))
				break;
		/* unknown ids and repeats are ignored: the first answer counts */
		if (i == b->n || !results[i].missing)
			continue;
		if (!cJSON_IsNumber(st) || st->valuedouble < 100 || st->valuedouble > 599)
			continue; /* an answer without a status is no answer */
		results[i].missing = 0;
		results[i].status = (long)st->valuedouble;
		results[i].retry_after = item_retry_after(resp);
		if (body && !cJSON_IsNull(body)) {
			results[i].body = cJSON_PrintUnformatted(body);
			if (!results[i].body) {
				mfa_err_set(err, "out of memory");
				goto cleanup;
			}
		}
	}
	rc = 0;
cleanup:
	if (rc < 0) {
		mfa_batch_results_release(results, b->n);
		mark_missing(results, b->n);
	}
	cJSON_Delete(root);
	return rc;
}

void mfa_batch_results_release(struct mfa_batch_result *results, size_t n)
{
	size_t i;

	for (i = 0; results && i < n; i++) {
		free(results[i].body);
		results[i].body = NULL;
	}
}

double mfa_batch_longest_retry_after(const struct mfa_batch_result *results, size_t n)
{
	double longest = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (mfa_retry_status_pauses(results[i].status) &&
		    results[i].retry_after > longest)
			longest = results[i].retry_after;
	return longest;
}
