/* journal.jsonl: written ahead, read back, torn tails dropped, damage
 * refused, never overwritten (mfa/journal.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mfa/apply/journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mfa-test-journal-XXXXXX";
static char path[256];

static void write_three(void)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_journal_header h;
	struct mfa_journal_writer *w = NULL;
	struct mfa_journal_entry e;

	memset(&h, 0, sizeof(h));
	snprintf(h.operation, sizeof(h.operation), "apply");
	snprintf(h.plan, sizeof(h.plan), "/x/plan.jsonl");
	h.plan_crc32 = 0xdeadbeef;
	snprintf(h.tenant_id, sizeof(h.tenant_id), "t-1");
	snprintf(h.started, sizeof(h.started), "2026-11-28T00:00:00Z");
	unlink(path);
	assert_int_equal(mfa_journal_create(&w, path, &h, &err), 0);
	memset(&e, 0, sizeof(e));
	e.seq = 1;
	e.event = MFA_JOURNAL_INTENT;
	e.id = "id-1";
	e.upn = "a\"b@x";
	e.from = MFA_STATE_ENFORCED;
	e.to = MFA_STATE_DISABLED;
	assert_int_equal(mfa_journal_append(w, &e, &err), 0);
	assert_int_equal(mfa_journal_sync(w, &err), 0);
	e.event = MFA_JOURNAL_OUTCOME;
	e.outcome = MFA_OUTCOME_CHANGED;
	e.observed = MFA_STATE_ENFORCED;
	e.status = 204;
	e.attempts = 2;
	assert_int_equal(mfa_journal_append(w, &e, &err), 0);
	e.seq = 2;
	e.outcome = MFA_OUTCOME_FAILED;
	e.error = "http 500: boom";
	e.observed = MFA_STATE_UNKNOWN;
	assert_int_equal(mfa_journal_append(w, &e, &err), 0);
	assert_int_equal(mfa_journal_close(w, &err), 0);
}

static int read_all(struct mfa_journal_entry *out, int max, int *torn, struct mfa_err *err)
{
	struct mfa_journal_reader *r = NULL;
	struct mfa_journal_entry e;
	int n = 0, rc;

	if (mfa_journal_open(&r, path, err) < 0)
		return -1;
	assert_string_equal(mfa_journal_header(r)->operation, "apply");
	assert_int_equal(mfa_journal_header(r)->plan_crc32, 0xdeadbeef);
	while ((rc = mfa_journal_next(r, &e, err)) > 0) {
		if (n < max) {
			out[n] = e;
			out[n].id = out[n].upn = out[n].error = NULL; /* owned by r */
		}
		n++;
	}
	*torn = mfa_journal_torn(r);
	mfa_journal_close_reader(r);
	return rc < 0 ? -1 : n;
}

static void test_round_trip(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_journal_entry e[8];
	struct stat st;
	int torn;

	(void)state;
	write_three();
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(read_all(e, 8, &torn, &err), 3);
	assert_int_equal(torn, 0);
	assert_int_equal(e[0].event, MFA_JOURNAL_INTENT);
	assert_int_equal(e[1].event, MFA_JOURNAL_OUTCOME);
	assert_int_equal(e[1].outcome, MFA_OUTCOME_CHANGED);
	assert_int_equal(e[1].status, 204);
	assert_int_equal(e[1].attempts, 2);
	assert_int_equal(e[1].from, MFA_STATE_ENFORCED);
	assert_int_equal(e[1].observed, MFA_STATE_ENFORCED);
	assert_int_equal(e[2].outcome, MFA_OUTCOME_FAILED);
	assert_int_equal(e[2].seq, 2);
}

static void test_never_overwritten(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_journal_header h;
	struct mfa_journal_writer *w = NULL;

	(void)state;
	write_three();
	memset(&h, 0, sizeof(h));
	snprintf(h.operation, sizeof(h.operation), "apply");
	assert_int_equal(mfa_journal_create(&w, path, &h, &err), -1);
	assert_non_null(strstr(err.msg, "never overwritten"));
}

static void test_torn_tail(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_journal_entry e[8];
	struct mfa_journal_writer *w = NULL;
	struct mfa_journal_entry add;
	FILE *f;
	int torn;

	(void)state;
	write_three();
	f = fopen(path, "a");
	fputs("{\"seq\":3,\"event\":\"outc", f); /* a crash mid-write */
	fclose(f);
	assert_int_equal(read_all(e, 8, &torn, &err), 3);
	assert_int_equal(torn, 1);
	/* Resuming cuts the torn line and appends after it. */
	assert_int_equal(mfa_journal_reopen(&w, path, &err), 0);
	memset(&add, 0, sizeof(add));
	add.seq = 3;
	add.event = MFA_JOURNAL_OUTCOME;
	add.outcome = MFA_OUTCOME_ALREADY;
	add.upn = "c@x";
	assert_int_equal(mfa_journal_append(w, &add, &err), 0);
	assert_int_equal(mfa_journal_close(w, &err), 0);
	assert_int_equal(read_all(e, 8, &torn, &err), 4);
	assert_int_equal(torn, 0);
	assert_int_equal(e[3].outcome, MFA_OUTCOME_ALREADY);
}

/* --resume writes a journal only as the file itself: a link planted at
 * its name (pointing at any file) is refused and its target untouched. */
static void test_resume_never_through_link(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_journal_writer *w = NULL;
	char link[300], target[300];
	struct stat before, after;
	FILE *f;

	(void)state;
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(link, sizeof(link), "%s/link.jsonl", dir);
	f = fopen(target, "w");
	assert_non_null(f);
	fputs("root-only data, no newline", f);
	fclose(f);
	assert_int_equal(stat(target, &before), 0);
	unlink(link);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mfa_journal_reopen(&w, link, &err), -1);
	assert_null(w);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(stat(target, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	unlink(link);
	unlink(target);
}

static void test_damage_refused(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	struct mfa_journal_entry e[8];
	FILE *f;
	int torn;

	(void)state;
	write_three();
	f = fopen(path, "a");
	fputs("garbage in the middle\n{\"seq\":4,\"event\":\"intent\"}\n", f);
	fclose(f);
	assert_int_equal(read_all(e, 8, &torn, &err), -1);
	print_message("refused: %s\n", err.msg);
	assert_non_null(strstr(err.msg, ":5: damaged"));

	f = fopen(path, "w");
	fputs("{\"kind\":\"mfa-migrate-plan\"}\n", f);
	fclose(f);
	assert_int_equal(read_all(e, 8, &torn, &err), -1);
	assert_non_null(strstr(err.msg, "not an mfa-migrate journal"));
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_never_overwritten),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_damage_refused),
		cmocka_unit_test(test_resume_never_through_link),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
