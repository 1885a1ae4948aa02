/*
 * FUSE operations, low-level: the only translation unit besides main.c
 * that sees libfuse. It turns node ids into nodes (fs/ino.h: derived from
 * what a node is, so a server that takes over the connection reads the
 * ids the kernel holds as the one before it meant them), asks FUSE who
 * calls, and hands both to the FUSE-free front (fs/front.h), whose open
 * files it knows only by id (fi->fh). Nothing here remembers a request:
 * FORGET has nothing to free, and a file handle of a server before this
 * one is opened again from its node and flags.
 */
#include "config.h"

#include "fs/ops.h"

#include "compat/log.h"
#include "fs/front.h"
#include "fs/ino.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long the kernel keeps a name and attributes, whoever asks. */
#define CACHE_S 1.0

static struct rcapfs_front *front(fuse_req_t req)
{
	struct rcapfs_fs *fs = fuse_req_userdata(req);

	return fs->front;
}

static struct rcapfs_caller caller(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return (struct rcapfs_caller){ctx->uid, ctx->gid, ctx->pid};
}

/* pagedata's st_size is what the next read needs now, as on Solaris: a
 * reader allocates that much and reads, again if it no longer fits. The
 * kernel must ask each time. xmap's readers read to the end. */
static double attr_timeout(const struct rcapfs_node *n)
{
	return rcapfs_node_size_uncached(n->kind) ? 0 : CACHE_S;
}

static int stat_of(fuse_req_t req, const struct rcapfs_node *n,
		   const struct rcapfs_caller *who, struct stat *st)
{
	struct rcapfs_attr a;
	int rc;

	rc = rcapfs_front_getattr(front(req), n, who, &a);
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->st_ino = rcapfs_ino_shown(rcapfs_ino_encode(n));
	st->st_mode = a.mode;
	st->st_nlink = a.nlink;
	st->st_uid = a.uid;
	st->st_gid = a.gid;
	st->st_size = a.size;
	st->st_atime = st->st_mtime = st->st_ctime = a.time;
	return 0;
}

/* Reply with the entry of n, or the error rc. */
static void reply_entry(fuse_req_t req, int rc, const struct rcapfs_node *n,
			const struct rcapfs_caller *who)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	if (rc == 0)
		rc = stat_of(req, n, who, &e.attr);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	e.ino = rcapfs_ino_encode(n);
	e.attr_timeout = attr_timeout(n);
	e.entry_timeout = CACHE_S;
	fuse_reply_entry(req, &e);
}

/* Reply with the attributes of n, or the error rc. */
static void reply_attr(fuse_req_t req, int rc, const struct rcapfs_node *n,
		       const struct rcapfs_caller *who)
{
	struct stat st;

	if (rc == 0)
		rc = stat_of(req, n, who, &st);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, attr_timeout(n));
}

/* The child name of directory node parent, into *n. */
static int child(fuse_req_t req, fuse_ino_t parent, const char *name,
		 const struct rcapfs_caller *who, struct rcapfs_node *n)
{
	struct rcapfs_node dir;
	int rc;

	rc = rcapfs_front_node(front(req), parent, &dir);
	return rc ? rc : rcapfs_front_child(front(req), &dir, name, who, n);
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rcapfs_caller who = caller(req);
	struct rcapfs_node n;

	reply_entry(req, child(req, parent, name, &who, &n), &n, &who);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	/* Ids are derived, not kept: nothing to free, unknown ones too. */
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	fuse_reply_none(req);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller(req);
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_node(front(req), ino, &n);
	reply_attr(req, rc, &n, &who);
}

/* Directory entries from offset skip on, as far as size allows. Offsets
 * are positions in the listing, which is made again for each request. */
struct listing {
	fuse_req_t req;
	char *buf;
	size_t size, len;
	off_t skip, at;
};

static int list_one(void *ctx, const char *name, uint64_t ino)
{
	struct listing *l = ctx;
	struct rcapfs_node n;
	struct stat st;
	size_t need;

	if (++l->at <= l->skip)
		return 0;
	memset(&st, 0, sizeof(st));
	st.st_ino = rcapfs_ino_shown(ino);
	if (rcapfs_ino_decode(ino, &n) == 0)
		st.st_mode = rcapfs_node_is_dir(n.kind) ? S_IFDIR : S_IFREG;
	need = fuse_add_direntry(l->req, l->buf + l->len, l->size - l->len,
				 name, &st, l->at);
	if (need > l->size - l->len)
		return 1;
	l->len += need;
	return 0;
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller(req);
	struct listing l = {req, malloc(size ? size : 1), size, 0, off, 0};
	struct rcapfs_node n;
	int rc;

	rc = l.buf ? rcapfs_front_node(front(req), ino, &n) : -ENOMEM;
	if (rc == 0)
		rc = rcapfs_front_readdir(front(req), &n, &who, list_one, &l);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, l.buf, l.len);
	free(l.buf);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller(req);
	struct rcapfs_node n;
	uint64_t fh;
	int rc;

	rc = rcapfs_front_node(front(req), ino, &n);
	if (rc == 0)
		rc = rcapfs_front_open(front(req), &n, &who, fi->flags, &fh);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = fh;
	/* Generated files: no page cache to clamp or zero-fill a read. */
	fi->direct_io = 1;
	/* The opener was interrupted: no RELEASE will come. */
	if (fuse_reply_open(req, fi) == -ENOENT)
		rcapfs_front_release(front(req), fh);
}

/* The kernel holds fi->fh from a server before this one (the table does
 * not know it): open node ino again under it, with the open flags the
 * request carries. Returns 0, or the error to answer (ESTALE when the
 * node is gone). */
static int adopt(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		 const struct rcapfs_caller *who)
{
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_node(front(req), ino, &n);
	return rc ? rc
		  : rcapfs_front_adopt(front(req), fi->fh, &n, who, fi->flags);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller(req);
	char *buf = malloc(size ? size : 1);
	size_t n = 0;
	int rc;

	rc = buf ? rcapfs_front_read(front(req), fi->fh, &who, off, buf, size,
				     &n)
		 : -ENOMEM;
	if (rc == -EBADF) {
		rc = adopt(req, ino, fi, &who);
		if (rc == 0)
			rc = rcapfs_front_read(front(req), fi->fh, &who, off,
					       buf, size, &n);
	}
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller(req);
	int rc;

	/* Each write carries a whole value, whatever the offset: "echo x >>"
	 * and tools that pwrite at st_size behave like "echo x >". */
	rc = rcapfs_front_write(front(req), fi->fh, &who, buf, size);
	if (rc == -EBADF) {
		rc = adopt(req, ino, fi, &who);
		if (rc == 0)
			rc = rcapfs_front_write(front(req), fi->fh, &who, buf,
						size);
	}
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, size);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	/* One a server before this one opened, and this one never used, is
	 * not in the table: nothing to do. */
	rcapfs_front_release(front(req), fi->fh);
	fuse_reply_err(req, 0);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller(req);
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_node(front(req), ino, &n);
	/* Modes and owners are the tree's (doc/design.md §3.1). */
	if (rc == 0 && (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
				  FUSE_SET_ATTR_GID)))
		rc = -EPERM;
	/* "echo x > file" truncates, then writes. */
	if (rc == 0 && (to_set & FUSE_SET_ATTR_SIZE))
		rc = rcapfs_front_truncate(front(req), &n, &who);
	if (rc == 0 &&
	    (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
		       FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)))
		rc = -ENOSYS;
	reply_attr(req, rc, &n, &who);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct rcapfs_caller who = caller(req);
	struct rcapfs_node dir, n;
	int rc;

	rc = rcapfs_front_node(front(req), parent, &dir);
	if (rc == 0)
		rc = rcapfs_front_mkdir(front(req), &dir, name, &who);
	if (rc == 0)
		rc = rcapfs_front_child(front(req), &dir, name, &who, &n);
	reply_entry(req, rc, &n, &who);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rcapfs_caller who = caller(req);
	struct rcapfs_node n;
	int rc;

	rc = child(req, parent, name, &who, &n);
	if (rc == 0)
		rc = rcapfs_front_rmdir(front(req), &n, &who);
	fuse_reply_err(req, -rc);
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller(req);
	struct rcapfs_node n;

	/* Only reached for names that do not exist: the tree is fixed. */
	fuse_reply_err(req, child(req, parent, name, &who, &n) == 0 ? EEXIST
								    : EACCES);
}

static void ll_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct rcapfs_caller who = caller(req);
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_node(front(req), ino, &n);
	if (rc == 0)
		rc = rcapfs_front_access(front(req), &n, &who, mask);
	fuse_reply_err(req, -rc);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, EPERM);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	fuse_reply_err(req, EPERM);
}

/* The kernel answers poll itself (files always ready) once told ENOSYS;
 * Go programs such as node_exporter poll every file they open. */
static void ll_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_err(req, ENOSYS);
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

static void ll_init(void *data, struct fuse_conn_info *conn)
{
	struct rcapfs_fs *fs = data;
	int rc;

	/* A members write carries whole rules: let one write of up to 1 MiB
	 * arrive in one piece (libfuse clamps this to its buffer). */
	conn->max_write = 1u << 20;
	rcapfs_front_set_read_chunk(fs->front, read_chunk(conn));
	/* The thread starts here, after any daemonising fork. */
	rc = rcapfs_scanner_start(fs->sc);
	if (rc)
		log_err("cannot start the sampling thread: %s", strerror(-rc));
}

static void ll_destroy(void *data)
{
	struct rcapfs_fs *fs = data;

	rcapfs_scanner_stop(fs->sc);
}

static const struct fuse_lowlevel_ops ops = {
	.init = ll_init,
	.destroy = ll_destroy,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.readdir = ll_readdir,
	.open = ll_open,
	.read = ll_read,
	.write = ll_write,
	.release = ll_release,
	.mkdir = ll_mkdir,
	.rmdir = ll_rmdir,
	.create = ll_create,
	.access = ll_access,
	.unlink = ll_unlink,
	.rename = ll_rename,
	.poll = ll_poll,
};

const struct fuse_lowlevel_ops *rcapfs_fs_ops(void)
{
	return &ops;
}
