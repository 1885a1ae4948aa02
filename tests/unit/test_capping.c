/*
 * The scanner capping collections, over the fake backend: enforcement
 * through each collection's enforcer (pageout and cold mode, caps lifted
 * meanwhile, one collection's slow scan against another's), and the
 * accounting modes that decide what counts against a cap.
 */
#include "config.h"
#include "scanner/scanner.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compat/clock.h"
#include "scanner/enforcer.h"
#include "tests/unit/fake_backend.h"
#include "tests/unit/scanner_fixture.h"

#define MIB  (1024ULL * 1024)
#define BASE SCANNER_FIXTURE_BASE

/*
 * A pageout hook that holds pid's pageouts until the gate is opened.
 * Static: a failed test must not leave a thread on a dead frame, and the
 * teardown opens it, so the scanner can be freed whatever the test did.
 */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pid_t pid;
	bool inside;
	bool open;
};

static struct gate the_gate = {.lock = PTHREAD_MUTEX_INITIALIZER,
			       .cond = PTHREAD_COND_INITIALIZER};

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

	pthread_mutex_lock(&g->lock);
	if (pid != g->pid) {
		pthread_mutex_unlock(&g->lock);
		return;
	}
	g->inside = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
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

/* Wait until a pageout sits in the gate. */
static bool gate_wait_inside(struct gate *g)
{
	uint64_t deadline = scanner_fixture_deadline();

	while (!gate_inside(g))
		if (!scanner_fixture_wait_more(deadline))
			return false;
	return true;
}

/* The fixture's teardown, after the gate is opened: the scanner can be
 * freed whatever the test did. */
static int teardown(void **state)
{
	gate_open(&the_gate);
	return scanner_fixture_teardown(state);
}

static void capped(struct scanner_fixture *f, const char *name, pid_t pid,
		   uint64_t cap)
{
	char rule[32];

	snprintf(rule, sizeof(rule), "pid %d\n", (int)pid);
	assert_int_equal(rcapfs_scanner_create(f->sc, name), 0);
	scanner_fixture_set_members(f->sc, name, rule);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, name, cap), 0);
}

static void test_capping__enforce(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pid = 10;
	struct rcapfs_stats st;

	scanner_fixture_use_features(f, &fake_backend_page_features);
	scanner_fixture_victims(f->be, &pid, 1, 16);
	capped(f, "c", pid, 4 * MIB);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").fidelity,
			 RCAPFS_FIDELITY_PAGE);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	/* The first pass only starts tracking the victim; the second,
	 * which needs no new sample, pages out the excess. */
	assert_true(scanner_fixture_wait_stat(f->sc, "c", FIGURE_PG_BYTES,
					      12 * MIB));
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
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

static void test_capping__enforce_off(void **state)
{
	struct scanner_fixture *f = *state;
	struct fake_backend_counts counts;
	const pid_t pid = 10;

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_victims(f->be, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	scanner_fixture_set_enforce(f->sc, false, 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.pageouts, 0);
	assert_int_equal(counts.task_opens, 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").unenforced, 2);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").scans, 0);
}

/* A backend that cannot page out: a collection over its cap is not
 * enforced, which its unenforced counts, and ctl/status says so. */
static void test_capping__enforce_unsupported(void **state)
{
	struct scanner_fixture *f = *state;
	struct fake_backend_counts counts;
	struct rcapfs_status st;
	const pid_t pid = 10;

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	fake_backend_set_can(f->be, RCAPFS_CAN_PAGE_PRESENT |
					    RCAPFS_CAN_MAPPING_REFERENCED);
	scanner_fixture_victims(f->be, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.pageouts, 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").unenforced, 2);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").scans, 0);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_false(st.enforcement);
}

static void test_capping__cold_mode(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pid = 10;
	struct rcapfs_ctl ctl;
	struct rcapfs_stats st;

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_victims(f->be, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.mode = RCAPFS_MODE_COLD;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	/* The second pass (the first only starts tracking) advises. */
	assert_true(scanner_fixture_wait_stat(f->sc, "c", FIGURE_SCANS, 2));
	st = scanner_fixture_stats(f->sc, "c");
	/* Deactivated, not freed. */
	assert_int_equal(st.at_bytes, 8 * MIB);
	assert_int_equal(st.pg_bytes, 0);
	assert_int_equal(
		fake_backend_present_kb(f->be, pid, BASE, BASE + 8 * MIB),
		8 * 1024);
	assert_int_equal(
		fake_backend_pageouts(f->be, pid, BASE, BASE + 8 * MIB), 0);
}

/* Longer than the enforcer's window: a scan that follows another would
 * have started by then, unless the host is very slow (then a check after
 * it passes when it should not, but never fails when it should not). */
static void past_window(void)
{
	uint64_t ns = 2 * RCAPFS_ENFORCE_WINDOW_MS * 1000000ULL;

	nanosleep(&(struct timespec){.tv_sec = (time_t)(ns / RCAPFS_NS_PER_S),
				     .tv_nsec = (long)(ns % RCAPFS_NS_PER_S)},
		  NULL);
}

/* A cap lifted while the enforcer waits to go on after its first pass
 * (which only starts tracking): it does not go on. */
static void test_capping__cap_lifted(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pid = 10;

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_victims(f->be, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(scanner_fixture_wait_stat(f->sc, "c", FIGURE_SCANS, 1));
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 0), 0);
	past_window();
	assert_int_equal(scanner_fixture_stats(f->sc, "c").scans, 1);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").at_bytes, 0);
	assert_int_equal(
		fake_backend_present_kb(f->be, pid, BASE, BASE + 8 * MIB),
		8 * 1024);
}

/* The same, the cap lifted while that first pass is under way (here at
 * fidelity none, where it probes: held in its pageout call): the pass
 * ends, and nothing follows it. */
static void test_capping__cap_lifted_mid_scan(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pid = 10;
	struct gate *g = gate_shut(pid);

	scanner_fixture_victims(f->be, &pid, 1, 8);
	capped(f, "c", pid, 2 * MIB);
	fake_backend_set_pageout_hook(f->be, gate_hook, g);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(gate_wait_inside(g));
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 0), 0);
	gate_open(g);
	assert_true(scanner_fixture_wait_stat(f->sc, "c", FIGURE_SCANS, 1));
	past_window();
	assert_int_equal(scanner_fixture_stats(f->sc, "c").scans, 1);
	/* One probe page in each of the four chunks, and no more. */
	assert_int_equal(scanner_fixture_stats(f->sc, "c").at_bytes, 4 * 4096);
	assert_int_equal(
		fake_backend_present_kb(f->be, pid, BASE, BASE + 8 * MIB),
		8 * 1024 - 4 * 4);
	fake_backend_set_pageout_hook(f->be, NULL, NULL);
}

/* A sample hook that lifts the cap of collection "c" while the sample
 * re-reads its members, as a writer of its cap file would meanwhile. */
static void lift_cap(struct rcapfs_backend *be, pid_t pid, void *arg)
{
	struct rcapfs_scanner *sc = arg;

	assert_int_equal(rcapfs_scanner_set_cap(sc, "c", 0), 0);
}

/* A cap lifted while a sample measures, after it read the cap: the
 * sample does not enforce the cap it read. */
static void test_capping__cap_lifted_mid_sample(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pid = 10;

	scanner_fixture_victims(f->be, &pid, 1, 8);
	capped(f, "c", pid, 0);
	scanner_fixture_set_scan_interval(f->sc, 86400);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 2 * MIB), 0);
	fake_backend_set_sample_hook(f->be, lift_cap, f->sc);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	fake_backend_set_sample_hook(f->be, NULL, NULL);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").excess_bytes, 0);
	past_window();
	assert_int_equal(scanner_fixture_stats(f->sc, "c").scans, 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "c").at_bytes, 0);
}

/*
 * A process that moves to another cgroup leaves a collection of the old
 * one at the next walk, and is not paged out when the collection is over
 * its cap afterwards; the process that stayed is.
 */
static void test_capping__cgroup_move(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pids[] = {10, 11};
	struct rcapfs_proc procs[2];

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_victims(f->be, pids, 2, 8);
	for (size_t i = 0; i < 2; i++) {
		procs[i] = scanner_fixture_proc(pids[i], 1000, 0, 8 * 1024);
		procs[i].cgroup = (char *)"/app.slice/job";
	}
	fake_backend_set_procs(f->be, procs, 2);
	assert_int_equal(rcapfs_scanner_create(f->sc, "app"), 0);
	scanner_fixture_set_members(f->sc, "app", "cgroup /app.slice");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "app").nproc, 2);
	assert_int_equal(scanner_fixture_stats(f->sc, "app").rss_bytes,
			 16 * MIB);

	procs[1].cgroup = (char *)"/other.slice";
	fake_backend_set_procs(f->be, procs, 2);
	scanner_fixture_set_scan_interval(f->sc, 1);
	nanosleep(&(struct timespec){1, 100 * 1000 * 1000}, NULL);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "app").nproc, 1);
	assert_int_equal(scanner_fixture_stats(f->sc, "app").rss_bytes,
			 8 * MIB);

	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "app", 2 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_true(scanner_fixture_wait_stat(f->sc, "app", FIGURE_PG_BYTES,
					      6 * MIB));
	assert_true(fake_backend_pageouts(f->be, 10, BASE, BASE + 8 * MIB) > 0);
	assert_int_equal(fake_backend_pageouts(f->be, 11, BASE, BASE + 8 * MIB),
			 0);
	assert_int_equal(
		fake_backend_present_kb(f->be, 11, BASE, BASE + 8 * MIB),
		8 * 1024);
}

/* A scan of one collection stuck in pageout does not delay another. */
static void test_capping__enforce_independent(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pids[2] = {10, 20};
	struct gate *g = gate_shut(10);

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_victims(f->be, pids, 2, 8);
	capped(f, "slow", 10, 2 * MIB);
	capped(f, "fast", 20, 2 * MIB);
	fake_backend_set_pageout_hook(f->be, gate_hook, g);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	/* Both start tracking; then slow sits in its first pageout call
	 * while fast pages out. */
	assert_true(gate_wait_inside(g));
	assert_true(scanner_fixture_wait_stat(f->sc, "fast", FIGURE_PG_BYTES,
					      6 * MIB));
	assert_true(gate_inside(g));
	assert_int_equal(scanner_fixture_stats(f->sc, "slow").pg_bytes, 0);
	/* Samples go on meanwhile, and do not wait for it either. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(scanner_fixture_stats(f->sc, "slow").samples, 2);
	gate_open(g);
	assert_true(scanner_fixture_wait_stat(f->sc, "slow", FIGURE_PG_BYTES,
					      6 * MIB));
	fake_backend_set_pageout_hook(f->be, NULL, NULL);
}

/* Removing a collection whose scan is under way waits for nothing more
 * than the pageout call in progress, and frees everything. */
static void test_capping__remove_while_enforcing(void **state)
{
	struct scanner_fixture *f = *state;
	const pid_t pid = 10;
	struct gate *g = gate_shut(10);

	scanner_fixture_use_features(f, &fake_backend_mapping_features);
	scanner_fixture_victims(f->be, &pid, 1, 8);
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
static void shared_file(struct scanner_fixture *f)
{
	struct rcapfs_proc procs[2] = {scanner_fixture_proc(10, 1000, 0, 0),
				       scanner_fixture_proc(11, 1000, 0, 0)};
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

static void set_accounting(struct scanner_fixture *f, enum rcapfs_accounting a)
{
	struct rcapfs_ctl ctl;

	rcapfs_scanner_get_ctl(f->sc, &ctl);
	ctl.accounting = a;
	ctl.enforce = false;
	assert_int_equal(rcapfs_scanner_set_ctl(f->sc, &ctl), 0);
}

/* Collection "c" of the processes of shared_file(), on a host with
 * features *ft, accounted as a says, enforcement off. */
static void shared_collection(struct scanner_fixture *f,
			      const struct rcapfs_features *ft,
			      enum rcapfs_accounting a)
{
	scanner_fixture_use_features(f, ft);
	shared_file(f);
	assert_int_equal(rcapfs_scanner_create(f->sc, "c"), 0);
	scanner_fixture_set_members(f->sc, "c", "uid 1000");
	set_accounting(f, a);
}

static void test_capping__accounting(void **state)
{
	struct scanner_fixture *f = *state;
	struct fake_backend_counts counts;
	struct rcapfs_stats st;

	/* Under the cap by the sum of RSS (12 MiB): nothing costly. */
	shared_collection(f, &fake_backend_page_features, RCAPFS_ACCT_UNIQUE);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 12 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.rss_bytes, 12 * MIB);
	assert_int_equal(st.accounting, RCAPFS_ACCT_RSS);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.pfns + counts.pss, 0);

	/* Over it: each shared page once. */
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 7 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.rss_bytes, 8 * MIB);
	assert_int_equal(st.accounting, RCAPFS_ACCT_UNIQUE);
	assert_int_equal(st.excess_bytes, 1 * MIB);
	assert_int_equal(st.unenforced, 1);

	/* Shared pages count half to each. */
	set_accounting(f, RCAPFS_ACCT_PSS);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.rss_bytes, 8 * MIB);
	assert_int_equal(st.accounting, RCAPFS_ACCT_PSS);

	/* Under the cap once accounted: not over, not unenforced. */
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 9 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.excess_bytes, 0);
	assert_int_equal(st.unenforced, 2);
}

static void test_capping__accounting_fallback(void **state)
{
	struct scanner_fixture *f = *state;
	struct rcapfs_features hidden = fake_backend_page_features;
	struct rcapfs_stats st;

	/* PFNs hidden: unique falls back to pss, and says so once. */
	hidden.pfn_visible = false;
	shared_collection(f, &hidden, RCAPFS_ACCT_UNIQUE);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "c", 7 * MIB), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	st = scanner_fixture_stats(f->sc, "c");
	assert_int_equal(st.rss_bytes, 8 * MIB);
	assert_int_equal(st.accounting, RCAPFS_ACCT_PSS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, scanner_fixture_setup, teardown)
		T(test_capping__enforce),
		T(test_capping__enforce_off),
		T(test_capping__enforce_unsupported),
		T(test_capping__cold_mode),
		T(test_capping__cap_lifted),
		T(test_capping__cap_lifted_mid_scan),
		T(test_capping__cap_lifted_mid_sample),
		T(test_capping__cgroup_move),
		T(test_capping__enforce_independent),
		T(test_capping__remove_while_enforcing),
		T(test_capping__accounting),
		T(test_capping__accounting_fallback),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
