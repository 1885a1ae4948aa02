/* The front's layout, shared by fs/front.c (nodes) and fs/front_files.c
 * (open files). Private to them. */
#ifndef RCAPFS_FS_FRONT_I_H
#define RCAPFS_FS_FRONT_I_H

#include "fs/front.h"
#include "fs/handles.h"
#include "fs/settings.h"
#include "scanner/tracker.h"

#include <stdbool.h>

struct rcapfs_front {
	struct rcapfs_scanner *sc;		/* borrowed */
	struct rcapfs_backend *be;		/* borrowed */
	struct rcapfs_tracker *tr;		/* borrowed: pagedata readers */
	struct rcapfs_procfs_cache *maps_cache; /* borrowed */
	struct rcapfs_settings *settings;
	struct rcapfs_handles *handles; /* of struct front_file */
	size_t read_chunk;
	time_t start_time;
};

/* The process behind a node below M/proc, its owner and start time in *p
 * (released): -ENOENT when it is gone. With owner_only, the caller must be
 * its owner or root, as Linux asks of a reader of /proc/PID/pagemap (the
 * daemon's own privileges do not count): -EACCES otherwise. */
int rcapfs_front_proc(struct rcapfs_front *f, const struct rcapfs_node *n,
		      const struct rcapfs_caller *who, bool owner_only,
		      struct rcapfs_proc *p);

/* Whether who may change things (write, mkdir, rmdir). */
bool rcapfs_front_may_change(const struct rcapfs_caller *who);

/* Handles: create the table, free what it holds. */
int rcapfs_front_files_new(struct rcapfs_front *f);
void rcapfs_front_files_free(struct rcapfs_front *f);

#endif
