/* stats.h - what the emulator saw, for GET /_emulator/stats. */
#ifndef EMU_STATS_H
#define EMU_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "buf.h"
#include "faults.h"
#include "tenant.h"

#define EMU_STATS_MAX 256

struct emu_stats {
	pthread_mutex_t lock;
	struct { const char *route; int status; unsigned long count; } rows[EMU_STATS_MAX];
	unsigned nrows;
	unsigned long throttled;
	unsigned long requests;
	unsigned long graph_requests;     /* HTTP requests to /v1.0 and /beta ($batch once) */
	unsigned long client_request_ids; /* ... of which carried client-request-id */
	atomic_long connections, peak;
};

void emu_stats_init(struct emu_stats *s);
void emu_stats_release(struct emu_stats *s);
/* Counts one answered request; route is a static string. */
void emu_stats_count(struct emu_stats *s, const char *route, int status, bool throttled);
/* Counts one HTTP request to the Graph API (before faults, throttling or
 * the token check), and whether it carried a client-request-id header. */
void emu_stats_graph_request(struct emu_stats *s, bool client_request_id);
/* A connection opened (+1) or closed (-1). */
void emu_stats_connection(struct emu_stats *s, int delta);
/* Clears the counts (the peak restarts from the open connections). */
void emu_stats_reset(struct emu_stats *s);
/* Writes the stats JSON (see README) into b. */
void emu_stats_json(struct emu_stats *s, const struct emu_tenant *t,
		    const struct emu_faults *f, struct buf *b);

#endif
