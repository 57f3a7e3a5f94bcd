/* notice.c - the messages users get (notice.h). */
#include "reports/notice.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const builtins[MFA_NOTICE__COUNT] = {
	[MFA_NOTICE_ENABLE] =
		"Subject: Multifactor authentication is being turned on for your account\n"
		"\n"
		"Hello {displayName},\n"
		"\n"
		"Your IT team is turning on multifactor authentication (MFA) for your work\n"
		"account {userPrincipalName} ({date}).\n"
		"\n"
		"What you will see: the next time you sign in, Microsoft asks for more\n"
		"information (\"More information required\") and walks you through setting up\n"
		"a second way to prove it is you, such as the Microsoft Authenticator app or\n"
		"a phone number. It takes about five minutes.\n"
		"\n"
		"What you need to do: set it up now, before the change, at\n"
		"{registrationUrl}\n"
		"\n"
		"Once it is set up, sign-ins ask for that second method too. Older apps that\n"
		"ask only for a password (some mail apps) then need an app password, which\n"
		"you can create at https://aka.ms/mysecurityinfo.\n"
		"\n"
		"If you did not expect this message, contact your IT help desk before you\n"
		"follow any link in it.\n",
	[MFA_NOTICE_ENFORCE] =
		"Subject: Multifactor authentication is now required for your account\n"
		"\n"
		"Hello {displayName},\n"
		"\n"
		"Your IT team is making multifactor authentication (MFA) required for your\n"
		"work account {userPrincipalName} ({date}).\n"
		"\n"
		"What you will see: every sign-in asks for your second method (the\n"
		"Microsoft Authenticator app, a text message or a call) after your password.\n"
		"If you have not set one up yet, do it now at {registrationUrl}\n"
		"\n"
		"Older apps that ask only for a password and cannot show the MFA prompt (for\n"
		"example mail apps using IMAP, POP or older Outlook versions, and some phone\n"
		"mail apps) stop signing in. For each such app create an app password: sign\n"
		"in at https://aka.ms/mysecurityinfo, choose \"Add sign-in method\", then\n"
		"\"App password\", and enter that password in the app instead of your own.\n"
		"\n"
		"If you did not expect this message, contact your IT help desk before you\n"
		"follow any link in it.\n",
	[MFA_NOTICE_CONDITIONAL_ACCESS] =
		"Subject: How your account asks for multifactor authentication is changing\n"
		"\n"
		"Hello {displayName},\n"
		"\n"
		"Your IT team is moving your work account {userPrincipalName} from per-user\n"
		"multifactor authentication to Conditional Access ({date}).\n"
		"\n"
		"What you will see: you keep the methods you set up (such as the Microsoft\n"
		"Authenticator app); you may be asked for them at different times, as your\n"
		"organisation's policies decide, for example for some apps or outside the\n"
		"office.\n"
		"\n"
		"What you need to do: usually nothing. If you have not set up a second\n"
		"method, do it at {registrationUrl}. App passwords do not work with\n"
		"Conditional Access: an older app that signs in with one needs to be\n"
		"replaced by one that supports modern sign-in (such as a current Outlook).\n"
		"\n"
		"If you did not expect this message, contact your IT help desk before you\n"
		"follow any link in it.\n",
};

static const char *const changes[MFA_NOTICE__COUNT] = {
	[MFA_NOTICE_ENABLE] = "per-user MFA enabled: asked to register a second method at the next sign-in",
	[MFA_NOTICE_ENFORCE] = "per-user MFA enforced: every sign-in asks for a second method; legacy apps stop signing in",
	[MFA_NOTICE_CONDITIONAL_ACCESS] = "per-user MFA off: Conditional Access decides when a second method is asked",
};

static const char *const todos[MFA_NOTICE__COUNT] = {
	[MFA_NOTICE_ENABLE] = ("register a second method at " MFA_REGISTRATION_URL),
	[MFA_NOTICE_ENFORCE] = "register a second method if not done; create app passwords for legacy apps",
	[MFA_NOTICE_CONDITIONAL_ACCESS] = "nothing if registered; replace apps that use app passwords",
};

int mfa_notice_kind_for(enum mfa_state to)
{
	switch (to) {
	case MFA_STATE_ENABLED: return MFA_NOTICE_ENABLE;
	case MFA_STATE_ENFORCED: return MFA_NOTICE_ENFORCE;
	case MFA_STATE_DISABLED: return MFA_NOTICE_CONDITIONAL_ACCESS;
	default: return -1;
	}
}

const char *mfa_notice_builtin(enum mfa_notice_kind k)
{
	return (unsigned)k < MFA_NOTICE__COUNT ? builtins[k] : NULL;
}

const char *mfa_notice_change_text(enum mfa_notice_kind k)
{
	return (unsigned)k < MFA_NOTICE__COUNT ? changes[k] : "";
}

const char *mfa_notice_todo_text(enum mfa_notice_kind k)
{
	return (unsigned)k < MFA_NOTICE__COUNT ? todos[k] : "";
}

static const char *const names[] = {
	"displayName", "userPrincipalName", "from", "to", "date", "registrationUrl",
};

/* At a '{': the length of "{name}" when it is a placeholder's shape (a
 * name of letters, then '}'), else 0. */
static size_t placeholder_len(const char *p)
{
	size_t n = 1;

	while (isalpha((unsigned char)p[n]))
		n++;
	return n > 1 && p[n] == '}' ? n + 1 : 0;
}

/* The index of the placeholder at p (shape checked), or -1. */
static int placeholder_index(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len - 2 && memcmp(p + 1, names[i], len - 2) == 0)
			return (int)i;
	return -1;
}

/* Checks every placeholder of text; line is the first line's number. */
static int check_placeholders(const char *text, const char *name, unsigned long line,
			      struct mfa_err *err)
{
	const char *p;

	for (p = text; *p; p++) {
		size_t len;

		if (*p == '\n')
			line++;
		if (*p != '{' || !(len = placeholder_len(p)))
			continue;
		if (placeholder_index(p, len) < 0)
			return mfa_err_set(err, "%s: line %lu: unknown placeholder '%.*s' (known: {displayName}, {userPrincipalName}, {from}, {to}, {date}, {registrationUrl})",
					   name, line, (int)len, p);
	}
	return 0;
}

int mfa_notice_template_parse(struct mfa_notice_template *t, const char *text, const char *name,
			      struct mfa_err *err)
{
	const char *eol, *body;
	size_t slen;

	t->subject = t->body = NULL;
	if (strncmp(text, "Subject:", 8) != 0)
		return mfa_err_set(err, "%s: line 1: a template starts with a 'Subject: ...' line, then a blank line, then the body",
				   name);
	eol = strchr(text, '\n');
	if (!eol)
		return mfa_err_set(err, "%s: line 2: no body: after the 'Subject:' line put a blank line, then the message",
				   name);
	body = eol + 1;
	if (body[0] == '\r')
		body++;
	if (body[0] != '\n')
		return mfa_err_set(err, "%s: line 2: must be blank (the subject is one line; the body follows the blank line)",
				   name);
	body++;
	text += 8;
	while (*text == ' ' || *text == '\t')
		text++;
	slen = (size_t)(eol - text);
	if (slen && text[slen - 1] == '\r')
		slen--;
	if (slen == 0)
		return mfa_err_set(err, "%s: line 1: the subject is empty", name);
	if (!body[0])
		return mfa_err_set(err, "%s: line 3: the body is empty", name);
	t->subject = strndup(text, slen);
	t->body = strdup(body);
	if (!t->subject || !t->body) {
		mfa_notice_template_release(t);
		return mfa_err_set(err, "out of memory");
	}
	if (check_placeholders(t->subject, name, 1, err) < 0 ||
	    check_placeholders(t->body, name, 3, err) < 0) {
		mfa_notice_template_release(t);
		return -1;
	}
	return 0;
}

void mfa_notice_template_release(struct mfa_notice_template *t)
{
	free(t->subject);
	free(t->body);
	t->subject = t->body = NULL;
}

int mfa_notice_fill(char **out, const char *text, const struct mfa_notice_vars *v,
		    struct mfa_err *err)
{
	const char *vals[6];
	size_t need = 1, i, len;
	const char *p;
	char *o, *q;
	int k;

	vals[0] = v->display_name;
	vals[1] = v->upn;
	vals[2] = v->from;
	vals[3] = v->to;
	vals[4] = v->date;
	vals[5] = v->registration_url;
	*out = NULL;
	/* two passes: size, then copy */
	for (p = text; *p; p++) {
		if (*p == '{' && (len = placeholder_len(p))) {
			if ((k = placeholder_index(p, len)) < 0)
				return mfa_err_set(err, "unknown placeholder '%.*s'", (int)len, p);
			need += vals[k] ? strlen(vals[k]) : 0;
			p += len - 1;
		} else {
			need++;
		}
	}
	o = malloc(need);
	if (!o)
		return mfa_err_set(err, "out of memory");
	for (p = text, q = o; *p; p++) {
		if (*p == '{' && (len = placeholder_len(p))) {
			k = placeholder_index(p, len);
			i = vals[k] ? strlen(vals[k]) : 0;
			if (i)
				memcpy(q, vals[k], i);
			q += i;
			p += len - 1;
		} else {
			*q++ = *p;
		}
	}
	*q = '\0';
	*out = o;
	return 0;
}
