/*
 * pmapx PID [MOUNT]: Solaris `pmap -x` for Linux, from MOUNT/proc/PID/xmap
 * alone (MOUNT defaults to /run/rcapfs). Columns, widths, merging of
 * adjacent entries and the total line are those of pmap -x for a 64-bit
 * process; the first line names the process by its first file mapping
 * (usually the program), which is what the mount knows of it.
 *
 * Uses include/rcapfs/procfs.h and libc only, as a Solaris reader would.
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

#define ADDR_COLS 16 /* a 64-bit address */
#define COL_WIDTH 11
#define KILOBYTE  1024

/* A row: one xmap entry, or adjacent ones merged. */
struct row {
	prxmap_t x;
	char name[PRMAPSZ + 40];
};

struct totals {
	uint64_t size_kb, rss_kb, anon_kb, locked_kb;
};

/* The whole file: xmap answers reads at any offset, so read to the end. */
static prxmap_t *read_xmap(const char *path, size_t *n)
{
	size_t cap = 64 * sizeof(prxmap_t), len = 0;
	char *buf = NULL, *p;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (!buf || len == cap) {
			cap *= 2;
			p = realloc(buf, cap);
			if (!p)
				goto fail;
			buf = p;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len % sizeof(prxmap_t)) {
		free(buf);
		errno = EPROTO;
		return NULL;
	}
	*n = len / sizeof(prxmap_t);
	return (prxmap_t *)buf;
fail:
	r = errno;
	close(fd);
	free(buf);
	errno = (int)r;
	return NULL;
}

/* The Mapped File column, as pmap names what has no file. */
static void row_name(const prxmap_t *x, char *out, size_t len)
{
	const char *n = x->pr_mapname;
	size_t nl = strnlen(n, PRMAPSZ);

	if (x->pr_mflags & MA_SHM)
		snprintf(out, len, "  [ %sshmid=0x%x ]",
			 (x->pr_mflags & MA_ISM) ? "ism " : "",
			 (unsigned)x->pr_shmid);
	else if (nl)
		snprintf(out, len, "%.*s", (int)nl, n);
	else if (x->pr_mflags & MA_BREAK)
		snprintf(out, len, "  [ heap ]");
	else if (x->pr_mflags & MA_STACK)
		snprintf(out, len, "  [ stack ]");
	else if (x->pr_dev != PRNODEV)
		snprintf(out, len, "dev:%" PRIu32 ",%" PRIu32 " ino:%" PRIu64,
			 RCAPFS_PRDEV_MAJOR(x->pr_dev),
			 RCAPFS_PRDEV_MINOR(x->pr_dev), x->pr_ino);
	else
		snprintf(out, len, "  [ anon ]");
}

static const char *mode(int32_t f)
{
	static char m[7];

	m[0] = (f & MA_READ) ? 'r' : '-';
	m[1] = (f & MA_WRITE) ? 'w' : '-';
	m[2] = (f & MA_EXEC) ? 'x' : '-';
	m[3] = (f & MA_SHARED) ? 's' : '-';
	m[4] = (f & MA_NORESERVE) ? 'R' : '-';
	m[5] = (f & MA_RESERVED1) ? '*' : ' ';
	m[6] = '\0';
	return m;
}

/* A number column: right-aligned after one space, "-" for zero. */
static void print_k(uint64_t v)
{
	if (v == 0)
		printf("%*s", COL_WIDTH, "-");
	else
		printf(" %*" PRIu64, COL_WIDTH - 1, v);
}

static uint64_t kb(uint64_t pages, int32_t pagesize)
{
	return pages * (uint64_t)pagesize / KILOBYTE;
}

/* Anonymous memory of shared mappings is not shown (pmap without -a). */
static uint64_t anon_of(const prxmap_t *x)
{
	return (x->pr_mflags & MA_SHARED) ? 0 : x->pr_anon;
}

static void print_row(const struct row *r, struct totals *t)
{
	const prxmap_t *x = &r->x;
	uint64_t size_kb = (x->pr_size + KILOBYTE - 1) / KILOBYTE;

	printf("%0*" PRIX64, ADDR_COLS, x->pr_vaddr);
	print_k(size_kb);
	print_k(kb(x->pr_rss, x->pr_pagesize));
	print_k(kb(anon_of(x), x->pr_pagesize));
	print_k(kb(x->pr_locked, x->pr_pagesize));
	printf(" %-6s %s\n", mode(x->pr_mflags), r->name);
	t->size_kb += size_kb;
	t->rss_kb += kb(x->pr_rss, x->pr_pagesize);
	t->anon_kb += kb(anon_of(x), x->pr_pagesize);
	t->locked_kb += kb(x->pr_locked, x->pr_pagesize);
}

/* Whether x continues row r: contiguous, same flags and page size, the
 * same object at the following offset (pmap merges what xmap split by MMU
 * page size). */
static int continues(const struct row *r, const prxmap_t *x, const char *name)
{
	const prxmap_t *p = &r->x;

	return p->pr_vaddr + p->pr_size == x->pr_vaddr &&
	       p->pr_mflags == x->pr_mflags &&
	       p->pr_pagesize == x->pr_pagesize &&
	       ((uint64_t)p->pr_offset + p->pr_size == (uint64_t)x->pr_offset ||
		(x->pr_mflags & MA_ISM)) &&
	       strcmp(r->name, name) == 0;
}

static void merge(struct row *r, const prxmap_t *x)
{
	r->x.pr_size += x->pr_size;
	r->x.pr_rss += x->pr_rss;
	r->x.pr_anon += x->pr_anon;
	r->x.pr_locked += x->pr_locked;
}

int main(int argc, char **argv)
{
	const char *mount = argc > 2 ? argv[2] : "/run/rcapfs";
	struct totals t = {0, 0, 0, 0};
	struct row r;
	char path[4096], name[sizeof(r.name)];
	const char *prog = "";
	prxmap_t *xs;
	size_t n, i;
	char *end;
	long pid;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: pmapx PID [MOUNT]\n");
		return 2;
	}
	errno = 0;
	pid = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || pid <= 0) {
		fprintf(stderr, "pmapx: not a process id: %s\n", argv[1]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/proc/%ld/xmap", mount, pid);
	xs = read_xmap(path, &n);
	if (!xs) {
		fprintf(stderr, "pmapx: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (xs[i].pr_dev != PRNODEV && xs[i].pr_mapname[0]) {
			prog = xs[i].pr_mapname;
			break;
		}
	}
	printf("%ld:\t%.*s\n", pid, 70, prog);
	printf("%*s%*s%*s%*s%*s Mode   Mapped File\n", ADDR_COLS, "Address",
	       COL_WIDTH, "Kbytes", COL_WIDTH, "RSS", COL_WIDTH, "Anon",
	       COL_WIDTH, "Locked");
	for (i = 0; i < n; i++) {
		row_name(&xs[i], name, sizeof(name));
		if (i > 0 && continues(&r, &xs[i], name)) {
			merge(&r, &xs[i]);
			continue;
		}
		if (i > 0)
			print_row(&r, &t);
		r.x = xs[i];
		memcpy(r.name, name, sizeof(name));
	}
	if (n > 0)
		print_row(&r, &t);
	printf("---------------- ---------- ---------- ---------- "
	       "----------\n");
	printf("%*s", ADDR_COLS, "total Kb");
	print_k(t.size_kb);
	print_k(t.rss_kb);
	print_k(t.anon_kb);
	print_k(t.locked_kb);
	printf("\n");
	free(xs);
	return 0;
}
