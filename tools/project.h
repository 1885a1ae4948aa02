/*
 * The Solaris project database (project(4): name:projid:comment:user-list:
 * group-list:attributes) read for rcapfs-project: each project with an
 * rcap.max-rss attribute becomes a collection of its users and groups,
 * capped at that many bytes. Fuzzed (tests/fuzz/fuzz_project.c).
 */
#ifndef RCAPFS_TOOLS_PROJECT_H
#define RCAPFS_TOOLS_PROJECT_H

#include "tools/mount.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOOL_PROJECT_LINE_MAX  4096 /* bytes of a line, its newline excluded */
#define TOOL_PROJECT_NAME_MAX  64   /* PROJNAME_MAX */
#define TOOL_PROJECT_ID_MAX    2147483647 /* MAXPROJID */
#define TOOL_PROJECT_RULES_MAX 256	  /* the rules rcapfs takes */

/*
 * The rule that marks a collection made by rcapfs-project, and says the
 * project's id: "comm rcapfs-project:ID". A process name (comm) is at most
 * 15 bytes, so no process matches it.
 */
#define TOOL_PROJECT_MARKER "rcapfs-project:"

/* A project to apply. */
struct tool_project {
	unsigned line; /* of the file, from 1 */
	char name[TOOL_NAME_MAX];
	int64_t projid;
	uint64_t cap_bytes; /* rcap.max-rss; 0 = uncapped */
	char *members; /* the members file it gets, marker first; malloc'd */
};

/* A line reported and skipped. */
struct tool_project_error {
	unsigned line;
	char reason[192];
};

struct tool_project_list {
	struct tool_project *projects;
	size_t n;
	struct tool_project_error *errors;
	size_t nerrors;
};

/*
 * Parse the database text[0..len) (need not be NUL-terminated) into out:
 * every project with rcap.max-rss, in file order; blank lines and lines
 * starting with '#' are skipped, and projects without the attribute left
 * out. A line that is malformed (field count, project name or id, an
 * rcap.max-rss that is not a byte count, longer than TOOL_PROJECT_LINE_MAX,
 * a NUL byte), names a project already seen, has a name longer than
 * rcapfs takes, or lists users and groups that members rules cannot say
 * ('*', or an exclusion next to names of the other kind) is in
 * out->errors with why. Returns 0 (free out with tool_project_list_free)
 * or -ENOMEM (out is empty).
 */
int tool_project_parse(const char *text, size_t len,
		       struct tool_project_list *out);

void tool_project_list_free(struct tool_project_list *l);

/* Whether members text[0..len) has the marker rule; the project id it
 * names in *projid. */
bool tool_project_marked(const char *members, size_t len, int64_t *projid);

#endif
