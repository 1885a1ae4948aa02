#include "config.h"

#include "compat/procparse.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
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
		case 12:
			if (parse_u64(tok, p, UINT64_MAX, &out->majflt))
				return -EINVAL;
			break;
		case 14:
			if (parse_u64(tok, p, UINT64_MAX, &out->utime_ticks))
				return -EINVAL;
			break;
		case 15:
			if (parse_u64(tok, p, UINT64_MAX, &out->stime_ticks))
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

int rcapfs_procparse_statm(const char *buf, size_t len, uint64_t *size_pages,
			   uint64_t *resident_pages)
{
	const char *end = buf + len;
	const char *sp, *p;

	/* "size resident shared text lib data dt" */
	sp = memchr(buf, ' ', len);
	if (!sp || parse_u64(buf, sp, UINT64_MAX, size_pages))
		return -EINVAL;
	for (p = sp + 1; p < end && *p != ' ' && *p != '\n'; p++)
		;
	return parse_u64(sp + 1, p, UINT64_MAX, resident_pages);
}

int rcapfs_procparse_rollup_pss(const char *buf, size_t len, uint64_t *pss_kb)
{
	const char *end = buf + len;
	const char *p, *eol, *v;

	for (p = buf; p < end; p = eol + 1) {
		eol = line_end(p, end);
		v = after_key(p, eol, "Pss");
		if (v)
			return kb_value(v, eol, pss_kb);
		if (eol == end)
			break;
	}
	return -EINVAL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse [p, end) as a whole hexadecimal number no greater than max. */
static int parse_hex(const char *p, const char *end, uint64_t max,
		     uint64_t *out)
{
	uint64_t v = 0;
	int d;

	if (p == end)
		return -EINVAL;
	for (; p < end; p++) {
		d = hex_digit(*p);
		if (d < 0 || v > (max - (unsigned)d) / 16)
			return -EINVAL;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
	return 0;
}

/* Whether the line at p is a mapping header: hex digits, then '-'. */
static bool is_header(const char *p, const char *eol)
{
	const char *q = p;

	while (q < eol && hex_digit(*q) >= 0)
		q++;
	return q > p && q < eol && *q == '-';
}

/* The end of the token at p: the next c on the line, or NULL. */
static const char *token_end(const char *p, const char *eol, char c)
{
	return memchr(p, c, (size_t)(eol - p));
}

static const char *const special_names[] = {"[vdso]", "[vvar]", "[vsyscall]",
					    "[vvar_vclock]"};

static bool name_is(const char *name, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(name, s, len) == 0;
}

/* Flags and shmid that follow from the inode and the name. */
static void classify_name(struct rcapfs_procparse_vma *v)
{
	struct rcapfs_mapping *m = &v->map;
	const char *name = v->name;
	size_t len = v->name_len;

	/* Files, shmem and SysV segments show a path; what has no inode and
	 * no path has no file behind it ([heap], [anon:x], nothing...). */
	if (m->inode == 0 && (len == 0 || name[0] != '/'))
		m->flags |= RCAPFS_MAP_ANON;
	if (name_is(name, len, "[heap]"))
		m->flags |= RCAPFS_MAP_HEAP;
	if (name_is(name, len, "[stack]"))
		m->flags |= RCAPFS_MAP_STACK;
	for (size_t i = 0; i < sizeof(special_names) / sizeof(special_names[0]);
	     i++)
		if (name_is(name, len, special_names[i]))
			m->flags |= RCAPFS_MAP_SPECIAL;
	/* The kernel names a SysV segment by its key; its id is the inode
	 * number of the segment's file. */
	if (len >= 5 && memcmp(name, "/SYSV", 5) == 0) {
		m->flags |= RCAPFS_MAP_SYSV;
		if (m->inode <= INT32_MAX)
			m->shmid = (int32_t)m->inode;
	}
}

/* "start-end perms offset major:minor inode [name]" */
static int parse_header(const char *p, const char *eol,
			struct rcapfs_procparse_vma *v)
{
	struct rcapfs_mapping *m = &v->map;
	const char *e, *colon;
	uint64_t n;

	e = token_end(p, eol, '-');
	if (!e || parse_hex(p, e, UINT64_MAX, &m->start))
		return -EINVAL;
	p = e + 1;
	e = token_end(p, eol, ' ');
	if (!e || parse_hex(p, e, UINT64_MAX, &m->end) || m->end <= m->start)
		return -EINVAL;
	p = e + 1;
	if (eol - p < 5 || p[4] != ' ')
		return -EINVAL;
	if ((p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') ||
	    (p[2] != 'x' && p[2] != '-') || (p[3] != 's' && p[3] != 'p'))
		return -EINVAL;
	m->flags = (p[0] == 'r' ? RCAPFS_MAP_READ : 0) |
		   (p[1] == 'w' ? RCAPFS_MAP_WRITE : 0) |
		   (p[2] == 'x' ? RCAPFS_MAP_EXEC : 0) |
		   (p[3] == 's' ? RCAPFS_MAP_SHARED : 0);
	p += 5;
	e = token_end(p, eol, ' ');
	if (!e || parse_hex(p, e, UINT64_MAX, &m->offset))
		return -EINVAL;
	p = e + 1;
	e = token_end(p, eol, ' ');
	colon = e ? token_end(p, e, ':') : NULL;
	if (!colon || parse_hex(p, colon, UINT32_MAX, &n))
		return -EINVAL;
	m->dev_major = (uint32_t)n;
	if (parse_hex(colon + 1, e, UINT32_MAX, &n))
		return -EINVAL;
	m->dev_minor = (uint32_t)n;
	/* The inode ends the line when there is no name. */
	p = e + 1;
	e = token_end(p, eol, ' ');
	if (!e)
		e = eol;
	if (parse_u64(p, e, UINT64_MAX, &m->inode))
		return -EINVAL;
	v->name = skip_blanks(e, eol);
	v->name_len = (size_t)(eol - v->name);
	classify_name(v);
	return 0;
}

/* The counters of a mapping, by smaps key; kB, summed where two keys make
 * one field. */
static const struct {
	const char *key;
	size_t off;
} kb_keys[] = {
	{"Rss", offsetof(struct rcapfs_mapping, rss_kb)},
	{"Pss", offsetof(struct rcapfs_mapping, pss_kb)},
	{"Anonymous", offsetof(struct rcapfs_mapping, anon_kb)},
	{"Shared_Clean", offsetof(struct rcapfs_mapping, shared_kb)},
	{"Shared_Dirty", offsetof(struct rcapfs_mapping, shared_kb)},
	{"Private_Dirty", offsetof(struct rcapfs_mapping, private_dirty_kb)},
	{"Referenced", offsetof(struct rcapfs_mapping, referenced_kb)},
	{"Swap", offsetof(struct rcapfs_mapping, swap_kb)},
};

/* The VmFlags mnemonics that set mapping flags. */
static const struct {
	char mnemonic[3];
	uint32_t flag;
} vm_flags[] = {
	{"lo", RCAPFS_MAP_LOCKED},    {"ht", RCAPFS_MAP_HUGETLB},
	{"nr", RCAPFS_MAP_NORESERVE}, {"io", RCAPFS_MAP_SPECIAL},
	{"pf", RCAPFS_MAP_SPECIAL},   {"dd", RCAPFS_MAP_SPECIAL},
};

static void parse_vm_flags(const char *p, const char *eol, uint32_t *flags)
{
	const char *e;

	for (p = skip_blanks(p, eol); p < eol; p = skip_blanks(e, eol)) {
		for (e = p; e < eol && !is_blank(*e); e++)
			;
		if (e - p != 2)
			continue;
		for (size_t i = 0; i < sizeof(vm_flags) / sizeof(vm_flags[0]);
		     i++)
			if (memcmp(p, vm_flags[i].mnemonic, 2) == 0)
				*flags |= vm_flags[i].flag;
	}
}

/* A page size line ("KernelPageSize:  4 kB"). */
static int page_kb_value(const char *v, const char *eol, uint32_t *out)
{
	uint64_t kb;

	if (kb_value(v, eol, &kb) || kb > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)kb;
	return 0;
}

/* One "Key: value" line of a mapping. Keys rcapfs has no use for are
 * skipped, whatever their value. */
static int parse_key_line(const char *p, const char *eol,
			  struct rcapfs_mapping *m)
{
	const char *colon = token_end(p, eol, ':');
	const char *v;
	uint64_t kb, *field;

	if (!colon || colon == p)
		return -EINVAL;
	for (const char *q = p; q < colon; q++)
		if (!(*q == '_' || (*q >= '0' && *q <= '9') ||
		      (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
			return -EINVAL;
	if ((v = after_key(p, eol, "VmFlags"))) {
		parse_vm_flags(v, eol, &m->flags);
		return 0;
	}
	if ((v = after_key(p, eol, "KernelPageSize")))
		return page_kb_value(v, eol, &m->kernel_page_kb);
	if ((v = after_key(p, eol, "MMUPageSize")))
		return page_kb_value(v, eol, &m->mmu_page_kb);
	for (size_t i = 0; i < sizeof(kb_keys) / sizeof(kb_keys[0]); i++) {
		v = after_key(p, eol, kb_keys[i].key);
		if (!v)
			continue;
		field = (uint64_t *)((char *)m + kb_keys[i].off);
		if (kb_value(v, eol, &kb) || kb > UINT64_MAX - *field)
			return -EINVAL;
		*field += kb;
		return 0;
	}
	return 0;
}

int rcapfs_procparse_smaps_next(const char *buf, size_t len, size_t *pos,
				struct rcapfs_procparse_vma *out)
{
	const char *end = buf + len;
	const char *p = buf + *pos;
	const char *eol;

	if (*pos >= len)
		return 0;
	memset(out, 0, sizeof(*out));
	out->map.shmid = -1;
	eol = line_end(p, end);
	if (!is_header(p, eol) || parse_header(p, eol, out))
		return -EINVAL;
	for (p = eol < end ? eol + 1 : end; p < end;
	     p = eol < end ? eol + 1 : end) {
		eol = line_end(p, end);
		if (is_header(p, eol))
			break;
		if (parse_key_line(p, eol, &out->map))
			return -EINVAL;
	}
	*pos = (size_t)(p - buf);
	return 1;
}

/* The blank-separated pids of [v, eol) into out[0..*n). */
static int pid_list(const char *v, const char *eol,
		    pid_t out[RCAPFS_PIDNS_LEVELS], size_t *n)
{
	const char *tok, *p;

	for (tok = skip_blanks(v, eol); tok < eol; tok = skip_blanks(p, eol)) {
		for (p = tok; p < eol && !is_blank(*p); p++)
			;
		if (*n == RCAPFS_PIDNS_LEVELS ||
		    rcapfs_procparse_pid(tok, (size_t)(p - tok), &out[*n]))
			return -EINVAL;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

int rcapfs_procparse_nspid(const char *buf, size_t len,
			   pid_t out[RCAPFS_PIDNS_LEVELS], size_t *n)
{
	const char *end = buf + len;
	const char *p, *eol, *v;

	*n = 0;
	for (p = buf; p < end; p = eol + 1) {
		eol = line_end(p, end);
		if ((v = after_key(p, eol, "NSpid")))
			return pid_list(v, eol, out, n);
		if (eol == end)
			break;
	}
	return 0;
}

int rcapfs_procparse_ns_link(const char *buf, size_t len, const char *type,
			     uint64_t *ino)
{
	size_t n = strlen(type);

	/* type ":[" digits "]" and nothing more */
	if (len < n + 4 || memcmp(buf, type, n) != 0 || buf[n] != ':' ||
	    buf[n + 1] != '[' || buf[len - 1] != ']' || buf[n + 2] == '0')
		return -EINVAL;
	return parse_u64(buf + n + 2, buf + len - 1, UINT64_MAX, ino);
}
