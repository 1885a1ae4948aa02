/*
 * The state file: caps, members and ctl values, saved on every change and
 * restored at start. Saving writes a temporary file, fsyncs it, renames it
 * over the old one and fsyncs the directory, so a crash leaves either the
 * old or the new state, never a torn one.
 */
#ifndef RCAPFS_FS_STATE_H
#define RCAPFS_FS_STATE_H

#include "scanner/scanner.h"

/* Limit on the state file size that load accepts. */
#define RCAPFS_STATE_MAX (64u << 20)

/*
 * Write the whole configuration of sc to path (atomically, as above).
 * Returns 0 or -errno; on error the old file is left in place.
 */
int rcapfs_state_save(struct rcapfs_scanner *sc, const char *path);

/*
 * The same, as if collection without were gone (NULL: sc as it is), so a
 * removal can be saved before it is made and a failed save leaves the
 * collection as it was, counters and all.
 */
int rcapfs_state_save_without(struct rcapfs_scanner *sc, const char *path,
			      const char *without);

/*
 * Load path into sc (which should be empty). A missing file is not an error
 * (returns 0, nothing loaded). A malformed file loads nothing, is reported
 * in the log with its line number and returns -EINVAL; a pid rule whose
 * process is gone or was replaced is dropped with a log line. Returns 0 or
 * -errno.
 */
int rcapfs_state_load(struct rcapfs_scanner *sc, const char *path);

#endif
