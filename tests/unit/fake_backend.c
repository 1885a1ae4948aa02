#include "config.h"
#include "tests/unit/fake_backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A user or group name and its id. */
struct fake_name {
	char *name;
	unsigned id;
};

struct fake_ctx {
	/* The scanner thread reads while the test writes: one lock for all. */
	pthread_mutex_t lock;
	struct rcapfs_proc *procs; /* sorted by pid, cgroup strings owned */
	size_t nprocs;
	struct rcapfs_meminfo mi;
	struct fake_name *users;
	size_t nusers;
	struct fake_name *groups;
	size_t ngroups;
	unsigned walks;
	unsigned samples;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "fake_backend: out of memory\n");
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		fprintf(stderr, "fake_backend: out of memory\n");
		abort();
	}
	return p;
}

static struct fake_ctx *ctx_of(const struct rcapfs_backend *be)
{
	return be->ctx;
}

/* Copy src into *dst; the cgroup string only when want_cgroup. */
static void copy_proc(struct rcapfs_proc *dst, const struct rcapfs_proc *src,
		      int want_cgroup)
{
	*dst = *src;
	dst->cgroup = want_cgroup && src->cgroup ? xstrdup(src->cgroup) : NULL;
}

static struct rcapfs_proc *find_proc(struct fake_ctx *c, pid_t pid)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (c->procs[i].pid == pid)
			return &c->procs[i];
	return NULL;
}

static int fake_procs(void *ctx, unsigned flags, struct rcapfs_proc_list *out)
{
	struct fake_ctx *c = ctx;
	int want_cgroup = (flags & RCAPFS_PROCS_CGROUP) != 0;

	pthread_mutex_lock(&c->lock);
	c->walks++;
	out->procs = xcalloc(c->nprocs, sizeof(*out->procs));
	out->n = c->nprocs;
	for (size_t i = 0; i < c->nprocs; i++)
		copy_proc(&out->procs[i], &c->procs[i], want_cgroup);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int fake_proc(void *ctx, pid_t pid, unsigned flags,
		     struct rcapfs_proc *out)
{
	struct fake_ctx *c = ctx;
	struct rcapfs_proc *p;
	int ret = -ESRCH;

	pthread_mutex_lock(&c->lock);
	p = find_proc(c, pid);
	if (p) {
		copy_proc(out, p, (flags & RCAPFS_PROCS_CGROUP) != 0);
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int fake_proc_sample(void *ctx, pid_t pid, uint64_t start_ticks,
			    uint64_t *rss_kb, uint64_t *vm_kb)
{
	struct fake_ctx *c = ctx;
	struct rcapfs_proc *p;
	int ret = -ESRCH;

	pthread_mutex_lock(&c->lock);
	c->samples++;
	p = find_proc(c, pid);
	if (p && p->start_ticks == start_ticks) {
		*rss_kb = p->rss_kb;
		*vm_kb = p->vm_kb;
		ret = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int fake_meminfo(void *ctx, struct rcapfs_meminfo *out)
{
	struct fake_ctx *c = ctx;

	pthread_mutex_lock(&c->lock);
	*out = c->mi;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int fake_features(void *ctx, struct rcapfs_features *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	return 0;
}

static int lookup_name(struct fake_ctx *c, const struct fake_name *names,
		       size_t n, const char *name, unsigned *id)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i].name, name) == 0) {
			*id = names[i].id;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static int fake_user_uid(void *ctx, const char *name, uid_t *out)
{
	struct fake_ctx *c = ctx;
	unsigned id;
	int ret = lookup_name(c, c->users, c->nusers, name, &id);

	if (ret == 0)
		*out = (uid_t)id;
	return ret;
}

static int fake_group_gid(void *ctx, const char *name, gid_t *out)
{
	struct fake_ctx *c = ctx;
	unsigned id;
	int ret = lookup_name(c, c->groups, c->ngroups, name, &id);

	if (ret == 0)
		*out = (gid_t)id;
	return ret;
}

static int fake_detach_mount(void *ctx, const char *path)
{
	return -ENOSYS;
}

static void free_procs(struct fake_ctx *c)
{
	for (size_t i = 0; i < c->nprocs; i++)
		free(c->procs[i].cgroup);
	free(c->procs);
	c->procs = NULL;
	c->nprocs = 0;
}

static void free_names(struct fake_name *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
}

static void fake_free(void *ctx)
{
	struct fake_ctx *c = ctx;

	if (!c)
		return;
	free_procs(c);
	free_names(c->users, c->nusers);
	free_names(c->groups, c->ngroups);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static const struct rcapfs_backend_ops fake_ops = {
	.name = "fake",
	.procs = fake_procs,
	.proc = fake_proc,
	.proc_sample = fake_proc_sample,
	.meminfo = fake_meminfo,
	.features = fake_features,
	.user_uid = fake_user_uid,
	.group_gid = fake_group_gid,
	.detach_mount = fake_detach_mount,
	.free = fake_free,
};

static void add_name(struct fake_ctx *c, struct fake_name **names, size_t *n,
		     const char *name, unsigned id)
{
	struct fake_name *grown;

	pthread_mutex_lock(&c->lock);
	grown = realloc(*names, (*n + 1) * sizeof(**names));
	if (!grown) {
		fprintf(stderr, "fake_backend: out of memory\n");
		abort();
	}
	grown[*n].name = xstrdup(name);
	grown[*n].id = id;
	*names = grown;
	(*n)++;
	pthread_mutex_unlock(&c->lock);
}

struct rcapfs_backend *fake_backend_new(void)
{
	struct rcapfs_backend *be = xcalloc(1, sizeof(*be));
	struct fake_ctx *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	c->mi.mem_total = 8ULL << 30;
	c->mi.mem_available = 4ULL << 30;
	be->ops = &fake_ops;
	be->ctx = c;
	fake_backend_add_user(be, "root", 0);
	fake_backend_add_user(be, "nobody", 65534);
	fake_backend_add_group(be, "root", 0);
	fake_backend_add_group(be, "nogroup", 65534);
	return be;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct rcapfs_proc *pa = a, *pb = b;

	return (pa->pid > pb->pid) - (pa->pid < pb->pid);
}

void fake_backend_set_procs(struct rcapfs_backend *be,
			    const struct rcapfs_proc *procs, size_t n)
{
	struct fake_ctx *c = ctx_of(be);
	struct rcapfs_proc *copy = xcalloc(n, sizeof(*copy));

	for (size_t i = 0; i < n; i++)
		copy_proc(&copy[i], &procs[i], 1);
	qsort(copy, n, sizeof(*copy), cmp_pid);

	pthread_mutex_lock(&c->lock);
	free_procs(c);
	c->procs = copy;
	c->nprocs = n;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_set_rss(struct rcapfs_backend *be, pid_t pid, uint64_t rss_kb,
			  uint64_t vm_kb)
{
	struct fake_ctx *c = ctx_of(be);
	struct rcapfs_proc *p;

	pthread_mutex_lock(&c->lock);
	p = find_proc(c, pid);
	if (!p) {
		fprintf(stderr, "fake_backend: no process %d\n", (int)pid);
		abort();
	}
	p->rss_kb = rss_kb;
	p->vm_kb = vm_kb;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_set_meminfo(struct rcapfs_backend *be,
			      const struct rcapfs_meminfo *mi)
{
	struct fake_ctx *c = ctx_of(be);

	pthread_mutex_lock(&c->lock);
	c->mi = *mi;
	pthread_mutex_unlock(&c->lock);
}

void fake_backend_add_user(struct rcapfs_backend *be, const char *name,
			   uid_t uid)
{
	struct fake_ctx *c = ctx_of(be);

	add_name(c, &c->users, &c->nusers, name, (unsigned)uid);
}

void fake_backend_add_group(struct rcapfs_backend *be, const char *name,
			    gid_t gid)
{
	struct fake_ctx *c = ctx_of(be);

	add_name(c, &c->groups, &c->ngroups, name, (unsigned)gid);
}

static unsigned read_counter(const struct rcapfs_backend *be,
			     const unsigned *counter)
{
	struct fake_ctx *c = ctx_of(be);
	unsigned v;

	pthread_mutex_lock(&c->lock);
	v = *counter;
	pthread_mutex_unlock(&c->lock);
	return v;
}

unsigned fake_backend_walks(const struct rcapfs_backend *be)
{
	return read_counter(be, &ctx_of(be)->walks);
}

unsigned fake_backend_samples(const struct rcapfs_backend *be)
{
	return read_counter(be, &ctx_of(be)->samples);
}
