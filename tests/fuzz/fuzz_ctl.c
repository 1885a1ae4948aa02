/*
 * Fuzz the ctl/ parsers. An input is a header line naming the parser, then
 * the bytes of the write:
 *
 *	uint MIN MAX\n<value>     rcapfs_parse_uint in [MIN, MAX]
 *	KNOB\n<value>             rcapfs_parse_knob of the ctl/KNOB file
 *	                          (enforce, mode, sample_interval ...)
 *
 * Each verdict is checked against a plain reading of doc/design.md §3 and
 * the knob table: the exact errno, the value, the out parameter untouched
 * on error, the same verdict with or without a trailing newline, and
 * values that read back as written.
 */
#include "config.h"

#include "tests/fuzz/fuzz.h"

#include "fs/parse.h"
#include "fs/render.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Any value a parser would not store. */
#define SENTINEL 77u

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

/* The value as the parsers see it: one trailing newline dropped. */
static size_t value_len(const char *v, size_t len)
{
	return len > 0 && v[len - 1] == '\n' ? len - 1 : len;
}

static bool is_word(const char *v, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(v, w, len) == 0;
}

/* Expected verdict of rcapfs_parse_uint, computed without its loop. */
static int expect_uint(const char *v, size_t len, unsigned min, unsigned max,
		       unsigned *want)
{
	unsigned long long n;
	char digits[16];
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
	}
	while (len > 1 && v[0] == '0') {
		v++;
		len--;
	}
	/* Ten digits hold every unsigned; more is out of range. */
	if (len > 10)
		return -ERANGE;
	memcpy(digits, v, len);
	digits[len] = '\0';
	n = strtoull(digits, NULL, 10);
	if (n > UINT_MAX || n < min || n > max)
		return -ERANGE;
	*want = (unsigned)n;
	return 0;
}

static int run_uint(const char *v, size_t len, unsigned min, unsigned max)
{
	unsigned out = SENTINEL, want = 0;
	int rc = rcapfs_parse_uint(v, len, min, max, &out);
	int want_rc = expect_uint(v, value_len(v, len), min, max, &want);

	FUZZ_CHECK(rc == want_rc, "uint [%u,%u] \"%.*s\": rc %d, want %d", min,
		   max, (int)(len > 64 ? 64 : len), v, rc, want_rc);
	FUZZ_CHECK(rc ? out == SENTINEL : out == want,
		   "uint [%u,%u]: rc %d, out %u, want %u", min, max, rc, out,
		   want);
	return rc;
}

/* Expected verdict of rcapfs_parse_knob for a word knob: the value is
 * one of its words, exactly. */
static int expect_word(const struct rcapfs_ctl_knob *k, const char *v,
		       size_t len, unsigned *want)
{
	for (unsigned i = k->min; i <= k->max; i++) {
		if (is_word(v, len, k->words[i])) {
			*want = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int run_knob(const struct rcapfs_ctl_knob *k, const char *v, size_t len)
{
	struct rcapfs_buf shown = RCAPFS_BUF_INIT;
	unsigned out = SENTINEL, want = 0;
	size_t n = value_len(v, len);
	int rc = rcapfs_parse_knob(k, v, len, &out);
	int want_rc = k->words ? expect_word(k, v, n, &want)
			       : expect_uint(v, n, k->min, k->max, &want);

	FUZZ_CHECK(rc == want_rc, "%s \"%.*s\": rc %d, want %d", k->file,
		   (int)(n > 64 ? 64 : n), v, rc, want_rc);
	FUZZ_CHECK(rc ? out == SENTINEL : out == want,
		   "%s: rc %d, out %u, want %u", k->file, rc, out, want);
	if (rc == 0) {
		/* A read shows the value the way a write takes it. */
		FUZZ_CHECK(rcapfs_render_knob(k, out, &shown) == 0,
			   "%s: %u does not render", k->file, out);
		FUZZ_CHECK(rcapfs_parse_knob(k, shown.data, shown.len, &want) ==
					   0 &&
				   want == out,
			   "%s: %u reads back as \"%s\"", k->file, out,
			   shown.data);
	}
	rcapfs_buf_release(&shown);
	return rc;
}

/* "uint MIN MAX": the bounds, or false when the header is not one. */
static bool uint_header(const char *h, unsigned *min, unsigned *max)
{
	unsigned long a, b;
	char *end;

	if (strncmp(h, "uint ", 5) != 0)
		return false;
	a = strtoul(h + 5, &end, 10);
	if (*end != ' ' || a > UINT_MAX)
		return false;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || b > UINT_MAX)
		return false;
	*min = (unsigned)a;
	*max = (unsigned)b;
	return true;
}

/* Run the parser the header names on v[0..len); returns its rc, or 1 when
 * the header names none. */
static int run(const char *header, const char *v, size_t len)
{
	const struct rcapfs_ctl_knob *k;
	unsigned min, max;

	if (uint_header(header, &min, &max))
		return run_uint(v, len, min, max);
	k = rcapfs_ctl_find(header, strlen(header));
	return k ? run_knob(k, v, len) : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	const char *v;
	size_t hlen, vlen;
	char *header, *v2;
	int rc;

	if (!nl)
		return 0;
	hlen = (size_t)(nl - data);
	header = fuzz_strndup(data, hlen);
	/* The value ends where the input does: a read past it trips ASan. */
	v = (const char *)nl + 1;
	vlen = size - hlen - 1;
	rc = run(header, v, vlen);
	/* echo adds the newline, printf does not: same verdict. */
	if (rc != 1 && (vlen == 0 || v[vlen - 1] != '\n')) {
		v2 = malloc(vlen + 1);
		FUZZ_CHECK(v2, "out of memory");
		memcpy(v2, v, vlen);
		v2[vlen] = '\n';
		FUZZ_CHECK(run(header, v2, vlen + 1) == rc,
			   "%s: a trailing newline changes the verdict",
			   header);
		free(v2);
	}
	free(header);
	return 0;
}
