/* test_xlsx_sink.c - report.xlsx: sheets, rows, string cells, chart,
 * continuation sheets, file mode, and no file left behind when abandoned.
 *
 * The workbook is read back as the zip it is, through `unzip -p`, and the
 * parts are checked as text: sheet names in xl/workbook.xml, mapped to
 * their part through xl/_rels/workbook.xml.rels, rows counted as "<row ".
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "mfa/model/compare.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "mfa/model/columns.h"
#include "mfa/model/summary.h"
#include "reports/xlsx_book.h"

/* ---- helpers --------------------------------------------------------- */

/* The Users sheet's autofilter over its last column (one per
 * reports/columns.h column) and `rows` rows. Static buffer: one use a call. */
static const char *users_filter(int rows)
{
	static char buf[64];
	char col[3] = { 0 };
	int last = MFA_COL__COUNT - 1; /* 0-based; Excel's letters: A..Z, AA..ZZ */

	if (last < 26) {
		col[0] = (char)('A' + last);
	} else {
		col[0] = (char)('A' + last / 26 - 1);
		col[1] = (char)('A' + last % 26);
	}
	snprintf(buf, sizeof(buf), "<autoFilter ref=\"A1:%s%d\"/>", col, rows);
	return buf;
}

/* Output of a shell command, NUL-terminated; the caller frees. */
static char *run(const char *fmt, ...)
{
	char cmd[2048];
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 131072;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, p);
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	assert_int_equal(pclose(p), 0);
	return buf;
}

/* One part of the workbook's zip. */
static char *zip_part(const char *xlsx, const char *part)
{
	return run("unzip -p '%s' '%s'", xlsx, part);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	size_t nl = strlen(needle);

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += nl;
	}
	return n;
}

struct sheet {
	char name[64];
	char part[128]; /* "xl/worksheets/sheetN.xml" */
};

/* The workbook's sheets, in tab order, with the part each one lives in. */
static int read_sheets(const char *xlsx, struct sheet *out, int max)
{
	char *wb = zip_part(xlsx, "xl/workbook.xml");
	char *rels = zip_part(xlsx, "xl/_rels/workbook.xml.rels");
	const char *p = wb;
	int n = 0;

	while ((p = strstr(p, "<sheet ")) != NULL && n < max) {
		const char *name = strstr(p, "name=\"");
		const char *rid = strstr(p, "r:id=\"");
		char id[32], needle[64];
		const char *rel, *target;
		size_t len;

		assert_non_null(name);
		assert_non_null(rid);
		name += 6;
		len = (size_t)(strchr(name, '"') - name);
		assert_true(len < sizeof(out[n].name));
		memcpy(out[n].name, name, len);
		out[n].name[len] = '\0';
		rid += 6;
		len = (size_t)(strchr(rid, '"') - rid);
		assert_true(len < sizeof(id));
		memcpy(id, rid, len);
		id[len] = '\0';

		snprintf(needle, sizeof(needle), "Id=\"%s\"", id);
		rel = strstr(rels, needle);
		assert_non_null(rel);
		target = strstr(rel, "Target=\"");
		assert_non_null(target);
		target += 8;
		len = (size_t)(strchr(target, '"') - target);
		assert_true(len + 3 < sizeof(out[n].part));
		snprintf(out[n].part, sizeof(out[n].part), "xl/%.*s", (int)len, target);
		n++;
		p += 7;
	}
	free(wb);
	free(rels);
	return n;
}

/* Every sheet-local name in xl/workbook.xml (the autofilters'
 * _xlnm._FilterDatabase) points at the sheet of its localSheetId: the tab
 * order and the indexes stored in the workbook agree. Returns the count. */
static int check_local_names(const char *xlsx, const struct sheet *sheets, int n)
{
	char *wb = zip_part(xlsx, "xl/workbook.xml");
	const char *p = wb;
	int count = 0;

	while ((p = strstr(p, "<definedName ")) != NULL) {
		const char *id = strstr(p, "localSheetId=\"");
		const char *body = strchr(p, '>');
		char want[80];
		int k;

		assert_non_null(id);
		assert_non_null(body);
		k = atoi(id + 14);
		assert_true(k >= 0 && k < n);
		/* 'Users (2)'!$A$1:... or Users!$A$1:... */
		if (strchr(sheets[k].name, ' '))
			snprintf(want, sizeof(want), ">'%s'!", sheets[k].name);
		else
			snprintf(want, sizeof(want), ">%s!", sheets[k].name);
		assert_memory_equal(body, want, strlen(want));
		count++;
		p = body;
	}
	free(wb);
	return count;
}

static int sheet_rows(const char *xlsx, const struct sheet *sh)
{
	char *xml = zip_part(xlsx, sh->part);
	int n = count_of(xml, "<row ");

	free(xml);
	return n;
}

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* ---- users ------------------------------------------------------------ */

struct fixture_user {
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_decision d;
};

static void make_user(struct fixture_user *f, const char *id, const char *upn,
		      const char *name, enum mfa_state state, enum mfa_reg_status reg,
		      uint32_t findings, enum mfa_severity risk, enum mfa_action action,
		      enum mfa_hold_reason reason)
{
	memset(f, 0, sizeof(*f));
	mfa_user_init(&f->u);
	f->u.id = id;
	f->u.upn = upn;
	f->u.display_name = name;
	f->u.user_type = MFA_USER_TYPE_MEMBER;
	f->u.account_enabled = MFA_TRI_YES;
	f->u.state = state;
	f->u.is_admin = MFA_TRI_NO;
	f->u.reg.registered = reg == MFA_REG_REGISTERED ? MFA_TRI_YES :
			      reg == MFA_REG_NOT_REGISTERED ? MFA_TRI_NO : MFA_TRI_UNKNOWN;
	f->u.reg.capable = f->u.reg.registered;
	if (reg == MFA_REG_REGISTERED)
		f->u.reg.methods = (1u << MFA_METHOD_AUTHENTICATOR_PUSH) |
				   (1u << MFA_METHOD_MOBILE_PHONE);
	f->v.state = state;
	f->v.reg = reg;
	f->v.findings = findings;
	f->v.risk = risk;
	f->d.action = action;
	f->d.reason = reason;
	f->d.from = state;
	f->d.to = action == MFA_ACTION_DISABLE ? MFA_STATE_DISABLED : state;
}

#define BIT(f) (1u << (f))
#define COUNT_OF_TEST(a) (sizeof(a) / sizeof((a)[0]))

static void feed(struct mfa_sink *s, struct mfa_summary *sum, struct fixture_user *users,
		 size_t n, int has_plan)
{
	struct mfa_err err = MFA_ERR_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		struct mfa_row row = { &users[i].u, &users[i].v, has_plan ? &users[i].d : NULL };

		assert_int_equal(mfa_sink_row(s, &row, &err), 0);
		if (sum)
			mfa_summary_add(sum, row.user, row.verdict, row.decision);
	}
}

static void summary_for(struct mfa_summary *sum, int has_plan)
{
	mfa_summary_init(sum);
	sum->command = has_plan ? "plan" : "audit";
	sum->source_kind = "csv";
	sum->source_path = "users.csv";
	sum->format = "mfa-migrate-users";
	sum->has_plan = has_plan;
}

/* ---- tests ------------------------------------------------------------ */

static void test_plan_report(void **state)
{
	struct fixture_user users[4];
	struct mfa_summary sum;
	struct mfa_sink *s = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct sheet sheets[16];
	char *dir = tu_make_dir();
	char *xlsx = path_in(dir, "report.xlsx");
	char *tmp = path_in(dir, "report.xlsx.tmp");
	char *xml;
	struct stat st;
	int n;

	(void)state;
	make_user(&users[0], "11111111-1111-1111-1111-111111111111", "ann@contoso.example",
		  "Ann Example", MFA_STATE_ENFORCED, MFA_REG_REGISTERED,
		  BIT(MFA_FINDING_APP_PASSWORDS_POSSIBLE), MFA_SEV_MEDIUM,
		  MFA_ACTION_DISABLE, MFA_HOLD_NONE);
	make_user(&users[1], "22222222-2222-2222-2222-222222222222", "bob@contoso.example",
		  "=HYPERLINK(\"x\")", MFA_STATE_DISABLED, MFA_REG_REGISTERED, 0,
		  MFA_SEV_NONE, MFA_ACTION_KEEP, MFA_HOLD_NONE);
	make_user(&users[2], "33333333-3333-3333-3333-333333333333", "cy@contoso.example",
		  "Cy, \"the\" <admin> & co", MFA_STATE_ENABLED, MFA_REG_NOT_REGISTERED,
		  BIT(MFA_FINDING_ENABLED_NOT_REGISTERED) | BIT(MFA_FINDING_ADMIN_NOT_REGISTERED),
		  MFA_SEV_HIGH, MFA_ACTION_HOLD, MFA_HOLD_ADMIN);
	users[2].u.is_admin = MFA_TRI_YES;
	make_user(&users[3], "44444444-4444-4444-4444-444444444444", "dee@contoso.example",
		  NULL, MFA_STATE_UNKNOWN, MFA_REG_UNKNOWN,
		  BIT(MFA_FINDING_STATE_UNKNOWN) | BIT(MFA_FINDING_REGISTRATION_UNKNOWN),
		  MFA_SEV_HIGH, MFA_ACTION_HOLD, MFA_HOLD_STATE_UNKNOWN);
	users[3].u.state_error = "HTTP 403 Forbidden";

	summary_for(&sum, 1);
	assert_int_equal(mfa_xlsx_sink_open(&s, dir, 1, &err), 0);
	assert_string_equal(s->name, "report.xlsx");
	feed(s, &sum, users, 4, 1);
	mfa_summary_finish(&sum);
	/* Not there before finish: a report with its final name is complete. */
	assert_int_not_equal(access(xlsx, F_OK), 0);
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);

	assert_int_equal(stat(xlsx, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_not_equal(access(tmp, F_OK), 0);
	/* Nothing else left in the folder: libxlsxwriter's temporary files
	 * went with it. */
	assert_int_equal(tu_dir_entries(dir), 1);

	n = read_sheets(xlsx, sheets, 16);
	assert_int_equal(n, 4);
	assert_string_equal(sheets[0].name, "Summary");
	assert_string_equal(sheets[1].name, "Users");
	assert_string_equal(sheets[2].name, "Plan");
	assert_string_equal(sheets[3].name, "Findings");
	assert_int_equal(sheet_rows(xlsx, &sheets[1]), 1 + 4);
	assert_int_equal(sheet_rows(xlsx, &sheets[2]), 1 + 3); /* disable + 2 holds */
	assert_int_equal(sheet_rows(xlsx, &sheets[3]), 1 + 5); /* 1 + 0 + 2 + 2 findings */

	/* Users: header, frozen, filtered over header and data; the formula
	 * look-alike is a string cell, never a formula. */
	xml = zip_part(xlsx, sheets[1].part);
	assert_non_null(strstr(xml, ">userPrincipalName<"));
	assert_non_null(strstr(xml, ">stateError<"));
	assert_non_null(strstr(xml, "state=\"frozen\""));
	assert_non_null(strstr(xml, users_filter(5)));
	assert_non_null(strstr(xml, "<is><t>=HYPERLINK(\"x\")</t></is>") ?
				strstr(xml, "<is><t>=HYPERLINK(\"x\")</t></is>") :
				strstr(xml, "<is><t>=HYPERLINK(&quot;x&quot;)</t></is>"));
	assert_null(strstr(xml, "<f>"));
	assert_non_null(strstr(xml, "Cy, \"the\" &lt;admin&gt; &amp; co"));
	assert_non_null(strstr(xml, ">HTTP 403 Forbidden<"));
	assert_non_null(strstr(xml, ">microsoftAuthenticatorPush;mobilePhone<") ?
				strstr(xml, ">microsoftAuthenticatorPush;mobilePhone<") :
				strstr(xml, ">mobilePhone;microsoftAuthenticatorPush<"));
	assert_non_null(strstr(xml, ">admin-not-registered;enabled-not-registered<"));
	free(xml);

	/* Plan: from and to states of the disabled user. */
	xml = zip_part(xlsx, sheets[2].part);
	assert_non_null(strstr(xml, ">targetState<"));
	assert_int_equal(count_of(xml, ">disable<"), 1);
	assert_int_equal(count_of(xml, ">hold<"), 2);
	assert_non_null(strstr(xml, "<autoFilter ref=\"A1:I4\"/>"));
	free(xml);

	/* Findings: one row per (user, finding), with its advice. */
	xml = zip_part(xlsx, sheets[3].part);
	assert_int_equal(count_of(xml, ">state-unknown<"), 1);
	assert_int_equal(count_of(xml, ">admin-not-registered<"), 1);
	assert_int_equal(count_of(xml, ">bob@contoso.example<"), 0);
	assert_non_null(strstr(xml, mfa_finding_advice(MFA_FINDING_APP_PASSWORDS_POSSIBLE)));
	free(xml);

	/* Summary: counts as numbers, and a chart over its cells. */
	xml = zip_part(xlsx, sheets[0].part);
	assert_non_null(strstr(xml, ">users by class<"));
	assert_non_null(strstr(xml, ">users by action<"));
	assert_non_null(strstr(xml, ">least time to apply (seconds)<"));
	assert_non_null(strstr(xml, "<v>4</v>"));
	assert_non_null(strstr(xml, "<drawing "));
	free(xml);
	xml = zip_part(xlsx, "xl/charts/chart1.xml");
	assert_non_null(strstr(xml, "Summary!$"));
	free(xml);

	free(xlsx);
	free(tmp);
	tu_remove_dir(dir);
}

static void test_continuation_sheets(void **state)
{
	struct mfa_xlsx_sink_options opts = MFA_XLSX_SINK_OPTIONS_INIT;
	struct fixture_user users[7];
	char ids[7][40], upns[7][40];
	struct mfa_summary sum;
	struct mfa_sink *s = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct sheet sheets[16];
	char *dir = tu_make_dir();
	char *xlsx = path_in(dir, "report.xlsx");
	char *xml;
	int i, n;

	(void)state;
	for (i = 0; i < 7; i++) {
		snprintf(ids[i], sizeof(ids[i]), "0000000%d-0000-0000-0000-000000000000", i);
		snprintf(upns[i], sizeof(upns[i]), "user%d@contoso.example", i);
		/* Every user enforced and unregistered: 7 plan rows, 7 findings. */
		make_user(&users[i], ids[i], upns[i], "User", MFA_STATE_ENFORCED,
			  MFA_REG_NOT_REGISTERED, BIT(MFA_FINDING_ENFORCED_NOT_REGISTERED),
			  MFA_SEV_MEDIUM, MFA_ACTION_DISABLE, MFA_HOLD_NONE);
	}
	summary_for(&sum, 1);
	opts.has_plan = 1;
	opts.rows_per_sheet = 3;
	assert_int_equal(mfa_xlsx_sink_open_opt(&s, dir, &opts, &err), 0);
	feed(s, &sum, users, 7, 1);
	mfa_summary_finish(&sum);
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);

	n = read_sheets(xlsx, sheets, 16);
	assert_int_equal(n, 10);
	{
		static const char *const want[] = {
			"Summary", "Users", "Users (2)", "Users (3)", "Plan", "Plan (2)",
			"Plan (3)", "Findings", "Findings (2)", "Findings (3)",
		};
		static const int rows[] = { -1, 3, 3, 1, 3, 3, 1, 3, 3, 1 };

		for (i = 0; i < n; i++) {
			assert_string_equal(sheets[i].name, want[i]);
			if (rows[i] >= 0)
				assert_int_equal(sheet_rows(xlsx, &sheets[i]), 1 + rows[i]);
		}
	}
	/* An autofilter on every sheet but the Summary, each named for its own sheet. */
	assert_int_equal(check_local_names(xlsx, sheets, n), n - 1);
	/* Each continuation repeats the header, carries its own filter, and
	 * holds the users that follow on from the sheet before it. */
	xml = zip_part(xlsx, sheets[2].part);
	assert_non_null(strstr(xml, ">userPrincipalName<"));
	assert_non_null(strstr(xml, users_filter(4)));
	assert_non_null(strstr(xml, ">user3@contoso.example<"));
	assert_non_null(strstr(xml, ">user5@contoso.example<"));
	assert_null(strstr(xml, ">user2@contoso.example<"));
	free(xml);
	xml = zip_part(xlsx, sheets[3].part);
	assert_non_null(strstr(xml, ">user6@contoso.example<"));
	assert_non_null(strstr(xml, users_filter(2)));
	free(xml);

	free(xlsx);
	tu_remove_dir(dir);
}

static void test_audit_report(void **state)
{
	struct fixture_user users[2];
	struct mfa_summary sum;
	struct mfa_sink *s = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct sheet sheets[16];
	char *dir = tu_make_dir();
	char *xlsx = path_in(dir, "report.xlsx");
	char *xml;
	int n;

	(void)state;
	make_user(&users[0], "1", "a@contoso.example", "A", MFA_STATE_ENFORCED,
		  MFA_REG_REGISTERED, 0, MFA_SEV_NONE, MFA_ACTION_DISABLE, MFA_HOLD_NONE);
	make_user(&users[1], "2", "b@contoso.example", "B", MFA_STATE_DISABLED,
		  MFA_REG_REGISTERED, 0, MFA_SEV_NONE, MFA_ACTION_KEEP, MFA_HOLD_NONE);
	summary_for(&sum, 0);
	assert_int_equal(mfa_xlsx_sink_open(&s, dir, 0, &err), 0);
	feed(s, &sum, users, 2, 0);
	mfa_summary_finish(&sum);
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);

	n = read_sheets(xlsx, sheets, 16);
	assert_int_equal(n, 3);
	assert_string_equal(sheets[0].name, "Summary");
	assert_string_equal(sheets[1].name, "Users");
	assert_string_equal(sheets[2].name, "Findings");
	assert_int_equal(sheet_rows(xlsx, &sheets[2]), 1); /* header only */
	xml = zip_part(xlsx, sheets[1].part);
	assert_null(strstr(xml, ">disable<")); /* no action column values */
	assert_null(strstr(xml, ">keep<"));
	free(xml);
	xml = zip_part(xlsx, sheets[0].part);
	assert_null(strstr(xml, ">users by action<"));
	free(xml);

	free(xlsx);
	tu_remove_dir(dir);
}

static void add_prev(struct mfa_baseline *b, const char *id, const char *upn,
		     const char *name, enum mfa_state state)
{
	struct mfa_baseline_entry e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	e.upn = upn;
	e.display_name = name;
	e.state = state;
	e.registered = MFA_TRI_YES;
	e.methods = (1u << MFA_METHOD_AUTHENTICATOR_PUSH) | (1u << MFA_METHOD_MOBILE_PHONE);
	e.is_admin = MFA_TRI_NO;
	assert_int_equal(mfa_baseline_add(b, &e, NULL), 0);
}

/* audit --compare: a Changes sheet after Findings with the rows of
 * changes.csv, the removed user last, and the counts on the Summary. The
 * counting sink goes first and marks the baseline, as the CLI wires it;
 * the xlsx sink only reads the marks. */
static void test_changes_sheet(void **state)
{
	struct fixture_user users[3];
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_change_counts counts;
	struct mfa_change_filter filter = MFA_CHANGE_FILTER_INIT;
	bool matched = false;
	struct mfa_summary sum;
	struct mfa_sink *sinks[2] = { NULL, NULL };
	struct mfa_err err = MFA_ERR_INIT;
	struct sheet sheets[16];
	char *dir = tu_make_dir();
	char *xlsx = path_in(dir, "report.xlsx");
	char *xml;
	size_t i, k;
	int n;

	(void)state;
	assert_non_null(b);
	add_prev(b, "id-a", "a@contoso.example", "Ann", MFA_STATE_DISABLED);
	add_prev(b, "id-b", "b@contoso.example", "Bob", MFA_STATE_ENFORCED);
	add_prev(b, "id-c", "c@contoso.example", "Cy", MFA_STATE_DISABLED);
	/* a: per-user MFA back on; b: unchanged; d: new; c: gone. */
	make_user(&users[0], "id-a", "a@contoso.example", "Ann", MFA_STATE_ENFORCED,
		  MFA_REG_REGISTERED, 0, MFA_SEV_NONE, MFA_ACTION_DISABLE, MFA_HOLD_NONE);
	make_user(&users[1], "id-b", "b@contoso.example", "Bob", MFA_STATE_ENFORCED,
		  MFA_REG_REGISTERED, 0, MFA_SEV_NONE, MFA_ACTION_DISABLE, MFA_HOLD_NONE);
	make_user(&users[2], "id-d", "d@contoso.example", "Dee", MFA_STATE_DISABLED,
		  MFA_REG_REGISTERED, 0, MFA_SEV_NONE, MFA_ACTION_KEEP, MFA_HOLD_NONE);

	summary_for(&sum, 0);
	sum.compare_path = "reports/previous-audit";
	sum.changes = &counts;
	assert_int_equal(mfa_changes_count_sink_open(&sinks[0], b, &counts, &filter, &matched,
						     &err), 0);
	assert_int_equal(mfa_xlsx_sink_open(&sinks[1], dir, 0, &err), 0);
	mfa_xlsx_sink_set_baseline(sinks[1], b);
	/* Ignored: not an xlsx sink. */
	mfa_xlsx_sink_set_baseline(sinks[0], b);
	mfa_xlsx_sink_set_baseline(NULL, b);
	for (i = 0; i < 3; i++) {
		struct mfa_row row = { &users[i].u, &users[i].v, NULL };

		for (k = 0; k < 2; k++)
			assert_int_equal(mfa_sink_row(sinks[k], &row, &err), 0);
		mfa_summary_add(&sum, row.user, row.verdict, row.decision);
	}
	mfa_summary_finish(&sum);
	for (k = 0; k < 2; k++)
		assert_int_equal(mfa_sink_finish(sinks[k], &sum, &err), 0);
	for (k = 0; k < 2; k++)
		mfa_sink_free(sinks[k]);
	/* The counting sink saw a removed user, so the xlsx sink, reading
	 * the same marks, must list exactly one. */
	assert_int_equal(counts.by_kind[MFA_CHANGE_REMOVED], 1);
	assert_int_equal(counts.changed, 3);

	n = read_sheets(xlsx, sheets, 16);
	assert_int_equal(n, 4);
	assert_string_equal(sheets[0].name, "Summary");
	assert_string_equal(sheets[1].name, "Users");
	assert_string_equal(sheets[2].name, "Findings");
	assert_string_equal(sheets[3].name, "Changes");
	/* Header, a (state-away-from-disabled), d (added), c (removed). */
	assert_int_equal(sheet_rows(xlsx, &sheets[3]), 1 + 3);

	xml = zip_part(xlsx, sheets[3].part);
	assert_non_null(strstr(xml, ">change<"));
	assert_non_null(strstr(xml, ">detail<"));
	assert_non_null(strstr(xml, "state=\"frozen\""));
	assert_non_null(strstr(xml, "<autoFilter ref=\"A1:H4\"/>"));
	assert_int_equal(count_of(xml, ">state-away-from-disabled<"), 1);
	assert_int_equal(count_of(xml, ">added<"), 1);
	assert_int_equal(count_of(xml, ">removed<"), 1);
	assert_null(strstr(xml, ">b@contoso.example<"));
	/* The removed user comes last. */
	assert_non_null(strstr(xml, ">c@contoso.example<"));
	assert_true(strstr(xml, ">c@contoso.example<") > strstr(xml, ">d@contoso.example<"));
	assert_true(strstr(xml, ">d@contoso.example<") > strstr(xml, ">a@contoso.example<"));
	free(xml);

	xml = zip_part(xlsx, sheets[0].part);
	assert_non_null(strstr(xml, ">changes since the previous run<"));
	assert_non_null(strstr(xml, ">reports/previous-audit<"));
	assert_non_null(strstr(xml, ">previous users<"));
	assert_non_null(strstr(xml, ">users changed<"));
	assert_non_null(strstr(xml, ">state-away-from-disabled<"));
	assert_non_null(strstr(xml, ">removed<"));
	free(xml);

	mfa_baseline_free(b);
	free(xlsx);
	tu_remove_dir(dir);
}

/* An interrupted run lists no removed user (maybe just not reached), and
 * a run without users still has the Changes sheet, header only. */
static void test_changes_sheet_incomplete(void **state)
{
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_change_counts counts;
	struct mfa_summary sum;
	struct mfa_sink *s = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct sheet sheets[16];
	char *dir = tu_make_dir();
	char *xlsx = path_in(dir, "report.xlsx");
	char *xml;

	(void)state;
	assert_non_null(b);
	add_prev(b, "id-a", "a@contoso.example", "Ann", MFA_STATE_DISABLED);
	mfa_change_counts_init(&counts);
	summary_for(&sum, 0);
	sum.changes = &counts;
	sum.incomplete = 1;
	assert_int_equal(mfa_xlsx_sink_open(&s, dir, 0, &err), 0);
	mfa_xlsx_sink_set_baseline(s, b);
	mfa_summary_finish(&sum);
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);

	assert_int_equal(read_sheets(xlsx, sheets, 16), 4);
	assert_string_equal(sheets[3].name, "Changes");
	assert_int_equal(sheet_rows(xlsx, &sheets[3]), 1);
	xml = zip_part(xlsx, sheets[0].part);
	assert_non_null(strstr(xml, ">not counted: the run was interrupted<"));
	free(xml);

	mfa_baseline_free(b);
	free(xlsx);
	tu_remove_dir(dir);
}

/* Invalid UTF-8 would make the whole sheet unreadable, and Excel refuses a
 * cell over 32,767 characters: both are repaired, not passed through. */
static void test_cell_repair(void **state)
{
	struct fixture_user users[2];
	struct mfa_summary sum;
	struct mfa_sink *s = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	struct sheet sheets[16];
	char *dir = tu_make_dir();
	char *xlsx = path_in(dir, "report.xlsx");
	char *longname = malloc(40001);
	char run_a[32768 + 2];
	char *xml;

	(void)state;
	assert_non_null(longname);
	memset(longname, 'a', 40000);
	longname[40000] = '\0';
	make_user(&users[0], "1", "a@contoso.example", longname, MFA_STATE_DISABLED,
		  MFA_REG_REGISTERED, 0, MFA_SEV_NONE, MFA_ACTION_KEEP, MFA_HOLD_NONE);
	make_user(&users[1], "2", "b@contoso.example", "Bad \xff\xfe byte, caf\xc3\xa9",
		  MFA_STATE_DISABLED, MFA_REG_REGISTERED, 0, MFA_SEV_NONE, MFA_ACTION_KEEP,
		  MFA_HOLD_NONE);
	summary_for(&sum, 1);
	assert_int_equal(mfa_xlsx_sink_open(&s, dir, 1, &err), 0);
	feed(s, &sum, users, 2, 1);
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);

	assert_int_equal(read_sheets(xlsx, sheets, 16), 4);
	xml = zip_part(xlsx, sheets[1].part);
	/* Exactly 32,767 a's: "<t>" + run + "<". */
	run_a[0] = '>';
	memset(run_a + 1, 'a', 32767);
	run_a[32768] = '<';
	run_a[32769] = '\0';
	assert_non_null(strstr(xml, run_a));
	assert_non_null(strstr(xml, ">Bad \xef\xbf\xbd\xef\xbf\xbd byte, caf\xc3\xa9<"));
	free(xml);

	free(longname);
	free(xlsx);
	tu_remove_dir(dir);
}

static void test_free_unfinished(void **state)
{
	struct fixture_user users[3];
	struct mfa_sink *s = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir();
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		make_user(&users[i], "1", "a@contoso.example", "A", MFA_STATE_ENABLED,
			  MFA_REG_REGISTERED, BIT(MFA_FINDING_ENABLED_REGISTERED), MFA_SEV_LOW,
			  MFA_ACTION_DISABLE, MFA_HOLD_NONE);
	assert_int_equal(mfa_xlsx_sink_open(&s, dir, 1, &err), 0);
	feed(s, NULL, users, 3, 1);
	mfa_sink_free(s);
	/* No report.xlsx, no report.xlsx.tmp, no libxlsxwriter leftovers. */
	assert_int_equal(tu_dir_entries(dir), 0);

	/* Freed right after open, too. */
	assert_int_equal(mfa_xlsx_sink_open(&s, dir, 0, &err), 0);
	mfa_sink_free(s);
	assert_int_equal(tu_dir_entries(dir), 0);
	mfa_sink_free(NULL);
	tu_remove_dir(dir);
}

/* audit --compare past the row limit: the continued Users sheets, then
 * Findings, then Changes with its own continuation, the removed users on
 * the last one; the file is 0600 whatever the umask; nothing else is left
 * in the folder (the spools and libxlsxwriter's files went with it). */
static void test_changes_continuation(void **state)
{
	struct mfa_xlsx_sink_options opts = MFA_XLSX_SINK_OPTIONS_INIT;
	struct fixture_user users[5];
	char ids[5][40], upns[5][40], prev_ids[3][40], prev_upns[3][40];
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_change_counts counts;
	struct mfa_change_filter filter = MFA_CHANGE_FILTER_INIT;
	bool matched = false;
	struct mfa_summary sum;
	struct mfa_sink *sinks[2] = { NULL, NULL };
	struct mfa_err err = MFA_ERR_INIT;
	struct sheet sheets[32];
	char *dir = tu_make_dir();
	char *xlsx = path_in(dir, "report.xlsx");
	struct stat st;
	mode_t old_umask;
	char *xml;
	size_t k;
	int i, n;

	(void)state;
	assert_non_null(b);
	/* Previous run: prev0..prev2, all disabled; now: user0..user4, enforced
	 * and not registered: 5 added, 3 removed, 5 findings. */
	for (i = 0; i < 3; i++) {
		snprintf(prev_ids[i], sizeof(prev_ids[i]), "prev-%d", i);
		snprintf(prev_upns[i], sizeof(prev_upns[i]), "prev%d@contoso.example", i);
		add_prev(b, prev_ids[i], prev_upns[i], "Prev", MFA_STATE_DISABLED);
	}
	for (i = 0; i < 5; i++) {
		snprintf(ids[i], sizeof(ids[i]), "now-%d", i);
		snprintf(upns[i], sizeof(upns[i]), "user%d@contoso.example", i);
		make_user(&users[i], ids[i], upns[i], "User", MFA_STATE_ENFORCED,
			  MFA_REG_NOT_REGISTERED, BIT(MFA_FINDING_ENFORCED_NOT_REGISTERED),
			  MFA_SEV_MEDIUM, MFA_ACTION_DISABLE, MFA_HOLD_NONE);
	}
	summary_for(&sum, 0);
	sum.compare_path = "reports/previous-audit";
	sum.changes = &counts;
	old_umask = umask(0);
	opts.rows_per_sheet = 2;
	assert_int_equal(mfa_changes_count_sink_open(&sinks[0], b, &counts, &filter, &matched,
						     &err), 0);
	assert_int_equal(mfa_xlsx_sink_open_opt(&sinks[1], dir, &opts, &err), 0);
	mfa_xlsx_sink_set_baseline(sinks[1], b);
	for (i = 0; i < 5; i++) {
		struct mfa_row row = { &users[i].u, &users[i].v, NULL };

		for (k = 0; k < 2; k++)
			assert_int_equal(mfa_sink_row(sinks[k], &row, &err), 0);
		mfa_summary_add(&sum, row.user, row.verdict, row.decision);
	}
	mfa_summary_finish(&sum);
	for (k = 0; k < 2; k++)
		assert_int_equal(mfa_sink_finish(sinks[k], &sum, &err), 0);
	for (k = 0; k < 2; k++)
		mfa_sink_free(sinks[k]);
	umask(old_umask);
	assert_int_equal(counts.by_kind[MFA_CHANGE_ADDED], 5);
	assert_int_equal(counts.by_kind[MFA_CHANGE_REMOVED], 3);

	assert_int_equal(stat(xlsx, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tu_dir_entries(dir), 1);

	n = read_sheets(xlsx, sheets, 32);
	{
		static const char *const want[] = {
			"Summary", "Users", "Users (2)", "Users (3)", "Findings", "Findings (2)",
			"Findings (3)", "Changes", "Changes (2)", "Changes (3)", "Changes (4)",
			"Changes (5)", "Changes (6)", "Changes (7)",
		};
		/* Changes: each new user is added and has a new finding. */
		static const int rows[] = { -1, 2, 2, 1, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1 };

		assert_int_equal(n, (int)COUNT_OF_TEST(want));
		for (i = 0; i < n; i++) {
			assert_string_equal(sheets[i].name, want[i]);
			if (rows[i] >= 0)
				assert_int_equal(sheet_rows(xlsx, &sheets[i]), 1 + rows[i]);
		}
	}
	assert_int_equal(check_local_names(xlsx, sheets, n), n - 1);
	/* Changes: the added users first, in row order, then the removed ones. */
	xml = zip_part(xlsx, sheets[7].part);
	assert_non_null(strstr(xml, ">change<"));
	assert_int_equal(count_of(xml, ">user0@contoso.example<"), 2);
	assert_int_equal(count_of(xml, ">added<"), 1);
	assert_non_null(strstr(xml, "<autoFilter ref=\"A1:H3\"/>"));
	free(xml);
	xml = zip_part(xlsx, sheets[11].part);
	assert_int_equal(count_of(xml, ">user4@contoso.example<"), 2);
	free(xml);
	xml = zip_part(xlsx, sheets[12].part);
	assert_non_null(strstr(xml, ">prev0@contoso.example<"));
	assert_non_null(strstr(xml, ">prev1@contoso.example<"));
	assert_int_equal(count_of(xml, ">removed<"), 2);
	free(xml);
	xml = zip_part(xlsx, sheets[13].part);
	assert_non_null(strstr(xml, ">prev2@contoso.example<"));
	assert_int_equal(count_of(xml, ">removed<"), 1);
	assert_non_null(strstr(xml, "<autoFilter ref=\"A1:H2\"/>"));
	free(xml);
	/* Findings follow on across their sheets. */
	xml = zip_part(xlsx, sheets[6].part);
	assert_non_null(strstr(xml, ">user4@contoso.example<"));
	assert_non_null(strstr(xml, ">enforced-not-registered<"));
	free(xml);

	mfa_baseline_free(b);
	free(xlsx);
	tu_remove_dir(dir);
}

/* Abandoned after its sheets continued and rows were spooled: no report,
 * no temporary file, no spool or libxlsxwriter file left. */
static void test_free_unfinished_continued(void **state)
{
	struct mfa_xlsx_sink_options opts = MFA_XLSX_SINK_OPTIONS_INIT;
	struct fixture_user users[9];
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_sink *s = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir();
	int i;

	(void)state;
	assert_non_null(b);
	add_prev(b, "gone", "gone@contoso.example", "Gone", MFA_STATE_DISABLED);
	for (i = 0; i < 9; i++)
		make_user(&users[i], "1", "a@contoso.example", "A", MFA_STATE_ENABLED,
			  MFA_REG_REGISTERED, BIT(MFA_FINDING_ENABLED_REGISTERED), MFA_SEV_LOW,
			  MFA_ACTION_DISABLE, MFA_HOLD_NONE);
	opts.has_plan = 1;
	opts.rows_per_sheet = 2;
	assert_int_equal(mfa_xlsx_sink_open_opt(&s, dir, &opts, &err), 0);
	mfa_xlsx_sink_set_baseline(s, b);
	feed(s, NULL, users, 9, 1);
	mfa_sink_free(s);
	assert_int_equal(tu_dir_entries(dir), 0);
	mfa_baseline_free(b);
	tu_remove_dir(dir);
}

static void test_open_fails_on_missing_folder(void **state)
{
	struct mfa_sink *s = (struct mfa_sink *)&s; /* must be reset to NULL */
	struct mfa_err err = MFA_ERR_INIT;
	char *dir = tu_make_dir();
	char *missing = path_in(dir, "no/such/folder");

	(void)state;
	assert_true(mfa_xlsx_sink_open(&s, missing, 1, &err) < 0);
	assert_null(s);
	assert_non_null(strstr(err.msg, "report.xlsx"));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	free(missing);
	tu_remove_dir(dir);
}

/* What the CLI makes of MFA_XLSX_MAX_ROWS (a test hook). */
static void test_rows_per_sheet(void **state)
{
	static const struct {
		const char *env;
		unsigned long want;
	} cases[] = {
		{ NULL, 1048575UL },
		{ "3", 3 },
		{ "1", 1 },
		{ "0", 1048575UL },
		{ "", 1048575UL },
		{ "abc", 1048575UL },
		{ "12x", 1048575UL },
		{ "-1", 1048575UL },
		{ "2000000", 1048575UL },
		{ "99999999999999999999999", 1048575UL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(mfa_xlsx_rows_parse(cases[i].env), cases[i].want);
	assert_int_equal(MFA_XLSX_ROWS_MAX, 1048575UL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_per_sheet),
		cmocka_unit_test(test_plan_report),
		cmocka_unit_test(test_continuation_sheets),
		cmocka_unit_test(test_audit_report),
		cmocka_unit_test(test_changes_sheet),
		cmocka_unit_test(test_changes_sheet_incomplete),
		cmocka_unit_test(test_cell_repair),
		cmocka_unit_test(test_free_unfinished),
		cmocka_unit_test(test_changes_continuation),
		cmocka_unit_test(test_free_unfinished_continued),
		cmocka_unit_test(test_open_fails_on_missing_folder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
