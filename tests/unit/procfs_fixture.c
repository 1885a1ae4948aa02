#include "config.h"

#include "tests/unit/procfs_fixture.h"

#include "tests/unit/fake_backend.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

struct rcapfs_backend *procfs_fixture_victim(bool page, bool dirty,
					     bool clear_refs)
{
	struct rcapfs_backend *be = fake_backend_new();
	struct rcapfs_features feat;
	struct rcapfs_proc p;
	struct rcapfs_mapping m;

	memset(&feat, 0, sizeof(feat));
	feat.page_size = PAGE;
	feat.idle_page_tracking = feat.pfn_visible = page;
	feat.soft_dirty = dirty;
	feat.clear_refs = clear_refs;
	fake_backend_set_features(be, &feat);

	memset(&p, 0, sizeof(p));
	p.pid = VPID;
	p.ppid = 1;
	p.ruid = 1000;
	p.rgid = 1000;
	p.start_ticks = 77;
	strcpy(p.comm, "victim");
	fake_backend_set_procs(be, &p, 1);

	procfs_fixture_add_anon(be, ANON_START, 16, 0);
	memset(&m, 0, sizeof(m));
	m.shmid = -1;
	m.kernel_page_kb = m.mmu_page_kb = 4;
	m.start = FILE_START;
	m.end = FILE_START + 8 * PAGE;
	m.flags = RCAPFS_MAP_READ;
	m.dev_major = 8;
	m.dev_minor = 2;
	m.inode = 999;
	m.name = "/data/file.bin";
	fake_backend_add_mapping(be, VPID, &m);
	m.start = HUGE_START;
	m.end = HUGE_START + 1024 * PAGE;
	m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
		  RCAPFS_MAP_LOCKED;
	m.dev_major = m.dev_minor = 0;
	m.inode = 0;
	m.mmu_page_kb = 2048;
	m.name = "";
	fake_backend_add_mapping(be, VPID, &m);

	fake_backend_touch(be, VPID, ANON_START, ANON_START + 10 * PAGE, true);
	fake_backend_touch(be, VPID, FILE_START, FILE_START + 3 * PAGE, false);
	fake_backend_touch(be, VPID, HUGE_START, HUGE_START + 512 * PAGE, true);
	return be;
}

void procfs_fixture_add_anon(struct rcapfs_backend *be, uint64_t start,
			     uint64_t pages, uint32_t flags)
{
	struct rcapfs_mapping m;

	memset(&m, 0, sizeof(m));
	m.start = start;
	m.end = start + pages * PAGE;
	m.flags = RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON | flags;
	m.shmid = -1;
	m.kernel_page_kb = m.mmu_page_kb = 4;
	m.name = "";
	fake_backend_add_mapping(be, VPID, &m);
}

/* A basename longer than PRMAPSZ - 1. */
#define LONG_NAME                                                              \
	"/opt/app/lib/"                                                        \
	"a-library-with-a-name-that-is-much-longer-than-sixty-three-bytes.so"

const struct rcapfs_mapping procfs_sample_maps[PROCFS_NSAMPLE] = {
	{0x400000, 0x402000, 0, 8, 1, 1234, RCAPFS_MAP_READ | RCAPFS_MAP_EXEC,
	 -1, 8, 8, 0, 0, 0, 8, 0, 4, 4, "/usr/bin/victim"},
	{0x600000, 0x603000, 0, 0, 0, 0,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON | RCAPFS_MAP_HEAP,
	 -1, 8, 8, 8, 0, 8, 4, 0, 4, 4, "[heap]"},
	{0x7f0000000000, 0x7f0000009000, 0, 0, 0, 0,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
		 RCAPFS_MAP_NORESERVE | RCAPFS_MAP_LOCKED,
	 -1, 36, 36, 36, 0, 36, 0, 0, 4, 4, ""},
	{0x7f0000010000, 0x7f0000011000, 0, 0, 1, 98304,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED |
		 RCAPFS_MAP_SYSV,
	 42, 4, 2, 0, 4, 0, 4, 0, 4, 4, "/SYSV0000abcd (deleted)"},
	{0x7f0000020000, 0x7f0000023000, 0x3000, 253, 7, 77, RCAPFS_MAP_READ,
	 -1, 0, 0, 0, 0, 0, 0, 0, 4, 4, LONG_NAME},
	{0x7f0000030000, 0x7f0000031000, 0, 8, 1, 555,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED, -1, 4, 4, 0, 4,
	 4, 4, 0, 4, 4, "/tmp/data file (deleted)"},
	{0x7f0000040000, 0x7f0000042000, 0, 0, 1, 2056,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_SHARED, -1, 8, 4, 0, 8,
	 8, 8, 0, 4, 4, "/dev/zero (deleted)"},
	{0x7ffc00000000, 0x7ffc00021000, 0, 0, 0, 0,
	 RCAPFS_MAP_READ | RCAPFS_MAP_WRITE | RCAPFS_MAP_ANON |
		 RCAPFS_MAP_STACK,
	 -1, 12, 12, 12, 0, 12, 12, 0, 4, 4, "[stack]"},
	{0x7ffc00100000, 0x7ffc00102000, 0, 0, 0, 0,
	 RCAPFS_MAP_READ | RCAPFS_MAP_EXEC | RCAPFS_MAP_SPECIAL, -1, 8, 0, 0, 8,
	 0, 8, 0, 4, 4, "[vdso]"},
};
void procfs_fixture_sample(struct procfs_sample *x)
{
	static const uint8_t pattern[] = {
		RCAPFS_PAGE_PRESENT,
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_REFERENCED,
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_REFERENCED |
			RCAPFS_PAGE_DIRTY,
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_ZERO,
		RCAPFS_PAGE_SWAPPED,
		0,
		RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE,
	};
	size_t i, np = 0;

	memset(x, 0, sizeof(*x));
	memcpy(x->maps, procfs_sample_maps, sizeof(procfs_sample_maps));
	for (i = 0; i < PROCFS_NSAMPLE; i++) {
		x->first[i] = np;
		np += (x->maps[i].end - x->maps[i].start) / PAGE;
	}
	assert_true(np <= sizeof(x->pages));
	for (i = 0; i < np; i++)
		x->pages[i] = pattern[i % sizeof(pattern)];
	x->s.maps.maps = x->maps;
	x->s.maps.n = PROCFS_NSAMPLE;
	x->s.pages = x->pages;
	x->s.first_page = x->first;
	x->s.npages = np;
	x->s.page_size = PAGE;
	x->s.fidelity = RCAPFS_FIDELITY_PAGE;
	x->s.tstamp_ns = 123456789012345678;
}

const prasmap_t *procfs_fixture_asmap_at(const char *data, size_t *off)
{
	const prasmap_t *a = (const prasmap_t *)(data + *off);

	*off += sizeof(prasmap_t) + PRPAGEDATA_PAD(a->pr_npage);
	return a;
}

uint8_t procfs_fixture_pg_at(const char *data, size_t len, uint64_t addr)
{
	const prpageheader_t *h = (const prpageheader_t *)data;
	size_t off = sizeof(*h);
	int64_t i;

	for (i = 0; i < h->pr_nmap; i++) {
		const prasmap_t *a = procfs_fixture_asmap_at(data, &off);

		assert_true(off <= len);
		if (addr >= a->pr_vaddr &&
		    addr < a->pr_vaddr + a->pr_npage * (uint64_t)a->pr_pagesize)
			return (uint8_t)((
				const char *)(a + 1))[(addr - a->pr_vaddr) /
						      (uint64_t)a->pr_pagesize];
	}
	fail_msg("no mapping holds 0x%llx", (unsigned long long)addr);
	return 0;
}
