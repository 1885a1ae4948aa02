/*
 * RLIMIT_RSS enforced, as DragonFly's vm_daemon does (ctl/rlimit_rss):
 * every process whose soft RLIMIT_RSS is finite is held to it, whether or
 * not it belongs to a collection, by the same scan as a collection of its
 * own (its own hand, the same rules, never stopped), under ctl/mode,
 * ctl/enforce and ctl/pressure. The limits are read at walks only (one
 * prlimit(2) per process); between walks, only the processes found with
 * one are re-read.
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include "compat/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_pid(const void *key, const void *elem)
{
	pid_t a = *(const pid_t *)key, b = ((const struct rlimited *)elem)->pid;

	return (a > b) - (a < b);
}

/* The held process (pid, start_ticks) of list[0..n) (sorted by pid), or
 * NULL. */
static struct rlimited *find(struct rlimited *list, size_t n, pid_t pid,
			     uint64_t start_ticks)
{
	struct rlimited *r =
		n ? bsearch(&pid, list, n, sizeof(*list), cmp_pid) : NULL;

	return r && r->start_ticks == start_ticks ? r : NULL;
}

int scanner_rlimits_walk(struct sampling *smp,
			 const struct rcapfs_proc_list *list)
{
	size_t n = 0;

	for (size_t i = 0; i < list->n; i++)
		n += list->procs[i].rlimit_rss_set;
	smp->rlim = calloc(n ? n : 1, sizeof(*smp->rlim));
	if (!smp->rlim)
		return -ENOMEM;
	for (size_t i = 0; i < list->n; i++) {
		const struct rcapfs_proc *p = &list->procs[i];

		if (!p->rlimit_rss_set)
			continue;
		smp->rlim[smp->nrlim++] =
			(struct rlimited){.pid = p->pid,
					  .start_ticks = p->start_ticks,
					  .limit_bytes = p->rlimit_rss_bytes,
					  .rss_kb = p->rss_kb};
	}
	return 0;
}

int scanner_rlimits_resample(struct rcapfs_scanner *sc, struct sampling *smp)
{
	const struct rcapfs_backend *be = sc->be;

	smp->rlim = calloc(sc->nrlim ? sc->nrlim : 1, sizeof(*smp->rlim));
	if (!smp->rlim)
		return -ENOMEM;
	for (size_t i = 0; i < sc->nrlim; i++) {
		struct rlimited r = {.pid = sc->rlim[i].pid,
				     .start_ticks = sc->rlim[i].start_ticks,
				     .limit_bytes = sc->rlim[i].limit_bytes,
				     .rss_kb = sc->rlim[i].rss_kb};
		struct rcapfs_proc_usage u;
		int rc =
			be->ops->proc_sample(be->ctx, r.pid, r.start_ticks, &u);

		if (rc == -ESRCH)
			continue;
		if (rc == 0)
			r.rss_kb = u.rss_kb;
		smp->rlim[smp->nrlim++] = r;
	}
	return 0;
}

/* What the enforcer of a process no longer held did for it, into the
 * scanner's total. Under sc->lock. */
static void count_left(struct rcapfs_scanner *sc, struct rcapfs_enforcer *enf)
{
	struct rcapfs_stats st;

	memset(&st, 0, sizeof(st));
	rcapfs_enforcer_stats(enf, &st);
	sc->rlimit_pg_left += st.pg_bytes;
	rcapfs_enforcer_withdraw(enf);
}

void scanner_rlimits_commit_locked(struct rcapfs_scanner *sc,
				   struct sampling *smp)
{
	struct rlimited *old = sc->rlim;
	size_t nold = sc->nrlim;

	for (size_t i = 0; i < smp->nrlim; i++) {
		struct rlimited *o = find(old, nold, smp->rlim[i].pid,
					  smp->rlim[i].start_ticks);

		if (o) {
			smp->rlim[i].enf = o->enf;
			o->enf = NULL;
		}
	}
	for (size_t i = 0; i < nold; i++)
		if (old[i].enf)
			count_left(sc, old[i].enf);
	sc->rlim = smp->rlim;
	sc->nrlim = smp->nrlim;
	smp->rlim = old;
	smp->nrlim = nold;
}

/* The enforcer of r, made the first time it is needed. Under sc->lock.
 * Returns NULL (said in the log) when it cannot be made. */
static struct rcapfs_enforcer *enforcer_of(struct rcapfs_scanner *sc,
					   struct rlimited *r)
{
	char label[RCAPFS_ENFORCER_LABEL_MAX];

	if (r->enf)
		return r->enf;
	snprintf(label, sizeof(label), "RLIMIT_RSS of pid %d", (int)r->pid);
	if (rcapfs_enforcer_new(sc->tr, sc->be, label, &r->enf))
		log_warn("%s: cannot enforce: %s", label, strerror(ENOMEM));
	return r->enf;
}

void scanner_rlimits_enforce_locked(struct rcapfs_scanner *sc,
				    const struct sampling *smp)
{
	for (size_t i = 0; i < sc->nrlim; i++) {
		struct rlimited *r = &sc->rlim[i];
		const struct rcapfs_scan_victim victim = {
			.pid = r->pid, .start_ticks = r->start_ticks};
		struct rcapfs_enforce_request req = {
			.advice = sc->ctl.mode == RCAPFS_MODE_COLD
					  ? RCAPFS_ADVICE_COLD
					  : RCAPFS_ADVICE_PAGEOUT,
			.swap = smp->swap,
			.victims = &victim,
			.nvictims = 1};
		uint64_t rss_bytes = r->rss_kb * 1024;

		if (rss_bytes <= r->limit_bytes || !smp->enforce ||
		    !sc->ctl.enforce) {
			if (r->enf)
				rcapfs_enforcer_withdraw(r->enf);
			continue;
		}
		req.excess_bytes = rss_bytes - r->limit_bytes;
		if (enforcer_of(sc, r))
			rcapfs_enforcer_request(r->enf, &req);
	}
}

void scanner_rlimits_release(struct sampling *smp)
{
	for (size_t i = 0; i < smp->nrlim; i++)
		rcapfs_enforcer_free(smp->rlim[i].enf);
	free(smp->rlim);
	smp->rlim = NULL;
	smp->nrlim = 0;
}

uint64_t scanner_rlimits_pg_locked(const struct rcapfs_scanner *sc)
{
	uint64_t pg = sc->rlimit_pg_left;

	for (size_t i = 0; i < sc->nrlim; i++) {
		struct rcapfs_stats st;

		if (!sc->rlim[i].enf)
			continue;
		memset(&st, 0, sizeof(st));
		rcapfs_enforcer_stats(sc->rlim[i].enf, &st);
		pg += st.pg_bytes;
	}
	return pg;
}
