/*
 * A cheap crowd of processes for the sampling benchmarks: GROUPS group
 * leaders, each the parent of PER_GROUP sleeping children. Once all are up
 * it writes the leaders' pids, one per line, to READYFILE (atomically, by
 * rename) and sleeps until killed; a leader and its children die with
 * their parent (PR_SET_PDEATHSIG), so killing this process ends them all.
 *
 *   swarm GROUPS PER_GROUP READYFILE
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Die with the parent; returns -1 when it is already gone. */
static int follow_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return -1;
	return getppid() == parent ? 0 : -1;
}

/* A group leader: fork n sleepers, report to the pipe, sleep. */
static void leader(pid_t top, long n, int ready_fd)
{
	pid_t self = getpid();

	if (follow_parent(top))
		_exit(1);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("swarm: fork");
			_exit(1);
		}
		if (pid == 0) {
			close(ready_fd);
			if (follow_parent(self))
				_exit(1);
			for (;;)
				pause();
		}
	}
	if (write(ready_fd, &self, sizeof(self)) != (ssize_t)sizeof(self))
		_exit(1);
	close(ready_fd);
	for (;;)
		pause();
}

static long arg_count(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		return -1;
	return v;
}

int main(int argc, char *argv[])
{
	char tmp[4096];
	long groups, per_group;
	pid_t top = getpid(), pid;
	int fds[2];
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: swarm GROUPS PER_GROUP READYFILE\n");
		return 2;
	}
	groups = arg_count(argv[1], 1000);
	per_group = arg_count(argv[2], 100000);
	if (groups < 1 || per_group < 0) {
		fprintf(stderr, "swarm: GROUPS 1..1000, PER_GROUP 0..100000\n");
		return 2;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", argv[3]) >= (int)sizeof(tmp))
		return 2;
	if (pipe(fds)) {
		perror("swarm: pipe");
		return 1;
	}
	for (long g = 0; g < groups; g++) {
		pid = fork();
		if (pid < 0) {
			perror("swarm: fork");
			return 1;
		}
		if (pid == 0) {
			close(fds[0]);
			leader(top, per_group, fds[1]);
		}
	}
	close(fds[1]);
	f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		return 1;
	}
	for (long g = 0; g < groups; g++) {
		if (read(fds[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid)) {
			fprintf(stderr, "swarm: a group leader failed\n");
			fclose(f);
			return 1;
		}
		fprintf(f, "%d\n", (int)pid);
	}
	close(fds[0]);
	if (fclose(f) || rename(tmp, argv[3])) {
		perror(argv[3]);
		return 1;
	}
	for (;;)
		pause();
}
