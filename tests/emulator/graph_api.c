/* graph_api.c - the Graph endpoints: routing, permissions and bodies. */
#include "app.h"
#include "accounts.h"
#include "whatif.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mfa/model/user.h"
#include "rng.h"
#include "posture.h"

/* Least privileged permissions per endpoint (Graph's per-API tables), any of
 * the bits; Directory.Read.All satisfies every read. */
#define PERM_DIR EMU_PERM_DIRECTORY_READ_ALL
#define PERM_USERS (EMU_PERM_USER_READ_ALL | EMU_PERM_USER_RW_ALL | PERM_DIR)
#define PERM_REQ_READ (EMU_PERM_POLICY_READ_ALL | EMU_PERM_POLICY_RW_AUTHMETHOD | PERM_DIR)
#define PERM_POLICY_READ (EMU_PERM_POLICY_READ_ALL | PERM_DIR)
#define PERM_REGISTRATION (EMU_PERM_AUDITLOG_READ_ALL | PERM_DIR)
#define PERM_GROUPS (EMU_PERM_GROUP_MEMBER_READ_ALL | PERM_DIR)
#define PERM_ROLES (EMU_PERM_ROLE_MGMT_READ_DIR | PERM_DIR)
/* A member object is served whole only when the app may read its type
 * (a user PERM_USERS, a group PERM_GROUPS), else as id + @odata.type. */

void emu_query_parse(struct emu_request *rq, const char *qs)
{
	const char *p = qs;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		char *item = strndup(p, n), *eq, *q;
		if (!item)
			abort();
		for (q = item; *q; q++)
			if (*q == '+')
				*q = ' ';
		eq = strchr(item, '=');
		if (n && rq->nquery < EMU_MAX_QUERY) {
			struct emu_kv *kv = &rq->query[rq->nquery++];
			if (eq)
				*eq = '\0';
			kv->key = strdup(item);
			kv->value = strdup(eq ? eq + 1 : "");
			if (!kv->key || !kv->value)
				abort();
			url_decode_inplace(kv->key);
			url_decode_inplace(kv->value);
		} else if (n) {
			rq->query_overflow = true;
		}
		free(item);
		p = amp ? amp + 1 : NULL;
	}
}

/* ---- helpers ---- */

static void forbidden(struct emu_reply *rp)
{
	emu_reply_error(rp, 403, "Authorization_RequestDenied",
			"Insufficient privileges to complete the operation.");
}

static void not_found_segment(struct emu_reply *rp, const char *seg)
{
	emu_reply_error(rp, 400, "BadRequest", "Resource not found for the segment '%s'.", seg);
}

static void user_not_found(struct emu_reply *rp, const char *key)
{
	emu_reply_error(rp, 404, "Request_ResourceNotFound",
			"Resource '%.200s' does not exist or one of its queried reference-property "
			"objects are not present.", key);
}

static bool parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Where a paged list stands: the next item (an index into the list), how
 * many non-empty and how many empty pages were served before. A skiptoken
 * carries it, xored with app->skip_key and checked, so a client cannot
 * forge or rebuild one. */
struct page_pos {
	uint32_t offset, pages, empties;
};

static void skiptoken_make(const struct emu_app *app, const struct page_pos *pos, char out[48])
{
	uint64_t a = (uint64_t)pos->offset | ((uint64_t)pos->pages << 32);
	uint32_t e = pos->empties ^ (uint32_t)(app->skip_key >> 7);
	uint32_t check = (uint32_t)rng_mix(a ^ rng_mix(pos->empties) ^ app->skip_key);

	snprintf(out, 48, "RFNwdAIA%016llx%08x%08x", (unsigned long long)(a ^ app->skip_key), (unsigned)e,
		 (unsigned)check);
}

/* Reads a skiptoken of a list of `limit` items. */
static bool skiptoken_read(const struct emu_app *app, const char *tok, uint32_t limit, struct page_pos *pos)
{
	unsigned long long x;
	unsigned e, check;
	char tail;
	uint64_t a;

	if (!tok || strncmp(tok, "RFNwdAIA", 8) != 0 || strlen(tok) != 8 + 16 + 8 + 8)
		return false;
	if (sscanf(tok + 8, "%16llx%8x%8x%c", &x, &e, &check, &tail) != 3)
		return false;
	a = x ^ app->skip_key;
	e ^= (uint32_t)(app->skip_key >> 7);
	if ((uint32_t)rng_mix(a ^ rng_mix(e) ^ app->skip_key) != check)
		return false;
	if ((uint32_t)a > limit || e > app->cfg->empty_pages)
		return false;
	pos->offset = (uint32_t)a;
	pos->pages = (uint32_t)(a >> 32);
	pos->empties = e;
	return true;
}

/* The page a request asks for: the start, or its $skiptoken's position.
 * Returns 0, or -1 with rp filled (Graph's answer to a forged token). */
static int page_start(const struct emu_app *app, const struct emu_request *rq, uint32_t limit,
		      struct page_pos *pos, struct emu_reply *rp)
{
	const char *tok = emu_request_query(rq, "$skiptoken");

	memset(pos, 0, sizeof(*pos));
	if (tok && !skiptoken_read(app, tok, limit, pos)) {
		emu_reply_error(rp, 400, "Directory_ExpiredPageToken",
				"The specified page token value has expired or is invalid.");
		return -1;
	}
	return 0;
}

void emu_next_link_url(const struct emu_request *rq, const char *skiptoken, struct buf *url)
{
	unsigned i;

	buf_puts(url, rq->base_url ? rq->base_url : "http://127.0.0.1");
	buf_printf(url, "/%s", rq->version);
	buf_url_encode_path(url, rq->path ? rq->path : "");
	buf_putc(url, '?');
	for (i = 0; i < rq->nquery; i++) {
		if (strcmp(rq->query[i].key, "$skiptoken") == 0)
			continue;
		buf_url_encode(url, rq->query[i].key);
		buf_putc(url, '=');
		buf_url_encode(url, rq->query[i].value);
		buf_putc(url, '&');
	}
	buf_printf(url, "$skiptoken=%s", skiptoken);
}

void emu_next_link(const struct emu_request *rq, const char *skiptoken, struct buf *b)
{
	struct buf url = BUF_INIT;

	emu_next_link_url(rq, skiptoken, &url);
	buf_puts(b, ",\"@odata.nextLink\":");
	buf_json_str(b, buf_cstr(&url));
	buf_release(&url);
}

static void next_link(const struct emu_app *app, const struct emu_request *rq, const struct page_pos *pos,
		      struct buf *b)
{
	char tok[48];

	skiptoken_make(app, pos, tok);
	emu_next_link(rq, tok, b);
}

/* --empty-pages: each of the N empty pages of a list goes before one of
 * its non-empty pages, chosen from (seed, the list's path, its number), so
 * a list of K non-empty pages has them at the same places on every run. */
static bool empty_page_due(const struct emu_app *app, const struct emu_request *rq, const struct page_pos *pos,
			   unsigned long items, long per_page)
{
	unsigned long k = items ? (items + (unsigned long)per_page - 1) / (unsigned long)per_page : 1;
	uint64_t stream = 0xcbf29ce484222325ULL;
	unsigned e, due = 0;
	const char *p;

	if (pos->empties >= app->cfg->empty_pages)
		return false;
	for (p = rq->path ? rq->path : ""; *p; p++)
		stream = (stream ^ (unsigned char)*p) * 0x100000001b3ULL;
	for (e = 0; e < app->cfg->empty_pages; e++)
		if (rng_at(app->cfg->seed, stream, e) % k <= pos->pages)
			due++;
	return due > pos->empties;
}

/* Serves an empty page (value [] and a nextLink to the same place) when
 * one is due here; b holds the page's opening. Returns true when it did. */
static bool empty_page(const struct emu_app *app, const struct emu_request *rq, const struct page_pos *pos,
		       unsigned long items, long per_page, struct buf *b)
{
	struct page_pos next = *pos;

	if (!app->cfg->empty_pages || !empty_page_due(app, rq, pos, items, per_page))
		return false;
	next.empties++;
	buf_puts(b, ",\"value\":[]");
	next_link(app, rq, &next, b);
	buf_putc(b, '}');
	return true;
}

/* Ends a page whose items stop before `end` of `limit`: ']', the nextLink
 * when more follows, '}'. */
static void page_end(const struct emu_app *app, const struct emu_request *rq, const struct page_pos *pos,
		     uint32_t end, uint32_t limit, struct buf *b)
{
	buf_putc(b, ']');
	if (end < limit) {
		struct page_pos next = { end, pos->pages + 1, pos->empties };
		next_link(app, rq, &next, b);
	}
	buf_putc(b, '}');
}

/* ---- $filter: one clause "<prop> eq <literal>", or on users' userPrincipalName
 * "ge"/"le" ranges, one clause or two joined by "and" ---- */

enum filter_op { FOP_EQ, FOP_GE, FOP_LE };

struct filter_clause {
	char prop[64];
	char value[512];
	enum filter_op op;
};

struct filter {
	struct filter_clause c[2];
	unsigned n;
	bool active;
	bool range;  /* a ge/le clause: no eq lookup by key */
};

/* Parses one clause at *pp; advances it. Returns 0, -1 bad. */
static int clause_parse(const char **pp, struct filter_clause *c)
{
	const char *p = *pp, *v;
	size_t n;

	while (*p == ' ')
		p++;
	n = strcspn(p, " ");
	if (n == 0 || n >= sizeof(c->prop))
		return -1;
	memcpy(c->prop, p, n);
	p += n;
	while (*p == ' ')
		p++;
	if (strncasecmp(p, "eq ", 3) == 0)
		c->op = FOP_EQ;
	else if (strncasecmp(p, "ge ", 3) == 0)
		c->op = FOP_GE;
	else if (strncasecmp(p, "le ", 3) == 0)
		c->op = FOP_LE;
	else
		return -1;
	p += 3;
	while (*p == ' ')
		p++;
	if (*p == '\'') {
		size_t w = 0;
		for (v = p + 1; *v; v++) {
			if (*v == '\'') {
				if (v[1] == '\'') {
					v++;
				} else {
					break;
				}
			}
			if (w + 1 >= sizeof(c->value))
				return -1;
			c->value[w++] = *v;
		}
		if (*v != '\'')
			return -1;
		v++;
	} else {
		n = strcspn(p, " ");
		if (n == 0 || n >= sizeof(c->value))
			return -1;
		memcpy(c->value, p, n);
		v = p + n;
	}
	while (*v == ' ')
		v++;
	*pp = v;
	return 0;
}

static bool is_upn_range(const struct filter_clause *c)
{
	return c->op != FOP_EQ && strcmp(c->prop, "userPrincipalName") == 0;
}

/* Returns 0, or -1 with rp filled. ranges: the list takes ge/le on
 * userPrincipalName (users; not with --no-upn-range-filter). */
static int filter_parse(const char *text, bool ranges, struct filter *f, struct emu_reply *rp)
{
	const char *p = text;

	memset(f, 0, sizeof(*f));
	if (!text)
		return 0;
	if (clause_parse(&p, &f->c[0]) < 0)
		goto bad;
	f->n = 1;
	if (strncasecmp(p, "and ", 4) == 0) {
		p += 4;
		if (clause_parse(&p, &f->c[1]) < 0)
			goto bad;
		f->n = 2;
		/* "and" joins two userPrincipalName ranges only */
		if (!is_upn_range(&f->c[0]) || !is_upn_range(&f->c[1]))
			goto bad;
	}
	if (*p)
		goto bad;
	if (f->c[0].op != FOP_EQ) {
		if (!ranges || !is_upn_range(&f->c[0]))
			goto bad;
		f->range = true;
	}
	f->active = true;
	return 0;
bad:
	emu_reply_error(rp, 400, "Request_UnsupportedQuery",
			"Unsupported or invalid query filter clause specified: '%.200s'.", text);
	return -1;
}

static bool bool_matches(bool have, const char *lit)
{
	return strcmp(lit, have ? "true" : "false") == 0;
}

/* Graph's order for userPrincipalName ranges here: ordinal on the UTF-8
 * bytes with ASCII letters lowercased (other bytes, non-ASCII included,
 * compare unsigned as they are). */
static int upn_cmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (;; x++, y++) {
		int cx = (*x >= 'A' && *x <= 'Z') ? *x + 32 : *x;
		int cy = (*y >= 'A' && *y <= 'Z') ? *y + 32 : *y;
		if (cx != cy || !cx)
			return cx - cy;
	}
}

/* 1 match, 0 no match, -1 property not filterable. */
static int clause_user(const struct emu_tenant *t, const struct emu_user *u, const struct filter_clause *f,
		       bool registration)
{
	if (f->op != FOP_EQ) {
		int c = upn_cmp(emu_user_upn(t, u), f->value);
		return f->op == FOP_GE ? c >= 0 : c <= 0;
	}
	if (strcmp(f->prop, "id") == 0)
		return strcasecmp(emu_user_id(t, u), f->value) == 0;
	if (strcmp(f->prop, "userPrincipalName") == 0)
		return strcasecmp(emu_user_upn(t, u), f->value) == 0;
	if (strcmp(f->prop, "userType") == 0)
		return strcasecmp((u->flags & EMU_F_GUEST) ? "guest" : "member", f->value) == 0;
	if (!registration && strcmp(f->prop, "accountEnabled") == 0)
		return bool_matches(u->flags & EMU_F_ENABLED, f->value);
	if (registration && strcmp(f->prop, "isAdmin") == 0)
		return bool_matches(u->flags & EMU_F_ADMIN, f->value);
	if (registration && strcmp(f->prop, "isMfaRegistered") == 0)
		return bool_matches(u->flags & EMU_F_REGISTERED, f->value);
	if (registration && strcmp(f->prop, "isMfaCapable") == 0)
		return bool_matches(u->flags & EMU_F_CAPABLE, f->value);
	return -1;
}

static int filter_user(const struct emu_tenant *t, const struct emu_user *u, const struct filter *f,
		       bool registration)
{
	unsigned i;

	for (i = 0; i < f->n; i++) {
		int m = clause_user(t, u, &f->c[i], registration);
		if (m != 1)
			return m;
	}
	return 1;
}

/* ---- /users ---- */

enum user_field {
	UF_ID, UF_UPN, UF_DISPLAY, UF_TYPE, UF_ENABLED, UF_SYNC, UF_CREATED, UF_STATE, UF_NULL,
	UF_PHONES, UF_MAIL,
	UF_SIGN_IN, /* issue 14: signInActivity (accounts.c) */
};

static const struct { const char *name; enum user_field f; } user_fields[] = {
	{ "id", UF_ID }, { "userPrincipalName", UF_UPN }, { "displayName", UF_DISPLAY },
	{ "userType", UF_TYPE }, { "accountEnabled", UF_ENABLED },
	{ "onPremisesSyncEnabled", UF_SYNC }, { "createdDateTime", UF_CREATED },
	{ "perUserMfaState", UF_STATE }, { "businessPhones", UF_PHONES },
	{ "givenName", UF_NULL }, { "surname", UF_NULL }, { "jobTitle", UF_NULL }, { "mail", UF_MAIL },
	{ "mobilePhone", UF_NULL }, { "officeLocation", UF_NULL }, { "preferredLanguage", UF_NULL },
	{ "department", UF_NULL }, { "companyName", UF_NULL }, { "employeeId", UF_NULL },
	{ "onPremisesImmutableId", UF_NULL }, { "onPremisesSamAccountName", UF_NULL },
	{ "usageLocation", UF_NULL }, { "externalUserState", UF_NULL },
	{ "onPremisesLastSyncDateTime", UF_NULL }, { "lastPasswordChangeDateTime", UF_NULL },
	{ "signInActivity", UF_SIGN_IN },
};

#define MAX_SELECT 32

struct selection {
	unsigned n;
	unsigned idx[MAX_SELECT]; /* into user_fields */
	bool explicit_select;
	char text[512];           /* for @odata.context */
};

/* An unknown property in $select: Graph's answer, word for word. */
static void unknown_property(struct emu_reply *rp, const char *name, size_t n)
{
	emu_reply_error(rp, 400, "Request_BadRequest",
			"Could not find a property named '%.*s' on type 'microsoft.graph.user'.",
			(int)(n < 200 ? n : 200), name);
}

static int select_parse(const char *sel, enum emu_state_select state, struct selection *s,
			struct emu_reply *rp)
{
	static const char *const defaults[] = { "businessPhones", "displayName", "givenName", "jobTitle",
						"mail", "mobilePhone", "officeLocation",
						"preferredLanguage", "surname", "userPrincipalName", "id" };
	const char *p;
	unsigned i;

	memset(s, 0, sizeof(*s));
	if (!sel) {
		for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
			unsigned j;
			for (j = 0; j < sizeof(user_fields) / sizeof(user_fields[0]); j++)
				if (strcmp(user_fields[j].name, defaults[i]) == 0)
					s->idx[s->n++] = j;
		}
		return 0;
	}
	s->explicit_select = true;
	for (p = sel; *p;) {
		size_t n = strcspn(p, ","), j;
		const char *q = p;
		bool found = false;
		while (n && *q == ' ') {
			q++;
			n--;
		}
		while (n && q[n - 1] == ' ')
			n--;
		for (j = 0; n && j < sizeof(user_fields) / sizeof(user_fields[0]); j++) {
			if (strlen(user_fields[j].name) == n && strncasecmp(user_fields[j].name, q, n) == 0) {
				found = true;
				if (user_fields[j].f == UF_STATE && state == EMU_STATE_SELECT_REJECT) {
					/* perUserMfaState is not a property of user in
					 * Graph's metadata: answered as any unknown one */
					unknown_property(rp, q, n);
					return -1;
				}
				/* --state-select drop: left out, as the undocumented
				 * fast path is when Graph does not serve it */
				if (user_fields[j].f == UF_STATE && state == EMU_STATE_SELECT_DROP)
					break;
				if (s->n < MAX_SELECT)
					s->idx[s->n++] = (unsigned)j;
				break;
			}
		}
		if (n && !found) {
			unknown_property(rp, q, n);
			return -1;
		}
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	for (i = 0; i < s->n; i++) {
		size_t len = strlen(s->text);
		snprintf(s->text + len, sizeof(s->text) - len, "%s%s", i ? "," : "",
			 user_fields[s->idx[i]].name);
	}
	return 0;
}

static void user_json(const struct emu_tenant *t, const struct emu_user *u, const struct selection *s,
		      struct buf *b)
{
	unsigned i;
	char date[32];

	buf_putc(b, '{');
	for (i = 0; i < s->n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_printf(b, "\"%s\":", user_fields[s->idx[i]].name);
		switch (user_fields[s->idx[i]].f) {
		case UF_ID: buf_json_str(b, emu_user_id(t, u)); break;
		case UF_UPN: buf_json_str(b, emu_user_upn(t, u)); break;
		case UF_DISPLAY: buf_json_str(b, u->name_off ? emu_user_name(t, u) : NULL); break;
		case UF_TYPE: buf_puts(b, (u->flags & EMU_F_GUEST) ? "\"Guest\"" : "\"Member\""); break;
		case UF_ENABLED: buf_puts(b, (u->flags & EMU_F_ENABLED) ? "true" : "false"); break;
		case UF_SYNC: buf_puts(b, (u->flags & EMU_F_SYNCED) ? "true" : "null"); break;
		case UF_CREATED:
			emu_iso_time(u->created, date);
			buf_printf(b, "\"%s\"", date);
			break;
		case UF_STATE:
			buf_printf(b, "\"%s\"", emu_state_name(atomic_load_explicit(&u->state, memory_order_relaxed)));
			break;
		case UF_PHONES: buf_puts(b, "[]"); break;
		case UF_MAIL: buf_json_str(b, emu_user_mail(t, u)); break;
		case UF_SIGN_IN: emu_accounts_sign_in_json(t, u, b); break;
		case UF_NULL: buf_puts(b, "null"); break;
		}
	}
	buf_putc(b, '}');
}

static int page_size(const struct emu_request *rq, long dflt, struct emu_reply *rp, long *out)
{
	const char *top = emu_request_query(rq, "$top");

	*out = dflt;
	if (!top)
		return 0;
	if (!parse_long(top, out) || *out < 1 || *out > 999) {
		emu_reply_error(rp, 400, "Request_BadRequest",
				"Invalid page size specified: '%.40s'. Must be between 1 and 999 inclusive.", top);
		return -1;
	}
	return 0;
}

static bool count_wanted(const struct emu_request *rq)
{
	const char *c = emu_request_query(rq, "$count");
	return c && strcasecmp(c, "true") == 0;
}

static bool eventual(const struct emu_request *rq)
{
	return rq->consistency && strcasecmp(rq->consistency, "eventual") == 0;
}

static int reject_unsupported(const struct emu_request *rq, struct emu_reply *rp, const char *const *ok)
{
	unsigned i, j;

	if (rq->query_overflow) {
		emu_reply_error(rp, 400, "BadRequest", "Too many query options.");
		return -1;
	}
	for (i = 0; i < rq->nquery; i++) {
		const char *k = rq->query[i].key;
		bool known = k[0] != '$';
		for (j = 0; ok[j] && !known; j++)
			if (strcmp(k, ok[j]) == 0)
				known = true;
		if (!known) {
			emu_reply_error(rp, 400, "Request_UnsupportedQuery",
					"The query option '%.60s' is not supported by graph-emulator.", k);
			return -1;
		}
	}
	return 0;
}

static unsigned long filter_count(const struct emu_tenant *t, const struct filter *f, bool reg)
{
	unsigned long n = 0;
	uint32_t i;

	if (!f->active)
		return t->count;
	for (i = 0; i < t->count; i++)
		if (filter_user(t, &t->users[i], f, reg) == 1)
			n++;
	return n;
}

/* issue 14: signInActivity in $select needs AuditLog.Read.All and a P1
 * licence (the tenant of --no-registration-license has none), and caps
 * the page at EMU_SIGN_IN_PAGE_SIZE (a larger $top is not an error).
 * Returns 0 (with *top capped), or -1 with the 403 in rp. */
static int sign_in_check(const struct emu_app *app, const struct selection *sel, long *top,
			 struct emu_reply *rp)
{
	unsigned i;

	for (i = 0; i < sel->n && user_fields[sel->idx[i]].f != UF_SIGN_IN; i++)
		;
	if (i == sel->n)
		return 0;
	if (!(app->cfg->perms & EMU_PERM_AUDITLOG_READ_ALL)) {
		forbidden(rp);
		return -1;
	}
	if (!app->cfg->registration_license) {
		emu_reply_error(rp, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
				"Neither tenant is B2C or tenant doesn't have premium license");
		return -1;
	}
	if (top && *top > EMU_SIGN_IN_PAGE_SIZE)
		*top = EMU_SIGN_IN_PAGE_SIZE;
	return 0;
}

static void users_list(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	static const char *const ok[] = { "$select", "$top", "$filter", "$count", "$skiptoken", NULL };
	const struct emu_tenant *t = &app->tenant;
	struct selection sel;
	struct filter flt;
	struct buf *b = &rp->body;
	long top, shown = 0;
	uint32_t i;
	bool first = true;
	struct page_pos pos;

	if (reject_unsupported(rq, rp, ok) < 0 ||
	    select_parse(emu_request_query(rq, "$select"), app->cfg->state_select, &sel, rp) < 0 ||
	    page_size(rq, 100, rp, &top) < 0 || sign_in_check(app, &sel, &top, rp) < 0 ||
	    filter_parse(emu_request_query(rq, "$filter"), !app->cfg->no_upn_range_filter, &flt, rp) < 0)
		return;
	if (flt.range) /* counted apart in /_emulator/stats */
		rp->route = "usersRange";
	if (flt.active && filter_user(t, &t->users[0], &flt, false) < 0 && t->count) {
		emu_reply_error(rp, 400, "Request_UnsupportedQuery",
				"Unsupported or invalid query filter clause specified for property '%s' of "
				"resource 'User'.", flt.c[0].prop);
		return;
	}
	if (count_wanted(rq) && !eventual(rq)) {
		emu_reply_error(rp, 400, "Request_BadRequest",
				"$count requires the ConsistencyLevel header set to eventual.");
		return;
	}
	if (page_start(app, rq, t->count, &pos, rp) < 0)
		return;
	rp->json = true;
	buf_printf(b, "{\"@odata.context\":\"%s/%s/$metadata#users%s%s%s\"",
		   rq->base_url ? rq->base_url : "", rq->version, sel.explicit_select ? "(" : "",
		   sel.text, sel.explicit_select ? ")" : "");
	/* Graph counts on the first page only */
	if (count_wanted(rq) && !emu_request_query(rq, "$skiptoken"))
		buf_printf(b, ",\"@odata.count\":%lu", filter_count(t, &flt, false));
	if (flt.active && !flt.range &&
	    (strcmp(flt.c[0].prop, "id") == 0 || strcmp(flt.c[0].prop, "userPrincipalName") == 0)) {
		long idx = emu_tenant_find(t, flt.c[0].value);
		buf_puts(b, ",\"value\":[");
		if (idx >= 0 && filter_user(t, &t->users[idx], &flt, false) == 1)
			user_json(t, &t->users[idx], &sel, b);
		buf_puts(b, "]}");
		return;
	}
	if (app->cfg->empty_pages &&
	    empty_page(app, rq, &pos, pos.empties < app->cfg->empty_pages ? filter_count(t, &flt, false) : 0,
		       top, b))
		return;
	buf_puts(b, ",\"value\":[");
	for (i = pos.offset; i < t->count && shown < top; i++) {
		if (flt.active && filter_user(t, &t->users[i], &flt, false) != 1)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		user_json(t, &t->users[i], &sel, b);
		shown++;
	}
	page_end(app, rq, &pos, i, t->count, b);
}

static void users_count(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	struct filter flt;

	if (!eventual(rq)) {
		emu_reply_error(rp, 400, "Request_BadRequest",
				"$count requires the ConsistencyLevel header set to eventual.");
		return;
	}
	if (filter_parse(emu_request_query(rq, "$filter"), !app->cfg->no_upn_range_filter, &flt, rp) < 0)
		return;
	rp->json = false;
	rp->content_type = "text/plain";
	buf_printf(&rp->body, "%lu", filter_count(&app->tenant, &flt, false));
}

static void user_get(struct emu_app *app, const struct emu_request *rq, const char *key,
		     struct emu_reply *rp)
{
	const struct emu_tenant *t = &app->tenant;
	struct selection sel;
	long idx = emu_tenant_find(t, key);

	if (select_parse(emu_request_query(rq, "$select"), app->cfg->state_select, &sel, rp) < 0 ||
	    sign_in_check(app, &sel, NULL, rp) < 0)
		return;
	if (idx < 0) {
		user_not_found(rp, key);
		return;
	}
	rp->json = true;
	user_json(t, &t->users[idx], &sel, &rp->body);
}

/* ---- per-user MFA state ---- */

static void requirements_get(struct emu_app *app, const struct emu_request *rq, const char *key,
			     struct emu_reply *rp)
{
	const struct emu_tenant *t = &app->tenant;
	long idx = emu_tenant_find(t, key);

	if (idx < 0) {
		user_not_found(rp, key);
		return;
	}
	rp->json = true;
	buf_printf(&rp->body, "{\"@odata.context\":\"%s/%s/$metadata#users('%s')/authentication/requirements/$entity\","
		   "\"perUserMfaState\":\"%s\"}", rq->base_url ? rq->base_url : "", rq->version,
		   emu_user_id(t, &t->users[idx]),
		   emu_state_name(atomic_load(&t->users[idx].state)));
}

static void requirements_patch(struct emu_app *app, const struct emu_request *rq, const char *key,
			       struct emu_reply *rp)
{
	struct emu_tenant *t = &app->tenant;
	long idx = emu_tenant_find(t, key);
	cJSON *body = NULL;
	const cJSON *item, *v = NULL;
	int state;

	if (idx < 0) {
		user_not_found(rp, key);
		goto cleanup;
	}
	if (!rq->content_type || strncasecmp(rq->content_type, "application/json", 16) != 0) {
		emu_reply_error(rp, 415, "UnsupportedMediaType",
				"The request content type must be application/json.");
		goto cleanup;
	}
	body = rq->body ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
	if (!cJSON_IsObject(body)) {
		emu_reply_error(rp, 400, "BadRequest", "Empty Payload. JSON content expected.");
		goto cleanup;
	}
	cJSON_ArrayForEach(item, body) {
		if (strcmp(item->string, "perUserMfaState") == 0) {
			v = item;
		} else if (item->string[0] != '@') {
			emu_reply_error(rp, 400, "BadRequest",
					"The property '%.60s' does not exist on type "
					"'microsoft.graph.strongAuthenticationRequirements'.", item->string);
			goto cleanup;
		}
	}
	if (!v) {
		emu_reply_error(rp, 400, "BadRequest", "The property 'perUserMfaState' is required.");
		goto cleanup;
	}
	state = cJSON_IsString(v) ? emu_state_parse(v->valuestring) : -1;
	if (state < 0) {
		char *lit = cJSON_PrintUnformatted(v);
		emu_reply_error(rp, 400, "BadRequest",
				"Cannot convert the literal '%.60s' to the expected type "
				"'microsoft.graph.perUserMfaState'.", lit ? lit : "");
		free(lit);
		goto cleanup;
	}
	/* enabling a user who already registered a method enforces them */
	if (state == EMU_ENABLED && (t->users[idx].flags & EMU_F_REGISTERED))
		state = EMU_ENFORCED;
	atomic_store(&t->users[idx].state, (uint8_t)state);
	atomic_fetch_add(&t->writes[idx], 1);
	rp->status = 204;
cleanup:
	cJSON_Delete(body);
}

/* ---- registration details ---- */

static void registration_json(const struct emu_tenant *t, const struct emu_user *u, struct buf *b)
{
	unsigned i;
	bool first = true;
	bool sspr_reg = emu_methods_sspr(u->methods);
	bool sspr_on = u->flags & EMU_F_SSPR_ENABLED;
	const char *dflt = emu_user_default(t, u);
	char date[32];

	buf_puts(b, "{\"id\":");
	buf_json_str(b, emu_user_id(t, u));
	buf_puts(b, ",\"userPrincipalName\":");
	buf_json_str(b, emu_user_upn(t, u));
	buf_puts(b, ",\"userDisplayName\":");
	buf_json_str(b, emu_user_name(t, u));
	buf_printf(b, ",\"userType\":\"%s\",\"isAdmin\":%s,\"isSsprRegistered\":%s,\"isSsprEnabled\":%s,"
		   "\"isSsprCapable\":%s,\"isMfaRegistered\":%s,\"isMfaCapable\":%s,"
		   "\"isPasswordlessCapable\":%s,\"isSystemPreferredAuthenticationMethodEnabled\":false,"
		   "\"systemPreferredAuthenticationMethods\":[],\"methodsRegistered\":[",
		   (u->flags & EMU_F_GUEST) ? "guest" : "member", (u->flags & EMU_F_ADMIN) ? "true" : "false",
		   sspr_reg ? "true" : "false", sspr_on ? "true" : "false",
		   sspr_reg && sspr_on && (u->flags & EMU_F_ENABLED) ? "true" : "false",
		   (u->flags & EMU_F_REGISTERED) ? "true" : "false",
		   (u->flags & EMU_F_CAPABLE) ? "true" : "false",
		   emu_methods_passwordless(u->methods) ? "true" : "false");
	for (i = 0; i < MFA_METHOD__COUNT; i++) {
		if (u->methods & (1u << i)) {
			buf_printf(b, "%s\"%s\"", first ? "" : ",", emu_method_name(i));
			first = false;
		}
	}
	if (u->other_off) {
		/* unknown method names from a loaded export, kept verbatim */
		const char *p = t->pool + u->other_off;
		while (*p) {
			size_t n = strcspn(p, ";");
			char name[128];
			snprintf(name, sizeof(name), "%.*s", (int)(n < 127 ? n : 127), p);
			if (n) {
				if (!first)
					buf_putc(b, ',');
				buf_json_str(b, name);
				first = false;
			}
			p += n;
			if (*p == ';')
				p++;
		}
	}
	emu_iso_time(u->updated, date);
	buf_printf(b, "],\"userPreferredMethodForSecondaryAuthentication\":\"%s\",\"defaultMfaMethod\":",
		   emu_methods_preferred(u->methods));
	buf_json_str(b, dflt ? dflt : "none");
	buf_printf(b, ",\"lastUpdatedDateTime\":\"%s\"}", date);
}

static void registration_list(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	static const char *const ok[] = { "$top", "$filter", "$skiptoken", "$select", NULL };
	const struct emu_tenant *t = &app->tenant;
	struct filter flt;
	struct buf *b = &rp->body;
	long top, shown = 0;
	uint32_t i;
	bool first = true;
	struct page_pos pos;

	if (!app->cfg->registration_license) {
		emu_reply_error(rp, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
				"Neither tenant is B2C or tenant doesn't have premium license");
		return;
	}
	if (reject_unsupported(rq, rp, ok) < 0 ||
	    page_size(rq, (long)app->cfg->registration_page_size, rp, &top) < 0 ||
	    filter_parse(emu_request_query(rq, "$filter"), false, &flt, rp) < 0)
		return;
	if (top > (long)app->cfg->registration_page_size)
		top = (long)app->cfg->registration_page_size;
	if (flt.active && t->count && filter_user(t, &t->users[0], &flt, true) < 0) {
		emu_reply_error(rp, 400, "Request_UnsupportedQuery",
				"Unsupported or invalid query filter clause specified for property '%s' of "
				"resource 'userRegistrationDetails'.", flt.c[0].prop);
		return;
	}
	if (page_start(app, rq, t->count, &pos, rp) < 0)
		return;
	rp->json = true;
	buf_printf(b, "{\"@odata.context\":\"%s/%s/$metadata#reports/authenticationMethods/userRegistrationDetails\"",
		   rq->base_url ? rq->base_url : "", rq->version);
	if (app->cfg->empty_pages &&
	    empty_page(app, rq, &pos, pos.empties < app->cfg->empty_pages ? filter_count(t, &flt, true) : 0,
		       top, b))
		return;
	buf_puts(b, ",\"value\":[");
	for (i = pos.offset; i < t->count && shown < top; i++) {
		if (flt.active && filter_user(t, &t->users[i], &flt, true) != 1)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		registration_json(t, &t->users[i], b);
		shown++;
	}
	page_end(app, rq, &pos, i, t->count, b);
}

/* ---- Conditional Access fixture ---- */

int emu_fixture_load(struct emu_app *app, const char *path, struct mfa_err *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	const cJSON *x;
	int ret = -1;

	if (!f)
		return mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	app->fixture = cJSON_ParseWithLength(buf_cstr(&b), b.len);
	if (!cJSON_IsObject(app->fixture)) {
		mfa_err_set(err, "'%s': not a JSON object", path);
		goto cleanup;
	}
	x = cJSON_GetObjectItemCaseSensitive(app->fixture, "policies");
	if (x && !cJSON_IsArray(x)) {
		mfa_err_set(err, "'%s': \"policies\" must be an array", path);
		goto cleanup;
	}
	x = cJSON_GetObjectItemCaseSensitive(app->fixture, "securityDefaults");
	if (x && !cJSON_IsObject(x)) {
		mfa_err_set(err, "'%s': \"securityDefaults\" must be an object", path);
		goto cleanup;
	}
	x = cJSON_GetObjectItemCaseSensitive(app->fixture, "groups");
	if (x && !cJSON_IsArray(x)) {
		mfa_err_set(err, "'%s': \"groups\" must be an array", path);
		goto cleanup;
	}
	x = cJSON_GetObjectItemCaseSensitive(app->fixture, "directoryRoles");
	if (x && !cJSON_IsArray(x)) {
		mfa_err_set(err, "'%s': \"directoryRoles\" must be an array", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret < 0) {
		cJSON_Delete(app->fixture);
		app->fixture = NULL;
	}
	buf_release(&b);
	fclose(f);
	return ret;
}

static void append_json(struct buf *b, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);

	if (!s)
		abort();
	buf_puts(b, s);
	free(s);
}

static void ca_policies(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	const cJSON *p = app->fixture ? cJSON_GetObjectItemCaseSensitive(app->fixture, "policies") : NULL;

	rp->json = true;
	buf_printf(&rp->body, "{\"@odata.context\":\"%s/%s/$metadata#identity/conditionalAccess/policies\",\"value\":",
		   rq->base_url ? rq->base_url : "", rq->version);
	if (p)
		append_json(&rp->body, p);
	else
		buf_puts(&rp->body, "[]");
	buf_putc(&rp->body, '}');
}

static void security_defaults(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	const cJSON *sd = app->fixture ? cJSON_GetObjectItemCaseSensitive(app->fixture, "securityDefaults") : NULL;
	cJSON *o = cJSON_CreateObject();
	const cJSON *it;
	char ctx[300];

	snprintf(ctx, sizeof(ctx), "%s/%s/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity",
		 rq->base_url ? rq->base_url : "", rq->version);
	cJSON_AddStringToObject(o, "@odata.context", ctx);
	cJSON_AddStringToObject(o, "id", "00000000-0000-0000-0000-000000000005");
	cJSON_AddStringToObject(o, "displayName", "Security Defaults");
	cJSON_AddStringToObject(o, "description",
				"Security defaults is a set of basic identity security mechanisms recommended by Microsoft.");
	cJSON_AddBoolToObject(o, "isEnabled", false);
	cJSON_ArrayForEach(it, sd) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, it->string);
		cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, true));
	}
	rp->json = true;
	append_json(&rp->body, o);
	cJSON_Delete(o);
}

/* A user as a member: whole when the app may read users, else as Graph
 * serves an object the app may not read, id + @odata.type only. */
static void user_member_json(const struct emu_tenant *t, const struct emu_user *u, bool whole, struct buf *b)
{
	buf_puts(b, "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":");
	buf_json_str(b, emu_user_id(t, u));
	if (whole) {
		buf_puts(b, ",\"userPrincipalName\":");
		buf_json_str(b, emu_user_upn(t, u));
		buf_puts(b, ",\"displayName\":");
		buf_json_str(b, emu_user_name(t, u));
		buf_printf(b, ",\"userType\":\"%s\"", (u->flags & EMU_F_GUEST) ? "Guest" : "Member");
	}
	buf_putc(b, '}');
}

/* A fixture member: a string is a tenant user (id or UPN), an object is
 * served verbatim, or as id + @odata.type when the app may not read its type. */
static void member_json(const struct emu_app *app, const cJSON *m, struct buf *b)
{
	const struct emu_tenant *t = &app->tenant;
	const bool users_ok = app->cfg->perms & PERM_USERS, groups_ok = app->cfg->perms & PERM_GROUPS;
	const cJSON *type, *id;
	long idx;

	if (!cJSON_IsString(m)) {
		type = cJSON_GetObjectItemCaseSensitive(m, "@odata.type");
		id = cJSON_GetObjectItemCaseSensitive(m, "id");
		if (cJSON_IsString(type) &&
		    ((!users_ok && strcasecmp(type->valuestring, "#microsoft.graph.user") == 0) ||
		     (!groups_ok && strcasecmp(type->valuestring, "#microsoft.graph.group") == 0))) {
			buf_puts(b, "{\"@odata.type\":");
			buf_json_str(b, type->valuestring);
			buf_puts(b, ",\"id\":");
			if (id)
				append_json(b, id);
			else
				buf_puts(b, "null");
			buf_putc(b, '}');
			return;
		}
		append_json(b, m);
		return;
	}
	idx = emu_tenant_find(t, m->valuestring);
	if (idx < 0) {
		buf_puts(b, "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":");
		buf_json_str(b, m->valuestring);
		buf_putc(b, '}');
		return;
	}
	user_member_json(t, &t->users[idx], users_ok, b);
}

/* Global Administrator: served from the generated admins when the fixture has no roles. */
#define GLOBAL_ADMIN_TEMPLATE "62e90394-69f5-4237-9190-012177145e10"

static const cJSON *fixture_find(const struct emu_app *app, const char *list, const char *key,
				 const char *alt_key, const char *value)
{
	const cJSON *arr = app->fixture ? cJSON_GetObjectItemCaseSensitive(app->fixture, list) : NULL;
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, key);
		const cJSON *b = alt_key ? cJSON_GetObjectItemCaseSensitive(it, alt_key) : NULL;
		if ((cJSON_IsString(a) && strcasecmp(a->valuestring, value) == 0) ||
		    (cJSON_IsString(b) && strcasecmp(b->valuestring, value) == 0))
			return it;
	}
	return NULL;
}

/* GET groups/{id}/transitiveMembers (or members) and directory role
 * members: the fixture's list (or the tenant's admins for Global
 * Administrator), paged by $top or --member-page-size. */
static void members(struct emu_app *app, const struct emu_request *rq, const char *list,
		    const char *key, bool by_template, struct emu_reply *rp)
{
	const struct emu_tenant *t = &app->tenant;
	const bool roles = strcmp(list, "directoryRoles") == 0;
	const bool users_ok = app->cfg->perms & PERM_USERS;
	const cJSON *obj, *arr = NULL, *m;
	bool first = true;
	struct buf *b = &rp->body;
	struct page_pos pos;
	uint32_t limit, i;
	unsigned long items = 0;
	long top, shown = 0;

	obj = fixture_find(app, list, by_template ? "roleTemplateId" : "id", by_template ? NULL : "roleTemplateId", key);
	if (!obj && !(roles && (!app->fixture || !cJSON_GetObjectItemCaseSensitive(app->fixture, "directoryRoles")) &&
		      strcasecmp(key, GLOBAL_ADMIN_TEMPLATE) == 0)) {
		emu_reply_error(rp, 404, "Request_ResourceNotFound",
				"Resource '%.100s' does not exist or one of its queried reference-property "
				"objects are not present.", key);
		return;
	}
	if (obj) {
		int n;
		arr = cJSON_GetObjectItemCaseSensitive(obj, "members");
		n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
		limit = (uint32_t)(n > 0 ? n : 0);
		items = limit;
	} else {
		limit = t->count;
		for (i = 0; app->cfg->empty_pages && i < t->count; i++)
			if (t->users[i].flags & EMU_F_ADMIN)
				items++;
	}
	if (page_size(rq, (long)app->cfg->member_page_size, rp, &top) < 0 ||
	    page_start(app, rq, limit, &pos, rp) < 0)
		return;
	rp->json = true;
	buf_printf(b, "{\"@odata.context\":\"%s/%s/$metadata#directoryObjects\"",
		   rq->base_url ? rq->base_url : "", rq->version);
	if (empty_page(app, rq, &pos, items, top, b))
		return;
	buf_puts(b, ",\"value\":[");
	m = obj && pos.offset < limit ? cJSON_GetArrayItem(arr, (int)pos.offset) : NULL;
	for (i = pos.offset; i < limit && shown < top; i++) {
		if (!obj && !(t->users[i].flags & EMU_F_ADMIN))
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		if (obj) {
			member_json(app, m, b);
			m = m->next;
		} else {
			user_member_json(t, &t->users[i], users_ok, b);
		}
		shown++;
	}
	page_end(app, rq, &pos, i, limit, b);
}

static void directory_roles(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	const cJSON *arr = app->fixture ? cJSON_GetObjectItemCaseSensitive(app->fixture, "directoryRoles") : NULL;
	const cJSON *it;
	bool first = true;

	rp->json = true;
	buf_printf(&rp->body, "{\"@odata.context\":\"%s/%s/$metadata#directoryRoles\",\"value\":[",
		   rq->base_url ? rq->base_url : "", rq->version);
	if (!arr) {
		buf_puts(&rp->body, "{\"id\":\"" GLOBAL_ADMIN_TEMPLATE "\",\"displayName\":\"Global Administrator\","
			 "\"roleTemplateId\":\"" GLOBAL_ADMIN_TEMPLATE "\"}");
	}
	cJSON_ArrayForEach(it, arr) {
		cJSON *copy = cJSON_Duplicate(it, true);
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "members");
		if (!first)
			buf_putc(&rp->body, ',');
		first = false;
		append_json(&rp->body, copy);
		cJSON_Delete(copy);
	}
	buf_puts(&rp->body, "]}");
}

/* ---- routing ---- */

#define MAX_SEGS 8

static unsigned split_path(char *path, char **segs)
{
	unsigned n = 0;
	char *p = path;

	while (*p && n < MAX_SEGS) {
		char *slash;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		segs[n++] = p;
		slash = strchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
		p = slash + 1;
	}
	return n;
}

static bool is(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

enum route_kind {
	R_NONE, R_USERS, R_USERS_COUNT, R_USER, R_REQ_GET, R_REQ_PATCH, R_REGISTRATION, R_BATCH,
	R_CA, R_SECDEF, R_GROUP_MEMBERS, R_ROLES, R_ROLE_MEMBERS, R_ROLE_TEMPLATE_MEMBERS,
	R_BAD_METHOD, R_V1_REQUIREMENTS, R_SENDMAIL,
	R_MAILBOX_SETTINGS, R_MAILBOX_PURPOSE, /* issue 14 (accounts.c) */
	R_SKUS, R_METHODS_POLICY, R_RECOMMENDATIONS, R_IMPACTED, /* posture.h */
	R_WHATIF,
	R_SIGNINS, /* issue 15 (signins.c) */
};

struct route {
	enum route_kind kind;
	const char *name;   /* stats key */
	unsigned perms;     /* any of these */
	enum emu_scope scope;
	int cost;           /* resource units before $select */
	bool write;
	const char *key;    /* user / group / role key from the path */
};

static void route_match(const struct emu_request *rq, char **s, unsigned n, struct route *r)
{
	bool get = strcmp(rq->method, "GET") == 0, patch = strcmp(rq->method, "PATCH") == 0;
	bool post = strcmp(rq->method, "POST") == 0;

	memset(r, 0, sizeof(*r));
	r->name = "unknown";
	r->scope = EMU_SCOPE_IDENTITY;
	r->cost = 1;
	if (n == 1 && is(s[0], "users")) {
		r->kind = get ? R_USERS : R_BAD_METHOD;
		r->name = "users";
		r->perms = PERM_USERS;
		r->cost = 2;
	} else if (n == 2 && is(s[0], "users") && strcmp(s[1], "$count") == 0) {
		r->kind = get ? R_USERS_COUNT : R_BAD_METHOD;
		r->name = "users.count";
		r->perms = PERM_USERS;
	} else if (n == 2 && is(s[0], "users")) {
		r->kind = get ? R_USER : R_BAD_METHOD;
		r->name = "user";
		r->perms = PERM_USERS;
		r->key = s[1];
	} else if (n == 3 && is(s[0], "users") && is(s[2], "sendMail")) {
		/* an Outlook API: Exchange's own limits (mail.c), not identity RUs */
		r->kind = post ? R_SENDMAIL : R_BAD_METHOD;
		r->name = "sendMail";
		r->perms = EMU_PERM_MAIL_SEND;
		r->scope = EMU_SCOPE_NONE;
		r->key = s[1];
	} else if ((n == 3 || (n == 4 && is(s[3], "userPurpose"))) && is(s[0], "users") &&
		   is(s[2], "mailboxSettings")) {
		/* issue 14: an Outlook API (Exchange's limits, not identity RUs) */
		r->kind = !get ? R_BAD_METHOD : n == 3 ? R_MAILBOX_SETTINGS : R_MAILBOX_PURPOSE;
		r->name = "mailboxSettings";
		r->perms = EMU_PERM_MAILBOX_SETTINGS_READ;
		r->scope = EMU_SCOPE_NONE;
		r->key = s[1];
	} else if (n == 4 && is(s[0], "users") && is(s[2], "authentication") && is(s[3], "requirements")) {
		r->key = s[1];
		if (strcmp(rq->version, "beta") != 0) {
			r->kind = R_V1_REQUIREMENTS;
			r->name = "requirements.v1";
			r->perms = ~0u;
		} else if (get) {
			r->kind = R_REQ_GET;
			r->name = "requirements.get";
			r->perms = PERM_REQ_READ;
		} else if (patch) {
			r->kind = R_REQ_PATCH;
			r->name = "requirements.patch";
			r->perms = EMU_PERM_POLICY_RW_AUTHMETHOD;
			r->write = true;
		} else {
			r->kind = R_BAD_METHOD;
		}
	} else if (n == 3 && is(s[0], "reports") && is(s[1], "authenticationMethods") &&
		   is(s[2], "userRegistrationDetails")) {
		r->kind = get ? R_REGISTRATION : R_BAD_METHOD;
		r->name = "registrationDetails";
		r->perms = PERM_REGISTRATION;
		r->scope = EMU_SCOPE_REPORTS;
	} else if (n == 2 && is(s[0], "auditLogs") && is(s[1], "signIns")) {
		r->kind = get ? R_SIGNINS : R_BAD_METHOD; /* issue 15 (signins.c) */
		r->name = "signIns";
		r->perms = PERM_REGISTRATION;
		r->scope = EMU_SCOPE_REPORTS;
	} else if (n == 1 && strcmp(s[0], "$batch") == 0) {
		r->kind = post ? R_BATCH : R_BAD_METHOD;
		r->name = "batch";
		r->perms = ~0u;
		r->scope = EMU_SCOPE_NONE;
		r->cost = 0;
	} else if (n == 3 && is(s[0], "identity") && is(s[1], "conditionalAccess") && is(s[2], "policies")) {
		r->kind = get ? R_CA : R_BAD_METHOD;
		r->name = "conditionalAccessPolicies";
		r->perms = PERM_POLICY_READ;
		r->scope = EMU_SCOPE_CA;
	} else if (n == 3 && is(s[0], "identity") && is(s[1], "conditionalAccess") && is(s[2], "evaluate")) {
		/* What If (whatif.h): the Conditional Access scope, 1 request a second */
		r->kind = post ? R_WHATIF : R_BAD_METHOD;
		r->name = "conditionalAccessEvaluate";
		r->perms = EMU_PERM_POLICY_READ_CA | EMU_PERM_POLICY_READ_ALL;
		r->scope = EMU_SCOPE_CA;
	} else if (n == 2 && is(s[0], "policies") && is(s[1], "identitySecurityDefaultsEnforcementPolicy")) {
		r->kind = get ? R_SECDEF : R_BAD_METHOD;
		r->name = "securityDefaults";
		r->perms = PERM_POLICY_READ;
	} else if (n == 3 && is(s[0], "groups") && (is(s[2], "transitiveMembers") || is(s[2], "members"))) {
		r->kind = get ? R_GROUP_MEMBERS : R_BAD_METHOD;
		r->name = "groupMembers";
		r->perms = PERM_GROUPS;
		r->key = s[1];
		r->cost = is(s[2], "transitiveMembers") ? 5 : 3; /* Graph's documented costs */
	} else if (n == 1 && is(s[0], "directoryRoles")) {
		r->kind = get ? R_ROLES : R_BAD_METHOD;
		r->name = "directoryRoles";
		r->perms = PERM_ROLES;
	} else if (n == 2 && strncasecmp(s[0], "directoryRoles(roleTemplateId=", 30) == 0 &&
		   is(s[1], "members")) {
		/* Graph's alternate key: directoryRoles(roleTemplateId='...') */
		char *k = s[0] + 30, *end;

		if (*k == '\'')
			k++;
		end = strpbrk(k, "')");
		if (end)
			*end = '\0';
		r->name = "roleMembers";
		r->perms = PERM_ROLES;
		r->kind = get ? R_ROLE_TEMPLATE_MEMBERS : R_BAD_METHOD;
		r->key = k;
	} else if (n == 1 && is(s[0], "subscribedSkus")) {
		/* posture.h: licences, methods policy, the recommendation */
		r->kind = get ? R_SKUS : R_BAD_METHOD;
		r->name = "subscribedSkus";
		r->perms = EMU_PERM_LICENSE_READ_ALL | PERM_DIR;
	} else if (n == 2 && is(s[0], "policies") && is(s[1], "authenticationMethodsPolicy")) {
		r->kind = get ? R_METHODS_POLICY : R_BAD_METHOD;
		r->name = "authenticationMethodsPolicy";
		r->perms = EMU_PERM_POLICY_READ_AUTHMETHOD | EMU_PERM_POLICY_RW_AUTHMETHOD |
			   EMU_PERM_POLICY_READ_ALL;
	} else if ((n == 2 || n == 4) && is(s[0], "directory") && is(s[1], "recommendations") &&
		   strcmp(rq->version, "beta") == 0 && (n == 2 || is(s[3], "impactedResources"))) {
		r->kind = !get ? R_BAD_METHOD : n == 2 ? R_RECOMMENDATIONS : R_IMPACTED;
		r->name = n == 2 ? "recommendations" : "impactedResources";
		r->perms = EMU_PERM_DIR_RECOMMENDATIONS;
		r->key = n == 4 ? s[2] : NULL;
	} else if (n == 3 && is(s[0], "directoryRoles") && is(s[2], "members")) {
		r->name = "roleMembers";
		r->perms = PERM_ROLES;
		if (strncasecmp(s[1], "roleTemplateId=", 15) == 0) {
			r->kind = get ? R_ROLE_TEMPLATE_MEMBERS : R_BAD_METHOD;
			r->key = s[1] + 15;
		} else {
			r->kind = get ? R_ROLE_MEMBERS : R_BAD_METHOD;
			r->key = s[1];
		}
	}
}

/* Graph's identity and access cost of a request whose route costs `base`:
 * $select lowers it by 1, $top under 20 by 1 (never below 1), $expand
 * raises it by 1. */
static int request_cost(const struct emu_request *rq, int base)
{
	const char *top = emu_request_query(rq, "$top");
	int cost = base;
	long n;

	if (emu_request_query(rq, "$select") && cost > 1)
		cost--;
	if (top && parse_long(top, &n) && n < 20 && cost > 1)
		cost--;
	if (emu_request_query(rq, "$expand"))
		cost++;
	return cost;
}

void emu_api_begin(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	emu_reply_ids(rp, rq->client_request_id);
	emu_stats_graph_request(&app->stats, rq->client_request_id && *rq->client_request_id);
}

void emu_api_handle(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp)
{
	char *path = strdup(rq->path ? rq->path : "");
	char *segs[MAX_SEGS];
	unsigned n;
	struct route r;
	int cost;

	if (!path)
		abort();
	n = split_path(path, segs);
	route_match(rq, segs, n, &r);
	rp->route = r.name;
	if (emu_auth_check(app->auth, rq->authorization, rp) < 0)
		goto cleanup;
	if (r.kind == R_NONE) {
		not_found_segment(rp, n ? segs[0] : rq->version);
		goto cleanup;
	}
	if (r.kind == R_BAD_METHOD) {
		emu_reply_error(rp, 405, "Request_BadRequest",
				"The HTTP method '%s' is not allowed for this resource.", rq->method);
		goto cleanup;
	}
	if (r.kind == R_V1_REQUIREMENTS) {
		not_found_segment(rp, "requirements");
		goto cleanup;
	}
	if (!(app->cfg->perms & r.perms)) {
		if (r.kind == R_SENDMAIL || r.kind == R_MAILBOX_SETTINGS || r.kind == R_MAILBOX_PURPOSE)
			/* Exchange answers, not the directory */
			emu_reply_error(rp, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
		else
			forbidden(rp);
		goto cleanup;
	}
	if (r.kind == R_SENDMAIL) {
		emu_mail_send(app->mail, &app->tenant, rq, r.key, rp);
		goto cleanup;
	}
	if (r.kind == R_BATCH) {
		if (rq->in_batch) {
			emu_reply_error(rp, 400, "BadRequest", "A $batch request cannot contain $batch.");
			goto cleanup;
		}
		emu_batch_handle(app, rq, rp);
		goto cleanup;
	}
	cost = request_cost(rq, r.cost);
	if (emu_throttle_charge(app->throttle, r.scope, cost, r.write, rp) < 0)
		goto cleanup;
	switch (r.kind) {
	case R_USERS: users_list(app, rq, rp); break;
	case R_USERS_COUNT: users_count(app, rq, rp); break;
	case R_USER: user_get(app, rq, r.key, rp); break;
	case R_REQ_GET: requirements_get(app, rq, r.key, rp); break;
	case R_REQ_PATCH: requirements_patch(app, rq, r.key, rp); break;
	case R_REGISTRATION: registration_list(app, rq, rp); break;
	case R_SIGNINS: emu_signins_list(app->signins, app, rq, rp); break;
	case R_CA: ca_policies(app, rq, rp); break;
	case R_WHATIF: emu_whatif_evaluate(app, rq, rp); break;
	case R_SECDEF: security_defaults(app, rq, rp); break;
	case R_GROUP_MEMBERS: members(app, rq, "groups", r.key, false, rp); break;
	case R_ROLES: directory_roles(app, rq, rp); break;
	case R_ROLE_MEMBERS: members(app, rq, "directoryRoles", r.key, false, rp); break;
	case R_ROLE_TEMPLATE_MEMBERS: members(app, rq, "directoryRoles", r.key, true, rp); break;
	case R_MAILBOX_SETTINGS: emu_accounts_mailbox_settings(app, rq, r.key, 0, rp); break;
	case R_MAILBOX_PURPOSE: emu_accounts_mailbox_settings(app, rq, r.key, 1, rp); break;
	case R_SKUS: emu_posture_skus(app, rq, rp); break;
	case R_METHODS_POLICY: emu_posture_methods(app, rq, rp); break;
	case R_RECOMMENDATIONS: emu_posture_recommendations(app, rq, rp); break;
	case R_IMPACTED: emu_posture_impacted(app, rq, r.key, rp); break;
	default: break;
	}
cleanup:
	free(path);
}
