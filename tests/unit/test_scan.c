#include "config.h"
#include "scanner/scan.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fake_backend.h"
#include "tests/unit/scan_fixture.h"

#define PS    4096ULL
#define KIB   1024ULL
#define MIB   (1024ULL * 1024)
#define CHUNK RCAPFS_SCAN_CHUNK_BYTES
#define BASE  0x40000000ULL /* chunk aligned */

/* A scan of the first n victims of the fixture only. */
static struct rcapfs_scan_result scan_some(struct scan_fixture *f, size_t n,
					   uint64_t excess)
{
	struct rcapfs_scan_params p = {.name = "test",
				       .excess_bytes = excess,
				       .advice = f->advice,
				       .swap = f->swap};
	struct rcapfs_scan_result r;

	assert_int_equal(rcapfs_scan_run(f->scan, f->victims, n, &p, &r), 0);
	return r;
}

static struct rcapfs_scan_result scan(struct scan_fixture *f, uint64_t excess)
{
	return scan_some(f, f->n, excess);
}

static uint64_t present_kb(struct scan_fixture *f, pid_t pid, uint64_t start,
			   uint64_t bytes)
{
	return fake_backend_present_kb(f->be, pid, start, start + bytes);
}

/* Fidelity mapping, an idle victim: its first pass only starts tracking
 * it; the second pages out what is needed, in address order, without a
 * probe, and stops there. */
static void test_scan__idle_victim(void **state)
{
	struct scan_fixture *f =
		scan_fixture_new(&fake_backend_mapping_features);
	struct rcapfs_scan_result r;
	pid_t hand;
	uint64_t addr;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 16 * MIB, 0);
	r = scan(f, 4 * MIB);
	assert_true(r.pending);
	assert_true(r.complete);
	assert_true(r.ineffective);
	assert_int_equal(r.victims, 0);
	assert_int_equal(r.at_bytes, 0);
	assert_int_equal(r.excess_bytes, 4 * MIB);

	r = scan(f, 4 * MIB);
	assert_false(r.pending);
	assert_false(r.complete);
	assert_int_equal(r.victims, 1);
	assert_int_equal(r.excess_bytes, 0);
	assert_int_equal(r.at_bytes, 4 * MIB);
	assert_int_equal(r.pg_bytes, 4 * MIB);
	assert_int_equal(present_kb(f, 10, BASE, 4 * MIB), 0);
	assert_int_equal(present_kb(f, 10, BASE + 4 * MIB, 12 * MIB),
			 12 * 1024);
	rcapfs_scan_hand(f->scan, false, &hand, &addr);
	assert_int_equal(hand, 10);
	assert_int_equal(addr, BASE + 4 * MIB);
	scan_fixture_free(f);
}

/* A mapping that holds no page is passed over; once it holds pages, it is
 * scanned like any other. */
static void test_scan__mapping_without_pages(void **state)
{
	struct scan_fixture *f =
		scan_fixture_new(&fake_backend_mapping_features);
	struct rcapfs_mapping m;
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 8 * MIB, 0);
	memset(&m, 0, sizeof(m));
	m.start = BASE + 64 * MIB;
	m.end = m.start + 8 * MIB;
	m.flags = RCAPFS_MAP_READ;
	m.inode = 4242;
	m.shmid = -1;
	m.name = "/data/later";
	fake_backend_add_mapping(f->be, 10, &m);
	assert_true(scan(f, 4 * MIB).pending);
	r = scan(f, 4 * MIB);
	assert_int_equal(r.pg_bytes, 4 * MIB);
	assert_int_equal(present_kb(f, 10, BASE, 4 * MIB), 0);

	fake_backend_touch(f->be, 10, m.start, m.end, false);
	fake_backend_set_page_flags(f->be, 10, m.start, m.end, 0,
				    RCAPFS_PAGE_REFERENCED);
	r = scan(f, 12 * MIB);
	assert_int_equal(r.pg_bytes, 12 * MIB);
	assert_int_equal(r.excess_bytes, 0);
	assert_int_equal(present_kb(f, 10, BASE, 8 * MIB), 0);
	assert_int_equal(present_kb(f, 10, m.start, 8 * MIB), 0);
	scan_fixture_free(f);
}

/* A partial scan leaves the hand where it stopped; the next one goes on
 * from there, then to the next victim, then completes. */
static void test_scan__resume(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	struct rcapfs_scan_result r;
	pid_t hand;
	uint64_t addr;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_proc(f, 20);
	scan_fixture_add_map(f, 10, BASE, 8 * MIB, 0);
	scan_fixture_add_map(f, 20, BASE, 8 * MIB, 0);
	r = scan(f, 1 * MIB); /* primes both */
	assert_true(r.pending);
	assert_int_equal(r.at_bytes, 0);

	r = scan(f, 3 * MIB);
	assert_false(r.complete);
	rcapfs_scan_hand(f->scan, false, &hand, &addr);
	assert_int_equal(hand, 10);
	assert_int_equal(addr, BASE + 4 * MIB);
	assert_int_equal(present_kb(f, 10, BASE, 4 * MIB), 0);
	assert_int_equal(present_kb(f, 10, BASE + 4 * MIB, 4 * MIB), 4096);

	/* The pages before the hand came back: the scan does not go back
	 * for them, it resumes. */
	fake_backend_touch(f->be, 10, BASE, BASE + 4 * MIB, false);
	fake_backend_set_page_flags(f->be, 10, BASE, BASE + 4 * MIB, 0,
				    RCAPFS_PAGE_REFERENCED);
	r = scan(f, 6 * MIB);
	assert_false(r.complete);
	assert_int_equal(present_kb(f, 10, BASE, 4 * MIB), 4096);
	assert_int_equal(present_kb(f, 10, BASE + 4 * MIB, 4 * MIB), 0);
	assert_int_equal(present_kb(f, 20, BASE, 2 * MIB), 0);
	rcapfs_scan_hand(f->scan, false, &hand, &addr);
	assert_int_equal(hand, 20);
	assert_int_equal(addr, BASE + 2 * MIB);

	/* More than is left: the end of the list is reached; the scan was
	 * resumed, so it is complete but not ineffective. */
	r = scan(f, 100 * MIB);
	assert_true(r.complete);
	assert_false(r.ineffective);
	assert_int_equal(r.pg_bytes, 6 * MIB);
	rcapfs_scan_hand(f->scan, false, &hand, &addr);
	assert_int_equal(hand, 0);

	/* From the head, still over: ineffective. The pages of 10 before
	 * the old hand go now. */
	r = scan(f, 100 * MIB);
	assert_true(r.complete);
	assert_true(r.ineffective);
	assert_int_equal(r.pg_bytes, 4 * MIB);
	assert_int_equal(r.excess_bytes, 96 * MIB);
	scan_fixture_free(f);
}

/* Fidelity page: referenced pages get a second chance, and a hot set
 * touched between passes is never paged out while cold memory covers the
 * excess. */
static void test_scan__second_chance(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	const uint64_t hot = BASE + 3 * MIB + 5 * PS, hot_len = MIB + 3 * PS;
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 64 * MIB, 0);
	r = scan(f, 7 * MIB);
	assert_int_equal(r.at_bytes, 0);
	for (int pass = 0; pass < 4; pass++) {
		fake_backend_touch(f->be, 10, hot, hot + hot_len, false);
		r = scan(f, 7 * MIB);
		assert_int_equal(r.excess_bytes, 0);
		assert_int_equal(r.hot_bytes, 0);
		assert_int_equal(
			fake_backend_pageouts(f->be, 10, hot, hot + hot_len),
			0);
	}
	assert_int_equal(present_kb(f, 10, BASE, 8 * MIB), hot_len / KIB);

	/* Left alone since its last second chance: it goes with the rest,
	 * as cold memory. */
	r = scan(f, 100 * MIB);
	assert_true(r.complete);
	r = scan(f, 100 * MIB);
	assert_int_equal(r.pg_bytes, hot_len);
	assert_int_equal(r.hot_bytes, 0);
	assert_int_equal(present_kb(f, 10, BASE, 64 * MIB), 0);
	scan_fixture_free(f);
}

/* Touch the hot region after every pageout, as a process that keeps using
 * it refaults it. */
struct hot {
	pid_t pid;
	uint64_t start;
	uint64_t len;
};

static void refault_hot(struct rcapfs_backend *be, pid_t pid,
			enum rcapfs_advice advice, void *arg)
{
	const struct hot *h = arg;

	if (pid == h->pid)
		fake_backend_touch(be, pid, h->start, h->start + h->len, false);
}

/*
 * Fidelity mapping or none: one big mapping with a hot region in the
 * middle that the process keeps touching, from the middle of chunk 6 to
 * just past the middle of chunk 9. Chunks are probed first; the cold ones
 * are paged out; chunks whose probe came back lose only a probe page per
 * pass. Chunk 6, hot in part but not at its probe, goes out whole once.
 */
static void hot_middle(const struct rcapfs_features *feat, int want_passes)
{
	struct scan_fixture *f = scan_fixture_new(feat);
	struct hot h = {10, BASE + 13 * MIB + 7 * PS, 6 * MIB};
	const uint64_t size = 32 * MIB, excess = 20 * MIB;
	struct rcapfs_scan_result r;
	uint64_t left = excess, pageouts, hot_present;
	int passes = 0;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, size, 0);
	fake_backend_set_pageout_hook(f->be, refault_hot, &h);
	while (left && passes < 6) {
		r = scan(f, left);
		left = r.excess_bytes;
		passes++;
		fake_backend_touch(f->be, 10, h.start, h.start + h.len, false);
	}
	assert_int_equal(left, 0);
	assert_int_equal(passes, want_passes);
	/* Chunks 7 and 8, hot throughout: one probe page each at each of
	 * the two passes that probed. */
	assert_int_equal(fake_backend_pageouts(f->be, 10, BASE + 14 * MIB,
					       BASE + 18 * MIB),
			 2 * 2);
	/* Chunk 9 the same in its hot part. */
	assert_int_equal(fake_backend_pageouts(f->be, 10, BASE + 18 * MIB,
					       h.start + h.len),
			 2);
	/* Chunk 6, hot but not at its probe, went out whole once: each page
	 * of its hot part once. */
	for (uint64_t a = h.start; a < BASE + 14 * MIB; a += PS)
		assert_int_equal(fake_backend_pageouts(f->be, 10, a, a + PS),
				 1);
	pageouts = fake_backend_pageouts(f->be, 10, h.start, h.start + h.len);
	/* The rest of the pass, from the hand: the cold tail goes. */
	r = scan(f, 64 * MIB);
	assert_true(r.complete);
	assert_false(r.ineffective);
	assert_int_equal(r.hot_bytes, 0);
	/*
	 * Learnt: chunk 6 came back, so it is referenced from then on. From
	 * the head with nothing cold left, the four hot chunks are probed,
	 * then rcapd's rule pages out what is left of them (chunk 9's cold
	 * tail with its hot part); the process takes it all back at once,
	 * so the scan ends still over.
	 */
	hot_present = present_kb(f, 10, BASE + 12 * MIB, 8 * MIB) * KIB;
	assert_int_equal(hot_present, BASE + 20 * MIB - h.start);
	r = scan(f, 64 * MIB);
	assert_true(r.ineffective);
	assert_int_equal(r.at_bytes, hot_present);
	assert_int_equal(r.hot_bytes, hot_present - 4 * PS);
	/* Each hot page once: the probes in the pass, the rest by the rule. */
	assert_int_equal(
		fake_backend_pageouts(f->be, 10, h.start, h.start + h.len),
		pageouts + h.len / PS);
	scan_fixture_free(f);
}

/* At fidelity mapping the first pass only starts tracking: one more. */
static void test_scan__hot_middle_mapping(void **state)
{
	hot_middle(&fake_backend_mapping_features, 3);
}

static void test_scan__hot_middle_none(void **state)
{
	hot_middle(&fake_backend_none_features, 2);
}

/* A chunk paged out whole that comes back is referenced from then on:
 * skipped, probed, and paged out only once it stays cold. */
static void test_scan__refault_learning(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_none_features);
	struct rcapfs_scan_result r;
	const uint64_t c1 = BASE + CHUNK;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 4 * CHUNK, 0);
	r = scan(f, 64 * MIB); /* probes */
	assert_int_equal(r.at_bytes, 4 * PS);
	r = scan(f, 64 * MIB); /* all cold: out */
	assert_int_equal(present_kb(f, 10, BASE, 4 * CHUNK), 0);

	/* The process touches a few pages of chunk 1 (not its probe). A
	 * page over: the probe covers it. */
	fake_backend_touch(f->be, 10, c1, c1 + 3 * PS, false);
	r = scan(f, PS);
	assert_int_equal(r.at_bytes, PS);
	assert_int_equal(present_kb(f, 10, c1, CHUNK), 2 * 4);
	/* The probe: the touched page nearest the middle. */
	assert_int_equal(fake_backend_page_flags(f->be, 10, c1 + 2 * PS) &
				 RCAPFS_PAGE_PRESENT,
			 0);
	/* Untouched since: it goes, at the next pass over it, from the
	 * head. */
	r = scan(f, 64 * MIB);
	assert_true(r.complete);
	assert_int_equal(r.at_bytes, 0);
	r = scan(f, 64 * MIB);
	assert_int_equal(r.pg_bytes, 2 * PS);
	assert_int_equal(r.hot_bytes, 0);
	assert_int_equal(present_kb(f, 10, BASE, 4 * CHUNK), 0);
	scan_fixture_free(f);
}

/* A mapping whose pageout never makes RSS drop goes to the ignored set,
 * is skipped, and is tried again after RCAPFS_SCAN_FLUSH_IVAL complete
 * scans. */
static void test_scan__ignored_set(void **state)
{
	struct scan_fixture *f =
		scan_fixture_new(&fake_backend_mapping_features);
	struct hot h = {10, BASE, 4 * MIB};
	struct fake_backend_counts before, after;
	struct rcapfs_scan_result r;
	int i;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 4 * MIB, 0);
	scan_fixture_add_map(f, 10, BASE + 8 * MIB, 2 * MIB, 0);
	r = scan(f, 1 * MIB); /* probes */
	fake_backend_touch(f->be, 10, BASE, BASE + 4 * MIB, false);
	fake_backend_set_page_flags(f->be, 10, BASE, BASE + 4 * MIB, 0,
				    RCAPFS_PAGE_REFERENCED);
	fake_backend_touch(f->be, 10, BASE + 8 * MIB, BASE + 10 * MIB, false);
	fake_backend_set_page_flags(f->be, 10, BASE + 8 * MIB, BASE + 10 * MIB,
				    0, RCAPFS_PAGE_REFERENCED);
	/* Whatever leaves the first mapping comes straight back. */
	fake_backend_set_pageout_hook(f->be, refault_hot, &h);
	r = scan(f, 100 * MIB);
	assert_true(r.complete);
	assert_true(r.ineffective);
	assert_int_equal(r.pg_bytes, 2 * MIB);
	assert_int_equal(rcapfs_scan_ignored(f->scan), 1);

	/* Skipped from now on: no more pageout calls for it. */
	fake_backend_counts(f->be, &before);
	for (i = 3; i < RCAPFS_SCAN_FLUSH_IVAL; i++) {
		r = scan(f, 100 * MIB);
		assert_true(r.ineffective);
		assert_int_equal(r.at_bytes, 0);
	}
	fake_backend_counts(f->be, &after);
	assert_int_equal(after.pageouts, before.pageouts);
	assert_int_equal(rcapfs_scan_ignored(f->scan), 1);

	/* The tenth complete scan flushes it at its end; the next tries it
	 * again (and ignores it again). */
	r = scan(f, 100 * MIB);
	assert_int_equal(r.at_bytes, 0);
	assert_int_equal(rcapfs_scan_ignored(f->scan), 0);
	r = scan(f, 100 * MIB);
	assert_int_equal(r.at_bytes, 4 * MIB);
	assert_int_equal(r.pg_bytes, 0);
	assert_int_equal(rcapfs_scan_ignored(f->scan), 1);
	scan_fixture_free(f);
}

/* Pageout hooks: once the victim's first pageout call is done, it locks
 * (mlock) or unmaps the mapping at *arg, after the scan read its layout. */
static void lock_after_first(struct rcapfs_backend *be, pid_t pid,
			     enum rcapfs_advice advice, void *arg)
{
	uint64_t *start = arg;

	if (*start)
		fake_backend_set_map_flags(be, pid, *start,
					   RCAPFS_MAP_READ | RCAPFS_MAP_LOCKED);
	*start = 0;
}

static void unmap_after_first(struct rcapfs_backend *be, pid_t pid,
			      enum rcapfs_advice advice, void *arg)
{
	uint64_t *start = arg;

	if (*start)
		fake_backend_remove_mapping(be, pid, *start);
	*start = 0;
}

/* A victim with three mappings of 4 MiB, at BASE, 8 MiB and 16 MiB above,
 * read once (fidelity page: its first pass only starts tracking it). */
static struct scan_fixture *three_mappings(void)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);

	scan_fixture_add_proc(f, 10);
	for (uint64_t at = BASE; at <= BASE + 16 * MIB; at += 8 * MIB)
		scan_fixture_add_map(f, 10, at, 4 * MIB, 0);
	assert_true(scan(f, 1).pending);
	return f;
}

/*
 * A mapping whose pageout the kernel refuses although the read did not
 * say it was locked (it was locked since) goes to the ignored set, and the
 * scan goes on with the next; unlocked again, it stays ignored until the
 * set is flushed. In cold mode, where a mapping advised to no effect is
 * not ignored, only the refusal puts it there.
 */
static void refused_mapping(enum rcapfs_advice advice)
{
	struct scan_fixture *f = three_mappings();
	uint64_t lock_at = BASE + 8 * MIB;
	struct rcapfs_scan_result r;

	f->advice = advice;
	fake_backend_set_pageout_hook(f->be, lock_after_first, &lock_at);
	r = scan(f, 100 * MIB);
	assert_int_equal(lock_at, 0);
	assert_true(r.complete);
	assert_int_equal(r.at_bytes, 8 * MIB); /* the first and the last */
	assert_int_equal(present_kb(f, 10, BASE + 8 * MIB, 4 * MIB), 4096);
	assert_int_equal(rcapfs_scan_ignored(f->scan), 1);

	fake_backend_set_pageout_hook(f->be, NULL, NULL);
	fake_backend_set_map_flags(f->be, 10, BASE + 8 * MIB, RCAPFS_MAP_READ);
	r = scan(f, 100 * MIB);
	/* Paged out, the others are gone; deactivated, they are advised
	 * again. The ignored one is not. */
	assert_int_equal(r.at_bytes,
			 advice == RCAPFS_ADVICE_COLD ? 8 * MIB : 0);
	assert_int_equal(present_kb(f, 10, BASE + 8 * MIB, 4 * MIB), 4096);
	assert_int_equal(rcapfs_scan_ignored(f->scan), 1);
	scan_fixture_free(f);
}

static void test_scan__refused_mapping(void **state)
{
	refused_mapping(RCAPFS_ADVICE_PAGEOUT);
}

static void test_scan__refused_mapping_cold(void **state)
{
	refused_mapping(RCAPFS_ADVICE_COLD);
}

/* A mapping unmapped after the read (its pageout finds a hole) is passed
 * over as a layout that changed: no error, and the scan goes on with the
 * next. */
static void test_scan__unmapped_mid_scan(void **state)
{
	struct scan_fixture *f = three_mappings();
	uint64_t unmap_at = BASE + 8 * MIB;
	struct rcapfs_scan_result r;

	fake_backend_set_pageout_hook(f->be, unmap_after_first, &unmap_at);
	r = scan(f, 100 * MIB);
	assert_int_equal(unmap_at, 0);
	assert_true(r.complete);
	/* The unmapped pages left the victim's RSS too: pg says so. */
	assert_int_equal(r.pg_bytes, 12 * MIB);
	assert_int_equal(present_kb(f, 10, BASE, 4 * MIB), 0);
	assert_int_equal(present_kb(f, 10, BASE + 16 * MIB, 4 * MIB), 0);
	scan_fixture_free(f);
}

/* A victim that exits in the middle of a scan is dropped; the others are
 * still scanned. */
static void exit_on_pageout(struct rcapfs_backend *be, pid_t pid,
			    enum rcapfs_advice advice, void *arg)
{
	pid_t *victim = arg;

	if (*victim && pid == *victim) {
		fake_backend_exit(be, pid);
		*victim = 0;
	}
}

static void test_scan__exit_mid_scan(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	struct rcapfs_scan_result r;
	pid_t dying = 10;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_proc(f, 20);
	scan_fixture_add_map(f, 10, BASE, 4 * MIB, 0);
	scan_fixture_add_map(f, 10, BASE + 8 * MIB, 4 * MIB, 0);
	scan_fixture_add_map(f, 20, BASE, 4 * MIB, 0);
	scan(f, 1); /* primes */
	fake_backend_set_pageout_hook(f->be, exit_on_pageout, &dying);
	r = scan(f, 100 * MIB);
	assert_int_equal(dying, 0);
	assert_true(r.complete);
	assert_int_equal(r.pg_bytes, 4 * MIB); /* 20's only */
	assert_int_equal(present_kb(f, 20, BASE, 4 * MIB), 0);
	/* The next scan of the same list just passes over it. */
	r = scan(f, 100 * MIB);
	assert_true(r.complete);
	assert_int_equal(r.victims, 1);
	scan_fixture_free(f);
}

/* A member whose pid now names another process is never touched, whether
 * the pid was reused before the first visit or after. */
static void test_scan__pid_reuse(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	struct fake_backend_counts counts;
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_proc(f, 20);
	scan_fixture_add_map(f, 10, BASE, 4 * MIB, 0);
	scan_fixture_add_map(f, 20, BASE, 4 * MIB, 0);
	fake_backend_reuse_pid(f->be, 10, 777);
	r = scan(f, 100 * MIB);
	assert_true(r.pending);
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.task_opens, 2);
	r = scan(f, 100 * MIB);
	assert_int_equal(r.victims, 1);
	assert_int_equal(r.pg_bytes, 4 * MIB);

	/* 20's pid is reused after it was first visited. */
	fake_backend_touch(f->be, 20, BASE, BASE + 4 * MIB, false);
	fake_backend_set_page_flags(f->be, 20, BASE, BASE + 4 * MIB, 0,
				    RCAPFS_PAGE_REFERENCED);
	fake_backend_reuse_pid(f->be, 20, 888);
	r = scan(f, 100 * MIB);
	assert_int_equal(r.victims, 0);
	assert_int_equal(r.at_bytes, 0);
	/* Neither was opened again, nor touched. */
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.task_opens, 2);
	assert_int_equal(fake_backend_pageouts(f->be, 10, BASE, BASE + 4 * MIB),
			 0);
	assert_int_equal(fake_backend_pageouts(f->be, 20, BASE, BASE + 4 * MIB),
			 1024);
	assert_int_equal(present_kb(f, 20, BASE, 4 * MIB), 4096);
	scan_fixture_free(f);
}

/* What cannot leave is skipped and counted: anonymous memory without swap,
 * locked, hugetlb and special mappings, pages shared with others. */
static void test_scan__unpageable(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 2 * MIB, RCAPFS_MAP_ANON);
	scan_fixture_add_map(f, 10, BASE + 4 * MIB, MIB, RCAPFS_MAP_LOCKED);
	scan_fixture_add_map(f, 10, BASE + 6 * MIB, MIB, RCAPFS_MAP_HUGETLB);
	scan_fixture_add_map(f, 10, BASE + 8 * MIB, PS, RCAPFS_MAP_SPECIAL);
	scan_fixture_add_map(f, 10, BASE + 10 * MIB, MIB, 0);
	fake_backend_set_page_flags(f->be, 10, BASE + 10 * MIB,
				    BASE + 10 * MIB + 16 * PS, 0,
				    RCAPFS_PAGE_EXCLUSIVE);
	scan(f, 1);
	r = scan(f, 100 * MIB);
	assert_true(r.ineffective);
	assert_int_equal(r.unpageable.anon_kb, 2048);
	assert_int_equal(r.unpageable.locked_kb, 2048 + 4);
	assert_int_equal(r.unpageable.shared_kb, 64);
	assert_int_equal(r.at_bytes, MIB - 16 * PS);
	assert_int_equal(
		fake_backend_pageouts(f->be, 10, BASE, BASE + 10 * MIB), 0);

	/* With swap the anonymous mapping goes too. */
	fake_backend_set_swap(f->be, 64 * MIB);
	f->swap = true;
	r = scan(f, 100 * MIB);
	assert_int_equal(r.unpageable.anon_kb, 0);
	assert_int_equal(r.pg_bytes, 2 * MIB);
	assert_int_equal(present_kb(f, 10, BASE, 2 * MIB), 0);
	scan_fixture_free(f);
}

/* Cold mode: pages are deactivated, not freed; nothing goes to the ignored
 * set for that. */
static void test_scan__cold(void **state)
{
	struct scan_fixture *f =
		scan_fixture_new(&fake_backend_mapping_features);
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 4 * MIB, 0);
	f->advice = RCAPFS_ADVICE_COLD;
	fake_backend_touch(f->be, 10, BASE, BASE + 4 * MIB, false);
	r = scan(f, MIB);
	assert_int_equal(r.at_bytes, 0);
	r = scan(f, MIB);
	assert_int_equal(r.at_bytes, 4 * MIB);
	assert_int_equal(r.pg_bytes, 0);
	assert_true(r.ineffective);
	assert_int_equal(present_kb(f, 10, BASE, 4 * MIB), 4096);
	assert_int_equal(rcapfs_scan_ignored(f->scan), 0);
	assert_int_equal(r.hot_bytes, 0);
	/* Referenced since (mapping level): nothing is cold, so by rcapd's
	 * rule referenced memory is deactivated for the excess, a chunk at
	 * a time: what was advised counts, as RSS does not drop. */
	fake_backend_touch(f->be, 10, BASE, BASE + PS, false);
	r = scan(f, MIB);
	assert_int_equal(r.at_bytes, CHUNK);
	assert_int_equal(r.hot_bytes, CHUNK);
	assert_int_equal(present_kb(f, 10, BASE, 4 * MIB), 4096);
	assert_int_equal(fake_backend_pageouts(f->be, 10, BASE, BASE + 4 * MIB),
			 0);
	scan_fixture_free(f);
}

/*
 * rcapd's rule: an all-hot victim (fidelity mapping) gets under its cap.
 * Its first pass only starts tracking it, its second probes every chunk:
 * all of it may still turn out cold, so neither touches referenced
 * memory. The third knows it all referenced, and pages it out for the
 * excess.
 */
static void test_scan__all_hot(void **state)
{
	struct scan_fixture *f =
		scan_fixture_new(&fake_backend_mapping_features);
	const uint64_t size = 32 * MIB, excess = 24 * MIB;
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, size, 0);
	for (int pass = 0; pass < 2; pass++) {
		fake_backend_touch(f->be, 10, BASE, BASE + size, false);
		r = scan(f, excess);
		assert_true(r.pending);
		assert_true(r.ineffective);
		assert_int_equal(r.hot_bytes, 0);
	}
	fake_backend_touch(f->be, 10, BASE, BASE + size, false);
	r = scan(f, excess);
	assert_false(r.pending);
	assert_true(r.complete);
	assert_false(r.ineffective);
	assert_int_equal(r.excess_bytes, 0);
	/* Whole chunks, each but its probe page, paged out before by the
	 * pass with the probes of the others. */
	assert_int_equal(r.hot_bytes, excess - (excess / CHUNK) * PS);
	assert_int_equal(present_kb(f, 10, BASE, size) * KIB,
			 size - excess - (size - excess) / CHUNK * PS);
	scan_fixture_free(f);
}

/*
 * The least recently referenced first (fidelity page): region A of a
 * mapping is referenced at every pass, region B was cold once and is
 * referenced again. With nothing cold, the rule takes B first.
 */
static void test_scan__least_recently_referenced_first(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	const uint64_t a = BASE, b = BASE + 8 * MIB;
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 16 * MIB, 0);
	assert_true(scan(f, MIB).pending);
	/* B is cold: it goes, A is kept. */
	fake_backend_touch(f->be, 10, a, a + 8 * MIB, false);
	r = scan(f, 8 * MIB);
	assert_int_equal(r.pg_bytes, 8 * MIB);
	assert_int_equal(r.hot_bytes, 0);
	/* The hand was at the end: back to the head. */
	assert_true(scan(f, PS).complete);
	/* Both referenced now; A at each of its passes, B at its last. */
	fake_backend_touch(f->be, 10, a, b + 8 * MIB, false);
	r = scan(f, 4 * MIB);
	assert_int_equal(r.excess_bytes, 0);
	assert_int_equal(r.hot_bytes, 4 * MIB);
	assert_int_equal(present_kb(f, 10, a, 8 * MIB), 8 * 1024);
	assert_int_equal(present_kb(f, 10, b, 4 * MIB), 0);
	assert_int_equal(present_kb(f, 10, b + 4 * MIB, 4 * MIB), 4 * 1024);
	scan_fixture_free(f);
}

/*
 * What the pass could not judge yet (a victim only starting to be
 * tracked) may turn out cold: the rule pages out referenced memory of the
 * others only for the rest of the excess.
 */
static void test_scan__hot_less_unknown(void **state)
{
	struct scan_fixture *f =
		scan_fixture_new(&fake_backend_mapping_features);
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_proc(f, 20);
	scan_fixture_add_map(f, 10, BASE, 32 * MIB, 0);
	scan_fixture_add_map(f, 20, BASE, 8 * MIB, 0);
	/* Only 10 is a member yet: it is learnt all hot. */
	for (int pass = 0; pass < 2; pass++) {
		fake_backend_touch(f->be, 10, BASE, BASE + 32 * MIB, false);
		r = scan_some(f, 1, 32 * MIB);
		assert_int_equal(r.hot_bytes, 0);
	}
	/* 20 joins; 20 MiB over: 8 may come from 20; the pass probes 10's
	 * 16 chunks (16 pages), and the rule takes the rest from 10's hot
	 * memory in whole chunks (6, less their probes). */
	fake_backend_touch(f->be, 10, BASE, BASE + 32 * MIB, false);
	r = scan(f, 20 * MIB);
	assert_true(r.pending);
	assert_int_equal(r.hot_bytes, 6 * CHUNK - 6 * PS);
	assert_int_equal(r.excess_bytes, 8 * MIB - 10 * PS);
	assert_int_equal(present_kb(f, 20, BASE, 8 * MIB), 8 * 1024);
	scan_fixture_free(f);
}

/*
 * Idle victims first, each class from its own hand: the idle one is paged
 * out before the busy one, whose pid comes first; the idle hand stays
 * where the excess ran out, the busy one at its head.
 */
static void test_scan__idle_first(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	struct rcapfs_scan_result r;
	uint64_t addr;
	pid_t hand;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_proc(f, 20);
	scan_fixture_add_map(f, 10, BASE, 8 * MIB, 0);
	scan_fixture_add_map(f, 20, BASE, 8 * MIB, 0);
	f->victims[1].idle = true;
	assert_true(scan(f, MIB).pending);
	r = scan(f, 4 * MIB);
	assert_int_equal(r.pg_bytes, 4 * MIB);
	assert_int_equal(present_kb(f, 10, BASE, 8 * MIB), 8 * 1024);
	assert_int_equal(present_kb(f, 20, BASE, 8 * MIB), 4 * 1024);
	rcapfs_scan_hand(f->scan, true, &hand, &addr);
	assert_int_equal(hand, 20);
	assert_int_equal(addr, BASE + 4 * MIB);
	rcapfs_scan_hand(f->scan, false, &hand, &addr);
	assert_int_equal(hand, 0);

	/* The rest of the idle one, then the busy one from its head. */
	r = scan(f, 6 * MIB);
	assert_int_equal(r.pg_bytes, 6 * MIB);
	assert_int_equal(present_kb(f, 20, BASE, 8 * MIB), 0);
	assert_int_equal(present_kb(f, 10, BASE, 8 * MIB), 6 * 1024);
	rcapfs_scan_hand(f->scan, true, &hand, &addr);
	assert_int_equal(hand, 0);
	rcapfs_scan_hand(f->scan, false, &hand, &addr);
	assert_int_equal(hand, 10);
	assert_int_equal(addr, BASE + 2 * MIB);
	scan_fixture_free(f);
}

/*
 * A victim paged out whole (swap_idle), referenced or not: everything
 * that can leave goes; anonymous memory without swap is counted and
 * stays. What came back afterwards is known referenced at the next pass.
 */
static void test_scan__whole(void **state)
{
	struct scan_fixture *f =
		scan_fixture_new(&fake_backend_mapping_features);
	struct rcapfs_scan_params p = {.name = "test",
				       .advice = RCAPFS_ADVICE_PAGEOUT};
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 8 * MIB, 0);
	scan_fixture_add_map(f, 10, BASE + 16 * MIB, 2 * MIB, RCAPFS_MAP_ANON);
	/* Known to the scan, and touched since. */
	assert_true(scan(f, MIB).pending);
	fake_backend_touch(f->be, 10, BASE, BASE + 8 * MIB, false);
	assert_int_equal(rcapfs_scan_whole(f->scan, &f->victims[0], &p, &r), 0);
	assert_int_equal(r.victims, 1);
	assert_int_equal(r.pg_bytes, 8 * MIB);
	assert_int_equal(r.unpageable.anon_kb, 2 * 1024);
	assert_int_equal(present_kb(f, 10, BASE, 8 * MIB), 0);
	assert_int_equal(present_kb(f, 10, BASE + 16 * MIB, 2 * MIB), 2048);

	/* A chunk comes back: known referenced at the next pass (kept and
	 * probed: nothing left to learn), the rest is gone. */
	fake_backend_touch(f->be, 10, BASE, BASE + PS, false);
	r = scan(f, PS);
	assert_false(r.pending);
	assert_int_equal(r.at_bytes, PS);
	assert_int_equal(fake_backend_page_flags(f->be, 10, BASE) &
				 RCAPFS_PAGE_PRESENT,
			 0);

	/* One the scan never saw is paged out all the same; a gone one is
	 * -ESRCH. */
	scan_fixture_add_proc(f, 20);
	scan_fixture_add_map(f, 20, BASE, 4 * MIB, 0);
	assert_int_equal(rcapfs_scan_whole(f->scan, &f->victims[1], &p, &r), 0);
	assert_int_equal(r.pg_bytes, 4 * MIB);
	fake_backend_exit(f->be, 20);
	assert_int_equal(rcapfs_scan_whole(f->scan, &f->victims[1], &p, &r),
			 -ESRCH);
	scan_fixture_free(f);
}

static void test_scan__cancel_and_nothing_to_do(void **state)
{
	struct scan_fixture *f = scan_fixture_new(&fake_backend_page_features);
	atomic_bool cancel = true;
	struct rcapfs_scan_params p = {.name = "test",
				       .excess_bytes = MIB,
				       .advice = RCAPFS_ADVICE_PAGEOUT,
				       .cancel = &cancel};
	struct rcapfs_scan_result r;

	scan_fixture_add_proc(f, 10);
	scan_fixture_add_map(f, 10, BASE, 4 * MIB, 0);
	assert_int_equal(rcapfs_scan_run(f->scan, f->victims, f->n, &p, &r),
			 -ECANCELED);
	assert_false(r.complete);
	/* No excess: no scan at all. */
	r = scan(f, 0);
	assert_false(r.complete);
	assert_int_equal(r.victims, 0);
	/* An empty list is a complete (and ineffective) pass. */
	r = scan(f, MIB);
	f->n = 0;
	r = scan(f, MIB);
	assert_true(r.complete);
	assert_true(r.ineffective);
	scan_fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan__idle_victim),
		cmocka_unit_test(test_scan__mapping_without_pages),
		cmocka_unit_test(test_scan__resume),
		cmocka_unit_test(test_scan__second_chance),
		cmocka_unit_test(test_scan__hot_middle_mapping),
		cmocka_unit_test(test_scan__hot_middle_none),
		cmocka_unit_test(test_scan__refault_learning),
		cmocka_unit_test(test_scan__ignored_set),
		cmocka_unit_test(test_scan__refused_mapping),
		cmocka_unit_test(test_scan__refused_mapping_cold),
		cmocka_unit_test(test_scan__unmapped_mid_scan),
		cmocka_unit_test(test_scan__exit_mid_scan),
		cmocka_unit_test(test_scan__pid_reuse),
		cmocka_unit_test(test_scan__unpageable),
		cmocka_unit_test(test_scan__cold),
		cmocka_unit_test(test_scan__all_hot),
		cmocka_unit_test(test_scan__least_recently_referenced_first),
		cmocka_unit_test(test_scan__hot_less_unknown),
		cmocka_unit_test(test_scan__idle_first),
		cmocka_unit_test(test_scan__whole),
		cmocka_unit_test(test_scan__cancel_and_nothing_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
