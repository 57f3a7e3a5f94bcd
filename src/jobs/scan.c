/* scan.c - the plan and audit job (scan.h). */
#include "jobs/scan.h"

#include "jobs/history.h"
#include "jobs/outdir.h"
#include "mfa/apply/planfile.h"
#include "mfa/jobs/pipeline.h"
#include "mfa/model/compare.h"
#include "mfa/model/coverage.h"
#include "mfa/model/idset.h"
#include "mfa/model/posture.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "mfa/model/source.h"
#include "sources/csv_source.h"
#include "sources/baseline_load.h"
#include "sources/ca_files.h"
#include "sources/graph_source.h"
#include "reports/whatif_csv.h"
#include "sources/idlist.h"
#include "reports/signins_csv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bad rows: the first few are said, the rest counted (summary.json). */
#define BAD_ROWS_SHOWN 20
#define MAX_SINKS 12

struct scan {
	const struct mfa_scan_options *o;
	struct mfa_session session;
	unsigned long warned, hidden;  /* bad rows said, and not said */
	struct mfa_whatif_set *what_if; /* --what-if, or NULL */
};

static void on_note(void *ctx, const char *msg)
{
	struct scan *j = ctx;

	mfa_notify(&j->o->notify, MFA_LEVEL_NOTE, "%s", msg);
}

static void on_warn(void *ctx, const char *msg)
{
	struct scan *j = ctx;

	if (j->o->verbose || j->warned < BAD_ROWS_SHOWN) {
		mfa_notify(&j->o->notify, MFA_LEVEL_WARN, "%s", msg);
		j->warned++;
	} else {
		j->hidden++;
	}
}

static void on_graph_progress(void *ctx, const struct mfa_graph_progress *g)
{
	struct scan *j = ctx;
	struct mfa_scan_progress p;
	struct mfa_http_stats st;

	memset(&p, 0, sizeof(p));
	p.listed = g->listed;
	p.done = g->done;
	p.total = g->total;
	if (j->session.http) {
		mfa_http_stats(j->session.http, &st);
		p.throttled = st.throttled;
		p.retries = st.retries;
	}
	j->o->progress_scan(j->o->progress_ctx, &p);
}

/* The Conditional Access model: from files; or, live, an empty one the
 * scan fills (it reads the policies alongside the users); NULL (coverage
 * not checked) for an export without files, or with no_ca. */
static int open_coverage(const struct mfa_scan_options *o, struct mfa_ca_model **ca,
			 struct mfa_summary *s, struct mfa_err *err)
{
	*ca = NULL;
	if (o->ca_policies) {
		if (mfa_ca_model_load_files(ca, o->ca_policies, o->ca_members, err) < 0)
			return -1;
		s->ca_policies = (int)mfa_ca_model_policy_count(*ca);
		s->security_defaults = mfa_ca_model_security_defaults(*ca);
		return 0;
	}
	if (o->from_csv || o->no_ca)
		return 0;
	*ca = mfa_ca_model_new();
	return *ca ? 0 : mfa_err_set(err, "out of memory");
}

/* Opens the source the options name: an export, or the live tenant (the
 * session signs in first). */
static int open_source(struct scan *j, struct mfa_source **src, struct mfa_ca_model *ca,
		       struct mfa_posture *posture, struct mfa_err *err)
{
	const struct mfa_scan_options *o = j->o;
	struct mfa_csv_options csv_opts = MFA_CSV_OPTIONS_INIT;
	struct mfa_graph_source_options go = MFA_GRAPH_SOURCE_OPTIONS_INIT;

	if (o->from_csv) {
		csv_opts.registration_path = o->registration;
		csv_opts.strict = o->strict;
		csv_opts.warn = on_warn;
		csv_opts.warn_ctx = j;
		return mfa_csv_source_open(src, o->from_csv, &csv_opts, err);
	}
	if (mfa_session_open(&j->session, &o->session, err) < 0)
		return -1;
	if (o->running_http) {
		*o->running_http = j->session.http;
		if (o->stop && *o->stop) /* a stop that came before the engine */
			mfa_http_stop(j->session.http);
	}
	go.http = j->session.http;
	go.graph_url = mfa_session_graph_url(&j->session);
	go.registration = !o->no_registration;
	go.warn = on_warn;
	go.warn_ctx = j;
	go.progress = o->progress_scan ? on_graph_progress : NULL;
	go.progress_ctx = j;
	go.ca = o->ca_policies ? NULL : ca;
	go.sign_in_days = o->sign_in_days;
	go.now = o->now;
	go.sign_in_activity = o->sign_in_activity;
	go.mailbox_purpose = o->mailbox_purpose;
	go.posture = posture;
	if (j->what_if && go.ca) { /* --what-if (sources/whatif.h) */
		go.what_if = j->what_if;
		go.what_if_max = o->what_if;
		go.note = on_note;
		go.note_ctx = j;
	}
	return mfa_graph_source_open(src, &go, err);
}

/* The sinks, in the one order the run needs:
 *   1. the change counter (with a baseline): summary.json and the
 *      workbook, both later, read its counts;
 *   2. users.csv, changes.csv, plan.csv;
 *   3. report.xlsx;
 *   4. users.jsonl;
 *   5. plan.jsonl (plan): what apply runs, never written for a stopped run;
 *   6. summary.json, last: it is the mark that the run finished. */
static int open_sinks(const struct mfa_scan_options *o, const char *dir,
		      struct mfa_baseline *baseline, struct mfa_change_counts *changes,
		      bool *change_matched, struct mfa_planfile_meta *meta,
		      struct mfa_sink **sinks, size_t *n, struct mfa_err *err)
{
	bool csv = o->formats & MFA_SCAN_CSV;

	if (baseline && mfa_changes_count_sink_open(&sinks[(*n)++], baseline, changes,
						    &o->fail_on.change, change_matched, err) < 0)
		return -1;
	if (csv && mfa_users_csv_sink_open(&sinks[(*n)++], dir, err) < 0)
		return -1;
	if (csv && baseline && mfa_changes_csv_sink_open(&sinks[(*n)++], dir, baseline, err) < 0)
		return -1;
	if (csv && o->plan && mfa_plan_csv_sink_open(&sinks[(*n)++], dir, err) < 0)
		return -1;
	if (o->formats & MFA_SCAN_XLSX) {
		struct mfa_xlsx_sink_options xo = MFA_XLSX_SINK_OPTIONS_INIT;

		xo.has_plan = o->plan;
		xo.rows_per_sheet = o->xlsx_rows_per_sheet;
		if (mfa_xlsx_sink_open_opt(&sinks[(*n)++], dir, &xo, err) < 0)
			return -1;
		if (baseline)
			mfa_xlsx_sink_set_baseline(sinks[*n - 1], baseline);
	}
	if ((o->formats & MFA_SCAN_JSONL) &&
	    mfa_jsonl_sink_open(&sinks[(*n)++], dir, o->jsonl_stream, err) < 0)
		return -1;
	if (o->plan && mfa_planfile_sink_open(&sinks[(*n)++], dir, meta, err) < 0)
		return -1;
	if ((o->formats & MFA_SCAN_JSON) && mfa_summary_json_sink_open(&sinks[(*n)++], dir, err) < 0)
		return -1;
	if (csv && o->sign_in_days && !o->from_csv && mfa_signins_csv_sink_open(&sinks[(*n)++], dir, err) < 0)
		return -1;
	return 0;
}

/* Nothing lost from an export: every record read is a user, a bad row or
 * a blank row. A mismatch fails the run before summary.json is written. */
static int account_rows(const struct mfa_source *src, struct mfa_summary *s, struct mfa_err *err)
{
	struct mfa_source_stats st;
	unsigned long from_state;

	mfa_source_stats(src, &st);
	from_state = s->users - st.registration_only;
	s->input_records = st.records;
	s->blank_rows = st.blank_rows;
	s->duplicate_rows = st.duplicates;
	s->registration_only = st.registration_only;
	s->rows_accounted = from_state + st.state_bad_rows + st.blank_rows;
	if (s->incomplete || s->rows_accounted == s->input_records)
		return 0;
	return mfa_err_set(err, "'%s': read %lu rows but accounted for %lu (%lu users, %lu bad rows, %lu blank): rows were lost; no report was written, please report this",
			   s->source_path, s->input_records, s->rows_accounted, from_state,
			   st.state_bad_rows, st.blank_rows);
}

/* Marks the --exclude / --only entries each user matches, so that an entry
 * that matches nobody can be said (a misspelt break-glass account). */
struct seen_sink {
	struct mfa_sink base;
	struct mfa_idset *sets[2];
};

static int seen_row(struct mfa_sink *base, const struct mfa_row *row, struct mfa_err *err)
{
	struct seen_sink *s = (struct seen_sink *)base;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (mfa_idset_note(s->sets[i], row->user->id) < 0 ||
		    mfa_idset_note(s->sets[i], row->user->upn) < 0)
			return mfa_err_set(err, "out of memory");
	}
	return 0;
}

static int seen_finish(struct mfa_sink *base, const struct mfa_summary *sum, struct mfa_err *err)
{
	(void)base;
	(void)sum;
	(void)err;
	return 0;
}

static void seen_free(struct mfa_sink *base)
{
	free(base);
}

static const struct mfa_sink_ops seen_ops = { seen_row, seen_finish, seen_free };

static int seen_sink_open(struct mfa_sink **out, struct mfa_idset *exclude, struct mfa_idset *only,
			  struct mfa_err *err)
{
	struct seen_sink *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return mfa_err_set(err, "out of memory");
	s->base.ops = &seen_ops;
	s->base.name = NULL;
	s->sets[0] = exclude;
	s->sets[1] = only;
	*out = &s->base;
	return 0;
}

/* One warning per list naming every entry that matched no user; fatal
 * under --strict. Returns the count, or -1. */
static long tell_unmatched(const struct mfa_scan_options *o, const char *flag, const char *path,
			   const struct mfa_idset *set, struct mfa_err *err)
{
	char names[MFA_ERR_MAX / 2];
	size_t i, used = 0;
	const char *id;
	long n = 0;

	names[0] = '\0';
	for (i = mfa_idset_next_unseen(set, 0, &id); i != (size_t)-1;
	     i = mfa_idset_next_unseen(set, i + 1, &id)) {
		if (used < sizeof(names)) {
			int w = snprintf(names + used, sizeof(names) - used, "%s'%s'", n ? ", " : "", id);

			used = w < 0 ? sizeof(names) : used + (size_t)w;
		}
		n++;
	}
	if (!n)
		return 0;
	if (used >= sizeof(names))
		snprintf(names + sizeof(names) - 5, 5, "...");
	if (o->strict)
		return mfa_err_set(err, "%s '%s': %ld entries match no user: %s (check the spelling, or remove them)",
				   flag, path, n, names);
	mfa_notify(&o->notify, MFA_LEVEL_WARN,
		   "%s '%s': %ld entries match no user: %s (check the spelling, or remove them)", flag,
		   path, n, names);
	return n;
}

/* A live scan: which way the per-user states were read, and why
 * (summary.json's graph.statePath, and a verbose line). */
static void tell_state_path(const struct mfa_scan_options *o, const struct mfa_source *src,
			    struct mfa_summary *s)
{
	struct mfa_source_stats st;

	mfa_source_stats(src, &st);
	s->graph.state_path = st.state_path;
	s->graph.state_path_reason = st.state_path_reason;
	if (st.state_path)
		mfa_notify(&o->notify, MFA_LEVEL_INFO, "per-user MFA states read %s: %s",
			   strcmp(st.state_path, "inline") == 0 ? "inline from the users list"
								 : "user by user through $batch",
			   st.state_path_reason);
}

/* A plan to disabled: the first line of its summary says who would lose
 * MFA (safe by default, mfa/plan.h), or that nobody could tell. */
static void tell_coverage(const struct mfa_scan_options *o, const struct mfa_summary *s)
{
	unsigned long held = s->by_hold[MFA_HOLD_NOT_COVERED];
	char why[256] = "";

	if (!s->coverage_checked && !s->require_ca_coverage) {
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "coverage was not checked (%s): this plan cannot tell who would be left without MFA once per-user MFA is off (%s)",
			   o->no_ca ? "--no-ca skips Conditional Access" : "an export without Conditional Access data",
			   o->no_ca ? "drop --no-ca, or give --ca-policies" : "give --ca-policies, or run live");
		return;
	}
	if (!s->require_ca_coverage) {
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "--no-require-ca-coverage: users Conditional Access does not cover are disabled too and are left without MFA (summary.json caCoverage counts them)");
		return;
	}
	if (!held) {
		mfa_notify(&o->notify, MFA_LEVEL_NOTE,
			   "no user would lose MFA: Conditional Access covers everyone this plan disables");
		return;
	}
	/* why coverage is unknown, where it is: it counts as not covered */
	if (!s->coverage_checked)
		snprintf(why, sizeof(why), " (coverage was not checked: --require-ca-coverage holds everyone who would change)");
	else if (s->ca_policies < 0)
		snprintf(why, sizeof(why), " (the Conditional Access policies could not be read, so nobody counts as covered: grant Policy.Read.All, or give --ca-policies)");
	else if (s->by_coverage[MFA_COVERAGE_UNKNOWN])
		snprintf(why, sizeof(why), " (%lu users' coverage is 'unknown', a membership could not be read: they count as not covered; see the warnings above)",
			 s->by_coverage[MFA_COVERAGE_UNKNOWN]);
	mfa_notify(&o->notify, MFA_LEVEL_WARN,
		   "%lu users held 'not-covered': disabling their per-user MFA would leave them without MFA; add them to a Conditional Access policy, or --no-require-ca-coverage to disable anyway%s",
		   held, why);
}

static void tell_result(const struct mfa_scan_options *o, const struct mfa_summary *s)
{
	enum mfa_state target = mfa_plan_target(&o->plan_opts);

	if (o->plan && target == MFA_STATE_DISABLED)
		tell_coverage(o, s);
	if (o->plan && target == MFA_STATE_DISABLED && !o->select.any)
		mfa_notify(&o->notify, MFA_LEVEL_NOTE,
			   "%lu users: %lu to disable, %lu already disabled, %lu held; applying takes at least %.0f s at Graph's write quota",
			   s->users, s->by_action[MFA_ACTION_DISABLE], s->by_action[MFA_ACTION_KEEP],
			   s->by_action[MFA_ACTION_HOLD], mfa_summary_min_apply_seconds(s));
	else if (o->plan)
		mfa_notify(&o->notify, MFA_LEVEL_NOTE,
			   "%lu users: %lu to %s, %lu kept (already %s, or not selected), %lu held; applying takes at least %.0f s at Graph's write quota",
			   s->users, mfa_summary_changes(s), mfa_action_name(mfa_action_for_target(target)),
			   s->by_action[MFA_ACTION_KEEP], mfa_state_name(target),
			   s->by_action[MFA_ACTION_HOLD], mfa_summary_min_apply_seconds(s));
	if (o->plan && s->by_hold[MFA_HOLD_USES_CA])
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "%lu users held 'uses-conditional-access': Conditional Access or security defaults already require MFA of them, and Microsoft advises against per-user MFA beside it (--despite-conditional-access overrides)",
			   s->by_hold[MFA_HOLD_USES_CA]);
	if (o->plan && s->by_hold[MFA_HOLD_CA_UNKNOWN])
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "%lu users held 'ca-unknown': the Conditional Access policies could not be read, so the plan cannot tell whether they already require MFA (grant Policy.Read.All, or give --ca-policies; --despite-conditional-access overrides)",
			   s->by_hold[MFA_HOLD_CA_UNKNOWN]);
	if (o->plan && s->by_hold[MFA_HOLD_UNREGISTERED] && target == MFA_STATE_ENFORCED)
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "%lu users held 'unregistered': enforcing a user with no MFA method registered breaks their legacy clients until they get app passwords (--allow-unregistered overrides)",
			   s->by_hold[MFA_HOLD_UNREGISTERED]);
	if (!o->plan)
		mfa_notify(&o->notify, MFA_LEVEL_NOTE, "%lu users audited: %lu high-risk, %lu medium-risk",
			   s->users, s->by_risk[MFA_SEV_HIGH], s->by_risk[MFA_SEV_MEDIUM]);
	if (s->bad_rows)
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "%lu bad input rows were skipped or read as unknown (see summary.json)",
			   s->bad_rows);
}

int mfa_scan_run(struct mfa_scan_result *res, const struct mfa_scan_options *o)
{
	struct mfa_err *err = &res->err;
	struct scan job = { o, MFA_SESSION_INIT, 0, 0, NULL };
	struct mfa_whatif_counts what_if_counts;
	struct mfa_classify_options cls = MFA_CLASSIFY_OPTIONS_INIT;
	struct mfa_plan_options plan_opts = o->plan_opts;
	struct mfa_idset *exclude = NULL, *only = NULL;
	struct mfa_ca_model *ca = NULL;
	struct mfa_posture *posture = NULL; /* live: the tenant notes (sources/posture.h) */
	struct mfa_baseline *baseline = NULL;
	struct mfa_history hist;
	struct mfa_run_counts *trend = NULL;
	size_t ntrend = 0, nsinks = 0, i;
	unsigned compressed = 0;
	struct mfa_change_counts changes;
	bool change_matched = false;
	struct mfa_source *src = NULL;
	struct mfa_sink *sinks[MAX_SINKS] = { NULL };
	struct mfa_summary summary;
	struct mfa_planfile_meta meta;
	struct mfa_pipeline pipe;
	struct mfa_outdir out = MFA_OUTDIR_INIT;
	const char *out_path = o->out, *compare = o->compare, *tenant = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&hist, 0, sizeof(hist));
	if (o->exclude && mfa_idset_load(&exclude, o->exclude, err) < 0)
		goto cleanup;
	if (o->only && mfa_idset_load(&only, o->only, err) < 0)
		goto cleanup;
	cls.exclude = exclude;
	cls.now = o->now ? o->now : time(NULL);
	if (o->stale_days)
		cls.stale_days = o->stale_days;
	plan_opts.only = only;
	plan_opts.select = o->select.any ? &o->select : NULL;

	mfa_summary_init(&summary);
	if (open_coverage(o, &ca, &summary, err) < 0)
		goto cleanup;
	if (o->what_if && (o->from_csv || o->no_ca || o->ca_policies)) {
		mfa_err_set(err, "--what-if asks Microsoft about the live tenant's own policies: drop %s, or drop --what-if",
			    o->from_csv ? "--from-csv" : o->no_ca ? "--no-ca" : "--ca-policies");
		goto cleanup;
	}
	if (o->what_if && !(job.what_if = mfa_whatif_set_new())) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	if (!o->from_csv && !(posture = mfa_posture_new())) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	summary.posture = posture;
	if (open_source(&job, &src, ca, posture, err) < 0)
		goto cleanup;
	if (!o->from_csv)
		tenant = mfa_session_tenant(&job.session);
	/* With the tenant known: where the run goes and what it compares
	 * with. The previous run is read before any scan, so a bad one fails
	 * first. */
	if (o->history) {
		if (mfa_history_prepare(&hist, o->history, tenant, o->allow_shared_out, err) < 0)
			goto cleanup;
		out_path = hist.run_dir;
		if (!compare && hist.has_previous)
			compare = hist.previous;
		if (mfa_history_trend(&hist, &trend, &ntrend, err) < 0)
			goto cleanup;
		summary.history_root = o->history;
		summary.history_runs = trend;
		summary.history_nruns = ntrend;
	}
	if (compare && mfa_baseline_load(&baseline, compare, err) < 0)
		goto cleanup;
	cls.ca = ca;
	summary.coverage_checked = ca != NULL;
	summary.require_ca_coverage = o->plan && mfa_plan_requires_coverage(&plan_opts, ca != NULL);
	summary.now = cls.now;
	if (plan_opts.require_ca_coverage && !ca && mfa_plan_target(&plan_opts) == MFA_STATE_DISABLED)
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "--require-ca-coverage without Conditional Access data: every user not already disabled is held");
	if (o->plan && !ca && mfa_plan_target(&plan_opts) != MFA_STATE_DISABLED &&
	    !plan_opts.despite_conditional_access)
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "--target %s without Conditional Access data: every user it would change is held 'ca-unknown' (read the policies, give --ca-policies, or add --despite-conditional-access)",
			   mfa_state_name(mfa_plan_target(&plan_opts)));

	out.allow_shared = o->allow_shared_out;
	if (mfa_outdir_make(&out, out_path, o->command, err) < 0)
		goto cleanup;
	/* A plan into a folder that holds an earlier plan replaces it: the
	 * earlier plan.jsonl goes before any new report is written, so an
	 * interrupted run (which writes none) never leaves it beside reports
	 * that do not match it. */
	if (o->plan && !out.created) {
		int gone = mfa_outdir_remove(&out, "plan.jsonl", err);

		if (gone < 0)
			goto cleanup;
		if (gone)
			mfa_notify(&o->notify, MFA_LEVEL_NOTE,
				   "removed the earlier plan '%s/plan.jsonl': this run writes its own", out.path);
	}
	memset(&meta, 0, sizeof(meta));
	meta.tenant_id = tenant;
	meta.source_kind = o->from_csv ? "csv" : "graph";
	meta.source_path = o->from_csv;
	meta.registration_path = o->registration;
	meta.exclude_path = o->exclude;
	meta.only_path = o->only;
	meta.plan_opts = &plan_opts;
	if (posture && mfa_posture_sink_open(&sinks[nsinks++], posture, err) < 0)
		goto cleanup;
	if ((exclude || only) && seen_sink_open(&sinks[nsinks++], exclude, only, err) < 0)
		goto cleanup;
	if (open_sinks(o, out.path, baseline, &changes, &change_matched, &meta, sinks, &nsinks, err) < 0)
		goto cleanup;

	summary.command = o->command;
	summary.source_kind = meta.source_kind;
	summary.plan_sha256 = meta.sha256; /* filled when plan.jsonl is written, before summary.json */
	summary.source_path = o->from_csv;
	summary.registration_path = o->registration;
	summary.tenant_id = tenant;
	summary.compare_path = compare;
	summary.changes = baseline ? &changes : NULL;

	memset(&pipe, 0, sizeof(pipe));
	pipe.source = src;
	pipe.classify = &cls;
	pipe.plan = o->plan ? &plan_opts : NULL;
	pipe.sinks = sinks;
	pipe.nsinks = nsinks;
	pipe.summary = &summary;
	pipe.progress = o->progress_users;
	pipe.progress_ctx = o->progress_ctx;
	/* A live scan stops itself on a stop (the engine lets in-flight
	 * requests finish) and hands over what it scanned: every one of those
	 * users is still reported. An export is simply read no further. */
	pipe.stop = o->from_csv ? o->stop : NULL;
	if (mfa_pipeline_stream(&pipe, err) < 0)
		goto cleanup;
	if (!o->from_csv)
		tell_state_path(o, src, &summary);
	if (o->from_csv && account_rows(src, &summary, err) < 0)
		goto cleanup;
	if (!summary.incomplete) {
		long n = 0;

		if (exclude && (n = tell_unmatched(o, "--exclude", o->exclude, exclude, err)) < 0)
			goto cleanup;
		summary.unmatched_exclude = exclude ? (unsigned long)n : 0;
		if (only && (n = tell_unmatched(o, "--only", o->only, only, err)) < 0)
			goto cleanup;
		summary.unmatched_only = only ? (unsigned long)n : 0;
	}
	mfa_session_summarise(&job.session, &summary);
	if (job.what_if) { /* whatif.csv before summary.json, the last */
		mfa_whatif_counts(job.what_if, &what_if_counts);
		summary.what_if = &what_if_counts;
		if (mfa_whatif_csv_write(job.what_if, out.fd, out.path, err) < 0)
			goto cleanup;
	}
	if (mfa_pipeline_finish(&pipe, err) < 0)
		goto cleanup;

	if (job.hidden)
		mfa_notify(&o->notify, MFA_LEVEL_WARN, "%lu more bad rows not shown (-v shows every one)",
			   job.hidden);
	tell_result(o, &summary);
	if (meta.sha256[0])
		mfa_notify(&o->notify, MFA_LEVEL_NOTE,
			   "plan.jsonl SHA-256 %s: the reviewer approves this hash; run it with 'mfa-migrate apply PLAN --plan-sha256 %s'",
			   meta.sha256, meta.sha256);
	/* what retention may later compress: this run's files, by identity */
	if (o->history && mfa_history_seal(&hist, err) < 0)
		mfa_notify(&o->notify, MFA_LEVEL_WARN,
			   "this run's files are not recorded for --keep (it will never compress them): %s",
			   err->msg);
	else if (o->history && !summary.incomplete &&
	    mfa_history_retain(&hist, o->keep ? o->keep : 12, &compressed, err) < 0)
		mfa_notify(&o->notify, MFA_LEVEL_WARN, "keeping the history tidy: %s", err->msg);
	else if (compressed)
		mfa_notify(&o->notify, MFA_LEVEL_INFO, "compressed the reports of %u older runs in '%s'",
			   compressed, hist.tenant_dir);
	out.keep = true;
	snprintf(res->out_path, sizeof(res->out_path), "%s", out.path);
	res->unknown_states = summary.graph.unknown_states;
	if (summary.incomplete)
		res->outcome = MFA_SCAN_INTERRUPTED;
	else if (summary.graph.unknown_states)
		res->outcome = MFA_SCAN_UNKNOWN_STATES;
	else if (!o->plan && ((o->fail_on.any && mfa_fail_on_matched(&o->fail_on, &summary)) ||
			      (o->fail_on.change_any && change_matched)))
		res->outcome = MFA_SCAN_FINDINGS;
	else
		res->outcome = MFA_SCAN_DONE;
	err->msg[0] = '\0';
	rc = 0;
cleanup:
	if (rc < 0 && o->stop && *o->stop)
		res->interrupted = 1;
	if (o->running_http)
		*o->running_http = NULL;
	for (i = 0; i < nsinks; i++)
		mfa_sink_free(sinks[i]);
	mfa_source_free(src);
	mfa_idset_free(exclude);
	mfa_idset_free(only);
	mfa_ca_model_free(ca);
	mfa_posture_free(posture);
	mfa_whatif_set_free(job.what_if);
	mfa_baseline_free(baseline);
	free(trend);
	mfa_outdir_release(&out);
	mfa_session_close(&job.session);
	return rc;
}
