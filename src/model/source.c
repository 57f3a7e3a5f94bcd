/* source.c - dispatch to a source's operations (mfa/source.h). */
#include "mfa/model/source.h"

#include <string.h>

int mfa_source_next(struct mfa_source *src, struct mfa_user *out, struct mfa_err *err)
{
	return src->ops->next(src, out, err);
}

void mfa_source_stats(const struct mfa_source *src, struct mfa_source_stats *out)
{
	memset(out, 0, sizeof(*out));
	src->ops->stats(src, out);
}

void mfa_source_free(struct mfa_source *src)
{
	if (src)
		src->ops->free(src);
}
