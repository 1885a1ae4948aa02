/*
 * xmap (fs/procfs.c): the Solaris prxmap_t rendered from hand-made
 * mappings against a golden binary file, over the fake backend, and the
 * cache that lets a size query's mappings serve the read that follows.
 */
#include "config.h"

#include "fs/procfs.h"

#include "rcapfs/procfs.h"
#include "tests/unit/fake_backend.h"
#include "tests/unit/golden.h"
#include "tests/unit/procfs_fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void test_xmap__render(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_mapping_list ml;
	struct rcapfs_mapping maps[PROCFS_NSAMPLE];
	const prxmap_t *x;
	size_t i;

	memcpy(maps, procfs_sample_maps, sizeof(maps));
	ml.maps = maps;
	ml.n = PROCFS_NSAMPLE;
	ml.names = NULL;
	assert_int_equal(rcapfs_procfs_render_xmap(&ml, PAGE, &b), 0);
	assert_int_equal(b.len, PROCFS_NSAMPLE * sizeof(prxmap_t));
	assert_int_equal(rcapfs_procfs_xmap_size(&ml), b.len);
	x = (const prxmap_t *)b.data;
	for (i = 0; i < PROCFS_NSAMPLE; i++) {
		static const uint64_t zero[7];

		assert_int_equal(x[i].pr_vaddr, procfs_sample_maps[i].start);
		assert_int_equal(x[i].pr_size,
				 procfs_sample_maps[i].end -
					 procfs_sample_maps[i].start);
		assert_int_equal(x[i].pr_pagesize, PAGE);
		assert_int_equal(x[i].pr_rss, procfs_sample_maps[i].rss_kb / 4);
		assert_int_equal(x[i].pr_anon,
				 procfs_sample_maps[i].anon_kb / 4);
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
	/* The heap and the main stack are marked in xmap, by flags: as on
	 * Solaris, no name. */
	assert_string_equal(x[1].pr_mapname, "");
	assert_string_equal(x[7].pr_mapname, "");
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
	assert_string_equal(x[8].pr_mapname, "");
	golden_check("xmap.bin", &b);

	assert_int_equal(rcapfs_procfs_render_xmap(&ml, 0, &b), -EINVAL);
	assert_int_equal(b.len, PROCFS_NSAMPLE * sizeof(prxmap_t));
	rcapfs_buf_release(&b);
}
static void test_xmap__backend(void **state)
{
	struct rcapfs_backend *be = procfs_fixture_victim(false, false, false);
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
static void test_xmap__cache(void **state)
{
	struct rcapfs_backend *be = procfs_fixture_victim(false, false, false);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xmap__render),
		cmocka_unit_test(test_xmap__backend),
		cmocka_unit_test(test_xmap__cache),
	};

	return cmocka_run_group_tests_name("xmap", tests, NULL, NULL);
}
