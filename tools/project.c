#include "config.h"

#include "tools/project.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A user or group list of a project line: names in, names out ('!'), and
 * the wildcards. The names point into the line. */
struct list {
	const char **in;
	size_t nin;
	const char **out;
	size_t nout;
	bool all;  /* '*': everyone */
	bool none; /* '!*': no one */
};

/* The parse of one database: names seen so far, for duplicates. */
struct seen {
	char (*names)[TOOL_PROJECT_NAME_MAX + 1];
	unsigned *lines;
	size_t n, cap;
};

static int add_error(struct tool_project_list *l, unsigned line,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int add_error(struct tool_project_list *l, unsigned line,
		     const char *fmt, ...)
{
	struct tool_project_error *e;
	va_list ap;

	e = realloc(l->errors, (l->nerrors + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	l->errors = e;
	e = &l->errors[l->nerrors++];
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* A project name as project(4) has it: a letter, then letters, digits,
 * '.', '_' or '-', at most TOOL_PROJECT_NAME_MAX bytes. */
static bool project_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TOOL_PROJECT_NAME_MAX ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == n;
}

/* A user or group name a members rule can carry: no blank, no '#', no
 * control byte; at most 32 bytes. */
static bool rule_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-$") == n;
}

/* Decimal digits only, at most max: 0 and *v, or -1. */
static int decimal(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' ||
		    x > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* Split s (modified) at sep into at most max fields; returns the count,
 * or max + 1 when there are more. */
static size_t split(char *s, char sep, char **f, size_t max)
{
	size_t n = 0;

	for (;;) {
		char *end = strchr(s, sep);

		if (n == max)
			return max + 1;
		f[n++] = s;
		if (!end)
			return n;
		*end = '\0';
		s = end + 1;
	}
}

static bool listed(const char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Parse a user or group list (modified in place) into *l, whose arrays
 * have room for every entry and one more. Returns 0, 1 with a reason in
 * why for a malformed list, or -ENOMEM. */
static int parse_list(char *s, const char *what, struct list *l, char *why,
		      size_t whylen)
{
	size_t max = 1, n;
	char **f;

	memset(l, 0, sizeof(*l));
	for (const char *p = s; *p; p++)
		max += *p == ',';
	f = malloc(max * sizeof(*f));
	l->in = malloc((max + 1) * sizeof(*l->in));
	l->out = malloc(max * sizeof(*l->out));
	if (!f || !l->in || !l->out) {
		free(f);
		return -ENOMEM;
	}
	if (!*s) {
		free(f);
		return 0;
	}
	n = split(s, ',', f, max);
	for (size_t i = 0; i < n; i++) {
		const char *e = f[i];
		bool out = e[0] == '!';

		if (out)
			e++;
		if (strcmp(e, "*") == 0) {
			*(out ? &l->none : &l->all) = true;
			continue;
		}
		if (!rule_name(e)) {
			snprintf(why, whylen,
				 "%s list: \"%.40s\" is not a name", what,
				 f[i]);
			free(f);
			return 1;
		}
		if (out && !listed(l->out, l->nout, e))
			l->out[l->nout++] = e;
		else if (!out && !listed(l->in, l->nin, e))
			l->in[l->nin++] = e;
	}
	free(f);
	return 0;
}

static void list_free(struct list *l)
{
	free(l->in);
	free(l->out);
}

/* Drop from l->in the names l excludes. */
static void exclude(struct list *l)
{
	size_t k = 0;

	for (size_t i = 0; i < l->nin; i++)
		if (!listed(l->out, l->nout, l->in[i]))
			l->in[k++] = l->in[i];
	l->nin = k;
}

/*
 * The members of a project as project(4) and libproject's membership
 * define them, in rules rcapfs has: "user.NAME" and "group.NAME" projects
 * take their user or group without listing it; a name listed and excluded
 * ('!') is out; '!*' keeps everyone out. Returns 0 with the members text
 * (the marker first) in *text, 1 with why when the lists cannot be said
 * in rules, or -ENOMEM.
 */
static int members_of(const char *name, int64_t projid, struct list *users,
		      struct list *groups, char **text, char *why,
		      size_t whylen)
{
	size_t len;
	char *t, *p;

	*text = NULL;
	if (users->none || groups->none) {
		users->nin = groups->nin = 0;
	} else if (users->all || groups->all) {
		snprintf(why, whylen,
			 "%s list \"*\" (every user) cannot be said in rules",
			 users->all ? "user" : "group");
		return 1;
	} else {
		/* The implicit member, unless excluded (the arrays have
		 * room: they were sized for the whole list plus one). */
		if (strncmp(name, "user.", 5) == 0 &&
		    !listed(users->in, users->nin, name + 5) &&
		    !listed(users->out, users->nout, name + 5) &&
		    rule_name(name + 5))
			users->in[users->nin++] = name + 5;
		if (strncmp(name, "group.", 6) == 0 &&
		    !listed(groups->in, groups->nin, name + 6) &&
		    !listed(groups->out, groups->nout, name + 6) &&
		    rule_name(name + 6))
			groups->in[groups->nin++] = name + 6;
		exclude(users);
		exclude(groups);
		/* A rule matches whatever the other id of a process is:
		 * excluding a user next to a group (or the other way round)
		 * needs a rule rcapfs does not have. */
		if ((users->nout && groups->nin) ||
		    (groups->nout && users->nin)) {
			snprintf(why, whylen,
				 "exclusion of a %s next to %ss cannot be said "
				 "in rules",
				 users->nout ? "user" : "group",
				 users->nout ? "group" : "user");
			return 1;
		}
	}
	if (1 + users->nin + groups->nin > TOOL_PROJECT_RULES_MAX) {
		snprintf(why, whylen, "more than %d members rules",
			 TOOL_PROJECT_RULES_MAX);
		return 1;
	}
	len = sizeof("comm " TOOL_PROJECT_MARKER) + 24;
	for (size_t i = 0; i < users->nin; i++)
		len += strlen(users->in[i]) + 6;
	for (size_t i = 0; i < groups->nin; i++)
		len += strlen(groups->in[i]) + 7;
	t = malloc(len);
	if (!t)
		return -ENOMEM;
	p = t;
	p += snprintf(p, len, "comm " TOOL_PROJECT_MARKER "%" PRId64 "\n",
		      projid);
	for (size_t i = 0; i < users->nin; i++)
		p += snprintf(p, len - (size_t)(p - t), "user %s\n",
			      users->in[i]);
	for (size_t i = 0; i < groups->nin; i++)
		p += snprintf(p, len - (size_t)(p - t), "group %s\n",
			      groups->in[i]);
	*text = t;
	return 0;
}

/* The value of rcap.max-rss in attrs (modified): 0 and *cap, 1 when the
 * attribute is absent, 2 with why when it is malformed. */
static int max_rss(char *attrs, uint64_t *cap, char *why, size_t whylen)
{
	static const char key[] = "rcap.max-rss";
	int found = 0;
	char *a = attrs;

	while (a) {
		char *next = strchr(a, ';');

		if (next)
			*next++ = '\0';
		if (strncmp(a, key, sizeof(key) - 1) == 0 &&
		    (a[sizeof(key) - 1] == '=' || a[sizeof(key) - 1] == '\0')) {
			const char *v = a + sizeof(key) - 1;

			if (found++) {
				snprintf(why, whylen,
					 "rcap.max-rss given twice");
				return 2;
			}
			if (*v != '=' || decimal(v + 1, INT64_MAX, cap) != 0) {
				snprintf(why, whylen,
					 "rcap.max-rss \"%.40s\" is not a byte "
					 "count",
					 *v ? v + 1 : "");
				return 2;
			}
		}
		a = next;
	}
	return found ? 0 : 1;
}

/* Remember name (of a well-formed line); returns the line it was first
 * seen on, 0 if it was not, or -ENOMEM. */
static long seen_before(struct seen *s, const char *name, unsigned line)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return (long)s->lines[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		void *names = realloc(s->names, cap * sizeof(*s->names));
		void *lines;

		if (!names)
			return -ENOMEM;
		s->names = names;
		lines = realloc(s->lines, cap * sizeof(*s->lines));
		if (!lines)
			return -ENOMEM;
		s->lines = lines;
		s->cap = cap;
	}
	snprintf(s->names[s->n], sizeof(s->names[s->n]), "%s", name);
	s->lines[s->n++] = line;
	return 0;
}

/* One line (modified, NUL-terminated). Returns 0 or -ENOMEM. */
static int parse_line(char *s, unsigned line, struct seen *seen,
		      struct tool_project_list *out)
{
	struct list users = {0}, groups = {0};
	struct tool_project *p;
	char why[160], *f[7], *members = NULL;
	uint64_t projid, cap;
	size_t n;
	long first;
	int rc;

	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '+' || *s == '-')
		return add_error(out, line,
				 "name service entries (+, -) are not read");
	n = 1;
	for (const char *c = s; *c; c++)
		n += *c == ':';
	if (n != 6)
		return add_error(out, line, "%zu fields, 6 expected", n);
	split(s, ':', f, 6);
	if (!project_name(f[0]))
		return add_error(out, line, "\"%.64s\" is not a project name",
				 f[0]);
	if (decimal(f[1], TOOL_PROJECT_ID_MAX, &projid) != 0)
		return add_error(out, line,
				 "project %s: \"%.20s\" is not a "
				 "project id",
				 f[0], f[1]);
	first = seen_before(seen, f[0], line);
	if (first < 0)
		return (int)first;
	if (first > 0)
		return add_error(out, line, "project %s is on line %ld already",
				 f[0], first);
	rc = max_rss(f[5], &cap, why, sizeof(why));
	if (rc == 1)
		return 0;
	if (rc == 2)
		return add_error(out, line, "project %s: %s", f[0], why);
	if (strlen(f[0]) >= TOOL_NAME_MAX)
		return add_error(out, line,
				 "project %s: rcapfs names are at most %d "
				 "bytes",
				 f[0], TOOL_NAME_MAX - 1);
	rc = parse_list(f[3], "user", &users, why, sizeof(why));
	if (rc == 0)
		rc = parse_list(f[4], "group", &groups, why, sizeof(why));
	if (rc == 0)
		rc = members_of(f[0], (int64_t)projid, &users, &groups,
				&members, why, sizeof(why));
	list_free(&users);
	list_free(&groups);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return add_error(out, line, "project %s: %s", f[0], why);
	p = realloc(out->projects, (out->n + 1) * sizeof(*p));
	if (!p) {
		free(members);
		return -ENOMEM;
	}
	out->projects = p;
	p = &out->projects[out->n++];
	memset(p, 0, sizeof(*p));
	p->line = line;
	snprintf(p->name, sizeof(p->name), "%s", f[0]);
	p->projid = (int64_t)projid;
	p->cap_bytes = cap;
	p->members = members;
	return 0;
}

int tool_project_parse(const char *text, size_t len,
		       struct tool_project_list *out)
{
	struct seen seen = {0};
	char *buf = malloc(TOOL_PROJECT_LINE_MAX + 1);
	unsigned line = 0;
	size_t pos = 0;
	int rc = buf ? 0 : -ENOMEM;

	memset(out, 0, sizeof(*out));
	while (rc == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - text) - pos : len - pos;

		line++;
		if (n > TOOL_PROJECT_LINE_MAX)
			rc = add_error(out, line, "longer than %d bytes",
				       TOOL_PROJECT_LINE_MAX);
		else if (memchr(text + pos, '\0', n))
			rc = add_error(out, line, "a NUL byte");
		else {
			memcpy(buf, text + pos, n);
			buf[n] = '\0';
			rc = parse_line(buf, line, &seen, out);
		}
		pos += n + (nl ? 1 : 0);
	}
	free(buf);
	free(seen.names);
	free(seen.lines);
	if (rc)
		tool_project_list_free(out);
	return rc;
}

void tool_project_list_free(struct tool_project_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->projects[i].members);
	free(l->projects);
	free(l->errors);
	memset(l, 0, sizeof(*l));
}

bool tool_project_marked(const char *members, size_t len, int64_t *projid)
{
	static const char rule[] = "comm " TOOL_PROJECT_MARKER;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(members + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - members) - pos : len - pos;
		char id[16];
		uint64_t v;

		if (n > sizeof(rule) - 1 &&
		    n - (sizeof(rule) - 1) < sizeof(id) &&
		    memcmp(members + pos, rule, sizeof(rule) - 1) == 0) {
			memcpy(id, members + pos + sizeof(rule) - 1,
			       n - (sizeof(rule) - 1));
			id[n - (sizeof(rule) - 1)] = '\0';
			if (decimal(id, TOOL_PROJECT_ID_MAX, &v) == 0) {
				*projid = (int64_t)v;
				return true;
			}
		}
		pos += n + (nl ? 1 : 0);
	}
	return false;
}
