/*
 * Open-read-close load generator: THREADS threads each open a file, read it
 * once into a 64 KiB buffer and close it, over and over. With several
 * files, they take turns in slices of 50 ms, the first file of each round
 * rotating, until each has had SECONDS; so load from elsewhere on the
 * machine falls on all of them alike. Prints each file's rate in
 * operations per second, one per line, in the order given. Any failure
 * ends the run with status 1, so a broken mount never passes for a slow
 * one.
 *
 *   orc THREADS SECONDS FILE...
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define MAX_FILES   16
#define SLICE_S	    0.05

struct worker {
	pthread_t tid;
	const char *path;
	unsigned long ops;
	int err; /* errno of the first failure, or 0 */
};

struct target {
	const char *path;
	unsigned long ops;
	double secs;
};

static atomic_bool stop;

static void *work(void *arg)
{
	struct worker *w = arg;
	char buf[65536];
	ssize_t n;
	int fd;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		fd = open(w->path, O_RDONLY);
		if (fd < 0) {
			w->err = errno;
			break;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0)
			w->err = errno;
		else if (n == 0)
			w->err = ENODATA;
		close(fd);
		if (w->err)
			break;
		w->ops++;
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* One slice on t with n threads. Returns 0, or 1 after saying why. */
static int slice(struct target *t, int n)
{
	struct worker w[MAX_THREADS];
	double t0 = now_s();
	int i, started, rc, ret = 0;

	memset(w, 0, sizeof(w));
	atomic_store(&stop, false);
	for (started = 0; started < n; started++) {
		w[started].path = t->path;
		rc = pthread_create(&w[started].tid, NULL, work, &w[started]);
		if (rc) {
			fprintf(stderr, "orc: pthread_create: %s\n",
				strerror(rc));
			ret = 1;
			break;
		}
	}
	if (!ret)
		sleep_s(SLICE_S);
	atomic_store(&stop, true);
	for (i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		t->ops += w[i].ops;
		if (w[i].err && !ret) {
			fprintf(stderr, "orc: %s: %s\n", t->path,
				strerror(w[i].err));
			ret = 1;
		}
	}
	t->secs += now_s() - t0;
	return ret;
}

int main(int argc, char *argv[])
{
	struct target t[MAX_FILES];
	int i, round, nthreads, nfiles;
	double secs;
	char *end;

	if (argc < 4 || argc - 3 > MAX_FILES) {
		fprintf(stderr,
			"usage: orc THREADS SECONDS FILE... (at most "
			"%d files)\n",
			MAX_FILES);
		return 2;
	}
	nthreads = (int)strtol(argv[1], &end, 10);
	if (*end || nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "orc: THREADS must be 1..%d\n", MAX_THREADS);
		return 2;
	}
	secs = strtod(argv[2], &end);
	if (*end || !(secs > 0 && secs <= 3600)) {
		fprintf(stderr, "orc: SECONDS must be in (0, 3600]\n");
		return 2;
	}
	nfiles = argc - 3;
	memset(t, 0, sizeof(t));
	for (i = 0; i < nfiles; i++)
		t[i].path = argv[3 + i];
	for (round = 0; t[0].secs < secs; round++)
		for (i = 0; i < nfiles; i++)
			if (slice(&t[(round + i) % nfiles], nthreads))
				return 1;
	for (i = 0; i < nfiles; i++)
		printf("%.0f\n", (double)t[i].ops / t[i].secs);
	return 0;
}
