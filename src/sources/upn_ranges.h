/* upn_ranges.h - the users list cut into ranges of userPrincipalName, so
 * that its pages can be read in parallel (graph_source.c).
 *
 * Boundaries b1 < b2 < ... < bk make k + 1 CLOSED ranges:
 *   P0 = "le b1", Pi = "ge b_i and le b_(i+1)", Pk = "ge bk".
 * Whatever total order the server compares UPNs in, every string is in
 * at least one of them (the smallest i with s <= b_i puts s in P(i-1), or
 * P0 when i = 1; none: s >= bk, so Pk), so no user is lost even when the
 * server's collation is not ours; a user equal to a boundary is listed
 * twice, and the caller de-duplicates by id.
 *
 * Pure functions; strings are borrowed unless said otherwise.
 */
#ifndef MFA_SOURCES_UPN_RANGES_H
#define MFA_SOURCES_UPN_RANGES_H

#include <stddef.h>

/* At most this many ranges. */
#define MFA_UPN_MAX_PARTITIONS 64
/* Users aimed at per range: below a page of 999, so most ranges are one
 * page even when the sample's quantiles are off by a few percent. */
#define MFA_UPN_USERS_PER_PARTITION 800

/* How many ranges for a tenant of `total` users (the first page's
 * @odata.count): 2..MFA_UPN_MAX_PARTITIONS; 0 when total is 0 (not
 * known: the caller uses mfa_upn_alphabet). */
size_t mfa_upn_partitions(unsigned long total);

/* Our order of UPNs: ordinal on the UTF-8 bytes, ASCII letters folded to
 * lowercase (as Graph's case-insensitive UPNs compare). */
int mfa_upn_cmp(const char *a, const char *b);

/* Boundaries for `parts` ranges from a sample of UPNs (the first page):
 * sorts upns[0..n) in place (NULL and "" entries are skipped) and writes
 * at most parts - 1 quantiles, strictly increasing in mfa_upn_cmp's order,
 * to out (pointers into upns). Returns how many; 0 when the sample has
 * fewer than two distinct UPNs or parts < 2. */
size_t mfa_upn_bounds(const char **upns, size_t n, size_t parts, const char **out);

/* A fixed alphabet of boundaries ("b" .. "z") for a tenant of unknown size:
 * writes at most max of them to out; returns how many. */
size_t mfa_upn_alphabet(const char **out, size_t max);

/* The percent-encoded $filter value of a range: lo NULL "le hi", hi NULL
 * "ge lo", both "ge lo and le hi" (quotes in a UPN doubled, as OData
 * writes them). Returns a malloc'd string (the caller frees it), or NULL
 * when out of memory or both are NULL. */
char *mfa_upn_range_filter(const char *lo, const char *hi);

#endif
