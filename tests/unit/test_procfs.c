/*
 * fs/procfs.c and include/rcapfs/procfs.h: the Solaris layouts, pagedata
 * and xmap rendered from hand-made snapshots against golden binary files,
 * xmap over the fake backend, the M/proc paths of the tree, and the
 * per-descriptor accounting of pagedata over the reference tracker.
 */
#include "config.h"

#include "fs/procfs.h"

#include "fs/tree.h"
#include "rcapfs/procfs.h"
#include "scanner/tracker.h"
#include "tests/unit/fake_backend.h"
#include "tests/unit/golden.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define PAGE 4096u

static void test_procfs__layout(void **state)
{
	assert_int_equal(sizeof(prpageheader_t), 32);
	assert_int_equal(offsetof(prpageheader_t, pr_tstamp), 0);
	assert_int_equal(offsetof(prpageheader_t, pr_tstamp.tv_sec), 0);
	assert_int_equal(offsetof(prpageheader_t, pr_tstamp.tv_nsec), 8);
	assert_int_equal(offsetof(prpageheader_t, pr_nmap), 16);
	assert_int_equal(offsetof(prpageheader_t, pr_npage), 24);

	assert_int_equal(sizeof(prasmap_t), 104);
	assert_int_equal(offsetof(prasmap_t, pr_vaddr), 0);
	assert_int_equal(offsetof(prasmap_t, pr_npage), 8);
	assert_int_equal(offsetof(prasmap_t, pr_mapname), 16);
	assert_int_equal(sizeof(((prasmap_t *)0)->pr_mapname), PRMAPSZ);
	assert_int_equal(offsetof(prasmap_t, pr_offset), 80);
	assert_int_equal(offsetof(prasmap_t, pr_mflags), 88);
	assert_int_equal(offsetof(prasmap_t, pr_pagesize), 92);
	assert_int_equal(offsetof(prasmap_t, pr_shmid), 96);
	assert_int_equal(offsetof(prasmap_t, pr_filler), 100);

	assert_int_equal(sizeof(prxmap_t), 216);
	assert_int_equal(offsetof(prxmap_t, pr_vaddr), 0);
	assert_int_equal(offsetof(prxmap_t, pr_size), 8);
	assert_int_equal(offsetof(prxmap_t, pr_mapname), 16);
	assert_int_equal(sizeof(((prxmap_t *)0)->pr_mapname), PRMAPSZ);
	assert_int_equal(offsetof(prxmap_t, pr_offset), 80);
	assert_int_equal(offsetof(prxmap_t, pr_mflags), 88);
	assert_int_equal(offsetof(prxmap_t, pr_pagesize), 92);
	assert_int_equal(offsetof(prxmap_t, pr_shmid), 96);
	assert_int_equal(offsetof(prxmap_t, pr_dev), 104);
	assert_int_equal(offsetof(prxmap_t, pr_ino), 112);
	assert_int_equal(offsetof(prxmap_t, pr_rss), 120);
	assert_int_equal(offsetof(prxmap_t, pr_anon), 128);
	assert_int_equal(offsetof(prxmap_t, pr_locked), 136);
	assert_int_equal(offsetof(prxmap_t, pr_pad), 144);
	assert_int_equal(offsetof(prxmap_t, pr_hatpagesize), 152);
	assert_int_equal(offsetof(prxmap_t, pr_filler), 160);
	assert_int_equal(sizeof(((prxmap_t *)0)->pr_filler), 7 * 8);

	/* The values Solaris programs compare against. */
	assert_int_equal(PG_MODIFIED, 0x01);
	assert_int_equal(PG_REFERENCED, 0x02);
	assert_int_equal(PG_HWMAPPED, 0x04);
	assert_int_equal(MA_EXEC, 0x001);
	assert_int_equal(MA_WRITE, 0x002);
	assert_int_equal(MA_READ, 0x004);
	assert_int_equal(MA_SHARED, 0x008);
	assert_int_equal(MA_BREAK, 0x010);
	assert_int_equal(MA_STACK, 0x020);
	assert_int_equal(MA_ANON, 0x040);
	assert_int_equal(MA_ISM, 0x080);
	assert_int_equal(MA_NORESERVE, 0x100);
	assert_int_equal(MA_SHM, 0x200);
	assert_int_equal(MA_RESERVED1, 0x400);
	assert_true(PRNODEV == UINT64_MAX);
	assert_true(RCAPFS_PRDEV(253, 7) == 0x000000fd00000007ull);
	assert_int_equal(RCAPFS_PRDEV_MAJOR(RCAPFS_PRDEV(253, 7)), 253);
	assert_int_equal(RCAPFS_PRDEV_MINOR(RCAPFS_PRDEV(253, 7)), 7);
	assert_int_equal(PRPAGEDATA_PAD(0), 0);
	assert_int_equal(PRPAGEDATA_PAD(1), 8);
	assert_int_equal(PRPAGEDATA_PAD(8), 8);
	assert_int_equal(PRPAGEDATA_PAD(9), 16);
}

/* A basename longer than PRMAPSZ - 1. */
#define LONG_NAME                                                              \
	"/opt/app/lib/"                                                        \
	"a-library-with-a-name-that-is-much-longer-than-sixty-three-bytes.so"

/* Mappings of every kind a process has; figures in KiB as smaps. */
static const struct rcapfs_mapping sample_maps[] = {
	{0x400000, 0x402000, 0, 8, 1, 1234, RCAPFS_MAP_READ | RCAPFS_MAP_EXEC,
	 -1, 8, 8, 0, 0, 0, 8, 0, 4, 4, "/usr/bin/victim"},
	{0x600000, 0x603000, 0, 0, 0, 0,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON | RCAPFS_MAP_HEAP,
	 -1, 8, 8, 8, 0, 8, 4, 0, 4, 4, "[heap]"},
	{0x7f0000000000, 0x7f0000009000, 0, 0, 0, 0,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
		 RCAPFS_MAP_NORESERVE | RCAPFS_MAP_LOCKED,
	 -1, 36, 36, 36, 0, 36, 0, 0, 4, 4, ""},
	{0x7f0000010000, 0x7f0000011000, 0, 0, 1, 98304,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED |
		 RCAPFS_MAP_SYSV,
	 42, 4, 2, 0, 4, 0, 4, 0, 4, 4, "/SYSV0000abcd (deleted)"},
	{0x7f0000020000, 0x7f0000023000, 0x3000, 253, 7, 77, RCAPFS_MAP_READ,
	 -1, 0, 0, 0, 0, 0, 0, 0, 4, 4, LONG_NAME},
	{0x7f0000030000, 0x7f0000031000, 0, 8, 1, 555,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED, -1, 4, 4, 0, 4,
	 4, 4, 0, 4, 4, "/tmp/data file (deleted)"},
	{0x7f0000040000, 0x7f0000042000, 0, 0, 1, 2056,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED, -1, 8, 4, 0, 8,
	 8, 8, 0, 4, 4, "/dev/zero (deleted)"},
	{0x7ffc00000000, 0x7ffc00021000, 0, 0, 0, 0,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
		 RCAPFS_MAP_STACK,
	 -1, 12, 12, 12, 0, 12, 12, 0, 4, 4, "[stack]"},
	{0x7ffc00100000, 0x7ffc00102000, 0, 0, 0, 0,
	 RCAPFS_MAP_READ | RCAPFS_MAP_EXEC | RCAPFS_MAP_SPECIAL, -1, 8, 0, 0, 8,
	 0, 8, 0, 4, 4, "[vdso]"},
};
#define NSAMPLE (sizeof(sample_maps) / sizeof(sample_maps[0]))

/* A snapshot over sample_maps with a pattern of page flags. */
struct sample {
	struct rcapfs_mapping maps[NSAMPLE];
	size_t first[NSAMPLE];
	uint8_t pages[64];
	struct rcapfs_snapshot s;
};

static void sample_init(struct sample *x)
{
	static const uint8_t pattern[] = {
		RCAPFS_PAGE_PRESENT,
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_REFERENCED,
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_REFERENCED |
			RCAPFS_PAGE_DIRTY,
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_ZERO,
		RCAPFS_PAGE_SWAPPED,
		0,
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE,
	};
	size_t i, np = 0;

	memset(x, 0, sizeof(*x));
	memcpy(x->maps, sample_maps, sizeof(sample_maps));
	for (i = 0; i < NSAMPLE; i++) {
		x->first[i] = np;
		np += (x->maps[i].end - x->maps[i].start) / PAGE;
	}
	assert_true(np <= sizeof(x->pages));
	for (i = 0; i < np; i++)
		x->pages[i] = pattern[i % sizeof(pattern)];
	x->s.maps.maps = x->maps;
	x->s.maps.n = NSAMPLE;
	x->s.pages = x->pages;
	x->s.first_page = x->first;
	x->s.npages = np;
	x->s.page_size = PAGE;
	x->s.fidelity = RCAPFS_FIDELITY_PAGE;
	x->s.tstamp_ns = 123456789012345678;
}

static const prasmap_t *asmap_at(const char *data, size_t *off)
{
	const prasmap_t *a = (const prasmap_t *)(data + *off);

	*off += sizeof(prasmap_t) + PRPAGEDATA_PAD(a->pr_npage);
	return a;
}

static void test_procfs__pagedata(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	const prpageheader_t *h;
	const prasmap_t *a[NSAMPLE];
	struct sample x;
	size_t off, i;
	const char *flags;

	sample_init(&x);
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, &b), 0);
	assert_int_equal(b.len, rcapfs_procfs_pagedata_size(&x.s.maps, PAGE));
	/* 32 + 9 * 104 + pages padded: 2->8 3->8 9->16 1->8 3->8 1->8 2->8
	 * 33->40 2->8. */
	assert_int_equal(b.len,
			 32 + 9 * 104 + 8 + 8 + 16 + 8 + 8 + 8 + 8 + 40 + 8);
	h = (const prpageheader_t *)b.data;
	assert_int_equal(h->pr_tstamp.tv_sec, 123456789);
	assert_int_equal(h->pr_tstamp.tv_nsec, 12345678);
	assert_int_equal(h->pr_nmap, NSAMPLE);
	assert_int_equal(h->pr_npage, x.s.npages);
	off = sizeof(*h);
	for (i = 0; i < NSAMPLE; i++) {
		a[i] = asmap_at(b.data, &off);
		assert_int_equal(a[i]->pr_vaddr, sample_maps[i].start);
		assert_int_equal(a[i]->pr_npage,
				 (sample_maps[i].end - sample_maps[i].start) /
					 PAGE);
		assert_int_equal(a[i]->pr_pagesize, PAGE);
		assert_int_equal(a[i]->pr_filler[0], 0);
	}
	assert_int_equal(off, b.len);

	assert_string_equal(a[0]->pr_mapname, "victim");
	assert_int_equal(a[0]->pr_mflags, MA_READ | MA_EXEC);
	assert_int_equal(a[0]->pr_shmid, -1);
	assert_string_equal(a[1]->pr_mapname, "[heap]");
	/* No MA_BREAK or MA_STACK in pagedata, as on Solaris. */
	assert_int_equal(a[1]->pr_mflags, MA_READ | MA_WRITE | MA_ANON);
	assert_string_equal(a[2]->pr_mapname, "");
	assert_int_equal(a[2]->pr_mflags,
			 MA_READ | MA_WRITE | MA_ANON | MA_NORESERVE);
	assert_string_equal(a[3]->pr_mapname, "");
	assert_int_equal(a[3]->pr_mflags,
			 MA_READ | MA_WRITE | MA_SHARED | MA_ANON | MA_SHM);
	assert_int_equal(a[3]->pr_shmid, 42);
	assert_int_equal(strlen(a[4]->pr_mapname), PRMAPSZ - 1);
	assert_memory_equal(a[4]->pr_mapname, "a-library-with-a-name", 21);
	assert_int_equal(a[4]->pr_offset, 0x3000);
	assert_string_equal(a[5]->pr_mapname, "data file (deleted)");
	/* Shared anonymous memory is anonymous, as on Solaris. */
	assert_string_equal(a[6]->pr_mapname, "");
	assert_int_equal(a[6]->pr_mflags,
			 MA_READ | MA_WRITE | MA_SHARED | MA_ANON);
	assert_string_equal(a[7]->pr_mapname, "[stack]");
	assert_int_equal(a[7]->pr_mflags, MA_READ | MA_WRITE | MA_ANON);
	assert_string_equal(a[8]->pr_mapname, "[vdso]");

	/* The flag bytes of the first mappings follow the pattern; the
	 * padding is zero. */
	flags = (const char *)(a[0] + 1);
	assert_int_equal(flags[0], PG_HWMAPPED);
	assert_int_equal(flags[1], PG_HWMAPPED | PG_REFERENCED);
	assert_memory_equal(flags + 2, "\0\0\0\0\0\0", 6);
	flags = (const char *)(a[1] + 1);
	assert_int_equal(flags[0], PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED);
	assert_int_equal(flags[1], 0); /* the zero page */
	assert_int_equal(flags[2], 0); /* swapped */
	flags = (const char *)(a[2] + 1);
	assert_int_equal(flags[0], 0);
	assert_int_equal(flags[1], PG_HWMAPPED);
	golden_check("pagedata.bin", &b);
	rcapfs_buf_release(&b);
}

static void test_procfs__pagedata_appends(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct sample x;

	sample_init(&x);
	assert_int_equal(rcapfs_buf_add(&b, "head", 4), 0);
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, &b), 0);
	assert_int_equal(b.len,
			 4 + rcapfs_procfs_pagedata_size(&x.s.maps, PAGE));
	assert_memory_equal(b.data, "head", 4);
	rcapfs_buf_release(&b);
}

static void test_procfs__pagedata_empty(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_snapshot s;
	const prpageheader_t *h;

	memset(&s, 0, sizeof(s));
	s.page_size = PAGE;
	s.tstamp_ns = 1500000000;
	assert_int_equal(rcapfs_procfs_render_pagedata(&s, &b), 0);
	assert_int_equal(b.len, sizeof(prpageheader_t));
	h = (const prpageheader_t *)b.data;
	assert_int_equal(h->pr_tstamp.tv_sec, 1);
	assert_int_equal(h->pr_tstamp.tv_nsec, 500000000);
	assert_int_equal(h->pr_nmap, 0);
	assert_int_equal(h->pr_npage, 0);
	rcapfs_buf_release(&b);
}

/* A MAP_NORESERVE mapping with nothing resident or swapped (a
 * reservation) is left out, as on Solaris; another mapping without pages
 * is there, every page 0. */
static void test_procfs__pagedata_reservation(void **state)
{
	struct rcapfs_mapping maps[3] = {
		{.start = 0x400000,
		 .end = 0x402000,
		 .flags = RCAPFS_MAP_READ,
		 .shmid = -1,
		 .rss_kb = 8,
		 .name = "/usr/bin/victim"},
		{.start = 0x7e0000000000,
		 .end = 0x7f0000000000,
		 .flags = RCAPFS_MAP_ANON | RCAPFS_MAP_NORESERVE,
		 .shmid = -1,
		 .name = ""},
		{.start = 0x7f0000000000,
		 .end = 0x7f0000003000,
		 .flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON,
		 .shmid = -1,
		 .name = ""},
	};
	size_t first[3] = {0, RCAPFS_SNAPSHOT_NO_PAGES,
			   RCAPFS_SNAPSHOT_NO_PAGES};
	uint8_t pages[2] = {RCAPFS_PAGE_PRESENT,
			    RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_REFERENCED};
	struct rcapfs_snapshot snap = {.maps = {maps, 3, NULL},
				       .pages = pages,
				       .first_page = first,
				       .npages = 2,
				       .page_size = PAGE};
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	const prpageheader_t *h;
	const prasmap_t *a;
	const char *flags;
	size_t off;

	assert_int_equal(rcapfs_procfs_render_pagedata(&snap, &b), 0);
	assert_int_equal(b.len, 32 + 104 + 8 + 104 + 8);
	assert_int_equal(b.len, rcapfs_procfs_pagedata_size(&snap.maps, PAGE));
	h = (const prpageheader_t *)b.data;
	assert_int_equal(h->pr_nmap, 2);
	assert_int_equal(h->pr_npage, 5);
	off = sizeof(*h);
	a = asmap_at(b.data, &off);
	flags = (const char *)(a + 1);
	assert_int_equal(flags[1], PG_HWMAPPED | PG_REFERENCED);
	a = asmap_at(b.data, &off);
	assert_int_equal(a->pr_vaddr, 0x7f0000000000);
	assert_int_equal(a->pr_npage, 3);
	assert_memory_equal(a + 1, "\0\0\0\0\0\0\0\0", 8);
	rcapfs_buf_release(&b);

	/* Holding a page, the same mapping is there, all 2^28 pages of it:
	 * more than a snapshot may hold, refused. */
	maps[1].swap_kb = 4;
	assert_int_equal(rcapfs_procfs_render_pagedata(&snap, &b), -EFBIG);
	assert_int_equal(b.len, 0);
	rcapfs_buf_release(&b);
}

/* A snapshot whose pages do not cover its mappings is refused whole. */
static void test_procfs__pagedata_inconsistent(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct sample x;

	sample_init(&x);
	x.s.npages--;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, &b), -EINVAL);
	assert_int_equal(b.len, 0);
	sample_init(&x);
	x.first[NSAMPLE - 1] = x.s.npages + 1;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, &b), -EINVAL);
	sample_init(&x);
	x.maps[1].start += 1;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, &b), -EINVAL);
	sample_init(&x);
	x.s.page_size = 3000;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, &b), -EINVAL);
	sample_init(&x);
	x.s.page_size = 0;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, &b), -EINVAL);
	assert_int_equal(b.len, 0);
	rcapfs_buf_release(&b);
}

static void test_procfs__xmap(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_mapping_list ml;
	struct rcapfs_mapping maps[NSAMPLE];
	const prxmap_t *x;
	size_t i;

	memcpy(maps, sample_maps, sizeof(maps));
	ml.maps = maps;
	ml.n = NSAMPLE;
	ml.names = NULL;
	assert_int_equal(rcapfs_procfs_render_xmap(&ml, PAGE, &b), 0);
	assert_int_equal(b.len, NSAMPLE * sizeof(prxmap_t));
	assert_int_equal(rcapfs_procfs_xmap_size(&ml), b.len);
	x = (const prxmap_t *)b.data;
	for (i = 0; i < NSAMPLE; i++) {
		static const uint64_t zero[7];

		assert_int_equal(x[i].pr_vaddr, sample_maps[i].start);
		assert_int_equal(x[i].pr_size,
				 sample_maps[i].end - sample_maps[i].start);
		assert_int_equal(x[i].pr_pagesize, PAGE);
		assert_int_equal(x[i].pr_rss, sample_maps[i].rss_kb / 4);
		assert_int_equal(x[i].pr_anon, sample_maps[i].anon_kb / 4);
		assert_int_equal(x[i].pr_align, 0);
		assert_int_equal(x[i].pr_pad, 0);
		assert_memory_equal(x[i].pr_filler, zero, sizeof(zero));
	}
	assert_string_equal(x[0].pr_mapname, "victim");
	assert_int_equal(x[0].pr_mflags, MA_READ | MA_EXEC);
	assert_true(x[0].pr_dev == RCAPFS_PRDEV(8, 1));
	assert_int_equal(x[0].pr_ino, 1234);
	assert_int_equal(x[0].pr_shmid, -1);
	assert_int_equal(x[0].pr_locked, 0);
	assert_int_equal(x[0].pr_hatpagesize, 4096);
	/* The heap and the main stack are marked in xmap. */
	assert_int_equal(x[1].pr_mflags,
			 MA_READ | MA_WRITE | MA_ANON | MA_BREAK);
	assert_true(x[1].pr_dev == PRNODEV);
	assert_int_equal(x[1].pr_ino, 0);
	assert_int_equal(x[7].pr_mflags,
			 MA_READ | MA_WRITE | MA_ANON | MA_STACK);
	assert_string_equal(x[6].pr_mapname, "");
	assert_int_equal(x[6].pr_mflags,
			 MA_READ | MA_WRITE | MA_SHARED | MA_ANON);
	assert_true(x[6].pr_dev == PRNODEV);
	assert_int_equal(x[6].pr_ino, 0);
	/* Locked: all resident pages of an mlocked mapping. */
	assert_int_equal(x[2].pr_locked, 9);
	assert_int_equal(x[2].pr_mflags,
			 MA_READ | MA_WRITE | MA_ANON | MA_NORESERVE);
	/* SysV: anonymous to Solaris, no device, its id. */
	assert_string_equal(x[3].pr_mapname, "");
	assert_int_equal(x[3].pr_mflags,
			 MA_READ | MA_WRITE | MA_SHARED | MA_ANON | MA_SHM);
	assert_int_equal(x[3].pr_shmid, 42);
	assert_true(x[3].pr_dev == PRNODEV);
	assert_int_equal(x[3].pr_ino, 0);
	/* Nothing resident: no MMU page size. */
	assert_int_equal(x[4].pr_hatpagesize, 0);
	assert_true(x[4].pr_dev == 0x000000fd00000007ull);
	assert_int_equal(x[4].pr_ino, 77);
	assert_int_equal(x[4].pr_offset, 0x3000);
	assert_int_equal(x[5].pr_mflags, MA_READ | MA_WRITE | MA_SHARED);
	assert_string_equal(x[8].pr_mapname, "[vdso]");
	golden_check("xmap.bin", &b);

	assert_int_equal(rcapfs_procfs_render_xmap(&ml, 0, &b), -EINVAL);
	assert_int_equal(b.len, NSAMPLE * sizeof(prxmap_t));
	rcapfs_buf_release(&b);
}

/* A process of the fake backend with an anonymous region, a file mapping
 * and a huge-page mapping. */
#define VPID	   4242
#define ANON_START 0x10000000ull
#define FILE_START 0x20000000ull
#define HUGE_START 0x40000000ull

static struct rcapfs_backend *victim_backend_with(bool page, bool dirty,
						  bool clear_refs)
{
	struct rcapfs_backend *be = fake_backend_new();
	struct rcapfs_features feat;
	struct rcapfs_proc p;
	struct rcapfs_mapping m;

	memset(&feat, 0, sizeof(feat));
	feat.page_size = PAGE;
	feat.idle_page_tracking = feat.pfn_visible = page;
	feat.soft_dirty = dirty;
	feat.clear_refs = clear_refs;
	fake_backend_set_features(be, &feat);

	memset(&p, 0, sizeof(p));
	p.pid = VPID;
	p.ppid = 1;
	p.ruid = 1000;
	p.rgid = 1000;
	p.start_ticks = 77;
	strcpy(p.comm, "victim");
	fake_backend_set_procs(be, &p, 1);

	memset(&m, 0, sizeof(m));
	m.start = ANON_START;
	m.end = ANON_START + 16 * PAGE;
	m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON;
	m.shmid = -1;
	m.kernel_page_kb = m.mmu_page_kb = 4;
	m.name = "";
	fake_backend_add_mapping(be, VPID, &m);
	m.start = FILE_START;
	m.end = FILE_START + 8 * PAGE;
	m.flags = RCAPFS_MAP_READ;
	m.dev_major = 8;
	m.dev_minor = 2;
	m.inode = 999;
	m.name = "/data/file.bin";
	fake_backend_add_mapping(be, VPID, &m);
	m.start = HUGE_START;
	m.end = HUGE_START + 1024 * PAGE;
	m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
		  RCAPFS_MAP_LOCKED;
	m.dev_major = m.dev_minor = 0;
	m.inode = 0;
	m.mmu_page_kb = 2048;
	m.name = "";
	fake_backend_add_mapping(be, VPID, &m);

	fake_backend_touch(be, VPID, ANON_START, ANON_START + 10 * PAGE, true);
	fake_backend_touch(be, VPID, FILE_START, FILE_START + 3 * PAGE, false);
	fake_backend_touch(be, VPID, HUGE_START, HUGE_START + 512 * PAGE, true);
	return be;
}

static struct rcapfs_backend *victim_backend(void)
{
	return victim_backend_with(false, false, false);
}

static void test_procfs__xmap_backend(void **state)
{
	struct rcapfs_backend *be = victim_backend();
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	uint64_t pd_bytes, xmap_bytes;
	const prxmap_t *x;

	assert_int_equal(rcapfs_procfs_xmap(be, NULL, VPID, 0, &b), 0);
	assert_int_equal(b.len, 3 * sizeof(prxmap_t));
	x = (const prxmap_t *)b.data;
	assert_int_equal(x[0].pr_vaddr, ANON_START);
	assert_int_equal(x[0].pr_size, 16 * PAGE);
	assert_int_equal(x[0].pr_rss, 10);
	assert_int_equal(x[0].pr_anon, 10);
	assert_int_equal(x[0].pr_locked, 0);
	assert_int_equal(x[0].pr_mflags, MA_READ | MA_WRITE | MA_ANON);
	assert_true(x[0].pr_dev == PRNODEV);
	assert_int_equal(x[0].pr_hatpagesize, 4096);
	assert_string_equal(x[1].pr_mapname, "file.bin");
	assert_int_equal(x[1].pr_rss, 3);
	assert_int_equal(x[1].pr_anon, 0);
	assert_true(x[1].pr_dev == RCAPFS_PRDEV(8, 2));
	assert_int_equal(x[1].pr_ino, 999);
	assert_int_equal(x[2].pr_rss, 512);
	assert_int_equal(x[2].pr_locked, 512);
	assert_int_equal(x[2].pr_hatpagesize, 2048 * 1024);

	assert_int_equal(
		rcapfs_procfs_sizes(be, NULL, VPID, 0, &pd_bytes, &xmap_bytes),
		0);
	assert_int_equal(xmap_bytes, b.len);
	assert_int_equal(pd_bytes, 32 + 3 * 104 + 16 + 8 + 1024);

	/* With the start time of another process: that one is gone. */
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_procfs_xmap(be, NULL, VPID, 78, &b), -ENOENT);
	assert_int_equal(rcapfs_procfs_xmap(be, NULL, VPID, 77, &b), 0);
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_procfs_xmap(be, NULL, 999, 0, &b), -ENOENT);
	fake_backend_exit(be, VPID);
	assert_int_equal(rcapfs_procfs_xmap(be, NULL, VPID, 0, &b), -ENOENT);
	assert_int_equal(
		rcapfs_procfs_sizes(be, NULL, VPID, 0, &pd_bytes, &xmap_bytes),
		-ENOENT);
	assert_int_equal(b.len, 0);
	rcapfs_buf_release(&b);
	rcapfs_backend_free(be);
}

/* A size query's mappings serve the xmap rendering that follows it, once,
 * for the same process, within the cache's time to live. */
static void test_procfs__cache(void **state)
{
	struct rcapfs_backend *be = victim_backend();
	struct rcapfs_buf fresh = RCAPFS_BUF_INIT, b = RCAPFS_BUF_INIT;
	struct rcapfs_procfs_cache *c, *stale;
	struct fake_backend_counts n0, n1;
	uint64_t pd_bytes, xmap_bytes;

	assert_int_equal(rcapfs_procfs_xmap(be, NULL, VPID, 77, &fresh), 0);
	assert_int_equal(rcapfs_procfs_cache_new(INT64_MAX, &c), 0);
	fake_backend_counts(be, &n0);
	assert_int_equal(
		rcapfs_procfs_sizes(be, c, VPID, 77, &pd_bytes, &xmap_bytes),
		0);
	assert_int_equal(rcapfs_procfs_xmap(be, c, VPID, 77, &b), 0);
	fake_backend_counts(be, &n1);
	assert_int_equal(n1.mappings - n0.mappings, 1);
	assert_int_equal(b.len, fresh.len);
	assert_memory_equal(b.data, fresh.data, fresh.len);
	/* Taken: the next rendering reads the process again. */
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_procfs_xmap(be, c, VPID, 77, &b), 0);
	fake_backend_counts(be, &n0);
	assert_int_equal(n0.mappings - n1.mappings, 1);
	/* Another process with the pid, or whoever has it: not served. */
	assert_int_equal(
		rcapfs_procfs_sizes(be, c, VPID, 77, &pd_bytes, &xmap_bytes),
		0);
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_procfs_xmap(be, c, VPID, 78, &b), -ENOENT);
	assert_int_equal(rcapfs_procfs_xmap(be, c, VPID, 0, &b), 0);
	fake_backend_counts(be, &n1);
	/* The size query and "whoever"; the other process is not there to
	 * be read. */
	assert_int_equal(n1.mappings - n0.mappings, 2);
	/* Too old: read again. */
	assert_int_equal(rcapfs_procfs_cache_new(0, &stale), 0);
	assert_int_equal(rcapfs_procfs_sizes(be, stale, VPID, 77, &pd_bytes,
					     &xmap_bytes),
			 0);
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_procfs_xmap(be, stale, VPID, 77, &b), 0);
	fake_backend_counts(be, &n0);
	assert_int_equal(n0.mappings - n1.mappings, 2);
	/* What a cache still holds is freed with it. */
	assert_int_equal(rcapfs_procfs_sizes(be, stale, VPID, 77, &pd_bytes,
					     &xmap_bytes),
			 0);
	rcapfs_procfs_cache_free(stale);
	rcapfs_procfs_cache_free(c);
	rcapfs_procfs_cache_free(NULL);
	rcapfs_buf_release(&fresh);
	rcapfs_buf_release(&b);
	rcapfs_backend_free(be);
}

/* M/proc paths: pids as /proc names them, nothing else. */
static void test_procfs__tree(void **state)
{
	struct rcapfs_backend *be = fake_backend_new();
	struct rcapfs_scanner *sc;
	struct rcapfs_node n;
	const struct rcapfs_child *c;

	assert_int_equal(rcapfs_scanner_new(be, &sc), 0);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/4242", &n), 0);
	assert_int_equal(n.kind, RCAPFS_NODE_PROC_PID);
	assert_int_equal(n.pid, 4242);
	assert_int_equal(n.start_ticks, 0);
	assert_true(rcapfs_node_is_dir(n.kind));
	assert_int_equal(rcapfs_node_mode(n.kind), 0555);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/1/pagedata", &n), 0);
	assert_int_equal(n.kind, RCAPFS_NODE_PROC_PAGEDATA);
	assert_int_equal(n.pid, 1);
	assert_int_equal(rcapfs_node_mode(n.kind), 0400);
	assert_true(rcapfs_node_owner_only(n.kind));
	assert_false(rcapfs_node_writable(n.kind));
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/2147483647/xmap", &n),
			 0);
	assert_int_equal(n.kind, RCAPFS_NODE_PROC_XMAP);
	assert_int_equal(n.pid, 2147483647);
	assert_int_equal(rcapfs_node_mode(n.kind), 0400);
	assert_false(rcapfs_node_owner_only(RCAPFS_NODE_CTL_STATUS));

	c = rcapfs_node_children(RCAPFS_NODE_PROC_PID);
	assert_non_null(c);
	assert_string_equal(c[0].name, "pagedata");
	assert_string_equal(c[1].name, "xmap");
	assert_null(c[2].name);

	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/0", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/012", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/-1", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/+1", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/12a", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/self", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/2147483648", &n),
			 -ENOENT);
	assert_int_equal(
		rcapfs_tree_lookup(sc, "/proc/99999999999999999999", &n),
		-ENOENT);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/1/maps", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/1/xmap/x", &n), -ENOENT);
	rcapfs_scanner_free(sc);
	rcapfs_backend_free(be);
}

/* An open pagedata descriptor on the fake victim, with the tracker and the
 * backend behind it. */
struct pd_fixture {
	struct rcapfs_backend *be;
	struct rcapfs_tracker *tr;
	char buf[1 << 16];
};

static struct pd_fixture *pd_fixture_new(bool page, bool dirty, bool clear_refs)
{
	struct pd_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->be = victim_backend_with(page, dirty, clear_refs);
	assert_int_equal(rcapfs_tracker_new(f->be, &f->tr), 0);
	return f;
}

static void pd_fixture_free(struct pd_fixture *f)
{
	rcapfs_tracker_free(f->tr);
	rcapfs_backend_free(f->be);
	free(f);
}

static struct rcapfs_pagedata *pd_open(struct pd_fixture *f, size_t max_chunk)
{
	struct rcapfs_pagedata *pd;

	assert_int_equal(rcapfs_pagedata_open(f->tr, VPID, 0, max_chunk, &pd),
			 0);
	return pd;
}

/* One whole read into f->buf; returns its length. */
static size_t pd_read(struct pd_fixture *f, struct rcapfs_pagedata *pd)
{
	size_t done;

	assert_int_equal(
		rcapfs_pagedata_read(pd, 0, f->buf, sizeof(f->buf), &done), 0);
	assert_true(done >= sizeof(prpageheader_t));
	return done;
}

/* The flag byte of the page at addr in the pagedata data[0..len), parsed
 * as a Solaris reader would; fails the test when no mapping holds addr. */
static uint8_t pg_at(const char *data, size_t len, uint64_t addr)
{
	const prpageheader_t *h = (const prpageheader_t *)data;
	size_t off = sizeof(*h);
	int64_t i;

	for (i = 0; i < h->pr_nmap; i++) {
		const prasmap_t *a = asmap_at(data, &off);

		assert_true(off <= len);
		if (addr >= a->pr_vaddr &&
		    addr < a->pr_vaddr + a->pr_npage * (uint64_t)a->pr_pagesize)
			return (uint8_t)((
				const char *)(a + 1))[(addr - a->pr_vaddr) /
						      (uint64_t)a->pr_pagesize];
	}
	fail_msg("no mapping holds 0x%llx", (unsigned long long)addr);
	return 0;
}

/* Page fidelity: each descriptor has its own bits, a read clears only
 * what it reported, the first read covers what happened since open. */
static void test_procfs__descriptors(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, true, false);
	struct rcapfs_pagedata *a, *b;
	size_t len;

	a = pd_open(f, 1 << 20);
	b = pd_open(f, 1 << 20);
	fake_backend_touch(f->be, VPID, ANON_START, ANON_START + 2 * PAGE,
			   true);
	fake_backend_touch(f->be, VPID, FILE_START, FILE_START + PAGE, false);

	len = pd_read(f, a);
	assert_int_equal(len, 32 + 3 * 104 + 16 + 8 + 1024);
	assert_int_equal(pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED);
	assert_int_equal(pg_at(f->buf, len, ANON_START + PAGE),
			 PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED);
	/* Resident, untouched since open. */
	assert_int_equal(pg_at(f->buf, len, ANON_START + 2 * PAGE),
			 PG_HWMAPPED);
	assert_int_equal(pg_at(f->buf, len, ANON_START + 12 * PAGE), 0);
	assert_int_equal(pg_at(f->buf, len, FILE_START),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(pg_at(f->buf, len, HUGE_START), PG_HWMAPPED);

	/* a reported them: a's next read has none. */
	len = pd_read(f, a);
	assert_int_equal(pg_at(f->buf, len, ANON_START), PG_HWMAPPED);
	assert_int_equal(pg_at(f->buf, len, FILE_START), PG_HWMAPPED);

	/* b has not read yet: it still sees them all. */
	len = pd_read(f, b);
	assert_int_equal(pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED);
	assert_int_equal(pg_at(f->buf, len, FILE_START),
			 PG_HWMAPPED | PG_REFERENCED);

	/* A descriptor opened now starts from nothing. */
	rcapfs_pagedata_close(b);
	b = pd_open(f, 1 << 20);
	len = pd_read(f, b);
	assert_int_equal(pg_at(f->buf, len, ANON_START), PG_HWMAPPED);
	rcapfs_pagedata_close(a);
	rcapfs_pagedata_close(b);
	pd_fixture_free(f);
}

/* A buffer one byte short fails with E2BIG and clears nothing; the offset
 * of a read does not matter. */
static void test_procfs__e2big(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, true, false);
	struct rcapfs_pagedata *a;
	size_t done, want = 32 + 3 * 104 + 16 + 8 + 1024;

	a = pd_open(f, 1 << 20);
	fake_backend_touch(f->be, VPID, ANON_START + 3 * PAGE,
			   ANON_START + 4 * PAGE, false);
	assert_int_equal(rcapfs_pagedata_read(a, 0, f->buf, want - 1, &done),
			 -E2BIG);
	assert_int_equal(done, 0);
	assert_int_equal(rcapfs_pagedata_read(a, 0, f->buf, 1, &done), -E2BIG);
	assert_int_equal(rcapfs_pagedata_read(a, 0, f->buf, want, &done), 0);
	assert_int_equal(done, want);
	assert_int_equal(pg_at(f->buf, done, ANON_START + 3 * PAGE),
			 PG_HWMAPPED | PG_REFERENCED);
	/* Any offset: a whole snapshot, and the bits were cleared. */
	assert_int_equal(
		rcapfs_pagedata_read(a, 777, f->buf, sizeof(f->buf), &done), 0);
	assert_int_equal(done, want);
	assert_int_equal(((const prpageheader_t *)f->buf)->pr_nmap, 3);
	assert_int_equal(pg_at(f->buf, done, ANON_START + 3 * PAGE),
			 PG_HWMAPPED);
	rcapfs_pagedata_close(a);
	pd_fixture_free(f);
}

#define BIG_START 0x50000000ull
#define BIG_PAGES 20000u

/* A snapshot larger than what the kernel passes in one request arrives in
 * chunks at consecutive offsets; one taken for a read(2) that stopped
 * short is reported again whole by the next. */
static void test_procfs__chunks(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, false, false);
	struct rcapfs_pagedata *a;
	struct rcapfs_mapping m;
	size_t done, total, want, chunk = 8192;
	char *whole;

	memset(&m, 0, sizeof(m));
	m.start = BIG_START;
	m.end = BIG_START + (uint64_t)BIG_PAGES * PAGE;
	m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON;
	m.shmid = -1;
	m.kernel_page_kb = m.mmu_page_kb = 4;
	m.name = "";
	fake_backend_add_mapping(f->be, VPID, &m);
	want = 32 + 4 * 104 + 16 + 8 + 1024 + BIG_PAGES;
	whole = malloc(want);
	assert_non_null(whole);

	a = pd_open(f, chunk);
	fake_backend_touch(f->be, VPID, BIG_START + 19000 * (uint64_t)PAGE,
			   BIG_START + 19001 * (uint64_t)PAGE, false);
	/* A request well below the chunk size is the caller's buffer. */
	assert_int_equal(rcapfs_pagedata_read(a, 0, whole, 4000, &done),
			 -E2BIG);
	/* Chunks of a read(2), the first one short of a chunk by the
	 * buffer's offset in its page. */
	total = 0;
	assert_int_equal(rcapfs_pagedata_read(a, 50, whole, chunk - 100, &done),
			 0);
	assert_int_equal(done, chunk - 100);
	total += done;
	while (total < want) {
		assert_int_equal(rcapfs_pagedata_read(a, (off_t)(50 + total),
						      whole + total, chunk,
						      &done),
				 0);
		assert_true(done > 0);
		total += done;
	}
	assert_int_equal(total, want);
	assert_int_equal(((const prpageheader_t *)whole)->pr_nmap, 4);
	assert_int_equal(pg_at(whole, want, BIG_START + 19000 * (uint64_t)PAGE),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(pg_at(whole, want, BIG_START), 0);

	/* A read(2) that stops after its first chunk delivered nothing
	 * whole: the next read reports its bits again. */
	fake_backend_touch(f->be, VPID, BIG_START, BIG_START + PAGE, false);
	assert_int_equal(rcapfs_pagedata_read(a, 0, whole, chunk, &done), 0);
	assert_int_equal(done, chunk);
	fake_backend_touch(f->be, VPID, BIG_START + PAGE, BIG_START + 2 * PAGE,
			   false);
	assert_int_equal(
		rcapfs_pagedata_read(a, 0, f->buf, sizeof(f->buf), &done), 0);
	assert_int_equal(done, want);
	assert_int_equal(pg_at(f->buf, want, BIG_START),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(pg_at(f->buf, want, BIG_START + PAGE),
			 PG_HWMAPPED | PG_REFERENCED);
	/* Delivered whole now: cleared. */
	assert_int_equal(
		rcapfs_pagedata_read(a, 0, f->buf, sizeof(f->buf), &done), 0);
	assert_int_equal(pg_at(f->buf, want, BIG_START), PG_HWMAPPED);
	assert_int_equal(pg_at(f->buf, want, BIG_START + PAGE), PG_HWMAPPED);

	/* An E2BIG after a short read keeps both reads' bits. */
	fake_backend_touch(f->be, VPID, BIG_START, BIG_START + PAGE, false);
	assert_int_equal(rcapfs_pagedata_read(a, 0, whole, chunk, &done), 0);
	assert_int_equal(rcapfs_pagedata_read(a, 0, whole, 100, &done), -E2BIG);
	fake_backend_touch(f->be, VPID, BIG_START + 2 * PAGE,
			   BIG_START + 3 * PAGE, false);
	assert_int_equal(
		rcapfs_pagedata_read(a, 0, f->buf, sizeof(f->buf), &done), 0);
	assert_int_equal(pg_at(f->buf, want, BIG_START),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(pg_at(f->buf, want, BIG_START + 2 * PAGE),
			 PG_HWMAPPED | PG_REFERENCED);
	/* Closing in the middle of a read frees what it held. */
	assert_int_equal(rcapfs_pagedata_read(a, 0, whole, chunk, &done), 0);
	rcapfs_pagedata_close(a);
	free(whole);
	pd_fixture_free(f);
}

/* Mapping fidelity: every present page of a mapping referenced since the
 * last read, never a modified bit; none: present bits only. */
static void test_procfs__fidelity(void **state)
{
	struct pd_fixture *f = pd_fixture_new(false, false, true);
	struct rcapfs_pagedata *a;
	size_t len;

	assert_int_equal(rcapfs_tracker_fidelity(f->tr),
			 RCAPFS_FIDELITY_MAPPING);
	a = pd_open(f, 1 << 20);
	fake_backend_touch(f->be, VPID, ANON_START, ANON_START + PAGE, true);
	len = pd_read(f, a);
	assert_int_equal(pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(pg_at(f->buf, len, ANON_START + 9 * PAGE),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(pg_at(f->buf, len, ANON_START + 10 * PAGE), 0);
	assert_int_equal(pg_at(f->buf, len, FILE_START), PG_HWMAPPED);
	len = pd_read(f, a);
	assert_int_equal(pg_at(f->buf, len, ANON_START), PG_HWMAPPED);
	rcapfs_pagedata_close(a);
	pd_fixture_free(f);

	f = pd_fixture_new(false, false, false);
	assert_int_equal(rcapfs_tracker_fidelity(f->tr), RCAPFS_FIDELITY_NONE);
	a = pd_open(f, 1 << 20);
	fake_backend_touch(f->be, VPID, ANON_START, ANON_START + PAGE, true);
	len = pd_read(f, a);
	assert_int_equal(pg_at(f->buf, len, ANON_START), PG_HWMAPPED);
	rcapfs_pagedata_close(a);
	pd_fixture_free(f);
}

/* An exited process: ENOENT to open and to read. */
static void test_procfs__exited(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, false, false);
	struct rcapfs_pagedata *a, *b;
	size_t done;

	a = pd_open(f, 1 << 20);
	assert_int_equal(rcapfs_pagedata_open(f->tr, VPID, 78, 1 << 20, &b),
			 -ENOENT);
	assert_int_equal(rcapfs_pagedata_open(f->tr, 999, 0, 1 << 20, &b),
			 -ENOENT);
	fake_backend_exit(f->be, VPID);
	assert_int_equal(
		rcapfs_pagedata_read(a, 0, f->buf, sizeof(f->buf), &done),
		-ENOENT);
	assert_int_equal(done, 0);
	assert_int_equal(rcapfs_pagedata_open(f->tr, VPID, 0, 1 << 20, &b),
			 -ENOENT);
	rcapfs_pagedata_close(a);
	rcapfs_pagedata_close(NULL);
	pd_fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procfs__layout),
		cmocka_unit_test(test_procfs__pagedata),
		cmocka_unit_test(test_procfs__pagedata_appends),
		cmocka_unit_test(test_procfs__pagedata_empty),
		cmocka_unit_test(test_procfs__pagedata_reservation),
		cmocka_unit_test(test_procfs__pagedata_inconsistent),
		cmocka_unit_test(test_procfs__xmap),
		cmocka_unit_test(test_procfs__xmap_backend),
		cmocka_unit_test(test_procfs__cache),
		cmocka_unit_test(test_procfs__tree),
		cmocka_unit_test(test_procfs__descriptors),
		cmocka_unit_test(test_procfs__e2big),
		cmocka_unit_test(test_procfs__chunks),
		cmocka_unit_test(test_procfs__fidelity),
		cmocka_unit_test(test_procfs__exited),
	};

	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
