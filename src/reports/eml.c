/* eml.c - RFC 5322 / MIME messages (eml.h). */
#include "reports/eml.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + n + 1) {
			if (cap > ((size_t)-1) / 2) {
				b->oom = 1;
				return;
			}
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

int mfa_eml_address_ok(const char *addr)
{
	const char *at, *p, *domain;

	if (!addr || !addr[0] || strlen(addr) > 254)
		return 0;
	at = strchr(addr, '@');
	if (!at || at == addr || strchr(at + 1, '@'))
		return 0;
	for (p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || strchr("\"<>(),;:\\[]", c))
			return 0;
	}
	domain = at + 1;
	if (!domain[0] || domain[0] == '.' || domain[strlen(domain) - 1] == '.' ||
	    strstr(domain, ".."))
		return 0;
	return 1;
}

void mfa_eml_date(char *buf, size_t size, time_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
		 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

/* Header text with every control character (CR and LF included) made a
 * space: nothing in a value can start a header of its own. malloc'd. */
static char *clean_text(const char *s)
{
	size_t n = s ? strlen(s) : 0, i;
	char *c = malloc(n + 1);

	if (!c)
		return NULL;
	for (i = 0; i < n; i++)
		c[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	c[n] = '\0';
	return c;
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Up to 39 bytes of s (ending on a UTF-8 character boundary) per word:
 * 52 base64 characters + 12 of the word's frame = 64 (RFC 2047: at most
 * 75), so even "Subject: " and a word stay under 78 a line. */
static void encoded_words(struct buf *b, const char *s)
{
	size_t n = strlen(s), done = 0;
	unsigned char out[64];

	if (!n) {
		return;
	}
	while (done < n) {
		size_t take = n - done > 39 ? 39 : n - done;

		while (done + take < n && take > 0 && ((unsigned char)s[done + take] & 0xC0) == 0x80)
			take--;
		if (take == 0)
			take = n - done > 39 ? 39 : n - done; /* not UTF-8: cut anyway */
		if (done)
			puts_(b, "\r\n "); /* fold between words */
		puts_(b, "=?UTF-8?B?");
		EVP_EncodeBlock(out, (const unsigned char *)s + done, (int)take);
		puts_(b, (const char *)out);
		puts_(b, "?=");
		done += take;
	}
}

/* An unstructured header value (Subject): ASCII as it is (up to 900
 * bytes, under RFC 5322's 998 a line), anything else as encoded words. */
static void text_value(struct buf *b, const char *s)
{
	if (is_ascii(s) && strlen(s) <= 900)
		puts_(b, s);
	else
		encoded_words(b, s);
}

/* A display name: a quoted string when ASCII, else encoded words. */
static void name_value(struct buf *b, const char *s)
{
	if (is_ascii(s) && strlen(s) <= 900) {
		puts_(b, "\"");
		for (; *s; s++) {
			if (*s == '"' || *s == '\\')
				put(b, "\\", 1);
			put(b, s, 1);
		}
		puts_(b, "\"");
	} else {
		encoded_words(b, s);
	}
}

/* The body in its canonical form (CRLF line ends), base64 in 76-column
 * lines (RFC 2045). */
static int body_base64(struct buf *b, const char *body)
{
	struct buf crlf = { NULL, 0, 0, 0 };
	unsigned char out[80];
	size_t i;

	for (i = 0; body && body[i]; i++) {
		if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
			put(&crlf, "\r", 1);
		put(&crlf, body + i, 1);
	}
	if (crlf.oom) {
		free(crlf.p);
		return -1;
	}
	for (i = 0; i < crlf.len; i += 57) {
		size_t take = crlf.len - i > 57 ? 57 : crlf.len - i;

		EVP_EncodeBlock(out, (const unsigned char *)crlf.p + i, (int)take);
		puts_(b, (const char *)out);
		puts_(b, "\r\n");
	}
	free(crlf.p);
	return 0;
}

int mfa_eml_format(char **out, size_t *len, const struct mfa_eml *m, struct mfa_err *err)
{
	struct buf b = { NULL, 0, 0, 0 };
	char date[64];
	char *subject = NULL, *name = NULL;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (!mfa_eml_address_ok(m->to_addr))
		return mfa_err_set(err, "'%s' is not a mail address", m->to_addr ? m->to_addr : "");
	if (m->from && !mfa_eml_address_ok(m->from))
		return mfa_err_set(err, "'%s' is not a mail address", m->from);
	if (!m->message_id || !m->message_id[0] || strpbrk(m->message_id, "\r\n"))
		return mfa_err_set(err, "a message needs a Message-ID");
	subject = clean_text(m->subject);
	name = clean_text(m->to_name);
	if (!subject || !name)
		goto cleanup;
	mfa_eml_date(date, sizeof(date), m->date);
	if (m->from) {
		puts_(&b, "From: <");
		puts_(&b, m->from);
		puts_(&b, ">\r\n");
	}
	puts_(&b, "To: ");
	if (name[0]) {
		name_value(&b, name);
		/* after encoded words the address goes on a folded line of its own */
		puts_(&b, is_ascii(name) && strlen(name) <= 900 ? " " : "\r\n ");
	}
	puts_(&b, "<");
	puts_(&b, m->to_addr);
	puts_(&b, ">\r\nSubject: ");
	text_value(&b, subject);
	puts_(&b, "\r\nDate: ");
	puts_(&b, date);
	puts_(&b, "\r\nMessage-ID: ");
	puts_(&b, m->message_id);
	puts_(&b, "\r\nMIME-Version: 1.0\r\n"
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: base64\r\n\r\n");
	if (body_base64(&b, m->body) < 0 || b.oom)
		goto cleanup;
	*out = b.p;
	*len = b.len;
	b.p = NULL;
	rc = 0;
cleanup:
	if (rc < 0)
		mfa_err_set(err, "out of memory");
	free(b.p);
	free(subject);
	free(name);
	return rc;
}
