/*
 * Reads M/proc/PID/pagedata or xmap as a Solaris program would, with
 * include/rcapfs/procfs.h and libc only (no config.h: it stands for a
 * user's program), checks the structure, and prints what it found as
 * "key value" lines for tests/integration/procfs.sh.
 *
 *   procfs-check pagedata [-s | -b BYTES] SOURCE [NAME:START:END]...
 *	one read(2) of st_size bytes (-s: one byte less; -b: BYTES), then
 *	st_size, bytes, nmap, npage, hwmapped, referenced, modified, and
 *	per range NAME_pages, NAME_hwmapped, NAME_referenced, NAME_maps
 *   procfs-check xmap SOURCE [NAME:START:END]...
 *	read to the end: st_size, bytes, nmap, size_kb, rss_kb, anon_kb,
 *	locked_kb, and per range NAME_maps, NAME_size_kb, NAME_rss_kb,
 *	NAME_anon_kb, NAME_locked_kb, NAME_flags (MA_* of its first entry,
 *	hex)
 *
 * SOURCE is a path, or fd:N for a descriptor the caller holds open. A
 * failed read prints "error NAME" (E2BIG, EACCES ...) and exits 3; a
 * malformed file prints "bad ..." and exits 1.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rcapfs/procfs.h>

#define MAX_RANGES 8

struct range {
	char name[32];
	uint64_t start, end;
	uint64_t pages, hwmapped, referenced, maps;
	uint64_t size_kb, rss_kb, anon_kb, locked_kb;
	int32_t flags;
};

static const char *errno_name(int e)
{
	static char num[16];

	switch (e) {
	case E2BIG:
		return "E2BIG";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case EPERM:
		return "EPERM";
	case ESRCH:
		return "ESRCH";
	case ESTALE:
		return "ESTALE";
	default:
		snprintf(num, sizeof(num), "%d", e);
		return num;
	}
}

static void fail_errno(void)
{
	printf("error %s\n", errno_name(errno));
	exit(3);
}

static void bad(const char *what)
{
	printf("bad %s\n", what);
	exit(1);
}

static int open_source(const char *s)
{
	int fd;

	if (strncmp(s, "fd:", 3) == 0)
		return atoi(s + 3);
	fd = open(s, O_RDONLY);
	if (fd < 0)
		fail_errno();
	return fd;
}

static size_t parse_ranges(char **args, int n, struct range *r)
{
	int i;

	if (n > MAX_RANGES)
		bad("usage: too many ranges");
	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		if (sscanf(args[i], "%31[^:]:%" SCNx64 ":%" SCNx64, r[i].name,
			   &r[i].start, &r[i].end) != 3 ||
		    r[i].start >= r[i].end)
			bad("usage: range NAME:START:END (hex)");
	}
	return (size_t)n;
}

static int pagedata(int argc, char **argv)
{
	struct range r[MAX_RANGES];
	const prpageheader_t *h;
	uint64_t npage = 0, hw = 0, ref = 0, mod = 0, prev_end = 0;
	size_t nr, off, want;
	struct stat st;
	int64_t i;
	ssize_t len;
	int a = 2, fd, shorter = 0;
	long bytes = -1;
	char *buf;

	if (a < argc && strcmp(argv[a], "-s") == 0) {
		shorter = 1;
		a++;
	} else if (a + 1 < argc && strcmp(argv[a], "-b") == 0) {
		bytes = atol(argv[a + 1]);
		a += 2;
	}
	if (a >= argc)
		bad("usage: pagedata [-s | -b BYTES] SOURCE [RANGE]...");
	fd = open_source(argv[a]);
	nr = parse_ranges(argv + a + 1, argc - a - 1, r);
	if (fstat(fd, &st))
		fail_errno();
	want = bytes >= 0 ? (size_t)bytes : (size_t)st.st_size - shorter;
	buf = malloc(want + 1);
	if (!buf)
		bad("memory");
	len = read(fd, buf, want);
	if (len < 0)
		fail_errno();
	printf("st_size %lld\nbytes %zd\n", (long long)st.st_size, len);
	if ((size_t)len < sizeof(*h))
		bad("short header");
	h = (const prpageheader_t *)buf;
	if (h->pr_tstamp.tv_nsec < 0 || h->pr_tstamp.tv_nsec >= 1000000000)
		bad("pr_tstamp");
	off = sizeof(*h);
	for (i = 0; i < h->pr_nmap; i++) {
		const prasmap_t *m = (const prasmap_t *)(buf + off);
		const unsigned char *flags = (const unsigned char *)(m + 1);
		uint64_t j, k, data = PRPAGEDATA_PAD(m->pr_npage);

		if (off + sizeof(*m) > (size_t)len ||
		    data > (size_t)len - off - sizeof(*m))
			bad("mapping past the end");
		if (m->pr_pagesize <= 0 || m->pr_vaddr < prev_end ||
		    m->pr_vaddr % (uint64_t)m->pr_pagesize)
			bad("mapping address");
		if (memchr(m->pr_mapname, '\0', PRMAPSZ) == NULL)
			bad("pr_mapname not terminated");
		if (m->pr_filler[0] != 0)
			bad("pr_filler");
		if (m->pr_mflags & (MA_BREAK | MA_STACK))
			bad("MA_BREAK or MA_STACK in pagedata");
		prev_end = m->pr_vaddr + m->pr_npage * (uint64_t)m->pr_pagesize;
		for (j = 0; j < m->pr_npage; j++) {
			uint64_t addr =
				m->pr_vaddr + j * (uint64_t)m->pr_pagesize;

			if (flags[j] &
			    ~(PG_HWMAPPED | PG_REFERENCED | PG_MODIFIED))
				bad("page flags");
			hw += !!(flags[j] & PG_HWMAPPED);
			ref += !!(flags[j] & PG_REFERENCED);
			mod += !!(flags[j] & PG_MODIFIED);
			for (k = 0; k < nr; k++) {
				if (addr < r[k].start || addr >= r[k].end)
					continue;
				r[k].pages++;
				r[k].hwmapped += !!(flags[j] & PG_HWMAPPED);
				r[k].referenced += !!(flags[j] & PG_REFERENCED);
			}
		}
		for (j = m->pr_npage; j < data; j++)
			if (flags[j])
				bad("padding");
		for (k = 0; k < nr; k++)
			if (m->pr_vaddr < r[k].end && prev_end > r[k].start)
				r[k].maps++;
		npage += m->pr_npage;
		off += sizeof(*m) + data;
	}
	if (off != (size_t)len)
		bad("length");
	if ((uint64_t)h->pr_npage != npage)
		bad("pr_npage");
	printf("nmap %" PRId64 "\nnpage %" PRIu64 "\nhwmapped %" PRIu64
	       "\nreferenced %" PRIu64 "\nmodified %" PRIu64 "\n",
	       h->pr_nmap, npage, hw, ref, mod);
	for (size_t k = 0; k < nr; k++)
		printf("%s_pages %" PRIu64 "\n%s_hwmapped %" PRIu64
		       "\n%s_referenced %" PRIu64 "\n%s_maps %" PRIu64 "\n",
		       r[k].name, r[k].pages, r[k].name, r[k].hwmapped,
		       r[k].name, r[k].referenced, r[k].name, r[k].maps);
	free(buf);
	return 0;
}

static int xmap(int argc, char **argv)
{
	struct range r[MAX_RANGES];
	uint64_t size_kb = 0, rss_kb = 0, anon_kb = 0, locked_kb = 0;
	size_t nr, len = 0, cap = 1 << 16, n, i, k;
	struct stat st;
	ssize_t got;
	char *buf;
	int fd;

	if (argc < 3)
		bad("usage: xmap SOURCE [RANGE]...");
	fd = open_source(argv[2]);
	nr = parse_ranges(argv + 3, argc - 3, r);
	if (fstat(fd, &st))
		fail_errno();
	buf = malloc(cap);
	if (!buf)
		bad("memory");
	while ((got = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)got;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				bad("memory");
		}
	}
	if (got < 0)
		fail_errno();
	if (len % sizeof(prxmap_t))
		bad("length");
	n = len / sizeof(prxmap_t);
	for (i = 0; i < n; i++) {
		const prxmap_t *x = (const prxmap_t *)buf + i;
		uint64_t kpp = (uint64_t)x->pr_pagesize / 1024;

		if (x->pr_pagesize <= 0 ||
		    memchr(x->pr_mapname, '\0', PRMAPSZ) == NULL)
			bad("entry");
		if (x->pr_rss * (uint64_t)x->pr_pagesize > x->pr_size ||
		    x->pr_anon > x->pr_rss || x->pr_locked > x->pr_rss)
			bad("counts");
		if (x->pr_dev == PRNODEV && x->pr_ino != 0)
			bad("pr_ino without pr_dev");
		size_kb += x->pr_size / 1024;
		rss_kb += x->pr_rss * kpp;
		anon_kb += x->pr_anon * kpp;
		locked_kb += x->pr_locked * kpp;
		for (k = 0; k < nr; k++) {
			if (x->pr_vaddr >= r[k].end ||
			    x->pr_vaddr + x->pr_size <= r[k].start)
				continue;
			if (!r[k].maps++)
				r[k].flags = x->pr_mflags;
			r[k].size_kb += x->pr_size / 1024;
			r[k].rss_kb += x->pr_rss * kpp;
			r[k].anon_kb += x->pr_anon * kpp;
			r[k].locked_kb += x->pr_locked * kpp;
		}
	}
	printf("st_size %lld\nbytes %zu\nnmap %zu\nsize_kb %" PRIu64
	       "\nrss_kb %" PRIu64 "\nanon_kb %" PRIu64 "\nlocked_kb %" PRIu64
	       "\n",
	       (long long)st.st_size, len, n, size_kb, rss_kb, anon_kb,
	       locked_kb);
	for (k = 0; k < nr; k++)
		printf("%s_maps %" PRIu64 "\n%s_size_kb %" PRIu64
		       "\n%s_rss_kb %" PRIu64 "\n%s_anon_kb %" PRIu64
		       "\n%s_locked_kb %" PRIu64 "\n%s_flags %x\n",
		       r[k].name, r[k].maps, r[k].name, r[k].size_kb, r[k].name,
		       r[k].rss_kb, r[k].name, r[k].anon_kb, r[k].name,
		       r[k].locked_kb, r[k].name, (unsigned)r[k].flags);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pagedata") == 0)
		return pagedata(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "xmap") == 0)
		return xmap(argc, argv);
	fprintf(stderr, "usage: procfs-check pagedata|xmap ...\n");
	return 2;
}
