/*
 * The scanner's private layout, shared by its files and by nothing else:
 * the table of collections (collections.c), the sampling thread
 * (sampler.c), the decision to enforce (capping.c), the costly accounting
 * modes (accounting.c), the statistics (stats.c) and fork events
 * (forks.c); scanner.c holds its life cycle and the global controls.
 */
#ifndef RCAPFS_SCANNER_SCANNER_I_H
#define RCAPFS_SCANNER_SCANNER_I_H

#include "scanner/scanner.h"

#include "scanner/enforcer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* A member as of the last sample. */
struct member {
	pid_t pid;
	uint64_t start_ticks;
	uint64_t rss_kb;
	uint64_t vm_kb;
};

struct collection {
	char name[RCAPFS_NAME_MAX + 1];
	unsigned refs; /* the table's and in-flight operations'; sc->lock */
	bool removed;  /* no longer in the table */
	uint64_t cap_bytes;
	struct rcapfs_rules *rules; /* immutable; replaced whole */
	struct rcapfs_stats stats;
	/* Sorted by pid. Only the sampler replaces them (under sc->lock),
	 * so the sampler may read them without the lock. */
	struct member *members;
	size_t nmembers;
	/* Used by the sampler alone, under sc->sample_lock. */
	struct rcapfs_membership *membership;
	/* at/pg at the last report, for per-interval figures. */
	uint64_t reported_at_bytes;
	uint64_t reported_pg_bytes;
	/* Its scans, and their counters. */
	struct rcapfs_enforcer *enf;
};

struct rcapfs_scanner {
	struct rcapfs_backend *be; /* borrowed */
	struct rcapfs_tracker *tr;
	uint64_t created_ns;

	/* Lock order: sample_lock or members_lock before lock. */
	pthread_mutex_t sample_lock;  /* one sample at a time */
	pthread_mutex_t members_lock; /* one rules writer at a time */
	pthread_mutex_t lock;	      /* everything below */
	pthread_cond_t wake;	      /* CLOCK_MONOTONIC */

	struct collection **colls; /* sorted by name */
	size_t ncolls;
	struct rcapfs_ctl ctl;

	bool walked;	       /* a full walk has been made */
	bool need_walk;	       /* rules changed since the last walk */
	uint64_t last_walk_ns; /* monotonic */

	/* meminfo of the last sample, served to ctl/status. */
	struct rcapfs_meminfo mi;
	bool have_mi;
	uint64_t mi_ns; /* monotonic, when read */

	pthread_t thread;
	bool running;
	bool stopping;
	bool kick; /* sample now */

	/* Fork events (while running, where the backend has them). */
	struct rcapfs_forks *forks;
	pthread_t forks_thread;
	bool told_adopt; /* said once, under lock */

	/* Used by the sampler alone, under sample_lock: said once. */
	bool told_unique;
	bool told_pss;
	uint32_t page_size;
};

/*
 * One collection as a sample sees it: references taken under the lock,
 * figures gathered without it, committed under it again.
 */
struct snap {
	struct collection *c;
	struct rcapfs_rules *rules;
	uint64_t cap_bytes;
	struct member *members; /* the new member list, until committed */
	size_t nmembers;
	uint64_t rss_kb; /* under accounting acct */
	uint64_t vm_kb;
	enum rcapfs_accounting acct;
	bool unenforced;
	/* Over the cap and enforced now: the victims to scan. */
	struct rcapfs_scan_victim *victims;
	size_t nvictims;
	uint64_t excess_bytes;
};

/* One sample: the controls it runs under, what it found of the host, and
 * every collection as it sees it. */
struct sampling {
	struct rcapfs_ctl ctl;
	unsigned util_pct; /* memory utilization */
	bool swap;	   /* swap is active: anonymous pages can leave */
	struct snap *snaps;
	size_t n;
};

/* ---- collections.c ---- */

/* Free a collection no longer referenced (waits for its enforcer). NULL
 * is fine. */
void scanner_collection_free(struct collection *c);

/* Drop a reference under sc->lock; returns the collection when that was
 * the last one, for the caller to free after unlocking. */
struct collection *scanner_collection_put(struct collection *c);

/* The collection called name, or NULL; under sc->lock. */
struct collection *scanner_find(const struct rcapfs_scanner *sc,
				const char *name);

/* ---- accounting.c ---- */

/*
 * Account s, whose sum of RSS is over its cap, under the costly mode asked
 * for (that sum is an upper bound of the others), falling back to pss,
 * then rss, with one log line saying why: sets s->rss_kb and s->acct. The
 * caller holds sc->sample_lock.
 */
void scanner_account(struct rcapfs_scanner *sc, enum rcapfs_accounting mode,
		     struct snap *s);

/* ---- capping.c ---- */

/* Memory utilization as rcapd has it: 100 - available * 100 / total, in
 * percent; 0 when the host gives no figures. */
unsigned scanner_utilization_pct(const struct rcapfs_meminfo *mi);

/*
 * Decide, for each collection of smp over its cap, whether the cap is
 * enforced now, accounting it as ctl/accounting says first: sets each
 * snapshot's acct, unenforced, victims and excess_bytes. Runs without the
 * table lock, between measuring and committing.
 */
void scanner_decide(struct rcapfs_scanner *sc, struct sampling *smp);

/* Hand each enforced collection of smp to its enforcer, in the mode
 * ctl/mode says now; the others' enforcers drop what they were still to
 * do, and so do those whose cap changed since the sample read it, or all
 * when ctl/enforce is 0 now. The snapshot's references keep the
 * collections alive. Under sc->lock. */
void scanner_enforce_locked(struct rcapfs_scanner *sc,
			    const struct sampling *smp);

/* ---- forks.c ---- */

/* Subscribe to fork events and follow them in a thread of their own;
 * without them (the backend has none), pid rules follow forks at walks,
 * as a log line says. Under sc->lock, when the scanner starts. */
void scanner_forks_start(struct rcapfs_scanner *sc);

/* Join the thread scanner_forks_start made, once sc->stopping is set, and
 * unsubscribe. Without sc->lock: the thread takes it. */
void scanner_forks_stop(struct rcapfs_scanner *sc);

/* ---- stats.c ---- */

/* Make the figures of a sample each collection's own: its member list
 * (the old one goes back to the snapshot, to be freed with it) and its
 * statistics. A collection removed meanwhile is left, and not enforced.
 * Under sc->lock. */
void scanner_commit_locked(struct rcapfs_scanner *sc, struct sampling *smp);

/* Log one line per collection, as rcapstat shows it: at and pg since the
 * last report. */
void scanner_report(struct rcapfs_scanner *sc);

/* ---- sampler.c ---- */

/* Wake the sampling thread for a sample now; under sc->lock. */
void scanner_kick_locked(struct rcapfs_scanner *sc);

/* Read meminfo and keep it for ctl/status. Returns 0, or -errno when the
 * host gives no figures. Takes sc->lock. */
int scanner_sample_meminfo(struct rcapfs_scanner *sc,
			   struct rcapfs_meminfo *mi);

#endif
