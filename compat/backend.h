/*
 * The OS backend: every OS-specific call rcapfs makes goes through this ops
 * table. compat/linux/ implements it for Linux, compat/stub.c answers
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
	uint64_t vm_kb;	      /* VmSize */
	uint64_t cpu_ticks;   /* user + system CPU time, clock ticks */
	uint64_t majflt;      /* major page faults */
	char comm[RCAPFS_COMM_LEN];
	char *cgroup; /* v2 path (or v1 memory path); NULL unless asked for */
	/* The soft RLIMIT_RSS (never above the hard one) when finite;
	 * only with RCAPFS_PROCS_RLIMIT. */
	bool rlimit_rss_set;
	uint64_t rlimit_rss_bytes;
};

/* What a cheap re-sample of a known process reads (proc_sample). */
struct rcapfs_proc_usage {
	uint64_t rss_kb;
	uint64_t vm_kb;
	uint64_t cpu_ticks; /* user + system CPU time, clock ticks */
	uint64_t majflt;    /* major page faults */
};

/* A process table; owned by the caller, freed with rcapfs_proc_list_free. */
struct rcapfs_proc_list {
	struct rcapfs_proc *procs; /* sorted by pid */
	size_t n;
};

/* Flags for procs(). */
#define RCAPFS_PROCS_CGROUP 0x1 /* also fill rcapfs_proc.cgroup */
/* also fill rcapfs_proc.rlimit_rss_* (one prlimit(2) per process) */
#define RCAPFS_PROCS_RLIMIT 0x2

struct rcapfs_meminfo {
	uint64_t mem_total;	/* bytes */
	uint64_t mem_available; /* bytes */
	uint64_t swap_total;	/* bytes */
	uint64_t swap_free;	/* bytes */
};

/* Kernel features, probed once when the backend is created. */
struct rcapfs_features {
	uint32_t page_size; /* bytes */
	bool process_madvise;
	bool pagemap_scan;
	bool idle_page_tracking;
	bool soft_dirty;
	bool pfn_visible;
	bool cgroup_v2;
	bool clear_refs; /* per-mapping Referenced can be reset */
};

/*
 * What a backend can do (can()): scanner/ and fs/ ask for these instead
 * of assuming a kernel. Without a bit, the op it names answers -ENOSYS,
 * or leaves those bits out of what it fills.
 */
/* pageout() advises memory out of a process */
#define RCAPFS_CAN_PAGEOUT 0x01
/* pages() tells each page present, swapped or the zero page */
#define RCAPFS_CAN_PAGE_PRESENT 0x02
/* pages() tells each page referenced since clear() */
#define RCAPFS_CAN_PAGE_REFERENCED 0x04
/* pages() tells each page written since clear() */
#define RCAPFS_CAN_PAGE_DIRTY 0x08
/* mappings() tells referenced_kb of each mapping since clear() */
#define RCAPFS_CAN_MAPPING_REFERENCED 0x10
/* forks_open() gives fork events (it may still be refused: privileges) */
#define RCAPFS_CAN_FORK_EVENTS 0x20

/* ---- The memory of one process: scanner, pagedata and xmap ---- */

/* Mapping flags (struct rcapfs_mapping.flags). */
#define RCAPFS_MAP_READ	     0x0001
#define RCAPFS_MAP_WRITE     0x0002
#define RCAPFS_MAP_EXEC	     0x0004
#define RCAPFS_MAP_SHARED    0x0008 /* MAP_SHARED ('s' in maps perms) */
#define RCAPFS_MAP_ANON	     0x0010 /* no file behind it (heap, stack too) */
#define RCAPFS_MAP_HEAP	     0x0020 /* [heap] */
#define RCAPFS_MAP_STACK     0x0040 /* [stack], the main thread's stack */
#define RCAPFS_MAP_LOCKED    0x0080 /* mlocked (VmFlags lo) */
#define RCAPFS_MAP_HUGETLB   0x0100 /* hugetlbfs (VmFlags ht) */
#define RCAPFS_MAP_NORESERVE 0x0200 /* no swap reserved (VmFlags nr) */
#define RCAPFS_MAP_SYSV	     0x0400 /* SysV shared memory segment */
/* vdso, vvar, vsyscall, device memory (VmFlags io/pf/dd): never paged */
#define RCAPFS_MAP_SPECIAL 0x0800

/* One mapping (VMA) of a process, as smaps shows it. */
struct rcapfs_mapping {
	uint64_t start;	 /* first byte */
	uint64_t end;	 /* one past the last byte */
	uint64_t offset; /* into the file */
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t inode; /* 0 when anonymous */
	uint32_t flags; /* RCAPFS_MAP_* */
	int32_t shmid;	/* SysV shm id, -1 when not SysV */
	uint64_t rss_kb;
	uint64_t pss_kb;
	uint64_t anon_kb;	   /* Anonymous: private or COW pages */
	uint64_t shared_kb;	   /* Shared_Clean + Shared_Dirty */
	uint64_t private_dirty_kb; /* Private_Dirty */
	uint64_t referenced_kb;	   /* Referenced: since the last clear */
	uint64_t swap_kb;
	uint32_t kernel_page_kb; /* KernelPageSize */
	uint32_t mmu_page_kb;	 /* MMUPageSize */
	/* Path, "[heap]", "[stack]", "[vdso]"... as maps names it, "" when
	 * anonymous; points into the list's storage. */
	const char *name;
};

/* Mappings of a process, ascending by start; owned by the caller, freed
 * with rcapfs_mapping_list_free. */
struct rcapfs_mapping_list {
	struct rcapfs_mapping *maps;
	size_t n;
	char *names; /* storage behind every name */
};

/* Per-page flags, one byte per page (pages()). */
#define RCAPFS_PAGE_PRESENT 0x01 /* in RAM, mapped (pagemap bit 63) */
#define RCAPFS_PAGE_SWAPPED 0x02 /* in swap (pagemap bit 62) */
#define RCAPFS_PAGE_ZERO    0x04 /* the shared zero page: not in rss */
/* mapped by this process only; when asked for */
#define RCAPFS_PAGE_EXCLUSIVE 0x08
/* accessed since the last clear; page fidelity only */
#define RCAPFS_PAGE_REFERENCED 0x10
/* written since the last clear; soft-dirty only */
#define RCAPFS_PAGE_DIRTY 0x20

/* What clear() resets. */
#define RCAPFS_CLEAR_REFERENCED 0x1
#define RCAPFS_CLEAR_DIRTY	0x2
/* With RCAPFS_CLEAR_REFERENCED, only the referenced bits of mappings with
 * no file behind them (RCAPFS_MAP_ANON), or only those of the others: a
 * reset that skips a large idle heap costs a walk of the rest. A backend
 * may reset more than asked. */
#define RCAPFS_CLEAR_ONLY_ANON	0x4
#define RCAPFS_CLEAR_ONLY_FILES 0x8

/* Advice for pageout(). */
enum rcapfs_advice {
	RCAPFS_ADVICE_PAGEOUT = 0, /* MADV_PAGEOUT: reclaim now */
	RCAPFS_ADVICE_COLD = 1,	   /* MADV_COLD: deactivate only */
};

/* A byte range of an address space; page aligned. */
struct rcapfs_range {
	uint64_t start;
	uint64_t len;
};

/* A process held for memory work: a pidfd, so an exited or reused pid is
 * never touched, plus whatever the backend caches. Opaque. */
struct rcapfs_task;

/* A process created by fork (a thread is not one): child_tgid's parent
 * was parent_tgid when it was made. */
struct rcapfs_fork {
	pid_t parent_tgid;
	pid_t child_tgid;
};

/* A subscription to fork events (see forks_open). */
struct rcapfs_forks;

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

	/* Cheap re-sample of a known process (one small read): its usage.
	 * Returns 0, -ESRCH when it is gone or its start time is not
	 * start_ticks (the pid was reused), or another -errno. */
	int (*proc_sample)(void *ctx, pid_t pid, uint64_t start_ticks,
			   struct rcapfs_proc_usage *out);

	/* System memory figures. Returns 0 or -errno. */
	int (*meminfo)(void *ctx, struct rcapfs_meminfo *out);

	/* Features found at creation. Returns 0 or -ENOSYS. */
	int (*features)(void *ctx, struct rcapfs_features *out);

	/* What the backend can do: RCAPFS_CAN_* bits, fixed at creation. */
	unsigned (*can)(void *ctx);

	/* Name <-> id lookups for membership rules: 0, -ENOENT or -errno. */
	int (*user_uid)(void *ctx, const char *name, uid_t *out);
	int (*group_gid)(void *ctx, const char *name, gid_t *out);

	/* Hold process pid if it is still the one started at start_ticks
	 * (0: whichever process has the pid now). Returns 0 and a task the
	 * caller closes with task_close, -ESRCH when it is gone or the pid
	 * was reused, -EACCES/-EPERM, or another -errno. */
	int (*task_open)(void *ctx, pid_t pid, uint64_t start_ticks,
			 struct rcapfs_task **out);
	void (*task_close)(void *ctx, struct rcapfs_task *t);

	/* 0 while the process lives; -ESRCH once it has exited (zombies
	 * included). */
	int (*task_alive)(void *ctx, struct rcapfs_task *t);

	/* Resident memory now (statm): 0 or -errno (-ESRCH when gone). */
	int (*task_rss)(void *ctx, struct rcapfs_task *t, uint64_t *rss_kb);

	/* Proportional set size (smaps_rollup Pss): 0 or -errno. */
	int (*task_pss)(void *ctx, struct rcapfs_task *t, uint64_t *pss_kb);

	/* Page frame numbers of the present pages (zero page excluded), in
	 * address order, for unique accounting: 0 with a malloc'd array the
	 * caller frees, -EPERM when PFNs are hidden (needs CAP_SYS_ADMIN),
	 * or -errno. */
	int (*task_pfns)(void *ctx, struct rcapfs_task *t, uint64_t **pfns,
			 size_t *n);

	/* The mappings now (smaps). Returns 0 or -errno; -ESRCH when gone
	 * (an exited process reads as empty on Linux: reported as ESRCH). */
	int (*mappings)(void *ctx, struct rcapfs_task *t,
			struct rcapfs_mapping_list *out);

	/* Flags of each page of [start, end) (page aligned, within one
	 * mapping or several) into flags[(end - start) / page_size].
	 * RCAPFS_PAGE_EXCLUSIVE is filled only when asked for in want (it
	 * costs a pagemap read on top of PAGEMAP_SCAN); _REFERENCED and
	 * _DIRTY only when asked for and the backend can tell them
	 * (RCAPFS_CAN_PAGE_REFERENCED, _PAGE_DIRTY); the other bits always.
	 * Returns 0 or -errno. */
	int (*pages)(void *ctx, struct rcapfs_task *t, uint64_t start,
		     uint64_t end, unsigned want, uint8_t *flags);

	/* Reset the process's referenced and/or dirty tracking (what:
	 * RCAPFS_CLEAR_*): clear_refs, or marking its pages idle when idle
	 * page tracking is used. Returns 0 or -errno. */
	int (*clear)(void *ctx, struct rcapfs_task *t, unsigned what);

	/* Advise ranges (ascending, page aligned) through process_madvise,
	 * at most 1024 iovecs and about 2 GiB a call, looping on partial
	 * results. *done_bytes is what the kernel accepted (which is not
	 * what it freed). Returns 0, -ESRCH, -EINVAL (a locked or hugetlb
	 * range), -EPERM, -ENOSYS or another -errno; *done_bytes is set in
	 * every case. */
	int (*pageout)(void *ctx, struct rcapfs_task *t,
		       const struct rcapfs_range *ranges, size_t n,
		       enum rcapfs_advice advice, uint64_t *done_bytes);

	/*
	 * Fork events as they happen, so that pid-rule membership follows a
	 * child whose parent exits before the next walk (a daemon that
	 * detaches). forks_open returns 0 and a subscription the caller
	 * closes with forks_close, or -ENOSYS/-EPERM/-errno when the host
	 * gives none (Linux: the proc connector, root in the initial
	 * namespaces). forks_wait waits up to timeout_ms (negative: for
	 * ever) for events and puts at most n into ev: it returns how many
	 * (0 on timeout), -ENOBUFS when some were lost (events read before
	 * the loss come first; the caller cannot count on having seen every
	 * fork), or another -errno. One thread at a time per subscription.
	 */
	int (*forks_open)(void *ctx, struct rcapfs_forks **out);
	int (*forks_wait)(void *ctx, struct rcapfs_forks *f,
			  struct rcapfs_fork *ev, size_t n, int timeout_ms);
	void (*forks_close)(void *ctx, struct rcapfs_forks *f);

	/* Detach a mount left dead by a crashed daemon (ENOTCONN), lazily
	 * so busy users do not block it. Returns 0 or -errno. */
	int (*detach_mount)(void *ctx, const char *path);

	/*
	 * Pid namespaces: every pid rcapfs shows or reads is in its caller's
	 * namespace. Host pids are pids as the proc root numbers them (the
	 * daemon's namespace); pids name processes, not threads. caller is
	 * the pid or thread id of a process the daemon sees (the one making
	 * a request). Nothing forks; what a namespace needs is cached per
	 * namespace. The stub answers -ENOSYS to each: callers then take
	 * every caller to be in the daemon's namespace.
	 *
	 * pidns_of: the id of process pid's pid namespace, the same for all
	 * its processes while it lives. Returns 0, -ESRCH when pid is gone,
	 * or -errno.
	 * pids_to_ns: out[i] = host pid pids[i] as caller numbers it, 0
	 * where caller cannot see that process; a caller in the daemon's
	 * namespace gets pids back as they are. Returns 0, -ESRCH when caller
	 * is gone, or -errno.
	 * pid_from_ns: *out = the host pid of the process caller calls
	 * ns_pid. Returns 0, -ESRCH when caller sees no such process (or is
	 * gone), or -errno.
	 * pidns_initial: *initial = whether the daemon runs in the host's
	 * initial pid namespace; elsewhere it sees only the processes of its
	 * own, and callers from outside it come without a pid. Returns 0 or
	 * -errno.
	 */
	int (*pidns_of)(void *ctx, pid_t pid, uint64_t *ns_id);
	int (*pids_to_ns)(void *ctx, pid_t caller, const pid_t *pids,
			  pid_t *out, size_t n);
	int (*pid_from_ns)(void *ctx, pid_t caller, pid_t ns_pid, pid_t *out);
	int (*pidns_initial)(void *ctx, bool *initial);

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

/* The RCAPFS_CAN_* bits that features imply on their own: referenced
 * pages (idle page tracking with visible PFNs), written pages
 * (soft-dirty), referenced mappings (clear_refs). */
unsigned rcapfs_features_can(const struct rcapfs_features *f);

/* Whether be can do all of what (RCAPFS_CAN_* bits). */
bool rcapfs_backend_can(const struct rcapfs_backend *be, unsigned what);

/* Free a backend from rcapfs_backend_new() (or a test's); NULL is fine. */
void rcapfs_backend_free(struct rcapfs_backend *be);

/* Free the contents of a list (procs and their cgroup strings) and empty it.
 */
void rcapfs_proc_list_free(struct rcapfs_proc_list *list);

/* Free the cgroup string of one process and clear it. */
void rcapfs_proc_release(struct rcapfs_proc *p);

/* Free the contents of a mapping list and empty it. */
void rcapfs_mapping_list_free(struct rcapfs_mapping_list *list);

#endif
