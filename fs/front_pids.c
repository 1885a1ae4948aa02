/*
 * Pids as the caller numbers them (doc/design.md §3): every pid the front
 * shows or reads is in the caller's pid namespace. FUSE gives a request's
 * pid in the daemon's namespace; the backend translates, and caches what
 * each namespace needs. A caller in the daemon's own namespace costs one
 * look at its namespace link and nothing else.
 */
#include "config.h"

#include "compat/log.h"
#include "fs/front_i.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void rcapfs_front_pids_init(struct rcapfs_front *f)
{
	/* No answer (a backend without pid namespaces, a proc root that is
	 * not the daemon's): every caller numbers pids as the daemon. */
	if (f->be->ops->pidns_of(f->be->ctx, getpid(), &f->own_pidns))
		f->own_pidns = 0;
}

/* Whether who numbers pids as the daemon does: it is in the daemon's pid
 * namespace, or that cannot be told (no pid: a caller from a namespace
 * above the daemon's; a backend that cannot say). */
static bool same_numbers(struct rcapfs_front *f,
			 const struct rcapfs_caller *who)
{
	uint64_t ns;

	if (!f->own_pidns || who->pid <= 0)
		return true;
	return f->be->ops->pidns_of(f->be->ctx, who->pid, &ns) != 0 ||
	       ns == f->own_pidns;
}

struct tagged {
	pid_t pid;
	uint64_t tag;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = ((const struct tagged *)a)->pid;
	pid_t y = ((const struct tagged *)b)->pid;

	return (x > y) - (x < y);
}

int rcapfs_front_pids_out(struct rcapfs_front *f,
			  const struct rcapfs_caller *who, pid_t *pids,
			  uint64_t *tags, size_t *n)
{
	struct tagged *kept_pids;
	pid_t *out;
	size_t kept = 0;
	int rc;

	if (*n == 0 || same_numbers(f, who))
		return 0;
	out = malloc(*n * sizeof(*out));
	kept_pids = malloc(*n * sizeof(*kept_pids));
	rc = out && kept_pids ? 0 : -ENOMEM;
	if (rc == 0)
		rc = f->be->ops->pids_to_ns(f->be->ctx, who->pid, pids, out,
					    *n);
	for (size_t i = 0; rc == 0 && i < *n; i++)
		if (out[i] > 0)
			kept_pids[kept++] =
				(struct tagged){out[i], tags ? tags[i] : 0};
	if (rc == 0) {
		qsort(kept_pids, kept, sizeof(*kept_pids), cmp_pid);
		for (size_t i = 0; i < kept; i++) {
			pids[i] = kept_pids[i].pid;
			if (tags)
				tags[i] = kept_pids[i].tag;
		}
		*n = kept;
	}
	free(kept_pids);
	free(out);
	return rc;
}

int rcapfs_front_pid_in(struct rcapfs_front *f, const struct rcapfs_caller *who,
			pid_t pid, pid_t *host)
{
	int rc;

	if (same_numbers(f, who)) {
		*host = pid;
		return 0;
	}
	rc = f->be->ops->pid_from_ns(f->be->ctx, who->pid, pid, host);
	return rc == -ESRCH ? -ENOENT : rc;
}

/* The decimal pid at s (len bytes, digits only, 1 to INT_MAX): 0, or
 * -EINVAL for anything else. */
static int digits_pid(const char *s, size_t len, pid_t *out)
{
	long v = 0;

	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > INT_MAX)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

/* Where the pid of a "pid N" rule is in line (len bytes, no newline):
 * *at and *len_out; false for any other line. Only the number is found:
 * whether the rule is well formed is the parser's to say. */
static bool pid_rule(const char *line, size_t len, size_t *at, size_t *len_out)
{
	size_t i = 0, j;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < 4 || memcmp(line + i, "pid", 3) != 0 ||
	    (line[i + 3] != ' ' && line[i + 3] != '\t'))
		return false;
	i += 3;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (j = i; j < len && line[j] >= '0' && line[j] <= '9'; j++)
		;
	*at = i;
	*len_out = j - i;
	return j > i;
}

int rcapfs_front_members_in(struct rcapfs_front *f,
			    const struct rcapfs_caller *who, const char **rules,
			    size_t *rules_len, struct rcapfs_buf *out,
			    char *err, size_t errlen)
{
	const char *text = *rules;
	size_t len = *rules_len, pos = 0, at, digits;
	unsigned lineno = 0;
	pid_t pid, host;
	int rc = 0;

	if (same_numbers(f, who))
		return 0;
	while (rc == 0 && pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - line) : len - pos;

		lineno++;
		pos += linelen + (nl ? 1 : 0);
		if (!pid_rule(line, linelen, &at, &digits) ||
		    digits_pid(line + at, digits, &pid)) {
			rc = rcapfs_buf_add(out, line, linelen + (nl ? 1 : 0));
			continue;
		}
		rc = f->be->ops->pid_from_ns(f->be->ctx, who->pid, pid, &host);
		if (rc == -ESRCH) {
			snprintf(err, errlen, "line %u: no process %d", lineno,
				 (int)pid);
			return -EINVAL;
		}
		if (rc == 0)
			rc = rcapfs_buf_add(out, line, at);
		if (rc == 0)
			rc = rcapfs_buf_printf(out, "%d", (int)host);
		if (rc == 0)
			rc = rcapfs_buf_add(out, line + at + digits,
					    linelen - at - digits +
						    (nl ? 1 : 0));
	}
	if (rc == 0) {
		*rules = out->data;
		*rules_len = out->len;
	}
	return rc;
}

int rcapfs_front_members_out(struct rcapfs_front *f,
			     const struct rcapfs_caller *who,
			     struct rcapfs_buf *text, size_t from)
{
	struct rcapfs_buf out = RCAPFS_BUF_INIT;
	size_t pos = from, at, digits;
	pid_t pid, seen;
	int rc = 0;

	if (same_numbers(f, who))
		return 0;
	while (rc == 0 && pos < text->len) {
		const char *line = text->data + pos;
		const char *nl = memchr(line, '\n', text->len - pos);
		size_t linelen = nl ? (size_t)(nl - line) : text->len - pos;

		pos += linelen + (nl ? 1 : 0);
		if (!pid_rule(line, linelen, &at, &digits) ||
		    digits_pid(line + at, digits, &pid)) {
			rc = rcapfs_buf_add(&out, line, linelen + (nl ? 1 : 0));
			continue;
		}
		rc = f->be->ops->pids_to_ns(f->be->ctx, who->pid, &pid, &seen,
					    1);
		/* A rule for a process this caller cannot see stays, and
		 * says so: it cannot be named from here. */
		if (rc == 0 && seen == 0)
			rc = rcapfs_buf_printf(&out, "# pid: a process outside "
						     "this pid namespace\n");
		else if (rc == 0)
			rc = rcapfs_buf_printf(&out, "pid %d\n", (int)seen);
	}
	if (rc == 0) {
		text->len = from;
		rc = rcapfs_buf_add(text, out.data, out.len);
	}
	rcapfs_buf_release(&out);
	return rc;
}
