/*
 * tools/kv.c: the parser of the mount's "key value" files the tools read
 * (caps/NAME/stats, ctl/status): what it takes, what it refuses, and that
 * keys it does not know are skipped whatever their value.
 */
#include "config.h"

#include "tools/kv.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* The stats of rcapfs(8), every key, as the daemon writes them. */
#define STATS                                                                  \
	"nproc 3\nrss 104857600\nvm 2147483648\ncap 67108864\n"                \
	"excess 37748736\nsamples 120\nat 52428800\npg 41943040\nscans 7\n"    \
	"scans_complete 2\nscans_ineffective 1\nunenforced 4\n"                \
	"scan_time_ns 123456789\nrss_min 4096000\nrss_max 110100480\n"         \
	"last_sample_unix 1700000000\naccounting pss\nfidelity mapping\n"      \
	"unpageable_anon 8388608\nunpageable_locked 65536\n"                   \
	"unpageable_shared 1048576\n"

static int stats(const char *text, struct tool_stats *st)
{
	return tool_stats_parse(text, strlen(text), st);
}

static void test_kv__stats(void **state)
{
	struct tool_stats st;

	assert_int_equal(stats(STATS, &st), 0);
	assert_int_equal(st.nproc, 3);
	assert_int_equal(st.rss_bytes, 104857600);
	assert_int_equal(st.vm_bytes, UINT64_C(2147483648));
	assert_int_equal(st.cap_bytes, 67108864);
	assert_int_equal(st.at_bytes, 52428800);
	assert_int_equal(st.pg_bytes, 41943040);
	assert_int_equal(st.scans_complete, 2);
	assert_int_equal(st.unenforced, 4);
	assert_int_equal(st.unpageable_anon_bytes, 8388608);
	assert_int_equal(st.unpageable_locked_bytes, 65536);
	assert_int_equal(st.unpageable_shared_bytes, 1048576);
	assert_string_equal(st.fidelity, "mapping");
	/* No majflt in these stats: said so, not made up. */
	assert_false(st.have & TOOL_STATS_MAJFLT);
	assert_int_equal(st.majflt, 0);
	assert_int_equal(stats(STATS "majflt 17\n", &st), 0);
	assert_true(st.have & TOOL_STATS_MAJFLT);
	assert_int_equal(st.majflt, 17);
	/* Keys that come later, of any form, are skipped. */
	assert_int_equal(stats(STATS "swapouts 5\nfuture a-b C\n", &st), 0);
	assert_int_equal(stats("rss 1\nnproc 1\nvm 1\ncap 1\nat 1\npg 1\n"
			       "scans_complete 18446744073709551615\n",
			       &st),
			 0);
	assert_true(st.scans_complete == UINT64_MAX);
}

static void test_kv__refused(void **state)
{
	static const char *const bad[] = {
		STATS "rss 1\n",	 /* a known key twice */
		STATS "at -1\n",	 /* a negative count */
		STATS "cap 12K\n",	 /* a unit */
		STATS "cap  1\n",	 /* two spaces */
		STATS "cap\n",		 /* no value */
		STATS "cap \n",		 /* an empty value */
		STATS " cap 1\n",	 /* no key */
		STATS "Cap 1\n",	 /* a key of another form */
		STATS "x\ty 1\n",	 /* a control byte */
		STATS "fidelity Page\n", /* a word of another form */
		STATS "fidelity abcdefghijklmnop\n", /* a word too long */
		STATS "nproc 1",		     /* no final newline */
		"nproc 3\n",			     /* keys missing */
		"",				     /* nothing */
	};
	struct tool_stats st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (stats(bad[i], &st) != -EINVAL)
			fail_msg("case %zu taken", i);
		assert_int_equal(st.have, 0);
	}
	assert_int_equal(stats(STATS "majflt 18446744073709551616\n", &st),
			 -ERANGE);
	/* A NUL byte within the length. */
	assert_int_equal(tool_stats_parse(STATS "a\0b 1\n",
					  sizeof(STATS "a\0b 1\n") - 1, &st),
			 -EINVAL);
}

/* A line as long as TOOL_KV_LINE_MAX is taken, one byte more is not. */
static void test_kv__line_max(void **state)
{
	char text[sizeof(STATS) + TOOL_KV_LINE_MAX + 2];
	size_t n = strlen(STATS);
	struct tool_stats st;

	memcpy(text, STATS, n);
	memcpy(text + n, "pad ", 4);
	memset(text + n + 4, 'x', TOOL_KV_LINE_MAX - 4);
	text[n + TOOL_KV_LINE_MAX] = '\n';
	assert_int_equal(tool_stats_parse(text, n + TOOL_KV_LINE_MAX + 1, &st),
			 0);
	memset(text + n + 4, 'x', TOOL_KV_LINE_MAX - 3);
	text[n + TOOL_KV_LINE_MAX + 1] = '\n';
	assert_int_equal(tool_stats_parse(text, n + TOOL_KV_LINE_MAX + 2, &st),
			 -EINVAL);
}

static void test_kv__status(void **state)
{
	static const char ok[] = "memory_utilization_pct 37\nmem_total 1\n"
				 "fidelity page\nversion 0.1.0\n";
	struct tool_status st;

	assert_int_equal(tool_status_parse(ok, strlen(ok), &st), 0);
	assert_int_equal(st.memory_utilization_pct, 37);
	assert_string_equal(st.fidelity, "page");
	assert_int_equal(
		tool_status_parse("memory_utilization_pct 101\n", 27, &st),
		-EINVAL);
	assert_int_equal(tool_status_parse("fidelity page\n", 14, &st),
			 -EINVAL);
}

/* A signed key, through a table of the test's own. */
static void test_kv__signed(void **state)
{
	struct out {
		int64_t t;
	} o;
	static const struct tool_kv_key table[] = {
		{"t", TOOL_KV_I64, offsetof(struct out, t)},
	};
	uint64_t have;

	assert_int_equal(tool_kv_parse("t -9223372036854775808\n", 23, table, 1,
				       &o, &have),
			 0);
	assert_true(o.t == INT64_MIN);
	assert_int_equal(have, 1);
	assert_int_equal(tool_kv_parse("t 9223372036854775807\n", 22, table, 1,
				       &o, &have),
			 0);
	assert_true(o.t == INT64_MAX);
	assert_int_equal(tool_kv_parse("t 9223372036854775808\n", 22, table, 1,
				       &o, &have),
			 -ERANGE);
	assert_int_equal(tool_kv_parse("t -\n", 4, table, 1, &o, &have),
			 -EINVAL);
	assert_int_equal(have, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kv__stats),
		cmocka_unit_test(test_kv__refused),
		cmocka_unit_test(test_kv__line_max),
		cmocka_unit_test(test_kv__status),
		cmocka_unit_test(test_kv__signed),
	};

	return cmocka_run_group_tests_name("kv", tests, NULL, NULL);
}
