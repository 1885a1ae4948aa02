/*
 * Small helpers shared by the benchmarks' C programs in bench/: their
 * command-line numbers, their clock, a process's resident size.
 * Header-only: each program is one file plus this.
 */
#ifndef RCAPFS_BENCH_TOOL_H
#define RCAPFS_BENCH_TOOL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NS_PER_MS UINT64_C(1000000)
#define TOOL_NS_PER_S  UINT64_C(1000000000)

/* s as a decimal number; prog says so and exits 2 when it is not one. */
static inline uint64_t tool_number(const char *prog, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "%s: not a number: %s\n", prog, s);
		exit(2);
	}
	return v;
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t tool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * TOOL_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Resident bytes of pid (statm: cheap enough to read between two calls
 * that page out) in *bytes. Returns 0, or -1 when pid is gone. */
static inline int tool_resident_bytes(pid_t pid, uint64_t *bytes)
{
	unsigned long long size, resident;
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	if (n != 2)
		return -1;
	*bytes = resident * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

#endif
