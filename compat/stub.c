#include "config.h"

#include "compat/backend.h"

#include <errno.h>
#include <stdlib.h>

/*
 * The backend for hosts rcapfs has no port to yet: every op answers -ENOSYS
 * ("absent on this host") and it can do nothing (can() is 0), so the
 * daemon builds, starts and serves its control files there while capping
 * nothing.
 */

static int stub_procs(void *ctx, unsigned flags, struct rcapfs_proc_list *out)
{
	out->procs = NULL;
	out->n = 0;
	return -ENOSYS;
}

static int stub_proc(void *ctx, pid_t pid, unsigned flags,
		     struct rcapfs_proc *out)
{
	return -ENOSYS;
}

static int stub_proc_sample(void *ctx, pid_t pid, uint64_t start_ticks,
			    struct rcapfs_proc_usage *out)
{
	return -ENOSYS;
}

static int stub_meminfo(void *ctx, struct rcapfs_meminfo *out)
{
	return -ENOSYS;
}

static int stub_features(void *ctx, struct rcapfs_features *out)
{
	return -ENOSYS;
}

static unsigned stub_can(void *ctx)
{
	return 0;
}

static int stub_user_uid(void *ctx, const char *name, uid_t *out)
{
	return -ENOSYS;
}

static int stub_group_gid(void *ctx, const char *name, gid_t *out)
{
	return -ENOSYS;
}

static int stub_task_open(void *ctx, pid_t pid, uint64_t start_ticks,
			  struct rcapfs_task **out)
{
	*out = NULL;
	return -ENOSYS;
}

static void stub_task_close(void *ctx, struct rcapfs_task *t)
{
}

static int stub_task_alive(void *ctx, struct rcapfs_task *t)
{
	return -ENOSYS;
}

static int stub_task_rss(void *ctx, struct rcapfs_task *t, uint64_t *rss_kb)
{
	return -ENOSYS;
}

static int stub_task_pss(void *ctx, struct rcapfs_task *t, uint64_t *pss_kb)
{
	return -ENOSYS;
}

static int stub_task_pfns(void *ctx, struct rcapfs_task *t, uint64_t **pfns,
			  size_t *n)
{
	*pfns = NULL;
	*n = 0;
	return -ENOSYS;
}

static int stub_mappings(void *ctx, struct rcapfs_task *t,
			 struct rcapfs_mapping_list *out)
{
	out->maps = NULL;
	out->n = 0;
	out->names = NULL;
	return -ENOSYS;
}

static int stub_pages(void *ctx, struct rcapfs_task *t, uint64_t start,
		      uint64_t end, unsigned want, uint8_t *flags)
{
	return -ENOSYS;
}

static int stub_clear(void *ctx, struct rcapfs_task *t, unsigned what)
{
	return -ENOSYS;
}

static int stub_pageout(void *ctx, struct rcapfs_task *t,
			const struct rcapfs_range *ranges, size_t n,
			enum rcapfs_advice advice, uint64_t *done_bytes)
{
	*done_bytes = 0;
	return -ENOSYS;
}

static int stub_forks_open(void *ctx, struct rcapfs_forks **out)
{
	*out = NULL;
	return -ENOSYS;
}

static int stub_forks_wait(void *ctx, struct rcapfs_forks *f,
			   struct rcapfs_fork *ev, size_t n, int timeout_ms)
{
	return -ENOSYS;
}

static void stub_forks_close(void *ctx, struct rcapfs_forks *f)
{
}

static int stub_detach_mount(void *ctx, const char *path)
{
	return -ENOSYS;
}

static int stub_pidns_of(void *ctx, pid_t pid, uint64_t *ns_id)
{
	return -ENOSYS;
}

static int stub_pids_to_ns(void *ctx, pid_t caller, const pid_t *pids,
			   pid_t *out, size_t n)
{
	return -ENOSYS;
}

static int stub_pid_from_ns(void *ctx, pid_t caller, pid_t ns_pid, pid_t *out)
{
	return -ENOSYS;
}

static int stub_pidns_initial(void *ctx, bool *initial)
{
	return -ENOSYS;
}

static void stub_free(void *ctx)
{
}

static const struct rcapfs_backend_ops stub_ops = {
	.name = "stub",
	.procs = stub_procs,
	.proc = stub_proc,
	.proc_sample = stub_proc_sample,
	.meminfo = stub_meminfo,
	.features = stub_features,
	.can = stub_can,
	.user_uid = stub_user_uid,
	.group_gid = stub_group_gid,
	.task_open = stub_task_open,
	.task_close = stub_task_close,
	.task_alive = stub_task_alive,
	.task_rss = stub_task_rss,
	.task_pss = stub_task_pss,
	.task_pfns = stub_task_pfns,
	.mappings = stub_mappings,
	.pages = stub_pages,
	.clear = stub_clear,
	.pageout = stub_pageout,
	.forks_open = stub_forks_open,
	.forks_wait = stub_forks_wait,
	.forks_close = stub_forks_close,
	.detach_mount = stub_detach_mount,
	.pidns_of = stub_pidns_of,
	.pids_to_ns = stub_pids_to_ns,
	.pid_from_ns = stub_pid_from_ns,
	.pidns_initial = stub_pidns_initial,
	.free = stub_free,
};

int rcapfs_backend_new(const char *proc_root, const char *sys_root,
		       struct rcapfs_backend **out)
{
	struct rcapfs_backend *be = calloc(1, sizeof(*be));

	*out = NULL;
	if (!be)
		return -ENOMEM;
	be->ops = &stub_ops;
	*out = be;
	return 0;
}
