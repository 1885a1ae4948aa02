/*
 * RLIMIT_RSS enforced over the fake backend: a process with a finite
 * limit, in no collection, is brought under it by the same scan; the
 * limits are read at walks only; ctl/rlimit_rss 0 and ctl/enforce 0 leave
 * it alone; ctl/status counts the processes and what was taken from them.
 */
#include "config.h"
#include "scanner/scanner.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "scanner/enforcer.h"
#include "tests/unit/fake_backend.h"
#include "tests/unit/scanner_fixture.h"

#define MIB  (1024ULL * 1024)
#define BASE SCANNER_FIXTURE_BASE

/* Processes 10 (an 8 MiB file mapping, held to limit_mib when that is
 * not 0) and 20 (the same, no limit), over a backend that can page out
 * (fidelity mapping); a scanner over it that walks once a day. */
static void procs(struct scanner_fixture *f, uint64_t limit_mib)
{
	struct rcapfs_proc p[] = {
		scanner_fixture_proc(10, 1000, 0, 0),
		scanner_fixture_proc(20, 1000, 0, 0),
	};

	p[0].rlimit_rss_set = limit_mib != 0;
	p[0].rlimit_rss_bytes = limit_mib * MIB;
	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_set_scan_interval(f->sc, 86400);
	fake_backend_set_procs(f->be, p, 2);
	for (size_t i = 0; i < 2; i++)
		scanner_fixture_map(f->be, p[i].pid, 8);
}

static uint64_t present_kb(struct scanner_fixture *f, pid_t pid)
{
	return fake_backend_present_kb(f->be, pid, BASE, BASE + 8 * MIB);
}

static struct rcapfs_status status(struct scanner_fixture *f)
{
	struct rcapfs_status st;

	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	return st;
}

/* Wait until the scans of RSS limits have taken want bytes. */
static bool wait_rlimit_pg(struct scanner_fixture *f, uint64_t want)
{
	uint64_t deadline = scanner_fixture_deadline();

	while (status(f).rlimit_pg_bytes < want)
		if (!scanner_fixture_wait_more(deadline))
			return false;
	return true;
}

/* A process with a limit, in no collection, is brought under it; the
 * one without a limit is not touched. Once it exits, it is no longer
 * counted, and what was taken from it stays counted. */
static void test_rlimits__enforced(void **state)
{
	struct scanner_fixture *f = *state;

	procs(f, 2);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(status(f).rlimit_processes, 1);
	/* Its first pass only starts tracking it; the second pages out. */
	assert_true(wait_rlimit_pg(f, 6 * MIB));
	assert_true(present_kb(f, 10) <= 2 * 1024);
	assert_int_equal(present_kb(f, 20), 8 * 1024);
	assert_int_equal(fake_backend_walks(f->be), 1);

	/* Between walks it is re-read, not walked for. */
	fake_backend_exit(f->be, 10);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);
	assert_int_equal(status(f).rlimit_processes, 0);
	assert_true(status(f).rlimit_pg_bytes >= 6 * MIB);
}

/* Longer than the enforcer's window: the scan that follows the first
 * would have started by then, unless the host is very slow (then the
 * check after it passes when it should not, but never fails when it
 * should not). */
static void past_window(void)
{
	uint64_t ns = 2 * RCAPFS_ENFORCE_WINDOW_MS * 1000000ULL;

	nanosleep(&(struct timespec){.tv_sec = (time_t)(ns / 1000000000ULL),
				     .tv_nsec = (long)(ns % 1000000000ULL)},
		  NULL);
}

/* Neither ctl/rlimit_rss 0 nor ctl/enforce 0 touch it: the process is
 * not even held. */
static void held_back(struct scanner_fixture *f, bool rlimit_rss, bool enforce)
{
	struct fake_backend_counts counts;
	struct rcapfs_ctl ctl;

	procs(f, 2);
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.rlimit_rss = rlimit_rss;
	ctl.enforce = enforce;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	past_window();
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.task_opens, 0);
	assert_int_equal(status(f).rlimit_processes, rlimit_rss ? 1 : 0);
	assert_int_equal(status(f).rlimit_pg_bytes, 0);
}

static void test_rlimits__off(void **state)
{
	held_back(*state, false, true);
}

static void test_rlimits__unenforced(void **state)
{
	held_back(*state, true, false);
}

/* No limit at all: nothing held. */
static void test_rlimits__none(void **state)
{
	struct scanner_fixture *f = *state;
	struct fake_backend_counts counts;

	procs(f, 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(status(f).rlimit_processes, 0);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.task_opens, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)                                                                   \
	cmocka_unit_test_setup_teardown(f, scanner_fixture_setup,              \
					scanner_fixture_teardown)
		T(test_rlimits__enforced),
		T(test_rlimits__off),
		T(test_rlimits__unenforced),
		T(test_rlimits__none),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
