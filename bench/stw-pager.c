/*
 * The stop-the-world pager of bench/pgbench.sh: what Solaris rcapd did to
 * a victim (its agent LWP held the whole process stopped while it paged
 * it out), done with the means rcapfs has (process_madvise), so that the
 * benchmark can set it against rcapfs, which never stops a process.
 *
 *   stw-pager page ROOT CAP_KB INTERVAL_MS
 *       Every INTERVAL_MS, when the summed Pss of ROOT and its descendants
 *       is over CAP_KB, pages out the excess. Members are taken in turn
 *       from where the last pass stopped (rcapd's clock hand). For each:
 *       the runs of its pages that are present and mapped by it alone are
 *       read from smaps and pagemap (before the stop, as rcapd read
 *       pagedata and xmap before it grabbed a victim); the process is
 *       stopped (SIGSTOP, then a wait until it is); the runs are paged out
 *       in address order with process_madvise(MADV_PAGEOUT), in batches of
 *       at most 1024 as rcapfs sends them, a batch at most the excess
 *       long, the RSS re-read after each call as rcapd re-read psinfo;
 *       then SIGCONT. Runs until SIGTERM or SIGINT (never leaving a
 *       process stopped), then prints one line of totals.
 *
 *   stw-pager watch ROOT INTERVAL_MS
 *       Every INTERVAL_MS, one line "MS PSS_KB": milliseconds since the
 *       start and the summed Pss of ROOT and its descendants; until
 *       SIGTERM or SIGINT.
 *
 *   stw-pager size ROOT
 *       One line "PSS_KB PAGEABLE_KB": the summed Pss, and the pages the
 *       pager would page out (present pages mapped by one process only:
 *       the kernel leaves shared ones alone).
 *
 * As rcapfs does, anonymous memory (and shmem) is left out when no swap
 * is active: it could not leave.
 */
#include "config.h"
#include "tool.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* How long a process may take to stop before the pager goes on anyway
 * (one in uninterruptible sleep stops once it wakes). */
#define STOP_WAIT_NS TOOL_NS_PER_S
/* iovecs per process_madvise call, as rcapfs batches them (UIO_MAXIOV). */
#define IOV_BATCH 1024

struct range {
	uint64_t start;
	uint64_t end;
};

struct ranges {
	struct range *r;
	size_t n;
	size_t cap;
};

struct totals {
	uint64_t passes;
	uint64_t over;
	uint64_t stops;
	uint64_t stopped_ns;
	uint64_t max_stop_ns;
	uint64_t advised_kb;
	uint64_t dropped_kb;
};

/* The clock hand: the member the last pass stopped in, and where. */
struct hand {
	pid_t pid;
	uint64_t addr;
};

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = {(time_t)(t_ns / TOOL_NS_PER_S),
			      (long)(t_ns % TOOL_NS_PER_S)};

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Field 4 (ppid) and 3 (state) of /proc/PID/stat; -1 when it is gone. */
static int stat_of(pid_t pid, pid_t *ppid, char *state)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;
	int pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The comm may hold spaces and parentheses: the last ')' ends it. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %d", state, &pp) != 2)
		return -1;
	*ppid = (pid_t)pp;
	return 0;
}

/*
 * ROOT and its descendants, ascending, in *out (malloc'd, the caller
 * frees). Returns their number (0 once ROOT is gone).
 */
static size_t members(pid_t root, pid_t **out)
{
	pid_t *pid = NULL, *ppid = NULL;
	unsigned char *in = NULL;
	size_t n = 0, cap = 0, m = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");
	int grew = 1;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *end, st;
		long v = strtol(e->d_name, &end, 10);
		pid_t pp;

		if (*end || v <= 0 || stat_of((pid_t)v, &pp, &st))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 512;
			pid = realloc(pid, cap * sizeof(*pid));
			ppid = realloc(ppid, cap * sizeof(*ppid));
			if (!pid || !ppid) {
				perror("stw-pager");
				exit(1);
			}
		}
		pid[n] = (pid_t)v;
		ppid[n++] = pp;
	}
	closedir(d);
	in = calloc(n ? n : 1, 1);
	if (!in) {
		perror("stw-pager");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		in[i] = pid[i] == root;
	/* Descendants: a child of a member is one, to a fixed point. */
	while (grew) {
		grew = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; !in[i] && j < n; j++)
				if (in[j] && ppid[i] == pid[j])
					in[i] = grew = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (in[i])
			pid[m++] = pid[i];
	free(ppid);
	free(in);
	*out = pid;
	return m;
}

/* The value of "KEY: N kB" in a /proc file of pid; 0 when absent. */
static uint64_t kb_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t len = strlen(key);
	uint64_t kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			kb = strtoull(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static uint64_t pss_sum_kb(const pid_t *pid, size_t n)
{
	uint64_t kb = 0;

	for (size_t i = 0; i < n; i++)
		kb += kb_field(pid[i], "smaps_rollup", "Pss");
	return kb;
}

/* Resident KiB of pid; 0 once it is gone. */
static uint64_t rss_kb(pid_t pid)
{
	uint64_t bytes;

	return tool_resident_bytes(pid, &bytes) ? 0 : bytes / 1024;
}

static int swap_active(void)
{
	char line[512];
	int lines = 0;
	FILE *f = fopen("/proc/swaps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	return lines > 1;
}

/* Memory that can only leave for swap: anonymous mappings, shmem. */
static int needs_swap(uint64_t inode, const char *path, uint64_t anon_kb,
		      uint64_t res_kb)
{
	return inode == 0 || strncmp(path, "/dev/zero", 9) == 0 ||
	       strncmp(path, "/SYSV", 5) == 0 ||
	       strncmp(path, "/memfd:", 7) == 0 ||
	       (anon_kb && anon_kb >= res_kb);
}

/* Mappings madvise refuses: locked, hugetlb, raw PFN or I/O maps. */
static int refused(const char *vmflags)
{
	static const char *const no[] = {" lo", " ht", " pf", " io"};

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		const char *p = vmflags;

		while ((p = strstr(p, no[i]))) {
			p += 3;
			if (*p == ' ' || *p == '\n' || *p == '\0')
				return 1;
		}
	}
	return 0;
}

static void ranges_add(struct ranges *rs, uint64_t start, uint64_t end)
{
	if (rs->n && rs->r[rs->n - 1].end == start) {
		rs->r[rs->n - 1].end = end;
		return;
	}
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 64;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		if (!rs->r) {
			perror("stw-pager");
			exit(1);
		}
	}
	rs->r[rs->n].start = start;
	rs->r[rs->n++].end = end;
}

/*
 * The runs of [start, end) whose pages are present and mapped by this
 * process only (pagemap bits 63 and 56), appended to rs: what
 * MADV_PAGEOUT can take. Returns their bytes.
 */
static uint64_t exclusive_runs(int pagemap, uint64_t start, uint64_t end,
			       struct ranges *rs)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), bytes = 0;
	uint64_t entry[512];

	for (uint64_t a = start; a < end;) {
		size_t want = (size_t)((end - a) / page);
		ssize_t got;

		if (want > sizeof(entry) / sizeof(entry[0]))
			want = sizeof(entry) / sizeof(entry[0]);
		got = pread(pagemap, entry, want * sizeof(entry[0]),
			    (off_t)(a / page * sizeof(entry[0])));
		if (got <= 0)
			break;
		for (size_t i = 0; i < (size_t)got / sizeof(entry[0]); i++) {
			if ((entry[i] >> 63 & 1) && (entry[i] >> 56 & 1)) {
				ranges_add(rs, a + i * page,
					   a + (i + 1) * page);
				bytes += page;
			}
		}
		a += (uint64_t)got / sizeof(entry[0]) * page;
	}
	return bytes;
}

/*
 * The pages of pid the kernel may page out, as ascending runs in rs
 * (emptied first): present pages mapped by pid alone, in mappings that
 * madvise takes, leaving out those that need swap when there is none.
 * Returns their KiB.
 */
static uint64_t ranges_of(pid_t pid, int swap, struct ranges *rs)
{
	uint64_t bytes = 0, start = 0, end = 0, inode = 0, rss = 0, anon = 0,
		 priv = 0;
	char path[64], *line = NULL, name[4096];
	size_t len = 0;
	int pagemap;
	FILE *f;

	rs->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (pagemap < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		close(pagemap);
		return 0;
	}
	name[0] = '\0';
	while (getline(&line, &len, f) > 0) {
		unsigned long long lo, hi, ino, v;
		int off = 0;

		if (sscanf(line, "%llx-%llx %*s %*s %*s %llu %n", &lo, &hi,
			   &ino, &off) == 3) {
			start = lo;
			end = hi;
			inode = ino;
			snprintf(name, sizeof(name), "%s", line + off);
			rss = anon = priv = 0;
		} else if (sscanf(line, "Rss: %llu", &v) == 1) {
			rss = v;
		} else if (sscanf(line, "Anonymous: %llu", &v) == 1) {
			anon = v;
		} else if (sscanf(line, "Private_Clean: %llu", &v) == 1 ||
			   sscanf(line, "Private_Dirty: %llu", &v) == 1) {
			priv += v;
		} else if (strncmp(line, "VmFlags:", 8) == 0) {
			/* The last line of a mapping's block. Without swap,
			 * the copied-on-write pages of a file mapping stay
			 * in its runs: the kernel skips them. */
			if (priv == 0 || refused(line + 8) ||
			    (!swap && needs_swap(inode, name, anon, rss)))
				continue;
			bytes += exclusive_runs(pagemap, start, end, rs);
		}
	}
	free(line);
	fclose(f);
	close(pagemap);
	return bytes / 1024;
}

/* Send sig to the process behind pidfd; 0 or -1. */
static int signal_pidfd(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Wait until pid is stopped (state T or t), STOP_WAIT_NS at most. */
static void wait_stopped(pid_t pid)
{
	struct timespec tick = {0, 20000};
	uint64_t t0 = tool_now_ns();
	pid_t pp;
	char st;

	while (stat_of(pid, &pp, &st) == 0 && st != 'T' && st != 't' &&
	       tool_now_ns() - t0 < STOP_WAIT_NS)
		nanosleep(&tick, NULL);
}

/*
 * Stop pid, page out its runs from h->addr on until *excess_kb is
 * covered, resume it. As rcapfs does, the runs go to the kernel in
 * batches of at most IOV_BATCH; the RSS is re-read after each call, as
 * rcapd re-read psinfo. Moves the hand; counts in t.
 */
static void page_member(pid_t pid, const struct ranges *rs, struct hand *h,
			int64_t *excess_kb, struct totals *t)
{
	struct iovec iov[IOV_BATCH];
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), t0, dt;
	size_t i = 0;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return;
	t0 = tool_now_ns();
	if (signal_pidfd(pidfd, SIGSTOP)) {
		close(pidfd);
		return;
	}
	wait_stopped(pid);
	while (i < rs->n && excess_kb[0] > 0) {
		uint64_t left = (uint64_t)*excess_kb * 1024, before, after;
		size_t n = 0;

		for (; i < rs->n && n < IOV_BATCH && left > 0; i++) {
			uint64_t a = rs->r[i].start, l;

			if (h->pid == pid && h->addr > a)
				a = h->addr;
			if (a >= rs->r[i].end)
				continue;
			l = rs->r[i].end - a;
			/* Whole pages: a run is made of them. */
			if (l > left && (left + page - 1) / page * page < l)
				l = (left + page - 1) / page * page;
			iov[n].iov_base = (void *)(uintptr_t)a;
			iov[n++].iov_len = l;
			left = l < left ? left - l : 0;
			h->pid = pid;
			h->addr = a + l;
			t->advised_kb += l / 1024;
		}
		if (n == 0)
			break;
		before = rss_kb(pid);
		/* An error (a mapping gone meanwhile) ends the batch. */
		syscall(SYS_process_madvise, pidfd, iov, n, MADV_PAGEOUT, 0);
		after = rss_kb(pid);
		if (after < before) {
			t->dropped_kb += before - after;
			*excess_kb -= (int64_t)(before - after);
		}
	}
	signal_pidfd(pidfd, SIGCONT);
	dt = tool_now_ns() - t0;
	close(pidfd);
	t->stops++;
	t->stopped_ns += dt;
	if (dt > t->max_stop_ns)
		t->max_stop_ns = dt;
}

/* One pass: bring the members of root under cap_kb if they are over. */
static void pass(pid_t root, uint64_t cap_kb, int swap, struct hand *h,
		 struct ranges *rs, struct totals *t)
{
	pid_t *pid;
	size_t n = members(root, &pid), first = 0;
	uint64_t pss = pss_sum_kb(pid, n);
	int64_t excess = (int64_t)pss - (int64_t)cap_kb;

	t->passes++;
	if (excess > 0)
		t->over++;
	/* Resume at the hand's member, or the next one if it is gone. */
	while (first < n && pid[first] < h->pid)
		first++;
	if (first < n && pid[first] != h->pid)
		h->addr = 0;
	for (size_t k = 0; k < n && excess > 0 && !done; k++) {
		pid_t p = pid[(first + k) % n];

		if (p != h->pid)
			h->addr = 0;
		if (ranges_of(p, swap, rs) == 0)
			continue;
		page_member(p, rs, h, &excess, t);
		/* A member paged to its last range: the hand goes on. */
		if (excess > 0) {
			h->pid = p + 1;
			h->addr = 0;
		}
	}
	free(pid);
}

static void on_term(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static int cmd_page(pid_t root, uint64_t cap_kb, uint64_t interval_ms)
{
	struct totals t = {0};
	struct hand h = {0, 0};
	struct ranges rs = {NULL, 0, 0};
	int swap = swap_active();
	uint64_t next = tool_now_ns();

	on_term();
	while (!done) {
		pass(root, cap_kb, swap, &h, &rs, &t);
		next += interval_ms * TOOL_NS_PER_MS;
		sleep_until(next);
	}
	free(rs.r);
	printf("passes %" PRIu64 " over_cap %" PRIu64 " stops %" PRIu64
	       " stopped_ms %.1f max_stop_ms %.2f advised_kb %" PRIu64
	       " dropped_kb %" PRIu64 " swap %d\n",
	       t.passes, t.over, t.stops, (double)t.stopped_ns / TOOL_NS_PER_MS,
	       (double)t.max_stop_ns / TOOL_NS_PER_MS, t.advised_kb,
	       t.dropped_kb, swap);
	return 0;
}

static int cmd_watch(pid_t root, uint64_t interval_ms)
{
	uint64_t t0 = tool_now_ns(), next = t0;

	on_term();
	while (!done) {
		pid_t *pid;
		size_t n = members(root, &pid);

		printf("%" PRIu64 " %" PRIu64 "\n",
		       (tool_now_ns() - t0) / TOOL_NS_PER_MS,
		       pss_sum_kb(pid, n));
		fflush(stdout);
		free(pid);
		next += interval_ms * TOOL_NS_PER_MS;
		sleep_until(next);
	}
	return 0;
}

static int cmd_size(pid_t root)
{
	struct ranges rs = {NULL, 0, 0};
	uint64_t pageable = 0;
	int swap = swap_active();
	pid_t *pid;
	size_t n = members(root, &pid);

	if (n == 0) {
		fprintf(stderr, "stw-pager: no process %d\n", (int)root);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		pageable += ranges_of(pid[i], swap, &rs);
	printf("%" PRIu64 " %" PRIu64 "\n", pss_sum_kb(pid, n), pageable);
	free(rs.r);
	free(pid);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "page") == 0)
		return cmd_page((pid_t)tool_number("stw-pager", argv[2]),
				tool_number("stw-pager", argv[3]),
				tool_number("stw-pager", argv[4]));
	if (argc == 4 && strcmp(argv[1], "watch") == 0)
		return cmd_watch((pid_t)tool_number("stw-pager", argv[2]),
				 tool_number("stw-pager", argv[3]));
	if (argc == 3 && strcmp(argv[1], "size") == 0)
		return cmd_size((pid_t)tool_number("stw-pager", argv[2]));
	fprintf(stderr, "usage: stw-pager page ROOT CAP_KB INTERVAL_MS\n"
			"       stw-pager watch ROOT INTERVAL_MS\n"
			"       stw-pager size ROOT\n");
	return 2;
}
