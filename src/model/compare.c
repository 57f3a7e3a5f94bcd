/* compare.c - what changed since the previous run (mfa/compare.h).
 *
 * The baseline is laid out as mfa_regmap is (fixed-size entries, strings in
 * one arena, id and UPN tables holding entry numbers), but its tables are
 * built once, at their final size, after the whole file is read: on a
 * million users, growing them as rows come in costs more than the parse.
 */
#include "mfa/model/compare.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mfa/util/index.h"
#include "mfa/util/strarena.h"
#include "mfa/util/csvw.h"
#include "mfa/util/csvr.h"

/* A field longer than this is not part of a users.csv: almost surely a
 * quote that never closes, swallowing the rest of the file. */
#define MAX_FIELD (4u * 1024u * 1024u)

/* Bounded appends into a fixed buffer; what does not fit is cut off. */
struct text {
	char *buf;
	size_t size, used;
};

static void text_put(struct text *t, const char *s, size_t len)
{
	size_t room;

	if (t->used + 1 >= t->size)
		return;
	room = t->size - 1 - t->used;
	if (len > room)
		len = room;
	memcpy(t->buf + t->used, s, len);
	t->used += len;
	t->buf[t->used] = '\0';
}

static void text_str(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

/* An entry: strings are arena offsets plus one (0: none), the rest packed.
 * 32 bytes. */
struct bentry {
	uint32_t id, upn, name, other;
	uint32_t methods;
	uint32_t findings;
	uint8_t state, registered, admin;
	uint8_t coverage; /* COVERAGE_UNCHECKED when not checked */
	uint8_t seen;
	uint8_t dead;     /* replaced by a later row (only while loading) */
};

#define COVERAGE_UNCHECKED 0xFFu

struct mfa_baseline {
	struct bentry *e;
	size_t n, cap;
	struct mfa_strarena strings;
	/* by object id (entries that have one) and by UPN (every entry; a UPN
	 * shared by several entries finds the last) */
	struct mfa_index by_id, by_upn;
	char *path;
	unsigned long skipped;
};

static const char *str_at(const struct mfa_baseline *b, uint32_t off)
{
	return mfa_strarena_get(&b->strings, off);
}

static int arena_add(struct mfa_baseline *b, const char *s, uint32_t *off)
{
	return mfa_strarena_add(&b->strings, s, off);
}

static const char *id_of(const void *ctx, size_t i)
{
	const struct mfa_baseline *b = ctx;

	return str_at(b, b->e[i].id);
}

static const char *upn_of(const void *ctx, size_t i)
{
	const struct mfa_baseline *b = ctx;

	return str_at(b, b->e[i].upn);
}

/* Puts entry i into both tables (which have room). Returns the earlier
 * entry it replaces (same id; without id, same UPN and no id either),
 * whose slots it does not touch, or MFA_BASELINE_NONE. */
static size_t tables_insert(struct mfa_baseline *b, size_t i)
{
	const struct bentry *e = &b->e[i];
	const char *key;
	size_t j;

	if (e->id) {
		key = str_at(b, e->id);
		j = mfa_index_find(&b->by_id, key);
		if (j != MFA_INDEX_NONE)
			return j;
		mfa_index_set(&b->by_id, key, i);
	}
	key = str_at(b, e->upn);
	if (!key)
		return MFA_BASELINE_NONE;
	j = mfa_index_find(&b->by_upn, key);
	if (j != MFA_INDEX_NONE && !e->id && !b->e[j].id)
		return j;
	/* a UPN shared by several entries finds the last */
	mfa_index_set(&b->by_upn, key, i);
	return MFA_BASELINE_NONE;
}

/* Points the UPN table at entry i (its UPN may be new). */
static void upn_point(struct mfa_baseline *b, size_t i)
{
	const char *key = str_at(b, b->e[i].upn);

	if (key)
		mfa_index_set(&b->by_upn, key, i);
}

/* (Re)builds both tables for the entries there are, sized once so that
 * they are at most half full with room for `extra` more. A later entry
 * with an earlier one's key replaces it in place (the later row wins, at
 * the earlier row's position); the replaced copies are then dropped and
 * the tables built again. */
static int tables_build(struct mfa_baseline *b, size_t extra)
{
	size_t i, j, kept;
	bool dropped = false;

	if (b->n > SIZE_MAX / 2 - extra)
		return -1;
	mfa_index_clear(&b->by_id);
	mfa_index_clear(&b->by_upn);
	if (mfa_index_reserve(&b->by_id, b->n + extra) < 0 ||
	    mfa_index_reserve(&b->by_upn, b->n + extra) < 0)
		return -1;
	for (i = 0; i < b->n; i++) {
		j = tables_insert(b, i);
		if (j == MFA_BASELINE_NONE)
			continue;
		b->e[j] = b->e[i];
		b->e[i].dead = 1;
		dropped = true;
	}
	if (!dropped)
		return 0;
	/* the replaced entries may have left stale UPN slots: start over */
	for (i = 0, kept = 0; i < b->n; i++) {
		if (!b->e[i].dead)
			b->e[kept++] = b->e[i];
	}
	b->n = kept;
	return tables_build(b, extra);
}

/* Appends an entry without touching the tables (loading: the tables are
 * built once at the end). */
static int entry_append(struct mfa_baseline *b, const struct mfa_baseline_entry *in)
{
	struct bentry e;

	if (!(in->id && *in->id) && !(in->upn && *in->upn))
		return -1;
	if (b->n >= UINT32_MAX - 1)
		return -1;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct bentry *p;

		if (cap > SIZE_MAX / sizeof(*p))
			return -1;
		p = realloc(b->e, cap * sizeof(*p));
		if (!p)
			return -1;
		b->e = p;
		b->cap = cap;
	}
	memset(&e, 0, sizeof(e));
	if (arena_add(b, in->id, &e.id) < 0 || arena_add(b, in->upn, &e.upn) < 0 ||
	    arena_add(b, in->display_name, &e.name) < 0 ||
	    arena_add(b, in->other_methods, &e.other) < 0)
		return -1;
	e.methods = in->methods;
	e.findings = in->findings & ((1u << MFA_FINDING__COUNT) - 1u);
	e.state = (uint8_t)((unsigned)in->state < MFA_STATE__COUNT ? in->state : MFA_STATE_UNKNOWN);
	e.registered = (uint8_t)in->registered;
	e.admin = (uint8_t)in->is_admin;
	if (!in->coverage_checked)
		e.coverage = COVERAGE_UNCHECKED;
	else
		e.coverage = (uint8_t)((unsigned)in->coverage < MFA_COVERAGE__COUNT
				       ? in->coverage : MFA_COVERAGE_UNKNOWN);
	b->e[b->n++] = e;
	return 0;
}

/* ---- the baseline ---- */

struct mfa_baseline *mfa_baseline_new(void)
{
	struct mfa_baseline *b = calloc(1, sizeof(struct mfa_baseline));

	if (b) {
		mfa_index_init(&b->by_id, id_of, b);
		mfa_index_init(&b->by_upn, upn_of, b);
	}
	return b;
}

void mfa_baseline_free(struct mfa_baseline *b)
{
	if (!b)
		return;
	free(b->e);
	mfa_strarena_release(&b->strings);
	mfa_index_release(&b->by_id);
	mfa_index_release(&b->by_upn);
	free(b->path);
	free(b);
}

int mfa_baseline_add(struct mfa_baseline *b, const struct mfa_baseline_entry *e, size_t *index)
{
	size_t i, j;

	if (!b || !e)
		return -1;
	if ((b->by_id.cap / 2 < b->by_id.used + 1 || b->by_upn.cap / 2 < b->by_upn.used + 1) &&
	    tables_build(b, b->n + 1) < 0)
		return -1;
	if (entry_append(b, e) < 0)
		return -1;
	i = b->n - 1;
	j = tables_insert(b, i);
	if (j != MFA_BASELINE_NONE) {
		uint8_t seen = b->e[j].seen;

		/* The later row wins, in the earlier one's place. A changed UPN
		 * leaves the old one's slot pointing at j, where it no longer
		 * matches. */
		b->e[j] = b->e[i];
		b->e[j].seen = seen;
		b->n--;
		upn_point(b, j);
		i = j;
	}
	if (index)
		*index = i;
	return j != MFA_BASELINE_NONE;
}

const char *mfa_baseline_path(const struct mfa_baseline *b)
{
	return b && b->path ? b->path : "";
}

size_t mfa_baseline_count(const struct mfa_baseline *b)
{
	return b ? b->n : 0;
}

unsigned long mfa_baseline_skipped(const struct mfa_baseline *b)
{
	return b ? b->skipped : 0;
}

void mfa_baseline_get(const struct mfa_baseline *b, size_t i, struct mfa_baseline_entry *out)
{
	const struct bentry *e = &b->e[i];

	out->id = str_at(b, e->id);
	out->upn = str_at(b, e->upn);
	out->display_name = str_at(b, e->name);
	out->state = (enum mfa_state)e->state;
	out->registered = (enum mfa_tri)e->registered;
	out->methods = e->methods;
	out->other_methods = str_at(b, e->other);
	out->is_admin = (enum mfa_tri)e->admin;
	out->findings = e->findings;
	out->coverage_checked = e->coverage != COVERAGE_UNCHECKED;
	out->coverage = out->coverage_checked ? (enum mfa_coverage_verdict)e->coverage
					      : MFA_COVERAGE_UNKNOWN;
	out->seen = e->seen != 0;
}

size_t mfa_baseline_find(const struct mfa_baseline *b, const struct mfa_user *u)
{
	bool has_id = u->id && *u->id;
	size_t i;

	if (!b)
		return MFA_BASELINE_NONE;
	if (has_id) {
		i = mfa_index_find(&b->by_id, u->id);
		if (i != MFA_BASELINE_NONE)
			return i;
	}
	i = mfa_index_find(&b->by_upn, u->upn);
	/* Both sides have an object id and they differ: the UPN was reused by
	 * another account (deleted and recreated), so not the same user. */
	if (i != MFA_BASELINE_NONE && has_id && b->e[i].id)
		return MFA_BASELINE_NONE;
	return i;
}

void mfa_baseline_mark(struct mfa_baseline *b, size_t i)
{
	if (b && i < b->n)
		b->e[i].seen = 1;
}

size_t mfa_baseline_next_unseen(const struct mfa_baseline *b, size_t from)
{
	size_t i;

	for (i = from; b && i < b->n; i++) {
		if (!b->e[i].seen)
			return i;
	}
	return MFA_BASELINE_NONE;
}

size_t mfa_baseline_memory(const struct mfa_baseline *b)
{
	if (!b)
		return 0;
	return sizeof(*b) + b->cap * sizeof(struct bentry) + b->strings.cap +
	       mfa_index_memory(&b->by_id) + mfa_index_memory(&b->by_upn);
}

/* ---- loading users.csv ---- */

enum bcol {
	BCOL_ID = 0,
	BCOL_UPN,
	BCOL_STATE,
	BCOL_FINDINGS,
	/* the required ones above, the optional ones below */
	BCOL_DISPLAY_NAME,
	BCOL_REGISTERED,
	BCOL_METHODS,
	BCOL_ADMIN,
	BCOL_COVERAGE,
	BCOL__COUNT
};

#define BCOL_REQUIRED 4

static const char *const bcol_names[BCOL__COUNT] = {
	[BCOL_ID] = "id",
	[BCOL_UPN] = "userPrincipalName",
	[BCOL_STATE] = "perUserMfaState",
	[BCOL_FINDINGS] = "findings",
	[BCOL_DISPLAY_NAME] = "displayName",
	[BCOL_REGISTERED] = "isMfaRegistered",
	[BCOL_METHODS] = "methodsRegistered",
	[BCOL_ADMIN] = "isAdmin",
	[BCOL_COVERAGE] = "caCoverage",
};

struct loader {
	const char *path;
	struct mfa_baseline *b;
	struct mfa_err *err;
	bool header_done;
	unsigned long row_no;       /* data records read, header excluded */
	char *cell[BCOL__COUNT];    /* data row: each wanted field, NULL if absent */
	int *colmap;                /* field number -> enum bcol, -1 for not wanted */
	size_t ncols;               /* fields in the header */
	char *other;                /* unknown method names of the row, ';'-joined */
	size_t other_cap;
};

static int loader_nomem(struct loader *ld)
{
	return mfa_err_set(ld->err, "cannot read '%s': out of memory", ld->path);
}

/* Field text of column c in the current data row ("" when absent),
 * formula neutralisation undone. */
static const char *field(const struct loader *ld, enum bcol c)
{
	if (!ld->cell[c])
		return "";
	return mfa_csv_unneutralise(ld->cell[c]);
}

/* Takes the header row, or returns 0 with header_done still false for a
 * blank line before it. */
static int header_done(struct loader *ld, const struct mfa_csvr_record *rec)
{
	bool blank = true;
	bool found[BCOL__COUNT] = { false };
	char missing_buf[256];
	struct text missing = { missing_buf, sizeof(missing_buf), 0 };
	int nmissing = 0;
	size_t i;
	int c;

	for (i = 0; i < rec->n && blank; i++)
		blank = rec->cells[i][0] == '\0';
	if (blank)
		return 0; /* a blank line before the header: keep looking */
	missing_buf[0] = '\0';
	if (rec->n > SIZE_MAX / sizeof(*ld->colmap))
		return loader_nomem(ld);
	ld->colmap = malloc((rec->n ? rec->n : 1) * sizeof(*ld->colmap));
	if (!ld->colmap)
		return loader_nomem(ld);
	ld->ncols = rec->n;
	for (i = 0; i < rec->n; i++) {
		const char *name = rec->cells[i];

		ld->colmap[i] = -1;
		for (c = 0; c < BCOL__COUNT; c++) {
			/* the first of duplicate columns wins */
			if (!found[c] && strcasecmp(name, bcol_names[c]) == 0) {
				ld->colmap[i] = c;
				found[c] = true;
				break;
			}
		}
	}
	for (c = 0; c < BCOL_REQUIRED; c++) {
		if (found[c])
			continue;
		text_str(&missing, nmissing++ ? ", " : "");
		text_str(&missing, bcol_names[c]);
	}
	if (nmissing)
		return mfa_err_set(ld->err,
				   "'%s' is not a users.csv written by mfa-migrate (missing column%s: %s); --compare takes a previous run's output folder or its users.csv",
				   ld->path, nmissing > 1 ? "s" : "", missing_buf);
	ld->header_done = true;
	return 0;
}

static enum mfa_tri tri_parse(const char *s)
{
	if (strcasecmp(s, "true") == 0)
		return MFA_TRI_YES;
	if (strcasecmp(s, "false") == 0)
		return MFA_TRI_NO;
	return MFA_TRI_UNKNOWN;
}

/* Next ';'-separated token of *p, spaces trimmed, NUL-terminated in place;
 * NULL when none is left. */
static char *next_token(char **p)
{
	char *s = *p, *end;

	while (*s == ' ' || *s == ';')
		s++;
	if (!*s)
		return NULL;
	end = strchr(s, ';');
	*p = end ? end + 1 : s + strlen(s);
	if (!end)
		end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		end--;
	*end = '\0';
	return s;
}

static int other_append(struct loader *ld, size_t *used, const char *name)
{
	size_t len = strlen(name);

	if (len > SIZE_MAX - 2 - *used)
		return loader_nomem(ld);
	if (*used + len + 2 > ld->other_cap) {
		size_t cap = ld->other_cap ? ld->other_cap : 128;
		char *p;

		while (cap < *used + len + 2)
			cap *= 2;
		p = realloc(ld->other, cap);
		if (!p)
			return loader_nomem(ld);
		ld->other = p;
		ld->other_cap = cap;
	}
	if (*used)
		ld->other[(*used)++] = ';';
	memcpy(ld->other + *used, name, len + 1);
	*used += len;
	return 0;
}

static int data_row(struct loader *ld, const struct mfa_csvr_record *rec)
{
	struct mfa_baseline_entry e;
	char *p, *tok;
	size_t other_used = 0, i;

	memset(ld->cell, 0, sizeof(ld->cell));
	for (i = 0; i < rec->n && i < ld->ncols; i++) {
		if (ld->colmap[i] >= 0)
			ld->cell[ld->colmap[i]] = rec->cells[i];
	}
	memset(&e, 0, sizeof(e));
	e.id = field(ld, BCOL_ID);
	e.upn = field(ld, BCOL_UPN);
	if (!*e.id && !*e.upn) {
		ld->b->skipped++;
		return 0;
	}
	e.display_name = field(ld, BCOL_DISPLAY_NAME);
	e.state = mfa_state_parse(field(ld, BCOL_STATE));
	e.registered = tri_parse(field(ld, BCOL_REGISTERED));
	e.is_admin = tri_parse(field(ld, BCOL_ADMIN));
	/* The split below writes into the record buffer: these fields are not
	 * read again for this row. */
	if (ld->cell[BCOL_METHODS]) {
		p = ld->cell[BCOL_METHODS];
		while ((tok = next_token(&p)) != NULL) {
			int m = mfa_method_parse(tok);

			if (m >= 0)
				e.methods |= 1u << m;
			else if (other_append(ld, &other_used, tok) < 0)
				return -1;
		}
	}
	e.other_methods = other_used ? ld->other : NULL;
	if (ld->cell[BCOL_FINDINGS]) {
		p = ld->cell[BCOL_FINDINGS];
		while ((tok = next_token(&p)) != NULL) {
			int f = mfa_finding_parse(tok);

			/* a finding a newer mfa-migrate knows: not ours to compare */
			if (f >= 0)
				e.findings |= 1u << f;
		}
	}
	if (ld->cell[BCOL_COVERAGE]) {
		p = ld->cell[BCOL_COVERAGE];
		p[strcspn(p, ":")] = '\0';
		while (*p == ' ')
			p++;
		if (*p) {
			int c = mfa_coverage_parse(p);

			e.coverage_checked = true;
			e.coverage = c >= 0 ? (enum mfa_coverage_verdict)c : MFA_COVERAGE_UNKNOWN;
		}
	}
	if (entry_append(ld->b, &e) < 0)
		return loader_nomem(ld);
	return 0;
}

/* The file to read for path: path itself, or inside a folder users.csv
 * (users.csv.gz when there is no users.csv). Returns a new string. */
static char *resolve_path(const char *path, struct mfa_err *err)
{
	static const char *const names[] = { "users.csv", "users.csv.gz" };
	struct stat st;
	size_t i, n;
	char *p;

	if (stat(path, &st) < 0) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		p = strdup(path);
		if (!p)
			mfa_err_set(err, "out of memory");
		return p;
	}
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = n + 1 + strlen(names[i]) + 1;

		p = malloc(len);
		if (!p) {
			mfa_err_set(err, "out of memory");
			return NULL;
		}
		snprintf(p, len, "%.*s/%s", (int)n, path, names[i]);
		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	mfa_err_set(err, "'%s' holds no users.csv (nor users.csv.gz): --compare takes a previous run's output folder or its users.csv",
		    path);
	return NULL;
}

int mfa_baseline_load(struct mfa_baseline **out, const char *path, struct mfa_err *err)
{
	struct mfa_baseline *b = NULL;
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	struct loader ld;
	int rc = -1, got;

	*out = NULL;
	memset(&ld, 0, sizeof(ld));
	b = mfa_baseline_new();
	if (!b) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	b->path = resolve_path(path, err);
	if (!b->path)
		goto cleanup;
	ld.path = b->path;
	ld.b = b;
	ld.err = err;
	if (mfa_csvr_open(&r, b->path, MAX_FIELD, err) < 0)
		goto cleanup;
	while ((got = mfa_csvr_next(r, &rec, err)) > 0) {
		if (rec.unterminated) {
			mfa_err_set(err, "'%s': row %lu: the file ends inside a quoted field (cut short?)",
				    b->path, ld.row_no + 1);
			goto cleanup;
		}
		if (!ld.header_done) {
			if (header_done(&ld, &rec) < 0)
				goto cleanup;
			continue;
		}
		ld.row_no++;
		if (data_row(&ld, &rec) < 0)
			goto cleanup;
	}
	if (got == MFA_CSVR_TOO_LONG) {
		mfa_err_set(err, "'%s': row %lu: field longer than %u MiB (a quoted field that never ends?)",
			    b->path, ld.row_no + 1, MAX_FIELD / (1024u * 1024u));
		goto cleanup;
	}
	if (got < 0)
		goto cleanup;
	if (!ld.header_done) {
		mfa_err_set(err, "'%s': no header row (the file is empty)", b->path);
		goto cleanup;
	}
	if (tables_build(b, 0) < 0) {
		mfa_err_set(err, "cannot read '%s': out of memory", b->path);
		goto cleanup;
	}
	*out = b;
	b = NULL;
	rc = 0;
cleanup:
	mfa_csvr_free(r);
	free(ld.colmap);
	free(ld.other);
	mfa_baseline_free(b);
	return rc;
}

/* ---- change kinds ---- */

static const char *const kind_names[MFA_CHANGE__COUNT] = {
	[MFA_CHANGE_ADDED] = "added",
	[MFA_CHANGE_REMOVED] = "removed",
	[MFA_CHANGE_STATE_CHANGED] = "state-changed",
	[MFA_CHANGE_STATE_AWAY_FROM_DISABLED] = "state-away-from-disabled",
	[MFA_CHANGE_REGISTRATION_CHANGED] = "registration-changed",
	[MFA_CHANGE_ADMIN_CHANGED] = "admin-changed",
	[MFA_CHANGE_FINDING_APPEARED] = "finding-appeared",
	[MFA_CHANGE_FINDING_CLEARED] = "finding-cleared",
	[MFA_CHANGE_COVERAGE_CHANGED] = "coverage-changed",
};

const char *mfa_change_kind_name(enum mfa_change_kind k)
{
	return (unsigned)k < MFA_CHANGE__COUNT ? kind_names[k] : NULL;
}

int mfa_change_kind_parse(const char *name)
{
	int i;

	for (i = 0; name && i < MFA_CHANGE__COUNT; i++) {
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	}
	return -1;
}

/* ---- comparing ---- */

#define BIT(k) (1u << (k))
#define FINDINGS_ALL ((1u << MFA_FINDING__COUNT) - 1u)

/* The next name of a ';'-separated list at *p (spaces around it dropped):
 * its start, with *len set; NULL at the end. Advances *p. */
static const char *next_name(const char **p, size_t *len)
{
	const char *s = *p, *end;

	if (!s || !*s)
		return NULL;
	end = strchr(s, ';');
	if (!end)
		end = s + strlen(s);
	*p = *end ? end + 1 : end;
	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	*len = (size_t)(end - s);
	return s;
}

/* Is name (len bytes) one of the names of list (any case)? */
static bool name_in_list(const char *name, size_t len, const char *list)
{
	const char *p = list, *n;
	size_t nl;

	while ((n = next_name(&p, &nl)) != NULL) {
		if (nl == len && strncasecmp(n, name, len) == 0)
			return true;
	}
	return false;
}

/* Calls fn for each name of a that b lacks. */
static void names_missing(const char *a, const char *b,
			  void (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
	const char *p = a, *n;
	size_t nl;

	while ((n = next_name(&p, &nl)) != NULL) {
		if (nl && !name_in_list(n, nl, b))
			fn(ctx, n, nl);
	}
}

static void flag_found(void *ctx, const char *name, size_t len)
{
	(void)name;
	(void)len;
	*(bool *)ctx = true;
}

/* Same set of unknown method names, whatever their order and case. */
static bool same_names(const char *a, const char *b)
{
	bool differ = false;

	names_missing(a, b, flag_found, &differ);
	names_missing(b, a, flag_found, &differ);
	return !differ;
}

static bool reg_known(enum mfa_tri registered, uint32_t methods, const char *other)
{
	return registered != MFA_TRI_UNKNOWN || methods != 0 || (other && *other);
}

/* Strength of a coverage verdict, for "weaker" / "stronger"; unknown is
 * handled apart. */
static int coverage_rank(enum mfa_coverage_verdict v)
{
	switch (v) {
	case MFA_COVERAGE_COVERED: return 5;
	case MFA_COVERAGE_SECURITY_DEFAULTS: return 4;
	case MFA_COVERAGE_PARTIAL: return 3;
	case MFA_COVERAGE_REPORT_ONLY: return 2;
	case MFA_COVERAGE_NOT_COVERED: return 0;
	default: return -1;
	}
}

enum mfa_severity mfa_change_severity(const struct mfa_change_set *cs, enum mfa_change_kind kind,
				      enum mfa_finding finding)
{
	if ((unsigned)kind >= MFA_CHANGE__COUNT || !(cs->kinds & BIT(kind)))
		return MFA_SEV_NONE;
	switch (kind) {
	case MFA_CHANGE_ADDED:
	case MFA_CHANGE_REMOVED:
		return MFA_SEV_INFO;
	case MFA_CHANGE_STATE_AWAY_FROM_DISABLED:
		return MFA_SEV_HIGH;
	case MFA_CHANGE_STATE_CHANGED:
		if (cs->kinds & BIT(MFA_CHANGE_STATE_AWAY_FROM_DISABLED))
			return MFA_SEV_HIGH;
		if (cs->cur_state == MFA_STATE_DISABLED)
			return MFA_SEV_INFO;
		if (cs->cur_state == MFA_STATE_UNKNOWN)
			return MFA_SEV_MEDIUM;
		return MFA_SEV_LOW;
	case MFA_CHANGE_REGISTRATION_CHANGED:
		return cs->prev_registered == MFA_TRI_YES && cs->cur_registered == MFA_TRI_NO
		       ? MFA_SEV_MEDIUM : MFA_SEV_LOW;
	case MFA_CHANGE_ADMIN_CHANGED:
		return cs->cur_admin == MFA_TRI_YES ? MFA_SEV_MEDIUM : MFA_SEV_INFO;
	case MFA_CHANGE_FINDING_APPEARED:
		if ((unsigned)finding >= MFA_FINDING__COUNT || !(cs->findings_appeared & BIT(finding)))
			return MFA_SEV_NONE;
		return mfa_finding_severity(finding);
	case MFA_CHANGE_FINDING_CLEARED:
		if ((unsigned)finding >= MFA_FINDING__COUNT || !(cs->findings_cleared & BIT(finding)))
			return MFA_SEV_NONE;
		return MFA_SEV_INFO;
	case MFA_CHANGE_COVERAGE_CHANGED:
		if (cs->cur_coverage == MFA_COVERAGE_NOT_COVERED)
			return MFA_SEV_HIGH;
		if (cs->cur_coverage == MFA_COVERAGE_UNKNOWN ||
		    (cs->prev_coverage != MFA_COVERAGE_UNKNOWN &&
		     coverage_rank(cs->cur_coverage) < coverage_rank(cs->prev_coverage)))
			return MFA_SEV_MEDIUM;
		return MFA_SEV_INFO;
	default:
		return MFA_SEV_NONE;
	}
}

/* The highest severity among the set's changes. */
static enum mfa_severity set_severity(const struct mfa_change_set *cs)
{
	enum mfa_severity max = MFA_SEV_NONE, s;
	int k, f;

	for (k = 0; k < MFA_CHANGE__COUNT; k++) {
		if (k == MFA_CHANGE_FINDING_APPEARED || k == MFA_CHANGE_FINDING_CLEARED) {
			for (f = 0; f < MFA_FINDING__COUNT; f++) {
				s = mfa_change_severity(cs, (enum mfa_change_kind)k, (enum mfa_finding)f);
				if (s > max)
					max = s;
			}
			continue;
		}
		s = mfa_change_severity(cs, (enum mfa_change_kind)k, (enum mfa_finding)0);
		if (s > max)
			max = s;
	}
	return max;
}

static void set_init(struct mfa_change_set *out)
{
	memset(out, 0, sizeof(*out));
	out->index = MFA_BASELINE_NONE;
	out->prev_state = out->cur_state = MFA_STATE_UNKNOWN;
	out->prev_registered = out->cur_registered = MFA_TRI_UNKNOWN;
	out->prev_admin = out->cur_admin = MFA_TRI_UNKNOWN;
	out->prev_coverage = out->cur_coverage = MFA_COVERAGE_UNKNOWN;
}

void mfa_compare_user(const struct mfa_baseline *b, const struct mfa_user *u,
		      const struct mfa_verdict *v, struct mfa_change_set *out)
{
	struct mfa_baseline_entry e;

	set_init(out);
	out->cur_state = (unsigned)v->state < MFA_STATE__COUNT ? v->state : MFA_STATE_UNKNOWN;
	out->cur_registered = u->reg.registered;
	out->cur_methods = u->reg.methods;
	out->cur_other_methods = u->reg.other_methods && *u->reg.other_methods ? u->reg.other_methods : NULL;
	out->cur_admin = u->is_admin;
	out->cur_coverage_checked = v->coverage_checked != 0;
	if (out->cur_coverage_checked)
		out->cur_coverage = v->coverage.verdict;
	out->cur_findings = v->findings & FINDINGS_ALL;

	out->index = mfa_baseline_find(b, u);
	if (out->index == MFA_BASELINE_NONE) {
		out->kinds = BIT(MFA_CHANGE_ADDED);
		out->findings_appeared = out->cur_findings;
		goto findings;
	}
	mfa_baseline_get(b, out->index, &e);
	out->prev_state = e.state;
	out->prev_registered = e.registered;
	out->prev_methods = e.methods;
	out->prev_other_methods = e.other_methods;
	out->prev_admin = e.is_admin;
	out->prev_coverage_checked = e.coverage_checked;
	out->prev_coverage = e.coverage;
	out->prev_findings = e.findings;

	if (out->prev_state != out->cur_state) {
		out->kinds |= BIT(MFA_CHANGE_STATE_CHANGED);
		if (out->prev_state == MFA_STATE_DISABLED &&
		    (out->cur_state == MFA_STATE_ENABLED || out->cur_state == MFA_STATE_ENFORCED ||
		     out->cur_state == MFA_STATE_AMBIGUOUS))
			out->kinds |= BIT(MFA_CHANGE_STATE_AWAY_FROM_DISABLED);
	}
	if (reg_known(out->prev_registered, out->prev_methods, out->prev_other_methods) &&
	    reg_known(out->cur_registered, out->cur_methods, out->cur_other_methods) &&
	    (out->prev_registered != out->cur_registered || out->prev_methods != out->cur_methods ||
	     !same_names(out->prev_other_methods, out->cur_other_methods)))
		out->kinds |= BIT(MFA_CHANGE_REGISTRATION_CHANGED);
	if (out->prev_admin != MFA_TRI_UNKNOWN && out->cur_admin != MFA_TRI_UNKNOWN &&
	    out->prev_admin != out->cur_admin)
		out->kinds |= BIT(MFA_CHANGE_ADMIN_CHANGED);
	if (out->prev_coverage_checked && out->cur_coverage_checked &&
	    out->prev_coverage != out->cur_coverage)
		out->kinds |= BIT(MFA_CHANGE_COVERAGE_CHANGED);
	out->findings_appeared = out->cur_findings & ~out->prev_findings;
	out->findings_cleared = out->prev_findings & ~out->cur_findings;
findings:
	if (out->findings_appeared)
		out->kinds |= BIT(MFA_CHANGE_FINDING_APPEARED);
	if (out->findings_cleared)
		out->kinds |= BIT(MFA_CHANGE_FINDING_CLEARED);
	out->severity = set_severity(out);
}

void mfa_compare_removed(const struct mfa_baseline *b, size_t i, struct mfa_change_set *out)
{
	struct mfa_baseline_entry e;

	set_init(out);
	if (!b || i >= mfa_baseline_count(b))
		return;
	mfa_baseline_get(b, i, &e);
	out->index = i;
	out->prev_state = e.state;
	out->prev_registered = e.registered;
	out->prev_methods = e.methods;
	out->prev_other_methods = e.other_methods;
	out->prev_admin = e.is_admin;
	out->prev_coverage_checked = e.coverage_checked;
	out->prev_coverage = e.coverage;
	out->prev_findings = e.findings;
	out->findings_cleared = e.findings;
	out->kinds = BIT(MFA_CHANGE_REMOVED);
	if (out->findings_cleared)
		out->kinds |= BIT(MFA_CHANGE_FINDING_CLEARED);
	out->severity = set_severity(out);
}

/* ---- rows ---- */

/* "registered: a;b", "not registered", "not registered: email" */
static void reg_text(char *buf, size_t size, enum mfa_tri registered, uint32_t methods,
		     const char *other)
{
	struct text t = { buf, size, 0 };
	char list[1024];

	buf[0] = '\0';
	mfa_methods_format(methods, other, list, sizeof(list));
	text_str(&t, registered == MFA_TRI_YES ? "registered"
		     : registered == MFA_TRI_NO ? "not registered" : "registration unknown");
	if (list[0]) {
		text_str(&t, ": ");
		text_str(&t, list);
	}
}

struct name_list {
	struct text *t;
	bool any;
};

static void list_name(void *ctx, const char *name, size_t len)
{
	struct name_list *nl = ctx;

	text_str(nl->t, nl->any ? ", " : "");
	text_put(nl->t, name, len);
	nl->any = true;
}

/* "methods added: a, b; removed: c", and whether isMfaRegistered moved. */
static void reg_detail(char *buf, size_t size, const struct mfa_change_set *cs)
{
	struct text t = { buf, size, 0 };
	struct name_list nl = { &t, false };
	uint32_t added = cs->cur_methods & ~cs->prev_methods;
	uint32_t removed = cs->prev_methods & ~cs->cur_methods;
	int pass, m;

	buf[0] = '\0';
	if (cs->prev_registered != cs->cur_registered) {
		text_str(&t, "isMfaRegistered ");
		text_str(&t, mfa_tri_name(cs->prev_registered)[0] ? mfa_tri_name(cs->prev_registered) : "unknown");
		text_str(&t, " -> ");
		text_str(&t, mfa_tri_name(cs->cur_registered)[0] ? mfa_tri_name(cs->cur_registered) : "unknown");
	}
	for (pass = 0; pass < 2; pass++) {
		uint32_t set = pass == 0 ? added : removed;
		const char *from = pass == 0 ? cs->cur_other_methods : cs->prev_other_methods;
		const char *to = pass == 0 ? cs->prev_other_methods : cs->cur_other_methods;
		size_t before = t.used;

		text_str(&t, t.used ? "; " : "");
		text_str(&t, pass == 0 ? "methods added: " : "methods removed: ");
		nl.any = false;
		for (m = 0; m < MFA_METHOD__COUNT; m++) {
			if (set & BIT(m))
				list_name(&nl, mfa_method_name((enum mfa_method)m),
					  strlen(mfa_method_name((enum mfa_method)m)));
		}
		names_missing(from, to, list_name, &nl);
		if (!nl.any) {
			/* nothing of this kind: take the label back */
			t.used = before;
			if (t.size)
				t.buf[t.used < t.size ? t.used : t.size - 1] = '\0';
		}
	}
}

static const char *state_detail(const struct mfa_change_set *cs)
{
	if (cs->kinds & BIT(MFA_CHANGE_STATE_AWAY_FROM_DISABLED))
		return "per-user MFA is on again: the user was disabled in the previous run";
	if (cs->cur_state == MFA_STATE_DISABLED)
		return "per-user MFA turned off";
	if (cs->cur_state == MFA_STATE_UNKNOWN)
		return "the per-user MFA state could not be read in this run";
	return "per-user MFA state changed";
}

static const char *coverage_text(bool checked, enum mfa_coverage_verdict v)
{
	return checked ? mfa_coverage_name(v) : "";
}

/* Fills in the rest of r for one change and hands it to fn. */
static int emit(const struct mfa_change_set *cs, struct mfa_change_row *r, enum mfa_change_kind kind,
		int finding, const char *previous, const char *current, const char *detail,
		mfa_change_row_fn fn, void *ctx, struct mfa_err *err)
{
	r->kind = kind;
	r->finding = finding;
	r->severity = mfa_change_severity(cs, kind, (enum mfa_finding)(finding < 0 ? 0 : finding));
	r->previous = previous;
	r->current = current;
	r->detail = detail ? detail : "";
	return fn(ctx, r, err);
}

int mfa_change_rows(const struct mfa_baseline *b, const struct mfa_change_set *cs,
		    const struct mfa_user *u, const struct mfa_verdict *v,
		    mfa_change_row_fn fn, void *ctx, struct mfa_err *err)
{
	struct mfa_change_row r;
	struct mfa_baseline_entry e;
	char prev[1200], cur[1200], detail[1200];
	uint32_t k = cs->kinds;
	int rc = 0, f;

	if (!k)
		return 0;
	memset(&r, 0, sizeof(r));
	if (u) {
		r.id = u->id;
		r.upn = u->upn;
		r.display_name = u->display_name;
	} else if (b && cs->index < mfa_baseline_count(b)) {
		mfa_baseline_get(b, cs->index, &e);
		r.id = e.id;
		r.upn = e.upn;
		r.display_name = e.display_name;
	}
	if (!r.id)
		r.id = "";
	if (!r.upn)
		r.upn = "";
	if (!r.display_name)
		r.display_name = "";

	if (k & BIT(MFA_CHANGE_ADDED))
		rc = emit(cs, &r, MFA_CHANGE_ADDED, -1, "", mfa_state_name(cs->cur_state),
			  "not in the previous run", fn, ctx, err);
	if (!rc && (k & BIT(MFA_CHANGE_REMOVED)))
		rc = emit(cs, &r, MFA_CHANGE_REMOVED, -1, mfa_state_name(cs->prev_state), "",
			  "not in this run (deleted, or outside this run's input)", fn, ctx, err);
	/* one row for the state: the more specific kind */
	if (!rc && (k & BIT(MFA_CHANGE_STATE_CHANGED)))
		rc = emit(cs, &r, k & BIT(MFA_CHANGE_STATE_AWAY_FROM_DISABLED)
				  ? MFA_CHANGE_STATE_AWAY_FROM_DISABLED : MFA_CHANGE_STATE_CHANGED,
			  -1, mfa_state_name(cs->prev_state), mfa_state_name(cs->cur_state),
			  state_detail(cs), fn, ctx, err);
	if (!rc && (k & BIT(MFA_CHANGE_REGISTRATION_CHANGED))) {
		reg_text(prev, sizeof(prev), cs->prev_registered, cs->prev_methods, cs->prev_other_methods);
		reg_text(cur, sizeof(cur), cs->cur_registered, cs->cur_methods, cs->cur_other_methods);
		reg_detail(detail, sizeof(detail), cs);
		rc = emit(cs, &r, MFA_CHANGE_REGISTRATION_CHANGED, -1, prev, cur, detail, fn, ctx, err);
	}
	if (!rc && (k & BIT(MFA_CHANGE_ADMIN_CHANGED)))
		rc = emit(cs, &r, MFA_CHANGE_ADMIN_CHANGED, -1, mfa_tri_name(cs->prev_admin),
			  mfa_tri_name(cs->cur_admin),
			  cs->cur_admin == MFA_TRI_YES ? "became an administrator" : "no longer an administrator",
			  fn, ctx, err);
	if (!rc && (k & BIT(MFA_CHANGE_COVERAGE_CHANGED)))
		rc = emit(cs, &r, MFA_CHANGE_COVERAGE_CHANGED, -1,
			  coverage_text(cs->prev_coverage_checked, cs->prev_coverage),
			  coverage_text(cs->cur_coverage_checked, cs->cur_coverage),
			  v && v->coverage_checked ? v->coverage.reason : "", fn, ctx, err);
	for (f = 0; !rc && f < MFA_FINDING__COUNT; f++) {
		if (cs->findings_appeared & BIT(f))
			rc = emit(cs, &r, MFA_CHANGE_FINDING_APPEARED, f, "",
				  mfa_finding_name((enum mfa_finding)f),
				  mfa_finding_advice((enum mfa_finding)f), fn, ctx, err);
	}
	for (f = 0; !rc && f < MFA_FINDING__COUNT; f++) {
		if (cs->findings_cleared & BIT(f))
			rc = emit(cs, &r, MFA_CHANGE_FINDING_CLEARED, f,
				  mfa_finding_name((enum mfa_finding)f), "",
				  k & BIT(MFA_CHANGE_REMOVED) ? "the user is not in this run" : "no longer found",
				  fn, ctx, err);
	}
	return rc;
}

/* ---- counts ---- */

void mfa_change_counts_init(struct mfa_change_counts *c)
{
	memset(c, 0, sizeof(*c));
}

void mfa_change_counts_add(struct mfa_change_counts *c, const struct mfa_change_set *cs)
{
	int i;

	if (!cs->kinds)
		return;
	c->changed++;
	for (i = 0; i < MFA_CHANGE__COUNT; i++) {
		if (cs->kinds & BIT(i))
			c->by_kind[i]++;
	}
	if ((unsigned)cs->severity < MFA_SEV__COUNT)
		c->by_severity[cs->severity]++;
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		if (cs->findings_appeared & BIT(i))
			c->appeared[i]++;
		if (cs->findings_cleared & BIT(i))
			c->cleared[i]++;
	}
}

void mfa_change_counts_finish(struct mfa_change_counts *c, const struct mfa_baseline *b)
{
	struct mfa_change_set cs;
	size_t i;

	c->previous_users = mfa_baseline_count(b);
	for (i = mfa_baseline_next_unseen(b, 0); i != MFA_BASELINE_NONE;
	     i = mfa_baseline_next_unseen(b, i + 1)) {
		mfa_compare_removed(b, i, &cs);
		mfa_change_counts_add(c, &cs);
	}
}

/* ---- --fail-on ---- */

int mfa_change_fail_on_parse(const char *item, struct mfa_change_filter *f, struct mfa_err *err)
{
	static const char new_prefix[] = "new:", cleared_prefix[] = "cleared:";
	const char *name;
	bool is_new;
	int k;

	if (!item)
		return 0;
	k = mfa_change_kind_parse(item);
	if (k >= 0) {
		f->kinds |= BIT(k);
		return 1;
	}
	if (strncmp(item, new_prefix, sizeof(new_prefix) - 1) == 0) {
		is_new = true;
		name = item + sizeof(new_prefix) - 1;
	} else if (strncmp(item, cleared_prefix, sizeof(cleared_prefix) - 1) == 0) {
		is_new = false;
		name = item + sizeof(cleared_prefix) - 1;
	} else {
		return 0;
	}
	k = mfa_finding_parse(name);
	if (k < 0)
		return mfa_err_set(err, "'%s': '%s' is not a finding (new: and cleared: take a finding name, e.g. new:admin-not-registered)",
				   item, name);
	if (is_new)
		f->new_findings |= BIT(k);
	else
		f->cleared_findings |= BIT(k);
	return 1;
}

bool mfa_change_filter_empty(const struct mfa_change_filter *f)
{
	return !f->kinds && !f->new_findings && !f->cleared_findings;
}

bool mfa_change_matches(const struct mfa_change_filter *f, const struct mfa_change_set *cs)
{
	return (cs->kinds & f->kinds) != 0 || (cs->findings_appeared & f->new_findings) != 0 ||
	       (cs->findings_cleared & f->cleared_findings) != 0;
}
