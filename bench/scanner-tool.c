/*
 * Helper of the scanner benchmarks (bench/scanner*.sh).
 *
 *   scanner-tool raw PID BYTES STEP TARGET_KB
 *       The reference pageout: process_madvise(MADV_PAGEOUT) over the
 *       first BYTES of PID's largest mapping, in address order, STEP bytes
 *       a call, stopping early once its VmRSS is at most TARGET_KB (0:
 *       never). Prints the nanoseconds spent in the calls.
 *
 *   scanner-tool cap FILE CAP PID TIMEOUT_S
 *       Writes CAP to FILE (a collection's cap), then polls PID's resident
 *       size every millisecond until it is at most CAP bytes. Prints the
 *       nanoseconds from the write's return to then; exits 1 on timeout.
 */
#include "config.h"
#include "tool.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "scanner-tool: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Resident bytes of pid. */
static uint64_t rss_bytes(pid_t pid)
{
	uint64_t bytes;

	if (tool_resident_bytes(pid, &bytes))
		die("statm");
	return bytes;
}

/* The largest mapping of pid: its start and length. */
static void largest_mapping(pid_t pid, uint64_t *start, uint64_t *len)
{
	unsigned long long lo, hi;
	char path[64], line[4096];
	FILE *f;

	*len = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 &&
		    hi - lo > *len) {
			*start = lo;
			*len = hi - lo;
		}
	fclose(f);
}

static int raw(pid_t pid, uint64_t bytes, uint64_t step, uint64_t target_kb)
{
	uint64_t start, len, spent = 0;
	int pidfd;

	largest_mapping(pid, &start, &len);
	if (bytes > len)
		bytes = len;
	if (step == 0)
		step = bytes;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		die("pidfd_open");
	for (uint64_t off = 0; off < bytes; off += step) {
		struct iovec iov = {(void *)(uintptr_t)(start + off),
				    off + step > bytes ? bytes - off : step};
		uint64_t t0;

		if (target_kb && rss_bytes(pid) <= target_kb * 1024)
			break;
		t0 = tool_now_ns();
		if (syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_PAGEOUT,
			    0) < 0)
			die("process_madvise");
		spent += tool_now_ns() - t0;
	}
	close(pidfd);
	printf("%" PRIu64 "\n", spent);
	return 0;
}

static int cap(const char *file, const char *value, pid_t pid,
	       uint64_t timeout_s)
{
	struct timespec ms = {0, 1000 * 1000};
	uint64_t limit = tool_number("scanner-tool", value), t0, t;
	size_t len = strlen(value);
	int fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		die(file);
	if (write(fd, value, len) != (ssize_t)len)
		die("write");
	if (close(fd))
		die("close");
	t0 = tool_now_ns();
	while (rss_bytes(pid) > limit) {
		t = tool_now_ns();
		if (t - t0 > timeout_s * TOOL_NS_PER_S) {
			fprintf(stderr, "scanner-tool: rss still over %s\n",
				value);
			return 1;
		}
		nanosleep(&ms, NULL);
	}
	printf("%" PRIu64 "\n", tool_now_ns() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "raw") == 0)
		return raw((pid_t)tool_number("scanner-tool", argv[2]),
			   tool_number("scanner-tool", argv[3]),
			   tool_number("scanner-tool", argv[4]),
			   tool_number("scanner-tool", argv[5]));
	if (argc == 6 && strcmp(argv[1], "cap") == 0)
		return cap(argv[2], argv[3],
			   (pid_t)tool_number("scanner-tool", argv[4]),
			   tool_number("scanner-tool", argv[5]));
	fprintf(stderr, "usage: scanner-tool raw PID BYTES STEP TARGET_KB\n"
			"       scanner-tool cap FILE CAP PID TIMEOUT_S\n");
	return 2;
}
