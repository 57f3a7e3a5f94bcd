/* mfa/journal.h - journal.jsonl: what apply and rollback did, user by user,
 * written ahead so a crash or Ctrl-C loses nothing.
 *
 * Format (one JSON object per line):
 *   header   {"kind":"mfa-migrate-journal","formatVersion":1,
 *             "operation":"apply|rollback|notify","plan":"path","planCrc32":"xxxxxxxx",
 *             "tenantId":..,"startedDateTime":"...Z"}
 *   intent   {"seq":N,"event":"intent","id":..,"userPrincipalName":..,
 *             "from":"enforced","to":"disabled","time":"...Z"}
 *   outcome  {"seq":N,"event":"outcome","id":..,"userPrincipalName":..,
 *             "from":..,"to":..,"outcome":"changed|already|drifted|held|failed",
 *             "observed":state|null,"status":204,"attempts":1,"error":..|null,"time":"...Z"}
 * `seq` is the user's seq in the plan (apply) or in the apply journal's
 * plan (rollback). An intent is written and synced before the write that
 * it announces is sent; the outcome after the answer. On resume, a user
 * with an outcome is finished and never sent again; a user with only an
 * intent is "in doubt" and is read back before anything else is done.
 *
 * Durability: the writer flushes and fsyncs at every mfa_journal_sync (the
 * apply engine calls it at each batch boundary, before sending a batch
 * and after its answers). A crash can only tear the last line; the reader
 * drops a torn last line (it was never synced as complete) and refuses
 * damage anywhere else.
 */
#ifndef MFA_JOURNAL_H
#define MFA_JOURNAL_H

#include <stdint.h>
#include <stdio.h>

#include "mfa/util/err.h"
#include "mfa/model/outcome.h"
#include "mfa/model/user.h"

#define MFA_JOURNAL_KIND "mfa-migrate-journal"
#define MFA_JOURNAL_VERSION 1

enum mfa_journal_event {
	MFA_JOURNAL_INTENT = 0,
	MFA_JOURNAL_OUTCOME
};

struct mfa_journal_header {
	char operation[16];      /* "apply", "rollback" or "notify" (jobs/notify_users.h) */
	char plan[1024];         /* the plan (apply) or the apply journal (rollback) */
	uint32_t plan_crc32;     /* the plan's crc32; 0 when not applicable */
	char tenant_id[64];      /* "" when none */
	char started[32];        /* "YYYY-MM-DDTHH:MM:SSZ" */
};

/* One line. Strings are borrowed (writer) or owned by the reader and valid
 * until its next call (reader). */
struct mfa_journal_entry {
	unsigned long seq;
	enum mfa_journal_event event;
	const char *id;
	const char *upn;
	enum mfa_state from;
	enum mfa_state to;
	enum mfa_outcome outcome;   /* outcome lines */
	enum mfa_state observed;    /* the state read back (compare-and-set, verify); UNKNOWN if none */
	long status;                /* HTTP status of the write (or read); 0 if none */
	unsigned attempts;
	const char *error;          /* failed: why; NULL otherwise */
};

struct mfa_journal_writer;

/* Creates path (it must not exist: a journal is never overwritten), mode
 * 0600, and writes and syncs the header. */
int mfa_journal_create(struct mfa_journal_writer **out, const char *path,
		       const struct mfa_journal_header *h, struct mfa_err *err);

/* Opens an existing journal to continue it (apply --resume): drops a torn
 * last line, then appends. The caller has read it first with the reader. */
int mfa_journal_reopen(struct mfa_journal_writer **out, const char *path, struct mfa_err *err);

/* Appends one line (buffered until the next sync). A failed write (a full
 * disk) is final: that call and every later append and sync fail with
 * "cannot write journal 'path': <errno text>", and nothing more reaches
 * the file, so it ends at most in one torn line, which resume drops. */
int mfa_journal_append(struct mfa_journal_writer *w, const struct mfa_journal_entry *e,
		       struct mfa_err *err);

/* Flushes and fsyncs: everything appended so far survives a crash. */
int mfa_journal_sync(struct mfa_journal_writer *w, struct mfa_err *err);

/* Syncs and closes. NULL is fine. Returns the sync's result. */
int mfa_journal_close(struct mfa_journal_writer *w, struct mfa_err *err);

struct mfa_journal_reader;

/* Opens and reads the header. */
int mfa_journal_open(struct mfa_journal_reader **out, const char *path, struct mfa_err *err);

const struct mfa_journal_header *mfa_journal_header(const struct mfa_journal_reader *r);

/* Next line: 1, 0 at the end (a torn last line counts as the end, and
 * mfa_journal_torn says so), negative on damage (err names file:line). */
int mfa_journal_next(struct mfa_journal_reader *r, struct mfa_journal_entry *out,
		     struct mfa_err *err);

/* 1 when the reader met a torn last line and ignored it. */
int mfa_journal_torn(const struct mfa_journal_reader *r);

void mfa_journal_close_reader(struct mfa_journal_reader *r); /* NULL is fine */

#endif
