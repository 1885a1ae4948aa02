/*
 * Membership rules of a collection (doc/design.md §3, "members"): parsed
 * from text, matched against processes, rendered back. A rule set is
 * immutable once parsed, so a sample can match against it without a lock.
 */
#ifndef RCAPFS_SCANNER_MEMBERS_H
#define RCAPFS_SCANNER_MEMBERS_H

#include "compat/backend.h"
#include "compat/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Limits that keep any input from growing the daemon without bound. */
#define RCAPFS_RULES_MAX     256  /* rules per collection */
#define RCAPFS_RULE_LINE_MAX 4096 /* bytes per line, newline excluded */

enum rcapfs_rule_kind {
	RCAPFS_RULE_PID,
	RCAPFS_RULE_UID,
	RCAPFS_RULE_GID,
	RCAPFS_RULE_CGROUP,
	RCAPFS_RULE_COMM,
};

struct rcapfs_rules; /* opaque */

/* Parse mode: text written by a user, or the state file's form, which also
 * carries the start time a pid rule was bound to. */
enum rcapfs_rules_syntax {
	RCAPFS_RULES_USER,
	RCAPFS_RULES_STATE,
};

/*
 * Parse rules text (need not be NUL-terminated) and append them to a copy
 * of base (NULL for an empty base). Names (user, group) are resolved and
 * pid rules bound to the running process (its start time) through be.
 * Returns 0 and a new rule set the caller frees with rcapfs_rules_free(),
 * -EINVAL on any bad line (err gets a one-line reason), -ENOSPC beyond
 * RCAPFS_RULES_MAX, or -ENOMEM. Nothing is returned on error.
 */
int rcapfs_rules_parse(const struct rcapfs_rules *base, const char *text,
		       size_t len, enum rcapfs_rules_syntax syntax,
		       const struct rcapfs_backend *be,
		       struct rcapfs_rules **out, char *err, size_t errlen);

/* An empty rule set (matches nothing). Returns NULL on ENOMEM. */
struct rcapfs_rules *rcapfs_rules_new(void);

/* Take another reference; returns rules. */
struct rcapfs_rules *rcapfs_rules_ref(struct rcapfs_rules *rules);

/* Drop a reference; the last one frees. NULL is fine. */
void rcapfs_rules_free(struct rcapfs_rules *rules);

size_t rcapfs_rules_count(const struct rcapfs_rules *rules);

/* True when some rule needs the processes' cgroup paths. */
bool rcapfs_rules_need_cgroup(const struct rcapfs_rules *rules);

/* Append the rules, one per line, to out in the given syntax. Returns 0 or
 * -ENOMEM. */
int rcapfs_rules_format(const struct rcapfs_rules *rules,
			enum rcapfs_rules_syntax syntax,
			struct rcapfs_buf *out);

/*
 * A member tracker: remembers processes that joined through a pid rule (by
 * pid and start time), so their descendants are members and stay members
 * after their parent exits.
 */
struct rcapfs_membership; /* opaque */

/* Returns a new, empty tracker (free with rcapfs_membership_free) or NULL. */
struct rcapfs_membership *rcapfs_membership_new(void);
void rcapfs_membership_free(struct rcapfs_membership *m);

/*
 * A process table in order of start time, which pid inheritance follows:
 * sorted once per walk and shared by every collection's update.
 */
struct rcapfs_proc_order; /* opaque */

/* Order procs (which must outlive the order) in *out. Returns 0 or
 * -ENOMEM; the caller frees *out with rcapfs_proc_order_free. */
int rcapfs_proc_order_new(const struct rcapfs_proc_list *procs,
			  struct rcapfs_proc_order **out);
void rcapfs_proc_order_free(struct rcapfs_proc_order *order);

/*
 * Decide membership for a whole process table: sets member[i] for each
 * procs->procs[i] that rules admit, and updates the tracker's remembered
 * pid members. order is procs' (rcapfs_proc_order_new); member must hold
 * procs->n entries. Returns the number of members, or -ENOMEM.
 */
long rcapfs_membership_update(struct rcapfs_membership *m,
			      const struct rcapfs_rules *rules,
			      const struct rcapfs_proc_order *order,
			      bool *member);

/* Whether pid is remembered as a member through a pid rule (since the
 * last walk, or adopted since). Safe from any thread. */
bool rcapfs_membership_tracks(struct rcapfs_membership *m, pid_t pid);

/* The most children adopted from fork events between two walks. */
#define RCAPFS_MEMBERSHIP_MAX_ADOPTED 65536

/*
 * A fork event: when f's parent is remembered (and, when
 * parent_start_ticks is not 0, was started then: the pid was not reused),
 * remember its child as a member through the same pid rule, even if the
 * parent exits before the next walk. child_start_ticks is 0 when the child
 * was gone before its start time could be read: it then stands only as
 * the parent of later events. An adopted child that the next walk does not
 * list is kept through that walk alone. Safe from any thread. Returns 0,
 * with *adopted (unless adopted is NULL) true when the child was
 * remembered and false when the parent is not a member; -ENOSPC (over
 * RCAPFS_MEMBERSHIP_MAX_ADOPTED since the last walk) or -ENOMEM.
 */
int rcapfs_membership_adopt(struct rcapfs_membership *m,
			    const struct rcapfs_fork *f,
			    uint64_t parent_start_ticks,
			    uint64_t child_start_ticks, bool *adopted);

#endif
