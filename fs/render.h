/*
 * Text of the generated files. Each appends one file's whole content to
 * out and returns 0 or -ENOMEM; every output ends with exactly one newline.
 */
#ifndef RCAPFS_FS_RENDER_H
#define RCAPFS_FS_RENDER_H

#include "compat/buf.h"
#include "rcapfs/stats.h"
#include "scanner/scanner.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* caps/NAME/stats: "key value" lines in the order rcapfs(8) lists them. */
int rcapfs_render_stats(const struct rcapfs_stats *st, struct rcapfs_buf *out);

/* ctl/status: "key value" lines; version is the package version. */
int rcapfs_render_status(const struct rcapfs_status *st, const char *version,
			 struct rcapfs_buf *out);

/* caps/NAME/procs: one pid per line, ascending (empty file for none). */
int rcapfs_render_pids(const pid_t *pids, size_t n, struct rcapfs_buf *out);

/* A single unsigned value followed by a newline (cap, rss, ctl numbers). */
int rcapfs_render_u64(uint64_t v, struct rcapfs_buf *out);

/* The value v of a ctl knob as its file shows it: a decimal number or its
 * word, and a newline; -EINVAL for a value no word stands for. */
int rcapfs_render_knob(const struct rcapfs_ctl_knob *k, unsigned v,
		       struct rcapfs_buf *out);

#endif
