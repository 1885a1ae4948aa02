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

/* Solaris pr_mapname: a name for a mapped file, "" for anything else
 * (anonymous memory, SysV segments, and the kernel's bracketed names:
 * "[heap]", "[stack]", "[vdso]", "[anon:x]"), which Solaris programs tell
 * apart by pr_mflags. Solaris names the entry of /proc/PID/object, which
 * Linux has not: the file's last path component stands in for it. Cut to
 * PRMAPSZ - 1 bytes. */
static void map_name(const struct rcapfs_mapping *m, char out[PRMAPSZ])
{
	const char *n = m->name ? m->name : "";
	const char *slash;
	size_t len;

	memset(out, 0, PRMAPSZ);
	if (n[0] == '[' || anonymous(m))
		return;
	slash = strrchr(n, '/');
	if (slash)
		n = slash + 1;
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
 * have not materialised: a whole such mapping with nothing resident or
 * swapped (a reservation: sanitizer shadows, VM heaps, terabytes of them)
 * goes, and one in part materialised is cut where its pages are not. */
static bool pagedata_omits(const struct rcapfs_mapping *m)
{
	return (m->flags & RCAPFS_MAP_NORESERVE) && m->rss_kb == 0 &&
	       m->swap_kb == 0;
}

/* A page that is there for Solaris: resident (the zero page too) or in
 * swap. */
static inline bool materialised(uint8_t f)
{
	return (f & (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_SWAPPED)) != 0;
}

/* The next pagedata entry of mapping i of s from page *j on: its page
 * count, 0 when none is left, and its first page in *first; *j moves past
 * it. A mapping is one entry, but for a MAP_NORESERVE one in part
 * materialised: one entry per run of materialised pages. */
static uint64_t next_entry(const struct rcapfs_snapshot *s, size_t i,
			   uint64_t *j, uint64_t *first)
{
	const struct rcapfs_mapping *m = &s->maps.maps[i];
	const uint8_t *flags = rcapfs_snapshot_pages(s, i);
	uint64_t np = map_npage(m, s->page_size), k;

	if (pagedata_omits(m) || *j >= np) {
		*j = np;
		return 0;
	}
	if (!flags || !rcapfs_mapping_partly_reserved(m)) {
		*first = *j;
		*j = np;
		return np - *first;
	}
	while (*j < np && !materialised(flags[*j]))
		(*j)++;
	for (k = *j; k < np && materialised(flags[k]); k++)
		;
	*first = *j;
	*j = k;
	return k - *first;
}

uint64_t rcapfs_procfs_pagedata_size(const struct rcapfs_snapshot *s)
{
	uint64_t size = sizeof(prpageheader_t), j, first, n;
	size_t i;

	if (!s->page_size)
		return size;
	for (i = 0; i < s->maps.n; i++)
		for (j = 0; (n = next_entry(s, i, &j, &first)) != 0;)
			size += sizeof(prasmap_t) + PRPAGEDATA_PAD(n);
	return size;
}

/* The PG_* byte of a page from its RCAPFS_PAGE_* flags; PG_HWMAPPED only
 * when asked for (Solaris never sets it). */
static inline uint8_t pg_flags(uint8_t f, bool hw)
{
	/* The shared zero page is mapped but holds nothing of the process
	 * (it is not in its rss). */
	bool mapped = (f & RCAPFS_PAGE_PRESENT) && !(f & RCAPFS_PAGE_ZERO);

	return (uint8_t)((hw && mapped ? PG_HWMAPPED : 0) |
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
				  unsigned flags, struct rcapfs_buf *out)
{
	const bool hw = flags & RCAPFS_PAGEDATA_HWMAPPED;
	uint64_t size, npage = 0, nmap = 0, j, first, n;
	prpageheader_t hdr;
	char *p;
	size_t i;
	int rc;

	if (!snapshot_consistent(s))
		return -EINVAL;
	for (i = 0; i < s->maps.n; i++)
		for (j = 0; (n = next_entry(s, i, &j, &first)) != 0;) {
			nmap++;
			npage += n;
		}
	/* The tracker's bound on per-page state holds for the file too. */
	if (npage > RCAPFS_TRACKER_MAX_PAGES)
		return -EFBIG;
	size = rcapfs_procfs_pagedata_size(s);
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
		const uint8_t *pages = rcapfs_snapshot_pages(s, i);

		for (j = 0; (n = next_entry(s, i, &j, &first)) != 0;) {
			prasmap_t a;
			uint64_t k;

			memset(&a, 0, sizeof(a));
			a.pr_vaddr = m->start + first * s->page_size;
			a.pr_npage = n;
			map_name(m, a.pr_mapname);
			a.pr_offset =
				(int64_t)(m->offset + first * s->page_size);
			a.pr_mflags = map_mflags(m, false);
			a.pr_pagesize = (int32_t)s->page_size;
			a.pr_shmid = m->shmid;
			memcpy(p, &a, sizeof(a));
			p += sizeof(a);
			memset(p, 0, PRPAGEDATA_PAD(n));
			for (k = 0; pages && k < n; k++)
				p[k] = (char)pg_flags(pages[first + k], hw);
			p += PRPAGEDATA_PAD(n);
		}
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

/* Hold pid (-ENOENT when it is gone) and list its mappings; with tp, the
 * task is handed over to the caller, who closes it. Returns 0 or -errno. */
static int task_mappings(struct rcapfs_backend *be, pid_t pid,
			 uint64_t start_ticks, struct rcapfs_mapping_list *ml,
			 uint32_t *page_size, struct rcapfs_task **tp)
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
	if (rc == 0 && tp)
		*tp = t;
	else
		be->ops->task_close(be->ctx, t);
	return rc == -ESRCH ? -ENOENT : rc;
}

/* The size of the pagedata of task t with mappings ml: the only pages it
 * depends on, those of MAP_NORESERVE mappings in part materialised, are
 * read here. Returns 0 or -errno. */
static int pagedata_size_of(struct rcapfs_backend *be, struct rcapfs_task *t,
			    const struct rcapfs_mapping_list *ml,
			    uint32_t page_size, uint64_t *out)
{
	struct rcapfs_snapshot s = {.maps = *ml, .page_size = page_size};
	size_t i;
	int rc = -ENOMEM;

	s.first_page = malloc((ml->n ? ml->n : 1) * sizeof(size_t));
	if (!s.first_page)
		return rc;
	for (i = 0; i < ml->n; i++) {
		const struct rcapfs_mapping *m = &ml->maps[i];
		uint64_t np = map_npage(m, page_size);

		s.first_page[i] = RCAPFS_SNAPSHOT_NO_PAGES;
		/* One that large fails the read with EFBIG anyway. */
		if (!rcapfs_mapping_partly_reserved(m) || pagedata_omits(m) ||
		    np > RCAPFS_TRACKER_MAX_PAGES - s.npages)
			continue;
		s.first_page[i] = s.npages;
		s.npages += np;
	}
	s.pages = malloc(s.npages ? s.npages : 1);
	if (!s.pages)
		goto out;
	rc = 0;
	for (i = 0; rc == 0 && i < ml->n; i++)
		if (s.first_page[i] != RCAPFS_SNAPSHOT_NO_PAGES)
			rc = be->ops->pages(be->ctx, t, ml->maps[i].start,
					    ml->maps[i].end, 0,
					    s.pages + s.first_page[i]);
	if (rc == 0)
		*out = rcapfs_procfs_pagedata_size(&s);
out:
	free(s.pages);
	free(s.first_page);
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
		rc = task_mappings(be, pid, start_ticks, &ml, &page_size, NULL);
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
	struct rcapfs_task *t;
	uint32_t page_size;
	int rc;

	rc = task_mappings(be, pid, start_ticks, &ml, &page_size, &t);
	if (rc)
		return rc;
	rc = pagedata_size_of(be, t, &ml, page_size, pagedata_bytes);
	be->ops->task_close(be->ctx, t);
	if (!rc) {
		*xmap_bytes = rcapfs_procfs_xmap_size(&ml);
		if (c && start_ticks)
			cache_put(c, pid, start_ticks, page_size, &ml);
	}
	rcapfs_mapping_list_free(&ml);
	return rc;
}
