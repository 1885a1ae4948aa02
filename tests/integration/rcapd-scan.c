/*
 * rcapd-scan: what illumos rcapd decides from /proc/PID/pagedata, done
 * again from the description of its scanner, with include/rcapfs/procfs.h
 * and libc only (no config.h: it stands for a Solaris program). A test
 * runs it on rcapfs to show such a program makes the choices it made on
 * Solaris.
 *
 *   rcapd-scan FILE START END [SECONDS]
 *
 * Opens FILE (a pagedata) and, SECONDS later (default 1), takes two
 * snapshots the way rcapd takes one per pass: fstat, allocate st_size
 * bytes, read, and again while the read falls short or fails with E2BIG.
 * The first is ORed into the second page by page where their mappings
 * match (the bits accumulated since the clock hand last passed). Then the
 * hand walks the pages of [START, END) (hex) with an excess as large as
 * that range: a page whose byte is not zero was referenced or modified
 * and gets a second chance; a run of zero bytes is paged out, up to the
 * excess. (rcapd also zeroes its accumulated bytes while estimating
 * unreferenced memory, before the walk: left out, as it would hide what
 * the bytes say.) Prints "key value" lines:
 *
 *   foreign_bytes	flag bytes with bits other than PG_REFERENCED and
 *			PG_MODIFIED, which rcapd asserts never appear
 *   unreferenced_kb	rcapd's estimate of the memory neither referenced
 *			nor modified, over the whole process
 *   range_pages	pages of the range in the snapshot
 *   chosen_pages	pages of the range the walk pages out
 *   ranges		page-out calls it makes
 *
 * Exits 1 (with "bad ...") on a malformed snapshot, 3 on a failed read.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rcapfs/procfs.h>

/* A read that changes size this many times in a row is given up. */
#define MAX_TRIES 1000

/* One mapping of a snapshot: where its flag bytes are. */
struct entry {
	uint64_t vaddr;
	uint64_t npage;
	uint64_t pagesize;
	unsigned char *flags;
};

struct snapshot {
	char *buf;
	struct entry *e;
	size_t n;
};

static void bad(const char *what)
{
	printf("bad %s\n", what);
	exit(1);
}

/* rcapd's read: st_size bytes, again while that is not what a read gives
 * (the address space changed between the two). */
static char *take(int fd, size_t *len)
{
	struct stat st;
	ssize_t r;
	char *buf;

	for (int i = 0; i < MAX_TRIES; i++) {
		if (fstat(fd, &st) || st.st_size <= 0)
			break;
		buf = calloc(1, (size_t)st.st_size);
		if (!buf)
			bad("memory");
		errno = 0;
		r = read(fd, buf, (size_t)st.st_size);
		if (r == st.st_size) {
			*len = (size_t)r;
			return buf;
		}
		free(buf);
		if (r <= 0 && errno != E2BIG)
			break;
	}
	printf("error %s\n", strerror(errno ? errno : EAGAIN));
	exit(3);
}

static void parse(struct snapshot *s, size_t len)
{
	const prpageheader_t *h = (const prpageheader_t *)s->buf;
	size_t off = sizeof(*h);

	if (len < sizeof(*h) || h->pr_nmap < 0 ||
	    (uint64_t)h->pr_nmap > len / sizeof(prasmap_t))
		bad("header");
	s->n = (size_t)h->pr_nmap;
	s->e = calloc(s->n ? s->n : 1, sizeof(*s->e));
	if (!s->e)
		bad("memory");
	for (size_t i = 0; i < s->n; i++) {
		prasmap_t *a = (prasmap_t *)(s->buf + off);

		if (off + sizeof(*a) > len ||
		    PRPAGEDATA_PAD(a->pr_npage) > len - off - sizeof(*a) ||
		    a->pr_pagesize <= 0)
			bad("mapping");
		s->e[i].vaddr = a->pr_vaddr;
		s->e[i].npage = a->pr_npage;
		s->e[i].pagesize = (uint64_t)a->pr_pagesize;
		s->e[i].flags = (unsigned char *)(a + 1);
		off += sizeof(*a) + PRPAGEDATA_PAD(a->pr_npage);
	}
	if (off != len)
		bad("length");
}

/* OR the bytes of old into s for the pages at the same address (both are
 * in address order). */
static void merge(struct snapshot *s, const struct snapshot *old)
{
	size_t i = 0, j = 0;

	while (i < s->n && j < old->n) {
		const struct entry *a = &s->e[i], *b = &old->e[j];
		uint64_t a_end = a->vaddr + a->npage * a->pagesize;
		uint64_t b_end = b->vaddr + b->npage * b->pagesize;

		if (a->pagesize == b->pagesize)
			for (uint64_t addr = a->vaddr > b->vaddr ? a->vaddr
								 : b->vaddr;
			     addr < a_end && addr < b_end; addr += a->pagesize)
				a->flags[(addr - a->vaddr) / a->pagesize] |=
					b->flags[(addr - b->vaddr) /
						 b->pagesize];
		if (a_end < b_end)
			i++;
		else
			j++;
	}
}

int main(int argc, char **argv)
{
	uint64_t start, end, excess_kb, unref_kb = 0, foreign = 0;
	uint64_t range_pages = 0, chosen = 0, ranges = 0;
	struct snapshot old = {0}, s = {0};
	struct timespec wait = {1, 0};
	size_t len;
	char *e1, *e2;
	int fd;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: rcapd-scan FILE START END [SECONDS]\n");
		return 2;
	}
	start = strtoull(argv[2], &e1, 16);
	end = strtoull(argv[3], &e2, 16);
	if (*e1 || *e2 || start >= end)
		bad("range");
	if (argc == 5)
		wait.tv_sec = atoi(argv[4]);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("error %s\n", strerror(errno));
		return 3;
	}
	while (nanosleep(&wait, &wait) && errno == EINTR)
		;
	old.buf = take(fd, &len);
	parse(&old, len);
	s.buf = take(fd, &len);
	parse(&s, len);
	close(fd);
	merge(&s, &old);

	for (size_t i = 0; i < s.n; i++)
		for (uint64_t j = 0; j < s.e[i].npage; j++) {
			unsigned char f = s.e[i].flags[j];

			foreign += (f & ~(PG_REFERENCED | PG_MODIFIED)) != 0;
			if (!(f & (PG_REFERENCED | PG_MODIFIED)))
				unref_kb += s.e[i].pagesize / 1024;
		}

	/* The clock hand over the range, the excess its size. */
	excess_kb = (end - start) / 1024;
	for (size_t i = 0; i < s.n; i++) {
		const struct entry *m = &s.e[i];
		uint64_t lo = 0, hi = m->npage, j, run_kb;

		while (lo < hi && m->vaddr + lo * m->pagesize < start)
			lo++;
		while (hi > lo && m->vaddr + (hi - 1) * m->pagesize >= end)
			hi--;
		range_pages += hi - lo;
		for (j = lo; j < hi && excess_kb > 0;) {
			/* Referenced or modified: a second chance. */
			if (m->flags[j] != 0) {
				j++;
				continue;
			}
			/* A run of the others, as long as the excess. */
			for (run_kb = 0;
			     j < hi && m->flags[j] == 0 && run_kb < excess_kb;
			     j++, chosen++)
				run_kb += m->pagesize / 1024;
			ranges++;
			excess_kb -= run_kb < excess_kb ? run_kb : excess_kb;
		}
	}
	printf("foreign_bytes %" PRIu64 "\nunreferenced_kb %" PRIu64
	       "\nrange_pages %" PRIu64 "\nchosen_pages %" PRIu64
	       "\nranges %" PRIu64 "\n",
	       foreign, unref_kb, range_pages, chosen, ranges);
	free(old.e);
	free(old.buf);
	free(s.e);
	free(s.buf);
	return 0;
}
