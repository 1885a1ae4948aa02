#include "config.h"

#include "compat/linux/linux_i.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

/* Detach a mount a crashed daemon left dead: umount2 as root, else the
 * setuid fusermount3 that mounted it for its user. */
int linux_detach_mount(void *ctx, const char *path)
{
	pid_t child;
	int status;

	if (umount2(path, MNT_DETACH) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	/* Not root: the setuid helper may detach a FUSE mount of ours. */
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		execlp("fusermount3", "fusermount3", "-u", "-z", "--", path,
		       (char *)NULL);
		_exit(127);
	}
	if (waitpid(child, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}
