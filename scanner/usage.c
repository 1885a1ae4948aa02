/*
 * What samples learn of each member over time, from the CPU time and the
 * major faults each sample reads anyway: since when it has been idle (its
 * CPU time did not grow), whether it was paged out whole in this idle
 * period, and the major faults it took since it joined, which are the
 * cost of the cap (stats majflt, members that left included).
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include "compat/clock.h"

#include <stdlib.h>

static int cmp_pid(const void *key, const void *elem)
{
	pid_t a = *(const pid_t *)key, b = ((const struct member *)elem)->pid;

	return (a > b) - (a < b);
}

const struct member *scanner_member_find(const struct member *list, size_t n,
					 pid_t pid, uint64_t start_ticks)
{
	const struct member *m =
		n ? bsearch(&pid, list, n, sizeof(*list), cmp_pid) : NULL;

	return m && m->start_ticks == start_ticks ? m : NULL;
}

void scanner_member_follow(struct member *m, const struct member *old,
			   uint64_t now_ns)
{
	if (!old) {
		m->majflt_joined = m->majflt;
		m->busy_ns = now_ns;
		m->swapped_out = false;
		return;
	}
	m->majflt_joined = old->majflt_joined;
	if (m->cpu_ticks != old->cpu_ticks) {
		m->busy_ns = now_ns;
		m->swapped_out = false;
	} else {
		m->busy_ns = old->busy_ns;
		m->swapped_out = old->swapped_out;
	}
}

bool scanner_member_idle(const struct member *m, uint64_t now_ns,
			 unsigned seconds)
{
	return seconds && now_ns - m->busy_ns >= seconds * RCAPFS_NS_PER_S;
}

/* The major faults of m since it joined. */
static uint64_t faults_since_joined(const struct member *m)
{
	return m->majflt > m->majflt_joined ? m->majflt - m->majflt_joined : 0;
}

uint64_t scanner_majflt_commit(struct collection *c, const struct member *next,
			       size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < c->nmembers; i++) {
		const struct member *m = &c->members[i];

		if (!scanner_member_find(next, n, m->pid, m->start_ticks))
			c->majflt_left += faults_since_joined(m);
	}
	for (size_t i = 0; i < n; i++)
		sum += faults_since_joined(&next[i]);
	return c->majflt_left + sum;
}
