#include "config.h"

#include "compat/linux/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The ops on the pages of a task, on top of the walk: their flags
 * (pages), their PFNs (task_pfns), and the reset of their referenced and
 * dirty bits (clear).
 */

int linux_pages(void *ctx, struct rcapfs_task *t, uint64_t start, uint64_t end,
		unsigned want, uint8_t *flags)
{
	const unsigned all = RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_SWAPPED |
			     RCAPFS_PAGE_ZERO | RCAPFS_PAGE_EXCLUSIVE |
			     RCAPFS_PAGE_REFERENCED | RCAPFS_PAGE_DIRTY;
	struct linux_ctx *c = ctx;
	uint64_t pages;
	struct walk w;
	int ret;

	if (start % c->page_size || end % c->page_size || end < start ||
	    (want & ~all))
		return -EINVAL;
	if (start == end)
		return 0;
	pages = (end - start) / c->page_size;
	ret = linux_walk_init(
		&w, c, t, &(struct walk_opts){.want = want, .pages = pages});
	if (ret == 0)
		ret = linux_walk_range(&w, start, end, flags);
	/* An exited process reads as one without pages: say it is gone. */
	if (ret == 0)
		ret = linux_task_lives(t);
	linux_walk_release(&w);
	return ret;
}

/* The PFNs collected by task_pfns. */
struct pfn_list {
	uint64_t *v;
	size_t n;
	size_t cap;
};

static int collect_pfns(struct walk *w)
{
	struct pfn_list *l = w->arg;
	uint64_t *grown, pfn;

	for (size_t i = 0; i < w->n; i++) {
		if (!linux_real_page(w->flags[i]))
			continue;
		pfn = w->ent[i] & PM_PFN_MASK;
		if (!pfn)
			return -EPERM;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 1024;
			grown = reallocarray(l->v, l->cap, sizeof(*l->v));
			if (!grown)
				return -ENOMEM;
			l->v = grown;
		}
		l->v[l->n++] = pfn;
	}
	return 0;
}

int linux_task_pfns(void *ctx, struct rcapfs_task *t, uint64_t **pfns,
		    size_t *n)
{
	struct linux_ctx *c = ctx;
	struct pfn_list l = {NULL, 0, 0};
	struct walk w;
	int ret;

	*pfns = NULL;
	*n = 0;
	if (!c->features.pfn_visible)
		return -EPERM;
	ret = linux_walk_init(&w, c, t,
			      &(struct walk_opts){.entries = true,
						  .consume = collect_pfns,
						  .arg = &l});
	if (ret == 0)
		ret = linux_walk_mappings(&w);
	if (ret == 0)
		ret = linux_task_lives(t);
	linux_walk_release(&w);
	if (ret) {
		free(l.v);
		return ret;
	}
	*pfns = l.v;
	*n = l.n;
	return 0;
}

/* Write value ("1": referenced bits, "4": soft-dirty bits) to t's
 * clear_refs. Returns 0 or -errno. */
static int write_clear_refs(struct rcapfs_task *t, const char *value)
{
	ssize_t n;
	int fd, ret = 0;

	fd = openat(t->dir_fd, "clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		n = write(fd, value, strlen(value));
		if (n < 0)
			ret = -errno;
		else if ((size_t)n != strlen(value))
			ret = -EIO;
		close(fd);
	}
	if (ret == -ENOENT || ret == -ESRCH) {
		int alive = linux_task_lives(t);

		if (alive)
			return alive;
	}
	return ret;
}

/*
 * Referenced bits: with idle page tracking and PFNs, the pages are marked
 * idle, which keeps the kernel's own notion of recent use (it sets
 * PG_young); otherwise clear_refs resets them for the whole process.
 * Dirty bits: soft-dirty only. A process that exited meanwhile took the
 * writes silently: that is -ESRCH.
 */
int linux_clear(void *ctx, struct rcapfs_task *t, unsigned what)
{
	struct linux_ctx *c = ctx;
	const struct rcapfs_features *f = &c->features;
	int ret = 0;

	if (what & ~(RCAPFS_CLEAR_REFERENCED | RCAPFS_CLEAR_DIRTY))
		return -EINVAL;
	if ((what & RCAPFS_CLEAR_DIRTY) && !f->soft_dirty)
		return -EOPNOTSUPP;
	if (what & RCAPFS_CLEAR_REFERENCED) {
		if (f->idle_page_tracking && f->pfn_visible)
			ret = linux_idle_clear(c, t);
		else
			ret = write_clear_refs(t, "1");
	}
	if (ret == 0 && (what & RCAPFS_CLEAR_DIRTY))
		ret = write_clear_refs(t, "4");
	if (ret == 0)
		ret = linux_task_lives(t);
	return ret;
}
