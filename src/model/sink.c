/* sink.c - dispatch to a sink's operations (mfa/sink.h). */
#include "mfa/model/sink.h"

int mfa_sink_row(struct mfa_sink *s, const struct mfa_row *row, struct mfa_err *err)
{
	return s->ops->row(s, row, err);
}

int mfa_sink_finish(struct mfa_sink *s, const struct mfa_summary *sum, struct mfa_err *err)
{
	return s->ops->finish(s, sum, err);
}

void mfa_sink_free(struct mfa_sink *s)
{
	if (s)
		s->ops->free(s);
}
