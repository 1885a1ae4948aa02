/*
 * The scanner's table of collections (names, limits, caps, the calls on
 * a missing one), its controls and ctl/status, over the fake backend.
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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/clock.h"
#include "tests/unit/fake_backend.h"
#include "tests/unit/scanner_fixture.h"

#define KIB 1024ULL
#define MIB (1024ULL * 1024)

static void test_scanner__collections(void **state)
{
	struct scanner_fixture *f = *state;
	char **names = NULL;
	size_t n = 0;

	assert_int_equal(rcapfs_scanner_create(f->sc, "web"), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "db"), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "batch-2.x_y"), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "web"), -EEXIST);
	assert_true(rcapfs_scanner_exists(f->sc, "db"));
	assert_false(rcapfs_scanner_exists(f->sc, "dbx"));

	assert_int_equal(rcapfs_scanner_names(f->sc, &names, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "batch-2.x_y");
	assert_string_equal(names[1], "db");
	assert_string_equal(names[2], "web");
	rcapfs_names_free(names, n);

	assert_int_equal(rcapfs_scanner_remove(f->sc, "db"), 0);
	assert_int_equal(rcapfs_scanner_remove(f->sc, "db"), -ENOENT);
	assert_false(rcapfs_scanner_exists(f->sc, "db"));
	assert_int_equal(rcapfs_scanner_names(f->sc, &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "batch-2.x_y");
	assert_string_equal(names[1], "web");
	rcapfs_names_free(names, n);

	/* Every per-collection call knows a missing name. */
	{
		struct rcapfs_buf buf = RCAPFS_BUF_INIT;
		struct rcapfs_stats st;
		uint64_t cap;
		pid_t *pids;
		size_t np;

		assert_int_equal(rcapfs_scanner_set_cap(f->sc, "db", 1),
				 -ENOENT);
		assert_int_equal(rcapfs_scanner_get_cap(f->sc, "db", &cap),
				 -ENOENT);
		assert_int_equal(rcapfs_scanner_set_members(
					 f->sc, "db", "uid 1", 5, false,
					 RCAPFS_RULES_USER, NULL, 0),
				 -ENOENT);
		assert_int_equal(rcapfs_scanner_members(
					 f->sc, "db", RCAPFS_RULES_USER, &buf),
				 -ENOENT);
		assert_int_equal(rcapfs_scanner_procs(f->sc, "db", &pids, &np),
				 -ENOENT);
		assert_int_equal(rcapfs_scanner_stats(f->sc, "db", &st),
				 -ENOENT);
	}
}

static void test_scanner__names(void **state)
{
	static const char *const bad[] = {
		"",	".x",
		"..",	".",
		"a/b",	"a b",
		"a\nb", "caf\xc3\xa9",
		"a*",	"a:b",
		"x\\y", "abcdefghijabcdefghijabcdefghijab", /* 32 */
		"-",	"-rf",
	};
	static const char *const good[] = {
		"a", "x-", "x.", "A-Z_0.9", "abcdefghijabcdefghijabcdefghija",
	};
	struct scanner_fixture *f = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (rcapfs_name_valid(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(rcapfs_scanner_create(f->sc, bad[i]), -EINVAL);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!rcapfs_name_valid(good[i]))
			fail_msg("\"%s\" refused", good[i]);
		assert_int_equal(rcapfs_scanner_create(f->sc, good[i]), 0);
	}
}

static void test_scanner__collections_max(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_status st;
	char name[16];

	for (int i = 0; i < RCAPFS_COLLECTIONS_MAX; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		assert_int_equal(rcapfs_scanner_create(f->sc, name), 0);
	}
	assert_int_equal(rcapfs_scanner_create(f->sc, "one-more"), -ENOSPC);
	assert_false(rcapfs_scanner_exists(f->sc, "one-more"));
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_int_equal(st.collections, RCAPFS_COLLECTIONS_MAX);
	/* Room again after a removal. */
	assert_int_equal(rcapfs_scanner_remove(f->sc, "c7"), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "one-more"), 0);
}

static void test_scanner__cap_rounding(void **state)
{
	static const struct {
		uint64_t set, want;
	} cases[] = {
		{0, 0},
		{1, 1024},
		{1023, 1024},
		{1024, 1024},
		{1025, 2048},
		{5 * MIB + 1, 5 * MIB + 1024},
		{UINT64_MAX - 1023, UINT64_MAX - 1023},
	};
	struct scanner_fixture *f = *state;
	uint64_t cap = 1;

	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	assert_int_equal(rcapfs_scanner_get_cap(f->sc, "c", &cap), 0);
	assert_int_equal(cap, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
			rcapfs_scanner_set_cap(f->sc, "c", cases[i].set), 0);
		assert_int_equal(rcapfs_scanner_get_cap(f->sc, "c", &cap), 0);
		assert_int_equal(cap, cases[i].want);
	}
	/* Cannot be rounded up: refused, the cap stays. */
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", UINT64_MAX),
			 -ERANGE);
	assert_int_equal(rcapfs_scanner_get_cap(f->sc, "c", &cap), 0);
	assert_int_equal(cap, UINT64_MAX - 1023);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").cap_bytes,
			 UINT64_MAX - 1023);
}

static void test_scanner__ctl(void **state)
{
	struct scanner_fixture *f = *state;
	const struct rcapfs_ctl defaults = RCAPFS_CTL_DEFAULTS;
	struct rcapfs_ctl ctl, got;
	struct {
		int rc;
		struct rcapfs_ctl ctl;
	} bad[10];
	size_t nbad = 0;

#define BAD(err, field, value)                                                 \
	do {                                                                   \
		bad[nbad].rc = (err);                                          \
		bad[nbad].ctl = defaults;                                      \
		bad[nbad].ctl.field = (value);                                 \
		nbad++;                                                        \
	} while (0)
	BAD(-ERANGE, pressure_pct, 101);
	BAD(-ERANGE, sample_interval_s, 0);
	BAD(-ERANGE, sample_interval_s, 86401);
	BAD(-ERANGE, scan_interval_s, 0);
	BAD(-ERANGE, scan_interval_s, 86401);
	BAD(-ERANGE, report_interval_s, 86401);
	BAD(-EINVAL, mode, (enum rcapfs_mode)2);
	BAD(-EINVAL, accounting, (enum rcapfs_accounting)3);
#undef BAD

	rcapfs_scanner_get_ctl(f->sc, &got);
	scanner_fixture_assert_ctl_equal(&got, &defaults);
	assert_true(got.enforce);
	assert_int_equal(got.sample_interval_s, 5);
	assert_int_equal(got.scan_interval_s, 15);
	assert_int_equal(got.report_interval_s, 5);

	for (size_t i = 0; i < nbad; i++) {
		assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &bad[i].ctl),
				 bad[i].rc);
		rcapfs_scanner_get_ctl(f->sc, &got);
		scanner_fixture_assert_ctl_equal(&got, &defaults);
	}

	ctl = (struct rcapfs_ctl){.enforce = false,
				  .pressure_pct = 100,
				  .sample_interval_s = 86400,
				  .scan_interval_s = 1,
				  .report_interval_s = 0,
				  .mode = RCAPFS_MODE_COLD,
				  .accounting = RCAPFS_ACCT_UNIQUE};
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
	rcapfs_scanner_get_ctl(f->sc, &got);
	scanner_fixture_assert_ctl_equal(&got, &ctl);
}

static void test_scanner__status(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_meminfo mi = {.mem_total = 1000 * MIB,
				    .mem_available = 250 * MIB,
				    .swap_total = 64 * MIB,
				    .swap_free = 16 * MIB};
	struct rcapfs_status st;
	struct rcapfs_ctl ctl;
	uint64_t t0 = rcapfs_mono_ns();

	/* A scanner made after t0, whose figures stay fresh however slow
	 * the host. */
	rcapfs_scanner_free(f->sc);
	assert_int_equal(rcapfs_scanner_new(f->be, &f->sc), 0);
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.sample_interval_s = 86400;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "a"), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "b"), 0);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_int_equal(st.mem.mem_total, 8ULL << 30);
	assert_int_equal(st.mem.mem_available, 4ULL << 30);
	assert_int_equal(st.memory_utilization_pct, 50);
	assert_int_equal(st.collections, 2);
	assert_int_equal(st.fidelity, RCAPFS_FIDELITY_NONE);
	assert_true(st.enforcement);
	assert_false(st.features.process_madvise);
	assert_false(st.features.cgroup_v2);
	/* Counted from when the scanner was made. */
	assert_true(st.uptime_s <= (rcapfs_mono_ns() - t0) / RCAPFS_NS_PER_S);

	/* Served from the last sample, not read again for every reader. */
	fake_backend_set_meminfo(f->be, &mi);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_int_equal(st.memory_utilization_pct, 50);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_int_equal(st.memory_utilization_pct, 75);
	assert_int_equal(st.mem.swap_total, 64 * MIB);
	assert_int_equal(st.mem.swap_free, 16 * MIB);

	/* No sample for a whole sample_interval (no thread runs): the
	 * reader reads the figures itself. And time went by. */
	mi.mem_available = 900 * MIB;
	fake_backend_set_meminfo(f->be, &mi);
	ctl.sample_interval_s = 1;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
	nanosleep(&(struct timespec){1, 100 * 1000 * 1000}, NULL);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_int_equal(st.memory_utilization_pct, 10);
	assert_true(st.uptime_s >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)                                                                   \
	cmocka_unit_test_setup_teardown(f, scanner_fixture_setup,              \
					scanner_fixture_teardown)
		T(test_scanner__collections),
		T(test_scanner__names),
		T(test_scanner__collections_max),
		T(test_scanner__cap_rounding),
		T(test_scanner__ctl),
		T(test_scanner__status),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
