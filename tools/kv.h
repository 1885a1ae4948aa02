/*
 * "key value" files of the mount (caps/NAME/stats, ctl/status), parsed
 * into structs by a table of the keys a tool knows: the one parser of
 * those files shared by every tool, and fuzzed (tests/fuzz/fuzz_stats.c).
 */
#ifndef RCAPFS_TOOLS_KV_H
#define RCAPFS_TOOLS_KV_H

#include <stddef.h>
#include <stdint.h>

#define TOOL_KV_LINE_MAX 256 /* bytes of a line, its newline excluded */
#define TOOL_KV_WORD_MAX 16  /* bytes of a word value, its NUL included */

enum tool_kv_kind {
	TOOL_KV_U64,  /* decimal, 0 .. UINT64_MAX */
	TOOL_KV_I64,  /* decimal with an optional '-' */
	TOOL_KV_WORD, /* [a-z0-9_], 1 .. TOOL_KV_WORD_MAX - 1 bytes */
};

/* One key a tool knows: where its value goes in the out struct, and the
 * bit it sets in *have. At most 64 keys to a table. */
struct tool_kv_key {
	const char *name;
	enum tool_kv_kind kind;
	size_t offset; /* of a uint64_t, int64_t or char[TOOL_KV_WORD_MAX] */
};

/*
 * Parse text[0..len): lines of "key value", each ended by a newline. The
 * keys of the table fill out (at their offsets) and set bit i of *have for
 * table[i]; other keys are skipped, whatever their value (files may grow
 * keys). Returns 0, or -EINVAL for a line that is not "key value" (no
 * space, a key of other than [a-z0-9_], longer than TOOL_KV_LINE_MAX, a
 * NUL or control byte, a last line without its newline), a known key
 * given twice or with a value of the wrong form, or -ERANGE for a number
 * out of range. On error *have is 0 and out may be partly written.
 */
int tool_kv_parse(const char *text, size_t len, const struct tool_kv_key *table,
		  size_t nkeys, void *out, uint64_t *have);

/* The figures of caps/NAME/stats the tools use (rcapfs(8) says them), sizes
 * in bytes. */
struct tool_stats {
	uint64_t nproc;
	uint64_t rss_bytes;
	uint64_t vm_bytes;
	uint64_t cap_bytes;
	uint64_t at_bytes;
	uint64_t pg_bytes;
	uint64_t scans_complete;
	uint64_t unenforced;
	uint64_t majflt;
	uint64_t unpageable_anon_bytes;
	uint64_t unpageable_locked_bytes;
	uint64_t unpageable_shared_bytes;
	char fidelity[TOOL_KV_WORD_MAX];
	uint64_t have; /* TOOL_STATS_* */
};

/* Bits of tool_stats.have, in the order of tool_stats_keys. */
enum {
	TOOL_STATS_NPROC = 1 << 0,
	TOOL_STATS_RSS = 1 << 1,
	TOOL_STATS_VM = 1 << 2,
	TOOL_STATS_CAP = 1 << 3,
	TOOL_STATS_AT = 1 << 4,
	TOOL_STATS_PG = 1 << 5,
	TOOL_STATS_SCANS_COMPLETE = 1 << 6,
	TOOL_STATS_UNENFORCED = 1 << 7,
	TOOL_STATS_MAJFLT = 1 << 8,
	TOOL_STATS_UNPAGEABLE_ANON = 1 << 9,
	TOOL_STATS_UNPAGEABLE_LOCKED = 1 << 10,
	TOOL_STATS_UNPAGEABLE_SHARED = 1 << 11,
	TOOL_STATS_FIDELITY = 1 << 12,
};

/* What rcapstat cannot do without. */
#define TOOL_STATS_NEEDED                                                      \
	(TOOL_STATS_NPROC | TOOL_STATS_RSS | TOOL_STATS_VM | TOOL_STATS_CAP |  \
	 TOOL_STATS_AT | TOOL_STATS_PG | TOOL_STATS_SCANS_COMPLETE)

/* Parse a stats file into *out (have included). Returns as tool_kv_parse,
 * and -EINVAL (have 0) when a key of TOOL_STATS_NEEDED is missing. */
int tool_stats_parse(const char *text, size_t len, struct tool_stats *out);

/* The figures of ctl/status the tools use. */
struct tool_status {
	uint64_t memory_utilization_pct;
	char fidelity[TOOL_KV_WORD_MAX];
	uint64_t have; /* TOOL_STATUS_* */
};

enum {
	TOOL_STATUS_MEMORY_UTILIZATION_PCT = 1 << 0,
	TOOL_STATUS_FIDELITY = 1 << 1,
};

/* Parse ctl/status into *out. Returns as tool_kv_parse, and -EINVAL (have
 * 0) when memory_utilization_pct is missing or above 100. */
int tool_status_parse(const char *text, size_t len, struct tool_status *out);

#endif
