/*
 * A fake OS backend for unit tests: a process table, memory figures and
 * user/group names that the test sets, served through the real ops table.
 */
#ifndef RCAPFS_TESTS_FAKE_BACKEND_H
#define RCAPFS_TESTS_FAKE_BACKEND_H

#include "compat/backend.h"

/* Returns a new backend (free with rcapfs_backend_free) with no processes,
 * 8 GiB of memory of which 4 GiB available, no swap, no features, and the
 * users root (0) and nobody (65534), groups root (0) and nogroup (65534).
 * Aborts the test on ENOMEM. */
struct rcapfs_backend *fake_backend_new(void);

/* Replace the process table with a copy of procs[0..n) (cgroup strings are
 * copied too). The fake sorts by pid as the real one does. */
void fake_backend_set_procs(struct rcapfs_backend *be,
			    const struct rcapfs_proc *procs, size_t n);

/* Change one process's rss and vm (kB) in place; it must exist. */
void fake_backend_set_rss(struct rcapfs_backend *be, pid_t pid,
			  uint64_t rss_kb, uint64_t vm_kb);

void fake_backend_set_meminfo(struct rcapfs_backend *be,
			      const struct rcapfs_meminfo *mi);

void fake_backend_add_user(struct rcapfs_backend *be, const char *name,
			   uid_t uid);
void fake_backend_add_group(struct rcapfs_backend *be, const char *name,
			    gid_t gid);

/* How many times procs() (a full walk) and proc_sample() were called. */
unsigned fake_backend_walks(const struct rcapfs_backend *be);
unsigned fake_backend_samples(const struct rcapfs_backend *be);

#endif
