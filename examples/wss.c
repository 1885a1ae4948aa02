/*
 * wss PID SECONDS [MOUNT]: the working-set size of a process, the memory
 * it referenced during SECONDS, from MOUNT/proc/PID/pagedata_hw (MOUNT
 * defaults to /run/rcapfs): open, wait, read once, count the pages marked
 * referenced, and the resident ones. The first read of a pagedata
 * descriptor covers what happened since it was opened, so nothing is
 * cleared and nobody else's view of the process is disturbed.
 *
 * pagedata_hw is pagedata with PG_HWMAPPED set on present pages, which
 * Solaris never sets (a Solaris program reads pagedata); it costs the
 * daemon a walk of the pages, which the resident count needs.
 *
 * How precise the count is depends on the kernel (MOUNT/ctl/status
 * "fidelity"): page, per-page referenced bits; mapping, every resident
 * page of a mapping referenced at all (an upper bound); none, no
 * referenced bits (the count is 0). It is printed with the result.
 *
 * Uses include/rcapfs/procfs.h and libc only, as a Solaris reader would.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rcapfs/procfs.h>

/* The fidelity line of ctl/status, or "unknown". */
static void read_fidelity(const char *mount, char *out, size_t len)
{
	char path[4096], line[256];
	FILE *f;

	snprintf(out, len, "unknown");
	snprintf(path, sizeof(path), "%s/ctl/status", mount);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "fidelity ", 9) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%.31s", line + 9);
			break;
		}
	}
	fclose(f);
}

/*
 * One read of a whole snapshot, as a Solaris reader does it: the size
 * from fstat, a larger buffer on E2BIG (the process grew). Returns the
 * bytes read, or -1 with errno set.
 */
static ssize_t read_snapshot(int fd, char **buf)
{
	struct stat st;
	size_t size;
	ssize_t r;
	char *p;

	if (fstat(fd, &st))
		return -1;
	size = (size_t)st.st_size + 4096;
	for (;;) {
		p = realloc(*buf, size);
		if (!p)
			return -1;
		*buf = p;
		r = read(fd, *buf, size);
		if (r >= 0 || (errno != E2BIG && errno != EINTR))
			return r;
		if (errno == E2BIG)
			size *= 2;
	}
}

int main(int argc, char **argv)
{
	const char *mount = argc > 3 ? argv[3] : "/run/rcapfs";
	uint64_t resident = 0, referenced = 0, pagesize = 0;
	char path[4096], fidelity[64], *end, *buf = NULL;
	const prpageheader_t *h;
	struct timespec ts;
	size_t off;
	double secs;
	ssize_t len;
	int64_t i;
	long pid;
	int fd;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: wss PID SECONDS [MOUNT]\n");
		return 2;
	}
	errno = 0;
	pid = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || pid <= 0) {
		fprintf(stderr, "wss: not a process id: %s\n", argv[1]);
		return 2;
	}
	secs = strtod(argv[2], &end);
	if (*end || end == argv[2] || !(secs >= 0 && secs <= 86400)) {
		fprintf(stderr, "wss: not a number of seconds: %s\n", argv[2]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/proc/%ld/pagedata_hw", mount, pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "wss: %s: %s\n", path, strerror(errno));
		return 1;
	}
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	len = read_snapshot(fd, &buf);
	if (len < 0) {
		fprintf(stderr, "wss: %s: %s\n", path, strerror(errno));
		close(fd);
		free(buf);
		return 1;
	}
	close(fd);
	if ((size_t)len < sizeof(*h)) {
		fprintf(stderr, "wss: %s: short read\n", path);
		free(buf);
		return 1;
	}
	h = (const prpageheader_t *)buf;
	off = sizeof(*h);
	for (i = 0; i < h->pr_nmap; i++) {
		const prasmap_t *a = (const prasmap_t *)(buf + off);
		const unsigned char *flags = (const unsigned char *)(a + 1);
		uint64_t j;

		if (off + sizeof(*a) > (size_t)len ||
		    a->pr_npage > (size_t)len - off - sizeof(*a)) {
			fprintf(stderr, "wss: %s: truncated snapshot\n", path);
			free(buf);
			return 1;
		}
		for (j = 0; j < a->pr_npage; j++) {
			if (flags[j] & PG_HWMAPPED)
				resident++;
			if (flags[j] & PG_REFERENCED)
				referenced++;
		}
		pagesize = (uint64_t)a->pr_pagesize;
		off += sizeof(*a) + PRPAGEDATA_PAD(a->pr_npage);
	}
	free(buf);
	read_fidelity(mount, fidelity, sizeof(fidelity));
	printf("%8s %9s %10s %10s %14s %s\n", "PID", "SECONDS", "RSS_PAGES",
	       "REF_PAGES", "REF_BYTES", "FIDELITY");
	printf("%8ld %9.3f %10" PRIu64 " %10" PRIu64 " %14" PRIu64 " %s\n", pid,
	       secs, resident, referenced, referenced * pagesize, fidelity);
	if (strcmp(fidelity, "none") == 0)
		fprintf(stderr, "wss: this kernel tells no referenced bits: "
				"the working set cannot be measured\n");
	return 0;
}
