#include "config.h"
#include "scanner/tracker.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fake_backend.h"

#define PS  4096ULL
#define A0  0x100000ULL /* first mapping: 8 pages */
#define A1  0x200000ULL /* second mapping: 4 pages */
#define PID 42

struct fixture {
	struct rcapfs_backend *be;
	struct rcapfs_tracker *tr;
};

static struct rcapfs_mapping mkmap(uint64_t start, uint64_t npages,
				   uint32_t flags, const char *name)
{
	struct rcapfs_mapping m;

	memset(&m, 0, sizeof(m));
	m.start = start;
	m.end = start + npages * PS;
	m.flags = flags;
	m.inode = flags & RCAPFS_MAP_ANON ? 0 : 77;
	m.shmid = -1;
	m.name = name;
	return m;
}

/* Process PID with two mappings, every page present, no bit set. */
static struct fixture *fixture_new(const struct rcapfs_features *feat)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rcapfs_proc proc;
	struct rcapfs_mapping m0 = mkmap(A0, 8, RCAPFS_MAP_READ, "/lib/x.so");
	struct rcapfs_mapping m1 =
		mkmap(A1, 4, RCAPFS_MAP_READ | RCAPFS_MAP_ANON, "");

	assert_non_null(f);
	memset(&proc, 0, sizeof(proc));
	proc.pid = PID;
	proc.start_ticks = 1000;
	f->be = fake_backend_new();
	fake_backend_set_procs(f->be, &proc, 1);
	if (feat)
		fake_backend_set_features(f->be, feat);
	fake_backend_add_mapping(f->be, PID, &m0);
	fake_backend_add_mapping(f->be, PID, &m1);
	fake_backend_touch(f->be, PID, A0, A0 + 8 * PS, false);
	fake_backend_touch(f->be, PID, A1, A1 + 4 * PS, false);
	fake_backend_set_page_flags(f->be, PID, A0, A0 + 8 * PS, 0,
				    RCAPFS_PAGE_REFERENCED);
	fake_backend_set_page_flags(f->be, PID, A1, A1 + 4 * PS, 0,
				    RCAPFS_PAGE_REFERENCED);
	assert_int_equal(rcapfs_tracker_new(f->be, &f->tr), 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	rcapfs_tracker_free(f->tr);
	rcapfs_backend_free(f->be);
	free(f);
}

static const struct rcapfs_features page_features = {
	.page_size = 4096,
	.idle_page_tracking = true,
	.pfn_visible = true,
	.soft_dirty = true,
	.clear_refs = true,
};

static const struct rcapfs_features mapping_features = {
	.page_size = 4096,
	.clear_refs = true,
};

/* The page byte of address a in a snapshot. */
static uint8_t page_at(const struct rcapfs_snapshot *s, uint64_t a)
{
	for (size_t i = 0; i < s->maps.n; i++) {
		const struct rcapfs_mapping *m = &s->maps.maps[i];

		const uint8_t *pages = rcapfs_snapshot_pages(s, i);

		if (a >= m->start && a < m->end)
			return pages ? pages[(a - m->start) / PS] : 0;
	}
	fail_msg("address %#llx not in the snapshot", (unsigned long long)a);
	return 0;
}

/* A string of one letter per page of both mappings: '.' absent, 'p'
 * present, 'r' referenced, 'd' dirty (and referenced). */
static const char *pattern(const struct rcapfs_snapshot *s)
{
	static char buf[64];
	size_t n = 0;

	for (size_t i = 0; i < s->npages && n + 1 < sizeof(buf); i++) {
		uint8_t pg = s->pages[i];

		buf[n++] = pg & RCAPFS_PAGE_DIRTY	 ? 'd'
			   : pg & RCAPFS_PAGE_REFERENCED ? 'r'
			   : pg & RCAPFS_PAGE_PRESENT	 ? 'p'
							 : '.';
	}
	buf[n] = '\0';
	return buf;
}

static const char *read_pattern(struct rcapfs_tracker_reader *r, bool consume)
{
	struct rcapfs_snapshot s;
	const char *pat;

	assert_int_equal(rcapfs_tracker_read(r, consume, &s), 0);
	pat = pattern(&s);
	rcapfs_snapshot_release(&s);
	return pat;
}

static void test_tracker__fidelity(void **state)
{
	static const struct {
		struct rcapfs_features f;
		enum rcapfs_fidelity want;
	} cases[] = {
		{{.page_size = 4096}, RCAPFS_FIDELITY_NONE},
		{{.page_size = 4096, .clear_refs = true},
		 RCAPFS_FIDELITY_MAPPING},
		{{.page_size = 4096,
		  .clear_refs = true,
		  .idle_page_tracking = true},
		 RCAPFS_FIDELITY_MAPPING},
		{{.page_size = 4096, .idle_page_tracking = true},
		 RCAPFS_FIDELITY_NONE},
		{{.page_size = 4096,
		  .idle_page_tracking = true,
		  .pfn_visible = true},
		 RCAPFS_FIDELITY_PAGE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture *f = fixture_new(&cases[i].f);

		assert_int_equal(rcapfs_tracker_fidelity(f->tr), cases[i].want);
		fixture_free(f);
	}
}

/* The fidelity is what the backend says it can do, whatever its features
 * would suggest on Linux. */
static void test_tracker__fidelity_asks_the_backend(void **state)
{
	static const struct rcapfs_features bare = {.page_size = 4096};
	static const struct {
		const struct rcapfs_features *f;
		unsigned can;
		enum rcapfs_fidelity want;
	} cases[] = {
		{&page_features, 0, RCAPFS_FIDELITY_NONE},
		{&page_features, RCAPFS_CAN_MAPPING_REFERENCED,
		 RCAPFS_FIDELITY_MAPPING},
		{&bare, RCAPFS_CAN_PAGE_REFERENCED, RCAPFS_FIDELITY_PAGE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rcapfs_backend *be = fake_backend_new();
		struct rcapfs_tracker *tr;

		fake_backend_set_features(be, cases[i].f);
		fake_backend_set_can(be, cases[i].can);
		assert_int_equal(rcapfs_tracker_new(be, &tr), 0);
		assert_int_equal(rcapfs_tracker_fidelity(tr), cases[i].want);
		rcapfs_tracker_free(tr);
		rcapfs_backend_free(be);
	}
}

static void test_tracker__page_bits(void **state)
{
	struct fixture *f = fixture_new(&page_features);
	struct rcapfs_tracker_reader *r;
	struct rcapfs_snapshot s;

	/* Activity before the open is not the reader's. */
	fake_backend_touch(f->be, PID, A0, A0 + PS, true);
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &r), 0);
	assert_string_equal(read_pattern(r, true), "pppppppppppp");
	assert_int_equal(rcapfs_tracker_read(r, true, &s), 0);
	assert_int_equal(page_at(&s, A0) & RCAPFS_PAGE_EXCLUSIVE, 0);
	rcapfs_snapshot_release(&s);
	rcapfs_tracker_want(r, RCAPFS_PAGE_EXCLUSIVE);

	fake_backend_touch(f->be, PID, A0 + PS, A0 + 3 * PS, false);
	fake_backend_touch(f->be, PID, A1 + 3 * PS, A1 + 4 * PS, true);
	assert_int_equal(rcapfs_tracker_read(r, true, &s), 0);
	assert_string_equal(pattern(&s), "prrppppppppd");
	assert_int_equal(s.fidelity, RCAPFS_FIDELITY_PAGE);
	assert_int_equal(s.page_size, PS);
	assert_int_equal(s.maps.n, 2);
	assert_string_equal(s.maps.maps[0].name, "/lib/x.so");
	assert_int_equal(s.first_page[1], 8);
	assert_true(s.tstamp_ns > 0);
	assert_true(page_at(&s, A0) & RCAPFS_PAGE_EXCLUSIVE);
	rcapfs_snapshot_release(&s);

	/* Consumed: nothing new, nothing to report. */
	assert_string_equal(read_pattern(r, true), "pppppppppppp");
	rcapfs_tracker_close(r);
	fixture_free(f);
}

#define A2 0x400000ULL /* a reservation: 1 GiB, MAP_NORESERVE */

/* A mapping that holds no page costs no flag bytes and no walk; once it
 * holds pages it has them, and a reader's bits follow both ways. */
static void test_tracker__reservation(void **state)
{
	struct fixture *f = fixture_new(&page_features);
	struct rcapfs_mapping m2 =
		mkmap(A2, 262144,
		      RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
			      RCAPFS_MAP_NORESERVE,
		      "");
	struct rcapfs_tracker_reader *r;
	struct fake_backend_counts before, after;
	struct rcapfs_snapshot s;

	fake_backend_add_mapping(f->be, PID, &m2);
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &r), 0);
	fake_backend_counts(f->be, &before);
	assert_int_equal(rcapfs_tracker_read(r, true, &s), 0);
	fake_backend_counts(f->be, &after);
	assert_int_equal(after.pages - before.pages, 2);
	assert_int_equal(s.maps.n, 3);
	assert_int_equal(s.npages, 12);
	assert_true(s.first_page[2] == RCAPFS_SNAPSHOT_NO_PAGES);
	assert_null(rcapfs_snapshot_pages(&s, 2));
	assert_int_equal(page_at(&s, A2 + 5 * PS), 0);
	rcapfs_snapshot_release(&s);

	/* Two pages of it written: it holds them, bits and all. */
	fake_backend_touch(f->be, PID, A2 + PS, A2 + 3 * PS, true);
	fake_backend_touch(f->be, PID, A0, A0 + PS, false);
	assert_int_equal(rcapfs_tracker_read(r, false, &s), 0);
	assert_int_equal(s.first_page[2], 12);
	assert_int_equal(s.npages, 12 + 262144);
	assert_int_equal(page_at(&s, A2), 0);
	assert_int_equal(page_at(&s, A2 + PS) &
				 (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_DIRTY),
			 RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_DIRTY);
	assert_true(page_at(&s, A0) & RCAPFS_PAGE_REFERENCED);
	rcapfs_snapshot_release(&s);

	/* Gone again (released): the bits of the other mappings, kept by
	 * the peek above, are carried over the change of layout. */
	fake_backend_set_page_flags(f->be, PID, A2, A2 + 4 * PS, 0,
				    RCAPFS_PAGE_PRESENT);
	assert_int_equal(rcapfs_tracker_read(r, true, &s), 0);
	assert_true(s.first_page[2] == RCAPFS_SNAPSHOT_NO_PAGES);
	assert_int_equal(s.npages, 12);
	assert_true(page_at(&s, A0) & RCAPFS_PAGE_REFERENCED);
	assert_int_equal(page_at(&s, A0 + PS) & RCAPFS_PAGE_REFERENCED, 0);
	rcapfs_snapshot_release(&s);
	rcapfs_tracker_close(r);
	fixture_free(f);
}

static void test_tracker__peek_keeps_bits(void **state)
{
	struct fixture *f = fixture_new(&page_features);
	struct rcapfs_tracker_reader *r;

	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 0, &r), 0);
	fake_backend_touch(f->be, PID, A0, A0 + PS, false);
	assert_string_equal(read_pattern(r, false), "rppppppppppp");
	fake_backend_touch(f->be, PID, A1, A1 + PS, false);
	assert_string_equal(read_pattern(r, false), "rppppppprppp");
	assert_string_equal(read_pattern(r, true), "rppppppprppp");
	assert_string_equal(read_pattern(r, true), "pppppppppppp");
	rcapfs_tracker_close(r);
	fixture_free(f);
}

static void test_tracker__readers_independent(void **state)
{
	struct fixture *f = fixture_new(&page_features);
	struct rcapfs_tracker_reader *a, *b, *c;
	struct fake_backend_counts before, after;

	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &a), 0);
	fake_backend_touch(f->be, PID, A0, A0 + PS, false);
	/* b joins: what happened before belongs to a alone. */
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &b), 0);
	fake_backend_touch(f->be, PID, A0 + 2 * PS, A0 + 3 * PS, false);

	/* One read samples and resets the kernel once. */
	fake_backend_counts(f->be, &before);
	assert_string_equal(read_pattern(a, true), "rprppppppppp");
	fake_backend_counts(f->be, &after);
	assert_int_equal(after.mappings - before.mappings, 1);
	assert_int_equal(after.pages - before.pages, 2);
	assert_int_equal(after.clears - before.clears, 1);
	assert_int_equal(after.task_opens, before.task_opens);

	/* What a consumed, b still sees, and more. */
	fake_backend_touch(f->be, PID, A1, A1 + PS, false);
	assert_string_equal(read_pattern(b, true), "pprppppprppp");
	assert_string_equal(read_pattern(a, true), "pppppppprppp");
	assert_string_equal(read_pattern(b, true), "pppppppppppp");

	/* A third reader of the same process shares the same task. */
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 0, &c), 0);
	assert_ptr_equal(rcapfs_tracker_task(c), rcapfs_tracker_task(a));
	rcapfs_tracker_close(b);
	fake_backend_touch(f->be, PID, A1 + PS, A1 + 2 * PS, false);
	assert_string_equal(read_pattern(c, true), "ppppppppprpp");
	assert_string_equal(read_pattern(a, true), "ppppppppprpp");
	rcapfs_tracker_close(a);
	rcapfs_tracker_close(c);
	fixture_free(f);
}

static void test_tracker__mapping_fidelity(void **state)
{
	struct fixture *f = fixture_new(&mapping_features);
	struct rcapfs_tracker_reader *r, *q;
	struct fake_backend_counts counts;

	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &r), 0);
	/* One page written in the first mapping: every present page of it
	 * reads referenced, none dirty; absent pages stay absent. */
	fake_backend_set_page_flags(f->be, PID, A0 + 7 * PS, A0 + 8 * PS, 0,
				    RCAPFS_PAGE_PRESENT);
	fake_backend_touch(f->be, PID, A0 + PS, A0 + 2 * PS, true);
	assert_string_equal(read_pattern(r, true), "rrrrrrr.pppp");

	/* A second reader opened now sees only what follows. */
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &q), 0);
	fake_backend_touch(f->be, PID, A1, A1 + PS, false);
	assert_string_equal(read_pattern(q, true), "ppppppp.rrrr");
	assert_string_equal(read_pattern(r, true), "ppppppp.rrrr");
	assert_string_equal(read_pattern(r, true), "ppppppp.pppp");

	/* Each open and read reset the kernel's bits once. */
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.clears, 6);
	rcapfs_tracker_close(q);
	rcapfs_tracker_close(r);
	fixture_free(f);
}

/* A mapping resident in full (smaps Rss = its size) is known present
 * without a page walk; one with a hole, or a zero page, is walked. */
static void test_tracker__resident_mapping_unwalked(void **state)
{
	struct fixture *f = fixture_new(&mapping_features);
	struct rcapfs_tracker_reader *r;
	struct fake_backend_counts before, after;

	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &r), 0);
	fake_backend_counts(f->be, &before);
	assert_string_equal(read_pattern(r, true), "pppppppppppp");
	fake_backend_counts(f->be, &after);
	assert_int_equal(after.mappings - before.mappings, 1);
	assert_int_equal(after.pages - before.pages, 0);

	fake_backend_set_page_flags(f->be, PID, A0 + 2 * PS, A0 + 3 * PS, 0,
				    RCAPFS_PAGE_PRESENT);
	fake_backend_set_page_flags(f->be, PID, A1 + PS, A1 + 2 * PS,
				    RCAPFS_PAGE_ZERO, 0);
	fake_backend_counts(f->be, &before);
	/* The zero page is not in Rss, but is mapped: the walk says so. */
	assert_string_equal(read_pattern(r, true), "pp.ppppppppp");
	fake_backend_counts(f->be, &after);
	assert_int_equal(after.pages - before.pages, 2);
	rcapfs_tracker_close(r);
	fixture_free(f);
}

static void test_tracker__no_fidelity(void **state)
{
	struct fixture *f = fixture_new(NULL);
	struct rcapfs_tracker_reader *r;
	struct fake_backend_counts counts;

	assert_int_equal(rcapfs_tracker_fidelity(f->tr), RCAPFS_FIDELITY_NONE);
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &r), 0);
	fake_backend_touch(f->be, PID, A0, A0 + 8 * PS, true);
	fake_backend_set_page_flags(f->be, PID, A1, A1 + PS, 0,
				    RCAPFS_PAGE_PRESENT);
	assert_string_equal(read_pattern(r, true), "pppppppp.ppp");
	/* Nothing to reset in the kernel. */
	fake_backend_counts(f->be, &counts);
	assert_int_equal(counts.clears, 0);
	rcapfs_tracker_close(r);
	fixture_free(f);
}

static void test_tracker__layout_change(void **state)
{
	struct fixture *f = fixture_new(&page_features);
	struct rcapfs_mapping grown = mkmap(A1, 6, RCAPFS_MAP_ANON, "");
	struct rcapfs_mapping fresh = mkmap(0x300000, 2, RCAPFS_MAP_ANON, "");
	struct rcapfs_tracker_reader *a, *b;

	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &a), 0);
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &b), 0);
	fake_backend_touch(f->be, PID, A0 + 7 * PS, A0 + 8 * PS, false);
	fake_backend_touch(f->be, PID, A1 + 3 * PS, A1 + 4 * PS, false);
	assert_string_equal(read_pattern(a, true), "ppppppprpppr");

	/* b has unread bits; the second mapping grows (unmapped and mapped
	 * again bigger) and a third appears. */
	fake_backend_remove_mapping(f->be, PID, A1);
	fake_backend_add_mapping(f->be, PID, &grown);
	fake_backend_add_mapping(f->be, PID, &fresh);
	fake_backend_touch(f->be, PID, A1 + 5 * PS, A1 + 6 * PS, false);
	fake_backend_touch(f->be, PID, 0x300000, 0x300000 + PS, false);
	/* Pages keep their bits where they still are; new pages start with
	 * none but what was seen since. */
	assert_string_equal(read_pattern(b, true), "pppppppr...r.rr.");
	assert_string_equal(read_pattern(a, true), "pppppppp.....rr.");
	rcapfs_tracker_close(a);
	rcapfs_tracker_close(b);
	fixture_free(f);
}

static void test_tracker__mapping_layout_change(void **state)
{
	struct fixture *f = fixture_new(&mapping_features);
	struct rcapfs_mapping lo = mkmap(A0, 4, RCAPFS_MAP_READ, "/lib/x.so");
	struct rcapfs_mapping hi =
		mkmap(A0 + 4 * PS, 4, RCAPFS_MAP_READ, "/lib/x.so");
	struct rcapfs_tracker_reader *a, *b;

	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &a), 0);
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &b), 0);
	fake_backend_touch(f->be, PID, A0, A0 + PS, false);
	assert_string_equal(read_pattern(a, true), "rrrrrrrrpppp");

	/* The first mapping splits in two (mprotect of its upper half): both
	 * halves carry what b had not read yet. */
	fake_backend_remove_mapping(f->be, PID, A0);
	fake_backend_add_mapping(f->be, PID, &lo);
	fake_backend_add_mapping(f->be, PID, &hi);
	fake_backend_touch(f->be, PID, A0, A0 + 8 * PS, false);
	fake_backend_set_page_flags(f->be, PID, A0, A0 + 8 * PS, 0,
				    RCAPFS_PAGE_REFERENCED);
	assert_string_equal(read_pattern(b, true), "rrrrrrrrpppp");
	assert_string_equal(read_pattern(a, true), "pppppppppppp");
	rcapfs_tracker_close(a);
	rcapfs_tracker_close(b);
	fixture_free(f);
}

static void test_tracker__gone(void **state)
{
	struct fixture *f = fixture_new(&page_features);
	struct rcapfs_tracker_reader *r = NULL, *q = NULL;
	struct rcapfs_snapshot s;

	/* A start time that is not the process's: refused. */
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 999, &r), -ESRCH);
	assert_null(r);
	assert_int_equal(rcapfs_tracker_open(f->tr, 4242, 0, &r), -ESRCH);
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 1000, &r), 0);
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 0, &q), 0);

	/* The pid is reused: readers of the old process get ESRCH, and a
	 * new open binds the new one, separately. */
	fake_backend_reuse_pid(f->be, PID, 2000);
	assert_int_equal(rcapfs_tracker_read(r, true, &s), -ESRCH);
	assert_null(s.pages);
	rcapfs_tracker_close(q);
	assert_int_equal(rcapfs_tracker_open(f->tr, PID, 0, &q), 0);
	assert_ptr_not_equal(rcapfs_tracker_task(q), rcapfs_tracker_task(r));
	assert_string_equal(read_pattern(q, true), "pppppppppppp");

	fake_backend_exit(f->be, PID);
	assert_int_equal(rcapfs_tracker_read(q, false, &s), -ESRCH);
	rcapfs_tracker_close(q);
	rcapfs_tracker_close(r);
	rcapfs_tracker_close(NULL);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracker__fidelity),
		cmocka_unit_test(test_tracker__fidelity_asks_the_backend),
		cmocka_unit_test(test_tracker__page_bits),
		cmocka_unit_test(test_tracker__reservation),
		cmocka_unit_test(test_tracker__peek_keeps_bits),
		cmocka_unit_test(test_tracker__readers_independent),
		cmocka_unit_test(test_tracker__mapping_fidelity),
		cmocka_unit_test(test_tracker__resident_mapping_unwalked),
		cmocka_unit_test(test_tracker__no_fidelity),
		cmocka_unit_test(test_tracker__layout_change),
		cmocka_unit_test(test_tracker__mapping_layout_change),
		cmocka_unit_test(test_tracker__gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
