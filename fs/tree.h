/*
 * The mount tree: path -> node, directory listings and attributes. FUSE-free
 * so it is unit-tested without a mount.
 */
#ifndef RCAPFS_FS_TREE_H
#define RCAPFS_FS_TREE_H

#include "scanner/scanner.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Node ids carry these numbers (fs/ino.h), and a server that takes over
 * from another reads ids the other made: add kinds at the end only. */
enum rcapfs_node_kind {
	RCAPFS_NODE_ROOT,
	RCAPFS_NODE_CAPS,
	RCAPFS_NODE_COLL,
	RCAPFS_NODE_COLL_CAP,
	RCAPFS_NODE_COLL_MEMBERS,
	RCAPFS_NODE_COLL_PROCS,
	RCAPFS_NODE_COLL_RSS,
	RCAPFS_NODE_COLL_STATS,
	RCAPFS_NODE_COLL_SWAP_IDLE,
	RCAPFS_NODE_CTL,
	RCAPFS_NODE_CTL_KNOB, /* one per line of scanner/ctl.h's table */
	RCAPFS_NODE_CTL_STATUS,
	RCAPFS_NODE_PROC,
	RCAPFS_NODE_PROC_PID,
	RCAPFS_NODE_PROC_PAGEDATA,
	RCAPFS_NODE_PROC_PAGEDATA_HW, /* pagedata with PG_HWMAPPED */
	RCAPFS_NODE_PROC_XMAP,
	RCAPFS_NODE_PROM, /* rcapfs.prom */
};

/* A resolved path. name and id are the collection's for RCAPFS_NODE_COLL*
 * (id 0 until the front fills it in), pid the process for
 * RCAPFS_NODE_PROC_* below M/proc; start_ticks is 0 from a path lookup
 * (whoever has the pid) and the process's start time once the front
 * resolved it; knob the index in rcapfs_ctl_knobs of a
 * RCAPFS_NODE_CTL_KNOB. */
struct rcapfs_node {
	enum rcapfs_node_kind kind;
	char name[RCAPFS_NAME_MAX + 1];
	uint32_t id;
	pid_t pid;
	uint64_t start_ticks;
	unsigned knob;
};

/* Resolve a path ("/caps/web/cap"). Returns 0, or -ENOENT when there is no
 * such node (including a collection that does not exist), -ENAMETOOLONG
 * for an overlong component. Below M/proc only the syntax of the pid is
 * checked: whether the process exists is the backend's to say. */
int rcapfs_tree_lookup(struct rcapfs_scanner *sc, const char *path,
		       struct rcapfs_node *out);

/* The child called name[0..len) of directory parent into *out (which may
 * be parent), as a lookup of one more path component: 0, -ENOENT or
 * -ENAMETOOLONG; *out is unchanged on error. */
int rcapfs_tree_child(struct rcapfs_scanner *sc,
		      const struct rcapfs_node *parent, const char *name,
		      size_t len, struct rcapfs_node *out);

/* Split "/caps/NAME" style paths for mkdir/rmdir/create: on success *parent
 * is the resolved parent directory and leaf points into path. Returns 0,
 * -ENOENT (no parent) or -EINVAL (path ends in '/'). */
int rcapfs_tree_parent(struct rcapfs_scanner *sc, const char *path,
		       struct rcapfs_node *parent, const char **leaf);

bool rcapfs_node_is_dir(enum rcapfs_node_kind kind);

/* A collection's directory or one of its files; M/proc/PID or one of its
 * files. */
bool rcapfs_node_in_collection(enum rcapfs_node_kind kind);
bool rcapfs_node_in_process(enum rcapfs_node_kind kind);

/* The directory that holds n, into *out (the root's is the root). */
void rcapfs_node_parent(const struct rcapfs_node *n, struct rcapfs_node *out);

/* Whether root may write the node (control files). */
bool rcapfs_node_writable(enum rcapfs_node_kind kind);

/* Files only their process's owner (and root) may open: pagedata,
 * pagedata_hw, xmap. */
bool rcapfs_node_owner_only(enum rcapfs_node_kind kind);

/* Files whose size the kernel must not cache: pagedata and pagedata_hw,
 * whose st_size is what the next read needs now, as on Solaris. */
bool rcapfs_node_size_uncached(enum rcapfs_node_kind kind);

/* Mode bits as doc/design.md §3 lists them (without the file type). */
mode_t rcapfs_node_mode(enum rcapfs_node_kind kind);

struct rcapfs_child {
	const char *name;
	enum rcapfs_node_kind kind;
};

/* The fixed children of a directory node, ended by a NULL name; NULL for a
 * node without fixed children. Static storage. The children of M/ctl are
 * the knobs in table order (child i is rcapfs_ctl_knobs[i]), then status. */
const struct rcapfs_child *rcapfs_node_children(enum rcapfs_node_kind kind);

#endif
