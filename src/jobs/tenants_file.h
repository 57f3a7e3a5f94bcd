/* tenants_file.h - the --tenants file, read into one entry per tenant.
 *
 * One tenant per line, comma-separated fields
 *     tenant[,display name[,client id[,certificate[,graph url]]]]
 * read by the one CSV reader (mfa/util/csvr.h): quoted fields work; blank
 * lines and lines whose first field starts with '#' are ignored; an empty
 * field means "the run's own setting". Refused, with file:line: a quoted
 * field that never ends, more than MFA_TENANTS_MAX tenants, a tenant that
 * cannot name a folder (util/runpath.h), a file naming no tenant. The
 * same tenant twice gets a second folder name ("<tenant>-<n>").
 */
#ifndef MFA_JOBS_TENANTS_FILE_H
#define MFA_JOBS_TENANTS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "mfa/util/err.h"

#define MFA_TENANTS_MAX 1000

/* One line of the file. A field longer than its buffer is cut. */
struct mfa_tenant_entry {
	char id[256], name[256], client[256], cert[1024], graph[1024];
	char dir_name[300];   /* this tenant's folder name: safe, unique in the file */
	unsigned long line;   /* where it was read */
	size_t position;      /* its place among the file's tenants, from 0 */
};

/* Reads file. On success *out is a new array of *n (>= 1) entries the
 * caller frees with free(); on failure *out is NULL and err names the file
 * (and line). */
int mfa_tenants_file_load(struct mfa_tenant_entry **out, size_t *n, const char *file,
			  struct mfa_err *err);

/* Keeps the entries of shard index of count (mfa/model/shard.h), in file
 * order, moved to the front of t; *n becomes how many (0 is possible). */
void mfa_tenants_file_shard(struct mfa_tenant_entry *t, size_t *n, unsigned index, unsigned count);

/* A fingerprint of the file's tenant list (each entry's id, lowercased, in
 * order), taken before any sharding: shards of one file share it. */
uint64_t mfa_tenants_file_digest(const struct mfa_tenant_entry *t, size_t n);

#endif
