#include "config.h"

#include "tools/mount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tool_mount_path(const char *opt)
{
	const char *env = getenv(TOOL_MOUNT_ENV);

	if (opt)
		return opt;
	return env && *env ? env : TOOL_MOUNT_DEFAULT;
}

/* mount/rel into path. Returns 0 or -ENAMETOOLONG. */
static int join(const char *mount, const char *rel, char path[PATH_MAX])
{
	int n = snprintf(path, PATH_MAX, "%s/%s", mount, rel);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int tool_mount_check(const char *mount)
{
	char *text;
	size_t len;
	int rc = tool_mount_read(mount, "ctl/status", 1 << 16, &text, &len);

	if (rc == 0)
		free(text);
	return rc;
}

int tool_mount_read(const char *mount, const char *rel, size_t max, char **out,
		    size_t *len)
{
	char path[PATH_MAX];
	int rc = join(mount, rel, path);

	*out = NULL;
	*len = 0;
	return rc ? rc : tool_read_file(path, max, out, len);
}

int tool_read_file(const char *path, size_t max, char **out, size_t *len)
{
	char *buf = NULL, *p;
	size_t cap = 4096, n = 0;
	ssize_t r;
	int fd, rc = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (n + 1 >= cap || !buf) {
			cap = buf ? cap * 2 : cap;
			p = realloc(buf, cap);
			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = -EFBIG;
			goto out;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int tool_mount_write(const char *mount, const char *rel, const char *value)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t w;
	int fd, rc;

	rc = join(mount, rel, path);
	if (rc)
		return rc;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		w = write(fd, value, len);
	while (w < 0 && errno == EINTR);
	rc = w < 0 ? -errno : (size_t)w == len ? 0 : -EIO;
	/* A control file may refuse a value at close as well. */
	if (close(fd) && rc == 0)
		rc = -errno;
	return rc;
}

int tool_mount_mkdir(const char *mount, const char *rel)
{
	char path[PATH_MAX];
	int rc = join(mount, rel, path);

	if (rc == 0 && mkdir(path, 0755))
		rc = -errno;
	return rc;
}

int tool_mount_rmdir(const char *mount, const char *rel)
{
	char path[PATH_MAX];
	int rc = join(mount, rel, path);

	if (rc == 0 && rmdir(path))
		rc = -errno;
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tool_mount_collections(const char *mount, char ***names, size_t *n)
{
	char path[PATH_MAX], **list = NULL, **p;
	size_t cap = 0, count = 0;
	struct dirent *d;
	DIR *dir;
	int rc;

	*names = NULL;
	*n = 0;
	rc = join(mount, "caps", path);
	if (rc)
		return rc;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			p = realloc(list, cap * sizeof(*list));
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			list = p;
		}
		list[count] = strdup(d->d_name);
		if (!list[count]) {
			rc = -ENOMEM;
			break;
		}
		count++;
	}
	closedir(dir);
	if (rc) {
		tool_mount_names_free(list, count);
		return rc;
	}
	if (count)
		qsort(list, count, sizeof(*list), by_name);
	*names = list;
	*n = count;
	return 0;
}

void tool_mount_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
