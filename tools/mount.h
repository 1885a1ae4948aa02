/*
 * The mount the tools work on, and the few ways they use it: read a file
 * whole, write a value in one write(2), list the collections. Nothing but
 * the mount: the tools work from a container that bind-mounted it.
 */
#ifndef RCAPFS_TOOLS_MOUNT_H
#define RCAPFS_TOOLS_MOUNT_H

#include <stddef.h>

#define TOOL_MOUNT_DEFAULT "/run/rcapfs"
#define TOOL_MOUNT_ENV	   "RCAPFS_MOUNT"
#define TOOL_NAME_MAX	   32 /* a collection name and its NUL */

/* The mount: opt (a --mount option) if not NULL, else $RCAPFS_MOUNT if set
 * and not empty, else /run/rcapfs. Borrowed: valid as long as opt and the
 * environment. */
const char *tool_mount_path(const char *opt);

/* Whether mount looks like rcapfs: 0 when mount/ctl/status reads, else
 * -errno. */
int tool_mount_check(const char *mount);

/* Read the file at path whole, at most max bytes: 0 with a malloc'd
 * buffer the caller frees, NUL-terminated after *len bytes; -EFBIG when
 * longer than max, or -errno. */
int tool_read_file(const char *path, size_t max, char **out, size_t *len);

/* Read mount/rel (rel relative, without a leading '/') whole, at most max
 * bytes: 0 with a malloc'd buffer the caller frees, NUL-terminated after
 * *len bytes; -EFBIG when longer than max, or -errno. */
int tool_mount_read(const char *mount, const char *rel, size_t max, char **out,
		    size_t *len);

/* Write value to mount/rel with one write(2) on an O_TRUNC descriptor, as
 * a control file takes it. Returns 0 or -errno (EINVAL, ERANGE: refused). */
int tool_mount_write(const char *mount, const char *rel, const char *value);

/* mkdir and rmdir of mount/rel. Return 0 or -errno. */
int tool_mount_mkdir(const char *mount, const char *rel);
int tool_mount_rmdir(const char *mount, const char *rel);

/* The names under mount/caps, sorted: 0 with a malloc'd array of malloc'd
 * names the caller frees with tool_mount_names_free, or -errno. */
int tool_mount_collections(const char *mount, char ***names, size_t *n);

void tool_mount_names_free(char **names, size_t n);

#endif
