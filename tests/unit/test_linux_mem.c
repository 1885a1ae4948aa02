#include "config.h"

#include "compat/backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* AddressSanitizer turns mlock into a no-op that reports success. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
#ifndef ASAN_BUILD
#define ASAN_BUILD 0
#endif
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/fixture_file.h"
#include "tests/unit/parked_thread.h"

/*
 * The memory ops of the Linux backend: first against fixture trees built
 * here (pagemap, idle bitmap and clear_refs as regular files: the only way
 * to run the idle page tracking and soft-dirty paths on kernels without
 * them), then live against this process and children it forks.
 */

#define FIX_PID	  4242
#define FIX_START 777

/* pagemap entry bits */
#define PRESENT	  (1ULL << 63)
#define SWAPPED	  (1ULL << 62)
#define EXCL	  (1ULL << 56)
#define SOFTDIRTY (1ULL << 55)

static size_t ps;    /* page size */
static uint64_t pkb; /* page size in kB */

static const char *top_srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : TOP_SRCDIR;
}

/* ---- Fixture trees ---- */

struct tree {
	char proc[64];
	char sys[64];
	struct rcapfs_backend *be;
	struct rcapfs_task *t;
};

static void put_text(const char *root, const char *rel, const char *text)
{
	fixture_file_put(root, rel, text, strlen(text));
}

/* Contents of root/rel, NUL-terminated; the caller frees. */
static char *get_file(const char *root, const char *rel, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	char *data;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	data = calloc(1, (size_t)st.st_size + 1);
	assert_non_null(data);
	assert_int_equal(read(fd, data, (size_t)st.st_size), st.st_size);
	close(fd);
	if (len)
		*len = (size_t)st.st_size;
	return data;
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	return remove(path);
}

static void remove_all(const char *root)
{
	assert_int_equal(nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* One pagemap entry of the fixture process: page index (address / page
 * size) and value. */
struct entry {
	uint64_t page;
	uint64_t value;
};

/*
 * The fixture process: a heap of 16 pages at page 16, a file mapping of 8
 * pages at page 48, a vdso page at page 64. Pages: present with PFNs,
 * shared, swapped, soft-dirty, absent. The fixture's idle bitmap is a
 * plain file, where a write replaces whole words instead of setting bits
 * as the kernel's does: the PFNs of different mappings lie in different
 * words.
 */
static const struct entry entries[] = {
	{16, PRESENT | EXCL | 0x1000},
	{17, PRESENT | EXCL | 0x1001},
	{18, PRESENT | 0x1040},
	{19, SWAPPED | SOFTDIRTY | 0x5a},
	/* 20: absent */
	{21, PRESENT | EXCL | SOFTDIRTY | 0x2003},
	/* an absent page that shows soft-dirty, as in a new mapping */
	{22, SOFTDIRTY},
	{31, PRESENT | EXCL | 0x10},
	{48, PRESENT | 0x3002},
	{50, PRESENT | EXCL | 0x7fff},
	{64, PRESENT | 0x9999},
};

/* The PFNs of the present pages outside the vdso, in address order. */
static const uint64_t fixture_pfns[] = {0x1000, 0x1001, 0x1040, 0x2003,
					0x10,	0x3002, 0x7fff};

static void put_stat(struct tree *tr, char state, unsigned long flags)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "%d (fix) %c 1 %d %d 0 -1 %lu 0 0 0 0 0 0 0 0 20 0 1 0 %d "
		 "8388608 300 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 "
		 "17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		 FIX_PID, state, FIX_PID, FIX_PID, flags, FIX_START);
	put_text(tr->proc, "4242/stat", buf);
}

static void put_pagemap(struct tree *tr, const struct entry *e, size_t n)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/4242/pagemap", tr->proc);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
			pwrite(fd, &e[i].value, 8, (off_t)(e[i].page * 8)), 8);
	close(fd);
}

/* A header line of maps or smaps for pages [first, last). */
static int header(char *dst, size_t size, uint64_t first, uint64_t last,
		  const char *perms, unsigned long inode, const char *name)
{
	return snprintf(dst, size, "%08llx-%08llx %s 00000000 %s %lu %s\n",
			(unsigned long long)(first * ps),
			(unsigned long long)(last * ps), perms,
			inode ? "08:01" : "00:00", inode, name);
}

static void put_maps(struct tree *tr)
{
	char maps[1024], smaps[4096];
	int n = 0, m = 0;

	n += header(maps + n, sizeof(maps) - (size_t)n, 16, 32, "rw-p", 0,
		    "[heap]");
	n += header(maps + n, sizeof(maps) - (size_t)n, 48, 56, "r--p", 77,
		    "/usr/lib/x y.so");
	n += header(maps + n, sizeof(maps) - (size_t)n, 64, 65, "r-xp", 0,
		    "[vdso]");
	put_text(tr->proc, "4242/maps", maps);

	m += header(smaps + m, sizeof(smaps) - (size_t)m, 16, 32, "rw-p", 0,
		    "[heap]");
	m += snprintf(smaps + m, sizeof(smaps) - (size_t)m,
		      "Size: 64 kB\nRss: 20 kB\nPss: 18 kB\n"
		      "Shared_Clean: 0 kB\nShared_Dirty: 4 kB\n"
		      "Private_Dirty: 16 kB\nReferenced: 12 kB\n"
		      "Anonymous: 20 kB\nSwap: 4 kB\nKernelPageSize: 4 kB\n"
		      "MMUPageSize: 4 kB\nVmFlags: rd wr mr mw me ac\n");
	m += header(smaps + m, sizeof(smaps) - (size_t)m, 48, 56, "r--p", 77,
		    "/usr/lib/x y.so");
	m += snprintf(smaps + m, sizeof(smaps) - (size_t)m,
		      "Rss: 8 kB\nPss: 6 kB\nShared_Clean: 4 kB\n"
		      "Referenced: 8 kB\nVmFlags: rd mr mw me lo\n");
	m += header(smaps + m, sizeof(smaps) - (size_t)m, 64, 65, "r-xp", 0,
		    "[vdso]");
	snprintf(smaps + m, sizeof(smaps) - (size_t)m,
		 "Rss: 4 kB\nVmFlags: rd ex mr mw me de\n");
	put_text(tr->proc, "4242/smaps", smaps);
}

/* Build the fixture tree: with_bitmap adds an idle bitmap to the sys
 * root (8 KiB of zeros: PFNs up to 65535), and opens the task. */
static void tree_new(struct tree *tr, bool with_bitmap)
{
	static const char status[] = "Name:\tfix\nTgid:\t4242\nPid:\t4242\n"
				     "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
	char zeros[8192] = {0};

	memset(tr, 0, sizeof(*tr));
	strcpy(tr->proc, "/tmp/rcapfs-proc-XXXXXX");
	strcpy(tr->sys, "/tmp/rcapfs-sys-XXXXXX");
	assert_non_null(mkdtemp(tr->proc));
	assert_non_null(mkdtemp(tr->sys));
	put_stat(tr, 'S', 0);
	put_text(tr->proc, "4242/status", status);
	put_text(tr->proc, "4242/statm", "2048 300 100 10 0 200 0\n");
	put_text(tr->proc, "4242/smaps_rollup",
		 "00010000-00041000 ---p 00000000 00:00 0 [rollup]\n"
		 "Rss: 1200 kB\nPss: 987 kB\nPss_Anon: 500 kB\n");
	put_text(tr->proc, "4242/clear_refs", "");
	put_maps(tr);
	put_pagemap(tr, entries, sizeof(entries) / sizeof(entries[0]));
	put_text(tr->sys, "kernel/mm/transparent_hugepage/enabled",
		 "always [madvise] never\n");
	if (with_bitmap)
		fixture_file_put(tr->sys, "kernel/mm/page_idle/bitmap", zeros,
				 sizeof(zeros));
	assert_int_equal(rcapfs_backend_new(tr->proc, tr->sys, &tr->be), 0);
	assert_int_equal(
		tr->be->ops->task_open(tr->be->ctx, FIX_PID, FIX_START, &tr->t),
		0);
}

static void tree_free(struct tree *tr)
{
	tr->be->ops->task_close(tr->be->ctx, tr->t);
	rcapfs_backend_free(tr->be);
	remove_all(tr->proc);
	remove_all(tr->sys);
}

/* A fixture tree per test, removed even when the test fails. */
static int setup_tree(void **state, bool with_bitmap)
{
	struct tree *tr = malloc(sizeof(*tr));

	if (!tr)
		return -1;
	tree_new(tr, with_bitmap);
	*state = tr;
	return 0;
}

static int setup_plain(void **state)
{
	return setup_tree(state, false);
}

static int setup_bitmap(void **state)
{
	return setup_tree(state, true);
}

static int teardown_tree(void **state)
{
	tree_free(*state);
	free(*state);
	return 0;
}

/* Set bits of the fixture's idle bitmap: the pages of these PFNs are idle
 * (not referenced since they were marked). */
static void set_idle(struct tree *tr, const uint64_t *pfns, size_t n)
{
	char path[PATH_MAX];
	uint64_t word;
	int fd;

	snprintf(path, sizeof(path), "%s/kernel/mm/page_idle/bitmap", tr->sys);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	for (size_t i = 0; i < n; i++) {
		off_t off = (off_t)(pfns[i] / 64 * 8);

		word = 0;
		assert_true(pread(fd, &word, 8, off) >= 0);
		word |= 1ULL << (pfns[i] % 64);
		assert_int_equal(pwrite(fd, &word, 8, off), 8);
	}
	close(fd);
}

static int pages_of(struct tree *tr, uint64_t first, uint64_t last,
		    unsigned want, uint8_t *flags)
{
	return tr->be->ops->pages(tr->be->ctx, tr->t, first * ps, last * ps,
				  want, flags);
}

static void test_linux_mem__fixture_task_open(void **state)
{
	struct tree *tr = *state;
	struct rcapfs_task *t = (struct rcapfs_task *)tr; /* not NULL */
	void *ctx;

	ctx = tr->be->ctx;
	assert_int_equal(tr->be->ops->task_alive(ctx, tr->t), 0);
	/* start time 0: whoever has the pid */
	assert_int_equal(tr->be->ops->task_open(ctx, FIX_PID, 0, &t), 0);
	tr->be->ops->task_close(ctx, t);
	/* another start time: the pid was reused */
	assert_int_equal(
		tr->be->ops->task_open(ctx, FIX_PID, FIX_START + 1, &t),
		-ESRCH);
	assert_null(t);
	assert_int_equal(tr->be->ops->task_open(ctx, 999, 0, &t), -ESRCH);
	assert_int_equal(tr->be->ops->task_open(ctx, 0, 0, &t), -EINVAL);
	assert_int_equal(tr->be->ops->task_open(ctx, -5, 0, &t), -EINVAL);
	tr->be->ops->task_close(ctx, NULL);

	/* a zombie, a kernel thread, a thread of another process */
	put_stat(tr, 'Z', 0);
	assert_int_equal(tr->be->ops->task_open(ctx, FIX_PID, FIX_START, &t),
			 -ESRCH);
	assert_int_equal(tr->be->ops->task_alive(ctx, tr->t), -ESRCH);
	put_stat(tr, 'S', 0x00200000);
	assert_int_equal(tr->be->ops->task_open(ctx, FIX_PID, FIX_START, &t),
			 -ESRCH);
	put_stat(tr, 'S', 0);
	put_text(tr->proc, "4242/status", "Tgid:\t4200\nUid:\t0\nGid:\t0\n");
	assert_int_equal(tr->be->ops->task_open(ctx, FIX_PID, FIX_START, &t),
			 -ESRCH);
	put_text(tr->proc, "4242/status", "Tgid:\t4242\nUid:\t0\nGid:\t0\n");
	assert_int_equal(tr->be->ops->task_open(ctx, FIX_PID, FIX_START, &t),
			 0);
	tr->be->ops->task_close(ctx, t);
	/* malformed stat */
	put_text(tr->proc, "4242/stat", "4242 (fix S\n");
	assert_int_equal(tr->be->ops->task_open(ctx, FIX_PID, FIX_START, &t),
			 -EINVAL);
}

static void test_linux_mem__fixture_no_pagemap(void **state)
{
	struct rcapfs_backend *be;
	struct rcapfs_task *t;
	char proc[PATH_MAX], sys[PATH_MAX];

	/* proc-basic's 42 has stat and status but no pagemap */
	snprintf(proc, sizeof(proc), "%s/tests/fixtures/proc-basic",
		 top_srcdir());
	snprintf(sys, sizeof(sys), "%s/tests/fixtures/sys-basic", top_srcdir());
	assert_int_equal(rcapfs_backend_new(proc, sys, &be), 0);
	assert_int_equal(be->ops->task_open(be->ctx, 42, 1000, &t), -ENOENT);
	assert_null(t);
	/* a zombie, a kernel thread, a thread id */
	assert_int_equal(be->ops->task_open(be->ctx, 100, 0, &t), -ESRCH);
	assert_int_equal(be->ops->task_open(be->ctx, 2, 0, &t), -ESRCH);
	assert_int_equal(be->ops->task_open(be->ctx, 701, 0, &t), -ESRCH);
	rcapfs_backend_free(be);
}

static void test_linux_mem__fixture_gone(void **state)
{
	struct rcapfs_mapping_list list;
	struct tree *tr = *state;
	uint64_t kb = 7, done = 7;
	struct rcapfs_range r = {16 * ps, ps};
	uint8_t flags[4];
	char path[PATH_MAX];
	void *ctx;

	ctx = tr->be->ctx;
	/* the directory goes with the process */
	snprintf(path, sizeof(path), "%s/4242", tr->proc);
	remove_all(path);
	assert_int_equal(tr->be->ops->task_alive(ctx, tr->t), -ESRCH);
	assert_int_equal(tr->be->ops->task_rss(ctx, tr->t, &kb), -ESRCH);
	assert_int_equal(tr->be->ops->task_pss(ctx, tr->t, &kb), -ESRCH);
	assert_int_equal(kb, 7);
	assert_int_equal(tr->be->ops->mappings(ctx, tr->t, &list), -ESRCH);
	assert_null(list.maps);
	assert_int_equal(list.n, 0);
	/* the pagemap fd stays open: its entries read, then the liveness
	 * check says gone */
	assert_int_equal(pages_of(tr, 16, 20, 0, flags), -ESRCH);
	assert_int_equal(
		tr->be->ops->clear(ctx, tr->t, RCAPFS_CLEAR_REFERENCED),
		-ESRCH);
	assert_int_equal(tr->be->ops->pageout(ctx, tr->t, &r, 1,
					      RCAPFS_ADVICE_COLD, &done),
			 -ENOSYS);
	assert_int_equal(done, 0);
}

static void test_linux_mem__fixture_rss_pss(void **state)
{
	struct tree *tr = *state;
	uint64_t kb = 0;
	void *ctx;

	ctx = tr->be->ctx;
	assert_int_equal(tr->be->ops->task_rss(ctx, tr->t, &kb), 0);
	assert_int_equal(kb, 300 * pkb);
	assert_int_equal(tr->be->ops->task_pss(ctx, tr->t, &kb), 0);
	assert_int_equal(kb, 987);

	/* a zombie's statm shows zeros: gone */
	put_text(tr->proc, "4242/statm", "0 0 0 0 0 0 0\n");
	put_stat(tr, 'Z', 0);
	kb = 7;
	assert_int_equal(tr->be->ops->task_rss(ctx, tr->t, &kb), -ESRCH);
	assert_int_equal(kb, 7);
	/* malformed files, and an empty rollup of a live process */
	put_stat(tr, 'S', 0);
	put_text(tr->proc, "4242/statm", "2048\n");
	assert_int_equal(tr->be->ops->task_rss(ctx, tr->t, &kb), -EINVAL);
	put_text(tr->proc, "4242/smaps_rollup", "Rss: 4 kB\n");
	assert_int_equal(tr->be->ops->task_pss(ctx, tr->t, &kb), -EINVAL);
	put_text(tr->proc, "4242/smaps_rollup", "");
	assert_int_equal(tr->be->ops->task_pss(ctx, tr->t, &kb), -EINVAL);
	assert_int_equal(kb, 7);
}

static void test_linux_mem__fixture_mappings(void **state)
{
	struct rcapfs_mapping_list list = {NULL, 0, NULL};
	const struct rcapfs_mapping *m;
	struct tree *tr = *state;
	void *ctx;

	ctx = tr->be->ctx;
	assert_int_equal(tr->be->ops->mappings(ctx, tr->t, &list), 0);
	assert_int_equal(list.n, 3);
	m = &list.maps[0];
	assert_int_equal(m->start, 16 * ps);
	assert_int_equal(m->end, 32 * ps);
	assert_string_equal(m->name, "[heap]");
	assert_int_equal(m->flags, RCAPFS_MAP_READ | RCAPFS_MAP_WRITE |
					   RCAPFS_MAP_ANON | RCAPFS_MAP_HEAP);
	assert_int_equal(m->rss_kb, 20);
	assert_int_equal(m->pss_kb, 18);
	assert_int_equal(m->shared_kb, 4);
	assert_int_equal(m->private_dirty_kb, 16);
	assert_int_equal(m->referenced_kb, 12);
	assert_int_equal(m->anon_kb, 20);
	assert_int_equal(m->swap_kb, 4);
	assert_int_equal(m->kernel_page_kb, 4);
	m = &list.maps[1];
	assert_string_equal(m->name, "/usr/lib/x y.so");
	assert_int_equal(m->inode, 77);
	assert_int_equal(m->dev_major, 8);
	assert_int_equal(m->dev_minor, 1);
	assert_int_equal(m->flags, RCAPFS_MAP_READ | RCAPFS_MAP_LOCKED);
	assert_int_equal(m->referenced_kb, 8);
	m = &list.maps[2];
	assert_string_equal(m->name, "[vdso]");
	assert_true(m->flags & RCAPFS_MAP_SPECIAL);
	rcapfs_mapping_list_free(&list);
	assert_null(list.maps);
	assert_null(list.names);
	assert_int_equal(list.n, 0);

	/* out of order, malformed: refused, logged, nothing returned */
	put_text(tr->proc, "4242/smaps",
		 "00400000-00402000 r--p 00000000 00:00 0 \n"
		 "00401000-00403000 r--p 00000000 00:00 0 \n");
	assert_int_equal(tr->be->ops->mappings(ctx, tr->t, &list), -EINVAL);
	assert_null(list.maps);
	put_text(tr->proc, "4242/smaps", "Rss: 4 kB\n");
	assert_int_equal(tr->be->ops->mappings(ctx, tr->t, &list), -EINVAL);
	assert_null(list.maps);
	/* empty while alive: no mappings; empty of a zombie: gone */
	put_text(tr->proc, "4242/smaps", "");
	assert_int_equal(tr->be->ops->mappings(ctx, tr->t, &list), 0);
	assert_int_equal(list.n, 0);
	assert_null(list.maps);
	put_stat(tr, 'Z', 0);
	assert_int_equal(tr->be->ops->mappings(ctx, tr->t, &list), -ESRCH);
}

/* The smaps of proc-basic's 1234, as a kernel writes it. */
static void test_linux_mem__fixture_mappings_real_text(void **state)
{
	static const struct {
		const char *name;
		uint32_t flags;
		uint64_t rss_kb;
		int32_t shmid;
	} want[] = {
		{"/usr/bin/bash", RCAPFS_MAP_READ, 188, -1},
		{"/usr/bin/bash", RCAPFS_MAP_READ | RCAPFS_MAP_WRITE, 40, -1},
		{"[heap]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
			 RCAPFS_MAP_HEAP,
		 1400, -1},
		{"/dev/shm/my data file (deleted)",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED, 2048,
		 -1},
		{"/SYSV0000162e (deleted)",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED |
			 RCAPFS_MAP_SYSV,
		 512, 32769},
		{"",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
			 RCAPFS_MAP_LOCKED,
		 64, -1},
		{"[anon:malloc arena]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
			 RCAPFS_MAP_NORESERVE,
		 32, -1},
		{"/anon_hugepage (deleted)",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED |
			 RCAPFS_MAP_HUGETLB,
		 0, -1},
		{"[vvar]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_ANON | RCAPFS_MAP_SPECIAL, 0, -1},
		{"[vdso]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_EXEC | RCAPFS_MAP_ANON |
			 RCAPFS_MAP_SPECIAL,
		 8, -1},
		{"[stack]",
		 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
			 RCAPFS_MAP_STACK,
		 20, -1},
		{"[vsyscall]",
		 RCAPFS_MAP_EXEC | RCAPFS_MAP_ANON | RCAPFS_MAP_SPECIAL, 0, -1},
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	struct rcapfs_mapping_list list;
	struct rcapfs_backend *be;
	struct rcapfs_task *t;
	char proc[PATH_MAX], sys[PATH_MAX];
	uint64_t kb;
	uint8_t flags[8];

	snprintf(proc, sizeof(proc), "%s/tests/fixtures/proc-basic",
		 top_srcdir());
	snprintf(sys, sizeof(sys), "%s/tests/fixtures/sys-basic", top_srcdir());
	assert_int_equal(rcapfs_backend_new(proc, sys, &be), 0);
	assert_int_equal(be->ops->task_open(be->ctx, 1234, 29471, &t), 0);
	assert_int_equal(be->ops->mappings(be->ctx, t, &list), 0);
	assert_int_equal(list.n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		const struct rcapfs_mapping *m = &list.maps[i];

		assert_string_equal(m->name, want[i].name);
		if (m->flags != want[i].flags)
			fail_msg("%s: flags %#x", m->name, m->flags);
		assert_int_equal(m->rss_kb, want[i].rss_kb);
		assert_int_equal(m->shmid, want[i].shmid);
		if (i > 0)
			assert_true(list.maps[i - 1].end <= m->start);
	}
	assert_int_equal(list.maps[7].kernel_page_kb, 2048);
	assert_true(list.maps[11].start == 0xffffffffff600000ULL);
	rcapfs_mapping_list_free(&list);
	assert_int_equal(be->ops->task_rss(be->ctx, t, &kb), 0);
	assert_int_equal(kb, 1365 * pkb);
	assert_int_equal(be->ops->task_pss(be->ctx, t, &kb), 0);
	assert_int_equal(kb, 2930);
	/* an empty pagemap: no page present */
	memset(flags, 0x55, sizeof(flags));
	assert_int_equal(be->ops->pages(be->ctx, t, 0x55d148a00000ULL,
					0x55d148a00000ULL + 8 * ps,
					RCAPFS_PAGE_EXCLUSIVE, flags),
			 0);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(flags[i], 0);
	be->ops->task_close(be->ctx, t);
	rcapfs_backend_free(be);
}

static void test_linux_mem__fixture_pages(void **state)
{
	struct tree *tr = *state;
	uint8_t f[64];
	const uint8_t P = RCAPFS_PAGE_PRESENT, S = RCAPFS_PAGE_SWAPPED,
		      X = RCAPFS_PAGE_EXCLUSIVE, D = RCAPFS_PAGE_DIRTY;

	/* the heap: present and swapped pages, nothing more unasked */
	memset(f, 0x55, sizeof(f));
	assert_int_equal(pages_of(tr, 16, 32, 0, f), 0);
	{
		const uint8_t want[16] = {P, P, P, S, 0, P, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, P};

		assert_memory_equal(f, want, 16);
	}
	/* exclusive and dirty when asked for; the hole of page 22 shows
	 * soft-dirty but holds nothing */
	assert_int_equal(pages_of(tr, 16, 32,
				  RCAPFS_PAGE_EXCLUSIVE | RCAPFS_PAGE_DIRTY, f),
			 0);
	{
		const uint8_t want[16] = {P | X, P | X, P, S | D, 0, P | X | D,
					  0,	 0,	0, 0,	  0, 0,
					  0,	 0,	0, P | X};

		assert_memory_equal(f, want, 16);
	}
	/* no idle bitmap: asking for referenced bits gets none */
	assert_int_equal(pages_of(tr, 16, 32, RCAPFS_PAGE_REFERENCED, f), 0);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(f[i] & RCAPFS_PAGE_REFERENCED, 0);
	/* across mappings and the hole between them, and past the end of
	 * the pagemap file */
	memset(f, 0x55, sizeof(f));
	assert_int_equal(pages_of(tr, 30, 80, 0, f), 0);
	for (size_t i = 0; i < 50; i++) {
		uint64_t page = 30 + i;
		uint8_t w = page == 31 || page == 48 || page == 50 || page == 64
				    ? P
				    : 0;

		if (f[i] != w)
			fail_msg("page %llu: %#x", (unsigned long long)page,
				 f[i]);
	}
	assert_int_equal(f[50], 0x55); /* not one byte more */
	/* bad ranges and wants */
	assert_int_equal(tr->be->ops->pages(tr->be->ctx, tr->t, 16 * ps + 1,
					    32 * ps, 0, f),
			 -EINVAL);
	assert_int_equal(tr->be->ops->pages(tr->be->ctx, tr->t, 16 * ps,
					    32 * ps - 1, 0, f),
			 -EINVAL);
	assert_int_equal(pages_of(tr, 32, 16, 0, f), -EINVAL);
	assert_int_equal(pages_of(tr, 16, 32, 0x80, f), -EINVAL);
	assert_int_equal(pages_of(tr, 16, 16, 0, f), 0);
}

/* A range of more pages than one pagemap read takes. */
static void test_linux_mem__fixture_pages_chunks(void **state)
{
	const uint64_t base = 1 << 20, n = 65536 * 2 + 100;
	const struct entry big[] = {
		{base, PRESENT | EXCL | 1},
		{base + 65535, PRESENT | 2},
		{base + 65536, PRESENT | EXCL | 3},
		{base + 2 * 65536 + 99, SWAPPED},
	};
	struct tree *tr = *state;
	uint8_t *f = malloc(n);
	size_t count = 0;

	assert_non_null(f);
	put_pagemap(tr, big, sizeof(big) / sizeof(big[0]));
	memset(f, 0x55, n);
	assert_int_equal(pages_of(tr, base, base + n, RCAPFS_PAGE_EXCLUSIVE, f),
			 0);
	assert_int_equal(f[0], RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE);
	assert_int_equal(f[65535], RCAPFS_PAGE_PRESENT);
	assert_int_equal(f[65536], RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE);
	assert_int_equal(f[n - 1], RCAPFS_PAGE_SWAPPED);
	for (size_t i = 0; i < n; i++)
		count += f[i] != 0;
	assert_int_equal(count, 4);
	free(f);
}

static void test_linux_mem__fixture_pages_referenced(void **state)
{
	/* idle: 0x1000 (page 16), 0x2003 (21), 0x7fff (50) */
	const uint64_t idle[] = {0x1000, 0x2003, 0x7fff};
	const uint8_t P = RCAPFS_PAGE_PRESENT, R = RCAPFS_PAGE_REFERENCED;
	struct rcapfs_features feat;
	struct tree *tr = *state;
	uint8_t f[64];

	assert_int_equal(tr->be->ops->features(tr->be->ctx, &feat), 0);
	assert_true(feat.idle_page_tracking);
	set_idle(tr, idle, 3);
	assert_int_equal(pages_of(tr, 16, 56, RCAPFS_PAGE_REFERENCED, f), 0);
	{
		/* 19 is swapped: no PFN, no referenced bit */
		const uint8_t want[40] = {
			[0] = P,      [1] = P | R,
			[2] = P | R,  [3] = RCAPFS_PAGE_SWAPPED,
			[5] = P,      [15] = P | R,
			[32] = P | R, [34] = P,
		};

		for (size_t i = 0; i < 40; i++)
			if (f[i] != want[i])
				fail_msg("page %zu: %#x, want %#x", 16 + i,
					 f[i], want[i]);
	}
	/* not asked for: not given */
	assert_int_equal(pages_of(tr, 16, 18, 0, f), 0);
	assert_int_equal(f[0], P);
	assert_int_equal(f[1], P);
}

/* PFNs far apart in the bitmap (many reads), and one past its end. */
static void test_linux_mem__fixture_pages_referenced_far(void **state)
{
	const struct entry far[] = {
		{16, PRESENT | 5},
		{17, PRESENT | (5 + 64 * 3)},
		{18, PRESENT | 70000},
		{19, PRESENT | 300000},
		{20, PRESENT | 300001},
		{21, PRESENT | 5000000},
		{22, PRESENT | (5 + 64 * 4)},
		{23, PRESENT},
	};
	const uint64_t idle[] = {5, 70000, 300001, 5 + 64 * 4};
	const uint8_t P = RCAPFS_PAGE_PRESENT, R = RCAPFS_PAGE_REFERENCED;
	/* 23 has no PFN: nothing to look up */
	const uint8_t want[8] = {P, P | R, P, P | R, P, P | R, P, P};
	struct tree *tr = *state;
	uint8_t f[8];

	put_pagemap(tr, far, sizeof(far) / sizeof(far[0]));
	set_idle(tr, idle, 4);
	assert_int_equal(pages_of(tr, 16, 24, RCAPFS_PAGE_REFERENCED, f), 0);
	assert_memory_equal(f, want, 8);
}

/* Words of the fixture's bitmap: the set bits as PFNs, ascending. */
static size_t idle_pfns(struct tree *tr, uint64_t *out, size_t max)
{
	size_t len, n = 0;
	char *data = get_file(tr->sys, "kernel/mm/page_idle/bitmap", &len);
	uint64_t word;

	for (size_t w = 0; w < len / 8; w++) {
		memcpy(&word, data + w * 8, 8);
		for (unsigned b = 0; b < 64; b++)
			if (word >> b & 1) {
				assert_true(n < max);
				out[n++] = w * 64 + b;
			}
	}
	free(data);
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void test_linux_mem__fixture_clear_idle(void **state)
{
	const size_t n = sizeof(fixture_pfns) / sizeof(fixture_pfns[0]);
	uint64_t want[16], got[16];
	struct tree *tr = *state;
	char *refs;
	void *ctx;

	ctx = tr->be->ctx;
	assert_int_equal(
		tr->be->ops->clear(ctx, tr->t, RCAPFS_CLEAR_REFERENCED), 0);
	/* exactly the present PFNs: not the swapped page's, not the
	 * vdso's */
	memcpy(want, fixture_pfns, sizeof(fixture_pfns));
	qsort(want, n, sizeof(want[0]), cmp_u64);
	assert_int_equal(idle_pfns(tr, got, 16), n);
	assert_memory_equal(got, want, n * sizeof(want[0]));
	/* clear_refs untouched */
	refs = get_file(tr->proc, "4242/clear_refs", NULL);
	assert_string_equal(refs, "");
	free(refs);
	/* all idle now: nothing referenced */
	{
		uint8_t f[16];

		assert_int_equal(
			pages_of(tr, 16, 32, RCAPFS_PAGE_REFERENCED, f), 0);
		for (size_t i = 0; i < 16; i++)
			assert_int_equal(f[i] & RCAPFS_PAGE_REFERENCED, 0);
	}

	/* PFNs hidden: no page to mark, and nothing written */
	{
		const struct entry hidden[] = {{16, PRESENT | EXCL}};
		char zeros[8192] = {0};

		fixture_file_put(tr->sys, "kernel/mm/page_idle/bitmap", zeros,
				 sizeof(zeros));
		put_pagemap(tr, hidden, 1);
		assert_int_equal(
			tr->be->ops->clear(ctx, tr->t, RCAPFS_CLEAR_REFERENCED),
			-EPERM);
		assert_int_equal(idle_pfns(tr, got, 16), 0);
	}
}

static void test_linux_mem__fixture_clear_refs(void **state)
{
	char path[PATH_MAX], buf[16];
	struct tree *tr = *state;
	ssize_t n;
	char *refs;
	void *ctx;
	int fd;

	ctx = tr->be->ctx;
	assert_int_equal(
		tr->be->ops->clear(ctx, tr->t, RCAPFS_CLEAR_REFERENCED), 0);
	refs = get_file(tr->proc, "4242/clear_refs", NULL);
	assert_string_equal(refs, "1");
	free(refs);
	put_text(tr->proc, "4242/clear_refs", "");
	assert_int_equal(tr->be->ops->clear(ctx, tr->t, RCAPFS_CLEAR_DIRTY), 0);
	refs = get_file(tr->proc, "4242/clear_refs", NULL);
	assert_string_equal(refs, "4");
	free(refs);
	/* the mappings without a file, or the others, alone */
	assert_int_equal(tr->be->ops->clear(ctx, tr->t,
					    RCAPFS_CLEAR_REFERENCED |
						    RCAPFS_CLEAR_ONLY_ANON),
			 0);
	refs = get_file(tr->proc, "4242/clear_refs", NULL);
	assert_string_equal(refs, "2");
	free(refs);
	assert_int_equal(tr->be->ops->clear(ctx, tr->t,
					    RCAPFS_CLEAR_REFERENCED |
						    RCAPFS_CLEAR_ONLY_FILES),
			 0);
	refs = get_file(tr->proc, "4242/clear_refs", NULL);
	assert_string_equal(refs, "3");
	free(refs);
	/* bad input changes nothing */
	put_text(tr->proc, "4242/clear_refs", "");
	assert_int_equal(tr->be->ops->clear(ctx, tr->t, 0x10), -EINVAL);
	refs = get_file(tr->proc, "4242/clear_refs", NULL);
	assert_string_equal(refs, "");
	free(refs);

	/* both, in that order: a FIFO keeps every write */
	snprintf(path, sizeof(path), "%s/4242/clear_refs", tr->proc);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(tr->be->ops->clear(ctx, tr->t,
					    RCAPFS_CLEAR_REFERENCED |
						    RCAPFS_CLEAR_DIRTY),
			 0);
	n = read(fd, buf, sizeof(buf));
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "14", 2);
	close(fd);

	/* no clear_refs at all */
	unlink(path);
	assert_int_equal(
		tr->be->ops->clear(ctx, tr->t, RCAPFS_CLEAR_REFERENCED),
		-ENOENT);
}

static void test_linux_mem__fixture_pfns(void **state)
{
	const struct entry hidden[] = {{16, PRESENT | EXCL}};
	struct tree *tr = *state;
	uint64_t *pfns = NULL;
	size_t n = 0;

	assert_int_equal(tr->be->ops->task_pfns(tr->be->ctx, tr->t, &pfns, &n),
			 0);
	assert_int_equal(n, sizeof(fixture_pfns) / sizeof(fixture_pfns[0]));
	assert_memory_equal(pfns, fixture_pfns, sizeof(fixture_pfns));
	free(pfns);
	/* present pages without PFNs: hidden from us */
	put_pagemap(tr, hidden, 1);
	assert_int_equal(tr->be->ops->task_pfns(tr->be->ctx, tr->t, &pfns, &n),
			 -EPERM);
	assert_null(pfns);
	assert_int_equal(n, 0);
}

static void test_linux_mem__fixture_pageout(void **state)
{
	struct rcapfs_range good = {16 * ps, 4 * ps};
	struct rcapfs_range odd = {16 * ps + 1, ps};
	struct tree *tr = *state;
	uint64_t done = 7;

	/* no pidfd on a fixture root: no advice */
	assert_int_equal(tr->be->ops->pageout(tr->be->ctx, tr->t, &good, 1,
					      RCAPFS_ADVICE_PAGEOUT, &done),
			 -ENOSYS);
	assert_int_equal(done, 0);
	done = 7;
	assert_int_equal(tr->be->ops->pageout(tr->be->ctx, tr->t, &odd, 1,
					      RCAPFS_ADVICE_PAGEOUT, &done),
			 -EINVAL);
	assert_int_equal(done, 0);
	assert_int_equal(tr->be->ops->pageout(tr->be->ctx, tr->t, &good, 1,
					      (enum rcapfs_advice)9, &done),
			 -EINVAL);
}

/* ---- Live: this process and its children ---- */

/* The backend on the real /proc; with no_scan, the one that reads
 * pagemap entries instead of calling PAGEMAP_SCAN. */
static struct rcapfs_backend *live_backend(bool no_scan)
{
	struct rcapfs_backend *be;

	if (no_scan)
		assert_int_equal(setenv("RCAPFS_NO_PAGEMAP_SCAN", "1", 1), 0);
	assert_int_equal(rcapfs_backend_new("/proc", "/sys", &be), 0);
	unsetenv("RCAPFS_NO_PAGEMAP_SCAN");
	return be;
}

static struct rcapfs_features features_of(struct rcapfs_backend *be)
{
	struct rcapfs_features f;

	assert_int_equal(be->ops->features(be->ctx, &f), 0);
	return f;
}

static struct rcapfs_task *open_pid(struct rcapfs_backend *be, pid_t pid)
{
	struct rcapfs_task *t;
	struct rcapfs_proc p;

	assert_int_equal(be->ops->proc(be->ctx, pid, 0, &p), 0);
	assert_int_equal(be->ops->task_open(be->ctx, pid, p.start_ticks, &t),
			 0);
	return t;
}

/* n read-write anonymous pages between two PROT_NONE pages, so that the
 * kernel merges them with no neighbour: one mapping of their own. */
static char *map_guarded(size_t n)
{
	char *p = mmap(NULL, (n + 2) * ps, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p + ps, n * ps, PROT_READ | PROT_WRITE), 0);
	/* no transparent huge pages: the tests count 4 KiB pages */
	madvise(p + ps, n * ps, MADV_NOHUGEPAGE);
	return p + ps;
}

static void unmap_guarded(char *p, size_t n)
{
	assert_int_equal(munmap(p - ps, (n + 2) * ps), 0);
}

/* Our pagemap entry of the page at p. */
static uint64_t self_pagemap(const void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &e, 8, (off_t)((uintptr_t)p / ps * 8)), 8);
	close(fd);
	return e;
}

/* Whether the page at p, present after a read fault, is the shared zero
 * page (never mapped exclusively). Some kernels give a read fault a page
 * of its own (a virtual machine's pvm_no_zero_page=1): ordinary memory. */
static bool zero_page_at(const void *p)
{
	uint64_t e = self_pagemap(p);

	assert_true(e & PRESENT);
	if (e & EXCL)
		print_message("this kernel maps no zero page on a read "
			      "fault\n");
	return !(e & EXCL);
}

static const struct rcapfs_mapping *
find_map(const struct rcapfs_mapping_list *l, const void *start)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->maps[i].start == (uintptr_t)start)
			return &l->maps[i];
	fail_msg("no mapping at %p", start);
	return NULL;
}

static void test_linux_mem__live_features(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_backend *slow = live_backend(true);
	struct rcapfs_features f = features_of(be), g = features_of(slow);

	assert_int_equal(f.page_size, ps);
	assert_false(g.pagemap_scan);
	assert_int_equal(f.pfn_visible, g.pfn_visible);
	print_message("pagemap_scan %d pfn_visible %d idle %d soft_dirty %d "
		      "process_madvise %d clear_refs %d\n",
		      f.pagemap_scan, f.pfn_visible, f.idle_page_tracking,
		      f.soft_dirty, f.process_madvise, f.clear_refs);
	rcapfs_backend_free(be);
	rcapfs_backend_free(slow);
}

static void test_linux_mem__live_task_open(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_task *t = NULL;
	struct rcapfs_proc p;
	char comm[32] = "";
	FILE *f;

	assert_int_equal(be->ops->proc(be->ctx, getpid(), 0, &p), 0);
	assert_int_equal(
		be->ops->task_open(be->ctx, getpid(), p.start_ticks, &t), 0);
	assert_int_equal(be->ops->task_alive(be->ctx, t), 0);
	be->ops->task_close(be->ctx, t);
	assert_int_equal(be->ops->task_open(be->ctx, getpid(), 0, &t), 0);
	be->ops->task_close(be->ctx, t);
	/* a wrong start time: someone else's pid now */
	assert_int_equal(
		be->ops->task_open(be->ctx, getpid(), p.start_ticks + 1, &t),
		-ESRCH);
	assert_null(t);
	assert_int_equal(be->ops->task_open(be->ctx, INT_MAX, 0, &t), -ESRCH);
	/* a kernel thread has no memory of its own */
	f = fopen("/proc/2/comm", "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f) &&
		    strcmp(comm, "kthreadd\n") == 0)
			assert_int_equal(be->ops->task_open(be->ctx, 2, 0, &t),
					 -ESRCH);
		fclose(f);
	}
	rcapfs_backend_free(be);
}

static void test_linux_mem__live_thread_is_no_task(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_task *t;
	struct parked_thread a;

	parked_thread_start(&a);
	assert_int_equal(be->ops->task_open(be->ctx, a.tid, 0, &t), -ESRCH);
	parked_thread_stop(&a);
	rcapfs_backend_free(be);
}

static void test_linux_mem__live_mappings(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_task *t = open_pid(be, getpid());
	struct rcapfs_mapping_list list;
	const struct rcapfs_mapping *m;
	char path[] = "/tmp/rcapfs map file XXXXXX";
	char *file, *anon, *page;
	struct stat st;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	page = calloc(1, 8 * ps);
	assert_non_null(page);
	assert_int_equal(write(fd, page, 8 * ps), (ssize_t)(8 * ps));
	free(page);
	assert_int_equal(fstat(fd, &st), 0);
	file = mmap(NULL, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(file != MAP_FAILED);
	file[0] = 1;
	anon = map_guarded(16);
	for (size_t i = 0; i < 16; i += 3)
		anon[i * ps] = 1; /* 0, 3, 6, 9, 12, 15 */

	assert_int_equal(be->ops->mappings(be->ctx, t, &list), 0);
	for (size_t i = 1; i < list.n; i++)
		assert_true(list.maps[i - 1].end <= list.maps[i].start);
	m = find_map(&list, file);
	assert_int_equal(m->end - m->start, 8 * ps);
	assert_int_equal(m->flags, RCAPFS_MAP_READ | RCAPFS_MAP_WRITE |
					   RCAPFS_MAP_SHARED);
	assert_string_equal(m->name, path);
	assert_true(m->inode == st.st_ino);
	assert_int_equal(m->dev_major, major(st.st_dev));
	assert_int_equal(m->dev_minor, minor(st.st_dev));
	assert_int_equal(m->shmid, -1);
	assert_true(m->rss_kb >= pkb);
	m = find_map(&list, anon);
	assert_int_equal(m->end - m->start, 16 * ps);
	assert_int_equal(m->flags, RCAPFS_MAP_READ | RCAPFS_MAP_WRITE |
					   RCAPFS_MAP_ANON |
					   RCAPFS_MAP_NORESERVE);
	assert_string_equal(m->name, "");
	assert_int_equal(m->inode, 0);
	assert_int_equal(m->rss_kb, 6 * pkb);
	assert_int_equal(m->anon_kb, 6 * pkb);
	assert_int_equal(m->private_dirty_kb, 6 * pkb);
	assert_int_equal(m->kernel_page_kb, pkb);
	/* the guard pages: mapped, nothing in them */
	m = find_map(&list, anon - ps);
	assert_int_equal(m->flags, RCAPFS_MAP_ANON | RCAPFS_MAP_NORESERVE);
	assert_int_equal(m->rss_kb, 0);
	rcapfs_mapping_list_free(&list);

	unmap_guarded(anon, 16);
	munmap(file, 8 * ps);
	close(fd);
	unlink(path);
	be->ops->task_close(be->ctx, t);
	rcapfs_backend_free(be);
}

static void test_linux_mem__live_rss_pss(void **state)
{
	const size_t n = 2048; /* 8 MiB of 4 KiB pages */
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_task *t = open_pid(be, getpid());
	uint64_t before = 0, after = 0, pss = 0;
	char *p = map_guarded(n);

	assert_int_equal(be->ops->task_rss(be->ctx, t, &before), 0);
	assert_true(before > 0);
	for (size_t i = 0; i < n; i++)
		p[i * ps] = 1;
	assert_int_equal(be->ops->task_rss(be->ctx, t, &after), 0);
	/* the kernel's counters are batched per CPU: allow for that */
	assert_true(after >= before + (n - n / 8) * pkb);
	assert_int_equal(be->ops->task_pss(be->ctx, t, &pss), 0);
	assert_true(pss >= n * pkb);
	unmap_guarded(p, n);
	be->ops->task_close(be->ctx, t);
	rcapfs_backend_free(be);
}

/* Check pages() of [p, p + n pages) against want, on both backends. */
static void check_pages(char *p, size_t n, const uint8_t *want, unsigned ask)
{
	uint8_t *f = malloc(n);

	assert_non_null(f);
	for (int slow = 0; slow < 2; slow++) {
		struct rcapfs_backend *be = live_backend(slow);
		struct rcapfs_features feat = features_of(be);
		struct rcapfs_task *t = open_pid(be, getpid());

		memset(f, 0x55, n);
		assert_int_equal(be->ops->pages(be->ctx, t, (uintptr_t)p,
						(uintptr_t)p + n * ps, ask, f),
				 0);
		for (size_t i = 0; i < n; i++) {
			uint8_t w = want[i];

			/* Without PAGEMAP_SCAN the zero page shows by its
			 * PFN, for root only. */
			if (!feat.pagemap_scan && !feat.pfn_visible)
				w &= (uint8_t)~RCAPFS_PAGE_ZERO;
			if (f[i] != w)
				fail_msg("%s: page %zu: %#x, want %#x",
					 feat.pagemap_scan ? "scan" : "pagemap",
					 i, f[i], w);
		}
		be->ops->task_close(be->ctx, t);
		rcapfs_backend_free(be);
	}
	free(f);
}

static void test_linux_mem__live_pages(void **state)
{
	const uint8_t P = RCAPFS_PAGE_PRESENT, X = RCAPFS_PAGE_EXCLUSIVE,
		      Z = RCAPFS_PAGE_ZERO;
	uint8_t want[64] = {0};
	char *p = map_guarded(64);
	bool zero;

	p[0] = p[ps] = p[5 * ps] = p[63 * ps] = 1;
	/* only read: the zero page is mapped there */
	assert_int_equal(((volatile char *)p)[10 * ps], 0);
	zero = zero_page_at(p + 10 * ps);
	want[0] = want[1] = want[5] = want[63] = P;
	want[10] = zero ? P | Z : P;
	check_pages(p, 64, want, 0);
	/* soft-dirty and referenced bits only where the kernel has them */
	check_pages(p, 64, want, RCAPFS_PAGE_DIRTY * 0);
	want[0] = want[1] = want[5] = want[63] = P | X;
	want[10] = zero ? P | Z : P | X;
	check_pages(p, 64, want, RCAPFS_PAGE_EXCLUSIVE);
	unmap_guarded(p, 64);
}

/* More regions than one PAGEMAP_SCAN call returns, and more pages than
 * one chunk holds. */
static void test_linux_mem__live_pages_many(void **state)
{
	const size_t n = 4096 + 7, big = 70000;
	uint8_t *want = calloc(1, big);
	char *p = map_guarded(n), *q = map_guarded(big);

	assert_non_null(want);
	for (size_t i = 0; i < n; i += 2) {
		p[i * ps] = 1;
		want[i] = RCAPFS_PAGE_PRESENT;
	}
	check_pages(p, n, want, 0);

	memset(want, 0, big);
	for (size_t i = 0; i < 4; i++) {
		static const size_t at[] = {0, 65535, 65536, 69999};

		q[at[i] * ps] = 1;
		want[at[i]] = RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE;
	}
	check_pages(q, big, want, RCAPFS_PAGE_EXCLUSIVE);
	unmap_guarded(p, n);
	unmap_guarded(q, big);
	free(want);
}

/* A reservation of 8 GiB with three pages in use: where entries are read,
 * the empty stretches are skipped. */
static void test_linux_mem__live_pages_sparse(void **state)
{
	const size_t n = (8ULL << 30) / ps;
	const size_t at[] = {1, n / 2 + 3, n - 1};
	uint8_t *want = calloc(1, n);
	char *p = map_guarded(n);

	assert_non_null(want);
	for (size_t i = 0; i < 3; i++) {
		p[at[i] * ps] = 1;
		want[at[i]] = RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE;
	}
	check_pages(p, n, want, RCAPFS_PAGE_EXCLUSIVE);
	unmap_guarded(p, n);
	free(want);
}

/* The first line of a sysfs file, or "" when there is none. */
static void sys_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)size, f))
			buf[0] = '\0';
		fclose(f);
	}
}

/* A read fault in a region eligible for transparent huge pages maps the
 * huge zero page: 512 present pages (on x86-64) in no rss. */
static void test_linux_mem__live_pages_huge_zero(void **state)
{
	const uint8_t PZ = RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_ZERO;
	char enabled[128], zero[16], size[32];
	size_t huge, n;
	uint8_t *want;
	char *map, *p;

	sys_line("/sys/kernel/mm/transparent_hugepage/enabled", enabled,
		 sizeof(enabled));
	sys_line("/sys/kernel/mm/transparent_hugepage/use_zero_page", zero,
		 sizeof(zero));
	sys_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", size,
		 sizeof(size));
	huge = strtoul(size, NULL, 10);
	if (!enabled[0] || strstr(enabled, "[never]") || zero[0] != '1' ||
	    huge == 0) {
		print_message("skipped: no huge zero page here\n");
		return;
	}
	n = huge / ps;
	map = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(map != MAP_FAILED);
	p = map + (huge - (uintptr_t)map % huge) % huge;
	assert_int_equal(madvise(p, huge, MADV_HUGEPAGE), 0);
	assert_int_equal(((volatile char *)p)[0], 0);
	if (!zero_page_at(p)) {
		print_message("skipped: no huge zero page here\n");
		munmap(map, 2 * huge);
		return;
	}
	want = malloc(n);
	assert_non_null(want);
	memset(want, PZ, n);
	/* regions, then entries with zero pages found among them */
	check_pages(p, n, want, 0);
	check_pages(p, n, want, RCAPFS_PAGE_EXCLUSIVE);
	free(want);
	munmap(map, 2 * huge);
}

/* The vsyscall page lies past the address space PAGEMAP_SCAN takes. */
static void test_linux_mem__live_pages_vsyscall(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_task *t = open_pid(be, getpid());
	struct rcapfs_mapping_list list;
	uint8_t f[4];

	assert_int_equal(be->ops->mappings(be->ctx, t, &list), 0);
	for (size_t i = 0; i < list.n; i++) {
		const struct rcapfs_mapping *m = &list.maps[i];

		if (strcmp(m->name, "[vsyscall]") != 0)
			continue;
		assert_true(m->flags & RCAPFS_MAP_SPECIAL);
		assert_true(m->end - m->start <= sizeof(f) * ps);
		/* regions, then entries */
		for (unsigned want = 0; want <= RCAPFS_PAGE_EXCLUSIVE;
		     want += RCAPFS_PAGE_EXCLUSIVE) {
			memset(f, 0x55, sizeof(f));
			assert_int_equal(be->ops->pages(be->ctx, t, m->start,
							m->end, want, f),
					 0);
			assert_int_equal(f[0], 0);
		}
	}
	rcapfs_mapping_list_free(&list);
	be->ops->task_close(be->ctx, t);
	rcapfs_backend_free(be);
}

static void test_linux_mem__live_referenced(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_features f = features_of(be);
	struct rcapfs_task *t = open_pid(be, getpid());
	struct rcapfs_mapping_list list;
	char *a = map_guarded(4), *b = map_guarded(4);
	uint8_t pa[4], pb[4];

	for (size_t i = 0; i < 4; i++)
		a[i * ps] = b[i * ps] = 1;
	assert_int_equal(be->ops->clear(be->ctx, t, RCAPFS_CLEAR_REFERENCED),
			 0);
	/* The kernel clears accessed bits without flushing the TLB: an
	 * access through a cached entry would not set the bit again. A
	 * change of protection flushes it. */
	assert_int_equal(mprotect(a, 4 * ps, PROT_READ), 0);
	assert_int_equal(mprotect(a, 4 * ps, PROT_READ | PROT_WRITE), 0);
	a[0] = 2;
	if (f.idle_page_tracking && f.pfn_visible) {
		/* page fidelity: the idle bitmap tells */
		assert_int_equal(be->ops->pages(be->ctx, t, (uintptr_t)a,
						(uintptr_t)a + 4 * ps,
						RCAPFS_PAGE_REFERENCED, pa),
				 0);
		assert_int_equal(be->ops->pages(be->ctx, t, (uintptr_t)b,
						(uintptr_t)b + 4 * ps,
						RCAPFS_PAGE_REFERENCED, pb),
				 0);
		assert_true(pa[0] & RCAPFS_PAGE_REFERENCED);
		for (size_t i = 0; i < 4; i++)
			assert_false(pb[i] & RCAPFS_PAGE_REFERENCED);
	} else {
		/* clear_refs: smaps tells per mapping */
		assert_int_equal(be->ops->mappings(be->ctx, t, &list), 0);
		assert_int_equal(find_map(&list, a)->referenced_kb, pkb);
		assert_int_equal(find_map(&list, b)->referenced_kb, 0);
		assert_int_equal(find_map(&list, b)->rss_kb, 4 * pkb);
		rcapfs_mapping_list_free(&list);
	}
	assert_int_equal(be->ops->clear(be->ctx, t, RCAPFS_CLEAR_DIRTY),
			 f.soft_dirty ? 0 : -EOPNOTSUPP);
	unmap_guarded(a, 4);
	unmap_guarded(b, 4);
	be->ops->task_close(be->ctx, t);
	rcapfs_backend_free(be);
}

/* The PFN in our pagemap of the page at p; 0 when hidden. */
static uint64_t self_pfn(const void *p)
{
	uint64_t e = self_pagemap(p);

	assert_true(e & PRESENT);
	return e & ((1ULL << 55) - 1);
}

static void test_linux_mem__live_pfns(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_features f = features_of(be);
	struct rcapfs_task *t = open_pid(be, getpid());
	char *p = map_guarded(2);
	uint64_t *pfns = NULL, mine, zero;
	bool found = false;
	size_t n = 0;

	p[0] = 1;
	assert_int_equal(((volatile char *)p)[ps], 0);
	if (!f.pfn_visible) {
		assert_int_equal(be->ops->task_pfns(be->ctx, t, &pfns, &n),
				 -EPERM);
		print_message("skipped: PFNs are hidden without "
			      "CAP_SYS_ADMIN\n");
		goto out;
	}
	mine = self_pfn(p);
	/* the zero page is nobody's: left out (0 where there is none) */
	zero = zero_page_at(p + ps) ? self_pfn(p + ps) : 0;
	assert_int_equal(be->ops->task_pfns(be->ctx, t, &pfns, &n), 0);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		assert_true(pfns[i] != 0);
		assert_true(pfns[i] != zero);
		found |= pfns[i] == mine;
	}
	assert_true(found);
	free(pfns);
out:
	unmap_guarded(p, 2);
	be->ops->task_close(be->ctx, t);
	rcapfs_backend_free(be);
}

/* What a child maps and reports to its parent. */
struct child_maps {
	uintptr_t file;	  /* 16 MiB of a file, read through */
	uintptr_t locked; /* 4 pages, mlocked */
	uintptr_t holed;  /* 8 pages, the fifth unmapped */
	int mlock_errno;
};

#define CHILD_FILE_BYTES (16u << 20)

struct child {
	pid_t pid;
	int release; /* write end: the child lives until it closes */
	struct child_maps maps;
};

static void child_main(const char *path, int report, int wait_fd)
{
	struct child_maps m = {0};
	volatile char sink;
	char *file, *locked, *holed, c;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		_exit(1);
	file = mmap(NULL, CHILD_FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
	locked = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	holed = mmap(NULL, 8 * ps, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (file == MAP_FAILED || locked == MAP_FAILED || holed == MAP_FAILED)
		_exit(1);
	for (size_t i = 0; i < CHILD_FILE_BYTES; i += ps)
		sink = file[i];
	m.mlock_errno = mlock(locked, 4 * ps) ? errno : 0;
	munmap(holed + 4 * ps, ps);
	m.file = (uintptr_t)file;
	m.locked = (uintptr_t)locked;
	m.holed = (uintptr_t)holed;
	if (write(report, &m, sizeof(m)) != (ssize_t)sizeof(m))
		_exit(1);
	/* until the parent closes its end */
	while (read(wait_fd, &c, 1) > 0)
		;
	(void)sink;
	_exit(0);
}

/* Start a child over a file of CHILD_FILE_BYTES at path (written and
 * synced: clean page cache) and wait for its report. */
static void child_start(struct child *ch, const char *path)
{
	int report[2], wait[2];

	assert_int_equal(pipe(report), 0);
	assert_int_equal(pipe(wait), 0);
	ch->pid = fork();
	assert_true(ch->pid >= 0);
	if (ch->pid == 0) {
		close(report[0]);
		close(wait[1]);
		child_main(path, report[1], wait[0]);
	}
	close(report[1]);
	close(wait[0]);
	assert_int_equal(read(report[0], &ch->maps, sizeof(ch->maps)),
			 (ssize_t)sizeof(ch->maps));
	close(report[0]);
	ch->release = wait[1];
}

/* End the child and wait until it is a zombie, not reaped. It is killed
 * rather than let exit: under valgrind an exit would check the heap it
 * shares with us for leaks, and fail. */
static void child_exit(struct child *ch)
{
	siginfo_t si;

	assert_int_equal(kill(ch->pid, SIGKILL), 0);
	assert_int_equal(waitid(P_PID, (id_t)ch->pid, &si, WEXITED | WNOWAIT),
			 0);
}

static void child_reap(struct child *ch)
{
	int status;

	assert_int_equal(waitpid(ch->pid, &status, 0), ch->pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	close(ch->release);
}

static void make_file(char *path, size_t bytes)
{
	char *buf = malloc(1 << 20);
	int fd = mkstemp(path);

	assert_non_null(buf);
	assert_true(fd >= 0);
	for (size_t i = 0; i < (1 << 20); i++)
		buf[i] = (char)(i % 251);
	for (size_t done = 0; done < bytes; done += 1 << 20)
		assert_int_equal(write(fd, buf, 1 << 20), 1 << 20);
	assert_int_equal(fsync(fd), 0);
	close(fd);
	free(buf);
}

static size_t count_present(struct rcapfs_backend *be, struct rcapfs_task *t,
			    uintptr_t start, size_t bytes)
{
	size_t n = bytes / ps, present = 0;
	uint8_t *f = malloc(n);

	assert_non_null(f);
	assert_int_equal(be->ops->pages(be->ctx, t, start, start + bytes, 0, f),
			 0);
	for (size_t i = 0; i < n; i++)
		present += (f[i] & RCAPFS_PAGE_PRESENT) != 0;
	free(f);
	return present;
}

static void test_linux_mem__live_pageout(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_features f = features_of(be);
	char path[] = "/tmp/rcapfs-pageout-XXXXXX";
	const size_t npages = CHILD_FILE_BYTES / ps;
	struct rcapfs_range file, locked, two[2], *many;
	uint64_t before, after, done = 7;
	struct rcapfs_task *t;
	struct child ch;
	int ret;

	make_file(path, CHILD_FILE_BYTES);
	child_start(&ch, path);
	/* mapped now: the name can go, whatever happens next */
	unlink(path);
	t = open_pid(be, ch.pid);
	file = (struct rcapfs_range){ch.maps.file, CHILD_FILE_BYTES};
	locked = (struct rcapfs_range){ch.maps.locked, 4 * ps};
	assert_int_equal(count_present(be, t, file.start, file.len), npages);
	assert_int_equal(be->ops->task_rss(be->ctx, t, &before), 0);
	assert_true(before >= CHILD_FILE_BYTES / 1024);

	ret = be->ops->pageout(be->ctx, t, &file, 1, RCAPFS_ADVICE_PAGEOUT,
			       &done);
	if (!f.process_madvise) {
		/* valgrind 3.19 knows neither pidfd_open nor
		 * process_madvise */
		print_message("skipped: no process_madvise here (valgrind?)\n");
		assert_int_equal(ret, -ENOSYS);
		assert_int_equal(done, 0);
		goto out;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(done, CHILD_FILE_BYTES);
	/* clean file pages mapped by the child alone: all gone */
	assert_int_equal(count_present(be, t, file.start, file.len), 0);
	assert_int_equal(be->ops->task_rss(be->ctx, t, &after), 0);
	assert_true(after + (CHILD_FILE_BYTES / 1024) * 7 / 8 <= before);

	/* more ranges than one call takes: one page each */
	many = calloc(1100, sizeof(*many));
	assert_non_null(many);
	for (size_t i = 0; i < 1100; i++)
		many[i] = (struct rcapfs_range){file.start + i * ps, ps};
	assert_int_equal(be->ops->pageout(be->ctx, t, many, 1100,
					  RCAPFS_ADVICE_COLD, &done),
			 0);
	assert_int_equal(done, 1100 * ps);
	free(many);

	/* a range with a hole is advised where mapped, not counted, and the
	 * rest goes on */
	two[0] = (struct rcapfs_range){ch.maps.holed, 8 * ps};
	two[1] = file;
	assert_int_equal(
		be->ops->pageout(be->ctx, t, two, 2, RCAPFS_ADVICE_COLD, &done),
		0);
	assert_int_equal(done, CHILD_FILE_BYTES);

	/* a locked range: the kernel refuses the call */
	if (ch.maps.mlock_errno) {
		print_message("skipped: mlock: %s\n",
			      strerror(ch.maps.mlock_errno));
	} else if (ASAN_BUILD) {
		print_message("skipped: AddressSanitizer makes mlock a no-op, "
			      "nothing is locked\n");
	} else {
		two[0] = file;
		two[1] = locked;
		assert_int_equal(be->ops->pageout(be->ctx, t, two, 2,
						  RCAPFS_ADVICE_PAGEOUT, &done),
				 -EINVAL);
		assert_int_equal(done, CHILD_FILE_BYTES);
	}
out:
	be->ops->task_close(be->ctx, t);
	child_exit(&ch);
	child_reap(&ch);
	rcapfs_backend_free(be);
}

/* Every op on a task whose process has exited says -ESRCH. */
static void check_gone(struct rcapfs_backend *be, struct rcapfs_task *t,
		       const struct child *ch, bool have_pidfd)
{
	struct rcapfs_range r = {ch->maps.file, ps};
	struct rcapfs_mapping_list list;
	uint64_t kb = 7, done = 7, *pfns;
	uint8_t flags[1];
	size_t n;

	assert_int_equal(be->ops->task_alive(be->ctx, t), -ESRCH);
	assert_int_equal(be->ops->task_rss(be->ctx, t, &kb), -ESRCH);
	assert_int_equal(be->ops->task_pss(be->ctx, t, &kb), -ESRCH);
	assert_int_equal(kb, 7);
	assert_int_equal(be->ops->mappings(be->ctx, t, &list), -ESRCH);
	assert_int_equal(list.n, 0);
	assert_int_equal(
		be->ops->pages(be->ctx, t, r.start, r.start + ps, 0, flags),
		-ESRCH);
	assert_int_equal(be->ops->task_pfns(be->ctx, t, &pfns, &n),
			 features_of(be).pfn_visible ? -ESRCH : -EPERM);
	assert_int_equal(be->ops->clear(be->ctx, t, RCAPFS_CLEAR_REFERENCED),
			 -ESRCH);
	assert_int_equal(
		be->ops->pageout(be->ctx, t, &r, 1, RCAPFS_ADVICE_COLD, &done),
		have_pidfd ? -ESRCH : -ENOSYS);
	assert_int_equal(done, 0);
}

static void test_linux_mem__live_exited(void **state)
{
	struct rcapfs_backend *be = live_backend(false);
	struct rcapfs_features f = features_of(be);
	char path[] = "/tmp/rcapfs-exit-XXXXXX";
	struct rcapfs_task *t, *t2;
	struct rcapfs_proc p;
	struct child ch;

	make_file(path, CHILD_FILE_BYTES);
	child_start(&ch, path);
	/* mapped now: the name can go, whatever happens next */
	unlink(path);
	assert_int_equal(be->ops->proc(be->ctx, ch.pid, 0, &p), 0);
	t = open_pid(be, ch.pid);
	assert_int_equal(be->ops->task_alive(be->ctx, t), 0);

	/* a zombie */
	child_exit(&ch);
	check_gone(be, t, &ch, f.process_madvise);
	assert_int_equal(
		be->ops->task_open(be->ctx, ch.pid, p.start_ticks, &t2),
		-ESRCH);
	assert_null(t2);
	/* reaped */
	child_reap(&ch);
	check_gone(be, t, &ch, f.process_madvise);
	assert_int_equal(
		be->ops->task_open(be->ctx, ch.pid, p.start_ticks, &t2),
		-ESRCH);
	be->ops->task_close(be->ctx, t);
	rcapfs_backend_free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_linux_mem__fixture_task_open, setup_plain,
			teardown_tree),
		cmocka_unit_test(test_linux_mem__fixture_no_pagemap),
		cmocka_unit_test_setup_teardown(test_linux_mem__fixture_gone,
						setup_plain, teardown_tree),
		cmocka_unit_test_setup_teardown(test_linux_mem__fixture_rss_pss,
						setup_plain, teardown_tree),
		cmocka_unit_test_setup_teardown(
			test_linux_mem__fixture_mappings, setup_plain,
			teardown_tree),
		cmocka_unit_test(test_linux_mem__fixture_mappings_real_text),
		cmocka_unit_test_setup_teardown(test_linux_mem__fixture_pages,
						setup_plain, teardown_tree),
		cmocka_unit_test_setup_teardown(
			test_linux_mem__fixture_pages_chunks, setup_plain,
			teardown_tree),
		cmocka_unit_test_setup_teardown(
			test_linux_mem__fixture_pages_referenced, setup_bitmap,
			teardown_tree),
		cmocka_unit_test_setup_teardown(
			test_linux_mem__fixture_pages_referenced_far,
			setup_bitmap, teardown_tree),
		cmocka_unit_test_setup_teardown(
			test_linux_mem__fixture_clear_idle, setup_bitmap,
			teardown_tree),
		cmocka_unit_test_setup_teardown(
			test_linux_mem__fixture_clear_refs, setup_plain,
			teardown_tree),
		cmocka_unit_test_setup_teardown(test_linux_mem__fixture_pfns,
						setup_plain, teardown_tree),
		cmocka_unit_test_setup_teardown(test_linux_mem__fixture_pageout,
						setup_plain, teardown_tree),
		cmocka_unit_test(test_linux_mem__live_features),
		cmocka_unit_test(test_linux_mem__live_task_open),
		cmocka_unit_test(test_linux_mem__live_thread_is_no_task),
		cmocka_unit_test(test_linux_mem__live_mappings),
		cmocka_unit_test(test_linux_mem__live_rss_pss),
		cmocka_unit_test(test_linux_mem__live_pages),
		cmocka_unit_test(test_linux_mem__live_pages_many),
		cmocka_unit_test(test_linux_mem__live_pages_sparse),
		cmocka_unit_test(test_linux_mem__live_pages_huge_zero),
		cmocka_unit_test(test_linux_mem__live_pages_vsyscall),
		cmocka_unit_test(test_linux_mem__live_referenced),
		cmocka_unit_test(test_linux_mem__live_pfns),
		cmocka_unit_test(test_linux_mem__live_pageout),
		cmocka_unit_test(test_linux_mem__live_exited),
	};

	ps = (size_t)sysconf(_SC_PAGESIZE);
	pkb = ps / 1024;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
