#include "config.h"

#include "compat/backend.h"

#include "compat/buf.h"
#include "compat/clock.h"
#include "compat/log.h"
#include "compat/procparse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* struct pm_scan_arg and struct page_region of Linux 6.7 (linux/fs.h),
 * under names of our own: the C library's headers may predate them. */
struct scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};

struct scan_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};

#define SCAN_IOCTL	_IOWR('f', 16, struct scan_arg)
#define SCAN_PRESENT	(1ULL << 3)
#define SCAN_SWAPPED	(1ULL << 4)
#define SCAN_PFNZERO	(1ULL << 5)
#define SCAN_SOFT_DIRTY (1ULL << 7)

/* The bits of a pagemap entry. */
#define PM_PFN_MASK   ((1ULL << 55) - 1)
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_EXCLUSIVE  (1ULL << 56)
#define PM_SWAPPED    (1ULL << 62)
#define PM_PRESENT    (1ULL << 63)

/* A stat line is about 350 bytes and cannot reach 2 KiB: one read. */
#define STAT_SIZE 2048
/* status, cgroup and meminfo take one read unless unusually long (status
 * grows with the CPU count); the rest then goes to the heap. */
#define RECORD_SIZE 4096
/* "PID/status": 10 digits, '/', the longest file name, NUL. */
#define PID_PATH_SIZE 32
/* getpwnam_r/getgrnam_r buffers stop growing here. */
#define NAME_BUF_MAX (1024 * 1024)
/* smaps and maps are read in steps of this much (smaps takes ~700 bytes
 * per mapping). */
#define TEXT_CHUNK 65536
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
/* A run of idle bitmap words read or written at once goes on through at
 * most this many words nobody asked about rather than split in two: a
 * system call costs more. Reading a word makes the kernel look at 64
 * pages, writing zeros costs it next to nothing. */
#define IDLE_READ_GAP_WORDS  2
#define IDLE_WRITE_GAP_WORDS 64
/* Idle bitmap words per read or write. */
#define IDLE_IO_WORDS 4096
/* process_madvise takes at most IOV_MAX iovecs and MAX_RW_COUNT (about
 * 2 GiB) a call; a smaller byte budget keeps each call short. */
#define PAGEOUT_IOVS	  1024
#define PAGEOUT_MAX_BYTES (1ULL << 30)

#define IDLE_BITMAP "kernel/mm/page_idle/bitmap"
#define THP_DIR	    "kernel/mm/transparent_hugepage/"

struct linux_ctx {
	int proc_fd;
	int sys_fd;
	DIR *proc_dir;		  /* on a dup of proc_fd, rewound per walk */
	pthread_mutex_t dir_lock; /* a DIR has one read position */
	uint64_t page_size;
	uint64_t page_kb;
	/* The proc root is a procfs, not a fixture tree: processes have
	 * pidfds and pagemap takes ioctls. */
	bool is_procfs;
	/* The zero page's PFN, and the first PFN and the size of the huge
	 * zero page (THP); 0 when unknown. */
	uint64_t zero_pfn;
	uint64_t huge_zero_pfn;
	uint64_t huge_zero_pages;
	struct rcapfs_features features;
};

/* A process held for memory work. Never changed once open, so any number
 * of threads may use it at once. */
struct rcapfs_task {
	pid_t pid;
	int pidfd; /* -1 without one: on a fixture root, or no pidfd_open */
	/* The PID directory: it stays bound to this very process, so
	 * whatever is opened through it never belongs to a later holder of
	 * the pid. */
	int dir_fd;
	int pagemap_fd;
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
 * The RSS limit of pid when finite: its soft RLIMIT_RSS (the kernel keeps
 * it at most the hard one, so it is min(soft, hard)). One prlimit(2), no
 * /proc read; on a fixture root the pids are nobody's, so there is none.
 * Returns 0 (a process whose limits we may not read has none for us) or
 * -ESRCH when it is gone.
 */
static int read_rlimit_rss(const struct linux_ctx *c, pid_t pid,
			   struct rcapfs_proc *out)
{
	struct rlimit rl;

	out->rlimit_rss_set = false;
	out->rlimit_rss_bytes = 0;
	if (!c->is_procfs)
		return 0;
	if (prlimit(pid, RLIMIT_RSS, NULL, &rl))
		return errno == ESRCH ? -ESRCH : 0;
	if (rl.rlim_cur == RLIM_INFINITY)
		return 0;
	out->rlimit_rss_set = true;
	out->rlimit_rss_bytes = (uint64_t)rl.rlim_cur;
	return 0;
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
	out->cpu_ticks = st.utime_ticks + st.stime_ticks;
	out->majflt = st.majflt;
	memcpy(out->comm, st.comm, sizeof(out->comm));

	if (flags & RCAPFS_PROCS_RLIMIT) {
		ret = read_rlimit_rss(c, pid, out);
		if (ret)
			goto out;
	}
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
	if (flags & ~(RCAPFS_PROCS_CGROUP | RCAPFS_PROCS_RLIMIT))
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
	if (pid <= 0 ||
	    (flags & ~(RCAPFS_PROCS_CGROUP | RCAPFS_PROCS_RLIMIT))) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return read_proc(ctx, pid, flags, out);
}

static int linux_proc_sample(void *ctx, pid_t pid, uint64_t start_ticks,
			     struct rcapfs_proc_usage *out)
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
	out->rss_kb = st.rss_pages * c->page_kb;
	out->vm_kb = st.vsize_bytes / 1024;
	out->cpu_ticks = st.utime_ticks + st.stime_ticks;
	out->majflt = st.majflt;
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

/* ---- Tasks: a process held through its pidfd and PID directory ---- */

/* Whether the process of t lives: 0, -ESRCH, or another -errno. With a
 * pidfd, it turns readable once the process has exited, zombie or not.
 * Without one, stat says: gone (the PID directory went with the process),
 * or a zombie. */
static int task_alive(const struct linux_ctx *c, struct rcapfs_task *t)
{
	char buf[STAT_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	struct rcapfs_procparse_stat st;
	struct pollfd pfd = {.fd = t->pidfd, .events = POLLIN};
	const char *data;
	size_t len;
	int n, ret;

	if (t->pidfd >= 0) {
		n = poll(&pfd, 1, 0);
		if (n < 0)
			return -errno;
		return n > 0 ? -ESRCH : 0;
	}
	ret = read_record(t->dir_fd, "stat", buf, sizeof(buf), &big, &data,
			  &len);
	if (ret == -ENOENT || ret == -ESRCH || (ret == 0 && len == 0))
		ret = -ESRCH;
	else if (ret == 0 && rcapfs_procparse_stat(data, len, &st))
		ret = malformed(t->pid, "stat");
	else if (ret == 0 && (st.state == 'Z' || st.state == 'X'))
		ret = -ESRCH;
	rcapfs_buf_release(&big);
	return ret;
}

/* Read file of t's PID directory as a record. A file that is missing or
 * reads empty is the process gone, if it no longer lives (-ESRCH). */
static int read_task_record(const struct linux_ctx *c, struct rcapfs_task *t,
			    const char *file, char *stack, size_t size,
			    struct rcapfs_buf *big, const char **data,
			    size_t *len)
{
	int ret, alive;

	ret = read_record(t->dir_fd, file, stack, size, big, data, len);
	if (ret == -ENOENT || ret == -ESRCH || (ret == 0 && *len == 0)) {
		alive = task_alive(c, t);
		if (alive)
			return alive;
	}
	return ret;
}

/* Read file of t's PID directory whole into b (smaps, maps), growing it
 * as needed. An empty file is the process gone if it no longer lives.
 * Returns 0 or -errno. */
static int read_task_text(const struct linux_ctx *c, struct rcapfs_task *t,
			  const char *file, struct rcapfs_buf *b)
{
	int fd, ret;

	fd = openat(t->dir_fd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		ret = read_rest(fd, b, TEXT_CHUNK);
		close(fd);
	}
	if (ret == -ENOENT || ret == -ESRCH || (ret == 0 && b->len == 0)) {
		int alive = task_alive(c, t);

		if (alive)
			return alive;
	}
	return ret;
}

/*
 * Check that t's PID directory holds pid as started at start_ticks (0:
 * whenever) and a live process with memory of its own: no kernel thread.
 * A pidfd refuses thread ids and tells an exit; without one, stat must not
 * show a zombie and status must show the pid as its own thread group.
 * Returns 0, -ESRCH, or another -errno.
 */
static int check_task(const struct linux_ctx *c, struct rcapfs_task *t,
		      uint64_t start_ticks)
{
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	struct rcapfs_procparse_stat st;
	struct rcapfs_procparse_status ss;
	const char *data;
	size_t len;
	int ret;

	ret = read_task_record(c, t, "stat", buf, sizeof(buf), &big, &data,
			       &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_stat(data, len, &st) || st.pid != t->pid) {
		ret = malformed(t->pid, "stat");
		goto out;
	}
	if ((st.flags & RCAPFS_PF_KTHREAD) ||
	    (start_ticks && st.start_ticks != start_ticks)) {
		ret = -ESRCH;
		goto out;
	}
	if (t->pidfd >= 0)
		goto out;
	if (st.state == 'Z' || st.state == 'X') {
		ret = -ESRCH;
		goto out;
	}
	rcapfs_buf_reset(&big);
	ret = read_task_record(c, t, "status", buf, sizeof(buf), &big, &data,
			       &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_status(data, len, &ss))
		ret = malformed(t->pid, "status");
	else if (ss.tgid != t->pid)
		ret = -ESRCH;
out:
	rcapfs_buf_release(&big);
	return ret;
}

static void task_free(struct rcapfs_task *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (t->dir_fd >= 0)
		close(t->dir_fd);
	if (t->pagemap_fd >= 0)
		close(t->pagemap_fd);
	free(t);
}

static int pidfd_open_call(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * The pidfd comes first: once it is held, the files opened after it
 * belong to its process if that process still lives after they are open,
 * because a pid is not reused before its process is reaped. On a fixture
 * root a pidfd of the fake pid would name some real process or none, so
 * there the files alone count.
 */
static int linux_task_open(void *ctx, pid_t pid, uint64_t start_ticks,
			   struct rcapfs_task **out)
{
	struct linux_ctx *c = ctx;
	char path[PID_PATH_SIZE];
	struct rcapfs_task *t;
	int ret;

	*out = NULL;
	if (pid <= 0)
		return -EINVAL;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->pid = pid;
	t->pidfd = t->dir_fd = t->pagemap_fd = -1;
	if (c->is_procfs) {
		t->pidfd = pidfd_open_call(pid);
		/* EINVAL, or ENOENT on newer kernels: a thread id, no
		 * process. ENOSYS: before Linux 5.3, or under valgrind 3.19,
		 * which does not know the call; the PID directory still pins
		 * the process then. */
		if (t->pidfd < 0 && errno != ENOSYS) {
			ret = errno == EINVAL || errno == ENOENT ? -ESRCH
								 : -errno;
			goto fail;
		}
	}
	pid_path(path, pid, "");
	t->dir_fd =
		openat(c->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dir_fd < 0) {
		ret = errno == ENOENT ? -ESRCH : -errno;
		goto fail;
	}
	ret = check_task(c, t, start_ticks);
	if (ret)
		goto fail;
	t->pagemap_fd = openat(t->dir_fd, "pagemap", O_RDONLY | O_CLOEXEC);
	if (t->pagemap_fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (t->pidfd >= 0) {
		ret = task_alive(c, t);
		if (ret)
			goto fail;
	}
	*out = t;
	return 0;
fail:
	task_free(t);
	return ret;
}

static void linux_task_close(void *ctx, struct rcapfs_task *t)
{
	if (t)
		task_free(t);
}

static int linux_task_alive(void *ctx, struct rcapfs_task *t)
{
	return task_alive(ctx, t);
}

static int linux_task_rss(void *ctx, struct rcapfs_task *t, uint64_t *rss_kb)
{
	struct linux_ctx *c = ctx;
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	uint64_t size, resident;
	const char *data;
	size_t len;
	int ret;

	ret = read_task_record(c, t, "statm", buf, sizeof(buf), &big, &data,
			       &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_statm(data, len, &size, &resident)) {
		ret = malformed(t->pid, "statm");
		goto out;
	}
	/* A process without an mm (a zombie) shows zeros. */
	if (size == 0) {
		ret = task_alive(c, t);
		if (ret)
			goto out;
	}
	*rss_kb = resident * c->page_kb;
out:
	rcapfs_buf_release(&big);
	return ret;
}

static int linux_task_pss(void *ctx, struct rcapfs_task *t, uint64_t *pss_kb)
{
	struct linux_ctx *c = ctx;
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	const char *data;
	size_t len;
	int ret;

	ret = read_task_record(c, t, "smaps_rollup", buf, sizeof(buf), &big,
			       &data, &len);
	if (ret == 0 && rcapfs_procparse_rollup_pss(data, len, pss_kb))
		ret = malformed(t->pid, "smaps_rollup");
	rcapfs_buf_release(&big);
	return ret;
}

/*
 * Parse smaps or maps text into out: two passes, the first to size the
 * arrays exactly, the second to fill them. Returns 0, -ENOMEM, or -EINVAL
 * (logged: the kernel never writes such a file).
 */
static int parse_mappings(pid_t pid, const char *file, const char *buf,
			  size_t len, struct rcapfs_mapping_list *out)
{
	struct rcapfs_procparse_vma v;
	size_t pos = 0, n = 0, name_bytes = 0, off = 0;
	uint64_t prev_end = 0;
	int ret;

	out->maps = NULL;
	out->n = 0;
	out->names = NULL;
	while ((ret = rcapfs_procparse_smaps_next(buf, len, &pos, &v)) == 1) {
		/* Ascending and apart, as the kernel walks them. */
		if (v.map.start < prev_end)
			return malformed(pid, file);
		prev_end = v.map.end;
		n++;
		name_bytes += v.name_len + 1;
	}
	if (ret)
		return malformed(pid, file);
	if (n == 0)
		return 0;
	out->maps = reallocarray(NULL, n, sizeof(*out->maps));
	out->names = malloc(name_bytes);
	if (!out->maps || !out->names) {
		rcapfs_mapping_list_free(out);
		return -ENOMEM;
	}
	pos = 0;
	for (size_t i = 0; i < n; i++) {
		rcapfs_procparse_smaps_next(buf, len, &pos, &v);
		memcpy(out->names + off, v.name, v.name_len);
		out->names[off + v.name_len] = '\0';
		out->maps[i] = v.map;
		out->maps[i].name = out->names + off;
		off += v.name_len + 1;
	}
	out->n = n;
	return 0;
}

static int linux_mappings(void *ctx, struct rcapfs_task *t,
			  struct rcapfs_mapping_list *out)
{
	struct linux_ctx *c = ctx;
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	int ret;

	out->maps = NULL;
	out->n = 0;
	out->names = NULL;
	ret = read_task_text(c, t, "smaps", &b);
	if (ret == 0)
		ret = parse_mappings(t->pid, "smaps", b.data, b.len, out);
	rcapfs_buf_release(&b);
	return ret;
}

/* ---- Pages: PAGEMAP_SCAN, pagemap entries, the idle bitmap ---- */

struct walk;

/* Takes the chunk a walk has just filled. Returns 0 or -errno. */
typedef int (*walk_fn)(struct walk *w);

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

static int walk_alloc_entries(struct walk *w)
{
	if (!w->ent)
		w->ent = reallocarray(NULL, w->cap, sizeof(*w->ent));
	return w->ent ? 0 : -ENOMEM;
}

/* Set up for idle bitmap work, the bitmap open with oflags. Returns 0 or
 * -errno. */
static int walk_alloc_idle(struct walk *w, int oflags)
{
	w->words = reallocarray(NULL, w->cap, sizeof(*w->words));
	w->vals = reallocarray(NULL, w->cap, sizeof(*w->vals));
	w->io = calloc(IDLE_IO_WORDS, sizeof(*w->io));
	if (!w->words || !w->vals || !w->io)
		return -ENOMEM;
	w->bitmap_fd = openat(w->c->sys_fd, IDLE_BITMAP, oflags | O_CLOEXEC);
	return w->bitmap_fd < 0 ? -errno : 0;
}

/*
 * Prepare a walk of t for chunks of up to cap pages (fewer for pages of
 * more than 16 KiB). want (RCAPFS_PAGE_*)
 * asks for the bits beyond present, swapped and zero, which are filled as
 * far as the kernel can tell them; entries asks for the pagemap entries;
 * scratch for flags of the walk's own. Release the walk
 * with walk_release, also after a failure. Returns 0 or -errno.
 */
static int walk_init(struct walk *w, const struct linux_ctx *c,
		     struct rcapfs_task *t, unsigned want, bool entries,
		     size_t cap, bool scratch)
{
	const struct rcapfs_features *f = &c->features;
	int ret;

	memset(w, 0, sizeof(*w));
	w->c = c;
	w->t = t;
	w->cap = cap < SCAN_MAX_BYTES / c->page_size
			 ? cap
			 : (size_t)(SCAN_MAX_BYTES / c->page_size);
	w->bitmap_fd = -1;
	w->mask = RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_SWAPPED | RCAPFS_PAGE_ZERO |
		  (want & RCAPFS_PAGE_EXCLUSIVE);
	if ((want & RCAPFS_PAGE_DIRTY) && f->soft_dirty)
		w->mask |= RCAPFS_PAGE_DIRTY;
	if ((want & RCAPFS_PAGE_REFERENCED) && f->idle_page_tracking &&
	    f->pfn_visible)
		w->mask |= RCAPFS_PAGE_REFERENCED;
	/* PAGEMAP_SCAN has no category for these: entries tell them. */
	w->entries =
		entries ||
		(w->mask & (RCAPFS_PAGE_EXCLUSIVE | RCAPFS_PAGE_REFERENCED));
	w->scan = f->pagemap_scan;
	if (scratch && !(w->scratch = malloc(cap)))
		return -ENOMEM;
	if (w->scan && !(w->vec = calloc(SCAN_REGIONS, sizeof(*w->vec))))
		return -ENOMEM;
	if (w->entries || !w->scan) {
		ret = walk_alloc_entries(w);
		if (ret)
			return ret;
	}
	if (w->mask & RCAPFS_PAGE_REFERENCED)
		return walk_alloc_idle(w, O_RDONLY);
	return 0;
}

static void walk_release(struct walk *w)
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
		ret = task_alive(w->c, w->t);
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

/* A present page other than the zero page: one with data of its own. */
static bool real_page(uint8_t f)
{
	return (f & (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_ZERO)) ==
	       RCAPFS_PAGE_PRESENT;
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
		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		arg.start = cur;
		arg.end = end;
		arg.vec = (uintptr_t)w->vec;
		arg.vec_len = SCAN_REGIONS;
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A page whose PFN the idle bitmap knows: present, not the zero page, and
 * its PFN visible. */
static bool idle_page(const struct walk *w, size_t i)
{
	return real_page(w->flags[i]) && (w->ent[i] & PM_PFN_MASK);
}

/* Where word is in the sorted words[0, n): next to hint, as the PFNs of
 * neighbouring pages mostly are, or else found by halving. */
static size_t find_word(const uint64_t *words, size_t n, uint64_t word,
			size_t hint)
{
	size_t lo = 0, hi = n, mid;

	if (hint < n && words[hint] == word)
		return hint;
	if (hint + 1 < n && words[hint + 1] == word)
		return hint + 1;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (words[mid] <= word)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Read words [first, first + n) of the idle bitmap into w->io. Past the
 * last PFN the kernel reads short: those words read as zeros. */
static int read_idle_words(struct walk *w, uint64_t first, size_t n)
{
	size_t bytes = n * sizeof(uint64_t);
	ssize_t got = pread(w->bitmap_fd, w->io, bytes,
			    (off_t)(first * sizeof(uint64_t)));

	if (got < 0)
		return -errno;
	memset((char *)w->io + got, 0, bytes - (size_t)got);
	return 0;
}

/* Mark the chunk's pages referenced whose idle bit is clear: accessed
 * since they were marked idle. The bitmap words are read once each, in
 * runs. */
static int mark_referenced(struct walk *w)
{
	size_t m = 0, u = 0, i, k, hint = 0;
	uint64_t first, pfn;
	int ret;

	for (i = 0; i < w->n; i++)
		if (idle_page(w, i))
			w->words[m++] = (w->ent[i] & PM_PFN_MASK) / 64;
	if (m == 0)
		return 0;
	qsort(w->words, m, sizeof(*w->words), cmp_u64);
	for (i = 0; i < m; i++)
		if (u == 0 || w->words[i] != w->words[u - 1])
			w->words[u++] = w->words[i];
	for (i = 0; i < u; i = k) {
		first = w->words[i];
		for (k = i + 1;
		     k < u &&
		     w->words[k] - w->words[k - 1] <= IDLE_READ_GAP_WORDS &&
		     w->words[k] - first < IDLE_IO_WORDS;
		     k++)
			;
		ret = read_idle_words(w, first,
				      (size_t)(w->words[k - 1] - first + 1));
		if (ret)
			return ret;
		for (size_t x = i; x < k; x++)
			w->vals[x] = w->io[w->words[x] - first];
	}
	for (i = 0; i < w->n; i++) {
		if (!idle_page(w, i))
			continue;
		pfn = w->ent[i] & PM_PFN_MASK;
		hint = find_word(w->words, u, pfn / 64, hint);
		if (!((w->vals[hint] >> (pfn % 64)) & 1))
			w->flags[i] |= RCAPFS_PAGE_REFERENCED;
	}
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
		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		arg.start = cur;
		arg.end = end;
		arg.vec = (uintptr_t)w->vec;
		arg.vec_len = 1;
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

/*
 * Walk [start, end) (page aligned, start < end): flags into out, one byte
 * a page, or into the walk's scratch buffer; then REFERENCED from the idle
 * bitmap and the consumer, chunk by chunk. Where entries are read, the
 * walk skips the empty stretches of sparse memory (a reservation of
 * terabytes with a few pages in use) with PAGEMAP_SCAN. Returns 0 or
 * -errno.
 */
static int walk_range(struct walk *w, uint64_t start, uint64_t end,
		      uint8_t *out)
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
			ret = mark_referenced(w);
		if (ret == 0 && w->consume)
			ret = w->consume(w);
		if (ret)
			return ret;
	}
	return 0;
}

/* Walk every mapping of t with w, but the special ones (vdso, vvar,
 * vsyscall): they hold no memory of the process's own. maps lists them
 * without the cost of smaps. Returns 0 or -errno. */
static int walk_mappings(struct walk *w)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_procparse_vma v;
	size_t pos = 0;
	int ret, got;

	ret = read_task_text(w->c, w->t, "maps", &b);
	while (ret == 0) {
		got = rcapfs_procparse_smaps_next(b.data, b.len, &pos, &v);
		if (got == 0)
			break;
		if (got < 0)
			ret = malformed(w->t->pid, "maps");
		else if (!(v.map.flags & RCAPFS_MAP_SPECIAL))
			ret = walk_range(w, v.map.start, v.map.end, NULL);
	}
	rcapfs_buf_release(&b);
	return ret;
}

static int linux_pages(void *ctx, struct rcapfs_task *t, uint64_t start,
		       uint64_t end, unsigned want, uint8_t *flags)
{
	const unsigned all = RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_SWAPPED |
			     RCAPFS_PAGE_ZERO | RCAPFS_PAGE_EXCLUSIVE |
			     RCAPFS_PAGE_REFERENCED | RCAPFS_PAGE_DIRTY;
	struct linux_ctx *c = ctx;
	uint64_t pages;
	struct walk w;
	int ret;

	if (start % c->page_size || end % c->page_size || end < start ||
	    (want & ~all))
		return -EINVAL;
	if (start == end)
		return 0;
	pages = (end - start) / c->page_size;
	ret = walk_init(&w, c, t, want, false,
			pages < BATCH_PAGES ? (size_t)pages : BATCH_PAGES,
			false);
	if (ret == 0)
		ret = walk_range(&w, start, end, flags);
	/* An exited process reads as one without pages: say it is gone. */
	if (ret == 0)
		ret = task_alive(c, t);
	walk_release(&w);
	return ret;
}

/* The PFNs collected by task_pfns. */
struct pfn_list {
	uint64_t *v;
	size_t n;
	size_t cap;
};

static int collect_pfns(struct walk *w)
{
	struct pfn_list *l = w->arg;
	uint64_t *grown, pfn;

	for (size_t i = 0; i < w->n; i++) {
		if (!real_page(w->flags[i]))
			continue;
		pfn = w->ent[i] & PM_PFN_MASK;
		if (!pfn)
			return -EPERM;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 1024;
			grown = reallocarray(l->v, l->cap, sizeof(*l->v));
			if (!grown)
				return -ENOMEM;
			l->v = grown;
		}
		l->v[l->n++] = pfn;
	}
	return 0;
}

static int linux_task_pfns(void *ctx, struct rcapfs_task *t, uint64_t **pfns,
			   size_t *n)
{
	struct linux_ctx *c = ctx;
	struct pfn_list l = {NULL, 0, 0};
	struct walk w;
	int ret;

	*pfns = NULL;
	*n = 0;
	if (!c->features.pfn_visible)
		return -EPERM;
	ret = walk_init(&w, c, t, 0, true, BATCH_PAGES, true);
	w.consume = collect_pfns;
	w.arg = &l;
	if (ret == 0)
		ret = walk_mappings(&w);
	if (ret == 0)
		ret = task_alive(c, t);
	walk_release(&w);
	if (ret) {
		free(l.v);
		return ret;
	}
	*pfns = l.v;
	*n = l.n;
	return 0;
}

/* Write words [first, first + n) of w->io to the idle bitmap. */
static int write_idle_words(struct walk *w, uint64_t first, size_t n)
{
	size_t bytes = n * sizeof(uint64_t);
	ssize_t done = pwrite(w->bitmap_fd, w->io, bytes,
			      (off_t)(first * sizeof(uint64_t)));

	if (done < 0)
		return -errno;
	return (size_t)done == bytes ? 0 : -EIO;
}

/* Mark the chunk's present pages idle: their bits set in the bitmap, the
 * words written in runs that take in short stretches of zero words (a zero
 * bit changes nothing). */
static int mark_idle(struct walk *w)
{
	size_t m = 0, i = 0, nwords;
	uint64_t first, word;
	int ret;

	for (size_t k = 0; k < w->n; k++) {
		if (!real_page(w->flags[k]))
			continue;
		if (!(w->ent[k] & PM_PFN_MASK))
			return -EPERM;
		w->words[m++] = w->ent[k] & PM_PFN_MASK;
	}
	qsort(w->words, m, sizeof(*w->words), cmp_u64);
	while (i < m) {
		first = w->words[i] / 64;
		nwords = 0;
		for (; i < m; i++) {
			word = w->words[i] / 64;
			if (word - first >= IDLE_IO_WORDS ||
			    word - first > nwords + IDLE_WRITE_GAP_WORDS)
				break;
			w->io[word - first] |= 1ULL << (w->words[i] % 64);
			nwords = (size_t)(word - first + 1);
		}
		ret = write_idle_words(w, first, nwords);
		memset(w->io, 0, nwords * sizeof(*w->io));
		if (ret)
			return ret;
	}
	return 0;
}

/* Mark every present page of t idle. Returns 0 or -errno. */
static int clear_idle(const struct linux_ctx *c, struct rcapfs_task *t)
{
	struct walk w;
	int ret;

	ret = walk_init(&w, c, t, 0, true, BATCH_PAGES, true);
	w.consume = mark_idle;
	if (ret == 0)
		ret = walk_alloc_idle(&w, O_WRONLY);
	if (ret == 0)
		ret = walk_mappings(&w);
	walk_release(&w);
	return ret;
}

/* Write value ("1": referenced bits, "4": soft-dirty bits) to t's
 * clear_refs. Returns 0 or -errno. */
static int write_clear_refs(const struct linux_ctx *c, struct rcapfs_task *t,
			    const char *value)
{
	ssize_t n;
	int fd, ret = 0;

	fd = openat(t->dir_fd, "clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		n = write(fd, value, strlen(value));
		if (n < 0)
			ret = -errno;
		else if ((size_t)n != strlen(value))
			ret = -EIO;
		close(fd);
	}
	if (ret == -ENOENT || ret == -ESRCH) {
		int alive = task_alive(c, t);

		if (alive)
			return alive;
	}
	return ret;
}

/*
 * Referenced bits: with idle page tracking and PFNs, the pages are marked
 * idle, which keeps the kernel's own notion of recent use (it sets
 * PG_young); otherwise clear_refs resets them for the whole process.
 * Dirty bits: soft-dirty only. A process that exited meanwhile took the
 * writes silently: that is -ESRCH.
 */
static int linux_clear(void *ctx, struct rcapfs_task *t, unsigned what)
{
	struct linux_ctx *c = ctx;
	const struct rcapfs_features *f = &c->features;
	int ret = 0;

	if (what & ~(RCAPFS_CLEAR_REFERENCED | RCAPFS_CLEAR_DIRTY))
		return -EINVAL;
	if ((what & RCAPFS_CLEAR_DIRTY) && !f->soft_dirty)
		return -EOPNOTSUPP;
	if (what & RCAPFS_CLEAR_REFERENCED) {
		if (f->idle_page_tracking && f->pfn_visible)
			ret = clear_idle(c, t);
		else
			ret = write_clear_refs(c, t, "1");
	}
	if (ret == 0 && (what & RCAPFS_CLEAR_DIRTY))
		ret = write_clear_refs(c, t, "4");
	if (ret == 0)
		ret = task_alive(c, t);
	return ret;
}

static long process_madvise_call(int pidfd, const struct iovec *iov, size_t n,
				 int advice)
{
#ifdef SYS_process_madvise
	return syscall(SYS_process_madvise, pidfd, iov, n, advice, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Move (*i, *off), a position in ranges, on by bytes. */
static void ranges_advance(const struct rcapfs_range *ranges, size_t n,
			   size_t *i, uint64_t *off, uint64_t bytes)
{
	while (*i < n && bytes >= ranges[*i].len - *off) {
		bytes -= ranges[*i].len - *off;
		(*i)++;
		*off = 0;
	}
	if (*i < n)
		*off += bytes;
}

/* Fill iov from ranges at (i, off): at most PAGEOUT_IOVS iovecs and
 * PAGEOUT_MAX_BYTES, a range split where it does not fit. Returns the
 * number of iovecs. */
static size_t ranges_batch(const struct rcapfs_range *ranges, size_t n,
			   size_t i, uint64_t off, struct iovec *iov)
{
	uint64_t total = 0, take;
	size_t k = 0;

	for (; i < n && k < PAGEOUT_IOVS && total < PAGEOUT_MAX_BYTES;
	     i++, off = 0) {
		take = ranges[i].len - off;
		if (take == 0)
			continue;
		if (take > PAGEOUT_MAX_BYTES - total)
			take = PAGEOUT_MAX_BYTES - total;
		iov[k].iov_base = (void *)(uintptr_t)(ranges[i].start + off);
		iov[k].iov_len = (size_t)take;
		total += take;
		k++;
	}
	return k;
}

static int linux_pageout(void *ctx, struct rcapfs_task *t,
			 const struct rcapfs_range *ranges, size_t n,
			 enum rcapfs_advice advice, uint64_t *done_bytes)
{
	struct linux_ctx *c = ctx;
	struct iovec iov[PAGEOUT_IOVS];
	uint64_t off = 0, got;
	size_t i = 0, k;
	long r;
	int adv;

	*done_bytes = 0;
	if (advice == RCAPFS_ADVICE_PAGEOUT)
		adv = MADV_PAGEOUT;
	else if (advice == RCAPFS_ADVICE_COLD)
		adv = MADV_COLD;
	else
		return -EINVAL;
	for (size_t j = 0; j < n; j++) {
		if (ranges[j].start % c->page_size ||
		    ranges[j].len % c->page_size ||
		    ranges[j].start + ranges[j].len < ranges[j].start) {
			log_warn("pageout of %d: range %#llx+%#llx is not "
				 "page aligned",
				 (int)t->pid,
				 (unsigned long long)ranges[j].start,
				 (unsigned long long)ranges[j].len);
			return -EINVAL;
		}
	}
	/* Advice goes through the pidfd: a fixture root has none. */
	if (t->pidfd < 0)
		return -ENOSYS;
	while ((k = ranges_batch(ranges, n, i, off, iov)) > 0) {
		r = process_madvise_call(t->pidfd, iov, k, adv);
		if (r < 0 && errno != ENOMEM)
			return -errno;
		if (r < 0) {
			/* The first range has a hole: the process unmapped
			 * part of it meanwhile. The kernel advised the rest
			 * of it all the same and stopped; go on after it,
			 * without counting it. */
			got = iov[0].iov_len;
		} else if (r == 0) {
			/* Nothing taken and no error would loop forever. */
			return -EIO;
		} else {
			/* The bytes of the iovecs processed: a call that
			 * stopped short is called again from there, and
			 * then reports what stopped it. */
			got = (uint64_t)r;
			*done_bytes += got;
		}
		ranges_advance(ranges, n, &i, &off, got);
	}
	return 0;
}

/* ---- Fork events: the proc connector ---- */

/* Asked for as the socket's receive buffer: events of the whole system
 * (forks, execs, exits...) wait there between two forks_wait calls, each
 * taking well under 1 KiB of it with the kernel's bookkeeping. */
#define FORKS_RCVBUF_BYTES (4 * 1024 * 1024)
/* The connector answers a LISTEN within the send call; this only bounds
 * the wait for an answer that does not come. */
#define FORKS_ACK_MS 500
/* One datagram: a connector message takes under 100 bytes. */
#define FORKS_DGRAM_SIZE 4096

struct rcapfs_forks {
	int fd;
	uint32_t tag;	/* ack of our LISTEN: the kernel answers tag + 1 */
	bool listening; /* a LISTEN went out: an IGNORE must follow it */
	bool lost;	/* events were dropped and it is not reported yet */
};

/* Where forks_drain puts what it reads: forks into ev[got..n), unless ev
 * is NULL (they are dropped), and the kernel's answer to our LISTEN. */
struct forks_batch {
	struct rcapfs_fork *ev;
	size_t n;
	size_t got;
	int ack_err; /* -1 until the answer comes, then its errno (0: ok) */
};

/* Send op (PROC_CN_MCAST_*) to the proc connector. Returns 0 or -errno. */
static int forks_send(struct rcapfs_forks *f, uint32_t op)
{
	uint8_t buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))] = {0};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct nlmsghdr nlh = {
		.nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op)),
		.nlmsg_type = NLMSG_DONE,
		.nlmsg_pid = f->tag,
	};
	struct cn_msg cn = {
		.id = {.idx = CN_IDX_PROC, .val = CN_VAL_PROC},
		.ack = f->tag,
		.len = sizeof(op),
	};

	memcpy(buf, &nlh, sizeof(nlh));
	memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(buf + NLMSG_HDRLEN + sizeof(cn), &op, sizeof(op));
	while (sendto(f->fd, buf, nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Take one proc event into b. A thread is created by a fork too, but
 * joins its creator's thread group: only a new tgid is a process. */
static void forks_event(struct rcapfs_forks *f, const struct cn_msg *cn,
			const struct proc_event *pe, struct forks_batch *b)
{
	const struct fork_proc_event *fe = &pe->event_data.fork;

	if (pe->what == PROC_EVENT_NONE && cn->ack == (uint32_t)(f->tag + 1)) {
		b->ack_err = (int)pe->event_data.ack.err;
		return;
	}
	if (pe->what != PROC_EVENT_FORK || !b->ev ||
	    fe->child_pid != fe->child_tgid || fe->child_tgid <= 0 ||
	    fe->parent_tgid <= 0)
		return;
	if (b->got == b->n) {
		/* A datagram with more forks than there is room for. */
		f->lost = true;
		return;
	}
	b->ev[b->got].parent_tgid = fe->parent_tgid;
	b->ev[b->got].child_tgid = fe->child_tgid;
	b->got++;
}

/* Parse the netlink messages of one datagram of len bytes. The connector
 * frames each of its messages as NLMSG_DONE; other types and every
 * message that does not hold a whole proc event are skipped. Copies, not
 * casts: the proc event sits at an offset of 36 bytes and holds a 64-bit
 * field. */
static void forks_parse(struct rcapfs_forks *f, const uint8_t *buf, size_t len,
			struct forks_batch *b)
{
	struct nlmsghdr nlh;
	struct cn_msg cn;
	struct proc_event pe;
	size_t off = 0, payload;

	while (off + NLMSG_HDRLEN <= len) {
		memcpy(&nlh, buf + off, sizeof(nlh));
		if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len - off)
			return;
		payload = nlh.nlmsg_len - NLMSG_HDRLEN;
		if (nlh.nlmsg_type == NLMSG_DONE && payload >= sizeof(cn)) {
			memcpy(&cn, buf + off + NLMSG_HDRLEN, sizeof(cn));
			if (cn.id.idx == CN_IDX_PROC &&
			    cn.id.val == CN_VAL_PROC && cn.len >= sizeof(pe) &&
			    cn.len <= payload - sizeof(cn)) {
				memcpy(&pe,
				       buf + off + NLMSG_HDRLEN + sizeof(cn),
				       sizeof(pe));
				forks_event(f, &cn, &pe, b);
			}
		}
		off += NLMSG_ALIGN(nlh.nlmsg_len);
	}
}

/* Read datagrams without waiting until none is left, b is full (forks
 * wanted) or the answer to our LISTEN came (none wanted). ENOBUFS, events
 * dropped by the kernel, sets f->lost and the reading goes on: what is
 * queued after the loss still holds. Returns 0 or -errno. */
static int forks_drain(struct rcapfs_forks *f, struct forks_batch *b)
{
	uint8_t buf[FORKS_DGRAM_SIZE];
	struct sockaddr_nl from;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg;
	ssize_t len;

	while (b->ev ? b->got < b->n : b->ack_err < 0) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		len = recvmsg(f->fd, &msg, MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS)
			f->lost = true;
		else if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		else if (len < 0 && errno != EINTR)
			return -errno;
		/* Anyone may send to our port: only the kernel speaks for
		 * the connector. */
		else if (len >= 0 && msg.msg_namelen == sizeof(from) &&
			 from.nl_pid == 0 && !(msg.msg_flags & MSG_TRUNC))
			forks_parse(f, buf, (size_t)len, b);
	}
	return 0;
}

/* Milliseconds from now to deadline_ns (a CLOCK_MONOTONIC time), rounded
 * up so that a wait does not end early: 0 once it has passed. */
static int ms_until(uint64_t deadline_ns)
{
	uint64_t now = rcapfs_mono_ns();

	if (now >= deadline_ns)
		return 0;
	return (int)((deadline_ns - now + 999999) / 1000000);
}

/* Wait for the kernel's answer to our LISTEN, dropping the events that
 * come first: they happened before the subscription is handed out. The
 * connector ignores, without a word, a LISTEN from outside the initial
 * pid and user namespaces, where the pids it reports mean nothing: no
 * answer is a refusal too. Returns 0 or -errno. */
static int forks_confirm(struct rcapfs_forks *f)
{
	struct forks_batch b = {.ack_err = -1};
	struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
	uint64_t deadline = rcapfs_mono_ns() + FORKS_ACK_MS * 1000000ULL;
	int ret;

	for (;;) {
		ret = forks_drain(f, &b);
		if (ret)
			return ret;
		if (b.ack_err >= 0)
			break;
		ret = poll(&pfd, 1, ms_until(deadline));
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret == 0)
			return -EPERM;
	}
	/* Losses before the answer were losses before the subscription. */
	f->lost = false;
	return b.ack_err > 0 ? -b.ack_err : 0;
}

static void forks_free(struct rcapfs_forks *f)
{
	/* Each LISTEN counts a listener, for whom the kernel builds every
	 * event of the system, until an IGNORE. */
	if (f->listening)
		forks_send(f, PROC_CN_MCAST_IGNORE);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

/* The events name pids of the system: a fixture root has pids of its own,
 * so there is no subscription for it (-ENOSYS). */
static int linux_forks_open(void *ctx, struct rcapfs_forks **out)
{
	struct linux_ctx *c = ctx;
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK,
				   .nl_groups = CN_IDX_PROC};
	socklen_t addr_len = sizeof(addr);
	int size = FORKS_RCVBUF_BYTES;
	struct rcapfs_forks *f;
	const char *step;
	int ret;

	*out = NULL;
	if (!c->is_procfs)
		return -ENOSYS;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	step = "open";
	f->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		       NETLINK_CONNECTOR);
	if (f->fd < 0) {
		ret = -errno;
		goto fail;
	}
	/* FORCE passes over rmem_max, for root only; the kernel doubles
	 * either for its bookkeeping. A smaller buffer only loses events
	 * sooner, which forks_wait reports. */
	if (setsockopt(f->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) &&
	    setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		log_debug("fork events: no receive buffer of %d bytes: %s",
			  size, strerror(errno));
	step = "bind to";
	if (bind(f->fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    getsockname(f->fd, (struct sockaddr *)&addr, &addr_len)) {
		ret = -errno;
		goto fail;
	}
	/* The kernel's answer names our LISTEN by its ack plus one (the seq
	 * it no longer echoes). Our port id is unique among netlink sockets:
	 * an ack no other listener's LISTEN is likely to carry. */
	f->tag = addr.nl_pid;
	step = "subscribe to";
	ret = forks_send(f, PROC_CN_MCAST_LISTEN);
	if (ret)
		goto fail;
	f->listening = true;
	ret = forks_confirm(f);
	if (ret)
		goto fail;
	*out = f;
	return 0;
fail:
	log_info("fork events: cannot %s the proc connector: %s%s", step,
		 strerror(-ret),
		 ret == -EPERM || ret == -EACCES || ret == -EPROTONOSUPPORT
			 ? " (it needs root in the initial namespaces)"
			 : "");
	forks_free(f);
	return ret;
}

/* Losses are reported on their own: events read in the call that meets
 * ENOBUFS are returned first, and the next call answers -ENOBUFS at once,
 * so no fork the kernel delivered is dropped. A call that reads only
 * other events waits on until the timeout; a negative one waits for
 * ever, as poll's. */
static int linux_forks_wait(void *ctx, struct rcapfs_forks *f,
			    struct rcapfs_fork *ev, size_t n, int timeout_ms)
{
	struct forks_batch b = {.ev = ev, .ack_err = -1};
	struct pollfd pfd = {.events = POLLIN};
	uint64_t deadline = 0;
	int ret, wait_ms = -1;

	if (!f || !ev || n == 0)
		return -EINVAL;
	if (f->lost) {
		f->lost = false;
		return -ENOBUFS;
	}
	b.n = n < INT_MAX ? n : INT_MAX;
	pfd.fd = f->fd;
	if (timeout_ms > 0)
		deadline = rcapfs_mono_ns() + (uint64_t)timeout_ms * 1000000;
	for (;;) {
		ret = forks_drain(f, &b);
		if (b.got > 0)
			return (int)b.got;
		if (ret)
			return ret;
		if (f->lost) {
			f->lost = false;
			return -ENOBUFS;
		}
		if (timeout_ms >= 0) {
			wait_ms = timeout_ms > 0 ? ms_until(deadline) : 0;
			if (wait_ms == 0)
				return 0;
		}
		if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
			return -errno;
	}
}

static void linux_forks_close(void *ctx, struct rcapfs_forks *f)
{
	if (f)
		forks_free(f);
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
	.free = linux_free,
};

/* An invalid pidfd gets EBADF only from a kernel that has the call. */
static bool probe_process_madvise(void)
{
	return process_madvise_call(-1, NULL, 0, MADV_COLD) < 0 &&
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

/* The PFN of one of our present pages; 0 for unprivileged readers, who
 * see the PFN field of pagemap zeroed. */
static uint64_t probe_pfn(int pagemap_fd, const void *page, size_t page_size)
{
	off_t off = (off_t)((uintptr_t)page / page_size * sizeof(uint64_t));
	uint64_t entry;

	if (pread(pagemap_fd, &entry, sizeof(entry), off) !=
		    (ssize_t)sizeof(entry) ||
	    !(entry & PM_PRESENT))
		return 0;
	return entry & PM_PFN_MASK;
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
	uint64_t huge, e;
	size_t len;
	char *map, *p;

	/* One short line: what does not fit in buf is no size. */
	if (read_record(c->sys_fd, THP_DIR "hpage_pmd_size", buf,
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
	    pread(pagemap_fd, &e, sizeof(e),
		  (off_t)((uintptr_t)p / ps * sizeof(e))) == sizeof(e) &&
	    (e & (PM_PRESENT | PM_EXCLUSIVE)) == PM_PRESENT &&
	    (e & PM_PFN_MASK) != c->zero_pfn) {
		c->huge_zero_pfn = e & PM_PFN_MASK;
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
	 * the zero page there. */
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
		f->pfn_visible = probe_pfn(fd, page, page_size) != 0;
		/* The read's value is used: a load that leads nowhere may
		 * be dropped (valgrind does), and fault nothing in. */
		if (f->pfn_visible && zero_read)
			c->zero_pfn =
				probe_pfn(fd, page + page_size, page_size);
		if (c->zero_pfn)
			probe_huge_zero(c, fd);
		close(fd);
	}
	f->soft_dirty = probe_soft_dirty(c, page);
	munmap(page, 2 * page_size);
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
	probe_features(c);
	be->ops = &linux_ops;
	be->ctx = c;
	*out = be;
	return 0;
fail:
	linux_free(c);
	free(be);
	return ret;
}
