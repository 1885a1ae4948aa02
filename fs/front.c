/* The front, node by node: attributes, listings, rendering, permissions,
 * mkdir and rmdir. Open files are in fs/front_files.c. */
#include "config.h"

#include "fs/front.h"

#include "compat/log.h"
#include "fs/front_i.h"
#include "fs/ino.h"
#include "fs/procfs.h"
#include "fs/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* An instance number for the handles of this server: from the clock and
 * the pid, so that a server started after another differs from it. */
static uint32_t instance_now(void)
{
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
	    (uint64_t)getpid() << 20;
	/* Fold it so every bit of the input moves the low bits. */
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (uint32_t)x | 1;
}

int rcapfs_front_new(const struct rcapfs_front_config *cfg,
		     struct rcapfs_front **out)
{
	struct rcapfs_front *f = calloc(1, sizeof(*f));
	int rc;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->sc = cfg->sc;
	f->be = cfg->be;
	f->tr = rcapfs_scanner_tracker(cfg->sc);
	f->maps_cache = cfg->maps_cache;
	f->start_time = cfg->start_time;
	f->serving = cfg->serving;
	/* Until the connection says: what every kernel passes on. */
	f->read_chunk = 32 * (size_t)sysconf(_SC_PAGESIZE);
	rcapfs_front_pids_init(f);
	rc = rcapfs_settings_new(cfg->sc, cfg->state_path, &f->settings);
	if (rc == 0)
		rc = rcapfs_front_files_new(f, cfg->instance ? cfg->instance
							     : instance_now());
	if (rc) {
		rcapfs_front_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void rcapfs_front_free(struct rcapfs_front *f)
{
	if (!f)
		return;
	rcapfs_front_files_free(f);
	rcapfs_settings_free(f->settings);
	free(f);
}

void rcapfs_front_set_read_chunk(struct rcapfs_front *f, size_t bytes)
{
	f->read_chunk = bytes;
}

/* The process of pid, its start time in *start_ticks: -ENOENT when there
 * is none (or no process table on this host). */
static int proc_start(struct rcapfs_front *f, pid_t pid, uint64_t *start_ticks)
{
	struct rcapfs_proc p;
	int rc = f->be->ops->proc(f->be->ctx, pid, 0, &p);

	if (rc)
		return rc == -ESRCH || rc == -ENOSYS ? -ENOENT : rc;
	*start_ticks = p.start_ticks;
	rcapfs_proc_release(&p);
	return 0;
}

/* Fill in what n's id needs (fs/ino.h): its collection's id, its
 * process's start time. -ENOENT when either is gone. */
static int pin(struct rcapfs_front *f, struct rcapfs_node *n)
{
	if (rcapfs_node_in_collection(n->kind) && n->id == 0)
		return rcapfs_scanner_coll_id(f->sc, n->name, &n->id);
	if (rcapfs_node_in_process(n->kind) && n->start_ticks == 0)
		return proc_start(f, n->pid, &n->start_ticks);
	return 0;
}

/* A node below M/proc names the caller's pid: the node keeps the host's. */
static int caller_node(struct rcapfs_front *f, const struct rcapfs_caller *who,
		       int rc, struct rcapfs_node *n)
{
	if (rc == 0 && (n->kind == RCAPFS_NODE_PROC_PID ||
			n->kind == RCAPFS_NODE_PROC_PAGEDATA ||
			n->kind == RCAPFS_NODE_PROC_XMAP))
		rc = rcapfs_front_pid_in(f, who, n->pid, &n->pid);
	return rc ? rc : pin(f, n);
}

int rcapfs_front_node(struct rcapfs_front *f, uint64_t ino,
		      struct rcapfs_node *out)
{
	struct rcapfs_node n;
	uint64_t start_ticks;
	int rc;

	rc = rcapfs_ino_decode(ino, &n);
	if (rc == 0 && rcapfs_node_in_collection(n.kind))
		rc = rcapfs_scanner_coll_name(f->sc, n.id, n.name);
	if (rc == 0 && rcapfs_node_in_process(n.kind)) {
		rc = proc_start(f, n.pid, &start_ticks);
		if (rc == 0 && !rcapfs_ino_same_start(&n, start_ticks))
			rc = -ENOENT;
		n.start_ticks = start_ticks;
	}
	/* The object the kernel knows by this id is gone. */
	if (rc == -ENOENT)
		rc = -ESTALE;
	if (rc == 0)
		*out = n;
	return rc;
}

int rcapfs_front_lookup(struct rcapfs_front *f, const char *path,
			const struct rcapfs_caller *who,
			struct rcapfs_node *out)
{
	return caller_node(f, who, rcapfs_tree_lookup(f->sc, path, out), out);
}

int rcapfs_front_child(struct rcapfs_front *f, const struct rcapfs_node *parent,
		       const char *name, const struct rcapfs_caller *who,
		       struct rcapfs_node *out)
{
	/* Below a process's directory the pid is translated already. */
	bool in_proc = parent->kind == RCAPFS_NODE_PROC;
	int rc = rcapfs_tree_child(f->sc, parent, name, strlen(name), out);

	if (in_proc)
		return caller_node(f, who, rc, out);
	return rc ? rc : pin(f, out);
}

int rcapfs_front_parent(struct rcapfs_front *f, const char *path,
			const struct rcapfs_caller *who,
			struct rcapfs_node *parent, const char **leaf)
{
	return caller_node(
		f, who, rcapfs_tree_parent(f->sc, path, parent, leaf), parent);
}

bool rcapfs_front_may_change(const struct rcapfs_caller *who)
{
	return who->uid == 0;
}

int rcapfs_front_proc(struct rcapfs_front *f, const struct rcapfs_node *n,
		      const struct rcapfs_caller *who, bool owner_only,
		      struct rcapfs_proc *p)
{
	int rc = f->be->ops->proc(f->be->ctx, n->pid, 0, p);

	/* No such process, or no process table on this host. */
	if (rc)
		return rc == -ESRCH || rc == -ENOSYS ? -ENOENT : rc;
	rcapfs_proc_release(p);
	if (owner_only && who->uid != 0 && who->uid != p->ruid)
		return -EACCES;
	return 0;
}

int rcapfs_front_render(struct rcapfs_front *f, const struct rcapfs_node *n,
			const struct rcapfs_caller *who, struct rcapfs_buf *out)
{
	const struct rcapfs_ctl_knob *k;
	struct rcapfs_named_stats *all;
	struct rcapfs_status status;
	struct rcapfs_stats st;
	struct rcapfs_ctl ctl;
	unsigned swap_idle_s;
	uint64_t cap;
	size_t npids, ncolls, from;
	pid_t *pids;
	int rc;

	switch (n->kind) {
	case RCAPFS_NODE_COLL_CAP:
		rc = rcapfs_scanner_get_cap(f->sc, n->name, &cap);
		return rc ? rc : rcapfs_render_u64(cap, out);
	case RCAPFS_NODE_COLL_MEMBERS:
		from = out->len;
		rc = rcapfs_scanner_members(f->sc, n->name, RCAPFS_RULES_USER,
					    out);
		return rc ? rc : rcapfs_front_members_out(f, who, out, from);
	case RCAPFS_NODE_COLL_PROCS:
		rc = rcapfs_scanner_procs(f->sc, n->name, &pids, &npids);
		if (rc)
			return rc;
		rc = rcapfs_front_pids_out(f, who, pids, NULL, &npids);
		if (rc == 0)
			rc = rcapfs_render_pids(pids, npids, out);
		free(pids);
		return rc;
	case RCAPFS_NODE_COLL_RSS:
		rc = rcapfs_scanner_stats(f->sc, n->name, &st);
		return rc ? rc : rcapfs_render_u64(st.rss_bytes, out);
	case RCAPFS_NODE_COLL_STATS:
		rc = rcapfs_scanner_stats(f->sc, n->name, &st);
		return rc ? rc : rcapfs_render_stats(&st, out);
	case RCAPFS_NODE_COLL_SWAP_IDLE:
		rc = rcapfs_scanner_get_swap_idle(f->sc, n->name, &swap_idle_s);
		return rc ? rc : rcapfs_render_u64(swap_idle_s, out);
	case RCAPFS_NODE_CTL_KNOB:
		k = &rcapfs_ctl_knobs[n->knob];
		rcapfs_scanner_get_ctl(f->sc, &ctl);
		return rcapfs_render_knob(k, rcapfs_ctl_get(&ctl, k), out);
	case RCAPFS_NODE_CTL_STATUS:
		rc = rcapfs_scanner_status(f->sc, &status);
		return rc ? rc
			  : rcapfs_render_status(&status, &f->serving,
						 PACKAGE_VERSION, out);
	case RCAPFS_NODE_PROM:
		rc = rcapfs_scanner_status(f->sc, &status);
		if (rc == 0)
			rc = rcapfs_scanner_all_stats(f->sc, &all, &ncolls);
		if (rc)
			return rc;
		rc = rcapfs_render_prom(&status, &f->serving, PACKAGE_VERSION,
					all, ncolls, out);
		free(all);
		return rc;
	case RCAPFS_NODE_PROC_XMAP:
		return rcapfs_procfs_xmap(f->be, f->maps_cache, n->pid,
					  n->start_ticks, out);
	case RCAPFS_NODE_PROC_PAGEDATA:
	case RCAPFS_NODE_PROC_PAGEDATA_HW:
		/* Each open descriptor has its own: see rcapfs_front_open. */
		return -EINVAL;
	default:
		return -EISDIR;
	}
}

/* Attributes below M/proc: owned by the process's owner, as in /proc, and
 * the size a read needs now, whoever asks: the kernel caches attributes
 * per file, not per caller. */
static int proc_getattr(struct rcapfs_front *f, const struct rcapfs_node *n,
			const struct rcapfs_caller *who,
			struct rcapfs_attr *out)
{
	struct rcapfs_proc p;
	uint64_t pagedata, xmap;
	int rc;

	rc = rcapfs_front_proc(f, n, who, false, &p);
	if (rc)
		return rc;
	out->uid = p.ruid;
	out->gid = p.rgid;
	if (n->kind == RCAPFS_NODE_PROC_PID)
		return 0;
	rc = rcapfs_procfs_sizes(f->be, f->maps_cache, n->pid, p.start_ticks,
				 &pagedata, &xmap);
	if (rc)
		return rc;
	out->size = (off_t)(n->kind == RCAPFS_NODE_PROC_XMAP ? xmap : pagedata);
	return 0;
}

int rcapfs_front_getattr(struct rcapfs_front *f, const struct rcapfs_node *n,
			 const struct rcapfs_caller *who,
			 struct rcapfs_attr *out)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	out->mode = rcapfs_node_mode(n->kind);
	out->time = f->start_time;
	if (rcapfs_node_is_dir(n->kind)) {
		out->mode |= S_IFDIR;
		out->nlink = 2;
		if (n->kind == RCAPFS_NODE_PROC_PID)
			return proc_getattr(f, n, who, out);
		return 0;
	}
	out->mode |= S_IFREG;
	out->nlink = 1;
	if (rcapfs_node_owner_only(n->kind))
		return proc_getattr(f, n, who, out);
	/* Reads use direct I/O and are never cut to the size, but tools that
	 * trust st_size see the real length. */
	rc = rcapfs_front_render(f, n, who, &b);
	out->size = (off_t)b.len;
	rcapfs_buf_release(&b);
	return rc;
}

/* M/proc: the processes the backend sees that who sees too, by who's
 * numbers; none on a host without a process table. */
static int readdir_procs(struct rcapfs_front *f,
			 const struct rcapfs_caller *who, rcapfs_fill_fn *fill,
			 void *ctx)
{
	struct rcapfs_proc_list list = {NULL, 0};
	struct rcapfs_node pn = {.kind = RCAPFS_NODE_PROC_PID};
	uint64_t *inos = NULL;
	pid_t *pids = NULL;
	char name[16];
	size_t n;
	int rc;

	rc = f->be->ops->procs(f->be->ctx, 0, &list);
	if (rc)
		return rc == -ENOSYS ? 0 : rc;
	n = list.n;
	pids = malloc((n ? n : 1) * sizeof(*pids));
	inos = malloc((n ? n : 1) * sizeof(*inos));
	rc = pids && inos ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		pn.pid = pids[i] = list.procs[i].pid;
		pn.start_ticks = list.procs[i].start_ticks;
		inos[i] = rcapfs_ino_encode(&pn);
	}
	rcapfs_proc_list_free(&list);
	if (rc == 0)
		rc = rcapfs_front_pids_out(f, who, pids, inos, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		snprintf(name, sizeof(name), "%d", (int)pids[i]);
		if (fill(ctx, name, inos[i]))
			break;
	}
	free(inos);
	free(pids);
	return rc;
}

/* M/caps: the collections, by name. */
static int readdir_caps(struct rcapfs_front *f, rcapfs_fill_fn *fill, void *ctx)
{
	struct rcapfs_node cn = {.kind = RCAPFS_NODE_COLL};
	char **names;
	size_t nnames;
	int rc;

	rc = rcapfs_scanner_names(f->sc, &names, &nnames);
	if (rc)
		return rc;
	for (size_t i = 0; i < nnames; i++) {
		/* Removed since the names were taken: not listed. */
		if (rcapfs_scanner_coll_id(f->sc, names[i], &cn.id))
			continue;
		if (fill(ctx, names[i], rcapfs_ino_encode(&cn)))
			break;
	}
	rcapfs_names_free(names, nnames);
	return 0;
}

int rcapfs_front_readdir(struct rcapfs_front *f, const struct rcapfs_node *n,
			 const struct rcapfs_caller *who, rcapfs_fill_fn *fill,
			 void *ctx)
{
	const struct rcapfs_child *c, *children;
	struct rcapfs_node dir = *n, child;
	int rc;

	struct rcapfs_proc p;

	if (!rcapfs_node_is_dir(n->kind))
		return -ENOTDIR;
	rc = n->kind == RCAPFS_NODE_PROC_PID
		     ? rcapfs_front_proc(f, n, who, false, &p)
		     : 0;
	if (rc == 0)
		rc = pin(f, &dir);
	if (rc)
		return rc;
	rcapfs_node_parent(&dir, &child);
	if (fill(ctx, ".", rcapfs_ino_encode(&dir)) ||
	    fill(ctx, "..", rcapfs_ino_encode(&child)))
		return 0;
	if (n->kind == RCAPFS_NODE_PROC)
		return readdir_procs(f, who, fill, ctx);
	if (n->kind == RCAPFS_NODE_CAPS)
		return readdir_caps(f, fill, ctx);
	children = rcapfs_node_children(n->kind);
	for (c = children; c && c->name; c++) {
		child = dir;
		child.kind = c->kind;
		child.knob = (unsigned)(c - children);
		if (fill(ctx, c->name, rcapfs_ino_encode(&child)))
			break;
	}
	return 0;
}

int rcapfs_front_access(struct rcapfs_front *f, const struct rcapfs_node *n,
			const struct rcapfs_caller *who, int mask)
{
	bool owner_only = rcapfs_node_owner_only(n->kind);
	struct rcapfs_proc p;
	int rc;

	if (n->kind == RCAPFS_NODE_PROC_PID || owner_only) {
		rc = rcapfs_front_proc(f, n, who, owner_only && (mask & R_OK),
				       &p);
		if (rc)
			return rc;
	}
	if ((mask & X_OK) && !rcapfs_node_is_dir(n->kind))
		return -EACCES;
	if (mask & W_OK) {
		bool dir_ok = n->kind == RCAPFS_NODE_CAPS ||
			      n->kind == RCAPFS_NODE_COLL;

		if (!rcapfs_front_may_change(who) ||
		    !(rcapfs_node_writable(n->kind) || dir_ok))
			return -EACCES;
	}
	return 0;
}

int rcapfs_front_mkdir(struct rcapfs_front *f, const struct rcapfs_node *parent,
		       const char *name, const struct rcapfs_caller *who)
{
	int rc;

	if (parent->kind != RCAPFS_NODE_CAPS)
		return -EPERM;
	if (!rcapfs_front_may_change(who))
		return -EACCES;
	rc = rcapfs_settings_create(f->settings, name);
	if (rc == -EINVAL)
		log_warn("mkdir caps/%.64s: invalid collection name", name);
	else if (rc == 0)
		log_info("collection %s created", name);
	return rc;
}

int rcapfs_front_rmdir(struct rcapfs_front *f, const struct rcapfs_node *n,
		       const struct rcapfs_caller *who)
{
	int rc;

	if (n->kind != RCAPFS_NODE_COLL)
		return rcapfs_node_is_dir(n->kind) ? -EPERM : -ENOTDIR;
	if (!rcapfs_front_may_change(who))
		return -EACCES;
	rc = rcapfs_settings_remove(f->settings, n->name);
	if (rc == 0)
		log_info("collection %s removed", n->name);
	return rc;
}
