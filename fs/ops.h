/* The FUSE front: the operations table and the state it works on. */
#ifndef RCAPFS_FS_OPS_H
#define RCAPFS_FS_OPS_H

#include "compat/backend.h"
#include "scanner/scanner.h"
#include "scanner/tracker.h"

#include <pthread.h>
#include <time.h>

struct fuse_operations;
struct fuse_session;
struct rcapfs_procfs_cache;

/* What every operation works on; fuse private_data. */
struct rcapfs_fs {
	struct rcapfs_scanner *sc; /* borrowed */
	struct rcapfs_backend *be; /* borrowed: M/proc */
	struct rcapfs_tracker *tr; /* borrowed: pagedata readers */
	/* borrowed: mappings a lookup read, for the xmap open after it */
	struct rcapfs_procfs_cache *maps_cache;
	/* The largest read the kernel passes on in one request (set at
	 * init): a read(2) above it arrives in several. */
	size_t read_chunk;
	const char *state_path; /* borrowed */
	/* Serialises "apply a change + save the state file", so the file
	 * always holds the latest acknowledged configuration. */
	pthread_mutex_t state_lock;
	time_t start_time;
	/* Set at init; the termination signals end its loop. */
	struct fuse_session *_Atomic session;
};

/* The operations table (static storage). */
const struct fuse_operations *rcapfs_fs_ops(void);

#endif
