/*
 * One pass of the scan (rcapfs_scan_run): from the hand, each victim read
 * through the tracker, its pages judged chunk by chunk (second chance,
 * probes), batched, paged out, and the RSS drop measured, until the excess
 * is gone. What is remembered between passes is kept in victims.c.
 */
#include "config.h"
#include "scanner/scan_i.h"

#include "compat/clock.h"
#include "compat/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One call of rcapfs_scan_run. */
struct run {
	struct rcapfs_scan *s;
	const struct rcapfs_scan_params *p;
	struct rcapfs_scan_result *out;
	int64_t excess; /* bytes still to take off */
	struct victim *v;
	struct rcapfs_task *task;
	uint64_t rss_kb;     /* the victim's, as last measured */
	int64_t map_drop_kb; /* RSS drop since the mapping's first batch */
	/* The kernel refused a range of the mapping as locked or hugetlb:
	 * it goes to the ignored set. */
	bool map_refused;
	/* The excess is gone: the hand stays at stop_addr, where the last
	 * chunk paged out ended. */
	bool stopped;
	uint64_t stop_addr;
};

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

static bool cancelled(const struct run *run)
{
	return run->p->cancel && atomic_load(run->p->cancel);
}

/* Mark the victim as one the kernel will not let us act on. */
static void refuse(struct run *run, int rc)
{
	if (!run->v->unscannable)
		log_warn("%s: cannot page out pid %d: %s; skipping it",
			 run->p->name ? run->p->name : "scan", (int)run->v->pid,
			 strerror(-rc));
	run->v->unscannable = true;
}

/*
 * Page out the batch and measure the victim's RSS drop. Returns 0 (with
 * run->map_refused set when the kernel refused a range as locked or
 * hugetlb), -ESRCH, -EPERM (victim refused), -ENOSYS, or -errno.
 */
static int flush(struct run *run)
{
	const struct rcapfs_backend *be = run->s->be;
	struct rcapfs_scan *s = run->s;
	uint64_t done = 0, after_kb;
	int64_t drop_kb;
	int rc, rc2;

	if (s->nbatch == 0)
		return 0;
	rc = be->ops->pageout(be->ctx, run->task, s->batch, s->nbatch,
			      run->p->advice, &done);
	s->nbatch = 0;
	s->batch_bytes = 0;
	run->out->at_bytes += done;
	rc2 = be->ops->task_rss(be->ctx, run->task, &after_kb);
	if (rc == -ESRCH || rc2 == -ESRCH)
		return -ESRCH;
	if (rc2 == 0) {
		drop_kb = (int64_t)run->rss_kb - (int64_t)after_kb;
		run->rss_kb = after_kb;
		run->map_drop_kb += drop_kb;
		if (drop_kb > 0) {
			run->out->pg_bytes += (uint64_t)drop_kb * 1024;
			run->excess -= drop_kb * 1024;
		}
	}
	if (rc == -EINVAL) {
		run->map_refused = true;
		return 0;
	}
	/* A hole: the layout changed since the read; the next read will
	 * see it. */
	if (rc == -ENOMEM)
		return 0;
	return rc;
}

/* Add a chunk's runs to the batch, flushing first when they would not
 * fit. Returns what flush() returns; the runs are added unless that
 * failed or was refused. */
static int add_runs(struct run *run, size_t nruns)
{
	struct rcapfs_scan *s = run->s;
	int rc = 0;

	if (s->nbatch + nruns > RCAPFS_SCAN_BATCH_RANGES)
		rc = flush(run);
	if (rc || run->map_refused)
		return rc;
	for (size_t i = 0; i < nruns; i++) {
		s->batch[s->nbatch++] = s->runs[i];
		s->batch_bytes += s->runs[i].len;
	}
	return rc;
}

/* How the pages of one mapping are judged in this pass. */
struct judge {
	bool chunked;  /* probes and chunk second chance */
	bool skip_ref; /* pages marked referenced are skipped */
};

static bool candidate(const struct judge *j, uint8_t pg)
{
	if ((pg & (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE |
		   RCAPFS_PAGE_ZERO)) !=
	    (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE))
		return false;
	return !(j->skip_ref && (pg & RCAPFS_PAGE_REFERENCED));
}

/* Collect the runs of candidate pages of [a, b) (page indexes into pages,
 * at address base) into s->runs. Returns how many. */
static size_t collect_runs(struct rcapfs_scan *s, const struct judge *j,
			   const uint8_t *pages, size_t a, size_t b,
			   uint64_t base)
{
	size_t n = 0;

	for (size_t i = a; i < b; i++) {
		uint64_t addr = base + i * s->page_size;

		if (!candidate(j, pages[i]))
			continue;
		if (n && s->runs[n - 1].start + s->runs[n - 1].len == addr)
			s->runs[n - 1].len += s->page_size;
		else
			s->runs[n++] = (struct rcapfs_range){
				.start = addr, .len = s->page_size};
	}
	return n;
}

/* The candidate page of [a, b) nearest its middle; b when none. */
static size_t probe_page(const struct judge *j, const uint8_t *pages, size_t a,
			 size_t b)
{
	size_t mid = a + (b - a) / 2;

	for (size_t d = 0; d <= (b - a) / 2 + 1; d++) {
		if (mid + d < b && candidate(j, pages[mid + d]))
			return mid + d;
		if (mid >= a + d && d && candidate(j, pages[mid - d]))
			return mid - d;
	}
	return b;
}

/* Was chunk c, paged out (in part) at its last pass, touched since?
 * Pages shared with others were never paged out: they tell nothing. */
static bool chunk_hot(const struct vmap *vm, size_t c, const uint8_t *pages,
		      size_t a, size_t b, size_t chunk_first)
{
	const struct judge all = {.chunked = true, .skip_ref = false};
	size_t probe = chunk_first + vm->probe[c];

	if (!(vm->chunk[c] & CHUNK_FULL))
		return probe >= a && probe < b && candidate(&all, pages[probe]);
	for (size_t i = a; i < b; i++)
		if (candidate(&all, pages[i]))
			return true;
	return false;
}

/* Count a mapping nothing of which can be paged out now; returns true for
 * one. */
static bool unpageable(struct run *run, const struct rcapfs_mapping *m)
{
	struct rcapfs_scan_unpageable *u = &run->out->unpageable;

	if (m->flags &
	    (RCAPFS_MAP_LOCKED | RCAPFS_MAP_HUGETLB | RCAPFS_MAP_SPECIAL)) {
		u->locked_kb += m->rss_kb;
		return true;
	}
	/* Anonymous memory, shmem and copied-on-write private file pages
	 * need swap to leave. */
	if (!run->p->swap &&
	    ((m->flags & (RCAPFS_MAP_ANON | RCAPFS_MAP_SYSV)) ||
	     (m->anon_kb && m->anon_kb >= m->rss_kb))) {
		u->anon_kb += m->rss_kb;
		return true;
	}
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

/* Pages [a, b) of a mapping: chunk c, whose first page is first. */
struct span {
	size_t c;
	size_t a;
	size_t b;
	size_t first;
};

/*
 * Decide what of one chunk is paged out this pass and put its ranges in
 * s->runs. Returns how many; *skipped when the chunk is kept (unknown, or
 * touched since its last pass) and only probed.
 */
static size_t plan_chunk(struct run *run, struct vmap *vm,
			 const struct judge *j, const struct rcapfs_mapping *m,
			 const uint8_t *pages, const struct span *sp,
			 bool *skipped)
{
	struct rcapfs_scan *s = run->s;
	uint64_t ps = s->page_size;
	uint8_t *st = &vm->chunk[sp->c];
	size_t pp;

	for (size_t i = sp->a; i < sp->b; i++)
		if ((pages[i] & (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE |
				 RCAPFS_PAGE_ZERO)) == RCAPFS_PAGE_PRESENT)
			run->out->unpageable.shared_kb += ps / 1024;
	*skipped = j->chunked &&
		   (!(*st & CHUNK_WATCH) ||
		    chunk_hot(vm, sp->c, pages, sp->a, sp->b, sp->first));
	if (!*skipped) {
		if (run->p->advice == RCAPFS_ADVICE_PAGEOUT)
			*st = CHUNK_WATCH | CHUNK_FULL;
		return collect_runs(s, j, pages, sp->a, sp->b, m->start);
	}
	pp = probe_page(j, pages, sp->a, sp->b);
	if (pp == sp->b)
		return 0;
	if (!(*st & CHUNK_WATCH))
		run->out->pending = true;
	*st = CHUNK_WATCH;
	vm->probe[sp->c] = (uint16_t)(pp - sp->first);
	s->runs[0] =
		(struct rcapfs_range){.start = m->start + pp * ps, .len = ps};
	return 1;
}

/*
 * Walk one mapping of the victim from address from, chunk by chunk,
 * batching what is to be paged out, flushed when the batch covers the
 * excess and at the end of the mapping (so its RSS drop is its own).
 * Returns 0 (run->stopped set when the excess is gone) or -errno from
 * flush().
 */
static int visit_mapping(struct run *run, const struct rcapfs_snapshot *snap,
			 size_t mi, uint64_t from)
{
	const struct rcapfs_mapping *m = &snap->maps.maps[mi];
	const uint8_t *pages = rcapfs_snapshot_pages(snap, mi);
	const uint64_t cb = RCAPFS_SCAN_CHUNK_BYTES, ps = run->s->page_size;
	struct vmap *vm = &run->v->maps[mi];
	uint64_t lo = m->start & ~(cb - 1), advised = 0;
	bool whole = from <= m->start;
	struct judge j;
	size_t c;
	int rc = 0;

	/* Without pages (nothing resident or swapped), nothing to free. */
	if (!pages || unpageable(run, m) || vm->ignored)
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

		if (cancelled(run))
			return -ECANCELED;
		if (cs < from)
			cs = from;
		sp.c = c;
		sp.a = (size_t)((cs - m->start) / ps);
		sp.b = (size_t)((ce - m->start) / ps);
		sp.first =
			(size_t)((base > m->start ? base - m->start : 0) / ps);
		nruns = plan_chunk(run, vm, &j, m, pages, &sp, &skipped);
		whole = whole && !skipped;
		for (size_t i = 0; i < nruns; i++)
			advised += run->s->runs[i].len;
		rc = add_runs(run, nruns);
		if (rc == 0 && !run->map_refused &&
		    (run->s->batch_bytes >= (uint64_t)run->excess ||
		     run->s->batch_bytes >= RCAPFS_SCAN_BATCH_BYTES))
			rc = flush(run);
		if (rc || run->map_refused)
			break;
		if (run->excess <= 0) {
			run->stopped = true;
			run->stop_addr = ce;
			return 0;
		}
	}
	if (rc == 0 && !run->map_refused)
		rc = flush(run);
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

/* What a failed step means for the visit: the process is gone (-ESRCH),
 * the scan cannot go on (-ENOMEM, -ENOSYS, -ECANCELED), or the kernel
 * will not let us act on this victim: skip it from now on (0). */
static int settle(struct run *run, int rc)
{
	if (rc == 0 || rc == -ESRCH || rc == -ENOMEM || rc == -ENOSYS ||
	    rc == -ECANCELED)
		return rc;
	refuse(run, rc);
	return 0;
}

/*
 * Visit one victim from address from. Returns 0 (run->stopped set when
 * the excess is gone, else go on with the next victim), -ESRCH (it is
 * gone: forget it), or -errno.
 */
static int visit(struct run *run, struct victim *v, uint64_t from)
{
	const struct rcapfs_backend *be = run->s->be;
	struct rcapfs_snapshot snap;
	int rc;

	if (v->unscannable)
		return 0;
	run->v = v;
	if (!v->r) {
		rc = rcapfs_tracker_open(run->s->tr, v->pid, v->start_ticks,
					 &v->r);
		if (rc)
			return settle(run, rc);
		/* Pages other processes map too do not leave. */
		rcapfs_tracker_want(v->r, RCAPFS_PAGE_EXCLUSIVE);
		/* Its bits cover no time yet: nothing is known cold. The
		 * next pass will know what was referenced since now. */
		if (rcapfs_tracker_fidelity(run->s->tr) !=
		    RCAPFS_FIDELITY_NONE) {
			run->out->pending = true;
			return 0;
		}
	}
	run->task = rcapfs_tracker_task(v->r);
	rc = rcapfs_tracker_read(v->r, true, &snap);
	if (rc)
		return settle(run, rc);
	run->out->victims++;
	rc = scan_sync_maps(v, &snap);
	if (rc == 0)
		rc = be->ops->task_rss(be->ctx, run->task, &run->rss_kb);
	for (size_t i = 0; rc == 0 && !run->stopped && i < snap.maps.n; i++)
		if (snap.maps.maps[i].end > from)
			rc = visit_mapping(run, &snap, i, from);
	rcapfs_snapshot_release(&snap);
	return settle(run, rc);
}
int rcapfs_scan_run(struct rcapfs_scan *s,
		    const struct rcapfs_scan_victim *victims, size_t n,
		    const struct rcapfs_scan_params *p,
		    struct rcapfs_scan_result *out)
{
	struct run run = {.s = s, .p = p, .out = out};
	uint64_t t0 = rcapfs_mono_ns(), from;
	bool resumed;
	size_t i;
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
	for (i = scan_hand_position(s, &from, &resumed); i < s->nvictims;
	     i++, from = 0) {
		struct victim *v = &s->victims[i];

		if (cancelled(&run)) {
			rc = -ECANCELED;
			break;
		}
		rc = visit(&run, v, from);
		s->nbatch = 0;
		s->batch_bytes = 0;
		if (rc == -ESRCH) {
			/* Exited or replaced: never touched again. */
			scan_victim_release(v);
			v->pid = victims[i].pid;
			v->start_ticks = victims[i].start_ticks;
			v->unscannable = true;
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if (run.stopped) {
			s->hand_pid = v->pid;
			s->hand_start_ticks = v->start_ticks;
			s->hand_addr = run.stop_addr;
			break;
		}
	}
	if (rc == 0 && i >= s->nvictims) {
		out->complete = true;
		out->ineffective = !resumed && run.excess > 0;
		s->hand_pid = 0;
		s->hand_start_ticks = 0;
		s->hand_addr = 0;
		if (++s->complete % RCAPFS_SCAN_FLUSH_IVAL == 0)
			scan_flush_ignored(s);
	}
	out->excess_bytes = run.excess > 0 ? (uint64_t)run.excess : 0;
	out->scan_ns = rcapfs_mono_ns() - t0;
	return rc;
}
