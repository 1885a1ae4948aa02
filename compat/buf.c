#include "config.h"

#include "compat/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rcapfs_buf_reserve(struct rcapfs_buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return -ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	p = realloc(b->data, ncap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int rcapfs_buf_add(struct rcapfs_buf *b, const void *p, size_t n)
{
	int rc = rcapfs_buf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int rcapfs_buf_vprintf(struct rcapfs_buf *b, const char *fmt, va_list ap)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list aq;
	int n, rc;

	/* Format into the spare room first: most texts fit, and formatting
	 * twice (once to size) is the front's main cost per open. */
	va_copy(aq, ap);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	rc = rcapfs_buf_reserve(b, (size_t)n);
	if (rc) {
		if (b->data)
			b->data[b->len] = '\0';
		return rc;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int rcapfs_buf_printf(struct rcapfs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = rcapfs_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void rcapfs_buf_reset(struct rcapfs_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void rcapfs_buf_release(struct rcapfs_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

char *rcapfs_buf_detach(struct rcapfs_buf *b, size_t *len)
{
	char *p = b->data;

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
