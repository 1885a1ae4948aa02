/* The start-up check of the daemon's pid namespace (fs/pidns.c), against
 * a backend that answers what each test says; the warning goes to stderr,
 * which the test reads back. */
#include "config.h"

#include "fs/pidns.h"

#include "compat/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What pidns_initial answers: an error, or 0 and initial. */
struct answer {
	int ret;
	bool initial;
};

static int answer_initial(void *ctx, bool *initial)
{
	const struct answer *a = ctx;

	if (!a->ret)
		*initial = a->initial;
	return a->ret;
}

static const struct rcapfs_backend_ops ops = {
	.name = "answers",
	.pidns_initial = answer_initial,
};

/* Run the check with answer a; the log it wrote lands in log[size]. */
static int check(struct answer a, bool *initial, char *log, size_t size)
{
	struct rcapfs_backend be = {.ops = &ops, .ctx = &a};
	int fds[2], saved, ret;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
	ret = rcapfs_pidns_check(&be, initial);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	close(fds[1]);
	n = read(fds[0], log, size - 1);
	close(fds[0]);
	log[n > 0 ? n : 0] = '\0';
	return ret;
}

static void test_pidns_check__initial_says_nothing(void **state)
{
	bool initial = false;
	char log[4096];

	assert_int_equal(
		check((struct answer){0, true}, &initial, log, sizeof(log)), 0);
	assert_true(initial);
	assert_string_equal(log, "");
}

static void test_pidns_check__elsewhere_warns(void **state)
{
	bool initial = true;
	char log[4096];

	assert_int_equal(
		check((struct answer){0, false}, &initial, log, sizeof(log)),
		0);
	assert_false(initial);
	assert_non_null(strstr(log, "warning: rcapfs runs outside the host's "
				    "initial pid namespace"));
	assert_non_null(strstr(log, "come without a pid"));
	assert_non_null(strstr(log, "hostPID"));
}

static void test_pidns_check__cannot_tell(void **state)
{
	bool initial = false;
	char log[4096];

	/* A backend without namespaces: as if initial, quietly. */
	assert_int_equal(check((struct answer){-ENOSYS, false}, &initial, log,
			       sizeof(log)),
			 0);
	assert_true(initial);
	assert_string_equal(log, "");
	assert_int_equal(check((struct answer){-EACCES, false}, &initial, log,
			       sizeof(log)),
			 -EACCES);
	assert_non_null(strstr(log, "error: cannot tell"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pidns_check__initial_says_nothing),
		cmocka_unit_test(test_pidns_check__elsewhere_warns),
		cmocka_unit_test(test_pidns_check__cannot_tell),
	};

	rcapfs_log_setup(0, RCAPFS_LOG_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
