/* mfa/planfile.h - plan.jsonl, the reviewed plan that apply executes.
 *
 * Format (one JSON object per line, '\n' terminated):
 *   line 1   header  {"kind":"mfa-migrate-plan","formatVersion":1,
 *                     "tenantId":..|null,"createdDateTime":"...Z",
 *                     "target":"disabled|enabled|enforced",
 *                     "source":{...},"options":{...},"counts":{...}}
 *   line 2.. one per user {"seq":N,"id":..,"userPrincipalName":..,
 *                     "displayName":..,"mail":..|null,"action":"disable|enable|enforce|keep|hold",
 *                     "from":state,"to":state[,"expect":"enforced"],"reason":..,
 *                     "findings":[..]}
 *   last     trailer {"kind":"trailer","count":N,"crc32":"xxxxxxxx"}
 * crc32 (zlib's) covers every byte before the trailer line; count is the
 * number of user lines. A file whose trailer is missing, whose crc or count
 * does not match, or whose seq numbers are out of order is refused.
 * A header without "target" is a plan to disabled (older plans). A change
 * line must go to the header's target, with the action for it, from
 * another state the scan read; a keep or hold line must stay where it
 * was (to == from); "expect" (written only when it differs from "to")
 * may only be "enforced" on a line to enabled. Anything else is refused,
 * whatever the checksum says. The header's counts name the target's
 * change action, keep and hold only.
 */
#ifndef MFA_PLANFILE_H
#define MFA_PLANFILE_H

#include <stdint.h>

#include "mfa/util/err.h"
#include "mfa/model/plan.h"
#include "mfa/model/sink.h"

#define MFA_PLANFILE_KIND "mfa-migrate-plan"
#define MFA_PLANFILE_VERSION 1

/* One limit for the writer and the reader: the reader refuses a line
 * longer than MFA_PLANFILE_MAX_LINE bytes, and the writer can never write
 * one. Its rule: a displayName (never used by apply) is cut to
 * MFA_PLANFILE_MAX_NAME bytes at a UTF-8 character boundary (users.csv
 * and plan.csv keep it whole); an id or userPrincipalName longer than
 * MFA_PLANFILE_MAX_KEY bytes (Entra's are a GUID and at most 113
 * characters) fails the plan, since a cut one would name another user. */
#define MFA_PLANFILE_MAX_LINE (64 * 1024)
#define MFA_PLANFILE_MAX_KEY 4096
#define MFA_PLANFILE_MAX_NAME 1024
/* A mail property longer than an address can be (RFC 5321: 254 bytes) is
 * written as null: the user is not notifiable, never mailed at a cut
 * address. A plan without "mail" reads as null too. */
#define MFA_PLANFILE_MAX_MAIL 254

/* What the writer records about the run in the header. All borrowed. */
struct mfa_planfile_meta {
	const char *tenant_id;     /* NULL for a CSV plan */
	const char *source_kind;   /* "csv" | "graph" */
	const char *source_path;   /* NULL for graph */
	const char *registration_path;
	const char *exclude_path;
	const char *only_path;
	const struct mfa_plan_options *plan_opts;
	/* out: the written plan.jsonl's SHA-256 (lowercase hex), set when the
	 * sink finishes; "" before, or when no plan was written */
	char sha256[65];
};

/* plan.jsonl as a sink. The header needs the final counts, so user lines
 * go to a temporary body first and the file is assembled in finish, with
 * plan.jsonl.sha256 beside it ("<hex>  plan.jsonl", as sha256sum writes)
 * and the hash in meta->sha256: what a reviewer approves and `apply
 * --plan-sha256` pins. meta and what it points to must outlive the sink. */
int mfa_planfile_sink_open(struct mfa_sink **out, const char *dir,
			   struct mfa_planfile_meta *meta, struct mfa_err *err);

/* One user line as read back. Strings are owned by the reader and valid
 * until the next mfa_planfile_next. */
struct mfa_plan_entry {
	unsigned long seq;
	const char *id;
	const char *upn;
	const char *display_name;
	const char *mail;           /* NULL: none (or an older plan) */
	enum mfa_action action;
	enum mfa_state from;
	enum mfa_state to;
	enum mfa_state expect;      /* where the user ends: to, or enforced (Graph's rule) */
	enum mfa_hold_reason reason;
};

struct mfa_planfile_header {
	int format_version;
	char tenant_id[64];         /* "" when the plan has none */
	char source_kind[16];       /* source.kind: "graph" (a live scan), "csv" (an export), "" */
	char created[32];           /* "YYYY-MM-DDTHH:MM:SSZ" */
	time_t created_time;
	enum mfa_state target;      /* disabled, enabled or enforced */
	unsigned long users;        /* count from the trailer */
	unsigned long by_action[MFA_ACTION__COUNT];
	uint32_t crc32;
	char sha256[65];            /* SHA-256 of the whole file, lowercase hex */
};

struct mfa_planfile_reader;

/* Opens and verifies path in one streaming pass (trailer, count, crc, seq
 * order, every line parses). Refuses with a message naming the file and
 * what is wrong. */
int mfa_planfile_open(struct mfa_planfile_reader **out, const char *path,
		      struct mfa_err *err);

const struct mfa_planfile_header *mfa_planfile_header(const struct mfa_planfile_reader *r);

/* Next user line: 1, 0 at the end, negative on error. */
int mfa_planfile_next(struct mfa_planfile_reader *r, struct mfa_plan_entry *out,
		      struct mfa_err *err);

void mfa_planfile_close(struct mfa_planfile_reader *r); /* NULL is fine */

#endif
