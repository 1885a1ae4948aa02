#include "config.h"

#include "compat/procparse.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parsers get exactly len bytes on the heap, with nothing after them,
 * so that memcheck catches any read past the end. */
static char *exact(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

static int parse_stat(const char *s, size_t len,
		      struct rcapfs_procparse_stat *st)
{
	char *p = exact(s, len);
	int ret = rcapfs_procparse_stat(p, len, st);

	free(p);
	return ret;
}

static int parse_status(const char *s, size_t len,
			struct rcapfs_procparse_status *st)
{
	char *p = exact(s, len);
	int ret = rcapfs_procparse_status(p, len, st);

	free(p);
	return ret;
}

static int parse_meminfo(const char *s, size_t len, struct rcapfs_meminfo *mi)
{
	char *p = exact(s, len);
	int ret = rcapfs_procparse_meminfo(p, len, mi);

	free(p);
	return ret;
}

/* The cgroup path comes back as a string (or NULL), for easy comparison. */
static int parse_cgroup(const char *s, char **path)
{
	size_t len = strlen(s), path_len = 12345;
	char *p = exact(s, len);
	const char *found = (const char *)p;
	int ret = rcapfs_procparse_cgroup(p, len, &found, &path_len);

	*path = NULL;
	if (ret == 0 && found) {
		assert_true(found >= p && found + path_len <= p + len);
		*path = strndup(found, path_len);
		assert_non_null(*path);
	}
	free(p);
	return ret;
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *p = exact(s, strlen(s));
	int ret = rcapfs_procparse_pid(p, strlen(s), pid);

	free(p);
	return ret;
}

/* A stat line from a real 6.x kernel around a given comm; all 52 fields. */
static size_t stat_line(char *buf, size_t size, const char *comm)
{
	int n = snprintf(
		buf, size,
		"4242 (%s) S 4200 4242 4200 34816 4242 4194304 1290 0 7 0 "
		"3 1 0 0 20 0 1 0 29471 3133440 409 18446744073709551615 "
		"94795088506880 94795088526761 140727740817024 0 0 0 0 0 0 "
		"0 0 0 17 1 0 0 0 0 0 94795088542768 94795088544384 "
		"94795781709824 140727740820108 140727740820128 "
		"140727740820128 140727740821483 0\n",
		comm);

	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

static void test_procparse__stat_fields(void **state)
{
	struct rcapfs_procparse_stat st;
	char buf[1024];
	size_t len = stat_line(buf, sizeof(buf), "bash");

	assert_int_equal(parse_stat(buf, len, &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, "bash");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 4200);
	assert_int_equal(st.flags, 4194304);
	assert_int_equal(st.majflt, 7);
	assert_int_equal(st.utime_ticks, 3);
	assert_int_equal(st.stime_ticks, 1);
	assert_int_equal(st.start_ticks, 29471);
	assert_int_equal(st.vsize_bytes, 3133440);
	assert_int_equal(st.rss_pages, 409);
}

static void test_procparse__stat_hostile_comm(void **state)
{
	static const char *const comms[] = {
		"a) b (c",	   /* parentheses both ways */
		"Web Content",	   /* spaces */
		"a\nb",		   /* a newline */
		"123456789012345", /* the longest comm */
		"",		   /* empty */
		") 1 2 3 4 5 6 7", /* looks like fields */
		"((((((((",
	};
	struct rcapfs_procparse_stat st;
	char buf[1024];

	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		size_t len = stat_line(buf, sizeof(buf), comms[i]);

		memset(&st, 0x55, sizeof(st));
		assert_int_equal(parse_stat(buf, len, &st), 0);
		assert_string_equal(st.comm, comms[i]);
		assert_int_equal(st.pid, 4242);
		assert_int_equal(st.ppid, 4200);
		assert_int_equal(st.start_ticks, 29471);
		assert_int_equal(st.rss_pages, 409);
	}
}

static void test_procparse__stat_long_comm_is_cut(void **state)
{
	struct rcapfs_procparse_stat st;
	char buf[1024];
	/* Workqueue workers show more than TASK_COMM_LEN in stat. */
	size_t len = stat_line(buf, sizeof(buf), "kworker/u8:0-events_unbound");

	assert_int_equal(parse_stat(buf, len, &st), 0);
	assert_string_equal(st.comm, "kworker/u8:0-ev");
	assert_int_equal(st.rss_pages, 409);
}

static void test_procparse__stat_truncated(void **state)
{
	struct rcapfs_procparse_stat st;
	char buf[1024];
	size_t len = stat_line(buf, sizeof(buf), "a) b (c");
	/* The rss field (24) ends before " 1844674...": every shorter
	 * prefix lacks a field. */
	const char *rss_end = strstr(buf, " 409 ") + 4;
	size_t need = (size_t)(rss_end - buf);

	for (size_t n = 0; n <= len; n++) {
		int ret = parse_stat(buf, n, &st);

		if (n < need - 2) /* "409" cut to "40" still parses */
			assert_int_equal(ret, -EINVAL);
		if (n >= need)
			assert_int_equal(ret, 0);
	}
	assert_int_equal(parse_stat(buf, need - 1, &st), 0);
	assert_int_equal(st.rss_pages, 40);
}

static void test_procparse__stat_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"4242",
		"4242 bash S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		"4242 (bash S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		"x (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		"(bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		"4242(bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		"4242 (bash) S",
		"4242 (bash)",
		/* two spaces: an empty field */
		"4242 (bash)  S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		/* state of two letters */
		"4242 (bash) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		/* negative ppid, flags, start time */
		"4242 (bash) S -1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		"4242 (bash) S 1 1 1 0 -1 -4 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		"4242 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 6 7",
		/* negative major faults, user and system time */
		"4242 (bash) S 1 1 1 0 -1 0 0 0 -2 0 0 0 0 0 20 0 1 0 5 6 7",
		"4242 (bash) S 1 1 1 0 -1 0 0 0 0 0 -3 0 0 0 20 0 1 0 5 6 7",
		"4242 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 -3 0 0 20 0 1 0 5 6 7",
		/* a field cut by a newline */
		"4242 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5\n6 7",
		/* a letter inside a number */
		"4242 (bash) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7x",
		/* pid and ppid beyond pid_t */
		"2147483648 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7",
		"4242 (a) S 2147483648 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 "
		"7",
		/* rss beyond 64 bits */
		"4242 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 "
		"18446744073709551616",
		"4242 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 "
		"99999999999999999999999999",
	};
	struct rcapfs_procparse_stat st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_stat(bad[i], strlen(bad[i]), &st) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

static void test_procparse__stat_huge_numbers(void **state)
{
	/* Fields rcapfs skips may be negative or huge; used ones may be
	 * as large as 64 bits allow. */
	static const char line[] =
		"2147483647 (big) R 2147483647 -1 -1 0 -1 "
		"18446744073709551615 0 0 18446744073709551615 0 "
		"18446744073709551615 18446744073709551615 0 0 -100 -20 1 "
		"999999999999999999999999 18446744073709551615 "
		"18446744073709551615 18446744073709551615";
	struct rcapfs_procparse_stat st;

	assert_int_equal(parse_stat(line, strlen(line), &st), 0);
	assert_int_equal(st.pid, 2147483647);
	assert_int_equal(st.ppid, 2147483647);
	assert_true(st.flags == UINT64_MAX);
	assert_true(st.majflt == UINT64_MAX);
	assert_true(st.utime_ticks == UINT64_MAX);
	assert_true(st.stime_ticks == UINT64_MAX);
	assert_true(st.start_ticks == UINT64_MAX);
	assert_true(st.vsize_bytes == UINT64_MAX);
	assert_true(st.rss_pages == UINT64_MAX);
}

static const char status_full[] = "Name:\tbash\n"
				  "Umask:\t0022\n"
				  "State:\tS (sleeping)\n"
				  "Tgid:\t4242\n"
				  "Ngid:\t0\n"
				  "Pid:\t4242\n"
				  "PPid:\t4200\n"
				  "TracerPid:\t0\n"
				  "Uid:\t1000\t1001\t1002\t1003\n"
				  "Gid:\t100\t101\t102\t103\n"
				  "FDSize:\t256\n"
				  "Groups:\t4 24 27 \n"
				  "NStgid:\t4242\n"
				  "NSpid:\t4242\n"
				  "NSpgid:\t4242\n"
				  "NSsid:\t4200\n"
				  "Kthread:\t0\n"
				  "VmPeak:\t   10380 kB\n"
				  "VmSize:\t   10316 kB\n"
				  "VmLck:\t       0 kB\n"
				  "VmPin:\t       0 kB\n"
				  "VmHWM:\t    5584 kB\n"
				  "VmRSS:\t    5460 kB\n"
				  "RssAnon:\t    1880 kB\n"
				  "RssFile:\t    3580 kB\n"
				  "RssShmem:\t       0 kB\n"
				  "Threads:\t1\n"
				  "Cpus_allowed_list:\t0-1\n";

static void test_procparse__status_with_vm(void **state)
{
	struct rcapfs_procparse_status st;

	assert_int_equal(parse_status(status_full, strlen(status_full), &st),
			 0);
	assert_int_equal(st.tgid, 4242);
	assert_int_equal(st.ruid, 1000);
	assert_int_equal(st.rgid, 100);
	assert_true(st.has_vm);
	assert_int_equal(st.vm_kb, 10316);
	assert_int_equal(st.rss_kb, 5460);
}

static void test_procparse__status_without_vm(void **state)
{
	static const char s[] = "Name:\tkthreadd\n"
				"State:\tS (sleeping)\n"
				"Tgid:\t2\n"
				"Pid:\t2\n"
				"PPid:\t0\n"
				"Uid:\t0\t0\t0\t0\n"
				"Gid:\t0\t0\t0\t0\n"
				"Threads:\t1\n";
	struct rcapfs_procparse_status st;

	memset(&st, 0x55, sizeof(st));
	assert_int_equal(parse_status(s, strlen(s), &st), 0);
	assert_int_equal(st.tgid, 2);
	assert_int_equal(st.ruid, 0);
	assert_false(st.has_vm);
	assert_int_equal(st.vm_kb, 0);
	assert_int_equal(st.rss_kb, 0);
}

static void test_procparse__status_no_trailing_newline(void **state)
{
	static const char s[] = "Tgid:\t7\nUid:\t5\t5\t5\t5\nGid:\t6\t6\t6\t6\n"
				"VmSize:\t 8 kB\nVmRSS:\t 4 kB";
	struct rcapfs_procparse_status st;

	assert_int_equal(parse_status(s, strlen(s), &st), 0);
	assert_int_equal(st.ruid, 5);
	assert_int_equal(st.rgid, 6);
	assert_int_equal(st.rss_kb, 4);
}

static void test_procparse__status_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"Tgid:\t1\nUid:\t0\t0\t0\t0\n",		/* no Gid */
		"Tgid:\t1\nGid:\t0\t0\t0\t0\n",		/* no Uid */
		"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", /* no Tgid */
		"Tgid:\t1\nUid:\tx\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		"Tgid:\t1\nUid:\n\nGid:\t0\t0\t0\t0\n",
		"Tgid:\t1\nUid:\t-1\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		"Tgid:\t1\nUid:\t4294967296\t0\nGid:\t0\t0\t0\t0\n",
		"Tgid:\t-1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		/* VmRSS without VmSize, and the other way round */
		"Tgid:\t1\nUid:\t0\nGid:\t0\nVmRSS:\t 4 kB\n",
		"Tgid:\t1\nUid:\t0\nGid:\t0\nVmSize:\t 4 kB\n",
		/* a Vm value without its unit, with another, or cut */
		"Tgid:\t1\nUid:\t0\nGid:\t0\nVmSize:\t 4 kB\nVmRSS:\t 4\n",
		"Tgid:\t1\nUid:\t0\nGid:\t0\nVmSize:\t 4 kB\nVmRSS:\t 4 MB\n",
		"Tgid:\t1\nUid:\t0\nGid:\t0\nVmSize:\t 4 kB\nVmRSS:\t 4 kBx\n",
		"Tgid:\t1\nUid:\t0\nGid:\t0\nVmSize:\t 4 kB\nVmRSS:\t kB\n",
	};
	struct rcapfs_procparse_status st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_status(bad[i], strlen(bad[i]), &st) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

static void test_procparse__status_truncated(void **state)
{
	struct rcapfs_procparse_status st;
	size_t len = strlen(status_full);
	const char *gid_end = strstr(status_full, "Gid:\t100") + 8;
	size_t need = (size_t)(gid_end - status_full);

	/* Before the ids are complete: -EINVAL; after them either a whole
	 * Vm pair or -EINVAL, never a crash or a read past the end. */
	for (size_t n = 0; n <= len; n++) {
		int ret = parse_status(status_full, n, &st);

		if (n < need - 2)
			assert_int_equal(ret, -EINVAL);
		if (ret == 0 && n >= need)
			assert_int_equal(st.rgid, 100);
	}
}

static void test_procparse__cgroup_v2(void **state)
{
	char *path;

	assert_int_equal(
		parse_cgroup("0::/user.slice/user-1000.slice/session-2.scope\n",
			     &path),
		0);
	assert_string_equal(path,
			    "/user.slice/user-1000.slice/session-2.scope");
	free(path);
	/* no trailing newline, and a path with a colon and a space */
	assert_int_equal(parse_cgroup("0::/a:b c", &path), 0);
	assert_string_equal(path, "/a:b c");
	free(path);
}

static void test_procparse__cgroup_v1(void **state)
{
	char *path;

	assert_int_equal(parse_cgroup("9:name=systemd:/\n8:pids:/p\n"
				      "4:memory:/process_api/6a54bd\n"
				      "1:cpu:/c\n",
				      &path),
			 0);
	assert_string_equal(path, "/process_api/6a54bd");
	free(path);
	/* memory co-mounted with other controllers */
	assert_int_equal(parse_cgroup("3:cpu,memory,pids:/m\n", &path), 0);
	assert_string_equal(path, "/m");
	free(path);
	/* names that only look like memory */
	assert_int_equal(
		parse_cgroup("3:memoryx:/x\n2:name=memory:/y\n1:cpu:/\n",
			     &path),
		0);
	assert_null(path);
}

static void test_procparse__cgroup_hybrid_prefers_v1_memory(void **state)
{
	char *path;

	assert_int_equal(
		parse_cgroup("0::/init.scope\n4:memory:/mem/init\n", &path), 0);
	assert_string_equal(path, "/mem/init");
	free(path);
	assert_int_equal(parse_cgroup("4:memory:/mem/init\n1:cpu:/\n"
				      "0::/init.scope\n",
				      &path),
			 0);
	assert_string_equal(path, "/mem/init");
	free(path);
	/* a v2 line and v1 lines without memory: the v2 path */
	assert_int_equal(parse_cgroup("2:cpu:/c\n0::/u\n1:pids:/p\n", &path),
			 0);
	assert_string_equal(path, "/u");
	free(path);
}

static void test_procparse__cgroup_empty_and_malformed(void **state)
{
	static const char *const bad[] = {
		"garbage\n",	    "x:memory:/a\n",
		"4:memory\n",	    ":memory:/a\n",
		"0::/ok\n-1::/a\n", "0::/ok\n4294967296:memory:/a\n",
	};
	char *path;

	assert_int_equal(parse_cgroup("", &path), 0);
	assert_null(path);
	assert_int_equal(parse_cgroup("\n\n", &path), 0);
	assert_null(path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_cgroup(bad[i], &path) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_null(path);
	}
}

static const char meminfo_full[] = "MemTotal:       24598660 kB\n"
				   "MemFree:        21180692 kB\n"
				   "MemAvailable:   23470412 kB\n"
				   "Buffers:          114748 kB\n"
				   "Cached:          2317512 kB\n"
				   "SwapCached:            0 kB\n"
				   "SwapTotal:       2097148 kB\n"
				   "SwapFree:        2097000 kB\n"
				   "HugePages_Total:       0\n"
				   "Hugepagesize:       2048 kB\n";

static void test_procparse__meminfo(void **state)
{
	struct rcapfs_meminfo mi;

	assert_int_equal(parse_meminfo(meminfo_full, strlen(meminfo_full), &mi),
			 0);
	assert_true(mi.mem_total == 24598660ULL * 1024);
	assert_true(mi.mem_available == 23470412ULL * 1024);
	assert_true(mi.swap_total == 2097148ULL * 1024);
	assert_true(mi.swap_free == 2097000ULL * 1024);
}

static void test_procparse__meminfo_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		/* MemAvailable missing */
		"MemTotal: 1 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
		/* no unit, a wrong unit, a bad number */
		"MemTotal: 1\nMemAvailable: 1 kB\nSwapTotal: 0 kB\n"
		"SwapFree: 0 kB\n",
		"MemTotal: 1 MB\nMemAvailable: 1 kB\nSwapTotal: 0 kB\n"
		"SwapFree: 0 kB\n",
		"MemTotal: 1x kB\nMemAvailable: 1 kB\nSwapTotal: 0 kB\n"
		"SwapFree: 0 kB\n",
		/* bytes beyond 64 bits */
		"MemTotal: 18014398509481984 kB\nMemAvailable: 1 kB\n"
		"SwapTotal: 0 kB\nSwapFree: 0 kB\n",
	};
	struct rcapfs_meminfo mi;
	size_t len = strlen(meminfo_full);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_meminfo(bad[i], strlen(bad[i]), &mi) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
	/* cut anywhere before SwapFree's unit: a key or unit is missing */
	for (size_t n = 0; n < len; n++) {
		int ret = parse_meminfo(meminfo_full, n, &mi);

		if (n <
		    (size_t)(strstr(meminfo_full, "SwapFree") - meminfo_full))
			assert_int_equal(ret, -EINVAL);
	}
	/* the largest that fits */
	assert_int_equal(parse_meminfo("MemTotal: 18014398509481983 kB\n"
				       "MemAvailable: 0 kB\nSwapTotal: 0 kB\n"
				       "SwapFree: 0 kB",
				       strlen("MemTotal: 18014398509481983 kB\n"
					      "MemAvailable: 0 kB\n"
					      "SwapTotal: 0 kB\n"
					      "SwapFree: 0 kB"),
				       &mi),
			 0);
	assert_true(mi.mem_total == 18014398509481983ULL * 1024);
}

static void test_procparse__pid(void **state)
{
	static const char *const bad[] = {
		"", "0", "0012", "12ab", "-1", "+1", "self", "2147483648", " 1",
	};
	pid_t pid;

	assert_int_equal(parse_pid("1", &pid), 0);
	assert_int_equal(pid, 1);
	assert_int_equal(parse_pid("2147483647", &pid), 0);
	assert_int_equal(pid, 2147483647);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_pid(bad[i], &pid) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

static void test_procparse__statm(void **state)
{
	uint64_t size = 7, res = 7;
	char *p = exact("2579 1365 895 59 0 370 0\n", 25);

	assert_int_equal(rcapfs_procparse_statm(p, 25, &size, &res), 0);
	assert_int_equal(size, 2579);
	assert_int_equal(res, 1365);
	/* a zombie's: all zeros; and the two fields alone */
	assert_int_equal(
		rcapfs_procparse_statm("0 0 0 0 0 0 0\n", 14, &size, &res), 0);
	assert_int_equal(size, 0);
	assert_int_equal(res, 0);
	assert_int_equal(rcapfs_procparse_statm("5 3", 3, &size, &res), 0);
	assert_int_equal(res, 3);
	free(p);

	static const char *const bad[] = {"",	    "12",      "12 ",  " 12 3",
					  "12 x 1", "12 -3 1", "a 3 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = exact(bad[i], strlen(bad[i]));
		if (rcapfs_procparse_statm(p, strlen(bad[i]), &size, &res) !=
		    -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		free(p);
	}
}

static const char rollup[] =
	"55d14750c000-ffffffffff601000 ---p 00000000 00:00 0"
	"                      [rollup]\n"
	"Rss:                4312 kB\n"
	"Pss:                2930 kB\n"
	"Pss_Dirty:          1796 kB\n"
	"Pss_Anon:           1552 kB\n"
	"Swap:                 24 kB\n";

static void test_procparse__rollup_pss(void **state)
{
	size_t len = strlen(rollup);
	char *p = exact(rollup, len);
	uint64_t pss = 7;

	assert_int_equal(rcapfs_procparse_rollup_pss(p, len, &pss), 0);
	assert_int_equal(pss, 2930);
	/* cut inside the Pss line or before it: never a wrong number */
	for (size_t n = 0; n < len; n++) {
		pss = 7;
		if (rcapfs_procparse_rollup_pss(p, n, &pss) == 0)
			assert_true(pss == 2930 || pss == 293 || pss == 29 ||
				    pss == 2);
	}
	free(p);
	/* Pss_Dirty is not Pss; a value without its unit is no value */
	p = exact("Pss_Dirty: 4 kB\n", 16);
	assert_int_equal(rcapfs_procparse_rollup_pss(p, 16, &pss), -EINVAL);
	free(p);
	p = exact("Pss: 4\n", 7);
	assert_int_equal(rcapfs_procparse_rollup_pss(p, 7, &pss), -EINVAL);
	free(p);
}

/* A mapping as smaps shows it, on a 6.x kernel. */
static const char smaps_heap[] =
	"55d148a00000-55d148b67000 rw-p 00000000 00:00 0"
	"                          [heap]\n"
	"Size:               1436 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                1400 kB\n"
	"Pss:                1300 kB\n"
	"Pss_Dirty:          1300 kB\n"
	"Shared_Clean:         12 kB\n"
	"Shared_Dirty:          8 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:      1380 kB\n"
	"Referenced:         1200 kB\n"
	"Anonymous:          1388 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                 24 kB\n"
	"SwapPss:              24 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"ProtectionKey:         0\n"
	"VmFlags: rd wr mr mw me ac \n";

/* Parse the first mapping of s from an exact copy; the name comes back
 * as a string the caller frees. Returns what the parser returned. */
static int parse_vma(const char *s, size_t len, size_t *pos,
		     struct rcapfs_procparse_vma *v, char **name)
{
	char *p = exact(s, len);
	int ret = rcapfs_procparse_smaps_next(p, len, pos, v);

	*name = NULL;
	if (ret == 1) {
		assert_true(v->name >= p && v->name + v->name_len <= p + len);
		*name = strndup(v->name, v->name_len);
		assert_non_null(*name);
	}
	free(p);
	return ret;
}

static void test_procparse__smaps_mapping(void **state)
{
	struct rcapfs_procparse_vma v;
	size_t pos = 0, len = strlen(smaps_heap);
	char *name;

	assert_int_equal(parse_vma(smaps_heap, len, &pos, &v, &name), 1);
	assert_int_equal(pos, len);
	assert_string_equal(name, "[heap]");
	assert_null(v.map.name);
	assert_true(v.map.start == 0x55d148a00000ULL);
	assert_true(v.map.end == 0x55d148b67000ULL);
	assert_int_equal(v.map.offset, 0);
	assert_int_equal(v.map.dev_major, 0);
	assert_int_equal(v.map.dev_minor, 0);
	assert_int_equal(v.map.inode, 0);
	assert_int_equal(v.map.flags, RCAPFS_MAP_READ | RCAPFS_MAP_WRITE |
					      RCAPFS_MAP_ANON |
					      RCAPFS_MAP_HEAP);
	assert_int_equal(v.map.shmid, -1);
	assert_int_equal(v.map.rss_kb, 1400);
	assert_int_equal(v.map.pss_kb, 1300);
	assert_int_equal(v.map.anon_kb, 1388);
	assert_int_equal(v.map.shared_kb, 20);
	assert_int_equal(v.map.private_dirty_kb, 1380);
	assert_int_equal(v.map.referenced_kb, 1200);
	assert_int_equal(v.map.swap_kb, 24);
	assert_int_equal(v.map.kernel_page_kb, 4);
	assert_int_equal(v.map.mmu_page_kb, 4);
	free(name);

	/* at the end: nothing more */
	assert_int_equal(parse_vma(smaps_heap, len, &pos, &v, &name), 0);
	assert_int_equal(pos, len);
}

static void test_procparse__smaps_names_and_flags(void **state)
{
	static const struct {
		const char *line;
		const char *name;
		uint32_t flags;
		uint64_t inode;
		int32_t shmid;
	} cases[] = {
		{"55d14750c000-55d14753b000 r--p 00000000 fe:00 247101"
		 "                     /usr/bin/bash\n",
		 "/usr/bin/bash", RCAPFS_MAP_READ, 247101, -1},
		{"7f78b1835000-7f78b1838000 rw-p 00000000 00:00 0 \n", "",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON, 0, -1},
		/* no blank after the inode at all */
		{"7f78b1835000-7f78b1838000 ---p 00000000 00:00 0\n", "",
		 RCAPFS_MAP_ANON, 0, -1},
		{"7f78b1510000-7f78b1520000 rw-p 00000000 00:00 0"
		 "                          [anon:malloc arena]\n",
		 "[anon:malloc arena]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON, 0, -1},
		{"7f78b1000000-7f78b1400000 rw-s 00000000 00:01 2050"
		 "                       /dev/shm/my data  file (deleted)\n",
		 "/dev/shm/my data  file (deleted)",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED, 2050,
		 -1},
		{"7f78b1400000-7f78b1500000 rw-s 00000000 00:01 32769"
		 "                      /SYSV0000162e (deleted)\n",
		 "/SYSV0000162e (deleted)",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED |
			 RCAPFS_MAP_SYSV,
		 32769, 32769},
		{"7fff2d675000-7fff2d696000 rw-p 00000000 00:00 0"
		 "                          [stack]\n",
		 "[stack]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
			 RCAPFS_MAP_STACK,
		 0, -1},
		{"7f78b1a27000-7f78b1a2b000 r--p 00000000 00:00 0"
		 "                          [vvar]\n",
		 "[vvar]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_ANON | RCAPFS_MAP_SPECIAL, 0, -1},
		{"7f78b1a2b000-7f78b1a2d000 r--p 00000000 00:00 0"
		 "                          [vvar_vclock]\n",
		 "[vvar_vclock]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_ANON | RCAPFS_MAP_SPECIAL, 0, -1},
		{"7f78b1a2d000-7f78b1a2f000 r-xp 00000000 00:00 0"
		 "                          [vdso]\n",
		 "[vdso]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_EXEC | RCAPFS_MAP_ANON |
			 RCAPFS_MAP_SPECIAL,
		 0, -1},
		{"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
		 "                  [vsyscall]",
		 "[vsyscall]",
		 RCAPFS_MAP_EXEC | RCAPFS_MAP_ANON | RCAPFS_MAP_SPECIAL, 0, -1},
		/* a file whose name only starts like a special one */
		{"00400000-00401000 r--p 00001000 08:11 12"
		 "                                 /[vdso]x\n",
		 "/[vdso]x", RCAPFS_MAP_READ, 12, -1},
		/* a SysV id beyond int: no shmid */
		{"00400000-00401000 rw-s 00000000 00:01 4294967296"
		 "                         /SYSV00000001 (deleted)\n",
		 "/SYSV00000001 (deleted)",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED |
			 RCAPFS_MAP_SYSV,
		 4294967296ULL, -1},
	};
	struct rcapfs_procparse_vma v;
	char *name;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t pos = 0, len = strlen(cases[i].line);

		assert_int_equal(parse_vma(cases[i].line, len, &pos, &v, &name),
				 1);
		assert_int_equal(pos, len);
		assert_string_equal(name, cases[i].name);
		if (v.map.flags != cases[i].flags)
			fail_msg("%s: flags %#x, want %#x", cases[i].name,
				 v.map.flags, cases[i].flags);
		assert_true(v.map.inode == cases[i].inode);
		assert_int_equal(v.map.shmid, cases[i].shmid);
		assert_int_equal(v.map.rss_kb, 0);
		free(name);
	}
}

static void test_procparse__smaps_header_fields(void **state)
{
	static const char line[] = "7f0000001000-7f0000003000 r-xs 0012c000 "
				   "fd:1a 18446744073709551615"
				   " /x\n";
	struct rcapfs_procparse_vma v;
	size_t pos = 0;
	char *name;

	assert_int_equal(parse_vma(line, strlen(line), &pos, &v, &name), 1);
	assert_string_equal(name, "/x");
	assert_true(v.map.start == 0x7f0000001000ULL);
	assert_true(v.map.end == 0x7f0000003000ULL);
	assert_int_equal(v.map.offset, 0x12c000);
	assert_int_equal(v.map.dev_major, 0xfd);
	assert_int_equal(v.map.dev_minor, 0x1a);
	assert_true(v.map.inode == UINT64_MAX);
	assert_int_equal(v.map.flags,
			 RCAPFS_MAP_READ | RCAPFS_MAP_EXEC | RCAPFS_MAP_SHARED);
	free(name);
}

static void test_procparse__smaps_vmflags(void **state)
{
	static const struct {
		const char *vmflags;
		uint32_t flags;
	} cases[] = {
		{"VmFlags: rd wr mr mw me ac \n", 0},
		{"VmFlags: rd wr mr mw me lo ac \n", RCAPFS_MAP_LOCKED},
		{"VmFlags: rd wr sh mr mw me de ht\n", RCAPFS_MAP_HUGETLB},
		{"VmFlags: rd wr mr mw me nr\n", RCAPFS_MAP_NORESERVE},
		{"VmFlags: rd mr pf io de dd \n", RCAPFS_MAP_SPECIAL},
		{"VmFlags: io\n", RCAPFS_MAP_SPECIAL},
		{"VmFlags: pf\n", RCAPFS_MAP_SPECIAL},
		{"VmFlags: dd\n", RCAPFS_MAP_SPECIAL},
		{"VmFlags: lf nrx xlo\n", 0}, /* not the words asked for */
		{"VmFlags:\n", 0},
		{"VmFlags: lo nr ht",
		 RCAPFS_MAP_LOCKED | RCAPFS_MAP_NORESERVE | RCAPFS_MAP_HUGETLB},
	};
	static const char head[] = "00400000-00402000 rw-p 00000000 00:00 0 \n"
				   "Rss:                   8 kB\n";
	const uint32_t base =
		RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON;
	struct rcapfs_procparse_vma v;
	char buf[256], *name;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t pos = 0;
		int len = snprintf(buf, sizeof(buf), "%s%s", head,
				   cases[i].vmflags);

		assert_int_equal(parse_vma(buf, (size_t)len, &pos, &v, &name),
				 1);
		if (v.map.flags != (base | cases[i].flags))
			fail_msg("\"%s\": flags %#x", cases[i].vmflags,
				 v.map.flags);
		assert_int_equal(v.map.rss_kb, 8);
		free(name);
	}
}

static void test_procparse__smaps_sequence(void **state)
{
	/* two mappings of smaps, then maps (headers only), no last newline */
	static const char maps[] =
		"00400000-00401000 r--p 00000000 08:01 10 /bin/a\n"
		"00401000-00402000 r-xp 00001000 08:01 10 /bin/a\n"
		"00600000-00700000 rw-p 00000000 00:00 0 [heap]";
	struct rcapfs_procparse_vma v;
	size_t pos = 0, len, n = 0;
	char buf[4096], *name;

	len = (size_t)snprintf(buf, sizeof(buf), "%s%s", smaps_heap,
			       smaps_heap);
	while (parse_vma(buf, len, &pos, &v, &name) == 1) {
		assert_string_equal(name, "[heap]");
		assert_int_equal(v.map.referenced_kb, 1200);
		assert_int_equal(pos, strlen(smaps_heap) * ++n);
		free(name);
	}
	assert_int_equal(n, 2);

	pos = 0;
	n = 0;
	while (parse_vma(maps, strlen(maps), &pos, &v, &name) == 1) {
		assert_string_equal(name, n < 2 ? "/bin/a" : "[heap]");
		assert_int_equal(v.map.start,
				 n < 2 ? 0x400000 + 0x1000 * n : 0x600000);
		assert_int_equal(v.map.rss_kb, 0);
		assert_int_equal(v.map.kernel_page_kb, 0);
		n++;
		free(name);
	}
	assert_int_equal(n, 3);
	assert_int_equal(pos, strlen(maps));
}

static void test_procparse__smaps_malformed(void **state)
{
	static const char *const bad[] = {
		"\n",
		"Rss: 4 kB\n",
		"00400000 r--p 00000000 08:01 10 /a\n",
		"00400000-00401000\n",
		"00400000-00401000 r--p\n",
		"00400000-00401000 r--p 00000000\n",
		"00400000-00401000 r--p 00000000 08:01\n",
		"00400000-00401000 r--p 00000000 0801 10 /a\n",
		"00400000-00401000 r--p 00000000 08:01 x /a\n",
		"00400000-00401000 r--p 00000000 08:01 -1 /a\n",
		"00400000-00401000 r--p 0000000g 08:01 10 /a\n",
		"00400000-00401000 r--x 00000000 08:01 10 /a\n", /* 4th perm */
		"00400000-00401000 a--p 00000000 08:01 10 /a\n",
		"00400000-00401000 rw-pp 00000000 08:01 10 /a\n",
		"00400000-00401000 rw- 00000000 08:01 10 /a\n",
		"00400000-0040100z r--p 00000000 08:01 10 /a\n",
		"00401000-00400000 r--p 00000000 08:01 10 /a\n", /* backwards */
		"00400000-00400000 r--p 00000000 08:01 10 /a\n", /* empty */
		"00400000-00401000  r--p 00000000 08:01 10 /a\n",
		"10000000000000000-10000000000000001 r--p 0 08:01 10 /a\n",
		"00400000-00401000 r--p 00000000 100000000:01 10 /a\n",
		/* key lines */
		"00400000-00401000 r--p 00000000 08:01 10 /a\nRss 4 kB\n",
		"00400000-00401000 r--p 00000000 08:01 10 /a\nRss: 4\n",
		"00400000-00401000 r--p 00000000 08:01 10 /a\nRss: 4 MB\n",
		"00400000-00401000 r--p 00000000 08:01 10 /a\nRss: -4 kB\n",
		"00400000-00401000 r--p 00000000 08:01 10 /a\n: 4 kB\n",
		"00400000-00401000 r--p 00000000 08:01 10 /a\nR s: 4 kB\n",
		"00400000-00401000 r--p 00000000 08:01 10 /a\n\nRss: 4 kB\n",
		"00400000-00401000 r--p 00000000 08:01 10 /a\n"
		"KernelPageSize: 4294967296 kB\n",
		"00400000-00401000 r--p 00000000 08:01 10 /a\n"
		"Shared_Clean: 18446744073709551615 kB\n"
		"Shared_Dirty: 1 kB\n",
	};
	struct rcapfs_procparse_vma v;
	char *name;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t pos = 0;

		if (parse_vma(bad[i], strlen(bad[i]), &pos, &v, &name) !=
		    -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_int_equal(pos, 0);
	}
}

static void test_procparse__smaps_truncated(void **state)
{
	struct rcapfs_procparse_vma v;
	size_t len = strlen(smaps_heap);
	char *name;

	/* Every prefix parses as the mapping so far or is refused, and
	 * memcheck sees no read past it. */
	for (size_t n = 1; n <= len; n++) {
		size_t pos = 0;
		int ret = parse_vma(smaps_heap, n, &pos, &v, &name);

		if (ret == 1) {
			assert_int_equal(pos, n);
			assert_true(v.map.start == 0x55d148a00000ULL);
			free(name);
		} else {
			assert_int_equal(ret, -EINVAL);
		}
	}
}

static int parse_nspid(const char *s, pid_t out[RCAPFS_PIDNS_LEVELS], size_t *n)
{
	size_t len = strlen(s);
	char *p = exact(s, len);
	int ret = rcapfs_procparse_nspid(p, len, out, n);

	free(p);
	return ret;
}

static void test_procparse__nspid(void **state)
{
	static const char nested[] = "Name:\tsleep\nNStgid:\t5000\t12\t1\n"
				     "NSpid:\t5000\t12\t1\nNSpgid:\t1\n";
	pid_t pids[RCAPFS_PIDNS_LEVELS];
	size_t n = 99;

	assert_int_equal(parse_nspid(status_full, pids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], 4242);
	assert_int_equal(parse_nspid(nested, pids, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 5000);
	assert_int_equal(pids[1], 12);
	assert_int_equal(pids[2], 1);
	/* Last line, no newline; blanks around the numbers. */
	assert_int_equal(parse_nspid("Tgid:\t7\nNSpid: \t7  3 ", pids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pids[1], 3);
	/* Kernels before 4.1 have no such line: nothing, not an error. */
	assert_int_equal(parse_nspid("Tgid:\t7\nPid:\t7\n", pids, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(parse_nspid("", pids, &n), 0);
	assert_int_equal(n, 0);
}

static void test_procparse__nspid_malformed(void **state)
{
	static const char *const bad[] = {
		"NSpid:\n",	   "NSpid:\t\n",	   "NSpid:\t12x\n",
		"NSpid:\t0\n",	   "NSpid:\t-1\n",	   "NSpid:\t012\n",
		"NSpid:\t1 2,3\n", "NSpid:\t2147483648\n",
	};
	pid_t pids[RCAPFS_PIDNS_LEVELS];
	char deep[512], *p = deep;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_nspid(bad[i], pids, &n) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
	/* The deepest nesting the kernel allows, and one more. */
	p += sprintf(p, "NSpid:");
	for (int i = 0; i < RCAPFS_PIDNS_LEVELS; i++)
		p += sprintf(p, "\t%d", 1000 - i);
	assert_int_equal(parse_nspid(deep, pids, &n), 0);
	assert_int_equal(n, RCAPFS_PIDNS_LEVELS);
	assert_int_equal(pids[RCAPFS_PIDNS_LEVELS - 1],
			 1000 - RCAPFS_PIDNS_LEVELS + 1);
	sprintf(p, "\t1\n");
	assert_int_equal(parse_nspid(deep, pids, &n), -EINVAL);
}

static int parse_ns_link(const char *s, uint64_t *ino)
{
	size_t len = strlen(s);
	char *p = exact(s, len);
	int ret = rcapfs_procparse_ns_link(p, len, "pid", ino);

	free(p);
	return ret;
}

static void test_procparse__ns_link(void **state)
{
	static const char *const bad[] = {
		"",
		"pid",
		"pid:",
		"pid:[]",
		"pid:[12",
		"pid:12]",
		"pid:[012]",
		"pid:[1x]",
		"net:[12]",
		"pidx:[12]",
		"pid:[12] ",
		"pid:[-1]",
		"pid:[18446744073709551616]",
	};
	uint64_t ino = 0;

	assert_int_equal(parse_ns_link("pid:[4026531836]", &ino), 0);
	assert_true(ino == 4026531836ULL);
	assert_int_equal(parse_ns_link("pid:[18446744073709551615]", &ino), 0);
	assert_true(ino == UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_ns_link(bad[i], &ino) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procparse__stat_fields),
		cmocka_unit_test(test_procparse__stat_hostile_comm),
		cmocka_unit_test(test_procparse__stat_long_comm_is_cut),
		cmocka_unit_test(test_procparse__stat_truncated),
		cmocka_unit_test(test_procparse__stat_malformed),
		cmocka_unit_test(test_procparse__stat_huge_numbers),
		cmocka_unit_test(test_procparse__status_with_vm),
		cmocka_unit_test(test_procparse__status_without_vm),
		cmocka_unit_test(test_procparse__status_no_trailing_newline),
		cmocka_unit_test(test_procparse__status_malformed),
		cmocka_unit_test(test_procparse__status_truncated),
		cmocka_unit_test(test_procparse__cgroup_v2),
		cmocka_unit_test(test_procparse__cgroup_v1),
		cmocka_unit_test(
			test_procparse__cgroup_hybrid_prefers_v1_memory),
		cmocka_unit_test(test_procparse__cgroup_empty_and_malformed),
		cmocka_unit_test(test_procparse__meminfo),
		cmocka_unit_test(test_procparse__meminfo_malformed),
		cmocka_unit_test(test_procparse__pid),
		cmocka_unit_test(test_procparse__statm),
		cmocka_unit_test(test_procparse__rollup_pss),
		cmocka_unit_test(test_procparse__smaps_mapping),
		cmocka_unit_test(test_procparse__smaps_names_and_flags),
		cmocka_unit_test(test_procparse__smaps_header_fields),
		cmocka_unit_test(test_procparse__smaps_vmflags),
		cmocka_unit_test(test_procparse__smaps_sequence),
		cmocka_unit_test(test_procparse__smaps_malformed),
		cmocka_unit_test(test_procparse__smaps_truncated),
		cmocka_unit_test(test_procparse__nspid),
		cmocka_unit_test(test_procparse__nspid_malformed),
		cmocka_unit_test(test_procparse__ns_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
