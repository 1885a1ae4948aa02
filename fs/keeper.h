/*
 * The keeper (doc/design.md §6): the process the user or systemd starts.
 * It mounts, holds the /dev/fuse connection for the life of the mount and
 * does nothing else; the requests are served by a server process it
 * starts (the same binary, found through fs/takeover.h), replaces when it
 * dies, and replaces with the binary on disk on SIGHUP.
 */
#ifndef RCAPFS_FS_KEEPER_H
#define RCAPFS_FS_KEEPER_H

struct fuse_args;

struct rcapfs_keeper_config {
	const char *mountpoint;
	/* Mount options in libfuse's syntax ("-o", "allow_other,..."),
	 * argv[0] the program's name; options of the loop (-f, -d,
	 * max_threads) are the server's, not these. libfuse may add to
	 * them: the caller frees them with fuse_opt_free_args. */
	struct fuse_args *mount_args;
	/* The server's command line; argv[0] is run as the binary now on
	 * disk where this process's came from. */
	char *const *server_argv;
	/* Called once, when the first server answered FUSE_INIT: the mount
	 * answers (sd_notify READY=1 belongs here). May be NULL. */
	void (*ready)(void *arg);
	void *ready_arg;
};

/* Mounts cfg->mountpoint and keeps it served until SIGTERM or SIGINT
 * (then the server is stopped and the mount unmounted) or an unmount from
 * outside. Returns 0 after a clean end, -errno when it could not mount or
 * start. */
int rcapfs_keeper_run(const struct rcapfs_keeper_config *cfg);

#endif
