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
	uint64_t cpu_ticks;
	uint64_t majflt;
	/* Its major faults when it joined: those are not the cap's cost. */
	uint64_t majflt_joined;
	/* Monotonic: the sample that saw its CPU time grow last, or that
	 * saw it first. */
	uint64_t busy_ns;
	bool swapped_out; /* paged out whole in this idle period */
};

struct collection {
	char name[RCAPFS_NAME_MAX + 1];
	uint32_t id;   /* never given to another collection (fs/ino.h) */
	unsigned refs; /* the table's and in-flight operations'; sc->lock */
	bool removed;  /* no longer in the table */
	uint64_t cap_bytes;
	unsigned swap_idle_s;	    /* 0 = off */
	struct rcapfs_rules *rules; /* immutable; replaced whole */
	struct rcapfs_stats stats;
	/* Major faults of members that left, each since it joined. */
	uint64_t majflt_left;
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
	uint32_t next_coll_id; /* the id of the next collection, from 1 */
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

	/* Processes held to their RLIMIT_RSS, sorted by pid: only the
	 * sampler replaces the array (under lock and sample_lock); the RSS
	 * drop observed in those no longer held. */
	struct rlimited *rlim;
	size_t nrlim;
	uint64_t rlimit_pg_left;

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
	unsigned swap_idle_s;
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
	/* Members idle for longer than swap_idle, to be paged out whole. */
	struct rcapfs_scan_victim *swapouts;
	size_t nswapouts;
};

/* A process with a finite RLIMIT_RSS, held to it as a collection of its
 * own. */
struct rlimited {
	pid_t pid;
	uint64_t start_ticks;
	uint64_t limit_bytes;
	uint64_t rss_kb;
	/* Its scans; made when it first goes over its limit. */
	struct rcapfs_enforcer *enf;
};

/* One sample: the controls it runs under, what it found of the host, and
 * every collection as it sees it. */
struct sampling {
	struct rcapfs_ctl ctl;
	uint64_t now_ns;   /* monotonic, when it started */
	unsigned util_pct; /* memory utilization */
	bool swap;	   /* swap is active: anonymous pages can leave */
	bool enforce;	   /* caps and limits are enforced now */
	struct snap *snaps;
	size_t n;
	/* The processes held to their RLIMIT_RSS as this sample finds
	 * them, until committed; then those no longer held. */
	struct rlimited *rlim;
	size_t nrlim;
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
 * Decide whether caps and limits are enforced now (smp->enforce) and, for
 * each collection of smp over its cap, whether its cap is, accounting it
 * as ctl/accounting says first: sets each snapshot's acct, unenforced,
 * victims (idle ones marked) and excess_bytes; and its swapouts, the
 * members idle for longer than its swap_idle (marked paged out). Runs
 * without the table lock, between measuring and committing.
 */
void scanner_decide(struct rcapfs_scanner *sc, struct sampling *smp);

/* Hand each enforced collection of smp to its enforcer, in the mode
 * ctl/mode says now; the others' enforcers drop what they were still to
 * do, and so do those whose cap changed since the sample read it, or all
 * when ctl/enforce is 0 now. Members to be paged out whole go to their
 * enforcer too, while ctl/enforce is 1. The snapshot's references keep
 * the collections alive. Under sc->lock. */
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

/* ---- usage.c ---- */

/* The member (pid, start_ticks) of list[0..n) (sorted by pid), or NULL. */
const struct member *scanner_member_find(const struct member *list, size_t n,
					 pid_t pid, uint64_t start_ticks);

/* Carry over to *m (with the CPU time and faults just read) what earlier
 * samples learnt of it: old is its record of the last sample, NULL when it
 * has just joined. now_ns is the sample's time. */
void scanner_member_follow(struct member *m, const struct member *old,
			   uint64_t now_ns);

/* m has used no CPU time for at least seconds (0: never idle). */
bool scanner_member_idle(const struct member *m, uint64_t now_ns,
			 unsigned seconds);

/* Before c's members become next[0..n): count the faults of those that
 * leave into c->majflt_left, and return the collection's majflt with
 * next as its members. Under sc->lock. */
uint64_t scanner_majflt_commit(struct collection *c, const struct member *next,
			       size_t n);

/* ---- rlimits.c ---- */

/* The processes of a walk's list with a finite RSS limit, into
 * smp->rlim. Returns 0 or -ENOMEM. */
int scanner_rlimits_walk(struct sampling *smp,
			 const struct rcapfs_proc_list *list);

/* Between walks: the processes held to their limit re-read (their RSS),
 * into smp->rlim; those gone are dropped. The caller holds
 * sc->sample_lock. Returns 0 or -ENOMEM. */
int scanner_rlimits_resample(struct rcapfs_scanner *sc, struct sampling *smp);

/* Make smp->rlim the processes held: each keeps its enforcer; those no
 * longer held go back to smp, their RSS drop counted, to be freed by
 * scanner_rlimits_release(). Under sc->lock. */
void scanner_rlimits_commit_locked(struct rcapfs_scanner *sc,
				   struct sampling *smp);

/* Hand each process over its limit to its enforcer (made the first time),
 * when enforcement is allowed now; the others' enforcers drop what they
 * were still to do. Under sc->lock. */
void scanner_rlimits_enforce_locked(struct rcapfs_scanner *sc,
				    const struct sampling *smp);

/* Free what smp still holds of RSS limits (the processes no longer held,
 * their enforcers included). Without sc->lock: freeing an enforcer waits
 * for its scan. */
void scanner_rlimits_release(struct sampling *smp);

/* The RSS drop observed in the processes held to their limit, since the
 * daemon started. Under sc->lock. */
uint64_t scanner_rlimits_pg_locked(const struct rcapfs_scanner *sc);

/* ---- sampler.c ---- */

/* Wake the sampling thread for a sample now; under sc->lock. */
void scanner_kick_locked(struct rcapfs_scanner *sc);

/* Read meminfo and keep it for ctl/status. Returns 0, or -errno when the
 * host gives no figures. Takes sc->lock. */
int scanner_sample_meminfo(struct rcapfs_scanner *sc,
			   struct rcapfs_meminfo *mi);

#endif
