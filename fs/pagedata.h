/*
 * M/proc/PID/pagedata (and pagedata_hw) descriptors: each open has its
 * own referenced and modified bits, as on Solaris. FUSE-free so it is
 * unit-tested without a mount; fs/ops.c only forwards to it.
 */
#ifndef RCAPFS_FS_PAGEDATA_H
#define RCAPFS_FS_PAGEDATA_H

#include "scanner/tracker.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * One open pagedata descriptor: a tracker reader of its own, so the first
 * read reports activity since open and each read clears what it reported
 * for this descriptor only.
 */
struct rcapfs_pagedata;

/* Open process pid (as started at start_ticks; 0 = whoever has the pid
 * now) on tracker tr (borrowed, must outlive the descriptor). max_chunk is
 * the largest read the kernel passes on in one request (see
 * rcapfs_pagedata_read); flags are RCAPFS_PAGEDATA_* (0: the bytes
 * Solaris gives). Returns 0 and a descriptor closed with
 * rcapfs_pagedata_close, -ENOENT when the process is gone, or -errno. */
int rcapfs_pagedata_open(struct rcapfs_tracker *tr, pid_t pid,
			 uint64_t start_ticks, size_t max_chunk, unsigned flags,
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
