/*
 * One pass of the scan (rcapfs_scan_run): idle victims from their hand,
 * then busy ones from theirs, each read through the tracker, its pages
 * judged chunk by chunk (second chance, probes) and paged out (batch.c),
 * until the excess is gone; then, where a pass from the head did not
 * cover it with cold memory, referenced memory (hot.c). What is
 * remembered between passes is kept in victims.c.
 */
#include "config.h"
#include "scanner/scan_i.h"

#include "compat/clock.h"
#include "compat/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t chunk_pages(const struct rcapfs_scan *s)
{
	return RCAPFS_SCAN_CHUNK_BYTES / s->page_size;
}

int rcapfs_scan_new(struct rcapfs_tracker *tr, struct rcapfs_backend *be,
		    struct rcapfs_scan **out)
{
	struct rcapfs_features f;
	struct rcapfs_scan *s;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	if (be->ops->features(be->ctx, &f) || f.page_size == 0 ||
	    f.page_size > RCAPFS_SCAN_CHUNK_BYTES)
		f.page_size = 4096;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->tr = tr;
	s->be = be;
	s->page_size = f.page_size;
	s->runs = calloc(chunk_pages(s) / 2 + 1, sizeof(*s->runs));
	if (!s->runs) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void rcapfs_scan_free(struct rcapfs_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nvictims; i++)
		scan_victim_release(&s->victims[i]);
	free(s->victims);
	free(s->runs);
	free(s);
}

/* The candidate page of [a, b) nearest its middle; b when none. */
static size_t probe_page(const struct judge *j, const uint8_t *pages, size_t a,
			 size_t b)
{
	size_t mid = a + (b - a) / 2;

	for (size_t d = 0; d <= (b - a) / 2 + 1; d++) {
		if (mid + d < b && scan_candidate(j, pages[mid + d]))
			return mid + d;
		if (mid >= a + d && d && scan_candidate(j, pages[mid - d]))
			return mid - d;
	}
	return b;
}

/* Was chunk c, paged out (in part) at its last pass, touched since?
 * Pages shared with others were never paged out: they tell nothing. */
static bool chunk_hot(const struct vmap *vm, const uint8_t *pages,
		      const struct span *sp)
{
	const struct judge all = {.chunked = true, .skip_ref = false};
	size_t probe = sp->first + vm->probe[sp->c];

	if (!(vm->chunk[sp->c] & CHUNK_FULL))
		return probe >= sp->a && probe < sp->b &&
		       scan_candidate(&all, pages[probe]);
	for (size_t i = sp->a; i < sp->b; i++)
		if (scan_candidate(&all, pages[i]))
			return true;
	return false;
}

/* How this pass judges the pages of a mapping. */
static struct judge judge_of(const struct run *run,
			     const struct rcapfs_snapshot *snap,
			     const uint8_t *pages, size_t npages)
{
	struct judge j = {.chunked = false,
			  .skip_ref = snap->fidelity != RCAPFS_FIDELITY_NONE};
	bool referenced = false;

	for (size_t i = 0; i < npages && !referenced; i++)
		referenced = (pages[i] & RCAPFS_PAGE_REFERENCED) != 0;
	/* Probes only work by paging out; and per-page bits need none. At
	 * fidelity mapping, a mapping not referenced since the last pass is
	 * cold everywhere. */
	j.chunked = run->p->advice == RCAPFS_ADVICE_PAGEOUT &&
		    snap->fidelity != RCAPFS_FIDELITY_PAGE &&
		    (snap->fidelity == RCAPFS_FIDELITY_NONE || referenced);
	/* Every present page of a referenced mapping reads referenced at
	 * fidelity mapping: the chunks decide instead. */
	if (j.chunked)
		j.skip_ref = false;
	return j;
}

/* What one chunk is, as this pass judges it. */
struct verdict {
	bool known;	 /* referenced or not, this pass can tell */
	bool referenced; /* since its last pass */
	bool kept;	 /* not paged out (only probed) */
};

/* Judge one chunk: count what of it is shared with others, and keep its
 * history. */
static struct verdict judge_chunk(struct run *run, struct vmap *vm,
				  const struct judge *j, const uint8_t *pages,
				  const struct span *sp)
{
	const uint64_t ps = run->s->page_size;
	bool watched = vm->chunk[sp->c] & CHUNK_WATCH;
	struct verdict v = {.known = !j->chunked || watched};

	for (size_t i = sp->a; i < sp->b; i++) {
		if ((pages[i] & (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE |
				 RCAPFS_PAGE_ZERO)) == RCAPFS_PAGE_PRESENT)
			run->out->unpageable.shared_kb += ps / 1024;
		else if (!j->chunked && j->skip_ref &&
			 (pages[i] & RCAPFS_PAGE_REFERENCED) &&
			 (pages[i] & RCAPFS_PAGE_PRESENT))
			v.referenced = true;
	}
	if (j->chunked)
		v.referenced = v.kept = !watched || chunk_hot(vm, pages, sp);
	if (v.known)
		vm->history[sp->c] =
			(uint8_t)((vm->history[sp->c] >> 1) |
				  (v.referenced ? HISTORY_REFERENCED : 0));
	return v;
}

/* Mark the candidate pages of [a, b) as gone from this pass's snapshot:
 * what rcapd's rule may page out later is what is still there. */
static void mark_advised(const struct judge *j, uint8_t *pages, size_t a,
			 size_t b)
{
	for (size_t i = a; i < b; i++)
		if (scan_candidate(j, pages[i]))
			pages[i] &= (uint8_t)~RCAPFS_PAGE_PRESENT;
}

/*
 * Decide what of one chunk (of mapping mi of victim vi) is paged out this
 * pass and put its ranges in s->runs: *nruns of them; *skipped when the
 * chunk is kept (unknown, or touched since its last pass) and only
 * probed. A referenced chunk is remembered for rcapd's rule. Returns 0 or
 * -ENOMEM.
 */
static int plan_chunk(struct run *run, size_t vi, size_t mi, struct vmap *vm,
		      const struct judge *j, uint8_t *pages,
		      const struct span *sp, size_t *nruns, bool *skipped)
{
	struct rcapfs_scan *s = run->s;
	const struct rcapfs_mapping *m = &run->snaps[vi].maps.maps[mi];
	uint64_t ps = s->page_size;
	uint8_t *st = &vm->chunk[sp->c];
	struct verdict v = judge_chunk(run, vm, j, pages, sp);
	size_t pp;

	*nruns = 0;
	*skipped = v.kept;
	if (v.known && v.referenced &&
	    scan_keep(run, vi, mi, sp, vm->history[sp->c]))
		return -ENOMEM;
	if (!v.kept) {
		if (run->p->advice == RCAPFS_ADVICE_PAGEOUT)
			*st = CHUNK_WATCH | CHUNK_FULL;
		*nruns = scan_collect_runs(s, j, pages, sp->a, sp->b, m->start);
		mark_advised(j, pages, sp->a, sp->b);
		return 0;
	}
	pp = probe_page(j, pages, sp->a, sp->b);
	if (pp == sp->b)
		return 0;
	if (!v.known) {
		const struct judge all = {.chunked = true, .skip_ref = false};

		for (size_t i = sp->a; i < sp->b; i++)
			if (i != pp && scan_candidate(&all, pages[i]))
				run->unknown_bytes += ps;
		run->out->pending = true;
	}
	*st = CHUNK_WATCH;
	vm->probe[sp->c] = (uint16_t)(pp - sp->first);
	s->runs[0] =
		(struct rcapfs_range){.start = m->start + pp * ps, .len = ps};
	pages[pp] &= (uint8_t)~RCAPFS_PAGE_PRESENT;
	*nruns = 1;
	return 0;
}

/*
 * Walk mapping mi of victim vi from address from, chunk by chunk,
 * batching what is to be paged out, flushed when the batch covers the
 * excess and at the end of the mapping (so its RSS drop is its own).
 * Returns 0 (run->stopped set when the excess is gone) or -errno.
 */
static int visit_mapping(struct run *run, size_t vi, size_t mi, uint64_t from)
{
	const struct rcapfs_snapshot *snap = &run->snaps[vi];
	const struct rcapfs_mapping *m = &snap->maps.maps[mi];
	uint8_t *pages = scan_pages(run, vi, mi);
	const uint64_t cb = RCAPFS_SCAN_CHUNK_BYTES, ps = run->s->page_size;
	struct vmap *vm = &run->v->maps[mi];
	uint64_t lo = m->start & ~(cb - 1), advised = 0;
	bool whole = from <= m->start;
	struct judge j;
	size_t c;
	int rc = 0;

	/* Without pages (nothing resident or swapped), nothing to free. */
	if (!pages || scan_unpageable(run, m) || vm->ignored)
		return 0;
	j = judge_of(run, snap, pages, (size_t)((m->end - m->start) / ps));
	run->map_drop_kb = 0;
	run->map_refused = false;
	c = (size_t)(((from > m->start ? from : m->start) - lo) / cb);
	for (; c < vm->nchunks; c++) {
		uint64_t base = lo + c * cb;
		uint64_t cs = base < m->start ? m->start : base;
		uint64_t ce = base + cb > m->end ? m->end : base + cb;
		struct span sp;
		bool skipped;
		size_t nruns;

		if (scan_cancelled(run))
			return -ECANCELED;
		if (cs < from)
			cs = from;
		sp.c = c;
		sp.a = (size_t)((cs - m->start) / ps);
		sp.b = (size_t)((ce - m->start) / ps);
		sp.first =
			(size_t)((base > m->start ? base - m->start : 0) / ps);
		rc = plan_chunk(run, vi, mi, vm, &j, pages, &sp, &nruns,
				&skipped);
		if (rc)
			return rc;
		whole = whole && !skipped;
		for (size_t i = 0; i < nruns; i++)
			advised += run->s->runs[i].len;
		rc = scan_add_runs(run, nruns);
		if (rc == 0 && !run->map_refused &&
		    (run->s->batch_bytes >= (uint64_t)run->excess ||
		     run->s->batch_bytes >= RCAPFS_SCAN_BATCH_BYTES))
			rc = scan_flush(run);
		if (rc || run->map_refused)
			break;
		if (run->excess <= 0) {
			run->stopped = true;
			run->stop_addr = ce;
			return 0;
		}
	}
	if (rc == 0 && !run->map_refused)
		rc = scan_flush(run);
	if (rc)
		return rc;
	/* Refused as locked after all, or paged out whole to no effect:
	 * leave it alone until the next flush of the ignored set. */
	if (run->map_refused || (whole && advised && run->map_drop_kb <= 0 &&
				 run->p->advice == RCAPFS_ADVICE_PAGEOUT))
		vm->ignored = true;
	if (run->excess <= 0) {
		run->stopped = true;
		run->stop_addr = m->end;
	}
	return 0;
}

/*
 * Visit victim vi from address from; what it reads stays in
 * run->snaps[vi] until the end of the pass. Returns 0 (run->stopped set
 * when the excess is gone, else go on with the next victim), -ESRCH (it
 * is gone: forget it), or -errno.
 */
static int visit(struct run *run, size_t vi, uint64_t from)
{
	const struct rcapfs_backend *be = run->s->be;
	struct victim *v = &run->s->victims[vi];
	struct rcapfs_snapshot *snap = &run->snaps[vi];
	uint64_t rss_kb;
	int rc;

	if (v->unscannable)
		return 0;
	run->v = v;
	if (!v->r) {
		rc = rcapfs_tracker_open(run->s->tr, v->pid, v->start_ticks,
					 &v->r);
		if (rc)
			return scan_settle(run, rc);
		/* Pages other processes map too do not leave. */
		rcapfs_tracker_want(v->r, RCAPFS_PAGE_EXCLUSIVE);
		/* Its bits cover no time yet: nothing is known cold. The
		 * next pass will know what was referenced since now; until
		 * then, all of it may turn out cold. */
		if (rcapfs_tracker_fidelity(run->s->tr) !=
		    RCAPFS_FIDELITY_NONE) {
			run->out->pending = true;
			if (be->ops->task_rss(be->ctx,
					      rcapfs_tracker_task(v->r),
					      &rss_kb) == 0)
				run->unknown_bytes += rss_kb * 1024;
			return 0;
		}
	}
	run->task = rcapfs_tracker_task(v->r);
	rc = rcapfs_tracker_read(v->r, true, snap);
	if (rc)
		return scan_settle(run, rc);
	run->out->victims++;
	rc = scan_sync_maps(v, snap);
	if (rc == 0)
		rc = be->ops->task_rss(be->ctx, run->task, &run->rss_kb);
	for (size_t i = 0; rc == 0 && !run->stopped && i < snap->maps.n; i++)
		if (snap->maps.maps[i].end > from)
			rc = visit_mapping(run, vi, i, from);
	return scan_settle(run, rc);
}

/* One class of victims from its hand. Returns 0 (run->stopped when the
 * excess is gone: the hand stays there; else the class is done and its
 * hand goes back to its head) or -errno. */
static int pass_class(struct run *run, enum scan_class cls, bool *resumed)
{
	struct rcapfs_scan *s = run->s;
	uint64_t from;
	size_t i;
	int rc;

	for (i = scan_hand_position(s, cls, &from, resumed); i < s->nvictims;
	     i++, from = 0) {
		struct victim *v = &s->victims[i];

		if (v->idle != (cls == CLASS_IDLE))
			continue;
		if (scan_cancelled(run))
			return -ECANCELED;
		rc = visit(run, i, from);
		s->nbatch = 0;
		s->batch_bytes = 0;
		if (rc == -ESRCH) {
			/* Exited or replaced: never touched again. */
			scan_victim_gone(v);
			continue;
		}
		if (rc)
			return rc;
		if (run->stopped) {
			s->hand[cls] =
				(struct hand){.pid = v->pid,
					      .start_ticks = v->start_ticks,
					      .addr = run->stop_addr};
			return 0;
		}
	}
	s->hand[cls] = (struct hand){.pid = 0};
	return 0;
}

int rcapfs_scan_run(struct rcapfs_scan *s,
		    const struct rcapfs_scan_victim *victims, size_t n,
		    const struct rcapfs_scan_params *p,
		    struct rcapfs_scan_result *out)
{
	struct run run = {.s = s, .p = p, .out = out};
	uint64_t t0 = rcapfs_mono_ns();
	bool resumed = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->excess_bytes = p->excess_bytes;
	if (p->excess_bytes == 0)
		return 0;
	run.excess = p->excess_bytes > INT64_MAX ? INT64_MAX
						 : (int64_t)p->excess_bytes;
	rc = scan_sync_victims(s, victims, n);
	if (rc)
		return rc;
	run.snaps = calloc(s->nvictims ? s->nvictims : 1, sizeof(*run.snaps));
	if (!run.snaps)
		return -ENOMEM;
	for (int cls = CLASS_IDLE; rc == 0 && !run.stopped && cls < NCLASSES;
	     cls++) {
		bool class_resumed = false;

		rc = pass_class(&run, (enum scan_class)cls, &class_resumed);
		resumed = resumed || class_resumed;
	}
	if (rc == 0 && !run.stopped) {
		/* rcapd's rule, over a pass that saw every victim. */
		if (!resumed && scan_left(&run) > (int64_t)run.unknown_bytes)
			rc = scan_hot(&run);
		out->complete = true;
		out->ineffective = !resumed && run.excess > 0;
		if (++s->complete % RCAPFS_SCAN_FLUSH_IVAL == 0)
			scan_flush_ignored(s);
	}
	for (size_t i = 0; i < s->nvictims; i++)
		rcapfs_snapshot_release(&run.snaps[i]);
	free(run.snaps);
	free(run.kept);
	out->excess_bytes = run.excess > 0 ? (uint64_t)run.excess : 0;
	out->scan_ns = rcapfs_mono_ns() - t0;
	return rc;
}
