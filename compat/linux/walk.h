/*
 * A walk over the pages of a task (walk.c), chunk by chunk: the
 * RCAPFS_PAGE_* flags of each page, from PAGEMAP_SCAN where it can tell
 * them and pagemap entries where it cannot, and referenced bits from the
 * idle bitmap (idle.c). Private to compat/linux/.
 */
#ifndef RCAPFS_COMPAT_LINUX_WALK_H
#define RCAPFS_COMPAT_LINUX_WALK_H

#include "compat/linux/linux_i.h"

struct walk;

/* Takes the chunk a walk has just filled. Returns 0 or -errno. */
typedef int (*walk_fn)(struct walk *w);

/* What a walk is for (linux_walk_init); zero is a walk that fills the
 * present, swapped and zero bits alone. */
struct walk_opts {
	/* RCAPFS_PAGE_* bits beyond present, swapped and zero, filled as
	 * far as the kernel can tell them. */
	unsigned want;
	/* The pagemap entry of each page too (its PFN). */
	bool entries;
	/* How many pages the walk covers at most, to size its buffers; 0
	 * when unknown (a walk of every mapping). */
	uint64_t pages;
	/* Takes each chunk, its flags then in a buffer of the walk's own;
	 * NULL when the caller has the flags filled in its own buffer
	 * (linux_walk_range's out). */
	walk_fn consume;
	void *arg; /* for consume */
};

/*
 * A walk over pages of a task, one chunk of at most cap pages at a time:
 * the flags of each page of the chunk and, when entries is set, its
 * pagemap entry.
 */
struct walk {
	const struct linux_ctx *c;
	struct rcapfs_task *t;
	uint8_t mask; /* the RCAPFS_PAGE_* bits to fill */
	bool entries;
	bool scan; /* PAGEMAP_SCAN, until the kernel refuses it */
	/* The last chunk read ended empty: look for the next page in use
	 * with PAGEMAP_SCAN before reading entries again. */
	bool sparse;
	walk_fn consume;
	void *arg;
	/* The chunk. */
	uint64_t start;
	size_t n;
	uint8_t *flags;
	/* Buffers for cap pages. */
	size_t cap;
	uint8_t *scratch; /* the flags when the caller gives none */
	uint64_t *ent;
	struct scan_region *vec;
	/* Idle bitmap work: a word (or PFN) per page, a value per word, and
	 * the words of one read or write. */
	uint64_t *words;
	uint64_t *vals;
	uint64_t *io;
	int bitmap_fd;
};

/* A present page other than the zero page: one with data of its own. */
static inline bool linux_real_page(uint8_t f)
{
	return (f & (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_ZERO)) ==
	       RCAPFS_PAGE_PRESENT;
}

/* ---- walk.c ---- */

/* Prepare a walk of t as o says. Release the walk with linux_walk_release,
 * also after a failure. Returns 0 or -errno. */
int linux_walk_init(struct walk *w, const struct linux_ctx *c,
		    struct rcapfs_task *t, const struct walk_opts *o);

void linux_walk_release(struct walk *w);

/*
 * Walk [start, end) (page aligned, start < end): flags into out, one byte
 * a page, or into the walk's own buffer when it has a consumer (out is
 * NULL then); then REFERENCED from the idle bitmap and the consumer, chunk
 * by chunk. Where entries are read, the walk skips the empty stretches of
 * sparse memory (a reservation of terabytes with a few pages in use) with
 * PAGEMAP_SCAN. Returns 0 or -errno.
 */
int linux_walk_range(struct walk *w, uint64_t start, uint64_t end,
		     uint8_t *out);

/* Walk every mapping of the task with w, but the special ones (vdso,
 * vvar, vsyscall): they hold no memory of the process's own. w must have
 * a consumer. Returns 0 or -errno. */
int linux_walk_mappings(struct walk *w);

/* ---- idle.c: the idle bitmap (idle page tracking) ---- */

/* Set w up for idle bitmap work, the bitmap open with oflags. Returns 0
 * or -errno; linux_walk_release frees what it took. */
int linux_idle_open(struct walk *w, int oflags);

/* Mark the chunk's pages referenced whose idle bit is clear: accessed
 * since they were marked idle. Returns 0 or -errno. */
int linux_idle_referenced(struct walk *w);

/* Mark every present page of t idle. Returns 0 or -errno (-EPERM when
 * PFNs are hidden). */
int linux_idle_clear(const struct linux_ctx *c, struct rcapfs_task *t);

#endif
