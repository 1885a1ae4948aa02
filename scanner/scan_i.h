/*
 * The scan's private layout, shared by its files: scan.c (a pass: pages
 * judged chunk by chunk, from each class's hand), batch.c (what can leave,
 * batched and paged out, the RSS drop measured), hot.c (rcapd's rule:
 * referenced memory when cold memory did not cover the excess), whole.c
 * (a victim paged out whole) and victims.c (what is remembered of the
 * victims between passes, and the hands).
 */
#ifndef RCAPFS_SCANNER_SCAN_I_H
#define RCAPFS_SCANNER_SCAN_I_H

#include "scanner/scan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the scan remembers of a chunk. */
#define CHUNK_WATCH 0x1 /* pages of it were paged out at its last pass */
#define CHUNK_FULL  0x2 /* all its pages then, not only the probe */

/* A chunk's history: one bit per pass that judged it, 1 = referenced,
 * the newest the highest. */
#define HISTORY_REFERENCED 0x80

/* What the scan knows of one mapping of a victim. */
struct vmap {
	uint64_t start;
	uint64_t end;
	uint8_t *chunk;	  /* CHUNK_* per chunk */
	uint8_t *history; /* per chunk */
	uint16_t *probe;  /* per chunk: the probe's page within the chunk */
	size_t nchunks;
	bool ignored; /* its pageout freed nothing */
};

struct victim {
	pid_t pid;
	uint64_t start_ticks;
	bool idle;			 /* as the last list said */
	struct rcapfs_tracker_reader *r; /* NULL until first visited */
	struct vmap *maps;		 /* the layout of the last read */
	size_t nmaps;
	bool unscannable; /* the kernel refused to act on it */
};

/* The classes of victims, in the order a pass takes them. */
enum scan_class { CLASS_IDLE = 0, CLASS_BUSY = 1, NCLASSES = 2 };

/* Where a class's pass starts: the victim (pid 0: the head) and the
 * address in it. */
struct hand {
	pid_t pid;
	uint64_t start_ticks;
	uint64_t addr;
};

struct rcapfs_scan {
	struct rcapfs_tracker *tr; /* borrowed */
	struct rcapfs_backend *be; /* borrowed */
	uint32_t page_size;
	struct victim *victims; /* sorted by pid, then start time */
	size_t nvictims;
	struct hand hand[NCLASSES];
	uint64_t complete; /* complete scans so far */
	/* A pageout batch, and one chunk's ranges before they join it. */
	struct rcapfs_range batch[RCAPFS_SCAN_BATCH_RANGES];
	size_t nbatch;
	uint64_t batch_bytes;
	struct rcapfs_range *runs; /* a chunk's worth: pages / 2 + 1 */
};

/* Pages [a, b) of a mapping: chunk c, whose first page is first. */
struct span {
	size_t c;
	size_t a;
	size_t b;
	size_t first;
};

/* A referenced chunk a pass kept: rcapd's rule may page it out after
 * all. */
struct kept {
	size_t victim; /* index into s->victims */
	size_t map;    /* into that victim's snapshot and maps */
	struct span sp;
	uint8_t history;
	size_t order; /* in the pass */
};

/* One call of rcapfs_scan_run or rcapfs_scan_whole. */
struct run {
	struct rcapfs_scan *s;
	const struct rcapfs_scan_params *p;
	struct rcapfs_scan_result *out;
	int64_t excess; /* bytes still to take off (by the RSS drop) */
	struct victim *v;
	struct rcapfs_task *task;
	uint64_t rss_kb;     /* the victim's, as last measured */
	int64_t map_drop_kb; /* RSS drop since the mapping's first batch */
	/* The kernel refused a range of the mapping as locked or hugetlb:
	 * it goes to the ignored set. */
	bool map_refused;
	/* The excess is gone: the hand stays at stop_addr, where the last
	 * chunk paged out ended. */
	bool stopped;
	uint64_t stop_addr;
	/* Per victim (index into s->victims), what this pass read of it; a
	 * page paged out (or probed) reads not present there from then. */
	struct rcapfs_snapshot *snaps;
	/* The referenced chunks it kept, and what it could not judge yet
	 * (chunks probed for the first time, victims only starting to be
	 * tracked). */
	struct kept *kept;
	size_t nkept;
	size_t kept_cap;
	uint64_t unknown_bytes;
};

/* How the pages of one mapping are judged in a pass. */
struct judge {
	bool chunked;  /* probes and chunk second chance */
	bool skip_ref; /* pages marked referenced are skipped */
};

/* ---- batch.c ---- */

/* A page that can be paged out (present, ours alone, not the zero page)
 * and, unless j skips it as referenced, is. */
bool scan_candidate(const struct judge *j, uint8_t pg);

/* Collect the runs of candidate pages of [a, b) (page indexes into pages,
 * at address base) into s->runs. Returns how many. */
size_t scan_collect_runs(struct rcapfs_scan *s, const struct judge *j,
			 const uint8_t *pages, size_t a, size_t b,
			 uint64_t base);

/* Count a mapping nothing of which can be paged out now; returns true for
 * one. */
bool scan_unpageable(struct run *run, const struct rcapfs_mapping *m);

/* Page out the batch and measure the victim's RSS drop (run->task and
 * run->rss_kb). Returns 0 (with run->map_refused set when the kernel
 * refused a range as locked or hugetlb), -ESRCH, -EPERM (victim
 * refused), -ENOSYS, or -errno. */
int scan_flush(struct run *run);

/* Add the first nruns of s->runs to the batch, flushing first when they
 * would not fit. Returns what scan_flush() returns; the runs are added
 * unless that failed or was refused. */
int scan_add_runs(struct run *run, size_t nruns);

/* The flag bytes of mapping i of the snapshot run->snaps[vi], writable,
 * or NULL when it has none. */
uint8_t *scan_pages(struct run *run, size_t vi, size_t i);

/* What a failed step means for a victim: the process is gone (-ESRCH),
 * the scan cannot go on (-ENOMEM, -ENOSYS, -ECANCELED), or the kernel
 * will not let us act on it: it is marked unscannable, with a log line,
 * and 0 is returned. */
int scan_settle(struct run *run, int rc);

/* True when the caller asked the scan to end. */
bool scan_cancelled(const struct run *run);

/* What is left of the excess as far as rcapd's rule goes: paged out, by
 * the RSS drop; deactivated (cold mode, where RSS does not drop), by what
 * was advised. */
int64_t scan_left(const struct run *run);

/* ---- hot.c ---- */

/* Remember a referenced chunk the pass kept. Returns 0 or -ENOMEM. */
int scan_keep(struct run *run, size_t vi, size_t mi, const struct span *sp,
	      uint8_t history);

/* rcapd's rule, once a pass from the head has paged out all the cold
 * memory it knew of: page out the kept chunks, least recently referenced
 * first, until what is left of the excess is no more than what the pass
 * could not judge yet. Returns 0 or -errno (-ECANCELED, -ENOSYS,
 * -ENOMEM). */
int scan_hot(struct run *run);

/* ---- victims.c ---- */

/* Free what is known of v and zero it. */
void scan_victim_release(struct victim *v);

/* Make the victim states those of list (sorted by pid), keeping what was
 * learnt of processes still there. Returns 0 or -ENOMEM (nothing
 * changed). */
int scan_sync_victims(struct rcapfs_scan *s,
		      const struct rcapfs_scan_victim *list, size_t n);

/* The victim has exited or its pid was reused: forget what was learnt,
 * and never touch it again. */
void scan_victim_gone(struct victim *v);

/* The state of the victim (pid, start_ticks), or NULL. */
struct victim *scan_find_victim(struct rcapfs_scan *s, pid_t pid,
				uint64_t start_ticks);

/* Follow the victim's layout to a new read: a mapping still at the same
 * place keeps what was learnt of it; others start afresh. Returns 0 or
 * -ENOMEM (nothing changed). */
int scan_sync_maps(struct victim *v, const struct rcapfs_snapshot *snap);

/* Where class cls's hand puts the start of this pass: the index of the
 * first victim to look at (those of the other class are passed over) and
 * the address in it; *resumed when that is not the head. */
size_t scan_hand_position(const struct rcapfs_scan *s, enum scan_class cls,
			  uint64_t *from, bool *resumed);

/* Take every mapping out of the ignored set. */
void scan_flush_ignored(struct rcapfs_scan *s);

#endif
