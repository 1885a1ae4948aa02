/*
 * What the files of the Linux backend share: its context, the task it
 * holds a process by, the kernel interfaces the C library may lack, and
 * the helpers and ops each file gives the others. Private to
 * compat/linux/; the rest of rcapfs sees the backend through its ops table
 * (compat/backend.h) alone.
 */
#ifndef RCAPFS_COMPAT_LINUX_LINUX_I_H
#define RCAPFS_COMPAT_LINUX_LINUX_I_H

#include "compat/backend.h"
#include "compat/buf.h"

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/uio.h>

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

#define IDLE_BITMAP "kernel/mm/page_idle/bitmap"

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
	unsigned can; /* RCAPFS_CAN_*, from the features */
	/* The pid namespaces of callers (pidns.c). */
	struct linux_pidns *pidns;
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

/*
 * What each file gives the others. The ops (linux_procs ...) do what
 * compat/backend.h says of them; probe.c puts them in the ops table.
 */

/* ---- procs.c: the process table and the records of /proc ---- */

/* Write "PID/file" into dst (PID_PATH_SIZE bytes), without stdio. */
void linux_pid_path(char *dst, pid_t pid, const char *file);

/* Read fd until end of file onto b, chunk bytes a read. Returns 0 or
 * -errno. */
int linux_read_rest(int fd, struct rcapfs_buf *b, size_t chunk);

/*
 * Read a /proc file made of one record (stat, status, cgroup, meminfo).
 * procfs hands such a record over whole, so a read that does not fill stack
 * is the end of the file and the common case costs one open, one read and
 * one close. A longer file continues into big, which the caller releases.
 * On 0, *data and *len describe the contents (in stack or in big). Returns
 * 0 or -errno.
 */
int linux_read_record(int dirfd, const char *path, char *stack, size_t size,
		      struct rcapfs_buf *big, const char **data, size_t *len);

/* A /proc file the kernel would never write: log it (it is a surprise) and
 * return -EINVAL. */
int linux_malformed(pid_t pid, const char *file);

int linux_procs(void *ctx, unsigned flags, struct rcapfs_proc_list *out);
int linux_proc(void *ctx, pid_t pid, unsigned flags, struct rcapfs_proc *out);
int linux_proc_sample(void *ctx, pid_t pid, uint64_t start_ticks,
		      struct rcapfs_proc_usage *out);
int linux_meminfo(void *ctx, struct rcapfs_meminfo *out);

/* ---- users.c: user and group names ---- */
int linux_user_uid(void *ctx, const char *name, uid_t *out);
int linux_group_gid(void *ctx, const char *name, gid_t *out);

/* ---- mount.c: detaching a dead mount ---- */
int linux_detach_mount(void *ctx, const char *path);

/* ---- task.c: a process held through its pidfd and PID directory ---- */

/* Whether the process of t lives: 0, -ESRCH once it has exited (zombies
 * included), or another -errno. */
int linux_task_lives(struct rcapfs_task *t);

/* Read file of t's PID directory whole into b (smaps, maps), growing it
 * as needed. An empty file is the process gone if it no longer lives.
 * Returns 0 or -errno. */
int linux_read_task_text(struct rcapfs_task *t, const char *file,
			 struct rcapfs_buf *b);

int linux_task_open(void *ctx, pid_t pid, uint64_t start_ticks,
		    struct rcapfs_task **out);
void linux_task_close(void *ctx, struct rcapfs_task *t);
int linux_task_alive(void *ctx, struct rcapfs_task *t);
int linux_task_rss(void *ctx, struct rcapfs_task *t, uint64_t *rss_kb);
int linux_task_pss(void *ctx, struct rcapfs_task *t, uint64_t *pss_kb);
int linux_mappings(void *ctx, struct rcapfs_task *t,
		   struct rcapfs_mapping_list *out);

/* ---- pages.c: the pages of a task ---- */
int linux_pages(void *ctx, struct rcapfs_task *t, uint64_t start, uint64_t end,
		unsigned want, uint8_t *flags);
int linux_task_pfns(void *ctx, struct rcapfs_task *t, uint64_t **pfns,
		    size_t *n);
int linux_clear(void *ctx, struct rcapfs_task *t, unsigned what);

/* ---- pageout.c: process_madvise ---- */

/* process_madvise(2) without the C library's wrapper, which it may lack:
 * -1 with errno ENOSYS where the system call is unknown. */
long linux_process_madvise(int pidfd, const struct iovec *iov, size_t n,
			   int advice);

int linux_pageout(void *ctx, struct rcapfs_task *t,
		  const struct rcapfs_range *ranges, size_t n,
		  enum rcapfs_advice advice, uint64_t *done_bytes);

/* ---- forks.c: fork events from the proc connector ---- */
int linux_forks_open(void *ctx, struct rcapfs_forks **out);
int linux_forks_wait(void *ctx, struct rcapfs_forks *f, struct rcapfs_fork *ev,
		     size_t n, int timeout_ms);
void linux_forks_close(void *ctx, struct rcapfs_forks *f);

/* ---- pidns.c: pids in a caller's pid namespace ---- */

/* What the backend knows of the pid namespaces its callers are in. */
struct linux_pidns;

/* A cache on the proc root proc_fd (borrowed: it must outlive the cache);
 * is_procfs says it is a real procfs, whose namespace links take nsfs
 * ioctls. Returns 0 and a cache freed with linux_pidns_free, or -errno. */
int linux_pidns_new(int proc_fd, bool is_procfs, struct linux_pidns **out);

/* Free a cache from linux_pidns_new; NULL is fine. */
void linux_pidns_free(struct linux_pidns *p);

int linux_pidns_of(void *ctx, pid_t pid, uint64_t *ns_id);
int linux_pids_to_ns(void *ctx, pid_t caller, const pid_t *pids, pid_t *out,
		     size_t n);
int linux_pid_from_ns(void *ctx, pid_t caller, pid_t ns_pid, pid_t *out);
int linux_pidns_initial(void *ctx, bool *initial);

#endif
