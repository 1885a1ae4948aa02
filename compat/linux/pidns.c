/*
 * Pids in a caller's pid namespace, without a fork per request.
 *
 * A namespace is known by the inode of its nsfs link (PID/ns/pid). Where
 * the proc root is the daemon's own procfs on Linux 6.11 or later, one
 * ioctl on the namespace translates a pid either way
 * (NS_GET_TGID_IN_PIDNS, NS_GET_TGID_FROM_PIDNS). Elsewhere (older
 * kernels, fixture trees) the NSpid line of PID/status gives a process's
 * pid at every level of nesting, and its namespace link (followed up with
 * NS_GET_PARENT on a real procfs) says whether the namespace at the
 * caller's level is the caller's: a process in a sibling namespace has a
 * number at that level too, which means something else there.
 *
 * Per namespace the cache keeps its level and, for the ioctls, an open
 * descriptor; a bounded table, least recently used out first.
 */
#include "config.h"

#include "compat/linux/linux_i.h"

#include "compat/buf.h"
#include "compat/log.h"
#include "compat/procparse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The nsfs ioctls of linux/nsfs.h (NS_GET_PARENT: 4.9; the pid ones:
 * 6.11), under names of our own: the C library's headers may predate
 * them. The pid ones take a pid as their argument, not a pointer. */
#define NSIO	     0xb7
#define NS_PARENT    _IO(NSIO, 0x2)
#define NS_PID_FROM  _IOR(NSIO, 0x6, int)
#define NS_TGID_FROM _IOR(NSIO, 0x7, int)
#define NS_TGID_IN   _IOR(NSIO, 0x9, int)
/* The inode of the initial pid namespace (PROC_PID_INIT_INO), fixed since
 * Linux 3.8. */
#define INIT_PIDNS_INO 0xEFFFFFFCULL

/* Namespaces remembered at once: each may hold a descriptor. */
#define CACHE_SIZE 64
/* "2147483647/status" or "self/ns/pid", with the NUL. */
#define PATH_SIZE 32
/* A link is "pid:[" up to 20 digits "]". */
#define LINK_SIZE 32

struct ns_entry {
	uint64_t id;	/* the namespace's inode; 0: a free slot */
	int fd;		/* the namespace, for the ioctls; -1 without them */
	size_t level;	/* nesting below the proc root's namespace */
	uint64_t stamp; /* when last used, for eviction */
};

struct linux_pidns {
	int proc_fd;
	/* Translate with the 6.11 ioctls: the proc root is the daemon's own
	 * procfs, so a pid means the same to both. */
	bool ioctls;
	/* NS_GET_PARENT can be asked of namespace links (a real procfs). */
	bool parents;
	/* The proc root's namespace (that of its pid 1): callers in it need
	 * no translation. 0 when unknown. */
	uint64_t root_id;
	pthread_mutex_t lock; /* the table */
	uint64_t clock;
	struct ns_entry table[CACHE_SIZE];
};

/* The namespace of proc root entry dir ("PID" or "self"): 0, -ESRCH when
 * it is gone, or -errno (-EACCES for another user's process when the
 * daemon is not root). */
static int link_id(const struct linux_pidns *p, const char *dir, uint64_t *id)
{
	char path[PATH_SIZE], link[LINK_SIZE];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/ns/pid", dir);
	n = readlinkat(p->proc_fd, path, link, sizeof(link));
	if (n < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return rcapfs_procparse_ns_link(link, (size_t)n, "pid", id);
}

static int pid_link_id(const struct linux_pidns *p, pid_t pid, uint64_t *id)
{
	char dir[PATH_SIZE];

	snprintf(dir, sizeof(dir), "%d", (int)pid);
	return link_id(p, dir, id);
}

/* PID/status into b (emptied first): 0, -ESRCH when pid is gone, -errno. */
static int read_status(const struct linux_pidns *p, pid_t pid,
		       struct rcapfs_buf *b)
{
	char path[PATH_SIZE];
	ssize_t n = 1;
	int fd, ret = 0;

	rcapfs_buf_reset(b);
	snprintf(path, sizeof(path), "%d/status", (int)pid);
	fd = openat(p->proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	while (n > 0 && !(ret = rcapfs_buf_reserve(b, 4096))) {
		n = read(fd, b->data + b->len, 4096);
		if (n < 0) {
			ret = errno == ESRCH ? -ESRCH : -errno;
		} else {
			b->len += (size_t)n;
			b->data[b->len] = '\0';
		}
	}
	close(fd);
	if (!ret && b->len == 0)
		ret = -ESRCH;
	return ret;
}

/* The pids of process pid at each level of nesting (NSpid). */
static int nspid(const struct linux_pidns *p, pid_t pid, struct rcapfs_buf *b,
		 pid_t out[RCAPFS_PIDNS_LEVELS], size_t *n)
{
	int ret = read_status(p, pid, b);

	if (!ret)
		ret = rcapfs_procparse_nspid(b->data, b->len, out, n);
	return ret;
}

/* Whether namespace id is the one levels above process pid's own:
 * NS_GET_PARENT from there, levels times. */
static bool ancestor_is(const struct linux_pidns *p, pid_t pid, size_t levels,
			uint64_t id)
{
	char path[PATH_SIZE];
	struct stat st;
	int fd, up;

	snprintf(path, sizeof(path), "%d/ns/pid", (int)pid);
	fd = openat(p->proc_fd, path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && levels-- > 0) {
		up = ioctl(fd, NS_PARENT);
		close(fd);
		fd = up;
	}
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0)
		st.st_ino = 0;
	close(fd);
	return (uint64_t)st.st_ino == id;
}

/* Process host as namespace id (at level) numbers it, from its NSpid and
 * namespace link; 0 when it cannot be seen from there or is gone. */
static pid_t nspid_in(const struct linux_pidns *p, pid_t host, uint64_t id,
		      size_t level, struct rcapfs_buf *b)
{
	pid_t pids[RCAPFS_PIDNS_LEVELS];
	uint64_t own;
	size_t n;

	if (nspid(p, host, b, pids, &n) || n <= level || pids[0] != host)
		return 0;
	if (n == level + 1)
		return pid_link_id(p, host, &own) == 0 && own == id
			       ? pids[level]
			       : 0;
	/* Deeper down: on a fixture tree there is no nsfs to follow. */
	return p->parents && ancestor_is(p, host, n - 1 - level, id)
		       ? pids[level]
		       : 0;
}

/* Fill a new entry for namespace id, which caller is in. */
static int entry_fill(struct linux_pidns *p, pid_t caller, uint64_t id,
		      struct ns_entry *e)
{
	pid_t pids[RCAPFS_PIDNS_LEVELS];
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	char path[PATH_SIZE];
	struct stat st;
	size_t n;
	int ret;

	ret = nspid(p, caller, &b, pids, &n);
	rcapfs_buf_release(&b);
	if (ret)
		return ret;
	/* No NSpid (before Linux 4.1): the level cannot be told. */
	if (n == 0)
		return -ENOSYS;
	e->id = id;
	e->level = n - 1;
	e->fd = -1;
	if (!p->ioctls)
		return 0;
	snprintf(path, sizeof(path), "%d/ns/pid", (int)caller);
	e->fd = openat(p->proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* The caller waits on its request, so its pid cannot have been
	 * reused since its link was read; still, make sure. */
	if (fstat(e->fd, &st) < 0 || (uint64_t)st.st_ino != id) {
		close(e->fd);
		return -ESRCH;
	}
	return 0;
}

/* The entry of namespace id, which caller is in: found, or made in a free
 * or the least recently used slot. Called with the lock held. */
static int entry_get(struct linux_pidns *p, pid_t caller, uint64_t id,
		     struct ns_entry **out)
{
	struct ns_entry *e = &p->table[0], fresh;
	int ret;

	for (size_t i = 0; i < CACHE_SIZE; i++) {
		if (p->table[i].id == id) {
			e = &p->table[i];
			goto found;
		}
		if (p->table[i].stamp < e->stamp)
			e = &p->table[i];
	}
	ret = entry_fill(p, caller, id, &fresh);
	if (ret)
		return ret;
	if (e->fd >= 0)
		close(e->fd);
	*e = fresh;
found:
	e->stamp = ++p->clock;
	*out = e;
	return 0;
}

/* An ioctl that answers a pid: > 0, or -errno (-ESRCH: none there). */
static int pid_ioctl(int fd, unsigned long request, pid_t pid)
{
	int r = ioctl(fd, request, (unsigned long)pid);

	return r < 0 ? -errno : r;
}

int linux_pidns_of(void *ctx, pid_t pid, uint64_t *ns_id)
{
	return pid_link_id(((struct linux_ctx *)ctx)->pidns, pid, ns_id);
}

int linux_pids_to_ns(void *ctx, pid_t caller, const pid_t *pids, pid_t *out,
		     size_t n)
{
	struct linux_pidns *p = ((struct linux_ctx *)ctx)->pidns;
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct ns_entry *e;
	uint64_t id;
	size_t level;
	int ret, r;

	ret = pid_link_id(p, caller, &id);
	if (ret)
		return ret;
	if (id == p->root_id) {
		memcpy(out, pids, n * sizeof(*pids));
		return 0;
	}
	pthread_mutex_lock(&p->lock);
	ret = entry_get(p, caller, id, &e);
	for (size_t i = 0; !ret && p->ioctls && i < n; i++) {
		r = pid_ioctl(e->fd, NS_TGID_IN, pids[i]);
		out[i] = r > 0 ? r : 0;
		if (r < 0 && r != -ESRCH)
			ret = r;
	}
	level = ret ? 0 : e->level;
	pthread_mutex_unlock(&p->lock);
	if (ret || p->ioctls)
		return ret;
	for (size_t i = 0; i < n; i++)
		out[i] = nspid_in(p, pids[i], id, level, &b);
	rcapfs_buf_release(&b);
	return 0;
}

/* The process of the proc root's namespace with pid ns_pid (a process, not
 * a thread): 0 or -ESRCH. */
static int root_process(const struct linux_pidns *p, pid_t ns_pid)
{
	struct rcapfs_procparse_status st;
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	int ret = read_status(p, ns_pid, &b);

	if (!ret)
		ret = rcapfs_procparse_status(b.data, b.len, &st);
	rcapfs_buf_release(&b);
	if (ret == -EINVAL || (!ret && st.tgid != ns_pid))
		ret = -ESRCH;
	return ret;
}

/* Without the ioctls: the process whose NSpid at level is ns_pid and
 * whose namespace there is id, found by a walk of the proc root. */
static int walk_for(const struct linux_pidns *p, uint64_t id, size_t level,
		    pid_t ns_pid, pid_t *out)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct dirent *d;
	DIR *dir;
	pid_t pid;
	int fd, ret = -ESRCH;

	fd = openat(p->proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while (ret == -ESRCH && (d = readdir(dir))) {
		if (!rcapfs_procparse_pid(d->d_name, strlen(d->d_name), &pid) &&
		    nspid_in(p, pid, id, level, &b) == ns_pid) {
			*out = pid;
			ret = 0;
		}
	}
	closedir(dir);
	rcapfs_buf_release(&b);
	return ret;
}

int linux_pid_from_ns(void *ctx, pid_t caller, pid_t ns_pid, pid_t *out)
{
	struct linux_pidns *p = ((struct linux_ctx *)ctx)->pidns;
	struct ns_entry *e;
	uint64_t id;
	size_t level;
	int ret, tgid = 0, pid = 0;

	ret = pid_link_id(p, caller, &id);
	if (ret)
		return ret;
	if (id == p->root_id) {
		ret = root_process(p, ns_pid);
		if (!ret)
			*out = ns_pid;
		return ret;
	}
	pthread_mutex_lock(&p->lock);
	ret = entry_get(p, caller, id, &e);
	if (!ret && p->ioctls) {
		/* A thread id names its thread, not its process. */
		tgid = pid_ioctl(e->fd, NS_TGID_FROM, ns_pid);
		pid = pid_ioctl(e->fd, NS_PID_FROM, ns_pid);
	}
	level = ret ? 0 : e->level;
	pthread_mutex_unlock(&p->lock);
	if (ret)
		return ret;
	if (!p->ioctls)
		return walk_for(p, id, level, ns_pid, out);
	if (tgid < 0)
		return tgid;
	if (tgid != pid)
		return -ESRCH;
	*out = tgid;
	return 0;
}

int linux_pidns_initial(void *ctx, bool *initial)
{
	uint64_t id;
	int ret = link_id(((struct linux_ctx *)ctx)->pidns, "self", &id);

	if (!ret)
		*initial = id == INIT_PIDNS_INO;
	return ret;
}

/* Whether the pid ioctls answer: this process's own pid, in its own
 * namespace, comes back as itself. */
static bool probe_ioctls(const struct linux_pidns *p)
{
	const char *off = getenv("RCAPFS_NO_PIDNS_IOCTL");
	int fd, r;

	if (off && strcmp(off, "1") == 0)
		return false;
	fd = openat(p->proc_fd, "self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	r = pid_ioctl(fd, NS_TGID_IN, getpid());
	close(fd);
	return r == getpid();
}

/* The daemon's pid as the proc root numbers it ("self"); 0 if none. */
static pid_t self_pid(const struct linux_pidns *p)
{
	char link[PATH_SIZE];
	ssize_t n = readlinkat(p->proc_fd, "self", link, sizeof(link));
	pid_t pid;

	return n > 0 && !rcapfs_procparse_pid(link, (size_t)n, &pid) ? pid : 0;
}

/* The proc root's namespace: the daemon's own when its NSpid there has one
 * level (no need to read another process's link, which needs ptrace
 * access), else that of the root's pid 1. 0 when neither can be told. */
static uint64_t root_namespace(const struct linux_pidns *p, uint64_t self_id)
{
	pid_t pids[RCAPFS_PIDNS_LEVELS];
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	pid_t self = self_pid(p);
	uint64_t id = 0;
	size_t n = 0;

	if (self && self_id && nspid(p, self, &b, pids, &n) == 0 && n == 1) {
		rcapfs_buf_release(&b);
		return self_id;
	}
	rcapfs_buf_release(&b);
	return link_id(p, "1", &id) ? 0 : id;
}

int linux_pidns_new(int proc_fd, bool is_procfs, struct linux_pidns **out)
{
	struct linux_pidns *p = calloc(1, sizeof(*p));
	uint64_t self_id;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->proc_fd = proc_fd;
	for (size_t i = 0; i < CACHE_SIZE; i++)
		p->table[i].fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	if (link_id(p, "self", &self_id))
		self_id = 0;
	p->root_id = root_namespace(p, self_id);
	p->parents = is_procfs;
	/* The ioctls read pids in the daemon's own namespace: only where
	 * the proc root numbers them the same way. */
	p->ioctls = is_procfs && p->root_id && self_id == p->root_id &&
		    probe_ioctls(p);
	log_debug("pid namespaces: %s", p->ioctls ? "nsfs ioctls" : "NSpid");
	*out = p;
	return 0;
}

void linux_pidns_free(struct linux_pidns *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < CACHE_SIZE; i++)
		if (p->table[i].fd >= 0)
			close(p->table[i].fd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
