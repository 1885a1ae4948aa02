#include "config.h"

#include "compat/linux/linux_i.h"

#include "compat/clock.h"
#include "compat/log.h"

#include <errno.h>
#include <limits.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Fork events from the proc connector, so that pid-rule membership
 * follows a child whose parent exits before the next walk. */

/* Asked for as the socket's receive buffer: events of the whole system
 * (forks, execs, exits...) wait there between two forks_wait calls, each
 * taking well under 1 KiB of it with the kernel's bookkeeping. */
#define FORKS_RCVBUF_BYTES (4 * 1024 * 1024)
/* The connector answers a LISTEN within the send call; this only bounds
 * the wait for an answer that does not come. */
#define FORKS_ACK_MS 500
/* One datagram: a connector message takes under 100 bytes. */
#define FORKS_DGRAM_SIZE 4096

struct rcapfs_forks {
	int fd;
	uint32_t tag;	/* ack of our LISTEN: the kernel answers tag + 1 */
	bool listening; /* a LISTEN went out: an IGNORE must follow it */
	bool lost;	/* events were dropped and it is not reported yet */
};

/* Where forks_drain puts what it reads: forks into ev[got..n), unless ev
 * is NULL (they are dropped), and the kernel's answer to our LISTEN. */
struct forks_batch {
	struct rcapfs_fork *ev;
	size_t n;
	size_t got;
	int ack_err; /* -1 until the answer comes, then its errno (0: ok) */
};

/* Send op (PROC_CN_MCAST_*) to the proc connector. Returns 0 or -errno. */
static int forks_send(struct rcapfs_forks *f, uint32_t op)
{
	uint8_t buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))] = {0};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct nlmsghdr nlh = {
		.nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op)),
		.nlmsg_type = NLMSG_DONE,
		.nlmsg_pid = f->tag,
	};
	struct cn_msg cn = {
		.id = {.idx = CN_IDX_PROC, .val = CN_VAL_PROC},
		.ack = f->tag,
		.len = sizeof(op),
	};

	memcpy(buf, &nlh, sizeof(nlh));
	memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(buf + NLMSG_HDRLEN + sizeof(cn), &op, sizeof(op));
	while (sendto(f->fd, buf, nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Take one proc event into b. A thread is created by a fork too, but
 * joins its creator's thread group: only a new tgid is a process. */
static void forks_event(struct rcapfs_forks *f, const struct cn_msg *cn,
			const struct proc_event *pe, struct forks_batch *b)
{
	const struct fork_proc_event *fe = &pe->event_data.fork;

	if (pe->what == PROC_EVENT_NONE && cn->ack == (uint32_t)(f->tag + 1)) {
		b->ack_err = (int)pe->event_data.ack.err;
		return;
	}
	if (pe->what != PROC_EVENT_FORK || !b->ev ||
	    fe->child_pid != fe->child_tgid || fe->child_tgid <= 0 ||
	    fe->parent_tgid <= 0)
		return;
	if (b->got == b->n) {
		/* A datagram with more forks than there is room for. */
		f->lost = true;
		return;
	}
	b->ev[b->got].parent_tgid = fe->parent_tgid;
	b->ev[b->got].child_tgid = fe->child_tgid;
	b->got++;
}

/* Parse the netlink messages of one datagram of len bytes. The connector
 * frames each of its messages as NLMSG_DONE; other types and every
 * message that does not hold a whole proc event are skipped. Copies, not
 * casts: the proc event sits at an offset of 36 bytes and holds a 64-bit
 * field. */
static void forks_parse(struct rcapfs_forks *f, const uint8_t *buf, size_t len,
			struct forks_batch *b)
{
	struct nlmsghdr nlh;
	struct cn_msg cn;
	struct proc_event pe;
	size_t off = 0, payload;

	while (off + NLMSG_HDRLEN <= len) {
		memcpy(&nlh, buf + off, sizeof(nlh));
		if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len - off)
			return;
		payload = nlh.nlmsg_len - NLMSG_HDRLEN;
		if (nlh.nlmsg_type == NLMSG_DONE && payload >= sizeof(cn)) {
			memcpy(&cn, buf + off + NLMSG_HDRLEN, sizeof(cn));
			if (cn.id.idx == CN_IDX_PROC &&
			    cn.id.val == CN_VAL_PROC && cn.len >= sizeof(pe) &&
			    cn.len <= payload - sizeof(cn)) {
				memcpy(&pe,
				       buf + off + NLMSG_HDRLEN + sizeof(cn),
				       sizeof(pe));
				forks_event(f, &cn, &pe, b);
			}
		}
		off += NLMSG_ALIGN(nlh.nlmsg_len);
	}
}

/* Read datagrams without waiting until none is left, b is full (forks
 * wanted) or the answer to our LISTEN came (none wanted). ENOBUFS, events
 * dropped by the kernel, sets f->lost and the reading goes on: what is
 * queued after the loss still holds. Returns 0 or -errno. */
static int forks_drain(struct rcapfs_forks *f, struct forks_batch *b)
{
	uint8_t buf[FORKS_DGRAM_SIZE];
	struct sockaddr_nl from;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg;
	ssize_t len;

	while (b->ev ? b->got < b->n : b->ack_err < 0) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		len = recvmsg(f->fd, &msg, MSG_DONTWAIT);
		if (len < 0 && errno == ENOBUFS)
			f->lost = true;
		else if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		else if (len < 0 && errno != EINTR)
			return -errno;
		/* Anyone may send to our port: only the kernel speaks for
		 * the connector. */
		else if (len >= 0 && msg.msg_namelen == sizeof(from) &&
			 from.nl_pid == 0 && !(msg.msg_flags & MSG_TRUNC))
			forks_parse(f, buf, (size_t)len, b);
	}
	return 0;
}

/* Milliseconds from now to deadline_ns (a CLOCK_MONOTONIC time), rounded
 * up so that a wait does not end early: 0 once it has passed. */
static int ms_until(uint64_t deadline_ns)
{
	uint64_t now = rcapfs_mono_ns();

	if (now >= deadline_ns)
		return 0;
	return (int)((deadline_ns - now + 999999) / 1000000);
}

/* Wait for the kernel's answer to our LISTEN, dropping the events that
 * come first: they happened before the subscription is handed out. The
 * connector ignores, without a word, a LISTEN from outside the initial
 * pid and user namespaces, where the pids it reports mean nothing: no
 * answer is a refusal too. Returns 0 or -errno. */
static int forks_confirm(struct rcapfs_forks *f)
{
	struct forks_batch b = {.ack_err = -1};
	struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
	uint64_t deadline = rcapfs_mono_ns() + FORKS_ACK_MS * 1000000ULL;
	int ret;

	for (;;) {
		ret = forks_drain(f, &b);
		if (ret)
			return ret;
		if (b.ack_err >= 0)
			break;
		ret = poll(&pfd, 1, ms_until(deadline));
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret == 0)
			return -EPERM;
	}
	/* Losses before the answer were losses before the subscription. */
	f->lost = false;
	return b.ack_err > 0 ? -b.ack_err : 0;
}

static void forks_free(struct rcapfs_forks *f)
{
	/* Each LISTEN counts a listener, for whom the kernel builds every
	 * event of the system, until an IGNORE. */
	if (f->listening)
		forks_send(f, PROC_CN_MCAST_IGNORE);
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

/* The events name pids of the system: a fixture root has pids of its own,
 * so there is no subscription for it (-ENOSYS). */
int linux_forks_open(void *ctx, struct rcapfs_forks **out)
{
	struct linux_ctx *c = ctx;
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK,
				   .nl_groups = CN_IDX_PROC};
	socklen_t addr_len = sizeof(addr);
	int size = FORKS_RCVBUF_BYTES;
	struct rcapfs_forks *f;
	const char *step;
	int ret;

	*out = NULL;
	if (!c->is_procfs)
		return -ENOSYS;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	step = "open";
	f->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		       NETLINK_CONNECTOR);
	if (f->fd < 0) {
		ret = -errno;
		goto fail;
	}
	/* FORCE passes over rmem_max, for root only; the kernel doubles
	 * either for its bookkeeping. A smaller buffer only loses events
	 * sooner, which forks_wait reports. */
	if (setsockopt(f->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) &&
	    setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		log_debug("fork events: no receive buffer of %d bytes: %s",
			  size, strerror(errno));
	step = "bind to";
	if (bind(f->fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    getsockname(f->fd, (struct sockaddr *)&addr, &addr_len)) {
		ret = -errno;
		goto fail;
	}
	/* The kernel's answer names our LISTEN by its ack plus one (the seq
	 * it no longer echoes). Our port id is unique among netlink sockets:
	 * an ack no other listener's LISTEN is likely to carry. */
	f->tag = addr.nl_pid;
	step = "subscribe to";
	ret = forks_send(f, PROC_CN_MCAST_LISTEN);
	if (ret)
		goto fail;
	f->listening = true;
	ret = forks_confirm(f);
	if (ret)
		goto fail;
	*out = f;
	return 0;
fail:
	log_info("fork events: cannot %s the proc connector: %s%s", step,
		 strerror(-ret),
		 ret == -EPERM || ret == -EACCES || ret == -EPROTONOSUPPORT
			 ? " (it needs root in the initial namespaces)"
			 : "");
	forks_free(f);
	return ret;
}

/* Losses are reported on their own: events read in the call that meets
 * ENOBUFS are returned first, and the next call answers -ENOBUFS at once,
 * so no fork the kernel delivered is dropped. A call that reads only
 * other events waits on until the timeout; a negative one waits for
 * ever, as poll's. */
int linux_forks_wait(void *ctx, struct rcapfs_forks *f, struct rcapfs_fork *ev,
		     size_t n, int timeout_ms)
{
	struct forks_batch b = {.ev = ev, .ack_err = -1};
	struct pollfd pfd = {.events = POLLIN};
	uint64_t deadline = 0;
	int ret, wait_ms = -1;

	if (!f || !ev || n == 0)
		return -EINVAL;
	if (f->lost) {
		f->lost = false;
		return -ENOBUFS;
	}
	b.n = n < INT_MAX ? n : INT_MAX;
	pfd.fd = f->fd;
	if (timeout_ms > 0)
		deadline = rcapfs_mono_ns() + (uint64_t)timeout_ms * 1000000;
	for (;;) {
		ret = forks_drain(f, &b);
		if (b.got > 0)
			return (int)b.got;
		if (ret)
			return ret;
		if (f->lost) {
			f->lost = false;
			return -ENOBUFS;
		}
		if (timeout_ms >= 0) {
			wait_ms = timeout_ms > 0 ? ms_until(deadline) : 0;
			if (wait_ms == 0)
				return 0;
		}
		if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
			return -errno;
	}
}

void linux_forks_close(void *ctx, struct rcapfs_forks *f)
{
	if (f)
		forks_free(f);
}
