#include "config.h"

#include "fs/tree.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

static const struct rcapfs_child root_children[] = {
	{"caps", RCAPFS_NODE_CAPS},
	{"ctl", RCAPFS_NODE_CTL},
	{"proc", RCAPFS_NODE_PROC},
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

static const struct rcapfs_child ctl_children[] = {
	{"enforce", RCAPFS_NODE_CTL_ENFORCE},
	{"pressure", RCAPFS_NODE_CTL_PRESSURE},
	{"sample_interval", RCAPFS_NODE_CTL_SAMPLE_INTERVAL},
	{"scan_interval", RCAPFS_NODE_CTL_SCAN_INTERVAL},
	{"report_interval", RCAPFS_NODE_CTL_REPORT_INTERVAL},
	{"mode", RCAPFS_NODE_CTL_MODE},
	{"accounting", RCAPFS_NODE_CTL_ACCOUNTING},
	{"idle_threshold", RCAPFS_NODE_CTL_IDLE_THRESHOLD},
	{"rlimit_rss", RCAPFS_NODE_CTL_RLIMIT_RSS},
	{"status", RCAPFS_NODE_CTL_STATUS},
	{NULL, 0},
};

static const struct rcapfs_child pid_children[] = {
	{"pagedata", RCAPFS_NODE_PROC_PAGEDATA},
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
	const struct rcapfs_child *c;
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
	c = rcapfs_node_children(node->kind);
	for (; c && c->name; c++) {
		if (strlen(c->name) == len && !memcmp(c->name, comp, len)) {
			node->kind = c->kind;
			return 0;
		}
	}
	return -ENOENT;
}

int rcapfs_tree_lookup(struct rcapfs_scanner *sc, const char *path,
		       struct rcapfs_node *out)
{
	struct rcapfs_node node = {RCAPFS_NODE_ROOT, "", 0, 0};
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
		if ((size_t)(end - p) > 255)
			return -ENAMETOOLONG;
		rc = step(sc, &node, p, (size_t)(end - p));
		if (rc)
			return rc;
		p = end;
	}
	*out = node;
	return 0;
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

bool rcapfs_node_owner_only(enum rcapfs_node_kind kind)
{
	return kind == RCAPFS_NODE_PROC_PAGEDATA ||
	       kind == RCAPFS_NODE_PROC_XMAP;
}

bool rcapfs_node_writable(enum rcapfs_node_kind kind)
{
	switch (kind) {
	case RCAPFS_NODE_COLL_CAP:
	case RCAPFS_NODE_COLL_MEMBERS:
	case RCAPFS_NODE_COLL_SWAP_IDLE:
	case RCAPFS_NODE_CTL_ENFORCE:
	case RCAPFS_NODE_CTL_PRESSURE:
	case RCAPFS_NODE_CTL_SAMPLE_INTERVAL:
	case RCAPFS_NODE_CTL_SCAN_INTERVAL:
	case RCAPFS_NODE_CTL_REPORT_INTERVAL:
	case RCAPFS_NODE_CTL_MODE:
	case RCAPFS_NODE_CTL_ACCOUNTING:
	case RCAPFS_NODE_CTL_IDLE_THRESHOLD:
	case RCAPFS_NODE_CTL_RLIMIT_RSS:
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
