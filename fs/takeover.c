#include "config.h"

#include "fs/takeover.h"

#include "compat/log.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <inttypes.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Linux 6.9 (protocol 7.40): the kernel re-queues the requests read from
 * the connection but not answered when the server writes this
 * notification. Debian 12's uapi header (7.38) has neither value. */
#ifndef FUSE_HAS_RESEND
#define FUSE_HAS_RESEND (1ULL << 39)
#endif
#define TAKEOVER_NOTIFY_RESEND 7

/* The session's custom I/O has no pointer of its own (libfuse passes the
 * filesystem's userdata), hence one takeover per process. */
static struct {
	const struct rcapfs_takeover *t;
	uint64_t init_unique;
	bool replayed;	 /* INIT given to the session */
	bool init_reply; /* its reply passed */
} tk;

int rcapfs_takeover_parse_init(const void *buf, size_t len, uint64_t *unique,
			       bool *resend)
{
	struct fuse_in_header h;
	struct fuse_init_in in;
	uint64_t flags;

	/* Old kernels send the 16-byte fuse_init_in of protocol 7.35. */
	if (len < sizeof(h) + 16 || len > RCAPFS_TAKEOVER_INIT_MAX)
		return -EPROTO;
	memcpy(&h, buf, sizeof(h));
	if (h.opcode != FUSE_INIT || h.len != len)
		return -EPROTO;
	memset(&in, 0, sizeof(in));
	memcpy(&in, (const char *)buf + sizeof(h),
	       len - sizeof(h) < sizeof(in) ? len - sizeof(h) : sizeof(in));
	flags = in.flags;
	if (in.flags & FUSE_INIT_EXT)
		flags |= (uint64_t)in.flags2 << 32;
	*unique = h.unique;
	*resend = (flags & FUSE_HAS_RESEND) != 0;
	return 0;
}

int rcapfs_takeover_to_env(const struct rcapfs_takeover *t, char **out)
{
	char *s, *p;
	int n;

	/* "fd=N ready=N keeper=N restarts=N init=" and two hex digits a
	 * byte. */
	s = malloc(128 + 2 * t->init_len + 1);
	if (!s)
		return -ENOMEM;
	n = sprintf(s, "fd=%d ready=%d keeper=%ld restarts=%" PRIu64 " init=",
		    t->fuse_fd, t->ready_fd, (long)t->keeper_pid, t->restarts);
	p = s + n;
	for (size_t i = 0; i < t->init_len; i++)
		p += sprintf(p, "%02x", t->init[i]);
	*out = s;
	return 0;
}

/* Returns the value of hex digit c, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int rcapfs_takeover_from_env(struct rcapfs_takeover *out)
{
	const char *v = getenv(RCAPFS_TAKEOVER_ENV), *hex;
	uint64_t unique;
	long keeper;
	int n = 0;

	if (!v)
		return 0;
	memset(out, 0, sizeof(*out));
	if (sscanf(v, "fd=%d ready=%d keeper=%ld restarts=%" SCNu64 " init=%n",
		   &out->fuse_fd, &out->ready_fd, &keeper, &out->restarts,
		   &n) != 4 ||
	    n == 0 || out->fuse_fd < 0 || out->ready_fd < 0 || keeper <= 0)
		return -EINVAL;
	out->keeper_pid = (pid_t)keeper;
	for (hex = v + n; hex[0] && hex[1]; hex += 2) {
		int hi = hex_digit(hex[0]), lo = hex_digit(hex[1]);

		if (hi < 0 || lo < 0 || out->init_len == sizeof(out->init))
			return -EINVAL;
		out->init[out->init_len++] = (unsigned char)(hi << 4 | lo);
	}
	if (*hex || rcapfs_takeover_parse_init(out->init, out->init_len,
					       &unique, &out->resend))
		return -EINVAL;
	/* The server's children (victims, helpers) must not hold the
	 * connection: a reader holding the fd it waits on never wakes. */
	if (fcntl(out->fuse_fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(out->ready_fd, F_SETFD, FD_CLOEXEC) < 0)
		return -EINVAL;
	unsetenv(RCAPFS_TAKEOVER_ENV);
	return 1;
}

static ssize_t tk_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	if (!tk.replayed) {
		if (len < tk.t->init_len) {
			errno = EINVAL;
			return -1;
		}
		memcpy(buf, tk.t->init, tk.t->init_len);
		tk.replayed = true;
		return (ssize_t)tk.t->init_len;
	}
	return read(fd, buf, len);
}

static ssize_t tk_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct fuse_out_header oh;
	ssize_t res;
	size_t len = 0;

	(void)userdata;
	if (tk.init_reply || iov[0].iov_len < sizeof(oh))
		return writev(fd, iov, count);
	memcpy(&oh, iov[0].iov_base, sizeof(oh));
	if (oh.unique != tk.init_unique)
		return writev(fd, iov, count);
	tk.init_reply = true;
	res = writev(fd, iov, count);
	if (res >= 0 || errno != ENOENT)
		return res;
	/* ENOENT: the kernel no longer waits for this id, an earlier server
	 * answered INIT. The reply only set up this session. */
	for (int i = 0; i < count; i++)
		len += iov[i].iov_len;
	return (ssize_t)len;
}

/* Has the kernel put the requests read by a dead server back in the
 * queue. Returns 0 or -errno. */
static int tk_resend(int fd)
{
	struct fuse_out_header oh = {.len = sizeof(oh),
				     .error = TAKEOVER_NOTIFY_RESEND,
				     .unique = 0};

	if (write(fd, &oh, sizeof(oh)) != (ssize_t)sizeof(oh))
		return -errno;
	return 0;
}

int rcapfs_takeover_start(const struct rcapfs_takeover *t,
			  struct fuse_session *se)
{
	static const struct fuse_custom_io io = {.read = tk_read,
						 .writev = tk_writev};
	struct fuse_buf buf = {.mem = NULL};
	bool resend;
	int rc;

	rc = rcapfs_takeover_parse_init(t->init, t->init_len, &tk.init_unique,
					&resend);
	if (rc)
		return rc;
	tk.t = t;
	/* 3.14 answers -1 for every failure (a bad fd, no memory). */
	if (fuse_session_custom_io(se, &io, t->fuse_fd))
		return -EINVAL;
	/* INIT alone, before any worker runs: a request read before the
	 * session knows the connection would be answered EIO. */
	rc = fuse_session_receive_buf(se, &buf);
	if (rc > 0)
		fuse_session_process_buf(se, &buf);
	free(buf.mem);
	if (rc <= 0)
		return rc < 0 ? rc : -EPROTO;
	if (!tk.init_reply || fuse_session_exited(se))
		return -EPROTO;
	if (resend) {
		rc = tk_resend(t->fuse_fd);
		if (rc)
			return rc;
	}
	/* The keeper's "the mount answers"; a keeper gone is no error of
	 * ours (it takes the mount with it). */
	if (write(t->ready_fd, "r", 1) < 0)
		log_debug("ready: %s", strerror(errno));
	close(t->ready_fd);
	return 0;
}
