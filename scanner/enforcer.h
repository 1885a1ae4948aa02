/*
 * The enforcer of one collection (or of one process held to its
 * RLIMIT_RSS): a thread of its own that runs the scan (scanner/scan.h)
 * whenever the sampler asks, so a long scan of one collection never delays
 * another, and never holds the scanner's table lock; and pages out whole
 * the idle members it is given. It keeps the scan counters of the
 * collection's stats.
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
/* Bytes of an enforcer's label ("collection NAME", "RLIMIT_RSS of pid
 * N"), its NUL included. */
#define RCAPFS_ENFORCER_LABEL_MAX 64

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

/* An enforcer over tr and be (both borrowed, they must outlive it), that
 * says label (what it enforces, cut to RCAPFS_ENFORCER_LABEL_MAX) in its
 * log lines. No thread runs until the first request. Returns 0 and an
 * enforcer freed with rcapfs_enforcer_free(), or -ENOMEM. */
int rcapfs_enforcer_new(struct rcapfs_tracker *tr, struct rcapfs_backend *be,
			const char *label, struct rcapfs_enforcer **out);

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

/* Page out victims[0..n) whole (members idle for longer than the
 * collection's swap_idle) with advice, as soon as the thread is free,
 * without waiting for the window: whole pageouts use no referenced bits.
 * They are added to those not done yet; a withdraw does not drop them.
 * Returns 0, or -ENOMEM or -EAGAIN with a log line. */
int rcapfs_enforcer_swapout(struct rcapfs_enforcer *e,
			    const struct rcapfs_scan_victim *victims, size_t n,
			    enum rcapfs_advice advice, bool swap);

/* Forget the whole pageouts not done yet (ctl/enforce turned 0). */
void rcapfs_enforcer_drop_swapouts(struct rcapfs_enforcer *e);

/* Forget a request not started yet (the collection is under its cap now,
 * or its enforcement is held back); a scan under way finishes, and is not
 * followed up. */
void rcapfs_enforcer_withdraw(struct rcapfs_enforcer *e);

/* Set the scan counters of st: at, pg, scans, scans_complete,
 * scans_ineffective, scan_time_ns, the unpageable gauges of the last pass,
 * swapouts and swapout_bytes. */
void rcapfs_enforcer_stats(struct rcapfs_enforcer *e, struct rcapfs_stats *st);

#endif
