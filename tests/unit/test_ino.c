/* Node ids derived from what a node is (fs/ino.h): every kind goes there
 * and back, the root is FUSE's, and numbers no node has are stale. */
#include "config.h"

#include "fs/ino.h"
#include "scanner/ctl.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

/* A node of kind with every field its id carries set. */
static struct rcapfs_node sample(enum rcapfs_node_kind kind)
{
	struct rcapfs_node n;

	memset(&n, 0, sizeof(n));
	n.kind = kind;
	if (rcapfs_node_in_collection(kind))
		n.id = 0xfedcba98u;
	if (kind == RCAPFS_NODE_CTL_KNOB)
		n.knob = RCAPFS_CTL_NKNOBS - 1;
	if (rcapfs_node_in_process(kind)) {
		n.pid = INT_MAX;
		n.start_ticks = 0xabcdef;
	}
	return n;
}

static void test_ino__round_trip(void **state)
{
	uint64_t seen[RCAPFS_NODE_PROM + 1];

	(void)state;
	for (int k = RCAPFS_NODE_ROOT; k <= RCAPFS_NODE_PROM; k++) {
		struct rcapfs_node n = sample(k), back;
		uint64_t ino = rcapfs_ino_encode(&n);

		assert_int_equal(rcapfs_ino_decode(ino, &back), 0);
		assert_int_equal(back.kind, n.kind);
		assert_int_equal(back.id, n.id);
		assert_int_equal(back.knob, n.knob);
		assert_int_equal(back.pid, n.pid);
		assert_int_equal(back.start_ticks, n.start_ticks);
		assert_true(rcapfs_ino_same_start(&back, n.start_ticks));
		/* Kinds never share an id. */
		for (int j = 0; j < k; j++)
			assert_true(seen[j] != ino);
		seen[k] = ino;
	}
}

static void test_ino__root(void **state)
{
	struct rcapfs_node root = sample(RCAPFS_NODE_ROOT), back;

	(void)state;
	assert_int_equal(rcapfs_ino_encode(&root), RCAPFS_INO_ROOT);
	assert_int_equal(RCAPFS_INO_ROOT, 1);
	assert_int_equal(rcapfs_ino_decode(1, &back), 0);
	assert_int_equal(back.kind, RCAPFS_NODE_ROOT);
	assert_int_equal(rcapfs_ino_shown(1), 1);
}

/* The shown number (32 bits, for 32-bit readers) tells kinds, collections,
 * knobs and processes apart too. */
static void test_ino__shown(void **state)
{
	uint32_t seen[RCAPFS_NODE_PROM + 1];
	struct rcapfs_node a, b;

	(void)state;
	for (int k = RCAPFS_NODE_ROOT; k <= RCAPFS_NODE_PROM; k++) {
		a = sample(k);
		seen[k] = rcapfs_ino_shown(rcapfs_ino_encode(&a));
		for (int j = 0; j < k; j++)
			assert_true(seen[j] != seen[k]);
	}
	a = sample(RCAPFS_NODE_COLL);
	b = a;
	b.id++;
	assert_true(rcapfs_ino_shown(rcapfs_ino_encode(&a)) !=
		    rcapfs_ino_shown(rcapfs_ino_encode(&b)));
	a = sample(RCAPFS_NODE_PROC_PID);
	a.pid = 4194303; /* Linux's largest pid */
	b = a;
	b.pid = 1;
	assert_true(rcapfs_ino_shown(rcapfs_ino_encode(&a)) !=
		    rcapfs_ino_shown(rcapfs_ino_encode(&b)));
	b = a;
	b.start_ticks++;
	assert_true(rcapfs_ino_shown(rcapfs_ino_encode(&a)) !=
		    rcapfs_ino_shown(rcapfs_ino_encode(&b)));
	assert_int_equal(rcapfs_ino_shown(0), 0);
}

/* What tells nodes of one kind apart changes the id; what the id does not
 * keep of a start time does not. */
static void test_ino__distinct(void **state)
{
	struct rcapfs_node a = sample(RCAPFS_NODE_COLL_CAP);
	struct rcapfs_node b = a, back;

	(void)state;
	b.id++;
	assert_true(rcapfs_ino_encode(&a) != rcapfs_ino_encode(&b));
	a = sample(RCAPFS_NODE_PROC_PAGEDATA);
	b = a;
	b.pid--;
	assert_true(rcapfs_ino_encode(&a) != rcapfs_ino_encode(&b));
	b = a;
	b.start_ticks++;
	assert_true(rcapfs_ino_encode(&a) != rcapfs_ino_encode(&b));
	/* A later process with the same pid is another node... */
	assert_int_equal(rcapfs_ino_decode(rcapfs_ino_encode(&a), &back), 0);
	assert_false(rcapfs_ino_same_start(&back, a.start_ticks + 1));
	/* ...but bits above the kept 24 are not compared. */
	assert_true(rcapfs_ino_same_start(&back, a.start_ticks | 1ull << 30));
	a = sample(RCAPFS_NODE_CTL_KNOB);
	b = a;
	b.knob = 0;
	assert_true(rcapfs_ino_encode(&a) != rcapfs_ino_encode(&b));
}

static void test_ino__stale(void **state)
{
	struct rcapfs_node n = sample(RCAPFS_NODE_CTL_KNOB), back;
	uint64_t coll = rcapfs_ino_encode(
		&(struct rcapfs_node){.kind = RCAPFS_NODE_COLL, .id = 1});

	(void)state;
	/* No kind 0, no kind past the last. */
	assert_int_equal(rcapfs_ino_decode(0, &back), -ESTALE);
	assert_int_equal(rcapfs_ino_decode(RCAPFS_NODE_PROM + 2, &back),
			 -ESTALE);
	assert_int_equal(rcapfs_ino_decode(0xff, &back), -ESTALE);
	/* A knob past the table. */
	n.knob = RCAPFS_CTL_NKNOBS;
	assert_int_equal(rcapfs_ino_decode(rcapfs_ino_encode(&n), &back),
			 -ESTALE);
	/* Collection 0; a kind without anything else that has more. */
	assert_int_equal(rcapfs_ino_decode(coll & 0xff, &back), -ESTALE);
	assert_int_equal(rcapfs_ino_decode(1 | 1 << 8, &back), -ESTALE);
	/* pid 0, pid past INT_MAX. */
	n = sample(RCAPFS_NODE_PROC_PID);
	n.pid = 0;
	assert_int_equal(rcapfs_ino_decode(rcapfs_ino_encode(&n), &back),
			 -ESTALE);
	n.pid = -1;
	assert_int_equal(rcapfs_ino_decode(rcapfs_ino_encode(&n), &back),
			 -ESTALE);
}

/* Parents, for "..": each kind's directory. */
static void test_ino__parent(void **state)
{
	struct rcapfs_node n = sample(RCAPFS_NODE_PROC_XMAP), p;

	(void)state;
	rcapfs_node_parent(&n, &p);
	assert_int_equal(p.kind, RCAPFS_NODE_PROC_PID);
	assert_int_equal(p.pid, n.pid);
	rcapfs_node_parent(&p, &p);
	assert_int_equal(p.kind, RCAPFS_NODE_PROC);
	rcapfs_node_parent(&p, &p);
	assert_int_equal(p.kind, RCAPFS_NODE_ROOT);
	rcapfs_node_parent(&p, &p);
	assert_int_equal(p.kind, RCAPFS_NODE_ROOT);
	n = sample(RCAPFS_NODE_COLL_STATS);
	rcapfs_node_parent(&n, &p);
	assert_int_equal(p.kind, RCAPFS_NODE_COLL);
	assert_int_equal(p.id, n.id);
	rcapfs_node_parent(&p, &p);
	assert_int_equal(p.kind, RCAPFS_NODE_CAPS);
	n = sample(RCAPFS_NODE_CTL_KNOB);
	rcapfs_node_parent(&n, &p);
	assert_int_equal(p.kind, RCAPFS_NODE_CTL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ino__round_trip),
		cmocka_unit_test(test_ino__root),
		cmocka_unit_test(test_ino__shown),
		cmocka_unit_test(test_ino__distinct),
		cmocka_unit_test(test_ino__stale),
		cmocka_unit_test(test_ino__parent),
	};

	return cmocka_run_group_tests_name("ino", tests, NULL, NULL);
}
