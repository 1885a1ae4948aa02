/* The fixture of the pagedata and xmap tests: a process of the fake
 * backend with an anonymous region, a file mapping and a huge-page
 * mapping, and a reader of pagedata that parses it as a Solaris program
 * would. */
#ifndef RCAPFS_TESTS_PROCFS_FIXTURE_H
#define RCAPFS_TESTS_PROCFS_FIXTURE_H

#include "compat/backend.h"
#include "rcapfs/procfs.h"
#include "scanner/tracker.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE	   4096u
#define VPID	   4242
#define ANON_START 0x10000000ull /* 16 pages, the first 10 written */
#define FILE_START 0x20000000ull /* 8 pages of a file, the first 3 read */
#define HUGE_START 0x40000000ull /* 1024 pages, mlocked, 512 written */

/* A new fake backend (free with rcapfs_backend_free) holding the victim:
 * with page, idle page tracking (page fidelity); with dirty, soft-dirty;
 * with clear_refs, per-mapping referenced amounts (mapping fidelity when
 * not page). */
struct rcapfs_backend *procfs_fixture_victim(bool page, bool dirty,
					     bool clear_refs);

/* Give the victim an anonymous mapping of pages pages at start, read and
 * write, with more RCAPFS_MAP_* flags; nothing of it present. */
void procfs_fixture_add_anon(struct rcapfs_backend *be, uint64_t start,
			     uint64_t pages, uint32_t flags);

/* Mappings of every kind a process has, figures in KiB as smaps gives
 * them: a program, the heap, a locked MAP_NORESERVE region, a SysV
 * segment, a library with a name longer than PRMAPSZ, a deleted file,
 * shared anonymous memory, the stack, the vDSO. */
#define PROCFS_NSAMPLE 9
extern const struct rcapfs_mapping procfs_sample_maps[PROCFS_NSAMPLE];

/* A snapshot over procfs_sample_maps with a pattern of page flags. */
struct procfs_sample {
	struct rcapfs_mapping maps[PROCFS_NSAMPLE];
	size_t first[PROCFS_NSAMPLE];
	uint8_t pages[64];
	struct rcapfs_snapshot s;
};

/* Fill x: the mappings, and flags in a pattern of present, referenced,
 * dirty, zero-page, swapped, absent and exclusive pages. */
void procfs_fixture_sample(struct procfs_sample *x);

/* The prasmap_t at *off of pagedata data; *off moves to the next one. */
const prasmap_t *procfs_fixture_asmap_at(const char *data, size_t *off);

/* The flag byte of the page at addr in the pagedata data[0..len); fails
 * the test when no entry holds addr. */
uint8_t procfs_fixture_pg_at(const char *data, size_t len, uint64_t addr);

#endif
