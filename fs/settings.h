/*
 * Changes to the settings: caps, membership rules, ctl values and which
 * collections exist. Each change is applied to the scanner and saved to the
 * state file; when the save fails it is undone, so what the file holds and
 * what a write reports always agree, and a change is acknowledged only once
 * a kill -9 cannot lose it. Changes take turns, so the file always holds
 * the latest acknowledged settings. FUSE-free.
 *
 * Every change returns 0; the scanner's -errno when it refuses the change
 * (nothing changed); or -EIO when the state file could not be saved: the
 * change was undone, and an undo that failed in turn is logged (the
 * daemon then runs with the change the file lacks until the next saved
 * change).
 */
#ifndef RCAPFS_FS_SETTINGS_H
#define RCAPFS_FS_SETTINGS_H

#include "scanner/scanner.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rcapfs_settings; /* opaque */

/* Returns 0 and the settings of sc (borrowed: it must outlive them), saved
 * to state_path (copied), freed with rcapfs_settings_free(); or -ENOMEM. */
int rcapfs_settings_new(struct rcapfs_scanner *sc, const char *state_path,
			struct rcapfs_settings **out);

/* NULL is fine. */
void rcapfs_settings_free(struct rcapfs_settings *st);

/* Collection name's cap, in bytes (0 = uncapped). */
int rcapfs_settings_set_cap(struct rcapfs_settings *st, const char *name,
			    uint64_t cap_bytes);

/* Replace (append false) or extend collection name's rules with text, as a
 * user writes them; on -EINVAL err says which rule and why. */
int rcapfs_settings_set_members(struct rcapfs_settings *st, const char *name,
				const char *text, size_t len, bool append,
				char *err, size_t errlen);

/* Collection name's swap_idle, in seconds (0 = off). */
int rcapfs_settings_set_swap_idle(struct rcapfs_settings *st, const char *name,
				  unsigned seconds);

/* One ctl knob. */
int rcapfs_settings_set_knob(struct rcapfs_settings *st,
			     const struct rcapfs_ctl_knob *k, unsigned value);

/* Create an empty, uncapped collection. */
int rcapfs_settings_create(struct rcapfs_settings *st, const char *name);

/* Remove a collection. Saved before it is made: when the save fails, the
 * collection stays as it was, its counters too. */
int rcapfs_settings_remove(struct rcapfs_settings *st, const char *name);

#endif
