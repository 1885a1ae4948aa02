#include "config.h"

#include "compat/linux/linux_i.h"

#include "compat/log.h"

#include <errno.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* Advice to the memory of a task (MADV_PAGEOUT, MADV_COLD) through
 * process_madvise on its pidfd, in batches. */

/* process_madvise takes at most IOV_MAX iovecs and MAX_RW_COUNT (about
 * 2 GiB) a call; a smaller byte budget keeps each call short. */
#define PAGEOUT_IOVS	  1024
#define PAGEOUT_MAX_BYTES (1ULL << 30)

long linux_process_madvise(int pidfd, const struct iovec *iov, size_t n,
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

int linux_pageout(void *ctx, struct rcapfs_task *t,
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
		r = linux_process_madvise(t->pidfd, iov, k, adv);
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
