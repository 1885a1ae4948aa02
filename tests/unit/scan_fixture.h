/* The fixture of the scan tests and of the fake backend's own: a fake
 * backend with the features asked for, a reference tracker and a scan
 * over it, and member processes with mappings whose pages are present. */
#ifndef RCAPFS_TESTS_SCAN_FIXTURE_H
#define RCAPFS_TESTS_SCAN_FIXTURE_H

#include "compat/backend.h"
#include "scanner/scan.h"
#include "scanner/tracker.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCAN_FIXTURE_PROCS 4

struct scan_fixture {
	struct rcapfs_backend *be;
	struct rcapfs_tracker *tr;
	struct rcapfs_scan *scan;
	struct rcapfs_proc procs[SCAN_FIXTURE_PROCS];
	/* The processes as victims of a scan, in the order added. */
	struct rcapfs_scan_victim victims[SCAN_FIXTURE_PROCS];
	size_t n;
	/* What the tests' scans ask for (pageout, no swap, unless set). */
	enum rcapfs_advice advice;
	bool swap;
};

/* A fixture over a backend with features *feat. Fails the test when it
 * cannot be made; free it with scan_fixture_free(). */
struct scan_fixture *scan_fixture_new(const struct rcapfs_features *feat);
void scan_fixture_free(struct scan_fixture *f);

/* A member process pid, started at pid * 10 ticks; pids must be added in
 * ascending order. */
void scan_fixture_add_proc(struct scan_fixture *f, pid_t pid);

/* A mapping of pid of bytes at start (flags: RCAPFS_MAP_* besides READ; a
 * file is mapped unless ANON), every page present and not referenced. */
void scan_fixture_add_map(struct scan_fixture *f, pid_t pid, uint64_t start,
			  uint64_t bytes, uint32_t flags);

#endif
