/*
 * fs/pagedata.c: the descriptors of M/proc/PID/pagedata and pagedata_hw
 * over the reference tracker and the fake backend: each has its own bits,
 * a read clears what it reported for that descriptor only, a buffer too
 * small fails with E2BIG; pagedata carries only the bits Solaris gives,
 * and costs no page walk where nothing needs one.
 */
#include "config.h"

#include "fs/pagedata.h"

#include "fs/procfs.h"
#include "rcapfs/procfs.h"
#include "scanner/tracker.h"
#include "tests/unit/fake_backend.h"
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
	f->be = procfs_fixture_victim(page, dirty, clear_refs);
	assert_int_equal(rcapfs_tracker_new(f->be, &f->tr), 0);
	return f;
}

static void pd_fixture_free(struct pd_fixture *f)
{
	rcapfs_tracker_free(f->tr);
	rcapfs_backend_free(f->be);
	free(f);
}

/* A descriptor of pagedata (flags 0) or pagedata_hw (HW). */
#define HW RCAPFS_PAGEDATA_HWMAPPED

static struct rcapfs_pagedata *pd_open(struct pd_fixture *f, size_t max_chunk,
				       unsigned flags)
{
	struct rcapfs_pagedata *pd;

	assert_int_equal(
		rcapfs_pagedata_open(f->tr, VPID, 0, max_chunk, flags, &pd), 0);
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

/* Page fidelity: each descriptor has its own bits, a read clears only
 * what it reported, the first read covers what happened since open. */
static void test_pagedata__descriptors(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, true, false);
	struct rcapfs_pagedata *a, *b;
	size_t len;

	a = pd_open(f, 1 << 20, HW);
	b = pd_open(f, 1 << 20, HW);
	fake_backend_touch(f->be, VPID, ANON_START, ANON_START + 2 * PAGE,
			   true);
	fake_backend_touch(f->be, VPID, FILE_START, FILE_START + PAGE, false);

	len = pd_read(f, a);
	assert_int_equal(len, 32 + 3 * 104 + 16 + 8 + 1024);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START + PAGE),
			 PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED);
	/* Resident, untouched since open. */
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 2 * PAGE),
		PG_HWMAPPED);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 12 * PAGE), 0);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FILE_START),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, HUGE_START),
			 PG_HWMAPPED);

	/* a reported them: a's next read has none. */
	len = pd_read(f, a);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FILE_START),
			 PG_HWMAPPED);

	/* b has not read yet: it still sees them all. */
	len = pd_read(f, b);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FILE_START),
			 PG_HWMAPPED | PG_REFERENCED);

	/* A descriptor opened now starts from nothing. */
	rcapfs_pagedata_close(b);
	b = pd_open(f, 1 << 20, HW);
	len = pd_read(f, b);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED);
	rcapfs_pagedata_close(a);
	rcapfs_pagedata_close(b);
	pd_fixture_free(f);
}

/* A buffer one byte short fails with E2BIG and clears nothing; the offset
 * of a read does not matter. */
static void test_pagedata__e2big(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, true, false);
	struct rcapfs_pagedata *a;
	size_t done, want = 32 + 3 * 104 + 16 + 8 + 1024;

	a = pd_open(f, 1 << 20, HW);
	fake_backend_touch(f->be, VPID, ANON_START + 3 * PAGE,
			   ANON_START + 4 * PAGE, false);
	assert_int_equal(rcapfs_pagedata_read(a, 0, f->buf, want - 1, &done),
			 -E2BIG);
	assert_int_equal(done, 0);
	assert_int_equal(rcapfs_pagedata_read(a, 0, f->buf, 1, &done), -E2BIG);
	assert_int_equal(rcapfs_pagedata_read(a, 0, f->buf, want, &done), 0);
	assert_int_equal(done, want);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, done, ANON_START + 3 * PAGE),
		PG_HWMAPPED | PG_REFERENCED);
	/* Any offset: a whole snapshot, and the bits were cleared. */
	assert_int_equal(
		rcapfs_pagedata_read(a, 777, f->buf, sizeof(f->buf), &done), 0);
	assert_int_equal(done, want);
	assert_int_equal(((const prpageheader_t *)f->buf)->pr_nmap, 3);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, done, ANON_START + 3 * PAGE),
		PG_HWMAPPED);
	rcapfs_pagedata_close(a);
	pd_fixture_free(f);
}

#define BIG_START 0x50000000ull
#define BIG_PAGES 20000u

/* A snapshot larger than what the kernel passes in one request arrives in
 * chunks at consecutive offsets; one taken for a read(2) that stopped
 * short is reported again whole by the next. */
static void test_pagedata__chunks(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, false, false);
	struct rcapfs_pagedata *a;
	size_t done, total, want, chunk = 8192;
	char *whole;

	procfs_fixture_add_anon(f->be, BIG_START, BIG_PAGES, 0);
	want = 32 + 4 * 104 + 16 + 8 + 1024 + BIG_PAGES;
	whole = malloc(want);
	assert_non_null(whole);

	a = pd_open(f, chunk, HW);
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
	assert_int_equal(
		procfs_fixture_pg_at(whole, want,
				     BIG_START + 19000 * (uint64_t)PAGE),
		PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(procfs_fixture_pg_at(whole, want, BIG_START), 0);

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
	assert_int_equal(procfs_fixture_pg_at(f->buf, want, BIG_START),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, want, BIG_START + PAGE),
			 PG_HWMAPPED | PG_REFERENCED);
	/* Delivered whole now: cleared. */
	assert_int_equal(
		rcapfs_pagedata_read(a, 0, f->buf, sizeof(f->buf), &done), 0);
	assert_int_equal(procfs_fixture_pg_at(f->buf, want, BIG_START),
			 PG_HWMAPPED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, want, BIG_START + PAGE),
			 PG_HWMAPPED);

	/* An E2BIG after a short read keeps both reads' bits. */
	fake_backend_touch(f->be, VPID, BIG_START, BIG_START + PAGE, false);
	assert_int_equal(rcapfs_pagedata_read(a, 0, whole, chunk, &done), 0);
	assert_int_equal(rcapfs_pagedata_read(a, 0, whole, 100, &done), -E2BIG);
	fake_backend_touch(f->be, VPID, BIG_START + 2 * PAGE,
			   BIG_START + 3 * PAGE, false);
	assert_int_equal(
		rcapfs_pagedata_read(a, 0, f->buf, sizeof(f->buf), &done), 0);
	assert_int_equal(procfs_fixture_pg_at(f->buf, want, BIG_START),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, want, BIG_START + 2 * PAGE),
		PG_HWMAPPED | PG_REFERENCED);
	/* Closing in the middle of a read frees what it held. */
	assert_int_equal(rcapfs_pagedata_read(a, 0, whole, chunk, &done), 0);
	rcapfs_pagedata_close(a);
	free(whole);
	pd_fixture_free(f);
}

/* Mapping fidelity: every present page of a mapping referenced since the
 * last read, never a modified bit; none: present bits only. */
static void test_pagedata__fidelity(void **state)
{
	struct pd_fixture *f = pd_fixture_new(false, false, true);
	struct rcapfs_pagedata *a;
	size_t len;

	assert_int_equal(rcapfs_tracker_fidelity(f->tr),
			 RCAPFS_FIDELITY_MAPPING);
	a = pd_open(f, 1 << 20, HW);
	fake_backend_touch(f->be, VPID, ANON_START, ANON_START + PAGE, true);
	len = pd_read(f, a);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 9 * PAGE),
		PG_HWMAPPED | PG_REFERENCED);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 10 * PAGE), 0);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FILE_START),
			 PG_HWMAPPED);
	len = pd_read(f, a);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED);
	rcapfs_pagedata_close(a);
	pd_fixture_free(f);

	f = pd_fixture_new(false, false, false);
	assert_int_equal(rcapfs_tracker_fidelity(f->tr), RCAPFS_FIDELITY_NONE);
	a = pd_open(f, 1 << 20, HW);
	fake_backend_touch(f->be, VPID, ANON_START, ANON_START + PAGE, true);
	len = pd_read(f, a);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START),
			 PG_HWMAPPED);
	rcapfs_pagedata_close(a);
	pd_fixture_free(f);
}

/* An exited process: ENOENT to open and to read. */
static void test_pagedata__exited(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, false, false);
	struct rcapfs_pagedata *a, *b;
	size_t done;

	a = pd_open(f, 1 << 20, HW);
	assert_int_equal(rcapfs_pagedata_open(f->tr, VPID, 78, 1 << 20, 0, &b),
			 -ENOENT);
	assert_int_equal(rcapfs_pagedata_open(f->tr, 999, 0, 1 << 20, 0, &b),
			 -ENOENT);
	fake_backend_exit(f->be, VPID);
	assert_int_equal(
		rcapfs_pagedata_read(a, 0, f->buf, sizeof(f->buf), &done),
		-ENOENT);
	assert_int_equal(done, 0);
	assert_int_equal(rcapfs_pagedata_open(f->tr, VPID, 0, 1 << 20, 0, &b),
			 -ENOENT);
	rcapfs_pagedata_close(a);
	rcapfs_pagedata_close(NULL);
	pd_fixture_free(f);
}

/* Every flag byte of pagedata data[0..len) holds only bits of mask. */
static void assert_only_bits(const char *data, size_t len, uint8_t mask)
{
	const prpageheader_t *h = (const prpageheader_t *)data;
	size_t off = sizeof(*h);

	for (int64_t i = 0; i < h->pr_nmap; i++) {
		const prasmap_t *a = procfs_fixture_asmap_at(data, &off);
		const uint8_t *flags = (const uint8_t *)(a + 1);

		assert_true(off <= len);
		for (uint64_t j = 0; j < a->pr_npage; j++)
			assert_int_equal(flags[j] & ~mask, 0);
	}
}

/* pagedata carries PG_REFERENCED and PG_MODIFIED only, as Solaris: an
 * untouched resident page reads 0. pagedata_hw is the same with
 * PG_HWMAPPED on present pages. */
static void test_pagedata__solaris_bits(void **state)
{
	struct pd_fixture *f = pd_fixture_new(true, true, false);
	struct rcapfs_pagedata *a, *hw;
	static char other[1 << 16];
	size_t len, hw_len;

	a = pd_open(f, 1 << 20, 0);
	hw = pd_open(f, 1 << 20, HW);
	fake_backend_touch(f->be, VPID, ANON_START, ANON_START + 2 * PAGE,
			   true);
	fake_backend_touch(f->be, VPID, FILE_START, FILE_START + PAGE, false);
	len = pd_read(f, a);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START),
			 PG_REFERENCED | PG_MODIFIED);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 2 * PAGE), 0);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FILE_START),
			 PG_REFERENCED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, HUGE_START), 0);
	assert_only_bits(f->buf, len, PG_REFERENCED | PG_MODIFIED);

	memcpy(other, f->buf, len);
	hw_len = pd_read(f, hw);
	assert_int_equal(hw_len, len);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 2 * PAGE),
		PG_HWMAPPED);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 12 * PAGE), 0);
	/* Past the time stamp, the same bytes but for PG_HWMAPPED. */
	assert_memory_equal(f->buf + 16, other + 16,
			    sizeof(prpageheader_t) - 16);
	for (size_t off = sizeof(prpageheader_t), end; off < len; off = end) {
		const prasmap_t *e = (const prasmap_t *)(f->buf + off);

		assert_memory_equal(e, other + off, sizeof(*e));
		end = off + sizeof(*e) + PRPAGEDATA_PAD(e->pr_npage);
		for (size_t i = off + sizeof(*e); i < end; i++)
			assert_int_equal(f->buf[i] & ~PG_HWMAPPED, other[i]);
	}
	rcapfs_pagedata_close(a);
	rcapfs_pagedata_close(hw);
	pd_fixture_free(f);
}

#define FULL_START 0x30000000ull

/* Mapping fidelity: a read of pagedata walks no page unless a mapping
 * referenced since the descriptor's last read is partly resident (its
 * present pages are the ones marked), and resets nothing when nothing was
 * referenced; pagedata_hw walks every mapping that is not wholly
 * resident. */
static void test_pagedata__no_walk(void **state)
{
	struct pd_fixture *f = pd_fixture_new(false, false, true);
	struct fake_backend_counts n0, n1;
	struct rcapfs_pagedata *a, *hw;
	size_t len;

	procfs_fixture_add_anon(f->be, FULL_START, 4, 0);
	fake_backend_touch(f->be, VPID, FULL_START, FULL_START + 4 * PAGE,
			   true);
	a = pd_open(f, 1 << 20, 0);

	fake_backend_counts(f->be, &n0);
	len = pd_read(f, a);
	fake_backend_counts(f->be, &n1);
	assert_int_equal(n1.pages - n0.pages, 0);
	assert_int_equal(n1.clears - n0.clears, 0);
	assert_only_bits(f->buf, len, 0);

	/* The wholly resident mapping is referenced: marked, no walk; the
	 * reset covers the mappings without a file alone. */
	fake_backend_touch(f->be, VPID, FULL_START, FULL_START + PAGE, false);
	len = pd_read(f, a);
	fake_backend_counts(f->be, &n0);
	assert_int_equal(n0.pages - n1.pages, 0);
	assert_int_equal(n0.clears - n1.clears, 1);
	assert_int_equal(n0.last_clear,
			 RCAPFS_CLEAR_REFERENCED | RCAPFS_CLEAR_ONLY_ANON);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, FULL_START + 3 * PAGE),
		PG_REFERENCED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, ANON_START), 0);

	/* The file alone: a reset of the mappings with a file, which leaves
	 * what the heap references meanwhile for the next read. */
	fake_backend_touch(f->be, VPID, FILE_START, FILE_START + PAGE, false);
	len = pd_read(f, a);
	fake_backend_counts(f->be, &n1);
	assert_int_equal(n1.last_clear,
			 RCAPFS_CLEAR_REFERENCED | RCAPFS_CLEAR_ONLY_FILES);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FILE_START),
			 PG_REFERENCED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FULL_START), 0);
	fake_backend_touch(f->be, VPID, FULL_START, FULL_START + PAGE, false);
	fake_backend_touch(f->be, VPID, FILE_START, FILE_START + PAGE, false);
	len = pd_read(f, a);
	fake_backend_counts(f->be, &n0);
	assert_int_equal(n0.last_clear, RCAPFS_CLEAR_REFERENCED);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FULL_START),
			 PG_REFERENCED);

	/* The partly resident one: one walk, of it alone, and only its
	 * present pages are marked. */
	fake_backend_touch(f->be, VPID, ANON_START, ANON_START + PAGE, false);
	len = pd_read(f, a);
	fake_backend_counts(f->be, &n1);
	assert_int_equal(n1.pages - n0.pages, 1);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 9 * PAGE),
		PG_REFERENCED);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 10 * PAGE), 0);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FULL_START), 0);
	assert_int_equal(procfs_fixture_pg_at(f->buf, len, FILE_START), 0);
	assert_only_bits(f->buf, len, PG_REFERENCED);

	/* pagedata_hw needs the present pages of every mapping that is not
	 * wholly resident: three walks. */
	hw = pd_open(f, 1 << 20, HW);
	fake_backend_counts(f->be, &n0);
	len = pd_read(f, hw);
	fake_backend_counts(f->be, &n1);
	assert_int_equal(n1.pages - n0.pages, 3);
	assert_int_equal(
		procfs_fixture_pg_at(f->buf, len, ANON_START + 9 * PAGE),
		PG_HWMAPPED);
	rcapfs_pagedata_close(hw);
	rcapfs_pagedata_close(a);
	pd_fixture_free(f);
}

#define NORES_START 0x60000000ull
#define EMPTY_START 0x61000000ull

/* st_size is what the next read needs, MAP_NORESERVE mappings included:
 * one in part materialised is cut into its runs of pages, one with none
 * is left out, on both files. */
static void test_pagedata__st_size(void **state)
{
	struct pd_fixture *f = pd_fixture_new(false, false, true);
	struct rcapfs_pagedata *a, *hw;
	uint64_t pd_bytes, xmap_bytes;
	const prpageheader_t *h;
	const prasmap_t *e;
	size_t len, off;

	procfs_fixture_add_anon(f->be, NORES_START, 8, RCAPFS_MAP_NORESERVE);
	procfs_fixture_add_anon(f->be, EMPTY_START, 8, RCAPFS_MAP_NORESERVE);
	fake_backend_touch(f->be, VPID, NORES_START + 2 * PAGE,
			   NORES_START + 4 * PAGE, true);
	fake_backend_touch(f->be, VPID, NORES_START + 6 * PAGE,
			   NORES_START + 7 * PAGE, false);

	assert_int_equal(rcapfs_procfs_sizes(f->be, NULL, VPID, 0, &pd_bytes,
					     &xmap_bytes),
			 0);
	a = pd_open(f, 1 << 20, 0);
	hw = pd_open(f, 1 << 20, HW);
	len = pd_read(f, a);
	assert_int_equal(len, pd_bytes);
	/* The three mappings of the victim, and two runs. */
	assert_int_equal(pd_bytes,
			 32 + 3 * 104 + 16 + 8 + 1024 + 2 * (104 + 8));
	h = (const prpageheader_t *)f->buf;
	assert_int_equal(h->pr_nmap, 5);
	off = sizeof(*h);
	for (int i = 0; i < 3; i++)
		procfs_fixture_asmap_at(f->buf, &off);
	e = procfs_fixture_asmap_at(f->buf, &off);
	assert_int_equal(e->pr_vaddr, NORES_START + 2 * PAGE);
	assert_int_equal(e->pr_npage, 2);
	assert_int_equal(e->pr_mflags,
			 MA_READ | MA_WRITE | MA_ANON | MA_NORESERVE);
	e = procfs_fixture_asmap_at(f->buf, &off);
	assert_int_equal(e->pr_vaddr, NORES_START + 6 * PAGE);
	assert_int_equal(e->pr_npage, 1);
	assert_int_equal(off, len);
	assert_int_equal(pd_read(f, hw), pd_bytes);

	/* The reservation fills in: one run, and the size follows. */
	fake_backend_touch(f->be, VPID, NORES_START, NORES_START + 8 * PAGE,
			   false);
	assert_int_equal(rcapfs_procfs_sizes(f->be, NULL, VPID, 0, &pd_bytes,
					     &xmap_bytes),
			 0);
	assert_int_equal(pd_bytes, 32 + 3 * 104 + 16 + 8 + 1024 + 104 + 8);
	assert_int_equal(pd_read(f, a), pd_bytes);
	assert_int_equal(pd_read(f, hw), pd_bytes);
	rcapfs_pagedata_close(hw);
	rcapfs_pagedata_close(a);
	pd_fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pagedata__descriptors),
		cmocka_unit_test(test_pagedata__e2big),
		cmocka_unit_test(test_pagedata__chunks),
		cmocka_unit_test(test_pagedata__fidelity),
		cmocka_unit_test(test_pagedata__exited),
		cmocka_unit_test(test_pagedata__solaris_bits),
		cmocka_unit_test(test_pagedata__no_walk),
		cmocka_unit_test(test_pagedata__st_size),
	};

	return cmocka_run_group_tests_name("pagedata", tests, NULL, NULL);
}
