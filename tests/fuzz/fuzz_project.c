/*
 * Fuzz the project database parser of rcapfs-project (tools/project.c).
 * Whatever the input: no crash, no leak; every error names a line of the
 * input, in order; every project comes from a line of its own, has a name
 * rcapfs takes and a project id in range, and gets members that are, line
 * by line, the marker naming that id first and then user and group rules
 * of plain names, which the marker check reads back.
 */
#include "config.h"

#include "tests/fuzz/fuzz.h"

#include "tools/project.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static bool plain(const char *s, size_t n, const char *set)
{
	return n > 0 && strspn(s, set) >= n;
}

static void check_members(const struct tool_project *p)
{
	static const char names[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-$";
	char first[64];
	const char *l = p->members;
	int64_t id = -1;
	size_t rules = 0;

	snprintf(first, sizeof(first), "comm " TOOL_PROJECT_MARKER "%lld\n",
		 (long long)p->projid);
	FUZZ_CHECK(strncmp(l, first, strlen(first)) == 0,
		   "%s: members do not start with the marker", p->name);
	FUZZ_CHECK(tool_project_marked(l, strlen(l), &id) && id == p->projid,
		   "%s: the marker does not read back", p->name);
	for (l += strlen(first); *l; rules++) {
		const char *nl = strchr(l, '\n');
		size_t n;

		FUZZ_CHECK(nl, "%s: a rule without its newline", p->name);
		n = (size_t)(nl - l);
		if (strncmp(l, "user ", 5) == 0)
			FUZZ_CHECK(plain(l + 5, n - 5, names), "%s: user rule",
				   p->name);
		else
			FUZZ_CHECK(strncmp(l, "group ", 6) == 0 &&
					   plain(l + 6, n - 6, names),
				   "%s: a rule neither user nor group",
				   p->name);
		l = nl + 1;
	}
	FUZZ_CHECK(rules + 1 <= TOOL_PROJECT_RULES_MAX, "%s: too many rules",
		   p->name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tool_project_list l;
	unsigned lines = 1, last = 0;
	int rc;

	for (size_t i = 0; i + 1 < size; i++)
		lines += data[i] == '\n';
	rc = tool_project_parse((const char *)data, size, &l);
	FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "rc %d", rc);
	if (rc)
		return 0;
	for (size_t i = 0; i < l.nerrors; i++) {
		FUZZ_CHECK(l.errors[i].line >= 1 && l.errors[i].line <= lines,
			   "error on line %u of %u", l.errors[i].line, lines);
		FUZZ_CHECK(l.errors[i].line > last, "errors out of order");
		last = l.errors[i].line;
		FUZZ_CHECK(memchr(l.errors[i].reason, '\0',
				  sizeof(l.errors[i].reason)),
			   "reason not terminated");
	}
	last = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct tool_project *p = &l.projects[i];
		size_t n = strlen(p->name);

		FUZZ_CHECK(p->line > last && p->line <= lines,
			   "project on line %u", p->line);
		last = p->line;
		FUZZ_CHECK(n >= 1 && n < TOOL_NAME_MAX &&
				   plain(p->name, n,
					 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"
					 "LMNOPQRSTUVWXYZ0123456789._-") &&
				   p->name[0] != '.' && p->name[0] != '-',
			   "name \"%s\" rcapfs refuses", p->name);
		FUZZ_CHECK(p->projid >= 0 && p->projid <= TOOL_PROJECT_ID_MAX,
			   "project id %lld", (long long)p->projid);
		FUZZ_CHECK(p->cap_bytes <= INT64_MAX, "cap out of range");
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(l.projects[j].name, p->name) != 0,
				   "%s twice", p->name);
		check_members(p);
	}
	tool_project_list_free(&l);
	return 0;
}
