/* The FUSE front: the operations table and the state it works on. */
#ifndef RCAPFS_FS_OPS_H
#define RCAPFS_FS_OPS_H

#include "scanner/scanner.h"

#include <pthread.h>
#include <time.h>

struct fuse_operations;

/* What every operation works on; fuse private_data. */
struct rcapfs_fs {
	struct rcapfs_scanner *sc; /* borrowed */
	const char *state_path;	   /* borrowed */
	/* Serialises "apply a change + save the state file", so the file
	 * always holds the latest acknowledged configuration. */
	pthread_mutex_t state_lock;
	time_t start_time;
};

/* The operations table (static storage). */
const struct fuse_operations *rcapfs_fs_ops(void);

#endif
