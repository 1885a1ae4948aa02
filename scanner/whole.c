/*
 * A victim paged out whole (rcapfs_scan_whole): a member that stayed idle
 * for longer than its collection's swap_idle, as FreeBSD's
 * vm.swap_idle_enabled and DragonFly's vm_daemon swap out processes that
 * sleep. Referenced or not, every page that can leave goes; what cannot
 * (anonymous memory without swap, locked, shared) is counted.
 */
#include "config.h"
#include "scanner/scan_i.h"

#include "compat/clock.h"

#include <errno.h>
#include <string.h>

/* Page out every candidate of mapping mi of the snapshot. Returns 0 or
 * -errno from scan_flush(). */
static int whole_mapping(struct run *run, size_t mi)
{
	const struct judge all = {.chunked = false, .skip_ref = false};
	const struct rcapfs_mapping *m = &run->snaps->maps.maps[mi];
	const uint64_t cb = RCAPFS_SCAN_CHUNK_BYTES, ps = run->s->page_size;
	uint8_t *pages = scan_pages(run, 0, mi);
	uint64_t npages = (m->end - m->start) / ps;
	int rc = 0;

	if (!pages || scan_unpageable(run, m))
		return 0;
	run->map_refused = false;
	/* A chunk's worth of runs at a time: s->runs holds no more. */
	for (uint64_t a = 0; rc == 0 && !run->map_refused && a < npages;
	     a += cb / ps) {
		uint64_t b = a + cb / ps < npages ? a + cb / ps : npages;

		if (scan_cancelled(run))
			return -ECANCELED;
		rc = scan_add_runs(run, scan_collect_runs(run->s, &all, pages,
							  (size_t)a, (size_t)b,
							  m->start));
		if (rc == 0 && !run->map_refused &&
		    run->s->batch_bytes >= RCAPFS_SCAN_BATCH_BYTES)
			rc = scan_flush(run);
	}
	if (rc == 0 && !run->map_refused)
		rc = scan_flush(run);
	return rc;
}

/* What the scan knows of v starts afresh: every chunk of what was paged
 * out is watched whole, so that what comes back is known referenced. */
static void whole_learnt(struct victim *v, const struct rcapfs_snapshot *snap)
{
	if (scan_sync_maps(v, snap))
		return;
	for (size_t i = 0; i < v->nmaps; i++)
		memset(v->maps[i].chunk, CHUNK_WATCH | CHUNK_FULL,
		       v->maps[i].nchunks);
}

int rcapfs_scan_whole(struct rcapfs_scan *s, const struct rcapfs_scan_victim *v,
		      const struct rcapfs_scan_params *p,
		      struct rcapfs_scan_result *out)
{
	const struct rcapfs_backend *be = s->be;
	struct rcapfs_snapshot snap;
	struct run run = {.s = s, .p = p, .out = out, .snaps = &snap};
	struct victim tmp = {.pid = v->pid, .start_ticks = v->start_ticks};
	struct victim *known = scan_find_victim(s, v->pid, v->start_ticks);
	uint64_t t0 = rcapfs_mono_ns();
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&snap, 0, sizeof(snap));
	/* Nothing to reach but the whole victim. */
	run.excess = INT64_MAX;
	run.v = known ? known : &tmp;
	if (run.v->unscannable)
		return 0;
	if (!run.v->r) {
		rc = rcapfs_tracker_open(s->tr, v->pid, v->start_ticks,
					 &run.v->r);
		if (rc)
			goto out;
		rcapfs_tracker_want(run.v->r, RCAPFS_PAGE_EXCLUSIVE);
	}
	run.task = rcapfs_tracker_task(run.v->r);
	rc = rcapfs_tracker_read(run.v->r, true, &snap);
	if (rc == 0)
		rc = be->ops->task_rss(be->ctx, run.task, &run.rss_kb);
	for (size_t i = 0; rc == 0 && i < snap.maps.n; i++)
		rc = whole_mapping(&run, i);
	s->nbatch = 0;
	s->batch_bytes = 0;
	if (snap.maps.n)
		out->victims = 1;
	if (rc == 0 && known && p->advice == RCAPFS_ADVICE_PAGEOUT)
		whole_learnt(known, &snap);
out:
	rcapfs_snapshot_release(&snap);
	if (rc == -ESRCH && known)
		scan_victim_gone(known);
	else if (rc != -ESRCH)
		scan_settle(&run, rc);
	if (!known)
		scan_victim_release(&tmp);
	out->scan_ns = rcapfs_mono_ns() - t0;
	return rc;
}
