#include "config.h"

#include "compat/linux/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The idle bitmap of idle page tracking (sys/kernel/mm/page_idle/bitmap),
 * a bit per PFN: a walk marks the pages whose bit the kernel cleared
 * (accessed since they were marked), and marks pages idle again.
 */

/* A run of idle bitmap words read or written at once goes on through at
 * most this many words nobody asked about rather than split in two: a
 * system call costs more. Reading a word makes the kernel look at 64
 * pages, writing zeros costs it next to nothing. */
#define IDLE_READ_GAP_WORDS  2
#define IDLE_WRITE_GAP_WORDS 64
/* Idle bitmap words per read or write. */
#define IDLE_IO_WORDS 4096

int linux_idle_open(struct walk *w, int oflags)
{
	w->words = reallocarray(NULL, w->cap, sizeof(*w->words));
	w->vals = reallocarray(NULL, w->cap, sizeof(*w->vals));
	w->io = calloc(IDLE_IO_WORDS, sizeof(*w->io));
	if (!w->words || !w->vals || !w->io)
		return -ENOMEM;
	w->bitmap_fd = openat(w->c->sys_fd, IDLE_BITMAP, oflags | O_CLOEXEC);
	return w->bitmap_fd < 0 ? -errno : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A page whose PFN the idle bitmap knows: present, not the zero page, and
 * its PFN visible. */
static bool idle_page(const struct walk *w, size_t i)
{
	return linux_real_page(w->flags[i]) && (w->ent[i] & PM_PFN_MASK);
}

/* Where word is in the sorted words[0, n): next to hint, as the PFNs of
 * neighbouring pages mostly are, or else found by halving. */
static size_t find_word(const uint64_t *words, size_t n, uint64_t word,
			size_t hint)
{
	size_t lo = 0, hi = n, mid;

	if (hint < n && words[hint] == word)
		return hint;
	if (hint + 1 < n && words[hint + 1] == word)
		return hint + 1;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (words[mid] <= word)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Read words [first, first + n) of the idle bitmap into w->io. Past the
 * last PFN the kernel reads short: those words read as zeros. */
static int read_idle_words(struct walk *w, uint64_t first, size_t n)
{
	size_t bytes = n * sizeof(uint64_t);
	ssize_t got = pread(w->bitmap_fd, w->io, bytes,
			    (off_t)(first * sizeof(uint64_t)));

	if (got < 0)
		return -errno;
	memset((char *)w->io + got, 0, bytes - (size_t)got);
	return 0;
}

int linux_idle_referenced(struct walk *w)
{
	size_t m = 0, u = 0, i, k, hint = 0;
	uint64_t first, pfn;
	int ret;

	for (i = 0; i < w->n; i++)
		if (idle_page(w, i))
			w->words[m++] = (w->ent[i] & PM_PFN_MASK) / 64;
	if (m == 0)
		return 0;
	qsort(w->words, m, sizeof(*w->words), cmp_u64);
	for (i = 0; i < m; i++)
		if (u == 0 || w->words[i] != w->words[u - 1])
			w->words[u++] = w->words[i];
	for (i = 0; i < u; i = k) {
		first = w->words[i];
		for (k = i + 1;
		     k < u &&
		     w->words[k] - w->words[k - 1] <= IDLE_READ_GAP_WORDS &&
		     w->words[k] - first < IDLE_IO_WORDS;
		     k++)
			;
		ret = read_idle_words(w, first,
				      (size_t)(w->words[k - 1] - first + 1));
		if (ret)
			return ret;
		for (size_t x = i; x < k; x++)
			w->vals[x] = w->io[w->words[x] - first];
	}
	for (i = 0; i < w->n; i++) {
		if (!idle_page(w, i))
			continue;
		pfn = w->ent[i] & PM_PFN_MASK;
		hint = find_word(w->words, u, pfn / 64, hint);
		if (!((w->vals[hint] >> (pfn % 64)) & 1))
			w->flags[i] |= RCAPFS_PAGE_REFERENCED;
	}
	return 0;
}

/* Write words [first, first + n) of w->io to the idle bitmap. */
static int write_idle_words(struct walk *w, uint64_t first, size_t n)
{
	size_t bytes = n * sizeof(uint64_t);
	ssize_t done = pwrite(w->bitmap_fd, w->io, bytes,
			      (off_t)(first * sizeof(uint64_t)));

	if (done < 0)
		return -errno;
	return (size_t)done == bytes ? 0 : -EIO;
}

/* Mark the chunk's present pages idle: their bits set in the bitmap, the
 * words written in runs that take in short stretches of zero words (a zero
 * bit changes nothing). */
static int mark_idle(struct walk *w)
{
	size_t m = 0, i = 0, nwords;
	uint64_t first, word;
	int ret;

	for (size_t k = 0; k < w->n; k++) {
		if (!linux_real_page(w->flags[k]))
			continue;
		if (!(w->ent[k] & PM_PFN_MASK))
			return -EPERM;
		w->words[m++] = w->ent[k] & PM_PFN_MASK;
	}
	qsort(w->words, m, sizeof(*w->words), cmp_u64);
	while (i < m) {
		first = w->words[i] / 64;
		nwords = 0;
		for (; i < m; i++) {
			word = w->words[i] / 64;
			if (word - first >= IDLE_IO_WORDS ||
			    word - first > nwords + IDLE_WRITE_GAP_WORDS)
				break;
			w->io[word - first] |= 1ULL << (w->words[i] % 64);
			nwords = (size_t)(word - first + 1);
		}
		ret = write_idle_words(w, first, nwords);
		memset(w->io, 0, nwords * sizeof(*w->io));
		if (ret)
			return ret;
	}
	return 0;
}

int linux_idle_clear(const struct linux_ctx *c, struct rcapfs_task *t)
{
	struct walk w;
	int ret;

	ret = linux_walk_init(
		&w, c, t,
		&(struct walk_opts){.entries = true, .consume = mark_idle});
	if (ret == 0)
		ret = linux_idle_open(&w, O_WRONLY);
	if (ret == 0)
		ret = linux_walk_mappings(&w);
	linux_walk_release(&w);
	return ret;
}
