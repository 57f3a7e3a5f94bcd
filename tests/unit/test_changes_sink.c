/* test_changes_sink.c - changes.csv (mfa_changes_csv_sink_open): written
 * through the sink interface, then parsed back with libcsv and checked row
 * by row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include <csv.h>

#include "mfa/model/classify.h"
#include "mfa/model/compare.h"
#include "mfa/util/csvw.h"
#include "mfa/model/sink.h"
#include "mfa/reports/sinks.h"
#include "mfa/model/summary.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define F(f) (1u << MFA_FINDING_##f)
#define M(m) (1u << MFA_METHOD_##m)

/* ---- a small CSV reader for the test ---- */

#define MAX_ROWS 64
#define MAX_COLS 12

struct table {
	char *cell[MAX_ROWS][MAX_COLS];
	int ncols[MAX_ROWS];
	int nrows;
	int col;
};

static void on_field(void *data, size_t len, void *ctx)
{
	struct table *t = ctx;
	char *s;

	assert_true(t->nrows < MAX_ROWS);
	assert_true(t->col < MAX_COLS);
	s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, data, len);
	s[len] = '\0';
	t->cell[t->nrows][t->col++] = s;
}

static void on_record(int c, void *ctx)
{
	struct table *t = ctx;

	(void)c;
	t->ncols[t->nrows++] = t->col;
	t->col = 0;
}

static void read_table(const char *path, struct table *t)
{
	struct csv_parser p;
	FILE *f = fopen(path, "rb");
	char buf[4096];
	size_t n;

	memset(t, 0, sizeof(*t));
	assert_non_null(f);
	/* strict: what the sink writes must be well-formed CSV */
	assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		assert_int_equal(csv_parse(&p, buf, n, on_field, on_record, t), n);
	assert_int_equal(csv_fini(&p, on_field, on_record, t), 0);
	csv_free(&p);
	fclose(f);
}

static void free_table(struct table *t)
{
	int r, c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols[r]; c++)
			free(t->cell[r][c]);
}

/* ---- helpers ---- */

struct person {
	const char *id, *upn, *name;
	enum mfa_state state;
	enum mfa_tri reg;
	uint32_t methods;
	enum mfa_tri admin;
	uint32_t findings;
};

static void add_prev(struct mfa_baseline *b, const struct person *p)
{
	struct mfa_baseline_entry e;

	memset(&e, 0, sizeof(e));
	e.id = p->id;
	e.upn = p->upn;
	e.display_name = p->name;
	e.state = p->state;
	e.registered = p->reg;
	e.methods = p->methods;
	e.is_admin = p->admin;
	e.findings = p->findings;
	assert_true(mfa_baseline_add(b, &e, NULL) >= 0);
}

static void send_user(struct mfa_sink *s, const struct person *p)
{
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_row row = { &u, &v, NULL };
	struct mfa_err err = MFA_ERR_INIT;

	mfa_user_init(&u);
	u.id = p->id;
	u.upn = p->upn;
	u.display_name = p->name;
	u.state = p->state;
	u.reg.registered = p->reg;
	u.reg.methods = p->methods;
	u.is_admin = p->admin;
	memset(&v, 0, sizeof(v));
	v.state = p->state;
	v.findings = p->findings;
	assert_int_equal(mfa_sink_row(s, &row, &err), 0);
}

#define DIS MFA_STATE_DISABLED
#define ENF MFA_STATE_ENFORCED
#define Y MFA_TRI_YES
#define N MFA_TRI_NO
#define PUSH M(AUTHENTICATOR_PUSH)

/* ---- tests ---- */

static void test_changes_csv(void **state)
{
	/* previous run */
	static const struct person prev[] = {
		{ "id-a", "a@x", "Adele", DIS, Y, PUSH, N, 0 },
		{ "id-b", "b@x", "=Bob", ENF, Y, PUSH, N, F(APP_PASSWORDS_POSSIBLE) },
		{ "id-c", "c@x", "Carl", DIS, Y, PUSH, N, 0 },
		{ "id-d", "d@x", "Dora", DIS, Y, PUSH, N, 0 },
	};
	/* this run: a back on, c unchanged (sent twice), e new; b and d gone */
	static const struct person cur[] = {
		{ "id-a", "a@x", "Adele", ENF, Y, PUSH, N, F(APP_PASSWORDS_POSSIBLE) },
		{ "id-c", "c@x", "Carl", DIS, Y, PUSH, N, 0 },
		{ "id-e", "e@x", "Eve, \"the new one\"", DIS, N, 0, Y, F(ADMIN_NOT_REGISTERED) },
		{ "ID-C", "c@x", "Carl", DIS, Y, PUSH, N, 0 },
	};
	static const char *const expect[][8] = {
		{ "change", "severity", "id", "userPrincipalName", "displayName", "previous", "current", "detail" },
		{ "state-away-from-disabled", "high", "id-a", "a@x", "Adele", "disabled", "enforced", NULL },
		{ "finding-appeared", "medium", "id-a", "a@x", "Adele", "", "app-passwords-possible", NULL },
		{ "added", "info", "id-e", "e@x", "Eve, \"the new one\"", "", "disabled", NULL },
		{ "finding-appeared", "high", "id-e", "e@x", "Eve, \"the new one\"", "", "admin-not-registered", NULL },
		/* the removed users last, in baseline order; "=Bob" was written
		 * neutralised and reads back as "'=Bob" */
		{ "removed", "info", "id-b", "b@x", "'=Bob", "enforced", "", NULL },
		{ "finding-cleared", "info", "id-b", "b@x", "'=Bob", "app-passwords-possible", "", NULL },
		{ "removed", "info", "id-d", "d@x", "Dora", "disabled", "", NULL },
	};
	char *dir = tu_make_dir();
	char path[1024];
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_sink *s = NULL;
	struct mfa_summary sum;
	struct mfa_err err = MFA_ERR_INIT;
	struct table t;
	size_t i;
	int r, c, removed_b = 0;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < NELEM(prev); i++)
		add_prev(b, &prev[i]);
	assert_int_equal(mfa_changes_csv_sink_open(&s, dir, b, &err), 0);
	assert_string_equal(s->name, "changes.csv");
	for (i = 0; i < NELEM(cur); i++)
		send_user(s, &cur[i]);
	memset(&sum, 0, sizeof(sum));
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);

	/* the sink marked what it matched */
	assert_int_equal(mfa_baseline_next_unseen(b, 0), 1);
	assert_int_equal(mfa_baseline_next_unseen(b, 2), 3);

	snprintf(path, sizeof(path), "%s/changes.csv", dir);
	assert_int_equal(tu_dir_entries(dir), 1);
	read_table(path, &t);
	assert_int_equal(t.nrows, (int)NELEM(expect));
	for (r = 0; r < t.nrows; r++) {
		assert_int_equal(t.ncols[r], 8);
		for (c = 0; c < 8; c++) {
			if (!expect[r][c])
				continue;
			if (strcmp(t.cell[r][c], expect[r][c]) != 0)
				fail_msg("row %d column %d: '%s', expected '%s'", r, c, t.cell[r][c], expect[r][c]);
		}
		/* every change has a detail for a person */
		assert_true(r == 0 || t.cell[r][7][0] != '\0');
		/* the display name is undone by the project's reader */
		if (r > 0 && strcmp(t.cell[r][2], "id-b") == 0) {
			assert_string_equal(mfa_csv_unneutralise(t.cell[r][4]), "=Bob");
			removed_b += strcmp(t.cell[r][0], "removed") == 0;
		}
	}
	/* removed exactly once; a user seen (even twice) never removed */
	assert_int_equal(removed_b, 1);
	for (r = 1; r < t.nrows; r++)
		assert_false(strcmp(t.cell[r][0], "removed") == 0 && strcmp(t.cell[r][2], "id-c") == 0);
	free_table(&t);
	mfa_baseline_free(b);
	tu_remove_dir(dir);
}

/* No change at all: a header only. */
static void test_no_changes(void **state)
{
	static const struct person p = { "id-a", "a@x", "Adele", DIS, Y, PUSH, N, 0 };
	char *dir = tu_make_dir();
	char path[1024];
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_sink *s = NULL;
	struct mfa_summary sum;
	struct mfa_err err = MFA_ERR_INIT;
	struct table t;

	(void)state;
	add_prev(b, &p);
	assert_int_equal(mfa_changes_csv_sink_open(&s, dir, b, &err), 0);
	send_user(s, &p);
	memset(&sum, 0, sizeof(sum));
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);
	snprintf(path, sizeof(path), "%s/changes.csv", dir);
	read_table(path, &t);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(t.cell[0][0], "change");
	free_table(&t);
	mfa_baseline_free(b);
	tu_remove_dir(dir);
}

/* An interrupted run lists no removed user: it may not have reached them. */
static void test_incomplete(void **state)
{
	static const struct person a = { "id-a", "a@x", "Adele", ENF, Y, PUSH, N, 0 };
	static const struct person b2 = { "id-b", "b@x", "Bob", DIS, Y, PUSH, N, 0 };
	struct person a_before = a;
	char *dir = tu_make_dir();
	char path[1024];
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_sink *s = NULL;
	struct mfa_summary sum;
	struct mfa_err err = MFA_ERR_INIT;
	struct table t;
	int r;

	(void)state;
	a_before.state = DIS;
	add_prev(b, &a_before);
	add_prev(b, &b2);
	assert_int_equal(mfa_changes_csv_sink_open(&s, dir, b, &err), 0);
	send_user(s, &a);
	memset(&sum, 0, sizeof(sum));
	sum.incomplete = 1;
	assert_int_equal(mfa_sink_finish(s, &sum, &err), 0);
	mfa_sink_free(s);
	snprintf(path, sizeof(path), "%s/changes.csv", dir);
	read_table(path, &t);
	/* the header, a's state change, and no removed row for b */
	assert_int_equal(t.nrows, 2);
	assert_string_equal(t.cell[1][0], "state-away-from-disabled");
	for (r = 0; r < t.nrows; r++)
		assert_string_not_equal(t.cell[r][0], "removed");
	free_table(&t);
	mfa_baseline_free(b);
	tu_remove_dir(dir);
}

/* A sink freed before finish leaves nothing behind; no baseline is refused. */
static void test_abandoned_and_refused(void **state)
{
	static const struct person p = { "id-a", "a@x", "Adele", ENF, Y, PUSH, N, 0 };
	char *dir = tu_make_dir();
	struct mfa_baseline *b = mfa_baseline_new();
	struct mfa_sink *s = (struct mfa_sink *)&s;
	struct mfa_err err = MFA_ERR_INIT;

	(void)state;
	assert_int_equal(mfa_changes_csv_sink_open(&s, dir, NULL, &err), -1);
	assert_null(s);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(mfa_changes_csv_sink_open(&s, dir, b, &err), 0);
	send_user(s, &p);
	assert_int_equal(tu_dir_entries(dir), 1); /* changes.csv.tmp */
	mfa_sink_free(s);
	assert_int_equal(tu_dir_entries(dir), 0);
	mfa_baseline_free(b);
	tu_remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_csv),
		cmocka_unit_test(test_no_changes),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_abandoned_and_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
