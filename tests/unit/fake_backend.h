/*
 * A fake OS backend for unit tests: a process table, memory figures and
 * user/group names that the test sets, served through the real ops table;
 * and simulated address spaces for the memory ops (task_open ... pageout),
 * with pageout behaving as the kernel's MADV_PAGEOUT / MADV_COLD do. As the
 * real backend, pages() gives RCAPFS_PAGE_EXCLUSIVE only when asked for.
 * Pid namespaces are flat: the host's, which the daemon is in, and those
 * of fake_backend_set_pidns.
 */
#ifndef RCAPFS_TESTS_FAKE_BACKEND_H
#define RCAPFS_TESTS_FAKE_BACKEND_H

#include "compat/backend.h"

/* Returns a new backend (free with rcapfs_backend_free) with no processes,
 * 8 GiB of memory of which 4 GiB available, no swap, no features but a
 * 4 KiB page size, and the users root (0) and nobody (65534), groups root
 * (0) and nogroup (65534). Aborts the test on ENOMEM. */
struct rcapfs_backend *fake_backend_new(void);

/* Replace the process table with a copy of procs[0..n) (cgroup strings are
 * copied too). The fake sorts by pid as the real one does. Address spaces
 * (below) are kept: they belong to pids. procs() and proc() give the RSS
 * limit set here only to callers that ask for it (RCAPFS_PROCS_RLIMIT). */
void fake_backend_set_procs(struct rcapfs_backend *be,
			    const struct rcapfs_proc *procs, size_t n);

/* The process runs for ticks of CPU time (its cpu_ticks grow); it must
 * exist. */
void fake_backend_run(struct rcapfs_backend *be, pid_t pid, uint64_t ticks);

/* The major faults of a process: touches of pages that were paged out
 * (brought back from disk or swap). It must exist. */
uint64_t fake_backend_majflt(struct rcapfs_backend *be, pid_t pid);

/* Change one process's rss and vm (kB) in place; it must exist. Once a
 * process has mappings, its rss is that of its pages instead. */
void fake_backend_set_rss(struct rcapfs_backend *be, pid_t pid, uint64_t rss_kb,
			  uint64_t vm_kb);

/* Memory figures. swap_free is the room pageout may fill: meminfo()
 * reports it less what pageout has put in swap since. */
void fake_backend_set_meminfo(struct rcapfs_backend *be,
			      const struct rcapfs_meminfo *mi);

void fake_backend_add_user(struct rcapfs_backend *be, const char *name,
			   uid_t uid);
void fake_backend_add_group(struct rcapfs_backend *be, const char *name,
			    gid_t gid);

/* From now on proc() answers err (a -errno) for every pid, as when /proc
 * cannot be read (the daemon out of fds); 0 makes it answer again. */
void fake_backend_fail_proc(struct rcapfs_backend *be, int err);

/* Pid namespaces. A process is in the host's (FAKE_BACKEND_HOST_PIDNS),
 * which numbers every process as the table does, unless set here: host pid
 * pid (a process or only a caller) is then ns_pid in namespace ns, which
 * sees only the processes set in it. Up to FAKE_BACKEND_PIDNS of them. */
#define FAKE_BACKEND_HOST_PIDNS 1
#define FAKE_BACKEND_PIDNS	16
void fake_backend_set_pidns(struct rcapfs_backend *be, pid_t pid, uint64_t ns,
			    pid_t ns_pid);

/* How many times procs() (a full walk) and proc_sample() were called. */
unsigned fake_backend_walks(const struct rcapfs_backend *be);
unsigned fake_backend_samples(const struct rcapfs_backend *be);

/* ---- Simulated address spaces ---- */

/* What features() reports. page_size must stay a power of two; change it
 * only before adding mappings. Idle page tracking makes pages() report
 * REFERENCED, soft_dirty makes it report DIRTY, pfn_visible makes
 * task_pfns() answer (else -EPERM). can() follows as on Linux: it always
 * has RCAPFS_CAN_PAGEOUT and _PAGE_PRESENT, _PAGE_REFERENCED with idle
 * page tracking and pfn_visible, _PAGE_DIRTY with soft_dirty,
 * _MAPPING_REFERENCED with clear_refs, _FORK_EVENTS once forks are
 * enabled (below). */
void fake_backend_set_features(struct rcapfs_backend *be,
			       const struct rcapfs_features *f);

/* Features of a host where pageout works and the reference tracker
 * (scanner/tracker.h) has fidelity page (idle page tracking, visible page
 * frame numbers), mapping (clear_refs alone) or none (a page size alone,
 * as a new fake has; no pageout either). */
extern const struct rcapfs_features fake_backend_page_features;
extern const struct rcapfs_features fake_backend_mapping_features;
extern const struct rcapfs_features fake_backend_none_features;

/* What can() reports from now on (RCAPFS_CAN_* bits), whatever the
 * features; the ops themselves behave as before. */
void fake_backend_set_can(struct rcapfs_backend *be, unsigned can);

/* Empty swap space of bytes (0 = no swap: anonymous pages cannot be paged
 * out): swap_total and swap_free, less what pageout puts there. */
void fake_backend_set_swap(struct rcapfs_backend *be, uint64_t bytes);

/*
 * Give process pid (which must be in the table) a mapping: the fields of
 * *m that describe it (start, end, offset, dev, inode, flags, shmid, name,
 * kernel/mmu page sizes; name is copied) are kept, the figures (rss_kb,
 * referenced_kb ...) are computed from its pages whenever mappings() is
 * called. Every page starts not present. Mappings must not overlap and
 * must be page aligned; they are kept in address order.
 */
void fake_backend_add_mapping(struct rcapfs_backend *be, pid_t pid,
			      const struct rcapfs_mapping *m);

/* Remove the mapping starting at start (munmap). */
void fake_backend_remove_mapping(struct rcapfs_backend *be, pid_t pid,
				 uint64_t start);

/* Replace the RCAPFS_MAP_* flags of the mapping starting at start, as
 * mlock(2) and munlock(2) change them: pageout refuses a range that
 * touches a locked mapping. */
void fake_backend_set_map_flags(struct rcapfs_backend *be, pid_t pid,
				uint64_t start, uint32_t flags);

/*
 * The process accesses [start, end) (page aligned; holes are skipped):
 * each page becomes PRESENT and REFERENCED (a page faulted in fresh is
 * EXCLUSIVE, a swapped one comes back from swap), and with write also
 * DIRTY and modified. A read of an anonymous page faults a real page, not
 * the zero page. Pages of anonymous or shared anonymous mappings, and
 * written pages of private file mappings (copy on write), are anonymous:
 * they need swap to be paged out. A page brought back after it was paged
 * out is a major fault of the process (when it is in the table).
 */
void fake_backend_touch(struct rcapfs_backend *be, pid_t pid, uint64_t start,
			uint64_t end, bool write);

/* Set and then clear RCAPFS_PAGE_* bits of the pages of [start, end)
 * directly, e.g. clear EXCLUSIVE to make pages shared with another
 * process, or set ZERO. */
void fake_backend_set_page_flags(struct rcapfs_backend *be, pid_t pid,
				 uint64_t start, uint64_t end, uint8_t set,
				 uint8_t clear);

/* The RCAPFS_PAGE_* bits of the page at addr (0 outside any mapping),
 * whatever the features. */
uint8_t fake_backend_page_flags(struct rcapfs_backend *be, pid_t pid,
				uint64_t addr);

/* KiB of present pages (the zero page excluded) in [start, end). */
uint64_t fake_backend_present_kb(struct rcapfs_backend *be, pid_t pid,
				 uint64_t start, uint64_t end);

/* The process exits: it leaves the table, its address space is gone, and
 * every task op on it answers -ESRCH. */
void fake_backend_exit(struct rcapfs_backend *be, pid_t pid);

/* The pid is reused: the process in the table gets new_start_ticks, so
 * tasks opened on the old process answer -ESRCH. The address space is
 * kept as it is, so a test can tell whether anyone touched it. */
void fake_backend_reuse_pid(struct rcapfs_backend *be, pid_t pid,
			    uint64_t new_start_ticks);

/* Calls of the memory ops, and what pageout was asked to do. */
struct fake_backend_counts {
	unsigned task_opens;
	unsigned mappings;	/* mappings() calls */
	unsigned pages;		/* pages() calls */
	unsigned clears;	/* clear() calls */
	unsigned last_clear;	/* what the last clear() was asked */
	unsigned pageouts;	/* pageout() calls */
	uint64_t advised_bytes; /* sum of pageout()'s *done_bytes */
	uint64_t pfns;		/* task_pfns() calls */
	uint64_t pss;		/* task_pss() calls */
	unsigned forks_opens;	/* forks_open() calls */
};
void fake_backend_counts(struct rcapfs_backend *be,
			 struct fake_backend_counts *out);

/* How many times present pages of [start, end) of pid were advised out
 * with MADV_PAGEOUT, summed over the pages: measures how often a hot set
 * was paged out. */
uint64_t fake_backend_pageouts(struct rcapfs_backend *be, pid_t pid,
			       uint64_t start, uint64_t end);

/*
 * Run hook after each pageout() call has taken effect, without the fake's
 * lock held: it may call the helpers above (e.g. touch the hot region
 * again, as a process refaulting it would) or sleep. NULL removes it.
 */
typedef void (*fake_pageout_hook)(struct rcapfs_backend *be, pid_t pid,
				  enum rcapfs_advice advice, void *arg);
void fake_backend_set_pageout_hook(struct rcapfs_backend *be,
				   fake_pageout_hook hook, void *arg);

/*
 * Run hook after each proc_sample() call (a member re-read between two
 * walks), without the fake's lock held: it may do what another thread
 * would do meanwhile (write a cap, ...). NULL removes it.
 */
typedef void (*fake_sample_hook)(struct rcapfs_backend *be, pid_t pid,
				 void *arg);
void fake_backend_set_sample_hook(struct rcapfs_backend *be,
				  fake_sample_hook hook, void *arg);

/*
 * Fork events: off until enabled (forks_open answers -ENOSYS, as on a host
 * without them). fake_backend_fork queues one for the subscriber (at most
 * FAKE_BACKEND_FORKS queued; aborts beyond). fake_backend_forks_drained is
 * true once every queued event has been taken and the subscriber waits
 * for more, which means it has handled them.
 */
#define FAKE_BACKEND_FORKS 256
void fake_backend_enable_forks(struct rcapfs_backend *be);
void fake_backend_fork(struct rcapfs_backend *be, pid_t parent, pid_t child);
bool fake_backend_forks_drained(struct rcapfs_backend *be);

#endif
