/*
 * The enforcer of one collection: a thread of its own that runs the scan
 * (scanner/scan.h) whenever the sampler asks, so a long scan of one
 * collection never delays another, and never holds the scanner's table
 * lock. It keeps the scan counters of the collection's stats.
 *
 * Two scans of a collection start at least RCAPFS_ENFORCE_WINDOW_MS apart:
 * "not referenced since the last pass" must cover some time. A scan that
 * left the collection over its cap while it was still learning (a victim
 * read for the first time, probes sent) is followed by another once the
 * window has passed, without waiting for the next sample.
 *
 * A complete scan that freed nothing (everything left is unpageable: no
 * swap, locked, shared) backs the next one off, doubling up to
 * RCAPFS_ENFORCE_BACKOFF_MAX_MS: each scan resets the victims' referenced
 * bits under their mmap write lock, which is not worth doing every sample
 * for nothing. A request with a larger excess than the one that stuck (a
 * lower cap, a grown member) or with swap turned on or off ends the
 * backoff.
 */
#ifndef RCAPFS_SCANNER_ENFORCER_H
#define RCAPFS_SCANNER_ENFORCER_H

#include "compat/backend.h"
#include "rcapfs/stats.h"
#include "scanner/scan.h"
#include "scanner/tracker.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RCAPFS_ENFORCE_WINDOW_MS      500
#define RCAPFS_ENFORCE_BACKOFF_MAX_MS 60000

struct rcapfs_enforcer; /* opaque */

/* What the sampler asks for. */
struct rcapfs_enforce_request {
	uint64_t excess_bytes;
	enum rcapfs_advice advice;
	bool swap;				  /* swap is active */
	const struct rcapfs_scan_victim *victims; /* sorted by pid; copied */
	size_t nvictims;
};

/* The backoff of one enforcer, kept apart from its thread so that the
 * decision can be checked without waiting for it. Zeroed: no backoff. */
struct rcapfs_enforce_backoff {
	/* The least time from one scan's start to the next's. */
	uint64_t wait_ns;
	/* The excess the last scan that freed nothing left. */
	uint64_t stuck_excess_bytes;
	/* Swap was active at the last request. */
	bool swap;
};

/* Update b after a scan that returned rc and *res: a complete scan that
 * freed nothing doubles the wait (from twice the window, up to
 * RCAPFS_ENFORCE_BACKOFF_MAX_MS), one that freed something ends it. */
void rcapfs_enforcer_backoff_scanned(struct rcapfs_enforce_backoff *b, int rc,
				     const struct rcapfs_scan_result *res);

/* Update b at a request *req: a larger excess than the one that stuck, or
 * a swap turned on or off since the request before, ends the backoff. */
void rcapfs_enforcer_backoff_requested(
	struct rcapfs_enforce_backoff *b,
	const struct rcapfs_enforce_request *req);

/* Returns when (CLOCK_MONOTONIC ns) the scan after one started at
 * last_scan_ns may start: the window or the backoff, the longer. */
uint64_t rcapfs_enforcer_due_ns(const struct rcapfs_enforce_backoff *b,
				uint64_t last_scan_ns);

/* An enforcer for collection name over tr and be (both borrowed, they
 * must outlive it). No thread runs until the first request. Returns 0 and
 * an enforcer freed with rcapfs_enforcer_free(), or -ENOMEM. */
int rcapfs_enforcer_new(struct rcapfs_tracker *tr, struct rcapfs_backend *be,
			const char *name, struct rcapfs_enforcer **out);

/* Cancel a running scan, join the thread and free everything (the scan's
 * tracker readers included). Blocks until the scan notices, which it does
 * between chunks and pageout calls. NULL is fine. */
void rcapfs_enforcer_free(struct rcapfs_enforcer *e);

/* Ask for a scan: it starts at once when none is running and the window
 * since the last one has passed, else as soon as it may; a newer request
 * replaces one not yet started. Does not block. Returns 0, or -ENOMEM or
 * -EAGAIN (no thread could be started) with a log line. */
int rcapfs_enforcer_request(struct rcapfs_enforcer *e,
			    const struct rcapfs_enforce_request *req);

/* Forget a request not started yet (the collection is under its cap now,
 * or its enforcement is held back); a scan under way finishes, and is not
 * followed up. */
void rcapfs_enforcer_withdraw(struct rcapfs_enforcer *e);

/* Set the scan counters of st: at, pg, scans, scans_complete,
 * scans_ineffective and scan_time_ns. */
void rcapfs_enforcer_stats(struct rcapfs_enforcer *e, struct rcapfs_stats *st);

#endif
