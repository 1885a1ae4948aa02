/*
 * M/proc/PID/pagedata and xmap: the Solaris binary files of
 * include/rcapfs/procfs.h, rendered from the reference tracker's snapshots
 * and the backend's mapping lists. FUSE-free so it is unit-tested without a
 * mount; fs/ops.c only forwards reads to it.
 */
#ifndef RCAPFS_FS_PROCFS_H
#define RCAPFS_FS_PROCFS_H

#include "compat/backend.h"
#include "compat/buf.h"
#include "scanner/tracker.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes of the pagedata of snapshot s: the header, and per entry a
 * prasmap_t and its flag bytes padded to 8. An entry is a mapping, as on
 * Solaris, but for MAP_NORESERVE mappings: their pages that never
 * materialised are left out (a mapping with none, a reservation, has no
 * entry; one in part materialised has one per run of pages that did). */
uint64_t rcapfs_procfs_pagedata_size(const struct rcapfs_snapshot *s);

/* flags of rcapfs_procfs_render_pagedata and rcapfs_pagedata_open. */
#define RCAPFS_PAGEDATA_HWMAPPED 0x1 /* PG_HWMAPPED on present pages */

/* Append the pagedata of snapshot s to out: PG_REFERENCED and PG_MODIFIED
 * as the snapshot has them, and with RCAPFS_PAGEDATA_HWMAPPED in flags
 * PG_HWMAPPED for present pages (the zero page excepted), which Solaris
 * never sets. Returns 0, -EINVAL when s is inconsistent (a page count that
 * does not match its mappings), -EFBIG when it would hold more than
 * RCAPFS_TRACKER_MAX_PAGES pages, or -ENOMEM; out is unchanged on error. */
int rcapfs_procfs_render_pagedata(const struct rcapfs_snapshot *s,
				  unsigned flags, struct rcapfs_buf *out);

/* Bytes of the xmap of a process with these mappings. */
uint64_t rcapfs_procfs_xmap_size(const struct rcapfs_mapping_list *ml);

/* Append one prxmap_t per mapping of ml to out, counts in pages of
 * page_size bytes. Returns 0, -EINVAL (a page size under 1 KiB) or
 * -ENOMEM; out is unchanged on error. */
int rcapfs_procfs_render_xmap(const struct rcapfs_mapping_list *ml,
			      uint32_t page_size, struct rcapfs_buf *out);

/*
 * The mappings a size query read, kept for a moment for the xmap open that
 * usually follows: the kernel looks a file up (which asks its size) just
 * before it opens it, and each costs a walk of the address space. One
 * entry, taken by the first xmap rendering of the same process within
 * ttl_ns of the query. Thread-safe.
 */
struct rcapfs_procfs_cache;

/* Returns 0 and an empty cache freed with rcapfs_procfs_cache_free, or
 * -ENOMEM. */
int rcapfs_procfs_cache_new(int64_t ttl_ns, struct rcapfs_procfs_cache **out);

/* Free a cache and what it holds; NULL is fine. */
void rcapfs_procfs_cache_free(struct rcapfs_procfs_cache *c);

/* The bytes of process pid's xmap (started at start_ticks; 0 = whoever has
 * the pid now), appended to out, from the mappings cache c holds for it if
 * any (c may be NULL). Returns 0, -ENOENT when the process is gone, or
 * another -errno from the backend. */
int rcapfs_procfs_xmap(struct rcapfs_backend *be, struct rcapfs_procfs_cache *c,
		       pid_t pid, uint64_t start_ticks, struct rcapfs_buf *out);

/* The size of the pagedata and xmap of process pid (started at
 * start_ticks, or 0) now, from its mappings, which c (if not NULL) keeps,
 * and the pages of its MAP_NORESERVE mappings in part materialised (the
 * only ones pagedata's size depends on). Returns 0, -ENOENT when the
 * process is gone, or another -errno. */
int rcapfs_procfs_sizes(struct rcapfs_backend *be,
			struct rcapfs_procfs_cache *c, pid_t pid,
			uint64_t start_ticks, uint64_t *pagedata_bytes,
			uint64_t *xmap_bytes);

#endif
