/* test_csv_source.c - the CSV source end to end on files (mfa_csv_source_open). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "mfa/model/source.h"
#include "sources/csv_source.h"
#include "mfa/util/textin.h"

/* ---- helpers ---- */

struct warns {
	int n;
	char first[MFA_ERR_MAX];
	char last[MFA_ERR_MAX];
	char all[4096]; /* every message, one a line */
};

static void on_warn(void *ctx, const char *msg)
{
	struct warns *w = ctx;

	if (w->n == 0)
		snprintf(w->first, sizeof(w->first), "%s", msg);
	snprintf(w->last, sizeof(w->last), "%s", msg);
	snprintf(w->all + strlen(w->all), sizeof(w->all) - strlen(w->all), "%s\n", msg);
	w->n++;
}

/* A user copied out of the source (its strings die with the next call). */
struct rec {
	char id[64], upn[160], display[160], state_error[160], other[160], dflt[64], file[256];
	bool has_id, has_upn, has_display, duplicate;
	enum mfa_state state;
	enum mfa_tri registered, capable, admin, enabled;
	enum mfa_user_type type;
	uint32_t methods;
	unsigned long line;
};

struct run {
	struct rec *recs;
	size_t n;
	struct mfa_source_stats stats;
	struct warns warns;
	int rc;
	struct mfa_err err;
	char format[64];
};

static void copy_str(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s ? s : "");
}

/* Opens path (with reg, strict) and drains it. rc: open's or next's
 * failure (-1) or 0. */
static void drain(struct run *r, const char *path, const char *reg, bool strict)
{
	struct mfa_csv_options o = MFA_CSV_OPTIONS_INIT;
	struct mfa_source *src = NULL;
	struct mfa_user u;
	size_t cap = 0;
	int got;

	memset(r, 0, sizeof(*r));
	o.registration_path = reg;
	o.strict = strict;
	o.warn = on_warn;
	o.warn_ctx = &r->warns;
	r->rc = mfa_csv_source_open(&src, path, &o, &r->err);
	if (r->rc < 0) {
		assert_null(src);
		return;
	}
	while ((got = mfa_source_next(src, &u, &r->err)) > 0) {
		struct rec *c;

		if (r->n == cap) {
			cap = cap ? cap * 2 : 64;
			r->recs = realloc(r->recs, cap * sizeof(*r->recs));
			assert_non_null(r->recs);
		}
		c = &r->recs[r->n++];
		memset(c, 0, sizeof(*c));
		c->has_id = u.id != NULL;
		c->has_upn = u.upn != NULL;
		c->has_display = u.display_name != NULL;
		copy_str(c->id, sizeof(c->id), u.id);
		copy_str(c->upn, sizeof(c->upn), u.upn);
		copy_str(c->display, sizeof(c->display), u.display_name);
		copy_str(c->state_error, sizeof(c->state_error), u.state_error);
		copy_str(c->other, sizeof(c->other), u.reg.other_methods);
		copy_str(c->dflt, sizeof(c->dflt), u.reg.default_method);
		copy_str(c->file, sizeof(c->file), u.source_file);
		c->state = u.state;
		c->registered = u.reg.registered;
		c->capable = u.reg.capable;
		c->admin = u.is_admin;
		c->enabled = u.account_enabled;
		c->type = u.user_type;
		c->methods = u.reg.methods;
		c->line = u.source_line;
		c->duplicate = u.duplicate;
		/* the contract: never a user without a key */
		assert_true(u.upn || u.id);
	}
	r->rc = got < 0 ? -1 : 0;
	mfa_source_stats(src, &r->stats);
	copy_str(r->format, sizeof(r->format), r->stats.format);
	mfa_source_free(src);
}

static void run_release(struct run *r)
{
	free(r->recs);
	r->recs = NULL;
}

static const struct rec *find_upn(const struct run *r, const char *upn)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (strcmp(r->recs[i].upn, upn) == 0)
			return &r->recs[i];
	}
	fail_msg("no user '%s'", upn);
	return NULL;
}

static void write_bytes(char path[64], const void *data, size_t len)
{
	int fd;

	snprintf(path, 64, "/tmp/mfa-csv-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void write_text(char path[64], const char *text)
{
	write_bytes(path, text, strlen(text));
}

static void write_gz(char path[64], const void *data, size_t len)
{
	gzFile gz;
	int fd;

	snprintf(path, 64, "/tmp/mfa-csv-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	gz = gzdopen(fd, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
}

/* UTF-8 to UTF-16 (le or be), with a BOM when bom. *len gets the size. */
static unsigned char *to_utf16(const char *s, bool le, bool bom, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char *out = malloc(strlen(s) * 4 + 4);
	size_t n = 0;

	assert_non_null(out);
#define PUT16(u)                                                                 \
	do {                                                                     \
		out[n++] = (unsigned char)(le ? ((u) & 0xFF) : ((u) >> 8));       \
		out[n++] = (unsigned char)(le ? ((u) >> 8) : ((u) & 0xFF));       \
	} while (0)
	if (bom)
		PUT16(0xFEFFu);
	while (*p) {
		uint32_t cp;

		if (*p < 0x80) {
			cp = *p++;
		} else if ((*p & 0xE0) == 0xC0) {
			cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
			p += 2;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
			p += 3;
		} else {
			cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
			     ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
			p += 4;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			PUT16(0xD800u + (cp >> 10));
			PUT16(0xDC00u + (cp & 0x3FF));
		} else {
			PUT16(cp);
		}
	}
#undef PUT16
	*len = n;
	return out;
}

static const char *samples_dir(void)
{
	const char *d = getenv("MFA_SAMPLES");

	if (!d)
		fail_msg("MFA_SAMPLES is not set (ctest sets it to the samples folder)");
	return d;
}

/* ---- samples ---- */

static void test_samples(void **state)
{
	static const struct {
		const char *file, *format;
		size_t users;
	} cases[] = {
		{ "o365reports-getmfastatus.csv", "o365reports-getmfastatus", 12 },
		{ "o365reports-getmfastatus-disabled.csv", "o365reports-getmfastatus-disabled", 9 },
		{ "o365reports-checkmfastatus.csv", "o365reports-checkmfastatus", 20 },
		{ "o365reports-mfadeploymentsources.csv", "o365reports-mfadeploymentsources", 20 },
		{ "lazyadmin-mfastatus.csv", "lazyadmin-mfastatus", 18 },
		{ "azureadassessment-users.csv", "azureadassessment-users", 20 },
		{ "graph-peruser-state.csv", "graph-properties", 21 },
		{ "graph-mfastate-export.csv", "graph-mfastate-export", 20 },
		{ "registration-details-graph.csv", "registration-details", 21 },
		{ "registration-details-portal.csv", "registration-details-portal", 20 },
		{ "mfa-migrate-users.csv", "mfa-migrate-users", 20 },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[512];
		struct run r;

		snprintf(path, sizeof(path), "%s/%s", samples_dir(), cases[i].file);
		drain(&r, path, NULL, true);
		if (r.rc != 0)
			fail_msg("%s: %s", cases[i].file, r.err.msg);
		if (strcmp(r.format, cases[i].format) != 0)
			fail_msg("%s: format %s, want %s", cases[i].file, r.format, cases[i].format);
		if (r.n != cases[i].users || r.stats.rows != cases[i].users)
			fail_msg("%s: %zu users (%lu rows), want %zu", cases[i].file, r.n, r.stats.rows, cases[i].users);
		assert_int_equal(r.stats.bad_rows, 0);
		assert_int_equal(r.warns.n, 0);
		for (j = 0; j < r.n; j++) {
			assert_string_equal(r.recs[j].file, path);
			assert_int_equal(r.recs[j].line, j + 2);
			assert_true(r.recs[j].has_upn);
			/* a guest is a guest in every format */
			if (strstr(r.recs[j].upn, "#EXT#"))
				assert_int_equal(r.recs[j].type, MFA_USER_TYPE_GUEST);
			/* states read or said unknown with a reason; never guessed */
			if (r.recs[j].state == MFA_STATE_UNKNOWN)
				assert_true(r.recs[j].state_error[0] != '\0');
		}
		run_release(&r);
	}
}

static void test_sample_join(void **state)
{
	char path[512], reg[512];
	struct run r;
	const struct rec *c;

	(void)state;
	snprintf(path, sizeof(path), "%s/graph-peruser-state.csv", samples_dir());
	snprintf(reg, sizeof(reg), "%s/registration-details-graph.csv", samples_dir());
	drain(&r, path, reg, true);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.format, "graph-properties");
	assert_int_equal(r.n, 22);
	assert_int_equal(r.stats.rows, 21);
	assert_int_equal(r.stats.joined, 20);

	c = find_upn(&r, "adele.vance@contoso.example");
	assert_int_equal(c->state, MFA_STATE_ENFORCED);
	assert_int_equal(c->registered, MFA_TRI_YES);
	assert_int_equal(c->methods, (1u << MFA_METHOD_AUTHENTICATOR_PUSH) | (1u << MFA_METHOD_MOBILE_PHONE));
	assert_string_equal(c->dflt, "microsoftAuthenticatorPush");
	c = find_upn(&r, "grady.archie@contoso.example");
	assert_int_equal(c->admin, MFA_TRI_YES);
	c = find_upn(&r, "payroll.notice@contoso.example");
	assert_string_equal(c->display, "=HYPERLINK(\"https://payroll.fabrikam.example\",\"Payroll\")");
	/* in the state file only: registration unknown */
	c = find_upn(&r, "svc-backup@contoso.example");
	assert_int_equal(c->state, MFA_STATE_DISABLED);
	assert_int_equal(c->registered, MFA_TRI_UNKNOWN);
	/* in the registration file only: yielded last, state unknown */
	c = &r.recs[r.n - 1];
	assert_string_equal(c->upn, "taylor.brooks@contoso.example");
	assert_int_equal(c->state, MFA_STATE_UNKNOWN);
	assert_string_equal(c->state_error, "in the registration export but not in the state export");
	assert_int_equal(c->registered, MFA_TRI_YES);
	assert_string_equal(c->file, reg);
	assert_int_equal(c->line, 22);
	run_release(&r);
}

/* ---- encodings and syntax ---- */

#define ENC_CSV                                                                                  \
	"Id,DisplayName,UserPrincipalName,PerUserMFAState\r\n"                                    \
	"1,\"Ortiz, Sof\xC3\xAD" "a \xF0\x9F\x98\x80\",sofia@contoso.example,enforced\r\n"        \
	"2,\"Jamie \"\"JJ\"\" O'Neil\",jamie@contoso.example,Disabled\r\n"                        \
	"3,=1+2,k_f#EXT#@contoso.example,enabled\r\n"

static void check_enc_users(const struct run *r, const char *what)
{
	if (r->rc != 0)
		fail_msg("%s: %s", what, r->err.msg);
	if (r->n != 3)
		fail_msg("%s: %zu users", what, r->n);
	assert_string_equal(r->recs[0].display, "Ortiz, Sof\xC3\xAD" "a \xF0\x9F\x98\x80");
	assert_int_equal(r->recs[0].state, MFA_STATE_ENFORCED);
	assert_string_equal(r->recs[1].display, "Jamie \"JJ\" O'Neil");
	assert_int_equal(r->recs[1].state, MFA_STATE_DISABLED);
	assert_string_equal(r->recs[2].display, "=1+2");
	assert_int_equal(r->recs[2].type, MFA_USER_TYPE_GUEST);
	assert_int_equal(r->recs[2].line, 4);
	assert_string_equal(r->format, "graph-properties");
}

static void test_encodings(void **state)
{
	const char *text = ENC_CSV;
	char path[64];
	struct run r;
	unsigned char *u16;
	size_t len;
	int v;

	(void)state;
	for (v = 0; v < 9; v++) {
		char *buf = NULL;
		const char *what = "";

		switch (v) {
		case 0:
			what = "utf-8";
			write_text(path, text);
			break;
		case 1:
			what = "utf-8 bom";
			buf = malloc(strlen(text) + 4);
			memcpy(buf, "\xEF\xBB\xBF", 3);
			memcpy(buf + 3, text, strlen(text) + 1);
			write_text(path, buf);
			break;
		case 2:
		case 3:
		case 4:
			what = v == 2 ? "utf-16le bom" : v == 3 ? "utf-16be bom" : "utf-16le no bom";
			u16 = to_utf16(text, v != 3, v != 4, &len);
			write_bytes(path, u16, len);
			free(u16);
			break;
		case 5:
			what = "gzip";
			write_gz(path, text, strlen(text));
			break;
		case 6:
			what = "gzip utf-16le";
			u16 = to_utf16(text, true, true, &len);
			write_gz(path, u16, len);
			free(u16);
			break;
		case 7: {
			/* LF only */
			size_t i, o = 0;

			what = "lf";
			buf = malloc(strlen(text) + 1);
			for (i = 0; text[i]; i++) {
				if (text[i] != '\r')
					buf[o++] = text[i];
			}
			buf[o] = '\0';
			write_text(path, buf);
			break;
		}
		case 8: {
			/* ';'-delimited, as a European Excel saves it */
			what = "semicolon";
			write_text(path,
				   "Id;DisplayName;UserPrincipalName;PerUserMFAState\r\n"
				   "1;\"Ortiz, Sof\xC3\xAD" "a \xF0\x9F\x98\x80\";sofia@contoso.example;enforced\r\n"
				   "2;\"Jamie \"\"JJ\"\" O'Neil\";jamie@contoso.example;Disabled\r\n"
				   "3;=1+2;k_f#EXT#@contoso.example;enabled\r\n");
			break;
		}
		}
		drain(&r, path, NULL, true);
		check_enc_users(&r, what);
		run_release(&r);
		unlink(path);
		free(buf);
	}
}

/* Reads a whole input through csv_input with a given raw chunk size. */
static char *read_all(const char *path, size_t chunk, size_t outchunk, size_t *len)
{
	struct mfa_csv_input *in = NULL;
	struct mfa_err err = MFA_ERR_INIT;
	char *out = NULL;
	size_t n = 0, cap = 0;
	ssize_t got;

	if (mfa_csv_input_open(&in, path, chunk, &err) < 0)
		fail_msg("%s", err.msg);
	for (;;) {
		if (n + outchunk + 1 > cap) {
			cap = (n + outchunk + 1) * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		got = mfa_csv_input_read(in, out + n, outchunk, &err);
		assert_true(got >= 0);
		if (got == 0)
			break;
		n += (size_t)got;
	}
	out[n] = '\0';
	*len = n;
	mfa_csv_input_free(in);
	return out;
}

/* A read can end inside a UTF-16 code unit, between the halves of a
 * surrogate pair, or inside a UTF-8 sequence: the output never shows it. */
static void test_input_chunk_boundaries(void **state)
{
	const char *text = "Name,UPN\r\n"
			   "\xF0\x9F\x98\x80\xF0\x9F\x8E\x89 Zo\xC3\xAB \xE2\x82\xAC,a@b\r\n"
			   "\xE6\x97\xA5\xE6\x9C\xAC,\xF0\x90\x90\xB7\r\n";
	size_t chunk, len, outlen;
	char path[64];
	int v;

	(void)state;
	for (v = 0; v < 4; v++) {
		unsigned char *data;

		if (v < 3) {
			data = to_utf16(text, v != 1, v != 2, &len);
		} else {
			data = (unsigned char *)strdup(text);
			len = strlen(text);
		}
		if (v < 2 || v == 3)
			write_bytes(path, data, len);
		else
			write_gz(path, data, len);
		for (chunk = 1; chunk <= 9; chunk++) {
			char *out = read_all(path, chunk, chunk + 2, &outlen);

			if (strcmp(out, text) != 0)
				fail_msg("variant %d chunk %zu: got '%s'", v, chunk, out);
			free(out);
		}
		unlink(path);
		free(data);
	}
}

static void test_input_broken_text(void **state)
{
	char path[64];
	size_t len;
	char *out;
	struct mfa_csv_input *in = NULL;
	struct mfa_err err = MFA_ERR_INIT;

	(void)state;
	/* Windows-1252 from an old Excel: read as such, not passed on broken */
	write_text(path, "Name,UPN\r\nSof\xED" "a \x80 \x93" "q\x94,a@b\r\n");
	out = read_all(path, 3, 5, &len);
	assert_string_equal(out, "Name,UPN\r\nSof\xC3\xAD" "a \xE2\x82\xAC \xE2\x80\x9C" "q\xE2\x80\x9D,a@b\r\n");
	free(out);
	unlink(path);

	/* a lone surrogate and an odd last byte in UTF-16LE become U+FFFD */
	{
		const unsigned char u16[] = { 0xFF, 0xFE, 'a', 0, 0x00, 0xD8, 'b', 0, 0x00, 0xDC, 'c' };

		write_bytes(path, u16, sizeof(u16));
		out = read_all(path, 2, 4, &len);
		assert_string_equal(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
		free(out);
		unlink(path);
	}

	/* a truncated gzip stream is an error, not a short file */
	{
		char big[20000];
		struct stat st;
		int i;

		for (i = 0; i < (int)sizeof(big); i++)
			big[i] = (char)('a' + (i * 7919) % 26);
		write_gz(path, big, sizeof(big));
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(truncate(path, st.st_size / 2), 0);
		if (mfa_csv_input_open(&in, path, 0, &err) == 0) {
			char buf[4096];
			ssize_t got;

			while ((got = mfa_csv_input_read(in, buf, sizeof(buf), &err)) > 0)
				;
			assert_int_equal(got, -1);
			mfa_csv_input_free(in);
		}
		assert_non_null(strstr(err.msg, path));
		unlink(path);
	}

	/* delimiter: whichever of ',' and ';' is commoner outside quotes */
	write_text(path, "\"a,b,c,d\";x;y\n1;2;3\n");
	assert_int_equal(mfa_csv_input_open(&in, path, 0, &err), 0);
	assert_int_equal(mfa_csv_input_delimiter(in), ';');
	assert_string_equal(mfa_csv_input_encoding(in), "utf-8");
	assert_false(mfa_csv_input_gzipped(in));
	mfa_csv_input_free(in);
	unlink(path);
	write_text(path, "a,b;c,d\n");
	assert_int_equal(mfa_csv_input_open(&in, path, 0, &err), 0);
	assert_int_equal(mfa_csv_input_delimiter(in), ',');
	mfa_csv_input_free(in);
	unlink(path);
}

static void test_lines_and_quotes(void **state)
{
	char path[64];
	struct run r;

	(void)state;
	write_text(path,
		   "#TYPE Selected.Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\r\n"
		   "\"Id\",\"DisplayName\",\"UserPrincipalName\",\"PerUserMFAState\"\r\n"
		   "\"1\",\"Two\r\nLines\",\"a@contoso.example\",\"enabled\"\r\n"
		   "\r\n"
		   "\"2\",\"Three\nlines\n!\",\"b@contoso.example\",\"enforced\"\r\n"
		   "   \r\n"
		   ",,,\r\n"
		   "\"3\",\"Plain\",\"c@contoso.example\",\"disabled\"");
	drain(&r, path, NULL, true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.stats.rows, 3);
	assert_string_equal(r.recs[0].display, "Two\r\nLines");
	assert_int_equal(r.recs[0].line, 3);
	assert_string_equal(r.recs[1].display, "Three\nlines\n!");
	assert_int_equal(r.recs[1].line, 6);
	assert_int_equal(r.recs[2].line, 11);
	assert_int_equal(r.recs[2].state, MFA_STATE_DISABLED);
	run_release(&r);
	unlink(path);

	/* Excel's "sep=" line picks the delimiter and still counts as a line */
	write_text(path, "sep=;\nId;UserPrincipalName;PerUserMFAState\n1;\"a,x@contoso.example\";enforced\n");
	drain(&r, path, NULL, true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.recs[0].upn, "a,x@contoso.example");
	assert_int_equal(r.recs[0].line, 3);
	run_release(&r);
	unlink(path);

	/* blank lines before a ';' header hide neither it nor its delimiter */
	write_text(path, "\r\n\nId;UserPrincipalName;PerUserMFAState\r\n1;a,b@contoso.example;enforced\r\n");
	drain(&r, path, NULL, true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.recs[0].upn, "a,b@contoso.example");
	assert_int_equal(r.recs[0].state, MFA_STATE_ENFORCED);
	assert_int_equal(r.recs[0].line, 4);
	run_release(&r);
	unlink(path);

	/* old Mac line ends */
	write_text(path, "Id,UserPrincipalName,PerUserMFAState\r1,a@c.example,enabled\r2,b@c.example,enabled\r");
	drain(&r, path, NULL, true);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.recs[1].line, 3);
	run_release(&r);
	unlink(path);
}

/* ---- bad rows ---- */

static void test_bad_rows(void **state)
{
	char path[64], want[256];
	struct run r;

	(void)state;
	write_text(path,
		   "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
		   "1,Good,a@contoso.example,enabled\n"
		   ",No key,,enabled\n"
		   "3,Odd,c@contoso.example,maybe\n"
		   "4,Short,d@contoso.example\n"
		   "5,Long,e@contoso.example,enforced,extra,fields\n"
		   "6,Id but no UPN,,enabled\n");
	drain(&r, path, NULL, false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.stats.rows, 6);
	assert_int_equal(r.stats.bad_rows, 3);
	assert_int_equal(r.warns.n, 3);
	snprintf(want, sizeof(want), "%s:3: no user principal name or id", path);
	assert_string_equal(r.warns.first, want);
	snprintf(want, sizeof(want), "%s:7: no user principal name", path);
	assert_string_equal(r.warns.last, want);
	snprintf(want, sizeof(want), "\n%s:4: unreadable per-user MFA state 'maybe'\n", path);
	assert_non_null(strstr(r.warns.all, want));
	/* the unreadable one is yielded, unknown, never disabled */
	assert_string_equal(r.recs[1].upn, "c@contoso.example");
	assert_int_equal(r.recs[1].state, MFA_STATE_UNKNOWN);
	assert_string_equal(r.recs[1].state_error, "unreadable per-user MFA state 'maybe'");
	/* short row: its state is blank */
	assert_int_equal(r.recs[2].state, MFA_STATE_UNKNOWN);
	assert_string_equal(r.recs[2].state_error, "no per-user MFA state");
	assert_int_equal(r.recs[3].state, MFA_STATE_ENFORCED);
	run_release(&r);

	/* strict: the first bad row is the error */
	drain(&r, path, NULL, true);
	assert_int_equal(r.rc, -1);
	snprintf(want, sizeof(want), "%s:3: no user principal name or id", path);
	assert_string_equal(r.err.msg, want);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.warns.n, 0);
	run_release(&r);
	unlink(path);
}

static void test_unterminated_quote(void **state)
{
	char path[64], want[256];
	struct run r;

	(void)state;
	write_text(path,
		   "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
		   "1,Good,a@contoso.example,enabled\n"
		   "2,\"Never closed,b@contoso.example,enabled\n"
		   "3,Swallowed,c@contoso.example,enabled\n");
	/* fatal, with or without --strict, and before any user is yielded:
	 * every row after the quote would be lost */
	snprintf(want, sizeof(want), "%s:3: a quoted field opens here and never closes", path);
	drain(&r, path, NULL, false);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.n, 0);
	assert_int_equal(strncmp(r.err.msg, want, strlen(want)), 0);
	assert_int_equal(r.warns.n, 0);
	run_release(&r);
	drain(&r, path, NULL, true);
	assert_int_equal(r.rc, -1);
	assert_int_equal(strncmp(r.err.msg, want, strlen(want)), 0);
	run_release(&r);
	unlink(path);

	/* cut off inside quotes at the very end (a truncated file): still fatal */
	write_text(path,
		   "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
		   "1,Good,a@contoso.example,enabled\n"
		   "2,\"Cut");
	snprintf(want, sizeof(want), "%s:3: a quoted field opens here", path);
	drain(&r, path, NULL, false);
	assert_int_equal(r.rc, -1);
	assert_int_equal(strncmp(r.err.msg, want, strlen(want)), 0);
	run_release(&r);
	unlink(path);

	/* in the registration file as well */
	{
		char reg[64];

		write_text(path, "Id,UserPrincipalName,PerUserMFAState\n1,a@contoso.example,enabled\n");
		write_text(reg, "id,userPrincipalName,isMfaRegistered\n1,\"a@contoso.example,true\n2,b@contoso.example,true\n");
		snprintf(want, sizeof(want), "%s:2: a quoted field opens here", reg);
		drain(&r, path, reg, false);
		assert_int_equal(r.rc, -1);
		assert_int_equal(strncmp(r.err.msg, want, strlen(want)), 0);
		run_release(&r);
		unlink(reg);
		unlink(path);
	}
}

/* Every record the reader gave is a user, a bad row or a blank row. */
static void test_accounting(void **state)
{
	char path[64], reg[64];
	struct run r;

	(void)state;
	write_text(path,
		   "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
		   "1,A,a@contoso.example,enabled\n"
		   ",,,\n"
		   "2,B,,enabled\n"
		   "3,\"C\nD\",c@contoso.example,enforced\n"
		   "\n"
		   "4,E,e@contoso.example,enabled\n");
	write_text(reg, "id,userPrincipalName,isMfaRegistered\n9,z@contoso.example,true\n");
	drain(&r, path, reg, false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.stats.records, 5);
	assert_int_equal(r.stats.blank_rows, 1);
	assert_int_equal(r.stats.state_bad_rows, 1);
	assert_int_equal(r.stats.registration_only, 1);
	assert_int_equal(r.stats.records,
			 (r.n - r.stats.registration_only) + r.stats.state_bad_rows + r.stats.blank_rows);
	run_release(&r);
	unlink(reg);
	unlink(path);
}

/* The same id twice, or the same UPN in another case: one user (the first
 * row, with the finding's flag), the later rows bad rows naming the line. */
static void test_duplicates(void **state)
{
	char path[64], want[256];
	struct run r;

	(void)state;
	write_text(path,
		   "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
		   "1,A,a@contoso.example,enabled\n"
		   "2,B,b@contoso.example,enabled\n"
		   "1,A again,a2@contoso.example,disabled\n"
		   "3,B case,B@Contoso.Example,enforced\n"
		   "4,C,c@contoso.example,enabled\n");
	drain(&r, path, NULL, false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.recs[0].upn, "a@contoso.example");
	assert_true(r.recs[0].duplicate);
	assert_int_equal(r.recs[0].state, MFA_STATE_ENABLED);
	assert_string_equal(r.recs[1].upn, "b@contoso.example");
	assert_true(r.recs[1].duplicate);
	assert_string_equal(r.recs[2].upn, "c@contoso.example");
	assert_false(r.recs[2].duplicate);
	assert_int_equal(r.stats.bad_rows, 2);
	assert_int_equal(r.stats.duplicates, 2);
	assert_int_equal(r.warns.n, 2);
	snprintf(want, sizeof(want), "%s:4: user '1' is already on line 2", path);
	assert_int_equal(strncmp(r.warns.first, want, strlen(want)), 0);
	snprintf(want, sizeof(want), "%s:5: user 'B@Contoso.Example' is already on line 3", path);
	assert_int_equal(strncmp(r.warns.last, want, strlen(want)), 0);
	run_release(&r);
	drain(&r, path, NULL, true);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.n, 2);
	run_release(&r);
	unlink(path);
}

/* A repeated id in the registration export must not make the first
 * user vanish: both registration-only users are still reported. */
static void test_registration_repeated_id(void **state)
{
	char path[64], reg[64];
	struct run r;

	(void)state;
	write_text(path, "Id,UserPrincipalName,PerUserMFAState\n1,a@contoso.example,enabled\n");
	write_text(reg,
		   "id,userPrincipalName,isMfaRegistered\n"
		   "1,a@contoso.example,true\n"
		   "7,x@contoso.example,true\n"
		   "7,y@contoso.example,false\n"
		   "7,x@contoso.example,false\n");
	drain(&r, path, reg, false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(find_upn(&r, "x@contoso.example")->id, "7");
	assert_int_equal(find_upn(&r, "x@contoso.example")->registered, MFA_TRI_YES);
	assert_int_equal(find_upn(&r, "y@contoso.example")->registered, MFA_TRI_NO);
	assert_int_equal(find_upn(&r, "y@contoso.example")->state, MFA_STATE_UNKNOWN);
	assert_int_equal(r.stats.bad_rows, 2);
	run_release(&r);
	unlink(reg);
	unlink(path);
}

/* A NUL byte is a bad row naming the column; spaces inside a quoted
 * display name are kept; an unreadable boolean is counted and named. */
static void test_nul_spaces_and_unreadable_values(void **state)
{
	static const char text[] =
		"Id,DisplayName,UserPrincipalName,PerUserMFAState,AccountEnabled\n"
		"1,\"  Two  spaces \",a@contoso.example,enabled,true\n"
		"2,Nul\0Byte,b@contoso.example,enabled,true\n"
		"3,C,\" c@contoso.example \",enabled,maybe\n";
	char path[64], want[256];
	struct run r;

	(void)state;
	write_bytes(path, text, sizeof(text) - 1);
	drain(&r, path, NULL, false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.recs[0].display, "  Two  spaces ");
	assert_string_equal(r.recs[1].upn, "c@contoso.example");
	assert_int_equal(r.recs[1].enabled, MFA_TRI_UNKNOWN);
	assert_int_equal(r.stats.bad_rows, 2);
	snprintf(want, sizeof(want), "%s:3: column 2 ('DisplayName') holds a NUL byte", path);
	assert_int_equal(strncmp(r.warns.first, want, strlen(want)), 0);
	snprintf(want, sizeof(want), "%s:4: unreadable value 'maybe' in column 'accountenabled'", path);
	assert_int_equal(strncmp(r.warns.last, want, strlen(want)), 0);
	run_release(&r);
	unlink(path);
}

static void test_record_too_long(void **state)
{
	size_t n = 5u * 1024u * 1024u;
	char *big = malloc(n + 128);
	char path[64];
	struct run r;
	size_t h;

	(void)state;
	assert_non_null(big);
	h = (size_t)snprintf(big, 128, "Id,UserPrincipalName,PerUserMFAState\n1,\"");
	memset(big + h, 'x', n - h);
	write_bytes(path, big, n);
	drain(&r, path, NULL, false);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, ":2: record longer than"));
	run_release(&r);
	unlink(path);
	free(big);
}

/* ---- errors at open ---- */

static void test_open_errors(void **state)
{
	char path[64], reg[64], want[MFA_ERR_MAX];
	struct run r;

	(void)state;
	drain(&r, "/nonexistent/dir/users.csv", NULL, false);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "cannot open '/nonexistent/dir/users.csv': No such file or directory");

	drain(&r, "/tmp", NULL, false);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "cannot open '/tmp'"));

	write_text(path, "");
	drain(&r, path, NULL, false);
	assert_int_equal(r.rc, -1);
	snprintf(want, sizeof(want), "'%s': no header row (the file is empty)", path);
	assert_string_equal(r.err.msg, want);
	unlink(path);

	write_text(path, "Name,Email,Status\nA,a@b,ok\n");
	drain(&r, path, NULL, false);
	assert_int_equal(r.rc, -1);
	snprintf(want, sizeof(want), "'%s': cannot tell the export format from its header; expected ", path);
	assert_memory_equal(r.err.msg, want, strlen(want));
	assert_non_null(strstr(r.err.msg, "MFAStatus"));
	unlink(path);

	/* a --registration file must carry registration data */
	write_text(path, "Id,UserPrincipalName,PerUserMFAState\n1,a@b,enabled\n");
	write_text(reg, "Id,UserPrincipalName,PerUserMFAState\n1,a@b,enabled\n");
	drain(&r, path, reg, false);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err.msg, "no registration data"));
	assert_non_null(strstr(r.err.msg, reg));
	unlink(reg);
	drain(&r, path, reg, false);
	assert_int_equal(r.rc, -1);
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", reg);
	assert_string_equal(r.err.msg, want);
	unlink(path);
}

/* ---- the registration join ---- */

static void test_join_rules(void **state)
{
	char path[64], reg[64];
	struct run r;
	const struct rec *c;

	(void)state;
	/* A state export without ids (GetMFAStatus): joined by UPN, any case. */
	write_text(path,
		   "\"DisplayName\",\"UserPrincipalName\",\"MFAStatus\",\"ActivationStatus\",\"DefaultMFAMethod\","
		   "\"AllMFAMethods\",\"MFAPhone\",\"MFAEmail\",\"LicenseStatus\",\"IsAdmin\",\"AdminRoles\",\"SignInStatus\"\n"
		   "\"Adele\",\"Adele.Vance@CONTOSO.example\",\"Enforced\",\"No\",\"-\",\"-\",\"-\",\"-\",\"-\",\"False\",\"-\",\"Allowed\"\n"
		   "\"Nobody\",\"nobody@contoso.example\",\"Enabled\",\"Yes\",\"OneWaySMS\",\"OneWaySMS\",\"-\",\"-\",\"-\",\"False\",\"-\",\"Allowed\"\n");
	write_text(reg,
		   "id,userPrincipalName,userDisplayName,userType,isAdmin,isMfaRegistered,isMfaCapable,methodsRegistered,defaultMfaMethod\n"
		   "id-1,adele.vance@contoso.example,Adele V,member,true,true,true,fido2SecurityKey;oddKey,fido2SecurityKey\n"
		   "id-2,only.reg@contoso.example,Only Reg,guest,false,false,false,,\n"
		   "id-3,third@contoso.example,Third,member,false,true,true,mobilePhone,mobilePhone\n");
	drain(&r, path, reg, true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.stats.joined, 1);
	assert_int_equal(r.stats.rows, 2);
	c = &r.recs[0];
	assert_string_equal(c->upn, "Adele.Vance@CONTOSO.example");
	assert_string_equal(c->id, "id-1");           /* filled from the registration */
	assert_string_equal(c->display, "Adele");      /* the state file's own */
	assert_int_equal(c->state, MFA_STATE_ENFORCED);
	assert_int_equal(c->registered, MFA_TRI_YES);  /* the registration file wins */
	assert_int_equal(c->methods, 1u << MFA_METHOD_FIDO2);
	assert_string_equal(c->other, "oddKey");
	assert_string_equal(c->dflt, "fido2SecurityKey");
	assert_int_equal(c->admin, MFA_TRI_YES);
	assert_int_equal(c->line, 2);
	c = &r.recs[1];
	assert_string_equal(c->upn, "nobody@contoso.example");
	assert_false(c->has_id);
	assert_int_equal(c->registered, MFA_TRI_YES);  /* its own ActivationStatus */
	assert_int_equal(c->methods, 1u << MFA_METHOD_MOBILE_PHONE);
	/* then the unmatched registration users, in file order */
	assert_string_equal(r.recs[2].upn, "only.reg@contoso.example");
	assert_int_equal(r.recs[2].type, MFA_USER_TYPE_GUEST);
	assert_int_equal(r.recs[2].state, MFA_STATE_UNKNOWN);
	assert_int_equal(r.recs[2].registered, MFA_TRI_NO);
	assert_string_equal(r.recs[2].file, reg);
	assert_int_equal(r.recs[2].line, 3);
	assert_string_equal(r.recs[3].upn, "third@contoso.example");
	assert_int_equal(r.recs[3].line, 4);
	assert_string_equal(r.recs[3].state_error, "in the registration export but not in the state export");
	run_release(&r);
	unlink(path);

	/* With ids on both sides the id decides: a matching UPN under another id
	 * is another user. */
	write_text(path,
		   "Id,DisplayName,UserPrincipalName,PerUserMFAState\n"
		   "ID-1,By Id,renamed@contoso.example,enabled\n"
		   "id-9,Other,third@contoso.example,disabled\n");
	drain(&r, path, reg, false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.stats.joined, 1);
	assert_int_equal(r.n, 2 + 2);
	assert_string_equal(r.recs[0].upn, "renamed@contoso.example");
	assert_int_equal(r.recs[0].registered, MFA_TRI_YES);
	assert_int_equal(r.recs[1].registered, MFA_TRI_UNKNOWN);
	assert_string_equal(r.recs[2].upn, "only.reg@contoso.example");
	assert_string_equal(r.recs[3].upn, "third@contoso.example");
	run_release(&r);
	unlink(path);

	/* the main file may itself be a registration export */
	drain(&r, reg, reg, true);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.stats.joined, 3);
	assert_string_equal(r.format, "registration-details");
	run_release(&r);

	/* bad rows of the registration file are counted and reported too */
	write_text(path, "Id,UserPrincipalName,PerUserMFAState\nid-1,a@b,enabled\n");
	unlink(reg);
	write_text(reg, "id,userPrincipalName,isMfaRegistered\n,,true\nid-1,a@b,true\n");
	drain(&r, path, reg, false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.stats.bad_rows, 1);
	assert_int_equal(r.warns.n, 1);
	assert_non_null(strstr(r.warns.first, ":2: no user principal name or id"));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.recs[0].registered, MFA_TRI_YES);
	run_release(&r);
	drain(&r, path, reg, true);
	assert_int_equal(r.rc, -1);
	run_release(&r);
	unlink(path);
	unlink(reg);
}

/* Many rows, so records straddle the 64 KiB reads, with quoted newlines
 * here and there: every user arrives, on the right line. */
static void test_stream_many(void **state)
{
	enum { N = 40000 };
	size_t cap = (size_t)N * 96 + 256, len = 0, i;
	char *text = malloc(cap);
	char path[64];
	int gz;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "id,userPrincipalName,displayName,perUserMfaState\r\n");
	for (i = 0; i < N; i++) {
		if (i % 997 == 0)
			len += (size_t)snprintf(text + len, cap - len, "%zu,u%zu@c.example,\"Multi\r\nLine, %zu\",enforced\r\n", i, i, i);
		else
			len += (size_t)snprintf(text + len, cap - len, "%zu,u%zu@c.example,User %zu,%s\r\n", i, i, i,
						i % 3 ? "enabled" : "disabled");
	}
	for (gz = 0; gz < 2; gz++) {
		struct run r;
		unsigned long line = 2;

		if (gz)
			write_gz(path, text, len);
		else
			write_bytes(path, text, len);
		drain(&r, path, NULL, true);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.n, N);
		for (i = 0; i < N; i++) {
			char upn[32];

			snprintf(upn, sizeof(upn), "u%zu@c.example", i);
			assert_string_equal(r.recs[i].upn, upn);
			if (r.recs[i].line != line)
				fail_msg("user %zu on line %lu, want %lu", i, r.recs[i].line, line);
			line += (i % 997 == 0) ? 2 : 1;
			assert_int_equal(r.recs[i].state, i % 997 == 0 ? MFA_STATE_ENFORCED
								: i % 3 ? MFA_STATE_ENABLED : MFA_STATE_DISABLED);
		}
		run_release(&r);
		unlink(path);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_sample_join),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_input_chunk_boundaries),
		cmocka_unit_test(test_input_broken_text),
		cmocka_unit_test(test_lines_and_quotes),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_registration_repeated_id),
		cmocka_unit_test(test_nul_spaces_and_unreadable_values),
		cmocka_unit_test(test_record_too_long),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_join_rules),
		cmocka_unit_test(test_stream_many),
	};

	return cmocka_run_group_tests_name("csv_source", tests, NULL, NULL);
}
