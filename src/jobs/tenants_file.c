/* tenants_file.c - the --tenants file (tenants_file.h). */
#include "jobs/tenants_file.h"

#include "mfa/model/shard.h"
#include "mfa/util/csvr.h"
#include "util/runpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies field k of rec into dst (empty when the record is shorter). */
static void field(char *dst, size_t size, const struct mfa_csvr_record *rec, size_t k)
{
	snprintf(dst, size, "%s", k < rec->n ? rec->cells[k] : "");
}

int mfa_tenants_file_load(struct mfa_tenant_entry **out, size_t *n, const char *file,
			  struct mfa_err *err)
{
	struct mfa_csvr *r = NULL;
	struct mfa_csvr_record rec;
	struct mfa_tenant_entry *t = NULL;
	size_t count = 0;
	int rc = -1, got;

	*out = NULL;
	*n = 0;
	t = calloc(MFA_TENANTS_MAX, sizeof(*t));
	if (!t) {
		mfa_err_set(err, "out of memory");
		goto cleanup;
	}
	if (mfa_csvr_open(&r, file, 64 * 1024, err) < 0)
		goto cleanup;
	while ((got = mfa_csvr_next(r, &rec, err)) > 0) {
		struct mfa_tenant_entry *e = &t[count];
		size_t i;

		if (rec.n == 0 || !rec.cells[0][0] || rec.cells[0][0] == '#')
			continue;
		if (rec.unterminated) {
			mfa_err_set(err, "%s:%lu: a quoted field that never ends", file, rec.line);
			goto cleanup;
		}
		if (count == MFA_TENANTS_MAX) {
			mfa_err_set(err, "%s:%lu: more than %d tenants", file, rec.line, MFA_TENANTS_MAX);
			goto cleanup;
		}
		field(e->id, sizeof(e->id), &rec, 0);
		field(e->name, sizeof(e->name), &rec, 1);
		field(e->client, sizeof(e->client), &rec, 2);
		field(e->cert, sizeof(e->cert), &rec, 3);
		field(e->graph, sizeof(e->graph), &rec, 4);
		e->line = rec.line;
		e->position = count;
		/* Its folder is made from the line: a name like ".." would put
		 * that audit's reports outside the roll-up. */
		if (mfa_runpath_safe_name(e->dir_name, sizeof(e->dir_name) - 8, e->id, err) < 0) {
			mfa_err_prefix(err, "%s:%lu", file, rec.line);
			goto cleanup;
		}
		/* The same tenant twice (two apps, two clouds) gets two folders. */
		for (i = 0; i < count; i++) {
			if (strcmp(t[i].dir_name, e->dir_name) == 0) {
				size_t len = strlen(e->dir_name);

				snprintf(e->dir_name + len, sizeof(e->dir_name) - len, "-%zu", count + 1);
				break;
			}
		}
		count++;
	}
	if (got < 0)
		goto cleanup;
	if (count == 0) {
		mfa_err_set(err, "'%s' names no tenant (one per line: tenant[,name[,client id[,certificate[,graph url]]]])",
			    file);
		goto cleanup;
	}
	*out = t;
	t = NULL;
	*n = count;
	rc = 0;
cleanup:
	mfa_csvr_free(r);
	free(t);
	return rc;
}

void mfa_tenants_file_shard(struct mfa_tenant_entry *t, size_t *n, unsigned index, unsigned count)
{
	size_t i, kept = 0;

	for (i = 0; i < *n; i++) {
		if (mfa_shard_of(t[i].id, count) != index)
			continue;
		if (kept != i)
			t[kept] = t[i];
		kept++;
	}
	*n = kept;
}

uint64_t mfa_tenants_file_digest(const struct mfa_tenant_entry *t, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	/* FNV-1a over "id\n" for each entry, letters lowercased */
	for (i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)t[i].id;

		for (;; p++) {
			unsigned char c = *p ? *p : '\n';

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			h = (h ^ c) * 1099511628211ULL;
			if (!*p)
				break;
		}
	}
	return h;
}
