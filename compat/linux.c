#include "config.h"

#include "compat/linux/linux_i.h"

#include "compat/buf.h"
#include "compat/clock.h"
#include "compat/log.h"
#include "compat/procparse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* process_madvise takes at most IOV_MAX iovecs and MAX_RW_COUNT (about
 * 2 GiB) a call; a smaller byte budget keeps each call short. */
#define PAGEOUT_IOVS	  1024
#define PAGEOUT_MAX_BYTES (1ULL << 30)

#define THP_DIR "kernel/mm/transparent_hugepage/"

static int linux_features(void *ctx, struct rcapfs_features *out)
{
	const struct linux_ctx *c = ctx;

	*out = c->features;
	return 0;
}

static long process_madvise_call(int pidfd, const struct iovec *iov, size_t n,
				 int advice)
{
#ifdef SYS_process_madvise
	return syscall(SYS_process_madvise, pidfd, iov, n, advice, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Move (*i, *off), a position in ranges, on by bytes. */
static void ranges_advance(const struct rcapfs_range *ranges, size_t n,
			   size_t *i, uint64_t *off, uint64_t bytes)
{
	while (*i < n && bytes >= ranges[*i].len - *off) {
		bytes -= ranges[*i].len - *off;
		(*i)++;
		*off = 0;
	}
	if (*i < n)
		*off += bytes;
}

/* Fill iov from ranges at (i, off): at most PAGEOUT_IOVS iovecs and
 * PAGEOUT_MAX_BYTES, a range split where it does not fit. Returns the
 * number of iovecs. */
static size_t ranges_batch(const struct rcapfs_range *ranges, size_t n,
			   size_t i, uint64_t off, struct iovec *iov)
{
	uint64_t total = 0, take;
	size_t k = 0;

	for (; i < n && k < PAGEOUT_IOVS && total < PAGEOUT_MAX_BYTES;
	     i++, off = 0) {
		take = ranges[i].len - off;
		if (take == 0)
			continue;
		if (take > PAGEOUT_MAX_BYTES - total)
			take = PAGEOUT_MAX_BYTES - total;
		iov[k].iov_base = (void *)(uintptr_t)(ranges[i].start + off);
		iov[k].iov_len = (size_t)take;
		total += take;
		k++;
	}
	return k;
}

static int linux_pageout(void *ctx, struct rcapfs_task *t,
			 const struct rcapfs_range *ranges, size_t n,
			 enum rcapfs_advice advice, uint64_t *done_bytes)
{
	struct linux_ctx *c = ctx;
	struct iovec iov[PAGEOUT_IOVS];
	uint64_t off = 0, got;
	size_t i = 0, k;
	long r;
	int adv;

	*done_bytes = 0;
	if (advice == RCAPFS_ADVICE_PAGEOUT)
		adv = MADV_PAGEOUT;
	else if (advice == RCAPFS_ADVICE_COLD)
		adv = MADV_COLD;
	else
		return -EINVAL;
	for (size_t j = 0; j < n; j++) {
		if (ranges[j].start % c->page_size ||
		    ranges[j].len % c->page_size ||
		    ranges[j].start + ranges[j].len < ranges[j].start) {
			log_warn("pageout of %d: range %#llx+%#llx is not "
				 "page aligned",
				 (int)t->pid,
				 (unsigned long long)ranges[j].start,
				 (unsigned long long)ranges[j].len);
			return -EINVAL;
		}
	}
	/* Advice goes through the pidfd: a fixture root has none. */
	if (t->pidfd < 0)
		return -ENOSYS;
	while ((k = ranges_batch(ranges, n, i, off, iov)) > 0) {
		r = process_madvise_call(t->pidfd, iov, k, adv);
		if (r < 0 && errno != ENOMEM)
			return -errno;
		if (r < 0) {
			/* The first range has a hole: the process unmapped
			 * part of it meanwhile. The kernel advised the rest
			 * of it all the same and stopped; go on after it,
			 * without counting it. */
			got = iov[0].iov_len;
		} else if (r == 0) {
			/* Nothing taken and no error would loop forever. */
			return -EIO;
		} else {
			/* The bytes of the iovecs processed: a call that
			 * stopped short is called again from there, and
			 * then reports what stopped it. */
			got = (uint64_t)r;
			*done_bytes += got;
		}
		ranges_advance(ranges, n, &i, &off, got);
	}
	return 0;
}

/* ---- Fork events: the proc connector ---- */

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
static int linux_forks_open(void *ctx, struct rcapfs_forks **out)
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
static int linux_forks_wait(void *ctx, struct rcapfs_forks *f,
			    struct rcapfs_fork *ev, size_t n, int timeout_ms)
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

static void linux_forks_close(void *ctx, struct rcapfs_forks *f)
{
	if (f)
		forks_free(f);
}

static void linux_free(void *ctx)
{
	struct linux_ctx *c = ctx;

	if (!c)
		return;
	if (c->proc_dir)
		closedir(c->proc_dir);
	if (c->proc_fd >= 0)
		close(c->proc_fd);
	if (c->sys_fd >= 0)
		close(c->sys_fd);
	pthread_mutex_destroy(&c->dir_lock);
	free(c);
}

static const struct rcapfs_backend_ops linux_ops = {
	.name = "linux",
	.procs = linux_procs,
	.proc = linux_proc,
	.proc_sample = linux_proc_sample,
	.meminfo = linux_meminfo,
	.features = linux_features,
	.user_uid = linux_user_uid,
	.group_gid = linux_group_gid,
	.task_open = linux_task_open,
	.task_close = linux_task_close,
	.task_alive = linux_task_alive,
	.task_rss = linux_task_rss,
	.task_pss = linux_task_pss,
	.task_pfns = linux_task_pfns,
	.mappings = linux_mappings,
	.pages = linux_pages,
	.clear = linux_clear,
	.pageout = linux_pageout,
	.forks_open = linux_forks_open,
	.forks_wait = linux_forks_wait,
	.forks_close = linux_forks_close,
	.detach_mount = linux_detach_mount,
	.free = linux_free,
};

/* An invalid pidfd gets EBADF only from a kernel that has the call. */
static bool probe_process_madvise(void)
{
	return process_madvise_call(-1, NULL, 0, MADV_COLD) < 0 &&
	       errno == EBADF;
}

/* A wrong struct size gets EINVAL from a pagemap that knows the ioctl,
 * ENOTTY from one that has no ioctls. */
static bool probe_pagemap_scan(int pagemap_fd)
{
	struct scan_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg) + 8;
	return ioctl(pagemap_fd, SCAN_IOCTL, &arg) < 0 && errno == EINVAL;
}

/* The PFN of one of our present pages; 0 for unprivileged readers, who
 * see the PFN field of pagemap zeroed. */
static uint64_t probe_pfn(int pagemap_fd, const void *page, size_t page_size)
{
	off_t off = (off_t)((uintptr_t)page / page_size * sizeof(uint64_t));
	uint64_t entry;

	if (pread(pagemap_fd, &entry, sizeof(entry), off) !=
		    (ssize_t)sizeof(entry) ||
	    !(entry & PM_PRESENT))
		return 0;
	return entry & PM_PFN_MASK;
}

/* Whether the blank-separated words of [p, end) include w. */
static bool has_word(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	while (p < end) {
		const char *e;

		while (p < end && *p == ' ')
			p++;
		for (e = p; e < end && *e != ' '; e++)
			;
		if ((size_t)(e - p) == n && memcmp(p, w, n) == 0)
			return true;
		p = e;
	}
	return false;
}

/* A kernel built with soft-dirty marks every new mapping "sd" in the
 * VmFlags of smaps; look for the mapping that holds page. */
static bool probe_soft_dirty(const struct linux_ctx *c, const void *page)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	uintptr_t addr = (uintptr_t)page;
	bool in_map = false, found = false;
	const char *line, *nl, *p;
	unsigned long long lo, hi;
	char *e;
	int fd, ret;

	fd = openat(c->proc_fd, "self/smaps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ret = linux_read_rest(fd, &b, 65536);
	close(fd);
	for (line = b.data; !ret && line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		/* A mapping starts with "lo-hi perms ...". */
		lo = strtoull(line, &e, 16);
		if (e != line && *e == '-') {
			p = e + 1;
			hi = strtoull(p, &e, 16);
			if (e != p && *e == ' ') {
				in_map = lo <= addr && addr < hi;
				continue;
			}
		}
		if (in_map && strncmp(line, "VmFlags:", 8) == 0) {
			found = has_word(line + 8,
					 nl ? nl : line + strlen(line), "sd");
			break;
		}
	}
	rcapfs_buf_release(&b);
	return found;
}

/*
 * Learn the PFNs of the huge zero page, which a read fault maps in a
 * region eligible for transparent huge pages: it is shared, so not
 * exclusive (a real huge page would be). Nothing is learnt without THP.
 */
static void probe_huge_zero(struct linux_ctx *c, int pagemap_fd)
{
	const size_t ps = (size_t)c->page_size;
	char buf[64], *end;
	struct rcapfs_buf big = RCAPFS_BUF_INIT;
	const char *data;
	uint64_t huge, e;
	size_t len;
	char *map, *p;

	/* One short line: what does not fit in buf is no size. */
	if (linux_read_record(c->sys_fd, THP_DIR "hpage_pmd_size", buf,
			      sizeof(buf) - 1, &big, &data, &len) ||
	    data != buf)
		goto out;
	buf[len] = '\0';
	huge = strtoull(buf, &end, 10);
	if (end == buf || huge < ps || huge % ps)
		goto out;
	map = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		goto out;
	p = map + (huge - (uintptr_t)map % huge) % huge;
	/* The value read is used, as in probe_features. */
	if (madvise(p, huge, MADV_HUGEPAGE) == 0 && *(volatile char *)p == 0 &&
	    pread(pagemap_fd, &e, sizeof(e),
		  (off_t)((uintptr_t)p / ps * sizeof(e))) == sizeof(e) &&
	    (e & (PM_PRESENT | PM_EXCLUSIVE)) == PM_PRESENT &&
	    (e & PM_PFN_MASK) != c->zero_pfn) {
		c->huge_zero_pfn = e & PM_PFN_MASK;
		c->huge_zero_pages = huge / ps;
	}
	munmap(map, 2 * huge);
out:
	rcapfs_buf_release(&big);
}

/*
 * Probe what the kernel offers, once. A fixture proc root is no procfs:
 * there is no "self" to probe, its pagemap files are regular files that
 * take no ioctl, and their bits are taken as they are, so PFNs and
 * soft-dirty bits count as visible there. RCAPFS_NO_PAGEMAP_SCAN=1 in the
 * environment turns PAGEMAP_SCAN off, so tests can run the pagemap reads
 * that stand in for it on older kernels.
 */
static void probe_features(struct linux_ctx *c)
{
	struct rcapfs_features *f = &c->features;
	const char *no_scan = getenv("RCAPFS_NO_PAGEMAP_SCAN");
	size_t page_size = (size_t)c->page_size;
	bool zero_read;
	char *page;
	int fd;

	f->page_size = (uint32_t)c->page_size;
	f->process_madvise = probe_process_madvise();
	f->idle_page_tracking = faccessat(c->sys_fd, IDLE_BITMAP, F_OK, 0) == 0;
	f->cgroup_v2 = faccessat(c->sys_fd, "fs/cgroup/cgroup.controllers",
				 F_OK, 0) == 0;
	f->clear_refs = faccessat(c->proc_fd, "self/clear_refs", F_OK, 0) == 0;
	if (!c->is_procfs) {
		f->pfn_visible = true;
		f->soft_dirty = true;
		return;
	}

	/* Two pages: the first written, the second only read, which maps
	 * the zero page there. */
	page = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		log_warn("cannot map a page to probe kernel features: %s",
			 strerror(errno));
		return;
	}
	*(volatile char *)page = 1;
	zero_read = *(volatile char *)(page + page_size) == 0;
	fd = openat(c->proc_fd, "self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		f->pagemap_scan = probe_pagemap_scan(fd) &&
				  !(no_scan && strcmp(no_scan, "1") == 0);
		f->pfn_visible = probe_pfn(fd, page, page_size) != 0;
		/* The read's value is used: a load that leads nowhere may
		 * be dropped (valgrind does), and fault nothing in. */
		if (f->pfn_visible && zero_read)
			c->zero_pfn =
				probe_pfn(fd, page + page_size, page_size);
		if (c->zero_pfn)
			probe_huge_zero(c, fd);
		close(fd);
	}
	f->soft_dirty = probe_soft_dirty(c, page);
	munmap(page, 2 * page_size);
}

int rcapfs_backend_new(const char *proc_root, const char *sys_root,
		       struct rcapfs_backend **out)
{
	struct rcapfs_backend *be = NULL;
	struct linux_ctx *c;
	struct statfs sfs;
	long page_size;
	int fd, ret;

	*out = NULL;
	if (!proc_root || !sys_root)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->proc_fd = -1;
	c->sys_fd = -1;
	pthread_mutex_init(&c->dir_lock, NULL);
	be = calloc(1, sizeof(*be));
	if (!be) {
		ret = -ENOMEM;
		goto fail;
	}
	c->proc_fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->proc_fd < 0) {
		ret = -errno;
		log_err("cannot open the proc root %s: %s", proc_root,
			strerror(-ret));
		goto fail;
	}
	c->sys_fd = open(sys_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->sys_fd < 0) {
		ret = -errno;
		log_err("cannot open the sys root %s: %s", sys_root,
			strerror(-ret));
		goto fail;
	}
	/* The walk gets its own fd: closedir() closes it, and the shared
	 * offset of a dup means nothing to openat() on proc_fd. */
	fd = fcntl(c->proc_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	c->proc_dir = fdopendir(fd);
	if (!c->proc_dir) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	page_size = sysconf(_SC_PAGESIZE);
	if (page_size < 1024) {
		ret = -EINVAL;
		goto fail;
	}
	c->page_size = (uint64_t)page_size;
	c->page_kb = c->page_size / 1024;
	c->is_procfs = fstatfs(c->proc_fd, &sfs) == 0 &&
		       sfs.f_type == PROC_SUPER_MAGIC;
	probe_features(c);
	be->ops = &linux_ops;
	be->ctx = c;
	*out = be;
	return 0;
fail:
	linux_free(c);
	free(be);
	return ret;
}
