/*
 * bench/prom-render N RUNS: the cost of M/rcapfs.prom with N collections
 * against that of their N stats files read one by one, each rendered by
 * the front as an open does (path lookup, then the snapshot), without
 * FUSE. Every collection holds this process (a pid rule) and has a cap,
 * and one sample is taken first, so the figures are real ones. Prints
 * "prom US" and "stats US", each the median of RUNS rounds, in
 * microseconds.
 */
#include "config.h"

#include "fs/front.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Render the file at path into b; 0 or -errno. */
static int render(struct rcapfs_front *f, const char *path,
		  struct rcapfs_buf *b)
{
	static const struct rcapfs_caller root = {0, 0, 1};
	struct rcapfs_node n;
	int rc = rcapfs_front_lookup(f, path, &root, &n);

	rcapfs_buf_reset(b);
	return rc ? rc : rcapfs_front_render(f, &n, &root, b);
}

int main(int argc, char **argv)
{
	struct rcapfs_backend *be = NULL;
	struct rcapfs_scanner *sc = NULL;
	struct rcapfs_front *f = NULL;
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	char dir[] = "/tmp/rcapfs-prom-render.XXXXXX", state[64], rule[32];
	char name[32], path[64], err[128];
	double *prom = NULL, *stats = NULL, t;
	int n, runs, rc;

	if (argc != 3 || (n = atoi(argv[1])) <= 0 ||
	    n > RCAPFS_COLLECTIONS_MAX || (runs = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: prom-render N RUNS\n");
		return 2;
	}
	prom = calloc((size_t)runs, sizeof(*prom));
	stats = calloc((size_t)runs, sizeof(*stats));
	if (!prom || !stats || !mkdtemp(dir)) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(rule, sizeof(rule), "pid %ld\n", (long)getpid());
	rc = rcapfs_backend_new("/proc", "/sys", &be);
	if (rc == 0)
		rc = rcapfs_scanner_new(be, &sc);
	if (rc == 0)
		rc = rcapfs_front_new(
			&(struct rcapfs_front_config){
				.sc = sc, .be = be, .state_path = state},
			&f);
	for (int i = 0; rc == 0 && i < n; i++) {
		snprintf(name, sizeof(name), "c%04d", i);
		rc = rcapfs_scanner_create(sc, name);
		if (rc == 0)
			rc = rcapfs_scanner_set_cap(sc, name,
						    (uint64_t)(i + 1) << 20);
		if (rc == 0)
			rc = rcapfs_scanner_set_members(
				sc, name, rule, strlen(rule), false,
				RCAPFS_RULES_USER, err, sizeof(err));
	}
	if (rc == 0)
		rc = rcapfs_scanner_sample(sc);
	for (int r = 0; rc == 0 && r < runs; r++) {
		t = now_us();
		rc = render(f, "/rcapfs.prom", &b);
		prom[r] = now_us() - t;
		t = now_us();
		for (int i = 0; rc == 0 && i < n; i++) {
			snprintf(path, sizeof(path), "/caps/c%04d/stats", i);
			rc = render(f, path, &b);
		}
		stats[r] = now_us() - t;
	}
	if (rc == 0) {
		qsort(prom, (size_t)runs, sizeof(*prom), cmp_double);
		qsort(stats, (size_t)runs, sizeof(*stats), cmp_double);
		printf("prom %.0f\nstats %.0f\n", prom[runs / 2],
		       stats[runs / 2]);
	}
out:
	if (rc)
		fprintf(stderr, "prom-render: %s\n", strerror(-rc));
	rcapfs_buf_release(&b);
	rcapfs_front_free(f);
	rcapfs_scanner_free(sc);
	rcapfs_backend_free(be);
	rmdir(dir);
	free(prom);
	free(stats);
	return rc ? 1 : 0;
}
