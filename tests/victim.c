/*
 * A victim for the enforcement tests and benchmarks: maps memory of a
 * given size, file-backed or anonymous, touches all of it once, then keeps
 * touching a hot region of it and sleeps otherwise.
 *
 *   victim [--file PATH | --anon] --size MIB [--hot-start MIB --hot-size MIB]
 *          [--touch-ms N] [--reserve GIB]
 *
 * --file creates PATH (it must not exist) with real data, syncs it so its
 * pages are clean, maps it privately and read-only, and unlinks it (the
 * mapping keeps it alive, and a killed victim leaves nothing behind).
 * Readahead is turned off on the mapping so that each page brought back
 * from disk is one major fault: refaults can be counted from
 * /proc/PID/stat. --anon maps anonymous memory and writes every page.
 * The hot region is read every N ms (default 100). --reserve also reserves
 * GIB of address space, never touched (PROT_NONE, MAP_NORESERVE), as
 * sanitizers and language runtimes do. Once set up, prints
 * "PID ready" on stdout. Runs until killed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024)

struct opts {
	const char *file;
	unsigned long size_mib;
	unsigned long hot_start_mib;
	unsigned long hot_size_mib;
	unsigned long touch_ms;
	unsigned long reserve_gib;
};

static void usage(void)
{
	fprintf(stderr, "usage: victim [--file PATH | --anon] --size MIB "
			"[--hot-start MIB --hot-size MIB] [--touch-ms N] "
			"[--reserve GIB]\n");
	exit(2);
}

static unsigned long number(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end)
		usage();
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	bool anon = false;

	memset(o, 0, sizeof(*o));
	o->touch_ms = 100;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--anon") == 0) {
			anon = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(a, "--file") == 0)
			o->file = argv[++i];
		else if (strcmp(a, "--size") == 0)
			o->size_mib = number(argv[++i]);
		else if (strcmp(a, "--hot-start") == 0)
			o->hot_start_mib = number(argv[++i]);
		else if (strcmp(a, "--hot-size") == 0)
			o->hot_size_mib = number(argv[++i]);
		else if (strcmp(a, "--touch-ms") == 0)
			o->touch_ms = number(argv[++i]);
		else if (strcmp(a, "--reserve") == 0)
			o->reserve_gib = number(argv[++i]);
		else
			usage();
	}
	if (anon == (o->file != NULL) || o->size_mib == 0 ||
	    o->hot_start_mib + o->hot_size_mib > o->size_mib)
		usage();
}

static void die(const char *what)
{
	fprintf(stderr, "victim: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Write size bytes of data no filesystem stores as a hole or compresses
 * away, sync them, and map them. */
static char *map_file(const char *path, size_t size)
{
	char *buf = malloc(MIB), *p;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		die(path);
	if (!buf)
		die("malloc");
	for (size_t off = 0; off < size; off += MIB) {
		for (size_t i = 0; i < MIB; i += sizeof(uint64_t)) {
			uint64_t v = (off + i) * 0x9e3779b97f4a7c15ULL;

			memcpy(buf + i, &v, sizeof(v));
		}
		if (write(fd, buf, MIB) != (ssize_t)MIB)
			die("write");
	}
	free(buf);
	if (fsync(fd))
		die("fsync");
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (madvise(p, size, MADV_RANDOM))
		die("madvise");
	close(fd);
	unlink(path);
	return p;
}

static char *map_anon(size_t size)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	for (size_t i = 0; i < size; i += 4096)
		memset(p + i, (int)(i / 4096 % 251) + 1, 64);
	return p;
}

/* Read one byte of every page; the sum keeps the reads from being
 * optimised away. */
static unsigned touch(const volatile char *p, size_t len, size_t page)
{
	unsigned sum = 0;

	for (size_t i = 0; i < len; i += page)
		sum += (unsigned char)p[i];
	return sum;
}

int main(int argc, char **argv)
{
	struct opts o;
	size_t size, page = (size_t)sysconf(_SC_PAGESIZE);
	struct timespec pause;
	unsigned sum;
	char *p;

	parse(argc, argv, &o);
	size = o.size_mib * MIB;
	p = o.file ? map_file(o.file, size) : map_anon(size);
	sum = touch(p, size, page);
	if (o.reserve_gib && mmap(NULL, o.reserve_gib * 1024 * MIB, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0) == MAP_FAILED)
		die("mmap of the reservation");
	printf("%d ready\n", (int)getpid());
	fflush(stdout);
	pause.tv_sec = (time_t)(o.touch_ms / 1000);
	pause.tv_nsec = (long)(o.touch_ms % 1000) * 1000000L;
	for (;;) {
		if (o.hot_size_mib)
			sum += touch(p + o.hot_start_mib * MIB,
				     o.hot_size_mib * MIB, page);
		nanosleep(&pause, NULL);
	}
	return sum == 0;
}
