/* The fixture of the scanner, capping and state tests, a scanner over a
 * fake backend of its own, and the checks and waits they make on it. */
#ifndef RCAPFS_TESTS_SCANNER_FIXTURE_H
#define RCAPFS_TESTS_SCANNER_FIXTURE_H

#include "compat/backend.h"
#include "scanner/scanner.h"

#include <stdbool.h>
#include <stdint.h>

/* A new fake backend (see fake_backend_new) in *be and a scanner over it
 * in *sc. Fails the test when the scanner cannot be made. Free both with
 * scanner_fixture_free(). */
void scanner_fixture_new(struct rcapfs_backend **be,
			 struct rcapfs_scanner **sc);

/* Free sc, then be, which it works on. */
void scanner_fixture_free(struct rcapfs_backend *be, struct rcapfs_scanner *sc);

/* The same pair as the state of a cmocka test: setup makes it, teardown
 * frees it. */
struct scanner_fixture {
	struct rcapfs_backend *be;
	struct rcapfs_scanner *sc;
};
int scanner_fixture_setup(void **state);
int scanner_fixture_teardown(void **state);

/* Make the scanner of f again over its backend, now with features *ft:
 * the tracker's fidelity is decided when it is made. */
void scanner_fixture_use_features(struct scanner_fixture *f,
				  const struct rcapfs_features *ft);

/* Where scanner_fixture_map puts a mapping: chunk aligned. */
#define SCANNER_FIXTURE_BASE 0x40000000ULL

/* Give pid, which must be in the fake's table, a private mapping of mib
 * MiB of a file at SCANNER_FIXTURE_BASE, every page present and not
 * referenced. */
void scanner_fixture_map(struct rcapfs_backend *be, pid_t pid, uint64_t mib);

/* The fake's table becomes processes pids[0..n) (at most 4) of uid 1000,
 * each with a mapping as scanner_fixture_map gives, of mib MiB. */
void scanner_fixture_victims(struct rcapfs_backend *be, const pid_t *pids,
			     size_t n, uint64_t mib);

/* Set the membership rules of collection name to text, as a user writes
 * them; fail the test, saying why, when they are refused. */
void scanner_fixture_set_members(struct rcapfs_scanner *sc, const char *name,
				 const char *text);

/* Fail the test unless a and b hold the same settings, compared knob by
 * knob (scanner/ctl.h), naming the first that differs. */
void scanner_fixture_assert_ctl_equal(const struct rcapfs_ctl *a,
				      const struct rcapfs_ctl *b);

/* Set ctl/enforce and ctl/pressure, or ctl/scan_interval, keeping the
 * other controls; fail the test when refused. */
void scanner_fixture_set_enforce(struct rcapfs_scanner *sc, bool enforce,
				 unsigned pressure_pct);
void scanner_fixture_set_scan_interval(struct rcapfs_scanner *sc,
				       unsigned scan_interval_s);

/* A process of uid (its gid too), child of 1, started at pid * 10 ticks,
 * with rss_kb and vm_kb as a walk of /proc would read them. */
struct rcapfs_proc scanner_fixture_proc(pid_t pid, uid_t uid, uint64_t rss_kb,
					uint64_t vm_kb);

/* The stats of collection name; fails the test when there is none. */
struct rcapfs_stats scanner_fixture_stats(struct rcapfs_scanner *sc,
					  const char *name);

/* How long a wait on the scanner's threads may last: a functional bound,
 * not a speed claim (valgrind on a busy host is slow). */
#define SCANNER_FIXTURE_WAIT_S 60

/* The end of a wait that starts now. */
uint64_t scanner_fixture_deadline(void);

/* Pause a little before looking again; false once deadline has passed. */
bool scanner_fixture_wait_more(uint64_t deadline);

/* The figures of the stats the tests wait for. */
enum scanner_fixture_figure {
	FIGURE_SAMPLES,
	FIGURE_SCANS, /* finished by the collection's enforcer */
	FIGURE_PG_BYTES,
};

/* Wait until the figure of collection name reaches want; false when it
 * did not within SCANNER_FIXTURE_WAIT_S. */
bool scanner_fixture_wait_stat(struct rcapfs_scanner *sc, const char *name,
			       enum scanner_fixture_figure fig, uint64_t want);

#endif
