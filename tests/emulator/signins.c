/* signins.c - the emulated sign-in logs (signins.h). */
#define _GNU_SOURCE /* strcasestr, timegm */
#include "signins.h"

#include "app.h"
#include "rng.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STREAM_SIGNINS 0x5194a11e6ULL
#define MAX_TOP 1000
#define GLOBAL_ADMIN_TEMPLATE "62e90394-69f5-4237-9190-012177145e10"

/* Client types as Conditional Access names them (clientAppTypes). */
enum { CT_BROWSER = 1, CT_MOBILE = 2, CT_EAS = 4, CT_OTHER = 8, CT_ALL = 15 };

struct round {
	double at;        /* round 0: start-up; the rest: when advanced */
	uint8_t *states;  /* enum emu_state per user at that moment */
};

struct emu_signins {
	pthread_mutex_t lock;
	struct round *rounds;
	unsigned nrounds, cap;
	uint8_t *ca;      /* per user: CT_* bits where an enabled fixture policy requires MFA */
	bool security_defaults;
	unsigned per_user;
	double window;    /* seconds round 0 spreads over */
};

/* ---- who the fixture's enabled policies require MFA of ---- */

static const cJSON *fixture_list(const struct emu_app *app, const char *name)
{
	return app->fixture ? cJSON_GetObjectItemCaseSensitive(app->fixture, name) : NULL;
}

static void mark_group(const struct emu_app *app, const char *gid, uint8_t *mark, int depth);

static void mark_member(const struct emu_app *app, const cJSON *m, uint8_t *mark, int depth)
{
	const cJSON *type, *id;
	long idx;

	if (cJSON_IsString(m)) {
		idx = emu_tenant_find(&app->tenant, m->valuestring);
		if (idx >= 0)
			mark[idx] = 1;
		return;
	}
	type = cJSON_GetObjectItemCaseSensitive(m, "@odata.type");
	id = cJSON_GetObjectItemCaseSensitive(m, "id");
	if (!cJSON_IsString(id))
		return;
	if (cJSON_IsString(type) && strcasecmp(type->valuestring, "#microsoft.graph.group") == 0) {
		mark_group(app, id->valuestring, mark, depth + 1);
		return;
	}
	idx = emu_tenant_find(&app->tenant, id->valuestring);
	if (idx >= 0)
		mark[idx] = 1;
}

static void mark_members_of(const struct emu_app *app, const cJSON *obj, uint8_t *mark, int depth)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(obj, "members"))
		mark_member(app, m, mark, depth);
}

static void mark_group(const struct emu_app *app, const char *gid, uint8_t *mark, int depth)
{
	const cJSON *g;

	if (depth > 16)
		return;
	cJSON_ArrayForEach(g, fixture_list(app, "groups")) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(g, "id");

		if (cJSON_IsString(id) && strcasecmp(id->valuestring, gid) == 0)
			mark_members_of(app, g, mark, depth);
	}
}

static void mark_role(const struct emu_app *app, const char *template_id, uint8_t *mark)
{
	const cJSON *roles = fixture_list(app, "directoryRoles"), *r;
	uint32_t i;

	if (!roles) {
		/* as graph_api.c serves it: Global Administrator is the generated admins */
		if (strcasecmp(template_id, GLOBAL_ADMIN_TEMPLATE) == 0)
			for (i = 0; i < app->tenant.count; i++)
				if (app->tenant.users[i].flags & EMU_F_ADMIN)
					mark[i] = 1;
		return;
	}
	cJSON_ArrayForEach(r, roles) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "roleTemplateId");

		if (cJSON_IsString(t) && strcasecmp(t->valuestring, template_id) == 0)
			mark_members_of(app, r, mark, 0);
	}
}

static bool has_string(const cJSON *arr, const char *s)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, arr)
		if (cJSON_IsString(x) && strcasecmp(x->valuestring, s) == 0)
			return true;
	return false;
}

/* includeX / excludeX of a policy's users condition into mark. */
static void mark_users(const struct emu_app *app, const cJSON *users, const char *side, uint8_t *mark)
{
	char key[64];
	const cJSON *x;
	bool guests;
	uint32_t i;

	snprintf(key, sizeof(key), "%sUsers", side);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(users, key)) {
		long idx;

		if (!cJSON_IsString(x))
			continue;
		if (strcasecmp(x->valuestring, "All") == 0) {
			memset(mark, 1, app->tenant.count);
		} else if ((idx = emu_tenant_find(&app->tenant, x->valuestring)) >= 0) {
			mark[idx] = 1;
		}
	}
	guests = has_string(cJSON_GetObjectItemCaseSensitive(users, key), "GuestsOrExternalUsers");
	snprintf(key, sizeof(key), "%sGuestsOrExternalUsers", side);
	x = cJSON_GetObjectItemCaseSensitive(users, key);
	if (cJSON_IsObject(x))
		guests = true;
	if (guests)
		for (i = 0; i < app->tenant.count; i++)
			if (app->tenant.users[i].flags & EMU_F_GUEST)
				mark[i] = 1;
	snprintf(key, sizeof(key), "%sGroups", side);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(users, key))
		if (cJSON_IsString(x))
			mark_group(app, x->valuestring, mark, 0);
	snprintf(key, sizeof(key), "%sRoles", side);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(users, key))
		if (cJSON_IsString(x))
			mark_role(app, x->valuestring, mark);
}

/* MFA for sure: an authentication strength, or mfa as the only control
 * or under AND. */
static bool requires_mfa(const cJSON *grant)
{
	const cJSON *controls = cJSON_GetObjectItemCaseSensitive(grant, "builtInControls");
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(grant, "operator");

	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(grant, "authenticationStrength")))
		return true;
	if (!has_string(controls, "mfa"))
		return false;
	return cJSON_GetArraySize(controls) == 1 || (cJSON_IsString(op) && strcmp(op->valuestring, "AND") == 0);
}

static unsigned client_types(const cJSON *conditions)
{
	const cJSON *types = cJSON_GetObjectItemCaseSensitive(conditions, "clientAppTypes"), *x;
	unsigned m = 0;

	if (!cJSON_GetArraySize(types))
		return CT_ALL;
	cJSON_ArrayForEach(x, types) {
		if (!cJSON_IsString(x))
			continue;
		if (strcasecmp(x->valuestring, "all") == 0)
			m |= CT_ALL;
		else if (strcasecmp(x->valuestring, "browser") == 0)
			m |= CT_BROWSER;
		else if (strcasecmp(x->valuestring, "mobileAppsAndDesktopClients") == 0)
			m |= CT_MOBILE;
		else if (strcasecmp(x->valuestring, "exchangeActiveSync") == 0 ||
			 strcasecmp(x->valuestring, "easSupported") == 0)
			m |= CT_EAS;
		else if (strcasecmp(x->valuestring, "other") == 0)
			m |= CT_OTHER;
	}
	return m;
}

/* The local rule set: a policy requires MFA of a user's sign-in when it is
 * enabled, requires MFA for sure, names all cloud apps, takes the sign-in's
 * client type, and includes the user (users, guests, groups transitively,
 * roles) without excluding them. Locations, platforms, risk and devices
 * are not looked at. */
static int work_out_coverage(struct emu_signins *s, const struct emu_app *app)
{
	const uint32_t n = app->tenant.count;
	uint8_t *inc = NULL, *exc = NULL;
	const cJSON *p, *sd = fixture_list(app, "securityDefaults");
	uint32_t i;

	s->security_defaults = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sd, "isEnabled"));
	if (!(s->ca = calloc(n ? n : 1, 1)) || !(inc = malloc(n ? n : 1)) || !(exc = malloc(n ? n : 1))) {
		free(inc);
		return -1;
	}
	cJSON_ArrayForEach(p, fixture_list(app, "policies")) {
		const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "state");
		const cJSON *cond = cJSON_GetObjectItemCaseSensitive(p, "conditions");
		const cJSON *apps = cJSON_GetObjectItemCaseSensitive(cond, "applications");
		const cJSON *users = cJSON_GetObjectItemCaseSensitive(cond, "users");
		unsigned types;

		if (!cJSON_IsString(state) || strcmp(state->valuestring, "enabled") != 0 ||
		    !requires_mfa(cJSON_GetObjectItemCaseSensitive(p, "grantControls")) ||
		    !has_string(cJSON_GetObjectItemCaseSensitive(apps, "includeApplications"), "All"))
			continue;
		types = client_types(cond);
		memset(inc, 0, n);
		memset(exc, 0, n);
		mark_users(app, users, "include", inc);
		mark_users(app, users, "exclude", exc);
		for (i = 0; i < n; i++)
			if (inc[i] && !exc[i])
				s->ca[i] |= (uint8_t)types;
	}
	free(inc);
	free(exc);
	return 0;
}

/* ---- rounds ---- */

static int add_round(struct emu_signins *s, const struct emu_app *app, double at)
{
	const uint32_t n = app->tenant.count;
	struct round r;
	uint32_t i;

	if (s->nrounds == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 8;
		struct round *p = realloc(s->rounds, cap * sizeof(*p));

		if (!p)
			return -1;
		s->rounds = p;
		s->cap = cap;
	}
	if (!(r.states = malloc(n ? n : 1)))
		return -1;
	for (i = 0; i < n; i++)
		r.states[i] = atomic_load(&app->tenant.users[i].state);
	r.at = at;
	s->rounds[s->nrounds++] = r;
	return 0;
}

int emu_signins_new(struct emu_signins **out, const struct emu_app *app)
{
	struct emu_signins *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -1;
	pthread_mutex_init(&s->lock, NULL);
	s->per_user = app->cfg->signins_per_user;
	s->window = (double)app->cfg->signins_days * 86400.0;
	if (work_out_coverage(s, app) < 0 || add_round(s, app, (double)(long long)emu_wall() - 60) < 0) {
		emu_signins_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void emu_signins_reset(struct emu_signins *s)
{
	unsigned r;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	for (r = 1; r < s->nrounds; r++)
		free(s->rounds[r].states);
	if (s->nrounds > 1)
		s->nrounds = 1;
	pthread_mutex_unlock(&s->lock);
}

void emu_signins_free(struct emu_signins *s)
{
	unsigned r;

	if (!s)
		return;
	for (r = 0; r < s->nrounds; r++)
		free(s->rounds[r].states);
	free(s->rounds);
	free(s->ca);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void emu_signins_advance(struct emu_signins *s, const struct emu_app *app, struct emu_reply *rp)
{
	double at = (double)(long long)emu_wall();
	char iso[32];
	unsigned n;

	pthread_mutex_lock(&s->lock);
	if (at <= s->rounds[s->nrounds - 1].at)
		at = s->rounds[s->nrounds - 1].at + 1; /* every round newer than the last */
	if (add_round(s, app, at) < 0) {
		pthread_mutex_unlock(&s->lock);
		emu_reply_error(rp, 500, "InternalServerError", "out of memory");
		return;
	}
	n = s->nrounds;
	pthread_mutex_unlock(&s->lock);
	emu_iso_time(at, iso);
	rp->json = true;
	buf_printf(&rp->body, "{\"rounds\":%u,\"signIns\":%llu,\"at\":\"%s\"}", n,
		   (unsigned long long)n * app->tenant.count * s->per_user, iso);
}

/* ---- the list ---- */

struct one {
	char id[37];
	double at;
	const char *client;
	unsigned type;
	bool interactive;
	const char *app;
};

static void draw(const struct emu_signins *s, const struct emu_app *app, unsigned r, uint32_t i,
		 unsigned k, struct one *o)
{
	static const char *const apps[] = { "Office 365 Exchange Online", "Microsoft Teams", "Office365 Shell WCSS-Client" };
	uint64_t h = rng_at(app->cfg->seed, STREAM_SIGNINS,
			    ((uint64_t)r << 48) ^ ((uint64_t)i * s->per_user + k));
	uint64_t g = rng_mix(h);
	unsigned c = (unsigned)(h % 100);

	snprintf(o->id, sizeof(o->id), "%08x-%04x-4%03x-%x%03x-%012llx", (unsigned)(g >> 32),
		 (unsigned)(g >> 16) & 0xffff, (unsigned)g & 0xfff, 8 + (unsigned)(h >> 62),
		 (unsigned)(h >> 48) & 0xfff, (unsigned long long)(g & 0xffffffffffffULL));
	/* about 7 % from legacy clients */
	if (c < 2) { o->client = "Exchange ActiveSync"; o->type = CT_EAS; }
	else if (c < 4) { o->client = "IMAP4"; o->type = CT_OTHER; }
	else if (c < 5) { o->client = "Authenticated SMTP"; o->type = CT_OTHER; }
	else if (c < 6) { o->client = "POP3"; o->type = CT_OTHER; }
	else if (c < 7) { o->client = "Other clients"; o->type = CT_OTHER; }
	else if (c < 60) { o->client = "Browser"; o->type = CT_BROWSER; }
	else { o->client = "Mobile Apps and Desktop clients"; o->type = CT_MOBILE; }
	o->interactive = (h >> 8) % 10 < 4;
	o->app = apps[(h >> 32) % 3];
	if (r == 0) {
		/* within the D days before start-up, an hour clear of the far end:
		 * a client asking for D days within the hour sees all of them */
		double spread = s->window > 7200 ? s->window - 3600 : s->window > 120 ? s->window - 120 : 1;

		o->at = s->rounds[0].at - (double)((h >> 16) % (uint64_t)spread);
	} else {
		o->at = s->rounds[r].at;
	}
}

static void signin_json(const struct emu_signins *s, const struct emu_app *app, unsigned r, uint32_t i,
			const struct one *o, struct buf *b)
{
	const struct emu_tenant *t = &app->tenant;
	const struct emu_user *u = &t->users[i];
	uint8_t st = s->rounds[r].states[i];
	bool by_user = st == EMU_ENABLED || st == EMU_ENFORCED;
	bool by_ca = (s->ca[i] & o->type) != 0, by_sd = s->security_defaults;
	char iso[32];
	int n = 0;

	emu_iso_time(o->at, iso);
	buf_puts(b, "{\"id\":\"");
	buf_puts(b, o->id);
	buf_printf(b, "\",\"createdDateTime\":\"%s\",\"userDisplayName\":", iso);
	buf_json_str(b, emu_user_name(t, u));
	buf_puts(b, ",\"userPrincipalName\":");
	buf_json_str(b, emu_user_upn(t, u));
	buf_puts(b, ",\"userId\":");
	buf_json_str(b, emu_user_id(t, u));
	buf_puts(b, ",\"userType\":");
	buf_puts(b, (u->flags & EMU_F_GUEST) ? "\"guest\"" : "\"member\"");
	buf_puts(b, ",\"appDisplayName\":");
	buf_json_str(b, o->app);
	buf_puts(b, ",\"clientAppUsed\":");
	buf_json_str(b, o->client);
	buf_printf(b, ",\"isInteractive\":%s,\"signInEventTypes\":[\"%s\"]", o->interactive ? "true" : "false",
		   o->interactive ? "interactiveUser" : "nonInteractiveUser");
	buf_printf(b, ",\"authenticationRequirement\":\"%s\",\"authenticationRequirementPolicies\":[",
		   by_user || by_ca || by_sd ? "multiFactorAuthentication" : "singleFactorAuthentication");
	if (by_user)
		buf_printf(b, "%s{\"requirementProvider\":\"user\",\"detail\":\"Per-user MFA\"}", n++ ? "," : "");
	if (by_ca)
		buf_printf(b, "%s{\"requirementProvider\":\"multiConditionalAccess\",\"detail\":\"Conditional Access\"}",
			   n++ ? "," : "");
	if (by_sd)
		buf_printf(b, "%s{\"requirementProvider\":\"securityDefaults\",\"detail\":\"Security defaults\"}",
			   n++ ? "," : "");
	buf_printf(b, "],\"conditionalAccessStatus\":\"%s\",\"status\":{\"errorCode\":0,\"failureReason\":\"Other.\"}}",
		   by_ca ? "success" : "notApplied");
}

/* $filter: createdDateTime ge|gt <ISO time>, optionally and'ed with a
 * signInEventTypes/any(...) clause; anything else is refused. */
struct sfilter {
	double since;      /* -1: none */
	bool strict;       /* gt */
	bool interactive, non_interactive;
};

static double parse_time(const char *p)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	if (sscanf(p, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (double)timegm(&tm);
}

static int filter_parse_signins(const char *f, struct sfilter *out, struct emu_reply *rp)
{
	const char *p;
	bool known = false;

	out->since = -1;
	out->strict = false;
	out->interactive = true; /* Graph lists interactive sign-ins unless asked for others */
	out->non_interactive = false;
	if (!f || !*f)
		return 0;
	if ((p = strcasestr(f, "createdDateTime ge ")) || (p = strcasestr(f, "createdDateTime gt "))) {
		out->strict = strncasecmp(p + 16, "gt", 2) == 0;
		out->since = parse_time(p + 19);
		if (out->since < 0) {
			emu_reply_error(rp, 400, "Request_UnsupportedQuery", "Invalid filter clause: bad createdDateTime.");
			return -1;
		}
		known = true;
	}
	if (strcasestr(f, "signInEventTypes/any(")) {
		out->interactive = strcasestr(f, "'interactiveUser'") != NULL;
		out->non_interactive = strcasestr(f, "'nonInteractiveUser'") != NULL;
		known = true;
	}
	if (!known) {
		emu_reply_error(rp, 400, "Request_UnsupportedQuery", "Unsupported filter clause: '%.100s'.", f);
		return -1;
	}
	return 0;
}

static void token_make(const struct emu_app *app, unsigned nrounds, uint64_t g, char out[48])
{
	uint32_t check = (uint32_t)rng_mix(((uint64_t)nrounds << 40) ^ g ^ app->skip_key);

	snprintf(out, 48, "U0lnbg%08x%016llx%08x", nrounds, (unsigned long long)(g ^ app->skip_key), check);
}

static bool token_read(const struct emu_app *app, const char *tok, unsigned *nrounds, uint64_t *g)
{
	unsigned long long x;
	unsigned n, check;
	char tail;

	if (strncmp(tok, "U0lnbg", 6) != 0 || strlen(tok) != 6 + 8 + 16 + 8 ||
	    sscanf(tok + 6, "%8x%16llx%8x%c", &n, &x, &check, &tail) != 3)
		return false;
	*nrounds = n;
	*g = x ^ app->skip_key;
	return (uint32_t)rng_mix(((uint64_t)n << 40) ^ *g ^ app->skip_key) == check;
}

static void next_link(const struct emu_app *app, const struct emu_request *rq, unsigned nrounds, uint64_t g,
		      struct buf *b)
{
	char tok[48];

	token_make(app, nrounds, g, tok);
	emu_next_link(rq, tok, b);
}

void emu_signins_list(struct emu_signins *s, const struct emu_app *app, const struct emu_request *rq,
		      struct emu_reply *rp)
{
	const char *top_s = emu_request_query(rq, "$top"), *tok = emu_request_query(rq, "$skiptoken");
	const uint64_t per_round = (uint64_t)app->tenant.count * s->per_user;
	struct sfilter flt;
	struct buf *b = &rp->body;
	unsigned nrounds, i;
	uint64_t g = 0, total;
	long top = MAX_TOP, shown = 0;
	bool first = true;

	for (i = 0; i < rq->nquery; i++) {
		const char *k = rq->query[i].key;

		if (strcmp(k, "$top") && strcmp(k, "$filter") && strcmp(k, "$skiptoken")) {
			emu_reply_error(rp, 400, "Request_BadRequest", "Query option '%.60s' is not supported.", k);
			return;
		}
	}
	if (!app->cfg->registration_license) {
		emu_reply_error(rp, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
				"Neither tenant is B2C or tenant doesn't have premium license");
		return;
	}
	if (top_s) {
		char *end;

		top = strtol(top_s, &end, 10);
		if (*end || top < 1) {
			emu_reply_error(rp, 400, "Request_BadRequest", "Invalid page size specified: '%.20s'.", top_s);
			return;
		}
		if (top > MAX_TOP)
			top = MAX_TOP;
	}
	if (filter_parse_signins(emu_request_query(rq, "$filter"), &flt, rp) < 0)
		return;
	pthread_mutex_lock(&s->lock);
	nrounds = s->nrounds;
	if (tok && (!token_read(app, tok, &nrounds, &g) || nrounds > s->nrounds)) {
		pthread_mutex_unlock(&s->lock);
		emu_reply_error(rp, 400, "Directory_ExpiredPageToken",
				"The specified page token value has expired or is invalid.");
		return;
	}
	/* The rounds a listing began with, newest first: a round added while
	 * a client pages does not shift its pages. */
	total = per_round * nrounds;
	rp->json = true;
	buf_printf(b, "{\"@odata.context\":\"%s/%s/$metadata#auditLogs/signIns\",\"value\":[",
		   rq->base_url ? rq->base_url : "", rq->version);
	for (; g < total && shown < top; g++) {
		unsigned r = nrounds - 1 - (unsigned)(g / per_round);
		uint64_t within = g % per_round;
		uint32_t u = (uint32_t)(within / s->per_user);
		struct one o;

		draw(s, app, r, u, (unsigned)(within % s->per_user), &o);
		if ((o.interactive && !flt.interactive) || (!o.interactive && !flt.non_interactive))
			continue;
		if (flt.since >= 0 && (o.at < flt.since || (flt.strict && o.at == flt.since)))
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		signin_json(s, app, r, u, &o, b);
		shown++;
	}
	buf_putc(b, ']');
	if (g < total)
		next_link(app, rq, nrounds, g, b);
	buf_putc(b, '}');
	pthread_mutex_unlock(&s->lock);
}
