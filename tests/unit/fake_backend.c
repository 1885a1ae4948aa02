#include "config.h"
#include "tests/unit/fake_backend.h"
#include "compat/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A user or group name and its id. */
struct fake_name {
	char *name;
	unsigned id;
};

/* Page bits of the simulation that pages() never shows. */
#define PAGE_ANON     0x40 /* anonymous content: needs swap to leave */
#define PAGE_MODIFIED 0x80 /* written since last written back */
#define PAGE_VISIBLE  0x3f /* the RCAPFS_PAGE_* bits */

struct fake_map {
	struct rcapfs_mapping m; /* m.name is unused: see name */
	char *name;
	uint8_t *pages;	   /* one per page */
	uint32_t *advised; /* per page: MADV_PAGEOUT while present */
	size_t npages;
};

/* The address space of a pid. */
struct fake_as {
	pid_t pid;
	struct fake_map *maps; /* ascending, disjoint */
	size_t nmaps;
};

/* A held process: the pid and the start time it was opened at. */
struct rcapfs_task {
	pid_t pid;
	uint64_t start_ticks;
};

/* Host pid pid is ns_pid in namespace ns. */
struct fake_pidns {
	pid_t pid;
	uint64_t ns;
	pid_t ns_pid;
};

struct fake_ctx {
	/* The scanner thread reads while the test writes: one lock for all. */
	pthread_mutex_t lock;
	struct rcapfs_proc *procs; /* sorted by pid, cgroup strings owned */
	size_t nprocs;
	struct rcapfs_meminfo mi;
	struct fake_name *users;
	size_t nusers;
	struct fake_name *groups;
	size_t ngroups;
	unsigned walks;
	unsigned samples;
	int proc_err; /* what proc() answers instead, when not 0 */
	struct rcapfs_features features;
	bool can_set; /* can() is can, not what the features imply */
	unsigned can;
	uint64_t swap_used;
	struct fake_as *as;
	size_t nas;
	struct fake_backend_counts counts;
	fake_pageout_hook hook;
	void *hook_arg;
	fake_sample_hook sample_hook;
	void *sample_hook_arg;
	struct rcapfs_backend *be; /* the backend around this context */
	/* Fork events, queued by the test for the subscriber. */
	bool forks_enabled;
	struct rcapfs_fork forks[FAKE_BACKEND_FORKS];
	size_t nforks;
	bool forks_waiting; /* the subscriber waits with none queued */
	pthread_cond_t forks_cond;
	/* Processes in pid namespaces other than the host's. */
	struct fake_pidns pidns[FAKE_BACKEND_PIDNS];
	size_t npidns;
};

/* The fake's subscription: nothing to keep but its existence. */
struct rcapfs_forks {
	int unused;
};

const struct rcapfs_features fake_backend_page_features = {
	.page_size = 4096,
	.clear_refs = true,
	.idle_page_tracking = true,
	.pfn_visible = true,
	.process_madvise = true,
};

const struct rcapfs_features fake_backend_mapping_features = {
	.page_size = 4096,
	.clear_refs = true,
	.process_madvise = true,
};

const struct rcapfs_features fake_backend_none_features = {.page_size = 4096};

static void oom(void)
{
	fprintf(stderr, "fake_backend: out of memory\n");
	abort();
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		oom();
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

static void die(const char *what, pid_t pid)
{
	fprintf(stderr, "fake_backend: %s (pid %d)\n", what, (int)pid);
	abort();
}

static struct fake_ctx *ctx_of(const struct rcapfs_backend *be)
{
	return be->ctx;
}

static uint64_t page_kb(const struct fake_ctx *c)
{
	return c->features.page_size / 1024;
}

/* Copy src into *dst as procs() and proc() give it with flags: the
 * cgroup string and the RSS limit only when asked for. */
static void copy_proc(struct rcapfs_proc *dst, const struct rcapfs_proc *src,
		      unsigned flags)
{
	*dst = *src;
	dst->cgroup = (flags & RCAPFS_PROCS_CGROUP) && src->cgroup
			      ? xstrdup(src->cgroup)
			      : NULL;
	if (!(flags & RCAPFS_PROCS_RLIMIT)) {
		dst->rlimit_rss_set = false;
		dst->rlimit_rss_bytes = 0;
	}
}

static struct rcapfs_proc *find_proc(struct fake_ctx *c, pid_t pid)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == pid)
			return &c->procs[i];
	return NULL;
}

static struct fake_as *find_as(struct fake_ctx *c, pid_t pid)
{
	for (size_t i = 0; i < c->nas; i++)
		if (c->as[i].pid == pid)
			return &c->as[i];
	return NULL;
}

static bool present(uint8_t page)
{
	return (page & RCAPFS_PAGE_PRESENT) && !(page & RCAPFS_PAGE_ZERO);
}

/* Resident KiB of an address space, or -1 when pid has none. */
static int64_t as_rss_kb(struct fake_ctx *c, pid_t pid)
{
	struct fake_as *as = find_as(c, pid);
	uint64_t n = 0;

	if (!as || as->nmaps == 0)
		return -1;
	for (size_t i = 0; i < as->nmaps; i++)
		for (size_t j = 0; j < as->maps[i].npages; j++)
			n += present(as->maps[i].pages[j]);
	return (int64_t)(n * page_kb(c));
}

/* A process's figures as the table shows them, rss from its pages. */
static void proc_figures(struct fake_ctx *c, struct rcapfs_proc *p)
{
	int64_t rss = as_rss_kb(c, p->pid);

	if (rss >= 0)
		p->rss_kb = (uint64_t)rss;
}

static int fake_procs(void *ctx, unsigned flags, struct rcapfs_proc_list *out)
{
	struct fake_ctx *c = ctx;

	pthread_mutex_lock(&c->lock);
	c->walks++;
	out->procs = xcalloc(c->nprocs, sizeof(*out->procs));
	out->n = c->nprocs;
	for (size_t i = 0; i < c->nprocs; i++) {
		copy_proc(&out->procs[i], &c->procs[i], flags);
		proc_figures(c, &out->procs[i]);
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int fake_proc(void *ctx, pid_t pid, unsigned flags,
		     struct rcapfs_proc *out)
{
	struct fake_ctx *c = ctx;
	struct rcapfs_proc *p;
	int ret = -ESRCH;

	pthread_mutex_lock(&c->lock);
	p = c->proc_err ? NULL : find_proc(c, pid);
	if (p) {
		copy_proc(out, p, flags);
		proc_figures(c, out);
		ret = 0;
	} else if (c->proc_err) {
		ret = c->proc_err;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int fake_proc_sample(void *ctx, pid_t pid, uint64_t start_ticks,
			    struct rcapfs_proc_usage *out)
{
	struct fake_ctx *c = ctx;
	struct rcapfs_proc *p;
	fake_sample_hook hook;
	void *hook_arg;
	int ret = -ESRCH;

	pthread_mutex_lock(&c->lock);
	c->samples++;
	p = find_proc(c, pid);
	if (p && p->start_ticks == start_ticks) {
		struct rcapfs_proc q = *p;

		proc_figures(c, &q);
		out->rss_kb = q.rss_kb;
		out->vm_kb = q.vm_kb;
		out->cpu_ticks = q.cpu_ticks;
		out->majflt = q.majflt;
		ret = 0;
	}
	hook = c->sample_hook;
	hook_arg = c->sample_hook_arg;
	pthread_mutex_unlock(&c->lock);
	if (hook)
		hook(c->be, pid, hook_arg);
	return ret;
}

static int fake_meminfo(void *ctx, struct rcapfs_meminfo *out)
{
	struct fake_ctx *c = ctx;

	pthread_mutex_lock(&c->lock);
	*out = c->mi;
	out->swap_free = c->mi.swap_free > c->swap_used
				 ? c->mi.swap_free - c->swap_used
				 : 0;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int fake_features(void *ctx, struct rcapfs_features *out)
{
	struct fake_ctx *c = ctx;

	pthread_mutex_lock(&c->lock);
	*out = c->features;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static unsigned fake_can(void *ctx)
{
	struct fake_ctx *c = ctx;
	unsigned can;

	pthread_mutex_lock(&c->lock);
	can = c->can;
	if (!c->can_set)
		can = RCAPFS_CAN_PAGEOUT | RCAPFS_CAN_PAGE_PRESENT |
		      rcapfs_features_can(&c->features) |
		      (c->forks_enabled ? RCAPFS_CAN_FORK_EVENTS : 0);
	pthread_mutex_unlock(&c->lock);
	return can;
}

static int lookup_name(struct fake_ctx *c, const struct fake_name *names,
		       size_t n, const char *name, unsigned *id)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i].name, name) == 0) {
			*id = names[i].id;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int fake_user_uid(void *ctx, const char *name, uid_t *out)
{
	struct fake_ctx *c = ctx;
	unsigned id;
	int ret = lookup_name(c, c->users, c->nusers, name, &id);

	if (ret == 0)
		*out = (uid_t)id;
	return ret;
}

static int fake_group_gid(void *ctx, const char *name, gid_t *out)
{
	struct fake_ctx *c = ctx;
	unsigned id;
	int ret = lookup_name(c, c->groups, c->ngroups, name, &id);

	if (ret == 0)
		*out = (gid_t)id;
	return ret;
}

/* ---- Memory ops ---- */

/* The address space of pid, created empty when it has none yet. Under
 * c->lock. */
static struct fake_as *get_as(struct fake_ctx *c, pid_t pid)
{
	struct fake_as *as = find_as(c, pid), *grown;

	if (as)
		return as;
	grown = realloc(c->as, (c->nas + 1) * sizeof(*grown));
	if (!grown)
		oom();
	c->as = grown;
	as = &c->as[c->nas++];
	*as = (struct fake_as){pid, NULL, 0};
	return as;
}

/* The address space behind a task, or NULL when its process has exited
 * or the pid now names another process. Under c->lock. */
static struct fake_as *task_as(struct fake_ctx *c, const struct rcapfs_task *t)
{
	const struct rcapfs_proc *p = find_proc(c, t->pid);

	if (!p || p->start_ticks != t->start_ticks)
		return NULL;
	return get_as(c, t->pid);
}

static int fake_task_open(void *ctx, pid_t pid, uint64_t start_ticks,
			  struct rcapfs_task **out)
{
	struct fake_ctx *c = ctx;
	const struct rcapfs_proc *p;
	int ret = -ESRCH;

	*out = NULL;
	pthread_mutex_lock(&c->lock);
	c->counts.task_opens++;
	p = find_proc(c, pid);
	if (p && (start_ticks == 0 || p->start_ticks == start_ticks)) {
		*out = xcalloc(1, sizeof(**out));
		(*out)->pid = pid;
		(*out)->start_ticks = p->start_ticks;
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static void fake_task_close(void *ctx, struct rcapfs_task *t)
{
	free(t);
}

static int fake_task_alive(void *ctx, struct rcapfs_task *t)
{
	struct fake_ctx *c = ctx;
	int ret;

	pthread_mutex_lock(&c->lock);
	ret = task_as(c, t) ? 0 : -ESRCH;
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int fake_task_rss(void *ctx, struct rcapfs_task *t, uint64_t *rss_kb)
{
	struct fake_ctx *c = ctx;
	int ret = -ESRCH;

	pthread_mutex_lock(&c->lock);
	if (task_as(c, t)) {
		struct rcapfs_proc q = *find_proc(c, t->pid);

		proc_figures(c, &q);
		*rss_kb = q.rss_kb;
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* Pss of one mapping: a page shared with another process counts half. */
static uint64_t map_pss_kb(const struct fake_ctx *c, const struct fake_map *fm)
{
	uint64_t halves = 0;

	for (size_t j = 0; j < fm->npages; j++)
		if (present(fm->pages[j]))
			halves += fm->pages[j] & RCAPFS_PAGE_EXCLUSIVE ? 2 : 1;
	return halves * page_kb(c) / 2;
}

static int fake_task_pss(void *ctx, struct rcapfs_task *t, uint64_t *pss_kb)
{
	struct fake_ctx *c = ctx;
	struct fake_as *as;
	int ret = -ESRCH;

	pthread_mutex_lock(&c->lock);
	c->counts.pss++;
	as = task_as(c, t);
	if (as && as->nmaps == 0) {
		*pss_kb = find_proc(c, t->pid)->rss_kb;
		ret = 0;
	} else if (as) {
		*pss_kb = 0;
		for (size_t i = 0; i < as->nmaps; i++)
			*pss_kb += map_pss_kb(c, &as->maps[i]);
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/*
 * The frame behind a page: pages of one file at one file offset are the
 * same frame in every process; anonymous pages are their process's own.
 */
static uint64_t page_pfn(const struct fake_ctx *c, pid_t pid,
			 const struct fake_map *fm, size_t j)
{
	uint64_t pgoff;

	if (fm->m.inode && !(fm->pages[j] & PAGE_ANON)) {
		pgoff = fm->m.offset / c->features.page_size + j;
		return ((fm->m.inode & 0xffffff) << 36) | (pgoff & 0xfffffffff);
	}
	pgoff = fm->m.start / c->features.page_size + j;
	return (1ULL << 63) | ((uint64_t)pid << 36) | (pgoff & 0xfffffffff);
}

static int fake_task_pfns(void *ctx, struct rcapfs_task *t, uint64_t **pfns,
			  size_t *n)
{
	struct fake_ctx *c = ctx;
	struct fake_as *as;
	int ret = -ESRCH;

	*pfns = NULL;
	*n = 0;
	pthread_mutex_lock(&c->lock);
	c->counts.pfns++;
	as = task_as(c, t);
	if (as && !c->features.pfn_visible) {
		ret = -EPERM;
	} else if (as) {
		size_t total = 0;

		for (size_t i = 0; i < as->nmaps; i++)
			total += as->maps[i].npages;
		*pfns = xcalloc(total, sizeof(**pfns));
		for (size_t i = 0; i < as->nmaps; i++)
			for (size_t j = 0; j < as->maps[i].npages; j++)
				if (present(as->maps[i].pages[j]))
					(*pfns)[(*n)++] = page_pfn(
						c, t->pid, &as->maps[i], j);
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* The figures smaps would show for a mapping. */
static void map_figures(const struct fake_ctx *c, const struct fake_map *fm,
			struct rcapfs_mapping *m)
{
	uint64_t kb = page_kb(c);

	m->rss_kb = m->anon_kb = m->shared_kb = m->private_dirty_kb = 0;
	m->referenced_kb = m->swap_kb = 0;
	for (size_t j = 0; j < fm->npages; j++) {
		uint8_t pg = fm->pages[j];

		if (pg & RCAPFS_PAGE_SWAPPED)
			m->swap_kb += kb;
		if (!present(pg))
			continue;
		m->rss_kb += kb;
		if (pg & PAGE_ANON)
			m->anon_kb += kb;
		if (!(pg & RCAPFS_PAGE_EXCLUSIVE))
			m->shared_kb += kb;
		else if (pg & PAGE_MODIFIED)
			m->private_dirty_kb += kb;
		if (pg & RCAPFS_PAGE_REFERENCED)
			m->referenced_kb += kb;
	}
	m->pss_kb = map_pss_kb(c, fm);
}

static int fake_mappings(void *ctx, struct rcapfs_task *t,
			 struct rcapfs_mapping_list *out)
{
	struct fake_ctx *c = ctx;
	struct fake_as *as;
	size_t names_len = 0, pos = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->lock);
	c->counts.mappings++;
	as = task_as(c, t);
	if (!as) {
		pthread_mutex_unlock(&c->lock);
		return -ESRCH;
	}
	for (size_t i = 0; i < as->nmaps; i++)
		names_len += strlen(as->maps[i].name) + 1;
	out->maps = xcalloc(as->nmaps, sizeof(*out->maps));
	out->names = xcalloc(names_len, 1);
	out->n = as->nmaps;
	for (size_t i = 0; i < as->nmaps; i++) {
		const struct fake_map *fm = &as->maps[i];
		size_t len = strlen(fm->name) + 1;

		out->maps[i] = fm->m;
		map_figures(c, fm, &out->maps[i]);
		memcpy(out->names + pos, fm->name, len);
		out->maps[i].name = out->names + pos;
		pos += len;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* The mapping holding addr, or NULL. */
static struct fake_map *find_map(struct fake_as *as, uint64_t addr)
{
	for (size_t i = 0; i < as->nmaps; i++)
		if (addr >= as->maps[i].m.start && addr < as->maps[i].m.end)
			return &as->maps[i];
	return NULL;
}

static bool aligned(const struct fake_ctx *c, uint64_t addr)
{
	return addr % c->features.page_size == 0;
}

static int fake_pages(void *ctx, struct rcapfs_task *t, uint64_t start,
		      uint64_t end, unsigned want, uint8_t *flags)
{
	struct fake_ctx *c = ctx;
	uint64_t ps = c->features.page_size;
	uint8_t mask =
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_SWAPPED | RCAPFS_PAGE_ZERO;
	struct fake_as *as;

	if (start > end || !aligned(c, start) || !aligned(c, end))
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	c->counts.pages++;
	as = task_as(c, t);
	if (!as) {
		pthread_mutex_unlock(&c->lock);
		return -ESRCH;
	}
	if (want & RCAPFS_PAGE_EXCLUSIVE)
		mask |= RCAPFS_PAGE_EXCLUSIVE;
	if ((want & RCAPFS_PAGE_REFERENCED) && c->features.idle_page_tracking)
		mask |= RCAPFS_PAGE_REFERENCED;
	if ((want & RCAPFS_PAGE_DIRTY) && c->features.soft_dirty)
		mask |= RCAPFS_PAGE_DIRTY;
	for (uint64_t a = start; a < end; a += ps) {
		struct fake_map *fm = find_map(as, a);
		uint8_t pg = 0;

		if (fm) {
			pg = fm->pages[(a - fm->m.start) / ps] & mask;
			/* Exclusivity is a property of a mapped page. */
			if (!(pg & RCAPFS_PAGE_PRESENT))
				pg &= (uint8_t)~RCAPFS_PAGE_EXCLUSIVE;
		}
		flags[(a - start) / ps] = pg;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int fake_clear(void *ctx, struct rcapfs_task *t, unsigned what)
{
	struct fake_ctx *c = ctx;
	uint8_t bits = 0;
	struct fake_as *as;

	if (what & RCAPFS_CLEAR_REFERENCED)
		bits |= RCAPFS_PAGE_REFERENCED;
	if (what & RCAPFS_CLEAR_DIRTY)
		bits |= RCAPFS_PAGE_DIRTY;
	pthread_mutex_lock(&c->lock);
	c->counts.clears++;
	c->counts.last_clear = what;
	as = task_as(c, t);
	for (size_t i = 0; as && i < as->nmaps; i++) {
		bool anon = as->maps[i].m.flags & RCAPFS_MAP_ANON;
		uint8_t b = bits;

		/* As clear_refs 2 and 3 do. */
		if (((what & RCAPFS_CLEAR_ONLY_ANON) && !anon) ||
		    ((what & RCAPFS_CLEAR_ONLY_FILES) && anon))
			b &= (uint8_t)~RCAPFS_PAGE_REFERENCED;
		for (size_t j = 0; j < as->maps[i].npages; j++)
			as->maps[i].pages[j] &= (uint8_t)~b;
	}
	pthread_mutex_unlock(&c->lock);
	return as ? 0 : -ESRCH;
}

/* MADV_PAGEOUT or MADV_COLD on one page, as the kernel would. */
static void advise_page(struct fake_ctx *c, struct fake_map *fm, size_t j,
			enum rcapfs_advice advice)
{
	uint8_t *pg = &fm->pages[j];
	uint64_t ps = c->features.page_size;

	if (!present(*pg))
		return;
	if (advice == RCAPFS_ADVICE_COLD) {
		*pg &= (uint8_t)~RCAPFS_PAGE_REFERENCED;
		return;
	}
	fm->advised[j]++;
	/* Pages mapped by other processes too are left alone. */
	if (!(*pg & RCAPFS_PAGE_EXCLUSIVE))
		return;
	if (*pg & PAGE_ANON) {
		/* Without room in swap the page is only activated. */
		if (c->swap_used + ps > c->mi.swap_free)
			return;
		c->swap_used += ps;
		*pg |= RCAPFS_PAGE_SWAPPED;
	}
	*pg &= (uint8_t) ~(RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_REFERENCED |
			   PAGE_MODIFIED);
}

/* Advise one range. Returns 0, -EINVAL (a locked, hugetlb or special
 * mapping in it) or -ENOMEM (a hole: the mapped parts are still advised,
 * as madvise does). */
static int advise_range(struct fake_ctx *c, struct fake_as *as,
			const struct rcapfs_range *r, enum rcapfs_advice advice)
{
	const uint32_t never =
		RCAPFS_MAP_LOCKED | RCAPFS_MAP_HUGETLB | RCAPFS_MAP_SPECIAL;
	uint64_t ps = c->features.page_size, end = r->start + r->len;
	bool hole = false;

	for (size_t i = 0; i < as->nmaps; i++) {
		const struct rcapfs_mapping *m = &as->maps[i].m;

		if (m->start < end && m->end > r->start && (m->flags & never))
			return -EINVAL;
	}
	for (uint64_t a = r->start; a < end; a += ps) {
		struct fake_map *fm = find_map(as, a);

		if (fm)
			advise_page(c, fm, (a - fm->m.start) / ps, advice);
		else
			hole = true;
	}
	return hole ? -ENOMEM : 0;
}

static int fake_pageout(void *ctx, struct rcapfs_task *t,
			const struct rcapfs_range *ranges, size_t n,
			enum rcapfs_advice advice, uint64_t *done_bytes)
{
	struct fake_ctx *c = ctx;
	fake_pageout_hook hook;
	struct fake_as *as;
	void *hook_arg;
	int ret = 0;

	*done_bytes = 0;
	pthread_mutex_lock(&c->lock);
	c->counts.pageouts++;
	as = task_as(c, t);
	if (!as)
		ret = -ESRCH;
	for (size_t i = 0; i < n && ret == 0; i++) {
		const struct rcapfs_range *r = &ranges[i];

		if (r->len == 0 || !aligned(c, r->start) ||
		    !aligned(c, r->len) ||
		    (i > 0 &&
		     r->start < ranges[i - 1].start + ranges[i - 1].len)) {
			ret = -EINVAL;
			break;
		}
		ret = advise_range(c, as, r, advice);
		if (ret == 0)
			*done_bytes += r->len;
	}
	c->counts.advised_bytes += *done_bytes;
	hook = c->hook;
	hook_arg = c->hook_arg;
	pthread_mutex_unlock(&c->lock);
	if (hook && ret != -ESRCH)
		hook(c->be, t->pid, advice, hook_arg);
	return ret;
}

static int fake_detach_mount(void *ctx, const char *path)
{
	return -ENOSYS;
}

/* Pid namespaces, flat: the host's, where the daemon runs, and those of
 * fake_backend_set_pidns. Called with the lock held. */
static const struct fake_pidns *pidns_entry(const struct fake_ctx *c, pid_t pid)
{
	for (size_t i = 0; i < c->npidns; i++)
		if (c->pidns[i].pid == pid)
			return &c->pidns[i];
	return NULL;
}

static uint64_t pidns_id(const struct fake_ctx *c, pid_t pid)
{
	const struct fake_pidns *e = pidns_entry(c, pid);

	return e ? e->ns : FAKE_BACKEND_HOST_PIDNS;
}

static int fake_pidns_of(void *ctx, pid_t pid, uint64_t *ns_id)
{
	struct fake_ctx *c = ctx;

	pthread_mutex_lock(&c->lock);
	*ns_id = pidns_id(c, pid);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int fake_pids_to_ns(void *ctx, pid_t caller, const pid_t *pids,
			   pid_t *out, size_t n)
{
	struct fake_ctx *c = ctx;
	const struct fake_pidns *e;
	uint64_t ns;

	pthread_mutex_lock(&c->lock);
	ns = pidns_id(c, caller);
	for (size_t i = 0; i < n; i++) {
		e = pidns_entry(c, pids[i]);
		if (ns == FAKE_BACKEND_HOST_PIDNS)
			out[i] = pids[i];
		else
			out[i] = e && e->ns == ns ? e->ns_pid : 0;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int fake_pid_from_ns(void *ctx, pid_t caller, pid_t ns_pid, pid_t *out)
{
	struct fake_ctx *c = ctx;
	uint64_t ns;
	int ret = -ESRCH;

	pthread_mutex_lock(&c->lock);
	ns = pidns_id(c, caller);
	if (ns == FAKE_BACKEND_HOST_PIDNS) {
		*out = ns_pid;
		ret = 0;
	}
	for (size_t i = 0; ret && i < c->npidns; i++) {
		if (c->pidns[i].ns == ns && c->pidns[i].ns_pid == ns_pid) {
			*out = c->pidns[i].pid;
			ret = 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int fake_pidns_initial(void *ctx, bool *initial)
{
	*initial = true;
	return 0;
}

void fake_backend_set_pidns(struct rcapfs_backend *be, pid_t pid, uint64_t ns,
			    pid_t ns_pid)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	if (c->npidns == FAKE_BACKEND_PIDNS)
		abort();
	c->pidns[c->npidns++] = (struct fake_pidns){pid, ns, ns_pid};
	pthread_mutex_unlock(&c->lock);
}

static void free_procs(struct fake_ctx *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		free(c->procs[i].cgroup);
	free(c->procs);
	c->procs = NULL;
	c->nprocs = 0;
}

static void free_names(struct fake_name *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
}

static void free_map(struct fake_map *fm)
{
	free(fm->name);
	free(fm->pages);
	free(fm->advised);
}

/* Drop the address space of pid, if any. Under c->lock. */
static void drop_as(struct fake_ctx *c, pid_t pid)
{
	struct fake_as *as = find_as(c, pid);

	if (!as)
		return;
	for (size_t i = 0; i < as->nmaps; i++)
		free_map(&as->maps[i]);
	free(as->maps);
	*as = c->as[--c->nas];
}

static int fake_forks_open(void *ctx, struct rcapfs_forks **out)
{
	struct fake_ctx *c = ctx;
	bool on;

	pthread_mutex_lock(&c->lock);
	on = c->forks_enabled;
	c->counts.forks_opens++;
	pthread_mutex_unlock(&c->lock);
	*out = on ? xcalloc(1, sizeof(**out)) : NULL;
	return on ? 0 : -ENOSYS;
}

static int fake_forks_wait(void *ctx, struct rcapfs_forks *f,
			   struct rcapfs_fork *ev, size_t n, int timeout_ms)
{
	struct fake_ctx *c = ctx;
	struct timespec ts = rcapfs_ns_timespec(rcapfs_mono_ns() +
						(uint64_t)timeout_ms * 1000000);
	size_t k;

	pthread_mutex_lock(&c->lock);
	if (!c->nforks) {
		c->forks_waiting = true;
		pthread_cond_timedwait(&c->forks_cond, &c->lock, &ts);
		c->forks_waiting = false;
	}
	k = c->nforks < n ? c->nforks : n;
	memcpy(ev, c->forks, k * sizeof(*ev));
	memmove(c->forks, c->forks + k, (c->nforks - k) * sizeof(*ev));
	c->nforks -= k;
	pthread_mutex_unlock(&c->lock);
	return (int)k;
}

static void fake_forks_close(void *ctx, struct rcapfs_forks *f)
{
	free(f);
}

static void fake_free(void *ctx)
{
	struct fake_ctx *c = ctx;

	if (!c)
		return;
	while (c->nas)
		drop_as(c, c->as[0].pid);
	free(c->as);
	free_procs(c);
	free_names(c->users, c->nusers);
	free_names(c->groups, c->ngroups);
	pthread_cond_destroy(&c->forks_cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static const struct rcapfs_backend_ops fake_ops = {
	.name = "fake",
	.procs = fake_procs,
	.proc = fake_proc,
	.proc_sample = fake_proc_sample,
	.meminfo = fake_meminfo,
	.features = fake_features,
	.can = fake_can,
	.user_uid = fake_user_uid,
	.group_gid = fake_group_gid,
	.task_open = fake_task_open,
	.task_close = fake_task_close,
	.task_alive = fake_task_alive,
	.task_rss = fake_task_rss,
	.task_pss = fake_task_pss,
	.task_pfns = fake_task_pfns,
	.mappings = fake_mappings,
	.pages = fake_pages,
	.clear = fake_clear,
	.pageout = fake_pageout,
	.forks_open = fake_forks_open,
	.forks_wait = fake_forks_wait,
	.forks_close = fake_forks_close,
	.detach_mount = fake_detach_mount,
	.pidns_of = fake_pidns_of,
	.pids_to_ns = fake_pids_to_ns,
	.pid_from_ns = fake_pid_from_ns,
	.pidns_initial = fake_pidns_initial,
	.free = fake_free,
};

static void add_name(struct fake_ctx *c, struct fake_name **names, size_t *n,
		     const char *name, unsigned id)
{
	struct fake_name *grown;

	pthread_mutex_lock(&c->lock);
	grown = realloc(*names, (*n + 1) * sizeof(**names));
	if (!grown)
		oom();
	grown[*n].name = xstrdup(name);
	grown[*n].id = id;
	*names = grown;
	(*n)++;
	pthread_mutex_unlock(&c->lock);
}

struct rcapfs_backend *fake_backend_new(void)
{
	struct rcapfs_backend *be = xcalloc(1, sizeof(*be));
	struct fake_ctx *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	if (rcapfs_cond_init_mono(&c->forks_cond))
		oom();
	c->mi.mem_total = 8ULL << 30;
	c->mi.mem_available = 4ULL << 30;
	c->features.page_size = 4096;
	be->ops = &fake_ops;
	be->ctx = c;
	c->be = be;
	fake_backend_add_user(be, "root", 0);
	fake_backend_add_user(be, "nobody", 65534);
	fake_backend_add_group(be, "root", 0);
	fake_backend_add_group(be, "nogroup", 65534);
	return be;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct rcapfs_proc *pa = a, *pb = b;

	return (pa->pid > pb->pid) - (pa->pid < pb->pid);
}

void fake_backend_set_procs(struct rcapfs_backend *be,
			    const struct rcapfs_proc *procs, size_t n)
{
	struct fake_ctx *c = ctx_of(be);
	struct rcapfs_proc *copy = xcalloc(n, sizeof(*copy));

	for (size_t i = 0; i < n; i++)
		copy_proc(&copy[i], &procs[i],
			  RCAPFS_PROCS_CGROUP | RCAPFS_PROCS_RLIMIT);
	qsort(copy, n, sizeof(*copy), cmp_pid);

	pthread_mutex_lock(&c->lock);
	free_procs(c);
	c->procs = copy;
	c->nprocs = n;
	pthread_mutex_unlock(&c->lock);
}

/* The process pid of the table, which must exist. Under c->lock. */
static struct rcapfs_proc *must_proc(struct fake_ctx *c, pid_t pid)
{
	struct rcapfs_proc *p = find_proc(c, pid);

	if (!p)
		die("no such process", pid);
	return p;
}

void fake_backend_set_rss(struct rcapfs_backend *be, pid_t pid, uint64_t rss_kb,
			  uint64_t vm_kb)
{
	struct fake_ctx *c = ctx_of(be);
	struct rcapfs_proc *p;

	pthread_mutex_lock(&c->lock);
	p = must_proc(c, pid);
	p->rss_kb = rss_kb;
	p->vm_kb = vm_kb;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_set_meminfo(struct rcapfs_backend *be,
			      const struct rcapfs_meminfo *mi)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	c->mi = *mi;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_add_user(struct rcapfs_backend *be, const char *name,
			   uid_t uid)
{
	struct fake_ctx *c = ctx_of(be);

	add_name(c, &c->users, &c->nusers, name, (unsigned)uid);
}

void fake_backend_fail_proc(struct rcapfs_backend *be, int err)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	c->proc_err = err;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_add_group(struct rcapfs_backend *be, const char *name,
			    gid_t gid)
{
	struct fake_ctx *c = ctx_of(be);

	add_name(c, &c->groups, &c->ngroups, name, (unsigned)gid);
}

static unsigned read_counter(const struct rcapfs_backend *be,
			     const unsigned *counter)
{
	struct fake_ctx *c = ctx_of(be);
	unsigned v;

	pthread_mutex_lock(&c->lock);
	v = *counter;
	pthread_mutex_unlock(&c->lock);
	return v;
}

unsigned fake_backend_walks(const struct rcapfs_backend *be)
{
	return read_counter(be, &ctx_of(be)->walks);
}

unsigned fake_backend_samples(const struct rcapfs_backend *be)
{
	return read_counter(be, &ctx_of(be)->samples);
}

void fake_backend_set_features(struct rcapfs_backend *be,
			       const struct rcapfs_features *f)
{
	struct fake_ctx *c = ctx_of(be);

	if (f->page_size < 1024 || (f->page_size & (f->page_size - 1)))
		die("page size must be a power of two >= 1024", 0);
	pthread_mutex_lock(&c->lock);
	c->features = *f;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_set_swap(struct rcapfs_backend *be, uint64_t bytes)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	c->mi.swap_total = bytes;
	c->mi.swap_free = bytes + c->swap_used;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_add_mapping(struct rcapfs_backend *be, pid_t pid,
			      const struct rcapfs_mapping *m)
{
	struct fake_ctx *c = ctx_of(be);
	struct fake_map fm, *grown;
	struct fake_as *as;
	size_t pos = 0;

	pthread_mutex_lock(&c->lock);
	must_proc(c, pid);
	if (m->start >= m->end || !aligned(c, m->start) || !aligned(c, m->end))
		die("mapping not page aligned", pid);
	as = get_as(c, pid);
	while (pos < as->nmaps && as->maps[pos].m.start < m->start)
		pos++;
	if ((pos > 0 && as->maps[pos - 1].m.end > m->start) ||
	    (pos < as->nmaps && as->maps[pos].m.start < m->end))
		die("mappings overlap", pid);
	memset(&fm, 0, sizeof(fm));
	fm.m = *m;
	fm.m.name = NULL;
	if (!fm.m.kernel_page_kb)
		fm.m.kernel_page_kb = (uint32_t)page_kb(c);
	if (!fm.m.mmu_page_kb)
		fm.m.mmu_page_kb = fm.m.kernel_page_kb;
	fm.name = xstrdup(m->name ? m->name : "");
	fm.npages = (m->end - m->start) / c->features.page_size;
	fm.pages = xcalloc(fm.npages, 1);
	fm.advised = xcalloc(fm.npages, sizeof(*fm.advised));
	grown = realloc(as->maps, (as->nmaps + 1) * sizeof(*grown));
	if (!grown)
		oom();
	as->maps = grown;
	memmove(&grown[pos + 1], &grown[pos],
		(as->nmaps - pos) * sizeof(*grown));
	grown[pos] = fm;
	as->nmaps++;
	pthread_mutex_unlock(&c->lock);
}

/* The index of pid's mapping that starts at start; aborts when there is
 * none. Under c->lock. */
static size_t must_map(struct fake_as *as, pid_t pid, uint64_t start)
{
	size_t i = 0;

	while (i < as->nmaps && as->maps[i].m.start != start)
		i++;
	if (i == as->nmaps)
		die("no mapping there", pid);
	return i;
}

void fake_backend_remove_mapping(struct rcapfs_backend *be, pid_t pid,
				 uint64_t start)
{
	struct fake_ctx *c = ctx_of(be);
	struct fake_as *as;
	size_t i;

	pthread_mutex_lock(&c->lock);
	as = get_as(c, pid);
	i = must_map(as, pid, start);
	free_map(&as->maps[i]);
	memmove(&as->maps[i], &as->maps[i + 1],
		(as->nmaps - i - 1) * sizeof(*as->maps));
	as->nmaps--;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_set_map_flags(struct rcapfs_backend *be, pid_t pid,
				uint64_t start, uint32_t flags)
{
	struct fake_ctx *c = ctx_of(be);
	struct fake_as *as;

	pthread_mutex_lock(&c->lock);
	as = get_as(c, pid);
	as->maps[must_map(as, pid, start)].m.flags = flags;
	pthread_mutex_unlock(&c->lock);
}

/* Apply fn to every page of [start, end) of pid that a mapping holds.
 * Under c->lock. */
static void each_page(struct fake_ctx *c, pid_t pid, uint64_t start,
		      uint64_t end,
		      void (*fn)(struct fake_ctx *c, struct fake_map *fm,
				 uint8_t *pg, const void *arg),
		      const void *arg)
{
	uint64_t ps = c->features.page_size;
	struct fake_as *as = find_as(c, pid);

	if (!as || !aligned(c, start) || !aligned(c, end))
		die("no address space, or range not page aligned", pid);
	for (uint64_t a = start; a < end; a += ps) {
		struct fake_map *fm = find_map(as, a);

		if (fm)
			fn(c, fm, &fm->pages[(a - fm->m.start) / ps], arg);
	}
}

/* What a touch does, and the major faults it took. */
struct touch {
	bool write;
	uint64_t majflt;
};

static void touch_page(struct fake_ctx *c, struct fake_map *fm, uint8_t *pg,
		       const void *arg)
{
	struct touch *t = (struct touch *)arg;
	bool write = t->write;
	uint32_t flags = fm->m.flags;

	if (!present(*pg)) {
		/* Brought back after a pageout: from disk or swap. */
		if ((*pg & RCAPFS_PAGE_SWAPPED) || fm->advised[pg - fm->pages])
			t->majflt++;
		if (*pg & RCAPFS_PAGE_SWAPPED)
			c->swap_used -= c->features.page_size;
		*pg &= (uint8_t) ~(RCAPFS_PAGE_SWAPPED | RCAPFS_PAGE_ZERO);
		*pg |= RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE;
		if (flags & (RCAPFS_MAP_ANON | RCAPFS_MAP_SYSV))
			*pg |= PAGE_ANON;
	}
	*pg |= RCAPFS_PAGE_REFERENCED;
	if (write) {
		*pg |= RCAPFS_PAGE_DIRTY | PAGE_MODIFIED;
		if (!(flags & RCAPFS_MAP_SHARED))
			*pg |= PAGE_ANON;
	}
}

void fake_backend_touch(struct rcapfs_backend *be, pid_t pid, uint64_t start,
			uint64_t end, bool write)
{
	struct fake_ctx *c = ctx_of(be);
	struct touch t = {.write = write, .majflt = 0};
	struct rcapfs_proc *p;

	pthread_mutex_lock(&c->lock);
	each_page(c, pid, start, end, touch_page, &t);
	p = find_proc(c, pid);
	if (p)
		p->majflt += t.majflt;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_run(struct rcapfs_backend *be, pid_t pid, uint64_t ticks)
{
	struct fake_ctx *c = ctx_of(be);
	struct rcapfs_proc *p;

	pthread_mutex_lock(&c->lock);
	p = find_proc(c, pid);
	if (!p)
		die("run: no such process", pid);
	p->cpu_ticks += ticks;
	pthread_mutex_unlock(&c->lock);
}

uint64_t fake_backend_majflt(struct rcapfs_backend *be, pid_t pid)
{
	struct fake_ctx *c = ctx_of(be);
	struct rcapfs_proc *p;
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	p = find_proc(c, pid);
	if (!p)
		die("majflt: no such process", pid);
	n = p->majflt;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void set_page(struct fake_ctx *c, struct fake_map *fm, uint8_t *pg,
		     const void *arg)
{
	const uint8_t *sc = arg;

	*pg = (uint8_t)((*pg | (sc[0] & PAGE_VISIBLE)) &
			~(sc[1] & PAGE_VISIBLE));
}

void fake_backend_set_page_flags(struct rcapfs_backend *be, pid_t pid,
				 uint64_t start, uint64_t end, uint8_t set,
				 uint8_t clear)
{
	struct fake_ctx *c = ctx_of(be);
	const uint8_t sc[2] = {set, clear};

	pthread_mutex_lock(&c->lock);
	each_page(c, pid, start, end, set_page, sc);
	pthread_mutex_unlock(&c->lock);
}

uint8_t fake_backend_page_flags(struct rcapfs_backend *be, pid_t pid,
				uint64_t addr)
{
	struct fake_ctx *c = ctx_of(be);
	struct fake_as *as;
	struct fake_map *fm;
	uint8_t pg = 0;

	pthread_mutex_lock(&c->lock);
	as = find_as(c, pid);
	fm = as ? find_map(as, addr) : NULL;
	if (fm)
		pg = fm->pages[(addr - fm->m.start) / c->features.page_size] &
		     PAGE_VISIBLE;
	pthread_mutex_unlock(&c->lock);
	return pg;
}

static void count_present(struct fake_ctx *c, struct fake_map *fm, uint8_t *pg,
			  const void *arg)
{
	*(uint64_t *)arg += present(*pg) ? page_kb(c) : 0;
}

uint64_t fake_backend_present_kb(struct rcapfs_backend *be, pid_t pid,
				 uint64_t start, uint64_t end)
{
	struct fake_ctx *c = ctx_of(be);
	uint64_t kb = 0;

	pthread_mutex_lock(&c->lock);
	each_page(c, pid, start, end, count_present, &kb);
	pthread_mutex_unlock(&c->lock);
	return kb;
}

static void count_advised(struct fake_ctx *c, struct fake_map *fm, uint8_t *pg,
			  const void *arg)
{
	*(uint64_t *)arg += fm->advised[pg - fm->pages];
}

uint64_t fake_backend_pageouts(struct rcapfs_backend *be, pid_t pid,
			       uint64_t start, uint64_t end)
{
	struct fake_ctx *c = ctx_of(be);
	uint64_t n = 0;

	pthread_mutex_lock(&c->lock);
	each_page(c, pid, start, end, count_advised, &n);
	pthread_mutex_unlock(&c->lock);
	return n;
}

void fake_backend_exit(struct rcapfs_backend *be, pid_t pid)
{
	struct fake_ctx *c = ctx_of(be);
	struct rcapfs_proc *p;

	pthread_mutex_lock(&c->lock);
	p = must_proc(c, pid);
	free(p->cgroup);
	memmove(p, p + 1,
		(size_t)(c->procs + c->nprocs - (p + 1)) * sizeof(*p));
	c->nprocs--;
	drop_as(c, pid);
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_reuse_pid(struct rcapfs_backend *be, pid_t pid,
			    uint64_t new_start_ticks)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	must_proc(c, pid)->start_ticks = new_start_ticks;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_counts(struct rcapfs_backend *be,
			 struct fake_backend_counts *out)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	*out = c->counts;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_set_pageout_hook(struct rcapfs_backend *be,
				   fake_pageout_hook hook, void *arg)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	c->hook = hook;
	c->hook_arg = arg;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_set_sample_hook(struct rcapfs_backend *be,
				  fake_sample_hook hook, void *arg)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	c->sample_hook = hook;
	c->sample_hook_arg = arg;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_set_can(struct rcapfs_backend *be, unsigned can)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	c->can_set = true;
	c->can = can;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_enable_forks(struct rcapfs_backend *be)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	c->forks_enabled = true;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_fork(struct rcapfs_backend *be, pid_t parent, pid_t child)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	if (c->nforks == FAKE_BACKEND_FORKS) {
		fprintf(stderr, "fake_backend: fork queue full\n");
		abort();
	}
	c->forks[c->nforks++] = (struct rcapfs_fork){parent, child};
	pthread_cond_signal(&c->forks_cond);
	pthread_mutex_unlock(&c->lock);
}

bool fake_backend_forks_drained(struct rcapfs_backend *be)
{
	struct fake_ctx *c = ctx_of(be);
	bool drained;

	pthread_mutex_lock(&c->lock);
	drained = c->nforks == 0 && c->forks_waiting;
	pthread_mutex_unlock(&c->lock);
	return drained;
}
