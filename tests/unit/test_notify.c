#include "config.h"

#include "compat/notify.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A service manager's end of NOTIFY_SOCKET: a datagram socket in a
 * temporary directory. */
struct listener {
	char dir[64];
	char path[PATH_MAX];
	int fd;
};

static int setup(void **state)
{
	struct listener *l = calloc(1, sizeof(*l));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	assert_non_null(l);
	strcpy(l->dir, "/tmp/rcapfs-notify.XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->path, sizeof(l->path), "%s/notify", l->dir);
	assert_true(strlen(l->path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, l->path);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", l->path, 1), 0);
	*state = l;
	return 0;
}

static int teardown(void **state)
{
	struct listener *l = *state;

	unsetenv("NOTIFY_SOCKET");
	close(l->fd);
	unlink(l->path);
	rmdir(l->dir);
	free(l);
	return 0;
}

/* The next datagram, "" when none is waiting. */
static void next(struct listener *l, char *buf, size_t size)
{
	ssize_t n = recv(l->fd, buf, size - 1, MSG_DONTWAIT);

	if (n < 0) {
		assert_int_equal(errno, EAGAIN);
		n = 0;
	}
	buf[n] = '\0';
}

/* With libsystemd each call is one datagram the manager reads; without
 * it nothing is sent, and the daemon runs as if unmanaged. */
static void test_states(void **state)
{
	struct listener *l = *state;
	char buf[256];
#ifdef HAVE_LIBSYSTEMD
	const char *ready = "READY=1", *stopping = "STOPPING=1",
		   *status = "STATUS=serving /run/rcapfs";
#else
	const char *ready = "", *stopping = "", *status = "";
#endif

	assert_int_equal(rcapfs_notify_ready(), 0);
	next(l, buf, sizeof(buf));
	assert_string_equal(buf, ready);
	assert_int_equal(rcapfs_notify_status("serving /run/rcapfs"), 0);
	next(l, buf, sizeof(buf));
	assert_string_equal(buf, status);
	assert_int_equal(rcapfs_notify_stopping(), 0);
	next(l, buf, sizeof(buf));
	assert_string_equal(buf, stopping);
}

/* A newline would end STATUS= and start another field: refused, unsent. */
static void test_status_newline(void **state)
{
	struct listener *l = *state;
	char buf[256];

	assert_int_equal(rcapfs_notify_status("x\nREADY=1"), -EINVAL);
	next(l, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/* Outside a service (no NOTIFY_SOCKET) every call is a quiet success. */
static void test_unmanaged(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(rcapfs_notify_ready(), 0);
	assert_int_equal(rcapfs_notify_status("idle"), 0);
	assert_int_equal(rcapfs_notify_stopping(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_newline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmanaged, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
