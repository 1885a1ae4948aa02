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

/* Bytes of the pagedata of a process with these mappings, pages of
 * page_size bytes: the header, and per mapping a prasmap_t and its flag
 * bytes padded to 8. As on Solaris, a MAP_NORESERVE mapping with nothing
 * resident or swapped (a reservation) is left out. */
uint64_t rcapfs_procfs_pagedata_size(const struct rcapfs_mapping_list *ml,
				     uint32_t page_size);

/* Append the pagedata of snapshot s to out: PG_HWMAPPED for present pages
 * (the zero page excepted), PG_REFERENCED and PG_MODIFIED as the snapshot
 * has them. Returns 0, -EINVAL when s is inconsistent (a page count that
 * does not match its mappings), -EFBIG when it would hold more than
 * RCAPFS_TRACKER_MAX_PAGES pages, or -ENOMEM; out is unchanged on error. */
int rcapfs_procfs_render_pagedata(const struct rcapfs_snapshot *s,
				  struct rcapfs_buf *out);

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
 * start_ticks, or 0) now, from its mappings, which c (if not NULL) keeps.
 * Returns 0, -ENOENT when the process is gone, or another -errno. */
int rcapfs_procfs_sizes(struct rcapfs_backend *be,
			struct rcapfs_procfs_cache *c, pid_t pid,
			uint64_t start_ticks, uint64_t *pagedata_bytes,
			uint64_t *xmap_bytes);

/*
 * One open pagedata descriptor: a tracker reader of its own, so the first
 * read reports activity since open and each read clears what it reported
 * for this descriptor only.
 */
struct rcapfs_pagedata;

/* Open process pid (as started at start_ticks; 0 = whoever has the pid
 * now) on tracker tr (borrowed, must outlive the descriptor). max_chunk is
 * the largest read the kernel passes on in one request (see
 * rcapfs_pagedata_read). Returns 0 and a descriptor closed with
 * rcapfs_pagedata_close, -ENOENT when the process is gone, or -errno. */
int rcapfs_pagedata_open(struct rcapfs_tracker *tr, pid_t pid,
			 uint64_t start_ticks, size_t max_chunk,
			 struct rcapfs_pagedata **out);

/* Close and free a descriptor; NULL is fine. */
void rcapfs_pagedata_close(struct rcapfs_pagedata *pd);

/*
 * One read request of len bytes at offset off into buf; *done is the bytes
 * written. A read(2) arrives as one request, or, above max_chunk, as
 * requests of at most max_chunk bytes at consecutive offsets: the first
 * takes a whole snapshot (its offset is ignored), the following ones are
 * served from it. A read(2) whose buffer cannot hold the snapshot fails
 * with -E2BIG and clears nothing; when the kernel hides the buffer's size
 * (a snapshot above max_chunk) such a read ends short instead, and clears
 * nothing either: what it did not deliver is reported again by the next
 * read. Returns 0, -E2BIG, -ENOENT when the process is gone, or -errno.
 * Calls on one descriptor are serialised.
 */
int rcapfs_pagedata_read(struct rcapfs_pagedata *pd, off_t off, void *buf,
			 size_t len, size_t *done);

#endif
