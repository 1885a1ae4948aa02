/*
 * Idle members over the fake backend: a member whose CPU time did not grow
 * for ctl/idle_threshold seconds is scanned before busy ones, and one idle
 * for longer than its collection's swap_idle is paged out whole, once per
 * idle period. Idleness is measured on the monotonic clock between
 * samples, so these tests wait out a threshold of one second.
 */
#include "config.h"
#include "scanner/scanner.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/unit/fake_backend.h"
#include "tests/unit/scanner_fixture.h"

#define MIB  (1024ULL * 1024)
#define BASE SCANNER_FIXTURE_BASE

/* Past one second, the threshold these tests use. */
static void past_threshold(void)
{
	nanosleep(&(struct timespec){1, 100 * 1000 * 1000}, NULL);
}

static void set_idle_threshold(struct scanner_fixture *f, unsigned s)
{
	struct rcapfs_ctl ctl;

	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.idle_threshold_s = s;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
}

/* Processes pids[0..n) of uid 1000, each with a private file mapping of
 * mib MiB, all present and not referenced; collection "c" holds them all
 * (uid 1000), uncapped. */
static void members(struct scanner_fixture *f, const pid_t *pids, size_t n,
		    uint64_t mib)
{
	scanner_fixture_victims(f->be, pids, n, mib);
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	scanner_fixture_set_members(f->sc, "c", "uid 1000\n");
}

static uint64_t present_kb(struct scanner_fixture *f, pid_t pid)
{
	return fake_backend_present_kb(f->be, pid, BASE, BASE + 64 * MIB);
}

/*
 * Two members over the cap by the size of one: 10 keeps running, 20 has
 * not run for the threshold. With idle_threshold 1, 20 goes first though
 * 10 comes first in pid order; with 0, the hand goes in pid order.
 */
static void idle_first(struct scanner_fixture *f, unsigned threshold)
{
	const pid_t pids[] = {10, 20};
	const pid_t first = threshold ? 20 : 10, second = threshold ? 10 : 20;

	scanner_fixture_use_features(f, &fake_backend_page_features);
	scanner_fixture_set_scan_interval(f->sc, 86400);
	set_idle_threshold(f, threshold);
	members(f, pids, 2, 8);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	past_threshold();
	fake_backend_run(f->be, 10, 5);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 8 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	/* The first pass only starts tracking; the second pages out. */
	assert_true(scanner_fixture_wait_stat(f->sc, "c", FIGURE_PG_BYTES,
					      8 * MIB));
	assert_int_equal(present_kb(f, first), 0);
	assert_int_equal(present_kb(f, second), 8 * 1024);
}

static void test_idle__first(void **state)
{
	idle_first(*state, 1);
}

static void test_idle__off(void **state)
{
	idle_first(*state, 0);
}

/* Wait until collection "c" has paged out want members whole. */
static bool wait_swapouts(struct scanner_fixture *f, uint64_t want)
{
	uint64_t deadline = scanner_fixture_deadline();

	while (scanner_fixture_stats(f->sc, "c").swapouts < want)
		if (!scanner_fixture_wait_more(deadline))
			return false;
	return true;
}

/*
 * swap_idle 1, no cap: a member idle past it is paged out whole, busy ones
 * are not. Once per idle period: what it takes back without running is
 * left alone (another member's swapout, queued after any for it, shows
 * that none came); once it runs and goes idle again, it goes again.
 */
static void test_idle__swap_idle(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pids[] = {10, 20, 30};
	struct rcapfs_stats st;

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_set_scan_interval(f->sc, 86400);
	members(f, pids, 3, 8);
	assert_int_equal(rcapfs_scanner_set_swap_idle(f->sc, "c", 1), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	past_threshold();
	fake_backend_run(f->be, 20, 1);
	fake_backend_run(f->be, 30, 1);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(wait_swapouts(f, 1));
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.swapout_bytes, 8 * MIB);
	assert_int_equal(present_kb(f, 10), 0);
	assert_int_equal(present_kb(f, 20), 8 * 1024);
	/* No cap: no scan, and nothing counted as one. */
	assert_int_equal(st.scans, 0);
	assert_int_equal(st.at_bytes, 0);

	/* 10 takes its pages back without running; 20 runs on, 30 stops. */
	fake_backend_touch(f->be, 10, BASE, BASE + 8 * MIB, false);
	fake_backend_run(f->be, 20, 1);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	past_threshold();
	fake_backend_run(f->be, 20, 1);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(wait_swapouts(f, 2));
	assert_int_equal(present_kb(f, 30), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").swapouts, 2);
	assert_int_equal(present_kb(f, 10), 8 * 1024);
	assert_int_equal(present_kb(f, 20), 8 * 1024);

	/* 10 runs, then stays idle again: a new idle period. */
	fake_backend_run(f->be, 10, 1);
	fake_backend_run(f->be, 20, 1);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	past_threshold();
	fake_backend_run(f->be, 20, 1);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(wait_swapouts(f, 3));
	assert_int_equal(present_kb(f, 10), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").swapout_bytes,
			 3 * 8 * MIB);
}

/* Enforcement off: nobody is paged out whole; anonymous memory without
 * swap stays and is said in the stats. */
static void test_idle__swap_idle_held(void **state)
{
	struct scanner_fixture *f = *state;
	struct fake_backend_counts counts;
	const pid_t pid = 10;
	struct rcapfs_mapping m;

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_set_scan_interval(f->sc, 86400);
	members(f, &pid, 1, 8);
	memset(&m, 0, sizeof(m));
	m.start = BASE + 32 * MIB;
	m.end = m.start + 2 * MIB;
	m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON;
	m.shmid = -1;
	m.name = "";
	fake_backend_add_mapping(f->be, pid, &m);
	fake_backend_touch(f->be, pid, m.start, m.end, true);
	assert_int_equal(rcapfs_scanner_set_swap_idle(f->sc, "c", 1), 0);
	scanner_fixture_set_enforce(f->sc, false, 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	past_threshold();
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	/* Nothing was asked of anyone: the process was never even held. */
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.task_opens, 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").swapouts, 0);
	scanner_fixture_set_enforce(f->sc, true, 0);
	/* Enforced again: the idle period goes on, so it goes now. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(wait_swapouts(f, 1));
	assert_int_equal(present_kb(f, pid), 2 * 1024);
	assert_int_equal(
		scanner_fixture_stats(f->sc, "c").unpageable_anon_bytes,
		2 * MIB);
}

static void test_idle__swap_idle_values(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_ctl ctl;
	unsigned s = 7;

	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	assert_int_equal(rcapfs_scanner_get_swap_idle(f->sc, "c", &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(rcapfs_scanner_set_swap_idle(f->sc, "c", 86400), 0);
	assert_int_equal(rcapfs_scanner_set_swap_idle(f->sc, "c", 86401),
			 -ERANGE);
	assert_int_equal(rcapfs_scanner_get_swap_idle(f->sc, "c", &s), 0);
	assert_int_equal(s, 86400);
	assert_int_equal(rcapfs_scanner_set_swap_idle(f->sc, "x", 1), -ENOENT);
	assert_int_equal(rcapfs_scanner_get_swap_idle(f->sc, "x", &s), -ENOENT);

	rcapfs_scanner_get_ctl(f->sc, &ctl);
	assert_int_equal(ctl.idle_threshold_s, 10);
	ctl.idle_threshold_s = 86401;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), -ERANGE);
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	assert_int_equal(ctl.idle_threshold_s, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)                                                                   \
	cmocka_unit_test_setup_teardown(f, scanner_fixture_setup,              \
					scanner_fixture_teardown)
		T(test_idle__first),
		T(test_idle__off),
		T(test_idle__swap_idle),
		T(test_idle__swap_idle_held),
		T(test_idle__swap_idle_values),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
