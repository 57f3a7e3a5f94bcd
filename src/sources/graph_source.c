/* graph_source.c - the live tenant as a source (graph_source.h). */
#include "sources/graph_source.h"

#include "graph/requirements.h"
#include "sources/mailbox_purpose.h"
#include "mfa/model/idset.h"
#include "mfa/model/regmap.h"
#include "sources/upn_ranges.h"
#include "sources/whatif.h"
#include "util/spool.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define USER_FIELDS "id,userPrincipalName,displayName,mail,userType,accountEnabled"
/* The undocumented fast path (GRAPH.md): named in the first page's $select
 * (the nextLinks carry it on) unless Graph refused it there. */
#define STATE_FIELD "perUserMfaState"
/* --sign-in-activity: named in every users page's $select while Graph
 * serves it (AuditLog.Read.All and an Entra ID P1 licence); Graph's page
 * size with it is at most MFA_SIGN_IN_ACTIVITY_PAGE_SIZE (graph_source.h). */
#define SIGN_IN_FIELD "signInActivity"

/* Why the states were read the way they were (summary.json's
 * graph.statePathReason). */
static const char REASON_INLINE[] = "the users list served " STATE_FIELD;
static const char REASON_REFUSED[] =
	"Graph refused $select=" STATE_FIELD " (http 400): per-user reads";
static const char REASON_ABSENT[] = "the users list did not serve " STATE_FIELD ": per-user reads";

struct graph_source;

/* One run of users pages followed by their nextLinks: the serial listing
 * (the first page and, unless partitioned, every page after it), or one
 * userPrincipalName range of a partitioned listing. */
struct users_listing {
	struct graph_source *g;
	char *deferred;  /* its next page, held back by the backlog */
	int partition;   /* -1: the serial listing */
	int abandoned;   /* a range dropped when Graph refused the filter */
};

/* How the rest of the tenant is listed after the first page. */
enum partitioning { PART_NONE, PART_RUNNING, PART_REFUSED };

struct graph_source {
	struct mfa_source base;
	struct mfa_http *http;
	struct mfa_reqs *reqs;
	char *graph_url;
	int want_registration;
	unsigned page_size;
	unsigned backlog;
	mfa_warn_fn warn;
	void *warn_ctx;
	void (*progress)(void *ctx, const struct mfa_graph_progress *p);
	void *progress_ctx;

	struct mfa_spool *spool;
	struct mfa_regmap *reg;
	struct mfa_ca_model *ca;         /* borrowed */
	struct mfa_ca_fetch *ca_fetch;
	struct mfa_ca_fetch_result ca_result;
	struct mfa_posture *posture;     /* borrowed */
	struct mfa_posture_fetch *posture_fetch;
	struct mfa_whatif_set *what_if;  /* borrowed; NULL: not asked */
	unsigned long what_if_max;
	mfa_warn_fn note;
	void *note_ctx;
	/* audit --sign-ins (sources/signins.h) */
	unsigned sign_in_days;
	time_t now;
	struct mfa_signin_map *signin_map;
	struct mfa_signins *signins;
	struct mfa_signins_result signins_result;
	struct mfa_signin_counts no_signins; /* a user the window has no sign-in of */
	int reg_unavailable;
	int reg_done;
	char reg_warning[MFA_ERR_MAX + 256]; /* said once the scan succeeded */

	struct mfa_graph_progress prog;
	struct users_listing serial;
	/* Per-user reads with more than one page: the rest of the tenant in
	 * UPN ranges (upn_ranges.h), each followed by its own nextLinks;
	 * serial_next (the first page's nextLink) is kept until they are done,
	 * for the serial listing if Graph refuses the filter. seen holds
	 * every id taken, so a user listed twice is taken once. */
	struct users_listing *parts;
	size_t nparts, parts_open;
	char *serial_next;
	enum partitioning partitioning;
	int partition_decided;
	struct mfa_idset *seen;
	char reason[320];          /* state_path_reason with how the list was read */
	int listing_done;
	int pages;                 /* users pages answered 200 */
	int state_refused;         /* the first page's 400 named perUserMfaState */
	int scanned;
	int failed;
	int interrupted;
	struct mfa_err err;
	unsigned long unknown;
	unsigned long spooled;
	unsigned long yielded;

	char methods_other[1024];

	/* account types (graph_source.h): sign_in 0 not asked, 1 asked and
	 * served, -1 refused (asked again without it); the warning is said
	 * once the scan succeeded */
	int sign_in;
	unsigned page_size_asked;
	char sign_in_warning[MFA_ERR_MAX + 256];
	struct mfa_mailbox_purpose *mailbox;
};

/* signInActivity's two times (--sign-in-activity); NULL: Graph's null. */
struct sign_in_times {
	const char *last, *non_interactive;
};

/* A listed user waiting for its state. */
struct pending_user {
	struct graph_source *g;
	char *id, *upn, *name, *mail;
	char *sign_in[2]; /* signInActivity's two times, NULL: none */
	enum mfa_user_type type;
	enum mfa_tri enabled;
};

static void report(struct graph_source *g)
{
	if (g->progress)
		g->progress(g->progress_ctx, &g->prog);
}

/* Ends the scan with "what: detail" (a listing that cannot go on would
 * lose users). */
static void fail(struct graph_source *g, const char *what, const char *detail)
{
	if (g->failed)
		return;
	g->failed = 1;
	if (detail)
		mfa_err_set(&g->err, "%s: %s", what, detail);
	else
		mfa_err_set(&g->err, "%s", what);
	mfa_http_stop(g->http);
}

/* ---- spool ----------------------------------------------------------- */

/* One scanned user on the spool (util/spool.h): type, enabled and state
 * in one 3-byte field, then id, UPN, display name, the state's error and
 * mail, each absent when NULL. */
static void spool_user(struct graph_source *g, const char *id, const char *upn, const char *name,
		       const char *mail, const struct sign_in_times *sign_in,
		       enum mfa_user_type type, enum mfa_tri enabled, enum mfa_state state,
		       const char *error)
{
	unsigned char fixed[3] = { (unsigned char)type, (unsigned char)enabled, (unsigned char)state };
	const char *si = sign_in ? sign_in->last : NULL, *sn = sign_in ? sign_in->non_interactive : NULL;
	struct mfa_spool_field f[8] = {
		{ (const char *)fixed, sizeof(fixed) },
		{ id, id ? strlen(id) : 0 },
		{ upn, upn ? strlen(upn) : 0 },
		{ name, name ? strlen(name) : 0 },
		{ error, error ? strlen(error) : 0 },
		{ mail, mail ? strlen(mail) : 0 },
		{ si, si ? strlen(si) : 0 },
		{ sn, sn ? strlen(sn) : 0 },
	};
	struct mfa_err e = MFA_ERR_INIT;

	if (mfa_spool_append(g->spool, f, 8, &e) < 0)
		fail(g, "cannot write the scan's spool file (is the disk full?)", e.msg);
	g->spooled++;
	g->prog.done++;
	if (state == MFA_STATE_UNKNOWN)
		g->unknown++;
}

/* Reads the next spooled user into *u (strings owned by the spool until
 * the next call); 1, 0 at the end, -1 error. */
static int spool_next(struct graph_source *g, struct mfa_user *u, struct mfa_err *err)
{
	const struct mfa_spool_field *f;
	size_t n;
	int rc = mfa_spool_next(g->spool, &f, &n, err);

	if (rc <= 0)
		return rc;
	if ((n != 8 && n != 9) || f[0].len != 3 || (n == 9 && f[8].len != sizeof(size_t)))
		return mfa_err_set(err, "the scan's spool file is damaged");
	mfa_user_init(u);
	u->id = f[1].data;
	u->upn = f[2].data;
	u->display_name = f[3].data;
	u->state_error = f[4].data;
	u->mail = f[5].len ? f[5].data : NULL; /* "": the user has none */
	if (g->sign_in == 1) { /* read: "" is Graph's null (never signed in) */
		u->last_sign_in = f[6].len ? f[6].data : "";
		u->last_non_interactive_sign_in = f[7].len ? f[7].data : "";
	}
	u->user_type = (enum mfa_user_type)(unsigned char)f[0].data[0];
	u->account_enabled = (enum mfa_tri)(unsigned char)f[0].data[1];
	u->state = (enum mfa_state)(unsigned char)f[0].data[2];
	if (n == 9) { /* the What If pass's class */
		size_t cls;

		memcpy(&cls, f[8].data, sizeof(cls));
		u->what_if = mfa_whatif_user_text(g->what_if, cls);
	}
	return 1;
}

/* ---- What If (sources/whatif.h) ---------------------------------------- */

/* One pass over the spool: each user into its class, copied to a new spool
 * with the class as a 9th field (a spool is read once); then the
 * representatives are asked, paced by the Conditional Access scope. */
static int what_if(struct graph_source *g, struct mfa_err *err)
{
	struct mfa_spool *next = NULL;
	struct mfa_whatif_fetch *f = NULL;
	struct mfa_whatif_counts n;
	struct mfa_err later = MFA_ERR_INIT; /* a run's error after a failed submit */
	const struct mfa_spool_field *fields;
	size_t nf;
	char msg[512];
	int rc, started;

	if (mfa_spool_rewind(g->spool, err) < 0 || mfa_spool_new(&next, NULL, err) < 0)
		return mfa_err_prefix(err, "cannot read back the scan's spool file");
	while ((rc = mfa_spool_next(g->spool, &fields, &nf, err)) > 0) {
		struct mfa_spool_field copy[9];
		struct mfa_user u;
		size_t cls;

		if (nf != 8 || fields[0].len != 3) {
			rc = mfa_err_set(err, "the scan's spool file is damaged");
			break;
		}
		mfa_user_init(&u);
		u.id = fields[1].data;
		u.upn = fields[2].data;
		u.user_type = (enum mfa_user_type)(unsigned char)fields[0].data[0];
		if ((rc = mfa_whatif_add_user(g->what_if, g->ca, &u, &cls, err)) < 0)
			break;
		memcpy(copy, fields, 8 * sizeof(*copy));
		copy[8].data = (const char *)&cls;
		copy[8].len = sizeof(cls);
		if ((rc = mfa_spool_append(next, copy, 9, err)) < 0)
			break;
	}
	mfa_spool_free(g->spool);
	g->spool = next;
	if (rc < 0)
		return mfa_err_prefix(err, "cannot spool the What If classes");
	mfa_whatif_prepare(g->what_if, g->ca, g->what_if_max);
	mfa_whatif_counts(g->what_if, &n);
	if (g->note) {
		snprintf(msg, sizeof(msg),
			 "What If: %lu classes x %d contexts = %lu requests, about %lu s at Conditional Access's 1 request per second",
			 n.classes_asked, MFA_WHATIF__CONTEXTS, n.requests, n.requests);
		g->note(g->note_ctx, msg);
		if (n.classes_beyond_cap) {
			snprintf(msg, sizeof(msg),
				 "What If: %lu more classes are beyond --what-if %lu and stay 'not-checked' (raise N to ask them)",
				 n.classes_beyond_cap, g->what_if_max);
			g->note(g->note_ctx, msg);
		}
	}
	started = mfa_whatif_fetch_start(&f, g->what_if, g->http, g->graph_url, err);
	/* what was submitted runs even when a later submit failed: its
	 * callbacks hold f */
	if (f && mfa_http_run(g->http, started < 0 ? &later : err) < 0)
		started = -1;
	if (mfa_whatif_fetch_finish(f, g->warn, g->warn_ctx, started < 0 ? &later : err) < 0)
		started = -1;
	return started;
}

/* ---- users pages ------------------------------------------------------ */

static void on_users_page(void *ctx, const struct mfa_http_response *resp);

/* A users page of l. The serial listing asks $count (ConsistencyLevel:
 * eventual); UPN ranges need no advanced query headers. */
static void submit_users_page(struct users_listing *l, const char *url)
{
	static const char *const headers[] = { "ConsistencyLevel: eventual", NULL };
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	req.url = url;
	req.headers = l->partition < 0 ? headers : NULL;
	req.scope = MFA_SCOPE_IDENTITY_READ;
	req.first = 1; /* ahead of the state reads it feeds */
	req.done = on_users_page;
	req.ctx = l;
	if (mfa_http_submit(l->g->http, &req, &err) < 0)
		fail(l->g, "cannot list users", err.msg);
}

/* Lets a held-back page of l go once the state reads have caught up. */
static void release_one(struct users_listing *l)
{
	char *url = l->deferred;

	if (!url || mfa_reqs_pending(l->g->reqs) > l->g->backlog / 2)
		return;
	l->deferred = NULL;
	submit_users_page(l, url);
	free(url);
}

static void release_deferred(struct graph_source *g)
{
	size_t i;

	release_one(&g->serial);
	for (i = 0; i < g->nparts; i++)
		release_one(&g->parts[i]);
}

/* The next page of l: now, or held back while the state reads lag. */
static void follow(struct users_listing *l, const char *next)
{
	struct graph_source *g = l->g;

	if (mfa_reqs_pending(g->reqs) > g->backlog) {
		free(l->deferred);
		l->deferred = strdup(next);
		if (!l->deferred)
			fail(g, "out of memory", NULL);
	} else {
		submit_users_page(l, next);
	}
}

static void on_state(void *ctx, const struct mfa_reqs_result *r)
{
	struct pending_user *p = ctx;
	struct graph_source *g = p->g;
	struct sign_in_times t = { p->sign_in[0], p->sign_in[1] };
	char why[MFA_ERR_MAX];

	if (r->error)
		snprintf(why, sizeof(why), "per-user MFA state not read: %s", r->error);
	spool_user(g, p->id, p->upn, p->name, p->mail, &t, p->type, p->enabled,
		   r->error ? MFA_STATE_UNKNOWN : r->state, r->error ? why : NULL);
	free(p->sign_in[0]);
	free(p->sign_in[1]);
	free(p->id);
	free(p->upn);
	free(p->name);
	free(p->mail);
	free(p);
	release_deferred(g);
	report(g);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum mfa_tri jbool(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsTrue(v))
		return MFA_TRI_YES;
	if (cJSON_IsFalse(v))
		return MFA_TRI_NO;
	return MFA_TRI_UNKNOWN;
}

static enum mfa_user_type user_type(const char *s, const char *upn)
{
	if (s && strcasecmp(s, "guest") == 0)
		return MFA_USER_TYPE_GUEST;
	if (s && strcasecmp(s, "member") == 0)
		return MFA_USER_TYPE_MEMBER;
	return mfa_upn_is_external(upn) ? MFA_USER_TYPE_GUEST : MFA_USER_TYPE_UNKNOWN;
}

static void take_user(struct graph_source *g, const cJSON *u)
{
	const char *id = jstr(u, "id"), *upn = jstr(u, "userPrincipalName");
	const char *name = jstr(u, "displayName"), *mail = jstr(u, "mail");
	enum mfa_user_type type = user_type(jstr(u, "userType"), upn);
	enum mfa_tri enabled = jbool(u, "accountEnabled");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(u, "perUserMfaState");
	const cJSON *sia = cJSON_GetObjectItemCaseSensitive(u, SIGN_IN_FIELD);
	struct sign_in_times t = { jstr(sia, "lastSignInDateTime"),
				   jstr(sia, "lastNonInteractiveSignInDateTime") };
	struct pending_user *p;
	struct mfa_err err = MFA_ERR_INIT;

	if (g->seen && id) {
		/* partitioned: a user at a boundary, or of the first page,
		 * comes again; it is taken once */
		if (mfa_idset_contains(g->seen, id))
			return;
		if (mfa_idset_add(g->seen, id) < 0) {
			fail(g, "out of memory", NULL);
			return;
		}
	}
	g->prog.listed++;
	if (!id) {
		/* Graph always sends an id; a user without one cannot be read
		 * or changed, but it is not dropped either. */
		spool_user(g, NULL, upn, name, mail, NULL, type, enabled, MFA_STATE_UNKNOWN,
			   "the users list gave this user no id");
		return;
	}
	if (g->mailbox && mail && *mail && mfa_mailbox_purpose_queue(g->mailbox, id, &err) < 0) {
		fail(g, "cannot read mailbox purposes", err.msg);
		return;
	}
	if (g->prog.fast_path == 1 && cJSON_IsString(st)) {
		char why[128];
		enum mfa_state s = mfa_state_from_graph(st->valuestring, why, sizeof(why));

		spool_user(g, id, upn, name, mail, &t, type, enabled, s,
			   s == MFA_STATE_UNKNOWN ? why : NULL);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->id = strdup(id)) || (upn && !(p->upn = strdup(upn))) ||
	    (name && !(p->name = strdup(name))) || (mail && !(p->mail = strdup(mail))) ||
	    (t.last && !(p->sign_in[0] = strdup(t.last))) ||
	    (t.non_interactive && !(p->sign_in[1] = strdup(t.non_interactive)))) {
		if (p) {
			free(p->sign_in[0]);
			free(p->sign_in[1]);
			free(p->id);
			free(p->upn);
			free(p->name);
			free(p->mail);
		}
		free(p);
		fail(g, "out of memory", NULL);
		return;
	}
	p->g = g;
	p->type = type;
	p->enabled = enabled;
	if (mfa_reqs_read(g->reqs, id, on_state, p, &err) < 0)
		fail(g, "cannot read per-user MFA states", err.msg);
}

/* The first users page: with the state inline unless Graph refused it. */
static void submit_first_page(struct graph_source *g)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/v1.0/users?$select=%s%s%s&$top=%u&$count=true", g->graph_url,
		 USER_FIELDS, g->sign_in == 1 ? "," SIGN_IN_FIELD : "",
		 g->state_refused ? "" : "," STATE_FIELD, g->page_size);
	submit_users_page(&g->serial, url);
}

/* Graph's answer to an unknown $select property: 400 whose error names it
 * ("Could not find a property named 'perUserMfaState' on type
 * 'microsoft.graph.user'."). Any other 400 is a real failure. */
static int refuses_state(const struct mfa_http_response *resp)
{
	cJSON *root = cJSON_ParseWithLength(resp->body, resp->body_len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *msg = jstr(e, "message");
	int named = msg && strstr(msg, STATE_FIELD) != NULL;

	cJSON_Delete(root);
	return named;
}

/* Sets state_path_reason's note on how the users list was read. */
static void set_reason(struct graph_source *g, const char *how)
{
	snprintf(g->reason, sizeof(g->reason), "%s; %s", g->state_refused ? REASON_REFUSED : REASON_ABSENT, how);
}

/* The end of one listing's pages; the whole list is read when the serial
 * listing ends, or the last range while partitioned. */
static void listing_ended(struct graph_source *g, struct users_listing *l)
{
	struct mfa_err err = MFA_ERR_INIT;

	if (l->partition >= 0) {
		if (--g->parts_open > 0)
			return;
		free(g->serial_next);
		g->serial_next = NULL;
	}
	g->listing_done = 1;
	if (mfa_reqs_flush(g->reqs, &err) < 0)
		fail(g, "cannot read per-user MFA states", err.msg);
	if (g->mailbox && mfa_mailbox_purpose_flush(g->mailbox, &err) < 0)
		fail(g, "cannot read mailbox purposes", err.msg);
}

/* Graph answered a range 400 (it refuses the filter): every range is
 * dropped (what they listed stays, taken once) and the kept nextLink of
 * the first page is followed serially; seen keeps each user once. */
static void fall_back_serial(struct graph_source *g)
{
	char *next = g->serial_next;
	size_t i;

	if (g->partitioning != PART_RUNNING || !next)
		return;
	g->partitioning = PART_REFUSED;
	for (i = 0; i < g->nparts; i++) {
		g->parts[i].abandoned = 1;
		free(g->parts[i].deferred);
		g->parts[i].deferred = NULL;
	}
	set_reason(g, "listed serially: Graph refused the userPrincipalName range $filter (http 400)");
	g->serial_next = NULL;
	follow(&g->serial, next);
	free(next);
}

/* The rest of the tenant after the first page (value, whose nextLink is
 * next) in UPN ranges: boundaries from the first page's UPNs, about one
 * range per MFA_UPN_USERS_PER_PARTITION users of @odata.count (a fixed
 * alphabet when Graph gave no count). Returns 1 when the ranges were
 * submitted, 0 when the page cannot make two (follow next instead). */
static int start_partitions(struct graph_source *g, const cJSON *value, const char *next)
{
	const char **upns = NULL, *bounds[MFA_UPN_MAX_PARTITIONS];
	size_t n = 0, k, parts = mfa_upn_partitions(g->prog.total), i;
	const cJSON *u;
	char how[96];
	int rc = 0;

	if (parts) {
		upns = calloc((size_t)cJSON_GetArraySize(value) + 1, sizeof(*upns));
		if (!upns) {
			fail(g, "out of memory", NULL);
			return 1;
		}
		cJSON_ArrayForEach(u, value)
			upns[n++] = jstr(u, "userPrincipalName");
		k = mfa_upn_bounds(upns, n, parts, bounds);
	} else {
		k = mfa_upn_alphabet(bounds, MFA_UPN_MAX_PARTITIONS - 1);
	}
	if (k == 0)
		goto cleanup;
	g->parts = calloc(k + 1, sizeof(*g->parts));
	g->serial_next = strdup(next);
	if (!g->parts || !g->serial_next) {
		fail(g, "out of memory", NULL);
		rc = 1;
		goto cleanup;
	}
	g->nparts = g->parts_open = k + 1;
	g->partitioning = PART_RUNNING;
	snprintf(how, sizeof(how), "listed in %zu partitions by userPrincipalName", k + 1);
	set_reason(g, how);
	for (i = 0; i <= k; i++) {
		g->parts[i].g = g;
		g->parts[i].partition = (int)i;
	}
	for (i = 0; i <= k && !g->failed; i++) {
		char *flt = mfa_upn_range_filter(i ? bounds[i - 1] : NULL, i < k ? bounds[i] : NULL);
		char *url = NULL;
		size_t len;

		len = flt ? strlen(g->graph_url) + strlen(flt) + 128 : 0;
		if (flt)
			url = malloc(len);
		if (!url) {
			free(flt);
			fail(g, "out of memory", NULL);
			break;
		}
		snprintf(url, len, "%s/v1.0/users?$select=%s%s&$top=%u&$filter=%s", g->graph_url, USER_FIELDS,
			 g->sign_in == 1 ? "," SIGN_IN_FIELD : "", g->page_size, flt);
		follow(&g->parts[i], url);
		free(url);
		free(flt);
	}
	rc = 1;
cleanup:
	free(upns);
	return rc;
}

/* --sign-in-activity refused: 403 (no AuditLog.Read.All: Authorization_RequestDenied;
 * no Entra ID P1: Authentication_RequestFromNonPremiumTenantOrB2CTenant, as
 * Graph answers it), or any answer naming that licence error. */
static int refuses_sign_in(const struct mfa_http_response *resp)
{
	return resp->status == 403 ||
	       (resp->status >= 400 && resp->status < 500 && resp->body &&
		strstr(resp->body, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"));
}

/* The users list is asked again without signInActivity (and its page
 * size back); every user's sign-in columns stay empty, stale-account
 * unraised. One warning, said once the scan worked. */
static void sign_in_refused(struct graph_source *g, const struct mfa_http_response *resp)
{
	int licence = resp->body && strstr(resp->body, "Authentication_RequestFromNonPremiumTenantOrB2CTenant");

	g->sign_in = -1;
	g->page_size = g->page_size_asked;
	snprintf(g->sign_in_warning, sizeof(g->sign_in_warning),
		 "sign-in activity not read (%s): lastSignInDateTime is empty and no stale-account finding is raised; %s",
		 resp->error ? resp->error : "refused",
		 licence ? "signInActivity needs an Entra ID P1 or P2 licence in the tenant"
			 : "grant the app AuditLog.Read.All (application) and make sure the tenant has an Entra ID P1 or P2 licence");
}

static void on_users_page(void *ctx, const struct mfa_http_response *resp)
{
	struct users_listing *l = ctx;
	struct graph_source *g = l->g;
	cJSON *root = NULL;
	const cJSON *value, *u, *count;
	const char *next;
	int partition = 0;

	if (resp->cancelled || l->abandoned)
		return;
	if (l->partition < 0 && resp->status == 400 && g->pages == 0 && !g->state_refused &&
	    refuses_state(resp)) {
		/* Graph no longer serves the undocumented property: the same
		 * first page without it, each state read per user. */
		g->state_refused = 1;
		g->prog.fast_path = 0;
		submit_first_page(g);
		return;
	}
	if (l->partition < 0 && g->pages == 0 && g->sign_in == 1 && refuses_sign_in(resp)) {
		sign_in_refused(g, resp);
		submit_first_page(g);
		return;
	}
	if (l->partition >= 0 && resp->status == 400) {
		fall_back_serial(g);
		return;
	}
	if (resp->status != 200) {
		fail(g, "cannot list the tenant's users", resp->error ? resp->error : "no answer");
		return;
	}
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	value = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!cJSON_IsArray(value)) {
		fail(g, "cannot list the tenant's users",
		     "Graph's answer is not a users page (malformed JSON)");
		goto cleanup;
	}
	g->pages++;
	count = cJSON_GetObjectItemCaseSensitive(root, "@odata.count");
	if (l->partition < 0 && cJSON_IsNumber(count) && count->valuedouble >= 0)
		g->prog.total = (unsigned long)count->valuedouble;
	/* The fast path is decided once, on the first user seen. */
	if (g->prog.fast_path < 0 && cJSON_GetArraySize(value) > 0)
		g->prog.fast_path = cJSON_HasObjectItem(cJSON_GetArrayItem(value, 0), "perUserMfaState");
	next = jstr(root, "@odata.nextLink");
	/* Partitioning is decided once, on the first page with users: states
	 * read per user and more pages to come. */
	if (l->partition < 0 && !g->partition_decided && cJSON_GetArraySize(value) > 0) {
		g->partition_decided = 1;
		if (g->prog.fast_path == 0 && next) {
			partition = 1;
			g->seen = mfa_idset_new();
			if (!g->seen) {
				fail(g, "out of memory", NULL);
				goto cleanup;
			}
		}
	}
	cJSON_ArrayForEach(u, value) {
		if (g->failed)
			goto cleanup;
		take_user(g, u);
	}
	if (partition && start_partitions(g, value, next)) {
		/* the ranges list the rest */
	} else if (next) {
		/* Follow the link whole; never rebuild it (GRAPH.md). */
		follow(l, next);
	} else {
		listing_ended(g, l);
	}
	report(g);
cleanup:
	cJSON_Delete(root);
}

/* ---- registration pages ---------------------------------------------- */

static void on_registration_page(void *ctx, const struct mfa_http_response *resp);
static void registration_unavailable(struct graph_source *g, const char *why);

static void submit_registration_page(struct graph_source *g, const char *url)
{
	struct mfa_http_request req = MFA_HTTP_REQUEST_INIT;
	struct mfa_err err = MFA_ERR_INIT;

	req.url = url;
	req.scope = MFA_SCOPE_REPORTS;
	req.done = on_registration_page;
	req.ctx = g;
	if (mfa_http_submit(g->http, &req, &err) < 0)
		registration_unavailable(g, err.msg);
}

/* Kept until the scan ends: when the whole scan fails, only its error is
 * worth a line. */
static void registration_unavailable(struct graph_source *g, const char *why)
{
	if (g->reg_unavailable)
		return;
	g->reg_unavailable = 1;
	snprintf(g->reg_warning, sizeof(g->reg_warning),
		 "registration details unavailable (%s): every user's registration is reported as unknown; "
		 "reading them needs the AuditLog.Read.All permission and an Entra ID P1 or P2 licence",
		 why);
}

static void take_registration(struct graph_source *g, const cJSON *e)
{
	struct mfa_registration reg;
	const cJSON *methods = cJSON_GetObjectItemCaseSensitive(e, "methodsRegistered");
	const cJSON *m;
	const char *def = jstr(e, "defaultMfaMethod");
	size_t used = 0;

	memset(&reg, 0, sizeof(reg));
	reg.registered = jbool(e, "isMfaRegistered");
	reg.capable = jbool(e, "isMfaCapable");
	g->methods_other[0] = '\0';
	cJSON_ArrayForEach(m, methods) {
		int bit;

		if (!cJSON_IsString(m))
			continue;
		bit = mfa_method_parse(m->valuestring);
		if (bit >= 0) {
			reg.methods |= 1u << bit;
		} else if (used + strlen(m->valuestring) + 2 < sizeof(g->methods_other)) {
			/* Unknown method names are kept, not dropped. */
			used += (size_t)snprintf(g->methods_other + used, sizeof(g->methods_other) - used,
						 "%s%s", used ? ";" : "", m->valuestring);
		}
	}
	reg.other_methods = used ? g->methods_other : NULL;
	reg.default_method = def && strcmp(def, "none") != 0 ? def : NULL;
	/* The live join is by object id alone: keeping UPNs and names too
	 * would double the map (a million users must stay under 128 MiB). */
	if (mfa_regmap_put(g->reg, jstr(e, "id"), NULL, NULL, user_type(jstr(e, "userType"), NULL),
			   jbool(e, "isAdmin"), &reg, NULL) < 0 &&
	    jstr(e, "id"))
		fail(g, "out of memory loading registration details", NULL);
	else
		g->prog.registration++;
}

static void on_registration_page(void *ctx, const struct mfa_http_response *resp)
{
	struct graph_source *g = ctx;
	cJSON *root = NULL;
	const cJSON *value, *e;
	const char *next;

	if (resp->cancelled || g->reg_unavailable)
		return;
	if (resp->status != 200) {
		registration_unavailable(g, resp->error ? resp->error : "no answer");
		return;
	}
	root = cJSON_ParseWithLength(resp->body, resp->body_len);
	value = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (!cJSON_IsArray(value)) {
		registration_unavailable(g, "Graph's answer is not a registration page (malformed JSON)");
		goto cleanup;
	}
	cJSON_ArrayForEach(e, value)
		take_registration(g, e);
	next = jstr(root, "@odata.nextLink");
	if (next)
		submit_registration_page(g, next);
	else
		g->reg_done = 1;
	report(g);
cleanup:
	cJSON_Delete(root);
}

/* ---- the source -------------------------------------------------------- */

static int scan(struct graph_source *g, struct mfa_err *err)
{
	char url[1024];
	int rc;

	if (mfa_spool_new(&g->spool, NULL, err) < 0)
		return mfa_err_prefix(err, "cannot create a temporary spool file for the scan");
	submit_first_page(g);
	if (g->want_registration) {
		snprintf(url, sizeof(url), "%s/v1.0/reports/authenticationMethods/userRegistrationDetails",
			 g->graph_url);
		submit_registration_page(g, url);
	} else {
		g->reg_unavailable = 1;
	}
	if (g->ca && mfa_ca_fetch_start(&g->ca_fetch, g->ca, g->http, g->graph_url, err) < 0)
		return -1;
	mfa_ca_fetch_set_posture(g->ca_fetch, g->posture);
	if (g->posture &&
	    mfa_posture_fetch_start(&g->posture_fetch, g->posture, g->http, g->graph_url, err) < 0)
		return -1;
	if (g->sign_in_days &&
	    (!(g->signin_map = mfa_signin_map_new()) ||
	     mfa_signins_start(&g->signins, g->signin_map, g->http, g->graph_url, g->sign_in_days, g->now, err) < 0))
		return g->signin_map ? -1 : mfa_err_set(err, "out of memory");
	rc = mfa_http_run(g->http, err);
	if (rc < 0)
		return -1;
	if (g->failed) {
		*err = g->err;
		return -1;
	}
	/* Only a scan that worked has its Conditional Access warnings said:
	 * when the scan fails, its error is the one line worth reading. */
	if (g->ca_fetch) {
		struct mfa_ca_fetch *f = g->ca_fetch;

		g->ca_fetch = NULL;
		if (mfa_ca_fetch_finish(f, &g->ca_result, g->warn, g->warn_ctx, err) < 0)
			return -1;
	}
	if (g->posture_fetch) {
		struct mfa_posture_fetch *f = g->posture_fetch;

		g->posture_fetch = NULL;
		if (mfa_posture_fetch_finish(f, g->warn, g->warn_ctx, err) < 0)
			return -1;
	}
	if (g->signins) {
		mfa_signins_finish(g->signins, &g->signins_result, g->warn, g->warn_ctx);
		g->signins = NULL;
	}
	if (rc == MFA_HTTP_INTERRUPTED || !g->listing_done)
		g->interrupted = 1;
	/* Stopped before the report was read: that is the interruption, not
	 * a missing permission or licence, and the message says so. */
	if (!g->reg_done && !g->reg_unavailable && g->interrupted) {
		g->reg_unavailable = 1;
		snprintf(g->reg_warning, sizeof(g->reg_warning),
			 "registration details not read: the run was interrupted first (registration is unknown in these reports)");
	} else if (!g->reg_done && !g->reg_unavailable) {
		registration_unavailable(g, "the report was not read to its end");
	}
	if (g->reg_warning[0] && g->warn)
		g->warn(g->warn_ctx, g->reg_warning);
	if (g->sign_in_warning[0] && g->warn)
		g->warn(g->warn_ctx, g->sign_in_warning);
	if (g->mailbox)
		mfa_mailbox_purpose_finish(g->mailbox, g->warn, g->warn_ctx);
	if (g->what_if && !g->interrupted && mfa_ca_model_policies_read(g->ca)) {
		if (what_if(g, err) < 0)
			return -1;
		if (mfa_http_interrupted(g->http))
			g->interrupted = 1;
	} else if (g->what_if && g->warn) {
		g->warn(g->warn_ctx, g->interrupted ? "What If not asked: the run was interrupted first"
				     : "What If not asked: the Conditional Access policies were not read (the whatIf column stays empty)");
		if (mfa_whatif_finish(g->what_if) < 0)
			return mfa_err_set(err, "out of memory");
	}
	if (mfa_spool_rewind(g->spool, err) < 0)
		return mfa_err_prefix(err, "cannot read back the scan's spool file");
	g->scanned = 1;
	return 0;
}

static int gs_next(struct mfa_source *src, struct mfa_user *u, struct mfa_err *err)
{
	struct graph_source *g = (struct graph_source *)src;
	struct mfa_regmap_entry e;
	size_t i;
	int rc;

	if (!g->scanned && scan(g, err) < 0)
		return -1;
	rc = spool_next(g, u, err);
	if (rc < 0)
		return mfa_err_prefix(err, "cannot read back the scan's spool file");
	if (rc == 0)
		return 0;
	g->yielded++;
	if (g->signins_result.read) {
		const struct mfa_signin_counts *c = mfa_signin_map_find(g->signin_map, u->id);

		u->signins = c ? c : &g->no_signins;
	}
	if (g->mailbox && u->id && u->mail)
		u->mailbox_purpose = mfa_mailbox_purpose_get(g->mailbox, u->id);
	if (g->reg_unavailable)
		return 1;
	i = mfa_regmap_find_id(g->reg, u->id);
	if (i == MFA_REGMAP_NONE) {
		/* In the report but not yet: a user created during the scan. */
		return 1;
	}
	mfa_regmap_get(g->reg, i, &e);
	u->reg = e.reg;
	u->is_admin = e.is_admin;
	if (u->user_type == MFA_USER_TYPE_UNKNOWN)
		u->user_type = e.user_type;
	return 1;
}

static void gs_stats(const struct mfa_source *src, struct mfa_source_stats *out)
{
	const struct graph_source *g = (const struct graph_source *)src;

	out->rows = g->prog.listed;
	out->bad_rows = 0;
	out->joined = g->reg_unavailable ? 0 : g->prog.registration;
	out->format = g->prog.fast_path == 1 ? "graph (state inline)" : "graph (state per user, $batch)";
	out->unknown_states = g->unknown;
	out->registration_unavailable = g->reg_unavailable;
	out->interrupted = g->interrupted;
	out->state_path = g->prog.fast_path < 0 ? NULL : g->prog.fast_path ? "inline" : "batch";
	out->state_path_reason = g->prog.fast_path < 0 ? NULL
				 : g->prog.fast_path ? REASON_INLINE
				 : g->reason[0] ? g->reason
				 : g->state_refused ? REASON_REFUSED : REASON_ABSENT;
	out->ca_read = g->ca != NULL;
	out->ca_policies = g->ca_result.policies;
	out->security_defaults = g->ca_result.security_defaults;
}

static void gs_free(struct mfa_source *src)
{
	struct graph_source *g = (struct graph_source *)src;

	if (!g)
		return;
	mfa_reqs_free(g->reqs);
	mfa_mailbox_purpose_free(g->mailbox);
	if (g->ca_fetch) {
		struct mfa_err ignored = MFA_ERR_INIT;

		mfa_ca_fetch_finish(g->ca_fetch, &g->ca_result, NULL, NULL, &ignored);
	}
	if (g->posture_fetch) {
		struct mfa_err ignored = MFA_ERR_INIT;

		mfa_posture_fetch_finish(g->posture_fetch, NULL, NULL, &ignored);
	}
	mfa_signins_finish(g->signins, &g->signins_result, NULL, NULL);
	mfa_signin_map_free(g->signin_map);
	mfa_regmap_free(g->reg);
	mfa_spool_free(g->spool);
	free(g->serial.deferred);
	for (size_t i = 0; i < g->nparts; i++)
		free(g->parts[i].deferred);
	free(g->parts);
	free(g->serial_next);
	mfa_idset_free(g->seen);
	free(g->graph_url);
	free(g);
}

static const struct mfa_source_ops gs_ops = { gs_next, gs_stats, gs_free };

int mfa_graph_source_open(struct mfa_source **out, const struct mfa_graph_source_options *o,
			  struct mfa_err *err)
{
	struct graph_source *g = calloc(1, sizeof(*g));
	struct mfa_reqs_options ro = MFA_REQS_OPTIONS_INIT;

	*out = NULL;
	if (!g || !(g->graph_url = strdup(o->graph_url)) || !(g->reg = mfa_regmap_new())) {
		if (g)
			free(g->graph_url);
		free(g);
		return mfa_err_set(err, "out of memory");
	}
	g->base.ops = &gs_ops;
	g->http = o->http;
	g->want_registration = o->registration;
	g->page_size = o->users_page_size ? o->users_page_size : 999;
	if (g->page_size > 999)
		g->page_size = 999;
	g->page_size_asked = g->page_size;
	if (o->sign_in_activity) {
		g->sign_in = 1;
		if (g->page_size > MFA_SIGN_IN_ACTIVITY_PAGE_SIZE)
			g->page_size = MFA_SIGN_IN_ACTIVITY_PAGE_SIZE;
	}
	g->backlog = o->backlog ? o->backlog : 5000;
	g->warn = o->warn;
	g->warn_ctx = o->warn_ctx;
	g->progress = o->progress;
	g->progress_ctx = o->progress_ctx;
	g->prog.fast_path = -1;
	g->serial.g = g;
	g->serial.partition = -1;
	g->ca = o->ca;
	g->posture = o->posture;
	g->what_if = o->what_if;
	g->what_if_max = o->what_if_max;
	g->note = o->note;
	g->note_ctx = o->note_ctx;
	g->sign_in_days = o->sign_in_days;
	g->now = o->now ? o->now : time(NULL);
	g->ca_result.policies = -1;
	g->ca_result.security_defaults = -1;
	ro.http = o->http;
	ro.graph_url = o->graph_url;
	if (mfa_reqs_new(&g->reqs, &ro, err) < 0 ||
	    (o->mailbox_purpose &&
	     mfa_mailbox_purpose_start(&g->mailbox, o->http, o->graph_url, err) < 0)) {
		gs_free(&g->base);
		return -1;
	}
	*out = &g->base;
	return 0;
}
