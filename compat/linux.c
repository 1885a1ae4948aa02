#include "config.h"

#include "compat/backend.h"

#include "compat/buf.h"
#include "compat/log.h"
#include "compat/procparse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif

/* struct pm_scan_arg (Linux 6.7): twelve u64, the first one its size. */
struct pm_scan_arg_probe {
	uint64_t size;
	uint64_t rest[11];
};

#ifndef PAGEMAP_SCAN
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg_probe)
#endif

/* A stat line is about 350 bytes and cannot reach 2 KiB: one read. */
#define STAT_SIZE 2048
/* status, cgroup and meminfo take one read unless unusually long (status
 * grows with the CPU count); the rest then goes to the heap. */
#define RECORD_SIZE 4096
/* "PID/status": 10 digits, '/', the longest file name, NUL. */
#define PID_PATH_SIZE 32
/* getpwnam_r/getgrnam_r buffers stop growing here. */
#define NAME_BUF_MAX (1024 * 1024)

struct linux_ctx {
	int proc_fd;
	int sys_fd;
	DIR *proc_dir;		  /* on a dup of proc_fd, rewound per walk */
	pthread_mutex_t dir_lock; /* a DIR has one read position */
	uint64_t page_kb;
	struct rcapfs_features features;
};

/* Write "PID/file" into dst (PID_PATH_SIZE bytes), without stdio. */
static void pid_path(char *dst, pid_t pid, const char *file)
{
	char digits[12];
	unsigned v = (unsigned)pid;
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*dst++ = digits[--n];
	*dst++ = '/';
	memcpy(dst, file, strlen(file) + 1);
}

/* Read fd until end of file onto b. Returns 0 or -errno. */
static int read_rest(int fd, struct rcapfs_buf *b, size_t chunk)
{
	ssize_t n;
	int ret;

	for (;;) {
		ret = rcapfs_buf_reserve(b, chunk);
		if (ret)
			return ret;
		n = read(fd, b->data + b->len, chunk);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
}

/*
 * Read a /proc file made of one record (stat, status, cgroup, meminfo).
 * procfs hands such a record over whole, so a read that does not fill stack
 * is the end of the file and the common case costs one open, one read and
 * one close. A longer file continues into big. On 0, *data and *len describe
 * the contents (in stack or in big). Returns 0 or -errno.
 */
static int read_record(int dirfd, const char *path, char *stack, size_t size,
		       struct rcapfs_buf *big, const char **data, size_t *len)
{
	ssize_t n;
	int fd, ret = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, stack, size);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if ((size_t)n < size) {
		*data = stack;
		*len = (size_t)n;
		goto out;
	}
	ret = rcapfs_buf_add(big, stack, (size_t)n);
	if (!ret)
		ret = read_rest(fd, big, size);
	if (!ret) {
		*data = big->data;
		*len = big->len;
	}
out:
	close(fd);
	return ret;
}

/* Read PID/file as a record. A process that is gone reads as -ESRCH,
 * whether its directory is gone (ENOENT) or it exited between open and
 * read (ESRCH, or nothing to read). */
static int read_pid_file(const struct linux_ctx *c, pid_t pid, const char *file,
			 char *stack, size_t size, struct rcapfs_buf *big,
			 const char **data, size_t *len)
{
	char path[PID_PATH_SIZE];
	int ret;

	pid_path(path, pid, file);
	ret = read_record(c->proc_fd, path, stack, size, big, data, len);
	if (ret == -ENOENT || (ret == 0 && *len == 0))
		return -ESRCH;
	return ret;
}

/* A /proc file the kernel would never write: say so, it is a surprise. */
static int malformed(pid_t pid, const char *file)
{
	log_warn("proc root: cannot parse %d/%s", (int)pid, file);
	return -EINVAL;
}

/*
 * Read one process: stat, status, and cgroup when flags ask for it. Kernel
 * threads and thread ids are -ESRCH: they have no memory of their own to
 * cap. Returns 0 (out->cgroup then owned by the caller) or -errno.
 */
static int read_proc(const struct linux_ctx *c, pid_t pid, unsigned flags,
		     struct rcapfs_proc *out)
{
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	struct rcapfs_procparse_stat st;
	struct rcapfs_procparse_status ss;
	const char *data, *path;
	size_t len, path_len;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = read_pid_file(c, pid, "stat", buf, sizeof(buf), &big, &data,
			    &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_stat(data, len, &st) || st.pid != pid) {
		ret = malformed(pid, "stat");
		goto out;
	}
	if (st.flags & RCAPFS_PF_KTHREAD) {
		ret = -ESRCH;
		goto out;
	}

	rcapfs_buf_reset(&big);
	ret = read_pid_file(c, pid, "status", buf, sizeof(buf), &big, &data,
			    &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_status(data, len, &ss)) {
		ret = malformed(pid, "status");
		goto out;
	}
	if (ss.tgid != pid) {
		ret = -ESRCH;
		goto out;
	}

	out->pid = pid;
	out->ppid = st.ppid;
	out->ruid = ss.ruid;
	out->rgid = ss.rgid;
	out->start_ticks = st.start_ticks;
	/* The same counters in both files, status in kB. Without an mm (a
	 * zombie) status has no Vm lines and stat shows zeros. */
	out->rss_kb = ss.has_vm ? ss.rss_kb : st.rss_pages * c->page_kb;
	out->vm_kb = ss.has_vm ? ss.vm_kb : st.vsize_bytes / 1024;
	memcpy(out->comm, st.comm, sizeof(out->comm));

	if (!(flags & RCAPFS_PROCS_CGROUP))
		goto out;
	rcapfs_buf_reset(&big);
	ret = read_pid_file(c, pid, "cgroup", buf, sizeof(buf), &big, &data,
			    &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_cgroup(data, len, &path, &path_len)) {
		ret = malformed(pid, "cgroup");
		goto out;
	}
	if (path) {
		out->cgroup = strndup(path, path_len);
		if (!out->cgroup)
			ret = -ENOMEM;
	}
out:
	rcapfs_buf_release(&big);
	return ret;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The numeric entries of the proc root, ascending. Returns 0 (*pids to be
 * freed by the caller) or -errno. */
static int list_pids(struct linux_ctx *c, pid_t **pids, size_t *n)
{
	pid_t *v = NULL, *grown;
	size_t len = 0, cap = 0;
	struct dirent *de;
	pid_t pid;
	int ret = 0;

	pthread_mutex_lock(&c->dir_lock);
	rewinddir(c->proc_dir);
	for (;;) {
		errno = 0;
		de = readdir(c->proc_dir);
		if (!de) {
			ret = -errno;
			break;
		}
		if (rcapfs_procparse_pid(de->d_name, strlen(de->d_name), &pid))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 256;
			grown = reallocarray(v, cap, sizeof(*v));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			v = grown;
		}
		v[len++] = pid;
	}
	pthread_mutex_unlock(&c->dir_lock);
	if (ret) {
		free(v);
		return ret;
	}
	/* procfs lists pids in order already; a fixture tree may not. */
	qsort(v, len, sizeof(*v), cmp_pid);
	*pids = v;
	*n = len;
	return 0;
}

static int linux_procs(void *ctx, unsigned flags, struct rcapfs_proc_list *out)
{
	struct linux_ctx *c = ctx;
	struct rcapfs_proc_list list = {NULL, 0};
	pid_t *pids = NULL;
	size_t npids = 0;
	int ret;

	out->procs = NULL;
	out->n = 0;
	if (flags & ~RCAPFS_PROCS_CGROUP)
		return -EINVAL;
	ret = list_pids(c, &pids, &npids);
	if (ret)
		return ret;
	list.procs = calloc(npids ? npids : 1, sizeof(*list.procs));
	if (!list.procs) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < npids; i++) {
		ret = read_proc(c, pids[i], flags, &list.procs[list.n]);
		if (ret == 0) {
			list.n++;
			continue;
		}
		/* Gone, not a process, hidden from us (hidepid), or
		 * malformed (logged): leave it out and go on. */
		if (ret != -ESRCH && ret != -EACCES && ret != -EPERM &&
		    ret != -EINVAL)
			goto out;
	}
	ret = 0;
	*out = list;
	list.procs = NULL;
	list.n = 0;
out:
	rcapfs_proc_list_free(&list);
	free(pids);
	return ret;
}

static int linux_proc(void *ctx, pid_t pid, unsigned flags,
		      struct rcapfs_proc *out)
{
	if (pid <= 0 || (flags & ~RCAPFS_PROCS_CGROUP)) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return read_proc(ctx, pid, flags, out);
}

static int linux_proc_sample(void *ctx, pid_t pid, uint64_t start_ticks,
			     uint64_t *rss_kb, uint64_t *vm_kb)
{
	struct linux_ctx *c = ctx;
	char buf[STAT_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	struct rcapfs_procparse_stat st;
	const char *data;
	size_t len;
	int ret;

	if (pid <= 0)
		return -EINVAL;
	ret = read_pid_file(c, pid, "stat", buf, sizeof(buf), &big, &data,
			    &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_stat(data, len, &st) || st.pid != pid) {
		ret = malformed(pid, "stat");
		goto out;
	}
	if (st.start_ticks != start_ticks) {
		ret = -ESRCH;
		goto out;
	}
	*rss_kb = st.rss_pages * c->page_kb;
	*vm_kb = st.vsize_bytes / 1024;
out:
	rcapfs_buf_release(&big);
	return ret;
}

static int linux_meminfo(void *ctx, struct rcapfs_meminfo *out)
{
	struct linux_ctx *c = ctx;
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	const char *data;
	size_t len;
	int ret;

	ret = read_record(c->proc_fd, "meminfo", buf, sizeof(buf), &big, &data,
			  &len);
	if (ret == 0 && rcapfs_procparse_meminfo(data, len, out)) {
		log_warn("proc root: cannot parse meminfo");
		ret = -EINVAL;
	}
	rcapfs_buf_release(&big);
	return ret;
}

static int linux_features(void *ctx, struct rcapfs_features *out)
{
	const struct linux_ctx *c = ctx;

	*out = c->features;
	return 0;
}

/* One getpwnam_r or getgrnam_r: the id of name in *id, *found whether
 * there is one. Returns 0 or an errno value (ERANGE: buffer too small). */
typedef int (*name_lookup_fn)(const char *name, char *buf, size_t size,
			      unsigned *id, int *found);

static int lookup_user(const char *name, char *buf, size_t size, unsigned *id,
		       int *found)
{
	struct passwd pw, *res = NULL;
	int rc = getpwnam_r(name, &pw, buf, size, &res);

	*found = rc == 0 && res;
	if (*found)
		*id = (unsigned)pw.pw_uid;
	return rc;
}

static int lookup_group(const char *name, char *buf, size_t size, unsigned *id,
			int *found)
{
	struct group gr, *res = NULL;
	int rc = getgrnam_r(name, &gr, buf, size, &res);

	*found = rc == 0 && res;
	if (*found)
		*id = (unsigned)gr.gr_gid;
	return rc;
}

/* Run fn with a buffer that grows until the entry fits. Returns 0,
 * -ENOENT for an unknown name, or -errno. */
static int lookup_name(name_lookup_fn fn, const char *name, unsigned *id)
{
	size_t size = 1024;
	char *buf = NULL, *grown;
	int rc, found = 0;

	for (;;) {
		grown = realloc(buf, size);
		if (!grown) {
			rc = ENOMEM;
			break;
		}
		buf = grown;
		rc = fn(name, buf, size, id, &found);
		if (rc != ERANGE || size >= NAME_BUF_MAX)
			break;
		size *= 2;
	}
	free(buf);
	if (rc)
		return -rc;
	return found ? 0 : -ENOENT;
}

static int linux_user_uid(void *ctx, const char *name, uid_t *out)
{
	unsigned id;
	int ret = lookup_name(lookup_user, name, &id);

	if (ret == 0)
		*out = (uid_t)id;
	return ret;
}

static int linux_group_gid(void *ctx, const char *name, gid_t *out)
{
	unsigned id;
	int ret = lookup_name(lookup_group, name, &id);

	if (ret == 0)
		*out = (gid_t)id;
	return ret;
}

static int linux_detach_mount(void *ctx, const char *path)
{
	pid_t child;
	int status;

	if (umount2(path, MNT_DETACH) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	/* Not root: the setuid helper may detach a FUSE mount of ours. */
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		execlp("fusermount3", "fusermount3", "-u", "-z", "--", path,
		       (char *)NULL);
		_exit(127);
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
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
	free(c);
}

static const struct rcapfs_backend_ops linux_ops = {
	.name = "linux",
	.procs = linux_procs,
	.proc = linux_proc,
	.proc_sample = linux_proc_sample,
	.meminfo = linux_meminfo,
	.features = linux_features,
	.user_uid = linux_user_uid,
	.group_gid = linux_group_gid,
	.detach_mount = linux_detach_mount,
	.free = linux_free,
};

/* An invalid pidfd gets EBADF only from a kernel that has the call. */
static bool probe_process_madvise(void)
{
#ifdef SYS_process_madvise
	return syscall(SYS_process_madvise, -1, NULL, 0, MADV_COLD, 0) < 0 &&
	       errno == EBADF;
#else
	return false;
#endif
}

/* A wrong struct size gets EINVAL from a pagemap that knows the ioctl,
 * ENOTTY from one that has no ioctls. */
static bool probe_pagemap_scan(int pagemap_fd)
{
	struct pm_scan_arg_probe arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg) + 8;
	return ioctl(pagemap_fd, PAGEMAP_SCAN, &arg) < 0 && errno == EINVAL;
}

/* Unprivileged readers see the PFN field of pagemap zeroed. */
static bool probe_pfn_visible(int pagemap_fd, const void *page,
			      size_t page_size)
{
	const uint64_t present = 1ULL << 63, pfn_mask = (1ULL << 55) - 1;
	off_t off = (off_t)((uintptr_t)page / page_size * sizeof(uint64_t));
	uint64_t entry;

	if (pread(pagemap_fd, &entry, sizeof(entry), off) !=
	    (ssize_t)sizeof(entry))
		return false;
	return (entry & present) && (entry & pfn_mask);
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
	ret = read_rest(fd, &b, 65536);
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

/* Probe what the kernel offers, once. The probes on "self" read false on a
 * fixture proc root, which has none. */
static void probe_features(struct linux_ctx *c, size_t page_size)
{
	struct rcapfs_features *f = &c->features;
	char *page;
	int fd;

	f->process_madvise = probe_process_madvise();
	f->idle_page_tracking =
		faccessat(c->sys_fd, "kernel/mm/page_idle/bitmap", F_OK, 0) ==
		0;
	f->cgroup_v2 = faccessat(c->sys_fd, "fs/cgroup/cgroup.controllers",
				 F_OK, 0) == 0;

	page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		log_warn("cannot map a page to probe kernel features: %s",
			 strerror(errno));
		return;
	}
	/* Touch it: only a present page has a PFN to show. */
	*(volatile char *)page = 1;
	fd = openat(c->proc_fd, "self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		f->pagemap_scan = probe_pagemap_scan(fd);
		f->pfn_visible = probe_pfn_visible(fd, page, page_size);
		close(fd);
	}
	f->soft_dirty = probe_soft_dirty(c, page);
	munmap(page, page_size);
}

int rcapfs_backend_new(const char *proc_root, const char *sys_root,
		       struct rcapfs_backend **out)
{
	struct rcapfs_backend *be = NULL;
	struct linux_ctx *c;
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
	c->page_kb = (uint64_t)page_size / 1024;
	probe_features(c, (size_t)page_size);
	be->ops = &linux_ops;
	be->ctx = c;
	*out = be;
	return 0;
fail:
	linux_free(c);
	free(be);
	return ret;
}
