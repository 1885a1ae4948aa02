#include "config.h"

#include "compat/procparse.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* Parse [p, end) as a whole unsigned decimal no greater than max. */
static int parse_u64(const char *p, const char *end, uint64_t max,
		     uint64_t *out)
{
	uint64_t v = 0;

	if (p == end)
		return -EINVAL;
	for (; p < end; p++) {
		unsigned d = (unsigned char)*p - '0';

		if (d > 9 || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* End of the line starting at p: its '\n', or end. */
static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* If the line [p, eol) starts with "key:", return what follows the colon. */
static const char *after_key(const char *p, const char *eol, const char *key)
{
	size_t n = strlen(key);

	if ((size_t)(eol - p) <= n || memcmp(p, key, n) != 0 || p[n] != ':')
		return NULL;
	return p + n + 1;
}

/* The first number after the key, as in "Uid:\t1000\t1000\t1000\t1000". */
static int first_number(const char *v, const char *eol, uint64_t max,
			uint64_t *out)
{
	const char *tok = skip_blanks(v, eol);
	const char *p = tok;

	while (p < eol && !is_blank(*p))
		p++;
	return parse_u64(tok, p, max, out);
}

/* A "   1234 kB" value: the number in kB, nothing else on the line. */
static int kb_value(const char *v, const char *eol, uint64_t *kb)
{
	const char *tok = skip_blanks(v, eol);
	const char *p = tok;
	int ret;

	while (p < eol && !is_blank(*p))
		p++;
	ret = parse_u64(tok, p, UINT64_MAX, kb);
	if (ret)
		return ret;
	p = skip_blanks(p, eol);
	if (eol - p < 2 || memcmp(p, "kB", 2) != 0)
		return -EINVAL;
	return skip_blanks(p + 2, eol) == eol ? 0 : -EINVAL;
}

int rcapfs_procparse_pid(const char *buf, size_t len, pid_t *out)
{
	uint64_t v;

	if (len == 0 || buf[0] == '0' || parse_u64(buf, buf + len, INT_MAX, &v))
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

int rcapfs_procparse_stat(const char *buf, size_t len,
			  struct rcapfs_procparse_stat *out)
{
	const char *end = buf + len;
	const char *open, *close, *p, *tok;
	uint64_t v;
	size_t n;
	int field;

	open = memchr(buf, '(', len);
	if (!open)
		return -EINVAL;
	/* The last ')' ends comm: the fields after it never hold one. */
	for (close = end - 1; close > open && *close != ')'; close--)
		;
	if (close == open)
		return -EINVAL;
	/* "PID (" */
	if (open == buf || open[-1] != ' ' ||
	    parse_u64(buf, open - 1, INT_MAX, &v))
		return -EINVAL;
	out->pid = (pid_t)v;
	n = (size_t)(close - open - 1);
	if (n > sizeof(out->comm) - 1)
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';

	/* Fields 3 (state) to 24 (rss), one space before each. */
	p = close + 1;
	for (field = 3; field <= 24; field++) {
		if (p == end || *p != ' ')
			return -EINVAL;
		tok = ++p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == tok)
			return -EINVAL;
		switch (field) {
		case 3:
			if (p - tok != 1)
				return -EINVAL;
			out->state = *tok;
			break;
		case 4:
			if (parse_u64(tok, p, INT_MAX, &v))
				return -EINVAL;
			out->ppid = (pid_t)v;
			break;
		case 9:
			if (parse_u64(tok, p, UINT64_MAX, &out->flags))
				return -EINVAL;
			break;
		case 22:
			if (parse_u64(tok, p, UINT64_MAX, &out->start_ticks))
				return -EINVAL;
			break;
		case 23:
			if (parse_u64(tok, p, UINT64_MAX, &out->vsize_bytes))
				return -EINVAL;
			break;
		case 24:
			if (parse_u64(tok, p, UINT64_MAX, &out->rss_pages))
				return -EINVAL;
			break;
		default:
			break;
		}
	}
	return 0;
}

enum {
	SEEN_TGID = 0x1,
	SEEN_UID = 0x2,
	SEEN_GID = 0x4,
	SEEN_VMSIZE = 0x8,
	SEEN_VMRSS = 0x10,
	SEEN_IDS = SEEN_TGID | SEEN_UID | SEEN_GID,
	SEEN_VM = SEEN_VMSIZE | SEEN_VMRSS,
};

int rcapfs_procparse_status(const char *buf, size_t len,
			    struct rcapfs_procparse_status *out)
{
	const char *end = buf + len;
	const char *p, *eol, *v;
	unsigned seen = 0;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	for (p = buf; p < end && seen != (SEEN_IDS | SEEN_VM); p = eol + 1) {
		eol = line_end(p, end);
		if ((v = after_key(p, eol, "Tgid"))) {
			if (first_number(v, eol, INT_MAX, &n))
				return -EINVAL;
			out->tgid = (pid_t)n;
			seen |= SEEN_TGID;
		} else if ((v = after_key(p, eol, "Uid"))) {
			if (first_number(v, eol, (uid_t)-1, &n))
				return -EINVAL;
			out->ruid = (uid_t)n;
			seen |= SEEN_UID;
		} else if ((v = after_key(p, eol, "Gid"))) {
			if (first_number(v, eol, (gid_t)-1, &n))
				return -EINVAL;
			out->rgid = (gid_t)n;
			seen |= SEEN_GID;
		} else if ((v = after_key(p, eol, "VmSize"))) {
			if (kb_value(v, eol, &out->vm_kb))
				return -EINVAL;
			seen |= SEEN_VMSIZE;
		} else if ((v = after_key(p, eol, "VmRSS"))) {
			if (kb_value(v, eol, &out->rss_kb))
				return -EINVAL;
			seen |= SEEN_VMRSS;
		}
		if (eol == end)
			break;
	}
	if ((seen & SEEN_IDS) != SEEN_IDS)
		return -EINVAL;
	/* The kernel prints all Vm lines or none: one alone is not status. */
	if ((seen & SEEN_VM) != 0 && (seen & SEEN_VM) != SEEN_VM)
		return -EINVAL;
	out->has_vm = (seen & SEEN_VM) != 0;
	return 0;
}

/* Whether the comma-separated list [p, end) names the controller c. */
static int has_controller(const char *p, const char *end, const char *c)
{
	size_t n = strlen(c);

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;

		if ((size_t)(e - p) == n && memcmp(p, c, n) == 0)
			return 1;
		p = e + (comma != NULL);
	}
	return 0;
}

int rcapfs_procparse_cgroup(const char *buf, size_t len, const char **path,
			    size_t *path_len)
{
	const char *end = buf + len;
	const char *p, *eol, *c1, *c2;
	const char *v2 = NULL, *mem = NULL;
	size_t v2_len = 0, mem_len = 0;
	uint64_t id;

	for (p = buf; p < end; p = eol + 1) {
		eol = line_end(p, end);
		if (eol == p)
			goto next;
		/* "hierarchy-ID:controller-list:path"; the path may hold ':' */
		c1 = memchr(p, ':', (size_t)(eol - p));
		if (!c1 || parse_u64(p, c1, UINT_MAX, &id))
			return -EINVAL;
		c2 = memchr(c1 + 1, ':', (size_t)(eol - c1 - 1));
		if (!c2)
			return -EINVAL;
		if (id == 0 && c2 == c1 + 1) {
			v2 = c2 + 1;
			v2_len = (size_t)(eol - v2);
		} else if (has_controller(c1 + 1, c2, "memory")) {
			mem = c2 + 1;
			mem_len = (size_t)(eol - mem);
		}
	next:
		if (eol == end)
			break;
	}
	*path = mem ? mem : v2;
	*path_len = mem ? mem_len : v2_len;
	return 0;
}

int rcapfs_procparse_meminfo(const char *buf, size_t len,
			     struct rcapfs_meminfo *out)
{
	static const char *const keys[] = {"MemTotal", "MemAvailable",
					   "SwapTotal", "SwapFree"};
	uint64_t *const dst[] = {&out->mem_total, &out->mem_available,
				 &out->swap_total, &out->swap_free};
	const unsigned all = (1u << (sizeof(keys) / sizeof(keys[0]))) - 1;
	const char *end = buf + len;
	const char *p, *eol, *v;
	unsigned seen = 0;
	uint64_t kb;
	size_t i;

	for (p = buf; p < end; p = eol + 1) {
		eol = line_end(p, end);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			v = after_key(p, eol, keys[i]);
			if (!v)
				continue;
			if (kb_value(v, eol, &kb) || kb > UINT64_MAX / 1024)
				return -EINVAL;
			*dst[i] = kb * 1024;
			seen |= 1u << i;
			break;
		}
		if (eol == end)
			break;
	}
	return seen == all ? 0 : -EINVAL;
}
