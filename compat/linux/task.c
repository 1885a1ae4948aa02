#include "config.h"

#include "compat/linux/linux_i.h"

#include "compat/log.h"
#include "compat/procparse.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Tasks: a process held for memory work through its pidfd and its PID
 * directory, and what is read of it through them: whether it lives, its
 * rss and pss, its mappings (smaps).
 */

/* smaps and maps are read in steps of this much (smaps takes ~700 bytes
 * per mapping). */
#define TEXT_CHUNK 65536

/* With a pidfd, it turns readable once the process has exited, zombie or
 * not. Without one, stat says: gone (the PID directory went with the
 * process), or a zombie. */
int linux_task_lives(struct rcapfs_task *t)
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
	ret = linux_read_record(t->dir_fd, "stat", buf, sizeof(buf), &big,
				&data, &len);
	if (ret == -ENOENT || ret == -ESRCH || (ret == 0 && len == 0))
		ret = -ESRCH;
	else if (ret == 0 && rcapfs_procparse_stat(data, len, &st))
		ret = linux_malformed(t->pid, "stat");
	else if (ret == 0 && (st.state == 'Z' || st.state == 'X'))
		ret = -ESRCH;
	rcapfs_buf_release(&big);
	return ret;
}

/* Read file of t's PID directory as a record. A file that is missing or
 * reads empty is the process gone, if it no longer lives (-ESRCH). */
static int read_task_record(struct rcapfs_task *t, const char *file,
			    char *stack, size_t size, struct rcapfs_buf *big,
			    const char **data, size_t *len)
{
	int ret, alive;

	ret = linux_read_record(t->dir_fd, file, stack, size, big, data, len);
	if (ret == -ENOENT || ret == -ESRCH || (ret == 0 && *len == 0)) {
		alive = linux_task_lives(t);
		if (alive)
			return alive;
	}
	return ret;
}

int linux_read_task_text(struct rcapfs_task *t, const char *file,
			 struct rcapfs_buf *b)
{
	int fd, ret;

	fd = openat(t->dir_fd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		ret = linux_read_rest(fd, b, TEXT_CHUNK);
		close(fd);
	}
	if (ret == -ENOENT || ret == -ESRCH || (ret == 0 && b->len == 0)) {
		int alive = linux_task_lives(t);

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
static int check_task(struct rcapfs_task *t, uint64_t start_ticks)
{
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	struct rcapfs_procparse_stat st;
	struct rcapfs_procparse_status ss;
	const char *data;
	size_t len;
	int ret;

	ret = read_task_record(t, "stat", buf, sizeof(buf), &big, &data, &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_stat(data, len, &st) || st.pid != t->pid) {
		ret = linux_malformed(t->pid, "stat");
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
	ret = read_task_record(t, "status", buf, sizeof(buf), &big, &data,
			       &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_status(data, len, &ss))
		ret = linux_malformed(t->pid, "status");
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
int linux_task_open(void *ctx, pid_t pid, uint64_t start_ticks,
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
	linux_pid_path(path, pid, "");
	t->dir_fd =
		openat(c->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dir_fd < 0) {
		ret = errno == ENOENT ? -ESRCH : -errno;
		goto fail;
	}
	ret = check_task(t, start_ticks);
	if (ret)
		goto fail;
	t->pagemap_fd = openat(t->dir_fd, "pagemap", O_RDONLY | O_CLOEXEC);
	if (t->pagemap_fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (t->pidfd >= 0) {
		ret = linux_task_lives(t);
		if (ret)
			goto fail;
	}
	*out = t;
	return 0;
fail:
	task_free(t);
	return ret;
}

void linux_task_close(void *ctx, struct rcapfs_task *t)
{
	if (t)
		task_free(t);
}

int linux_task_alive(void *ctx, struct rcapfs_task *t)
{
	return linux_task_lives(t);
}

int linux_task_rss(void *ctx, struct rcapfs_task *t, uint64_t *rss_kb)
{
	struct linux_ctx *c = ctx;
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	uint64_t size, resident;
	const char *data;
	size_t len;
	int ret;

	ret = read_task_record(t, "statm", buf, sizeof(buf), &big, &data, &len);
	if (ret)
		goto out;
	if (rcapfs_procparse_statm(data, len, &size, &resident)) {
		ret = linux_malformed(t->pid, "statm");
		goto out;
	}
	/* A process without an mm (a zombie) shows zeros. */
	if (size == 0) {
		ret = linux_task_lives(t);
		if (ret)
			goto out;
	}
	*rss_kb = resident * c->page_kb;
out:
	rcapfs_buf_release(&big);
	return ret;
}

int linux_task_pss(void *ctx, struct rcapfs_task *t, uint64_t *pss_kb)
{
	char buf[RECORD_SIZE];
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	const char *data;
	size_t len;
	int ret;

	ret = read_task_record(t, "smaps_rollup", buf, sizeof(buf), &big, &data,
			       &len);
	if (ret == 0 && rcapfs_procparse_rollup_pss(data, len, pss_kb))
		ret = linux_malformed(t->pid, "smaps_rollup");
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
			return linux_malformed(pid, file);
		prev_end = v.map.end;
		n++;
		name_bytes += v.name_len + 1;
	}
	if (ret)
		return linux_malformed(pid, file);
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

int linux_mappings(void *ctx, struct rcapfs_task *t,
		   struct rcapfs_mapping_list *out)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	int ret;

	out->maps = NULL;
	out->n = 0;
	out->names = NULL;
	ret = linux_read_task_text(t, "smaps", &b);
	if (ret == 0)
		ret = parse_mappings(t->pid, "smaps", b.data, b.len, out);
	rcapfs_buf_release(&b);
	return ret;
}
