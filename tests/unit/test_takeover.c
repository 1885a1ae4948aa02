/* What a keeper hands its server (fs/takeover.c): FUSE_INIT recognised
 * and its FUSE_HAS_RESEND read, the environment variable written and read
 * back, and anything malformed refused. */
#include "config.h"

#include "fs/takeover.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* FUSE_INIT of protocol 7.40 with unique 2; flags2 bit 7 is
 * FUSE_HAS_RESEND (bit 39), read only when flags has FUSE_INIT_EXT. */
static size_t make_init(unsigned char *buf, uint32_t flags, uint32_t flags2)
{
	struct fuse_in_header h = {.len = sizeof(h) +
					  sizeof(struct fuse_init_in),
				   .opcode = FUSE_INIT,
				   .unique = 2};
	struct fuse_init_in in = {
		.major = 7, .minor = 40, .flags = flags, .flags2 = flags2};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &in, sizeof(in));
	return h.len;
}

static void test_takeover__parse_init(void **state)
{
	unsigned char buf[RCAPFS_TAKEOVER_INIT_MAX];
	uint64_t unique = 0;
	bool resend = false;
	size_t len;

	(void)state;
	len = make_init(buf, FUSE_INIT_EXT, 1u << 7);
	assert_int_equal(rcapfs_takeover_parse_init(buf, len, &unique, &resend),
			 0);
	assert_int_equal(unique, 2);
	assert_true(resend);
	/* Without FUSE_INIT_EXT, flags2 means nothing. */
	len = make_init(buf, 0, 1u << 7);
	assert_int_equal(rcapfs_takeover_parse_init(buf, len, &unique, &resend),
			 0);
	assert_false(resend);
	/* A length the header does not say, another request, too short. */
	assert_int_equal(
		rcapfs_takeover_parse_init(buf, len - 1, &unique, &resend),
		-EPROTO);
	buf[4] = FUSE_LOOKUP;
	assert_int_equal(rcapfs_takeover_parse_init(buf, len, &unique, &resend),
			 -EPROTO);
	assert_int_equal(rcapfs_takeover_parse_init(buf, 8, &unique, &resend),
			 -EPROTO);
}

static void test_takeover__env(void **state)
{
	struct rcapfs_takeover t = {.keeper_pid = 77, .restarts = 5}, got;
	int fds[2];
	char *v;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	t.fuse_fd = fds[0];
	t.ready_fd = fds[1];
	t.init_len = make_init(t.init, FUSE_INIT_EXT, 1u << 7);
	assert_int_equal(rcapfs_takeover_from_env(&got), 0);
	assert_int_equal(rcapfs_takeover_to_env(&t, &v), 0);
	assert_int_equal(setenv(RCAPFS_TAKEOVER_ENV, v, 1), 0);
	free(v);
	assert_int_equal(rcapfs_takeover_from_env(&got), 1);
	assert_int_equal(got.fuse_fd, fds[0]);
	assert_int_equal(got.ready_fd, fds[1]);
	assert_int_equal(got.keeper_pid, 77);
	assert_int_equal(got.restarts, 5);
	assert_true(got.resend);
	assert_memory_equal(got.init, t.init, t.init_len);
	assert_int_equal(got.init_len, t.init_len);
	/* Children of the server inherit neither the variable nor the
	 * descriptors. */
	assert_null(getenv(RCAPFS_TAKEOVER_ENV));
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
}

static void test_takeover__env_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"fd=3",
		"fd=-1 ready=4 keeper=1 restarts=0 init=",
		"fd=0 ready=1 keeper=0 restarts=0 init=",
		"fd=0 ready=1 keeper=1 restarts=0 init=",
		"fd=0 ready=1 keeper=1 restarts=0 init=0",
		"fd=0 ready=1 keeper=1 restarts=0 init=zz",
	};
	struct rcapfs_takeover got;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(setenv(RCAPFS_TAKEOVER_ENV, bad[i], 1), 0);
		assert_int_equal(rcapfs_takeover_from_env(&got), -EINVAL);
	}
	unsetenv(RCAPFS_TAKEOVER_ENV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_takeover__parse_init),
		cmocka_unit_test(test_takeover__env),
		cmocka_unit_test(test_takeover__env_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
