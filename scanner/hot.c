/*
 * rcapd's rule (doc/design.md §4): a cap is a cap. When a pass from the
 * head of the list has paged out all the cold memory it found and the
 * collection is still over its cap, the referenced chunks the pass kept
 * are paged out too, the least recently referenced first (the lowest
 * history: the aging approximation of LRU), in the order of the pass
 * among equals, until what is left of the excess is no more than what the
 * pass could not judge yet (it may turn out cold at the next pass). In
 * cold mode, where RSS does not drop, what was advised counts instead.
 */
#include "config.h"
#include "scanner/scan_i.h"

#include <errno.h>
#include <stdlib.h>

int scan_keep(struct run *run, size_t vi, size_t mi, const struct span *sp,
	      uint8_t history)
{
	if (run->nkept == run->kept_cap) {
		size_t cap = run->kept_cap ? 2 * run->kept_cap : 64;
		struct kept *grown =
			reallocarray(run->kept, cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		run->kept = grown;
		run->kept_cap = cap;
	}
	run->kept[run->nkept] = (struct kept){.victim = vi,
					      .map = mi,
					      .sp = *sp,
					      .history = history,
					      .order = run->nkept};
	run->nkept++;
	return 0;
}

/* The least recently referenced first; the order of the pass among
 * equals. */
static int cmp_kept(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	if (x->history != y->history)
		return x->history < y->history ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* Start paging out victim vi: the batch is its own, and its RSS drop is
 * measured from now. Returns 0 or -errno from the backend. */
static int hot_victim(struct run *run, size_t vi)
{
	const struct rcapfs_backend *be = run->s->be;

	run->v = &run->s->victims[vi];
	run->task = rcapfs_tracker_task(run->v->r);
	run->map_refused = false;
	return be->ops->task_rss(be->ctx, run->task, &run->rss_kb);
}

/* What an error of the victim means: gone or refused, it is passed over
 * from now (0); else the rule cannot go on. */
static int hot_settle(struct run *run, int rc)
{
	if (rc == -ESRCH) {
		scan_victim_gone(run->v);
		return 0;
	}
	return scan_settle(run, rc);
}

/* Page out kept chunks kp[0..n), all of one mapping of one victim, until
 * what is left of the excess is no more than unknown. Returns 0 or
 * -errno. */
static int hot_group(struct run *run, const struct kept *kp, size_t n,
		     int64_t unknown)
{
	const struct judge all = {.chunked = false, .skip_ref = false};
	struct rcapfs_scan *s = run->s;
	const struct rcapfs_mapping *m =
		&run->snaps[kp->victim].maps.maps[kp->map];
	uint8_t *pages = scan_pages(run, kp->victim, kp->map);
	struct victim *v = &s->victims[kp->victim];
	struct vmap *vm;
	int rc;

	/* Gone or refused since the pass kept these: its maps are no more. */
	if (v->unscannable)
		return 0;
	vm = &v->maps[kp->map];
	if (vm->ignored)
		return 0;
	rc = hot_victim(run, kp->victim);
	for (size_t i = 0;
	     rc == 0 && !run->map_refused && i < n && scan_left(run) > unknown;
	     i++) {
		size_t nruns;

		if (scan_cancelled(run))
			return -ECANCELED;
		nruns = scan_collect_runs(s, &all, pages, kp[i].sp.a,
					  kp[i].sp.b, m->start);
		if (nruns && run->p->advice == RCAPFS_ADVICE_PAGEOUT)
			vm->chunk[kp[i].sp.c] = CHUNK_WATCH | CHUNK_FULL;
		rc = scan_add_runs(run, nruns);
		if (rc == 0 && !run->map_refused &&
		    (s->batch_bytes >= (uint64_t)(scan_left(run) - unknown) ||
		     s->batch_bytes >= RCAPFS_SCAN_BATCH_BYTES))
			rc = scan_flush(run);
	}
	if (rc == 0 && !run->map_refused)
		rc = scan_flush(run);
	s->nbatch = 0;
	s->batch_bytes = 0;
	if (run->map_refused)
		vm->ignored = true;
	return hot_settle(run, rc);
}

int scan_hot(struct run *run)
{
	const int64_t unknown = (int64_t)run->unknown_bytes;
	uint64_t at0 = run->out->at_bytes;
	size_t k = 0, next;
	int rc = 0;

	/* A pass that kept nothing has no array at all. */
	if (run->nkept == 0)
		return 0;
	qsort(run->kept, run->nkept, sizeof(*run->kept), cmp_kept);
	for (; rc == 0 && k < run->nkept && scan_left(run) > unknown;
	     k = next) {
		next = k + 1;
		while (next < run->nkept &&
		       run->kept[next].victim == run->kept[k].victim &&
		       run->kept[next].map == run->kept[k].map)
			next++;
		rc = hot_group(run, &run->kept[k], next - k, unknown);
	}
	run->out->hot_bytes += run->out->at_bytes - at0;
	return rc;
}
