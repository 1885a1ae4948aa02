/* Growable byte buffer with explicit ownership (strbuf-style). */
#ifndef RCAPFS_COMPAT_BUF_H
#define RCAPFS_COMPAT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct rcapfs_buf {
	char *data; /* NUL-terminated when len > 0; owned by the buffer */
	size_t len;
	size_t cap;
};

#define RCAPFS_BUF_INIT ((struct rcapfs_buf){NULL, 0, 0})

/* Make room for extra more bytes (plus a NUL). Returns 0 or -ENOMEM. */
int rcapfs_buf_reserve(struct rcapfs_buf *b, size_t extra);

/* Append bytes. Returns 0 or -ENOMEM (the buffer is unchanged then). */
int rcapfs_buf_add(struct rcapfs_buf *b, const void *p, size_t n);

/* Append formatted text. Returns 0, -ENOMEM or -EINVAL. */
int rcapfs_buf_printf(struct rcapfs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int rcapfs_buf_vprintf(struct rcapfs_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Forget the contents, keep the storage. */
void rcapfs_buf_reset(struct rcapfs_buf *b);

/* Free the storage; the buffer is RCAPFS_BUF_INIT again and reusable. */
void rcapfs_buf_release(struct rcapfs_buf *b);

/* Hand the storage to the caller, who frees it with free(3); the buffer
 * becomes empty. May return NULL for an empty buffer. */
char *rcapfs_buf_detach(struct rcapfs_buf *b, size_t *len);

#endif
