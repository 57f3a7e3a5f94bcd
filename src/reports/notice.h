/* reports/notice.h - what a user is told about their per-user MFA change:
 * the built-in messages, a --template file, and its placeholders.
 *
 * A template is text: a first line "Subject: ...", one blank line, then
 * the body. Placeholders, in the subject or the body:
 *   {displayName} {userPrincipalName} {from} {to} {date} {registrationUrl}
 * A '{' that starts a name of letters and a '}' is a placeholder, and a
 * name outside that list is refused (a typo would otherwise reach every
 * user); any other '{' is text. Pure: no I/O.
 *
 * The built-in templates are C strings compiled into the binary (nothing
 * to install or lose): one for a move to enabled, one to enforced (app
 * passwords for legacy apps), one for the move to Conditional Access (to
 * disabled).
 */
#ifndef MFA_REPORTS_NOTICE_H
#define MFA_REPORTS_NOTICE_H

#include "mfa/util/err.h"
#include "mfa/model/user.h"

#define MFA_REGISTRATION_URL "https://aka.ms/mfasetup"

/* Which built-in message a change gets, by its target state. */
enum mfa_notice_kind {
	MFA_NOTICE_ENABLE = 0,      /* to enabled: asked to register at next sign-in */
	MFA_NOTICE_ENFORCE,         /* to enforced: every sign-in; app passwords */
	MFA_NOTICE_CONDITIONAL_ACCESS, /* to disabled: Conditional Access asks now */
	MFA_NOTICE__COUNT
};

/* The kind for a change to `to`; -1 for a state nobody is moved to. */
int mfa_notice_kind_for(enum mfa_state to);

/* The built-in template of a kind (static text, in the template form). */
const char *mfa_notice_builtin(enum mfa_notice_kind k);

/* notify.csv's "change" and "todo" texts for a kind: what changes for the
 * user, and what they must do (static). */
const char *mfa_notice_change_text(enum mfa_notice_kind k);
const char *mfa_notice_todo_text(enum mfa_notice_kind k);

/* A template split into its subject and body: owned copies. */
struct mfa_notice_template {
	char *subject;
	char *body;
};

#define MFA_NOTICE_TEMPLATE_INIT { NULL, NULL }

/* Reads template text (name says where it came from in messages, e.g.
 * "template 'x.txt'"): the "Subject:" line, the blank line, every
 * placeholder known. -1 with err naming name and the line. */
int mfa_notice_template_parse(struct mfa_notice_template *t, const char *text, const char *name,
			      struct mfa_err *err);

void mfa_notice_template_release(struct mfa_notice_template *t); /* safe when empty */

/* The placeholders' values; all borrowed, NULL is an empty value. */
struct mfa_notice_vars {
	const char *display_name;
	const char *upn;
	const char *from;
	const char *to;
	const char *date;
	const char *registration_url;
};

/* Fills text's placeholders into *out (malloc'd; the caller frees it).
 * -1 with err set (an unknown placeholder: text was not parsed first, or
 * out of memory). */
int mfa_notice_fill(char **out, const char *text, const struct mfa_notice_vars *v,
		    struct mfa_err *err);

#endif
