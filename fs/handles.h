/*
 * Open handles by id. What the kernel is given as a file handle is an id,
 * never a pointer, and the table owns what it holds: when the mount ends,
 * freeing the table frees every handle whose RELEASE never came (the kernel
 * sends it asynchronously, and the unmount may come first). Thread-safe.
 */
#ifndef RCAPFS_FS_HANDLES_H
#define RCAPFS_FS_HANDLES_H

#include <stddef.h>
#include <stdint.h>

struct rcapfs_handles; /* opaque */

/* Returns 0 and an empty table whose handles free_fn frees, or -ENOMEM.
 * instance (its low 24 bits) goes into every id the table gives, so that
 * tables of different instances give different ids: give each server
 * process its own. Free it with rcapfs_handles_free(). */
int rcapfs_handles_new(void (*free_fn)(void *), uint32_t instance,
		       struct rcapfs_handles **out);

/* Free every handle still in the table (with free_fn), then the table.
 * Nothing may use the table meanwhile. NULL is fine. */
void rcapfs_handles_free(struct rcapfs_handles *t);

/* Take h into the table. Returns 0 and its id in *id (never 0), or
 * -ENOMEM (h is not taken). */
int rcapfs_handles_add(struct rcapfs_handles *t, void *h, uint64_t *id);

/* Take h into the table under id, which another table gave (the kernel
 * still uses it: a server that took over serves files the dead one
 * opened). When id has a handle already (another thread adopted it
 * first), h is not taken. Returns 0 and in *held the handle id now has,
 * h or the one there before; or -ENOMEM (h is not taken). */
int rcapfs_handles_adopt(struct rcapfs_handles *t, uint64_t id, void *h,
			 void **held);

/* The handle of id, still owned by the table, or NULL when there is none
 * (an id never given, or taken). A handle got here must not be taken by
 * another thread while in use: the kernel sends no RELEASE while a request
 * on the same open file is in flight. */
void *rcapfs_handles_get(struct rcapfs_handles *t, uint64_t id);

/* Remove id's handle from the table and return it (the caller frees it),
 * or NULL when there is none. Its id is not given again until its slot
 * of the table has served 2^32 more handles. */
void *rcapfs_handles_take(struct rcapfs_handles *t, uint64_t id);

/* How many handles the table holds. */
size_t rcapfs_handles_count(struct rcapfs_handles *t);

#endif
