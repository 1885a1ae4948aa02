#include "config.h"

#include "compat/backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/fixture_file.h"
#include "tests/unit/parked_thread.h"

/* The fixture tree: see tests/fixtures/proc-basic. */
struct want {
	pid_t pid;
	pid_t ppid;
	uid_t ruid;
	gid_t rgid;
	uint64_t start_ticks;
	uint64_t rss_kb;
	uint64_t vm_kb;
	const char *comm;
	const char *cgroup;
};

static const struct want fixture_procs[] = {
	{1, 0, 0, 0, 5, 12000, 170000, "systemd", "/mem/init"},
	{42, 1, 1000, 1000, 1000, 2000, 8000, "a) b (c", "/user/42:odd"},
	{100, 1, 33, 33, 2000, 0, 0, "defunct", "/system.slice/cron.service"},
	{1234, 1, 1000, 100, 29471, 5460, 10316, "bash",
	 "/user.slice/user-1000.slice/session-2.scope"},
	{31337, 1234, 1000, 100, 40000, 10240, 20480, "Web Content",
	 "/app.slice"},
};
#define NFIXTURE (sizeof(fixture_procs) / sizeof(fixture_procs[0]))

struct env {
	char proc_root[PATH_MAX];
	char sys_root[PATH_MAX];
	struct rcapfs_backend *fixture;
	struct rcapfs_backend *real;
};

static const char *top_srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : TOP_SRCDIR;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	snprintf(e->proc_root, sizeof(e->proc_root),
		 "%s/tests/fixtures/proc-basic", top_srcdir());
	snprintf(e->sys_root, sizeof(e->sys_root),
		 "%s/tests/fixtures/sys-basic", top_srcdir());
	if (rcapfs_backend_new(e->proc_root, e->sys_root, &e->fixture) ||
	    rcapfs_backend_new("/proc", "/sys", &e->real)) {
		rcapfs_backend_free(e->fixture);
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	rcapfs_backend_free(e->fixture);
	rcapfs_backend_free(e->real);
	free(e);
	return 0;
}

static void check_proc(const struct rcapfs_proc *p, const struct want *w,
		       int with_cgroup)
{
	assert_int_equal(p->pid, w->pid);
	assert_int_equal(p->ppid, w->ppid);
	assert_int_equal(p->ruid, w->ruid);
	assert_int_equal(p->rgid, w->rgid);
	assert_int_equal(p->start_ticks, w->start_ticks);
	assert_int_equal(p->rss_kb, w->rss_kb);
	assert_int_equal(p->vm_kb, w->vm_kb);
	assert_string_equal(p->comm, w->comm);
	if (with_cgroup)
		assert_string_equal(p->cgroup, w->cgroup);
	else
		assert_null(p->cgroup);
}

static void test_linux__new_bad_roots(void **state)
{
	struct env *e = *state;
	struct rcapfs_backend *be = (struct rcapfs_backend *)e;
	char file[PATH_MAX + 16];

	assert_int_equal(
		rcapfs_backend_new("/nonexistent/proc", e->sys_root, &be),
		-ENOENT);
	assert_null(be);
	assert_int_equal(
		rcapfs_backend_new(e->proc_root, "/nonexistent/sys", &be),
		-ENOENT);
	assert_null(be);
	snprintf(file, sizeof(file), "%s/meminfo", e->proc_root);
	assert_int_equal(rcapfs_backend_new(file, e->sys_root, &be), -ENOTDIR);
	assert_null(be);
	assert_int_equal(rcapfs_backend_new(NULL, e->sys_root, &be), -EINVAL);
	assert_null(be);
}

static void test_linux__procs_fixture(void **state)
{
	struct env *e = *state;
	struct rcapfs_proc_list list = {NULL, 0};

	/* Twice: the second walk starts over from a rewound directory. */
	for (int round = 0; round < 2; round++) {
		assert_int_equal(
			e->fixture->ops->procs(e->fixture->ctx, 0, &list), 0);
		assert_int_equal(list.n, NFIXTURE);
		for (size_t i = 0; i < NFIXTURE; i++)
			check_proc(&list.procs[i], &fixture_procs[i], 0);
		rcapfs_proc_list_free(&list);
		assert_null(list.procs);
		assert_int_equal(list.n, 0);
	}
}

static void test_linux__procs_fixture_cgroup(void **state)
{
	struct env *e = *state;
	struct rcapfs_proc_list list = {NULL, 0};

	/* RSS limits are asked for too: a fixture's pids are nobody's, so
	 * none is read. */
	assert_int_equal(e->fixture->ops->procs(e->fixture->ctx,
						RCAPFS_PROCS_CGROUP |
							RCAPFS_PROCS_RLIMIT,
						&list),
			 0);
	assert_int_equal(list.n, NFIXTURE);
	for (size_t i = 0; i < NFIXTURE; i++) {
		check_proc(&list.procs[i], &fixture_procs[i], 1);
		assert_false(list.procs[i].rlimit_rss_set);
	}
	rcapfs_proc_list_free(&list);
}

static void test_linux__procs_bad_flags(void **state)
{
	struct env *e = *state;
	struct rcapfs_proc_list list = {(struct rcapfs_proc *)e, 7};

	assert_int_equal(e->fixture->ops->procs(e->fixture->ctx, 0x80, &list),
			 -EINVAL);
	assert_null(list.procs);
	assert_int_equal(list.n, 0);
}

static void test_linux__proc_fixture(void **state)
{
	struct env *e = *state;
	void *ctx = e->fixture->ctx;
	struct rcapfs_proc p;

	assert_int_equal(e->fixture->ops->proc(ctx, 42, 0, &p), 0);
	check_proc(&p, &fixture_procs[1], 0);
	assert_int_equal(
		e->fixture->ops->proc(ctx, 1234, RCAPFS_PROCS_CGROUP, &p), 0);
	check_proc(&p, &fixture_procs[3], 1);
	/* utime 3 and stime 1; 5 major faults */
	assert_int_equal(p.cpu_ticks, 4);
	assert_int_equal(p.majflt, 5);
	rcapfs_proc_release(&p);
	assert_null(p.cgroup);

	/* a kernel thread, a thread id, vanished, missing, malformed */
	assert_int_equal(e->fixture->ops->proc(ctx, 2, 0, &p), -ESRCH);
	assert_int_equal(e->fixture->ops->proc(ctx, 701, 0, &p), -ESRCH);
	assert_int_equal(e->fixture->ops->proc(ctx, 555, 0, &p), -ESRCH);
	assert_int_equal(e->fixture->ops->proc(ctx, 556, 0, &p), -ESRCH);
	assert_int_equal(e->fixture->ops->proc(ctx, 999, 0, &p), -ESRCH);
	assert_int_equal(e->fixture->ops->proc(ctx, 557, 0, &p), -EINVAL);
	assert_int_equal(e->fixture->ops->proc(ctx, 0, 0, &p), -EINVAL);
	assert_int_equal(e->fixture->ops->proc(ctx, -1, 0, &p), -EINVAL);
	assert_null(p.cgroup);
}

static void test_linux__proc_sample_fixture(void **state)
{
	struct env *e = *state;
	void *ctx = e->fixture->ctx;
	uint64_t page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
	struct rcapfs_proc_usage u;

	/* stat of 1234: 1365 pages, 10563584 bytes */
	memset(&u, 7, sizeof(u));
	assert_int_equal(e->fixture->ops->proc_sample(ctx, 1234, 29471, &u), 0);
	assert_int_equal(u.rss_kb, 1365 * page_kb);
	assert_int_equal(u.vm_kb, 10316);
	assert_int_equal(u.cpu_ticks, 3 + 1);
	assert_int_equal(u.majflt, 5);

	/* another start time: the pid was reused */
	memset(&u, 7, sizeof(u));
	assert_int_equal(e->fixture->ops->proc_sample(ctx, 1234, 29470, &u),
			 -ESRCH);
	assert_int_equal(u.rss_kb, 0x0707070707070707ULL);
	assert_int_equal(e->fixture->ops->proc_sample(ctx, 999, 0, &u), -ESRCH);
	assert_int_equal(e->fixture->ops->proc_sample(ctx, 555, 0, &u), -ESRCH);
	assert_int_equal(e->fixture->ops->proc_sample(ctx, 556, 0, &u), -ESRCH);
	assert_int_equal(e->fixture->ops->proc_sample(ctx, 557, 0, &u),
			 -EINVAL);
}

static void test_linux__meminfo_fixture(void **state)
{
	struct env *e = *state;
	struct rcapfs_meminfo mi;

	assert_int_equal(e->fixture->ops->meminfo(e->fixture->ctx, &mi), 0);
	assert_true(mi.mem_total == 24598660ULL * 1024);
	assert_true(mi.mem_available == 23470412ULL * 1024);
	assert_true(mi.swap_total == 2097148ULL * 1024);
	assert_true(mi.swap_free == 2097000ULL * 1024);
}

static void test_linux__features_fixture(void **state)
{
	struct env *e = *state;
	struct rcapfs_features f, real;

	memset(&f, 0x55, sizeof(f));
	assert_int_equal(e->fixture->ops->features(e->fixture->ctx, &f), 0);
	assert_int_equal(f.page_size, sysconf(_SC_PAGESIZE));
	assert_false(f.pagemap_scan);
	assert_false(f.idle_page_tracking);
	assert_false(f.cgroup_v2);
	assert_false(f.clear_refs); /* no "self" in the fixture */
	/* the bits of a fixture's pagemap files count as they are */
	assert_true(f.soft_dirty);
	assert_true(f.pfn_visible);
	/* a syscall probe: the proc root does not matter */
	assert_int_equal(e->real->ops->features(e->real->ctx, &real), 0);
	assert_int_equal(f.process_madvise, real.process_madvise);
}

/* A fixture root tells pages as its pagemap files say, but holds no
 * process to page out or to hear forks of. */
static void test_linux__can_fixture(void **state)
{
	struct env *e = *state;

	assert_int_equal(e->fixture->ops->can(e->fixture->ctx),
			 RCAPFS_CAN_PAGE_PRESENT | RCAPFS_CAN_PAGE_DIRTY);
}

static void remove_tree(const char *root, const char *const *rels)
{
	char path[PATH_MAX], *slash;

	for (; *rels; rels++) {
		snprintf(path, sizeof(path), "%s/%s", root, *rels);
		unlink(path);
		while ((slash = strrchr(path, '/')) &&
		       slash > path + strlen(root)) {
			*slash = '\0';
			rmdir(path);
		}
	}
	rmdir(root);
}

static void test_linux__features_sys_probes(void **state)
{
	static const char *const files[] = {"kernel/mm/page_idle/bitmap",
					    "fs/cgroup/cgroup.controllers",
					    NULL};
	struct env *e = *state;
	char sys[] = "/tmp/rcapfs-sys-XXXXXX";
	struct rcapfs_backend *be = NULL;
	struct rcapfs_features f;
	unsigned can;

	assert_non_null(mkdtemp(sys));
	for (size_t i = 0; files[i]; i++)
		fixture_file_put(sys, files[i], "", 0);
	assert_int_equal(rcapfs_backend_new(e->proc_root, sys, &be), 0);
	assert_int_equal(be->ops->features(be->ctx, &f), 0);
	can = be->ops->can(be->ctx);
	rcapfs_backend_free(be);
	remove_tree(sys, files);
	assert_true(f.idle_page_tracking);
	assert_true(f.cgroup_v2);
	assert_false(f.pagemap_scan);
	/* the bitmap and the fixture's visible PFNs: referenced pages */
	assert_true(can & RCAPFS_CAN_PAGE_REFERENCED);
}

/* Our memory cgroup as /proc/self/cgroup shows it, read with stdio: the v1
 * memory line's path, else the v2 line's, else NULL. Caller frees. */
static char *self_cgroup(void)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char *line = NULL, *v1 = NULL, *v2 = NULL, *ctl, *path, *tok, *save;
	size_t size = 0;
	ssize_t n;

	assert_non_null(f);
	while ((n = getline(&line, &size, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		/* line: hierarchy id, ctl: controller list, then the path */
		ctl = strchr(line, ':');
		path = ctl ? strchr(ctl + 1, ':') : NULL;
		assert_non_null(path);
		*ctl++ = '\0';
		*path++ = '\0';
		if (strcmp(line, "0") == 0 && *ctl == '\0') {
			if (!v2)
				v2 = strdup(path);
			continue;
		}
		for (tok = strtok_r(ctl, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			if (strcmp(tok, "memory") == 0 && !v1)
				v1 = strdup(path);
	}
	free(line);
	fclose(f);
	if (v1) {
		free(v2);
		return v1;
	}
	return v2;
}

static void test_linux__real_self(void **state)
{
	/* A comm made to trip a parser, set on ourselves. */
	static const char comm[] = "rc) t (x";
	struct env *e = *state;
	void *ctx = e->real->ctx;
	struct rcapfs_proc_list list = {NULL, 0};
	const struct rcapfs_proc *me = NULL;
	struct rcapfs_proc p;
	struct rcapfs_proc_usage u;
	struct rlimit saved, rl;
	char *cgroup;

	assert_int_equal(prctl(PR_SET_NAME, comm, 0, 0, 0), 0);
	/* A finite RSS limit of our own, read back by the walk. */
	assert_int_equal(getrlimit(RLIMIT_RSS, &saved), 0);
	rl = saved;
	rl.rlim_cur = 64ULL << 20;
	assert_int_equal(setrlimit(RLIMIT_RSS, &rl), 0);
	assert_int_equal(
		e->real->ops->procs(
			ctx, RCAPFS_PROCS_CGROUP | RCAPFS_PROCS_RLIMIT, &list),
		0);
	assert_int_equal(setrlimit(RLIMIT_RSS, &saved), 0);
	assert_true(list.n > 1);
	for (size_t i = 0; i < list.n; i++) {
		if (i > 0)
			assert_true(list.procs[i - 1].pid < list.procs[i].pid);
		if (list.procs[i].pid == getpid())
			me = &list.procs[i];
	}
	assert_non_null(me);
	assert_string_equal(me->comm, comm);
	assert_int_equal(me->ppid, getppid());
	assert_int_equal(me->ruid, getuid());
	assert_int_equal(me->rgid, getgid());
	assert_true(me->rss_kb > 0);
	assert_true(me->vm_kb >= me->rss_kb);
	assert_true(me->rlimit_rss_set);
	assert_int_equal(me->rlimit_rss_bytes, 64ULL << 20);
	cgroup = self_cgroup();
	if (cgroup)
		assert_string_equal(me->cgroup, cgroup);
	else
		assert_null(me->cgroup);
	free(cgroup);

	/* The limit is back to infinity: none. */
	assert_int_equal(
		e->real->ops->proc(ctx, getpid(), RCAPFS_PROCS_RLIMIT, &p), 0);
	assert_int_equal(p.rlimit_rss_set, saved.rlim_cur != RLIM_INFINITY);
	assert_int_equal(e->real->ops->proc(ctx, getpid(), 0, &p), 0);
	assert_int_equal(p.start_ticks, me->start_ticks);
	assert_string_equal(p.comm, comm);
	assert_null(p.cgroup);
	assert_false(p.rlimit_rss_set);

	assert_int_equal(
		e->real->ops->proc_sample(ctx, getpid(), me->start_ticks, &u),
		0);
	assert_true(u.rss_kb > 0);
	assert_true(u.vm_kb >= u.rss_kb);
	/* Counters only grow. */
	assert_true(u.cpu_ticks >= me->cpu_ticks);
	assert_true(u.majflt >= me->majflt);
	assert_int_equal(e->real->ops->proc_sample(ctx, getpid(),
						   me->start_ticks + 1, &u),
			 -ESRCH);
	rcapfs_proc_list_free(&list);
}

static void test_linux__real_thread_is_not_a_process(void **state)
{
	struct env *e = *state;
	struct parked_thread a;
	struct rcapfs_proc p;

	parked_thread_start(&a);
	assert_int_not_equal(a.tid, getpid());
	assert_int_equal(e->real->ops->proc(e->real->ctx, a.tid, 0, &p),
			 -ESRCH);
	assert_int_equal(e->real->ops->proc(e->real->ctx, getpid(), 0, &p), 0);
	parked_thread_stop(&a);
}

static void *walk_main(void *p)
{
	struct rcapfs_backend *be = p;
	struct rcapfs_proc_list list = {NULL, 0};
	intptr_t found_all = 1;

	for (int i = 0; i < 20; i++) {
		int found = 0;

		if (be->ops->procs(be->ctx, 0, &list))
			return (void *)0;
		for (size_t j = 0; j < list.n; j++)
			found |= list.procs[j].pid == getpid();
		found_all &= found;
		rcapfs_proc_list_free(&list);
	}
	return (void *)found_all;
}

static void test_linux__real_concurrent_walks(void **state)
{
	struct env *e = *state;
	pthread_t t[4];
	void *ok;

	for (size_t i = 0; i < 4; i++)
		assert_int_equal(
			pthread_create(&t[i], NULL, walk_main, e->real), 0);
	for (size_t i = 0; i < 4; i++) {
		pthread_join(t[i], &ok);
		assert_true(ok == (void *)1);
	}
}

static void test_linux__real_meminfo(void **state)
{
	struct env *e = *state;
	struct rcapfs_meminfo mi;

	assert_int_equal(e->real->ops->meminfo(e->real->ctx, &mi), 0);
	assert_true(mi.mem_total > 0);
	assert_true(mi.mem_available <= mi.mem_total);
	assert_true(mi.swap_free <= mi.swap_total);
	assert_true(mi.mem_total % 1024 == 0);
}

static void test_linux__real_features(void **state)
{
	struct env *e = *state;
	struct rcapfs_features f;

	assert_int_equal(e->real->ops->features(e->real->ctx, &f), 0);
	assert_int_equal(f.cgroup_v2,
			 access("/sys/fs/cgroup/cgroup.controllers", F_OK) ==
				 0);
	assert_int_equal(f.idle_page_tracking,
			 access("/sys/kernel/mm/page_idle/bitmap", F_OK) == 0);
	assert_int_equal(f.page_size, sysconf(_SC_PAGESIZE));
	assert_int_equal(f.clear_refs,
			 access("/proc/self/clear_refs", F_OK) == 0);
	/* PFNs are for root only (CAP_SYS_ADMIN) */
	if (geteuid() == 0)
		assert_true(f.pfn_visible);
	print_message("features: process_madvise %d pagemap_scan %d "
		      "idle_page_tracking %d soft_dirty %d pfn_visible %d "
		      "cgroup_v2 %d\n",
		      f.process_madvise, f.pagemap_scan, f.idle_page_tracking,
		      f.soft_dirty, f.pfn_visible, f.cgroup_v2);
}

/* What the backend can do follows from the features it found. */
static void test_linux__real_can(void **state)
{
	struct env *e = *state;
	struct rcapfs_features f;
	unsigned can = e->real->ops->can(e->real->ctx);

	assert_int_equal(e->real->ops->features(e->real->ctx, &f), 0);
	assert_true(can & RCAPFS_CAN_PAGE_PRESENT);
	assert_true(can & RCAPFS_CAN_FORK_EVENTS);
	assert_int_equal(!!(can & RCAPFS_CAN_PAGEOUT), f.process_madvise);
	assert_int_equal(!!(can & RCAPFS_CAN_PAGE_REFERENCED),
			 f.idle_page_tracking && f.pfn_visible);
	assert_int_equal(!!(can & RCAPFS_CAN_PAGE_DIRTY), f.soft_dirty);
	assert_int_equal(!!(can & RCAPFS_CAN_MAPPING_REFERENCED), f.clear_refs);
	/* all of what is asked, not any */
	assert_true(rcapfs_backend_can(e->real, can));
	for (unsigned bit = 1; bit <= RCAPFS_CAN_FORK_EVENTS; bit <<= 1)
		if (!(can & bit))
			assert_false(rcapfs_backend_can(e->real, can | bit));
}

static void test_linux__user_group(void **state)
{
	struct env *e = *state;
	uid_t uid = 4242;
	gid_t gid = 4242;

	assert_int_equal(e->real->ops->user_uid(e->real->ctx, "root", &uid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(e->real->ops->group_gid(e->real->ctx, "root", &gid),
			 0);
	assert_int_equal(gid, 0);
	uid = 4242;
	gid = 4242;
	assert_int_equal(e->real->ops->user_uid(e->real->ctx,
						"no-such-user.rcapfs", &uid),
			 -ENOENT);
	assert_int_equal(e->real->ops->group_gid(e->real->ctx,
						 "no-such-group.rcapfs", &gid),
			 -ENOENT);
	assert_int_equal(uid, 4242);
	assert_int_equal(gid, 4242);
}

/* ---- Fork events ---- */

/* Waits of FORK_WAIT_MS a test makes at most for the events it expects:
 * ten seconds, though they come within the first. */
#define FORK_WAITS   40
#define FORK_WAIT_MS 250
/* Events taken in one wait. */
#define FORK_BATCH 64

/* Open a subscription of the real backend, or skip the test where the
 * host gives none (not root, not in the initial namespaces, no proc
 * connector in the kernel). */
static struct rcapfs_forks *forks_open_or_skip(struct rcapfs_backend *be)
{
	struct rcapfs_forks *f = NULL;
	int ret = be->ops->forks_open(be->ctx, &f);

	if (ret == -EPERM || ret == -EACCES || ret == -EPROTONOSUPPORT ||
	    ret == -ENOENT) {
		print_message("no fork events on this host (%s): skipped\n",
			      strerror(-ret));
		assert_null(f);
		skip();
	}
	assert_int_equal(ret, 0);
	assert_non_null(f);
	return f;
}

/* Wait until f has reported every fork of want[n], failing the test after
 * FORK_WAITS waits. Forks of other processes of the machine are passed
 * over; no fork may name never (0: none) as its child. */
static void expect_forks(struct rcapfs_backend *be, struct rcapfs_forks *f,
			 const struct rcapfs_fork *want, size_t n, pid_t never)
{
	struct rcapfs_fork ev[FORK_BATCH];
	bool seen[4] = {false};
	size_t left = n;
	int got;

	assert_true(n <= sizeof(seen) / sizeof(seen[0]));
	for (int round = 0; round < FORK_WAITS && left > 0; round++) {
		got = be->ops->forks_wait(be->ctx, f, ev, FORK_BATCH,
					  FORK_WAIT_MS);
		if (got == -ENOBUFS) {
			print_message("fork events were lost\n");
			continue;
		}
		assert_true(got >= 0 && got <= FORK_BATCH);
		for (int i = 0; i < got; i++) {
			assert_int_not_equal(ev[i].child_tgid, never);
			for (size_t j = 0; j < n; j++) {
				if (seen[j] ||
				    ev[i].parent_tgid != want[j].parent_tgid ||
				    ev[i].child_tgid != want[j].child_tgid)
					continue;
				seen[j] = true;
				left--;
			}
		}
	}
	for (size_t j = 0; j < n; j++) {
		if (!seen[j])
			print_message("no fork %d -> %d\n",
				      (int)want[j].parent_tgid,
				      (int)want[j].child_tgid);
	}
	assert_int_equal(left, 0);
}

/* What a forked child does until it is killed: under valgrind an exit
 * of its own would check the heap it shares with us for leaks, and
 * fail. */
static void child_park(void)
{
	for (;;)
		pause();
}

/* Kill child and reap it. */
static void child_end(pid_t child)
{
	int status;

	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* Fork a child and end it; returns its pid, reaped. */
static pid_t fork_and_reap(void)
{
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0)
		child_park();
	child_end(child);
	return child;
}

/* A daemon's double fork: the child forks the grandchild and ends, so
 * the grandchild's parent is gone before any walk could see them
 * together. Both forks are reported. This process is a subreaper
 * meanwhile, to reap the grandchild. */
static void test_linux__forks_double_fork(void **state)
{
	struct env *e = *state;
	struct rcapfs_forks *f = forks_open_or_skip(e->real);
	struct rcapfs_fork want[2];
	pid_t child, grandchild = 0;
	int pipe_fd[2], subreaper = 0;

	assert_int_equal(prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0), 0);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	assert_int_equal(pipe(pipe_fd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t g = fork();

		if (g == 0 || write(pipe_fd[1], &g, sizeof(g)) == sizeof(g))
			child_park();
		_exit(1);
	}
	close(pipe_fd[1]);
	assert_int_equal(read(pipe_fd[0], &grandchild, sizeof(grandchild)),
			 sizeof(grandchild));
	close(pipe_fd[0]);
	child_end(child);
	assert_true(grandchild > 0);
	child_end(grandchild);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, subreaper, 0, 0, 0), 0);

	want[0].parent_tgid = getpid();
	want[0].child_tgid = child;
	want[1].parent_tgid = child;
	want[1].child_tgid = grandchild;
	expect_forks(e->real, f, want, 2, 0);
	e->real->ops->forks_close(e->real->ctx, f);
}

/* A new thread is made by a fork too, and is no process: the fork of a
 * child after it is reported, the thread's before it is not, under
 * neither its tid nor this process's tgid. */
static void test_linux__forks_not_threads(void **state)
{
	struct env *e = *state;
	struct rcapfs_forks *f = forks_open_or_skip(e->real);
	struct parked_thread t;
	struct rcapfs_fork want;

	parked_thread_start(&t);
	want.parent_tgid = getpid();
	want.child_tgid = fork_and_reap();
	parked_thread_stop(&t);
	expect_forks(e->real, f, &want, 1, t.tid);
	/* Events come in order: the thread's was before the child's. */
	parked_thread_start(&t);
	want.child_tgid = fork_and_reap();
	parked_thread_stop(&t);
	expect_forks(e->real, f, &want, 1, getpid());
	e->real->ops->forks_close(e->real->ctx, f);
}

/* Waits end by their timeout when nothing of interest happens, a zero
 * timeout does not wait, and bad arguments change nothing. */
static void test_linux__forks_wait_timeout(void **state)
{
	struct env *e = *state;
	struct rcapfs_forks *f = forks_open_or_skip(e->real);
	struct rcapfs_fork ev[8];
	int got;

	for (int i = 0; i < 3; i++) {
		got = e->real->ops->forks_wait(e->real->ctx, f, ev, 8, 100);
		assert_true(got >= 0 && got <= 8);
	}
	got = e->real->ops->forks_wait(e->real->ctx, f, ev, 8, 0);
	assert_true(got >= 0 && got <= 8);
	assert_int_equal(e->real->ops->forks_wait(e->real->ctx, f, ev, 0, 100),
			 -EINVAL);
	assert_int_equal(
		e->real->ops->forks_wait(e->real->ctx, f, NULL, 8, 100),
		-EINVAL);
	assert_int_equal(
		e->real->ops->forks_wait(e->real->ctx, NULL, ev, 8, 100),
		-EINVAL);
	e->real->ops->forks_close(e->real->ctx, f);
	e->real->ops->forks_close(e->real->ctx, NULL);
}

/* Two subscriptions at once each get every fork, and closing one leaves
 * the other listening. */
static void test_linux__forks_two_subscriptions(void **state)
{
	struct env *e = *state;
	struct rcapfs_forks *f1 = forks_open_or_skip(e->real);
	struct rcapfs_forks *f2 = forks_open_or_skip(e->real);
	struct rcapfs_fork want = {.parent_tgid = getpid()};

	want.child_tgid = fork_and_reap();
	expect_forks(e->real, f1, &want, 1, 0);
	expect_forks(e->real, f2, &want, 1, 0);
	e->real->ops->forks_close(e->real->ctx, f1);
	want.child_tgid = fork_and_reap();
	expect_forks(e->real, f2, &want, 1, 0);
	e->real->ops->forks_close(e->real->ctx, f2);
}

/* A fixture root's pids are not the system's: no subscription there. */
static void test_linux__forks_fixture_root(void **state)
{
	struct env *e = *state;
	struct rcapfs_forks *f = (struct rcapfs_forks *)e;

	assert_int_equal(e->fixture->ops->forks_open(e->fixture->ctx, &f),
			 -ENOSYS);
	assert_null(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux__new_bad_roots),
		cmocka_unit_test(test_linux__procs_fixture),
		cmocka_unit_test(test_linux__procs_fixture_cgroup),
		cmocka_unit_test(test_linux__procs_bad_flags),
		cmocka_unit_test(test_linux__proc_fixture),
		cmocka_unit_test(test_linux__proc_sample_fixture),
		cmocka_unit_test(test_linux__meminfo_fixture),
		cmocka_unit_test(test_linux__features_fixture),
		cmocka_unit_test(test_linux__can_fixture),
		cmocka_unit_test(test_linux__features_sys_probes),
		cmocka_unit_test(test_linux__real_self),
		cmocka_unit_test(test_linux__real_thread_is_not_a_process),
		cmocka_unit_test(test_linux__real_concurrent_walks),
		cmocka_unit_test(test_linux__real_meminfo),
		cmocka_unit_test(test_linux__real_features),
		cmocka_unit_test(test_linux__real_can),
		cmocka_unit_test(test_linux__user_group),
		cmocka_unit_test(test_linux__forks_double_fork),
		cmocka_unit_test(test_linux__forks_not_threads),
		cmocka_unit_test(test_linux__forks_wait_timeout),
		cmocka_unit_test(test_linux__forks_two_subscriptions),
		cmocka_unit_test(test_linux__forks_fixture_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
