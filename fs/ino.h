/*
 * Node ids (inode numbers) derived from what a node is, so that a server
 * that takes over the FUSE connection from a dead one (doc/design.md §6)
 * reads the ids the kernel holds exactly as the old one meant them. No
 * table: an id is decoded, and whether its object is still there is the
 * front's to check (rcapfs_front_node). FUSE-free.
 *
 * Layout of the 64 bits, low to high:
 *
 *	bits  0..7   the node kind (enum rcapfs_node_kind) plus one, so the
 *	             root, kind 0 with nothing else, is 1 (FUSE_ROOT_ID)
 *	bits  8..63  what tells nodes of one kind apart, by kind:
 *	  caps/NAME and its files: the collection's id (scanner.h), bits 8..39
 *	  ctl/ knobs: the knob's index in rcapfs_ctl_knobs, bits 8..39
 *	  proc/PID and its files: the host pid, bits 8..39, and the low 24
 *	             bits of the process's start time (clock ticks), bits
 *	             40..63, so a reused pid is another node
 *	  every other kind: nothing (zero)
 *
 * What stat(2) and readdir show as the inode number is another number,
 * of 32 bits, since a 32-bit program's stat fails with EOVERFLOW on a
 * larger one (and Solaris pagedata readers are often 32-bit): bits 0..4
 * the kind plus one, bits 5..31 the collection's id or the knob's index
 * (27 bits), or the pid (22 bits: Linux's largest pid_max) and the low 5
 * bits of the start time. Only the node id the kernel holds is checked.
 */
#ifndef RCAPFS_FS_INO_H
#define RCAPFS_FS_INO_H

#include "fs/tree.h"

#include <stdbool.h>
#include <stdint.h>

#define RCAPFS_INO_ROOT 1

/* The bits of a start time an id keeps. */
#define RCAPFS_INO_START_MASK ((UINT64_C(1) << 24) - 1)

/* The number shown as the inode number of the node of id ino. */
uint32_t rcapfs_ino_shown(uint64_t ino);

/* The id of n: its kind, and n->id, n->knob or n->pid and n->start_ticks
 * as the layout above says (the caller has filled those in). */
uint64_t rcapfs_ino_encode(const struct rcapfs_node *n);

/* The node of id ino into *out: its kind and the fields the layout gives
 * (for a process, start_ticks holds only the bits the id keeps). Returns
 * 0, or -ESTALE for a number no node of this layout has. Collection names
 * are not filled in. */
int rcapfs_ino_decode(uint64_t ino, struct rcapfs_node *out);

/* Whether a process that started at start_ticks is the one that node n
 * (decoded) names. */
bool rcapfs_ino_same_start(const struct rcapfs_node *n, uint64_t start_ticks);

#endif
