/* The FUSE binding: the operations table and what it works on. */
#ifndef RCAPFS_FS_OPS_H
#define RCAPFS_FS_OPS_H

#include "fs/front.h"
#include "scanner/scanner.h"

struct fuse_operations;
struct fuse_session;

/* fuse private_data. */
struct rcapfs_fs {
	struct rcapfs_scanner *sc; /* borrowed: its thread runs while mounted */
	struct rcapfs_front *front; /* borrowed */
	/* Set at init; the termination signals end its loop. */
	struct fuse_session *_Atomic session;
};

/* The operations table (static storage). */
const struct fuse_operations *rcapfs_fs_ops(void);

#endif
