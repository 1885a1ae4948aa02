/*
 * The reference tracker: the single place that reads and resets the
 * kernel's referenced/modified information of a process. Every consumer
 * (the scanner's view of a victim, each open pagedata descriptor) is a
 * reader with its own "since my last read" bits: when any reader reads, the
 * tracker samples the kernel, resets the kernel's bits once, and folds what
 * it saw into every reader of that process, so readers never clear each
 * other's bits. Thread-safe.
 */
#ifndef RCAPFS_SCANNER_TRACKER_H
#define RCAPFS_SCANNER_TRACKER_H

#include "compat/backend.h"
#include "rcapfs/stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rcapfs_tracker;	      /* opaque */
struct rcapfs_tracker_reader; /* opaque */

/* Returns 0 and a tracker over be (borrowed, must outlive it), freed with
 * rcapfs_tracker_free(); or -ENOMEM. The fidelity is decided here from
 * what the backend can do: page (RCAPFS_CAN_PAGE_REFERENCED), mapping
 * (RCAPFS_CAN_MAPPING_REFERENCED), or none. */
int rcapfs_tracker_new(struct rcapfs_backend *be, struct rcapfs_tracker **out);

/* Free a tracker whose readers are all closed. NULL is fine. */
void rcapfs_tracker_free(struct rcapfs_tracker *tr);

enum rcapfs_fidelity rcapfs_tracker_fidelity(const struct rcapfs_tracker *tr);

/* Start reading process pid (as started at start_ticks; 0 = whoever has
 * the pid now). Activity from now on is reported to this reader. Returns 0
 * and a reader closed with rcapfs_tracker_close(), -ESRCH, -EACCES, or
 * -ENOMEM. */
int rcapfs_tracker_open(struct rcapfs_tracker *tr, pid_t pid,
			uint64_t start_ticks,
			struct rcapfs_tracker_reader **out);

/* Stop reading and free the reader. NULL is fine. */
void rcapfs_tracker_close(struct rcapfs_tracker_reader *r);

/* Ask that the reader's snapshots also carry RCAPFS_PAGE_EXCLUSIVE (want:
 * 0 or RCAPFS_PAGE_EXCLUSIVE), which costs the backend more per read: the
 * scanner needs it, pagedata does not. */
void rcapfs_tracker_want(struct rcapfs_tracker_reader *r, unsigned want);

/* The task the reader holds (borrowed: valid until close), for callers
 * that act on the process (the scanner's pageout). */
struct rcapfs_task *rcapfs_tracker_task(struct rcapfs_tracker_reader *r);

/*
 * A snapshot of a process: its mappings and one flag byte per page
 * (RCAPFS_PAGE_PRESENT, _SWAPPED and _ZERO; _EXCLUSIVE when the reader
 * wants it; and RCAPFS_PAGE_REFERENCED / RCAPFS_PAGE_DIRTY as
 * far as the fidelity allows: at mapping fidelity every present page of a
 * mapping referenced since the reader's last read is marked referenced, and
 * no page is marked dirty).
 */
struct rcapfs_snapshot {
	struct rcapfs_mapping_list maps;
	uint8_t *pages; /* the pages of each mapping that has any, in order */
	/* Index into pages of each mapping's first page, or
	 * RCAPFS_SNAPSHOT_NO_PAGES (see rcapfs_snapshot_pages). */
	size_t *first_page;
	size_t npages;
	uint32_t page_size;
	enum rcapfs_fidelity fidelity;
	int64_t tstamp_ns; /* CLOCK_MONOTONIC when taken */
};

/* The first_page of a mapping with nothing resident or swapped when the
 * snapshot was taken (smaps Rss and Swap 0: a reservation, a hole): it
 * has no flag bytes, so a terabyte of reserved address space costs none. */
#define RCAPFS_SNAPSHOT_NO_PAGES SIZE_MAX

/* The flag bytes of mapping i of s (borrowed from s), or NULL when it had
 * nothing resident or swapped: then every page of it reads 0. */
static inline const uint8_t *
rcapfs_snapshot_pages(const struct rcapfs_snapshot *s, size_t i)
{
	return s->first_page[i] == RCAPFS_SNAPSHOT_NO_PAGES
		       ? NULL
		       : s->pages + s->first_page[i];
}

/* The most pages a snapshot holds flags for (256 GiB of 4 KiB pages with
 * something resident or swapped, 64 MiB of flags): per-page state of more
 * is refused rather than let one process grow the daemon without bound. */
#define RCAPFS_TRACKER_MAX_PAGES (1ULL << 26)

/* Take a snapshot for r. With consume, the reader's accumulated bits are
 * cleared afterwards (a pagedata read); without, they stay (a size query).
 * Returns 0 (release the snapshot with rcapfs_snapshot_release), -ESRCH
 * when the process is gone, -EFBIG when the mappings that hold pages span
 * more than RCAPFS_TRACKER_MAX_PAGES pages, or -errno. */
int rcapfs_tracker_read(struct rcapfs_tracker_reader *r, bool consume,
			struct rcapfs_snapshot *out);

/* Free a snapshot's contents. */
void rcapfs_snapshot_release(struct rcapfs_snapshot *s);

#endif
