/*
 * The stub backend (compat/stub.c, linked here whatever the host's backend)
 * and the scanner over it: a host rcapfs has no port to yet. Every op
 * answers -ENOSYS and the backend can do nothing; the scanner takes that as
 * "absent": collections exist, take rules that need no lookup, are sampled
 * as empty, and nothing is enforced.
 */
#include "config.h"
#include "compat/backend.h"
#include "scanner/scanner.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	struct rcapfs_backend *be;
	struct rcapfs_scanner *sc;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || rcapfs_backend_new("/proc", "/sys", &f->be) ||
	    rcapfs_scanner_new(f->be, &f->sc)) {
		rcapfs_backend_free(f ? f->be : NULL);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rcapfs_scanner_free(f->sc);
	rcapfs_backend_free(f->be);
	free(f);
	return 0;
}

static void test_stub__absent(void **state)
{
	struct fixture *f = *state;
	const struct rcapfs_backend_ops *ops = f->be->ops;
	struct rcapfs_proc_list list = {NULL, 0};
	struct rcapfs_meminfo mi;
	struct rcapfs_features feat;
	struct rcapfs_task *t = (struct rcapfs_task *)f;
	struct rcapfs_forks *forks = (struct rcapfs_forks *)f;

	assert_string_equal(ops->name, "stub");
	assert_int_equal(ops->can(f->be->ctx), 0);
	assert_int_equal(ops->procs(f->be->ctx, 0, &list), -ENOSYS);
	assert_null(list.procs);
	assert_int_equal(ops->meminfo(f->be->ctx, &mi), -ENOSYS);
	assert_int_equal(ops->features(f->be->ctx, &feat), -ENOSYS);
	assert_int_equal(ops->task_open(f->be->ctx, 1, 0, &t), -ENOSYS);
	assert_null(t);
	assert_int_equal(ops->forks_open(f->be->ctx, &forks), -ENOSYS);
	assert_null(forks);
}

static void test_stub__collections(void **state)
{
	struct fixture *f = *state;
	const char *rules = "uid 0\ngid 0\ncomm sh*\ncgroup /system.slice\n";
	char err[256] = "";
	struct rcapfs_stats st;
	pid_t *pids = NULL;
	size_t n = 1;

	assert_int_equal(rcapfs_scanner_create(f->sc, "web"), 0);
	assert_int_equal(rcapfs_scanner_set_cap(f->sc, "web", 1 << 20), 0);
	assert_int_equal(rcapfs_scanner_set_members(
				 f->sc, "web", rules, strlen(rules), false,
				 RCAPFS_RULES_USER, err, sizeof(err)),
			 0);
	/* Names and pids cannot be looked up: refused, with a reason. */
	assert_int_equal(rcapfs_scanner_set_members(f->sc, "web", "user root\n",
						    10, true, RCAPFS_RULES_USER,
						    err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "cannot look up"));
	assert_int_equal(rcapfs_scanner_set_members(f->sc, "web", "pid 1\n", 6,
						    true, RCAPFS_RULES_USER,
						    err, sizeof(err)),
			 -EINVAL);
	/* No process table: sampled, and empty. */
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_int_equal(rcapfs_scanner_stats(f->sc, "web", &st), 0);
	assert_int_equal(st.samples, 2);
	assert_int_equal(st.nproc, 0);
	assert_int_equal(st.rss_bytes, 0);
	assert_int_equal(st.cap_bytes, 1 << 20);
	assert_int_equal(rcapfs_scanner_procs(f->sc, "web", &pids, &n), 0);
	assert_int_equal(n, 0);
	free(pids);
}

static void test_stub__status(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_status st;

	assert_int_equal(rcapfs_scanner_create(f->sc, "a"), 0);
	assert_int_equal(rcapfs_scanner_status(f->sc, &st), 0);
	assert_false(st.enforcement);
	assert_int_equal(st.fidelity, RCAPFS_FIDELITY_NONE);
	assert_int_equal(st.collections, 1);
	assert_int_equal(st.mem.mem_total, 0);
	assert_false(st.features.process_madvise);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_stub__absent),
		T(test_stub__collections),
		T(test_stub__status),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
