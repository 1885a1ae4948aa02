/*
 * FUSE operations: the only translation unit besides main.c that sees
 * <fuse.h>. It turns paths into nodes, asks FUSE who calls, and hands both
 * to the FUSE-free front (fs/front.h), whose open files it knows only by
 * id (fi->fh).
 */
#include "config.h"

#include "fs/ops.h"

#include "compat/log.h"
#include "compat/notify.h"
#include "fs/front.h"

#include <errno.h>
#include <fuse.h>
#include <string.h>
#include <unistd.h>

static struct rcapfs_front *front(void)
{
	struct rcapfs_fs *fs = fuse_get_context()->private_data;

	return fs->front;
}

static struct rcapfs_caller caller(void)
{
	const struct fuse_context *ctx = fuse_get_context();

	return (struct rcapfs_caller){ctx->uid, ctx->gid, ctx->pid};
}

/* pagedata's st_size is what the next read needs now, as on Solaris: a
 * reader allocates that much and reads, again if it no longer fits. Keep
 * the kernel from caching it: invalidated while it is being answered, the
 * answer is not cached (a lookup's is, for the attribute timeout, until
 * the first read). xmap's readers read to the end. */
static void fresh_size(const char *path)
{
	fuse_invalidate_path(fuse_get_context()->fuse, path);
}

static int op_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller();
	struct rcapfs_attr a;
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_lookup(front(), path, &who, &n);
	if (rc == 0)
		rc = rcapfs_front_getattr(front(), &n, &who, &a);
	if (rc)
		return rc;
	if (rcapfs_node_size_uncached(n.kind))
		fresh_size(path);
	memset(st, 0, sizeof(*st));
	st->st_mode = a.mode;
	st->st_nlink = a.nlink;
	st->st_uid = a.uid;
	st->st_gid = a.gid;
	st->st_size = a.size;
	st->st_atime = st->st_mtime = st->st_ctime = a.time;
	return 0;
}

struct fill {
	void *buf;
	fuse_fill_dir_t filler;
};

static int fill_one(void *ctx, const char *name)
{
	struct fill *fl = ctx;

	return fl->filler(fl->buf, name, NULL, 0, 0);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	struct rcapfs_caller who = caller();
	struct fill fl = {buf, filler};
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_lookup(front(), path, &who, &n);
	return rc ? rc : rcapfs_front_readdir(front(), &n, &who, fill_one, &fl);
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller();
	struct rcapfs_node n;
	uint64_t fh;
	int rc;

	rc = rcapfs_front_lookup(front(), path, &who, &n);
	if (rc == 0)
		rc = rcapfs_front_open(front(), &n, &who, fi->flags, &fh);
	if (rc)
		return rc;
	fi->fh = fh;
	/* Generated files: no page cache to clamp or zero-fill a read. */
	fi->direct_io = 1;
	return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller();
	size_t n;
	int rc;

	if (rcapfs_front_size_uncached(front(), fi->fh))
		fresh_size(path);
	rc = rcapfs_front_read(front(), fi->fh, &who, off, buf, size, &n);
	return rc ? rc : (int)n;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller();
	int rc;

	/* Each write carries a whole value, whatever the offset: "echo x >>"
	 * and tools that pwrite at st_size behave like "echo x >". */
	rc = rcapfs_front_write(front(), fi->fh, &who, buf, size);
	return rc ? rc : (int)size;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller();
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_lookup(front(), path, &who, &n);
	return rc ? rc : rcapfs_front_truncate(front(), &n, &who);
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	rcapfs_front_release(front(), fi->fh);
	return 0;
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct rcapfs_caller who = caller();
	struct rcapfs_node parent;
	const char *leaf;
	int rc;

	rc = rcapfs_front_parent(front(), path, &who, &parent, &leaf);
	return rc ? rc : rcapfs_front_mkdir(front(), &parent, leaf, &who);
}

static int op_rmdir(const char *path)
{
	struct rcapfs_caller who = caller();
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_lookup(front(), path, &who, &n);
	return rc ? rc : rcapfs_front_rmdir(front(), &n, &who);
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct rcapfs_caller who = caller();
	struct rcapfs_node n;

	/* Only reached for names that do not exist: the tree is fixed. */
	if (rcapfs_front_lookup(front(), path, &who, &n) == 0)
		return -EEXIST;
	return -EACCES;
}

static int op_access(const char *path, int mask)
{
	struct rcapfs_caller who = caller();
	struct rcapfs_node n;
	int rc;

	rc = rcapfs_front_lookup(front(), path, &who, &n);
	return rc ? rc : rcapfs_front_access(front(), &n, &who, mask);
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
	struct rcapfs_fs *fs = fuse_get_context()->private_data;
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
	rcapfs_front_set_read_chunk(fs->front, read_chunk(conn));
	fs->session = fuse_get_session(fuse_get_context()->fuse);
	/* The thread starts here, after any daemonising fork. */
	rc = rcapfs_scanner_start(fs->sc);
	if (rc)
		log_err("cannot start the sampling thread: %s", strerror(-rc));
	/* The kernel holds every request until this INIT is answered, so
	 * from here on the mount answers. */
	rcapfs_notify_ready();
	return fs;
}

static void op_destroy(void *data)
{
	struct rcapfs_fs *fs = data;

	rcapfs_scanner_stop(fs->sc);
}

/* The kernel answers poll itself (files always ready) once told ENOSYS.
 * libfuse's high-level layer sends every POLL here whether or not there
 * is an op, and without one leaks the handle it made for the notification
 * (libfuse 3.14); Go programs such as node_exporter poll every file they
 * open. */
static int op_poll(const char *path, struct fuse_file_info *fi,
		   struct fuse_pollhandle *ph, unsigned *reventsp)
{
	fuse_pollhandle_destroy(ph);
	return -ENOSYS;
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
	.poll = op_poll,
};

const struct fuse_operations *rcapfs_fs_ops(void)
{
	return &ops;
}
