/*
 * One read of the mount for rcapstat: every collection's stats and id,
 * and the global figures.
 */
#ifndef RCAPFS_TOOLS_SAMPLE_H
#define RCAPFS_TOOLS_SAMPLE_H

#include "tools/report.h"

#include <stddef.h>
#include <stdio.h>

/* Read every collection of mount (those removed meanwhile left out; one
 * whose files do not parse is left out too, said on warn) and the global
 * figures (ctl/status, ctl/pressure). Returns 0 and a malloc'd array the
 * caller frees, sorted by name, or -errno when the mount cannot be read
 * (not rcapfs, gone). */
int tool_sample_read(const char *mount, FILE *warn, struct tool_sample **out,
		     size_t *n, struct tool_global *g);

#endif
