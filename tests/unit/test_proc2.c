/*
 * The Linux backend checked against an independent reader of /proc:
 * libproc2, the library behind ps and top.
 */
#include "config.h"

#include "compat/backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libproc2/pids.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PF_KTHREAD 0x00200000UL

/* A process younger than this may still be changing its comm, ids or
 * parent (exec, setuid, reparenting): only older ones are compared. */
#define STABLE_S 1.0

/* rss moves while two readers look at it one after the other. */
#define RSS_SLACK_KB  1024
#define RSS_SLACK_PCT 10

enum item_index {
	I_PID,
	I_PPID,
	I_RUID,
	I_RGID,
	I_CMD,
	I_RSS,
	I_FLAGS,
	I_BEGAN,
	I_ELAPSED,
};

static enum pids_item items[] = {
	PIDS_ID_PID, PIDS_ID_PPID, PIDS_ID_RUID,    PIDS_ID_RGID,      PIDS_CMD,
	PIDS_VM_RSS, PIDS_FLAGS,   PIDS_TICS_BEGAN, PIDS_TIME_ELAPSED,
};

static int cmp_proc_pid(const void *key, const void *elem)
{
	pid_t pid = *(const pid_t *)key;
	const struct rcapfs_proc *p = elem;

	return (pid > p->pid) - (pid < p->pid);
}

static const struct rcapfs_proc *find(const struct rcapfs_proc_list *list,
				      pid_t pid)
{
	return bsearch(&pid, list->procs, list->n, sizeof(*list->procs),
		       cmp_proc_pid);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Every process we listed that libproc2 did not see must have exited
 * since: we invent none. */
static void check_no_extra(struct rcapfs_backend *be,
			   const struct rcapfs_proc_list *ours,
			   struct pids_fetch *theirs, struct pids_info *info)
{
	int n = theirs->counts->total;
	pid_t *seen = calloc((size_t)n + 1, sizeof(*seen));
	struct rcapfs_proc p;

	assert_non_null(seen);
	for (int i = 0; i < n; i++)
		seen[i] = PIDS_VAL(I_PID, s_int, theirs->stacks[i], info);
	qsort(seen, (size_t)n, sizeof(*seen), cmp_pid);
	for (size_t i = 0; i < ours->n; i++) {
		pid_t pid = ours->procs[i].pid;
		int ret;

		if (bsearch(&pid, seen, (size_t)n, sizeof(*seen), cmp_pid))
			continue;
		ret = be->ops->proc(be->ctx, pid, 0, &p);
		if (ret == 0 && p.start_ticks == ours->procs[i].start_ticks)
			fail_msg("process %d listed here only", (int)pid);
	}
	free(seen);
}

/* A process whose rss changes while we look (other tests run beside us)
 * cannot be compared: look once more; theirs must lie between our two
 * readings, or our second reading must have moved as well. */
static bool rss_moving(struct rcapfs_backend *be, const struct rcapfs_proc *p,
		       unsigned long theirs)
{
	struct rcapfs_proc again;
	uint64_t lo, hi;

	if (be->ops->proc(be->ctx, p->pid, 0, &again))
		return true;
	lo = again.rss_kb < p->rss_kb ? again.rss_kb : p->rss_kb;
	hi = again.rss_kb < p->rss_kb ? p->rss_kb : again.rss_kb;
	rcapfs_proc_release(&again);
	return again.rss_kb != p->rss_kb || (theirs >= lo && theirs <= hi);
}

static bool in_second_walk(struct rcapfs_backend *be, pid_t pid)
{
	struct rcapfs_proc_list again = {NULL, 0};
	bool found;

	if (be->ops->procs(be->ctx, 0, &again))
		return false;
	found = find(&again, pid) != NULL;
	rcapfs_proc_list_free(&again);
	return found;
}

static void test_proc2__procs_agree(void **state)
{
	struct rcapfs_backend *be = NULL;
	struct rcapfs_proc_list ours = {NULL, 0};
	struct pids_info *info = NULL;
	struct pids_fetch *theirs;
	size_t compared = 0, kthreads = 0;
	struct timespec t0, t1;
	double stable_s;

	assert_int_equal(rcapfs_backend_new("/proc", "/sys", &be), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Ours first: a process old enough when libproc2 looks was there
	 * when we looked. */
	assert_int_equal(be->ops->procs(be->ctx, 0, &ours), 0);
	assert_int_equal(
		procps_pids_new(&info, items, sizeof(items) / sizeof(items[0])),
		0);
	theirs = procps_pids_reap(info, PIDS_FETCH_TASKS_ONLY);
	assert_non_null(theirs);
	/* Old enough means started before our walk began, with a margin:
	 * under valgrind the walks themselves take seconds. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stable_s = STABLE_S + (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (int i = 0; i < theirs->counts->total; i++) {
		struct pids_stack *s = theirs->stacks[i];
		pid_t pid = PIDS_VAL(I_PID, s_int, s, info);
		const struct rcapfs_proc *p = find(&ours, pid);
		unsigned long rss = PIDS_VAL(I_RSS, ul_int, s, info);
		uint64_t diff;

		if (PIDS_VAL(I_FLAGS, ul_int, s, info) & PF_KTHREAD) {
			if (p)
				fail_msg("kernel thread %d listed", (int)pid);
			kthreads++;
			continue;
		}
		if (pid == getpid() ||
		    PIDS_VAL(I_ELAPSED, real, s, info) < stable_s)
			continue;
		if (!p) {
			/* A process caught mid-exec or mid-exit by our walk
			 * (other tests run beside us) shows in a second
			 * walk, or is gone by now; one in neither is one the
			 * walk loses. */
			if (in_second_walk(be, pid) || kill(pid, 0) != 0)
				continue;
			fail_msg("process %d (%s) missing", (int)pid,
				 PIDS_VAL(I_CMD, str, s, info));
		}
		/* Same pid, another start: reused in between, skip it. */
		if (p->start_ticks != PIDS_VAL(I_BEGAN, ull_int, s, info))
			continue;
		assert_int_equal(p->ppid, PIDS_VAL(I_PPID, s_int, s, info));
		assert_int_equal(p->ruid, PIDS_VAL(I_RUID, u_int, s, info));
		assert_int_equal(p->rgid, PIDS_VAL(I_RGID, u_int, s, info));
		assert_string_equal(p->comm, PIDS_VAL(I_CMD, str, s, info));
		diff = p->rss_kb > rss ? p->rss_kb - rss : rss - p->rss_kb;
		if (diff > RSS_SLACK_KB && diff * 100 > rss * RSS_SLACK_PCT &&
		    !rss_moving(be, p, rss))
			fail_msg("process %d: rss %llu kB here, %lu kB there",
				 (int)pid, (unsigned long long)p->rss_kb, rss);
		compared++;
	}
	check_no_extra(be, &ours, theirs, info);
	print_message("compared %zu processes, %zu kernel threads left out\n",
		      compared, kthreads);
	/* At least init is old enough. */
	assert_true(compared > 0);

	procps_pids_unref(&info);
	rcapfs_proc_list_free(&ours);
	rcapfs_backend_free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc2__procs_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
