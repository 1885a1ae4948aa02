/*
 * The scan's private layout, shared by scan.c (a pass: pages judged,
 * batched and paged out) and victims.c (what is remembered of the victims
 * between passes, and the hand).
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

/* What the scan knows of one mapping of a victim. */
struct vmap {
	uint64_t start;
	uint64_t end;
	uint8_t *chunk;	 /* CHUNK_* per chunk */
	uint16_t *probe; /* per chunk: the probe's page within the chunk */
	size_t nchunks;
	bool ignored; /* its pageout freed nothing */
};

struct victim {
	pid_t pid;
	uint64_t start_ticks;
	struct rcapfs_tracker_reader *r; /* NULL until first visited */
	struct vmap *maps;		 /* the layout of the last read */
	size_t nmaps;
	bool unscannable; /* the kernel refused to act on it */
};

struct rcapfs_scan {
	struct rcapfs_tracker *tr; /* borrowed */
	struct rcapfs_backend *be; /* borrowed */
	uint32_t page_size;
	struct victim *victims; /* sorted by pid, then start time */
	size_t nvictims;
	/* The hand: the victim to start with and where in it. */
	pid_t hand_pid; /* 0: the head of the list */
	uint64_t hand_start_ticks;
	uint64_t hand_addr;
	uint64_t complete; /* complete scans so far */
	/* A pageout batch, and one chunk's ranges before they join it. */
	struct rcapfs_range batch[RCAPFS_SCAN_BATCH_RANGES];
	size_t nbatch;
	uint64_t batch_bytes;
	struct rcapfs_range *runs; /* a chunk's worth: pages / 2 + 1 */
};

/* Free what is known of v and zero it. */
void scan_victim_release(struct victim *v);

/* Make the victim states those of list (sorted by pid), keeping what was
 * learnt of processes still there. Returns 0 or -ENOMEM (nothing
 * changed). */
int scan_sync_victims(struct rcapfs_scan *s,
		      const struct rcapfs_scan_victim *list, size_t n);

/* Follow the victim's layout to a new read: a mapping still at the same
 * place keeps what was learnt of it; others start afresh. Returns 0 or
 * -ENOMEM (nothing changed). */
int scan_sync_maps(struct victim *v, const struct rcapfs_snapshot *snap);

/* Where the hand puts the start of this scan: the index of the first
 * victim and the address in it; *resumed when that is not the head. */
size_t scan_hand_position(const struct rcapfs_scan *s, uint64_t *from,
			  bool *resumed);

/* Take every mapping out of the ignored set. */
void scan_flush_ignored(struct rcapfs_scan *s);

#endif
