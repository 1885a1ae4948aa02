/*
 * Pids in a caller's pid namespace (the Linux backend): fixture proc trees
 * whose NSpid lines and namespace links describe sibling and nested
 * namespaces, then the real /proc for what only a kernel can show.
 */
#include "config.h"

#include "compat/backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/fixture_file.h"
#include "tests/unit/parked_thread.h"

#define NS_INIT 4026531836ULL /* the initial namespace's inode */
#define NS_A	4026532001ULL /* a container */
#define NS_B	4026532002ULL /* its sibling */
#define NS_C	4026532003ULL /* nested in A */
#define NS_D	4026532004ULL /* of a kernel without NSpid */
/* Namespaces of the eviction test: more than the cache holds. */
#define NS_MANY	  4026540000ULL
#define MANY	  70
#define MANY_PID0 2000

/* One process of a fixture tree. */
struct fixture_proc {
	pid_t pid;
	const char *nspid; /* the NSpid line's numbers; NULL: no such line */
	uint64_t ns;	   /* its namespace link */
};

static const struct fixture_proc procs[] = {
	{1, "1", NS_INIT},
	{10, "10", NS_INIT}, /* the daemon: "self" */
	{500, "500\t1", NS_A},
	{501, "501\t7", NS_A},
	{600, "600\t1", NS_B},
	{601, "601\t7", NS_B},
	{700, "700\t12\t1", NS_C},
	{900, NULL, NS_D},	/* a kernel without NSpid */
	{950, "950\t1x", NS_A}, /* a line no kernel writes */
};
#define NPROCS (sizeof(procs) / sizeof(procs[0]))

struct env {
	char root[PATH_MAX];
	struct rcapfs_backend *be;
};

static void put_proc(const char *root, pid_t pid, const char *nspid,
		     uint64_t ns)
{
	char rel[64], text[256], link[64], path[PATH_MAX];
	int n;

	n = snprintf(text, sizeof(text),
		     "Name:\tx\nTgid:\t%d\nPid:\t%d\nUid:\t0\t0\t0\t0\n"
		     "Gid:\t0\t0\t0\t0\n",
		     (int)pid, (int)pid);
	if (nspid)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "NSpid:\t%s\n", nspid);
	snprintf(rel, sizeof(rel), "%d/status", (int)pid);
	fixture_file_put(root, rel, text, (size_t)n);
	snprintf(path, sizeof(path), "%s/%d/ns", root, (int)pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%d/ns/pid", root, (int)pid);
	snprintf(link, sizeof(link), "pid:[%llu]", (unsigned long long)ns);
	assert_int_equal(symlink(link, path), 0);
}

static void set_self(const char *root, pid_t pid)
{
	char path[PATH_MAX], target[16];

	snprintf(path, sizeof(path), "%s/self", root);
	snprintf(target, sizeof(target), "%d", (int)pid);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

static struct rcapfs_backend *open_backend(const char *root)
{
	struct rcapfs_backend *be = NULL;

	assert_int_equal(rcapfs_backend_new(root, "/sys", &be), 0);
	return be;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char nspid[32];

	assert_non_null(e);
	strcpy(e->root, "/tmp/rcapfs-pidns-XXXXXX");
	assert_non_null(mkdtemp(e->root));
	for (size_t i = 0; i < NPROCS; i++)
		put_proc(e->root, procs[i].pid, procs[i].nspid, procs[i].ns);
	for (int i = 0; i < MANY; i++) {
		snprintf(nspid, sizeof(nspid), "%d\t1", MANY_PID0 + i);
		put_proc(e->root, MANY_PID0 + i, nspid, NS_MANY + (unsigned)i);
	}
	set_self(e->root, 10);
	e->be = open_backend(e->root);
	*state = e;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct env *e = *state;

	rcapfs_backend_free(e->be);
	nftw(e->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(e);
	return 0;
}

/* pids_to_ns for caller over every fixture process, in procs order. */
static int to_ns(struct rcapfs_backend *be, pid_t caller, pid_t out[NPROCS])
{
	pid_t in[NPROCS];

	for (size_t i = 0; i < NPROCS; i++)
		in[i] = procs[i].pid;
	return be->ops->pids_to_ns(be->ctx, caller, in, out, NPROCS);
}

static void test_pidns__of(void **state)
{
	struct env *e = *state;
	struct rcapfs_backend *be = e->be;
	uint64_t id = 0;

	assert_int_equal(be->ops->pidns_of(be->ctx, 1, &id), 0);
	assert_true(id == NS_INIT);
	assert_int_equal(be->ops->pidns_of(be->ctx, 501, &id), 0);
	assert_true(id == NS_A);
	assert_int_equal(be->ops->pidns_of(be->ctx, 601, &id), 0);
	assert_true(id == NS_B);
	assert_int_equal(be->ops->pidns_of(be->ctx, 4242, &id), -ESRCH);
}

static void test_pidns__initial(void **state)
{
	struct env *e = *state;
	struct rcapfs_backend *be;
	bool initial = false;

	assert_int_equal(e->be->ops->pidns_initial(e->be->ctx, &initial), 0);
	assert_true(initial);
	/* The daemon in a container sees it is not. */
	set_self(e->root, 501);
	be = open_backend(e->root);
	assert_int_equal(be->ops->pidns_initial(be->ctx, &initial), 0);
	assert_false(initial);
	rcapfs_backend_free(be);
	set_self(e->root, 10);
}

static void test_pidns__into_a_container(void **state)
{
	static const pid_t from_a[NPROCS] = {0, 0, 1, 7, 0, 0, 0, 0, 0};
	static const pid_t from_b[NPROCS] = {0, 0, 0, 0, 1, 7, 0, 0, 0};
	struct env *e = *state;
	pid_t out[NPROCS];

	/* A caller sees its own namespace's processes by their numbers
	 * there; a sibling's 7 is not its 7, the host's are not there. A
	 * process nested deeper (700) cannot be followed up on a fixture
	 * tree (no nsfs): it is left out. */
	assert_int_equal(to_ns(e->be, 501, out), 0);
	assert_memory_equal(out, from_a, sizeof(out));
	assert_int_equal(to_ns(e->be, 600, out), 0);
	assert_memory_equal(out, from_b, sizeof(out));
}

static void test_pidns__host_caller_unchanged(void **state)
{
	struct env *e = *state;
	pid_t in[] = {1, 501, 601, 700, 4242}, out[5];

	assert_int_equal(e->be->ops->pids_to_ns(e->be->ctx, 10, in, out, 5), 0);
	assert_memory_equal(out, in, sizeof(in));
}

static void test_pidns__bad_callers(void **state)
{
	struct env *e = *state;
	pid_t out[NPROCS], host = 0;

	assert_int_equal(to_ns(e->be, 4242, out), -ESRCH);
	assert_int_equal(e->be->ops->pid_from_ns(e->be->ctx, 4242, 1, &host),
			 -ESRCH);
	/* Without NSpid the caller's level cannot be told. */
	assert_int_equal(to_ns(e->be, 900, out), -ENOSYS);
}

static void test_pidns__from_a_container(void **state)
{
	static const struct {
		pid_t caller, ns_pid, host;
	} cases[] = {
		{501, 7, 501},	   {501, 1, 500},  {601, 7, 601},
		{500, 12, -ESRCH}, /* 700, nested: not followed on fixtures */
		{501, 8, -ESRCH},  {10, 600, 600}, {10, 4242, -ESRCH},
	};
	struct env *e = *state;
	pid_t host;
	int ret;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		host = 0;
		ret = e->be->ops->pid_from_ns(e->be->ctx, cases[i].caller,
					      cases[i].ns_pid, &host);
		if (cases[i].host < 0) {
			assert_int_equal(ret, cases[i].host);
		} else {
			assert_int_equal(ret, 0);
			assert_int_equal(host, cases[i].host);
		}
	}
}

static void test_pidns__more_namespaces_than_cached(void **state)
{
	struct env *e = *state;
	struct rcapfs_backend *be = e->be;
	pid_t in[2], out[2];

	/* Twice round, so that every namespace is evicted and comes back. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < MANY; i++) {
			in[0] = MANY_PID0 + i;
			in[1] = MANY_PID0 + (i + 1) % MANY;
			assert_int_equal(
				be->ops->pids_to_ns(be->ctx, in[0], in, out, 2),
				0);
			assert_int_equal(out[0], 1);
			assert_int_equal(out[1], 0);
		}
	}
}

static void test_pidns__real_proc(void **state)
{
	struct rcapfs_backend *be = open_backend("/proc");
	struct parked_thread t;
	pid_t self = getpid(), child, out = 0;
	uint64_t mine = 0, its = 1;
	bool initial;

	/* Whatever the machine: a child forked without a new namespace is
	 * in the test's, which its /proc numbers, so pids come back as
	 * they are. */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(be->ops->pidns_of(be->ctx, self, &mine), 0);
	assert_int_equal(be->ops->pidns_of(be->ctx, child, &its), 0);
	assert_true(mine == its);
	assert_int_equal(be->ops->pidns_initial(be->ctx, &initial), 0);
	assert_int_equal(be->ops->pids_to_ns(be->ctx, self, &child, &out, 1),
			 0);
	assert_int_equal(out, child);
	assert_int_equal(be->ops->pid_from_ns(be->ctx, child, self, &out), 0);
	assert_int_equal(out, self);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* A thread's id names no process. */
	parked_thread_start(&t);
	assert_int_equal(be->ops->pid_from_ns(be->ctx, self, t.tid, &out),
			 -ESRCH);
	parked_thread_stop(&t);
	rcapfs_backend_free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pidns__of),
		cmocka_unit_test(test_pidns__initial),
		cmocka_unit_test(test_pidns__into_a_container),
		cmocka_unit_test(test_pidns__host_caller_unchanged),
		cmocka_unit_test(test_pidns__bad_callers),
		cmocka_unit_test(test_pidns__from_a_container),
		cmocka_unit_test(test_pidns__more_namespaces_than_cached),
		cmocka_unit_test(test_pidns__real_proc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
