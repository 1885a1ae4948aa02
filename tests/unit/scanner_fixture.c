#include "config.h"
#include "tests/unit/scanner_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat/clock.h"
#include "tests/unit/fake_backend.h"

void scanner_fixture_new(struct rcapfs_backend **be, struct rcapfs_scanner **sc)
{
	*be = fake_backend_new();
	assert_int_equal(rcapfs_scanner_new(*be, sc), 0);
}

void scanner_fixture_free(struct rcapfs_backend *be, struct rcapfs_scanner *sc)
{
	rcapfs_scanner_free(sc);
	rcapfs_backend_free(be);
}

int scanner_fixture_setup(void **state)
{
	struct scanner_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	scanner_fixture_new(&f->be, &f->sc);
	*state = f;
	return 0;
}

int scanner_fixture_teardown(void **state)
{
	struct scanner_fixture *f = *state;

	scanner_fixture_free(f->be, f->sc);
	free(f);
	return 0;
}

void scanner_fixture_use_features(struct scanner_fixture *f,
				  const struct rcapfs_features *ft)
{
	rcapfs_scanner_free(f->sc);
	fake_backend_set_features(f->be, ft);
	assert_int_equal(rcapfs_scanner_new(f->be, &f->sc), 0);
}

void scanner_fixture_map(struct rcapfs_backend *be, pid_t pid, uint64_t mib)
{
	struct rcapfs_mapping m;

	memset(&m, 0, sizeof(m));
	m.start = SCANNER_FIXTURE_BASE;
	m.end = m.start + mib * 1024 * 1024;
	m.flags = RCAPFS_MAP_READ;
	m.inode = 100 + (uint64_t)pid;
	m.shmid = -1;
	m.name = "/data";
	fake_backend_add_mapping(be, pid, &m);
	fake_backend_touch(be, pid, m.start, m.end, false);
	fake_backend_set_page_flags(be, pid, m.start, m.end, 0,
				    RCAPFS_PAGE_REFERENCED);
}

void scanner_fixture_victims(struct rcapfs_backend *be, const pid_t *pids,
			     size_t n, uint64_t mib)
{
	struct rcapfs_proc procs[4];

	assert_true(n <= 4);
	for (size_t i = 0; i < n; i++)
		procs[i] = scanner_fixture_proc(pids[i], 1000, 0, mib * 1024);
	fake_backend_set_procs(be, procs, n);
	for (size_t i = 0; i < n; i++)
		scanner_fixture_map(be, pids[i], mib);
}

void scanner_fixture_set_members(struct rcapfs_scanner *sc, const char *name,
				 const char *text)
{
	char err[256] = "";
	int rc =
		rcapfs_scanner_set_members(sc, name, text, strlen(text), false,
					   RCAPFS_RULES_USER, err, sizeof(err));

	if (rc)
		fail_msg("set_members %s \"%s\": %d %s", name, text, rc, err);
}

void scanner_fixture_assert_ctl_equal(const struct rcapfs_ctl *a,
				      const struct rcapfs_ctl *b)
{
	for (size_t i = 0; i < RCAPFS_CTL_NKNOBS; i++) {
		const struct rcapfs_ctl_knob *k = &rcapfs_ctl_knobs[i];

		if (rcapfs_ctl_get(a, k) != rcapfs_ctl_get(b, k))
			fail_msg("ctl %s: %u, %u", k->file,
				 rcapfs_ctl_get(a, k), rcapfs_ctl_get(b, k));
	}
}

void scanner_fixture_set_enforce(struct rcapfs_scanner *sc, bool enforce,
				 unsigned pressure_pct)
{
	struct rcapfs_ctl ctl;

	rcapfs_scanner_get_ctl(sc, &ctl);
	ctl.enforce = enforce;
	ctl.pressure_pct = pressure_pct;
	assert_int_equal(rcapfs_scanner_set_ctl(sc, &ctl), 0);
}

void scanner_fixture_set_scan_interval(struct rcapfs_scanner *sc,
				       unsigned scan_interval_s)
{
	struct rcapfs_ctl ctl;

	rcapfs_scanner_get_ctl(sc, &ctl);
	ctl.scan_interval_s = scan_interval_s;
	assert_int_equal(rcapfs_scanner_set_ctl(sc, &ctl), 0);
}

struct rcapfs_proc scanner_fixture_proc(pid_t pid, uid_t uid, uint64_t rss_kb,
					uint64_t vm_kb)
{
	struct rcapfs_proc p;

	memset(&p, 0, sizeof(p));
	p.pid = pid;
	p.ppid = 1;
	p.ruid = uid;
	p.rgid = uid;
	p.start_ticks = (uint64_t)pid * 10;
	p.rss_kb = rss_kb;
	p.vm_kb = vm_kb;
	snprintf(p.comm, sizeof(p.comm), "p%d", (int)pid);
	return p;
}

struct rcapfs_stats scanner_fixture_stats(struct rcapfs_scanner *sc,
					  const char *name)
{
	struct rcapfs_stats st;

	assert_int_equal(rcapfs_scanner_stats(sc, name, &st), 0);
	return st;
}

uint64_t scanner_fixture_deadline(void)
{
	return rcapfs_mono_ns() + SCANNER_FIXTURE_WAIT_S * RCAPFS_NS_PER_S;
}

bool scanner_fixture_wait_more(uint64_t deadline)
{
	if (rcapfs_mono_ns() > deadline)
		return false;
	nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	return true;
}

static uint64_t figure_of(struct rcapfs_scanner *sc, const char *name,
			  enum scanner_fixture_figure fig)
{
	struct rcapfs_stats st = scanner_fixture_stats(sc, name);

	switch (fig) {
	case FIGURE_SAMPLES:
		return st.samples;
	case FIGURE_SCANS:
		return st.scans;
	case FIGURE_PG_BYTES:
		break;
	}
	return st.pg_bytes;
}

bool scanner_fixture_wait_stat(struct rcapfs_scanner *sc, const char *name,
			       enum scanner_fixture_figure fig, uint64_t want)
{
	uint64_t deadline = scanner_fixture_deadline();

	while (figure_of(sc, name, fig) < want)
		if (!scanner_fixture_wait_more(deadline))
			return false;
	return true;
}
