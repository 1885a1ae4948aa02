/*
 * fs/procfs.c and include/rcapfs/procfs.h: the Solaris layouts, pagedata
 * rendered from hand-made snapshots against golden binary files, and the
 * M/proc paths of the tree. xmap is test_xmap's, the descriptors of
 * pagedata are test_pagedata's.
 */
#include "config.h"

#include "fs/procfs.h"

#include "fs/tree.h"
#include "rcapfs/procfs.h"
#include "scanner/tracker.h"
#include "tests/unit/fake_backend.h"
#include "tests/unit/golden.h"
#include "tests/unit/procfs_fixture.h"

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

/* By default pagedata carries what Solaris gives, PG_REFERENCED and
 * PG_MODIFIED, and names what Solaris names. */
static void test_procfs__pagedata(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	const prpageheader_t *h;
	const prasmap_t *a[PROCFS_NSAMPLE];
	struct procfs_sample x;
	size_t off, i;
	const char *flags;

	procfs_fixture_sample(&x);
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, 0, &b), 0);
	assert_int_equal(b.len, rcapfs_procfs_pagedata_size(&x.s));
	/* 32 + 9 * 104 + pages padded: 2->8 3->8 9->16 1->8 3->8 1->8 2->8
	 * 33->40 2->8. */
	assert_int_equal(b.len,
			 32 + 9 * 104 + 8 + 8 + 16 + 8 + 8 + 8 + 8 + 40 + 8);
	h = (const prpageheader_t *)b.data;
	assert_int_equal(h->pr_tstamp.tv_sec, 123456789);
	assert_int_equal(h->pr_tstamp.tv_nsec, 12345678);
	assert_int_equal(h->pr_nmap, PROCFS_NSAMPLE);
	assert_int_equal(h->pr_npage, x.s.npages);
	off = sizeof(*h);
	for (i = 0; i < PROCFS_NSAMPLE; i++) {
		a[i] = procfs_fixture_asmap_at(b.data, &off);
		assert_int_equal(a[i]->pr_vaddr, procfs_sample_maps[i].start);
		assert_int_equal(a[i]->pr_npage, (procfs_sample_maps[i].end -
						  procfs_sample_maps[i].start) /
							 PAGE);
		assert_int_equal(a[i]->pr_pagesize, PAGE);
		assert_int_equal(a[i]->pr_filler[0], 0);
	}
	assert_int_equal(off, b.len);

	assert_string_equal(a[0]->pr_mapname, "victim");
	assert_int_equal(a[0]->pr_mflags, MA_READ | MA_EXEC);
	assert_int_equal(a[0]->pr_shmid, -1);
	/* The kernel's bracketed names are not files: "", as on Solaris. */
	assert_string_equal(a[1]->pr_mapname, "");
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
	assert_string_equal(a[7]->pr_mapname, "");
	assert_int_equal(a[7]->pr_mflags, MA_READ | MA_WRITE | MA_ANON);
	assert_string_equal(a[8]->pr_mapname, "");

	/* The flag bytes of the first mappings follow the pattern; the
	 * padding is zero. */
	flags = (const char *)(a[0] + 1);
	assert_int_equal(flags[0], 0);
	assert_int_equal(flags[1], PG_REFERENCED);
	assert_memory_equal(flags + 2, "\0\0\0\0\0\0", 6);
	flags = (const char *)(a[1] + 1);
	assert_int_equal(flags[0], PG_REFERENCED | PG_MODIFIED);
	assert_int_equal(flags[1], 0); /* the zero page */
	assert_int_equal(flags[2], 0); /* swapped */
	/* Nothing but the bits Solaris sets, anywhere. */
	off = sizeof(*h);
	for (i = 0; i < PROCFS_NSAMPLE; i++) {
		const prasmap_t *e = procfs_fixture_asmap_at(b.data, &off);
		const unsigned char *f = (const unsigned char *)(e + 1);

		for (uint64_t j = 0; j < e->pr_npage; j++)
			assert_int_equal(f[j] & ~(PG_REFERENCED | PG_MODIFIED),
					 0);
	}
	golden_check("pagedata.bin", &b);
	rcapfs_buf_release(&b);
}

/* Asked for (pagedata_hw), PG_HWMAPPED marks the present pages (the zero
 * page excepted); the rest is the same, byte for byte. */
static void test_procfs__pagedata_hw(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT, hw = RCAPFS_BUF_INIT;
	struct procfs_sample x;
	size_t off, i;
	const char *flags;

	procfs_fixture_sample(&x);
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, 0, &b), 0);
	assert_int_equal(rcapfs_procfs_render_pagedata(
				 &x.s, RCAPFS_PAGEDATA_HWMAPPED, &hw),
			 0);
	assert_int_equal(hw.len, b.len);
	assert_memory_equal(hw.data, b.data, sizeof(prpageheader_t));
	for (off = sizeof(prpageheader_t); off < b.len;) {
		const prasmap_t *e = procfs_fixture_asmap_at(hw.data, &off);
		size_t at = (size_t)((const char *)e - hw.data);

		assert_memory_equal(e, b.data + at, sizeof(*e));
		for (i = at + sizeof(*e); i < off; i++)
			assert_int_equal(hw.data[i] & ~PG_HWMAPPED, b.data[i]);
	}
	off = sizeof(prpageheader_t);
	flags = (const char *)(procfs_fixture_asmap_at(hw.data, &off) + 1);
	assert_int_equal(flags[0], PG_HWMAPPED);
	assert_int_equal(flags[1], PG_HWMAPPED | PG_REFERENCED);
	flags = (const char *)(procfs_fixture_asmap_at(hw.data, &off) + 1);
	assert_int_equal(flags[0], PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED);
	assert_int_equal(flags[1], 0); /* the zero page */
	assert_int_equal(flags[2], 0); /* swapped */
	flags = (const char *)(procfs_fixture_asmap_at(hw.data, &off) + 1);
	assert_int_equal(flags[0], 0);
	assert_int_equal(flags[1], PG_HWMAPPED);
	golden_check("pagedata_hw.bin", &hw);
	rcapfs_buf_release(&hw);
	rcapfs_buf_release(&b);
}

static void test_procfs__pagedata_appends(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct procfs_sample x;

	procfs_fixture_sample(&x);
	assert_int_equal(rcapfs_buf_add(&b, "head", 4), 0);
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, 0, &b), 0);
	assert_int_equal(b.len, 4 + rcapfs_procfs_pagedata_size(&x.s));
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
	assert_int_equal(rcapfs_procfs_render_pagedata(&s, 0, &b), 0);
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

	assert_int_equal(rcapfs_procfs_render_pagedata(&snap, 0, &b), 0);
	assert_int_equal(b.len, 32 + 104 + 8 + 104 + 8);
	assert_int_equal(b.len, rcapfs_procfs_pagedata_size(&snap));
	h = (const prpageheader_t *)b.data;
	assert_int_equal(h->pr_nmap, 2);
	assert_int_equal(h->pr_npage, 5);
	off = sizeof(*h);
	a = procfs_fixture_asmap_at(b.data, &off);
	flags = (const char *)(a + 1);
	assert_int_equal(flags[1], PG_REFERENCED);
	a = procfs_fixture_asmap_at(b.data, &off);
	assert_int_equal(a->pr_vaddr, 0x7f0000000000);
	assert_int_equal(a->pr_npage, 3);
	assert_memory_equal(a + 1, "\0\0\0\0\0\0\0\0", 8);
	rcapfs_buf_release(&b);

	/* Holding a page, it would be cut to its materialised pages; but a
	 * snapshot keeps no flags for 2^28 pages (the tracker refuses them)
	 * and without them the whole mapping is there: refused. */
	maps[1].swap_kb = 4;
	assert_int_equal(rcapfs_procfs_render_pagedata(&snap, 0, &b), -EFBIG);
	assert_int_equal(b.len, 0);
	rcapfs_buf_release(&b);
}

/* A MAP_NORESERVE mapping in part materialised: one entry per run of
 * pages that are resident (the zero page too) or swapped, the others left
 * out, as Solaris splits it; a mapping without MAP_NORESERVE is whole. */
static void test_procfs__pagedata_noreserve_runs(void **state)
{
	struct rcapfs_mapping maps[2] = {
		{.start = 0x10000000,
		 .end = 0x10000000 + 10 * PAGE,
		 .offset = 0,
		 .flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
			  RCAPFS_MAP_NORESERVE,
		 .shmid = -1,
		 .rss_kb = 12,
		 .swap_kb = 4,
		 .name = ""},
		{.start = 0x20000000,
		 .end = 0x20000000 + 4 * PAGE,
		 .flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON,
		 .shmid = -1,
		 .rss_kb = 4,
		 .name = ""},
	};
	const uint8_t P = RCAPFS_PAGE_PRESENT, R = RCAPFS_PAGE_REFERENCED;
	uint8_t pages[14] = {P | R,
			     0,
			     0,
			     P,
			     RCAPFS_PAGE_SWAPPED,
			     0,
			     0,
			     0,
			     P | RCAPFS_PAGE_ZERO,
			     0,
			     P | R,
			     0,
			     0,
			     0};
	size_t first[2] = {0, 10};
	struct rcapfs_snapshot snap = {.maps = {maps, 2, NULL},
				       .pages = pages,
				       .first_page = first,
				       .npages = 14,
				       .page_size = PAGE};
	static const uint64_t start[] = {0, 3, 8}, len[] = {1, 2, 1};
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	const prpageheader_t *h;
	const prasmap_t *a;
	size_t off, i;

	assert_int_equal(rcapfs_procfs_render_pagedata(&snap, 0, &b), 0);
	assert_int_equal(b.len, 32 + 3 * (104 + 8) + 104 + 8);
	assert_int_equal(b.len, rcapfs_procfs_pagedata_size(&snap));
	h = (const prpageheader_t *)b.data;
	assert_int_equal(h->pr_nmap, 4);
	assert_int_equal(h->pr_npage, 1 + 2 + 1 + 4);
	off = sizeof(*h);
	for (i = 0; i < 3; i++) {
		a = procfs_fixture_asmap_at(b.data, &off);
		assert_int_equal(a->pr_vaddr, maps[0].start + start[i] * PAGE);
		assert_int_equal(a->pr_npage, len[i]);
		assert_int_equal(a->pr_offset, start[i] * PAGE);
		assert_int_equal(a->pr_mflags,
				 MA_READ | MA_WRITE | MA_ANON | MA_NORESERVE);
	}
	off = sizeof(*h);
	assert_int_equal(
		*(const char *)(procfs_fixture_asmap_at(b.data, &off) + 1),
		PG_REFERENCED);
	a = procfs_fixture_asmap_at(b.data, &off);
	a = procfs_fixture_asmap_at(b.data, &off);
	a = procfs_fixture_asmap_at(b.data, &off);
	assert_int_equal(a->pr_vaddr, maps[1].start);
	assert_int_equal(a->pr_npage, 4);
	assert_int_equal(*(const char *)(a + 1), PG_REFERENCED);
	rcapfs_buf_release(&b);
}

/* pr_mflags of pagedata and xmap agree, mapping for mapping, but for
 * MA_BREAK and MA_STACK, which only xmap carries, as on Solaris. */
static void test_procfs__mflags(void **state)
{
	struct rcapfs_buf pd = RCAPFS_BUF_INIT, xm = RCAPFS_BUF_INIT;
	const prxmap_t *x;
	struct procfs_sample s;
	size_t off = sizeof(prpageheader_t);
	int32_t seen = 0;

	procfs_fixture_sample(&s);
	assert_int_equal(rcapfs_procfs_render_pagedata(&s.s, 0, &pd), 0);
	assert_int_equal(rcapfs_procfs_render_xmap(&s.s.maps, PAGE, &xm), 0);
	x = (const prxmap_t *)xm.data;
	for (size_t i = 0; i < PROCFS_NSAMPLE; i++) {
		const prasmap_t *a = procfs_fixture_asmap_at(pd.data, &off);

		assert_int_equal(a->pr_vaddr, x[i].pr_vaddr);
		assert_int_equal(a->pr_mflags,
				 x[i].pr_mflags & ~(MA_BREAK | MA_STACK));
		assert_int_equal(a->pr_shmid, x[i].pr_shmid);
		assert_string_equal(a->pr_mapname, x[i].pr_mapname);
		seen |= x[i].pr_mflags;
	}
	/* The sample has both, so the check above could tell. */
	assert_int_equal(seen & (MA_BREAK | MA_STACK), MA_BREAK | MA_STACK);
	rcapfs_buf_release(&xm);
	rcapfs_buf_release(&pd);
}

/* A snapshot whose pages do not cover its mappings is refused whole. */
static void test_procfs__pagedata_inconsistent(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct procfs_sample x;

	procfs_fixture_sample(&x);
	x.s.npages--;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, 0, &b), -EINVAL);
	assert_int_equal(b.len, 0);
	procfs_fixture_sample(&x);
	x.first[PROCFS_NSAMPLE - 1] = x.s.npages + 1;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, 0, &b), -EINVAL);
	procfs_fixture_sample(&x);
	x.maps[1].start += 1;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, 0, &b), -EINVAL);
	procfs_fixture_sample(&x);
	x.s.page_size = 3000;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, 0, &b), -EINVAL);
	procfs_fixture_sample(&x);
	x.s.page_size = 0;
	assert_int_equal(rcapfs_procfs_render_pagedata(&x.s, 0, &b), -EINVAL);
	assert_int_equal(b.len, 0);
	rcapfs_buf_release(&b);
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
	assert_int_equal(rcapfs_tree_lookup(sc, "/proc/1/pagedata_hw", &n), 0);
	assert_int_equal(n.kind, RCAPFS_NODE_PROC_PAGEDATA_HW);
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
	assert_string_equal(c[1].name, "pagedata_hw");
	assert_string_equal(c[2].name, "xmap");
	assert_null(c[3].name);

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
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procfs__layout),
		cmocka_unit_test(test_procfs__pagedata),
		cmocka_unit_test(test_procfs__pagedata_hw),
		cmocka_unit_test(test_procfs__pagedata_appends),
		cmocka_unit_test(test_procfs__pagedata_empty),
		cmocka_unit_test(test_procfs__pagedata_reservation),
		cmocka_unit_test(test_procfs__pagedata_noreserve_runs),
		cmocka_unit_test(test_procfs__mflags),
		cmocka_unit_test(test_procfs__pagedata_inconsistent),
		cmocka_unit_test(test_procfs__tree),
	};

	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
