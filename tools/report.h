/*
 * rcapstat's report: the figures of each collection between two reads of
 * the mount (at, pg and their averages per complete scan, as Solaris's
 * rcapstat derives them from two reads of rcapd's statistics), printed as
 * Solaris prints them, or as one JSON object per interval. FILE-based and
 * free of the mount, so golden tests drive it with fixed figures.
 */
#ifndef RCAPFS_TOOLS_REPORT_H
#define RCAPFS_TOOLS_REPORT_H

#include "tools/kv.h"
#include "tools/mount.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* One collection in one read of the mount. */
struct tool_sample {
	char name[TOOL_NAME_MAX];
	int64_t id; /* tool_report_id() */
	struct tool_stats st;
};

/* What the -g line and JSON say of the whole machine. */
struct tool_global {
	uint64_t memory_utilization_pct;
	uint64_t pressure_pct; /* ctl/pressure */
};

/* Options of the report. */
enum {
	TOOL_REPORT_GLOBAL = 1 << 0,   /* -g: the memory line after each */
	TOOL_REPORT_ZONES = 1 << 1,    /* -z: headed "zone", not "project" */
	TOOL_REPORT_EXTENDED = 1 << 2, /* -x: the columns rcapd never had */
};

struct tool_report; /* opaque */

/* Returns 0 and a report (free with tool_report_free), or -ENOMEM. */
int tool_report_new(unsigned flags, struct tool_report **out);
void tool_report_free(struct tool_report *r);

/* Take one read of the mount, s[0..n) (names unique), in place of the
 * last: a collection seen before gets the at and pg of the interval
 * (KiB), their averages per complete scan (the last ones while no scan
 * completed) and its major faults of the interval; one seen first gets
 * its totals and averages of 0, as Solaris's rcapstat gives them; one not
 * read again is dropped. Returns 0 or -ENOMEM (the report is unchanged). */
int tool_report_update(struct tool_report *r, const struct tool_sample *s,
		       size_t n);

/* Print the table of the last update as Solaris's rcapstat does: the
 * header once every 20 reports for one collection (10 with -g), every
 * report otherwise; sizes in K, M or G in five columns; nproc "-" when
 * nothing was paged out in the interval; with -g, the memory line. */
void tool_report_print(struct tool_report *r, const struct tool_global *g,
		       FILE *out);

/* Print the last update as one JSON object on one line: the time, the
 * global figures and each collection's, sizes in bytes. */
void tool_report_json(const struct tool_report *r, const struct tool_global *g,
		      time_t t, FILE *out);

/* Solaris's rcapstat size: kib as 4 digits and a unit, K below 10000, then
 * M, then G (rounded), cut to 5 characters. out holds 6 bytes. */
void tool_report_size(uint64_t kib, char out[6]);

/* The number a collection shows as its id: the project id of one made by
 * rcapfs-project (from its members text), else one derived from its name
 * (the same on every run and machine, 0 to 999999). */
int64_t tool_report_id(const char *name, const char *members, size_t len);

#endif
