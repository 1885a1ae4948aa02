/*
 * rcapfs [options] MOUNTPOINT. Started by the user (or systemd) it is the
 * keeper: it recovers a mountpoint left dead by a crash, mounts, and keeps
 * the connection served by servers it starts with the same command line
 * (fs/keeper.h). Started by a keeper it is the server: it restores the
 * state and serves the connection it was handed (fs/takeover.h).
 */
#include "config.h"

/* The 3.12 loop configuration is the one whose max_threads is applied. */
#undef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312

#include "compat/backend.h"
#include "compat/log.h"
#include "compat/notify.h"
#include "fs/front.h"
#include "fs/keeper.h"
#include "fs/ops.h"
#include "fs/pidns.h"
#include "fs/procfs.h"
#include "fs/state.h"
#include "fs/takeover.h"
#include "scanner/scanner.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_STATE_ROOT "/var/lib/rcapfs/state"

struct opts {
	char *state;
	char *proc_root;
	char *sys_root;
	char *mountpoint;
	int help;
	int version;
	int foreground;
	int debug;
	int allow_other;
};

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_FOREGROUND,
	KEY_DEBUG,
};

#define OPT(t, field)                                                          \
	{                                                                      \
		t, offsetof(struct opts, field), 1                             \
	}

static const struct fuse_opt opt_spec[] = {
	OPT("--state=%s", state),
	OPT("--state %s", state),
	OPT("--proc-root=%s", proc_root),
	OPT("--proc-root %s", proc_root),
	OPT("--sys-root=%s", sys_root),
	OPT("--sys-root %s", sys_root),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("-f", KEY_FOREGROUND),
	FUSE_OPT_KEY("-d", KEY_DEBUG),
	FUSE_OPT_END,
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: rcapfs [options] MOUNTPOINT\n"
		"\n"
		"Memory caps on collections of processes (Solaris rcapd) and\n"
		"Solaris /proc pagedata and xmap, as a filesystem.\n"
		"\n"
		"options:\n"
		"  -f                   stay in the foreground, log to stderr\n"
		"  -d                   debug: foreground, FUSE and debug "
		"logs\n"
		"  -o OPT[,OPT...]      mount options (e.g. allow_other; see\n"
		"                       mount.fuse3(8)); as root allow_other "
		"is\n"
		"                       the default\n"
		"  --state FILE         state file (default %s as root,\n"
		"                       ~/.local/state/rcapfs/state "
		"otherwise)\n"
		"  --proc-root DIR      procfs to read (default /proc)\n"
		"  --sys-root DIR       sysfs to read (default /sys)\n"
		"  -h, --help           this text\n"
		"  -V, --version        the version\n",
		DEFAULT_STATE_ROOT);
}

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct opts *o = data;

	switch (key) {
	case KEY_HELP:
		o->help = 1;
		return 0;
	case KEY_VERSION:
		o->version = 1;
		return 0;
	case KEY_FOREGROUND:
		o->foreground = 1;
		return 1;
	case KEY_DEBUG:
		o->foreground = 1;
		o->debug = 1;
		return 1;
	case FUSE_OPT_KEY_OPT:
		if (strstr(arg, "allow_other") || strstr(arg, "allow_root"))
			o->allow_other = 1;
		return 1;
	case FUSE_OPT_KEY_NONOPT:
		if (o->mountpoint) {
			fprintf(stderr, "rcapfs: unexpected argument: %s\n",
				arg);
			return -1;
		}
		o->mountpoint = strdup(arg);
		return o->mountpoint ? 1 : -1;
	default:
		return 1;
	}
}

static struct rcapfs_fs *g_fs;
static volatile sig_atomic_t g_stop;

/*
 * SIGTERM, SIGINT, SIGHUP (from the keeper) end the server's loop as
 * libfuse's own handlers would, but as a clean stop: serve() returns 0.
 * (libfuse leaves a handler it finds in place.) Before the loop the server
 * stops as soon as it looks (g_stop); after it, it is ending already: its
 * threads are joined and its memory freed whatever signals come (the
 * keeper sends SIGTERM to a server whose connection went as well).
 */
static void on_terminate(int sig)
{
	struct fuse_session *se = g_fs ? g_fs->session : NULL;

	g_stop = 1;
	if (se)
		fuse_session_exit(se);
}

static int catch_termination(void)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_terminate;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}

/*
 * Serve the connection t hands over until a termination signal or the end
 * of the mount, which the keeper unmounts. A loop that ended because the
 * kernel aborted the connection ends cleanly: Linux answers a reader of a
 * connection it tore down with ECONNABORTED rather than ENODEV at times
 * (seen after a lazy unmount when the last open file closes); libfuse
 * takes ENODEV for the normal end and ECONNABORTED for a failure. Exit
 * codes as fuse_main numbers its failures.
 */
static int serve(struct fuse_args *args, struct rcapfs_fs *fs,
		 const struct rcapfs_takeover *t)
{
	struct fuse_cmdline_opts co;
	struct fuse_loop_config *cfg = NULL;
	struct fuse_session *se;
	int ret = 0, rc;

	if (fuse_parse_cmdline(args, &co))
		return 1;
	se = fuse_session_new(args, rcapfs_fs_ops(),
			      sizeof(struct fuse_lowlevel_ops), fs);
	if (!se) {
		ret = 3;
		goto out;
	}
	fs->session = se;
	if (fuse_set_signal_handlers(se)) {
		ret = 6;
		goto out;
	}
	/* A stop that came before the session could be told ends it here. */
	if (g_stop)
		goto out;
	cfg = fuse_loop_cfg_create();
	rc = cfg ? rcapfs_takeover_start(t, se) : -ENOMEM;
	if (rc) {
		log_err("cannot take the connection over: %s", strerror(-rc));
		ret = 4;
		goto out;
	}
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned)co.clone_fd);
	fuse_loop_cfg_set_idle_threads(cfg, co.max_idle_threads);
	fuse_loop_cfg_set_max_threads(cfg, co.max_threads);
	rc = fuse_session_loop_mt(se, cfg);
	if (rc == -ECONNABORTED)
		log_info("the kernel ended the connection (%s)", strerror(-rc));
	else if (rc < 0)
		ret = 8;
out:
	fuse_loop_cfg_destroy(cfg);
	if (se) {
		fuse_remove_signal_handlers(se);
		/* From here a termination signal changes nothing: the
		 * server is ending. */
		fs->session = NULL;
		fuse_session_destroy(se);
	}
	free(co.mountpoint);
	return ret;
}

/* Without -f the keeper leaves the foreground once the mount answers, so
 * that "rcapfs M && ls M" works: the parent waits for one byte the ready
 * hook writes (or for the pipe to close, a failure). The keeper keeps its
 * directory, from which the servers it starts take relative paths. */
static int ready_fd = -1;

static void on_ready(void *arg)
{
	/* systemd (Type=notify) hears it from the process it started. */
	rcapfs_notify_ready();
	if (ready_fd >= 0 && write(ready_fd, "1", 1) != 1)
		log_warn("cannot tell the parent the mount answers: %s",
			 strerror(errno));
	if (ready_fd >= 0)
		close(ready_fd);
	ready_fd = -1;
}

static int leave_foreground(void)
{
	int p[2], null;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() < 0)
		return -errno;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	close(null);
	return 0;
}

/* The keeper: mount and keep the connection served by servers started
 * with argv (doc/design.md §6.1). Returns the exit code. */
static int keep(struct fuse_args *args, char *argv[])
{
	struct fuse_cmdline_opts co;
	int rc;

	if (fuse_parse_cmdline(args, &co))
		return 1;
	rc = co.foreground ? 0 : leave_foreground();
	if (rc == 0)
		rc = rcapfs_keeper_run(&(struct rcapfs_keeper_config){
			.mountpoint = co.mountpoint,
			.mount_args = args,
			.server_argv = argv,
			.ready = on_ready,
		});
	rcapfs_notify_stopping();
	if (rc)
		log_err("%s: %s", co.mountpoint, strerror(-rc));
	free(co.mountpoint);
	return rc ? 1 : 0;
}

/* Returns the state path (malloc'd, caller frees) or NULL. */
static char *default_state_path(void)
{
	const char *home = getenv("HOME");
	char *p = NULL;

	if (geteuid() == 0)
		return strdup(DEFAULT_STATE_ROOT);
	if (!home || !*home)
		return NULL;
	if (asprintf(&p, "%s/.local/state/rcapfs/state", home) < 0)
		return NULL;
	return p;
}

/* Make the mountpoint usable: create it when missing, detach it when a
 * crashed daemon left it dead. Returns 0 or -errno. */
static int prepare_mountpoint(struct rcapfs_backend *be, const char *mp)
{
	struct stat st;
	int rc;

	if (stat(mp, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	if (errno == ENOENT) {
		if (mkdir(mp, 0755) && errno != EEXIST)
			return -errno;
		return 0;
	}
	if (errno != ENOTCONN)
		return -errno;
	log_warn("%s: mount left by a dead daemon; detaching it", mp);
	rc = be->ops->detach_mount(be->ctx, mp);
	if (rc)
		return rc;
	return stat(mp, &st) ? -errno : 0;
}

/* The process the user starts: recover a mountpoint a crash left dead,
 * then mount and keep it (keep). Returns the exit code. */
static int start_keeper(const struct opts *o, struct fuse_args *args,
			char *argv[])
{
	struct rcapfs_backend *be;
	int rc;

	rc = rcapfs_backend_new(o->proc_root ? o->proc_root : "/proc",
				o->sys_root ? o->sys_root : "/sys", &be);
	if (rc) {
		log_err("cannot open the process tables: %s", strerror(-rc));
		return 1;
	}
	rc = prepare_mountpoint(be, o->mountpoint);
	rcapfs_backend_free(be);
	if (rc) {
		log_err("mountpoint %s: %s", o->mountpoint, strerror(-rc));
		return 1;
	}
	/* Containers and scripts of other users read the tree; the daemon
	 * checks who may write itself. */
	if ((geteuid() == 0 && !o->allow_other &&
	     fuse_opt_add_arg(args, "-oallow_other")) ||
	    fuse_opt_add_arg(args, "-ofsname=rcapfs,subtype=rcapfs"))
		return 1;
	log_info("rcapfs %s mounting %s", PACKAGE_VERSION, o->mountpoint);
	return keep(args, argv);
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct rcapfs_backend *be = NULL;
	struct rcapfs_scanner *sc = NULL;
	struct rcapfs_procfs_cache *maps_cache = NULL;
	struct rcapfs_front *front = NULL;
	struct rcapfs_takeover t;
	struct rcapfs_fs fs;
	struct opts o = {0};
	bool initial_pidns;
	int rc, ret = 1;

	if (fuse_opt_parse(&args, &o, opt_spec, opt_proc) == -1) {
		ret = 2;
		goto out;
	}
	if (o.help) {
		usage(stdout);
		ret = 0;
		goto out;
	}
	if (o.version) {
		printf("rcapfs %s (FUSE %s)\n", PACKAGE_VERSION,
		       fuse_pkgversion());
		ret = 0;
		goto out;
	}
	if (!o.mountpoint) {
		usage(stderr);
		ret = 2;
		goto out;
	}
	rcapfs_log_setup(!o.foreground,
			 o.debug ? RCAPFS_LOG_DEBUG : RCAPFS_LOG_INFO);
	rc = rcapfs_takeover_from_env(&t);
	if (rc < 0) {
		log_err("%s: %s", RCAPFS_TAKEOVER_ENV, strerror(-rc));
		ret = 2;
		goto out;
	}
	if (rc == 0) {
		ret = start_keeper(&o, &args, argv);
		goto out;
	}
	if (!o.state && !(o.state = default_state_path())) {
		log_err("no state file: give --state FILE");
		goto out;
	}
	rc = rcapfs_backend_new(o.proc_root ? o.proc_root : "/proc",
				o.sys_root ? o.sys_root : "/sys", &be);
	if (rc) {
		log_err("cannot open the process tables: %s", strerror(-rc));
		goto out;
	}
	/* Outside the initial pid namespace it says what does not work;
	 * the rest works, so a failure to tell is only logged. */
	rcapfs_pidns_check(be, &initial_pidns);
	rc = rcapfs_scanner_new(be, &sc);
	if (rc) {
		log_err("cannot create the scanner: %s", strerror(-rc));
		goto out;
	}
	rc = rcapfs_state_load(sc, o.state);
	if (rc) {
		/* Starting empty would overwrite the file at the next change
		 * and lose what it holds: refuse instead. */
		log_err("cannot restore state from %s: %s; move it away to "
			"start empty",
			o.state, strerror(-rc));
		goto out;
	}
	/* Long enough to span a lookup and the open that follows it, short
	 * enough that an xmap is never older than its open by more. */
	rc = rcapfs_procfs_cache_new(50 * 1000 * 1000, &maps_cache);
	if (rc) {
		log_err("cannot create the mappings cache: %s", strerror(-rc));
		goto out;
	}
	/* At most 16 workers, 8 of them idle (libfuse 3.12 and later: 10
	 * and unbounded). */
	if (fuse_opt_add_arg(&args, "-omax_threads=16,max_idle_threads=8"))
		goto out;
	rc = rcapfs_front_new(
		&(struct rcapfs_front_config){
			.sc = sc,
			.be = be,
			.maps_cache = maps_cache,
			.state_path = o.state,
			.start_time = time(NULL),
			.serving = {.pid = getpid(),
				    .keeper_pid = t.keeper_pid,
				    .server_restarts = t.restarts,
				    .resend = t.resend}},
		&front);
	if (rc) {
		log_err("cannot create the front: %s", strerror(-rc));
		goto out;
	}
	memset(&fs, 0, sizeof(fs));
	fs.sc = sc;
	fs.front = front;
	g_fs = &fs;
	if (catch_termination())
		goto out;
	log_info("rcapfs %s serving %s (state %s, keeper %ld)", PACKAGE_VERSION,
		 o.mountpoint, o.state, (long)t.keeper_pid);
	ret = serve(&args, &fs, &t);
	/* The session is gone: a late signal only sets g_stop. */
	g_fs = NULL;
out:
	/* Files whose RELEASE never came (the mount ended first) go here,
	 * before the tracker their readers use. */
	rcapfs_front_free(front);
	rcapfs_procfs_cache_free(maps_cache);
	rcapfs_scanner_free(sc);
	rcapfs_backend_free(be);
	fuse_opt_free_args(&args);
	free(o.state);
	free(o.proc_root);
	free(o.sys_root);
	free(o.mountpoint);
	return ret;
}
