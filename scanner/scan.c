#include "config.h"
#include "scanner/scan.h"

#include "compat/clock.h"
#include "compat/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the scan remembers of a chunk. */
#define CHUNK_WATCH 0x1 /* pages of it were paged out at its last pass */
#define CHUNK_FULL  0x2 /* all its pages then, not only the probe */

/* What the scan knows of one mapping of a victim. */
struct vmap {
	uint64_t start;
	uint64_t end;
	uint8_t *chunk;	 /* CHUNK_* per chunk */
	uint16_t *probe; /* per chunk: the probe's page within the chunk */
	size_t nchunks;
	bool ignored; /* its pageout freed nothing */
};

struct victim {
	pid_t pid;
	uint64_t start_ticks;
	struct rcapfs_tracker_reader *r; /* NULL until first visited */
	struct vmap *maps;		 /* the layout of the last read */
	size_t nmaps;
	bool unscannable; /* the kernel refused to act on it */
};

struct rcapfs_scan {
	struct rcapfs_tracker *tr; /* borrowed */
	struct rcapfs_backend *be; /* borrowed */
	uint32_t page_size;
	struct victim *victims; /* sorted by pid, then start time */
	size_t nvictims;
	/* The hand: the victim to start with and where in it. */
	pid_t hand_pid; /* 0: the head of the list */
	uint64_t hand_start_ticks;
	uint64_t hand_addr;
	uint64_t complete; /* complete scans so far */
	/* A pageout batch, and one chunk's ranges before they join it. */
	struct rcapfs_range batch[RCAPFS_SCAN_BATCH_RANGES];
	size_t nbatch;
	uint64_t batch_bytes;
	struct rcapfs_range *runs; /* a chunk's worth: pages / 2 + 1 */
};

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

static void vmap_release(struct vmap *vm)
{
	free(vm->chunk);
	free(vm->probe);
}

static void victim_release(struct victim *v)
{
	rcapfs_tracker_close(v->r);
	for (size_t i = 0; i < v->nmaps; i++)
		vmap_release(&v->maps[i]);
	free(v->maps);
	memset(v, 0, sizeof(*v));
}

void rcapfs_scan_free(struct rcapfs_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nvictims; i++)
		victim_release(&s->victims[i]);
	free(s->victims);
	free(s->runs);
	free(s);
}

void rcapfs_scan_hand(const struct rcapfs_scan *s, pid_t *pid, uint64_t *addr)
{
	*pid = s->hand_pid;
	*addr = s->hand_addr;
}

size_t rcapfs_scan_ignored(const struct rcapfs_scan *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nvictims; i++)
		for (size_t j = 0; j < s->victims[i].nmaps; j++)
			n += s->victims[i].maps[j].ignored;
	return n;
}

static int cmp_victim(pid_t pid, uint64_t start, const struct victim *v)
{
	if (pid != v->pid)
		return pid < v->pid ? -1 : 1;
	if (start != v->start_ticks)
		return start < v->start_ticks ? -1 : 1;
	return 0;
}

/* Make the victim states those of list (sorted by pid), keeping what was
 * learnt of processes still there. Returns 0 or -ENOMEM (nothing
 * changed). */
static int sync_victims(struct rcapfs_scan *s,
			const struct rcapfs_scan_victim *list, size_t n)
{
	struct victim *next = calloc(n ? n : 1, sizeof(*next));
	size_t j = 0;

	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int cmp = 1;

		while (j < s->nvictims &&
		       (cmp = cmp_victim(list[i].pid, list[i].start_ticks,
					 &s->victims[j])) > 0)
			victim_release(&s->victims[j++]);
		if (j < s->nvictims && cmp == 0) {
			next[i] = s->victims[j++];
		} else {
			next[i].pid = list[i].pid;
			next[i].start_ticks = list[i].start_ticks;
		}
	}
	while (j < s->nvictims)
		victim_release(&s->victims[j++]);
	free(s->victims);
	s->victims = next;
	s->nvictims = n;
	return 0;
}

static size_t nchunks_of(uint64_t start, uint64_t end)
{
	uint64_t lo = start & ~(RCAPFS_SCAN_CHUNK_BYTES - 1);

	return (size_t)((end - lo + RCAPFS_SCAN_CHUNK_BYTES - 1) /
			RCAPFS_SCAN_CHUNK_BYTES);
}

/* Follow the victim's layout to a new read: a mapping still at the same
 * place keeps what was learnt of it; others start afresh. Returns 0 or
 * -ENOMEM (nothing changed). */
static int sync_maps(struct victim *v, const struct rcapfs_snapshot *snap)
{
	const struct rcapfs_mapping_list *ml = &snap->maps;
	struct vmap *next = calloc(ml->n ? ml->n : 1, sizeof(*next));
	size_t *old = calloc(ml->n ? ml->n : 1, sizeof(*old));
	size_t j = 0, i;
	int rc = -ENOMEM;

	if (!next || !old)
		goto out;
	/* First make what is new, so a failure leaves v as it was. */
	for (i = 0; i < ml->n; i++) {
		const struct rcapfs_mapping *m = &ml->maps[i];
		bool holds = snap->first_page[i] != RCAPFS_SNAPSHOT_NO_PAGES;
		struct vmap *vm = &next[i];

		while (j < v->nmaps && v->maps[j].start < m->start)
			j++;
		old[i] = j < v->nmaps && v->maps[j].start == m->start &&
					 v->maps[j].end == m->end
				 ? j
				 : SIZE_MAX;
		/* A mapping that holds no page (a reservation) gets no
		 * chunk state until it does. */
		if (old[i] != SIZE_MAX && (v->maps[old[i]].nchunks || !holds))
			continue;
		old[i] = SIZE_MAX;
		vm->start = m->start;
		vm->end = m->end;
		if (!holds)
			continue;
		vm->nchunks = nchunks_of(m->start, m->end);
		vm->chunk = calloc(vm->nchunks, sizeof(*vm->chunk));
		vm->probe = calloc(vm->nchunks, sizeof(*vm->probe));
		if (!vm->chunk || !vm->probe)
			goto out;
	}
	for (i = 0; i < ml->n; i++) {
		if (old[i] == SIZE_MAX)
			continue;
		next[i] = v->maps[old[i]];
		memset(&v->maps[old[i]], 0, sizeof(next[i]));
	}
	for (j = 0; j < v->nmaps; j++)
		vmap_release(&v->maps[j]);
	free(v->maps);
	v->maps = next;
	v->nmaps = ml->n;
	next = NULL;
	rc = 0;
out:
	for (i = 0; next && i < ml->n; i++)
		if (old && old[i] == SIZE_MAX)
			vmap_release(&next[i]);
	free(next);
	free(old);
	return rc;
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
	rc = sync_maps(v, &snap);
	if (rc == 0)
		rc = be->ops->task_rss(be->ctx, run->task, &run->rss_kb);
	for (size_t i = 0; rc == 0 && !run->stopped && i < snap.maps.n; i++)
		if (snap.maps.maps[i].end > from)
			rc = visit_mapping(run, &snap, i, from);
	rcapfs_snapshot_release(&snap);
	return settle(run, rc);
}

/* Where the hand puts the start of this scan: the index of the first
 * victim and the address in it; *resumed when that is not the head. */
static size_t hand_position(const struct rcapfs_scan *s, uint64_t *from,
			    bool *resumed)
{
	size_t i = 0;

	*from = 0;
	*resumed = s->hand_pid != 0;
	if (!*resumed)
		return 0;
	while (i < s->nvictims &&
	       cmp_victim(s->hand_pid, s->hand_start_ticks, &s->victims[i]) > 0)
		i++;
	if (i < s->nvictims && s->victims[i].pid == s->hand_pid &&
	    s->victims[i].start_ticks == s->hand_start_ticks)
		*from = s->hand_addr;
	return i;
}

static void flush_ignored(struct rcapfs_scan *s)
{
	for (size_t i = 0; i < s->nvictims; i++)
		for (size_t j = 0; j < s->victims[i].nmaps; j++)
			s->victims[i].maps[j].ignored = false;
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
	rc = sync_victims(s, victims, n);
	if (rc)
		return rc;
	for (i = hand_position(s, &from, &resumed); i < s->nvictims;
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
			victim_release(v);
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
			flush_ignored(s);
	}
	out->excess_bytes = run.excess > 0 ? (uint64_t)run.excess : 0;
	out->scan_ns = rcapfs_mono_ns() - t0;
	return rc;
}
