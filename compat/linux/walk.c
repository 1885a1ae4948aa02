#include "config.h"

#include "compat/linux/walk.h"

#include "compat/log.h"
#include "compat/procparse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Pages walked at a time: one pagemap read of 512 KiB at most, and at
 * most 1 GiB for one PAGEMAP_SCAN call, which holds the target's mmap
 * lock while it fills its buffer. */
#define BATCH_PAGES    65536
#define SCAN_MAX_BYTES (1ULL << 30)
/* Where a chunk ends in an empty half, the walk skips to the next page in
 * use before it reads entries again, and reads a short chunk there, until
 * memory is no longer sparse. */
#define SPARSE_CHUNK_PAGES 512
/* Page regions per PAGEMAP_SCAN call. */
#define SCAN_REGIONS 1024

static int walk_alloc_entries(struct walk *w)
{
	if (!w->ent)
		w->ent = reallocarray(NULL, w->cap, sizeof(*w->ent));
	return w->ent ? 0 : -ENOMEM;
}

int linux_walk_init(struct walk *w, const struct linux_ctx *c,
		    struct rcapfs_task *t, const struct walk_opts *o)
{
	const struct rcapfs_features *f = &c->features;
	int ret;

	memset(w, 0, sizeof(*w));
	w->c = c;
	w->t = t;
	w->consume = o->consume;
	w->arg = o->arg;
	/* Chunks of up to BATCH_PAGES pages, fewer for pages of more than
	 * 16 KiB. */
	w->cap = BATCH_PAGES;
	if (o->pages && o->pages < w->cap)
		w->cap = (size_t)o->pages;
	if (w->cap > SCAN_MAX_BYTES / c->page_size)
		w->cap = (size_t)(SCAN_MAX_BYTES / c->page_size);
	w->bitmap_fd = -1;
	w->mask = RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_SWAPPED | RCAPFS_PAGE_ZERO |
		  (o->want & RCAPFS_PAGE_EXCLUSIVE);
	if ((o->want & RCAPFS_PAGE_DIRTY) && f->soft_dirty)
		w->mask |= RCAPFS_PAGE_DIRTY;
	if ((o->want & RCAPFS_PAGE_REFERENCED) && f->idle_page_tracking &&
	    f->pfn_visible)
		w->mask |= RCAPFS_PAGE_REFERENCED;
	/* PAGEMAP_SCAN has no category for these: entries tell them. */
	w->entries =
		o->entries ||
		(w->mask & (RCAPFS_PAGE_EXCLUSIVE | RCAPFS_PAGE_REFERENCED));
	w->scan = f->pagemap_scan;
	if (w->consume && !(w->scratch = malloc(w->cap)))
		return -ENOMEM;
	if (w->scan && !(w->vec = calloc(SCAN_REGIONS, sizeof(*w->vec))))
		return -ENOMEM;
	if (w->entries || !w->scan) {
		ret = walk_alloc_entries(w);
		if (ret)
			return ret;
	}
	if (w->mask & RCAPFS_PAGE_REFERENCED)
		return linux_idle_open(w, O_RDONLY);
	return 0;
}

void linux_walk_release(struct walk *w)
{
	free(w->scratch);
	free(w->ent);
	free(w->vec);
	free(w->words);
	free(w->vals);
	free(w->io);
	if (w->bitmap_fd >= 0)
		close(w->bitmap_fd);
}

/*
 * Read the entries of pages [i, j) of the chunk. A short read is the
 * process gone (a zombie's pagemap reads empty), or else the end of the
 * address space or of a fixture's file: the rest reads as absent pages.
 */
static int read_entries(struct walk *w, size_t i, size_t j)
{
	size_t bytes = (j - i) * sizeof(uint64_t);
	off_t off =
		(off_t)((w->start / w->c->page_size + i) * sizeof(uint64_t));
	ssize_t got = pread(w->t->pagemap_fd, w->ent + i, bytes, off);
	int ret;

	if (got < 0)
		return -errno;
	if ((size_t)got < bytes) {
		ret = linux_task_lives(w->t);
		if (ret)
			return ret;
		memset((char *)(w->ent + i) + got, 0, bytes - (size_t)got);
	}
	return 0;
}

/* Whether pfn is the zero page's, or one of the huge zero page's. */
static bool zero_pfn(const struct linux_ctx *c, uint64_t pfn)
{
	return pfn && (pfn == c->zero_pfn ||
		       (pfn >= c->huge_zero_pfn &&
			pfn - c->huge_zero_pfn < c->huge_zero_pages));
}

/* The flags of a page from its pagemap entry. */
static uint8_t entry_flags(const struct walk *w, uint64_t e)
{
	uint8_t f = 0;

	if (e & PM_PRESENT) {
		/* Without PAGEMAP_SCAN the zero pages show by their PFNs
		 * only, which unprivileged readers do not see. */
		if (zero_pfn(w->c, e & PM_PFN_MASK))
			return RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_ZERO;
		f = RCAPFS_PAGE_PRESENT;
		if (e & PM_EXCLUSIVE)
			f |= RCAPFS_PAGE_EXCLUSIVE;
	} else if (e & PM_SWAPPED) {
		f = RCAPFS_PAGE_SWAPPED;
	}
	/* A hole of a new mapping shows soft-dirty too: only pages that
	 * hold data count as written. */
	if (f && (e & PM_SOFT_DIRTY))
		f |= RCAPFS_PAGE_DIRTY;
	return f & w->mask;
}

/* The flags of the pages of a PAGEMAP_SCAN region. */
static uint8_t region_flags(const struct walk *w, uint64_t cat)
{
	uint8_t f = 0;

	if (cat & SCAN_PRESENT)
		f |= RCAPFS_PAGE_PRESENT;
	if (cat & SCAN_SWAPPED)
		f |= RCAPFS_PAGE_SWAPPED;
	if (cat & SCAN_PFNZERO)
		f |= RCAPFS_PAGE_ZERO;
	else if (cat & SCAN_SOFT_DIRTY)
		f |= RCAPFS_PAGE_DIRTY;
	return f & w->mask;
}

/* A PAGEMAP_SCAN of [start, end) into w->vec, at most vec_len regions;
 * the categories are the caller's to set. */
static struct scan_arg scan_arg_of(const struct walk *w, uint64_t start,
				   uint64_t end, uint64_t vec_len)
{
	return (struct scan_arg){
		.size = sizeof(struct scan_arg),
		.start = start,
		.end = end,
		.vec = (uintptr_t)w->vec,
		.vec_len = vec_len,
	};
}

/*
 * Fill pages [i, j) of the chunk from PAGEMAP_SCAN: the present and
 * swapped regions, no call per page. With zero_only, they are filled from
 * entries already, where the zero page looks like a present page shared
 * with others: mark the zero pages only. Returns 0 or -errno (-ENOTTY,
 * -EINVAL, -EFAULT: not here).
 */
static int scan_chunk(struct walk *w, size_t i, size_t j, bool zero_only)
{
	const uint64_t ps = w->c->page_size;
	const uint64_t end = w->start + j * ps;
	uint64_t cur = w->start + i * ps, next, rs, re;
	struct scan_arg arg;
	int n;

	if (!zero_only)
		memset(w->flags + i, 0, j - i);
	while (cur < end) {
		arg = scan_arg_of(w, cur, end, SCAN_REGIONS);
		if (zero_only) {
			arg.category_mask = SCAN_PFNZERO;
			arg.return_mask = SCAN_PRESENT | SCAN_PFNZERO;
		} else {
			arg.category_anyof_mask = SCAN_PRESENT | SCAN_SWAPPED;
			arg.return_mask =
				SCAN_PRESENT | SCAN_SWAPPED | SCAN_PFNZERO;
			if (w->mask & RCAPFS_PAGE_DIRTY)
				arg.return_mask |= SCAN_SOFT_DIRTY;
		}
		n = ioctl(w->t->pagemap_fd, SCAN_IOCTL, &arg);
		if (n < 0)
			return -errno;
		next = arg.walk_end;
		for (int k = 0; k < n; k++) {
			rs = w->vec[k].start < cur ? cur : w->vec[k].start;
			re = w->vec[k].end < end ? w->vec[k].end : end;
			if (rs >= re)
				continue;
			memset(w->flags + (rs - w->start) / ps,
			       region_flags(w, w->vec[k].categories),
			       (re - rs) / ps);
			if (re > next)
				next = re;
		}
		/* When the vector fills, walk_end may lie before the end of
		 * the last region reported (seen on 6.18): go on after that
		 * region, not over it again. */
		if (next <= cur) {
			log_warn("PAGEMAP_SCAN of %d made no progress",
				 (int)w->t->pid);
			return -EIO;
		}
		cur = next;
	}
	return 0;
}

/* Fill the chunk from pagemap entries, read whole. [*lo, *hi) gets the
 * pages that may be the zero page: present, but not this process's
 * alone. */
static int read_chunk(struct walk *w, size_t *lo, size_t *hi)
{
	int ret = read_entries(w, 0, w->n);

	if (ret)
		return ret;
	size_t used_end = 0;

	*lo = w->n;
	*hi = 0;
	for (size_t i = 0; i < w->n; i++) {
		/* the common case of sparse memory, made cheap */
		if (!w->ent[i]) {
			w->flags[i] = 0;
			continue;
		}
		w->flags[i] = entry_flags(w, w->ent[i]);
		if (w->flags[i])
			used_end = i + 1;
		if ((w->ent[i] & (PM_PRESENT | PM_EXCLUSIVE)) == PM_PRESENT) {
			*lo = *lo < i ? *lo : i;
			*hi = i + 1;
		}
	}
	w->sparse = used_end <= w->n / 2;
	return 0;
}

/* PAGEMAP_SCAN refused: no ioctl on this file (a fixture's), a category
 * the kernel lacks (soft-dirty before 6.8), or a range past the caller's
 * address space (vsyscall). */
static bool scan_refused(int ret)
{
	return ret == -ENOTTY || ret == -EINVAL || ret == -EFAULT;
}

/*
 * Fill the chunk. PAGEMAP_SCAN alone is the cheapest where it can tell
 * everything asked for. Where entries are needed, reading them all costs
 * less than finding the present pages first and reading theirs; then
 * PAGEMAP_SCAN tells the zero pages, among the shared ones only (the bulk
 * of a process's memory is its own).
 */
static int fill_chunk(struct walk *w)
{
	size_t lo, hi;
	int ret;

	if (w->scan && !w->entries) {
		ret = scan_chunk(w, 0, w->n, false);
		if (!scan_refused(ret))
			return ret;
		w->scan = false;
		ret = walk_alloc_entries(w);
		if (ret)
			return ret;
	}
	ret = read_chunk(w, &lo, &hi);
	if (ret || !w->scan || lo >= hi)
		return ret;
	ret = scan_chunk(w, lo, hi, true);
	if (scan_refused(ret)) {
		w->scan = false;
		ret = 0;
	}
	return ret;
}

/*
 * The first page at or after start, before end, that is present or
 * swapped, into *next (end when there is none): one PAGEMAP_SCAN call
 * that stops there, however much empty address space it crosses (which
 * costs the kernel next to nothing). Returns 0 or -errno.
 */
static int next_used(struct walk *w, uint64_t start, uint64_t end,
		     uint64_t *next)
{
	struct scan_arg arg;
	uint64_t cur = start;
	int n;

	while (cur < end) {
		arg = scan_arg_of(w, cur, end, 1);
		arg.max_pages = 1;
		arg.category_anyof_mask = SCAN_PRESENT | SCAN_SWAPPED;
		arg.return_mask = SCAN_PRESENT | SCAN_SWAPPED;
		n = ioctl(w->t->pagemap_fd, SCAN_IOCTL, &arg);
		if (n < 0)
			return -errno;
		if (n > 0) {
			*next = w->vec[0].start > cur ? w->vec[0].start : cur;
			return 0;
		}
		if (arg.walk_end <= cur)
			return -EIO;
		cur = arg.walk_end;
	}
	*next = end;
	return 0;
}

int linux_walk_range(struct walk *w, uint64_t start, uint64_t end, uint8_t *out)
{
	const uint64_t ps = w->c->page_size;
	uint64_t pages, next;
	size_t chunk;
	int ret;

	w->sparse = true;
	for (uint64_t a = start; a < end; a += w->n * ps) {
		if (w->scan && w->entries && w->sparse) {
			next = a;
			ret = next_used(w, a, end, &next);
			if (scan_refused(ret))
				w->scan = false;
			else if (ret)
				return ret;
			if (out)
				memset(out + (a - start) / ps, 0,
				       (next - a) / ps);
			a = next;
			if (a == end)
				break;
		}
		pages = (end - a) / ps;
		chunk = w->scan && w->entries && w->sparse &&
					SPARSE_CHUNK_PAGES < w->cap
				? SPARSE_CHUNK_PAGES
				: w->cap;
		w->start = a;
		w->n = pages < chunk ? (size_t)pages : chunk;
		w->flags = out ? out + (a - start) / ps : w->scratch;
		ret = fill_chunk(w);
		if (ret == 0 && (w->mask & RCAPFS_PAGE_REFERENCED))
			ret = linux_idle_referenced(w);
		if (ret == 0 && w->consume)
			ret = w->consume(w);
		if (ret)
			return ret;
	}
	return 0;
}

int linux_walk_mappings(struct walk *w)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_procparse_vma v;
	size_t pos = 0;
	int ret, got;

	ret = linux_read_task_text(w->t, "maps", &b);
	while (ret == 0) {
		got = rcapfs_procparse_smaps_next(b.data, b.len, &pos, &v);
		if (got == 0)
			break;
		if (got < 0)
			ret = linux_malformed(w->t->pid, "maps");
		else if (!(v.map.flags & RCAPFS_MAP_SPECIAL))
			ret = linux_walk_range(w, v.map.start, v.map.end, NULL);
	}
	rcapfs_buf_release(&b);
	return ret;
}
