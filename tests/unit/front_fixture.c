#include "config.h"

#include "tests/unit/front_fixture.h"

#include "tests/unit/fake_backend.h"
#include "tests/unit/fixture_file.h"
#include "tests/unit/scanner_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct rcapfs_caller root = {0, 0, 1};
const struct rcapfs_caller owner = {1000, 1000, 2};
const struct rcapfs_caller other = {65534, 65534, 3};

int front_fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rcapfs_features feat;
	struct rcapfs_mapping m;
	struct rcapfs_proc p[2];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/rcapfs-test-front-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/state", f->dir);
	scanner_fixture_new(&f->be, &f->sc);
	memset(&feat, 0, sizeof(feat));
	feat.page_size = PAGE;
	fake_backend_set_features(f->be, &feat);
	memset(p, 0, sizeof(p));
	p[0] = (struct rcapfs_proc){.pid = 1, .start_ticks = 10};
	strcpy(p[0].comm, "init");
	p[1] = (struct rcapfs_proc){.pid = VPID,
				    .ppid = 1,
				    .ruid = 1000,
				    .rgid = 1000,
				    .start_ticks = 77};
	strcpy(p[1].comm, "victim");
	fake_backend_set_procs(f->be, p, 2);
	memset(&m, 0, sizeof(m));
	m.start = MAP_START;
	m.end = MAP_START + 4 * PAGE;
	m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON;
	m.shmid = -1;
	m.kernel_page_kb = m.mmu_page_kb = 4;
	m.name = "";
	fake_backend_add_mapping(f->be, VPID, &m);
	fake_backend_touch(f->be, VPID, MAP_START, MAP_START + 2 * PAGE, true);
	assert_int_equal(
		rcapfs_front_new(
			&(struct rcapfs_front_config){.sc = f->sc,
						      .be = f->be,
						      .state_path = f->path,
						      .start_time = 1000,
						      .instance = 1},
			&f->front),
		0);
	*state = f;
	return 0;
}

int front_fixture_teardown(void **state)
{
	struct fixture *f = *state;

	rcapfs_front_free(f->front);
	scanner_fixture_free(f->be, f->sc);
	fixture_file_remove_tree(f->dir);
	free(f);
	return 0;
}

struct rcapfs_node fx_node_as(struct fixture *f, const char *path,
			      const struct rcapfs_caller *who)
{
	struct rcapfs_node n;

	assert_int_equal(rcapfs_front_lookup(f->front, path, who, &n), 0);
	return n;
}

struct rcapfs_node fx_node(struct fixture *f, const char *path)
{
	return fx_node_as(f, path, &root);
}

/* Open path with flags as who; the id, or fail. */
uint64_t fx_open_as(struct fixture *f, const char *path,
		    const struct rcapfs_caller *who, int flags)
{
	struct rcapfs_node n = fx_node(f, path);
	uint64_t fh = 0;

	assert_int_equal(rcapfs_front_open(f->front, &n, who, flags, &fh), 0);
	assert_true(fh != 0);
	return fh;
}

/* What a read from off of fh gives, as a string (static storage). */
const char *fx_read_at(struct fixture *f, uint64_t fh, off_t off)
{
	static char buf[4096];
	size_t n = 0;

	assert_int_equal(rcapfs_front_read(f->front, fh, &root, off, buf,
					   sizeof(buf) - 1, &n),
			 0);
	buf[n] = '\0';
	return buf;
}

int fx_write_str(struct fixture *f, uint64_t fh, const char *s)
{
	return rcapfs_front_write(f->front, fh, &root, s, strlen(s));
}
