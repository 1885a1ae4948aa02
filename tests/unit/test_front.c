/* fs/front.c and fs/front_files.c: the filesystem node by node, without a
 * mount: rendering, attributes, listings, who may do what, open files by
 * id, and open files left open when the front goes. */
#include "config.h"

#include "fs/front.h"
#include "rcapfs/procfs.h"

#include "tests/unit/fake_backend.h"
#include "tests/unit/front_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_rc(struct fixture *f, const char *path,
		   const struct rcapfs_caller *who, int flags)
{
	struct rcapfs_node n = fx_node(f, path);
	uint64_t fh = 0;
	int rc = rcapfs_front_open(f->front, &n, who, flags, &fh);

	if (rc == 0)
		rcapfs_front_release(f->front, fh);
	return rc;
}

/* Write s into path in one open, as "echo s > path" does. */
static int echo(struct fixture *f, const char *path, const char *s)
{
	uint64_t fh = fx_open_as(f, path, &root, O_WRONLY | O_TRUNC);
	int rc = fx_write_str(f, fh, s);

	rcapfs_front_release(f->front, fh);
	return rc;
}

/* The whole rendering of path, as who reads it. */
static const char *cat_as(struct fixture *f, const char *path,
			  const struct rcapfs_caller *who)
{
	static char text[4096];
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_node n = fx_node_as(f, path, who);

	assert_int_equal(rcapfs_front_render(f->front, &n, who, &b), 0);
	assert_true(b.len < sizeof(text));
	/* An empty rendering has no storage at all. */
	if (b.len)
		memcpy(text, b.data, b.len);
	text[b.len] = '\0';
	rcapfs_buf_release(&b);
	return text;
}

static const char *cat(struct fixture *f, const char *path)
{
	return cat_as(f, path, &root);
}

static void test_front__render(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node n = fx_node(f, "/caps"), c;
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	assert_int_equal(echo(f, "/ctl/mode", "cold\n"), 0);
	assert_string_equal(cat(f, "/ctl/mode"), "cold\n");
	assert_string_equal(cat(f, "/ctl/sample_interval"), "5\n");
	assert_string_equal(cat(f, "/ctl/enforce"), "1\n");
	assert_int_equal(rcapfs_front_mkdir(f->front, &n, "web", &root), 0);
	assert_int_equal(rcapfs_front_child(f->front, &n, "web", &root, &c), 0);
	assert_int_equal(rcapfs_front_child(f->front, &c, "cap", &root, &c), 0);
	assert_int_equal(rcapfs_front_render(f->front, &c, &root, &b), 0);
	assert_string_equal(b.data, "0\n");
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_front_child(f->front, &n, "db", &root, &c),
			 -ENOENT);
	assert_string_equal(cat(f, "/caps/web/cap"), "0\n");
	assert_string_equal(cat(f, "/caps/web/members"), "");
	assert_string_equal(cat(f, "/caps/web/procs"), "");
	assert_non_null(strstr(cat(f, "/caps/web/stats"), "nproc 0\n"));
	assert_non_null(strstr(cat(f, "/ctl/status"), "\ncollections 1\n"));
	assert_int_equal(rcapfs_front_render(f->front, &n, &root, &b), -EISDIR);
	assert_int_equal(b.len, 0);
	rcapfs_buf_release(&b);
}

/* rcapfs.prom: every collection's stats and the status, as their own
 * files show them. */
static void test_front__prom(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node n = fx_node(f, "/caps");
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_attr a;

	assert_int_equal(rcapfs_front_mkdir(f->front, &n, "web", &root), 0);
	assert_int_equal(rcapfs_front_mkdir(f->front, &n, "db.2", &root), 0);
	assert_int_equal(echo(f, "/caps/web/cap", "64M\n"), 0);
	n = fx_node(f, "/rcapfs.prom");
	assert_int_equal(rcapfs_front_render(f->front, &n, &other, &b), 0);
	assert_non_null(strstr(
		b.data, "\nrcapfs_cap_bytes{collection=\"db.2\"} 0\n"
			"rcapfs_cap_bytes{collection=\"web\"} 67108864\n"));
	assert_non_null(strstr(b.data, "\nrcapfs_collections 2\n"));
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &other, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0444);
	assert_int_equal(a.size, b.len);
	assert_int_equal(rcapfs_front_open(f->front, &n, &root, O_WRONLY,
					   &(uint64_t){0}),
			 -EACCES);
	rcapfs_buf_release(&b);
}

static void test_front__getattr(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node n;
	struct rcapfs_attr a;

	n = fx_node(f, "/ctl/pressure");
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &other, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0644);
	assert_int_equal(a.size, 2); /* "0\n" */
	assert_int_equal(a.time, 1000);
	n = fx_node(f, "/ctl/status");
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &other, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0444);
	assert_int_equal(a.size, strlen(cat(f, "/ctl/status")));
	n = fx_node(f, "/caps");
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &other, &a), 0);
	assert_int_equal(a.mode, S_IFDIR | 0755);
	assert_int_equal(a.nlink, 2);
	/* Below M/proc: the process's own, and the size a read needs. */
	n = fx_node(f, "/proc/4242");
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &other, &a), 0);
	assert_int_equal(a.mode, S_IFDIR | 0555);
	assert_int_equal(a.uid, 1000);
	n = fx_node(f, "/proc/4242/xmap");
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &other, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0400);
	assert_int_equal(a.uid, 1000);
	assert_true(a.size > 0);
	/* No such process: no such name. */
	assert_int_equal(rcapfs_front_lookup(f->front, "/proc/99", &root, &n),
			 -ENOENT);
}

/* fill for readdir: the names, space-separated, into a string. */
static int collect(void *ctx, const char *name, uint64_t ino)
{
	char *s = ctx;

	strcat(s, s[0] ? " " : "");
	strcat(s, name);
	return 0;
}

static const char *ls_as(struct fixture *f, const char *path,
			 const struct rcapfs_caller *who)
{
	static char names[1024];
	struct rcapfs_node n = fx_node_as(f, path, who);

	names[0] = '\0';
	assert_int_equal(
		rcapfs_front_readdir(f->front, &n, who, collect, names), 0);
	return names;
}

static const char *ls(struct fixture *f, const char *path)
{
	return ls_as(f, path, &root);
}

static void test_front__readdir(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node n = fx_node(f, "/caps");
	char names[256] = "";

	assert_int_equal(rcapfs_front_mkdir(f->front, &n, "web", &root), 0);
	assert_int_equal(rcapfs_front_mkdir(f->front, &n, "db", &root), 0);
	assert_string_equal(ls(f, "/"), ". .. caps ctl proc rcapfs.prom");
	assert_string_equal(ls(f, "/caps"), ". .. db web");
	assert_string_equal(ls(f, "/caps/web"),
			    ". .. cap members procs rss stats swap_idle");
	strcpy(names, ". ..");
	for (size_t i = 0; i < RCAPFS_CTL_NKNOBS; i++)
		collect(names, rcapfs_ctl_knobs[i].file, 0);
	collect(names, "status", 0);
	assert_string_equal(ls(f, "/ctl"), names);
	assert_string_equal(ls(f, "/proc"), ". .. 1 4242");
	assert_string_equal(ls(f, "/proc/4242"),
			    ". .. pagedata pagedata_hw xmap");
	n = fx_node(f, "/ctl/mode");
	names[0] = '\0';
	assert_int_equal(
		rcapfs_front_readdir(f->front, &n, &root, collect, names),
		-ENOTDIR);
	assert_string_equal(names, "");
}

/* Only root changes anything; pagedata and xmap are their owner's. */
static void test_front__permissions(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node caps = fx_node(f, "/caps"), n;

	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "web", &other),
			 -EACCES);
	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "web", &root), 0);
	n = fx_node(f, "/ctl");
	assert_int_equal(rcapfs_front_mkdir(f->front, &n, "x", &root), -EPERM);
	assert_int_equal(rcapfs_front_rmdir(f->front, &n, &root), -EPERM);
	n = fx_node(f, "/caps/web/cap");
	assert_int_equal(rcapfs_front_rmdir(f->front, &n, &root), -ENOTDIR);
	n = fx_node(f, "/caps/web");
	assert_int_equal(rcapfs_front_rmdir(f->front, &n, &other), -EACCES);

	assert_int_equal(open_rc(f, "/caps/web/cap", &other, O_WRONLY),
			 -EACCES);
	assert_int_equal(open_rc(f, "/caps/web/cap", &other, O_RDONLY), 0);
	assert_int_equal(open_rc(f, "/caps/web/stats", &root, O_WRONLY),
			 -EACCES);
	assert_int_equal(open_rc(f, "/ctl/status", &root, O_RDWR), -EACCES);
	assert_int_equal(open_rc(f, "/ctl", &root, O_RDONLY), -EISDIR);
	assert_int_equal(open_rc(f, "/proc/4242/xmap", &other, O_RDONLY),
			 -EACCES);
	assert_int_equal(open_rc(f, "/proc/4242/pagedata", &other, O_RDONLY),
			 -EACCES);
	assert_int_equal(open_rc(f, "/proc/4242/xmap", &owner, O_RDONLY), 0);
	assert_int_equal(open_rc(f, "/proc/4242/pagedata", &owner, O_RDONLY),
			 0);
	assert_int_equal(open_rc(f, "/proc/4242/xmap", &root, O_RDONLY), 0);
	assert_int_equal(
		rcapfs_front_lookup(f->front, "/proc/99/xmap", &root, &n),
		-ENOENT);
	assert_int_equal(open_rc(f, "/proc/4242/pagedata_hw", &other, O_RDONLY),
			 -EACCES);
	assert_int_equal(open_rc(f, "/proc/4242/pagedata_hw", &owner, O_RDONLY),
			 0);

	n = fx_node(f, "/caps/web/cap");
	assert_int_equal(rcapfs_front_truncate(f->front, &n, &root), 0);
	assert_int_equal(rcapfs_front_truncate(f->front, &n, &other), -EACCES);
	assert_int_equal(rcapfs_front_access(f->front, &n, &other, R_OK), 0);
	assert_int_equal(rcapfs_front_access(f->front, &n, &other, W_OK),
			 -EACCES);
	assert_int_equal(rcapfs_front_access(f->front, &n, &root, W_OK), 0);
	assert_int_equal(rcapfs_front_access(f->front, &n, &root, X_OK),
			 -EACCES);
	n = fx_node(f, "/caps/web/rss");
	assert_int_equal(rcapfs_front_truncate(f->front, &n, &root), -EACCES);
	assert_int_equal(rcapfs_front_access(f->front, &n, &root, W_OK),
			 -EACCES);
	n = fx_node(f, "/caps");
	assert_int_equal(rcapfs_front_access(f->front, &n, &root, W_OK), 0);
	n = fx_node(f, "/proc/4242/pagedata");
	assert_int_equal(rcapfs_front_access(f->front, &n, &other, R_OK),
			 -EACCES);
	assert_int_equal(rcapfs_front_access(f->front, &n, &owner, R_OK), 0);
	assert_int_equal(rcapfs_front_open_files(f->front), 0);
}

/* A reader's snapshot is made at open and served by offset; a read from 0
 * after it was read refreshes it. */
static void test_front__snapshot(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node caps = fx_node(f, "/caps");
	uint64_t fh;

	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "web", &root), 0);
	assert_int_equal(echo(f, "/caps/web/cap", "1K"), 0);
	fh = fx_open_as(f, "/caps/web/cap", &other, O_RDONLY);
	assert_int_equal(echo(f, "/caps/web/cap", "2K\n"), 0);
	assert_string_equal(fx_read_at(f, fh, 0), "1024\n");
	assert_string_equal(fx_read_at(f, fh, 2), "24\n");
	assert_string_equal(fx_read_at(f, fh, 5), "");
	assert_string_equal(fx_read_at(f, fh, 99), "");
	assert_string_equal(fx_read_at(f, fh, 0), "2048\n");
	rcapfs_front_release(f->front, fh);
}

/* Members: the first write of an open replaces (O_APPEND: extends), the
 * next ones of the same open extend. */
static void test_front__members_writes(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node caps = fx_node(f, "/caps");
	uint64_t fh;

	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "web", &root), 0);
	assert_int_equal(echo(f, "/caps/web/members", "uid 1\n"), 0);
	fh = fx_open_as(f, "/caps/web/members", &root, O_WRONLY | O_TRUNC);
	assert_int_equal(fx_write_str(f, fh, "uid 2\n"), 0);
	assert_int_equal(fx_write_str(f, fh, "uid 3\n"), 0);
	rcapfs_front_release(f->front, fh);
	assert_string_equal(cat(f, "/caps/web/members"), "uid 2\nuid 3\n");
	fh = fx_open_as(f, "/caps/web/members", &root, O_WRONLY | O_APPEND);
	assert_int_equal(fx_write_str(f, fh, "uid 4\n"), 0);
	rcapfs_front_release(f->front, fh);
	assert_string_equal(cat(f, "/caps/web/members"),
			    "uid 2\nuid 3\nuid 4\n");
}

/* Bad values fail the write with EINVAL/ERANGE and change nothing; a
 * non-root writer (whatever it opened) is refused. */
static void test_front__bad_writes(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node caps = fx_node(f, "/caps");
	uint64_t fh;

	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "web", &root), 0);
	assert_int_equal(echo(f, "/caps/web/cap", "12Q"), -EINVAL);
	assert_int_equal(echo(f, "/caps/web/cap", "16E"), -ERANGE);
	assert_string_equal(cat(f, "/caps/web/cap"), "0\n");
	assert_int_equal(echo(f, "/caps/web/members", "bogus 1\n"), -EINVAL);
	assert_string_equal(cat(f, "/caps/web/members"), "");
	assert_int_equal(echo(f, "/caps/web/swap_idle", "86401"), -ERANGE);
	assert_int_equal(echo(f, "/caps/web/swap_idle", "1h"), -EINVAL);
	assert_string_equal(cat(f, "/caps/web/swap_idle"), "0\n");
	assert_int_equal(echo(f, "/caps/web/swap_idle", "86400"), 0);
	assert_string_equal(cat(f, "/caps/web/swap_idle"), "86400\n");
	assert_int_equal(echo(f, "/ctl/idle_threshold", "86401"), -ERANGE);
	assert_int_equal(echo(f, "/ctl/rlimit_rss", "2"), -EINVAL);
	assert_int_equal(echo(f, "/ctl/sample_interval", "86401"), -ERANGE);
	assert_int_equal(echo(f, "/ctl/sample_interval", "0"), -ERANGE);
	assert_int_equal(echo(f, "/ctl/enforce", "2"), -EINVAL);
	assert_int_equal(echo(f, "/ctl/mode", "fast"), -EINVAL);
	assert_string_equal(cat(f, "/ctl/sample_interval"), "5\n");
	assert_int_equal(echo(f, "/ctl/sample_interval", "86400"), 0);
	assert_string_equal(cat(f, "/ctl/sample_interval"), "86400\n");
	fh = fx_open_as(f, "/caps/web/cap", &root, O_WRONLY);
	assert_int_equal(rcapfs_front_write(f->front, fh, &other, "1G", 2),
			 -EACCES);
	rcapfs_front_release(f->front, fh);
	assert_string_equal(cat(f, "/caps/web/cap"), "0\n");
}

/* A write whose save fails answers EIO and leaves the value as it was. */
static void test_front__unsaved_write(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node caps = fx_node(f, "/caps");
	char block[192];

	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "web", &root), 0);
	assert_int_equal(echo(f, "/caps/web/cap", "1M"), 0);
	snprintf(block, sizeof(block), "%s.tmp.%ld", f->path, (long)getpid());
	assert_int_equal(mkdir(block, 0700), 0);
	assert_int_equal(echo(f, "/caps/web/cap", "2M"), -EIO);
	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "db", &root),
			 -EIO);
	assert_int_equal(rmdir(block), 0);
	assert_string_equal(cat(f, "/caps/web/cap"), "1048576\n");
	assert_string_equal(ls(f, "/caps"), ". .. web");
}

/* Ids: an unknown or released one finds nothing; released ones are not
 * given again at once. */
static void test_front__ids(void **state)
{
	struct fixture *f = *state;
	uint64_t a, b;
	char buf[8];
	size_t n;

	a = fx_open_as(f, "/ctl/mode", &root, O_RDONLY);
	rcapfs_front_release(f->front, a);
	b = fx_open_as(f, "/ctl/mode", &root, O_RDONLY);
	assert_true(a != b);
	assert_int_equal(
		rcapfs_front_read(f->front, a, &root, 0, buf, sizeof(buf), &n),
		-EBADF);
	assert_int_equal(rcapfs_front_write(f->front, a, &root, "cold", 4),
			 -EBADF);
	assert_int_equal(rcapfs_front_read(f->front, 12345, &root, 0, buf,
					   sizeof(buf), &n),
			 -EBADF);
	rcapfs_front_release(f->front, a);
	rcapfs_front_release(f->front, 0);
	assert_int_equal(rcapfs_front_open_files(f->front), 1);
	rcapfs_front_release(f->front, b);
	assert_int_equal(rcapfs_front_open_files(f->front), 0);
}

/* pagedata and pagedata_hw: a reader per open, the size a read needs,
 * which the kernel must not cache, and PG_HWMAPPED in pagedata_hw only
 * (the bits themselves are test_pagedata's). */
static void test_front__pagedata(void **state)
{
	struct fixture *f = *state;
	const size_t size = sizeof(prpageheader_t) + sizeof(prasmap_t) + 8;
	uint64_t pd, hw, xm;
	struct rcapfs_attr a;
	struct rcapfs_node n;
	char buf[4096];
	size_t got;

	n = fx_node(f, "/proc/4242/pagedata");
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &other, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0400);
	assert_int_equal(a.size, size);
	n = fx_node(f, "/proc/4242/pagedata_hw");
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &other, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0400);
	assert_int_equal(a.uid, 1000);
	assert_int_equal(a.size, size);

	pd = fx_open_as(f, "/proc/4242/pagedata", &owner, O_RDONLY);
	hw = fx_open_as(f, "/proc/4242/pagedata_hw", &owner, O_RDONLY);
	xm = fx_open_as(f, "/proc/4242/xmap", &owner, O_RDONLY);
	assert_true(rcapfs_front_size_uncached(f->front, pd));
	assert_true(rcapfs_front_size_uncached(f->front, hw));
	assert_false(rcapfs_front_size_uncached(f->front, xm));
	assert_false(rcapfs_front_size_uncached(f->front, 12345));

	/* The two pages the victim has resident: PG_HWMAPPED in pagedata_hw
	 * only; none on the others. */
	assert_int_equal(rcapfs_front_read(f->front, pd, &owner, 0, buf,
					   sizeof(buf), &got),
			 0);
	assert_int_equal(got, size);
	assert_int_equal(buf[size - 8] & PG_HWMAPPED, 0);
	assert_int_equal(buf[size - 6] & PG_HWMAPPED, 0);
	assert_int_equal(rcapfs_front_read(f->front, hw, &owner, 0, buf,
					   sizeof(buf), &got),
			 0);
	assert_int_equal(got, size);
	assert_int_equal(buf[size - 8] & PG_HWMAPPED, PG_HWMAPPED);
	assert_int_equal(buf[size - 7] & PG_HWMAPPED, PG_HWMAPPED);
	assert_int_equal(buf[size - 6] & PG_HWMAPPED, 0);
	rcapfs_front_release(f->front, pd);
	rcapfs_front_release(f->front, hw);
	rcapfs_front_release(f->front, xm);
	assert_int_equal(rcapfs_front_open_files(f->front), 0);
}

/* Files of every kind left open when the front goes (their RELEASE never
 * came: the mount ended first) are freed with it: memcheck and
 * LeakSanitizer find nothing. */
static void test_front__left_open(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node caps = fx_node(f, "/caps");
	char buf[4096];
	size_t n;
	uint64_t pd;

	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "web", &root), 0);
	fx_open_as(f, "/caps/web/procs", &root, O_RDONLY);
	fx_open_as(f, "/caps/web/stats", &root, O_RDONLY);
	fx_open_as(f, "/caps/web/members", &root, O_WRONLY | O_APPEND);
	fx_open_as(f, "/ctl/status", &other, O_RDONLY);
	fx_open_as(f, "/proc/4242/xmap", &owner, O_RDONLY);
	fx_open_as(f, "/proc/4242/pagedata_hw", &owner, O_RDONLY);
	pd = fx_open_as(f, "/proc/4242/pagedata", &owner, O_RDONLY);
	assert_int_equal(rcapfs_front_read(f->front, pd, &owner, 0, buf,
					   sizeof(buf), &n),
			 0);
	assert_true(n > 32); /* a header and its mapping */
	assert_int_equal(rcapfs_front_open_files(f->front), 7);
	/* teardown frees the front with them. */
}

/*
 * A container: its own pid namespace, where VPID is its init (1) and CPID,
 * a shell of root there, is 2; process 1 of the host is not in it.
 */
#define CPID 5000
static const struct rcapfs_caller inside = {0, 0, CPID};

static void enter_container(struct fixture *f)
{
	struct rcapfs_node caps = fx_node(f, "/caps");
	struct rcapfs_proc p[3];

	memset(p, 0, sizeof(p));
	p[0] = (struct rcapfs_proc){.pid = 1, .start_ticks = 10};
	p[1] = (struct rcapfs_proc){
		.pid = VPID, .ppid = 1, .ruid = 1000, .start_ticks = 77};
	p[2] = (struct rcapfs_proc){
		.pid = CPID, .ppid = VPID, .start_ticks = 80};
	fake_backend_set_procs(f->be, p, 3);
	fake_backend_set_pidns(f->be, VPID, 7, 1);
	fake_backend_set_pidns(f->be, CPID, 7, 2);
	assert_int_equal(rcapfs_front_mkdir(f->front, &caps, "web", &root), 0);
}

/* Lookups and listings below M/proc go by the caller's numbers. */
static void test_front__proc_in_caller_ns(void **state)
{
	struct fixture *f = *state;
	struct rcapfs_node n;
	struct rcapfs_attr a;

	enter_container(f);
	assert_string_equal(ls(f, "/proc"), ". .. 1 4242 5000");
	assert_string_equal(ls_as(f, "/proc", &inside), ". .. 1 2");
	assert_int_equal(fx_node_as(f, "/proc/1", &inside).pid, VPID);
	assert_int_equal(fx_node_as(f, "/proc/2/xmap", &inside).pid, CPID);
	assert_int_equal(fx_node(f, "/proc/1").pid, 1);
	assert_int_equal(
		rcapfs_front_lookup(f->front, "/proc/4242", &inside, &n),
		-ENOENT);
	assert_int_equal(rcapfs_front_lookup(f->front, "/proc/3", &inside, &n),
			 -ENOENT);
	n = fx_node_as(f, "/proc/1", &inside);
	assert_int_equal(rcapfs_front_getattr(f->front, &n, &inside, &a), 0);
	assert_int_equal(a.uid, 1000);
	assert_string_equal(ls_as(f, "/proc/1", &inside),
			    ". .. pagedata pagedata_hw xmap");
	n = fx_node(f, "/proc");
	assert_int_equal(rcapfs_front_child(f->front, &n, "2", &inside, &n), 0);
	assert_int_equal(n.pid, CPID);
	/* A caller FUSE gives no pid (from above the daemon's namespace)
	 * numbers pids as the daemon. */
	assert_int_equal(
		fx_node_as(f, "/proc/4242", &(struct rcapfs_caller){0, 0, 0})
			.pid,
		VPID);
}

/* procs lists the caller's numbers, without what it cannot see; a pid
 * rule is the caller's pid, shown to each reader in its numbering. */
static void test_front__pids_in_caller_ns(void **state)
{
	struct fixture *f = *state;
	uint64_t fh;

	enter_container(f);
	fh = fx_open_as(f, "/caps/web/members", &inside, O_WRONLY | O_TRUNC);
	assert_int_equal(
		rcapfs_front_write(f->front, fh, &inside, "pid 1\n", 6), 0);
	rcapfs_front_release(f->front, fh);
	assert_string_equal(cat(f, "/caps/web/members"), "pid 4242\n");
	assert_string_equal(cat_as(f, "/caps/web/members", &inside), "pid 1\n");
	fh = fx_open_as(f, "/caps/web/members", &inside, O_WRONLY | O_APPEND);
	assert_int_equal(rcapfs_front_write(f->front, fh, &inside,
					    "  pid\t2 # the shell\n", 20),
			 0);
	/* The host's 1 is not the container's. */
	assert_int_equal(
		rcapfs_front_write(f->front, fh, &inside, "pid 3\n", 6),
		-EINVAL);
	rcapfs_front_release(f->front, fh);
	fh = fx_open_as(f, "/caps/web/members", &root, O_WRONLY | O_APPEND);
	assert_int_equal(fx_write_str(f, fh, "pid 1\n"), 0);
	rcapfs_front_release(f->front, fh);
	assert_string_equal(cat(f, "/caps/web/members"),
			    "pid 4242\npid 5000\npid 1\n");
	assert_string_equal(
		cat_as(f, "/caps/web/members", &inside),
		"pid 1\npid 2\n# pid: a process outside this pid namespace\n");
	assert_int_equal(rcapfs_scanner_sample(f->sc), 0);
	assert_string_equal(cat(f, "/caps/web/procs"), "1\n4242\n5000\n");
	assert_string_equal(cat_as(f, "/caps/web/procs", &inside), "1\n2\n");
}

int main(void)
{
#define T(name)                                                                \
	cmocka_unit_test_setup_teardown(name, front_fixture_setup,             \
					front_fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_front__render),
		T(test_front__prom),
		T(test_front__getattr),
		T(test_front__readdir),
		T(test_front__permissions),
		T(test_front__snapshot),
		T(test_front__members_writes),
		T(test_front__bad_writes),
		T(test_front__unsaved_write),
		T(test_front__ids),
		T(test_front__pagedata),
		T(test_front__left_open),
		T(test_front__proc_in_caller_ns),
		T(test_front__pids_in_caller_ns),
	};
#undef T

	return cmocka_run_group_tests_name("front", tests, NULL, NULL);
}
