/*
 * The binary files under M/proc/PID/: Solaris pagedata and xmap, in the
 * LP64 Solaris layouts, native endianness. A C program reads them with the
 * code it used on Solaris /proc (see proc(5) there):
 *
 *	pagedata: one prpageheader_t, then pr_nmap times a prasmap_t
 *	followed by pr_npage flag bytes (PG_*), padded with zero bytes to a
 *	multiple of 8 (PRPAGEDATA_PAD) so the next prasmap_t is aligned.
 *	pagedata_hw: the same, with PG_HWMAPPED on present pages.
 *	xmap: an array of prxmap_t.
 *
 * The fields have fixed widths (the Solaris type each stands for is noted)
 * so the layout is the same for every reader, 32-bit ones included.
 */
#ifndef RCAPFS_PROCFS_H
#define RCAPFS_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define RCAPFS_STATIC_ASSERT static_assert
#else
#define RCAPFS_STATIC_ASSERT _Static_assert
#endif

#define PRMAPSZ 64 /* bytes of pr_mapname, NUL included */

/* pr_dev of a mapping that is not a file. */
#define PRNODEV ((uint64_t)-1)

/* pr_dev as Solaris encodes a 64-bit dev_t: major high, minor low. */
#define RCAPFS_PRDEV(major, minor)                                             \
	(((uint64_t)(major) << 32) | (uint64_t)(uint32_t)(minor))
#define RCAPFS_PRDEV_MAJOR(dev) ((uint32_t)((uint64_t)(dev) >> 32))
#define RCAPFS_PRDEV_MINOR(dev) ((uint32_t)(dev))

/* Flag bytes of pagedata, one per page. As on Solaris, pagedata carries
 * PG_REFERENCED and PG_MODIFIED only (a Solaris reader takes any other bit
 * for a reference); PG_HWMAPPED is set in pagedata_hw, for readers that
 * ask for present pages by opening it. */
#define PG_MODIFIED   0x01 /* written since this descriptor's last read */
#define PG_REFERENCED 0x02 /* accessed since this descriptor's last read */
#define PG_HWMAPPED   0x04 /* present and mapped: pagedata_hw only */

/* pr_mflags. MA_BREAK and MA_STACK appear in xmap only, as on Solaris. */
#define MA_EXEC	     0x0001
#define MA_WRITE     0x0002
#define MA_READ	     0x0004
#define MA_SHARED    0x0008 /* MAP_SHARED */
#define MA_BREAK     0x0010 /* the heap grown by brk */
#define MA_STACK     0x0020 /* the main thread's stack */
#define MA_ANON	     0x0040 /* anonymous memory */
#define MA_ISM	     0x0080 /* intimate shared memory (never on Linux) */
#define MA_NORESERVE 0x0100 /* no swap reserved */
#define MA_SHM	     0x0200 /* System V shared memory */
#define MA_RESERVED1 0x0400

/* Solaris timestruc_t (struct timespec of an LP64 program). pr_tstamp is
 * CLOCK_MONOTONIC, as Solaris fills it from gethrtime(). */
struct rcapfs_timestruc {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* The head of pagedata. */
typedef struct prpageheader {
	struct rcapfs_timestruc pr_tstamp; /* when the snapshot was taken */
	int64_t pr_nmap;		   /* long: prasmap_t entries */
	int64_t pr_npage;		   /* long: flag bytes in all */
} prpageheader_t;

/* One mapping of pagedata; pr_npage flag bytes follow it. As on Solaris,
 * the pages of a MAP_NORESERVE mapping that never materialised are left
 * out: such a mapping is one entry per run of pages that did. */
typedef struct prasmap {
	uint64_t pr_vaddr;	  /* uintptr_t: first address */
	uint64_t pr_npage;	  /* size_t: pages of pr_pagesize */
	char pr_mapname[PRMAPSZ]; /* a file's last path component, else "" */
	int64_t pr_offset;	  /* offset_t: into the mapped file */
	int32_t pr_mflags;	  /* MA_* */
	int32_t pr_pagesize;	  /* bytes of a page */
	int32_t pr_shmid;	  /* SysV shm id, -1 if none */
	int32_t pr_filler[1];
} prasmap_t;

/* One mapping of xmap. */
typedef struct prxmap {
	uint64_t pr_vaddr;	  /* uintptr_t: first address */
	uint64_t pr_size;	  /* size_t: bytes */
	char pr_mapname[PRMAPSZ]; /* a file's last path component, else "" */
	int64_t pr_offset;	  /* offset_t: into the mapped file */
	int32_t pr_mflags;	  /* MA_* */
	int32_t pr_pagesize;	  /* bytes of a page */
	int32_t pr_shmid;	  /* SysV shm id, -1 if none */
	int32_t pr_align;	  /* the LP64 alignment padding, spelt out so
				     32-bit readers see the same layout */
	uint64_t pr_dev;	  /* dev_t: RCAPFS_PRDEV(), or PRNODEV */
	uint64_t pr_ino;	  /* inode; 0 when pr_dev is PRNODEV */
	uint64_t pr_rss;	  /* size_t: resident pages */
	uint64_t pr_anon;	  /* size_t: resident anonymous pages */
	uint64_t pr_locked;	  /* size_t: locked pages */
	uint64_t pr_pad;	  /* size_t */
	uint64_t pr_hatpagesize;  /* MMU page bytes; 0 if none resident */
	uint64_t pr_filler[7];	  /* ulong_t[7] */
} prxmap_t;

/* Bytes of flag data after a prasmap_t of npage pages, padding included. */
#define PRPAGEDATA_PAD(npage) (((uint64_t)(npage) + 7) & ~(uint64_t)7)

RCAPFS_STATIC_ASSERT(sizeof(struct rcapfs_timestruc) == 16, "timestruc_t");

RCAPFS_STATIC_ASSERT(sizeof(prpageheader_t) == 32, "prpageheader_t size");
RCAPFS_STATIC_ASSERT(offsetof(prpageheader_t, pr_tstamp) == 0, "pr_tstamp");
RCAPFS_STATIC_ASSERT(offsetof(prpageheader_t, pr_nmap) == 16, "pr_nmap");
RCAPFS_STATIC_ASSERT(offsetof(prpageheader_t, pr_npage) == 24, "pr_npage");

RCAPFS_STATIC_ASSERT(sizeof(prasmap_t) == 104, "prasmap_t size");
RCAPFS_STATIC_ASSERT(offsetof(prasmap_t, pr_vaddr) == 0, "prasmap pr_vaddr");
RCAPFS_STATIC_ASSERT(offsetof(prasmap_t, pr_npage) == 8, "prasmap pr_npage");
RCAPFS_STATIC_ASSERT(offsetof(prasmap_t, pr_mapname) == 16,
		     "prasmap pr_mapname");
RCAPFS_STATIC_ASSERT(offsetof(prasmap_t, pr_offset) == 80, "prasmap pr_offset");
RCAPFS_STATIC_ASSERT(offsetof(prasmap_t, pr_mflags) == 88, "prasmap pr_mflags");
RCAPFS_STATIC_ASSERT(offsetof(prasmap_t, pr_pagesize) == 92,
		     "prasmap pr_pagesize");
RCAPFS_STATIC_ASSERT(offsetof(prasmap_t, pr_shmid) == 96, "prasmap pr_shmid");
RCAPFS_STATIC_ASSERT(offsetof(prasmap_t, pr_filler) == 100,
		     "prasmap pr_filler");

RCAPFS_STATIC_ASSERT(sizeof(prxmap_t) == 216, "prxmap_t size");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_vaddr) == 0, "prxmap pr_vaddr");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_size) == 8, "prxmap pr_size");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_mapname) == 16, "prxmap pr_mapname");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_offset) == 80, "prxmap pr_offset");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_mflags) == 88, "prxmap pr_mflags");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_pagesize) == 92,
		     "prxmap pr_pagesize");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_shmid) == 96, "prxmap pr_shmid");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_align) == 100, "prxmap pr_align");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_dev) == 104, "prxmap pr_dev");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_ino) == 112, "prxmap pr_ino");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_rss) == 120, "prxmap pr_rss");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_anon) == 128, "prxmap pr_anon");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_locked) == 136, "prxmap pr_locked");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_pad) == 144, "prxmap pr_pad");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_hatpagesize) == 152,
		     "prxmap pr_hatpagesize");
RCAPFS_STATIC_ASSERT(offsetof(prxmap_t, pr_filler) == 160, "prxmap pr_filler");

#undef RCAPFS_STATIC_ASSERT

#ifdef __cplusplus
}
#endif

#endif
