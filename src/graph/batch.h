/* graph/batch.h - packing up to 20 Graph requests into one $batch request
 * and reading the reply back per item.
 *
 *     struct mfa_batch b;
 *     struct mfa_batch_result res[MFA_BATCH_MAX];
 *     char *body = NULL; size_t len;
 *     mfa_batch_init(&b);
 *     mfa_batch_add(&b, "PATCH", "/users/0f3c.../authentication/requirements",
 *                   "{\"perUserMfaState\":\"disabled\"}", user, &err);
 *     ...up to MFA_BATCH_MAX items...
 *     mfa_batch_body(&b, &body, &len, &err);   // POST it to {graph}/beta/$batch
 *     ...on the reply (outer status 200):
 *     mfa_batch_parse(&b, reply, reply_len, cap, res, &err);
 *     for (i = 0; i < b.n; i++) use(b.items[i].ctx, &res[i]);
 *     ask mfa_retry_decide about each failed item, re-batch those it retries
 *     mfa_batch_results_release(res, b.n);
 *     mfa_batch_release(&b);
 *
 * Rules (GRAPH.md "$batch"): at most 20 items; ids unique within a batch
 * (here "1".."20" in order of mfa_batch_add); item URLs are relative to the
 * batch's version, "/users/{id}/...", never "/beta/..." or "/v1.0/...".
 * The reply's items may come in any order; they are mapped back by id, and
 * an item without a reply is a failure of that item (status 0, missing).
 * An outer 200 says nothing about the items: each has its own status, and a
 * throttled item carries its own Retry-After in its headers.
 */
#ifndef MFA_GRAPH_BATCH_H
#define MFA_GRAPH_BATCH_H

#include <stddef.h>

#include "mfa/util/err.h"

#define MFA_BATCH_MAX 20

struct mfa_batch_item {
	char id[8];        /* "1".."20" */
	char method[8];    /* "GET", "PATCH", ... */
	char *url;         /* relative URL, owned (copied by mfa_batch_add) */
	char *body;        /* JSON text or NULL, owned (copied) */
	void *ctx;         /* the caller's, not touched */
};

struct mfa_batch {
	struct mfa_batch_item items[MFA_BATCH_MAX];
	size_t n;
};

/* The outcome of one item, at the same index as its item. */
struct mfa_batch_result {
	long status;        /* item's HTTP status; 0 when the reply lacked the item */
	int missing;        /* 1: no response for this item in the reply */
	double retry_after; /* item's Retry-After in seconds, -1 when absent */
	char *body;         /* item's body as JSON text, or NULL; owned, freed by
			     * mfa_batch_results_release */
};

/* Empties a batch (no allocation). */
void mfa_batch_init(struct mfa_batch *b);

/* Frees what the items own and empties the batch. */
void mfa_batch_release(struct mfa_batch *b);

/* Appends one request. url must start with '/', must not start with a
 * version segment (/beta, /v1.0), and must be a bare path and query
 * (no scheme, no spaces). json_body may be NULL; if given it must be valid
 * JSON and the item gets "Content-Type: application/json". Copies method,
 * url and body; ctx is stored as is. Fails when the batch is full. */
int mfa_batch_add(struct mfa_batch *b, const char *method, const char *url,
		  const char *json_body, void *ctx, struct mfa_err *err);

/* The request body {"requests":[...]} for the items so far. *out is
 * malloc'd and NUL-terminated, *len its length; the caller frees it. */
int mfa_batch_body(const struct mfa_batch *b, char **out, size_t *len, struct mfa_err *err);

/* "{graph}/beta/$batch" for a graph base URL (no trailing slash needed).
 * *out is malloc'd. */
int mfa_batch_url(char **out, const char *graph_base, struct mfa_err *err);

/* Reads a $batch reply of len bytes (need not be NUL-terminated) into
 * results[0..b->n-1], mapped by id. A reply longer than max_len bytes is
 * refused before parsing. Returns -1 (results all marked missing, nothing
 * to release beyond them) when the reply is not a $batch reply at all;
 * otherwise 0, with per-item outcomes in results. Always release the
 * results with mfa_batch_results_release. */
int mfa_batch_parse(const struct mfa_batch *b, const char *reply, size_t len, size_t max_len,
		    struct mfa_batch_result *results, struct mfa_err *err);

/* Frees the bodies of n results. */
void mfa_batch_results_release(struct mfa_batch_result *results, size_t n);

/* Whether an item is worth re-batching is the retry policy's to say
 * (graph/retry.h, kind MFA_RETRY_BATCH_ITEM): graph/requirements.c asks it.
 *
 * The longest Retry-After among the items whose Retry-After pauses a scope
 * (mfa_retry_status_pauses: 429, 503), in seconds; 0 when none carries one. */
double mfa_batch_longest_retry_after(const struct mfa_batch_result *results, size_t n);

#endif
