/*
 * pidns-check: the Linux backend's pid namespace ops on the real /proc,
 * for tests/integration/pidns.sh.
 *   pidns-check of PID               the namespace id of PID
 *   pidns-check to CALLER PID...     each PID as CALLER numbers it
 *   pidns-check from CALLER NSPID    the host pid CALLER calls NSPID
 *   pidns-check initial              1 or 0, and the start-up warning
 * Prints the answers on one line; an op's error as its errno name (ESRCH)
 * or number, exit status 1.
 */
#include "config.h"

#include "compat/backend.h"
#include "compat/log.h"
#include "fs/pidns.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int report(int ret)
{
	if (ret == -ESRCH)
		printf("ESRCH\n");
	else if (ret)
		printf("error %d\n", -ret);
	return ret ? 1 : 0;
}

static pid_t pid_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 0 || v > INT32_MAX) {
		fprintf(stderr, "pidns-check: not a pid: %s\n", s);
		exit(2);
	}
	return (pid_t)v;
}

static int run(struct rcapfs_backend *be, int argc, char **argv)
{
	uint64_t id;
	pid_t pids[64], out[64], host;
	bool initial;
	size_t n;
	int ret;

	if (argc == 3 && strcmp(argv[1], "of") == 0) {
		ret = be->ops->pidns_of(be->ctx, pid_arg(argv[2]), &id);
		if (!ret)
			printf("%" PRIu64 "\n", id);
		return report(ret);
	}
	if (argc >= 4 && argc - 3 <= 64 && strcmp(argv[1], "to") == 0) {
		n = (size_t)argc - 3;
		for (size_t i = 0; i < n; i++)
			pids[i] = pid_arg(argv[3 + i]);
		ret = be->ops->pids_to_ns(be->ctx, pid_arg(argv[2]), pids, out,
					  n);
		for (size_t i = 0; !ret && i < n; i++)
			printf("%d%s", (int)out[i], i + 1 < n ? " " : "\n");
		return report(ret);
	}
	if (argc == 4 && strcmp(argv[1], "from") == 0) {
		ret = be->ops->pid_from_ns(be->ctx, pid_arg(argv[2]),
					   pid_arg(argv[3]), &host);
		if (!ret)
			printf("%d\n", (int)host);
		return report(ret);
	}
	if (argc == 2 && strcmp(argv[1], "initial") == 0) {
		ret = rcapfs_pidns_check(be, &initial);
		if (!ret)
			printf("%d\n", initial);
		return report(ret);
	}
	fprintf(stderr, "usage: pidns-check of PID | to CALLER PID... | "
			"from CALLER NSPID | initial\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct rcapfs_backend *be;
	int ret;

	rcapfs_log_setup(0, RCAPFS_LOG_INFO);
	ret = rcapfs_backend_new("/proc", "/sys", &be);
	if (ret) {
		fprintf(stderr, "pidns-check: no backend: %s\n",
			strerror(-ret));
		return 1;
	}
	ret = run(be, argc, argv);
	rcapfs_backend_free(be);
	return ret;
}
