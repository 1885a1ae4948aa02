#include "config.h"
#include "scanner/scanner.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/fake_backend.h"
#include "tests/unit/scanner_fixture.h"

#define KIB 1024ULL
#define MIB (1024ULL * 1024)

struct fixture {
	struct rcapfs_backend *be;
	struct rcapfs_scanner *sc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	scanner_fixture_new(&f->be, &f->sc);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	scanner_fixture_free(f->be, f->sc);
	free(f);
	return 0;
}

static struct rcapfs_proc mkproc(pid_t pid, uid_t uid, uint64_t rss_kb,
				 uint64_t vm_kb)
{
	struct rcapfs_proc p;

	memset(&p, 0, sizeof(p));
	p.pid = pid;
	p.ppid = 1;
	p.ruid = uid;
	p.rgid = uid;
	p.start_ticks = (uint64_t)pid * 10;
	p.rss_kb = rss_kb;
	p.vm_kb = vm_kb;
	snprintf(p.comm, sizeof(p.comm), "p%d", (int)pid);
	return p;
}

static struct rcapfs_stats stats_of(struct fixture *f, const char *name)
{
	struct rcapfs_stats st;

	assert_int_equal(rcapfs_scanner_stats(f->sc, name, &st), 0);
	return st;
}

/* Collection "c" with members 10 (1000 kB) and 11 (3000 kB) by uid 1000,
 * and 12, which belongs to someone else. */
static void three_procs(struct fixture *f)
{
	struct rcapfs_proc procs[] = {
		mkproc(10, 1000, 1000, 5000),
		mkproc(11, 1000, 3000, 7000),
		mkproc(12, 2000, 50000, 90000),
	};

	fake_backend_set_procs(f->be, procs, 3);
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	scanner_fixture_set_members(f->sc, "c", "uid 1000\n");
}

static void test_scanner__collections(void **state)
{
	struct fixture *f = *state;
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
	struct fixture *f = *state;

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
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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
	assert_int_equal(stats_of(f, "c").cap_bytes, UINT64_MAX - 1023);
}

static void test_scanner__sample_figures(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_stats st;
	time_t before = time(NULL);

	three_procs(f);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 3 * MIB), 0);

	/* Before any sample: zeros, but the cap and the record's kind. */
	st = stats_of(f, "c");
	assert_int_equal(st.version, RCAPFS_STATS_VERSION);
	assert_int_equal(st.samples, 0);
	assert_int_equal(st.rss_min_bytes, 0);
	assert_int_equal(st.rss_max_bytes, 0);
	assert_int_equal(st.last_sample_unix, 0);
	assert_int_equal(st.cap_bytes, 3 * MIB);
	assert_int_equal(st.excess_bytes, 0);

	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = stats_of(f, "c");
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
	/* Enforced, but these processes have no memory to page out. */
	assert_int_equal(st.at_bytes, 0);
	assert_int_equal(st.pg_bytes, 0);

	/* Shrink, then grow: min and max follow; under the cap, no
	 * excess. */
	fake_backend_set_rss(f->be, 11, 1000, 7000);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	fake_backend_set_rss(f->be, 10, 6000, 9000);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	fake_backend_set_rss(f->be, 10, 2000, 9000);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = stats_of(f, "c");
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
	st = stats_of(f, "c");
	assert_int_equal(st.excess_bytes, 0);
	assert_int_equal(st.unenforced, 0);
}

/* Set the pressure and enforce controls, keeping the rest. */
static void set_enforce(struct fixture *f, bool enforce, unsigned pressure)
{
	struct rcapfs_ctl ctl;

	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.enforce = enforce;
	ctl.pressure_pct = pressure;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
}

static void test_scanner__unenforced(void **state)
{
	struct fixture *f = *state;

	three_procs(f); /* 4000 kB, memory utilization 50% */
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 3 * MIB), 0);

	/* Enforcement off: every sample over the cap is unenforced. */
	set_enforce(f, false, 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "c").unenforced, 2);

	/* Pressure above the utilization: not enforced either. */
	set_enforce(f, true, 60);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "c").unenforced, 3);
	set_enforce(f, true, 50); /* must be exceeded, not reached */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "c").unenforced, 4);

	/* Pressure below the utilization, or 0: enforced. */
	set_enforce(f, true, 40);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	set_enforce(f, true, 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "c").unenforced, 4);

	/* Memory fills up past the pressure: enforced. */
	{
		struct rcapfs_meminfo mi = {8ULL << 30, 1ULL << 30, 0, 0};

		set_enforce(f, true, 80);
		fake_backend_set_meminfo(f->be, &mi);
		assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
		assert_int_equal(stats_of(f, "c").unenforced, 4);
	}

	/* Under the cap nothing is counted, enforcement or not. */
	set_enforce(f, false, 0);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 4000 * KIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "c").unenforced, 4);
	assert_int_equal(stats_of(f, "c").samples, 8);
}

static void set_scan_interval(struct fixture *f, unsigned s)
{
	struct rcapfs_ctl ctl;

	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.scan_interval_s = s;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
}

static void test_scanner__walk_interval(void **state)
{
	struct fixture *f = *state;
	struct timespec pause = {1, 100 * 1000 * 1000};

	three_procs(f);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);
	assert_int_equal(fake_backend_samples(f->be), 0);

	/* Between walks, one re-sample per member and no walk. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);
	assert_int_equal(fake_backend_samples(f->be), 4);
	assert_int_equal(stats_of(f, "c").nproc, 2);

	/* A process that joins between walks is found at the next one. */
	{
		struct rcapfs_proc procs[] = {
			mkproc(10, 1000, 1000, 5000),
			mkproc(11, 1000, 3000, 7000),
			mkproc(13, 1000, 500, 500),
		};

		fake_backend_set_procs(f->be, procs, 3);
	}
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "c").nproc, 2);
	assert_int_equal(fake_backend_walks(f->be), 1);
	/* Once scan_interval has passed, the next sample walks. */
	set_scan_interval(f, 1);
	nanosleep(&pause, NULL);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 2);
	assert_int_equal(stats_of(f, "c").nproc, 3);
	assert_int_equal(stats_of(f, "c").rss_bytes, 4500 * KIB);
}

static void test_scanner__resample_drops_gone(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_proc procs[] = {
		mkproc(10, 1000, 1000, 5000),
		mkproc(12, 2000, 50000, 90000),
		mkproc(11, 1000, 3000, 7000),
	};
	pid_t *pids = NULL;
	size_t n = 0;

	three_procs(f);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "c").nproc, 2);

	/* 10 exits; 11 is replaced by a process with the same pid. */
	procs[2].start_ticks = 999;
	fake_backend_set_procs(f->be, &procs[1], 2);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);
	assert_int_equal(stats_of(f, "c").nproc, 0);
	assert_int_equal(stats_of(f, "c").rss_bytes, 0);
	assert_int_equal(rcapfs_scanner_procs(f->sc, "c", &pids, &n), 0);
	assert_int_equal(n, 0);
	free(pids);
}

static void test_scanner__set_members_walks(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_buf buf = RCAPFS_BUF_INIT;
	char err[128];

	three_procs(f);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 1);

	scanner_fixture_set_members(f->sc, "c", "uid 2000\n");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 2);
	assert_int_equal(stats_of(f, "c").nproc, 1);
	assert_int_equal(stats_of(f, "c").rss_bytes, 50000 * KIB);

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
	assert_int_equal(stats_of(f, "c").nproc, 2);

	/* A sample with nothing changed does not walk. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(fake_backend_walks(f->be), 3);
}

static void test_scanner__cgroup_walk(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_proc procs[] = {
		mkproc(10, 0, 100, 100),
		mkproc(11, 0, 200, 200),
	};

	procs[0].cgroup = (char *)"/system.slice/a.service";
	procs[1].cgroup = (char *)"/user.slice";
	fake_backend_set_procs(f->be, procs, 2);
	assert_int_equal(rcapfs_scanner_create(f->sc, "svc"), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "none"), 0);
	scanner_fixture_set_members(f->sc, "svc", "cgroup /system.slice");
	/* The fake gives cgroup paths only when asked for them. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "svc").nproc, 1);
	assert_int_equal(stats_of(f, "svc").rss_bytes, 100 * KIB);
	assert_int_equal(stats_of(f, "none").nproc, 0);
	assert_int_equal(stats_of(f, "none").samples, 1);
}

static void test_scanner__procs_sorted(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_proc procs[] = {
		mkproc(3000, 5, 1, 1), mkproc(20, 5, 1, 1),
		mkproc(700, 6, 1, 1),  mkproc(1000, 5, 1, 1),
		mkproc(21, 5, 1, 1),
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

static void test_scanner__remove_keeps_others(void **state)
{
	struct fixture *f = *state;

	three_procs(f);
	assert_int_equal(rcapfs_scanner_create(f->sc, "d"), 0);
	scanner_fixture_set_members(f->sc, "d", "uid 2000");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_remove(f->sc, "c"), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "d").samples, 2);
	assert_int_equal(stats_of(f, "d").nproc, 1);
	/* Same name again: a fresh collection. */
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	assert_int_equal(stats_of(f, "c").samples, 0);
	assert_int_equal(stats_of(f, "c").nproc, 0);
}

static void test_scanner__ctl(void **state)
{
	struct fixture *f = *state;
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
	struct fixture *f = *state;
	struct rcapfs_meminfo mi = {1000 * MIB, 250 * MIB, 64 * MIB, 16 * MIB};
	struct rcapfs_status st;

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
	assert_true(st.uptime_s < 60);

	/* Served from the last sample, not read again for every reader. */
	fake_backend_set_meminfo(f->be, &mi);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_int_equal(st.memory_utilization_pct, 50);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_int_equal(st.memory_utilization_pct, 75);
	assert_int_equal(st.mem.swap_total, 64 * MIB);
	assert_int_equal(st.mem.swap_free, 16 * MIB);
}

/* Wait (up to several seconds: a functional check, not a speed claim)
 * until the collection has at least want samples. */
static bool wait_samples(struct fixture *f, const char *name, uint64_t want)
{
	struct timespec pause = {0, 10 * 1000 * 1000};

	for (int i = 0; i < 1000; i++) {
		if (stats_of(f, name).samples >= want)
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

/* Wait (up to 10 s: a functional check, not a speed claim) until the
 * scanner has handled every fork event queued. */
static bool wait_forks(struct fixture *f)
{
	struct timespec pause = {0, 10 * 1000 * 1000};

	for (int i = 0; i < 1000; i++) {
		if (fake_backend_forks_drained(f->be))
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

/* A daemon that detaches between two walks: 10 (a pid-rule member) forks
 * 11, which forks 12 and exits; 12 is re-parented to init before a walk
 * sees 11. Fork events keep 12 in the collection; a process re-parented
 * the same way without them does not join. */
static void test_scanner__fork_events(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_proc procs[] = {
		mkproc(1, 0, 10, 10),
		mkproc(10, 1000, 100, 100),
		mkproc(12, 1000, 200, 200),
		mkproc(13, 1000, 400, 400),
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
	assert_true(wait_samples(f, "d", 1));
	assert_int_equal(stats_of(f, "d").nproc, 1);

	/* The children exist when their events are read (12, 13), or are
	 * gone already (11). */
	fake_backend_set_procs(f->be, procs, 4);
	fake_backend_fork(f->be, 1, 9);	  /* nobody's */
	fake_backend_fork(f->be, 10, 11); /* gone at once */
	fake_backend_fork(f->be, 11, 12);
	assert_true(wait_forks(f));
	set_scan_interval(f, 1);
	nanosleep(&(struct timespec){1, 100 * 1000 * 1000}, NULL);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_procs(f->sc, "d", &pids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pids[0], 10);
	assert_int_equal(pids[1], 12);
	free(pids);
	assert_int_equal(stats_of(f, "d").rss_bytes, 300 * KIB);
	rcapfs_scanner_stop(f->sc);
}

/* A backend without fork events is not asked for them, even one whose
 * forks_open would answer. */
static void test_scanner__no_fork_events(void **state)
{
	struct fixture *f = *state;
	struct fake_backend_counts counts;

	fake_backend_enable_forks(f->be);
	fake_backend_set_can(f->be,
			     RCAPFS_CAN_PAGEOUT | RCAPFS_CAN_PAGE_PRESENT);
	assert_int_equal(rcapfs_scanner_start(f->sc), 0);
	rcapfs_scanner_stop(f->sc);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.forks_opens, 0);
}

static void test_scanner__thread(void **state)
{
	struct fixture *f = *state;
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
	assert_true(wait_samples(f, "c", 1));
	assert_int_equal(stats_of(f, "c").rss_bytes, 4000 * KIB);

	/* A cap above the rss wakes nobody; one below does. */
	n = stats_of(f, "c").samples;
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 8 * MIB), 0);
	nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
	assert_int_equal(stats_of(f, "c").samples, n);
	fake_backend_set_rss(f->be, 10, 2000, 5000);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 2 * MIB), 0);
	assert_true(wait_samples(f, "c", n + 1));
	assert_int_equal(stats_of(f, "c").rss_bytes, 5000 * KIB);

	/* New members wake it too. */
	n = stats_of(f, "c").samples;
	scanner_fixture_set_members(f->sc, "c", "uid 2000");
	assert_true(wait_samples(f, "c", n + 1));
	assert_int_equal(stats_of(f, "c").nproc, 1);

	/* A shorter interval applies at once, without a wake-up. */
	n = stats_of(f, "c").samples;
	ctl.sample_interval_s = 1;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
	assert_true(wait_samples(f, "c", n + 2));

	rcapfs_scanner_stop(f->sc);
	rcapfs_scanner_stop(f->sc);
	/* It can run again after a stop; free stops it. */
	assert_int_equal(rcapfs_scanner_start(f->sc), 0);
}

/* ---- Enforcement ---- */

#define BASE 0x40000000ULL

static const struct rcapfs_features page_features = {
	.page_size = 4096,
	.clear_refs = true,
	.idle_page_tracking = true,
	.pfn_visible = true,
	.process_madvise = true,
};

static const struct rcapfs_features mapping_features = {
	.page_size = 4096,
	.clear_refs = true,
	.process_madvise = true,
};

/* Make the scanner again over a backend with these features: the
 * tracker's fidelity is decided when it is made. */
static void use_features(struct fixture *f, const struct rcapfs_features *ft)
{
	rcapfs_scanner_free(f->sc);
	fake_backend_set_features(f->be, ft);
	assert_int_equal(rcapfs_scanner_new(f->be, &f->sc), 0);
}

/* Processes pids[0..n), each with a private file mapping of mib MiB, all
 * present and not referenced; each in collection "c<pid>" by a pid rule
 * (when named), capped at cap. */
static void victims(struct fixture *f, const pid_t *pids, size_t n,
		    uint64_t mib)
{
	struct rcapfs_proc procs[4];

	for (size_t i = 0; i < n; i++)
		procs[i] = mkproc(pids[i], 1000, 0, mib * 1024);
	fake_backend_set_procs(f->be, procs, n);
	for (size_t i = 0; i < n; i++) {
		struct rcapfs_mapping m;

		memset(&m, 0, sizeof(m));
		m.start = BASE;
		m.end = BASE + mib * MIB;
		m.flags = RCAPFS_MAP_READ;
		m.inode = 100 + (uint64_t)pids[i];
		m.shmid = -1;
		m.name = "/data";
		fake_backend_add_mapping(f->be, pids[i], &m);
		fake_backend_touch(f->be, pids[i], m.start, m.end, false);
		fake_backend_set_page_flags(f->be, pids[i], m.start, m.end, 0,
					    RCAPFS_PAGE_REFERENCED);
	}
}

static void capped(struct fixture *f, const char *name, pid_t pid, uint64_t cap)
{
	char rule[32];

	snprintf(rule, sizeof(rule), "pid %d\n", (int)pid);
	assert_int_equal(rcapfs_scanner_create(f->sc, name), 0);
	scanner_fixture_set_members(f->sc, name, rule);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, name, cap), 0);
}

/* Wait (up to 20 s: a functional check, not a speed claim) until the
 * collection's pg reaches want bytes. */
static bool wait_pg(struct fixture *f, const char *name, uint64_t want)
{
	struct timespec pause = {0, 10 * 1000 * 1000};

	for (int i = 0; i < 2000; i++) {
		if (stats_of(f, name).pg_bytes >= want)
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

static void test_scanner__enforce(void **state)
{
	struct fixture *f = *state;
	const pid_t pid = 10;
	struct rcapfs_stats st;

	use_features(f, &page_features);
	victims(f, &pid, 1, 16);
	capped(f, "c", pid, 4 * MIB);
	assert_int_equal(stats_of(f, "c").fidelity, RCAPFS_FIDELITY_PAGE);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	/* The first pass only starts tracking the victim; the second,
	 * which needs no new sample, pages out the excess. */
	assert_true(wait_pg(f, "c", 12 * MIB));
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = stats_of(f, "c");
	assert_true(st.rss_bytes <= 4 * MIB);
	assert_int_equal(st.excess_bytes, 0);
	assert_true(st.at_bytes >= st.pg_bytes);
	assert_true(st.pg_bytes >= 12 * MIB && st.pg_bytes < 13 * MIB);
	assert_true(st.scans >= 2);
	assert_true(st.scans_complete >= 1);
	assert_true(st.scans_ineffective >= 1); /* the first pass */
	assert_true(st.scan_time_ns > 0);
	assert_int_equal(st.accounting, RCAPFS_ACCT_RSS);
	assert_int_equal(st.unenforced, 0);
}

static void test_scanner__enforce_off(void **state)
{
	struct fixture *f = *state;
	struct fake_backend_counts counts;
	const pid_t pid = 10;

	use_features(f, &mapping_features);
	victims(f, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	set_enforce(f, false, 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.pageouts, 0);
	assert_int_equal(counts.task_opens, 0);
	assert_int_equal(stats_of(f, "c").unenforced, 2);
	assert_int_equal(stats_of(f, "c").scans, 0);
}

/* A backend that cannot page out: a collection over its cap is not
 * enforced, which its unenforced counts, and ctl/status says so. */
static void test_scanner__enforce_unsupported(void **state)
{
	struct fixture *f = *state;
	struct fake_backend_counts counts;
	struct rcapfs_status st;
	const pid_t pid = 10;

	use_features(f, &mapping_features);
	fake_backend_set_can(f->be, RCAPFS_CAN_PAGE_PRESENT |
					    RCAPFS_CAN_MAPPING_REFERENCED);
	victims(f, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.pageouts, 0);
	assert_int_equal(stats_of(f, "c").unenforced, 2);
	assert_int_equal(stats_of(f, "c").scans, 0);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_false(st.enforcement);
}

static void test_scanner__cold_mode(void **state)
{
	struct fixture *f = *state;
	const pid_t pid = 10;
	struct rcapfs_ctl ctl;
	struct rcapfs_stats st;

	use_features(f, &mapping_features);
	victims(f, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.mode = RCAPFS_MODE_COLD;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	/* The second pass (the first only starts tracking) advises. */
	for (int i = 0; i < 2000 && stats_of(f, "c").at_bytes == 0; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	st = stats_of(f, "c");
	/* Deactivated, not freed. */
	assert_int_equal(st.at_bytes, 8 * MIB);
	assert_int_equal(st.pg_bytes, 0);
	assert_int_equal(
		fake_backend_present_kb(f->be, pid, BASE, BASE + 8 * MIB),
		8 * 1024);
	assert_int_equal(
		fake_backend_pageouts(f->be, pid, BASE, BASE + 8 * MIB), 0);
}

/* A cap lifted while the enforcer waits to go on: it does not. */
static void test_scanner__cap_lifted(void **state)
{
	struct fixture *f = *state;
	const pid_t pid = 10;

	use_features(f, &mapping_features);
	victims(f, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 0), 0);
	nanosleep(&(struct timespec){1, 0}, NULL);
	assert_int_equal(stats_of(f, "c").at_bytes, 0);
	assert_int_equal(
		fake_backend_present_kb(f->be, pid, BASE, BASE + 8 * MIB),
		8 * 1024);
}

/*
 * A process that moves to another cgroup leaves a collection of the old
 * one at the next walk, and is not paged out when the collection is over
 * its cap afterwards; the process that stayed is.
 */
static void test_scanner__cgroup_move(void **state)
{
	struct fixture *f = *state;
	const pid_t pids[] = {10, 11};
	struct rcapfs_proc procs[2];

	use_features(f, &mapping_features);
	victims(f, pids, 2, 8);
	for (size_t i = 0; i < 2; i++) {
		procs[i] = mkproc(pids[i], 1000, 0, 8 * 1024);
		procs[i].cgroup = (char *)"/app.slice/job";
	}
	fake_backend_set_procs(f->be, procs, 2);
	assert_int_equal(rcapfs_scanner_create(f->sc, "app"), 0);
	scanner_fixture_set_members(f->sc, "app", "cgroup /app.slice");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "app").nproc, 2);
	assert_int_equal(stats_of(f, "app").rss_bytes, 16 * MIB);

	procs[1].cgroup = (char *)"/other.slice";
	fake_backend_set_procs(f->be, procs, 2);
	set_scan_interval(f, 1);
	nanosleep(&(struct timespec){1, 100 * 1000 * 1000}, NULL);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "app").nproc, 1);
	assert_int_equal(stats_of(f, "app").rss_bytes, 8 * MIB);

	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "app", 2 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(wait_pg(f, "app", 6 * MIB));
	assert_true(fake_backend_pageouts(f->be, 10, BASE, BASE + 8 * MIB) > 0);
	assert_int_equal(fake_backend_pageouts(f->be, 11, BASE, BASE + 8 * MIB),
			 0);
	assert_int_equal(
		fake_backend_present_kb(f->be, 11, BASE, BASE + 8 * MIB),
		8 * 1024);
}

/* A pageout hook that holds pid's pageouts until released (20 s at
 * most). Static: a failed test must not leave a thread on a dead frame. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pid_t pid;
	bool inside;
	bool open;
};

static struct gate the_gate = {PTHREAD_MUTEX_INITIALIZER,
			       PTHREAD_COND_INITIALIZER, 0, false, false};

static struct gate *gate_shut(pid_t pid)
{
	pthread_mutex_lock(&the_gate.lock);
	the_gate.pid = pid;
	the_gate.inside = false;
	the_gate.open = false;
	pthread_mutex_unlock(&the_gate.lock);
	return &the_gate;
}

static void gate_hook(struct rcapfs_backend *be, pid_t pid,
		      enum rcapfs_advice advice, void *arg)
{
	struct gate *g = arg;
	struct timespec limit;

	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 20;
	pthread_mutex_lock(&g->lock);
	if (pid != g->pid) {
		pthread_mutex_unlock(&g->lock);
		return;
	}
	g->inside = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open &&
	       pthread_cond_timedwait(&g->cond, &g->lock, &limit) == 0)
		;
	g->inside = false;
	pthread_mutex_unlock(&g->lock);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static bool gate_inside(struct gate *g)
{
	bool inside;

	pthread_mutex_lock(&g->lock);
	inside = g->inside;
	pthread_mutex_unlock(&g->lock);
	return inside;
}

/* Wait (20 s at most) until a pageout sits in the gate. */
static bool gate_wait_inside(struct gate *g)
{
	for (int i = 0; i < 2000 && !gate_inside(g); i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	return gate_inside(g);
}

/* A scan of one collection stuck in pageout does not delay another. */
static void test_scanner__enforce_independent(void **state)
{
	struct fixture *f = *state;
	const pid_t pids[2] = {10, 20};
	struct gate *g = gate_shut(10);

	use_features(f, &mapping_features);
	victims(f, pids, 2, 8);
	capped(f, "slow", 10, 2 * MIB);
	capped(f, "fast", 20, 2 * MIB);
	fake_backend_set_pageout_hook(f->be, gate_hook, g);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	/* Both start tracking; then slow sits in its first pageout call
	 * while fast pages out. */
	assert_true(gate_wait_inside(g));
	assert_true(wait_pg(f, "fast", 6 * MIB));
	assert_true(gate_inside(g));
	assert_int_equal(stats_of(f, "slow").pg_bytes, 0);
	/* Samples go on meanwhile, and do not wait for it either. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(stats_of(f, "slow").samples, 2);
	gate_open(g);
	assert_true(wait_pg(f, "slow", 6 * MIB));
	fake_backend_set_pageout_hook(f->be, NULL, NULL);
}

/* Removing a collection whose scan is under way waits for nothing more
 * than the pageout call in progress, and frees everything. */
static void test_scanner__remove_while_enforcing(void **state)
{
	struct fixture *f = *state;
	const pid_t pid = 10;
	struct gate *g = gate_shut(10);

	use_features(f, &mapping_features);
	victims(f, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	fake_backend_set_pageout_hook(f->be, gate_hook, g);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(gate_wait_inside(g));
	gate_open(g);
	assert_int_equal(rcapfs_scanner_remove(f->sc, "c"), 0);
	assert_false(rcapfs_scanner_exists(f->sc, "c"));
	fake_backend_set_pageout_hook(f->be, NULL, NULL);
}

/* Two processes map the same 4 MiB of one file, and have 2 MiB each of
 * their own. */
static void shared_file(struct fixture *f)
{
	struct rcapfs_proc procs[2] = {mkproc(10, 1000, 0, 0),
				       mkproc(11, 1000, 0, 0)};
	struct rcapfs_mapping m;

	fake_backend_set_procs(f->be, procs, 2);
	for (pid_t pid = 10; pid <= 11; pid++) {
		memset(&m, 0, sizeof(m));
		m.start = BASE;
		m.end = BASE + 4 * MIB;
		m.flags = RCAPFS_MAP_READ;
		m.inode = 5;
		m.shmid = -1;
		m.name = "/shared";
		fake_backend_add_mapping(f->be, pid, &m);
		fake_backend_touch(f->be, pid, m.start, m.end, false);
		fake_backend_set_page_flags(f->be, pid, m.start, m.end, 0,
					    RCAPFS_PAGE_EXCLUSIVE);
		m.start = BASE + 8 * MIB;
		m.end = BASE + 10 * MIB;
		m.inode = 0;
		m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_ANON;
		m.name = "";
		fake_backend_add_mapping(f->be, pid, &m);
		fake_backend_touch(f->be, pid, m.start, m.end, true);
	}
}

static void set_accounting(struct fixture *f, enum rcapfs_accounting a)
{
	struct rcapfs_ctl ctl;

	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.accounting = a;
	ctl.enforce = false;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
}

static void test_scanner__accounting(void **state)
{
	struct fixture *f = *state;
	struct fake_backend_counts counts;
	struct rcapfs_stats st;

	use_features(f, &page_features);
	shared_file(f);
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	scanner_fixture_set_members(f->sc, "c", "uid 1000");

	/* Under the cap by the sum of RSS (12 MiB): nothing costly. */
	set_accounting(f, RCAPFS_ACCT_UNIQUE);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 12 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = stats_of(f, "c");
	assert_int_equal(st.rss_bytes, 12 * MIB);
	assert_int_equal(st.accounting, RCAPFS_ACCT_RSS);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.pfns + counts.pss, 0);

	/* Over it: each shared page once. */
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 7 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = stats_of(f, "c");
	assert_int_equal(st.rss_bytes, 8 * MIB);
	assert_int_equal(st.accounting, RCAPFS_ACCT_UNIQUE);
	assert_int_equal(st.excess_bytes, 1 * MIB);
	assert_int_equal(st.unenforced, 1);

	/* Shared pages count half to each. */
	set_accounting(f, RCAPFS_ACCT_PSS);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = stats_of(f, "c");
	assert_int_equal(st.rss_bytes, 8 * MIB);
	assert_int_equal(st.accounting, RCAPFS_ACCT_PSS);

	/* Under the cap once accounted: not over, not unenforced. */
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 9 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = stats_of(f, "c");
	assert_int_equal(st.excess_bytes, 0);
	assert_int_equal(st.unenforced, 2);
}

static void test_scanner__accounting_fallback(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_features hidden = page_features;
	struct rcapfs_stats st;

	/* PFNs hidden: unique falls back to pss, and says so once. */
	hidden.pfn_visible = false;
	use_features(f, &hidden);
	shared_file(f);
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	scanner_fixture_set_members(f->sc, "c", "uid 1000");
	set_accounting(f, RCAPFS_ACCT_UNIQUE);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 7 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = stats_of(f, "c");
	assert_int_equal(st.rss_bytes, 8 * MIB);
	assert_int_equal(st.accounting, RCAPFS_ACCT_PSS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_scanner__collections),
		T(test_scanner__names),
		T(test_scanner__collections_max),
		T(test_scanner__cap_rounding),
		T(test_scanner__sample_figures),
		T(test_scanner__unenforced),
		T(test_scanner__walk_interval),
		T(test_scanner__resample_drops_gone),
		T(test_scanner__set_members_walks),
		T(test_scanner__cgroup_walk),
		T(test_scanner__procs_sorted),
		T(test_scanner__remove_keeps_others),
		T(test_scanner__ctl),
		T(test_scanner__status),
		T(test_scanner__thread),
		T(test_scanner__fork_events),
		T(test_scanner__no_fork_events),
		T(test_scanner__enforce),
		T(test_scanner__enforce_off),
		T(test_scanner__enforce_unsupported),
		T(test_scanner__cold_mode),
		T(test_scanner__cap_lifted),
		T(test_scanner__cgroup_move),
		T(test_scanner__enforce_independent),
		T(test_scanner__remove_while_enforcing),
		T(test_scanner__accounting),
		T(test_scanner__accounting_fallback),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
