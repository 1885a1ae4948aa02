#include "config.h"
#include "scanner/members.h"

#include "compat/log.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLOB_MAX 255 /* comm is 15 bytes; a longer glob is a mistake */

struct rule {
	enum rcapfs_rule_kind kind;
	union {
		struct {
			pid_t pid;
			uint64_t start_ticks; /* the process the rule bound */
		} pid;
		uid_t uid;
		gid_t gid;
	} u;
	/* user/group: the name as written (NULL when given as a number);
	 * cgroup: the path; comm: the glob. */
	char *text;
};

struct rcapfs_rules {
	atomic_uint refs;
	size_t n;
	bool need_cgroup;
	struct rule rules[]; /* n of them */
};

static void rule_release(struct rule *r)
{
	free(r->text);
	r->text = NULL;
}

static struct rcapfs_rules *rules_alloc(size_t n)
{
	struct rcapfs_rules *rules;

	rules = calloc(1, sizeof(*rules) + n * sizeof(rules->rules[0]));
	if (!rules)
		return NULL;
	atomic_init(&rules->refs, 1);
	return rules;
}

struct rcapfs_rules *rcapfs_rules_new(void)
{
	return rules_alloc(0);
}

struct rcapfs_rules *rcapfs_rules_ref(struct rcapfs_rules *rules)
{
	atomic_fetch_add(&rules->refs, 1);
	return rules;
}

void rcapfs_rules_free(struct rcapfs_rules *rules)
{
	if (!rules || atomic_fetch_sub(&rules->refs, 1) != 1)
		return;
	for (size_t i = 0; i < rules->n; i++)
		rule_release(&rules->rules[i]);
	free(rules);
}

size_t rcapfs_rules_count(const struct rcapfs_rules *rules)
{
	return rules ? rules->n : 0;
}

bool rcapfs_rules_need_cgroup(const struct rcapfs_rules *rules)
{
	return rules && rules->need_cgroup;
}

/* Parsing state for one call of rcapfs_rules_parse. */
struct parser {
	const struct rcapfs_backend *be;
	enum rcapfs_rules_syntax syntax;
	unsigned lineno;
	char *err;
	size_t errlen;
};

static int reject(struct parser *ps, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record in err why line ps->lineno is bad; returns rc. */
static int reject(struct parser *ps, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || ps->errlen == 0)
		return rc;
	n = snprintf(ps->err, ps->errlen, "line %u: ", ps->lineno);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Decimal digits only (no sign, no blanks), at most max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int parse_number(struct parser *ps, const char *kw, const char *arg,
			uint64_t min, uint64_t max, uint64_t *out)
{
	int rc = parse_u64(arg, max, out);

	if (rc == -EINVAL)
		return reject(ps, -EINVAL,
			      "%s wants a decimal number, not \"%.32s\"", kw,
			      arg);
	if (rc || *out < min)
		return reject(ps, -EINVAL, "%s %.32s is out of range", kw, arg);
	return 0;
}

/* Bind a pid rule to the running process. Returns 1 when the rule is to
 * be dropped (state syntax only), 0, or -errno. */
static int bind_pid(struct parser *ps, struct rule *r, bool have_start,
		    uint64_t start_ticks)
{
	const struct rcapfs_backend *be = ps->be;
	struct rcapfs_proc p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = be->ops->proc(be->ctx, r->u.pid.pid, 0, &p);
	if (rc == -ENOMEM)
		return rc;
	if (rc == 0) {
		r->u.pid.start_ticks = p.start_ticks;
		rcapfs_proc_release(&p);
	}
	if (ps->syntax == RCAPFS_RULES_STATE &&
	    (rc == -ESRCH ||
	     (rc == 0 && have_start && r->u.pid.start_ticks != start_ticks))) {
		log_info("members: dropping rule \"pid %d\": the process it "
			 "named has exited",
			 (int)r->u.pid.pid);
		return 1;
	}
	if (rc == -ESRCH)
		return reject(ps, -EINVAL, "no process %d", (int)r->u.pid.pid);
	if (rc)
		return reject(ps, -EINVAL, "cannot look up process %d: %s",
			      (int)r->u.pid.pid, strerror(-rc));
	return 0;
}

static int parse_pid(struct parser *ps, char *arg, struct rule *r)
{
	char *opt = NULL, *blank;
	uint64_t v, start = 0;
	int rc;

	/* The state syntax appends "start=T" after the pid. */
	blank = strpbrk(arg, " \t");
	if (blank && ps->syntax == RCAPFS_RULES_STATE) {
		*blank = '\0';
		opt = blank + 1 + strspn(blank + 1, " \t");
		if (strncmp(opt, "start=", 6) != 0 ||
		    strpbrk(opt, " \t") != NULL)
			return reject(ps, -EINVAL,
				      "pid wants \"start=TICKS\" after it");
		rc = parse_number(ps, "start", opt + 6, 0, UINT64_MAX, &start);
		if (rc)
			return rc;
	} else if (blank) {
		return reject(ps, -EINVAL, "pid takes one argument");
	}
	rc = parse_number(ps, "pid", arg, 1, INT_MAX, &v);
	if (rc)
		return rc;
	r->kind = RCAPFS_RULE_PID;
	r->u.pid.pid = (pid_t)v;
	return bind_pid(ps, r, opt != NULL, start);
}

/* Resolve a user or group name through the backend. Returns 1 when the
 * rule is to be dropped (state syntax only), 0, or -errno. */
static int resolve_name(struct parser *ps, bool is_user, const char *name,
			struct rule *r)
{
	const struct rcapfs_backend *be = ps->be;
	const char *what = is_user ? "user" : "group";
	int rc;

	if (is_user)
		rc = be->ops->user_uid(be->ctx, name, &r->u.uid);
	else
		rc = be->ops->group_gid(be->ctx, name, &r->u.gid);
	if (rc == -ENOMEM)
		return rc;
	/* Restoring saved rules: a name deleted since must not cost every
	 * other rule of the collection. */
	if (rc == -ENOENT && ps->syntax == RCAPFS_RULES_STATE) {
		log_info("members: dropping rule \"%s %.64s\": no such %s "
			 "any more",
			 what, name, what);
		return 1;
	}
	if (rc == -ENOENT)
		return reject(ps, -EINVAL, "unknown %s \"%.64s\"", what, name);
	if (rc)
		return reject(ps, -EINVAL, "cannot look up %s \"%.64s\": %s",
			      what, name, strerror(-rc));
	r->text = strdup(name);
	return r->text ? 0 : -ENOMEM;
}

static int parse_cgroup(struct parser *ps, const char *arg, struct rule *r)
{
	size_t len = strlen(arg);

	if (arg[0] != '/')
		return reject(ps, -EINVAL,
			      "cgroup wants an absolute path (starting "
			      "with /)");
	/* "/a/b/" names the same cgroup as "/a/b"; keep one spelling so
	 * the prefix test at a '/' boundary is exact. */
	while (len > 1 && arg[len - 1] == '/')
		len--;
	r->kind = RCAPFS_RULE_CGROUP;
	r->text = strndup(arg, len);
	return r->text ? 0 : -ENOMEM;
}

/*
 * Parse one rule from a NUL-terminated line already stripped of comments
 * and surrounding blanks. Every rule takes one argument without blanks (a
 * blank in a comm name is matched with '?'). Returns 1 for a rule to drop,
 * 0, or -errno.
 */
static int parse_rule(struct parser *ps, char *line, struct rule *r)
{
	static const char *const keywords[] = {"pid",	"uid",	  "user", "gid",
					       "group", "cgroup", "comm"};
	char *kw = line, *arg;
	size_t kwlen = strcspn(line, " \t");
	bool known = false;
	uint64_t v;
	int rc;

	arg = line + kwlen;
	if (*arg) {
		*arg = '\0';
		arg++;
		arg += strspn(arg, " \t");
	}
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		known = known || strcmp(kw, keywords[i]) == 0;
	if (!known)
		return reject(ps, -EINVAL, "unknown rule \"%.32s\"", kw);
	if (*arg == '\0')
		return reject(ps, -EINVAL, "%s needs an argument", kw);
	if (strcmp(kw, "pid") == 0)
		return parse_pid(ps, arg, r);
	if (strpbrk(arg, " \t"))
		return reject(ps, -EINVAL, "%.32s takes one argument", kw);

	if (strcmp(kw, "uid") == 0 || strcmp(kw, "gid") == 0) {
		/* (uid_t)-1 means "no id" to the kernel; no process has it. */
		rc = parse_number(ps, kw, arg, 0, UINT32_MAX - 1, &v);
		if (rc)
			return rc;
		if (kw[0] == 'u') {
			r->kind = RCAPFS_RULE_UID;
			r->u.uid = (uid_t)v;
		} else {
			r->kind = RCAPFS_RULE_GID;
			r->u.gid = (gid_t)v;
		}
		return 0;
	}
	if (strcmp(kw, "user") == 0) {
		r->kind = RCAPFS_RULE_UID;
		return resolve_name(ps, true, arg, r);
	}
	if (strcmp(kw, "group") == 0) {
		r->kind = RCAPFS_RULE_GID;
		return resolve_name(ps, false, arg, r);
	}
	if (strcmp(kw, "cgroup") == 0)
		return parse_cgroup(ps, arg, r);
	r->kind = RCAPFS_RULE_COMM;
	if (strlen(arg) > GLOB_MAX)
		return reject(ps, -EINVAL, "comm glob longer than %d bytes",
			      GLOB_MAX);
	r->text = strdup(arg);
	return r->text ? 0 : -ENOMEM;
}

/* Copy a line into buf (RCAPFS_RULE_LINE_MAX + 1 bytes) with the comment
 * cut off and the blanks around it trimmed; rejects bytes no rule may
 * hold. Returns the trimmed text inside buf, or NULL with *rc set. */
static char *clean_line(struct parser *ps, const char *p, size_t len, char *buf,
			int *rc)
{
	char *s, *end;

	if (len > RCAPFS_RULE_LINE_MAX) {
		*rc = reject(ps, -EINVAL, "longer than %d bytes",
			     RCAPFS_RULE_LINE_MAX);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\0') {
			*rc = reject(ps, -EINVAL, "NUL byte");
			return NULL;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			*rc = reject(ps, -EINVAL, "control character 0x%02x",
				     ch);
			return NULL;
		}
	}
	memcpy(buf, p, len);
	buf[len] = '\0';
	end = strchr(buf, '#');
	if (!end)
		end = buf + len;
	while (end > buf && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	s = buf + strspn(buf, " \t");
	*rc = 0;
	return s;
}

static int copy_rule(struct rule *dst, const struct rule *src)
{
	*dst = *src;
	if (src->text) {
		dst->text = strdup(src->text);
		if (!dst->text)
			return -ENOMEM;
	}
	return 0;
}

int rcapfs_rules_parse(const struct rcapfs_rules *base, const char *text,
		       size_t len, enum rcapfs_rules_syntax syntax,
		       const struct rcapfs_backend *be,
		       struct rcapfs_rules **out, char *err, size_t errlen)
{
	struct parser ps = {be, syntax, 0, err, errlen};
	size_t nbase = rcapfs_rules_count(base);
	struct rcapfs_rules *rules, *shrunk;
	char *buf = NULL;
	size_t pos = 0;
	int rc = -ENOMEM;

	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	rules = rules_alloc(RCAPFS_RULES_MAX);
	buf = malloc(RCAPFS_RULE_LINE_MAX + 1);
	if (!rules || !buf)
		goto out;
	for (; rules->n < nbase; rules->n++) {
		rc = copy_rule(&rules->rules[rules->n], &base->rules[rules->n]);
		if (rc)
			goto out;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - text) - pos : len - pos;
		struct rule r;
		char *line;

		memset(&r, 0, sizeof(r));
		ps.lineno++;
		line = clean_line(&ps, text + pos, linelen, buf, &rc);
		if (!line)
			goto out;
		pos += linelen + (nl ? 1 : 0);
		if (*line == '\0')
			continue;
		if (rules->n == RCAPFS_RULES_MAX) {
			rc = reject(&ps, -ENOSPC, "more than %d rules",
				    RCAPFS_RULES_MAX);
			goto out;
		}
		rc = parse_rule(&ps, line, &r);
		if (rc == 1)
			continue;
		if (rc) {
			rule_release(&r);
			goto out;
		}
		rules->rules[rules->n++] = r;
		if (r.kind == RCAPFS_RULE_CGROUP)
			rules->need_cgroup = true;
	}
	for (size_t i = 0; i < nbase; i++)
		if (base->rules[i].kind == RCAPFS_RULE_CGROUP)
			rules->need_cgroup = true;
	/* Parsed into room for the maximum; keep only what is used, as a
	 * set lives as long as its collection. */
	shrunk = realloc(rules,
			 sizeof(*rules) + rules->n * sizeof(*rules->rules));
	*out = shrunk ? shrunk : rules;
	rules = NULL;
	rc = 0;
out:
	free(buf);
	rcapfs_rules_free(rules);
	return rc;
}

int rcapfs_rules_format(const struct rcapfs_rules *rules,
			enum rcapfs_rules_syntax syntax, struct rcapfs_buf *out)
{
	for (size_t i = 0; i < rcapfs_rules_count(rules); i++) {
		const struct rule *r = &rules->rules[i];
		int rc = 0;

		switch (r->kind) {
		case RCAPFS_RULE_PID:
			rc = rcapfs_buf_printf(out, "pid %d",
					       (int)r->u.pid.pid);
			if (rc == 0 && syntax == RCAPFS_RULES_STATE)
				rc = rcapfs_buf_printf(
					out, " start=%llu",
					(unsigned long long)
						r->u.pid.start_ticks);
			break;
		case RCAPFS_RULE_UID:
			rc = r->text ? rcapfs_buf_printf(out, "user %s",
							 r->text)
				     : rcapfs_buf_printf(out, "uid %u",
							 (unsigned)r->u.uid);
			break;
		case RCAPFS_RULE_GID:
			rc = r->text ? rcapfs_buf_printf(out, "group %s",
							 r->text)
				     : rcapfs_buf_printf(out, "gid %u",
							 (unsigned)r->u.gid);
			break;
		case RCAPFS_RULE_CGROUP:
			rc = rcapfs_buf_printf(out, "cgroup %s", r->text);
			break;
		case RCAPFS_RULE_COMM:
			rc = rcapfs_buf_printf(out, "comm %s", r->text);
			break;
		}
		if (rc == 0)
			rc = rcapfs_buf_add(out, "\n", 1);
		if (rc)
			return rc;
	}
	return 0;
}

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

		o->by_start[i] = (struct by_start){p->start_ticks, p->pid, i};
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
			root[i] = (struct tracked){p->pid, p->start_ticks,
						   p->pid, p->start_ticks, 0};
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
			    uint64_t child_start_ticks)
{
	struct tracked *par, *t, entry;
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	par = find_tracked(m, f->parent_tgid);
	/* A remembered pid now held by another process is not the parent. */
	if (!par || (parent_start_ticks && par->start_ticks &&
		     par->start_ticks != parent_start_ticks))
		goto out;
	entry = (struct tracked){f->child_tgid, child_start_ticks,
				 par->root_pid, par->root_start_ticks, 1};
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
	rc = 1;
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}
