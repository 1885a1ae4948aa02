#include "config.h"
#include "tests/unit/scan_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fake_backend.h"

struct scan_fixture *scan_fixture_new(const struct rcapfs_features *feat)
{
	struct scan_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->be = fake_backend_new();
	fake_backend_set_features(f->be, feat);
	assert_int_equal(rcapfs_tracker_new(f->be, &f->tr), 0);
	assert_int_equal(rcapfs_scan_new(f->tr, f->be, &f->scan), 0);
	f->advice = RCAPFS_ADVICE_PAGEOUT;
	return f;
}

void scan_fixture_free(struct scan_fixture *f)
{
	rcapfs_scan_free(f->scan);
	rcapfs_tracker_free(f->tr);
	rcapfs_backend_free(f->be);
	free(f);
}

void scan_fixture_add_proc(struct scan_fixture *f, pid_t pid)
{
	struct rcapfs_proc *p;

	assert_true(f->n < SCAN_FIXTURE_PROCS);
	p = &f->procs[f->n];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start_ticks = (uint64_t)pid * 10;
	snprintf(p->comm, sizeof(p->comm), "v%d", (int)pid);
	f->victims[f->n] = (struct rcapfs_scan_victim){
		.pid = pid, .start_ticks = p->start_ticks};
	f->n++;
	fake_backend_set_procs(f->be, f->procs, f->n);
}

void scan_fixture_add_map(struct scan_fixture *f, pid_t pid, uint64_t start,
			  uint64_t bytes, uint32_t flags)
{
	struct rcapfs_mapping m;

	memset(&m, 0, sizeof(m));
	m.start = start;
	m.end = start + bytes;
	m.flags = RCAPFS_MAP_READ | flags;
	m.inode = flags & RCAPFS_MAP_ANON ? 0 : (uint64_t)pid * 1000 + start;
	m.shmid = -1;
	m.name = flags & RCAPFS_MAP_ANON ? "" : "/data/file";
	fake_backend_add_mapping(f->be, pid, &m);
	fake_backend_touch(f->be, pid, start, start + bytes, false);
	fake_backend_set_page_flags(f->be, pid, start, start + bytes, 0,
				    RCAPFS_PAGE_REFERENCED);
}
