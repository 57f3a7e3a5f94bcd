/* plan.jsonl: written by the sink, verified and read back by the reader;
 * truncated, edited and reordered files are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa/util/outfile.h"
#include "mfa/apply/planfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mfa-test-planfile-XXXXXX";
static char path[256];

static const struct {
	const char *id, *upn, *name, *mail;
	enum mfa_state state;
} users[] = {
	{ "11111111-0000-0000-0000-000000000001", "ann@contoso.example", "Ann \"Quote\", Jr.", "ann.q@contoso.example", MFA_STATE_ENFORCED },
	{ "11111111-0000-0000-0000-000000000002", "bob@contoso.example", "Bob", NULL, MFA_STATE_DISABLED },
	{ "11111111-0000-0000-0000-000000000003", "cy@contoso.example", "=cmd|' /C calc'!A0", "", MFA_STATE_ENABLED },
	{ NULL, "dee@contoso.example", "Dee\nNewline", "d\u00e9e@contoso.example", MFA_STATE_UNKNOWN },
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

/* The plan of users[] under po; towards enabled or enforced the first
 * user is registered. */
static void write_plan_with(const struct mfa_plan_options *popts)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_plan_options po = *popts;
	struct mfa_planfile_meta meta = { "tenant-1", "csv", "in.csv", NULL, NULL, NULL, &po, "" };
	struct mfa_sink *s = NULL;
	struct mfa_summary sum;
	size_t i;

	mfa_summary_init(&sum);
	assert_int_equal(mfa_planfile_sink_open(&s, dir, &meta, &err), 0);
	for (i = 0; i < NUSERS; i++) {
		struct mfa_user u;
		struct mfa_verdict v;
		struct mfa_decision d;
		struct mfa_row row = { &u, &v, &d };

		mfa_user_init(&u);
		u.id = users[i].id;
		u.upn = users[i].upn;
		u.display_name = users[i].name;
		u.mail = users[i].mail;
		u.state = users[i].state;
		if (i == 0 && po.target != MFA_STATE_DISABLED)
			u.reg.registered = MFA_TRI_YES;
		mfa_classify(NULL, &u, &v);
		mfa_plan_decide(&po, &u, &v, &d);
		mfa_summary_add(&sum, &u, &v, &d);
		assert_int_equal(mfa_sink_row(s, &row, &err), 0);
	}
	mfa_summary_finish(&sum);
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);
}

static void write_plan(void)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;

	write_plan_with(&po);
}

static char *slurp(size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void expect_refused(const char *needle)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_planfile_reader *r = NULL;

	assert_int_equal(mfa_planfile_open(&r, path, &err), -1);
	assert_null(r);
	print_message("refused: %s\n", err.msg);
	assert_non_null(strstr(err.msg, needle));
}

static void test_round_trip(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_planfile_reader *r = NULL;
	struct mfa_plan_entry e;
	const struct mfa_planfile_header *h;
	struct stat st;
	size_t i = 0;
	int rc;

	(void)state;
	write_plan();
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(mfa_planfile_open(&r, path, &err), 0);
	h = mfa_planfile_header(r);
	assert_string_equal(h->tenant_id, "tenant-1");
	assert_string_equal(h->source_kind, "csv");
	assert_int_equal(strlen(h->sha256), 64);
	assert_int_equal(h->users, NUSERS);
	assert_int_equal(h->by_action[MFA_ACTION_DISABLE], 2);
	assert_int_equal(h->by_action[MFA_ACTION_KEEP], 1);
	assert_int_equal(h->by_action[MFA_ACTION_HOLD], 1);
	while ((rc = mfa_planfile_next(r, &e, &err)) > 0) {
		assert_true(i < NUSERS);
		assert_int_equal(e.seq, i + 1);
		assert_string_equal(e.upn, users[i].upn);
		assert_string_equal(e.display_name, users[i].name);
		/* mail: carried as read; none (or "") is null, never made up */
		if (users[i].mail && users[i].mail[0])
			assert_string_equal(e.mail, users[i].mail);
		else
			assert_null(e.mail);
		if (users[i].id)
			assert_string_equal(e.id, users[i].id);
		else
			assert_null(e.id);
		assert_int_equal(e.from, users[i].state);
		i++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, NUSERS);
	mfa_planfile_close(r);
	/* Nothing temporary is left behind. */
	{
		char tmp[300];
		snprintf(tmp, sizeof(tmp), "%s/plan.jsonl.body.tmp", dir);
		assert_int_not_equal(access(tmp, F_OK), 0);
		snprintf(tmp, sizeof(tmp), "%s/plan.jsonl.tmp", dir);
		assert_int_not_equal(access(tmp, F_OK), 0);
	}
}

static void test_truncated(void **state)
{
	size_t len;
	char *buf;
	char *last;

	(void)state;
	write_plan();
	buf = slurp(&len);
	/* Cut the trailer line off entirely. */
	buf[len - 1] = '\0';
	last = strrchr(buf, '\n');
	spit(buf, (size_t)(last - buf) + 1);
	expect_refused("no trailer");
	/* Cut in the middle of a line. */
	spit(buf, len / 2);
	expect_refused("truncated");
	free(buf);
}

static void test_edited(void **state)
{
	size_t len;
	char *buf, *p;

	(void)state;
	write_plan();
	buf = slurp(&len);
	p = strstr(buf, "\"action\":\"keep\"");
	assert_non_null(p);
	memcpy(p, "\"action\":\"hold\"", 15);
	spit(buf, len);
	expect_refused("changed after it was written");
	free(buf);
}

static void test_reordered(void **state)
{
	size_t len;
	char *buf, *l2, *l3, *l4, *out;
	size_t a, b;

	(void)state;
	write_plan();
	buf = slurp(&len);
	l2 = strchr(buf, '\n') + 1;  /* first user line */
	l3 = strchr(l2, '\n') + 1;
	l4 = strchr(l3, '\n') + 1;
	a = (size_t)(l3 - l2);
	b = (size_t)(l4 - l3);
	out = malloc(len);
	memcpy(out, buf, (size_t)(l2 - buf));
	memcpy(out + (l2 - buf), l3, b);
	memcpy(out + (l2 - buf) + b, l2, a);
	memcpy(out + (l4 - buf), l4, len - (size_t)(l4 - buf));
	spit(out, len);
	expect_refused("out of order");
	free(out);
	free(buf);
}

/* Writes a plan of one user (enforced, to disable) named as given. */
static int write_one(const char *upn, const char *name, struct mfa_err *err)
{
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_planfile_meta meta = { "tenant-1", "graph", NULL, NULL, NULL, NULL, &po, "" };
	struct mfa_sink *s = NULL;
	struct mfa_summary sum;
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_decision d;
	struct mfa_row row = { &u, &v, &d };
	int rc;

	unlink(path);
	mfa_summary_init(&sum);
	assert_int_equal(mfa_planfile_sink_open(&s, dir, &meta, err), 0);
	mfa_user_init(&u);
	u.id = "11111111-0000-0000-0000-000000000009";
	u.upn = upn;
	u.display_name = name;
	u.state = MFA_STATE_ENFORCED;
	mfa_classify(NULL, &u, &v);
	mfa_plan_decide(&po, &u, &v, &d);
	mfa_summary_add(&sum, &u, &v, &d);
	rc = mfa_sink_row(s, &row, err);
	mfa_summary_finish(&sum);
	if (rc == 0)
		rc = mfa_sink_finish(s, &sum, err);
	mfa_sink_free(s);
	return rc;
}

/* The writer never writes a line the reader refuses: a 100 KB display
 * name (control characters and all, 6 bytes each once escaped) is cut to
 * MFA_PLANFILE_MAX_NAME bytes at a character boundary; an over-long UPN
 * fails the plan, naming the user. */
static void test_line_limit(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_planfile_reader *r = NULL;
	struct mfa_plan_entry e;
	size_t n = 100 * 1024, i;
	char *name = malloc(n + 1), *upn = malloc(MFA_PLANFILE_MAX_KEY + 2);

	(void)state;
	assert_non_null(name);
	assert_non_null(upn);
	name[0] = 'a'; /* then 2-byte characters: byte 1024 falls inside one */
	for (i = 1; i + 1 < n; i += 2) {
		name[i] = (char)0xC3;
		name[i + 1] = (char)0xA9;
	}
	name[i] = '\0';
	assert_int_equal(write_one("long@contoso.example", name, &err), 0);
	assert_int_equal(mfa_planfile_open(&r, path, &err), 0);
	assert_int_equal(mfa_planfile_next(r, &e, &err), 1);
	assert_int_equal(strlen(e.display_name), MFA_PLANFILE_MAX_NAME - 1);
	assert_memory_equal(e.display_name, name, MFA_PLANFILE_MAX_NAME - 1);
	assert_int_equal(e.action, MFA_ACTION_DISABLE);
	mfa_planfile_close(r);

	memset(name, 0x01, MFA_PLANFILE_MAX_NAME * 4); /* escaped as \u0001 */
	name[MFA_PLANFILE_MAX_NAME * 4] = '\0';
	assert_int_equal(write_one("ctl@contoso.example", name, &err), 0);
	assert_int_equal(mfa_planfile_open(&r, path, &err), 0);
	assert_int_equal(mfa_planfile_next(r, &e, &err), 1);
	assert_int_equal(strlen(e.display_name), MFA_PLANFILE_MAX_NAME);
	mfa_planfile_close(r);

	memset(upn, 'u', MFA_PLANFILE_MAX_KEY + 1);
	upn[MFA_PLANFILE_MAX_KEY + 1] = '\0';
	assert_int_equal(write_one(upn, "Long UPN", &err), -1);
	print_message("refused: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "user 1"));
	assert_int_not_equal(access(path, F_OK), 0);
	free(name);
	free(upn);
}

static void test_not_a_plan(void **state)
{
	(void)state;
	spit("id,userPrincipalName\n1,a@b\n", 27);
	expect_refused("not an mfa-migrate plan");
	spit("", 0);
	expect_refused("empty");
	unlink(path);
	expect_refused("cannot open");
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/plan.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	char side[300];

	(void)state;
	snprintf(side, sizeof(side), "%s.sha256", path);
	unlink(side);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void test_target_round_trip(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_plan_options po = MFA_PLAN_OPTIONS_INIT;
	struct mfa_planfile_reader *r = NULL;
	struct mfa_plan_entry e;
	const struct mfa_planfile_header *h;
	char *buf, *p;
	size_t len;

	(void)state;
	po.target = MFA_STATE_ENABLED;
	po.despite_conditional_access = true;
	write_plan_with(&po);
	buf = slurp(&len);
	assert_non_null(strstr(buf, "\"target\":\"enabled\""));
	assert_non_null(strstr(buf, "\"counts\":{\"users\":4,\"keep\":1,\"hold\":1,\"enable\":2,"));
	assert_null(strstr(buf, "\"disable\":"));
	assert_int_equal(mfa_planfile_open(&r, path, &err), 0);
	h = mfa_planfile_header(r);
	assert_int_equal(h->target, MFA_STATE_ENABLED);
	assert_int_equal(h->by_action[MFA_ACTION_ENABLE], 2);
	/* Ann: registered, enforced -> enabled, Graph keeps her enforced */
	assert_int_equal(mfa_planfile_next(r, &e, &err), 1);
	assert_int_equal(e.action, MFA_ACTION_ENABLE);
	assert_int_equal(e.from, MFA_STATE_ENFORCED);
	assert_int_equal(e.to, MFA_STATE_ENABLED);
	assert_int_equal(e.expect, MFA_STATE_ENFORCED);
	/* Bob: registration unknown, disabled -> enabled, no expect */
	assert_int_equal(mfa_planfile_next(r, &e, &err), 1);
	assert_int_equal(e.action, MFA_ACTION_ENABLE);
	assert_int_equal(e.expect, MFA_STATE_ENABLED);
	/* Cy: already enabled */
	assert_int_equal(mfa_planfile_next(r, &e, &err), 1);
	assert_int_equal(e.action, MFA_ACTION_KEEP);
	mfa_planfile_close(r);
	/* only one "expect", on Ann's line */
	p = strstr(buf, "\"expect\":\"enforced\"");
	assert_non_null(p);
	assert_null(strstr(p + 1, "\"expect\""));
	free(buf);
}

static void test_target_in_header(void **state)
{
	char *buf, *p;
	size_t len;

	(void)state;
	write_plan();
	buf = slurp(&len);
	assert_non_null(strstr(buf, "\"target\":\"disabled\","));
	assert_null(strstr(buf, "\"expect\""));
	assert_null(strstr(buf, "\"enable\""));
	/* a header naming another target is refused at the first change line */
	p = strstr(buf, "\"target\":\"disabled\"");
	memcpy(p, "\"target\":\"enforced\"", strlen("\"target\":\"enforced\""));
	spit(buf, len);
	expect_refused(":2: the line asks to disable (to 'disabled'), but the plan's header says its target is 'enforced'");
	/* a target that is no state to set */
	memcpy(p, "\"target\":\"unknown\" ", strlen("\"target\":\"unknown\" "));
	spit(buf, len);
	expect_refused(":1: the header's target must be disabled, enabled or enforced");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_target_round_trip),
		cmocka_unit_test(test_target_in_header),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_edited),
		cmocka_unit_test(test_reordered),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_not_a_plan),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
