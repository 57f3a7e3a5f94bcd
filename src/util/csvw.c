/* csvwrite.c - CSV fields, quoted and formula-neutralised (mfa/csvwrite.h). */
#include "mfa/util/csvw.h"

#include <string.h>

static bool formula_char(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* A value that really starts with an apostrophe gets one more, so that
 * stripping one on read-back is always exact ("'=x" -> "''=x" -> "'=x"). */
bool mfa_csv_needs_neutralising(const char *s)
{
	return s && (formula_char(s[0]) || s[0] == '\'');
}

const char *mfa_csv_unneutralise(const char *s)
{
	if (s && s[0] == '\'' && (formula_char(s[1]) || s[1] == '\''))
		return s + 1;
	return s;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void mfa_csvw_field(struct mfa_csvw *w, const char *s)
{
	FILE *f = w->f;
	bool neutral, quote;

	if (!w->first)
		putc(',', f);
	w->first = false;
	if (!s || !*s)
		return;
	neutral = mfa_csv_needs_neutralising(s);
	/* spaces at either end survive only inside quotes (a reader trims
	 * unquoted fields) */
	quote = strpbrk(s, ",\"\r\n") != NULL ||
		(!neutral && is_blank(s[0])) || is_blank(s[strlen(s) - 1]);
	if (!quote && !neutral) {
		fputs(s, f);
		return;
	}
	if (quote)
		putc('"', f);
	if (neutral)
		putc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	if (quote)
		putc('"', f);
}

void mfa_csvw_ulong(struct mfa_csvw *w, unsigned long v)
{
	if (!w->first)
		putc(',', w->f);
	w->first = false;
	fprintf(w->f, "%lu", v);
}

void mfa_csvw_end(struct mfa_csvw *w)
{
	putc('\n', w->f);
	w->first = true;
}
