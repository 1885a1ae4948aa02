/* The FUSE binding: the low-level operations table and what it works on. */
#ifndef RCAPFS_FS_OPS_H
#define RCAPFS_FS_OPS_H

#include "fs/front.h"
#include "scanner/scanner.h"

struct fuse_lowlevel_ops;
struct fuse_session;

/* The session's user data. */
struct rcapfs_fs {
	struct rcapfs_scanner *sc; /* borrowed: its thread runs while mounted */
	struct rcapfs_front *front; /* borrowed */
	/* Made by main.c; the termination signals end its loop. */
	struct fuse_session *_Atomic session;
};

/* The operations table (static storage). */
const struct fuse_lowlevel_ops *rcapfs_fs_ops(void);

#endif
