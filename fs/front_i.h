/* The front's layout, shared by fs/front.c (nodes) and fs/front_files.c
 * (open files). Private to them. */
#ifndef RCAPFS_FS_FRONT_I_H
#define RCAPFS_FS_FRONT_I_H

#include "fs/front.h"
#include "fs/handles.h"
#include "fs/settings.h"
#include "scanner/tracker.h"

#include <stdbool.h>
#include <stdint.h>

struct rcapfs_front {
	struct rcapfs_scanner *sc;		/* borrowed */
	struct rcapfs_backend *be;		/* borrowed */
	struct rcapfs_tracker *tr;		/* borrowed: pagedata readers */
	struct rcapfs_procfs_cache *maps_cache; /* borrowed */
	struct rcapfs_settings *settings;
	struct rcapfs_handles *handles; /* of struct front_file */
	size_t read_chunk;
	time_t start_time;
	struct rcapfs_serving serving;
	/* The daemon's pid namespace; 0 where the backend cannot tell
	 * (every caller then numbers pids as the daemon). */
	uint64_t own_pidns;
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

/*
 * Pids in the caller's numbering (fs/front_pids.c). init learns the
 * daemon's namespace. pids_out turns the host pids pids[0..*n) into who's,
 * leaving out those who cannot see (*n shrinks) and sorting them; tags
 * (NULL, or one per pid) move with their pids. pid_in
 * gives the host pid of who's pid: -ENOENT when who sees no such process.
 * members_in takes *rules_len bytes of rules a user writes at *rules and,
 * where who numbers pids otherwise, writes them to out with the pids of
 * "pid N" rules in the host's numbering and points *rules at out (which
 * the caller releases): -EINVAL (err says why) for a process who cannot
 * see. members_out rewrites the rendered rules of text
 * from offset from on into who's numbering; a rule for a process who
 * cannot see becomes a comment that says so. Each returns 0 or -errno.
 */
void rcapfs_front_pids_init(struct rcapfs_front *f);
int rcapfs_front_pids_out(struct rcapfs_front *f,
			  const struct rcapfs_caller *who, pid_t *pids,
			  uint64_t *tags, size_t *n);
int rcapfs_front_pid_in(struct rcapfs_front *f, const struct rcapfs_caller *who,
			pid_t pid, pid_t *host);
int rcapfs_front_members_in(struct rcapfs_front *f,
			    const struct rcapfs_caller *who, const char **rules,
			    size_t *rules_len, struct rcapfs_buf *out,
			    char *err, size_t errlen);
int rcapfs_front_members_out(struct rcapfs_front *f,
			     const struct rcapfs_caller *who,
			     struct rcapfs_buf *text, size_t from);

/* Handles: create the table (its ids carry instance: fs/handles.h), free
 * what it holds. */
int rcapfs_front_files_new(struct rcapfs_front *f, uint32_t instance);
void rcapfs_front_files_free(struct rcapfs_front *f);

#endif
