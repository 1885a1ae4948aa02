/*
 * FUSE operations: the only translation unit besides main.c that sees
 * <fuse.h>. Paths are resolved by fs/tree.c, contents rendered by
 * fs/render.c, writes parsed by fs/parse.c and persisted by fs/state.c.
 */
#include "config.h"

#include "fs/ops.h"

#include "compat/log.h"
#include "fs/parse.h"
#include "fs/procfs.h"
#include "fs/render.h"
#include "fs/state.h"
#include "fs/tree.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Per-open state, hung off fi->fh. */
struct rcapfs_fh {
	struct rcapfs_node node;
	struct rcapfs_buf snap;	    /* snapshot served by offset */
	bool served;		    /* a read has been answered from snap */
	bool append;		    /* members: next write appends */
	struct rcapfs_pagedata *pd; /* pagedata: this descriptor's reader */
};

static struct rcapfs_fs *fs_ctx(void)
{
	return fuse_get_context()->private_data;
}

/* Only uid 0 of the daemon's user namespace changes anything. */
static bool caller_is_root(void)
{
	return fuse_get_context()->uid == 0;
}

/* The process behind a M/proc node: 0, -ENOENT when it is gone, -errno.
 * With owner_only, the caller must be its owner or root, as Linux asks of a
 * reader of /proc/PID/pagemap (the daemon's own privileges do not count):
 * -EACCES otherwise. */
static int proc_check(struct rcapfs_fs *fs, const struct rcapfs_node *n,
		      bool owner_only, struct rcapfs_proc *out)
{
	uid_t caller = fuse_get_context()->uid;
	int rc;

	rc = fs->be->ops->proc(fs->be->ctx, n->pid, 0, out);
	/* No such process, or no process table on this host. */
	if (rc)
		return rc == -ESRCH || rc == -ENOSYS ? -ENOENT : rc;
	rcapfs_proc_release(out);
	if (owner_only && caller != 0 && caller != out->ruid)
		return -EACCES;
	return 0;
}

/* Attributes below M/proc: owned by the process's owner, as in /proc, and
 * the size a read needs now, whoever asks: the kernel caches attributes
 * per file, not per caller. */
static int proc_getattr(struct rcapfs_fs *fs, const struct rcapfs_node *n,
			struct stat *st)
{
	struct rcapfs_proc p;
	uint64_t pagedata, xmap;
	int rc;

	rc = proc_check(fs, n, false, &p);
	if (rc)
		return rc;
	st->st_uid = p.ruid;
	st->st_gid = p.rgid;
	if (n->kind == RCAPFS_NODE_PROC_PID)
		return 0;
	rc = rcapfs_procfs_sizes(fs->be, fs->maps_cache, n->pid, p.start_ticks,
				 &pagedata, &xmap);
	if (rc)
		return rc;
	st->st_size =
		(off_t)(n->kind == RCAPFS_NODE_PROC_PAGEDATA ? pagedata : xmap);
	return 0;
}

/* M/proc: the processes the backend sees; none on a host without a
 * process table. */
static int readdir_procs(struct rcapfs_fs *fs, void *buf,
			 fuse_fill_dir_t filler)
{
	struct rcapfs_proc_list list = {NULL, 0};
	char name[16];
	size_t i;
	int rc;

	rc = fs->be->ops->procs(fs->be->ctx, 0, &list);
	if (rc)
		return rc == -ENOSYS ? 0 : rc;
	for (i = 0; i < list.n; i++) {
		snprintf(name, sizeof(name), "%d", (int)list.procs[i].pid);
		if (filler(buf, name, NULL, 0, 0))
			break;
	}
	rcapfs_proc_list_free(&list);
	return 0;
}

/* A short printable excerpt of rejected input for the log. */
static void excerpt(const char *buf, size_t size, char *out, size_t outlen)
{
	size_t i, j = 0;

	if (size && buf[size - 1] == '\n')
		size--;
	for (i = 0; i < size && j + 4 < outlen; i++) {
		unsigned char c = (unsigned char)buf[i];

		out[j++] = isprint(c) ? (char)c : '?';
	}
	if (i < size) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

static int render(struct rcapfs_fs *fs, const struct rcapfs_node *n,
		  struct rcapfs_buf *out)
{
	struct rcapfs_scanner *sc = fs->sc;
	struct rcapfs_status status;
	struct rcapfs_stats st;
	struct rcapfs_ctl ctl;
	unsigned swap_idle_s;
	uint64_t cap;
	pid_t *pids;
	size_t npids;
	int rc;

	rcapfs_scanner_get_ctl(sc, &ctl);
	switch (n->kind) {
	case RCAPFS_NODE_COLL_CAP:
		rc = rcapfs_scanner_get_cap(sc, n->name, &cap);
		return rc ? rc : rcapfs_render_u64(cap, out);
	case RCAPFS_NODE_COLL_MEMBERS:
		return rcapfs_scanner_members(sc, n->name, RCAPFS_RULES_USER,
					      out);
	case RCAPFS_NODE_COLL_PROCS:
		rc = rcapfs_scanner_procs(sc, n->name, &pids, &npids);
		if (rc)
			return rc;
		rc = rcapfs_render_pids(pids, npids, out);
		free(pids);
		return rc;
	case RCAPFS_NODE_COLL_RSS:
		rc = rcapfs_scanner_stats(sc, n->name, &st);
		return rc ? rc : rcapfs_render_u64(st.rss_bytes, out);
	case RCAPFS_NODE_COLL_STATS:
		rc = rcapfs_scanner_stats(sc, n->name, &st);
		return rc ? rc : rcapfs_render_stats(&st, out);
	case RCAPFS_NODE_COLL_SWAP_IDLE:
		rc = rcapfs_scanner_get_swap_idle(sc, n->name, &swap_idle_s);
		return rc ? rc : rcapfs_render_u64(swap_idle_s, out);
	case RCAPFS_NODE_CTL_ENFORCE:
		return rcapfs_render_u64(ctl.enforce, out);
	case RCAPFS_NODE_CTL_PRESSURE:
		return rcapfs_render_u64(ctl.pressure_pct, out);
	case RCAPFS_NODE_CTL_SAMPLE_INTERVAL:
		return rcapfs_render_u64(ctl.sample_interval_s, out);
	case RCAPFS_NODE_CTL_SCAN_INTERVAL:
		return rcapfs_render_u64(ctl.scan_interval_s, out);
	case RCAPFS_NODE_CTL_REPORT_INTERVAL:
		return rcapfs_render_u64(ctl.report_interval_s, out);
	case RCAPFS_NODE_CTL_MODE:
		return rcapfs_render_word(rcapfs_mode_name(ctl.mode), out);
	case RCAPFS_NODE_CTL_ACCOUNTING:
		return rcapfs_render_word(
			rcapfs_accounting_name(ctl.accounting), out);
	case RCAPFS_NODE_CTL_IDLE_THRESHOLD:
		return rcapfs_render_u64(ctl.idle_threshold_s, out);
	case RCAPFS_NODE_CTL_RLIMIT_RSS:
		return rcapfs_render_u64(ctl.rlimit_rss, out);
	case RCAPFS_NODE_CTL_STATUS:
		rc = rcapfs_scanner_status(sc, &status);
		return rc ? rc
			  : rcapfs_render_status(&status, PACKAGE_VERSION, out);
	case RCAPFS_NODE_PROC_XMAP:
		return rcapfs_procfs_xmap(fs->be, fs->maps_cache, n->pid,
					  n->start_ticks, out);
	default:
		return -EISDIR;
	}
}

static int op_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	struct rcapfs_fs *fs = fs_ctx();
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_tree_lookup(fs->sc, path, &n);
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->st_mode = rcapfs_node_mode(n.kind);
	st->st_atime = st->st_mtime = st->st_ctime = fs->start_time;
	if (rcapfs_node_is_dir(n.kind)) {
		st->st_mode |= S_IFDIR;
		st->st_nlink = 2;
		if (n.kind == RCAPFS_NODE_PROC_PID)
			return proc_getattr(fs, &n, st);
		return 0;
	}
	st->st_mode |= S_IFREG;
	st->st_nlink = 1;
	if (rcapfs_node_owner_only(n.kind))
		return proc_getattr(fs, &n, st);
	/* The size of a fresh rendering: reads use direct I/O and are never
	 * cut to it, but tools that trust st_size see the real length. */
	rc = render(fs, &n, &b);
	st->st_size = (off_t)b.len;
	rcapfs_buf_release(&b);
	return rc;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct rcapfs_fs *fs = fs_ctx();
	const struct rcapfs_child *c;
	struct rcapfs_proc p;
	struct rcapfs_node n;
	char **names;
	size_t i, nnames;
	int rc;

	rc = rcapfs_tree_lookup(fs->sc, path, &n);
	if (rc)
		return rc;
	if (!rcapfs_node_is_dir(n.kind))
		return -ENOTDIR;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	if (n.kind == RCAPFS_NODE_CAPS) {
		rc = rcapfs_scanner_names(fs->sc, &names, &nnames);
		if (rc)
			return rc;
		for (i = 0; i < nnames; i++)
			filler(buf, names[i], NULL, 0, 0);
		rcapfs_names_free(names, nnames);
		return 0;
	}
	if (n.kind == RCAPFS_NODE_PROC)
		return readdir_procs(fs, buf, filler);
	if (n.kind == RCAPFS_NODE_PROC_PID) {
		rc = proc_check(fs, &n, false, &p);
		if (rc)
			return rc;
	}
	for (c = rcapfs_node_children(n.kind); c && c->name; c++)
		filler(buf, c->name, NULL, 0, 0);
	return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct rcapfs_fs *fs = fs_ctx();
	struct rcapfs_fh *fh;
	struct rcapfs_proc p;
	struct rcapfs_node n;
	int acc = fi->flags & O_ACCMODE;
	int rc;

	rc = rcapfs_tree_lookup(fs->sc, path, &n);
	if (rc)
		return rc;
	if (rcapfs_node_is_dir(n.kind))
		return -EISDIR;
	if (acc != O_RDONLY &&
	    (!rcapfs_node_writable(n.kind) || !caller_is_root()))
		return -EACCES;
	if (rcapfs_node_owner_only(n.kind)) {
		rc = proc_check(fs, &n, true, &p);
		if (rc)
			return rc;
		/* From here on, this process and no other with its pid. */
		n.start_ticks = p.start_ticks;
	}
	fh = calloc(1, sizeof(*fh));
	if (!fh)
		return -ENOMEM;
	fh->node = n;
	/* ">>" appends rules; ">" (O_TRUNC) and a plain open replace them
	 * with the first write, and later writes of the same open append. */
	fh->append = (fi->flags & O_APPEND) != 0;
	if (n.kind == RCAPFS_NODE_PROC_PAGEDATA) {
		rc = rcapfs_pagedata_open(fs->tr, n.pid, n.start_ticks,
					  fs->read_chunk, &fh->pd);
		if (rc) {
			free(fh);
			return rc;
		}
	} else if (acc != O_WRONLY) {
		rc = render(fs, &n, &fh->snap);
		if (rc) {
			rcapfs_buf_release(&fh->snap);
			free(fh);
			return rc;
		}
	}
	fi->fh = (uintptr_t)fh;
	fi->direct_io = 1;
	return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct rcapfs_fh *fh = (struct rcapfs_fh *)(uintptr_t)fi->fh;
	size_t n;
	int rc;

	/* Every read of pagedata is a whole snapshot of its own. */
	if (fh->pd) {
		rc = rcapfs_pagedata_read(fh->pd, off, buf, size, &n);
		return rc ? rc : (int)n;
	}

	/* A new read from the start after the snapshot was served refreshes
	 * it, so lseek(0) + read sees current values. */
	if (off == 0 && fh->served) {
		rcapfs_buf_reset(&fh->snap);
		rc = render(fs_ctx(), &fh->node, &fh->snap);
		if (rc)
			return rc;
	}
	fh->served = true;
	if (off < 0 || (size_t)off >= fh->snap.len)
		return 0;
	n = fh->snap.len - (size_t)off;
	if (n > size)
		n = size;
	memcpy(buf, fh->snap.data + off, n);
	return (int)n;
}

static int set_ctl_field(struct rcapfs_ctl *ctl, enum rcapfs_node_kind kind,
			 const char *buf, size_t size)
{
	switch (kind) {
	case RCAPFS_NODE_CTL_ENFORCE:
		return rcapfs_parse_bool(buf, size, &ctl->enforce);
	case RCAPFS_NODE_CTL_PRESSURE:
		return rcapfs_parse_uint(buf, size, 0, 100, &ctl->pressure_pct);
	case RCAPFS_NODE_CTL_SAMPLE_INTERVAL:
		return rcapfs_parse_uint(buf, size, 1, 86400,
					 &ctl->sample_interval_s);
	case RCAPFS_NODE_CTL_SCAN_INTERVAL:
		return rcapfs_parse_uint(buf, size, 1, 86400,
					 &ctl->scan_interval_s);
	case RCAPFS_NODE_CTL_REPORT_INTERVAL:
		return rcapfs_parse_uint(buf, size, 0, 86400,
					 &ctl->report_interval_s);
	case RCAPFS_NODE_CTL_MODE:
		return rcapfs_parse_mode(buf, size, &ctl->mode);
	case RCAPFS_NODE_CTL_ACCOUNTING:
		return rcapfs_parse_accounting(buf, size, &ctl->accounting);
	case RCAPFS_NODE_CTL_IDLE_THRESHOLD:
		return rcapfs_parse_uint(buf, size, 0, 86400,
					 &ctl->idle_threshold_s);
	case RCAPFS_NODE_CTL_RLIMIT_RSS:
		return rcapfs_parse_bool(buf, size, &ctl->rlimit_rss);
	default:
		return -EACCES;
	}
}

/* Save the state after a change; on failure the caller undoes the change,
 * so what the file holds and what the write reports always agree. */
static int save(struct rcapfs_fs *fs)
{
	int rc = rcapfs_state_save(fs->sc, fs->state_path);

	if (rc)
		log_err("cannot save state to %s: %s", fs->state_path,
			strerror(-rc));
	return rc;
}

static int write_members(struct rcapfs_fs *fs, struct rcapfs_fh *fh,
			 const char *buf, size_t size, char *err, size_t errlen)
{
	struct rcapfs_buf old = RCAPFS_BUF_INIT;
	char ignored[8];
	int rc;

	rc = rcapfs_scanner_members(fs->sc, fh->node.name, RCAPFS_RULES_STATE,
				    &old);
	if (rc)
		goto out;
	rc = rcapfs_scanner_set_members(fs->sc, fh->node.name, buf, size,
					fh->append, RCAPFS_RULES_USER, err,
					errlen);
	if (rc)
		goto out;
	rc = save(fs);
	if (rc) {
		rcapfs_scanner_set_members(fs->sc, fh->node.name,
					   old.data ? old.data : "", old.len,
					   false, RCAPFS_RULES_STATE, ignored,
					   sizeof(ignored));
		rc = -EIO;
		goto out;
	}
	fh->append = true;
out:
	rcapfs_buf_release(&old);
	return rc;
}

static int write_cap(struct rcapfs_fs *fs, struct rcapfs_fh *fh,
		     const char *buf, size_t size)
{
	uint64_t cap, old;
	int rc;

	rc = rcapfs_parse_cap(buf, size, &cap);
	if (rc)
		return rc;
	rc = rcapfs_scanner_get_cap(fs->sc, fh->node.name, &old);
	if (rc)
		return rc;
	rc = rcapfs_scanner_set_cap(fs->sc, fh->node.name, cap);
	if (rc)
		return rc;
	if (save(fs)) {
		rcapfs_scanner_set_cap(fs->sc, fh->node.name, old);
		return -EIO;
	}
	return 0;
}

static int write_swap_idle(struct rcapfs_fs *fs, struct rcapfs_fh *fh,
			   const char *buf, size_t size)
{
	unsigned seconds, old;
	int rc;

	rc = rcapfs_parse_uint(buf, size, 0, RCAPFS_SWAP_IDLE_MAX_S, &seconds);
	if (rc)
		return rc;
	rc = rcapfs_scanner_get_swap_idle(fs->sc, fh->node.name, &old);
	if (rc)
		return rc;
	rc = rcapfs_scanner_set_swap_idle(fs->sc, fh->node.name, seconds);
	if (rc)
		return rc;
	if (save(fs)) {
		rcapfs_scanner_set_swap_idle(fs->sc, fh->node.name, old);
		return -EIO;
	}
	return 0;
}

static int write_ctl(struct rcapfs_fs *fs, struct rcapfs_fh *fh,
		     const char *buf, size_t size)
{
	struct rcapfs_ctl ctl, old;
	int rc;

	rcapfs_scanner_get_ctl(fs->sc, &old);
	ctl = old;
	rc = set_ctl_field(&ctl, fh->node.kind, buf, size);
	if (rc)
		return rc;
	rc = rcapfs_scanner_set_ctl(fs->sc, &ctl);
	if (rc)
		return rc;
	if (save(fs)) {
		rcapfs_scanner_set_ctl(fs->sc, &old);
		return -EIO;
	}
	return 0;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct rcapfs_fh *fh = (struct rcapfs_fh *)(uintptr_t)fi->fh;
	struct rcapfs_fs *fs = fs_ctx();
	char err[160] = "", what[48];
	int rc;

	if (!caller_is_root())
		return -EACCES;
	/* Each write carries a whole value, whatever the offset: "echo x >>"
	 * and tools that pwrite at st_size behave like "echo x >". */
	pthread_mutex_lock(&fs->state_lock);
	if (fh->node.kind == RCAPFS_NODE_COLL_MEMBERS)
		rc = write_members(fs, fh, buf, size, err, sizeof(err));
	else if (fh->node.kind == RCAPFS_NODE_COLL_CAP)
		rc = write_cap(fs, fh, buf, size);
	else if (fh->node.kind == RCAPFS_NODE_COLL_SWAP_IDLE)
		rc = write_swap_idle(fs, fh, buf, size);
	else
		rc = write_ctl(fs, fh, buf, size);
	pthread_mutex_unlock(&fs->state_lock);
	if (rc) {
		excerpt(buf, size, what, sizeof(what));
		log_warn("%s: rejected \"%s\" (%zu bytes): %s%s%s", path, what,
			 size, strerror(-rc), err[0] ? ": " : "", err);
		return rc;
	}
	return (int)size;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_tree_lookup(fs_ctx()->sc, path, &n);
	if (rc)
		return rc;
	if (rcapfs_node_is_dir(n.kind))
		return -EISDIR;
	if (!rcapfs_node_writable(n.kind) || !caller_is_root())
		return -EACCES;
	/* "echo x > file" truncates first; the value comes with the write. */
	return 0;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct rcapfs_fh *fh = (struct rcapfs_fh *)(uintptr_t)fi->fh;

	if (fh) {
		rcapfs_pagedata_close(fh->pd);
		rcapfs_buf_release(&fh->snap);
		free(fh);
	}
	return 0;
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct rcapfs_fs *fs = fs_ctx();
	struct rcapfs_node parent;
	const char *leaf;
	int rc;

	rc = rcapfs_tree_parent(fs->sc, path, &parent, &leaf);
	if (rc)
		return rc;
	if (parent.kind != RCAPFS_NODE_CAPS)
		return -EPERM;
	if (!caller_is_root())
		return -EACCES;
	pthread_mutex_lock(&fs->state_lock);
	rc = rcapfs_scanner_create(fs->sc, leaf);
	if (!rc && save(fs)) {
		rcapfs_scanner_remove(fs->sc, leaf);
		rc = -EIO;
	}
	pthread_mutex_unlock(&fs->state_lock);
	if (rc == -EINVAL)
		log_warn("mkdir caps/%.64s: invalid collection name", leaf);
	else if (!rc)
		log_info("collection %s created", leaf);
	return rc;
}

static int op_rmdir(const char *path)
{
	struct rcapfs_fs *fs = fs_ctx();
	struct rcapfs_buf members = RCAPFS_BUF_INIT;
	struct rcapfs_node n;
	unsigned swap_idle_s = 0;
	uint64_t cap = 0;
	char ignored[8];
	int rc;

	rc = rcapfs_tree_lookup(fs->sc, path, &n);
	if (rc)
		return rc;
	if (n.kind != RCAPFS_NODE_COLL)
		return rcapfs_node_is_dir(n.kind) ? -EPERM : -ENOTDIR;
	if (!caller_is_root())
		return -EACCES;
	pthread_mutex_lock(&fs->state_lock);
	/* Keep what is needed to put the collection back if saving fails. */
	rc = rcapfs_scanner_get_cap(fs->sc, n.name, &cap);
	if (!rc)
		rc = rcapfs_scanner_get_swap_idle(fs->sc, n.name, &swap_idle_s);
	if (!rc)
		rc = rcapfs_scanner_members(fs->sc, n.name, RCAPFS_RULES_STATE,
					    &members);
	if (!rc)
		rc = rcapfs_scanner_remove(fs->sc, n.name);
	if (!rc && save(fs)) {
		if (!rcapfs_scanner_create(fs->sc, n.name)) {
			rcapfs_scanner_set_cap(fs->sc, n.name, cap);
			rcapfs_scanner_set_swap_idle(fs->sc, n.name,
						     swap_idle_s);
			rcapfs_scanner_set_members(
				fs->sc, n.name,
				members.data ? members.data : "", members.len,
				false, RCAPFS_RULES_STATE, ignored,
				sizeof(ignored));
		}
		rc = -EIO;
	}
	pthread_mutex_unlock(&fs->state_lock);
	rcapfs_buf_release(&members);
	if (!rc)
		log_info("collection %s removed", n.name);
	return rc;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct rcapfs_node n;
	int rc;

	/* Only reached for names that do not exist: the tree is fixed. */
	rc = rcapfs_tree_lookup(fs_ctx()->sc, path, &n);
	if (rc == 0)
		return -EEXIST;
	return -EACCES;
}

static int op_access(const char *path, int mask)
{
	struct rcapfs_proc p;
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_tree_lookup(fs_ctx()->sc, path, &n);
	if (rc)
		return rc;
	if (n.kind == RCAPFS_NODE_PROC_PID || rcapfs_node_owner_only(n.kind)) {
		rc = proc_check(fs_ctx(), &n,
				rcapfs_node_owner_only(n.kind) && (mask & R_OK),
				&p);
		if (rc)
			return rc;
	}
	if ((mask & X_OK) && !rcapfs_node_is_dir(n.kind))
		return -EACCES;
	if (mask & W_OK) {
		bool dir_ok = n.kind == RCAPFS_NODE_CAPS ||
			      n.kind == RCAPFS_NODE_COLL;

		if (!caller_is_root() ||
		    !(rcapfs_node_writable(n.kind) || dir_ok))
			return -EACCES;
	}
	return 0;
}

static int op_refuse(void)
{
	return -EPERM;
}

static int op_unlink(const char *path)
{
	return op_refuse();
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	return op_refuse();
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return op_refuse();
}

static int op_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	return op_refuse();
}

/* The largest read the kernel sends in one request: max_pages pages, which
 * libfuse derives from max_write (FUSE 7.28; 32 pages before), and at most
 * max_read. A read(2) above it arrives as several requests. */
static size_t read_chunk(const struct fuse_conn_info *conn)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = 32, chunk;

	if (conn->proto_major > 7 ||
	    (conn->proto_major == 7 && conn->proto_minor >= 28))
		pages = (conn->max_write - 1) / page + 1;
	chunk = pages * page;
	if (conn->max_read && conn->max_read < chunk)
		chunk = conn->max_read;
	return chunk;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct rcapfs_fs *fs = fs_ctx();
	int rc;

	/* Generated files have no stable size: never let the page cache
	 * clamp or zero-fill a read. */
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	cfg->entry_timeout = 1.0;
	cfg->attr_timeout = 1.0;
	cfg->negative_timeout = 0;
	cfg->use_ino = 0;
	/* A members write carries whole rules: let one write of up to 1 MiB
	 * arrive in one piece (libfuse clamps this to its buffer). */
	conn->max_write = 1u << 20;
	fs->read_chunk = read_chunk(conn);
	fs->session = fuse_get_session(fuse_get_context()->fuse);
	/* The thread starts here, after any daemonising fork. */
	rc = rcapfs_scanner_start(fs->sc);
	if (rc)
		log_err("cannot start the sampling thread: %s", strerror(-rc));
	return fs;
}

static void op_destroy(void *data)
{
	struct rcapfs_fs *fs = data;

	rcapfs_scanner_stop(fs->sc);
}

static const struct fuse_operations ops = {
	.init = op_init,
	.destroy = op_destroy,
	.getattr = op_getattr,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.truncate = op_truncate,
	.release = op_release,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.create = op_create,
	.access = op_access,
	.unlink = op_unlink,
	.rename = op_rename,
	.chmod = op_chmod,
	.chown = op_chown,
	.poll = NULL, /* the kernel answers poll itself */
};

const struct fuse_operations *rcapfs_fs_ops(void)
{
	return &ops;
}
