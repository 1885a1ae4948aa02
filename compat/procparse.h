/*
 * Parsers for the text formats of Linux /proc. They work on a byte buffer
 * that need not be NUL-terminated, never read past buf + len, do no I/O and
 * allocate nothing. Each returns 0, or -EINVAL for malformed input (*out is
 * then unspecified).
 */
#ifndef RCAPFS_COMPAT_PROCPARSE_H
#define RCAPFS_COMPAT_PROCPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compat/backend.h"

/* PF_KTHREAD in the flags field of PID/stat: a kernel thread. */
#define RCAPFS_PF_KTHREAD 0x00200000u

/* Parse a /proc directory name as a pid: a whole decimal 1..INT_MAX without
 * leading zeros, the way procfs names them. Returns 0 or -EINVAL. */
int rcapfs_procparse_pid(const char *buf, size_t len, pid_t *out);

/* The fields of PID/stat that rcapfs uses. */
struct rcapfs_procparse_stat {
	pid_t pid;
	char comm[RCAPFS_COMM_LEN]; /* cut to 15 bytes, NUL-terminated */
	char state;
	pid_t ppid;
	uint64_t flags;	      /* PF_* */
	uint64_t majflt;      /* field 12 */
	uint64_t utime_ticks; /* field 14 */
	uint64_t stime_ticks; /* field 15 */
	uint64_t start_ticks; /* field 22 */
	uint64_t vsize_bytes; /* field 23 */
	uint64_t rss_pages;   /* field 24 */
};

/* Parse PID/stat. comm is what lies between the first '(' and the last ')',
 * so it may hold spaces, parentheses and newlines. Returns 0 or -EINVAL. */
int rcapfs_procparse_stat(const char *buf, size_t len,
			  struct rcapfs_procparse_stat *out);

/* The fields of PID/status that rcapfs uses. */
struct rcapfs_procparse_status {
	pid_t tgid;
	uid_t ruid;
	gid_t rgid;
	bool has_vm; /* VmSize and VmRSS present (not without an mm) */
	uint64_t vm_kb;
	uint64_t rss_kb;
};

/* Parse PID/status: Tgid, Uid and Gid are required (the real ids are the
 * first numbers), VmSize and VmRSS come together or not at all (0 then).
 * Returns 0 or -EINVAL. */
int rcapfs_procparse_status(const char *buf, size_t len,
			    struct rcapfs_procparse_status *out);

/* Find the cgroup path that governs memory in PID/cgroup: a v1 line whose
 * controller list holds "memory" wins (memory is controlled there), else
 * the v2 "0::" line. On 0, *path points into buf with *path_len bytes (not
 * NUL-terminated), or is NULL when there is neither line. Returns 0 or
 * -EINVAL. */
int rcapfs_procparse_cgroup(const char *buf, size_t len, const char **path,
			    size_t *path_len);

/* Parse /proc/meminfo: MemTotal, MemAvailable, SwapTotal and SwapFree are
 * required, in kB; *out gets them in bytes. Returns 0 or -EINVAL. */
int rcapfs_procparse_meminfo(const char *buf, size_t len,
			     struct rcapfs_meminfo *out);

/* Parse PID/statm: its first two numbers, the size and the resident set in
 * pages. Returns 0 or -EINVAL. */
int rcapfs_procparse_statm(const char *buf, size_t len, uint64_t *size_pages,
			   uint64_t *resident_pages);

/* Parse PID/smaps_rollup: the Pss line, required, in kB. Returns 0 or
 * -EINVAL. */
int rcapfs_procparse_rollup_pss(const char *buf, size_t len, uint64_t *pss_kb);

/* One mapping of PID/smaps or PID/maps. */
struct rcapfs_procparse_vma {
	struct rcapfs_mapping map; /* map.name left NULL */
	const char *name;	   /* into buf: name_len bytes, no NUL */
	size_t name_len;
};

/*
 * Parse the mapping at *pos of PID/smaps: the header line
 * "start-end perms offset major:minor inode [name]" (the name runs to the
 * end of the line and may hold spaces), then "Key: value" lines up to the
 * next header. PID/maps parses too: it has the header lines only, and the
 * counters stay 0. Flags come from perms, inode, name and VmFlags; shmid is
 * the inode of a SysV segment ("/SYSV<key>"), -1 otherwise. Returns 1 with
 * *out filled and *pos moved past the mapping, 0 when *pos is the end of
 * buf, or -EINVAL for a malformed mapping (*pos unchanged).
 */
int rcapfs_procparse_smaps_next(const char *buf, size_t len, size_t *pos,
				struct rcapfs_procparse_vma *out);

/* Nesting levels of pid namespaces: the kernel stops at 32 below the
 * initial one, so an NSpid line has at most 33 numbers. */
#define RCAPFS_PIDNS_LEVELS 33

/* Parse the NSpid line of PID/status: the pid of the process in each pid
 * namespace it belongs to, the proc root's first, its own last. On 0,
 * out[0..*n) holds them; *n is 0 when the line is absent (kernels before
 * 4.1). Returns 0 or -EINVAL (a malformed line, or more than
 * RCAPFS_PIDNS_LEVELS numbers). */
int rcapfs_procparse_nspid(const char *buf, size_t len,
			   pid_t out[RCAPFS_PIDNS_LEVELS], size_t *n);

/* Parse a namespace link as readlink(2) gives PID/ns/TYPE, e.g.
 * "pid:[4026531836]", into its inode number. type is the expected type
 * ("pid"). Returns 0 or -EINVAL. */
int rcapfs_procparse_ns_link(const char *buf, size_t len, const char *type,
			     uint64_t *ino);

#endif
