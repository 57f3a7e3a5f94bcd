/* batch.c - POST /{version}/$batch: JSON batching as Graph does it. */
#include "app.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rng.h"

#define BATCH_MAX 20

struct item_out {
	const char *id;       /* borrowed from the parsed batch */
	const cJSON *item;    /* borrowed */
	unsigned deps[BATCH_MAX], ndeps; /* indices of the items it dependsOn */
	unsigned round;       /* when it ran in the schedule of K at a time */
	struct emu_reply reply;
};

static const char *header_of(const cJSON *headers, const char *name)
{
	const cJSON *h;

	cJSON_ArrayForEach(h, headers)
		if (h->string && strcasecmp(h->string, name) == 0 && cJSON_IsString(h))
			return h->valuestring;
	return NULL;
}

static char *dup_or_null(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		abort();
	return d;
}

static bool is_write(const char *method)
{
	return strcasecmp(method, "GET") != 0 && strcasecmp(method, "DELETE") != 0;
}

static void run_item(struct emu_app *app, const struct emu_request *outer, const cJSON *item,
		     struct item_out *out)
{
	const char *method = cJSON_GetObjectItemCaseSensitive(item, "method")->valuestring;
	const char *url = cJSON_GetObjectItemCaseSensitive(item, "url")->valuestring;
	const cJSON *headers = cJSON_GetObjectItemCaseSensitive(item, "headers");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(item, "body");
	struct emu_request rq;
	struct emu_fault ft;
	const char *q;
	size_t seglen;

	memset(&rq, 0, sizeof(rq));
	emu_reply_init(&out->reply);
	while (*url == '/')
		url++;
	seglen = strcspn(url, "/?");
	if ((seglen == 4 && strncmp(url, "v1.0", 4) == 0) || (seglen == 4 && strncmp(url, "beta", 4) == 0)) {
		/* item urls are relative to the batch's version */
		out->reply.route = "batchItem";
		emu_reply_error(&out->reply, 400, "BadRequest", "Resource not found for the segment '%.*s'.",
				(int)seglen, url);
		return;
	}
	emu_faults_draw(&app->faults, true, &ft);
	if (ft.kind == EMU_FAULT_5XX || ft.kind == EMU_FAULT_429) {
		out->reply.route = "batchItem";
		emu_faults_reply(&ft, &out->reply);
		return;
	}
	rq.method = dup_or_null(method);
	for (char *m = rq.method; *m; m++)
		if (*m >= 'a' && *m <= 'z')
			*m = (char)(*m - 32);
	rq.version = dup_or_null(outer->version);
	q = strchr(url, '?');
	rq.path = malloc((q ? (size_t)(q - url) : strlen(url)) + 2);
	if (!rq.path)
		abort();
	rq.path[0] = '/';
	memcpy(rq.path + 1, url, q ? (size_t)(q - url) : strlen(url));
	rq.path[1 + (q ? (size_t)(q - url) : strlen(url))] = '\0';
	url_decode_inplace(rq.path);
	if (q)
		emu_query_parse(&rq, q + 1);
	rq.authorization = dup_or_null(outer->authorization);
	rq.consistency = dup_or_null(header_of(headers, "ConsistencyLevel"));
	rq.content_type = dup_or_null(header_of(headers, "Content-Type"));
	rq.base_url = dup_or_null(outer->base_url);
	if (cJSON_IsString(body)) {
		rq.body = dup_or_null(body->valuestring);
	} else if (body) {
		rq.body = cJSON_PrintUnformatted(body);
		if (!rq.body)
			abort();
	}
	rq.body_len = rq.body ? strlen(rq.body) : 0;
	rq.in_batch = true;
	emu_api_handle(app, &rq, &out->reply);
	emu_request_release(&rq);
}

static void item_json(const struct item_out *o, struct buf *b)
{
	const struct emu_reply *rp = &o->reply;
	unsigned i;
	bool first = true;

	buf_puts(b, "{\"id\":");
	buf_json_str(b, o->id);
	buf_printf(b, ",\"status\":%d,\"headers\":{", rp->status);
	if (rp->body.len) {
		buf_puts(b, "\"Content-Type\":");
		buf_json_str(b, rp->json ? "application/json;odata.metadata=minimal;odata.streaming=true;"
					   "IEEE754Compatible=false;charset=utf-8"
					 : rp->content_type ? rp->content_type : "text/plain");
		first = false;
	}
	for (i = 0; i < rp->nheaders; i++) {
		if (!first)
			buf_putc(b, ',');
		first = false;
		buf_json_str(b, rp->headers[i].name);
		buf_putc(b, ':');
		buf_json_str(b, rp->headers[i].value);
	}
	buf_putc(b, '}');
	if (rp->body.len) {
		buf_puts(b, ",\"body\":");
		if (rp->json)
			buf_add(b, rp->body.data, rp->body.len);
		else
			buf_json_str(b, rp->body.data);
	}
	buf_putc(b, '}');
}

/* Resolves every item's dependsOn to indices (ids match case-insensitively)
 * and refuses unknown ids and cycles: 0, or -1 with rp filled as 400. */
static int resolve_deps(struct item_out *outs, unsigned n, struct emu_reply *rp)
{
	unsigned i, j, k, indeg[BATCH_MAX], queue[BATCH_MAX], head = 0, tail = 0;

	for (i = 0; i < n; i++) {
		const cJSON *deps = cJSON_GetObjectItemCaseSensitive(outs[i].item, "dependsOn"), *d;
		if (!deps)
			continue;
		if (!cJSON_IsArray(deps)) {
			emu_reply_error(rp, 400, "BadRequest",
					"Invalid batch payload format: dependsOn of request id '%.60s' is not an array of ids.",
					outs[i].id);
			return -1;
		}
		cJSON_ArrayForEach(d, deps) {
			if (!cJSON_IsString(d)) {
				emu_reply_error(rp, 400, "BadRequest",
						"Invalid batch payload format: dependsOn of request id '%.60s' is not an array of ids.",
						outs[i].id);
				return -1;
			}
			for (j = 0; j < n && strcasecmp(outs[j].id, d->valuestring) != 0; j++)
				;
			if (j == n) {
				emu_reply_error(rp, 400, "BadRequest",
						"Request id '%.60s' depends on '%.60s', which is not in the batch.",
						outs[i].id, d->valuestring);
				return -1;
			}
			if (outs[i].ndeps < BATCH_MAX)
				outs[i].deps[outs[i].ndeps++] = j;
		}
	}
	/* Kahn's algorithm: every item must be reachable without a cycle */
	for (i = 0; i < n; i++)
		indeg[i] = outs[i].ndeps;
	for (i = 0; i < n; i++)
		if (!indeg[i])
			queue[tail++] = i;
	while (head < tail) {
		unsigned done = queue[head++];
		for (i = 0; i < n; i++)
			for (k = 0; k < outs[i].ndeps; k++)
				if (outs[i].deps[k] == done && --indeg[i] == 0)
					queue[tail++] = i;
	}
	if (tail < n) {
		for (i = 0; i < n && !indeg[i]; i++)
			;
		emu_reply_error(rp, 400, "BadRequest",
				"The dependsOn of request id '%.60s' forms a cycle.", outs[i].id);
		return -1;
	}
	return 0;
}

/* The first item in list order that has not run and whose dependencies all have. */
static unsigned next_ready(const struct item_out *outs, unsigned n, const bool *ran)
{
	unsigned i, j;

	for (i = 0; i < n; i++) {
		if (ran[i])
			continue;
		for (j = 0; j < outs[i].ndeps && ran[outs[i].deps[j]]; j++)
			;
		if (j == outs[i].ndeps)
			return i;
	}
	abort(); /* resolve_deps refused cycles */
}

static bool ok_status(int status)
{
	return status >= 200 && status < 300;
}

void emu_batch_handle(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	const struct emu_config *cfg = app->cfg;
	cJSON *doc = NULL;
	const cJSON *reqs, *item;
	struct item_out outs[BATCH_MAX];
	unsigned n = 0, i, j, order[BATCH_MAX], per_round[BATCH_MAX], rounds = 0;
	bool ran[BATCH_MAX], throttled = false;
	uint64_t shuffle;

	memset(outs, 0, sizeof(outs));
	memset(ran, 0, sizeof(ran));
	memset(per_round, 0, sizeof(per_round));
	rp->route = "batch";
	if (!rq->content_type || strncasecmp(rq->content_type, "application/json", 16) != 0) {
		emu_reply_error(rp, 415, "UnsupportedMediaType",
				"The $batch request content type must be application/json.");
		goto cleanup;
	}
	doc = rq->body ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
	reqs = cJSON_GetObjectItemCaseSensitive(doc, "requests");
	if (!cJSON_IsArray(reqs)) {
		emu_reply_error(rp, 400, "BadRequest", "Invalid batch payload format.");
		goto cleanup;
	}
	if (cJSON_GetArraySize(reqs) > BATCH_MAX) {
		emu_reply_error(rp, 400, "BadRequest", "Limit of %d requests per batch exceeded.", BATCH_MAX);
		goto cleanup;
	}
	if (cJSON_GetArraySize(reqs) == 0) {
		emu_reply_error(rp, 400, "BadRequest", "Invalid batch payload format: no requests.");
		goto cleanup;
	}
	cJSON_ArrayForEach(item, reqs) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
		const cJSON *method = cJSON_GetObjectItemCaseSensitive(item, "method");
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(item, "url");
		const cJSON *headers = cJSON_GetObjectItemCaseSensitive(item, "headers");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(item, "body");
		if (!cJSON_IsString(id) || !*id->valuestring || !cJSON_IsString(method) ||
		    !cJSON_IsString(url) || (headers && !cJSON_IsObject(headers))) {
			emu_reply_error(rp, 400, "BadRequest",
					"Invalid batch payload format: every request needs string id, method and url.");
			goto cleanup;
		}
		/* ids are not case-sensitive: "A" and "a" are the same id */
		for (j = 0; j < n; j++) {
			if (strcasecmp(outs[j].id, id->valuestring) == 0) {
				emu_reply_error(rp, 400, "BadRequest",
						"Request Id '%.60s' is duplicated. Ids must be unique.", id->valuestring);
				goto cleanup;
			}
		}
		if (is_write(method->valuestring) && body && !header_of(headers, "Content-Type")) {
			emu_reply_error(rp, 400, "BadRequest",
					"Write request id : %.60s does not contain Content-Type header or body.",
					id->valuestring);
			goto cleanup;
		}
		outs[n].item = item;
		outs[n++].id = id->valuestring;
	}
	if (resolve_deps(outs, n, rp) < 0)
		goto cleanup;
	/* run in list order, each item once everything it depends on has run
	 * (resolve_deps proved there is no cycle, so every pass runs one) */
	for (unsigned left = n; left > 0; left--) {
		unsigned failed = BATCH_MAX, earliest = 0, r;

		i = next_ready(outs, n, ran);
		for (j = 0; j < outs[i].ndeps; j++) {
			const struct item_out *d = &outs[outs[i].deps[j]];
			if (!ok_status(d->reply.status) && failed == BATCH_MAX)
				failed = outs[i].deps[j];
			if (d->round + 1 > earliest)
				earliest = d->round + 1;
		}
		ran[i] = true;
		if (failed != BATCH_MAX) {
			emu_reply_init(&outs[i].reply);
			outs[i].reply.route = "batchItem";
			emu_reply_error(&outs[i].reply, 424, "FailedDependency",
					"Request id '%.60s' depends on request id '%.60s', which failed.",
					outs[i].id, outs[failed].id);
			outs[i].round = earliest ? earliest - 1 : 0;
		} else {
			run_item(app, rq, outs[i].item, &outs[i]);
			/* the first round from `earliest` with a free slot among K */
			for (r = earliest; r < BATCH_MAX - 1 && per_round[r] >= cfg->batch_parallelism; r++)
				;
			per_round[r]++;
			outs[i].round = r;
			if (r + 1 > rounds)
				rounds = r + 1;
		}
		throttled |= outs[i].reply.status == 429;
		emu_stats_count(&app->stats, outs[i].reply.route, outs[i].reply.status, outs[i].reply.throttled);
	}
	/* Graph answers items in any order: shuffle (seeded) so clients match by id */
	for (i = 0; i < n; i++)
		order[i] = i;
	shuffle = rng_at(cfg->seed, 200, atomic_load(&app->faults.seq));
	for (i = n; i > 1; i--) {
		unsigned k = (unsigned)(rng_mix(shuffle + i) % i), tmp = order[i - 1];
		order[i - 1] = order[k];
		order[k] = tmp;
	}
	/* items take --batch-item-latency-ms each, K at a time: one jittered
	 * latency per round of the schedule above */
	if (cfg->batch_item_latency_ms > 0)
		for (i = 0; i < rounds; i++)
			rp->hold += cfg->batch_item_latency_ms *
				    (0.5 + rng_unit(rng_at(cfg->seed, 103, shuffle + i))) / 1000.0;
	rp->status = throttled && cfg->batch_424 ? 424 : 200;
	rp->json = true;
	buf_reset(&rp->body);
	buf_puts(&rp->body, "{\"responses\":[");
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&rp->body, ',');
		item_json(&outs[order[i]], &rp->body);
		rp->ru += outs[order[i]].reply.ru;
	}
	buf_puts(&rp->body, "]}");
	emu_reply_header(rp, "x-ms-resource-unit", "%d", rp->ru);
cleanup:
	for (i = 0; i < n; i++)
		emu_reply_release(&outs[i].reply);
	cJSON_Delete(doc);
}
