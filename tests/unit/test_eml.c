/* test_eml.c - the .eml writer (reports/eml.h) and the message templates
 * (reports/notice.h): addresses, header injection, encoded words, the
 * base64 body, placeholders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "reports/eml.h"
#include "reports/notice.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void test_address_ok(void **state)
{
	static const struct {
		const char *addr;
		int ok;
	} cases[] = {
		{ "ann@contoso.example", 1 },
		{ "first.last+tag@mail.contoso.example", 1 },
		{ "ann", 0 },
		{ "@contoso.example", 0 },
		{ "ann@", 0 },
		{ "a@b@c", 0 },
		{ "ann @contoso.example", 0 },
		{ "ann@contoso.example\r\nBcc: x@evil.example", 0 },
		{ "\"ann\"@contoso.example", 0 },
		{ "<ann@contoso.example>", 0 },
		{ "ann@.contoso", 0 },
		{ "ann@contoso..example", 0 },
		{ "ann@contoso.", 0 },
		{ "d\xc3\xa9@contoso.example", 0 },
		{ "", 0 },
	};
	size_t i;

	(void)state;
	assert_false(mfa_eml_address_ok(NULL));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (mfa_eml_address_ok(cases[i].addr) != cases[i].ok)
			fail_msg("'%s': want %d", cases[i].addr, cases[i].ok);
}

static void test_date(void **state)
{
	char buf[64];

	(void)state;
	mfa_eml_date(buf, sizeof(buf), 0);
	assert_string_equal(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	mfa_eml_date(buf, sizeof(buf), 1796128496); /* 2026-12-01 12:34:56 */
	assert_string_equal(buf, "Tue, 01 Dec 2026 12:34:56 +0000");
}

/* The decoded body of a formatted message. */
static char *decode_body(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");
	char *b64 = NULL, *out;
	size_t n = 0;
	int len;

	assert_non_null(p);
	b64 = malloc(strlen(p) + 1);
	for (p += 4; *p; p++)
		if (*p != '\r' && *p != '\n')
			b64[n++] = *p;
	b64[n] = '\0';
	out = calloc(1, n + 1);
	len = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)b64, (int)n);
	assert_true(len >= 0);
	/* EVP_DecodeBlock counts the padding as zero bytes */
	while (n && b64[n - 1] == '=') {
		n--;
		len--;
	}
	out[len] = '\0';
	free(b64);
	return out;
}

static void test_format(void **state)
{
	struct mfa_eml m = MFA_EML_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	char subject[400];
	char *text = NULL, *body, *line;
	size_t len;

	(void)state;
	/* a long non-ASCII subject: encoded words, folded */
	snprintf(subject, sizeof(subject), "%s",
		 "Multifactor authentication: \xc3\xa9tape suivante pour vous, "
		 "\xe2\x80\x94 lisez ce message avant lundi, merci beaucoup \xc3\xa0 tous");
	m.to_addr = "ann@contoso.example";
	m.to_name = "Ann \xc3\x89mile\r\nBcc: all@contoso.example";
	m.from = "it@contoso.example";
	m.subject = subject;
	m.body = "Hello \xc3\x89mile,\n\nline two\n";
	m.date = 0;
	m.message_id = "<1.test@mfa-migrate.invalid>";
	assert_int_equal(mfa_eml_format(&text, &len, &m, &err), 0);
	assert_int_equal(strlen(text), len);
	assert_true(strncmp(text, "From: <it@contoso.example>\r\nTo: =?UTF-8?B?", 42) == 0);
	/* the CR LF in the name did not start a header */
	assert_null(strstr(text, "\r\nBcc:"));
	assert_non_null(strstr(text, "\r\nSubject: =?UTF-8?B?"));
	assert_non_null(strstr(text, "\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	assert_non_null(strstr(text, "\r\nMessage-ID: <1.test@mfa-migrate.invalid>\r\n"));
	assert_non_null(strstr(text, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(text, "\r\nContent-Transfer-Encoding: base64\r\n\r\n"));
	/* no line over 78 bytes, every line ends in CRLF */
	for (line = text; *line;) {
		char *eol = strstr(line, "\r\n");

		assert_non_null(eol);
		if (eol - line > 78)
			fail_msg("line over 78 bytes: %.*s", (int)(eol - line), line);
		line = eol + 2;
	}
	body = decode_body(text);
	assert_string_equal(body, "Hello \xc3\x89mile,\r\n\r\nline two\r\n");
	free(body);
	free(text);

	/* ASCII: a quoted name with its quote escaped, the subject as it is */
	m.from = NULL;
	m.to_name = "Bob \"B\" Jones";
	m.subject = "Plain subject";
	assert_int_equal(mfa_eml_format(&text, &len, &m, &err), 0);
	{
		const char *want = "To: \"Bob \\\"B\\\" Jones\" <ann@contoso.example>\r\nSubject: Plain subject\r\n";

		if (strncmp(text, want, strlen(want)) != 0)
			fail_msg("got: %.90s", text);
	}
	free(text);

	/* refused: not an address, no Message-ID */
	m.to_addr = "ann@contoso.example\r\nBcc: x@evil.example";
	assert_int_equal(mfa_eml_format(&text, &len, &m, &err), -1);
	assert_null(text);
	assert_non_null(strstr(err.msg, "is not a mail address"));
	m.to_addr = "ann@contoso.example";
	m.message_id = NULL;
	assert_int_equal(mfa_eml_format(&text, &len, &m, &err), -1);
}

static void test_template_parse(void **state)
{
	struct mfa_notice_template t = MFA_NOTICE_TEMPLATE_INIT;
	struct mfa_err err = MFA_ERR_INIT;
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "Hello {displayName}\n", "line 1: a template starts with a 'Subject: ...' line" },
		{ "Subject: hi\nbody\n", "line 2: must be blank" },
		{ "Subject: hi", "line 2: no body" },
		{ "Subject: \n\nbody\n", "line 1: the subject is empty" },
		{ "Subject: hi\n\n", "line 3: the body is empty" },
		{ "Subject: hi {displayname}\n\nbody\n", "line 1: unknown placeholder '{displayname}'" },
		{ "Subject: hi\n\nDear {displayName},\n\nsee {registrationURL}\n", "line 5: unknown placeholder '{registrationURL}'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mfa_notice_template_parse(&t, bad[i].text, "template 't.txt'", &err), -1);
		if (!strstr(err.msg, bad[i].want) || strncmp(err.msg, "template 't.txt': ", 18) != 0)
			fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, bad[i].want);
		assert_null(t.subject);
	}
	assert_int_equal(mfa_notice_template_parse(&t, "Subject:  Hi {displayName}\r\n\r\n{ not one } {x y}\n",
						   "t", &err), 0);
	assert_string_equal(t.subject, "Hi {displayName}");
	assert_string_equal(t.body, "{ not one } {x y}\n");
	mfa_notice_template_release(&t);
	mfa_notice_template_release(&t); /* twice is fine */
}

static void test_fill(void **state)
{
	struct mfa_notice_vars v = { "Ann", "ann@contoso.example", "enabled", "enforced", "1 December",
				     MFA_REGISTRATION_URL };
	struct mfa_err err = MFA_ERR_INIT;
	char *out = NULL;

	(void)state;
	assert_int_equal(mfa_notice_fill(&out, "{displayName} <{userPrincipalName}>: {from} -> {to} on {date}, {registrationUrl} {kept", &v, &err), 0);
	assert_string_equal(out, "Ann <ann@contoso.example>: enabled -> enforced on 1 December, https://aka.ms/mfasetup {kept");
	free(out);
	v.display_name = NULL;
	assert_int_equal(mfa_notice_fill(&out, "[{displayName}]", &v, &err), 0);
	assert_string_equal(out, "[]");
	free(out);
	assert_int_equal(mfa_notice_fill(&out, "{nope}", &v, &err), -1);
	assert_null(out);
}

static void test_builtins(void **state)
{
	struct mfa_err err = MFA_ERR_INIT;
	int k;

	(void)state;
	assert_int_equal(mfa_notice_kind_for(MFA_STATE_ENABLED), MFA_NOTICE_ENABLE);
	assert_int_equal(mfa_notice_kind_for(MFA_STATE_ENFORCED), MFA_NOTICE_ENFORCE);
	assert_int_equal(mfa_notice_kind_for(MFA_STATE_DISABLED), MFA_NOTICE_CONDITIONAL_ACCESS);
	assert_int_equal(mfa_notice_kind_for(MFA_STATE_UNKNOWN), -1);
	for (k = 0; k < MFA_NOTICE__COUNT; k++) {
		struct mfa_notice_template t = MFA_NOTICE_TEMPLATE_INIT;

		assert_int_equal(mfa_notice_template_parse(&t, mfa_notice_builtin((enum mfa_notice_kind)k), "b", &err), 0);
		assert_non_null(strstr(t.body, "{registrationUrl}"));
		assert_non_null(strstr(t.body, "{userPrincipalName}"));
		assert_true(strlen(mfa_notice_change_text((enum mfa_notice_kind)k)) > 0);
		assert_true(strlen(mfa_notice_todo_text((enum mfa_notice_kind)k)) > 0);
		mfa_notice_template_release(&t);
	}
	/* enforced users with legacy apps: app passwords */
	assert_non_null(strstr(mfa_notice_builtin(MFA_NOTICE_ENFORCE), "App password"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_ok),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_template_parse),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_builtins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
