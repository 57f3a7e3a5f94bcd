/* http_routes.h - the HTTP side: libmicrohttpd daemon, dispatch between the
 * token endpoint, the Graph API and the /_emulator inspection endpoints,
 * delayed (latency, --slow) and dropped responses. */
#ifndef EMU_HTTP_ROUTES_H
#define EMU_HTTP_ROUTES_H

#include "app.h"
#include "multitenant.h"

struct emu_server;

/* Starts listening on 127.0.0.1:cfg->port (0: any free port; the first
 * tenant's cfg) for every tenant of ts (borrowed until stopped). On
 * success *out is the running server and *port the bound port. */
int emu_server_start(struct emu_server **out, const struct emu_tenants *ts, int *port,
		     struct mfa_err *err);

/* Releases every held connection, stops the daemon and frees the server. */
void emu_server_stop(struct emu_server *s);

#endif
