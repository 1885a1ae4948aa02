/*
 * The daemon's own pid namespace, checked at start: rcapfs shows and reads
 * every pid in its caller's namespace, which works from the host's initial
 * namespace only.
 */
#ifndef RCAPFS_FS_PIDNS_H
#define RCAPFS_FS_PIDNS_H

#include <stdbool.h>

#include "compat/backend.h"

/*
 * Ask be whether the daemon runs in the host's initial pid namespace; if
 * not, log a warning that says what does not work there and how to run
 * instead. A backend that cannot tell (-ENOSYS) counts as initial.
 * Returns 0 with *initial set, or -errno.
 */
int rcapfs_pidns_check(struct rcapfs_backend *be, bool *initial);

#endif
