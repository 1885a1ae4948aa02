#include "config.h"
#include "scanner/enforcer.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "compat/clock.h"
#include "tests/unit/fake_backend.h"

#define MS	     1000000ULL
#define MIB	     (1024ULL * 1024)
#define WINDOW_NS    (RCAPFS_ENFORCE_WINDOW_MS * MS)
#define BACKOFF_MAX  (RCAPFS_ENFORCE_BACKOFF_MAX_MS * MS)
#define LAST_SCAN_NS 1000000000000ULL /* any start time will do */

/* A complete scan that freed nothing and left excess_bytes. */
static struct rcapfs_scan_result stuck(uint64_t excess_bytes)
{
	return (struct rcapfs_scan_result){
		.complete = true,
		.ineffective = true,
		.excess_bytes = excess_bytes,
	};
}

static struct rcapfs_enforce_request request(uint64_t excess_bytes, bool swap)
{
	return (struct rcapfs_enforce_request){
		.excess_bytes = excess_bytes,
		.advice = RCAPFS_ADVICE_PAGEOUT,
		.swap = swap,
	};
}

/* How long after LAST_SCAN_NS the next scan may start. */
static uint64_t delay_ns(const struct rcapfs_enforce_backoff *b)
{
	return rcapfs_enforcer_due_ns(b, LAST_SCAN_NS) - LAST_SCAN_NS;
}

/* Every complete scan that frees nothing doubles the delay, from twice
 * the window, and the delay stops at the cap. */
static void test_enforcer__backoff_doubles_to_cap(void **state)
{
	static const uint64_t want_ms[] = {1000,  2000,	 4000,	8000,
					   16000, 32000, 60000, 60000};
	struct rcapfs_enforce_backoff b = {.wait_ns = 0};
	struct rcapfs_scan_result r = stuck(10 * MIB);

	(void)state;
	assert_int_equal(delay_ns(&b), WINDOW_NS);
	for (size_t i = 0; i < sizeof(want_ms) / sizeof(want_ms[0]); i++) {
		rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		assert_int_equal(delay_ns(&b), want_ms[i] * MS);
		assert_int_equal(b.stuck_excess_bytes, 10 * MIB);
	}
	assert_int_equal(delay_ns(&b), BACKOFF_MAX);
}

/* Only a complete scan that is done learning, succeeded and left an
 * excess starts or grows a backoff; the others leave it as it is. */
static void test_enforcer__backoff_needs_a_useless_scan(void **state)
{
	struct rcapfs_scan_result r;
	struct rcapfs_enforce_backoff b = {.wait_ns = 0};
	uint64_t before;

	(void)state;
	for (int round = 0; round < 2; round++) {
		before = b.wait_ns;
		r = stuck(10 * MIB);
		r.complete = false;
		r.ineffective = false;
		rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		assert_int_equal(b.wait_ns, before);
		r = stuck(10 * MIB);
		r.pending = true;
		rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		assert_int_equal(b.wait_ns, before);
		r = stuck(0);
		rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		assert_int_equal(b.wait_ns, before);
		r = stuck(10 * MIB);
		rcapfs_enforcer_backoff_scanned(&b, -ECANCELED, &r);
		assert_int_equal(b.wait_ns, before);
		/* The second round runs inside the backoff this starts. */
		rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		assert_int_equal(b.wait_ns, (round + 1) * 2 * WINDOW_NS);
	}
}

/* A request for no more than the excess that stuck keeps the backoff; a
 * larger one ends it at once. */
static void test_enforcer__larger_excess_ends_backoff(void **state)
{
	struct rcapfs_scan_result r = stuck(10 * MIB);
	struct rcapfs_enforce_backoff b = {.wait_ns = 0};
	struct rcapfs_enforce_request req;

	(void)state;
	rcapfs_enforcer_backoff_scanned(&b, 0, &r);
	rcapfs_enforcer_backoff_scanned(&b, 0, &r);
	req = request(10 * MIB, false);
	rcapfs_enforcer_backoff_requested(&b, &req);
	assert_int_equal(delay_ns(&b), 4 * WINDOW_NS);
	req = request(1 * MIB, false);
	rcapfs_enforcer_backoff_requested(&b, &req);
	assert_int_equal(delay_ns(&b), 4 * WINDOW_NS);
	req = request(10 * MIB + 1, false);
	rcapfs_enforcer_backoff_requested(&b, &req);
	assert_int_equal(b.wait_ns, 0);
	assert_int_equal(delay_ns(&b), WINDOW_NS);
	/* A new useless scan starts over from the first step. */
	rcapfs_enforcer_backoff_scanned(&b, 0, &r);
	assert_int_equal(delay_ns(&b), 2 * WINDOW_NS);
}

/* Swap turned on, or off, ends the backoff whatever the excess. */
static void test_enforcer__swap_change_ends_backoff(void **state)
{
	struct rcapfs_scan_result r = stuck(10 * MIB);
	struct rcapfs_enforce_request req;

	(void)state;
	for (int was = 0; was < 2; was++) {
		struct rcapfs_enforce_backoff b = {.swap = was};

		rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		req = request(10 * MIB, was);
		rcapfs_enforcer_backoff_requested(&b, &req);
		assert_int_equal(delay_ns(&b), 2 * WINDOW_NS);
		req = request(10 * MIB, !was);
		rcapfs_enforcer_backoff_requested(&b, &req);
		assert_int_equal(delay_ns(&b), WINDOW_NS);
		/* The next request is compared with that one. */
		rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		rcapfs_enforcer_backoff_requested(&b, &req);
		assert_int_equal(delay_ns(&b), 2 * WINDOW_NS);
	}
}

/* A scan that freed something, complete or not, ends the backoff, and
 * the next useless one starts over from the first step. */
static void test_enforcer__effective_scan_ends_backoff(void **state)
{
	struct rcapfs_scan_result r = stuck(10 * MIB), freed;
	struct rcapfs_enforce_backoff b = {.wait_ns = 0};

	(void)state;
	for (int complete = 0; complete < 2; complete++) {
		for (int i = 0; i < 5; i++)
			rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		assert_int_equal(delay_ns(&b), 32 * WINDOW_NS);
		freed = stuck(9 * MIB);
		freed.complete = complete;
		freed.ineffective = complete;
		freed.pg_bytes = 1 * MIB;
		rcapfs_enforcer_backoff_scanned(&b, 0, &freed);
		assert_int_equal(delay_ns(&b), WINDOW_NS);
		rcapfs_enforcer_backoff_scanned(&b, 0, &r);
		assert_int_equal(delay_ns(&b), 2 * WINDOW_NS);
		b.wait_ns = 0;
	}
}

static void wait_scans(struct rcapfs_enforcer *e, uint64_t scans)
{
	const struct timespec tick = {0, 10 * MS};
	uint64_t give_up = rcapfs_mono_ns() + 30 * RCAPFS_NS_PER_S;
	struct rcapfs_stats st;

	for (;;) {
		memset(&st, 0, sizeof(st));
		rcapfs_enforcer_stats(e, &st);
		if (st.scans >= scans)
			break;
		if (rcapfs_mono_ns() > give_up)
			fail_msg("%llu scans, not %llu",
				 (unsigned long long)st.scans,
				 (unsigned long long)scans);
		nanosleep(&tick, NULL);
	}
	assert_int_equal(st.scans, scans);
}

/*
 * The enforcer's thread keeps to the backoff. A victim of anonymous
 * memory and no swap: its first scan learns, the one that follows after
 * the window frees nothing, and so the next, asked for at once, waits for
 * the backoff of twice the window. Only a lower bound is checked, which
 * no slowness of the host can break.
 */
static void test_enforcer__thread_waits_out_backoff(void **state)
{
	const uint64_t base = 0x40000000ULL, bytes = 1 * MIB;
	struct rcapfs_scan_victim victim = {.pid = 100, .start_ticks = 1000};
	struct rcapfs_enforce_request req = request(bytes / 2, false);
	struct rcapfs_backend *be = fake_backend_new();
	struct rcapfs_enforcer *e = NULL;
	struct rcapfs_tracker *tr = NULL;
	struct rcapfs_proc proc;
	struct rcapfs_mapping m;
	struct rcapfs_stats st;
	uint64_t t0_ns;

	(void)state;
	fake_backend_set_features(be, &fake_backend_mapping_features);
	memset(&proc, 0, sizeof(proc));
	proc.pid = victim.pid;
	proc.start_ticks = victim.start_ticks;
	strcpy(proc.comm, "victim");
	fake_backend_set_procs(be, &proc, 1);
	memset(&m, 0, sizeof(m));
	m.start = base;
	m.end = base + bytes;
	m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON;
	m.shmid = -1;
	m.name = "";
	fake_backend_add_mapping(be, victim.pid, &m);
	fake_backend_touch(be, victim.pid, base, base + bytes, true);
	req.victims = &victim;
	req.nvictims = 1;
	assert_int_equal(rcapfs_tracker_new(be, &tr), 0);
	assert_int_equal(rcapfs_enforcer_new(tr, be, "test", &e), 0);

	t0_ns = rcapfs_mono_ns();
	assert_int_equal(rcapfs_enforcer_request(e, &req), 0);
	wait_scans(e, 2);
	memset(&st, 0, sizeof(st));
	rcapfs_enforcer_stats(e, &st);
	assert_int_equal(st.pg_bytes, 0);
	assert_int_equal(rcapfs_enforcer_request(e, &req), 0);
	wait_scans(e, 3);
	assert_true(rcapfs_mono_ns() - t0_ns >= WINDOW_NS + 2 * WINDOW_NS);

	rcapfs_enforcer_free(e);
	rcapfs_tracker_free(tr);
	rcapfs_backend_free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enforcer__backoff_doubles_to_cap),
		cmocka_unit_test(test_enforcer__backoff_needs_a_useless_scan),
		cmocka_unit_test(test_enforcer__larger_excess_ends_backoff),
		cmocka_unit_test(test_enforcer__swap_change_ends_backoff),
		cmocka_unit_test(test_enforcer__effective_scan_ends_backoff),
		cmocka_unit_test(test_enforcer__thread_waits_out_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
