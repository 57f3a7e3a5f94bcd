/* sendmail.h - one message through Graph's sendMail (POST
 * /users/{from}/sendMail, Mail.Send): the request body, the URL, and the
 * send on a session's engine. The notify job (jobs/notify_users.h) and the
 * audit's alert (jobs/alert.h) both send this way. */
#ifndef MFA_JOBS_SENDMAIL_H
#define MFA_JOBS_SENDMAIL_H

#include "graph/http.h"
#include "mfa/util/err.h"

/* {"message":{"subject","body":{"contentType":"Text","content"},
 * "toRecipients":[{"emailAddress":{"address":to}}]},"saveToSentItems":false},
 * malloc'd (cJSON's allocator: free with free), or NULL with err. */
char *mfa_sendmail_body(const char *subject, const char *text, const char *to, struct mfa_err *err);

/* "{graph}/v1.0/users/{from, escaped}/sendMail", malloc'd, or NULL with err. */
char *mfa_sendmail_url(const char *graph_url, const char *from, struct mfa_err *err);

struct mfa_sendmail_answer {
	long status;
	unsigned attempts;
	int cancelled;
	int acted;          /* 1: the server may have sent it (an answer after it had the request) */
	char error[MFA_ERR_MAX];
};

/* Sends body to url on h (scope MAIL, one unit, not idempotent: a 5xx or
 * a timeout is final, "may have been sent") and runs h until the answer.
 * 0 with *a filled whatever Graph answered; -1 with err when the request
 * could not be made or the engine stopped (its token source failed). */
int mfa_sendmail_post(struct mfa_http *h, const char *url, const char *body,
		      struct mfa_sendmail_answer *a, struct mfa_err *err);

#endif
