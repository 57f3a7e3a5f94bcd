/* pipeline.c - the stream from source to sinks (mfa/pipeline.h). */
#include "mfa/jobs/pipeline.h"

#define PROGRESS_EVERY 4096

int mfa_pipeline_stream(struct mfa_pipeline *p, struct mfa_err *err)
{
	struct mfa_source_stats st;
	struct mfa_user u;
	struct mfa_verdict v;
	struct mfa_decision d;
	struct mfa_row row = { &u, &v, p->plan ? &d : NULL };
	size_t i;
	int rc;

	p->summary->has_plan = p->plan != NULL;
	while ((rc = mfa_source_next(p->source, &u, err)) > 0) {
		mfa_classify(p->classify, &u, &v);
		if (p->plan)
			mfa_plan_decide(p->plan, &u, &v, &d);
		mfa_summary_add(p->summary, &u, &v, row.decision);
		for (i = 0; i < p->nsinks; i++) {
			if (mfa_sink_row(p->sinks[i], &row, err) < 0)
				return -1;
		}
		if (p->progress && p->summary->users % PROGRESS_EVERY == 0)
			p->progress(p->progress_ctx, p->summary, 0);
		if (p->stop && *p->stop) {
			p->summary->incomplete = 1;
			break;
		}
	}
	if (rc < 0)
		return -1;
	mfa_source_stats(p->source, &st);
	p->summary->input_rows = st.rows;
	p->summary->bad_rows = st.bad_rows;
	p->summary->joined = st.joined;
	if (!p->summary->format)
		p->summary->format = st.format;
	p->summary->graph.unknown_states = st.unknown_states;
	p->summary->graph.registration_unavailable = st.registration_unavailable;
	if (st.ca_read) {
		p->summary->ca_policies = st.ca_policies;
		p->summary->security_defaults = st.security_defaults;
	}
	if (st.interrupted)
		p->summary->incomplete = 1;
	return 0;
}

int mfa_pipeline_finish(struct mfa_pipeline *p, struct mfa_err *err)
{
	size_t i;

	mfa_summary_finish(p->summary);
	if (p->progress)
		p->progress(p->progress_ctx, p->summary, 1);
	for (i = 0; i < p->nsinks; i++) {
		if (mfa_sink_finish(p->sinks[i], p->summary, err) < 0)
			return -1;
	}
	return 0;
}

int mfa_pipeline_run(struct mfa_pipeline *p, struct mfa_err *err)
{
	if (mfa_pipeline_stream(p, err) < 0)
		return -1;
	return mfa_pipeline_finish(p, err);
}
