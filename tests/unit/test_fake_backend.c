/*
 * The fake backend's own tests: the simulation the scanner tests stand on
 * behaves as the kernel does where the scanner relies on it (pageout of
 * shared, anonymous, locked and unmapped memory; cold; the figures of
 * smaps, pss and page frames; a process that is gone).
 */
#include "config.h"
#include "tests/unit/fake_backend.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "tests/unit/scan_fixture.h"

#define PS   4096ULL
#define MIB  (1024ULL * 1024)
#define BASE 0x40000000ULL

/* Advise [start, start + len) of t alone; returns what pageout() does. */
static int pageout_range(struct scan_fixture *f, struct rcapfs_task *t,
			 uint64_t start, uint64_t len,
			 enum rcapfs_advice advice, uint64_t *done)
{
	const struct rcapfs_range r = {.start = start, .len = len};

	return f->be->ops->pageout(f->be->ctx, t, &r, 1, advice, done);
}

/* The fake's pageout is the kernel's, as far as the scanner relies on,
 * and the figures of its other memory ops follow the pages. */
static void test_fake_backend__pageout(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	struct rcapfs_range r[2] = {{.start = BASE, .len = 2 * PS},
				    {.start = BASE + 3 * PS, .len = PS}};
	struct rcapfs_mapping_list ml;
	struct rcapfs_task *t;
	uint64_t done, rss, pss, *pfns;
	size_t npfns;
	uint8_t pages[4];

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_proc(f, 11);
	scan_fixture_add_map(f, 10, BASE, 4 * PS, 0);
	scan_fixture_add_map(f, 10, BASE + MIB, 2 * PS, RCAPFS_MAP_ANON);
	scan_fixture_add_map(f, 10, BASE + 2 * MIB, PS, RCAPFS_MAP_LOCKED);
	scan_fixture_add_map(f, 11, BASE, 4 * PS, 0);
	assert_int_equal(f->be->ops->task_open(f->be->ctx, 10, 100, &t), 0);

	/* Pages shared with another process stay; exclusive file pages
	 * leave; the kernel counts what it accepted. */
	fake_backend_set_page_flags(f->be, 10, BASE + PS, BASE + 2 * PS, 0,
				    RCAPFS_PAGE_EXCLUSIVE);
	assert_int_equal(f->be->ops->pageout(f->be->ctx, t, r, 2,
					     RCAPFS_ADVICE_PAGEOUT, &done),
			 0);
	assert_int_equal(done, 3 * PS);
	assert_int_equal(f->be->ops->pages(f->be->ctx, t, BASE, BASE + 4 * PS,
					   RCAPFS_PAGE_REFERENCED |
						   RCAPFS_PAGE_EXCLUSIVE,
					   pages),
			 0);
	assert_int_equal(pages[0], 0);
	assert_int_equal(pages[1],
			 RCAPFS_PAGE_PRESENT); /* shared: not exclusive */
	assert_int_equal(pages[2], RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE);
	assert_int_equal(pages[3], 0);
	assert_int_equal(fake_backend_pageouts(f->be, 10, BASE, BASE + 4 * PS),
			 3);
	assert_int_equal(f->be->ops->task_rss(f->be->ctx, t, &rss), 0);
	assert_int_equal(rss, 2 * 4 + 2 * 4 + 4);

	/* Anonymous pages need swap: none leaves without it, one with room
	 * for one page. */
	for (uint64_t swap = 0; swap <= PS; swap += PS) {
		fake_backend_set_swap(f->be, swap);
		assert_int_equal(pageout_range(f, t, BASE + MIB, 2 * PS,
					       RCAPFS_ADVICE_PAGEOUT, &done),
				 0);
		assert_int_equal(fake_backend_present_kb(f->be, 10, BASE + MIB,
							 BASE + MIB + 2 * PS),
				 8 - swap / 1024);
	}
	assert_true(fake_backend_page_flags(f->be, 10, BASE + MIB) &
		    RCAPFS_PAGE_SWAPPED);
	fake_backend_touch(f->be, 10, BASE + MIB, BASE + MIB + PS, false);
	assert_int_equal(fake_backend_present_kb(f->be, 10, BASE + MIB,
						 BASE + MIB + 2 * PS),
			 8);

	/* Locked: the whole call fails; a hole: ENOMEM. */
	assert_int_equal(pageout_range(f, t, BASE + 2 * MIB, PS,
				       RCAPFS_ADVICE_PAGEOUT, &done),
			 -EINVAL);
	assert_int_equal(done, 0);
	assert_int_equal(pageout_range(f, t, BASE + 4 * PS, PS,
				       RCAPFS_ADVICE_PAGEOUT, &done),
			 -ENOMEM);

	/* Cold: only the referenced bit goes. */
	fake_backend_touch(f->be, 10, BASE, BASE + 4 * PS, false);
	assert_int_equal(
		pageout_range(f, t, BASE, 4 * PS, RCAPFS_ADVICE_COLD, &done),
		0);
	assert_int_equal(
		fake_backend_present_kb(f->be, 10, BASE, BASE + 4 * PS), 16);
	assert_int_equal(fake_backend_page_flags(f->be, 10, BASE) &
				 RCAPFS_PAGE_REFERENCED,
			 0);

	/* smaps figures and pss follow the pages. */
	fake_backend_touch(f->be, 10, BASE, BASE + PS, true);
	assert_int_equal(f->be->ops->mappings(f->be->ctx, t, &ml), 0);
	assert_int_equal(ml.n, 3);
	assert_string_equal(ml.maps[0].name, "/data/file");
	assert_int_equal(ml.maps[0].rss_kb, 16);
	assert_int_equal(ml.maps[0].shared_kb, 4);
	assert_int_equal(ml.maps[0].referenced_kb, 4);
	assert_int_equal(ml.maps[0].anon_kb, 4); /* copied on write */
	assert_int_equal(ml.maps[0].pss_kb, 14);
	assert_int_equal(ml.maps[1].anon_kb, 8);
	assert_int_equal(ml.maps[1].referenced_kb, 4);
	rcapfs_mapping_list_free(&ml);
	assert_int_equal(f->be->ops->task_pss(f->be->ctx, t, &pss), 0);
	assert_int_equal(pss, 14 + 8 + 4);
	assert_int_equal(f->be->ops->task_pfns(f->be->ctx, t, &pfns, &npfns),
			 0);
	assert_int_equal(npfns, 4 + 2 + 1);
	free(pfns);

	/* Gone: every op says so. */
	fake_backend_exit(f->be, 10);
	assert_int_equal(f->be->ops->task_rss(f->be->ctx, t, &rss), -ESRCH);
	assert_int_equal(
		pageout_range(f, t, BASE, 4 * PS, RCAPFS_ADVICE_PAGEOUT, &done),
		-ESRCH);
	f->be->ops->task_close(f->be->ctx, t);
	scan_fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_backend__pageout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
