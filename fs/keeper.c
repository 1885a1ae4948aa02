#include "config.h"

#include "fs/keeper.h"

#include "compat/clock.h"
#include "compat/log.h"
#include "fs/takeover.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A server asked to stop gets this long before SIGKILL (a request it is
 * busy with may be stuck; the next server gets it again where the kernel
 * re-sends). */
#define KEEPER_STOP_GRACE_MS 5000
/* A server that answered INIT and then lived this long died of something
 * other than its start: the next one starts at once. Servers dying
 * sooner, one after another, are restarted after a delay doubling from
 * KEEPER_BACKOFF_MIN_MS up to KEEPER_BACKOFF_MAX_MS (the second one
 * still at once). */
#define KEEPER_HEALTHY_MS     1000
#define KEEPER_BACKOFF_MIN_MS 100
#define KEEPER_BACKOFF_MAX_MS 10000
/* What libfuse reads requests into: FUSE_INIT comes first and is small,
 * but the kernel refuses a read into less than its largest request. */
#define KEEPER_READ_BUF (1024 * 1024 + 4096)

extern char **environ;

struct keeper {
	const struct rcapfs_keeper_config *cfg;
	struct fuse_session *se;
	char *exe; /* the binary on disk this process came from */
	struct rcapfs_takeover handover;
	int sig[2];   /* self-pipe: one byte a signal */
	int ready[2]; /* servers write one byte once they answer */
	pid_t server; /* 0: none running */
	uint64_t started;
	unsigned quick_deaths;					 /* in a row */
	int64_t spawned_ms, ready_ms, restart_at_ms, kill_at_ms; /* -1: none */
	bool stopping, upgrading, gone, announced;
};

static int keeper_sigfd = -1;

static void on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int e = errno;

	if (write(keeper_sigfd, &c, 1) < 0) {
		/* Full pipe: enough wake-ups are pending already. */
	}
	errno = e;
}

static const int keeper_signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
#define NSIGNALS (sizeof(keeper_signals) / sizeof(keeper_signals[0]))

static int64_t now_ms(void)
{
	return (int64_t)(rcapfs_mono_ns() / 1000000);
}

/* The environment of a server: this one's, with the hand-over. Returns
 * a NULL-terminated array (the array and its last string malloc'd, the
 * caller frees both with env_free) or NULL. */
static char **env_new(const struct keeper *k)
{
	size_t n = 0, j = 0;
	char **env, *val, *var;

	while (environ[n])
		n++;
	if (rcapfs_takeover_to_env(&k->handover, &val))
		return NULL;
	var = malloc(strlen(RCAPFS_TAKEOVER_ENV) + 1 + strlen(val) + 1);
	env = calloc(n + 2, sizeof(*env));
	if (!var || !env) {
		free(val);
		free(var);
		free(env);
		return NULL;
	}
	sprintf(var, "%s=%s", RCAPFS_TAKEOVER_ENV, val);
	free(val);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], RCAPFS_TAKEOVER_ENV "=",
			    strlen(RCAPFS_TAKEOVER_ENV) + 1))
			env[j++] = environ[i];
	env[j] = var;
	return env;
}

static void env_free(char **env)
{
	size_t n = 0;

	while (env[n + 1])
		n++;
	free(env[n]);
	free(env);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void exec_server(const struct keeper *k, char **env,
			const sigset_t *mask, pid_t keeper)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};

	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(keeper_signals[i], &dfl, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* The server dies with its keeper: the mount goes with the keeper
	 * anyway, and a server left alone would hold it half alive. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != keeper)
		_exit(126);
	if (fcntl(k->handover.fuse_fd, F_SETFD, 0) < 0 ||
	    fcntl(k->ready[1], F_SETFD, 0) < 0)
		_exit(126);
	execve(k->exe, k->cfg->server_argv, env);
	_exit(127);
}

/* Starts a server. Returns 0 or -errno (then retried later). */
static int spawn(struct keeper *k)
{
	sigset_t all, old;
	pid_t self = getpid(), pid;
	char **env;
	int err;

	k->handover.restarts = k->started;
	env = env_new(k);
	if (!env)
		return -ENOMEM;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	err = errno;
	if (pid == 0)
		exec_server(k, env, &old, self);
	sigprocmask(SIG_SETMASK, &old, NULL);
	env_free(env);
	if (pid < 0)
		return -err;
	k->server = pid;
	k->started++;
	k->spawned_ms = now_ms();
	k->ready_ms = -1;
	k->restart_at_ms = -1;
	log_info("server %ld started (%s)", (long)pid, k->exe);
	return 0;
}

static void stop_server(struct keeper *k)
{
	if (k->server && k->kill_at_ms < 0) {
		kill(k->server, SIGTERM);
		k->kill_at_ms = now_ms() + KEEPER_STOP_GRACE_MS;
	}
}

/* Whether the connection is gone (unmounted, or aborted through
 * /sys/fs/fuse/connections): the kernel then reports POLLERR. */
static bool connection_gone(const struct keeper *k)
{
	struct pollfd p = {.fd = k->handover.fuse_fd, .events = 0};

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLNVAL));
}

static void server_exited(struct keeper *k, int status)
{
	int64_t now = now_ms(), delay_ms = 0;
	char how[80];

	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "server %ld was killed by signal %d",
			 (long)k->server, WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "server %ld exited with status %d",
			 (long)k->server, WEXITSTATUS(status));
	k->server = 0;
	k->kill_at_ms = -1;
	if (k->stopping)
		return;
	if (connection_gone(k)) {
		log_info("%s; the mount is gone", how);
		k->stopping = k->gone = true;
		return;
	}
	if (k->upgrading) {
		k->upgrading = false;
		k->restart_at_ms = now;
		return;
	}
	if (k->ready_ms >= 0 && now - k->ready_ms >= KEEPER_HEALTHY_MS)
		k->quick_deaths = 0;
	else
		k->quick_deaths++;
	if (k->quick_deaths >= 2) {
		unsigned shift = k->quick_deaths - 2;

		delay_ms = shift >= 7 ? KEEPER_BACKOFF_MAX_MS
				      : KEEPER_BACKOFF_MIN_MS << shift;
		if (delay_ms > KEEPER_BACKOFF_MAX_MS)
			delay_ms = KEEPER_BACKOFF_MAX_MS;
	}
	log_warn("%s after %.1f s; restarting it in %lld ms (%u quick exits "
		 "in a row)",
		 how, (double)(now - k->spawned_ms) / 1000, (long long)delay_ms,
		 k->quick_deaths);
	k->restart_at_ms = now + delay_ms;
}

static void reap(struct keeper *k)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == k->server)
			server_exited(k, status);
}

static void on_signals(struct keeper *k)
{
	unsigned char sigs[64];
	ssize_t n;

	while ((n = read(k->sig[0], sigs, sizeof(sigs))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (sigs[i] == SIGCHLD) {
				reap(k);
			} else if (sigs[i] == SIGHUP && !k->stopping) {
				log_info("SIGHUP: replacing the server with %s",
					 k->exe);
				if (k->server) {
					k->upgrading = true;
					stop_server(k);
				}
			} else if (sigs[i] != SIGHUP && !k->stopping) {
				log_info("signal %d: unmounting", sigs[i]);
				k->stopping = true;
				k->restart_at_ms = -1;
				stop_server(k);
			}
		}
	}
}

static void on_ready(struct keeper *k)
{
	char b[16];

	while (read(k->ready[0], b, sizeof(b)) > 0)
		;
	if (!k->server || k->ready_ms >= 0)
		return;
	k->ready_ms = now_ms();
	log_info("server %ld answers", (long)k->server);
	if (!k->announced) {
		k->announced = true;
		if (k->cfg->ready)
			k->cfg->ready(k->cfg->ready_arg);
	}
}

/* The poll timeout until the nearest deadline, in ms, or -1. */
static int next_timeout(const struct keeper *k)
{
	int64_t now = now_ms(), t = -1;

	if (k->restart_at_ms >= 0)
		t = k->restart_at_ms;
	if (k->kill_at_ms >= 0 && (t < 0 || k->kill_at_ms < t))
		t = k->kill_at_ms;
	if (t < 0)
		return -1;
	return t <= now ? 0 : (int)(t - now > INT_MAX ? INT_MAX : t - now);
}

static void loop(struct keeper *k)
{
	while (!(k->stopping && !k->server)) {
		/* A connection gone stays in POLLERR: no longer asked. */
		struct pollfd p[3] = {
			{.fd = k->sig[0], .events = POLLIN},
			{.fd = k->gone ? -1 : k->handover.fuse_fd, .events = 0},
			{.fd = k->ready[0], .events = POLLIN},
		};
		int64_t now;

		if (poll(p, 3, next_timeout(k)) < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			k->stopping = true;
			stop_server(k);
		}
		if (p[0].revents & POLLIN)
			on_signals(k);
		if (p[2].revents & POLLIN)
			on_ready(k);
		if (p[1].revents & (POLLERR | POLLNVAL)) {
			log_info("the mount is gone (unmounted from outside)");
			k->stopping = k->gone = true;
			k->restart_at_ms = -1;
			stop_server(k);
		}
		now = now_ms();
		if (k->kill_at_ms >= 0 && now >= k->kill_at_ms && k->server) {
			log_warn("server %ld did not stop; killing it",
				 (long)k->server);
			kill(k->server, SIGKILL);
			k->kill_at_ms = -1;
		}
		if (k->restart_at_ms >= 0 && now >= k->restart_at_ms &&
		    !k->stopping) {
			int rc = spawn(k);

			if (rc) {
				log_err("cannot start a server: %s",
					strerror(-rc));
				k->restart_at_ms = now + KEEPER_BACKOFF_MAX_MS;
			}
		}
	}
}

/* Mounts and reads the connection's FUSE_INIT. Returns 0 or -errno. */
static int mount_and_init(struct keeper *k)
{
	static const struct fuse_lowlevel_ops no_ops;
	unsigned char *buf;
	uint64_t unique;
	bool resend;
	ssize_t n;
	int rc;

	k->se = fuse_session_new(k->cfg->mount_args, &no_ops, sizeof(no_ops),
				 NULL);
	if (!k->se)
		return -EINVAL;
	if (fuse_session_mount(k->se, k->cfg->mountpoint))
		return -EIO;
	k->handover.fuse_fd = fuse_session_fd(k->se);
	if (fcntl(k->handover.fuse_fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	buf = malloc(KEEPER_READ_BUF);
	if (!buf)
		return -ENOMEM;
	/* The kernel queued INIT while mounting: the first request. */
	do
		n = read(k->handover.fuse_fd, buf, KEEPER_READ_BUF);
	while (n < 0 && errno == EINTR);
	rc = n < 0 ? -errno : 0;
	if (rc == 0)
		rc = rcapfs_takeover_parse_init(buf, (size_t)n, &unique,
						&resend);
	if (rc == 0) {
		memcpy(k->handover.init, buf, (size_t)n);
		k->handover.init_len = (size_t)n;
		log_info("connection held; the kernel %s re-send requests of "
			 "a dead server",
			 resend ? "does" : "does not (before Linux 6.9)");
	}
	free(buf);
	return rc;
}

static int setup(struct keeper *k)
{
	struct sigaction sa = {.sa_handler = on_signal};

	k->exe = realpath("/proc/self/exe", NULL);
	if (!k->exe)
		return -errno;
	if (pipe2(k->sig, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(k->ready, O_CLOEXEC) < 0 ||
	    fcntl(k->ready[0], F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	keeper_sigfd = k->sig[1];
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NOCLDSTOP;
	for (size_t i = 0; i < NSIGNALS; i++)
		if (sigaction(keeper_signals[i], &sa, NULL) < 0)
			return -errno;
	k->handover.ready_fd = k->ready[1];
	k->handover.keeper_pid = getpid();
	return 0;
}

int rcapfs_keeper_run(const struct rcapfs_keeper_config *cfg)
{
	struct keeper k = {.cfg = cfg,
			   .handover = {.fuse_fd = -1},
			   .sig = {-1, -1},
			   .ready = {-1, -1},
			   .ready_ms = -1,
			   .restart_at_ms = -1,
			   .kill_at_ms = -1};
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	int rc;

	rc = setup(&k);
	if (rc == 0)
		rc = mount_and_init(&k);
	if (rc == 0)
		rc = spawn(&k);
	if (rc == 0)
		loop(&k);
	else
		log_err("%s: cannot serve: %s", cfg->mountpoint, strerror(-rc));
	if (k.se) {
		/* Closes the descriptor, then detaches unless the kernel
		 * already ended the connection. */
		fuse_session_unmount(k.se);
		fuse_session_destroy(k.se);
	}
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(keeper_signals[i], &dfl, NULL);
	keeper_sigfd = -1;
	for (int i = 0; i < 2; i++) {
		if (k.sig[i] >= 0)
			close(k.sig[i]);
		if (k.ready[i] >= 0)
			close(k.ready[i]);
	}
	free(k.exe);
	return rc;
}
