/*
 * rcapfs-project [-n | --dry-run] [--mount DIR] [FILE]
 *
 * Caps from a Solaris project database (FILE, default /etc/project): each
 * project with rcap.max-rss becomes the collection of its name, of its
 * users and groups, capped at that many bytes. A second run with the same
 * file changes nothing; collections it did not make are never touched,
 * and it removes none. Exit 0 when every line was applied, 1 when one was
 * reported and skipped or a write failed, 2 on a usage error. See
 * doc/rcapfs-project.8.
 */
#include "config.h"

#include "tools/mount.h"
#include "tools/project.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATABASE_MAX (16 << 20) /* bytes of a project database read */

static void usage(void)
{
	fprintf(stderr, "usage: rcapfs-project [-n | --dry-run] [--mount DIR] "
			"[FILE]\n");
	exit(2);
}

static void help(void)
{
	printf("usage: rcapfs-project [-n | --dry-run] [--mount DIR] [FILE]\n"
	       "Caps from a Solaris project database (default /etc/project): "
	       "each project\nwith rcap.max-rss becomes a collection of its "
	       "users and groups, capped at\nthat many bytes.\n"
	       "  -n, --dry-run  say what would be done, do nothing\n"
	       "  --mount DIR    the mount (default $%s, else %s)\n"
	       "  -h, --help     this text\n",
	       TOOL_MOUNT_ENV, TOOL_MOUNT_DEFAULT);
	exit(0);
}

/* The members text as one line: "user a, group b" (the marker left
 * out), into out. */
static void members_line(const char *members, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (const char *l = members; *l;) {
		size_t k = strcspn(l, "\n");

		if (strncmp(l, "comm " TOOL_PROJECT_MARKER,
			    sizeof("comm " TOOL_PROJECT_MARKER) - 1) != 0 &&
		    n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%.*s",
					      n ? ", " : "", (int)k, l);
		l += k + (l[k] == '\n');
	}
	if (!out[0])
		snprintf(out, len, "none");
}

/* What the collection of p is now. */
struct current {
	bool exists;
	bool ours;
	bool same_members;
	char members[1024]; /* as members_line says them */
	uint64_t cap_bytes;
};

/* Read caps/NAME as it is. Returns 0 or -errno. */
static int look(const char *mount, const struct tool_project *p,
		struct current *c)
{
	char rel[64], *text, *end;
	int64_t projid;
	size_t len;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(rel, sizeof(rel), "caps/%s/members", p->name);
	rc = tool_mount_read(mount, rel, 1 << 20, &text, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	c->exists = true;
	c->ours = tool_project_marked(text, len, &projid);
	c->same_members = strcmp(text, p->members) == 0;
	members_line(text, c->members, sizeof(c->members));
	free(text);
	snprintf(rel, sizeof(rel), "caps/%s/cap", p->name);
	rc = tool_mount_read(mount, rel, 64, &text, &len);
	if (rc)
		return rc;
	errno = 0;
	c->cap_bytes = strtoull(text, &end, 10);
	if (errno || end == text)
		rc = -EINVAL;
	free(text);
	return rc;
}

/* Make the collection of p: mkdir, members, cap; undone on failure.
 * Returns 0 or -errno. */
static int create(const char *mount, const struct tool_project *p,
		  const char *cap)
{
	char rel[64];
	int rc;

	snprintf(rel, sizeof(rel), "caps/%s", p->name);
	rc = tool_mount_mkdir(mount, rel);
	if (rc)
		return rc;
	snprintf(rel, sizeof(rel), "caps/%s/members", p->name);
	rc = tool_mount_write(mount, rel, p->members);
	if (rc == 0) {
		snprintf(rel, sizeof(rel), "caps/%s/cap", p->name);
		rc = tool_mount_write(mount, rel, cap);
	}
	if (rc) {
		snprintf(rel, sizeof(rel), "caps/%s", p->name);
		tool_mount_rmdir(mount, rel);
	}
	return rc;
}

/* Apply one project (or say what would be done). Returns false when it
 * was skipped or failed, having said why. */
static bool apply(const char *mount, const char *file,
		  const struct tool_project *p, bool dry)
{
	uint64_t want = (p->cap_bytes + 1023) / 1024 * 1024;
	char cap[32], who[1024], rel[64];
	struct current c;
	int rc;

	snprintf(cap, sizeof(cap), "%" PRIu64, p->cap_bytes);
	members_line(p->members, who, sizeof(who));
	rc = look(mount, p, &c);
	if (rc == 0 && c.exists && !c.ours) {
		fprintf(stderr,
			"rcapfs-project: %s:%u: collection %s was not made by "
			"rcapfs-project: left alone\n",
			file, p->line, p->name);
		return false;
	}
	if (rc == 0 && !c.exists) {
		if (!dry)
			rc = create(mount, p, cap);
		if (rc == 0)
			printf("%s %s (project %" PRId64 "): cap %" PRIu64
			       ", members %s\n",
			       dry ? "would create" : "created", p->name,
			       p->projid, want, who);
	} else if (rc == 0 && c.same_members && c.cap_bytes == want) {
		printf("unchanged %s (project %" PRId64 ")\n", p->name,
		       p->projid);
	} else if (rc == 0) {
		if (!dry && !c.same_members) {
			snprintf(rel, sizeof(rel), "caps/%s/members", p->name);
			rc = tool_mount_write(mount, rel, p->members);
		}
		if (!dry && rc == 0 && c.cap_bytes != want) {
			snprintf(rel, sizeof(rel), "caps/%s/cap", p->name);
			rc = tool_mount_write(mount, rel, cap);
		}
		if (rc == 0)
			printf("%s %s (project %" PRId64 "): cap %" PRIu64
			       " (was %" PRIu64 "), members %s (were %s)\n",
			       dry ? "would update" : "updated", p->name,
			       p->projid, want, c.cap_bytes, who, c.members);
	}
	if (rc)
		fprintf(stderr,
			"rcapfs-project: %s:%u: project %s: %s%s; skipped\n",
			file, p->line, p->name, strerror(-rc),
			rc == -EINVAL ? " (a user or group unknown here?)"
				      : "");
	return rc == 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"mount", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *mount_opt = NULL, *mount, *file = "/etc/project";
	struct tool_project_list list;
	bool dry = false, ok = true;
	size_t len;
	char *text;
	int c, rc;

	while ((c = getopt_long(argc, argv, "nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 'M':
			mount_opt = optarg;
			break;
		case 'h':
			help();
			break;
		default:
			usage();
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		usage();
	mount = tool_mount_path(mount_opt);
	rc = tool_mount_check(mount);
	if (rc) {
		fprintf(stderr, "rcapfs-project: no rcapfs at %s: %s\n", mount,
			strerror(-rc));
		return 1;
	}
	rc = tool_read_file(file, DATABASE_MAX, &text, &len);
	if (rc) {
		fprintf(stderr, "rcapfs-project: %s: %s\n", file,
			strerror(-rc));
		return 1;
	}
	rc = tool_project_parse(text, len, &list);
	free(text);
	if (rc) {
		fprintf(stderr, "rcapfs-project: %s: %s\n", file,
			strerror(-rc));
		return 1;
	}
	for (size_t i = 0; i < list.nerrors; i++)
		fprintf(stderr, "rcapfs-project: %s:%u: %s; skipped\n", file,
			list.errors[i].line, list.errors[i].reason);
	ok = list.nerrors == 0;
	for (size_t i = 0; i < list.n; i++)
		ok &= apply(mount, file, &list.projects[i], dry);
	tool_project_list_free(&list);
	return ok ? 0 : 1;
}
