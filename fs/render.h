/*
 * Text of the generated files. Each appends one file's whole content to
 * out and returns 0 or -ENOMEM; every output ends with exactly one newline.
 */
#ifndef RCAPFS_FS_RENDER_H
#define RCAPFS_FS_RENDER_H

#include "compat/buf.h"
#include "rcapfs/stats.h"
#include "scanner/scanner.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The processes behind the mount (doc/design.md §6). */
struct rcapfs_serving {
	pid_t pid;		  /* the server: the process answering */
	pid_t keeper_pid;	  /* 0 when it runs without a keeper */
	uint64_t server_restarts; /* servers its keeper started after the first
				   */
	bool resend; /* the kernel re-sends the requests a dead server had read
		      */
};

/* caps/NAME/stats: "key value" lines in the order rcapfs(8) lists them. */
int rcapfs_render_stats(const struct rcapfs_stats *st, struct rcapfs_buf *out);

/* ctl/status: "key value" lines; version is the package version. */
int rcapfs_render_status(const struct rcapfs_status *st,
			 const struct rcapfs_serving *sv, const char *version,
			 struct rcapfs_buf *out);

/* The lines of ctl/status that sv gives: pid, keeper_pid, server_restarts,
 * resend. */
int rcapfs_render_serving(const struct rcapfs_serving *sv,
			  struct rcapfs_buf *out);

/* caps/NAME/procs: one pid per line, ascending (empty file for none). */
int rcapfs_render_pids(const pid_t *pids, size_t n, struct rcapfs_buf *out);

/* A single unsigned value followed by a newline (cap, rss, ctl numbers). */
int rcapfs_render_u64(uint64_t v, struct rcapfs_buf *out);

/* The value v of a ctl knob as its file shows it: a decimal number or its
 * word, and a newline; -EINVAL for a value no word stands for. */
int rcapfs_render_knob(const struct rcapfs_ctl_knob *k, unsigned v,
		       struct rcapfs_buf *out);

/* rcapfs.prom: the Prometheus text exposition format (version 0.0.4), a
 * HELP and TYPE line per family: the gauges of ctl/status, then for each
 * family of stats one sample per collection of colls (n of them), with a
 * collection label. version is the package version. */
int rcapfs_render_prom(const struct rcapfs_status *status,
		       const struct rcapfs_serving *sv, const char *version,
		       const struct rcapfs_named_stats *colls, size_t n,
		       struct rcapfs_buf *out);

/* value as a label value of that format: backslash, double quote and
 * newline escaped, without the quotes. */
int rcapfs_render_prom_label(const char *value, struct rcapfs_buf *out);

#endif
