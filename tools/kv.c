#include "config.h"

#include "tools/kv.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* value[0..n) as the kind says, into dst. Returns 0, -EINVAL or -ERANGE. */
static int parse_value(const char *v, size_t n, enum tool_kv_kind kind,
		       void *dst)
{
	bool neg = kind == TOOL_KV_I64 && n > 1 && v[0] == '-';
	uint64_t x = 0, limit;
	size_t i;

	if (n == 0)
		return -EINVAL;
	if (kind == TOOL_KV_WORD) {
		if (n >= TOOL_KV_WORD_MAX)
			return -EINVAL;
		for (i = 0; i < n; i++)
			if (!key_char(v[i]))
				return -EINVAL;
		memcpy(dst, v, n);
		((char *)dst)[n] = '\0';
		return 0;
	}
	limit = kind == TOOL_KV_U64 ? UINT64_MAX
		: neg		    ? (uint64_t)INT64_MAX + 1
				    : (uint64_t)INT64_MAX;
	for (i = neg ? 1 : 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		if (x > (limit - (uint64_t)(v[i] - '0')) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (kind == TOOL_KV_U64)
		*(uint64_t *)dst = x;
	else
		*(int64_t *)dst = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 0;
}

/* The table entry named key[0..n), or NULL. */
static const struct tool_kv_key *find(const struct tool_kv_key *table,
				      size_t nkeys, const char *key, size_t n,
				      size_t *index)
{
	for (size_t i = 0; i < nkeys; i++)
		if (strlen(table[i].name) == n &&
		    memcmp(table[i].name, key, n) == 0) {
			*index = i;
			return &table[i];
		}
	return NULL;
}

/* One line[0..n) (its newline cut) into out. Returns 0, -EINVAL or
 * -ERANGE. */
static int parse_line(const char *line, size_t n,
		      const struct tool_kv_key *table, size_t nkeys, void *out,
		      uint64_t *have)
{
	const struct tool_kv_key *k;
	const char *sp;
	size_t i, index;
	int rc;

	if (n > TOOL_KV_LINE_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return -EINVAL;
	sp = memchr(line, ' ', n);
	if (!sp || sp == line)
		return -EINVAL;
	for (i = 0; line + i < sp; i++)
		if (!key_char(line[i]))
			return -EINVAL;
	k = find(table, nkeys, line, (size_t)(sp - line), &index);
	if (!k)
		return 0;
	if (*have & (UINT64_C(1) << index))
		return -EINVAL;
	rc = parse_value(sp + 1, n - (size_t)(sp + 1 - line), k->kind,
			 (char *)out + k->offset);
	if (rc == 0)
		*have |= UINT64_C(1) << index;
	return rc;
}

int tool_kv_parse(const char *text, size_t len, const struct tool_kv_key *table,
		  size_t nkeys, void *out, uint64_t *have)
{
	size_t pos = 0;
	int rc = nkeys > 64 ? -EINVAL : 0;

	*have = 0;
	while (rc == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		if (!nl) {
			rc = -EINVAL;
			break;
		}
		rc = parse_line(text + pos, (size_t)(nl - text) - pos, table,
				nkeys, out, have);
		pos = (size_t)(nl - text) + 1;
	}
	if (rc)
		*have = 0;
	return rc;
}

/* tool_kv_parse, and -EINVAL when a key of needed is missing. */
static int parse_all(const char *text, size_t len,
		     const struct tool_kv_key *table, size_t nkeys, void *out,
		     uint64_t *have, uint64_t needed)
{
	int rc = tool_kv_parse(text, len, table, nkeys, out, have);

	if (rc == 0 && (*have & needed) != needed) {
		*have = 0;
		rc = -EINVAL;
	}
	return rc;
}

#define STATS_FIELD(f) offsetof(struct tool_stats, f)

/* In the order of the TOOL_STATS_* bits. */
static const struct tool_kv_key stats_keys[] = {
	{"nproc", TOOL_KV_U64, STATS_FIELD(nproc)},
	{"rss", TOOL_KV_U64, STATS_FIELD(rss_bytes)},
	{"vm", TOOL_KV_U64, STATS_FIELD(vm_bytes)},
	{"cap", TOOL_KV_U64, STATS_FIELD(cap_bytes)},
	{"at", TOOL_KV_U64, STATS_FIELD(at_bytes)},
	{"pg", TOOL_KV_U64, STATS_FIELD(pg_bytes)},
	{"scans_complete", TOOL_KV_U64, STATS_FIELD(scans_complete)},
	{"unenforced", TOOL_KV_U64, STATS_FIELD(unenforced)},
	{"majflt", TOOL_KV_U64, STATS_FIELD(majflt)},
	{"unpageable_anon", TOOL_KV_U64, STATS_FIELD(unpageable_anon_bytes)},
	{"unpageable_locked", TOOL_KV_U64,
	 STATS_FIELD(unpageable_locked_bytes)},
	{"unpageable_shared", TOOL_KV_U64,
	 STATS_FIELD(unpageable_shared_bytes)},
	{"fidelity", TOOL_KV_WORD, STATS_FIELD(fidelity)},
};

int tool_stats_parse(const char *text, size_t len, struct tool_stats *out)
{
	memset(out, 0, sizeof(*out));
	return parse_all(text, len, stats_keys,
			 sizeof(stats_keys) / sizeof(stats_keys[0]), out,
			 &out->have, TOOL_STATS_NEEDED);
}

static const struct tool_kv_key status_keys[] = {
	{"memory_utilization_pct", TOOL_KV_U64,
	 offsetof(struct tool_status, memory_utilization_pct)},
	{"fidelity", TOOL_KV_WORD, offsetof(struct tool_status, fidelity)},
};

int tool_status_parse(const char *text, size_t len, struct tool_status *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = parse_all(text, len, status_keys,
		       sizeof(status_keys) / sizeof(status_keys[0]), out,
		       &out->have, TOOL_STATUS_MEMORY_UTILIZATION_PCT);
	if (rc == 0 && out->memory_utilization_pct > 100) {
		out->have = 0;
		rc = -EINVAL;
	}
	return rc;
}
