#include "config.h"

#include "fs/pagedata.h"

#include "fs/procfs.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct rcapfs_pagedata {
	pthread_mutex_t lock; /* one read at a time */
	struct rcapfs_tracker_reader *r;
	size_t max_chunk;
	unsigned flags; /* RCAPFS_PAGEDATA_* */
	/* The read(2) under way: its snapshot, rendered, and how much of it
	 * the kernel has fetched. */
	bool serving;
	struct rcapfs_snapshot snap;
	struct rcapfs_buf out;
	size_t served;
	off_t next_off;
	/* Bits consumed from the tracker that no read delivered whole (an
	 * E2BIG, a read that ended short): reported by the next read. */
	bool have_undelivered;
	struct rcapfs_snapshot undelivered;
};

int rcapfs_pagedata_open(struct rcapfs_tracker *tr, pid_t pid,
			 uint64_t start_ticks, size_t max_chunk, unsigned flags,
			 struct rcapfs_pagedata **out)
{
	struct rcapfs_pagedata *pd;
	int rc;

	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	rc = rcapfs_tracker_open(tr, pid, start_ticks, &pd->r);
	if (rc) {
		free(pd);
		return rc == -ESRCH ? -ENOENT : rc;
	}
	/* Present bits cost a walk of every page; only PG_HWMAPPED needs
	 * them. */
	rcapfs_tracker_presence(pd->r, flags & RCAPFS_PAGEDATA_HWMAPPED);
	pd->max_chunk = max_chunk;
	pd->flags = flags;
	pthread_mutex_init(&pd->lock, NULL);
	*out = pd;
	return 0;
}

void rcapfs_pagedata_close(struct rcapfs_pagedata *pd)
{
	if (!pd)
		return;
	if (pd->serving)
		rcapfs_snapshot_release(&pd->snap);
	if (pd->have_undelivered)
		rcapfs_snapshot_release(&pd->undelivered);
	rcapfs_buf_release(&pd->out);
	rcapfs_tracker_close(pd->r);
	pthread_mutex_destroy(&pd->lock);
	free(pd);
}

/* Fold the referenced/modified bits of old into s, page by page where
 * their mappings overlap (both are ascending and disjoint). */
static void merge_bits(struct rcapfs_snapshot *s,
		       const struct rcapfs_snapshot *old)
{
	const uint8_t keep = RCAPFS_PAGE_REFERENCED | RCAPFS_PAGE_DIRTY;
	size_t i = 0, j = 0;

	if (s->page_size != old->page_size)
		return;
	while (i < s->maps.n && j < old->maps.n) {
		const struct rcapfs_mapping *a = &s->maps.maps[i];
		const struct rcapfs_mapping *b = &old->maps.maps[j];
		uint64_t lo = a->start > b->start ? a->start : b->start;
		uint64_t hi = a->end < b->end ? a->end : b->end;
		uint64_t addr;

		/* A mapping without pages has no bits to give or take. */
		if (s->first_page[i] == RCAPFS_SNAPSHOT_NO_PAGES ||
		    old->first_page[j] == RCAPFS_SNAPSHOT_NO_PAGES)
			lo = hi;
		for (addr = lo; addr < hi; addr += s->page_size)
			s->pages[s->first_page[i] +
				 (addr - a->start) / s->page_size] |=
				old->pages[old->first_page[j] +
					   (addr - b->start) / s->page_size] &
				keep;
		if (a->end < b->end)
			i++;
		else
			j++;
	}
}

/* Keep s (consumed, not delivered) for the next read; takes ownership. */
static void keep_undelivered(struct rcapfs_pagedata *pd,
			     struct rcapfs_snapshot *s)
{
	if (pd->have_undelivered) {
		merge_bits(s, &pd->undelivered);
		rcapfs_snapshot_release(&pd->undelivered);
	}
	pd->undelivered = *s;
	pd->have_undelivered = true;
}

static void serve(struct rcapfs_pagedata *pd, void *buf, size_t len,
		  size_t *done)
{
	size_t n = pd->out.len - pd->served;

	if (n > len)
		n = len;
	memcpy(buf, pd->out.data + pd->served, n);
	pd->served += n;
	pd->next_off += (off_t)n;
	*done = n;
	if (pd->served == pd->out.len) {
		pd->serving = false;
		rcapfs_snapshot_release(&pd->snap);
	}
}

static int pagedata_read(struct rcapfs_pagedata *pd, off_t off, void *buf,
			 size_t len, size_t *done)
{
	struct rcapfs_snapshot s;
	uint64_t size;
	int rc;

	if (pd->serving && off == pd->next_off) {
		serve(pd, buf, len, done);
		return 0;
	}
	/* A new read(2). One still under way ended before the end of its
	 * snapshot: its bits go to this one. */
	if (pd->serving) {
		pd->serving = false;
		keep_undelivered(pd, &pd->snap);
	}
	rc = rcapfs_tracker_read(pd->r, true, &s);
	if (rc)
		return rc == -ESRCH ? -ENOENT : rc;
	if (pd->have_undelivered) {
		merge_bits(&s, &pd->undelivered);
		rcapfs_snapshot_release(&pd->undelivered);
		pd->have_undelivered = false;
	}
	/* A request shorter than the snapshot is the caller's whole buffer,
	 * unless it is as long as the kernel makes requests (a first chunk
	 * falls short of max_chunk by the buffer's offset in its page). */
	size = rcapfs_procfs_pagedata_size(&s);
	if (len < size && len + s.page_size <= pd->max_chunk) {
		keep_undelivered(pd, &s);
		return -E2BIG;
	}
	rcapfs_buf_reset(&pd->out);
	rc = rcapfs_procfs_render_pagedata(&s, pd->flags, &pd->out);
	if (rc) {
		keep_undelivered(pd, &s);
		return rc;
	}
	pd->snap = s;
	pd->serving = true;
	pd->served = 0;
	pd->next_off = off;
	serve(pd, buf, len, done);
	return 0;
}

int rcapfs_pagedata_read(struct rcapfs_pagedata *pd, off_t off, void *buf,
			 size_t len, size_t *done)
{
	int rc;

	*done = 0;
	pthread_mutex_lock(&pd->lock);
	rc = pagedata_read(pd, off, buf, len, done);
	pthread_mutex_unlock(&pd->lock);
	return rc;
}
