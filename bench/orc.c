/*
 * Open-read-close load generator: THREADS threads each open FILE, read it
 * once into a 64 KiB buffer and close it, over and over for SECONDS; prints
 * the total rate in operations per second. Any failure ends the run with
 * status 1, so a broken mount never passes for a slow one.
 *
 *   orc THREADS SECONDS FILE
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

struct worker {
	pthread_t tid;
	const char *path;
	unsigned long ops;
	int err; /* errno of the first failure, or 0 */
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

int main(int argc, char *argv[])
{
	struct worker w[MAX_THREADS];
	struct timespec dur;
	unsigned long total = 0;
	double secs, t0, t1;
	int i, nthreads, rc, ret = 0;
	char *end;

	if (argc != 4) {
		fprintf(stderr, "usage: orc THREADS SECONDS FILE\n");
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
	memset(w, 0, sizeof(w));
	t0 = now_s();
	for (i = 0; i < nthreads; i++) {
		w[i].path = argv[3];
		rc = pthread_create(&w[i].tid, NULL, work, &w[i]);
		if (rc) {
			fprintf(stderr, "orc: pthread_create: %s\n",
				strerror(rc));
			atomic_store(&stop, true);
			nthreads = i;
			ret = 1;
			break;
		}
	}
	if (!ret) {
		dur.tv_sec = (time_t)secs;
		dur.tv_nsec = (long)((secs - (double)dur.tv_sec) * 1e9);
		while (nanosleep(&dur, &dur) && errno == EINTR)
			;
		atomic_store(&stop, true);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].ops;
		if (w[i].err && !ret) {
			fprintf(stderr, "orc: %s: %s\n", argv[3],
				strerror(w[i].err));
			ret = 1;
		}
	}
	t1 = now_s();
	if (ret)
		return ret;
	printf("%.0f\n", (double)total / (t1 - t0));
	return 0;
}
