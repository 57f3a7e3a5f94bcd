/* http_routes.c - libmicrohttpd glue and request dispatch. */
#include "http_routes.h"
#include "accounts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_BODY (8u << 20)

struct pending {
	struct MHD_Connection *conn;
	double due;
	struct pending *next;
};

struct emu_server {
	struct emu_app *app;          /* the first tenant: the server's own settings */
	const struct emu_tenants *ts; /* every tenant (multitenant.h) */
	struct MHD_Daemon *daemon;
	int port;
	atomic_bool stopping;
	atomic_ullong request_ids;
	/* connections held back (latency, --slow), resumed by the timer thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t timer;
	bool timer_started;
	struct pending *held;
	char *tls_cert, *tls_key; /* PEM text, kept while the daemon runs */
};

enum phase { PH_RECEIVING, PH_HELD, PH_DONE };

struct conn_ctx {
	struct buf upload;
	bool too_large;
	enum phase phase;
	struct emu_reply reply;
	bool drop;
	char client_request_id[80];
};

/* ---- holding connections ---- */

static void *timer_main(void *arg)
{
	struct emu_server *s = arg;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		double now = emu_now(), next = now + 3600;
		struct pending **pp = &s->held;
		bool stopping = atomic_load(&s->stopping);

		while (*pp) {
			struct pending *p = *pp;
			if (stopping || p->due <= now) {
				*pp = p->next;
				MHD_resume_connection(p->conn);
				free(p);
			} else {
				if (p->due < next)
					next = p->due;
				pp = &p->next;
			}
		}
		if (stopping)
			break;
		{
			struct timespec ts;
			double wait = next - now;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)wait;
			ts.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&s->cond, &s->lock, &ts);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Suspends the connection until `delay` seconds from now. */
static void hold(struct emu_server *s, struct MHD_Connection *c, double delay)
{
	struct pending *p = malloc(sizeof(*p));

	if (!p)
		abort();
	MHD_suspend_connection(c);
	p->conn = c;
	p->due = emu_now() + delay;
	pthread_mutex_lock(&s->lock);
	if (atomic_load(&s->stopping)) {
		pthread_mutex_unlock(&s->lock);
		free(p);
		MHD_resume_connection(c);
		return;
	}
	p->next = s->held;
	s->held = p;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* ---- building a request ---- */

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct emu_request *rq = cls;
	struct emu_kv *kv;

	(void)kind;
	if (rq->nquery >= EMU_MAX_QUERY) {
		rq->query_overflow = true;
		return MHD_YES;
	}
	kv = &rq->query[rq->nquery++];
	kv->key = strdup(key);
	kv->value = strdup(value ? value : "");
	if (!kv->key || !kv->value)
		abort();
	return MHD_YES;
}

static char *header_dup(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	char *d;

	if (!v)
		return NULL;
	d = strdup(v);
	if (!d)
		abort();
	return d;
}

/* rq->base_url is --public-url when set, else http:// (https:// with
 * --tls-cert) and the Host header, else 127.0.0.1 and the bound port. */
static void request_from(struct emu_server *s, struct MHD_Connection *c, const char *method,
			 const char *path, const char *version, struct conn_ctx *ctx, struct emu_request *rq)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *scheme = s->tls_cert ? "https" : "http";
	struct buf base = BUF_INIT;

	memset(rq, 0, sizeof(*rq));
	rq->method = strdup(method);
	rq->path = strdup(path);
	rq->version = version ? strdup(version) : NULL;
	if (!rq->method || !rq->path || (version && !rq->version))
		abort();
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, rq);
	rq->authorization = header_dup(c, "Authorization");
	rq->consistency = header_dup(c, "ConsistencyLevel");
	rq->content_type = header_dup(c, "Content-Type");
	rq->client_request_id = header_dup(c, "client-request-id");
	if (host && *host && strlen(host) < 200 && !strpbrk(host, "\"\\/ "))
		buf_printf(&base, "%s://%s", scheme, host);
	else
		buf_printf(&base, "%s://127.0.0.1:%d", scheme, s->port);
	if (s->app->cfg->public_url) {
		buf_reset(&base);
		buf_puts(&base, s->app->cfg->public_url);
	}
	rq->base_url = buf_detach(&base, NULL);
	if (ctx->upload.len) {
		rq->body_len = ctx->upload.len;
		rq->body = buf_detach(&ctx->upload, NULL);
	}
}

/* ---- /_emulator ---- */

static int set_one(struct emu_tenant *t, const char *key, const char *value, struct emu_reply *rp)
{
	long idx = emu_tenant_find(t, key);
	int st = emu_state_parse(value);

	if (idx < 0) {
		emu_reply_error(rp, 404, "Request_ResourceNotFound", "no user '%.200s'", key ? key : "");
		return -1;
	}
	if (st < 0) {
		emu_reply_error(rp, 400, "BadRequest", "bad perUserMfaState '%.60s'", value ? value : "");
		return -1;
	}
	atomic_store(&t->users[idx].state, (uint8_t)st);
	return 0;
}

/* POST /_emulator/set-state: JSON object, JSON array of objects, or CSV
 * lines "id,perUserMfaState" or "id,userPrincipalName,perUserMfaState"
 * (a header line starting "id," is skipped). */
static void set_state(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	const char *body = rq->body ? rq->body : "";
	unsigned long n = 0;
	cJSON *doc = NULL;

	while (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')
		body++;
	if (*body == '{' || *body == '[') {
		const cJSON *it;
		doc = cJSON_Parse(body);
		if (!doc) {
			emu_reply_error(rp, 400, "BadRequest", "set-state body is not valid JSON");
			goto cleanup;
		}
		if (cJSON_IsObject(doc)) {
			cJSON *one = doc;
			doc = cJSON_CreateArray();
			cJSON_AddItemToArray(doc, one);
		}
		cJSON_ArrayForEach(it, doc) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "perUserMfaState");
			if (!cJSON_IsString(id))
				id = cJSON_GetObjectItemCaseSensitive(it, "userPrincipalName");
			if (set_one(&app->tenant, cJSON_IsString(id) ? id->valuestring : NULL,
				    cJSON_IsString(st) ? st->valuestring : NULL, rp) < 0)
				goto cleanup;
			n++;
		}
	} else {
		char *copy = strdup(body), *line, *next;
		if (!copy)
			abort();
		for (line = copy; line && *line; line = next) {
			char *comma, *end;
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			end = line + strlen(line);
			while (end > line && (end[-1] == '\r' || end[-1] == ' '))
				*--end = '\0';
			comma = strchr(line, ',');
			if (!*line)
				continue;
			if (!comma) {
				emu_reply_error(rp, 400, "BadRequest", "set-state line without a comma: '%.100s'", line);
				free(copy);
				goto cleanup;
			}
			*comma = '\0';
			if (strcmp(line, "id") == 0)
				continue;
			/* "id,state" or the /_emulator/state shape "id,upn,state" */
			if (set_one(&app->tenant, line, strrchr(comma + 1, ',') ? strrchr(comma + 1, ',') + 1 : comma + 1, rp) < 0) {
				free(copy);
				goto cleanup;
			}
			n++;
		}
		free(copy);
	}
	rp->status = 200;
	rp->json = true;
	buf_reset(&rp->body);
	buf_printf(&rp->body, "{\"updated\":%lu}", n);
cleanup:
	cJSON_Delete(doc);
}

static void emulator_endpoint(struct emu_server *s, const char *method, const char *what,
			      const struct emu_request *rq, struct emu_reply *rp)
{
	const char *tenant = emu_request_query(rq, "tenant");
	struct emu_app *app = tenant ? emu_tenants_find(s->ts, tenant) : s->app;
	bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;

	rp->route = "emulator";
	if (!app) {
		emu_reply_error(rp, 404, "NotFound", "no tenant '%.100s' here (GET /_emulator/tenants lists them)", tenant);
	} else if (get && strcmp(what, "tenants") == 0) {
		emu_tenants_json(s->ts, rp);
	} else if (get && (strcmp(what, "state") == 0 || strcmp(what, "export") == 0)) {
		char *data = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&data, &len);
		if (!f)
			abort();
		if (what[0] == 's' && emu_request_query(rq, "accounts")) /* issue 14 */
			emu_accounts_write_state(&app->tenant, f);
		else if (what[0] == 's')
			emu_tenant_write_state(&app->tenant, f);
		else
			emu_tenant_export_csv(&app->tenant, f);
		fclose(f);
		buf_release(&rp->body);
		rp->body.data = data;
		rp->body.len = len;
		rp->body.cap = len + 1;
		rp->content_type = "text/csv; charset=utf-8";
	} else if (get && strcmp(what, "stats") == 0) {
		rp->json = true;
		emu_stats_json(&app->stats, &app->tenant, &app->faults, &rp->body);
	} else if (get && strcmp(what, "config") == 0) {
		const struct emu_config *cfg = app->cfg;
		rp->json = true;
		buf_puts(&rp->body, "{\"baseUrl\":");
		buf_json_str(&rp->body, rq->base_url);
		buf_puts(&rp->body, ",\"tenantId\":");
		buf_json_str(&rp->body, cfg->tenant_id);
		buf_puts(&rp->body, ",\"clientId\":");
		buf_json_str(&rp->body, cfg->client_id);
		buf_printf(&rp->body, ",\"users\":%u,\"seed\":%llu,\"timeScale\":%g,\"limits\":%s}",
			   app->tenant.count, (unsigned long long)cfg->seed, cfg->time_scale,
			   cfg->limits ? "true" : "false");
	} else if (get && strcmp(what, "health") == 0) {
		rp->content_type = "text/plain";
		buf_puts(&rp->body, "ok\n");
	} else if (get && strcmp(what, "mail") == 0) {
		rp->json = true;
		emu_mail_json(app->mail, &rp->body);
	} else if (post && strcmp(what, "reset") == 0) {
		emu_tenant_reset(&app->tenant);
		emu_mail_reset(app->mail);
		emu_throttle_reset(app->throttle);
		emu_faults_reset(&app->faults);
		emu_stats_reset(&app->stats);
		emu_signins_reset(app->signins);
		rp->json = true;
		buf_puts(&rp->body, "{\"reset\":true}");
	} else if (post && strcmp(what, "set-state") == 0) {
		set_state(app, rq, rp);
	} else if (post && strcmp(what, "sign-ins/advance") == 0) {
		emu_signins_advance(app->signins, app, rp); /* issue 15 */
	} else {
		emu_reply_error(rp, 404, "NotFound", "no emulator endpoint '%s %.100s'", method, what);
	}
}

/* ---- dispatch ---- */

/* Fills ctx->reply for a complete request; returns the delay before answering. */
static double dispatch(struct emu_server *s, struct MHD_Connection *c, const char *url,
		       const char *method, struct conn_ctx *ctx)
{
	struct emu_app *app = s->app;
	struct emu_request rq;
	struct emu_reply *rp = &ctx->reply;
	double delay = 0;
	const char *slash;
	bool api = false;

	emu_reply_init(rp);
	if (strncmp(url, "/_emulator/", 11) == 0) {
		request_from(s, c, method, url, NULL, ctx, &rq);
		emulator_endpoint(s, method, url + 11, &rq, rp);
		emu_request_release(&rq);
		return 0;
	}
	if (ctx->too_large) {
		emu_reply_error(rp, 413, "RequestEntityTooLarge", "The request body is too large.");
		goto count;
	}
	if (strncmp(url, "/v1.0/", 6) == 0 || strcmp(url, "/v1.0") == 0 ||
	    strncmp(url, "/beta/", 6) == 0 || strcmp(url, "/beta") == 0) {
		struct emu_fault ft;
		char version[5];

		memcpy(version, url + 1, 4);
		version[4] = '\0';
		api = true;
		request_from(s, c, method, url + 5, version, ctx, &rq);
		app = emu_tenants_for_token(s->ts, rq.authorization);
		emu_api_begin(app, &rq, rp);
		emu_faults_draw(&app->faults, false, &ft);
		delay = ft.delay;
		if (ft.kind == EMU_FAULT_5XX || ft.kind == EMU_FAULT_429) {
			rp->route = "injectedFault";
			emu_faults_reply(&ft, rp);
		} else {
			emu_api_handle(app, &rq, rp);
			delay += rp->hold; /* $batch items' own latency */
			if (ft.kind == EMU_FAULT_DROP)
				ctx->drop = true;
			else if (ft.kind == EMU_FAULT_SLOW)
				delay += app->cfg->slow_seconds;
		}
		emu_request_release(&rq);
	} else if (strcmp(url, "/metadata/identity/oauth2/token") == 0 || strcmp(url, "/msi/token") == 0) {
		/* issue 12: managed identity, IMDS and App Service forms (auth.c) */
		request_from(s, c, method, url, NULL, ctx, &rq);
		if (strcmp(url, "/msi/token") == 0)
			emu_auth_msi(app->auth, &rq, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-IDENTITY-HEADER"), rp);
		else
			emu_auth_imds(app->auth, &rq, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Metadata"), rp);
		emu_request_release(&rq);
	} else if ((slash = strchr(url + 1, '/')) && strcmp(slash, "/oauth2/v2.0/token") == 0) {
		char tenant[128], token_url[512];
		size_t tl = (size_t)(slash - url - 1);

		snprintf(tenant, sizeof(tenant), "%.*s", (int)(tl < 127 ? tl : 127), url + 1);
		request_from(s, c, method, url, NULL, ctx, &rq);
		if (emu_tenants_find(s->ts, tenant)) /* else the first refuses it */
			app = emu_tenants_find(s->ts, tenant);
		snprintf(token_url, sizeof(token_url), "%s%s", rq.base_url, url);
		if (strcmp(method, "POST") != 0) {
			rp->route = "token";
			emu_reply_error(rp, 405, "MethodNotAllowed", "The token endpoint takes POST.");
		} else {
			emu_auth_token(app->auth, tenant, token_url, &rq, rp);
		}
		emu_request_release(&rq);
	} else {
		emu_reply_error(rp, 400, "BadRequest", "Invalid version: '%.100s'.", url);
	}
count:
	(void)api;
	emu_stats_count(&app->stats, rp->route, rp->status, rp->throttled);
	return delay;
}

/* ---- responses ---- */

struct drop_body {
	char *data;
	size_t len, cut;
};

static ssize_t drop_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct drop_body *d = cls;
	size_t n;

	if (pos >= d->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = d->cut - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(out, d->data + pos, n);
	return (ssize_t)n;
}

static void drop_free(void *cls)
{
	struct drop_body *d = cls;

	free(d->data);
	free(d);
}

static enum MHD_Result send_reply(struct emu_server *s, struct MHD_Connection *c, struct conn_ctx *ctx)
{
	struct emu_reply *rp = &ctx->reply;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned i;
	char rid[40];
	unsigned long long n;

	if (ctx->drop) {
		struct drop_body *d;
		if (rp->body.len < 2)
			return MHD_NO; /* nothing to cut short: close before answering */
		d = malloc(sizeof(*d));
		if (!d)
			abort();
		d->len = rp->body.len;
		d->cut = d->len / 2;
		d->data = buf_detach(&rp->body, NULL);
		resp = MHD_create_response_from_callback(d->len, 4096, drop_reader, d, drop_free);
	} else {
		size_t len = rp->body.len;
		char *data = len ? buf_detach(&rp->body, NULL) : NULL;
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp)
		return MHD_NO;
	if (rp->status != 204 && rp->status != 202) { /* 202: sendMail's empty answer */
		MHD_add_response_header(resp, "Content-Type",
					rp->json ? "application/json;odata.metadata=minimal;odata.streaming=true;"
						   "IEEE754Compatible=false;charset=utf-8"
						 : rp->content_type ? rp->content_type : "text/plain");
	}
	n = atomic_fetch_add(&s->request_ids, 1);
	snprintf(rid, sizeof(rid), "00000000-0000-4000-8000-%012llx", n & 0xffffffffffffULL);
	MHD_add_response_header(resp, "request-id", rp->request_id[0] ? rp->request_id : rid);
	if (rp->client_request_id[0] || ctx->client_request_id[0])
		MHD_add_response_header(resp, "client-request-id",
					rp->client_request_id[0] ? rp->client_request_id : ctx->client_request_id);
	for (i = 0; i < rp->nheaders; i++)
		MHD_add_response_header(resp, rp->headers[i].name, rp->headers[i].value);
	ret = MHD_queue_response(c, (unsigned)rp->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct emu_server *s = cls;
	struct conn_ctx *ctx = *con_cls;
	double delay;

	(void)version;
	if (!ctx) {
		const char *crid;
		ctx = calloc(1, sizeof(*ctx));
		if (!ctx)
			return MHD_NO;
		crid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "client-request-id");
		if (crid && strlen(crid) < sizeof(ctx->client_request_id) && !strpbrk(crid, "\r\n"))
			snprintf(ctx->client_request_id, sizeof(ctx->client_request_id), "%s", crid);
		*con_cls = ctx;
		return MHD_YES;
	}
	if (ctx->phase == PH_RECEIVING && *upload_data_size) {
		if (ctx->upload.len + *upload_data_size > MAX_BODY)
			ctx->too_large = true;
		else
			buf_add(&ctx->upload, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (atomic_load(&s->stopping) && ctx->phase == PH_HELD)
		return MHD_NO;
	if (ctx->phase == PH_RECEIVING) {
		delay = dispatch(s, c, url, method, ctx);
		if (delay > 0) {
			ctx->phase = PH_HELD;
			hold(s, c, delay);
			return MHD_YES;
		}
	}
	ctx->phase = PH_DONE;
	return send_reply(s, c, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_ctx *ctx = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!ctx)
		return;
	buf_release(&ctx->upload);
	emu_reply_release(&ctx->reply);
	free(ctx);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct emu_server *s = cls;

	(void)c;
	(void)socket_context;
	emu_stats_connection(&s->app->stats, toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

/* Reads a whole PEM file (at most 1 MiB) as a NUL-terminated string. */
static char *read_pem(const char *flag, const char *path, struct mfa_err *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f) {
		mfa_err_set(err, "cannot open --%s '%s': %s", flag, path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (1u << 20))
		buf_add(&b, chunk, n);
	if (ferror(f) || b.len >= (1u << 20) || !b.len || !strstr(b.data, "-----BEGIN ")) {
		mfa_err_set(err, "--%s '%s' is not a PEM file (expected -----BEGIN ...)", flag, path);
		fclose(f);
		buf_release(&b);
		return NULL;
	}
	fclose(f);
	return buf_detach(&b, NULL);
}

int emu_server_start(struct emu_server **out, const struct emu_tenants *ts, int *port,
		     struct mfa_err *err)
{
	struct emu_app *app = &ts->apps[0];
	struct emu_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in addr;
	const union MHD_DaemonInfo *info;
	pthread_condattr_t ca;
	struct MHD_OptionItem tls_opts[3];

	*out = NULL;
	if (!s)
		return mfa_err_set(err, "out of memory");
	s->app = app;
	s->ts = ts;
	atomic_init(&s->stopping, false);
	atomic_init(&s->request_ids, 1);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)app->cfg->port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (app->cfg->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			mfa_err_set(err, "this libmicrohttpd has no TLS support; drop --tls-cert or install one built with GnuTLS");
			goto fail;
		}
		s->tls_cert = read_pem("tls-cert", app->cfg->tls_cert, err);
		if (!s->tls_cert)
			goto fail;
		s->tls_key = read_pem("tls-key", app->cfg->tls_key, err);
		if (!s->tls_key)
			goto fail;
	}
	/* with TLS the two HTTPS options come first; without, they are skipped
	 * by starting the option list past them (MHD_OPTION_ARRAY keeps it one call) */
	tls_opts[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert };
	tls_opts[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key };
	tls_opts[2] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	s->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			(s->tls_cert ? MHD_USE_TLS : 0),
		0, NULL, NULL, on_request, s,
		MHD_OPTION_ARRAY, s->tls_cert ? tls_opts : tls_opts + 2,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)app->cfg->threads,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4000,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)0,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
		MHD_OPTION_END);
	if (!s->daemon) {
		if (s->tls_cert)
			mfa_err_set(err, "cannot listen with TLS on 127.0.0.1:%d: check that --tls-cert '%s' and --tls-key '%s' are a matching certificate and key",
				    app->cfg->port, app->cfg->tls_cert, app->cfg->tls_key);
		else
			mfa_err_set(err, "cannot listen on 127.0.0.1:%d: %s", app->cfg->port, strerror(errno));
		goto fail;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? (int)info->port : app->cfg->port;
	if (pthread_create(&s->timer, NULL, timer_main, s) != 0) {
		mfa_err_set(err, "cannot start the timer thread");
		goto fail;
	}
	s->timer_started = true;
	*port = s->port;
	*out = s;
	return 0;
fail:
	emu_server_stop(s);
	return -1;
}

void emu_server_stop(struct emu_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->stopping, true);
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->timer_started)
		pthread_join(s->timer, NULL);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s->tls_cert);
	free(s->tls_key);
	free(s);
}
