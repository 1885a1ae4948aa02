/* What lets a server take over the connection of a dead one: node ids
 * derived from what a node is (fs/ino.h), the same in any server started
 * from the same state file, stale once their object is gone; and open
 * files of a server before this one made again from their node and open
 * flags (rcapfs_front_adopt). A second front over the same scanner stands
 * for the server that took over. */
#include "config.h"

#include "fs/front.h"
#include "fs/ino.h"
#include "fs/state.h"
#include "rcapfs/procfs.h"

#include "tests/unit/fake_backend.h"
#include "tests/unit/front_fixture.h"
#include "tests/unit/scanner_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A front over the fixture's scanner, as a new server would make it. */
static struct rcapfs_front *
new_server(struct fixture *f, struct rcapfs_scanner *sc, uint32_t instance)
{
	struct rcapfs_front *front = NULL;

	assert_int_equal(
		rcapfs_front_new(
			&(struct rcapfs_front_config){.sc = sc,
						      .be = f->be,
						      .state_path = f->path,
						      .start_time = 2000,
						      .instance = instance},
			&front),
		0);
	return front;
}

static uint64_t ino_of(struct fixture *f, const char *path)
{
	struct rcapfs_node n = fx_node(f, path);

	return rcapfs_ino_encode(&n);
}

static void mkcoll(struct fixture *f, const char *name)
{
	struct rcapfs_node caps = fx_node(f, "/caps");

	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, name, &root), 0);
}

/* Each listed name's id is the one its lookup gives. */
struct listed {
	struct fixture *f;
	const struct rcapfs_node *dir;
	int names;
};

static int check_listed(void *ctx, const char *name, uint64_t ino)
{
	struct listed *l = ctx;
	struct rcapfs_node n, parent;

	if (strcmp(name, ".") == 0) {
		assert_int_equal(ino, rcapfs_ino_encode(l->dir));
		return 0;
	}
	if (strcmp(name, "..") == 0) {
		rcapfs_node_parent(l->dir, &parent);
		assert_int_equal(ino, rcapfs_ino_encode(&parent));
		return 0;
	}
	assert_int_equal(
		rcapfs_front_child(l->f->front, l->dir, name, &root, &n), 0);
	assert_int_equal(ino, rcapfs_ino_encode(&n));
	l->names++;
	return 0;
}

static void test_adopt__listed_ids(void **state)
{
	static const char *const dirs[] = {"/",	   "/caps", "/caps/web",
					   "/ctl", "/proc", "/proc/4242"};
	struct fixture *f = *state;

	mkcoll(f, "web");
	mkcoll(f, "db");
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct rcapfs_node dir = fx_node(f, dirs[i]);
		struct listed l = {f, &dir, 0};

		assert_int_equal(rcapfs_front_readdir(f->front, &dir, &root,
						      check_listed, &l),
				 0);
		assert_true(l.names > 0);
	}
	assert_int_equal(ino_of(f, "/"), 1);
}

/* An id names the same node to any front, back to its name or process. */
static void test_adopt__ids_resolve(void **state)
{
	static const char *const paths[] = {"/",
					    "/caps",
					    "/caps/web",
					    "/caps/web/cap",
					    "/caps/web/members",
					    "/ctl/mode",
					    "/ctl/status",
					    "/proc/4242",
					    "/proc/4242/pagedata",
					    "/rcapfs.prom"};
	struct fixture *f = *state;
	struct rcapfs_front *next;
	struct rcapfs_node n, back;

	mkcoll(f, "web");
	next = new_server(f, f->sc, 2);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		n = fx_node(f, paths[i]);
		assert_int_equal(
			rcapfs_front_node(next, rcapfs_ino_encode(&n), &back),
			0);
		assert_int_equal(back.kind, n.kind);
		assert_string_equal(back.name, n.name);
		assert_int_equal(back.id, n.id);
		if (n.kind == RCAPFS_NODE_CTL_KNOB)
			assert_int_equal(back.knob, n.knob);
		assert_int_equal(back.pid, n.pid);
		assert_int_equal(back.start_ticks, n.start_ticks);
	}
	rcapfs_front_free(next);
}

/* A server restarted from the state file derives the same ids. */
static void test_adopt__ids_after_restart(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_backend *be2;
	struct rcapfs_scanner *sc2;
	struct rcapfs_front *next;
	struct rcapfs_node n, back;
	uint64_t web, db;

	mkcoll(f, "web");
	mkcoll(f, "gone");
	mkcoll(f, "db");
	web = ino_of(f, "/caps/web/stats");
	db = ino_of(f, "/caps/db");
	n = fx_node(f, "/caps/gone");
	assert_int_equal(rcapfs_front_rmdir(f->front, &n, &root), 0);
	scanner_fixture_new(&be2, &sc2);
	assert_int_equal(rcapfs_state_load(sc2, f->path), 0);
	next = new_server(f, sc2, 2);
	assert_int_equal(rcapfs_front_node(next, web, &back), 0);
	assert_string_equal(back.name, "web");
	assert_int_equal(back.kind, RCAPFS_NODE_COLL_STATS);
	assert_int_equal(rcapfs_front_node(next, db, &back), 0);
	assert_string_equal(back.name, "db");
	/* A collection made after the restart does not get gone's id. */
	back = fx_node(f, "/caps");
	assert_int_equal(rcapfs_front_mkdir(next, &back, "new", &root), 0);
	assert_int_equal(rcapfs_front_node(next, rcapfs_ino_encode(&n), &back),
			 -ESTALE);
	rcapfs_front_free(next);
	scanner_fixture_free(be2, sc2);
}

static void test_adopt__stale(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_proc p = {.pid = 1, .start_ticks = 10};
	struct rcapfs_node n;
	uint64_t coll, file, proc, pd;

	mkcoll(f, "web");
	coll = ino_of(f, "/caps/web");
	file = ino_of(f, "/caps/web/cap");
	proc = ino_of(f, "/proc/4242");
	pd = ino_of(f, "/proc/4242/pagedata");
	n = fx_node(f, "/caps/web");
	assert_int_equal(rcapfs_front_rmdir(f->front, &n, &root), 0);
	assert_int_equal(rcapfs_front_node(f->front, coll, &n), -ESTALE);
	assert_int_equal(rcapfs_front_node(f->front, file, &n), -ESTALE);
	/* Made again under the same name: another collection. */
	mkcoll(f, "web");
	assert_int_equal(rcapfs_front_node(f->front, file, &n), -ESTALE);
	assert_true(ino_of(f, "/caps/web/cap") != file);
	/* The process exits; then its pid comes back, started later. */
	fake_backend_set_procs(f->be, &p, 1);
	assert_int_equal(rcapfs_front_node(f->front, proc, &n), -ESTALE);
	struct rcapfs_proc again[2] = {p, {.pid = VPID, .start_ticks = 78}};
	fake_backend_set_procs(f->be, again, 2);
	assert_int_equal(rcapfs_front_node(f->front, proc, &n), -ESTALE);
	assert_int_equal(rcapfs_front_node(f->front, pd, &n), -ESTALE);
	assert_int_equal(rcapfs_front_node(f->front, 0xff, &n), -ESTALE);
}

/* The open files of a server before this one, by the ids the kernel
 * holds: made again at the first request that names them. */
static void test_adopt__snapshot(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_front *next;
	struct rcapfs_node n;
	uint64_t fh, w;
	char buf[64];
	size_t got;

	mkcoll(f, "web");
	fh = fx_open_as(f, "/caps/web/cap", &root, O_RDONLY);
	assert_string_equal(fx_read_at(f, fh, 0), "0\n");
	w = fx_open_as(f, "/caps/web/cap", &root, O_WRONLY);
	assert_int_equal(fx_write_str(f, w, "1M"), 0);
	next = new_server(f, f->sc, 2);
	n = fx_node(f, "/caps/web/cap");
	assert_int_equal(
		rcapfs_front_read(next, fh, &root, 0, buf, sizeof(buf), &got),
		-EBADF);
	assert_int_equal(rcapfs_front_adopt(next, fh, &n, &root, O_RDONLY), 0);
	/* Rendered anew, served by offset as any snapshot. */
	assert_int_equal(
		rcapfs_front_read(next, fh, &root, 2, buf, sizeof(buf), &got),
		0);
	assert_int_equal(got, strlen("1048576\n") - 2);
	assert_memory_equal(buf, "48576\n", got);
	/* Once only, whoever asks first. */
	assert_int_equal(rcapfs_front_adopt(next, fh, &n, &root, O_RDONLY), 0);
	assert_int_equal(rcapfs_front_open_files(next), 1);
	/* RELEASE: of an id never seen, ignored; of the adopted, closed. */
	rcapfs_front_release(next, w);
	assert_int_equal(rcapfs_front_open_files(next), 1);
	rcapfs_front_release(next, fh);
	assert_int_equal(rcapfs_front_open_files(next), 0);
	rcapfs_front_free(next);
	rcapfs_front_release(f->front, fh);
	rcapfs_front_release(f->front, w);
}

/* Two servers never give the same id. */
static void test_adopt__own_ids(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_front *next = new_server(f, f->sc, 2);
	struct rcapfs_node n = fx_node(f, "/ctl/mode");
	uint64_t mine, theirs;
	char buf[16];
	size_t got;

	mine = fx_open_as(f, "/ctl/mode", &root, O_RDONLY);
	assert_int_equal(rcapfs_front_open(next, &n, &root, O_RDONLY, &theirs),
			 0);
	assert_true(mine != theirs);
	assert_int_equal(
		rcapfs_front_read(next, mine, &root, 0, buf, sizeof(buf), &got),
		-EBADF);
	rcapfs_front_release(next, theirs);
	rcapfs_front_release(f->front, mine);
	rcapfs_front_free(next);
}

static char *members(struct fixture *f)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	assert_int_equal(
		rcapfs_scanner_members(f->sc, "web", RCAPFS_RULES_USER, &b), 0);
	return b.data ? b.data : strdup("");
}

/* A members file opened to append appends after the takeover; one opened
 * to replace replaces with its next write, as a new open would. */
static void test_adopt__members(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_front *next;
	struct rcapfs_node n;
	uint64_t app, rep;
	char *text;

	mkcoll(f, "web");
	app = fx_open_as(f, "/caps/web/members", &root, O_WRONLY | O_APPEND);
	rep = fx_open_as(f, "/caps/web/members", &root, O_WRONLY);
	assert_int_equal(fx_write_str(f, app, "uid 1\n"), 0);
	next = new_server(f, f->sc, 2);
	n = fx_node(f, "/caps/web/members");
	assert_int_equal(rcapfs_front_write(next, app, &root, "uid 2\n", 6),
			 -EBADF);
	assert_int_equal(
		rcapfs_front_adopt(next, app, &n, &root, O_WRONLY | O_APPEND),
		0);
	assert_int_equal(rcapfs_front_write(next, app, &root, "uid 2\n", 6), 0);
	text = members(f);
	assert_string_equal(text, "uid 1\nuid 2\n");
	free(text);
	assert_int_equal(rcapfs_front_adopt(next, rep, &n, &root, O_WRONLY), 0);
	assert_int_equal(rcapfs_front_write(next, rep, &root, "uid 3\n", 6), 0);
	assert_int_equal(rcapfs_front_write(next, rep, &root, "uid 4\n", 6), 0);
	text = members(f);
	assert_string_equal(text, "uid 3\nuid 4\n");
	free(text);
	/* Still the same checks as an open: not root, no write. */
	assert_int_equal(
		rcapfs_front_adopt(next, app + 100, &n, &other, O_WRONLY),
		-EACCES);
	rcapfs_front_free(next);
	rcapfs_front_release(f->front, app);
	rcapfs_front_release(f->front, rep);
}

/* A pagedata reader is opened anew (its own bits start from now; the
 * old one's are lost, and the log says so) and serves whole snapshots. */
static void test_adopt__pagedata(void **state)
{
	struct fixture *f = *state;
	const size_t size = sizeof(prpageheader_t) + sizeof(prasmap_t) + 8;
	struct rcapfs_front *next;
	struct rcapfs_node n;
	char buf[4096];
	uint64_t pd;
	size_t got;

	pd = fx_open_as(f, "/proc/4242/pagedata", &owner, O_RDONLY);
	next = new_server(f, f->sc, 2);
	n = fx_node(f, "/proc/4242/pagedata");
	assert_int_equal(rcapfs_front_adopt(next, pd, &n, &owner, O_RDONLY), 0);
	assert_true(rcapfs_front_size_uncached(next, pd));
	assert_int_equal(rcapfs_front_read(next, pd, &owner, 100, buf,
					   sizeof(buf), &got),
			 0);
	assert_int_equal(got, size);
	assert_int_equal(((const prpageheader_t *)buf)->pr_nmap, 1);
	/* Another's process: refused as an open is. */
	assert_int_equal(
		rcapfs_front_adopt(next, pd + 100, &n, &other, O_RDONLY),
		-EACCES);
	/* Left open: freed with the front, as at unmount. */
	rcapfs_front_free(next);
	rcapfs_front_release(f->front, pd);
}

int main(void)
{
#define T(name)                                                                \
	cmocka_unit_test_setup_teardown(name, front_fixture_setup,             \
					front_fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_adopt__listed_ids),	  T(test_adopt__ids_resolve),
		T(test_adopt__ids_after_restart), T(test_adopt__stale),
		T(test_adopt__snapshot),	  T(test_adopt__own_ids),
		T(test_adopt__members),		  T(test_adopt__pagedata),
	};
#undef T

	return cmocka_run_group_tests_name("adopt", tests, NULL, NULL);
}
