/* notify_users.c - the notify job (notify_users.h). */
#include "jobs/notify_users.h"

#include "jobs/outdir.h"
#include "jobs/sendmail.h"
#include "mfa/apply/journal.h"
#include "mfa/apply/planfile.h"
#include "mfa/util/jsonw.h"
#include "mfa/util/outfile.h"
#include "mfa/util/textin.h"
#include "reports/eml.h"
#include "reports/notice.h"
#include "reports/notify_csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_TEMPLATE (64 * 1024)

/* One user to tell, copied out of the plan. */
struct target {
	unsigned long seq;
	char *id, *upn, *name, *mail;
	enum mfa_state from, to;
	int kind;                  /* enum mfa_notice_kind */
	char reason[160];          /* why not notifiable; "" when notifiable */
	/* the send, as the journal says */
	enum { SEND_NONE = 0, SEND_INTENT, SEND_SENT, SEND_FAILED } send;
	long status;
	unsigned attempts;
	char *error;
};

struct run {
	const struct mfa_notify_users_options *o;
	struct mfa_err *err;
	char plan_path[4096];
	char journal_path[4200];
	uint32_t plan_crc;
	char tenant[64];
	char date[64];
	struct target *t;
	size_t n, cap;
	struct mfa_notice_template user_tmpl; /* --template; empty: built-ins */
	struct mfa_notice_template builtin[MFA_NOTICE__COUNT];
	int day_cap;             /* stopped at --mail-per-day this run */
};

static bool stopped(const struct run *r)
{
	return r->o->stop && *r->o->stop;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void targets_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->t[i].id);
		free(r->t[i].upn);
		free(r->t[i].name);
		free(r->t[i].mail);
		free(r->t[i].error);
	}
	free(r->t);
	r->t = NULL;
	r->n = r->cap = 0;
}

static int add_target(struct run *r, const struct mfa_plan_entry *e)
{
	struct target *t;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct target *p = realloc(r->t, cap * sizeof(*p));

		if (!p)
			return mfa_err_set(r->err, "out of memory");
		r->t = p;
		r->cap = cap;
	}
	t = &r->t[r->n];
	memset(t, 0, sizeof(*t));
	t->seq = e->seq;
	t->from = e->from;
	t->to = e->to;
	t->kind = mfa_notice_kind_for(e->to);
	if ((e->id && !(t->id = strdup(e->id))) || (e->upn && !(t->upn = strdup(e->upn))) ||
	    (e->display_name && !(t->name = strdup(e->display_name))) ||
	    (e->mail && !(t->mail = strdup(e->mail)))) {
		r->n++; /* freed with the rest */
		return mfa_err_set(r->err, "out of memory");
	}
	r->n++;
	if (t->kind < 0)
		snprintf(t->reason, sizeof(t->reason), "the change to '%s' has no message",
			 mfa_state_name(t->to));
	else if (!t->mail || !t->mail[0])
		snprintf(t->reason, sizeof(t->reason), "no mail property");
	else if (!mfa_eml_address_ok(t->mail))
		snprintf(t->reason, sizeof(t->reason), "mail property '%.100s' is not an address", t->mail);
	return 0;
}

/* ---- which folder, which plan, which users ---------------------------- */

static bool exists_in(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/* The seqs an apply journal changed (last outcome "changed"), into
 * *changed (calloc'd, max_seq + 1). */
static int read_apply_journal(struct run *r, const char *path, unsigned long max_seq,
			      uint8_t **changed)
{
	struct mfa_journal_reader *jr = NULL;
	struct mfa_journal_entry e;
	uint8_t *map = calloc(max_seq + 1, 1);
	int got, rc = -1;

	if (!map)
		return mfa_err_set(r->err, "out of memory");
	if (mfa_journal_open(&jr, path, r->err) < 0)
		goto cleanup;
	while ((got = mfa_journal_next(jr, &e, r->err)) > 0) {
		if (e.event != MFA_JOURNAL_OUTCOME)
			continue;
		if (e.seq > max_seq) {
			mfa_err_set(r->err, "'%s' names user %lu, which the plan '%s' does not have: name the plan apply ran with --plan",
				    path, e.seq, r->plan_path);
			goto cleanup;
		}
		map[e.seq] = e.outcome == MFA_OUTCOME_CHANGED;
	}
	if (got < 0)
		goto cleanup;
	*changed = map;
	map = NULL;
	rc = 0;
cleanup:
	free(map);
	mfa_journal_close_reader(jr);
	return rc;
}

/* Finds the plan (and, for an apply folder, who changed) and collects the
 * users to tell. */
static int collect(struct run *r)
{
	const struct mfa_notify_users_options *o = r->o;
	struct mfa_journal_reader *jr = NULL;
	struct mfa_planfile_reader *pr = NULL;
	const struct mfa_planfile_header *ph;
	struct mfa_plan_entry e;
	uint8_t *changed = NULL;
	char apply_journal[4200] = "";
	uint32_t want_crc = 0;
	int got, rc = -1;

	if (exists_in(o->run_dir, "journal.jsonl")) {
		const struct mfa_journal_header *jh;

		snprintf(apply_journal, sizeof(apply_journal), "%s/journal.jsonl", o->run_dir);
		if (mfa_journal_open(&jr, apply_journal, r->err) < 0)
			goto cleanup;
		jh = mfa_journal_header(jr);
		if (strcmp(jh->operation, "apply") != 0) {
			mfa_err_set(r->err, "'%s' is the journal of a %s: notify takes a plan folder or an apply folder",
				    apply_journal, jh->operation);
			goto cleanup;
		}
		snprintf(r->plan_path, sizeof(r->plan_path), "%s", o->plan ? o->plan : jh->plan);
		want_crc = jh->plan_crc32;
		if (!o->date)
			snprintf(r->date, sizeof(r->date), "%.10s", jh->started);
		mfa_journal_close_reader(jr);
		jr = NULL;
		if (access(r->plan_path, F_OK) != 0) {
			mfa_err_set(r->err, "'%s' names the plan '%s', which is not there (%s): name the plan apply ran with --plan FILE",
				    apply_journal, r->plan_path, strerror(errno));
			goto cleanup;
		}
	} else if (exists_in(o->run_dir, "plan.jsonl")) {
		snprintf(r->plan_path, sizeof(r->plan_path), "%s/plan.jsonl", o->run_dir);
		if (!o->date)
			snprintf(r->date, sizeof(r->date), "in the coming days");
	} else {
		mfa_err_set(r->err, "'%s' holds neither plan.jsonl nor journal.jsonl: give the folder 'mfa-migrate plan' or 'mfa-migrate apply' wrote",
			    o->run_dir);
		goto cleanup;
	}
	if (o->date)
		snprintf(r->date, sizeof(r->date), "%s", o->date);
	if (mfa_planfile_open(&pr, r->plan_path, r->err) < 0)
		goto cleanup;
	ph = mfa_planfile_header(pr);
	r->plan_crc = ph->crc32;
	snprintf(r->tenant, sizeof(r->tenant), "%s", ph->tenant_id);
	if (apply_journal[0] && ph->crc32 != want_crc) {
		mfa_err_set(r->err, "'%s' is not the plan '%s' ran (its checksum %08lx is not the journal's %08lx): name the plan apply ran with --plan",
			    r->plan_path, apply_journal, (unsigned long)ph->crc32, (unsigned long)want_crc);
		goto cleanup;
	}
	if (apply_journal[0] && read_apply_journal(r, apply_journal, ph->users, &changed) < 0)
		goto cleanup;
	while ((got = mfa_planfile_next(pr, &e, r->err)) > 0) {
		bool pick = changed ? changed[e.seq] != 0
				    : e.action != MFA_ACTION_KEEP && e.action != MFA_ACTION_HOLD;

		if (pick && add_target(r, &e) < 0)
			goto cleanup;
	}
	if (got < 0)
		goto cleanup;
	rc = 0;
cleanup:
	free(changed);
	mfa_journal_close_reader(jr);
	mfa_planfile_close(pr);
	return rc;
}

/* ---- templates and messages ------------------------------------------- */

static int load_templates(struct run *r)
{
	struct mfa_csv_input *in = NULL;
	char name[4200];
	char *text = NULL;
	size_t len = 0;
	ssize_t got;
	int k, rc = -1;

	for (k = 0; k < MFA_NOTICE__COUNT; k++)
		if (mfa_notice_template_parse(&r->builtin[k], mfa_notice_builtin((enum mfa_notice_kind)k),
					      "built-in template", r->err) < 0)
			return -1;
	if (!r->o->template_path)
		return 0;
	snprintf(name, sizeof(name), "template '%s'", r->o->template_path);
	/* the one text reader: a BOM or UTF-16 from Notepad reads as UTF-8 */
	if (mfa_csv_input_open(&in, r->o->template_path, 0, r->err) < 0)
		goto cleanup;
	text = malloc(MAX_TEMPLATE + 1);
	if (!text) {
		mfa_err_set(r->err, "out of memory");
		goto cleanup;
	}
	while ((got = mfa_csv_input_read(in, text + len, MAX_TEMPLATE - len, r->err)) > 0) {
		len += (size_t)got;
		if (len == MAX_TEMPLATE) {
			mfa_err_set(r->err, "%s is over %d KiB: a message template is a page of text",
				    name, MAX_TEMPLATE / 1024);
			goto cleanup;
		}
	}
	if (got < 0)
		goto cleanup;
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		mfa_err_set(r->err, "%s holds a NUL byte: it is not a text file", name);
		goto cleanup;
	}
	rc = mfa_notice_template_parse(&r->user_tmpl, text, name, r->err);
cleanup:
	free(text);
	mfa_csv_input_free(in);
	return rc;
}

static const struct mfa_notice_template *template_for(const struct run *r, const struct target *t)
{
	return r->user_tmpl.subject ? &r->user_tmpl : &r->builtin[t->kind];
}

/* The subject and body of t's message (malloc'd). */
static int render(const struct run *r, const struct target *t, char **subject, char **body)
{
	const struct mfa_notice_template *tp = template_for(r, t);
	struct mfa_notice_vars v;

	v.display_name = t->name && t->name[0] ? t->name : t->upn;
	v.upn = t->upn;
	v.from = mfa_state_name(t->from);
	v.to = mfa_state_name(t->to);
	v.date = r->date;
	v.registration_url = MFA_REGISTRATION_URL;
	*subject = *body = NULL;
	if (mfa_notice_fill(subject, tp->subject, &v, r->err) < 0)
		return -1;
	if (mfa_notice_fill(body, tp->body, &v, r->err) < 0) {
		free(*subject);
		*subject = NULL;
		return -1;
	}
	return 0;
}

static void message_name(char *buf, size_t size, unsigned long seq)
{
	snprintf(buf, size, "%06lu.eml", seq);
}

static int write_eml(struct run *r, int dirfd, const char *dir, const struct target *t, time_t now)
{
	struct mfa_outfile of = MFA_OUTFILE_INIT;
	struct mfa_eml m = MFA_EML_INIT;
	char *subject = NULL, *body = NULL, *text = NULL;
	char name[64], mid[160];
	const char *from = r->o->send_from;
	const char *domain = from && strchr(from, '@') ? strchr(from, '@') + 1 : "mfa-migrate.invalid";
	size_t len;
	int rc = -1;

	if (render(r, t, &subject, &body) < 0)
		return -1;
	snprintf(mid, sizeof(mid), "<mfa-migrate.%08lx.%lu.%lld@%.80s>", (unsigned long)r->plan_crc,
		 t->seq, (long long)now, domain);
	m.from = from && mfa_eml_address_ok(from) ? from : NULL;
	m.to_name = t->name;
	m.to_addr = t->mail;
	m.subject = subject;
	m.body = body;
	m.date = now;
	m.message_id = mid;
	if (mfa_eml_format(&text, &len, &m, r->err) < 0)
		goto cleanup;
	message_name(name, sizeof(name), t->seq);
	if (mfa_outfile_openat(&of, dirfd, dir, name, r->err) < 0)
		goto cleanup;
	if (fwrite(text, 1, len, of.f) != len) {
		mfa_err_set(r->err, "cannot write '%s': %s", of.tmp_path, strerror(errno));
		goto cleanup;
	}
	rc = mfa_outfile_commit(&of, r->err);
cleanup:
	mfa_outfile_release(&of);
	free(text);
	free(subject);
	free(body);
	return rc;
}

/* notify/ and its messages, then notify.csv (last: it marks the folder
 * complete). */
static int write_files(struct run *r, struct mfa_outdir *out, time_t now)
{
	struct mfa_notify_csv *csv = NULL;
	char *dir = mfa_path_join(out->path, MFA_NOTIFY_DIR);
	int dirfd = -1, rc = -1;
	size_t i;

	if (!dir)
		return mfa_err_set(r->err, "out of memory");
	if (mkdirat(out->fd, MFA_NOTIFY_DIR, 0700) < 0 && errno != EEXIST) {
		mfa_err_set(r->err, "cannot make '%s': %s", dir, strerror(errno));
		goto cleanup;
	}
	dirfd = mfa_dir_open(dir, r->err);
	if (dirfd < 0 || (!r->o->allow_shared_out && mfa_dir_check_private(dirfd, dir, "--out", r->err) < 0))
		goto cleanup;
	if (mfa_notify_csv_open(&csv, out->fd, out->path, MFA_NOTIFY_CSV, mfa_notify_columns,
				MFA_NCOL__COUNT, r->err) < 0)
		goto cleanup;
	for (i = 0; i < r->n; i++) {
		const struct target *t = &r->t[i];
		const char *f[MFA_NCOL__COUNT];
		char msg[80];

		if (!t->reason[0]) {
			if (write_eml(r, dirfd, dir, t, now) < 0)
				goto cleanup;
			snprintf(msg, sizeof(msg), MFA_NOTIFY_DIR "/%06lu.eml", t->seq);
		}
		f[MFA_NCOL_ID] = t->id;
		f[MFA_NCOL_UPN] = t->upn;
		f[MFA_NCOL_DISPLAY_NAME] = t->name;
		f[MFA_NCOL_MAIL] = t->mail;
		f[MFA_NCOL_FROM] = mfa_state_name(t->from);
		f[MFA_NCOL_TO] = mfa_state_name(t->to);
		f[MFA_NCOL_CHANGE] = t->kind >= 0 ? mfa_notice_change_text((enum mfa_notice_kind)t->kind) : "";
		f[MFA_NCOL_TODO] = t->kind >= 0 ? mfa_notice_todo_text((enum mfa_notice_kind)t->kind) : "";
		f[MFA_NCOL_NOTIFIABLE] = t->reason[0] ? "false" : "true";
		f[MFA_NCOL_REASON] = t->reason;
		f[MFA_NCOL_MESSAGE] = t->reason[0] ? "" : msg;
		if (mfa_notify_csv_row(csv, f, r->err) < 0)
			goto cleanup;
	}
	rc = mfa_notify_csv_commit(csv, r->err);
cleanup:
	mfa_notify_csv_free(csv);
	if (dirfd >= 0)
		close(dirfd);
	free(dir);
	return rc;
}

/* ---- sending ----------------------------------------------------------- */

/* Folds notify-journal.jsonl into the targets (by seq): the last line of
 * each user counts. */
static int read_notify_journal(struct run *r, unsigned long *torn)
{
	struct mfa_journal_reader *jr = NULL;
	const struct mfa_journal_header *h;
	struct mfa_journal_entry e;
	size_t lo, hi, mid;
	int got, rc = -1;

	if (mfa_journal_open(&jr, r->journal_path, r->err) < 0)
		return -1;
	h = mfa_journal_header(jr);
	if (strcmp(h->operation, "notify") != 0 || h->plan_crc32 != r->plan_crc) {
		mfa_err_set(r->err, "'%s' is not the notify journal of the plan '%s': use another --out",
			    r->journal_path, r->plan_path);
		goto cleanup;
	}
	while ((got = mfa_journal_next(jr, &e, r->err)) > 0) {
		struct target *t = NULL;

		for (lo = 0, hi = r->n; lo < hi;) { /* targets are in seq order */
			mid = lo + (hi - lo) / 2;
			if (r->t[mid].seq < e.seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < r->n && r->t[lo].seq == e.seq)
			t = &r->t[lo];
		if (!t) {
			mfa_err_set(r->err, "'%s' names user %lu, whom this folder's notify.csv does not list",
				    r->journal_path, e.seq);
			goto cleanup;
		}
		free(t->error);
		t->error = NULL;
		t->status = e.status;
		t->attempts = e.attempts;
		if (e.event == MFA_JOURNAL_INTENT)
			t->send = SEND_INTENT;
		else if (e.outcome == MFA_OUTCOME_CHANGED)
			t->send = SEND_SENT;
		else {
			t->send = SEND_FAILED;
			t->error = dup_or_null(e.error);
		}
	}
	if (got < 0)
		goto cleanup;
	*torn = (unsigned long)mfa_journal_torn(jr);
	rc = 0;
cleanup:
	mfa_journal_close_reader(jr);
	return rc;
}

static char *send_body(const struct run *r, const struct target *t)
{
	char *subject = NULL, *body = NULL, *text = NULL;

	if (render(r, t, &subject, &body) == 0)
		text = mfa_sendmail_body(subject, body, t->mail, r->err);
	free(subject);
	free(body);
	return text;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits until the mail limiter would start a message now, so an intent
 * is journalled only for a message that goes out at once. 0, or 1 when
 * stopped. */
static int wait_for_limiter(struct run *r, struct mfa_throttle *lim)
{
	for (;;) {
		double now = mono_now(), at = mfa_throttle_ready_at(lim, 1, now), d;
		struct timespec ts;

		if (stopped(r))
			return 1;
		if (at <= now)
			return 0;
		d = at - now > 0.2 ? 0.2 : at - now;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL); /* a signal ends it early: the loop looks at the stop flag */
	}
}

static int send_one(struct run *r, struct mfa_session *s, struct mfa_journal_writer *jw,
		    const char *url, struct target *t)
{
	struct mfa_journal_entry e;
	struct mfa_sendmail_answer a;
	char *body = send_body(r, t);
	int rc = -1;

	if (!body)
		return -1;
	memset(&e, 0, sizeof(e));
	e.seq = t->seq;
	e.event = MFA_JOURNAL_INTENT;
	e.id = t->id;
	e.upn = t->upn;
	e.from = t->from;
	e.to = t->to;
	if (mfa_journal_append(jw, &e, r->err) < 0 || mfa_journal_sync(jw, r->err) < 0)
		goto cleanup;
	t->send = SEND_INTENT;
	if (mfa_sendmail_post(s->http, url, body, &a, r->err) < 0)
		goto cleanup;
	t->status = a.status;
	t->attempts = a.attempts;
	if (a.status >= 200 && a.status < 300) {
		t->send = SEND_SENT;
	} else if (a.acted || (a.cancelled && a.attempts > 0)) {
		/* Graph may have sent it: only the intent stays (unknown) */
		free(t->error);
		t->error = dup_or_null(a.error[0] ? a.error : "the send was cut off before Graph answered");
		rc = 0;
		goto cleanup;
	} else {
		t->send = SEND_FAILED;
		free(t->error);
		t->error = dup_or_null(a.cancelled ? "interrupted before it was sent" : a.error);
	}
	e.event = MFA_JOURNAL_OUTCOME;
	e.outcome = t->send == SEND_SENT ? MFA_OUTCOME_CHANGED : MFA_OUTCOME_FAILED;
	e.observed = MFA_STATE_UNKNOWN;
	e.status = a.status;
	e.attempts = a.attempts;
	e.error = t->send == SEND_SENT ? NULL : t->error;
	if (mfa_journal_append(jw, &e, r->err) < 0 || mfa_journal_sync(jw, r->err) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	free(body);
	return rc;
}

static int send_all(struct run *r, struct mfa_outdir *out)
{
	const struct mfa_notify_users_options *o = r->o;
	struct mfa_session session = MFA_SESSION_INIT;
	struct mfa_journal_writer *jw = NULL;
	char *url = NULL;
	unsigned long torn = 0, before_sent = 0, before_unknown = 0, todo = 0, sent_now = 0;
	const char *tenant;
	size_t i;
	int rc = -1;

	snprintf(r->journal_path, sizeof(r->journal_path), "%s/%s", out->path, MFA_NOTIFY_JOURNAL);
	if (mfa_session_open(&session, &o->session, r->err) < 0)
		goto cleanup;
	tenant = mfa_session_tenant(&session);
	if (r->tenant[0] && (!tenant || strcasecmp(r->tenant, tenant) != 0)) {
		mfa_err_set(r->err, "'%s' belongs to tenant '%s', but this sign-in is for tenant '%s': sign in to the plan's tenant to send",
			    r->plan_path, r->tenant, tenant ? tenant : "?");
		goto cleanup;
	}
	if (o->resume && access(r->journal_path, F_OK) == 0) {
		if (read_notify_journal(r, &torn) < 0 || mfa_journal_reopen(&jw, r->journal_path, r->err) < 0)
			goto cleanup;
	} else {
		struct mfa_journal_header h;
		time_t now = time(NULL);
		struct tm tm;

		memset(&h, 0, sizeof(h));
		snprintf(h.operation, sizeof(h.operation), "notify");
		snprintf(h.plan, sizeof(h.plan), "%s", r->plan_path);
		h.plan_crc32 = r->plan_crc;
		snprintf(h.tenant_id, sizeof(h.tenant_id), "%s", tenant ? tenant : "");
		gmtime_r(&now, &tm);
		strftime(h.started, sizeof(h.started), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (mfa_journal_create(&jw, r->journal_path, &h, r->err) < 0)
			goto cleanup;
	}
	for (i = 0; i < r->n; i++) {
		if (r->t[i].reason[0])
			continue;
		before_sent += r->t[i].send == SEND_SENT;
		before_unknown += r->t[i].send == SEND_INTENT;
		todo += r->t[i].send == SEND_NONE || r->t[i].send == SEND_FAILED ||
			(r->t[i].send == SEND_INTENT && o->resend_unknown);
	}
	if (o->resume)
		mfa_notify(&o->notify, MFA_LEVEL_NOTE,
			   "the journal shows %lu messages sent (never sent again) and %lu whose send is unknown (%s)%s",
			   before_sent, before_unknown,
			   o->resend_unknown ? "sent again: --resend-unknown" : "not sent again; --resend-unknown sends them",
			   torn ? "; its last line was cut by the interruption and is dropped" : "");
	mfa_notify(&o->notify, MFA_LEVEL_NOTE, "sending %lu messages from '%s' (at most %.0f a minute, %.0f a day)",
		   todo, o->send_from, o->mail_per_minute, o->mail_per_day);
	mfa_throttle_mail_limits(mfa_http_limiter(session.http, MFA_SCOPE_MAIL), o->mail_per_minute,
				 o->session.time_scale);
	url = mfa_sendmail_url(mfa_session_graph_url(&session), o->send_from, r->err);
	if (!url)
		goto cleanup;
	if (o->running_http)
		*o->running_http = session.http;
	for (i = 0; i < r->n; i++) {
		struct target *t = &r->t[i];

		if (t->reason[0] || t->send == SEND_SENT || (t->send == SEND_INTENT && !o->resend_unknown))
			continue;
		if (o->mail_per_day > 0 && (double)sent_now >= o->mail_per_day) {
			r->day_cap = 1;
			mfa_notify(&o->notify, MFA_LEVEL_WARN,
				   "stopped at %.0f messages, the day's limit for '%s' (Exchange counts 10,000 recipients a day): the rest are not sent; run notify --resume again after 24 hours",
				   o->mail_per_day, o->send_from);
			break;
		}
		if (wait_for_limiter(r, mfa_http_limiter(session.http, MFA_SCOPE_MAIL)))
			break;
		sent_now++; /* a message that goes out counts, whatever its answer */
		if (send_one(r, &session, jw, url, t) < 0)
			goto cleanup;
		if (stopped(r))
			break;
	}
	rc = mfa_journal_close(jw, r->err);
	jw = NULL;
cleanup:
	if (o->running_http)
		*o->running_http = NULL;
	mfa_journal_close(jw, NULL);
	free(url);
	mfa_session_close(&session);
	return rc;
}

static int write_results(struct run *r, struct mfa_outdir *out, struct mfa_notify_users_result *res)
{
	struct mfa_notify_csv *csv = NULL;
	size_t i;
	int rc = -1;

	if (mfa_notify_csv_open(&csv, out->fd, out->path, MFA_NOTIFY_RESULTS_CSV,
				mfa_notify_result_columns, MFA_RCOL__COUNT, r->err) < 0)
		return -1;
	for (i = 0; i < r->n; i++) {
		const struct target *t = &r->t[i];
		const char *f[MFA_RCOL__COUNT];
		char status[24], attempts[24];

		if (t->reason[0])
			continue;
		snprintf(status, sizeof(status), "%ld", t->status);
		snprintf(attempts, sizeof(attempts), "%u", t->attempts);
		f[MFA_RCOL_ID] = t->id;
		f[MFA_RCOL_UPN] = t->upn;
		f[MFA_RCOL_MAIL] = t->mail;
		f[MFA_RCOL_RESULT] = t->send == SEND_SENT ? "sent" : t->send == SEND_FAILED ? "failed"
							 : t->send == SEND_INTENT ? "unknown" : "not-sent";
		f[MFA_RCOL_STATUS] = t->status ? status : "";
		f[MFA_RCOL_ATTEMPTS] = t->attempts ? attempts : "";
		f[MFA_RCOL_ERROR] = t->send == SEND_INTENT && !t->error
					    ? "interrupted while sending: Graph may have sent it"
				    : t->send == SEND_NONE && r->day_cap
					    ? "not sent: the day's mail limit was reached; run notify --resume after 24 hours"
					    : t->error;
		res->sent += t->send == SEND_SENT;
		res->failed += t->send == SEND_FAILED;
		res->unknown += t->send == SEND_INTENT;
		res->not_sent += t->send == SEND_NONE;
		if (mfa_notify_csv_row(csv, f, r->err) < 0)
			goto cleanup;
	}
	rc = mfa_notify_csv_commit(csv, r->err);
cleanup:
	mfa_notify_csv_free(csv);
	return rc;
}

int mfa_notify_users_run(struct mfa_notify_users_result *res,
			 const struct mfa_notify_users_options *o)
{
	struct run r;
	struct mfa_outdir out = MFA_OUTDIR_INIT;
	size_t i;
	int k, ret = -1;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.err = &res->err;
	if (load_templates(&r) < 0 || collect(&r) < 0)
		goto cleanup;
	out.allow_shared = o->allow_shared_out;
	if (mfa_outdir_make(&out, o->out ? o->out : o->run_dir, "notify", r.err) < 0)
		goto cleanup;
	for (i = 0; i < r.n; i++)
		res->notifiable += !r.t[i].reason[0];
	res->users = r.n;
	if (exists_in(out.path, MFA_NOTIFY_CSV) && !o->resume) {
		mfa_err_set(r.err, "'%s/%s' already exists: notify ran here before (add --resume to send what is left, or give another --out)",
			    out.path, MFA_NOTIFY_CSV);
		goto cleanup;
	}
	if (o->resume && !exists_in(out.path, MFA_NOTIFY_CSV)) {
		mfa_err_set(r.err, "--resume: '%s' holds no %s: run notify without --resume first",
			    out.path, MFA_NOTIFY_CSV);
		goto cleanup;
	}
	if (!o->resume) {
		if (write_files(&r, &out, time(NULL)) < 0)
			goto cleanup;
		mfa_notify(&o->notify, MFA_LEVEL_NOTE,
			   "%lu users to tell: %lu messages in '%s/%s', %lu not notifiable (notify.csv says why)",
			   res->users, res->notifiable, out.path, MFA_NOTIFY_DIR, res->users - res->notifiable);
	}
	snprintf(res->out_path, sizeof(res->out_path), "%s", out.path);
	if (o->send_from) {
		if (send_all(&r, &out) < 0) {
			res->interrupted = stopped(&r);
			goto cleanup;
		}
		if (write_results(&r, &out, res) < 0)
			goto cleanup;
		res->interrupted = stopped(&r);
		mfa_notify(&o->notify, MFA_LEVEL_NOTE, "notify: %lu sent, %lu failed, %lu unknown, %lu not sent (notify-results.csv)",
			   res->sent, res->failed, res->unknown, res->not_sent);
	}
	ret = 0;
cleanup:
	out.keep = true; /* the folder is the run's own, never removed */
	mfa_outdir_release(&out);
	targets_free(&r);
	mfa_notice_template_release(&r.user_tmpl);
	for (k = 0; k < MFA_NOTICE__COUNT; k++)
		mfa_notice_template_release(&r.builtin[k]);
	return ret;
}
