/*
 * Who is a member: a rule set matched against a walk of the process
 * table, with membership through a pid rule passed down to descendants
 * (remembered by pid and start time, so it outlives a parent's exit) and
 * to the children fork events announce between walks.
 */
#include "config.h"
#include "scanner/rules_i.h"

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A process that joined through a pid rule, and the rule (root) it came
 * through: when that rule goes, so does the membership. */
struct tracked {
	pid_t pid;
	uint64_t start_ticks; /* 0: gone before its start was read */
	pid_t root_pid;
	uint64_t root_start_ticks;
	/* Adopted from a fork event and not yet listed by a walk: kept
	 * through this many walks that do not list it (it may have been
	 * forked after the walk read /proc); 0 once a walk has seen it. */
	unsigned grace;
};

struct rcapfs_membership {
	pthread_mutex_t lock;	 /* fork events come from another thread */
	struct tracked *tracked; /* sorted by pid */
	size_t n;
	size_t nadopted;
};

struct rcapfs_membership *rcapfs_membership_new(void)
{
	struct rcapfs_membership *m = calloc(1, sizeof(*m));

	if (m && pthread_mutex_init(&m->lock, NULL)) {
		free(m);
		return NULL;
	}
	return m;
}

void rcapfs_membership_free(struct rcapfs_membership *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->tracked);
	free(m);
}

static bool cgroup_within(const char *cgroup, const char *path)
{
	size_t len = strlen(path);

	if (!cgroup)
		return false;
	if (len == 1) /* "/" holds every cgroup */
		return cgroup[0] == '/';
	return strncmp(cgroup, path, len) == 0 &&
	       (cgroup[len] == '\0' || cgroup[len] == '/');
}

/* Does a rule other than pid admit p? */
static bool match_direct(const struct rcapfs_rules *rules,
			 const struct rcapfs_proc *p)
{
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *r = &rules->rules[i];

		switch (r->kind) {
		case RCAPFS_RULE_PID:
			break;
		case RCAPFS_RULE_UID:
			if (p->ruid == r->u.uid)
				return true;
			break;
		case RCAPFS_RULE_GID:
			if (p->rgid == r->u.gid)
				return true;
			break;
		case RCAPFS_RULE_CGROUP:
			if (cgroup_within(p->cgroup, r->text))
				return true;
			break;
		case RCAPFS_RULE_COMM:
			if (fnmatch(r->text, p->comm, 0) == 0)
				return true;
			break;
		}
	}
	return false;
}

static const struct rule *pid_rule(const struct rcapfs_rules *rules, pid_t pid,
				   uint64_t start_ticks)
{
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *r = &rules->rules[i];

		if (r->kind == RCAPFS_RULE_PID && r->u.pid.pid == pid &&
		    r->u.pid.start_ticks == start_ticks)
			return r;
	}
	return NULL;
}

static bool have_pid_rules(const struct rcapfs_rules *rules)
{
	for (size_t i = 0; i < rules->n; i++)
		if (rules->rules[i].kind == RCAPFS_RULE_PID)
			return true;
	return false;
}

static int cmp_tracked(const void *a, const void *b)
{
	const struct tracked *ta = a, *tb = b;

	return (ta->pid > tb->pid) - (ta->pid < tb->pid);
}

static int cmp_proc_pid(const void *key, const void *elem)
{
	pid_t pid = *(const pid_t *)key;
	const struct rcapfs_proc *p = elem;

	return (pid > p->pid) - (pid < p->pid);
}

/* Index of pid in the table (sorted by pid), or -1. */
static long find_proc(const struct rcapfs_proc_list *procs, pid_t pid)
{
	const struct rcapfs_proc *p;

	p = bsearch(&pid, procs->procs, procs->n, sizeof(*p), cmp_proc_pid);
	return p ? (long)(p - procs->procs) : -1;
}

/* A process's place in start-time order. */
struct by_start {
	uint64_t start_ticks;
	pid_t pid;
	size_t index; /* in the process table */
};

static int cmp_start(const void *a, const void *b)
{
	const struct by_start *pa = a, *pb = b;

	if (pa->start_ticks != pb->start_ticks)
		return pa->start_ticks < pb->start_ticks ? -1 : 1;
	return (pa->pid > pb->pid) - (pa->pid < pb->pid);
}

struct rcapfs_proc_order {
	const struct rcapfs_proc_list *procs;
	struct by_start *by_start; /* procs->n entries */
	long *parent; /* index of each process's parent in procs, or -1 */
};

int rcapfs_proc_order_new(const struct rcapfs_proc_list *procs,
			  struct rcapfs_proc_order **out)
{
	struct rcapfs_proc_order *o;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->procs = procs;
	o->by_start = calloc(procs->n ? procs->n : 1, sizeof(*o->by_start));
	o->parent = calloc(procs->n ? procs->n : 1, sizeof(*o->parent));
	if (!o->by_start || !o->parent) {
		rcapfs_proc_order_free(o);
		return -ENOMEM;
	}
	/* Each collection's pass follows parents: found once per walk. */
	for (size_t i = 0; i < procs->n; i++) {
		const struct rcapfs_proc *p = &procs->procs[i];

		o->by_start[i] =
			(struct by_start){.start_ticks = p->start_ticks,
					  .pid = p->pid,
					  .index = i};
		o->parent[i] =
			p->ppid != p->pid ? find_proc(procs, p->ppid) : -1;
	}
	qsort(o->by_start, procs->n, sizeof(*o->by_start), cmp_start);
	*out = o;
	return 0;
}

void rcapfs_proc_order_free(struct rcapfs_proc_order *order)
{
	if (!order)
		return;
	free(order->by_start);
	free(order->parent);
	free(order);
}

/*
 * One pass over the processes in start-time order: a process joins through
 * a pid rule, through the tracker, or through its parent. root[i] is the
 * tracked entry of a joined process (root_pid 0 when not). Sets *deferred
 * when a parent came later in the order (equal start times after a pid
 * wrap). Returns whether anything changed.
 */
static bool inherit_pass(const struct rcapfs_membership *m,
			 const struct rcapfs_rules *rules,
			 const struct rcapfs_proc_order *order, bool *decided,
			 struct tracked *root, bool *deferred)
{
	const struct rcapfs_proc_list *procs = order->procs;
	bool changed = false;

	*deferred = false;
	for (size_t k = 0; k < procs->n; k++) {
		size_t i = order->by_start[k].index;
		const struct rcapfs_proc *p = &procs->procs[i];
		struct tracked key = {.pid = p->pid}, *t;
		long par;

		decided[i] = true;
		if (root[i].root_pid)
			continue;
		if (pid_rule(rules, p->pid, p->start_ticks)) {
			root[i] = (struct tracked){
				.pid = p->pid,
				.start_ticks = p->start_ticks,
				.root_pid = p->pid,
				.root_start_ticks = p->start_ticks,
				.grace = 0};
			changed = true;
			continue;
		}
		t = m->n ? bsearch(&key, m->tracked, m->n, sizeof(*t),
				   cmp_tracked)
			 : NULL;
		if (t && t->start_ticks == p->start_ticks &&
		    pid_rule(rules, t->root_pid, t->root_start_ticks)) {
			root[i] = *t;
			root[i].grace = 0;
			changed = true;
			continue;
		}
		par = order->parent[i];
		/* A parent younger than its child is a reused pid. */
		if (par < 0 || procs->procs[par].start_ticks > p->start_ticks)
			continue;
		if (!decided[par])
			*deferred = true;
		else if (root[par].root_pid) {
			root[i] = root[par];
			root[i].pid = p->pid;
			root[i].start_ticks = p->start_ticks;
			root[i].grace = 0;
			changed = true;
		}
	}
	return changed;
}

/*
 * Add to the walk's tracked entries (*tracked, sorted by pid) the adopted
 * ones of m that the walk did not list, each for a limited number of
 * walks. Under m->lock. Returns 0 or -ENOMEM (nothing changed).
 */
static int keep_adopted(struct rcapfs_membership *m,
			const struct rcapfs_proc_list *procs,
			struct tracked **tracked, size_t *n)
{
	size_t keep = 0, i = 0, j = 0, k = 0;
	struct tracked *merged;

	for (size_t a = 0; a < m->n; a++)
		keep += m->tracked[a].grace &&
			find_proc(procs, m->tracked[a].pid) < 0;
	m->nadopted = 0;
	if (!keep)
		return 0;
	merged = calloc(*n + keep, sizeof(*merged));
	if (!merged)
		return -ENOMEM;
	while (i < *n || j < m->n) {
		const struct tracked *o = j < m->n ? &m->tracked[j] : NULL;

		if (o && (!o->grace || find_proc(procs, o->pid) >= 0)) {
			j++;
			continue;
		}
		if (!o || (i < *n && (*tracked)[i].pid < o->pid)) {
			merged[k++] = (*tracked)[i++];
			continue;
		}
		merged[k] = *o;
		merged[k++].grace--;
		m->nadopted += o->grace > 1;
		j++;
	}
	free(*tracked);
	*tracked = merged;
	*n = k;
	return 0;
}

long rcapfs_membership_update(struct rcapfs_membership *m,
			      const struct rcapfs_rules *rules,
			      const struct rcapfs_proc_order *order,
			      bool *member)
{
	const struct rcapfs_proc_list *procs = order->procs;
	struct tracked *root = NULL, *tracked = NULL;
	bool *decided = NULL, deferred = false, changed;
	size_t ntracked = 0;
	long nmembers = 0, rc = -ENOMEM;

	pthread_mutex_lock(&m->lock);
	if (procs->n && have_pid_rules(rules)) {
		root = calloc(procs->n, sizeof(*root));
		decided = calloc(procs->n, sizeof(*decided));
		if (!root || !decided)
			goto out;
		changed =
			inherit_pass(m, rules, order, decided, root, &deferred);
		/* A parent placed after its child has been decided by now;
		 * each further pass moves membership down one generation. */
		while (changed && deferred)
			changed = inherit_pass(m, rules, order, decided, root,
					       &(bool){false});
		for (size_t i = 0; i < procs->n; i++)
			ntracked += root[i].root_pid != 0;
		tracked = calloc(ntracked ? ntracked : 1, sizeof(*tracked));
		if (!tracked)
			goto out;
		ntracked = 0;
		/* procs are sorted by pid, so the tracker stays sorted. */
		for (size_t i = 0; i < procs->n; i++)
			if (root[i].root_pid)
				tracked[ntracked++] = root[i];
	}
	for (size_t i = 0; i < procs->n; i++) {
		member[i] = (root && root[i].root_pid) ||
			    match_direct(rules, &procs->procs[i]);
		nmembers += member[i];
	}
	/* Members that are gone are forgotten here, but for adopted ones
	 * this walk may have missed. */
	rc = keep_adopted(m, procs, &tracked, &ntracked);
	if (rc)
		goto out;
	free(m->tracked);
	m->tracked = tracked;
	m->n = ntracked;
	tracked = NULL;
	rc = nmembers;
out:
	pthread_mutex_unlock(&m->lock);
	free(tracked);
	free(decided);
	free(root);
	return rc;
}

static struct tracked *find_tracked(const struct rcapfs_membership *m,
				    pid_t pid)
{
	struct tracked key = {.pid = pid};

	return m->n ? bsearch(&key, m->tracked, m->n, sizeof(key), cmp_tracked)
		    : NULL;
}

bool rcapfs_membership_tracks(struct rcapfs_membership *m, pid_t pid)
{
	bool found;

	pthread_mutex_lock(&m->lock);
	found = find_tracked(m, pid) != NULL;
	pthread_mutex_unlock(&m->lock);
	return found;
}

int rcapfs_membership_adopt(struct rcapfs_membership *m,
			    const struct rcapfs_fork *f,
			    uint64_t parent_start_ticks,
			    uint64_t child_start_ticks, bool *adopted)
{
	struct tracked *par, *t, entry;
	int rc = 0;

	if (adopted)
		*adopted = false;
	pthread_mutex_lock(&m->lock);
	par = find_tracked(m, f->parent_tgid);
	/* A remembered pid now held by another process is not the parent. */
	if (!par || (parent_start_ticks && par->start_ticks &&
		     par->start_ticks != parent_start_ticks))
		goto out;
	entry = (struct tracked){.pid = f->child_tgid,
				 .start_ticks = child_start_ticks,
				 .root_pid = par->root_pid,
				 .root_start_ticks = par->root_start_ticks,
				 .grace = 1};
	t = find_tracked(m, f->child_tgid);
	if (!t || !t->grace) {
		rc = -ENOSPC;
		if (m->nadopted >= RCAPFS_MEMBERSHIP_MAX_ADOPTED)
			goto out;
		m->nadopted++;
	}
	if (!t) {
		rc = -ENOMEM;
		t = reallocarray(m->tracked, m->n + 1, sizeof(*t));
		if (!t) {
			m->nadopted--;
			goto out;
		}
		m->tracked = t;
		t = m->tracked;
		while (t < m->tracked + m->n && t->pid < f->child_tgid)
			t++;
		memmove(t + 1, t, (size_t)(m->tracked + m->n - t) * sizeof(*t));
		m->n++;
	}
	*t = entry;
	if (adopted)
		*adopted = true;
	rc = 0;
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}
