/*
 * tools/project.c: the Solaris project database read for rcapfs-project,
 * on the examples of the Solaris documentation (tests/fixtures/project/)
 * and on hostile ones: each project with rcap.max-rss and the members it
 * gets, each line reported with its number and why.
 */
#include "config.h"

#include "tools/project.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Parse tests/fixtures/project/name into l. */
static void parse_fixture(const char *name, struct tool_project_list *l)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *text;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/project/%s",
		 top && *top ? top : TOP_SRCDIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(tool_project_parse(text, (size_t)len, l), 0);
	free(text);
}

static void parse_text(const char *text, struct tool_project_list *l)
{
	assert_int_equal(tool_project_parse(text, strlen(text), l), 0);
}

/* The default database of a Solaris system: no caps, nothing to do. */
static void test_project__solaris_default(void **state)
{
	struct tool_project_list l;

	parse_fixture("solaris-default", &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.nerrors, 0);
	tool_project_list_free(&l);
}

/* Caps as the Solaris documentation sets them. */
static void test_project__solaris_rcap(void **state)
{
	struct tool_project_list l;

	parse_fixture("solaris-rcap", &l);
	assert_int_equal(l.nerrors, 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.projects[0].name, "foo");
	assert_int_equal(l.projects[0].line, 6);
	assert_int_equal(l.projects[0].projid, 100);
	assert_int_equal(l.projects[0].cap_bytes, UINT64_C(10737418240));
	assert_string_equal(l.projects[0].members,
			    "comm rcapfs-project:100\nuser foo\nuser root\n");
	/* user.NAME and group.NAME take their user or group unlisted. */
	assert_string_equal(l.projects[1].name, "user.joe");
	assert_string_equal(l.projects[1].members,
			    "comm rcapfs-project:1001\nuser joe\n");
	assert_string_equal(l.projects[2].name, "group.staff2");
	assert_int_equal(l.projects[2].cap_bytes, 536870912);
	assert_string_equal(l.projects[2].members,
			    "comm rcapfs-project:1002\ngroup staff2\n");
	/* '!*': no one; a cap of 0: uncapped. */
	assert_string_equal(l.projects[3].name, "web");
	assert_int_equal(l.projects[3].cap_bytes, 0);
	assert_string_equal(l.projects[3].members,
			    "comm rcapfs-project:1004\n");
	tool_project_list_free(&l);
}

/* Every malformed or inexpressible line is reported with its number, the
 * others applied. */
static void test_project__hostile(void **state)
{
	static const unsigned bad[] = {2,  3,  4,  5,  6,  7,  8,  9,  10,
				       11, 12, 13, 14, 15, 16, 17, 18, 19};
	static const char *const why[] = {
		"longer than 4096 bytes",
		"a NUL byte",
		"project ok is on line 1 already",
		"rcapfs names are at most 31 bytes",
		"is not a project name",
		"is not a project id",
		"is not a project id",
		"fields, 6 expected",
		"fields, 6 expected",
		"is not a byte count",
		"rcap.max-rss given twice",
		"\"*\" (every user) cannot be said in rules",
		"exclusion of a group next to users",
		"is not a name",
		"is not a name",
		"name service entries",
		"is not a byte count",
		"is not a byte count",
	};
	struct tool_project_list l;

	parse_fixture("hostile", &l);
	assert_int_equal(l.nerrors, sizeof(bad) / sizeof(bad[0]));
	for (size_t i = 0; i < l.nerrors; i++) {
		assert_int_equal(l.errors[i].line, bad[i]);
		if (!strstr(l.errors[i].reason, why[i]))
			fail_msg("line %u: \"%s\" does not say \"%s\"",
				 l.errors[i].line, l.errors[i].reason, why[i]);
	}
	assert_int_equal(l.n, 2);
	assert_string_equal(l.projects[0].name, "ok");
	assert_int_equal(l.projects[0].cap_bytes, 1048576);
	assert_string_equal(l.projects[1].name, "last");
	assert_int_equal(l.projects[1].line, 20);
	assert_string_equal(l.projects[1].members,
			    "comm rcapfs-project:2015\nuser nobody\n"
			    "group nogroup\n");
	tool_project_list_free(&l);
}

/* Exclusions as libproject reads them: a name listed and excluded is out;
 * one excluded but not listed changes nothing; the implicit member of a
 * user.NAME project can be excluded; an exclusion next to names of the
 * other kind cannot be said. */
static void test_project__exclusions(void **state)
{
	struct tool_project_list l;

	parse_text("a:1::x,y,!y,!z::rcap.max-rss=1\n"
		   "user.u:2::!u::rcap.max-rss=1\n"
		   "g:3:::p,!q:rcap.max-rss=1\n"
		   "h:4::!x:p:rcap.max-rss=1\n"
		   "i:5::x,x:p,p:rcap.max-rss=1\n"
		   "j:6::*:!*:rcap.max-rss=1\n",
		   &l);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.projects[0].members,
			    "comm rcapfs-project:1\nuser x\n");
	assert_string_equal(l.projects[1].members, "comm rcapfs-project:2\n");
	assert_string_equal(l.projects[2].members,
			    "comm rcapfs-project:3\ngroup p\n");
	assert_string_equal(l.projects[3].name, "i");
	assert_string_equal(l.projects[3].members,
			    "comm rcapfs-project:5\nuser x\ngroup p\n");
	/* '!*' wins over '*', as ismember returns at the exclusion. */
	assert_string_equal(l.projects[4].members, "comm rcapfs-project:6\n");
	assert_int_equal(l.nerrors, 1);
	assert_int_equal(l.errors[0].line, 4);
	tool_project_list_free(&l);
}

/* Comments, blank lines, a last line without its newline, projects
 * without the attribute; the attribute only at an attribute's start. */
static void test_project__attributes(void **state)
{
	struct tool_project_list l;

	parse_text("# comment\n\n"
		   "a:1:::: rcap.max-rss=5\n"
		   "b:2::::xrcap.max-rss=5\n"
		   "c:3::::rcap.max-rssx=5;rcap.max-rss=7\n"
		   "d:4::::rcap.max-rss",
		   &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.projects[0].name, "c");
	assert_int_equal(l.projects[0].cap_bytes, 7);
	assert_int_equal(l.nerrors, 1);
	assert_int_equal(l.errors[0].line, 6);
	tool_project_list_free(&l);
}

static void test_project__marked(void **state)
{
	static const char m[] = "user a\ncomm rcapfs-project:42\n";
	int64_t id = -1;

	assert_true(tool_project_marked(m, sizeof(m) - 1, &id));
	assert_int_equal(id, 42);
	assert_false(tool_project_marked("comm rcapfs-project:\n", 21, &id));
	assert_false(tool_project_marked("comm rcapfs-project:4x\n", 23, &id));
	assert_false(tool_project_marked("comm rcapfs-project:2147483648\n", 31,
					 &id));
	assert_false(tool_project_marked(" comm rcapfs-project:1\n", 23, &id));
	/* The marker's id counts only within len. */
	assert_true(tool_project_marked("comm rcapfs-project:123", 21, &id));
	assert_int_equal(id, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_project__solaris_default),
		cmocka_unit_test(test_project__solaris_rcap),
		cmocka_unit_test(test_project__hostile),
		cmocka_unit_test(test_project__exclusions),
		cmocka_unit_test(test_project__attributes),
		cmocka_unit_test(test_project__marked),
	};

	return cmocka_run_group_tests_name("project", tests, NULL, NULL);
}
