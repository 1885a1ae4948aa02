/*
 * A process with memory of known shape for tests/integration/procfs.sh,
 * each region its own mapping (PROT_NONE guard pages keep the kernel from
 * merging it with its neighbours):
 *
 *	-a KB	anonymous memory, written once
 *	-f FILE -F KB	the first KB of FILE, mapped private read-only, read
 *once -h KB	anonymous memory read every 10 ms: the hot set
 *	-c KB	anonymous memory written once, and again on each SIGUSR1
 *	-z KB	anonymous memory read once, never written: the zero page
 *	-l	mlock the regions but the zero page's, so that memory pressure
 *		from elsewhere cannot change what the test counts
 *
 * Prints "NAME 0xSTART 0xEND" for each region, then "ready"; after each
 * SIGUSR1, "touched N"; after each SIGUSR2, once the hot set has been read
 * whole since, "hot N". Runs until killed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t touch_cold;
static volatile sig_atomic_t hot_asked; /* SIGUSR2s so far */
/* Where reads of the regions go, so they are not optimised away. */
static volatile char sink;

static void on_usr1(int sig)
{
	touch_cold = 1;
}

static void on_usr2(int sig)
{
	hot_asked++;
}

static void die(const char *what)
{
	fprintf(stderr, "procfs-victim: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A region of len bytes that is a mapping of its own. */
static char *region(size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	p = mmap(NULL, len + 2 * (size_t)page, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (mprotect(p + page, len, PROT_READ | PROT_WRITE))
		die("mprotect");
	return p + page;
}

static size_t kb_arg(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > (1ul << 30)) {
		fprintf(stderr, "procfs-victim: bad size: %s\n", s);
		exit(2);
	}
	return v * 1024;
}

static int lock;

static void report(const char *name, const char *p, size_t len)
{
	if (lock && mlock(p, len))
		die("mlock");
	printf("%s 0x%" PRIxPTR " 0x%" PRIxPTR "\n", name, (uintptr_t)p,
	       (uintptr_t)(p + len));
}

int main(int argc, char **argv)
{
	size_t anon_len = 0, file_len = 0, hot_len = 0, cold_len = 0, i;
	size_t zero_len = 0;
	const char *file = NULL;
	char *anon = NULL, *hot = NULL, *cold = NULL, *zero = NULL;
	const char *mapped = NULL;
	struct timespec tick = {0, 10 * 1000 * 1000};
	long page = sysconf(_SC_PAGESIZE);
	unsigned long touched = 0;
	sig_atomic_t hot_answered = 0;
	int c, fd;

	while ((c = getopt(argc, argv, "a:f:F:h:c:z:l")) != -1) {
		switch (c) {
		case 'a':
			anon_len = kb_arg(optarg);
			break;
		case 'f':
			file = optarg;
			break;
		case 'F':
			file_len = kb_arg(optarg);
			break;
		case 'h':
			hot_len = kb_arg(optarg);
			break;
		case 'c':
			cold_len = kb_arg(optarg);
			break;
		case 'z':
			zero_len = kb_arg(optarg);
			break;
		case 'l':
			lock = 1;
			break;
		default:
			fprintf(stderr,
				"usage: procfs-victim [-a KB] [-f FILE "
				"-F KB] [-h KB] [-c KB] [-z KB] [-l]\n");
			return 2;
		}
	}
	if (signal(SIGUSR1, on_usr1) == SIG_ERR ||
	    signal(SIGUSR2, on_usr2) == SIG_ERR)
		die("signal");
	if (anon_len) {
		anon = region(anon_len);
		memset(anon, 1, anon_len);
		report("anon", anon, anon_len);
	}
	if (file && file_len) {
		fd = open(file, O_RDONLY);
		if (fd < 0)
			die(file);
		mapped = mmap(NULL, file_len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (mapped == MAP_FAILED)
			die("mmap file");
		close(fd);
		for (i = 0; i < file_len; i += (size_t)page)
			sink += mapped[i];
		report("file", mapped, file_len);
	}
	if (hot_len) {
		hot = region(hot_len);
		memset(hot, 2, hot_len);
		report("hot", hot, hot_len);
	}
	if (cold_len) {
		cold = region(cold_len);
		memset(cold, 3, cold_len);
		report("cold", cold, cold_len);
	}
	if (zero_len) {
		zero = region(zero_len);
		for (i = 0; i < zero_len; i += (size_t)page)
			sink += zero[i];
		lock = 0;
		report("zero", zero, zero_len);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		/* Asked before this pass began: answered when it ends. */
		sig_atomic_t asked = hot_asked;

		for (i = 0; i < hot_len; i += (size_t)page)
			sink += hot[i];
		if (asked != hot_answered) {
			hot_answered = asked;
			printf("hot %d\n", (int)asked);
			fflush(stdout);
		}
		if (touch_cold) {
			touch_cold = 0;
			for (i = 0; i < cold_len; i += (size_t)page)
				cold[i]++;
			printf("touched %lu\n", ++touched);
			fflush(stdout);
		}
		nanosleep(&tick, NULL);
	}
}
