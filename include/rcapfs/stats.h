/*
 * The per-collection statistics record: what M/caps/NAME/stats shows, as
 * fixed-width fields so it can cross a process boundary unchanged.
 */
#ifndef RCAPFS_STATS_H
#define RCAPFS_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RCAPFS_STATS_VERSION 2

/* ctl/accounting */
enum rcapfs_accounting {
	RCAPFS_ACCT_RSS = 0,	/* sum of member VmRSS */
	RCAPFS_ACCT_PSS = 1,	/* sum of member Pss */
	RCAPFS_ACCT_UNIQUE = 2, /* each physical page once per collection */
};

/* How precise the referenced/modified information is (doc/design.md §5). */
enum rcapfs_fidelity {
	RCAPFS_FIDELITY_NONE = 0,    /* present bits only */
	RCAPFS_FIDELITY_MAPPING = 1, /* referenced/dirty amounts per mapping */
	RCAPFS_FIDELITY_PAGE = 2,    /* per-page referenced (and modified) */
};

struct rcapfs_stats {
	uint32_t version;    /* RCAPFS_STATS_VERSION */
	uint32_t accounting; /* enum rcapfs_accounting of the last sample */
	uint32_t fidelity;   /* enum rcapfs_fidelity */
	uint32_t reserved;
	uint64_t nproc;
	uint64_t rss_bytes;
	uint64_t vm_bytes;
	uint64_t cap_bytes;    /* 0 = uncapped */
	uint64_t excess_bytes; /* rss - cap when over the cap, else 0 */
	uint64_t samples;
	uint64_t at_bytes; /* bytes the scanner tried to page out */
	uint64_t pg_bytes; /* RSS reduction observed after pageout */
	uint64_t scans;
	uint64_t scans_complete;
	uint64_t scans_ineffective;
	uint64_t unenforced;
	uint64_t scan_time_ns;
	uint64_t rss_min_bytes; /* 0 until the first sample */
	uint64_t rss_max_bytes;
	int64_t last_sample_unix; /* 0 until the first sample */
	/* What the last scan pass found it could not page out: anonymous
	 * memory with no swap active; mlocked, hugetlb or special mappings;
	 * pages other processes map too. Gauges, bytes. */
	uint64_t unpageable_anon_bytes;
	uint64_t unpageable_locked_bytes;
	uint64_t unpageable_shared_bytes;
	/* Major faults of the members since the collection was created,
	 * each counted from when it joined; members that left included:
	 * the cost of the cap. */
	uint64_t majflt;
	/* Members paged out whole for staying idle longer than swap_idle,
	 * and the RSS drop observed in them. */
	uint64_t swapouts;
	uint64_t swapout_bytes;
};

#ifdef __cplusplus
}
#endif

#endif
