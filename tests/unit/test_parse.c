#include "config.h"

#include "fs/parse.h"
#include "fs/render.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB	 UINT64_C(1024)
#define MIB	 (KIB << 10)
#define GIB	 (MIB << 10)
#define HUGE_LEN ((size_t)1 << 20)

/* A short printable form of an input, for failure messages. */
static const char *show(const char *s, size_t len)
{
	static char out[96];
	size_t i, o = 0;

	for (i = 0; i < len && o < sizeof(out) - 8; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o,
					      "\\x%02x", c);
	}
	if (i < len)
		snprintf(out + o, sizeof(out) - o, "...");
	else
		out[o] = '\0';
	return out;
}

static void cap_ok_len(const char *s, size_t len, uint64_t want)
{
	uint64_t got = 12345;
	int rc = rcapfs_parse_cap(s, len, &got);

	if (rc != 0 || got != want) {
		print_error("cap \"%s\": rc %d, got %" PRIu64 ", want %" PRIu64
			    "\n",
			    show(s, len), rc, got, want);
		fail();
	}
}

static void cap_ok(const char *s, uint64_t want)
{
	cap_ok_len(s, strlen(s), want);
}

/* A rejected value fails with exactly want_rc and leaves *out alone. */
static void cap_bad_len(const char *s, size_t len, int want_rc)
{
	uint64_t got = 777;
	int rc = rcapfs_parse_cap(s, len, &got);

	if (rc != want_rc || got != 777) {
		print_error("cap \"%s\": rc %d (want %d), out %" PRIu64 "\n",
			    show(s, len), rc, want_rc, got);
		fail();
	}
}

static void cap_bad(const char *s, int want_rc)
{
	cap_bad_len(s, strlen(s), want_rc);
}

/* len bytes of c, then the NUL-terminated tail; the caller frees. */
static char *run_of(char c, size_t len, const char *tail)
{
	size_t tail_len = strlen(tail);
	char *s = malloc(len + tail_len + 1);

	assert_non_null(s);
	memset(s, c, len);
	memcpy(s + len, tail, tail_len + 1);
	return s;
}

static void test_parse__cap_uncapped(void **state)
{
	(void)state;
	cap_ok("0", 0);
	cap_ok("0\n", 0);
	cap_ok("max", 0);
	cap_ok("MAX", 0);
	cap_ok("Max\n", 0);
	cap_ok("none", 0);
	cap_ok("NONE", 0);
	cap_ok("0K", 0);
	cap_ok("0.0G", 0);
	cap_ok("000", 0);
}

static void test_parse__cap_units(void **state)
{
	(void)state;
	cap_ok("512M", 512 * MIB);
	cap_ok("512m", 512 * MIB);
	cap_ok("512MB", 512 * MIB);
	cap_ok("512mb", 512 * MIB);
	cap_ok("512MiB", 512 * MIB);
	cap_ok("512mIb", 512 * MIB);
	cap_ok("512M\n", 512 * MIB);
	cap_ok("1K", KIB);
	cap_ok("1k", KIB);
	cap_ok("1KiB", KIB);
	cap_ok("3G", 3 * GIB);
	cap_ok("1T", UINT64_C(1) << 40);
	cap_ok("1P", UINT64_C(1) << 50);
	cap_ok("1E", UINT64_C(1) << 60);
	cap_ok("15E", UINT64_C(15) << 60);
	cap_ok("00012K", 12 * KIB);
}

static void test_parse__cap_rounds_up_to_kib(void **state)
{
	(void)state;
	cap_ok("1", KIB);
	cap_ok("1B", KIB);
	cap_ok("1b", KIB);
	cap_ok("1023", KIB);
	cap_ok("1024", KIB);
	cap_ok("1025", 2 * KIB);
	cap_ok("2048B", 2 * KIB);
	cap_ok("1.5", KIB);
	cap_ok("0.0001", KIB);
	cap_ok("1024.1", 2 * KIB);
	cap_ok("1023.9B", KIB);
}

static void test_parse__cap_fractions_exact(void **state)
{
	(void)state;
	cap_ok("1.5G", 1610612736);
	cap_ok("1.5K", 2 * KIB); /* 1536 bytes */
	cap_ok("2.5K", 3 * KIB);
	cap_ok("0.1K", KIB); /* 102.4 bytes */
	cap_ok("0.25M", 256 * KIB);
	cap_ok("0.5MiB", 512 * KIB);
	/* 2^-10 M is exactly 1 KiB; one more digit anywhere rounds up. */
	cap_ok("0.0009765625M", KIB);
	cap_ok("0.00097656250000000000001M", 2 * KIB);
	cap_ok("1.000000001M", MIB + KIB);
	cap_ok("15.99E", UINT64_C(18435214858663483392));
}

static void test_parse__cap_largest(void **state)
{
	(void)state;
	/* 16 EiB - 1 KiB, the largest cap, written three ways. */
	cap_ok("18014398509481983K", UINT64_MAX - 1023);
	cap_ok("18446744073709550592", UINT64_MAX - 1023);
	cap_ok("18446744073709550592B\n", UINT64_MAX - 1023);
}

static void test_parse__cap_long_runs(void **state)
{
	char *s;

	(void)state;
	/* Leading zeros are just a number. */
	s = run_of('0', HUGE_LEN, "1K");
	cap_ok(s, KIB);
	free(s);
	/* A long fraction is still exact: 1 + 10^-(2^20+1) K. */
	s = run_of('0', HUGE_LEN, "1K");
	s[0] = '1';
	s[1] = '.';
	cap_ok(s, 2 * KIB);
	free(s);
	s = run_of('9', HUGE_LEN, "K");
	s[1] = '.';
	cap_ok(s, 10 * KIB); /* 9.999... K */
	free(s);
}

static void test_parse__cap_hostile(void **state)
{
	static const struct {
		const char *s;
		int rc;
	} cases[] = {
		{"", -EINVAL},
		{"\n", -EINVAL},
		{"\n\n", -EINVAL},
		{"-1", -EINVAL},
		{"+1", -EINVAL},
		{"-0", -EINVAL},
		{"1..5G", -EINVAL},
		{"1.", -EINVAL},
		{"1.K", -EINVAL},
		{".5", -EINVAL},
		{".5K", -EINVAL},
		{"1.5.5", -EINVAL},
		{"1,5K", -EINVAL},
		{"12Q", -EINVAL},
		{" 512M", -EINVAL},
		{"512M ", -EINVAL},
		{"512 M", -EINVAL},
		{"5\t12", -EINVAL},
		{"\n512M", -EINVAL},
		{"512\nM", -EINVAL},
		{"512M\n\n", -EINVAL},
		{"512M\r\n", -EINVAL},
		{"512MM", -EINVAL},
		{"512Mi", -EINVAL},
		{"512MiBB", -EINVAL},
		{"512MBi", -EINVAL},
		{"512iB", -EINVAL},
		{"512BB", -EINVAL},
		{"0x10", -EINVAL},
		{"1e9", -EINVAL},
		{"1e-3", -EINVAL},
		{"K", -EINVAL},
		{"B", -EINVAL},
		{"KiB", -EINVAL},
		{"\x01", -EINVAL},
		{"\xff", -EINVAL},
		{"512M\xff", -EINVAL},
		{"max\n\n", -EINVAL},
		{"max ", -EINVAL},
		{"maxK", -EINVAL},
		{"ma", -EINVAL},
		{"nonee", -EINVAL},
		{"inf", -EINVAL},
		{"nan", -EINVAL},
		{"unlimited", -EINVAL},
		{"99999999999E", -ERANGE},
		{"16E", -ERANGE},
		{"16384P", -ERANGE},
		{"15.999999999999999999E", -ERANGE},
		{"18446744073709550593", -ERANGE},
		{"18446744073709551615", -ERANGE},
		{"18446744073709551616", -ERANGE},
		{"100000000000000000000", -ERANGE},
		{"99999999999999999999999999999999999999K", -ERANGE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cap_bad(cases[i].s, cases[i].rc);
}

static void test_parse__cap_embedded_nul(void **state)
{
	(void)state;
	cap_bad_len("512\0M", 5, -EINVAL);
	cap_bad_len("512M\0", 5, -EINVAL);
	cap_bad_len("\0", 1, -EINVAL);
	cap_bad_len("max\0", 4, -EINVAL);
	cap_bad_len("m\0x", 3, -EINVAL);
	/* Only len counts: bytes past it are not looked at. */
	cap_ok_len("512Mxyz", 4, 512 * MIB);
}

static void test_parse__cap_hostile_runs(void **state)
{
	char *s;

	(void)state;
	s = run_of('9', HUGE_LEN, "");
	cap_bad(s, -ERANGE);
	free(s);
	s = run_of('1', HUGE_LEN, "K\n");
	cap_bad(s, -ERANGE);
	free(s);
	/* Malformed wins over out of range. */
	s = run_of('9', HUGE_LEN, "x");
	cap_bad(s, -EINVAL);
	free(s);
	s = run_of('a', HUGE_LEN, "");
	cap_bad(s, -EINVAL);
	free(s);
	s = run_of('\n', HUGE_LEN, "");
	cap_bad(s, -EINVAL);
	free(s);
}

static void uint_ok(const char *s, unsigned min, unsigned max, unsigned want)
{
	unsigned got = 12345;
	int rc = rcapfs_parse_uint(s, strlen(s), min, max, &got);

	if (rc != 0 || got != want) {
		print_error("uint \"%s\" [%u,%u]: rc %d, got %u, want %u\n",
			    show(s, strlen(s)), min, max, rc, got, want);
		fail();
	}
}

static void uint_bad_len(const char *s, size_t len, unsigned min, unsigned max,
			 int want_rc)
{
	unsigned got = 777;
	int rc = rcapfs_parse_uint(s, len, min, max, &got);

	if (rc != want_rc || got != 777) {
		print_error("uint \"%s\" [%u,%u]: rc %d (want %d), out %u\n",
			    show(s, len), min, max, rc, want_rc, got);
		fail();
	}
}

static void uint_bad(const char *s, unsigned min, unsigned max, int want_rc)
{
	uint_bad_len(s, strlen(s), min, max, want_rc);
}

static void test_parse__uint(void **state)
{
	char *s;

	(void)state;
	uint_ok("0", 0, 100, 0);
	uint_ok("100", 0, 100, 100);
	uint_ok("5\n", 1, UINT_MAX, 5);
	uint_ok("007", 0, 10, 7);
	uint_ok("4294967295", 0, UINT_MAX, UINT_MAX);

	uint_bad("", 0, 100, -EINVAL);
	uint_bad("\n", 0, 100, -EINVAL);
	uint_bad("-1", 0, 100, -EINVAL);
	uint_bad("+1", 0, 100, -EINVAL);
	uint_bad(" 1", 0, 100, -EINVAL);
	uint_bad("1 ", 0, 100, -EINVAL);
	uint_bad("1\n\n", 0, 100, -EINVAL);
	uint_bad("0x1", 0, 100, -EINVAL);
	uint_bad("1.0", 0, 100, -EINVAL);
	uint_bad("1e3", 0, UINT_MAX, -EINVAL);
	uint_bad("5s", 0, 100, -EINVAL);
	uint_bad("max", 0, 100, -EINVAL);
	uint_bad_len("1\0", 2, 0, 100, -EINVAL);
	uint_bad("101", 0, 100, -ERANGE);
	uint_bad("0", 1, 100, -ERANGE);
	uint_bad("4294967296", 0, UINT_MAX, -ERANGE);
	uint_bad("99999999999999999999999", 0, UINT_MAX, -ERANGE);

	s = run_of('9', HUGE_LEN, "\n");
	uint_bad(s, 0, UINT_MAX, -ERANGE);
	free(s);
	s = run_of('9', HUGE_LEN, "x");
	uint_bad(s, 0, UINT_MAX, -EINVAL);
	free(s);
}

/* The knob whose file is name; fails the test when there is none. */
static const struct rcapfs_ctl_knob *knob(const char *name)
{
	const struct rcapfs_ctl_knob *k = rcapfs_ctl_find(name, strlen(name));

	assert_non_null(k);
	return k;
}

static void knob_ok(const char *name, const char *s, unsigned want)
{
	unsigned got = 12345;
	int rc = rcapfs_parse_knob(knob(name), s, strlen(s), &got);

	if (rc != 0 || got != want) {
		print_error("%s \"%s\": rc %d, got %u, want %u\n", name,
			    show(s, strlen(s)), rc, got, want);
		fail();
	}
}

static void knob_bad_len(const char *name, const char *s, size_t len,
			 int want_rc)
{
	unsigned got = 777;
	int rc = rcapfs_parse_knob(knob(name), s, len, &got);

	if (rc != want_rc || got != 777) {
		print_error("%s \"%s\": rc %d (want %d), out %u\n", name,
			    show(s, len), rc, want_rc, got);
		fail();
	}
}

static void knob_bad(const char *name, const char *s, int want_rc)
{
	knob_bad_len(name, s, strlen(s), want_rc);
}

static void test_parse__knob_bool(void **state)
{
	static const char *const bad[] = {
		"",   "\n",    "2",  "01", "10", "true", "yes",
		"on", "1\n\n", " 1", "1 ", "-1", "+1",	 "0x1",
	};
	size_t i;

	(void)state;
	knob_ok("enforce", "1", 1);
	knob_ok("enforce", "0\n", 0);
	knob_ok("enforce", "1\n", 1);
	knob_ok("enforce", "0", 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		knob_bad("enforce", bad[i], -EINVAL);
	knob_bad_len("enforce", "1\0", 2, -EINVAL);
}

static void test_parse__knob_mode(void **state)
{
	static const char *const bad[] = {
		"",	    "\n",    "Pageout", "COLD",	     "page", "pageoutx",
		"cold\n\n", " cold", "cold ",	"madv_cold", "0",    "1",
	};
	size_t i;

	(void)state;
	knob_ok("mode", "cold", RCAPFS_MODE_COLD);
	knob_ok("mode", "pageout\n", RCAPFS_MODE_PAGEOUT);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		knob_bad("mode", bad[i], -EINVAL);
	knob_bad_len("mode", "cold\0", 5, -EINVAL);
}

static void test_parse__knob_accounting(void **state)
{
	static const char *const bad[] = {
		"",    "\n",   "RSS",	  "Pss",  "uniq", "uniques",
		"vss", "rss ", "rss\n\n", " pss", "2",
	};
	size_t i;

	(void)state;
	knob_ok("accounting", "pss", RCAPFS_ACCT_PSS);
	knob_ok("accounting", "unique\n", RCAPFS_ACCT_UNIQUE);
	knob_ok("accounting", "rss", RCAPFS_ACCT_RSS);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		knob_bad("accounting", bad[i], -EINVAL);
	knob_bad_len("accounting", "rss\0", 4, -EINVAL);
}

/* Numbers take the bounds of the table: intervals up to one day. */
static void test_parse__knob_numbers(void **state)
{
	(void)state;
	knob_ok("pressure", "0", 0);
	knob_ok("pressure", "100\n", 100);
	knob_bad("pressure", "101", -ERANGE);
	knob_bad("pressure", "abc", -EINVAL);
	knob_ok("sample_interval", "1", 1);
	knob_ok("sample_interval", "86400", 86400);
	knob_bad("sample_interval", "0", -ERANGE);
	knob_bad("sample_interval", "86401", -ERANGE);
	knob_bad("scan_interval", "0", -ERANGE);
	knob_bad("scan_interval", "86401", -ERANGE);
	knob_ok("report_interval", "0", 0);
	knob_bad("report_interval", "86401", -ERANGE);
	knob_bad("report_interval", "4294967296", -ERANGE);
	knob_bad("report_interval", "-1", -EINVAL);
}

/* The table holds together: every file found by its name, once; defaults
 * within bounds; a word for each value of a word knob and no more. */
static void test_parse__knob_table(void **state)
{
	size_t i, j, n;

	(void)state;
	for (i = 0; i < RCAPFS_CTL_NKNOBS; i++) {
		const struct rcapfs_ctl_knob *k = &rcapfs_ctl_knobs[i];

		assert_ptr_equal(knob(k->file), k);
		for (j = 0; j < i; j++)
			assert_string_not_equal(rcapfs_ctl_knobs[j].file,
						k->file);
		assert_true(k->min <= k->def && k->def <= k->max);
		assert_true(k->offset + sizeof(unsigned) <=
			    sizeof(struct rcapfs_ctl));
		if (!k->words)
			continue;
		for (n = 0; k->words[n]; n++)
			;
		assert_int_equal(k->min, 0);
		assert_int_equal(n, (size_t)k->max + 1);
	}
	assert_null(rcapfs_ctl_find("status", 6));
	assert_null(rcapfs_ctl_find("mod", 3));
}

/* A value of k rendered and parsed back is itself. */
static void knob_round_trip(const struct rcapfs_ctl_knob *k, unsigned v,
			    struct rcapfs_buf *b)
{
	unsigned got = 777;

	rcapfs_buf_reset(b);
	assert_int_equal(rcapfs_render_knob(k, v, b), 0);
	assert_int_equal(rcapfs_parse_knob(k, b->data, b->len, &got), 0);
	assert_int_equal(got, v);
}

/* What a read shows, a write accepts back: every value of every word knob,
 * the bounds and a middle value of every number. */
static void test_parse__knob_round_trip(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	unsigned v;
	size_t i;

	(void)state;
	for (i = 0; i < RCAPFS_CTL_NKNOBS; i++) {
		const struct rcapfs_ctl_knob *k = &rcapfs_ctl_knobs[i];

		if (k->words) {
			for (v = k->min; v <= k->max; v++)
				knob_round_trip(k, v, &b);
			continue;
		}
		knob_round_trip(k, k->min, &b);
		knob_round_trip(k, k->min + (k->max - k->min) / 2, &b);
		knob_round_trip(k, k->max, &b);
	}
	rcapfs_buf_release(&b);
	assert_string_equal(rcapfs_accounting_name(RCAPFS_ACCT_UNIQUE),
			    "unique");
	assert_string_equal(rcapfs_accounting_name((enum rcapfs_accounting)3),
			    "unknown");
	assert_string_equal(rcapfs_fidelity_name(RCAPFS_FIDELITY_NONE), "none");
	assert_string_equal(rcapfs_fidelity_name(RCAPFS_FIDELITY_MAPPING),
			    "mapping");
	assert_string_equal(rcapfs_fidelity_name(RCAPFS_FIDELITY_PAGE), "page");
	assert_string_equal(rcapfs_fidelity_name((enum rcapfs_fidelity)7),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse__cap_uncapped),
		cmocka_unit_test(test_parse__cap_units),
		cmocka_unit_test(test_parse__cap_rounds_up_to_kib),
		cmocka_unit_test(test_parse__cap_fractions_exact),
		cmocka_unit_test(test_parse__cap_largest),
		cmocka_unit_test(test_parse__cap_long_runs),
		cmocka_unit_test(test_parse__cap_hostile),
		cmocka_unit_test(test_parse__cap_embedded_nul),
		cmocka_unit_test(test_parse__cap_hostile_runs),
		cmocka_unit_test(test_parse__uint),
		cmocka_unit_test(test_parse__knob_bool),
		cmocka_unit_test(test_parse__knob_mode),
		cmocka_unit_test(test_parse__knob_accounting),
		cmocka_unit_test(test_parse__knob_numbers),
		cmocka_unit_test(test_parse__knob_table),
		cmocka_unit_test(test_parse__knob_round_trip),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
