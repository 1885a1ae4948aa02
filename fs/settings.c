#include "config.h"

#include "fs/settings.h"

#include "compat/buf.h"
#include "compat/log.h"
#include "fs/state.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rcapfs_settings {
	struct rcapfs_scanner *sc; /* borrowed */
	char *path;
	/* Held from a change to its save (or undo): the file always holds
	 * the latest acknowledged settings. */
	pthread_mutex_t lock;
};

int rcapfs_settings_new(struct rcapfs_scanner *sc, const char *state_path,
			struct rcapfs_settings **out)
{
	struct rcapfs_settings *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return -ENOMEM;
	st->path = strdup(state_path);
	if (!st->path) {
		free(st);
		return -ENOMEM;
	}
	st->sc = sc;
	pthread_mutex_init(&st->lock, NULL);
	*out = st;
	return 0;
}

void rcapfs_settings_free(struct rcapfs_settings *st)
{
	if (!st)
		return;
	pthread_mutex_destroy(&st->lock);
	free(st->path);
	free(st);
}

/* After a failed save: log an undo that failed too (rc), and answer -EIO
 * either way. */
static int undone(const struct rcapfs_settings *st, const char *what,
		  const char *name, int rc)
{
	if (rc)
		log_err("%s of %s could not be saved to %s, nor undone: %s; "
			"it holds until the next change is saved",
			what, name, st->path, strerror(-rc));
	return -EIO;
}

int rcapfs_settings_set_cap(struct rcapfs_settings *st, const char *name,
			    uint64_t cap_bytes)
{
	uint64_t old;
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = rcapfs_scanner_get_cap(st->sc, name, &old);
	if (rc == 0)
		rc = rcapfs_scanner_set_cap(st->sc, name, cap_bytes);
	if (rc == 0 && rcapfs_state_save(st->sc, st->path))
		rc = undone(st, "the cap", name,
			    rcapfs_scanner_set_cap(st->sc, name, old));
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int rcapfs_settings_set_swap_idle(struct rcapfs_settings *st, const char *name,
				  unsigned seconds)
{
	unsigned old;
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = rcapfs_scanner_get_swap_idle(st->sc, name, &old);
	if (rc == 0)
		rc = rcapfs_scanner_set_swap_idle(st->sc, name, seconds);
	if (rc == 0 && rcapfs_state_save(st->sc, st->path))
		rc = undone(st, "swap_idle", name,
			    rcapfs_scanner_set_swap_idle(st->sc, name, old));
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int rcapfs_settings_set_members(struct rcapfs_settings *st, const char *name,
				const char *text, size_t len, bool append,
				char *err, size_t errlen)
{
	struct rcapfs_buf old = RCAPFS_BUF_INIT;
	char undo_err[160] = "";
	int rc;

	pthread_mutex_lock(&st->lock);
	/* The state syntax keeps what binds a pid rule to its process. */
	rc = rcapfs_scanner_members(st->sc, name, RCAPFS_RULES_STATE, &old);
	if (rc == 0)
		rc = rcapfs_scanner_set_members(st->sc, name, text, len, append,
						RCAPFS_RULES_USER, err, errlen);
	if (rc == 0 && rcapfs_state_save(st->sc, st->path)) {
		rc = rcapfs_scanner_set_members(
			st->sc, name, old.len ? old.data : "", old.len, false,
			RCAPFS_RULES_STATE, undo_err, sizeof(undo_err));
		if (rc && undo_err[0])
			log_err("members of %s: restoring the rules: %s", name,
				undo_err);
		rc = undone(st, "the members", name, rc);
	}
	pthread_mutex_unlock(&st->lock);
	rcapfs_buf_release(&old);
	return rc;
}

int rcapfs_settings_set_knob(struct rcapfs_settings *st,
			     const struct rcapfs_ctl_knob *k, unsigned value)
{
	struct rcapfs_ctl ctl, old;
	int rc;

	pthread_mutex_lock(&st->lock);
	rcapfs_scanner_get_ctl(st->sc, &old);
	ctl = old;
	rcapfs_ctl_set(&ctl, k, value);
	rc = rcapfs_scanner_set_ctl(st->sc, &ctl);
	if (rc == 0 && rcapfs_state_save(st->sc, st->path))
		rc = undone(st, "the value", k->file,
			    rcapfs_scanner_set_ctl(st->sc, &old));
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int rcapfs_settings_create(struct rcapfs_settings *st, const char *name)
{
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = rcapfs_scanner_create(st->sc, name);
	if (rc == 0 && rcapfs_state_save(st->sc, st->path))
		rc = undone(st, "the creation", name,
			    rcapfs_scanner_remove(st->sc, name));
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int rcapfs_settings_remove(struct rcapfs_settings *st, const char *name)
{
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	if (!rcapfs_scanner_exists(st->sc, name))
		rc = -ENOENT;
	else if (rcapfs_state_save_without(st->sc, st->path, name))
		rc = -EIO;
	else
		rc = rcapfs_scanner_remove(st->sc, name);
	pthread_mutex_unlock(&st->lock);
	return rc;
}
