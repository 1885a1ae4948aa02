/* Saving the state file (its format: fs/state_i.h). */
#include "config.h"

#include "fs/state.h"
#include "fs/state_i.h"

#include "compat/buf.h"
#include "compat/log.h"
#include "fs/render.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Saves share one temporary name, so they take turns. The text is taken
 * inside the lock, so the last rename carries every change acknowledged
 * before it.
 */
static pthread_mutex_t save_lock = PTHREAD_MUTEX_INITIALIZER;

/* The ctl values, one "file value" line per knob in table order. */
static int format_ctl(const struct rcapfs_ctl *ctl, struct rcapfs_buf *out)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < RCAPFS_CTL_NKNOBS; i++) {
		const struct rcapfs_ctl_knob *k = &rcapfs_ctl_knobs[i];

		rc = rcapfs_buf_printf(out, "%s ", k->file);
		if (rc == 0)
			rc = rcapfs_render_knob(k, rcapfs_ctl_get(ctl, k), out);
	}
	return rc;
}

/* Append one collection's block; rules is scratch space. Returns 0,
 * -ENOENT (removed meanwhile: nothing appended) or -ENOMEM. */
static int format_collection(struct rcapfs_scanner *sc, const char *name,
			     struct rcapfs_buf *rules, struct rcapfs_buf *out)
{
	const char *line, *end, *nl;
	unsigned swap_idle_s;
	uint64_t cap_bytes;
	uint32_t id;
	int rc;

	rcapfs_buf_reset(rules);
	rc = rcapfs_scanner_coll_id(sc, name, &id);
	if (rc == 0)
		rc = rcapfs_scanner_get_cap(sc, name, &cap_bytes);
	if (rc == 0)
		rc = rcapfs_scanner_get_swap_idle(sc, name, &swap_idle_s);
	if (rc)
		return rc;
	rc = rcapfs_scanner_members(sc, name, RCAPFS_RULES_STATE, rules);
	if (rc)
		return rc;
	rc = rcapfs_buf_printf(out,
			       "collection %s\nid %" PRIu32 "\ncap %" PRIu64
			       "\nswap_idle %u\n",
			       name, id, cap_bytes, swap_idle_s);
	/* An empty rule set has no storage at all: nothing to walk. */
	line = rules->len ? rules->data : "";
	end = line + rules->len;
	for (; rc == 0 && line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		if (nl > line)
			rc = rcapfs_buf_printf(out, "member %.*s\n",
					       (int)(nl - line), line);
	}
	if (rc == 0)
		rc = rcapfs_buf_add(out, "end\n", 4);
	return rc;
}

/* The whole file text of sc's configuration, collection without (if not
 * NULL) left out. Returns 0 or -ENOMEM. */
static int format_state(struct rcapfs_scanner *sc, const char *without,
			struct rcapfs_buf *out)
{
	struct rcapfs_buf rules = RCAPFS_BUF_INIT;
	struct rcapfs_ctl ctl;
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	rcapfs_scanner_get_ctl(sc, &ctl);
	rc = rcapfs_buf_printf(out, STATE_MAGIC " " STATE_VERSION "\n");
	if (rc == 0)
		rc = format_ctl(&ctl, out);
	if (rc == 0)
		rc = rcapfs_buf_printf(out, "next_collection_id %" PRIu32 "\n",
				       rcapfs_scanner_next_coll_id(sc));
	if (rc == 0)
		rc = rcapfs_scanner_names(sc, &names, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		if (without && strcmp(names[i], without) == 0)
			continue;
		rc = format_collection(sc, names[i], &rules, out);
		/* Removed since the names were taken: its remover saves. */
		if (rc == -ENOENT)
			rc = 0;
	}
	if (rc == 0)
		rc = rcapfs_buf_add(out, "end\n", 4);
	rcapfs_names_free(names, n);
	rcapfs_buf_release(&rules);
	return rc;
}

/* mkdir -p with mode 0700 (dir is modified and restored). */
static int make_dirs(char *dir)
{
	char *slash;
	int rc;

	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -ENOENT;
	*slash = '\0';
	rc = make_dirs(dir);
	*slash = '/';
	if (rc)
		return rc;
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd, rc = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Create the temporary file. Saves are serialized, so an existing one was
 * left by a dead process that had our pid (a container restarts with the
 * same pids): remove it rather than fail every save from now on. */
static int open_tmp(const char *tmp)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
	int fd;

	fd = open(tmp, flags, 0600);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, flags, 0600);
	return fd < 0 ? -errno : fd;
}

int rcapfs_state_save(struct rcapfs_scanner *sc, const char *path)
{
	return rcapfs_state_save_without(sc, path, NULL);
}

int rcapfs_state_save_without(struct rcapfs_scanner *sc, const char *path,
			      const char *without)
{
	struct rcapfs_buf text = RCAPFS_BUF_INIT;
	char *dir = NULL, *tmp = NULL;
	const char *slash;
	bool tmp_exists = false;
	int fd = -1, rc;

	if (!path || !*path)
		return -EINVAL;
	pthread_mutex_lock(&save_lock);
	rc = format_state(sc, without, &text);
	if (rc)
		goto out;
	slash = strrchr(path, '/');
	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir || asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		rc = -ENOMEM;
		goto out;
	}
	rc = make_dirs(dir);
	if (rc)
		goto out;
	fd = open_tmp(tmp);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	tmp_exists = true;
	rc = write_all(fd, text.data, text.len);
	if (rc)
		goto out;
	if (fsync(fd) < 0) {
		rc = -errno;
		goto out;
	}
	rc = close(fd) < 0 ? -errno : 0;
	fd = -1;
	if (rc)
		goto out;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out;
	}
	tmp_exists = false;
	/* Without this the rename itself may not survive a crash. */
	rc = fsync_dir(dir);
out:
	if (fd >= 0)
		close(fd);
	if (tmp_exists)
		unlink(tmp);
	if (rc)
		log_err("cannot save state to %s: %s", path, strerror(-rc));
	pthread_mutex_unlock(&save_lock);
	free(tmp);
	free(dir);
	rcapfs_buf_release(&text);
	return rc;
}
