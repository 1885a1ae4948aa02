#include "config.h"

#include "fs/parse.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

/* The largest cap in KiB whose byte count still fits in uint64_t. */
#define CAP_KIB_MAX ((UINT64_C(1) << 54) - 1)

/* Unit letters, in order of their power of 1024 (K = 1). */
static const char unit_lower[] = "kmgtpe", unit_upper[] = "KMGTPE";

/* Length of the value once the one trailing newline of a write is dropped. */
static size_t strip_newline(const char *s, size_t len)
{
	if (len > 0 && s[len - 1] == '\n')
		return len - 1;
	return len;
}

/* Not isdigit(3): the locale must not widen what a file accepts. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

/* strncasecmp stops at a NUL in s, which then differs from w: still exact. */
static bool word_is_nocase(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp(s, w, len) == 0;
}

/*
 * The unit suffix: nothing or "B" (bytes, power 0), or a unit letter
 * optionally followed by "B" or "iB" (power 1..6). Returns 0 or -EINVAL.
 */
static int parse_unit(const char *u, size_t len, unsigned *power)
{
	unsigned p;

	if (len == 0 || word_is_nocase(u, len, "b")) {
		*power = 0;
		return 0;
	}
	for (p = 0; unit_lower[p]; p++) {
		if (u[0] == unit_lower[p] || u[0] == unit_upper[p])
			break;
	}
	if (!unit_lower[p])
		return -EINVAL;
	if (len > 1 && !word_is_nocase(u + 1, len - 1, "b") &&
	    !word_is_nocase(u + 1, len - 1, "ib"))
		return -EINVAL;
	*power = p + 1;
	return 0;
}

/*
 * ceil(0.f * 2^shift) for the fraction digits f[0..n), shift <= 50, exact
 * for any number of digits in one pass: Horner's rule from the last digit,
 * keeping the integer part of each partial value and a flag for whether
 * anything was dropped below it (the floor of (a + z) / 10 only depends on
 * the floor of z when a is an integer).
 */
static uint64_t frac_ceil(const char *f, size_t n, unsigned shift)
{
	uint64_t z = 0, a;
	bool dropped = false;

	while (n-- > 0) {
		a = (uint64_t)(f[n] - '0') * (UINT64_C(1) << shift) + z;
		dropped = dropped || a % 10 != 0;
		z = a / 10;
	}
	return z + dropped;
}

int rcapfs_parse_cap(const char *s, size_t len, uint64_t *out_bytes)
{
	size_t n = strip_newline(s, len), i = 0, int_end, frac_start, frac_end;
	uint64_t whole = 0, kib;
	unsigned power, shift;
	bool frac_nonzero = false;
	int rc;

	if (word_is_nocase(s, n, "max") || word_is_nocase(s, n, "none")) {
		*out_bytes = 0;
		return 0;
	}
	/* Check the whole syntax first: malformed wins over out of range. */
	while (i < n && is_digit(s[i]))
		i++;
	int_end = i;
	if (int_end == 0)
		return -EINVAL;
	frac_start = frac_end = i;
	if (i < n && s[i] == '.') {
		frac_start = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		frac_end = i;
		if (frac_end == frac_start)
			return -EINVAL;
	}
	rc = parse_unit(s + i, n - i, &power);
	if (rc)
		return rc;

	for (i = 0; i < int_end; i++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(s[i] - '0');
	}
	if (power == 0) {
		for (i = frac_start; i < frac_end && !frac_nonzero; i++)
			frac_nonzero = s[i] != '0';
		kib = whole / 1024 + (whole % 1024 != 0 || frac_nonzero);
	} else {
		shift = 10 * (power - 1);
		if (whole > CAP_KIB_MAX >> shift)
			return -ERANGE;
		kib = (whole << shift) +
		      frac_ceil(s + frac_start, frac_end - frac_start, shift);
	}
	if (kib > CAP_KIB_MAX)
		return -ERANGE;
	*out_bytes = kib * 1024;
	return 0;
}

int rcapfs_parse_uint(const char *s, size_t len, unsigned min, unsigned max,
		      unsigned *out)
{
	size_t n = strip_newline(s, len), i;
	uint64_t v = 0;
	bool too_big = false;

	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		if (too_big)
			continue;
		v = v * 10 + (uint64_t)(s[i] - '0');
		too_big = v > UINT_MAX;
	}
	if (too_big || v < min || v > max)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

int rcapfs_parse_knob(const struct rcapfs_ctl_knob *k, const char *s,
		      size_t len, unsigned *out)
{
	size_t n = strip_newline(s, len);

	if (!k->words)
		return rcapfs_parse_uint(s, len, k->min, k->max, out);
	for (unsigned v = k->min; v <= k->max && k->words[v]; v++) {
		if (word_is(s, n, k->words[v])) {
			*out = v;
			return 0;
		}
	}
	return -EINVAL;
}

const char *rcapfs_accounting_name(enum rcapfs_accounting acct)
{
	return (unsigned)acct <= RCAPFS_ACCT_UNIQUE
		       ? rcapfs_ctl_words_accounting[acct]
		       : "unknown";
}

const char *rcapfs_fidelity_name(enum rcapfs_fidelity fid)
{
	switch (fid) {
	case RCAPFS_FIDELITY_NONE:
		return "none";
	case RCAPFS_FIDELITY_MAPPING:
		return "mapping";
	case RCAPFS_FIDELITY_PAGE:
		return "page";
	}
	return "unknown";
}
