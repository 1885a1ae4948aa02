#include "config.h"

#include "compat/linux/linux_i.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

/* User and group names of membership rules, through the C library (NSS):
 * what the host's passwd and group databases say. */

/* getpwnam_r/getgrnam_r buffers stop growing here. */
#define NAME_BUF_MAX (1024 * 1024)

/* One getpwnam_r or getgrnam_r: the id of name in *id, *found whether
 * there is one. Returns 0 or an errno value (ERANGE: buffer too small). */
typedef int (*name_lookup_fn)(const char *name, char *buf, size_t size,
			      unsigned *id, int *found);

static int lookup_user(const char *name, char *buf, size_t size, unsigned *id,
		       int *found)
{
	struct passwd pw, *res = NULL;
	int rc = getpwnam_r(name, &pw, buf, size, &res);

	*found = rc == 0 && res;
	if (*found)
		*id = (unsigned)pw.pw_uid;
	return rc;
}

static int lookup_group(const char *name, char *buf, size_t size, unsigned *id,
			int *found)
{
	struct group gr, *res = NULL;
	int rc = getgrnam_r(name, &gr, buf, size, &res);

	*found = rc == 0 && res;
	if (*found)
		*id = (unsigned)gr.gr_gid;
	return rc;
}

/* Run fn with a buffer that grows until the entry fits. Returns 0,
 * -ENOENT for an unknown name, or -errno. */
static int lookup_name(name_lookup_fn fn, const char *name, unsigned *id)
{
	size_t size = 1024;
	char *buf = NULL, *grown;
	int rc, found = 0;

	for (;;) {
		grown = realloc(buf, size);
		if (!grown) {
			rc = ENOMEM;
			break;
		}
		buf = grown;
		rc = fn(name, buf, size, id, &found);
		if (rc != ERANGE || size >= NAME_BUF_MAX)
			break;
		size *= 2;
	}
	free(buf);
	if (rc)
		return -rc;
	return found ? 0 : -ENOENT;
}

int linux_user_uid(void *ctx, const char *name, uid_t *out)
{
	unsigned id;
	int ret = lookup_name(lookup_user, name, &id);

	if (ret == 0)
		*out = (uid_t)id;
	return ret;
}

int linux_group_gid(void *ctx, const char *name, gid_t *out)
{
	unsigned id;
	int ret = lookup_name(lookup_group, name, &id);

	if (ret == 0)
		*out = (gid_t)id;
	return ret;
}
