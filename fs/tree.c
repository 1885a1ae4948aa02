#include "config.h"

#include "fs/tree.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

static const struct rcapfs_child root_children[] = {
	{"caps", RCAPFS_NODE_CAPS},
	{"ctl", RCAPFS_NODE_CTL},
	{"proc", RCAPFS_NODE_PROC},
	{"rcapfs.prom", RCAPFS_NODE_PROM},
	{NULL, 0},
};

static const struct rcapfs_child coll_children[] = {
	{"cap", RCAPFS_NODE_COLL_CAP},
	{"members", RCAPFS_NODE_COLL_MEMBERS},
	{"procs", RCAPFS_NODE_COLL_PROCS},
	{"rss", RCAPFS_NODE_COLL_RSS},
	{"stats", RCAPFS_NODE_COLL_STATS},
	{"swap_idle", RCAPFS_NODE_COLL_SWAP_IDLE},
	{NULL, 0},
};

#define CTL_CHILD(field, file, min, max, def, words)                           \
	{file, RCAPFS_NODE_CTL_KNOB},

/* In table order, so a knob's index is its position here. */
static const struct rcapfs_child ctl_children[] = {
	RCAPFS_CTL_KNOBS(CTL_CHILD){"status", RCAPFS_NODE_CTL_STATUS},
	{NULL, 0},
};

static const struct rcapfs_child pid_children[] = {
	{"pagedata", RCAPFS_NODE_PROC_PAGEDATA},
	{"pagedata_hw", RCAPFS_NODE_PROC_PAGEDATA_HW},
	{"xmap", RCAPFS_NODE_PROC_XMAP},
	{NULL, 0},
};

const struct rcapfs_child *rcapfs_node_children(enum rcapfs_node_kind kind)
{
	switch (kind) {
	case RCAPFS_NODE_ROOT:
		return root_children;
	case RCAPFS_NODE_COLL:
		return coll_children;
	case RCAPFS_NODE_CTL:
		return ctl_children;
	case RCAPFS_NODE_PROC_PID:
		return pid_children;
	default:
		return NULL;
	}
}

/* A pid as /proc names it: decimal, no sign, no leading zero, > 0.
 * Returns 0 or -ENOENT. */
static int parse_pid(const char *comp, size_t len, pid_t *out)
{
	pid_t pid = 0;
	size_t i;

	if (!len || comp[0] == '0')
		return -ENOENT;
	for (i = 0; i < len; i++) {
		if (comp[i] < '0' || comp[i] > '9' ||
		    pid > (INT_MAX - (comp[i] - '0')) / 10)
			return -ENOENT;
		pid = pid * 10 + (comp[i] - '0');
	}
	*out = pid;
	return 0;
}

/* Step from node into the child called comp[0..len). */
static int step(struct rcapfs_scanner *sc, struct rcapfs_node *node,
		const char *comp, size_t len)
{
	const struct rcapfs_child *children, *c;
	int rc;

	if (node->kind == RCAPFS_NODE_CAPS) {
		if (len > RCAPFS_NAME_MAX)
			return -ENOENT;
		memcpy(node->name, comp, len);
		node->name[len] = '\0';
		if (!rcapfs_name_valid(node->name) ||
		    !rcapfs_scanner_exists(sc, node->name))
			return -ENOENT;
		node->kind = RCAPFS_NODE_COLL;
		return 0;
	}
	if (node->kind == RCAPFS_NODE_PROC) {
		rc = parse_pid(comp, len, &node->pid);
		if (rc)
			return rc;
		node->kind = RCAPFS_NODE_PROC_PID;
		return 0;
	}
	children = rcapfs_node_children(node->kind);
	for (c = children; c && c->name; c++) {
		if (strlen(c->name) == len && !memcmp(c->name, comp, len)) {
			node->kind = c->kind;
			node->knob = (unsigned)(c - children);
			return 0;
		}
	}
	return -ENOENT;
}

int rcapfs_tree_lookup(struct rcapfs_scanner *sc, const char *path,
		       struct rcapfs_node *out)
{
	struct rcapfs_node node = {.kind = RCAPFS_NODE_ROOT};
	const char *p = path;
	int rc;

	while (*p) {
		const char *end;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		rc = rcapfs_tree_child(sc, &node, p, (size_t)(end - p), &node);
		if (rc)
			return rc;
		p = end;
	}
	*out = node;
	return 0;
}

int rcapfs_tree_child(struct rcapfs_scanner *sc,
		      const struct rcapfs_node *parent, const char *name,
		      size_t len, struct rcapfs_node *out)
{
	struct rcapfs_node node = *parent;
	int rc;

	if (len > 255)
		return -ENAMETOOLONG;
	rc = step(sc, &node, name, len);
	if (rc == 0)
		*out = node;
	return rc;
}

int rcapfs_tree_parent(struct rcapfs_scanner *sc, const char *path,
		       struct rcapfs_node *parent, const char **leaf)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	size_t len;

	if (!slash || !slash[1])
		return -EINVAL;
	len = (size_t)(slash - path);
	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len);
	dir[len] = '\0';
	*leaf = slash + 1;
	return rcapfs_tree_lookup(sc, dir, parent);
}

bool rcapfs_node_is_dir(enum rcapfs_node_kind kind)
{
	return kind == RCAPFS_NODE_ROOT || kind == RCAPFS_NODE_CAPS ||
	       kind == RCAPFS_NODE_COLL || kind == RCAPFS_NODE_CTL ||
	       kind == RCAPFS_NODE_PROC || kind == RCAPFS_NODE_PROC_PID;
}

bool rcapfs_node_in_collection(enum rcapfs_node_kind kind)
{
	return kind >= RCAPFS_NODE_COLL && kind <= RCAPFS_NODE_COLL_SWAP_IDLE;
}

bool rcapfs_node_in_process(enum rcapfs_node_kind kind)
{
	return kind >= RCAPFS_NODE_PROC_PID && kind <= RCAPFS_NODE_PROC_XMAP;
}

void rcapfs_node_parent(const struct rcapfs_node *n, struct rcapfs_node *out)
{
	struct rcapfs_node p = *n;

	switch (n->kind) {
	case RCAPFS_NODE_ROOT:
	case RCAPFS_NODE_CAPS:
	case RCAPFS_NODE_CTL:
	case RCAPFS_NODE_PROC:
	case RCAPFS_NODE_PROM:
		p.kind = RCAPFS_NODE_ROOT;
		break;
	case RCAPFS_NODE_COLL:
		p.kind = RCAPFS_NODE_CAPS;
		break;
	case RCAPFS_NODE_CTL_KNOB:
	case RCAPFS_NODE_CTL_STATUS:
		p.kind = RCAPFS_NODE_CTL;
		break;
	case RCAPFS_NODE_PROC_PID:
		p.kind = RCAPFS_NODE_PROC;
		break;
	case RCAPFS_NODE_PROC_PAGEDATA:
	case RCAPFS_NODE_PROC_PAGEDATA_HW:
	case RCAPFS_NODE_PROC_XMAP:
		p.kind = RCAPFS_NODE_PROC_PID;
		break;
	default: /* the files of a collection */
		p.kind = RCAPFS_NODE_COLL;
		break;
	}
	*out = p;
}

bool rcapfs_node_size_uncached(enum rcapfs_node_kind kind)
{
	return kind == RCAPFS_NODE_PROC_PAGEDATA ||
	       kind == RCAPFS_NODE_PROC_PAGEDATA_HW;
}

bool rcapfs_node_owner_only(enum rcapfs_node_kind kind)
{
	return kind == RCAPFS_NODE_PROC_PAGEDATA ||
	       kind == RCAPFS_NODE_PROC_PAGEDATA_HW ||
	       kind == RCAPFS_NODE_PROC_XMAP;
}

bool rcapfs_node_writable(enum rcapfs_node_kind kind)
{
	switch (kind) {
	case RCAPFS_NODE_COLL_CAP:
	case RCAPFS_NODE_COLL_MEMBERS:
	case RCAPFS_NODE_COLL_SWAP_IDLE:
	case RCAPFS_NODE_CTL_KNOB:
		return true;
	default:
		return false;
	}
}

mode_t rcapfs_node_mode(enum rcapfs_node_kind kind)
{
	/* caps/ and its collections are 0755: root creates and removes. */
	if (kind == RCAPFS_NODE_CAPS || kind == RCAPFS_NODE_COLL)
		return 0755;
	if (rcapfs_node_is_dir(kind))
		return 0555;
	if (rcapfs_node_owner_only(kind))
		return 0400;
	return rcapfs_node_writable(kind) ? 0644 : 0444;
}
