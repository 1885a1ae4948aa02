/*
 * rcapstat's report (tools/report.c, tools/sample.c) on fixed mounts
 * (tests/fixtures/rcapstat/: t0, t1, t2 are three reads of one mount)
 * against golden files: Solaris's columns, sizes and repeated headers,
 * at and pg of each interval with their averages per complete scan, the
 * -g, -z and -x forms, and JSON.
 */
#include "config.h"

#include "tools/project.h"
#include "tools/report.h"
#include "tools/sample.h"
#include "tests/unit/golden.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/fixtures/rcapstat/%s",
		 top && *top ? top : TOP_SRCDIR, name);
	return path;
}

/* Report the reads of the fixture mounts names[0..n) into out (as text),
 * one report each, as rcapstat FLAGS would over a mount that went
 * through them; JSON with the time t when json. */
static void run(unsigned flags, const char *const *names, size_t n, bool json,
		struct rcapfs_buf *out)
{
	struct tool_report *r;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(tool_report_new(flags, &r), 0);
	for (size_t i = 0; i < n; i++) {
		struct tool_sample *s;
		struct tool_global g;
		size_t count;

		assert_int_equal(tool_sample_read(fixture(names[i]), stderr, &s,
						  &count, &g),
				 0);
		assert_int_equal(tool_report_update(r, s, count), 0);
		if (json)
			tool_report_json(r, &g, 1700000000 + (time_t)i, f);
		else
			tool_report_print(r, &g, f);
		free(s);
	}
	tool_report_free(r);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rcapfs_buf_add(out, text, len), 0);
	free(text);
}

static const char *const three[] = {"t0", "t1", "t2"};

/* -g over three reads: the header each time (more than one collection),
 * first totals then intervals, an average kept while no scan completed, a
 * new collection with its totals, a gone one dropped. */
static void test_rcapstat__global(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	run(TOOL_REPORT_GLOBAL, three, 3, false, &b);
	golden_check("rcapstat-g.out", &b);
	rcapfs_buf_release(&b);
}

static void test_rcapstat__extended(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	run(TOOL_REPORT_EXTENDED | TOOL_REPORT_ZONES, three, 3, false, &b);
	golden_check("rcapstat-xz.out", &b);
	rcapfs_buf_release(&b);
}

static void test_rcapstat__json(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	run(0, three, 3, true, &b);
	golden_check("rcapstat.json", &b);
	rcapfs_buf_release(&b);
}

/* Lines of b that start with the header. */
static unsigned headers(const struct rcapfs_buf *b)
{
	unsigned n = 0;

	for (const char *p = b->data; p && (p = strstr(p, "    id ")); p++)
		n++;
	return n;
}

/* One collection: the header once every 20 reports, every 10 with -g. */
static void test_rcapstat__header(void **state)
{
	const char *one[25];
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	for (size_t i = 0; i < 25; i++)
		one[i] = "one";
	run(0, one, 25, false, &b);
	assert_int_equal(headers(&b), 2);
	assert_int_equal(strncmp(b.data, "    id project ", 15), 0);
	rcapfs_buf_reset(&b);
	run(TOOL_REPORT_GLOBAL, one, 25, false, &b);
	assert_int_equal(headers(&b), 3);
	rcapfs_buf_release(&b);
}

/* Sizes as Solaris's rcapstat prints them. */
static void test_rcapstat__size(void **state)
{
	static const struct {
		uint64_t kib;
		const char *out;
	} cases[] = {
		{0, "   0K"},
		{9999, "9999K"},
		{10000, "  10M"},
		{10239, "  10M"},
		{10239487, "9999M"},
		{10239488, "  10G"},
		{UINT64_C(1) << 50, "10737"}, /* cut at 5, as Solaris */
	};
	char out[6];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tool_report_size(cases[i].kib, out);
		assert_string_equal(out, cases[i].out);
	}
}

/* The id: a project's id for a collection rcapfs-project made, else a
 * number of its name that never changes. */
static void test_rcapstat__id(void **state)
{
	static const char marked[] = "user a\ncomm rcapfs-project:4711\n";

	assert_int_equal(tool_report_id("web", NULL, 0), 927825);
	assert_int_equal(tool_report_id("web", "comm nginx*\n", 12), 927825);
	assert_int_equal(tool_report_id("x", marked, sizeof(marked) - 1), 4711);
	assert_int_equal(tool_report_id("x", "comm rcapfs-project:x\n", 22),
			 tool_report_id("x", NULL, 0));
	assert_true(tool_report_id("a", NULL, 0) < 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rcapstat__global),
		cmocka_unit_test(test_rcapstat__extended),
		cmocka_unit_test(test_rcapstat__json),
		cmocka_unit_test(test_rcapstat__header),
		cmocka_unit_test(test_rcapstat__size),
		cmocka_unit_test(test_rcapstat__id),
	};

	return cmocka_run_group_tests_name("rcapstat", tests, NULL, NULL);
}
