/*
 * What can leave a victim, and how it goes: candidate pages gathered into
 * runs, the runs into a batch, the batch paged out through the backend
 * (process_madvise) and the victim's RSS drop measured after each call.
 */
#include "config.h"
#include "scanner/scan_i.h"

#include "compat/log.h"

#include <errno.h>
#include <string.h>

bool scan_candidate(const struct judge *j, uint8_t pg)
{
	if ((pg & (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE |
		   RCAPFS_PAGE_ZERO)) !=
	    (RCAPFS_PAGE_PRESENT | RCAPFS_PAGE_EXCLUSIVE))
		return false;
	return !(j->skip_ref && (pg & RCAPFS_PAGE_REFERENCED));
}

size_t scan_collect_runs(struct rcapfs_scan *s, const struct judge *j,
			 const uint8_t *pages, size_t a, size_t b,
			 uint64_t base)
{
	size_t n = 0;

	for (size_t i = a; i < b; i++) {
		uint64_t addr = base + i * s->page_size;

		if (!scan_candidate(j, pages[i]))
			continue;
		if (n && s->runs[n - 1].start + s->runs[n - 1].len == addr)
			s->runs[n - 1].len += s->page_size;
		else
			s->runs[n++] = (struct rcapfs_range){
				.start = addr, .len = s->page_size};
	}
	return n;
}

bool scan_unpageable(struct run *run, const struct rcapfs_mapping *m)
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

int scan_flush(struct run *run)
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

int scan_add_runs(struct run *run, size_t nruns)
{
	struct rcapfs_scan *s = run->s;
	int rc = 0;

	if (s->nbatch + nruns > RCAPFS_SCAN_BATCH_RANGES)
		rc = scan_flush(run);
	if (rc || run->map_refused)
		return rc;
	for (size_t i = 0; i < nruns; i++) {
		s->batch[s->nbatch++] = s->runs[i];
		s->batch_bytes += s->runs[i].len;
	}
	return rc;
}

uint8_t *scan_pages(struct run *run, size_t vi, size_t i)
{
	const struct rcapfs_snapshot *snap = &run->snaps[vi];

	return snap->first_page[i] == RCAPFS_SNAPSHOT_NO_PAGES
		       ? NULL
		       : snap->pages + snap->first_page[i];
}

int64_t scan_left(const struct run *run)
{
	uint64_t excess = run->p->excess_bytes;

	if (run->p->advice == RCAPFS_ADVICE_PAGEOUT)
		return run->excess;
	return run->out->at_bytes >= excess
		       ? 0
		       : (int64_t)(excess - run->out->at_bytes);
}

bool scan_cancelled(const struct run *run)
{
	return run->p->cancel && atomic_load(run->p->cancel);
}

int scan_settle(struct run *run, int rc)
{
	if (rc == 0 || rc == -ESRCH || rc == -ENOMEM || rc == -ENOSYS ||
	    rc == -ECANCELED)
		return rc;
	if (!run->v->unscannable)
		log_warn("%s: cannot page out pid %d: %s; skipping it",
			 run->p->name ? run->p->name : "scan", (int)run->v->pid,
			 strerror(-rc));
	run->v->unscannable = true;
	return 0;
}
