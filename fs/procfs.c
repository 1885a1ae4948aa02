#include "config.h"

#include "fs/procfs.h"

#include "compat/clock.h"

#include "rcapfs/procfs.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Shared anonymous memory: Linux shows it as a deleted /dev/zero, or as
 * "[anon_shmem:NAME]" once named; Solaris calls it anonymous. */
static bool shared_anon(const struct rcapfs_mapping *m)
{
	const char *n = m->name ? m->name : "";

	return strcmp(n, "/dev/zero (deleted)") == 0 ||
	       strncmp(n, "[anon_shmem:", 12) == 0;
}

/* Anonymous to Solaris: no file behind it (SysV segments included). */
static bool anonymous(const struct rcapfs_mapping *m)
{
	return (m->flags & (RCAPFS_MAP_ANON | RCAPFS_MAP_SYSV)) ||
	       shared_anon(m);
}

/* Solaris pr_mapname: the last path component, the kernel's bracketed
 * names whole ("[heap]", "[stack]", "[vdso]", "[anon:x]"), and nothing for
 * other anonymous memory and SysV segments (pmap names those from
 * pr_mflags and pr_shmid). Cut to PRMAPSZ - 1 bytes. */
static void map_name(const struct rcapfs_mapping *m, char out[PRMAPSZ])
{
	const char *n = m->name ? m->name : "";
	const char *slash;
	size_t len;

	memset(out, 0, PRMAPSZ);
	if (n[0] != '[') {
		if (anonymous(m))
			return;
		slash = strrchr(n, '/');
		if (slash)
			n = slash + 1;
	}
	len = strlen(n);
	if (len > PRMAPSZ - 1)
		len = PRMAPSZ - 1;
	memcpy(out, n, len);
}

/* pr_mflags; MA_BREAK and MA_STACK only in xmap, as on Solaris. */
static int32_t map_mflags(const struct rcapfs_mapping *m, bool xmap)
{
	uint32_t f = m->flags;
	int32_t ma = 0;

	if (f & RCAPFS_MAP_READ)
		ma |= MA_READ;
	if (f & RCAPFS_MAP_WRITE)
		ma |= MA_WRITE;
	if (f & RCAPFS_MAP_EXEC)
		ma |= MA_EXEC;
	if (f & RCAPFS_MAP_SHARED)
		ma |= MA_SHARED;
	if (anonymous(m))
		ma |= MA_ANON;
	if (f & RCAPFS_MAP_SYSV)
		ma |= MA_SHM;
	if (f & RCAPFS_MAP_NORESERVE)
		ma |= MA_NORESERVE;
	if (xmap && (f & RCAPFS_MAP_HEAP))
		ma |= MA_BREAK;
	if (xmap && (f & RCAPFS_MAP_STACK))
		ma |= MA_STACK;
	return ma;
}

static uint64_t map_npage(const struct rcapfs_mapping *m, uint32_t page_size)
{
	return m->end > m->start ? (m->end - m->start) / page_size : 0;
}

/* Solaris leaves out of pagedata the pages of MAP_NORESERVE mappings that
 * have not materialised; here, a whole such mapping with nothing resident
 * or swapped: a reservation (sanitizer shadows, VM heaps) of terabytes. */
static bool pagedata_omits(const struct rcapfs_mapping *m)
{
	return (m->flags & RCAPFS_MAP_NORESERVE) && m->rss_kb == 0 &&
	       m->swap_kb == 0;
}

uint64_t rcapfs_procfs_pagedata_size(const struct rcapfs_mapping_list *ml,
				     uint32_t page_size)
{
	uint64_t size = sizeof(prpageheader_t);
	size_t i;

	if (!page_size)
		return size;
	for (i = 0; i < ml->n; i++)
		if (!pagedata_omits(&ml->maps[i]))
			size += sizeof(prasmap_t) +
				PRPAGEDATA_PAD(
					map_npage(&ml->maps[i], page_size));
	return size;
}

/* The PG_* byte of a page from its RCAPFS_PAGE_* flags. */
static inline uint8_t pg_flags(uint8_t f)
{
	/* The shared zero page is mapped but holds nothing of the process
	 * (it is not in its rss). */
	bool mapped = (f & RCAPFS_PAGE_PRESENT) && !(f & RCAPFS_PAGE_ZERO);

	return (uint8_t)((mapped ? PG_HWMAPPED : 0) |
			 ((f & RCAPFS_PAGE_REFERENCED) ? PG_REFERENCED : 0) |
			 ((f & RCAPFS_PAGE_DIRTY) ? PG_MODIFIED : 0));
}

/* Whether s holds a flag byte for every page of every mapping. */
static bool snapshot_consistent(const struct rcapfs_snapshot *s)
{
	size_t i;

	if (!s->page_size || (s->page_size & (s->page_size - 1)))
		return false;
	if (s->maps.n && (!s->first_page || !s->pages))
		return false;
	for (i = 0; i < s->maps.n; i++) {
		const struct rcapfs_mapping *m = &s->maps.maps[i];
		uint64_t np = map_npage(m, s->page_size);

		if (m->start % s->page_size || m->end % s->page_size)
			return false;
		if (s->first_page[i] == RCAPFS_SNAPSHOT_NO_PAGES)
			continue;
		if (s->first_page[i] > s->npages ||
		    np > s->npages - s->first_page[i])
			return false;
	}
	return true;
}

int rcapfs_procfs_render_pagedata(const struct rcapfs_snapshot *s,
				  struct rcapfs_buf *out)
{
	prpageheader_t hdr;
	uint64_t size, npage = 0, nmap = 0;
	char *p;
	size_t i;
	int rc;

	if (!snapshot_consistent(s))
		return -EINVAL;
	for (i = 0; i < s->maps.n; i++) {
		if (pagedata_omits(&s->maps.maps[i]))
			continue;
		nmap++;
		npage += map_npage(&s->maps.maps[i], s->page_size);
	}
	/* The tracker's bound on per-page state holds for the file too. */
	if (npage > RCAPFS_TRACKER_MAX_PAGES)
		return -EFBIG;
	size = rcapfs_procfs_pagedata_size(&s->maps, s->page_size);
	rc = rcapfs_buf_reserve(out, (size_t)size);
	if (rc)
		return rc;
	p = out->data + out->len;
	memset(&hdr, 0, sizeof(hdr));
	hdr.pr_tstamp.tv_sec = s->tstamp_ns / 1000000000;
	hdr.pr_tstamp.tv_nsec = s->tstamp_ns % 1000000000;
	hdr.pr_nmap = (int64_t)nmap;
	hdr.pr_npage = (int64_t)npage;
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (i = 0; i < s->maps.n; i++) {
		const struct rcapfs_mapping *m = &s->maps.maps[i];
		const uint8_t *flags = rcapfs_snapshot_pages(s, i);
		uint64_t np = map_npage(m, s->page_size), j;
		prasmap_t a;

		if (pagedata_omits(m))
			continue;
		memset(&a, 0, sizeof(a));
		a.pr_vaddr = m->start;
		a.pr_npage = np;
		map_name(m, a.pr_mapname);
		a.pr_offset = (int64_t)m->offset;
		a.pr_mflags = map_mflags(m, false);
		a.pr_pagesize = (int32_t)s->page_size;
		a.pr_shmid = m->shmid;
		memcpy(p, &a, sizeof(a));
		p += sizeof(a);
		for (j = 0; flags && j < np; j++)
			p[j] = (char)pg_flags(flags[j]);
		memset(p + (flags ? np : 0), 0,
		       PRPAGEDATA_PAD(np) - (flags ? np : 0));
		p += PRPAGEDATA_PAD(np);
	}
	out->len += (size_t)size;
	out->data[out->len] = '\0';
	return 0;
}

uint64_t rcapfs_procfs_xmap_size(const struct rcapfs_mapping_list *ml)
{
	return (uint64_t)ml->n * sizeof(prxmap_t);
}

int rcapfs_procfs_render_xmap(const struct rcapfs_mapping_list *ml,
			      uint32_t page_size, struct rcapfs_buf *out)
{
	uint64_t page_kb = page_size / 1024;
	size_t i, old_len = out->len;
	int rc;

	if (!page_kb)
		return -EINVAL;
	rc = rcapfs_buf_reserve(out, ml->n * sizeof(prxmap_t));
	if (rc)
		return rc;
	for (i = 0; i < ml->n; i++) {
		const struct rcapfs_mapping *m = &ml->maps[i];
		bool file = m->inode && !anonymous(m);
		prxmap_t x;

		memset(&x, 0, sizeof(x));
		x.pr_vaddr = m->start;
		x.pr_size = m->end > m->start ? m->end - m->start : 0;
		map_name(m, x.pr_mapname);
		x.pr_offset = (int64_t)m->offset;
		x.pr_mflags = map_mflags(m, true);
		x.pr_pagesize = (int32_t)page_size;
		x.pr_shmid = m->shmid;
		x.pr_dev = file ? RCAPFS_PRDEV(m->dev_major, m->dev_minor)
				: PRNODEV;
		x.pr_ino = file ? m->inode : 0;
		x.pr_rss = m->rss_kb / page_kb;
		x.pr_anon = m->anon_kb / page_kb;
		/* smaps Locked is a proportional figure, not a page count:
		 * an mlocked mapping has all its resident pages locked. */
		x.pr_locked = (m->flags & RCAPFS_MAP_LOCKED) ? x.pr_rss : 0;
		x.pr_hatpagesize =
			m->rss_kb ? (uint64_t)m->mmu_page_kb * 1024 : 0;
		rc = rcapfs_buf_add(out, &x, sizeof(x));
		if (rc) {
			out->len = old_len;
			return rc;
		}
	}
	return 0;
}

/* Hold pid and list its mappings: 0, -ENOENT when it is gone, or -errno. */
static int task_mappings(struct rcapfs_backend *be, pid_t pid,
			 uint64_t start_ticks, struct rcapfs_mapping_list *ml,
			 uint32_t *page_size)
{
	struct rcapfs_features feat;
	struct rcapfs_task *t;
	int rc;

	rc = be->ops->features(be->ctx, &feat);
	if (rc)
		return rc;
	*page_size = feat.page_size;
	rc = be->ops->task_open(be->ctx, pid, start_ticks, &t);
	if (rc)
		return rc == -ESRCH ? -ENOENT : rc;
	rc = be->ops->mappings(be->ctx, t, ml);
	be->ops->task_close(be->ctx, t);
	return rc == -ESRCH ? -ENOENT : rc;
}

struct rcapfs_procfs_cache {
	pthread_mutex_t lock;
	int64_t ttl_ns;
	bool full;
	pid_t pid;
	uint64_t start_ticks;
	int64_t taken_ns; /* CLOCK_MONOTONIC */
	uint32_t page_size;
	struct rcapfs_mapping_list ml;
};

int rcapfs_procfs_cache_new(int64_t ttl_ns, struct rcapfs_procfs_cache **out)
{
	struct rcapfs_procfs_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->ttl_ns = ttl_ns;
	*out = c;
	return 0;
}

void rcapfs_procfs_cache_free(struct rcapfs_procfs_cache *c)
{
	if (!c)
		return;
	rcapfs_mapping_list_free(&c->ml);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Keep ml (taken over) in c, in place of what it held. */
static void cache_put(struct rcapfs_procfs_cache *c, pid_t pid,
		      uint64_t start_ticks, uint32_t page_size,
		      struct rcapfs_mapping_list *ml)
{
	struct rcapfs_mapping_list old;

	pthread_mutex_lock(&c->lock);
	old = c->ml;
	c->ml = *ml;
	c->full = true;
	c->pid = pid;
	c->start_ticks = start_ticks;
	c->page_size = page_size;
	c->taken_ns = (int64_t)rcapfs_mono_ns();
	pthread_mutex_unlock(&c->lock);
	rcapfs_mapping_list_free(&old);
	memset(ml, 0, sizeof(*ml));
}

/* Take from c the mappings of (pid, start_ticks) if it holds them, fresh
 * enough. Returns whether it did. */
static bool cache_take(struct rcapfs_procfs_cache *c, pid_t pid,
		       uint64_t start_ticks, uint32_t *page_size,
		       struct rcapfs_mapping_list *ml)
{
	bool hit;

	pthread_mutex_lock(&c->lock);
	hit = c->full && c->pid == pid && c->start_ticks == start_ticks &&
	      (int64_t)rcapfs_mono_ns() - c->taken_ns <= c->ttl_ns;
	if (hit) {
		*ml = c->ml;
		*page_size = c->page_size;
		memset(&c->ml, 0, sizeof(c->ml));
		c->full = false;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

int rcapfs_procfs_xmap(struct rcapfs_backend *be, struct rcapfs_procfs_cache *c,
		       pid_t pid, uint64_t start_ticks, struct rcapfs_buf *out)
{
	struct rcapfs_mapping_list ml = {NULL, 0, NULL};
	uint32_t page_size;
	int rc = 0;

	if (!c || !start_ticks ||
	    !cache_take(c, pid, start_ticks, &page_size, &ml))
		rc = task_mappings(be, pid, start_ticks, &ml, &page_size);
	if (!rc)
		rc = rcapfs_procfs_render_xmap(&ml, page_size, out);
	rcapfs_mapping_list_free(&ml);
	return rc;
}

int rcapfs_procfs_sizes(struct rcapfs_backend *be,
			struct rcapfs_procfs_cache *c, pid_t pid,
			uint64_t start_ticks, uint64_t *pagedata_bytes,
			uint64_t *xmap_bytes)
{
	struct rcapfs_mapping_list ml = {NULL, 0, NULL};
	uint32_t page_size;
	int rc;

	rc = task_mappings(be, pid, start_ticks, &ml, &page_size);
	if (!rc) {
		*pagedata_bytes = rcapfs_procfs_pagedata_size(&ml, page_size);
		*xmap_bytes = rcapfs_procfs_xmap_size(&ml);
		if (c && start_ticks)
			cache_put(c, pid, start_ticks, page_size, &ml);
	}
	rcapfs_mapping_list_free(&ml);
	return rc;
}

struct rcapfs_pagedata {
	pthread_mutex_t lock; /* one read at a time */
	struct rcapfs_tracker_reader *r;
	size_t max_chunk;
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
			 uint64_t start_ticks, size_t max_chunk,
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
	pd->max_chunk = max_chunk;
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
	size = rcapfs_procfs_pagedata_size(&s.maps, s.page_size);
	if (len < size && len + s.page_size <= pd->max_chunk) {
		keep_undelivered(pd, &s);
		return -E2BIG;
	}
	rcapfs_buf_reset(&pd->out);
	rc = rcapfs_procfs_render_pagedata(&s, &pd->out);
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
