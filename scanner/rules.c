/*
 * Membership rules as text: parsed from what a user writes to
 * caps/NAME/members (or the state file holds), rendered back in either
 * form; rule sets are immutable and shared by reference.
 */
#include "config.h"
#include "scanner/rules_i.h"

#include "compat/log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLOB_MAX 255 /* comm is 15 bytes; a longer glob is a mistake */

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
	/* The line's rule names what is gone (a process, a user, a group)
	 * and is left out: restoring saved rules only. */
	bool drop;
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

/* Bind a pid rule to the running process; saved_start is the start time
 * the state syntax gave, or NULL. Returns 0 (ps->drop set when the process
 * is gone) or -errno. */
static int bind_pid(struct parser *ps, struct rule *r,
		    const uint64_t *saved_start)
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
	    (rc == -ESRCH || (rc == 0 && saved_start &&
			      r->u.pid.start_ticks != *saved_start))) {
		log_info("members: dropping rule \"pid %d\": the process it "
			 "named has exited",
			 (int)r->u.pid.pid);
		ps->drop = true;
		return 0;
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
	return bind_pid(ps, r, opt ? &start : NULL);
}

/* Resolve the user or group name of r (of kind RCAPFS_RULE_UID or _GID)
 * through the backend. Returns 0 (ps->drop set when the name is gone) or
 * -errno. */
static int resolve_name(struct parser *ps, const char *name, struct rule *r)
{
	const struct rcapfs_backend *be = ps->be;
	bool is_user = r->kind == RCAPFS_RULE_UID;
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
		ps->drop = true;
		return 0;
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
 * blank in a comm name is matched with '?'). Returns 0 (ps->drop set for a
 * rule to leave out) or -errno.
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
		return resolve_name(ps, arg, r);
	}
	if (strcmp(kw, "group") == 0) {
		r->kind = RCAPFS_RULE_GID;
		return resolve_name(ps, arg, r);
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
	struct parser ps = {
		.be = be, .syntax = syntax, .err = err, .errlen = errlen};
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
		ps.drop = false;
		rc = parse_rule(&ps, line, &r);
		if (rc) {
			rule_release(&r);
			goto out;
		}
		if (ps.drop)
			continue;
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
