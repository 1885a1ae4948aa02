#include "config.h"
#include "scanner/members.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fake_backend.h"

static struct rcapfs_proc mkproc(pid_t pid, pid_t ppid, uint64_t start,
				 uid_t uid, gid_t gid, const char *comm,
				 const char *cgroup)
{
	struct rcapfs_proc p;

	memset(&p, 0, sizeof(p));
	p.pid = pid;
	p.ppid = ppid;
	p.start_ticks = start;
	p.ruid = uid;
	p.rgid = gid;
	p.rss_kb = 100;
	p.vm_kb = 1000;
	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	p.cgroup = (char *)cgroup;
	return p;
}

/* The test's process table, served by the fake backend and matched. */
struct table {
	struct rcapfs_backend *be;
	struct rcapfs_proc procs[32];
	size_t n;
};

static void table_add(struct table *t, struct rcapfs_proc p)
{
	assert_true(t->n < sizeof(t->procs) / sizeof(t->procs[0]));
	t->procs[t->n++] = p;
	fake_backend_set_procs(t->be, t->procs, t->n);
}

static void table_del(struct table *t, pid_t pid)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->procs[i].pid == pid) {
			t->procs[i] = t->procs[--t->n];
			fake_backend_set_procs(t->be, t->procs, t->n);
			return;
		}
	}
	fail_msg("no pid %d in the table", (int)pid);
}

static int cmp_pid(const void *a, const void *b)
{
	const struct rcapfs_proc *pa = a, *pb = b;

	return (pa->pid > pb->pid) - (pa->pid < pb->pid);
}

/* Run the tracker over the table; fills member_pids (ascending) and
 * returns how many. */
static size_t members_of(struct table *t, struct rcapfs_membership *m,
			 const struct rcapfs_rules *rules, pid_t *member_pids)
{
	struct rcapfs_proc sorted[32];
	struct rcapfs_proc_list list = {sorted, t->n};
	struct rcapfs_proc_order *order;
	bool member[32];
	size_t k = 0;
	long n;

	memcpy(sorted, t->procs, t->n * sizeof(sorted[0]));
	qsort(sorted, t->n, sizeof(sorted[0]), cmp_pid);
	assert_int_equal(rcapfs_proc_order_new(&list, &order), 0);
	n = rcapfs_membership_update(m, rules, order, member);
	rcapfs_proc_order_free(order);
	assert_true(n >= 0);
	for (size_t i = 0; i < t->n; i++)
		if (member[i])
			member_pids[k++] = sorted[i].pid;
	assert_int_equal(k, (size_t)n);
	return k;
}

static int setup(void **state)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->be = fake_backend_new();
	fake_backend_add_user(t->be, "alice", 1001);
	fake_backend_add_group(t->be, "staff", 50);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct table *t = *state;

	rcapfs_backend_free(t->be);
	free(t);
	return 0;
}

static int parse(struct table *t, const struct rcapfs_rules *base,
		 const char *text, size_t len, enum rcapfs_rules_syntax syntax,
		 struct rcapfs_rules **out, char *err, size_t errlen)
{
	return rcapfs_rules_parse(base, text, len, syntax, t->be, out, err,
				  errlen);
}

/* Parse text that must be good (user syntax); the caller frees. */
static struct rcapfs_rules *parse_ok(struct table *t, const char *text)
{
	struct rcapfs_rules *rules = NULL;
	char err[256];
	int rc = parse(t, NULL, text, strlen(text), RCAPFS_RULES_USER, &rules,
		       err, sizeof(err));

	if (rc)
		fail_msg("parse \"%s\": %d %s", text, rc, err);
	return rules;
}

static void assert_format(const struct rcapfs_rules *rules,
			  enum rcapfs_rules_syntax syntax, const char *expect)
{
	struct rcapfs_buf buf = RCAPFS_BUF_INIT;

	assert_int_equal(rcapfs_rules_format(rules, syntax, &buf), 0);
	assert_string_equal(buf.data ? buf.data : "", expect);
	rcapfs_buf_release(&buf);
}

static void test_members__parse_every_kind(void **state)
{
	struct table *t = *state;
	struct rcapfs_rules *rules;
	const char *text = "# a comment line\n"
			   "\n"
			   "   pid 100   \n"
			   "uid 0\n"
			   "\tuser alice # trailing comment\n"
			   "gid 65534\n"
			   "group staff\n"
			   "   \t \n"
			   "cgroup /system.slice/foo.service/\n"
			   "comm  ba*sh\t";

	table_add(t, mkproc(100, 1, 77, 0, 0, "init", NULL));
	rules = parse_ok(t, text);
	assert_int_equal(rcapfs_rules_count(rules), 7);
	assert_true(rcapfs_rules_need_cgroup(rules));
	assert_format(rules, RCAPFS_RULES_USER,
		      "pid 100\nuid 0\nuser alice\ngid 65534\ngroup staff\n"
		      "cgroup /system.slice/foo.service\ncomm ba*sh\n");
	assert_format(rules, RCAPFS_RULES_STATE,
		      "pid 100 start=77\nuid 0\nuser alice\ngid 65534\n"
		      "group staff\ncgroup /system.slice/foo.service\n"
		      "comm ba*sh\n");
	rcapfs_rules_free(rules);

	rules = parse_ok(t, "uid 5");
	assert_false(rcapfs_rules_need_cgroup(rules));
	rcapfs_rules_free(rules);
}

static void test_members__parse_empty(void **state)
{
	struct table *t = *state;
	struct rcapfs_rules *rules = parse_ok(t, "# nothing here\n\n");
	struct rcapfs_rules *empty = rcapfs_rules_new();

	assert_int_equal(rcapfs_rules_count(rules), 0);
	assert_format(rules, RCAPFS_RULES_USER, "");
	assert_non_null(empty);
	assert_int_equal(rcapfs_rules_count(empty), 0);
	assert_format(empty, RCAPFS_RULES_STATE, "");
	rcapfs_rules_free(empty);
	rcapfs_rules_free(rules);
	rcapfs_rules_free(NULL);
}

struct hostile {
	const char *text;
	size_t len; /* 0: strlen */
	int rc;
	unsigned line;
	const char *reason; /* a word the reason must hold */
};

static void check_hostile(struct table *t, const struct hostile *h)
{
	struct rcapfs_rules *rules = (struct rcapfs_rules *)&rules;
	size_t len = h->len ? h->len : strlen(h->text);
	char err[256], line[32];
	int rc;

	memset(err, 'x', sizeof(err));
	rc = parse(t, NULL, h->text, len, RCAPFS_RULES_USER, &rules, err,
		   sizeof(err));
	if (rc != h->rc)
		fail_msg("\"%.40s\": rc %d, want %d", h->text, rc, h->rc);
	assert_null(rules);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	snprintf(line, sizeof(line), "line %u:", h->line);
	if (strncmp(err, line, strlen(line)) != 0 || !strstr(err, h->reason) ||
	    strchr(err, '\n'))
		fail_msg("\"%.40s\": err \"%s\", want \"%s ...%s...\"", h->text,
			 err, line, h->reason);
}

static void test_members__parse_hostile(void **state)
{
	static const struct hostile cases[] = {
		{"frob 1", 0, -EINVAL, 1, "unknown rule"},
		{"UID 1", 0, -EINVAL, 1, "unknown rule"},
		{"uid", 0, -EINVAL, 1, "needs an argument"},
		{"# c\ncgroup   \n", 0, -EINVAL, 2, "needs an argument"},
		{"uid 1 2", 0, -EINVAL, 1, "one argument"},
		{"comm a b", 0, -EINVAL, 1, "one argument"},
		{"pid 100 200", 0, -EINVAL, 1, "one argument"},
		{"pid -1", 0, -EINVAL, 1, "decimal"},
		{"pid 0", 0, -EINVAL, 1, "out of range"},
		{"pid 99999999999999", 0, -EINVAL, 1, "out of range"},
		{"pid 99999999999999999999999", 0, -EINVAL, 1, "out of range"},
		{"pid 4242", 0, -EINVAL, 1, "no process 4242"},
		{"pid 100 start=5", 0, -EINVAL, 1, "one argument"},
		{"uid abc", 0, -EINVAL, 1, "decimal"},
		{"uid +5", 0, -EINVAL, 1, "decimal"},
		{"uid 0x10", 0, -EINVAL, 1, "decimal"},
		{"gid 4294967295", 0, -EINVAL, 1, "out of range"},
		{"uid 1\nuser mallory\n", 0, -EINVAL, 2, "unknown user"},
		{"group wheel", 0, -EINVAL, 1, "unknown group"},
		{"cgroup relative/path", 0, -EINVAL, 1, "absolute"},
		{"comm a\x01z", 0, -EINVAL, 1, "control character"},
		{"uid 1\r\n", 0, -EINVAL, 1, "control character"},
		{"\n\nuid 1\x7f", 0, -EINVAL, 3, "control character"},
		{"# bell \a in a comment", 0, -EINVAL, 1, "control"},
		{"uid 1\0uid 2", 11, -EINVAL, 1, "NUL"},
	};
	struct table *t = *state;

	table_add(t, mkproc(100, 1, 5, 0, 0, "x", NULL));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_hostile(t, &cases[i]);
}

static void test_members__parse_limits(void **state)
{
	struct table *t = *state;
	struct rcapfs_buf text = RCAPFS_BUF_INIT;
	struct rcapfs_rules *rules = NULL;
	struct hostile h;
	char err[128];

	/* A line of exactly RCAPFS_RULE_LINE_MAX bytes is fine... */
	assert_int_equal(rcapfs_buf_printf(&text, "uid 7%*s",
					   RCAPFS_RULE_LINE_MAX - 5, ""),
			 0);
	assert_int_equal(text.len, RCAPFS_RULE_LINE_MAX);
	assert_int_equal(parse(t, NULL, text.data, text.len, RCAPFS_RULES_USER,
			       &rules, err, sizeof(err)),
			 0);
	rcapfs_rules_free(rules);
	/* ...one more is not. */
	assert_int_equal(rcapfs_buf_add(&text, " ", 1), 0);
	h = (struct hostile){text.data, text.len, -EINVAL, 1, "longer"};
	check_hostile(t, &h);

	/* A glob longer than 255 bytes. */
	rcapfs_buf_reset(&text);
	assert_int_equal(rcapfs_buf_printf(&text, "comm %0256d", 0), 0);
	h = (struct hostile){text.data, 0, -EINVAL, 1, "255"};
	check_hostile(t, &h);

	/* RCAPFS_RULES_MAX rules fit, one more does not. */
	rcapfs_buf_reset(&text);
	for (int i = 0; i < RCAPFS_RULES_MAX; i++)
		assert_int_equal(rcapfs_buf_printf(&text, "uid %d\n", i), 0);
	assert_int_equal(parse(t, NULL, text.data, text.len, RCAPFS_RULES_USER,
			       &rules, err, sizeof(err)),
			 0);
	assert_int_equal(rcapfs_rules_count(rules), RCAPFS_RULES_MAX);
	rcapfs_rules_free(rules);
	assert_int_equal(rcapfs_buf_printf(&text, "# comment\nuid 1000\n"), 0);
	h = (struct hostile){text.data, 0, -ENOSPC, RCAPFS_RULES_MAX + 2,
			     "more than"};
	check_hostile(t, &h);
	rcapfs_buf_release(&text);
}

static void test_members__append_keeps_base(void **state)
{
	struct table *t = *state;
	struct rcapfs_rules *base = parse_ok(t, "uid 1\ncomm sh\n");
	struct rcapfs_rules *more = NULL, *bad = NULL;
	const char *add = "gid 2\ncgroup /a";
	char err[128];

	assert_int_equal(parse(t, base, add, strlen(add), RCAPFS_RULES_USER,
			       &more, err, sizeof(err)),
			 0);
	assert_int_equal(rcapfs_rules_count(more), 4);
	assert_true(rcapfs_rules_need_cgroup(more));
	assert_format(more, RCAPFS_RULES_USER,
		      "uid 1\ncomm sh\ngid 2\ncgroup /a\n");
	/* The base is untouched, by success and by failure alike. */
	assert_int_equal(parse(t, base, "uid x", 5, RCAPFS_RULES_USER, &bad,
			       err, sizeof(err)),
			 -EINVAL);
	assert_null(bad);
	assert_format(base, RCAPFS_RULES_USER, "uid 1\ncomm sh\n");
	assert_false(rcapfs_rules_need_cgroup(base));
	/* need_cgroup comes through the base too. */
	rcapfs_rules_free(base);
	base = more;
	more = NULL;
	assert_int_equal(parse(t, base, "uid 9", 5, RCAPFS_RULES_USER, &more,
			       err, sizeof(err)),
			 0);
	assert_true(rcapfs_rules_need_cgroup(more));
	rcapfs_rules_free(more);
	rcapfs_rules_free(base);
}

static void test_members__format_round_trip(void **state)
{
	struct table *t = *state;
	const char *text = "pid 100\nuser root\ngid 7\ngroup nogroup\n"
			   "cgroup /\ncomm [xy]term\nuid 65534\n";
	enum rcapfs_rules_syntax syntaxes[] = {RCAPFS_RULES_USER,
					       RCAPFS_RULES_STATE};
	struct rcapfs_rules *rules;

	table_add(t, mkproc(100, 1, 123456789012ULL, 0, 0, "x", NULL));
	rules = parse_ok(t, text);
	for (size_t i = 0; i < 2; i++) {
		struct rcapfs_buf once = RCAPFS_BUF_INIT;
		struct rcapfs_rules *again = NULL;
		char err[128];

		assert_int_equal(rcapfs_rules_format(rules, syntaxes[i], &once),
				 0);
		assert_int_equal(parse(t, NULL, once.data, once.len,
				       syntaxes[i], &again, err, sizeof(err)),
				 0);
		assert_format(again, syntaxes[i], once.data);
		assert_format(again, RCAPFS_RULES_USER, text);
		rcapfs_rules_free(again);
		rcapfs_buf_release(&once);
	}
	assert_format(rules, RCAPFS_RULES_STATE,
		      "pid 100 start=123456789012\nuser root\ngid 7\n"
		      "group nogroup\ncgroup /\ncomm [xy]term\nuid 65534\n");
	rcapfs_rules_free(rules);
}

static void test_members__state_drops_gone_pid(void **state)
{
	struct table *t = *state;
	const char *text = "pid 100 start=10\npid 200 start=20\n"
			   "pid 300 start=30\nuid 3\n";
	struct rcapfs_rules *rules = NULL;
	char err[128];

	/* 100 runs as saved, 200 exited, 300 is a new process. */
	table_add(t, mkproc(100, 1, 10, 0, 0, "a", NULL));
	table_add(t, mkproc(300, 1, 99, 0, 0, "c", NULL));
	assert_int_equal(parse(t, NULL, text, strlen(text), RCAPFS_RULES_STATE,
			       &rules, err, sizeof(err)),
			 0);
	assert_format(rules, RCAPFS_RULES_STATE, "pid 100 start=10\nuid 3\n");
	rcapfs_rules_free(rules);

	/* The state syntax still checks everything else. */
	rules = NULL;
	assert_int_equal(parse(t, NULL, "pid 100 begin=10", 16,
			       RCAPFS_RULES_STATE, &rules, err, sizeof(err)),
			 -EINVAL);
	assert_null(rules);
	assert_non_null(strstr(err, "line 1:"));
	/* The user syntax refuses a gone process. */
	assert_int_equal(parse(t, NULL, "pid 200", 7, RCAPFS_RULES_USER, &rules,
			       err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 1: no process 200");
}

static void test_members__state_drops_gone_name(void **state)
{
	struct table *t = *state;
	const char *text = "user root\nuser olduser\ngroup oldgroup\n"
			   "group nogroup\n";
	struct rcapfs_rules *rules = NULL;
	char err[128];

	/* Users and groups deleted since the state was saved: their rules
	 * go, the others stay. */
	assert_int_equal(parse(t, NULL, text, strlen(text), RCAPFS_RULES_STATE,
			       &rules, err, sizeof(err)),
			 0);
	assert_format(rules, RCAPFS_RULES_STATE, "user root\ngroup nogroup\n");
	rcapfs_rules_free(rules);
	/* A user writing them is still told. */
	rules = NULL;
	assert_int_equal(parse(t, NULL, "group oldgroup", 14, RCAPFS_RULES_USER,
			       &rules, err, sizeof(err)),
			 -EINVAL);
	assert_null(rules);
	assert_string_equal(err, "line 1: unknown group \"oldgroup\"");
}

static void test_members__pid_descendants(void **state)
{
	struct table *t = *state;
	struct rcapfs_membership *m = rcapfs_membership_new();
	struct rcapfs_rules *rules;
	pid_t got[32];

	assert_non_null(m);
	table_add(t, mkproc(1, 0, 1, 0, 0, "init", NULL));
	table_add(t, mkproc(100, 1, 10, 0, 0, "sh", NULL));
	table_add(t, mkproc(101, 100, 11, 0, 0, "make", NULL));
	table_add(t, mkproc(102, 101, 12, 0, 0, "cc", NULL));
	table_add(t, mkproc(200, 1, 13, 0, 0, "other", NULL));
	table_add(t, mkproc(99, 1, 9, 0, 0, "older", NULL));
	rules = parse_ok(t, "pid 100");

	assert_int_equal(members_of(t, m, rules, got), 3);
	assert_int_equal(got[0], 100);
	assert_int_equal(got[1], 101);
	assert_int_equal(got[2], 102);

	/* The parent and grandparent exit; 102 is re-parented to init but
	 * stays a member, and so does its new child. */
	table_del(t, 100);
	table_del(t, 101);
	t->procs[t->n - 1].ppid = 1; /* 102 was moved to the end */
	assert_int_equal(t->procs[t->n - 1].pid, 102);
	table_add(t, mkproc(103, 102, 14, 0, 0, "as", NULL));
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_int_equal(got[0], 102);
	assert_int_equal(got[1], 103);

	/* 102 exits and its pid is reused by an unrelated process: not a
	 * member, and neither is a process reusing pid 100. */
	table_del(t, 102);
	table_add(t, mkproc(102, 1, 50, 0, 0, "new", NULL));
	table_add(t, mkproc(100, 1, 60, 0, 0, "new", NULL));
	table_add(t, mkproc(104, 100, 61, 0, 0, "kid", NULL));
	assert_int_equal(members_of(t, m, rules, got), 1);
	assert_int_equal(got[0], 103);

	rcapfs_rules_free(rules);
	rcapfs_membership_free(m);
}

/* Whether the fork of child by parent (started at the ticks given) was
 * adopted; fails the test on an error. */
static bool adopt(struct rcapfs_membership *m, pid_t parent, pid_t child,
		  uint64_t parent_start_ticks, uint64_t child_start_ticks)
{
	const struct rcapfs_fork f = {.parent_tgid = parent,
				      .child_tgid = child};
	bool adopted = true;

	assert_int_equal(rcapfs_membership_adopt(m, &f, parent_start_ticks,
						 child_start_ticks, &adopted),
			 0);
	return adopted;
}

/* A daemon detaching between two walks: sh (a pid-rule member) forks 101,
 * which forks 102 and exits at once; 102 is re-parented to init before any
 * walk sees 101. The fork events keep 102 a member. */
static void test_members__adopt_fork(void **state)
{
	struct table *t = *state;
	struct rcapfs_membership *m = rcapfs_membership_new();
	struct rcapfs_rules *rules;
	pid_t got[32];

	assert_non_null(m);
	table_add(t, mkproc(1, 0, 1, 0, 0, "init", NULL));
	table_add(t, mkproc(100, 1, 10, 0, 0, "sh", NULL));
	table_add(t, mkproc(200, 1, 13, 0, 0, "other", NULL));
	rules = parse_ok(t, "pid 100");
	assert_int_equal(members_of(t, m, rules, got), 1);
	assert_true(rcapfs_membership_tracks(m, 100));
	assert_false(rcapfs_membership_tracks(m, 200));

	/* Forks of a non-member, or of a member pid now held by another
	 * process, adopt nothing. */
	assert_false(adopt(m, 200, 201, 13, 14));
	assert_false(adopt(m, 100, 105, 99, 99));
	/* 101 was gone before its start time was read (0): it stands as the
	 * parent of 102. */
	assert_true(adopt(m, 100, 101, 10, 0));
	assert_true(adopt(m, 101, 102, 0, 12));
	assert_true(rcapfs_membership_tracks(m, 102));
	table_add(t, mkproc(102, 1, 12, 0, 0, "daemon", NULL));
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_int_equal(got[0], 100);
	assert_int_equal(got[1], 102);
	/* 101 may yet show (forked after the walk read /proc, as far as
	 * the tracker knows): kept through this walk, not the next. */
	assert_true(rcapfs_membership_tracks(m, 101));
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_false(rcapfs_membership_tracks(m, 101));
	assert_true(rcapfs_membership_tracks(m, 102));

	/* Without the events, the same table gives 102 nothing. */
	rcapfs_membership_free(m);
	m = rcapfs_membership_new();
	assert_non_null(m);
	assert_int_equal(members_of(t, m, rules, got), 1);

	/* A child forked after a walk read /proc is kept through that walk,
	 * and no longer than the next one if it never shows. */
	assert_true(adopt(m, 100, 103, 10, 15));
	assert_int_equal(members_of(t, m, rules, got), 1);
	assert_true(rcapfs_membership_tracks(m, 103));
	table_add(t, mkproc(103, 1, 15, 0, 0, "late", NULL));
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_int_equal(got[1], 103);
	assert_true(adopt(m, 100, 104, 10, 16));
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_false(rcapfs_membership_tracks(m, 104));
	table_add(t, mkproc(104, 1, 16, 0, 0, "too-late", NULL));
	assert_int_equal(members_of(t, m, rules, got), 2);

	/* A pid reused since the event (another start time) is not it. */
	assert_true(adopt(m, 100, 106, 10, 17));
	table_add(t, mkproc(106, 1, 18, 0, 0, "reuser", NULL));
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_false(rcapfs_membership_tracks(m, 106));

	rcapfs_rules_free(rules);
	rcapfs_membership_free(m);
}

static void test_members__pid_parent_checks(void **state)
{
	struct table *t = *state;
	struct rcapfs_membership *m = rcapfs_membership_new();
	struct rcapfs_rules *rules, *other;
	pid_t got[32];

	assert_non_null(m);
	table_add(t, mkproc(100, 1, 10, 0, 0, "sh", NULL));
	table_add(t, mkproc(150, 100, 30, 0, 0, "sh", NULL));
	/* Claims 150 as parent but started before it: a reused ppid. */
	table_add(t, mkproc(400, 150, 20, 0, 0, "x", NULL));
	/* Same start tick as its parent, lower pid (pids wrapped), and a
	 * grandchild in the same tick. */
	table_add(t, mkproc(500, 150, 31, 0, 0, "y", NULL));
	table_add(t, mkproc(60, 500, 31, 0, 0, "z", NULL));
	table_add(t, mkproc(40, 60, 31, 0, 0, "w", NULL));
	rules = parse_ok(t, "pid 100");

	assert_int_equal(members_of(t, m, rules, got), 5);
	assert_int_equal(got[0], 40);
	assert_int_equal(got[1], 60);
	assert_int_equal(got[2], 100);
	assert_int_equal(got[3], 150);
	assert_int_equal(got[4], 500);

	/* Replacing the rules ends membership through the old pid rule,
	 * even for remembered members whose parents are gone. */
	table_del(t, 100);
	other = parse_ok(t, "comm w");
	assert_int_equal(members_of(t, m, other, got), 1);
	assert_int_equal(got[0], 40);
	assert_int_equal(members_of(t, m, rules, got), 0);

	rcapfs_rules_free(other);
	rcapfs_rules_free(rules);
	rcapfs_membership_free(m);
}

static void test_members__ids(void **state)
{
	struct table *t = *state;
	struct rcapfs_membership *m = rcapfs_membership_new();
	struct rcapfs_rules *rules;
	pid_t got[32];

	assert_non_null(m);
	table_add(t, mkproc(10, 1, 1, 1001, 1, "a", NULL));
	table_add(t, mkproc(11, 1, 1, 1002, 50, "b", NULL));
	table_add(t, mkproc(12, 1, 1, 0, 0, "c", NULL));
	table_add(t, mkproc(13, 10, 2, 7, 8, "d", NULL));

	rules = parse_ok(t, "user alice");
	assert_int_equal(members_of(t, m, rules, got), 1);
	assert_int_equal(got[0], 10);
	rcapfs_rules_free(rules);

	rules = parse_ok(t, "uid 1002\ngid 8");
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_int_equal(got[0], 11);
	assert_int_equal(got[1], 13);
	rcapfs_rules_free(rules);

	rules = parse_ok(t, "group staff");
	assert_int_equal(members_of(t, m, rules, got), 1);
	assert_int_equal(got[0], 11);
	rcapfs_rules_free(rules);

	/* A uid rule does not pass membership on to children. */
	rules = parse_ok(t, "uid 1001");
	assert_int_equal(members_of(t, m, rules, got), 1);
	assert_int_equal(got[0], 10);
	rcapfs_rules_free(rules);
	rcapfs_membership_free(m);
}

static void test_members__cgroup_prefix(void **state)
{
	struct table *t = *state;
	struct rcapfs_membership *m = rcapfs_membership_new();
	struct rcapfs_rules *rules;
	pid_t got[32];

	assert_non_null(m);
	table_add(t, mkproc(10, 1, 1, 0, 0, "a", "/a/b"));
	table_add(t, mkproc(11, 1, 1, 0, 0, "a", "/a/b/c"));
	table_add(t, mkproc(12, 1, 1, 0, 0, "a", "/a/bc"));
	table_add(t, mkproc(13, 1, 1, 0, 0, "a", "/a"));
	table_add(t, mkproc(14, 1, 1, 0, 0, "a", NULL));
	table_add(t, mkproc(15, 1, 1, 0, 0, "a", "/"));

	rules = parse_ok(t, "cgroup /a/b");
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_int_equal(got[0], 10);
	assert_int_equal(got[1], 11);
	rcapfs_rules_free(rules);

	rules = parse_ok(t, "cgroup /a/b//");
	assert_int_equal(members_of(t, m, rules, got), 2);
	assert_int_equal(got[1], 11);
	rcapfs_rules_free(rules);

	/* The root holds every process whose cgroup is known. */
	rules = parse_ok(t, "cgroup /");
	assert_int_equal(members_of(t, m, rules, got), 5);
	rcapfs_rules_free(rules);
	rcapfs_membership_free(m);
}

static void test_members__comm_glob(void **state)
{
	struct table *t = *state;
	struct rcapfs_membership *m = rcapfs_membership_new();
	struct rcapfs_rules *rules;
	pid_t got[32];

	assert_non_null(m);
	table_add(t, mkproc(10, 1, 1, 0, 0, "bash", NULL));
	table_add(t, mkproc(11, 1, 1, 0, 0, "zsh", NULL));
	table_add(t, mkproc(12, 1, 1, 0, 0, "xterm", NULL));
	table_add(t, mkproc(13, 1, 1, 0, 0, "Web Content", NULL));
	table_add(t, mkproc(14, 1, 1, 0, 0, "ba", NULL));

	rules = parse_ok(t, "comm ba*sh");
	assert_int_equal(members_of(t, m, rules, got), 1);
	assert_int_equal(got[0], 10);
	rcapfs_rules_free(rules);

	rules = parse_ok(t, "comm ?sh\ncomm [xy]term\ncomm Web?Content");
	assert_int_equal(members_of(t, m, rules, got), 3);
	assert_int_equal(got[0], 11);
	assert_int_equal(got[1], 12);
	assert_int_equal(got[2], 13);
	rcapfs_rules_free(rules);

	rules = parse_ok(t, "comm ba");
	assert_int_equal(members_of(t, m, rules, got), 1);
	assert_int_equal(got[0], 14);
	rcapfs_rules_free(rules);
	rcapfs_membership_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_members__parse_every_kind),
		T(test_members__parse_empty),
		T(test_members__parse_hostile),
		T(test_members__parse_limits),
		T(test_members__append_keeps_base),
		T(test_members__format_round_trip),
		T(test_members__state_drops_gone_pid),
		T(test_members__state_drops_gone_name),
		T(test_members__pid_descendants),
		T(test_members__adopt_fork),
		T(test_members__pid_parent_checks),
		T(test_members__ids),
		T(test_members__cgroup_prefix),
		T(test_members__comm_glob),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
