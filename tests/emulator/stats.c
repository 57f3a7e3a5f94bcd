/* stats.c - request counters and the stats document. */
#include "stats.h"

#include <string.h>

void emu_stats_init(struct emu_stats *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->connections, 0);
	atomic_init(&s->peak, 0);
}

void emu_stats_release(struct emu_stats *s)
{
	pthread_mutex_destroy(&s->lock);
}

void emu_stats_count(struct emu_stats *s, const char *route, int status, bool throttled)
{
	unsigned i;

	pthread_mutex_lock(&s->lock);
	s->requests++;
	if (throttled)
		s->throttled++;
	for (i = 0; i < s->nrows; i++) {
		/* routes are static strings: pointer equality is identity */
		if (s->rows[i].route == route && s->rows[i].status == status) {
			s->rows[i].count++;
			goto done;
		}
	}
	if (s->nrows < EMU_STATS_MAX) {
		s->rows[s->nrows].route = route;
		s->rows[s->nrows].status = status;
		s->rows[s->nrows].count = 1;
		s->nrows++;
	}
done:
	pthread_mutex_unlock(&s->lock);
}

void emu_stats_graph_request(struct emu_stats *s, bool client_request_id)
{
	pthread_mutex_lock(&s->lock);
	s->graph_requests++;
	if (client_request_id)
		s->client_request_ids++;
	pthread_mutex_unlock(&s->lock);
}

void emu_stats_connection(struct emu_stats *s, int delta)
{
	long now = atomic_fetch_add(&s->connections, delta) + delta;
	long peak = atomic_load(&s->peak);

	while (now > peak && !atomic_compare_exchange_weak(&s->peak, &peak, now))
		;
}

void emu_stats_reset(struct emu_stats *s)
{
	pthread_mutex_lock(&s->lock);
	s->nrows = 0;
	s->throttled = 0;
	s->requests = 0;
	s->graph_requests = 0;
	s->client_request_ids = 0;
	atomic_store(&s->peak, atomic_load(&s->connections));
	pthread_mutex_unlock(&s->lock);
}

void emu_stats_json(struct emu_stats *s, const struct emu_tenant *t,
		    const struct emu_faults *f, struct buf *b)
{
	unsigned i, j;
	bool first;
	uint32_t u, users_written = 0, max_writes = 0;
	unsigned long total_writes = 0;

	pthread_mutex_lock(&s->lock);
	buf_printf(b, "{\"requests\":%lu,\"byEndpoint\":{", s->requests);
	first = true;
	for (i = 0; i < s->nrows; i++) {
		bool seen = false;
		for (j = 0; j < i; j++)
			if (s->rows[j].route == s->rows[i].route)
				seen = true;
		if (seen)
			continue;
		buf_printf(b, "%s\"%s\":{", first ? "" : ",", s->rows[i].route);
		first = false;
		for (j = i; j < s->nrows; j++)
			if (s->rows[j].route == s->rows[i].route)
				buf_printf(b, "%s\"%d\":%lu", j == i ? "" : ",", s->rows[j].status,
					   s->rows[j].count);
		buf_putc(b, '}');
	}
	buf_printf(b, "},\"throttled\":%lu,\"connections\":%ld,\"peakConnections\":%ld,"
		   "\"graphRequests\":%lu,\"clientRequestIds\":%lu,",
		   s->throttled, atomic_load(&s->connections), atomic_load(&s->peak),
		   s->graph_requests, s->client_request_ids);
	pthread_mutex_unlock(&s->lock);

	buf_printf(b, "\"faults\":{\"drop\":%lu,\"slow\":%lu,\"5xx\":%lu,\"429\":%lu},",
		   atomic_load(&f->injected[EMU_FAULT_DROP]), atomic_load(&f->injected[EMU_FAULT_SLOW]),
		   atomic_load(&f->injected[EMU_FAULT_5XX]), atomic_load(&f->injected[EMU_FAULT_429]));
	buf_puts(b, "\"writesPerUser\":{");
	first = true;
	for (u = 0; u < t->count; u++) {
		uint32_t w = atomic_load_explicit(&t->writes[u], memory_order_relaxed);
		if (!w)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = false;
		buf_json_str(b, emu_user_id(t, &t->users[u]));
		buf_printf(b, ":%u", w);
		users_written++;
		total_writes += w;
		if (w > max_writes)
			max_writes = w;
	}
	buf_printf(b, "},\"writes\":%lu,\"usersWritten\":%u,\"maxWritesPerUser\":%u}",
		   total_writes, users_written, max_writes);
}
