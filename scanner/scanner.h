/*
 * The scanner: the table of collections, their caps and membership rules,
 * the global controls, and the sampling thread that keeps their statistics.
 * Pure C over the backend; no FUSE. All functions are thread-safe.
 *
 * Each sample measures every collection (sum of VmRSS; where that is over
 * the cap and ctl/accounting asks for it, sum of Pss or each physical page
 * once) and hands each collection over its cap whose enforcement is
 * allowed (doc/design.md §4) to that collection's enforcer
 * (scanner/enforcer.h): a thread of its own running the rcapd-style scan
 * (scanner/scan.h), so no collection waits for another's scan and no scan
 * holds the table lock. Its counters (at, pg, scans ...) show in the
 * collection's stats. Members idle for ctl/idle_threshold are scanned
 * first; those idle for longer than the collection's swap_idle are paged
 * out whole. Beyond collections, every process with a finite RLIMIT_RSS
 * is held to it the same way (scanner/rlimits.c) while ctl/rlimit_rss is 1.
 */
#ifndef RCAPFS_SCANNER_SCANNER_H
#define RCAPFS_SCANNER_SCANNER_H

#include "compat/backend.h"
#include "compat/buf.h"
#include "rcapfs/stats.h"
#include "scanner/ctl.h"
#include "scanner/members.h"
#include "scanner/tracker.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define RCAPFS_NAME_MAX	       31 /* collection name bytes */
#define RCAPFS_COLLECTIONS_MAX 1024

/* ctl/status. */
struct rcapfs_status {
	struct rcapfs_meminfo mem;
	unsigned memory_utilization_pct;
	uint64_t collections;
	enum rcapfs_fidelity fidelity;
	bool enforcement; /* the backend can enforce caps (RCAPFS_SCAN_NEEDS) */
	struct rcapfs_features features;
	uint64_t uptime_s; /* of the daemon */
	/* Processes with a finite RLIMIT_RSS at the last walk, and the RSS
	 * drop observed in them by the scans that held them to it. */
	uint64_t rlimit_processes;
	uint64_t rlimit_pg_bytes;
};

struct rcapfs_scanner; /* opaque */

/* Returns 0 and a scanner over be (borrowed: be must outlive it), freed
 * with rcapfs_scanner_free(), or -ENOMEM. No thread runs until start. */
int rcapfs_scanner_new(struct rcapfs_backend *be, struct rcapfs_scanner **out);

/* Stop the thread if running and free everything. NULL is fine. */
void rcapfs_scanner_free(struct rcapfs_scanner *sc);

/* The reference tracker the scanner reads its victims through; pagedata
 * readers must use this one too, so nobody resets bits another has not
 * seen. Borrowed: valid until rcapfs_scanner_free(), and every reader must
 * be closed before that. */
struct rcapfs_tracker *rcapfs_scanner_tracker(struct rcapfs_scanner *sc);

/* Start the sampling thread. Returns 0 or -errno. */
int rcapfs_scanner_start(struct rcapfs_scanner *sc);

/* Stop and join the sampling thread (no-op when not running). */
void rcapfs_scanner_stop(struct rcapfs_scanner *sc);

/* Take one sample of every collection now, in the caller's thread, and
 * ask the enforcers of those over their cap for a scan (which runs in
 * their threads: this does not wait for it). Returns 0 or -errno from the
 * backend. */
int rcapfs_scanner_sample(struct rcapfs_scanner *sc);

/* True when name is a valid collection name (1-31 of [A-Za-z0-9._-], not
 * starting with '.' or '-'). */
bool rcapfs_name_valid(const char *name);

/* Collections. Each returns 0 or -errno: -EINVAL (bad name), -EEXIST,
 * -ENOENT, -ENOSPC (more than RCAPFS_COLLECTIONS_MAX), -ENOMEM. */
int rcapfs_scanner_create(struct rcapfs_scanner *sc, const char *name);
int rcapfs_scanner_remove(struct rcapfs_scanner *sc, const char *name);
bool rcapfs_scanner_exists(struct rcapfs_scanner *sc, const char *name);

/*
 * Every collection has an id, 1 or more, that no other collection of the
 * scanner is ever given (the FUSE front derives node ids from it; the
 * state file keeps ids and the next one, so a restarted daemon gives the
 * same). create gives the next; create_id gives id (a restore: -EINVAL
 * for 0, -EEXIST when taken) and moves the next past it. coll_id and
 * coll_name map one to the other: 0 or -ENOENT. next_coll_id is the id
 * create would give (-ENOSPC once UINT32_MAX is reached);
 * raise_next_coll_id moves it up to id, never down.
 */
int rcapfs_scanner_create_id(struct rcapfs_scanner *sc, const char *name,
			     uint32_t id);
int rcapfs_scanner_coll_id(struct rcapfs_scanner *sc, const char *name,
			   uint32_t *id);
int rcapfs_scanner_coll_name(struct rcapfs_scanner *sc, uint32_t id,
			     char name[RCAPFS_NAME_MAX + 1]);
uint32_t rcapfs_scanner_next_coll_id(struct rcapfs_scanner *sc);
void rcapfs_scanner_raise_next_coll_id(struct rcapfs_scanner *sc, uint32_t id);

/* Names of all collections, sorted; the caller frees the array and each
 * string with rcapfs_names_free(). Returns 0 or -ENOMEM. */
int rcapfs_scanner_names(struct rcapfs_scanner *sc, char ***names, size_t *n);
void rcapfs_names_free(char **names, size_t n);

/* The cap in bytes (0 = uncapped). set rounds up to a whole KiB and wakes
 * the thread at once when the new cap is below the current rss. */
int rcapfs_scanner_set_cap(struct rcapfs_scanner *sc, const char *name,
			   uint64_t cap_bytes);
int rcapfs_scanner_get_cap(struct rcapfs_scanner *sc, const char *name,
			   uint64_t *cap_bytes);

/* Replace (append false) or extend (append true) the rules with text in
 * the given syntax. Returns 0, -ENOENT, -EINVAL (err says why), -ENOSPC or
 * -ENOMEM; nothing changes on error. The member list is refreshed at the
 * next sample, which is woken at once. */
int rcapfs_scanner_set_members(struct rcapfs_scanner *sc, const char *name,
			       const char *text, size_t len, bool append,
			       enum rcapfs_rules_syntax syntax, char *err,
			       size_t errlen);

/* Append the rules of a collection to out. Returns 0, -ENOENT, -ENOMEM. */
int rcapfs_scanner_members(struct rcapfs_scanner *sc, const char *name,
			   enum rcapfs_rules_syntax syntax,
			   struct rcapfs_buf *out);

/* Member pids of the last sample, ascending; the caller frees *pids with
 * free(3). Returns 0, -ENOENT or -ENOMEM. */
int rcapfs_scanner_procs(struct rcapfs_scanner *sc, const char *name,
			 pid_t **pids, size_t *n);

/* Seconds a member must stay idle (no CPU time) before it is paged out
 * whole, once per idle period; 0 = never. set returns 0, -ENOENT or
 * -ERANGE (above RCAPFS_INTERVAL_MAX_S). */
int rcapfs_scanner_set_swap_idle(struct rcapfs_scanner *sc, const char *name,
				 unsigned seconds);
int rcapfs_scanner_get_swap_idle(struct rcapfs_scanner *sc, const char *name,
				 unsigned *seconds);

/* A copy of the statistics. Returns 0 or -ENOENT. */
int rcapfs_scanner_stats(struct rcapfs_scanner *sc, const char *name,
			 struct rcapfs_stats *out);

/* A collection's name and statistics. */
struct rcapfs_named_stats {
	char name[RCAPFS_NAME_MAX + 1];
	struct rcapfs_stats st;
};

/* The statistics of every collection, sorted by name, copied at one
 * moment (as rcapfs_scanner_stats gives each); the caller frees *out with
 * free(3). Returns 0 or -ENOMEM. */
int rcapfs_scanner_all_stats(struct rcapfs_scanner *sc,
			     struct rcapfs_named_stats **out, size_t *n);

/* Global controls. set validates every field (-EINVAL/-ERANGE, nothing
 * changes) and wakes the thread so new intervals apply at once. */
void rcapfs_scanner_get_ctl(struct rcapfs_scanner *sc, struct rcapfs_ctl *out);
int rcapfs_scanner_set_ctl(struct rcapfs_scanner *sc,
			   const struct rcapfs_ctl *ctl);

/* Global gauges for ctl/status. Memory figures are those the last sample
 * read: /proc is read here only when no sample has for a whole
 * sample_interval (the thread is not running), so readers of ctl/status
 * cannot make the daemon read it more often. Returns 0 or -errno from the
 * backend. */
int rcapfs_scanner_status(struct rcapfs_scanner *sc, struct rcapfs_status *out);

#endif
