/*
 * The scanner's samples over the fake backend: the figures they commit,
 * walks and re-reads of members, the rcapd rule of enforcement, the
 * sampling thread and its wake-ups, and fork events between walks.
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

/* Wait until the scanner has handled every fork event queued. */
static bool wait_forks(struct scanner_fixture *f)
{
	uint64_t deadline = scanner_fixture_deadline();

	while (!fake_backend_forks_drained(f->be))
		if (!scanner_fixture_wait_more(deadline))
			return false;
	return true;
}

/* Collection "c" with members 10 (1000 kB) and 11 (3000 kB) by uid 1000,
 * and 12, which belongs to someone else. */
static void three_procs(struct scanner_fixture *f)
{
	struct rcapfs_proc procs[] = {
		scanner_fixture_proc(10, 1000, 1000, 5000),
		scanner_fixture_proc(11, 1000, 3000, 7000),
		scanner_fixture_proc(12, 2000, 50000, 90000),
	};

	fake_backend_set_procs(f->be, procs, 3);
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	scanner_fixture_set_members(f->sc, "c", "uid 1000\n");
}

static void test_sampler__sample_figures(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_stats st;
	time_t before = time(NULL);

	three_procs(f);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 3 * MIB), 0);

	/* Before any sample: zeros, but the cap and the record's kind. */
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.version, RCAPFS_STATS_VERSION);
	assert_int_equal(st.samples, 0);
	assert_int_equal(st.rss_min_bytes, 0);
	assert_int_equal(st.rss_max_bytes, 0);
	assert_int_equal(st.last_sample_unix, 0);
	assert_int_equal(st.cap_bytes, 3 * MIB);
	assert_int_equal(st.excess_bytes, 0);

	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.nproc, 2);
	assert_int_equal(st.rss_bytes, 4000 * KIB);
	assert_int_equal(st.vm_bytes, 12000 * KIB);
	assert_int_equal(st.excess_bytes, 4000 * KIB - 3 * MIB);
	assert_int_equal(st.samples, 1);
	assert_int_equal(st.rss_min_bytes, 4000 * KIB);
	assert_int_equal(st.rss_max_bytes, 4000 * KIB);
	assert_true(st.last_sample_unix >= before &&
		    st.last_sample_unix <= time(NULL));
	assert_int_equal(st.accounting, RCAPFS_ACCT_RSS);
	assert_int_equal(st.fidelity, RCAPFS_FIDELITY_NONE);
	/* Enforced: a scan ran; but these processes have no memory to page
	 * out. */
	assert_true(scanner_fixture_wait_stat(f->sc, "c", FIGURE_SCANS, 1));
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.at_bytes, 0);
	assert_int_equal(st.pg_bytes, 0);
	assert_int_equal(st.scans_complete, 1);

	/* Shrink, then grow: min and max follow; under the cap, no
	 * excess. */
	fake_backend_set_rss(f->be, 11, 1000, 7000);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	fake_backend_set_rss(f->be, 10, 6000, 9000);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	fake_backend_set_rss(f->be, 10, 2000, 9000);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.samples, 4);
	assert_int_equal(st.rss_bytes, 3000 * KIB);
	assert_int_equal(st.vm_bytes, 16000 * KIB);
	assert_int_equal(st.excess_bytes, 0);
	assert_int_equal(st.rss_min_bytes, 2000 * KIB);
	assert_int_equal(st.rss_max_bytes, 7000 * KIB);

	/* Uncapped: never any excess. */
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 0), 0);
	fake_backend_set_rss(f->be, 10, 900000, 900000);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.excess_bytes, 0);
	assert_int_equal(st.unenforced, 0);
}

static void test_sampler__unenforced(void **state)
{
	struct scanner_fixture *f = *state;

	three_procs(f); /* 4000 kB, memory utilization 50% */
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 3 * MIB), 0);

	/* Enforcement off: every sample over the cap is unenforced. */
	scanner_fixture_set_enforce(f->sc, false, 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").unenforced, 2);

	/* Pressure above the utilization: not enforced either. */
	scanner_fixture_set_enforce(f->sc, true, 60);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").unenforced, 3);
	scanner_fixture_set_enforce(f->sc, true,
				    50); /* must be exceeded, not reached */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").unenforced, 4);

	/* Pressure below the utilization, or 0: enforced. */
	scanner_fixture_set_enforce(f->sc, true, 40);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	scanner_fixture_set_enforce(f->sc, true, 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").unenforced, 4);

	/* Memory fills up past the pressure: enforced. */
	{
		struct rcapfs_meminfo mi = {8ULL << 30, 1ULL << 30, 0, 0};

		scanner_fixture_set_enforce(f->sc, true, 80);
		fake_backend_set_meminfo(f->be, &mi);
		assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
		assert_int_equal(scanner_fixture_stats(f->sc, "c").unenforced,
				 4);
	}

	/* Under the cap nothing is counted, enforcement or not. */
	scanner_fixture_set_enforce(f->sc, false, 0);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 4000 * KIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").unenforced, 4);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").samples, 8);
}

static void test_sampler__walk_interval(void **state)
{
	struct scanner_fixture *f = *state;
	struct timespec pause = {1, 100 * 1000 * 1000};

	scanner_fixture_set_scan_interval(f->sc, 86400);
	three_procs(f);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);
	assert_int_equal(fake_backend_samples(f->be), 0);

	/* Between walks, one re-sample per member and no walk. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);
	assert_int_equal(fake_backend_samples(f->be), 4);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 2);

	/* A process that joins between walks is found at the next one. */
	{
		struct rcapfs_proc procs[] = {
			scanner_fixture_proc(10, 1000, 1000, 5000),
			scanner_fixture_proc(11, 1000, 3000, 7000),
			scanner_fixture_proc(13, 1000, 500, 500),
		};

		fake_backend_set_procs(f->be, procs, 3);
	}
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 2);
	assert_int_equal(fake_backend_walks(f->be), 1);
	/* Once scan_interval has passed, the next sample walks. */
	scanner_fixture_set_scan_interval(f->sc, 1);
	nanosleep(&pause, NULL);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 2);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 3);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").rss_bytes,
			 4500 * KIB);
}

static void test_sampler__resample_drops_gone(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_proc procs[] = {
		scanner_fixture_proc(10, 1000, 1000, 5000),
		scanner_fixture_proc(12, 2000, 50000, 90000),
		scanner_fixture_proc(11, 1000, 3000, 7000),
	};
	pid_t *pids = NULL;
	size_t n = 0;

	scanner_fixture_set_scan_interval(f->sc, 86400);
	three_procs(f);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 2);

	/* 10 exits; 11 is replaced by a process with the same pid. */
	procs[2].start_ticks = 999;
	fake_backend_set_procs(f->be, &procs[1], 2);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").rss_bytes, 0);
	assert_int_equal(rcapfs_scanner_procs(f->sc, "c", &pids, &n), 0);
	assert_int_equal(n, 0);
	free(pids);
}

/* Members 10 and 11 of collection "c" (uid 1000), with these major
 * faults so far; 11 only when with11. */
static void set_faults(struct scanner_fixture *f, uint64_t f10, uint64_t f11,
		       bool with11)
{
	struct rcapfs_proc procs[] = {
		scanner_fixture_proc(10, 1000, 1000, 5000),
		scanner_fixture_proc(11, 1000, 3000, 7000),
	};

	procs[0].majflt = f10;
	procs[1].majflt = f11;
	fake_backend_set_procs(f->be, procs, with11 ? 2 : 1);
}

/*
 * majflt: the major faults of the members since each joined, summed over
 * them, those that left (exited, or no longer matched) included: the cost
 * of the cap never goes down.
 */
static void test_sampler__majflt(void **state)
{
	struct scanner_fixture *f = *state;

	scanner_fixture_set_scan_interval(f->sc, 86400);
	set_faults(f, 100, 50, true);
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	scanner_fixture_set_members(f->sc, "c", "uid 1000\n");
	/* What they bring when they join is not counted. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").majflt, 0);
	/* Between walks, from the re-reads. */
	set_faults(f, 130, 60, true);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").majflt, 40);
	/* 11 exits: its last figure stays. */
	set_faults(f, 135, 0, false);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 1);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").majflt, 45);
	/* At a walk too; then 10 no longer matches: it stays counted, and
	 * when it matches again, it counts from then. */
	set_faults(f, 140, 0, false);
	scanner_fixture_set_members(f->sc, "c", "uid 1000\n");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 2);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").majflt, 50);
	scanner_fixture_set_members(f->sc, "c", "uid 4242\n");
	set_faults(f, 200, 0, false);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").majflt, 50);
	scanner_fixture_set_members(f->sc, "c", "uid 1000\n");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	set_faults(f, 207, 0, false);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").majflt, 57);
}

static void test_sampler__set_members_walks(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_buf buf = RCAPFS_BUF_INIT;
	char err[128];

	scanner_fixture_set_scan_interval(f->sc, 86400);
	three_procs(f);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);

	scanner_fixture_set_members(f->sc, "c", "uid 2000\n");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 2);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 1);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").rss_bytes,
			 50000 * KIB);

	/* Append keeps the old rules; a bad write changes nothing. */
	assert_int_equal(rcapfs_scanner_set_members(f->sc, "c", "pid 10", 6,
						    true, RCAPFS_RULES_USER,
						    err, sizeof(err)),
			 0);
	assert_int_equal(rcapfs_scanner_set_members(f->sc, "c", "pid x", 5,
						    false, RCAPFS_RULES_USER,
						    err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "line 1:"));
	assert_int_equal(
		rcapfs_scanner_members(f->sc, "c", RCAPFS_RULES_STATE, &buf),
		0);
	assert_string_equal(buf.data, "uid 2000\npid 10 start=100\n");
	rcapfs_buf_release(&buf);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 3);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 2);

	/* A sample with nothing changed does not walk. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 3);
}

static void test_sampler__cgroup_walk(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_proc procs[] = {
		scanner_fixture_proc(10, 0, 100, 100),
		scanner_fixture_proc(11, 0, 200, 200),
	};

	procs[0].cgroup = (char *)"/system.slice/a.service";
	procs[1].cgroup = (char *)"/user.slice";
	fake_backend_set_procs(f->be, procs, 2);
	assert_int_equal(rcapfs_scanner_create(f->sc, "svc"), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "none"), 0);
	scanner_fixture_set_members(f->sc, "svc", "cgroup /system.slice");
	/* The fake gives cgroup paths only when asked for them. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "svc").nproc, 1);
	assert_int_equal(scanner_fixture_stats(f->sc, "svc").rss_bytes,
			 100 * KIB);
	assert_int_equal(scanner_fixture_stats(f->sc, "none").nproc, 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "none").samples, 1);
}

static void test_sampler__procs_sorted(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_proc procs[] = {
		scanner_fixture_proc(3000, 5, 1, 1),
		scanner_fixture_proc(20, 5, 1, 1),
		scanner_fixture_proc(700, 6, 1, 1),
		scanner_fixture_proc(1000, 5, 1, 1),
		scanner_fixture_proc(21, 5, 1, 1),
	};
	pid_t *pids = NULL;
	size_t n = 0;

	fake_backend_set_procs(f->be, procs, 5);
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	assert_int_equal(rcapfs_scanner_procs(f->sc, "c", &pids, &n), 0);
	assert_int_equal(n, 0);
	free(pids);

	scanner_fixture_set_members(f->sc, "c", "uid 5");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_procs(f->sc, "c", &pids, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(pids[0], 20);
	assert_int_equal(pids[1], 21);
	assert_int_equal(pids[2], 1000);
	assert_int_equal(pids[3], 3000);
	free(pids);
}

static void test_sampler__remove_keeps_others(void **state)
{
	struct scanner_fixture *f = *state;

	three_procs(f);
	assert_int_equal(rcapfs_scanner_create(f->sc, "d"), 0);
	scanner_fixture_set_members(f->sc, "d", "uid 2000");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_remove(f->sc, "c"), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "d").samples, 2);
	assert_int_equal(scanner_fixture_stats(f->sc, "d").nproc, 1);
	/* Same name again: a fresh collection. */
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").samples, 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 0);
}

/* A daemon that detaches between two walks: 10 (a pid-rule member) forks
 * 11, which forks 12 and exits; 12 is re-parented to init before a walk
 * sees 11. Fork events keep 12 in the collection; a process re-parented
 * the same way without them does not join. */
/* A backend without fork events is not asked for them, even one whose
 * forks_open would answer. */
static void test_sampler__no_fork_events(void **state)
{
	struct scanner_fixture *f = *state;
	struct fake_backend_counts counts;

	fake_backend_enable_forks(f->be);
	fake_backend_set_can(f->be,
			     RCAPFS_CAN_PAGEOUT | RCAPFS_CAN_PAGE_PRESENT);
	assert_int_equal(rcapfs_scanner_start(f->sc), 0);
	rcapfs_scanner_stop(f->sc);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.forks_opens, 0);
}

static void test_sampler__fork_events(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_proc procs[] = {
		scanner_fixture_proc(1, 0, 10, 10),
		scanner_fixture_proc(10, 1000, 100, 100),
		scanner_fixture_proc(12, 1000, 200, 200),
		scanner_fixture_proc(13, 1000, 400, 400),
	};
	pid_t *pids = NULL;
	size_t n = 0;

	for (size_t i = 1; i < 4; i++)
		procs[i].ppid = 1;
	fake_backend_set_procs(f->be, procs, 2);
	fake_backend_enable_forks(f->be);
	assert_int_equal(rcapfs_scanner_create(f->sc, "d"), 0);
	scanner_fixture_set_members(f->sc, "d", "pid 10");
	assert_int_equal(rcapfs_scanner_start(f->sc), 0);
	assert_true(scanner_fixture_wait_stat(f->sc, "d", FIGURE_SAMPLES, 1));
	assert_int_equal(scanner_fixture_stats(f->sc, "d").nproc, 1);

	/* The children exist when their events are read (12, 13), or are
	 * gone already (11). */
	fake_backend_set_procs(f->be, procs, 4);
	fake_backend_fork(f->be, 1, 9);	  /* nobody's */
	fake_backend_fork(f->be, 10, 11); /* gone at once */
	fake_backend_fork(f->be, 11, 12);
	assert_true(wait_forks(f));
	scanner_fixture_set_scan_interval(f->sc, 1);
	nanosleep(&(struct timespec){1, 100 * 1000 * 1000}, NULL);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_procs(f->sc, "d", &pids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pids[0], 10);
	assert_int_equal(pids[1], 12);
	free(pids);
	assert_int_equal(scanner_fixture_stats(f->sc, "d").rss_bytes,
			 300 * KIB);
	rcapfs_scanner_stop(f->sc);
}

static void test_sampler__thread(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_ctl ctl;
	uint64_t n;

	three_procs(f);
	/* Only a wake-up can cause a second sample within the test. */
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.sample_interval_s = 86400;
	ctl.report_interval_s = 1;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);

	assert_int_equal(rcapfs_scanner_start(f->sc), 0);
	assert_int_equal(rcapfs_scanner_start(f->sc), -EALREADY);
	assert_true(scanner_fixture_wait_stat(f->sc, "c", FIGURE_SAMPLES, 1));
	assert_int_equal(scanner_fixture_stats(f->sc, "c").rss_bytes,
			 4000 * KIB);

	/* A cap above the rss wakes nobody; one below does. */
	n = scanner_fixture_stats(f->sc, "c").samples;
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 8 * MIB), 0);
	nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").samples, n);
	fake_backend_set_rss(f->be, 10, 2000, 5000);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 2 * MIB), 0);
	assert_true(
		scanner_fixture_wait_stat(f->sc, "c", FIGURE_SAMPLES, n + 1));
	assert_int_equal(scanner_fixture_stats(f->sc, "c").rss_bytes,
			 5000 * KIB);

	/* New members wake it too. */
	n = scanner_fixture_stats(f->sc, "c").samples;
	scanner_fixture_set_members(f->sc, "c", "uid 2000");
	assert_true(
		scanner_fixture_wait_stat(f->sc, "c", FIGURE_SAMPLES, n + 1));
	assert_int_equal(scanner_fixture_stats(f->sc, "c").nproc, 1);

	/* A shorter interval applies at once, without a wake-up. */
	n = scanner_fixture_stats(f->sc, "c").samples;
	ctl.sample_interval_s = 1;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
	assert_true(
		scanner_fixture_wait_stat(f->sc, "c", FIGURE_SAMPLES, n + 2));

	rcapfs_scanner_stop(f->sc);
	rcapfs_scanner_stop(f->sc);
	/* It can run again after a stop; free stops it. */
	assert_int_equal(rcapfs_scanner_start(f->sc), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)                                                                   \
	cmocka_unit_test_setup_teardown(f, scanner_fixture_setup,              \
					scanner_fixture_teardown)
		T(test_sampler__sample_figures),
		T(test_sampler__unenforced),
		T(test_sampler__walk_interval),
		T(test_sampler__resample_drops_gone),
		T(test_sampler__majflt),
		T(test_sampler__set_members_walks),
		T(test_sampler__cgroup_walk),
		T(test_sampler__procs_sorted),
		T(test_sampler__remove_keeps_others),
		T(test_sampler__fork_events),
		T(test_sampler__no_fork_events),
		T(test_sampler__thread),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
