/*
 * CPU time of a command: runs it with its output thrown away and prints
 * the user + system time it used, in microseconds (from wait4's rusage,
 * finer than the clock ticks of /usr/bin/time). Exits 1 when the command
 * fails.
 *
 *   cputime COMMAND [ARGS...]
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long long usec(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int main(int argc, char *argv[])
{
	struct rusage ru;
	pid_t pid;
	int status, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: cputime COMMAND [ARGS...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("cputime: fork");
		return 1;
	}
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(127);
		close(fd);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("cputime: wait4");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "cputime: %s failed\n", argv[1]);
		return 1;
	}
	printf("%lld\n", usec(ru.ru_utime) + usec(ru.ru_stime));
	return 0;
}
