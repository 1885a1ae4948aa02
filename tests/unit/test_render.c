#include "config.h"

#include "fs/render.h"
#include "tests/unit/golden.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every generated file ends with exactly one newline. */
static void assert_one_newline(const struct rcapfs_buf *b)
{
	assert_true(b->len > 0);
	assert_int_equal(b->data[b->len - 1], '\n');
	if (b->len > 1)
		assert_int_not_equal(b->data[b->len - 2], '\n');
}

/* The keys of "key value" lines, in order, each line exactly "key value". */
static void assert_keys(const struct rcapfs_buf *b, const char *const *keys,
			size_t n)
{
	const char *line = b->data, *sp, *nl;
	size_t i;

	for (i = 0; i < n; i++) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		sp = memchr(line, ' ', (size_t)(nl - line));
		assert_non_null(sp);
		if ((size_t)(sp - line) != strlen(keys[i]) ||
		    memcmp(line, keys[i], strlen(keys[i])) != 0) {
			print_error("line %zu: want key %s, got \"%.*s\"\n",
				    i + 1, keys[i], (int)(nl - line), line);
			fail();
		}
		/* One non-empty value without spaces. */
		assert_true(nl - sp > 1);
		assert_null(memchr(sp + 1, ' ', (size_t)(nl - sp - 1)));
		line = nl + 1;
	}
	assert_int_equal(*line, '\0');
}

static const struct rcapfs_stats busy_stats = {
	.version = RCAPFS_STATS_VERSION,
	.accounting = RCAPFS_ACCT_PSS,
	.fidelity = RCAPFS_FIDELITY_MAPPING,
	.nproc = 3,
	.rss_bytes = 104857600,
	.vm_bytes = 2147483648,
	.cap_bytes = 67108864,
	.excess_bytes = 37748736,
	.samples = 120,
	.at_bytes = 52428800,
	.pg_bytes = 41943040,
	.scans = 7,
	.scans_complete = 2,
	.scans_ineffective = 1,
	.unenforced = 4,
	.scan_time_ns = 123456789,
	.rss_min_bytes = 4096000,
	.rss_max_bytes = 110100480,
	.last_sample_unix = 1700000000,
	.unpageable_anon_bytes = 8388608,
	.unpageable_locked_bytes = 65536,
	.unpageable_shared_bytes = 1048576,
	.majflt = 5120,
	.swapouts = 2,
	.swapout_bytes = 268435456,
};

static const char *const stats_keys[] = {
	"nproc",
	"rss",
	"vm",
	"cap",
	"excess",
	"samples",
	"at",
	"pg",
	"scans",
	"scans_complete",
	"scans_ineffective",
	"unenforced",
	"scan_time_ns",
	"rss_min",
	"rss_max",
	"last_sample_unix",
	"accounting",
	"fidelity",
	"unpageable_anon",
	"unpageable_locked",
	"unpageable_shared",
	"majflt",
	"swapouts",
	"swapout_bytes",
};

static void test_render__stats(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	assert_int_equal(rcapfs_render_stats(&busy_stats, &b), 0);
	assert_one_newline(&b);
	assert_keys(&b, stats_keys, sizeof(stats_keys) / sizeof(stats_keys[0]));
	golden_check("stats.ok", &b);
	rcapfs_buf_release(&b);
}

static void test_render__stats_empty(void **state)
{
	struct rcapfs_stats st = {.version = RCAPFS_STATS_VERSION};
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	assert_int_equal(rcapfs_render_stats(&st, &b), 0);
	assert_one_newline(&b);
	assert_keys(&b, stats_keys, sizeof(stats_keys) / sizeof(stats_keys[0]));
	golden_check("stats-empty.ok", &b);
	rcapfs_buf_release(&b);
}

/* Full-width values are printed whole, and sizes stay in bytes. */
static void test_render__stats_extremes(void **state)
{
	struct rcapfs_stats st = {.version = RCAPFS_STATS_VERSION};
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	st.rss_bytes = UINT64_MAX;
	st.last_sample_unix = INT64_MAX;
	st.accounting = RCAPFS_ACCT_UNIQUE;
	st.fidelity = RCAPFS_FIDELITY_PAGE;
	assert_int_equal(rcapfs_render_stats(&st, &b), 0);
	assert_non_null(strstr(b.data, "\nrss 18446744073709551615\n"));
	assert_non_null(
		strstr(b.data, "\nlast_sample_unix 9223372036854775807\n"));
	assert_non_null(strstr(b.data, "\naccounting unique\nfidelity page\n"));
	assert_one_newline(&b);
	rcapfs_buf_release(&b);
}

static const struct rcapfs_status busy_status = {
	.mem = {.mem_total = 8589934592,
		.mem_available = 5368709120,
		.swap_total = 2147483648,
		.swap_free = 1073741824},
	.memory_utilization_pct = 37,
	.collections = 3,
	.fidelity = RCAPFS_FIDELITY_PAGE,
	.enforcement = true,
	.features = {.process_madvise = true,
		     .pagemap_scan = false,
		     .idle_page_tracking = true,
		     .soft_dirty = true,
		     .pfn_visible = false,
		     .cgroup_v2 = true},
	.uptime_s = 3600,
	.rlimit_processes = 2,
	.rlimit_pg_bytes = 201326592,
};

/* A server the keeper restarted twice, on a kernel that re-sends. */
static const struct rcapfs_serving busy_serving = {
	.pid = 4321,
	.keeper_pid = 4300,
	.server_restarts = 2,
	.resend = true,
};

static void test_render__status(void **state)
{
	static const char *const keys[] = {
		"memory_utilization_pct",
		"mem_total",
		"mem_available",
		"swap_total",
		"swap_free",
		"collections",
		"fidelity",
		"enforcement",
		"process_madvise",
		"pagemap_scan",
		"idle_page_tracking",
		"soft_dirty",
		"pfn_visible",
		"cgroup_v2",
		"uptime_s",
		"version",
		"pid",
		"keeper_pid",
		"server_restarts",
		"resend",
		"rlimit_processes",
		"rlimit_pg",
	};
	struct rcapfs_status st = busy_status;
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	assert_int_equal(rcapfs_render_status(&st, &busy_serving, "0.1.0", &b),
			 0);
	assert_one_newline(&b);
	assert_keys(&b, keys, sizeof(keys) / sizeof(keys[0]));
	golden_check("status.ok", &b);
	/* a backend that cannot page out, such as the stub */
	st.enforcement = false;
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_status(&st, &busy_serving, "0.1.0", &b),
			 0);
	assert_non_null(strstr(b.data, "\nenforcement unsupported\n"));
	rcapfs_buf_release(&b);
}

/* Every line is a comment (HELP or TYPE) or a sample; every family has a
 * HELP and then a TYPE before its samples, and its samples are all
 * together; counters end in _total. */
static void assert_prom_shape(const struct rcapfs_buf *b)
{
	char family[128] = "", help[128] = "", type[16] = "";
	const char *line = b->data, *nl, *value;

	for (; (nl = strchr(line, '\n')); line = nl + 1) {
		char name[128], word[16];
		size_t len = strcspn(line, "{ ");

		assert_true(len < sizeof(name));
		if (sscanf(line, "# HELP %127s", help) == 1) {
			assert_string_not_equal(help, family);
			continue;
		}
		if (sscanf(line, "# TYPE %127s %15s", family, word) == 2) {
			assert_string_equal(family, help);
			assert_true(!strcmp(word, "gauge") ||
				    !strcmp(word, "counter"));
			strcpy(type, word);
			if (!strcmp(type, "counter"))
				assert_non_null(strstr(family, "_total"));
			continue;
		}
		memcpy(name, line, len);
		name[len] = '\0';
		if (strcmp(name, family)) {
			print_error("sample of %s under the TYPE of %s\n", name,
				    family);
			fail();
		}
		/* A value after the last space, a whole number or a
		 * decimal. */
		value = nl;
		while (value > line && value[-1] != ' ')
			value--;
		assert_true(value > line && value < nl);
		assert_true(strspn(value, "0123456789.") ==
			    (size_t)(nl - value));
	}
	assert_int_equal(*line, '\0');
}

static void test_render__prom(void **state)
{
	struct rcapfs_named_stats colls[3] = {
		{.name = "A-9", .st = {.version = RCAPFS_STATS_VERSION}},
		{.name = "db.replica_2", .st = busy_stats},
		{.name = "web", .st = busy_stats},
	};
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	colls[2].st.scan_time_ns = 2000000001;
	colls[2].st.cap_bytes = 0;
	assert_int_equal(rcapfs_render_prom(&busy_status, &busy_serving,
					    "0.1.0", colls, 3, &b),
			 0);
	assert_one_newline(&b);
	assert_prom_shape(&b);
	assert_non_null(strstr(
		b.data, "\nrcapfs_rss_bytes{collection=\"db.replica_2\"} "
			"104857600\n"));
	assert_non_null(strstr(
		b.data, "\nrcapfs_scan_seconds_total{collection=\"web\"} "
			"2.000000001\n"));
	assert_non_null(strstr(b.data, "\nrcapfs_memory_utilization_ratio "
				       "0.37\n"));
	assert_non_null(strstr(b.data, "\nrcapfs_server_restarts_total 2\n"));
	assert_non_null(
		strstr(b.data,
		       "\nrcapfs_kernel_feature{feature=\"fuse_resend\"} 1\n"));
	golden_check("prom.ok", &b);
	rcapfs_buf_release(&b);
}

/* No collection: the global gauges, and each family's HELP and TYPE. */
static void test_render__prom_empty(void **state)
{
	struct rcapfs_status st = busy_status;
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	st.collections = 0;
	st.memory_utilization_pct = 100;
	assert_int_equal(
		rcapfs_render_prom(&st, &busy_serving, "0.1.0", NULL, 0, &b),
		0);
	assert_one_newline(&b);
	assert_prom_shape(&b);
	assert_non_null(strstr(b.data, "\nrcapfs_collections 0\n"));
	assert_non_null(strstr(b.data, "\nrcapfs_memory_utilization_ratio "
				       "1.00\n"));
	assert_null(strstr(b.data, "collection=\""));
	assert_non_null(strstr(b.data, "# TYPE rcapfs_cap_bytes gauge\n"));
	rcapfs_buf_release(&b);
}

/* A label value escapes backslash, double quote and newline, and nothing
 * else. No collection name rcapfs takes ([A-Za-z0-9._-]) has any of them,
 * so names pass unchanged; the version string goes through it too. */
static void test_render__prom_label(void **state)
{
	static const char legal[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				    "opqrstuvwxyz0123456789._-";
	struct rcapfs_buf b = RCAPFS_BUF_INIT;
	struct rcapfs_named_stats odd = {.name = "a\"b\\c\nd"};

	(void)state;
	assert_int_equal(rcapfs_render_prom_label(legal, &b), 0);
	assert_string_equal(b.data, legal);
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_prom_label("a\\b\"c\nd\te", &b), 0);
	assert_string_equal(b.data, "a\\\\b\\\"c\\nd\te");
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_prom_label("\"\n\\", &b), 0);
	assert_string_equal(b.data, "\\\"\\n\\\\");
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_prom_label("", &b), 0);
	assert_int_equal(b.len, 0);
	/* The renderer escapes names and the version through it. */
	assert_int_equal(rcapfs_render_prom(&busy_status, &busy_serving, "1\"2",
					    &odd, 1, &b),
			 0);
	assert_non_null(strstr(b.data, "{version=\"1\\\"2\","));
	assert_non_null(strstr(
		b.data,
		"\nrcapfs_cap_bytes{collection=\"a\\\"b\\\\c\\nd\"} 0\n"));
	assert_prom_shape(&b);
	rcapfs_buf_release(&b);
}

static void test_render__pids(void **state)
{
	static const pid_t one[] = {42};
	static const pid_t many[] = {1, 2, 300, 4194304};
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	/* No members: an empty file, not a lone newline. */
	assert_int_equal(rcapfs_render_pids(NULL, 0, &b), 0);
	assert_int_equal(b.len, 0);

	assert_int_equal(rcapfs_render_pids(one, 1, &b), 0);
	assert_string_equal(b.data, "42\n");
	assert_one_newline(&b);

	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_pids(many, 4, &b), 0);
	assert_string_equal(b.data, "1\n2\n300\n4194304\n");
	assert_one_newline(&b);
	rcapfs_buf_release(&b);
}

static const struct rcapfs_ctl_knob *knob(const char *name)
{
	const struct rcapfs_ctl_knob *k = rcapfs_ctl_find(name, strlen(name));

	assert_non_null(k);
	return k;
}

static void test_render__single_values(void **state)
{
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	assert_int_equal(rcapfs_render_u64(0, &b), 0);
	assert_string_equal(b.data, "0\n");
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_u64(UINT64_MAX, &b), 0);
	assert_string_equal(b.data, "18446744073709551615\n");
	assert_one_newline(&b);
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_knob(knob("mode"), RCAPFS_MODE_COLD, &b),
			 0);
	assert_string_equal(b.data, "cold\n");
	assert_one_newline(&b);
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_knob(knob("enforce"), 1, &b), 0);
	assert_string_equal(b.data, "1\n");
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_knob(knob("sample_interval"), 86400, &b),
			 0);
	assert_string_equal(b.data, "86400\n");
	/* A value no word stands for is refused, the buffer untouched. */
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_render_knob(knob("accounting"), 3, &b),
			 -EINVAL);
	assert_int_equal(b.len, 0);
	rcapfs_buf_release(&b);
}

/* Renderers append: what the buffer held before is kept. */
static void test_render__appends(void **state)
{
	static const pid_t pids[] = {7, 8};
	struct rcapfs_buf b = RCAPFS_BUF_INIT;

	(void)state;
	assert_int_equal(rcapfs_buf_add(&b, "x\n", 2), 0);
	assert_int_equal(rcapfs_render_u64(5, &b), 0);
	assert_int_equal(rcapfs_render_pids(pids, 2, &b), 0);
	assert_int_equal(
		rcapfs_render_knob(knob("accounting"), RCAPFS_ACCT_RSS, &b), 0);
	assert_string_equal(b.data, "x\n5\n7\n8\nrss\n");
	rcapfs_buf_reset(&b);
	assert_int_equal(rcapfs_buf_add(&b, "y\n", 2), 0);
	assert_int_equal(rcapfs_render_stats(&busy_stats, &b), 0);
	assert_int_equal(strncmp(b.data, "y\nnproc 3\n", 10), 0);
	rcapfs_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render__stats),
		cmocka_unit_test(test_render__stats_empty),
		cmocka_unit_test(test_render__stats_extremes),
		cmocka_unit_test(test_render__status),
		cmocka_unit_test(test_render__prom),
		cmocka_unit_test(test_render__prom_empty),
		cmocka_unit_test(test_render__prom_label),
		cmocka_unit_test(test_render__pids),
		cmocka_unit_test(test_render__single_values),
		cmocka_unit_test(test_render__appends),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
