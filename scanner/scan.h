/*
 * scan(collection, excess) as rcapd does it (doc/design.md §4), with
 * Linux means: a clock hand per collection that remembers its victim and
 * resume address; a victim's pages read through the reference tracker;
 * referenced pages get a second chance (skipped this pass, their bits
 * consumed); mappings whose pageout freed nothing go to an ignored set,
 * flushed every RCAPFS_SCAN_FLUSH_IVAL complete scans; pageout through the
 * backend (process_madvise) in batches; progress measured from the
 * victims' RSS drop. Processes are never stopped, and a victim that exits,
 * or whose pid is reused, is never touched (tasks are bound to the start
 * time).
 *
 * Keeping the hot set where the kernel gives no per-page referenced bits
 * (fidelity mapping or none): each mapping is cut into chunks of
 * RCAPFS_SCAN_CHUNK_BYTES. A chunk nothing is known of gets a probe: one
 * present page near its middle is paged out, and the rest of the chunk is
 * skipped. At the chunk's next pass, the probe page (or any page of a chunk
 * paged out whole) being present again means the process touched it: the
 * chunk is referenced, is skipped again and probed again (its second
 * chance). Otherwise the chunk is cold and paged out whole. A mapping the
 * kernel says was not referenced at all since the last pass (fidelity
 * mapping) is cold everywhere. With fidelity page, pages referenced since
 * the last pass are skipped one by one and nothing is probed.
 *
 * A victim's first pass only starts tracking it (where there are bits to
 * track): nothing is known cold before some time has passed, and the next
 * pass knows what was referenced since. So an idle victim is paged out at
 * its second pass without a probe; a busy one is probed at its second and
 * paged out around its hot set from its third. The caller leaves at least
 * a few hundred milliseconds between two scans of a collection (see
 * rcapfs_scan_result.pending) so that "not referenced since the last pass"
 * means something.
 *
 * A cap is a cap (rcapd's rule): when a pass from the head of the list
 * has paged out all the cold memory it found and the collection is still
 * over, referenced memory goes too, for what is left of the excess less
 * what the pass could not judge yet (chunks probed for the first time,
 * victims only starting to be tracked: they may turn out cold); in cold
 * mode, where RSS does not drop, what was advised counts as taken. Each chunk
 * keeps a history of its passes, one bit each, the newest highest (the
 * aging approximation of LRU); referenced chunks go in ascending order of
 * it, so the least recently referenced first, then in the order of the
 * pass.
 *
 * Idle victims (no CPU time for a while: the caller says which) are
 * scanned before busy ones, each class from its own hand, as the BSD
 * kernels swap out the processes that slept longest first.
 *
 * A scan state is used by one thread at a time.
 */
#ifndef RCAPFS_SCANNER_SCAN_H
#define RCAPFS_SCANNER_SCAN_H

#include "compat/backend.h"
#include "scanner/tracker.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RCAPFS_SCAN_FLUSH_IVAL	 10 /* complete scans between ignored flushes */
#define RCAPFS_SCAN_CHUNK_BYTES	 (2ULL << 20) /* probe granularity */
#define RCAPFS_SCAN_BATCH_RANGES 1024	      /* iovecs per pageout call */
/* Bytes per pageout call at most: progress is measured, and cancellation
 * noticed, at least this often (a fraction of a second even to swap);
 * smaller calls cost more per byte. */
#define RCAPFS_SCAN_BATCH_BYTES (256ULL << 20)
/* What a scan needs of the backend: a backend without it cannot enforce a
 * cap (ctl/status says "enforcement unsupported"). */
#define RCAPFS_SCAN_NEEDS (RCAPFS_CAN_PAGEOUT | RCAPFS_CAN_PAGE_PRESENT)

struct rcapfs_scan; /* opaque: the hand and what was learnt of victims */

/* A member of the collection, as the last sample saw it. */
struct rcapfs_scan_victim {
	pid_t pid;
	uint64_t start_ticks;
	bool idle; /* used no CPU time for a while: scanned first */
};

struct rcapfs_scan_params {
	const char *name;      /* the collection, for log lines */
	uint64_t excess_bytes; /* how much to take off the collection */
	enum rcapfs_advice advice;
	bool swap; /* swap is active: anonymous pages can leave */
	/* Set by another thread to end the scan early; may be NULL. */
	const atomic_bool *cancel;
};

/* Memory the scan found it could not page out, KiB, in one pass. */
struct rcapfs_scan_unpageable {
	uint64_t anon_kb;   /* anonymous (or shmem) and no swap active */
	uint64_t locked_kb; /* mlocked, hugetlb, or special mappings */
	uint64_t shared_kb; /* pages other processes map too */
};

struct rcapfs_scan_result {
	uint64_t at_bytes;     /* advised (what the kernel accepted) */
	uint64_t pg_bytes;     /* RSS drop observed in the victims */
	uint64_t hot_bytes;    /* of at_bytes, referenced memory */
	uint64_t excess_bytes; /* what is left of the excess */
	uint64_t scan_ns;      /* time spent */
	bool complete;	       /* the hand went past the last victim */
	bool ineffective;      /* complete, from the list head, still over */
	/* Some victim was read for the first time, or probes were sent: a
	 * new scan after a pause knows more than this one did. */
	bool pending;
	unsigned victims; /* victims read */
	struct rcapfs_scan_unpageable unpageable;
};

/* A scan state over tr (borrowed; its backend is the one acted on).
 * Returns 0 and a state freed with rcapfs_scan_free(), or -ENOMEM. */
int rcapfs_scan_new(struct rcapfs_tracker *tr, struct rcapfs_backend *be,
		    struct rcapfs_scan **out);

/* Close every reader and free. NULL is fine. */
void rcapfs_scan_free(struct rcapfs_scan *s);

/*
 * One scan over victims[0..n) (sorted by pid, the order each hand walks
 * in): the idle ones from their hand, then the busy ones from theirs,
 * until the excess is gone or the end of the list, then referenced memory
 * where cold memory did not cover the excess. What was learnt of
 * processes no longer in the list is forgotten. Returns 0 and fills *out,
 * -ECANCELED (*out holds what was done until then), -ENOSYS when the
 * backend cannot page out at all, or -ENOMEM.
 */
int rcapfs_scan_run(struct rcapfs_scan *s,
		    const struct rcapfs_scan_victim *victims, size_t n,
		    const struct rcapfs_scan_params *p,
		    struct rcapfs_scan_result *out);

/*
 * Page out all that can leave of victim *v (a member idle for longer than
 * its collection's swap_idle), whatever was referenced; in pageout mode,
 * what the scan learns of the victim starts afresh from there. out->pg_bytes
 * is the victim's RSS drop. Returns 0, -ESRCH when it is gone, -ENOSYS,
 * -ENOMEM, -ECANCELED, or another -errno when the kernel refused it.
 */
int rcapfs_scan_whole(struct rcapfs_scan *s, const struct rcapfs_scan_victim *v,
		      const struct rcapfs_scan_params *p,
		      struct rcapfs_scan_result *out);

/* Where the hand of idle or busy victims is: the victim the next scan
 * starts that class with (pid 0: its head) and the address in it. */
void rcapfs_scan_hand(const struct rcapfs_scan *s, bool idle, pid_t *pid,
		      uint64_t *addr);

/* How many mappings are in the ignored set now. */
size_t rcapfs_scan_ignored(const struct rcapfs_scan *s);

#endif
