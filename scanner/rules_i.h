/*
 * The layout of a rule set, shared by the files that parse and format it
 * (rules.c) and match it against processes (membership.c).
 */
#ifndef RCAPFS_SCANNER_RULES_I_H
#define RCAPFS_SCANNER_RULES_I_H

#include "scanner/members.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

struct rule {
	enum rcapfs_rule_kind kind;
	union {
		struct {
			pid_t pid;
			uint64_t start_ticks; /* the process the rule bound */
		} pid;
		uid_t uid;
		gid_t gid;
	} u;
	/* user/group: the name as written (NULL when given as a number);
	 * cgroup: the path; comm: the glob. */
	char *text;
};

struct rcapfs_rules {
	atomic_uint refs;
	size_t n;
	bool need_cgroup;
	struct rule rules[]; /* n of them */
};

#endif
