/*
 * The server's side of a FUSE connection held by a keeper (fs/keeper.c,
 * doc/design.md §6): adopt the inherited /dev/fuse descriptor, replay the
 * connection's FUSE_INIT into a new session, and have the kernel re-send
 * the requests a dead server had read.
 */
#ifndef RCAPFS_FS_TAKEOVER_H
#define RCAPFS_FS_TAKEOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fuse_session;

/* The environment variable through which a keeper hands its connection
 * to the server it starts. */
#define RCAPFS_TAKEOVER_ENV "RCAPFS_KEEPER"

/* FUSE_INIT as the kernel sent it: a header and fuse_init_in, well under
 * this (104 bytes at protocol 7.36 and later). */
#define RCAPFS_TAKEOVER_INIT_MAX 256

/* What a keeper hands to its server. */
struct rcapfs_takeover {
	int fuse_fd;  /* the connection's /dev/fuse descriptor */
	int ready_fd; /* one byte is written here once the mount answers */
	pid_t keeper_pid;
	uint64_t restarts; /* servers the keeper started before this one */
	bool resend;	   /* the kernel re-sends a dead server's requests */
	unsigned char init[RCAPFS_TAKEOVER_INIT_MAX];
	size_t init_len;
};

/* Checks that buf holds a FUSE_INIT request; on 0 sets *unique to its id
 * and *resend to whether the kernel re-sends the requests of a dead
 * server (FUSE_HAS_RESEND). Returns 0 or -EPROTO. */
int rcapfs_takeover_parse_init(const void *buf, size_t len, uint64_t *unique,
			       bool *resend);

/* The value of RCAPFS_TAKEOVER_ENV for t. Returns 0 and *out (malloc'd,
 * the caller frees), or -ENOMEM. */
int rcapfs_takeover_to_env(const struct rcapfs_takeover *t, char **out);

/* Returns 1 and fills *out when this process was started by a keeper (the
 * variable is then removed from the environment and both descriptors are
 * made close-on-exec, so children do not inherit them), 0 when it was not,
 * -EINVAL when the variable is malformed or its INIT is not one. */
int rcapfs_takeover_from_env(struct rcapfs_takeover *out);

/* Serves t's connection with se, a session the caller made with its
 * low-level ops and did not mount: processes the replayed FUSE_INIT (its
 * reply reaches the kernel only if no earlier server answered it), asks
 * the kernel to re-send what a dead server had read, and tells the keeper
 * that the mount answers. se owns the connection's descriptor from then
 * on (fuse_session_destroy closes it). Then run the session's loop, and
 * never unmount: the keeper does. One takeover per process. Returns 0 or
 * -errno. */
int rcapfs_takeover_start(const struct rcapfs_takeover *t,
			  struct fuse_session *se);

#endif
