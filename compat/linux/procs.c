#include "config.h"

#include "compat/linux/linux_i.h"

#include "compat/log.h"
#include "compat/procparse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 * The process table and the records of /proc: PID/stat, status and cgroup
 * of each process (and its RSS limit, by prlimit(2)), meminfo; and the reading
 * of such records, which the other files of the backend share.
 */

void linux_pid_path(char *dst, pid_t pid, const char *file)
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

int linux_read_rest(int fd, struct rcapfs_buf *b, size_t chunk)
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

int linux_read_record(int dirfd, const char *path, char *stack, size_t size,
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
		ret = linux_read_rest(fd, big, size);
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

	linux_pid_path(path, pid, file);
	ret = linux_read_record(c->proc_fd, path, stack, size, big, data, len);
	if (ret == -ENOENT || (ret == 0 && *len == 0))
		return -ESRCH;
	return ret;
}

int linux_malformed(pid_t pid, const char *file)
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
		ret = linux_malformed(pid, "stat");
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
		ret = linux_malformed(pid, "status");
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
		ret = linux_malformed(pid, "cgroup");
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

int linux_procs(void *ctx, unsigned flags, struct rcapfs_proc_list *out)
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

int linux_proc(void *ctx, pid_t pid, unsigned flags, struct rcapfs_proc *out)
{
	if (pid <= 0 ||
	    (flags & ~(RCAPFS_PROCS_CGROUP | RCAPFS_PROCS_RLIMIT))) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return read_proc(ctx, pid, flags, out);
}

int linux_proc_sample(void *ctx, pid_t pid, uint64_t start_ticks,
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
		ret = linux_malformed(pid, "stat");
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

int linux_meminfo(void *ctx, struct rcapfs_meminfo *out)
{
	struct linux_ctx *c = ctx;
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	const char *data;
	size_t len;
	int ret;

	ret = linux_read_record(c->proc_fd, "meminfo", buf, sizeof(buf), &big,
				&data, &len);
	if (ret == 0 && rcapfs_procparse_meminfo(data, len, out)) {
		log_warn("proc root: cannot parse meminfo");
		ret = -EINVAL;
	}
	rcapfs_buf_release(&big);
	return ret;
}
