/*
 * Fuzz rcapfs_rules_parse. The first byte picks the mode through its two
 * low bits (the seeds use the digits '0' to '3'): 1 = the state file's
 * syntax, 2 = append to a small base rule set; the rest is the text. The
 * fake backend knows a few users, groups and processes, so names resolve
 * and pid rules bind.
 *
 * Checked beyond crashes: the exact errno and a one-line reason on error
 * with nothing returned; on success the base rules kept as a prefix and
 * the base itself untouched; and the round trip: the set formatted in
 * either syntax parses again into a set that formats to the same text and
 * admits the same processes.
 */
#include "config.h"

#include "tests/fuzz/fuzz.h"

#include "compat/buf.h"
#include "compat/log.h"
#include "scanner/members.h"
#include "tests/unit/fake_backend.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MODE_STATE 0x1
#define MODE_BASE  0x2

/* Sorted by pid, as a process table is. */
static struct rcapfs_proc procs[] = {
	{.pid = 1,
	 .ppid = 0,
	 .start_ticks = 10,
	 .comm = "init",
	 .cgroup = (char *)"/init.scope"},
	{.pid = 100,
	 .ppid = 1,
	 .start_ticks = 5000,
	 .ruid = 33,
	 .rgid = 33,
	 .comm = "nginx",
	 .cgroup = (char *)"/system.slice/nginx.service"},
	{.pid = 101,
	 .ppid = 100,
	 .start_ticks = 5001,
	 .ruid = 33,
	 .rgid = 33,
	 .comm = "nginx: worker",
	 .cgroup = (char *)"/system.slice/nginx.service"},
	{.pid = 200,
	 .ppid = 1,
	 .start_ticks = 6000,
	 .ruid = 1000,
	 .rgid = 1000,
	 .comm = "psql",
	 .cgroup = (char *)"/user.slice/u-1000"},
	{.pid = 201,
	 .ppid = 200,
	 .start_ticks = 6500,
	 .ruid = 1000,
	 .rgid = 50,
	 .comm = "[sh]*?",
	 .cgroup = (char *)"/user.slice"},
	/* A child listed before its parent: equal start times after a pid
	 * wrap make the tracker look twice. */
	{.pid = 250,
	 .ppid = 300,
	 .start_ticks = 8000,
	 .ruid = 1000,
	 .rgid = 1000,
	 .comm = "child",
	 .cgroup = (char *)"/user.slice/u-1000"},
	{.pid = 300,
	 .ppid = 1,
	 .start_ticks = 8000,
	 .ruid = 1000,
	 .rgid = 1000,
	 .comm = "parent",
	 .cgroup = (char *)"/user.slice/u-1000"},
	{.pid = 4194304,
	 .ppid = 201,
	 .start_ticks = 7000,
	 .ruid = 65534,
	 .rgid = 65534,
	 .comm = "sh",
	 .cgroup = (char *)"/"},
};
#define NPROCS (sizeof(procs) / sizeof(procs[0]))

static const enum rcapfs_rules_syntax syntaxes[] = {RCAPFS_RULES_USER,
						    RCAPFS_RULES_STATE};

static struct rcapfs_backend *be;
static struct rcapfs_rules *base;
/* The base as each syntax formats it, to check it is never changed. */
static struct rcapfs_buf base_text[2];

static void format(const struct rcapfs_rules *rules, unsigned syntax_index,
		   struct rcapfs_buf *out)
{
	rcapfs_buf_reset(out);
	FUZZ_CHECK(rcapfs_rules_format(rules, syntaxes[syntax_index], out) == 0,
		   "format failed");
}

static const char *text_of(const struct rcapfs_buf *b)
{
	return b->len ? b->data : "";
}

/* Leave nothing for a leak checker to report. */
static void cleanup(void)
{
	rcapfs_rules_free(base);
	rcapfs_buf_release(&base_text[0]);
	rcapfs_buf_release(&base_text[1]);
	rcapfs_backend_free(be);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char base_rules[] = "pid 100\nuid 5\ncomm sh*\n"
					 "cgroup /system.slice/\n";
	char err[256];

	(void)argc;
	(void)argv;
	fuzz_init();
	/* A dropped pid rule logs at info; errors are the fuzzer's own. */
	rcapfs_log_setup(0, RCAPFS_LOG_ERR);
	be = fake_backend_new();
	fake_backend_set_procs(be, procs, NPROCS);
	fake_backend_add_user(be, "www", 33);
	fake_backend_add_user(be, "alice", 1000);
	fake_backend_add_group(be, "staff", 50);
	fake_backend_add_group(be, "www-data", 33);
	FUZZ_CHECK(rcapfs_rules_parse(NULL, base_rules, strlen(base_rules),
				      RCAPFS_RULES_USER, be, &base, err,
				      sizeof(err)) == 0,
		   "base: %s", err);
	format(base, 0, &base_text[0]);
	format(base, 1, &base_text[1]);
	atexit(cleanup);
	return 0;
}

/* Which processes rules admit, by a fresh tracker; a second sample of
 * the same table, which the tracker now remembers, must agree. */
static void members(const struct rcapfs_rules *rules, bool *member)
{
	struct rcapfs_proc_list list = {procs, NPROCS};
	struct rcapfs_membership *m = rcapfs_membership_new();
	struct rcapfs_proc_order *order = NULL;
	bool again[NPROCS];
	long n, n2;

	FUZZ_CHECK(m && rcapfs_proc_order_new(&list, &order) == 0,
		   "out of memory");
	n = rcapfs_membership_update(m, rules, order, member);
	FUZZ_CHECK(n >= 0 && (size_t)n <= NPROCS, "membership: %ld", n);
	n2 = rcapfs_membership_update(m, rules, order, again);
	FUZZ_CHECK(n2 == n && memcmp(again, member, sizeof(again)) == 0,
		   "a second sample of the same table changed the members");
	rcapfs_proc_order_free(order);
	rcapfs_membership_free(m);
}

static size_t count_lines(const struct rcapfs_buf *b, bool *has_cgroup)
{
	const char *p = text_of(b), *end = p + b->len;
	size_t n = 0;

	*has_cgroup = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		FUZZ_CHECK(nl, "format left a line without a newline");
		*has_cgroup = *has_cgroup || strncmp(p, "cgroup ", 7) == 0;
		n++;
		p = nl + 1;
	}
	return n;
}

/* Format rules in one syntax, parse that again, and compare. */
static void round_trip(const struct rcapfs_rules *rules, unsigned si)
{
	struct rcapfs_buf once = RCAPFS_BUF_INIT, twice = RCAPFS_BUF_INIT;
	struct rcapfs_rules *again = NULL;
	bool m1[NPROCS], m2[NPROCS], has_cgroup;
	char err[256];
	int rc;

	format(rules, si, &once);
	FUZZ_CHECK(count_lines(&once, &has_cgroup) == rcapfs_rules_count(rules),
		   "%zu rules formatted as other lines",
		   rcapfs_rules_count(rules));
	FUZZ_CHECK(has_cgroup == rcapfs_rules_need_cgroup(rules),
		   "need_cgroup is %d", rcapfs_rules_need_cgroup(rules));
	rc = rcapfs_rules_parse(NULL, once.data, once.len, syntaxes[si], be,
				&again, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "syntax %u: own output refused: %d %s\n%s", si, rc,
		   err, text_of(&once));
	format(again, si, &twice);
	FUZZ_CHECK(once.len == twice.len &&
			   memcmp(text_of(&once), text_of(&twice), once.len) ==
				   0,
		   "syntax %u: round trip changed\n%s---\n%s", si,
		   text_of(&once), text_of(&twice));
	members(rules, m1);
	members(again, m2);
	FUZZ_CHECK(memcmp(m1, m2, sizeof(m1)) == 0,
		   "round trip admits other processes");
	rcapfs_rules_free(again);
	rcapfs_buf_release(&once);
	rcapfs_buf_release(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rcapfs_rules *rules = (struct rcapfs_rules *)&rules;
	const struct rcapfs_rules *b;
	struct rcapfs_buf out = RCAPFS_BUF_INIT;
	unsigned si;
	char err[256];
	int rc;

	if (size == 0)
		return 0;
	si = (data[0] & MODE_STATE) ? 1 : 0;
	b = (data[0] & MODE_BASE) ? base : NULL;
	memset(err, 'x', sizeof(err));
	rc = rcapfs_rules_parse(b, (const char *)data + 1, size - 1,
				syntaxes[si], be, &rules, err, sizeof(err));
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "err not terminated");
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOSPC, "rc %d", rc);
	if (rc) {
		FUZZ_CHECK(rules == NULL, "error %d returned rules", rc);
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0 && !strchr(err, '\n'),
			   "error %d: reason \"%s\"", rc, err);
	} else {
		FUZZ_CHECK(err[0] == '\0', "success with a reason: %s", err);
		FUZZ_CHECK(rcapfs_rules_count(rules) >= rcapfs_rules_count(b) &&
				   rcapfs_rules_count(rules) <=
					   RCAPFS_RULES_MAX,
			   "%zu rules", rcapfs_rules_count(rules));
		/* Appending keeps the base rules first, in order. */
		if (b) {
			format(rules, si, &out);
			FUZZ_CHECK(out.len >= base_text[si].len &&
					   memcmp(out.data, base_text[si].data,
						  base_text[si].len) == 0,
				   "the base is not a prefix");
		}
		round_trip(rules, 0);
		round_trip(rules, 1);
		rcapfs_rules_free(rules);
	}
	/* Success or not, the base is as it was. */
	for (si = 0; si < 2; si++) {
		format(base, si, &out);
		FUZZ_CHECK(out.len == base_text[si].len &&
				   memcmp(out.data, base_text[si].data,
					  out.len) == 0,
			   "the base changed");
	}
	rcapfs_buf_release(&out);
	return 0;
}
