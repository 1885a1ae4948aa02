/*
 * procfs-dump pagedata|xmap: every field of the M/proc/PID/pagedata or
 * xmap open on standard input, one line per structure, read with
 * include/rcapfs/procfs.h and libc alone (no config.h), as a user's
 * program would. tests/integration/procfs32.sh builds it as a 64-bit and
 * as a 32-bit program and compares what both print: the header promises
 * 32-bit readers the LP64 layout.
 *
 *   pagedata: one read(2) of the whole snapshot (st_size, more on E2BIG),
 *	then "tstamp SEC NSEC" (a line of its own: it changes from read to
 *	read), "header nmap N npage N", and per mapping I "asmap I ..." with
 *	every prasmap_t field, "pages I ..." its flag bytes and "pad I ..."
 *	its padding bytes, both as runs VALUE*COUNT (VALUE in hex)
 *   xmap: read to the end, then "xmap I ..." with every prxmap_t field
 *
 * Reading standard input lets a caller hand it a pagedata descriptor it
 * holds (`procfs-dump pagedata <&3`): the bits a read reports belong to
 * the descriptor. Exits 1 with a message on a failed read or a malformed
 * file.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rcapfs/procfs.h>

static void die(const char *what)
{
	fprintf(stderr, "procfs-dump: %s\n", what);
	exit(1);
}

static void die_errno(const char *what)
{
	fprintf(stderr, "procfs-dump: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* pr_mapname up to its NUL, bytes outside printable ASCII as \xNN. */
static void print_name(const char *name)
{
	size_t i, len = strnlen(name, PRMAPSZ);

	if (len == PRMAPSZ)
		die("pr_mapname not terminated");
	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* LABEL I, then len bytes as runs of equal values. */
static void print_runs(const char *label, int64_t i, const unsigned char *b,
		       uint64_t len)
{
	uint64_t start = 0, j;

	printf("%s %" PRId64, label, i);
	for (j = 1; j <= len; j++) {
		if (j < len && b[j] == b[start])
			continue;
		printf(" %02x*%" PRIu64, b[start], j - start);
		start = j;
	}
	putchar('\n');
}

/* One read of the whole snapshot; the size grows on E2BIG (the process
 * grew since fstat). Returns the bytes read. */
static size_t read_pagedata(char **buf)
{
	struct stat st;
	size_t size;
	ssize_t r;

	if (fstat(0, &st))
		die_errno("fstat");
	size = (size_t)st.st_size;
	for (;;) {
		*buf = realloc(*buf, size ? size : 1);
		if (!*buf)
			die("out of memory");
		r = read(0, *buf, size);
		if (r >= 0)
			return (size_t)r;
		if (errno != E2BIG && errno != EINTR)
			die_errno("read");
		if (errno == E2BIG)
			size = size * 2 + 4096;
	}
}

static int pagedata(void)
{
	const prpageheader_t *h;
	char *buf = NULL;
	size_t len, off;
	int64_t i;

	len = read_pagedata(&buf);
	if (len < sizeof(*h))
		die("short header");
	h = (const prpageheader_t *)buf;
	printf("tstamp %" PRId64 " %" PRId64 "\n", h->pr_tstamp.tv_sec,
	       h->pr_tstamp.tv_nsec);
	printf("header nmap %" PRId64 " npage %" PRId64 "\n", h->pr_nmap,
	       h->pr_npage);
	off = sizeof(*h);
	for (i = 0; i < h->pr_nmap; i++) {
		const prasmap_t *a = (const prasmap_t *)(buf + off);
		const unsigned char *flags = (const unsigned char *)(a + 1);
		uint64_t data;

		if (len - off < sizeof(*a))
			die("prasmap_t past the end");
		data = PRPAGEDATA_PAD(a->pr_npage);
		if (a->pr_npage > data || data > len - off - sizeof(*a))
			die("flag bytes past the end");
		printf("asmap %" PRId64 " vaddr 0x%016" PRIx64 " npage %" PRIu64
		       " mapname ",
		       i, a->pr_vaddr, a->pr_npage);
		print_name(a->pr_mapname);
		printf(" offset %" PRId64 " mflags 0x%" PRIx32
		       " pagesize %" PRId32 " shmid %" PRId32 " filler %" PRId32
		       "\n",
		       a->pr_offset, (uint32_t)a->pr_mflags, a->pr_pagesize,
		       a->pr_shmid, a->pr_filler[0]);
		print_runs("pages", i, flags, a->pr_npage);
		print_runs("pad", i, flags + a->pr_npage, data - a->pr_npage);
		off += sizeof(*a) + (size_t)data;
	}
	if (off != len)
		die("bytes after the last mapping");
	free(buf);
	return 0;
}

static int xmap(void)
{
	size_t cap = 64 * sizeof(prxmap_t), len = 0, n, i, k;
	char *buf = NULL;
	ssize_t r;

	for (;;) {
		if (!buf || len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("out of memory");
		}
		r = read(0, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die_errno("read");
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len % sizeof(prxmap_t))
		die("not a whole number of prxmap_t");
	n = len / sizeof(prxmap_t);
	for (i = 0; i < n; i++) {
		const prxmap_t *x = (const prxmap_t *)buf + i;

		printf("xmap %zu vaddr 0x%016" PRIx64 " size %" PRIu64
		       " mapname ",
		       i, x->pr_vaddr, x->pr_size);
		print_name(x->pr_mapname);
		printf(" offset %" PRId64 " mflags 0x%" PRIx32
		       " pagesize %" PRId32 " shmid %" PRId32 " align %" PRId32
		       " dev 0x%016" PRIx64 " ino %" PRIu64 " rss %" PRIu64
		       " anon %" PRIu64 " locked %" PRIu64 " pad %" PRIu64
		       " hatpagesize %" PRIu64 " filler",
		       x->pr_offset, (uint32_t)x->pr_mflags, x->pr_pagesize,
		       x->pr_shmid, x->pr_align, x->pr_dev, x->pr_ino,
		       x->pr_rss, x->pr_anon, x->pr_locked, x->pr_pad,
		       x->pr_hatpagesize);
		for (k = 0; k < sizeof(x->pr_filler) / sizeof(x->pr_filler[0]);
		     k++)
			printf(" %" PRIu64, x->pr_filler[k]);
		putchar('\n');
	}
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "pagedata") == 0)
		return pagedata();
	if (argc == 2 && strcmp(argv[1], "xmap") == 0)
		return xmap();
	fprintf(stderr, "usage: procfs-dump pagedata|xmap <FILE\n");
	return 2;
}
