/*
 * Costs for bench/pagedata.sh, one line per run: nanoseconds of CPU time
 * of the calling thread, plus those of every thread of DAEMON_PID when
 * given (the daemon does the work of a read of its files). CPU time, not
 * wall time: the machines this runs on are shared, and a walk of a 4 GiB
 * address space that waits for a CPU is not a slower walk.
 *
 *   pagedata-time victim KB [TOUCH_MS]
 *	map KB of anonymous memory, write every page, print "ready", wait
 *	to be killed; with TOUCH_MS, meanwhile write one page every
 *	TOUCH_MS milliseconds (the next one each time): a process that
 *	references memory between two reads of its pagedata
 *   pagedata-time pagedata FILE RUNS [DAEMON_PID]
 *	one descriptor; each run is one read(2) of st_size bytes (a whole
 *	snapshot, as a Solaris reader does it)
 *   pagedata-time pagemap PID RUNS
 *	the floor: each run reads /proc/PID/pagemap over every mapping of
 *	/proc/PID/maps, one pread per mapping, on a descriptor opened once
 *   pagedata-time file FILE RUNS [DAEMON_PID]
 *	each run opens FILE, reads it to the end and closes it (xmap, smaps)
 *   pagedata-time sources PID RUNS
 *	what a read of pagedata at mapping fidelity cannot do without, each
 *	run: read /proc/PID/smaps (referenced per mapping), write 1 to
 *	/proc/PID/clear_refs (reset)
 *   pagedata-time sources-hw PID RUNS
 *	and of pagedata_hw: the same, and pagemap read as above between
 *	them (present pages)
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "pagedata-time: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Whose CPU time counts besides the caller's; 0 for nobody. */
static pid_t daemon_pid;

/* CPU time of every thread of pid: the first field of each schedstat. */
static int64_t process_cpu_ns(pid_t pid)
{
	char path[96], line[128];
	struct dirent *d;
	int64_t sum = 0;
	long long ns;
	FILE *f;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		die(path);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/schedstat",
			 (int)pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue; /* a thread that just ended */
		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%lld", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

static int64_t cost_ns(void)
{
	struct timespec ts;
	int64_t self;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	self = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return self + (daemon_pid ? process_cpu_ns(daemon_pid) : 0);
}

static _Noreturn void victim(const char *kb, const char *touch_ms)
{
	size_t len = strtoull(kb, NULL, 10) * 1024, page, off = 0;
	long ms = touch_ms ? atol(touch_ms) : 0;
	struct timespec tick = {ms / 1000, ms % 1000 * 1000000};
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	memset(p, 1, len);
	printf("ready\n");
	fflush(stdout);
	page = (size_t)sysconf(_SC_PAGESIZE);
	for (;;) {
		if (ms <= 0) {
			pause();
			continue;
		}
		nanosleep(&tick, NULL);
		p[off]++;
		off = (off + page) % len;
	}
}

static int pagedata(const char *path, int runs)
{
	struct stat st;
	char *buf;
	ssize_t r;
	int64_t t;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	while (runs-- > 0) {
		if (fstat(fd, &st))
			die("fstat");
		buf = malloc((size_t)st.st_size);
		if (!buf)
			die("malloc");
		t = cost_ns();
		r = read(fd, buf, (size_t)st.st_size);
		t = cost_ns() - t;
		if (r != st.st_size)
			die("read of st_size bytes");
		printf("%" PRId64 "\n", t);
		free(buf);
	}
	close(fd);
	return 0;
}

struct range {
	uint64_t start, end;
};

/* Read all of path into buf (cap bytes at a time); exits on error. */
static void read_all(const char *path, char *buf, size_t cap)
{
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	while ((r = read(fd, buf, cap)) > 0)
		;
	if (r < 0)
		die(path);
	close(fd);
}

static void clear_refs(const char *pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/clear_refs", pid);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		die(path);
	close(fd);
}

/* What a run reads besides pagemap. */
enum sources { PAGEMAP, SMAPS_CLEAR, SMAPS_PAGEMAP_CLEAR };

/* Each run: pagemap over every mapping; with sources, smaps before and
 * clear_refs after (without pagemap for SMAPS_CLEAR). */
static int pagemap(const char *pid, int runs, enum sources sources)
{
	long page = sysconf(_SC_PAGESIZE);
	struct range *rs = NULL;
	size_t n = 0, cap = 0, i, most = 0;
	char path[64], line[512], *text;
	uint64_t *buf;
	int64_t t;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "r");
	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		struct range r;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &r.start, &r.end) != 2)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			rs = realloc(rs, cap * sizeof(*rs));
			if (!rs)
				die("realloc");
		}
		rs[n++] = r;
		if ((r.end - r.start) / (uint64_t)page > most)
			most = (r.end - r.start) / (uint64_t)page;
	}
	fclose(f);
	buf = malloc(most * sizeof(*buf) + 1);
	if (!buf)
		die("malloc");
	snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	text = malloc(1 << 16);
	if (!text)
		die("malloc");
	snprintf(path, sizeof(path), "/proc/%s/smaps", pid);
	while (runs-- > 0) {
		t = cost_ns();
		if (sources != PAGEMAP)
			read_all(path, text, 1 << 16);
		for (i = 0; sources != SMAPS_CLEAR && i < n; i++) {
			size_t len = (rs[i].end - rs[i].start) /
				     (uint64_t)page * sizeof(*buf);

			if (pread(fd, buf, len,
				  (off_t)(rs[i].start / (uint64_t)page *
					  sizeof(*buf))) < 0)
				die("pread pagemap");
		}
		if (sources != PAGEMAP)
			clear_refs(pid);
		t = cost_ns() - t;
		printf("%" PRId64 "\n", t);
	}
	close(fd);
	free(text);
	free(buf);
	free(rs);
	return 0;
}

static int whole_file(const char *path, int runs)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	int64_t t;

	if (!buf)
		die("malloc");
	while (runs-- > 0) {
		t = cost_ns();
		read_all(path, buf, cap);
		t = cost_ns() - t;
		printf("%" PRId64 "\n", t);
	}
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "victim") == 0)
		victim(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc == 5)
		daemon_pid = (pid_t)atoi(argv[4]);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "pagedata") == 0)
		return pagedata(argv[2], atoi(argv[3]));
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "file") == 0)
		return whole_file(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "pagemap") == 0)
		return pagemap(argv[2], atoi(argv[3]), PAGEMAP);
	if (argc == 4 && strcmp(argv[1], "sources") == 0)
		return pagemap(argv[2], atoi(argv[3]), SMAPS_CLEAR);
	if (argc == 4 && strcmp(argv[1], "sources-hw") == 0)
		return pagemap(argv[2], atoi(argv[3]), SMAPS_PAGEMAP_CLEAR);
	fprintf(stderr, "usage: pagedata-time victim KB [TOUCH_MS] | "
			"pagedata FILE RUNS [DAEMON_PID] | "
			"file FILE RUNS [DAEMON_PID] | pagemap PID RUNS | "
			"sources PID RUNS | sources-hw PID RUNS\n");
	return 2;
}
