/*
 * Fuzz rcapfs_parse_cap against an oracle written another way: the
 * grammar as a POSIX regular expression, the value by exact decimal
 * arithmetic (doubling the fraction digit by digit). Any difference in
 * verdict or value, an out parameter written on error, a cap that is not
 * a whole KiB, or a value that does not parse back to itself aborts.
 */
#include "config.h"

#include "tests/fuzz/fuzz.h"

#include "fs/parse.h"

#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Untouched on error: any other value means the parser wrote it. */
#define SENTINEL UINT64_C(0x5eed5eed5eed5eed)

/* The largest cap in KiB: (2^64 - 1024) bytes. */
#define KIB_MAX ((UINT64_C(1) << 54) - 1)

/* Bytes past 20 digits of the whole part are out of range in any unit;
 * the whole part then fits 67 bits, and shifted by 50 it fits 128. */
#define WHOLE_DIGITS_MAX 20

typedef unsigned __int128 u128;

/* doc/design.md §3, "cap", as a regular expression (the C locale makes
 * the classes ASCII; REG_ICASE covers the units' case). */
static regex_t syntax;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	FUZZ_CHECK(regcomp(&syntax,
			   "^(max|none|[0-9]+(\\.[0-9]+)?([kmgtpe](i?b)?|b)?)$",
			   REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0,
		   "regcomp");
	return 0;
}

/*
 * ceil(0.digits * 2^shift): double the decimal fraction shift times, each
 * time carrying the digit that leaves the point into the whole part.
 * digits (values 0..9) is scratch.
 */
static u128 frac_scaled_ceil(unsigned char *digits, size_t n, unsigned shift)
{
	u128 whole = 0;
	unsigned carry, d, s;
	size_t i;

	/* Trailing zeros stay zeros: skip them. */
	while (n > 0 && digits[n - 1] == 0)
		n--;
	for (s = 0; s < shift; s++) {
		carry = 0;
		for (i = n; i-- > 0;) {
			d = digits[i] * 2u + carry;
			digits[i] = (unsigned char)(d % 10);
			carry = d / 10;
		}
		whole = whole * 2 + carry;
	}
	for (i = 0; i < n; i++) {
		if (digits[i])
			return whole + 1;
	}
	return whole;
}

/*
 * The expected verdict for a value that matched the grammar (s is
 * NUL-terminated, the trailing newline already cut): 0 with *bytes, or
 * -ERANGE.
 */
static int expect_value(const char *s, uint64_t *bytes)
{
	static const char units[] = "kmgtpe";
	size_t int_len, frac_len = 0, i;
	const char *frac = "", *unit, *u;
	unsigned char *digits;
	unsigned power = 0;
	u128 whole = 0, kib;

	if (strcasecmp(s, "max") == 0 || strcasecmp(s, "none") == 0) {
		*bytes = 0;
		return 0;
	}
	/* Leading zeros say nothing. */
	while (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		s++;
	int_len = strspn(s, "0123456789");
	unit = s + int_len;
	if (*unit == '.') {
		frac = unit + 1;
		frac_len = strspn(frac, "0123456789");
		unit = frac + frac_len;
	}
	if (*unit && *unit != 'b' && *unit != 'B') {
		u = strchr(units, *unit | 0x20);
		FUZZ_CHECK(u, "regex let unit '%c' through", *unit);
		power = (unsigned)(u - units) + 1;
	}
	if (int_len > WHOLE_DIGITS_MAX)
		return -ERANGE;
	for (i = 0; i < int_len; i++)
		whole = whole * 10 + (unsigned)(s[i] - '0');

	digits = malloc(frac_len ? frac_len : 1);
	FUZZ_CHECK(digits, "out of memory");
	for (i = 0; i < frac_len; i++)
		digits[i] = (unsigned char)(frac[i] - '0');
	if (power == 0) {
		/* Bytes: any fraction at all rounds up to the next KiB. */
		kib = whole / 1024 +
		      (whole % 1024 != 0 ||
		       frac_scaled_ceil(digits, frac_len, 0) != 0);
	} else {
		kib = (whole << (10 * (power - 1))) +
		      frac_scaled_ceil(digits, frac_len, 10 * (power - 1));
	}
	free(digits);
	if (kib > KIB_MAX)
		return -ERANGE;
	*bytes = (uint64_t)kib * 1024;
	return 0;
}

/* Parse text[0..len) (a copy of exactly len bytes, so ASan sees a read
 * past it); returns rc and checks the untouched-on-error rule. */
static int parse_copy(const char *text, size_t len, uint64_t *bytes)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	FUZZ_CHECK(copy, "out of memory");
	memcpy(copy, text, len);
	*bytes = SENTINEL;
	rc = rcapfs_parse_cap(copy, len, bytes);
	free(copy);
	FUZZ_CHECK(rc == 0 || *bytes == SENTINEL, "error %d wrote the output",
		   rc);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), again[64];
	uint64_t bytes = SENTINEL, want = 0, back;
	size_t n = size;
	int rc, want_rc;

	rc = rcapfs_parse_cap((const char *)data, size, &bytes);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE, "rc %d", rc);
	FUZZ_CHECK(rc == 0 || bytes == SENTINEL, "error %d wrote the output",
		   rc);

	/* The oracle: one trailing newline is dropped, a NUL anywhere is
	 * malformed, then the grammar, then the exact value. */
	if (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	if (memchr(s, '\0', n) || regexec(&syntax, s, 0, NULL, 0) != 0)
		want_rc = -EINVAL;
	else
		want_rc = expect_value(s, &want);
	FUZZ_CHECK(rc == want_rc, "\"%.64s\": rc %d, oracle %d", s, rc,
		   want_rc);
	if (rc == 0) {
		FUZZ_CHECK(bytes == want,
			   "\"%.64s\": %" PRIu64 ", oracle %" PRIu64, s, bytes,
			   want);
		FUZZ_CHECK(bytes % 1024 == 0, "%" PRIu64 " not whole KiB",
			   bytes);
		/* What a read of cap shows, a write takes back unchanged, in
		 * bytes and in KiB. */
		snprintf(again, sizeof(again), "%" PRIu64 "\n", bytes);
		FUZZ_CHECK(parse_copy(again, strlen(again), &back) == 0 &&
				   back == bytes,
			   "%" PRIu64 " does not parse back", bytes);
		snprintf(again, sizeof(again), "%" PRIu64 "K", bytes / 1024);
		FUZZ_CHECK(parse_copy(again, strlen(again), &back) == 0 &&
				   back == bytes,
			   "%s does not parse back", again);
	}
	/* echo adds the newline, printf does not: same verdict either way. */
	if (size == n) {
		s[n] = '\n';
		FUZZ_CHECK(parse_copy(s, n + 1, &back) == rc &&
				   (rc || back == bytes),
			   "a trailing newline changes \"%.64s\"", s);
	}
	free(s);
	return 0;
}
