#include "config.h"

#include "compat/linux/linux_i.h"

#include "compat/buf.h"
#include "compat/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

/*
 * The backend itself: what the kernel offers, probed once at creation, and
 * the ops table that the other files of compat/linux/ fill.
 */

#define THP_DIR "kernel/mm/transparent_hugepage/"

static int linux_features(void *ctx, struct rcapfs_features *out)
{
	const struct linux_ctx *c = ctx;

	*out = c->features;
	return 0;
}

static unsigned linux_can(void *ctx)
{
	const struct linux_ctx *c = ctx;

	return c->can;
}

static void linux_free(void *ctx)
{
	struct linux_ctx *c = ctx;

	if (!c)
		return;
	if (c->proc_dir)
		closedir(c->proc_dir);
	if (c->proc_fd >= 0)
		close(c->proc_fd);
	if (c->sys_fd >= 0)
		close(c->sys_fd);
	pthread_mutex_destroy(&c->dir_lock);
	linux_pidns_free(c->pidns);
	free(c);
}

static const struct rcapfs_backend_ops linux_ops = {
	.name = "linux",
	.procs = linux_procs,
	.proc = linux_proc,
	.proc_sample = linux_proc_sample,
	.meminfo = linux_meminfo,
	.features = linux_features,
	.can = linux_can,
	.user_uid = linux_user_uid,
	.group_gid = linux_group_gid,
	.task_open = linux_task_open,
	.task_close = linux_task_close,
	.task_alive = linux_task_alive,
	.task_rss = linux_task_rss,
	.task_pss = linux_task_pss,
	.task_pfns = linux_task_pfns,
	.mappings = linux_mappings,
	.pages = linux_pages,
	.clear = linux_clear,
	.pageout = linux_pageout,
	.forks_open = linux_forks_open,
	.forks_wait = linux_forks_wait,
	.forks_close = linux_forks_close,
	.detach_mount = linux_detach_mount,
	.pidns_of = linux_pidns_of,
	.pids_to_ns = linux_pids_to_ns,
	.pid_from_ns = linux_pid_from_ns,
	.pidns_initial = linux_pidns_initial,
	.free = linux_free,
};

/* An invalid pidfd gets EBADF only from a kernel that has the call. */
static bool probe_process_madvise(void)
{
	return linux_process_madvise(-1, NULL, 0, MADV_COLD) < 0 &&
	       errno == EBADF;
}

/* A wrong struct size gets EINVAL from a pagemap that knows the ioctl,
 * ENOTTY from one that has no ioctls. */
static bool probe_pagemap_scan(int pagemap_fd)
{
	struct scan_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg) + 8;
	return ioctl(pagemap_fd, SCAN_IOCTL, &arg) < 0 && errno == EINVAL;
}

/* Our pagemap entry of page; 0 (absent) when it cannot be read. The PFN
 * field reads 0 for unprivileged readers. */
static uint64_t probe_entry(int pagemap_fd, const void *page, size_t page_size)
{
	off_t off = (off_t)((uintptr_t)page / page_size * sizeof(uint64_t));
	uint64_t entry;

	if (pread(pagemap_fd, &entry, sizeof(entry), off) !=
	    (ssize_t)sizeof(entry))
		return 0;
	return entry;
}

/* The PFN of a zero page mapped at page by a read fault: present and
 * shared (a page of its own would be exclusive; some kernels, a virtual
 * machine's with pvm_no_zero_page=1 for one, map no zero page). 0 when
 * there is none, or PFNs are hidden. */
static uint64_t probe_zero_pfn(int pagemap_fd, const void *page,
			       size_t page_size)
{
	uint64_t e = probe_entry(pagemap_fd, page, page_size);

	if ((e & (PM_PRESENT | PM_EXCLUSIVE)) != PM_PRESENT)
		return 0;
	return e & PM_PFN_MASK;
}

/* Whether the blank-separated words of [p, end) include w. */
static bool has_word(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	while (p < end) {
		const char *e;

		while (p < end && *p == ' ')
			p++;
		for (e = p; e < end && *e != ' '; e++)
			;
		if ((size_t)(e - p) == n && memcmp(p, w, n) == 0)
			return true;
		p = e;
	}
	return false;
}

/* A kernel built with soft-dirty marks every new mapping "sd" in the
 * VmFlags of smaps; look for the mapping that holds page. */
static bool probe_soft_dirty(const struct linux_ctx *c, const void *page)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	uintptr_t addr = (uintptr_t)page;
	bool in_map = false, found = false;
	const char *line, *nl, *p;
	unsigned long long lo, hi;
	char *e;
	int fd, ret;

	fd = openat(c->proc_fd, "self/smaps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ret = linux_read_rest(fd, &b, 65536);
	close(fd);
	for (line = b.data; !ret && line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		/* A mapping starts with "lo-hi perms ...". */
		lo = strtoull(line, &e, 16);
		if (e != line && *e == '-') {
			p = e + 1;
			hi = strtoull(p, &e, 16);
			if (e != p && *e == ' ') {
				in_map = lo <= addr && addr < hi;
				continue;
			}
		}
		if (in_map && strncmp(line, "VmFlags:", 8) == 0) {
			found = has_word(line + 8,
					 nl ? nl : line + strlen(line), "sd");
			break;
		}
	}
	rcapfs_buf_release(&b);
	return found;
}

/*
 * Learn the PFNs of the huge zero page, which a read fault maps in a
 * region eligible for transparent huge pages: it is shared, so not
 * exclusive (a real huge page would be). Nothing is learnt without THP.
 */
static void probe_huge_zero(struct linux_ctx *c, int pagemap_fd)
{
	const size_t ps = (size_t)c->page_size;
	char buf[64], *end;
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	const char *data;
	uint64_t huge, pfn;
	size_t len;
	char *map, *p;

	/* One short line: what does not fit in buf is no size. */
	if (linux_read_record(c->sys_fd, THP_DIR "hpage_pmd_size", buf,
			      sizeof(buf) - 1, &big, &data, &len) ||
	    data != buf)
		goto out;
	buf[len] = '\0';
	huge = strtoull(buf, &end, 10);
	if (end == buf || huge < ps || huge % ps)
		goto out;
	map = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		goto out;
	p = map + (huge - (uintptr_t)map % huge) % huge;
	/* The value read is used, as in probe_features. */
	if (madvise(p, huge, MADV_HUGEPAGE) == 0 && *(volatile char *)p == 0 &&
	    (pfn = probe_zero_pfn(pagemap_fd, p, ps)) != 0 &&
	    pfn != c->zero_pfn) {
		c->huge_zero_pfn = pfn;
		c->huge_zero_pages = huge / ps;
	}
	munmap(map, 2 * huge);
out:
	rcapfs_buf_release(&big);
}

/*
 * Probe what the kernel offers, once. A fixture proc root is no procfs:
 * there is no "self" to probe, its pagemap files are regular files that
 * take no ioctl, and their bits are taken as they are, so PFNs and
 * soft-dirty bits count as visible there. RCAPFS_NO_PAGEMAP_SCAN=1 in the
 * environment turns PAGEMAP_SCAN off, so tests can run the pagemap reads
 * that stand in for it on older kernels.
 */
static void probe_features(struct linux_ctx *c)
{
	struct rcapfs_features *f = &c->features;
	const char *no_scan = getenv("RCAPFS_NO_PAGEMAP_SCAN");
	size_t page_size = (size_t)c->page_size;
	bool zero_read;
	char *page;
	uint64_t e;
	int fd;

	f->page_size = (uint32_t)c->page_size;
	f->process_madvise = probe_process_madvise();
	f->idle_page_tracking = faccessat(c->sys_fd, IDLE_BITMAP, F_OK, 0) == 0;
	f->cgroup_v2 = faccessat(c->sys_fd, "fs/cgroup/cgroup.controllers",
				 F_OK, 0) == 0;
	f->clear_refs = faccessat(c->proc_fd, "self/clear_refs", F_OK, 0) == 0;
	if (!c->is_procfs) {
		f->pfn_visible = true;
		f->soft_dirty = true;
		return;
	}

	/* Two pages: the first written, the second only read, which maps
	 * the zero page there where the kernel has one. */
	page = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		log_warn("cannot map a page to probe kernel features: %s",
			 strerror(errno));
		return;
	}
	*(volatile char *)page = 1;
	zero_read = *(volatile char *)(page + page_size) == 0;
	fd = openat(c->proc_fd, "self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		f->pagemap_scan = probe_pagemap_scan(fd) &&
				  !(no_scan && strcmp(no_scan, "1") == 0);
		e = probe_entry(fd, page, page_size);
		f->pfn_visible = (e & PM_PRESENT) && (e & PM_PFN_MASK);
		/* The read's value is used: a load that leads nowhere may
		 * be dropped (valgrind does), and fault nothing in. */
		if (f->pfn_visible && zero_read)
			c->zero_pfn =
				probe_zero_pfn(fd, page + page_size, page_size);
		if (c->zero_pfn)
			probe_huge_zero(c, fd);
		close(fd);
	}
	f->soft_dirty = probe_soft_dirty(c, page);
	munmap(page, 2 * page_size);
}

/* What the backend can do with the features found. Pageout and fork
 * events act on the system's processes by their pidfds and pids: a
 * fixture root's processes have neither. */
static unsigned can_of(const struct linux_ctx *c)
{
	unsigned can =
		RCAPFS_CAN_PAGE_PRESENT | rcapfs_features_can(&c->features);

	if (c->features.process_madvise && c->is_procfs)
		can |= RCAPFS_CAN_PAGEOUT;
	if (c->is_procfs)
		can |= RCAPFS_CAN_FORK_EVENTS;
	return can;
}

int rcapfs_backend_new(const char *proc_root, const char *sys_root,
		       struct rcapfs_backend **out)
{
	struct rcapfs_backend *be = NULL;
	struct linux_ctx *c;
	struct statfs sfs;
	long page_size;
	int fd, ret;

	*out = NULL;
	if (!proc_root || !sys_root)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->proc_fd = -1;
	c->sys_fd = -1;
	pthread_mutex_init(&c->dir_lock, NULL);
	be = calloc(1, sizeof(*be));
	if (!be) {
		ret = -ENOMEM;
		goto fail;
	}
	c->proc_fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->proc_fd < 0) {
		ret = -errno;
		log_err("cannot open the proc root %s: %s", proc_root,
			strerror(-ret));
		goto fail;
	}
	c->sys_fd = open(sys_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->sys_fd < 0) {
		ret = -errno;
		log_err("cannot open the sys root %s: %s", sys_root,
			strerror(-ret));
		goto fail;
	}
	/* The walk gets its own fd: closedir() closes it, and the shared
	 * offset of a dup means nothing to openat() on proc_fd. */
	fd = fcntl(c->proc_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	c->proc_dir = fdopendir(fd);
	if (!c->proc_dir) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	page_size = sysconf(_SC_PAGESIZE);
	if (page_size < 1024) {
		ret = -EINVAL;
		goto fail;
	}
	c->page_size = (uint64_t)page_size;
	c->page_kb = c->page_size / 1024;
	c->is_procfs = fstatfs(c->proc_fd, &sfs) == 0 &&
		       sfs.f_type == PROC_SUPER_MAGIC;
	ret = linux_pidns_new(c->proc_fd, c->is_procfs, &c->pidns);
	if (ret)
		goto fail;
	probe_features(c);
	c->can = can_of(c);
	be->ops = &linux_ops;
	be->ctx = c;
	*out = be;
	return 0;
fail:
	linux_free(c);
	free(be);
	return ret;
}
