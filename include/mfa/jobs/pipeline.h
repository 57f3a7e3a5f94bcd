/* mfa/pipeline.h - source -> classify -> plan -> sinks, one user at a time.
 *
 * The pipeline borrows everything it is given; the caller owns and frees
 * the source, the option sets and the sinks.
 */
#ifndef MFA_PIPELINE_H
#define MFA_PIPELINE_H

#include <signal.h>

#include "mfa/model/classify.h"
#include "mfa/model/plan.h"
#include "mfa/model/sink.h"
#include "mfa/model/source.h"
#include "mfa/model/summary.h"

struct mfa_pipeline {
	struct mfa_source *source;
	const struct mfa_classify_options *classify;
	const struct mfa_plan_options *plan; /* NULL: audit (no decisions) */
	struct mfa_sink **sinks;
	size_t nsinks;
	struct mfa_summary *summary;         /* filled; caller sets command/source fields */
	/* Called every few thousand users, and once at the end. May be NULL. */
	void (*progress)(void *ctx, const struct mfa_summary *s, int done);
	void *progress_ctx;
	/* Set (by a signal handler) to stop early: the reports are finished
	 * and marked incomplete, and the plan file is not written. */
	volatile sig_atomic_t *stop;
};

/* Runs the whole stream through classify, plan and the sinks, then copies
 * the source's stats into the summary (what only the source knows: input
 * rows, unknown states, an interruption, what it read of Conditional
 * Access). No sink is finished yet: the caller may add
 * to the summary (Graph traffic) before mfa_pipeline_finish. Returns 0, or
 * negative with err set. */
int mfa_pipeline_stream(struct mfa_pipeline *p, struct mfa_err *err);

/* Stamps the elapsed time, makes the last progress call and finishes every
 * sink in order (renaming its file into place). On error no sink is finished: the caller frees them,
 * which removes their temporary files. Returns 0, or negative with err set. */
int mfa_pipeline_finish(struct mfa_pipeline *p, struct mfa_err *err);

/* mfa_pipeline_stream, then mfa_pipeline_finish. */
int mfa_pipeline_run(struct mfa_pipeline *p, struct mfa_err *err);

#endif
