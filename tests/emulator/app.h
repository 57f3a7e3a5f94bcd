/* app.h - the running emulator: configuration plus every shared part. */
#ifndef EMU_APP_H
#define EMU_APP_H

#include <cjson/cJSON.h>

#include "auth.h"
#include "emu.h"
#include "faults.h"
#include "mail.h"
#include "signins.h"
#include "stats.h"
#include "tenant.h"
#include "throttle.h"

struct emu_app {
	const struct emu_config *cfg;
	struct emu_tenant tenant;
	struct emu_auth *auth;
	struct emu_throttle *throttle;
	struct emu_faults faults;
	struct emu_stats stats;
	struct emu_mail *mail; /* sendMail limits and log */
	cJSON *fixture;        /* --ca-fixture, or NULL */
	cJSON *whatif_override; /* --what-if-override, or NULL (whatif.h) */
	struct emu_signins *signins; /* the sign-in logs (signins.h) */
	uint64_t skip_key;     /* hides offsets in skiptokens */
};

/* Loads --ca-fixture into app->fixture (checks its shape). */
int emu_fixture_load(struct emu_app *app, const char *path, struct mfa_err *err);

/* Called once per HTTP request to the Graph API, before anything answers
 * it: gives rp its request-id and client-request-id (echoed, or fresh) and
 * counts the request in the stats (graphRequests, clientRequestIds). */
void emu_api_begin(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp);

/* Answers one Graph API request (rq->version set): token check, routing,
 * permission, throttle, then the endpoint. Also used for $batch items. */
void emu_api_handle(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp);

/* Answers POST /{version}/$batch after the token check. */
void emu_batch_handle(struct emu_app *app, const struct emu_request *rq, struct emu_reply *rp);

/* Appends to url the request's own URL (path and query) with $skiptoken
 * set to skiptoken: the only place a nextLink is built. */
void emu_next_link_url(const struct emu_request *rq, const char *skiptoken, struct buf *url);

/* Appends `,"@odata.nextLink":"..."` (emu_next_link_url's) to b. */
void emu_next_link(const struct emu_request *rq, const char *skiptoken, struct buf *b);

/* Splits "a=b&c=d" into rq->query (percent-decoded, '+' as space). */
void emu_query_parse(struct emu_request *rq, const char *qs);

#endif
