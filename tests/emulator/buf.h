/* buf.h - a growable byte buffer with JSON helpers, for building bodies.
 *
 * Allocation failure aborts: the emulator is a test tool and a half-built
 * response would only hide the real problem.
 */
#ifndef EMU_BUF_H
#define EMU_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NUL-terminated when len > 0 or after buf_cstr */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (with quotes); NULL appends null. */
void buf_json_str(struct buf *b, const char *s);
/* Appends s percent-encoded for a URL query value. */
void buf_url_encode(struct buf *b, const char *s);
/* The same for a URL path: '/', '=', '@' and ':' stay as they are. */
void buf_url_encode_path(struct buf *b, const char *s);
/* Returns the contents as a C string (never NULL). */
const char *buf_cstr(struct buf *b);
/* Hands the storage to the caller (free() it) and resets b. */
char *buf_detach(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
void buf_release(struct buf *b);

/* Percent-decodes s in place ('+' is kept). Returns the new length. */
size_t url_decode_inplace(char *s);

#endif
