/* fs/tree.c: path resolution, modes and listings of the mount tree. */
#include "config.h"

#include "fs/tree.h"
#include "tests/unit/fake_backend.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

struct fixture {
	struct rcapfs_backend *be;
	struct rcapfs_scanner *sc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->be = fake_backend_new();
	assert_int_equal(rcapfs_scanner_new(f->be, &f->sc), 0);
	assert_int_equal(rcapfs_scanner_create(f->sc, "web"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rcapfs_scanner_free(f->sc);
	rcapfs_backend_free(f->be);
	free(f);
	return 0;
}

static enum rcapfs_node_kind kind_of(struct fixture *f, const char *path)
{
	struct rcapfs_node n;

	assert_int_equal(rcapfs_tree_lookup(f->sc, path, &n), 0);
	return n.kind;
}

static void test_tree__lookup(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node n;

	assert_int_equal(kind_of(f, "/"), RCAPFS_NODE_ROOT);
	assert_int_equal(kind_of(f, "/caps"), RCAPFS_NODE_CAPS);
	assert_int_equal(kind_of(f, "/caps/"), RCAPFS_NODE_CAPS);
	assert_int_equal(kind_of(f, "/caps/web"), RCAPFS_NODE_COLL);
	assert_int_equal(kind_of(f, "/caps/web/cap"), RCAPFS_NODE_COLL_CAP);
	assert_int_equal(kind_of(f, "/caps/web/stats"), RCAPFS_NODE_COLL_STATS);
	assert_int_equal(kind_of(f, "/ctl/status"), RCAPFS_NODE_CTL_STATUS);
	assert_int_equal(kind_of(f, "/ctl/scan_interval"),
			 RCAPFS_NODE_CTL_KNOB);
	assert_int_equal(kind_of(f, "/caps/web/swap_idle"),
			 RCAPFS_NODE_COLL_SWAP_IDLE);
	assert_int_equal(kind_of(f, "/proc"), RCAPFS_NODE_PROC);
	assert_int_equal(kind_of(f, "/rcapfs.prom"), RCAPFS_NODE_PROM);
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_PROM), 0444);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/caps/web/cap", &n), 0);
	assert_string_equal(n.name, "web");
}

/* Each knob of the table is a file of M/ctl that names it. */
static void test_tree__ctl_knobs(void **state)
{
	struct fixture *f = *state;
	const struct rcapfs_child *c = rcapfs_node_children(RCAPFS_NODE_CTL);
	struct rcapfs_node n;
	char path[64];
	size_t i;

	for (i = 0; i < RCAPFS_CTL_NKNOBS; i++) {
		const struct rcapfs_ctl_knob *k = &rcapfs_ctl_knobs[i];

		assert_string_equal(c[i].name, k->file);
		snprintf(path, sizeof(path), "/ctl/%s", k->file);
		assert_int_equal(rcapfs_tree_lookup(f->sc, path, &n), 0);
		assert_int_equal(n.kind, RCAPFS_NODE_CTL_KNOB);
		assert_int_equal(n.knob, i);
		assert_int_equal(rcapfs_node_mode(n.kind), 0644);
	}
	assert_string_equal(c[i].name, "status");
	assert_null(c[i + 1].name);
}

static void test_tree__missing(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node n;
	char longname[300];

	assert_int_equal(rcapfs_tree_lookup(f->sc, "/nope", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/caps/db", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/caps/web/x", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/caps/web/cap/x", &n),
			 -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/ctl/cap", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/caps/.web", &n), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/caps/cap", &n), -ENOENT);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(rcapfs_tree_lookup(f->sc, longname, &n),
			 -ENAMETOOLONG);
	assert_int_equal(rcapfs_scanner_remove(f->sc, "web"), 0);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/caps/web/cap", &n),
			 -ENOENT);
}

/* One step from a node is the lookup of one more component. */
static void test_tree__child(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node n, c;

	assert_int_equal(rcapfs_tree_lookup(f->sc, "/caps", &n), 0);
	assert_int_equal(rcapfs_tree_child(f->sc, &n, "web", 3, &c), 0);
	assert_int_equal(c.kind, RCAPFS_NODE_COLL);
	assert_string_equal(c.name, "web");
	assert_int_equal(rcapfs_tree_child(f->sc, &c, "members", 7, &c), 0);
	assert_int_equal(c.kind, RCAPFS_NODE_COLL_MEMBERS);
	assert_string_equal(c.name, "web");
	/* Unchanged on error. */
	assert_int_equal(rcapfs_tree_child(f->sc, &n, "db", 2, &c), -ENOENT);
	assert_int_equal(c.kind, RCAPFS_NODE_COLL_MEMBERS);
	assert_int_equal(rcapfs_tree_child(f->sc, &c, "x", 1, &c), -ENOENT);
	assert_int_equal(rcapfs_tree_lookup(f->sc, "/proc", &n), 0);
	assert_int_equal(rcapfs_tree_child(f->sc, &n, "42", 2, &c), 0);
	assert_int_equal(c.kind, RCAPFS_NODE_PROC_PID);
	assert_int_equal(c.pid, 42);
	assert_int_equal(rcapfs_tree_child(f->sc, &n, "42", 300, &c),
			 -ENAMETOOLONG);
}

static void test_tree__parent(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node p;
	const char *leaf;

	assert_int_equal(rcapfs_tree_parent(f->sc, "/caps/db", &p, &leaf), 0);
	assert_int_equal(p.kind, RCAPFS_NODE_CAPS);
	assert_string_equal(leaf, "db");
	assert_int_equal(rcapfs_tree_parent(f->sc, "/caps/web/x", &p, &leaf),
			 0);
	assert_int_equal(p.kind, RCAPFS_NODE_COLL);
	assert_int_equal(rcapfs_tree_parent(f->sc, "/nope/x", &p, &leaf),
			 -ENOENT);
	assert_int_equal(rcapfs_tree_parent(f->sc, "/caps/", &p, &leaf),
			 -EINVAL);
}

static void test_tree__modes(void **state)
{
	const struct rcapfs_child *c;
	unsigned n = 0;

	(void)state;
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_COLL_CAP), 0644);
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_COLL_MEMBERS), 0644);
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_COLL_STATS), 0444);
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_CTL_STATUS), 0444);
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_CTL_KNOB), 0644);
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_COLL_SWAP_IDLE), 0644);
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_CAPS), 0755);
	assert_int_equal(rcapfs_node_mode(RCAPFS_NODE_PROC), 0555);
	assert_false(rcapfs_node_writable(RCAPFS_NODE_COLL_RSS));
	assert_true(rcapfs_node_writable(RCAPFS_NODE_CTL_KNOB));
	for (c = rcapfs_node_children(RCAPFS_NODE_CTL); c->name; c++)
		n++;
	assert_int_equal(n, RCAPFS_CTL_NKNOBS + 1);
	assert_null(rcapfs_node_children(RCAPFS_NODE_CAPS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree__lookup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree__ctl_knobs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree__missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree__child, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree__parent, setup,
						teardown),
		cmocka_unit_test(test_tree__modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
