/*
 * The OS backend: every OS-specific call rcapfs makes goes through this ops
 * table. compat/linux.c implements it for Linux, compat/stub.c answers
 * -ENOSYS everywhere so other hosts still build, and tests plug in fakes.
 * Every op returns 0 or -errno; -ENOSYS means "absent on this host".
 */
#ifndef RCAPFS_COMPAT_BACKEND_H
#define RCAPFS_COMPAT_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RCAPFS_COMM_LEN 16 /* comm as the kernel keeps it, with its NUL */

/* One process as a sample sees it. */
struct rcapfs_proc {
	pid_t pid;
	pid_t ppid;
	uid_t ruid;
	gid_t rgid;
	uint64_t start_ticks; /* start time, clock ticks since boot */
	uint64_t rss_kb;      /* VmRSS */
	uint64_t vm_kb;       /* VmSize */
	char comm[RCAPFS_COMM_LEN];
	char *cgroup; /* v2 path (or v1 memory path); NULL unless asked for */
};

/* A process table; owned by the caller, freed with rcapfs_proc_list_free. */
struct rcapfs_proc_list {
	struct rcapfs_proc *procs; /* sorted by pid */
	size_t n;
};

/* Flags for procs(). */
#define RCAPFS_PROCS_CGROUP 0x1 /* also fill rcapfs_proc.cgroup */

struct rcapfs_meminfo {
	uint64_t mem_total;     /* bytes */
	uint64_t mem_available; /* bytes */
	uint64_t swap_total;    /* bytes */
	uint64_t swap_free;     /* bytes */
};

/* Kernel features, probed once when the backend is created. */
struct rcapfs_features {
	bool process_madvise;
	bool pagemap_scan;
	bool idle_page_tracking;
	bool soft_dirty;
	bool pfn_visible;
	bool cgroup_v2;
};

struct rcapfs_backend_ops {
	const char *name;

	/* Fill *out with every process visible now (threads and kernel
	 * threads excluded: they have no memory of their own to cap).
	 * Processes that vanish during the walk are left out silently.
	 * Returns 0 or -errno; on error *out is empty. */
	int (*procs)(void *ctx, unsigned flags, struct rcapfs_proc_list *out);

	/* Look up one process: returns 0, -ESRCH if there is no such
	 * process, or another -errno. */
	int (*proc)(void *ctx, pid_t pid, unsigned flags,
		    struct rcapfs_proc *out);

	/* Cheap re-sample of a known process (one small read): rss and vm.
	 * Returns 0, -ESRCH when it is gone or its start time is not
	 * start_ticks (the pid was reused), or another -errno. */
	int (*proc_sample)(void *ctx, pid_t pid, uint64_t start_ticks,
			   uint64_t *rss_kb, uint64_t *vm_kb);

	/* System memory figures. Returns 0 or -errno. */
	int (*meminfo)(void *ctx, struct rcapfs_meminfo *out);

	/* Features found at creation. Returns 0 or -ENOSYS. */
	int (*features)(void *ctx, struct rcapfs_features *out);

	/* Name <-> id lookups for membership rules: 0, -ENOENT or -errno. */
	int (*user_uid)(void *ctx, const char *name, uid_t *out);
	int (*group_gid)(void *ctx, const char *name, gid_t *out);

	/* Detach a mount left dead by a crashed daemon (ENOTCONN), lazily
	 * so busy users do not block it. Returns 0 or -errno. */
	int (*detach_mount)(void *ctx, const char *path);

	/* Release the context. */
	void (*free)(void *ctx);
};

struct rcapfs_backend {
	const struct rcapfs_backend_ops *ops;
	void *ctx;
};

/*
 * Create this host's backend. proc_root is the procfs directory (normally
 * "/proc"), sys_root the sysfs directory ("/sys"); both are opened once as
 * directory fds and every access goes through them. Returns 0 and a backend
 * the caller frees with rcapfs_backend_free(), or -errno.
 */
int rcapfs_backend_new(const char *proc_root, const char *sys_root,
		       struct rcapfs_backend **out);

/* Free a backend from rcapfs_backend_new() (or a test's); NULL is fine. */
void rcapfs_backend_free(struct rcapfs_backend *be);

/* Free the contents of a list (procs and their cgroup strings) and empty it.
 */
void rcapfs_proc_list_free(struct rcapfs_proc_list *list);

/* Free the cgroup string of one process and clear it. */
void rcapfs_proc_release(struct rcapfs_proc *p);

#endif
