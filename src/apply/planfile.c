/* planfile.c - plan.jsonl: the writer (a sink) and the verifying reader
 * (mfa/planfile.h). */
#include "mfa/apply/planfile.h"

#include "mfa/util/outfile.h"
#include "mfa/util/jsonnum.h"
#include "mfa/util/jsonw.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The longest user line the writer can make: every string JSON-escaped
 * at 6 bytes a byte at worst, plus the fixed keys and every finding. */
_Static_assert((2 * MFA_PLANFILE_MAX_KEY + MFA_PLANFILE_MAX_NAME + MFA_PLANFILE_MAX_MAIL) * 6 + 4096 <= MFA_PLANFILE_MAX_LINE,
	       "a plan line the writer makes must fit the reader's limit");

/* ---- writer ---------------------------------------------------------- */

struct planfile_sink {
	struct mfa_sink base;
	struct mfa_planfile_meta *meta;
	struct mfa_outfile body; /* user lines, until finish assembles the file */
	struct mfa_outfile out;
	char *dir;
	unsigned long seq;
};

/* The display name, cut to MFA_PLANFILE_MAX_NAME bytes at a character
 * boundary (mfa/apply/planfile.h says why). */
static void write_name(FILE *f, const char *name)
{
	char cut[MFA_PLANFILE_MAX_NAME + 1];
	size_t n;

	if (!name || strlen(name) <= MFA_PLANFILE_MAX_NAME) {
		mfa_json_write_string(f, name);
		return;
	}
	n = MFA_PLANFILE_MAX_NAME;
	while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
		n--; /* name[n] continues a character: cut before it starts */
	memcpy(cut, name, n);
	cut[n] = '\0';
	mfa_json_write_string(f, cut);
}

static int pf_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	struct planfile_sink *ps = (struct planfile_sink *)s;
	const struct mfa_user *u = row->user;
	const struct mfa_decision *d = row->decision;
	FILE *f = ps->body.f;
	int i, n = 0;

	if (!d)
		return mfa_err_set(err, "plan.jsonl needs a decision for every user");
	if ((u->id && strlen(u->id) > MFA_PLANFILE_MAX_KEY) ||
	    (u->upn && strlen(u->upn) > MFA_PLANFILE_MAX_KEY))
		return mfa_err_set(err, "user %lu ('%.60s...'): an id or userPrincipalName over %d bytes cannot go into a plan: fix the input",
				   ps->seq + 1, u->upn && strlen(u->upn) > MFA_PLANFILE_MAX_KEY ? u->upn : u->id,
				   MFA_PLANFILE_MAX_KEY);
	fprintf(f, "{\"seq\":%lu,\"id\":", ++ps->seq);
	mfa_json_write_string(f, u->id);
	fputs(",\"userPrincipalName\":", f);
	mfa_json_write_string(f, u->upn);
	fputs(",\"displayName\":", f);
	write_name(f, u->display_name);
	fputs(",\"mail\":", f);
	mfa_json_write_string(f, u->mail && u->mail[0] && strlen(u->mail) <= MFA_PLANFILE_MAX_MAIL ? u->mail : NULL);
	fprintf(f, ",\"action\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"",
		mfa_action_name(d->action), mfa_state_name(d->from), mfa_state_name(d->to));
	if (mfa_action_is_change(d->action) && d->expect != d->to)
		fprintf(f, ",\"expect\":\"%s\"", mfa_state_name(d->expect));
	fputs(",\"reason\":", f);
	mfa_json_write_string(f, d->reason ? mfa_hold_reason_name(d->reason) : NULL);
	fprintf(f, ",\"risk\":\"%s\",\"findings\":[", mfa_severity_name(row->verdict->risk));
	for (i = 0; i < MFA_FINDING__COUNT; i++) {
		if (row->verdict->findings & (1u << i))
			fprintf(f, "%s\"%s\"", n++ ? "," : "", mfa_finding_name((enum mfa_finding)i));
	}
	fputs("]}\n", f);
	return 0;
}

static char *header_line(const struct planfile_sink *ps, const struct mfa_summary *sum)
{
	const struct mfa_planfile_meta *m = ps->meta;
	const struct mfa_plan_options *po = m->plan_opts;
	cJSON *root = cJSON_CreateObject();
	cJSON *o;
	char when[32];
	struct tm tm;
	char *text = NULL;
	int i;

	if (!root)
		return NULL;
	gmtime_r(&sum->started.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(root, "kind", MFA_PLANFILE_KIND);
	cJSON_AddNumberToObject(root, "formatVersion", MFA_PLANFILE_VERSION);
	if (m->tenant_id)
		cJSON_AddStringToObject(root, "tenantId", m->tenant_id);
	else
		cJSON_AddNullToObject(root, "tenantId");
	cJSON_AddStringToObject(root, "createdDateTime", when);
	cJSON_AddStringToObject(root, "target", mfa_state_name(mfa_plan_target(po)));
	o = cJSON_AddObjectToObject(root, "source");
	cJSON_AddStringToObject(o, "kind", m->source_kind ? m->source_kind : "");
	if (m->source_path)
		cJSON_AddStringToObject(o, "path", m->source_path);
	if (m->registration_path)
		cJSON_AddStringToObject(o, "registrationPath", m->registration_path);
	if (sum->format)
		cJSON_AddStringToObject(o, "format", sum->format);
	o = cJSON_AddObjectToObject(root, "options");
	if (m->exclude_path)
		cJSON_AddStringToObject(o, "exclude", m->exclude_path);
	if (m->only_path)
		cJSON_AddStringToObject(o, "only", m->only_path);
	if (po) {
		cJSON_AddBoolToObject(o, "skipGuests", po->skip_guests);
		cJSON_AddBoolToObject(o, "skipDisabledAccounts", po->skip_disabled_accounts);
		cJSON_AddBoolToObject(o, "holdUnregistered", po->hold_unregistered);
		cJSON_AddBoolToObject(o, "holdAdmins", po->hold_admins);
		/* the setting the run used: safe by default wherever coverage
		 * was checked (mfa/plan.h) */
		cJSON_AddBoolToObject(o, "requireCaCoverage",
				      mfa_plan_requires_coverage(po, sum->coverage_checked));
		cJSON_AddBoolToObject(o, "coverageChecked", sum->coverage_checked);
	}
	o = cJSON_AddObjectToObject(root, "counts");
	cJSON_AddNumberToObject(o, "users", (double)sum->users);
	/* the target's change action, keep and hold: a plan to disabled
	 * counts as it always did */
	for (i = 0; i < MFA_ACTION__COUNT; i++) {
		if (mfa_action_is_change((enum mfa_action)i) &&
		    i != (int)mfa_action_for_target(mfa_plan_target(po)))
			continue;
		cJSON_AddNumberToObject(o, mfa_action_name((enum mfa_action)i),
					(double)sum->by_action[i]);
	}
	cJSON_AddNumberToObject(o, "inputRows", (double)sum->input_rows);
	cJSON_AddNumberToObject(o, "badRows", (double)sum->bad_rows);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

static void hex(const unsigned char *md, unsigned n, char *out)
{
	unsigned i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Writes buf to the plan and into both of its checksums. */
static void put(struct planfile_sink *ps, EVP_MD_CTX *sha, uLong *crc, const void *buf, size_t n)
{
	if (crc)
		*crc = crc32(*crc, (const Bytef *)buf, (uInt)n);
	EVP_DigestUpdate(sha, buf, n);
	fwrite(buf, 1, n, ps->out.f);
}

static int pf_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err)
{
	struct planfile_sink *ps = (struct planfile_sink *)s;
	EVP_MD_CTX *sha = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct mfa_outfile side = MFA_OUTFILE_INIT;
	char trailer[128];
	char *head = NULL;
	FILE *body = NULL;
	uLong crc = crc32(0L, Z_NULL, 0);
	char buf[1 << 15];
	size_t n;
	int rc = -1;

	/* A plan that does not cover every user must never be applied. */
	if (sum->incomplete) {
		rc = 0;
		goto cleanup;
	}
	if (fflush(ps->body.f) != 0 || ferror(ps->body.f)) {
		mfa_err_set(err, "cannot write '%s': %s", ps->body.tmp_path, strerror(errno));
		goto cleanup;
	}
	head = header_line(ps, sum);
	if (!head) {
		mfa_err_set(err, "out of memory writing plan.jsonl");
		goto cleanup;
	}
	/* read back through the descriptor written, never by name again */
	body = ps->body.f;
	if (fseek(body, 0, SEEK_SET) != 0) {
		mfa_err_set(err, "cannot read '%s': %s", ps->body.tmp_path, strerror(errno));
		goto cleanup;
	}
	sha = EVP_MD_CTX_new();
	if (!sha || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1) {
		mfa_err_set(err, "cannot compute the plan's SHA-256");
		goto cleanup;
	}
	if (mfa_outfile_open(&ps->out, ps->dir, "plan.jsonl", err) < 0)
		goto cleanup;
	put(ps, sha, &crc, head, strlen(head));
	put(ps, sha, &crc, "\n", 1);
	while ((n = fread(buf, 1, sizeof(buf), body)) > 0)
		put(ps, sha, &crc, buf, n);
	if (ferror(body)) {
		mfa_err_set(err, "cannot read '%s': %s", ps->body.tmp_path, strerror(errno));
		goto cleanup;
	}
	snprintf(trailer, sizeof(trailer), "{\"kind\":\"trailer\",\"count\":%lu,\"crc32\":\"%08lx\"}\n",
		 ps->seq, (unsigned long)crc);
	put(ps, sha, NULL, trailer, strlen(trailer));
	if (EVP_DigestFinal_ex(sha, md, &mdlen) != 1 || mdlen != 32) {
		mfa_err_set(err, "cannot compute the plan's SHA-256");
		goto cleanup;
	}
	if (mfa_outfile_open(&side, ps->dir, "plan.jsonl.sha256", err) < 0)
		goto cleanup;
	hex(md, mdlen, ps->meta->sha256);
	fprintf(side.f, "%s  plan.jsonl\n", ps->meta->sha256);
	/* the plan first: a hash file never names a plan that is not there */
	if (mfa_outfile_commit(&ps->out, err) < 0 || mfa_outfile_commit(&side, err) < 0) {
		ps->meta->sha256[0] = '\0';
		goto cleanup;
	}
	rc = 0;
cleanup:
	EVP_MD_CTX_free(sha);
	mfa_outfile_release(&side);
	free(head);
	mfa_outfile_release(&ps->body); /* closes body */
	return rc;
}

static void pf_free(struct mfa_sink *s)
{
	struct planfile_sink *ps = (struct planfile_sink *)s;

	mfa_outfile_release(&ps->body);
	mfa_outfile_release(&ps->out);
	free(ps->dir);
	free(ps);
}

static const struct mfa_sink_ops pf_ops = { pf_row, pf_finish, pf_free };

int mfa_planfile_sink_open(struct mfa_sink **out, const char *dir,
			   struct mfa_planfile_meta *meta, struct mfa_err *err)
{
	struct planfile_sink *ps = calloc(1, sizeof(*ps));

	*out = NULL;
	if (!ps || !(ps->dir = strdup(dir))) {
		free(ps);
		return mfa_err_set(err, "out of memory");
	}
	ps->base.ops = &pf_ops;
	ps->base.name = "plan.jsonl";
	ps->meta = meta;
	if (mfa_outfile_open(&ps->body, dir, "plan.jsonl.body", err) < 0) {
		pf_free(&ps->base);
		return -1;
	}
	*out = &ps->base;
	return 0;
}

/* ---- reader ---------------------------------------------------------- */

struct mfa_planfile_reader {
	char *path;
	FILE *f;
	char *line;
	size_t cap;
	unsigned long lineno;
	unsigned long seq;
	struct mfa_planfile_header header;
	cJSON *current; /* the user line last returned; owns the strings */
	EVP_MD_CTX *sha; /* the verifying pass: SHA-256 of every byte read */
};

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_time(const char *text, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

/* Reads one line (without its '\n') into r->line. 1: a line; 0: EOF;
 * -1: error. A last line without '\n' is refused: the file was cut. */
static int read_line(struct mfa_planfile_reader *r, size_t *len, struct mfa_err *err)
{
	ssize_t n = getline(&r->line, &r->cap, r->f);

	if (n < 0) {
		if (ferror(r->f))
			return mfa_err_set(err, "cannot read '%s': %s", r->path, strerror(errno));
		return 0;
	}
	r->lineno++;
	if (r->sha)
		EVP_DigestUpdate(r->sha, r->line, (size_t)n);
	if (n == 0 || r->line[n - 1] != '\n')
		return mfa_err_set(err, "'%s' is truncated at line %lu (was the run interrupted?)",
				   r->path, r->lineno);
	if ((size_t)n > MFA_PLANFILE_MAX_LINE)
		return mfa_err_set(err, "%s:%lu: line too long for a plan file", r->path, r->lineno);
	if (memchr(r->line, '\0', (size_t)n))
		return mfa_err_set(err, "%s:%lu: not a plan file (binary data)", r->path, r->lineno);
	r->line[n - 1] = '\0';
	*len = (size_t)n;
	return 1;
}

/* A line must agree with its header: a change goes to the target, with
 * the target's action, from another state the scan read; keep and hold
 * stay where they are. Checked whatever the checksum says, so a plan
 * edited and re-summed is refused all the same. */
static int check_entry(const struct mfa_planfile_reader *r, const struct mfa_plan_entry *e,
		       struct mfa_err *err)
{
	enum mfa_state target = r->header.target;

	if (mfa_action_is_change(e->action)) {
		if (e->action != mfa_action_for_target(target) || e->to != target)
			return mfa_err_set(err, "%s:%lu: the line asks to %s (to '%s'), but the plan's header says its target is '%s': the file was edited; make a new plan",
					   r->path, r->lineno, mfa_action_name(e->action),
					   mfa_state_name(e->to), mfa_state_name(target));
		if (e->from == MFA_STATE_UNKNOWN || e->from == e->to ||
		    (e->from == MFA_STATE_AMBIGUOUS && target != MFA_STATE_DISABLED))
			return mfa_err_set(err, "%s:%lu: a change to '%s' must start from another state the scan read, not '%s'",
					   r->path, r->lineno, mfa_state_name(e->to), mfa_state_name(e->from));
	} else if (e->to != e->from) {
		return mfa_err_set(err, "%s:%lu: a %s line must stay at '%s', but it says to '%s': the file was edited; make a new plan",
				   r->path, r->lineno, mfa_action_name(e->action), mfa_state_name(e->from),
				   mfa_state_name(e->to));
	}
	if (e->expect != e->to &&
	    !(mfa_action_is_change(e->action) && e->to == MFA_STATE_ENABLED && e->expect == MFA_STATE_ENFORCED))
		return mfa_err_set(err, "%s:%lu: \"expect\" may only be 'enforced' on a line to enabled",
				   r->path, r->lineno);
	return 0;
}

/* Checks one user line; fills out (strings owned by *json). */
static int parse_entry(struct mfa_planfile_reader *r, cJSON **json, struct mfa_plan_entry *out,
		       struct mfa_err *err)
{
	cJSON *o = cJSON_Parse(r->line);
	const cJSON *seq;
	unsigned long n;
	int a, reason;

	*json = o;
	if (!o || !cJSON_IsObject(o))
		return mfa_err_set(err, "%s:%lu: not valid JSON", r->path, r->lineno);
	seq = cJSON_GetObjectItemCaseSensitive(o, "seq");
	if (!mfa_json_whole(seq, 4e15, &n) || n != r->seq + 1)
		return mfa_err_set(err, "%s:%lu: user lines are out of order or missing (expected seq %lu)",
				   r->path, r->lineno, r->seq + 1);
	memset(out, 0, sizeof(*out));
	out->seq = ++r->seq;
	out->id = json_str(o, "id");
	out->upn = json_str(o, "userPrincipalName");
	out->display_name = json_str(o, "displayName");
	out->mail = json_str(o, "mail");
	if (!out->id && !out->upn)
		return mfa_err_set(err, "%s:%lu: a user line with neither id nor userPrincipalName",
				   r->path, r->lineno);
	a = mfa_action_parse(json_str(o, "action"));
	if (a < 0)
		return mfa_err_set(err, "%s:%lu: unknown action", r->path, r->lineno);
	out->action = (enum mfa_action)a;
	out->from = mfa_state_parse(json_str(o, "from"));
	out->to = mfa_state_parse(json_str(o, "to"));
	out->expect = json_str(o, "expect") ? mfa_state_parse(json_str(o, "expect")) : out->to;
	reason = json_str(o, "reason") ? mfa_hold_reason_parse(json_str(o, "reason")) : 0;
	if (reason < 0)
		return mfa_err_set(err, "%s:%lu: unknown hold reason", r->path, r->lineno);
	out->reason = (enum mfa_hold_reason)reason;
	return check_entry(r, out, err);
}

static int parse_header(struct mfa_planfile_reader *r, struct mfa_err *err)
{
	cJSON *o = cJSON_Parse(r->line);
	const cJSON *v, *counts;
	const char *s;
	int i, rc = -1;

	if (!o || !cJSON_IsObject(o) || !(s = json_str(o, "kind")) || strcmp(s, MFA_PLANFILE_KIND) != 0) {
		mfa_err_set(err, "'%s' is not an mfa-migrate plan file (its first line is not a plan header)",
			    r->path);
		goto cleanup;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "formatVersion");
	if (!cJSON_IsNumber(v) || v->valueint != MFA_PLANFILE_VERSION) {
		mfa_err_set(err, "'%s' has plan format version %d; this mfa-migrate reads version %d",
			    r->path, cJSON_IsNumber(v) ? v->valueint : -1, MFA_PLANFILE_VERSION);
		goto cleanup;
	}
	r->header.format_version = v->valueint;
	s = json_str(o, "tenantId");
	snprintf(r->header.tenant_id, sizeof(r->header.tenant_id), "%s", s ? s : "");
	s = json_str(cJSON_GetObjectItemCaseSensitive(o, "source"), "kind");
	snprintf(r->header.source_kind, sizeof(r->header.source_kind), "%s", s ? s : "");
	s = json_str(o, "createdDateTime");
	if (parse_time(s, &r->header.created_time) < 0) {
		mfa_err_set(err, "%s:1: the header has no valid createdDateTime", r->path);
		goto cleanup;
	}
	snprintf(r->header.created, sizeof(r->header.created), "%s", s);
	v = cJSON_GetObjectItemCaseSensitive(o, "target");
	r->header.target = v ? mfa_state_parse(json_str(o, "target")) : MFA_STATE_DISABLED;
	if (r->header.target != MFA_STATE_DISABLED && r->header.target != MFA_STATE_ENABLED &&
	    r->header.target != MFA_STATE_ENFORCED) {
		mfa_err_set(err, "%s:1: the header's target must be disabled, enabled or enforced", r->path);
		goto cleanup;
	}
	counts = cJSON_GetObjectItemCaseSensitive(o, "counts");
	for (i = 0; i < MFA_ACTION__COUNT; i++) {
		v = cJSON_GetObjectItemCaseSensitive(counts, mfa_action_name((enum mfa_action)i));
		if (!mfa_json_whole(v, 4e15, &r->header.by_action[i]))
			r->header.by_action[i] = 0;
	}
	rc = 0;
cleanup:
	cJSON_Delete(o);
	return rc;
}

/* The verifying pass: everything a later mfa_planfile_next will meet is
 * checked here first, so apply never starts on a plan it cannot finish. */
static int verify(struct mfa_planfile_reader *r, struct mfa_err *err)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	unsigned long users = 0, actions[MFA_ACTION__COUNT] = { 0 };
	struct mfa_plan_entry e;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t len;
	int got, trailer = 0, i;

	if (!r->sha && (!(r->sha = EVP_MD_CTX_new()) ||
			EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL) != 1))
		return mfa_err_set(err, "cannot compute the SHA-256 of '%s'", r->path);
	got = read_line(r, &len, err);
	if (got <= 0)
		return got < 0 ? -1 : mfa_err_set(err, "'%s' is empty", r->path);
	if (parse_header(r, err) < 0)
		return -1;
	crc = crc32(crc, (const Bytef *)r->line, (uInt)len - 1);
	crc = crc32(crc, (const Bytef *)"\n", 1);
	while ((got = read_line(r, &len, err)) > 0) {
		cJSON *o;
		const char *kind;

		if (trailer)
			return mfa_err_set(err, "%s:%lu: lines after the trailer", r->path, r->lineno);
		if (strstr(r->line, "\"kind\":\"trailer\"")) {
			const cJSON *count, *sum;
			unsigned long want, said;

			o = cJSON_Parse(r->line);
			kind = json_str(o, "kind");
			count = cJSON_GetObjectItemCaseSensitive(o, "count");
			sum = cJSON_GetObjectItemCaseSensitive(o, "crc32");
			if (!kind || strcmp(kind, "trailer") != 0 || !mfa_json_whole(count, 4e15, &said) ||
			    !cJSON_IsString(sum)) {
				cJSON_Delete(o);
				return mfa_err_set(err, "%s:%lu: malformed trailer", r->path, r->lineno);
			}
			want = strtoul(sum->valuestring, NULL, 16);
			cJSON_Delete(o);
			if (said != users)
				return mfa_err_set(err, "'%s' has %lu user lines but its trailer says %lu: it was edited or cut",
						   r->path, users, said);
			if (want != (unsigned long)crc)
				return mfa_err_set(err, "'%s' was changed after it was written: its checksum is %08lx, the trailer says %08lx",
						   r->path, (unsigned long)crc, want);
			r->header.crc32 = (uint32_t)crc;
			trailer = 1;
			continue;
		}
		crc = crc32(crc, (const Bytef *)r->line, (uInt)len - 1);
		crc = crc32(crc, (const Bytef *)"\n", 1);
		if (parse_entry(r, &o, &e, err) < 0) {
			cJSON_Delete(o);
			return -1;
		}
		actions[e.action]++;
		cJSON_Delete(o);
		users++;
	}
	if (got < 0)
		return -1;
	if (!trailer)
		return mfa_err_set(err, "'%s' is truncated: it has no trailer line (was the run interrupted?)",
				   r->path);
	if (EVP_DigestFinal_ex(r->sha, md, &mdlen) != 1 || mdlen != 32)
		return mfa_err_set(err, "cannot compute the SHA-256 of '%s'", r->path);
	hex(md, mdlen, r->header.sha256);
	for (i = 0; i < MFA_ACTION__COUNT; i++) {
		if (actions[i] != r->header.by_action[i])
			return mfa_err_set(err, "'%s': its header counts %lu '%s' actions but it holds %lu",
					   r->path, r->header.by_action[i],
					   mfa_action_name((enum mfa_action)i), actions[i]);
	}
	r->header.users = users;
	return 0;
}

int mfa_planfile_open(struct mfa_planfile_reader **out, const char *path, struct mfa_err *err)
{
	struct mfa_planfile_reader *r = calloc(1, sizeof(*r));
	size_t len;

	*out = NULL;
	if (!r || !(r->path = strdup(path))) {
		free(r);
		return mfa_err_set(err, "out of memory");
	}
	r->f = fopen(path, "r");
	if (!r->f) {
		mfa_err_set(err, "cannot open '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (verify(r, err) < 0)
		goto fail;
	/* Second pass: position after the header for mfa_planfile_next. */
	EVP_MD_CTX_free(r->sha);
	r->sha = NULL;
	rewind(r->f);
	r->lineno = 0;
	r->seq = 0;
	if (read_line(r, &len, err) <= 0)
		goto fail;
	*out = r;
	return 0;
fail:
	mfa_planfile_close(r);
	return -1;
}

const struct mfa_planfile_header *mfa_planfile_header(const struct mfa_planfile_reader *r)
{
	return &r->header;
}

int mfa_planfile_next(struct mfa_planfile_reader *r, struct mfa_plan_entry *out,
		      struct mfa_err *err)
{
	size_t len;
	int got;

	cJSON_Delete(r->current);
	r->current = NULL;
	if (r->seq >= r->header.users)
		return 0;
	got = read_line(r, &len, err);
	if (got <= 0)
		return got < 0 ? -1 : mfa_err_set(err, "'%s' changed while it was read", r->path);
	if (parse_entry(r, &r->current, out, err) < 0)
		return -1;
	return 1;
}

void mfa_planfile_close(struct mfa_planfile_reader *r)
{
	if (!r)
		return;
	cJSON_Delete(r->current);
	EVP_MD_CTX_free(r->sha);
	if (r->f)
		fclose(r->f);
	free(r->line);
	free(r->path);
	free(r);
}
