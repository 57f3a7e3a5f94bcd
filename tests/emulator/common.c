/* common.c - requests, replies and clocks shared by every module. */
#include "emu.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

void emu_request_release(struct emu_request *rq)
{
	unsigned i;

	free(rq->method);
	free(rq->version);
	free(rq->path);
	for (i = 0; i < rq->nquery; i++) {
		free(rq->query[i].key);
		free(rq->query[i].value);
	}
	free(rq->authorization);
	free(rq->consistency);
	free(rq->content_type);
	free(rq->client_request_id);
	free(rq->base_url);
	free(rq->body);
	memset(rq, 0, sizeof(*rq));
}

const char *emu_request_query(const struct emu_request *rq, const char *key)
{
	unsigned i;

	for (i = 0; i < rq->nquery; i++)
		if (strcmp(rq->query[i].key, key) == 0)
			return rq->query[i].value;
	return NULL;
}

void emu_reply_init(struct emu_reply *rp)
{
	memset(rp, 0, sizeof(*rp));
	rp->status = 200;
	rp->route = "unknown";
}

void emu_reply_release(struct emu_reply *rp)
{
	buf_release(&rp->body);
}

void emu_reply_header(struct emu_reply *rp, const char *name, const char *fmt, ...)
{
	struct emu_header *h = NULL;
	unsigned i;
	va_list ap;

	for (i = 0; i < rp->nheaders; i++)
		if (strcasecmp(rp->headers[i].name, name) == 0)
			h = &rp->headers[i];
	if (!h) {
		if (rp->nheaders == EMU_MAX_HEADERS)
			return;
		h = &rp->headers[rp->nheaders++];
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(h->value, sizeof(h->value), fmt, ap);
	va_end(ap);
}

const char *emu_reply_find_header(const struct emu_reply *rp, const char *name)
{
	unsigned i;

	for (i = 0; i < rp->nheaders; i++)
		if (strcasecmp(rp->headers[i].name, name) == 0)
			return rp->headers[i].value;
	return NULL;
}

void emu_guid(char out[37])
{
	/* GUIDs need to be unique, not reproducible: a counter under a salt drawn once */
	static atomic_ullong counter;
	static _Atomic uint64_t salt;
	uint64_t s = atomic_load(&salt), a, b;

	if (!s) {
		uint64_t fresh = rng_mix((uint64_t)(emu_wall() * 1e9) ^ ((uint64_t)getpid() << 32)) | 1;
		atomic_compare_exchange_strong(&salt, &s, fresh);
		s = atomic_load(&salt);
	}
	a = rng_mix(s ^ atomic_fetch_add(&counter, 1));
	b = rng_mix(a ^ s);
	snprintf(out, 37, "%08x-%04x-4%03x-%x%03x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		 (unsigned)a & 0xfff, 8 + (unsigned)(b >> 62), (unsigned)(b >> 48) & 0xfff,
		 (unsigned long long)(b & 0xffffffffffffULL));
}

void emu_reply_ids(struct emu_reply *rp, const char *crid)
{
	char g[37];
	const char *p;
	bool ok = crid && *crid && strlen(crid) < sizeof(rp->client_request_id);

	for (p = crid; ok && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			ok = false;
	emu_guid(g);
	snprintf(rp->request_id, sizeof(rp->request_id), "%s", g);
	if (!ok)
		emu_guid(g);
	snprintf(rp->client_request_id, sizeof(rp->client_request_id), "%s", ok ? crid : g);
}

void emu_reply_error(struct emu_reply *rp, int status, const char *code, const char *fmt, ...)
{
	char msg[512], date[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!rp->request_id[0])
		emu_reply_ids(rp, NULL);
	emu_iso_time(emu_wall(), date);
	rp->status = status;
	rp->json = true;
	buf_reset(&rp->body);
	buf_puts(&rp->body, "{\"error\":{\"code\":");
	buf_json_str(&rp->body, code);
	buf_puts(&rp->body, ",\"message\":");
	buf_json_str(&rp->body, msg);
	buf_printf(&rp->body, ",\"innerError\":{\"date\":\"%s\",\"request-id\":", date);
	buf_json_str(&rp->body, rp->request_id);
	buf_puts(&rp->body, ",\"client-request-id\":");
	buf_json_str(&rp->body, rp->client_request_id);
	buf_puts(&rp->body, "}}}");
}

double emu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double emu_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void emu_iso_time(double t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
