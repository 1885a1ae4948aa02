/*
 * The filesystem without FUSE, node by node: what each node shows, who may
 * do what with it, open files, and the changes written through them. A FUSE
 * binding (fs/ops.c) resolves node ids (fs/ino.h) and names to nodes,
 * learns the caller from FUSE and hands both over; it keeps only ids of
 * open files (handles), which the front holds in a table it frees whole,
 * so a file still open when the mount ends is freed too. Every function
 * returns 0 or -errno unless said.
 */
#ifndef RCAPFS_FS_FRONT_H
#define RCAPFS_FS_FRONT_H

#include "compat/backend.h"
#include "compat/buf.h"
#include "fs/render.h"
#include "fs/tree.h"
#include "scanner/scanner.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct rcapfs_procfs_cache;
struct rcapfs_front; /* opaque */

/* Who asks. Only uid 0 (of the daemon's user namespace) changes anything;
 * pagedata and xmap are their process owner's and root's. pid is the
 * caller's as the daemon numbers it (0 when it has none there): every pid
 * the front shows or reads is in that process's pid namespace. */
struct rcapfs_caller {
	uid_t uid;
	gid_t gid;
	pid_t pid;
};

struct rcapfs_front_config {
	struct rcapfs_scanner *sc; /* borrowed */
	struct rcapfs_backend *be; /* borrowed: M/proc */
	/* borrowed, may be NULL: mappings a size query read, for the xmap
	 * rendering after it */
	struct rcapfs_procfs_cache *maps_cache;
	const char *state_path;	       /* copied */
	time_t start_time;	       /* of every node's times */
	struct rcapfs_serving serving; /* shown in ctl/status */
	/* Goes into every file handle id, so that ids a server before this
	 * one gave are told from ours (fs/handles.h); 0: one is made from
	 * the time and the pid. */
	uint32_t instance;
};

/* Returns 0 and a front freed with rcapfs_front_free(), or -ENOMEM. */
int rcapfs_front_new(const struct rcapfs_front_config *cfg,
		     struct rcapfs_front **out);

/* Close every open file still open, then free the front. Nothing may use
 * it meanwhile (the FUSE loop has ended). NULL is fine. */
void rcapfs_front_free(struct rcapfs_front *f);

/* The largest read the kernel passes on in one request: a read(2) above it
 * arrives in several (pagedata needs to know). Set once the connection
 * says, before the first open. */
void rcapfs_front_set_read_chunk(struct rcapfs_front *f, size_t bytes);

/* Path to node, as rcapfs_tree_lookup and rcapfs_tree_parent; the child
 * name of directory parent, as rcapfs_tree_child (a lookup by node). Pids
 * below M/proc are who's (its pid namespace's): the node holds the host's;
 * -ENOENT for a pid who does not see, or no such process. The node comes
 * with what its id needs (fs/ino.h: collection id, process start). */
int rcapfs_front_lookup(struct rcapfs_front *f, const char *path,
			const struct rcapfs_caller *who,
			struct rcapfs_node *out);
int rcapfs_front_child(struct rcapfs_front *f, const struct rcapfs_node *parent,
		       const char *name, const struct rcapfs_caller *who,
		       struct rcapfs_node *out);
int rcapfs_front_parent(struct rcapfs_front *f, const char *path,
			const struct rcapfs_caller *who,
			struct rcapfs_node *parent, const char **leaf);

/* The node of id ino (fs/ino.h), with its collection's name or its
 * process's whole start time. -ESTALE for an id no node has, or whose
 * collection or process is gone (a reused pid is another process). */
int rcapfs_front_node(struct rcapfs_front *f, uint64_t ino,
		      struct rcapfs_node *out);

/* What stat(2) shows of a node. */
struct rcapfs_attr {
	mode_t mode; /* with the file type */
	nlink_t nlink;
	uid_t uid;
	gid_t gid;
	off_t size;
	time_t time; /* atime, mtime, ctime */
};

/* A file's size is that of a fresh rendering (reads never stop at it);
 * below M/proc the owner is the process's and the size what a read needs
 * now. -ENOENT when the process is gone. */
int rcapfs_front_getattr(struct rcapfs_front *f, const struct rcapfs_node *n,
			 const struct rcapfs_caller *who,
			 struct rcapfs_attr *out);

/* Called with each name of a directory and its node id; non-zero stops. */
typedef int rcapfs_fill_fn(void *ctx, const char *name, uint64_t ino);

/* The names in directory n, "." and ".." first, each passed to fill until
 * it returns non-zero. -ENOTDIR for a file, -ENOENT when a process
 * directory's process is gone. */
int rcapfs_front_readdir(struct rcapfs_front *f, const struct rcapfs_node *n,
			 const struct rcapfs_caller *who, rcapfs_fill_fn *fill,
			 void *ctx);

/* access(2): mask of R_OK, W_OK, X_OK. -EACCES when refused. */
int rcapfs_front_access(struct rcapfs_front *f, const struct rcapfs_node *n,
			const struct rcapfs_caller *who, int mask);

/* The whole content of file n, appended to out. -EISDIR for a directory. */
int rcapfs_front_render(struct rcapfs_front *f, const struct rcapfs_node *n,
			const struct rcapfs_caller *who,
			struct rcapfs_buf *out);

/* Open file n with open(2) flags (O_ACCMODE, O_APPEND). Readers get a
 * snapshot made now; pagedata gets a reader of its own. Returns 0 and the
 * handle's id in *fh (never 0), kept until rcapfs_front_release(); -EISDIR,
 * -EACCES (a write to a read-only file, or by another than root; pagedata
 * or xmap of another's process), -ENOENT, -ENOMEM. */
int rcapfs_front_open(struct rcapfs_front *f, const struct rcapfs_node *n,
		      const struct rcapfs_caller *who, int flags, uint64_t *fh);

/* Open file n again under fh, an id the kernel holds from a server that
 * had the connection before this one (rcapfs_front_read and _write answer
 * -EBADF for it), with the open flags the request carries: as
 * rcapfs_front_open would, so a snapshot is rendered anew, a pagedata
 * reader starts afresh (the bits the old one gathered are lost: logged),
 * a members file opened with O_APPEND appends. 0 also when fh is known
 * already; errors as rcapfs_front_open. */
int rcapfs_front_adopt(struct rcapfs_front *f, uint64_t fh,
		       const struct rcapfs_node *n,
		       const struct rcapfs_caller *who, int flags);

/* Up to size bytes of the file at off into buf; *done is how many (0 at
 * the end). A read at 0 after the snapshot was read refreshes it. -EBADF
 * for an unknown handle. */
int rcapfs_front_read(struct rcapfs_front *f, uint64_t fh,
		      const struct rcapfs_caller *who, off_t off, char *buf,
		      size_t size, size_t *done);

/* One write: the whole value, whatever the offset. Members are replaced by
 * the first write of an open (appended to with O_APPEND) and appended to by
 * the next. Applied and saved (fs/settings.h): 0 once the state file holds
 * it; -EINVAL, -ERANGE (bad value: nothing changed, logged), -EACCES,
 * -ENOENT (the collection went), -ENOSPC, -EIO (not saved, undone), -EBADF. */
int rcapfs_front_write(struct rcapfs_front *f, uint64_t fh,
		       const struct rcapfs_caller *who, const char *buf,
		       size_t size);

/* truncate(2): nothing to do ("echo x > file" truncates, then writes), but
 * the same permission as a write. */
int rcapfs_front_truncate(struct rcapfs_front *f, const struct rcapfs_node *n,
			  const struct rcapfs_caller *who);

/* Whether the kernel must not cache the size of open file fh (see
 * rcapfs_node_size_uncached); false for an unknown id. */
bool rcapfs_front_size_uncached(struct rcapfs_front *f, uint64_t fh);

/* Close an open file and free its handle; an unknown id is ignored. */
void rcapfs_front_release(struct rcapfs_front *f, uint64_t fh);

/* How many files are open. */
size_t rcapfs_front_open_files(struct rcapfs_front *f);

/* mkdir NAME in parent: a collection, in M/caps only (-EPERM elsewhere);
 * -EINVAL for a bad name, -EEXIST, -ENOSPC, -EACCES, -EIO. */
int rcapfs_front_mkdir(struct rcapfs_front *f, const struct rcapfs_node *parent,
		       const char *name, const struct rcapfs_caller *who);

/* rmdir of a collection (-EPERM for other directories, -ENOTDIR for
 * files); -EACCES, -EIO (not saved: the collection stays as it was). */
int rcapfs_front_rmdir(struct rcapfs_front *f, const struct rcapfs_node *n,
		       const struct rcapfs_caller *who);

#endif
