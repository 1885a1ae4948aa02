/* The fixture of the front tests: a front over a scanner and a fake
 * backend with two processes (init, and VPID of uid 1000 with one mapping
 * of four pages, two touched), and the calls the tests make on it. */
#ifndef RCAPFS_TESTS_FRONT_FIXTURE_H
#define RCAPFS_TESTS_FRONT_FIXTURE_H

#include "fs/front.h"

#include <stdint.h>
#include <sys/types.h>

#define PAGE	  4096u
#define VPID	  4242 /* a process of uid 1000 with one mapping */
#define MAP_START 0x10000000ull

extern const struct rcapfs_caller root, owner, other;

struct fixture {
	char dir[64];
	char path[128]; /* dir/state */
	struct rcapfs_backend *be;
	struct rcapfs_scanner *sc;
	struct rcapfs_front *front;
};

/* cmocka setup and teardown: a struct fixture in *state. */
int front_fixture_setup(void **state);
int front_fixture_teardown(void **state);

/* The node of path as who (or root) looks it up, or fail. */
struct rcapfs_node fx_node_as(struct fixture *f, const char *path,
			      const struct rcapfs_caller *who);
struct rcapfs_node fx_node(struct fixture *f, const char *path);

/* Open path with flags as who; the id, or fail. */
uint64_t fx_open_as(struct fixture *f, const char *path,
		    const struct rcapfs_caller *who, int flags);

/* What a read from off of fh gives, as a string (static storage). */
const char *fx_read_at(struct fixture *f, uint64_t fh, off_t off);

/* One write of s to fh as root: 0 or -errno. */
int fx_write_str(struct fixture *f, uint64_t fh, const char *s);

#endif
