#include "config.h"
#include "scanner/tracker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The bits a reader accumulates. */
#define TRACKED_BITS (RCAPFS_PAGE_REFERENCED | RCAPFS_PAGE_DIRTY)

/* Where a unit of tracking (a page, or a whole mapping) lies. */
struct region {
	uint64_t start;
	uint64_t end;
	/* Index of its first unit in the readers' bits; at page fidelity,
	 * RCAPFS_SNAPSHOT_NO_PAGES for a mapping that holds no page. */
	size_t first;
};

/*
 * One process as every reader of it shares it: the task, and the layout
 * (mappings as of the last sample) that the readers' bits follow: one
 * unit per page at page fidelity, one per mapping at mapping fidelity,
 * none at all otherwise.
 */
struct tproc {
	struct rcapfs_tracker *tr;
	pid_t pid;
	uint64_t start_ticks;
	unsigned refs; /* readers, under tr->lock */
	struct rcapfs_task *task;
	/* One sample at a time; guards everything below. */
	pthread_mutex_t lock;
	struct region *layout;
	size_t nlayout;
	size_t nunits;
	struct rcapfs_tracker_reader *readers;
	struct tproc *next; /* tr->procs, under tr->lock */
};

struct rcapfs_tracker_reader {
	struct tproc *p;
	unsigned want; /* more RCAPFS_PAGE_* for its snapshots */
	uint8_t *bits; /* p->nunits of TRACKED_BITS, under p->lock */
	struct rcapfs_tracker_reader *next;
};

struct rcapfs_tracker {
	struct rcapfs_backend *be; /* borrowed */
	enum rcapfs_fidelity fidelity;
	uint32_t page_size;
	unsigned clear_what; /* RCAPFS_CLEAR_* a sample resets */
	unsigned want;	     /* RCAPFS_PAGE_* asked of pages() */
	pthread_mutex_t lock;
	struct tproc *procs;
};

/* What one sample of the kernel saw. */
struct sample {
	struct rcapfs_mapping_list maps;
	uint8_t *pages; /* raw flags, every page of every mapping */
	size_t *first_page;
	size_t npages;
};

int rcapfs_tracker_new(struct rcapfs_backend *be, struct rcapfs_tracker **out)
{
	struct rcapfs_features f;
	struct rcapfs_tracker *tr;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	/* A backend without features has the default page size. */
	if (be->ops->features(be->ctx, &f))
		memset(&f, 0, sizeof(f));
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	tr->be = be;
	tr->page_size = f.page_size ? f.page_size : 4096;
	if (rcapfs_backend_can(be, RCAPFS_CAN_PAGE_REFERENCED)) {
		tr->fidelity = RCAPFS_FIDELITY_PAGE;
		tr->want = RCAPFS_PAGE_REFERENCED;
		tr->clear_what = RCAPFS_CLEAR_REFERENCED;
		if (rcapfs_backend_can(be, RCAPFS_CAN_PAGE_DIRTY)) {
			tr->want |= RCAPFS_PAGE_DIRTY;
			tr->clear_what |= RCAPFS_CLEAR_DIRTY;
		}
	} else if (rcapfs_backend_can(be, RCAPFS_CAN_MAPPING_REFERENCED)) {
		tr->fidelity = RCAPFS_FIDELITY_MAPPING;
		tr->clear_what = RCAPFS_CLEAR_REFERENCED;
	} else {
		tr->fidelity = RCAPFS_FIDELITY_NONE;
	}
	pthread_mutex_init(&tr->lock, NULL);
	*out = tr;
	return 0;
}

void rcapfs_tracker_free(struct rcapfs_tracker *tr)
{
	if (!tr)
		return;
	pthread_mutex_destroy(&tr->lock);
	free(tr);
}

enum rcapfs_fidelity rcapfs_tracker_fidelity(const struct rcapfs_tracker *tr)
{
	return tr->fidelity;
}

static void sample_release(struct sample *s)
{
	rcapfs_mapping_list_free(&s->maps);
	free(s->pages);
	free(s->first_page);
	memset(s, 0, sizeof(*s));
}

/* Read the kernel's view of p once (with more bits of want), then reset
 * the kernel's bits. Under p->lock. Returns 0 or -errno (-ESRCH when the
 * process is gone). */
static int sample_kernel(struct tproc *p, unsigned want, struct sample *s)
{
	const struct rcapfs_backend *be = p->tr->be;
	uint64_t ps = p->tr->page_size;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = be->ops->mappings(be->ctx, p->task, &s->maps);
	if (rc)
		return rc;
	rc = -ENOMEM;
	s->first_page = calloc(s->maps.n ? s->maps.n : 1, sizeof(size_t));
	if (!s->first_page)
		goto fail;
	for (size_t i = 0; i < s->maps.n; i++) {
		const struct rcapfs_mapping *m = &s->maps.maps[i];

		/* Reservations (sanitizer shadows, VM heaps, terabytes
		 * of them) hold nothing: no bytes, and no walk. */
		if (m->rss_kb == 0 && m->swap_kb == 0) {
			s->first_page[i] = RCAPFS_SNAPSHOT_NO_PAGES;
			continue;
		}
		s->first_page[i] = s->npages;
		s->npages += (m->end - m->start) / ps;
	}
	/* One byte per page of the mappings that hold any. */
	if (s->npages > RCAPFS_TRACKER_MAX_PAGES) {
		rc = -EFBIG;
		goto fail;
	}
	s->pages = calloc(s->npages ? s->npages : 1, 1);
	if (!s->pages)
		goto fail;
	for (size_t i = 0; i < s->maps.n; i++) {
		const struct rcapfs_mapping *m = &s->maps.maps[i];
		unsigned w = p->tr->want | want;
		bool all_exclusive = false;
		uint8_t *pages;

		if (s->first_page[i] == RCAPFS_SNAPSHOT_NO_PAGES)
			continue;
		pages = s->pages + s->first_page[i];

		/* Exclusivity costs the backend a read of its own: not
		 * worth it where smaps says no page is shared. */
		if ((w & RCAPFS_PAGE_EXCLUSIVE) && m->shared_kb == 0) {
			w &= ~(unsigned)RCAPFS_PAGE_EXCLUSIVE;
			all_exclusive = true;
		}
		/* smaps counts in Rss only normal pages mapped here (not
		 * the zero page, not swap): a mapping resident in full
		 * needs no page walk, unless the walk is for more bits. */
		if (w == 0 && m->rss_kb * 1024 == m->end - m->start) {
			memset(pages, RCAPFS_PAGE_PRESENT,
			       (m->end - m->start) / ps);
		} else {
			rc = be->ops->pages(be->ctx, p->task, m->start, m->end,
					    w, pages);
			if (rc)
				goto fail;
		}
		for (size_t j = 0;
		     all_exclusive && j < (m->end - m->start) / ps; j++)
			if (pages[j] & RCAPFS_PAGE_PRESENT)
				pages[j] |= RCAPFS_PAGE_EXCLUSIVE;
	}
	if (p->tr->clear_what) {
		rc = be->ops->clear(be->ctx, p->task, p->tr->clear_what);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	sample_release(s);
	return rc;
}

/* The layout a sample gives the readers' bits. Returns 0 or -ENOMEM. */
static int layout_of(const struct tproc *p, const struct sample *s,
		     struct region **out, size_t *nunits)
{
	struct region *lay;

	*out = NULL;
	*nunits = 0;
	if (p->tr->fidelity == RCAPFS_FIDELITY_NONE)
		return 0;
	lay = calloc(s->maps.n ? s->maps.n : 1, sizeof(*lay));
	if (!lay)
		return -ENOMEM;
	for (size_t i = 0; i < s->maps.n; i++) {
		lay[i].start = s->maps.maps[i].start;
		lay[i].end = s->maps.maps[i].end;
		lay[i].first = p->tr->fidelity == RCAPFS_FIDELITY_PAGE
				       ? s->first_page[i]
				       : i;
	}
	*nunits =
		p->tr->fidelity == RCAPFS_FIDELITY_PAGE ? s->npages : s->maps.n;
	*out = lay;
	return 0;
}

static bool same_layout(const struct tproc *p, const struct region *lay,
			size_t n)
{
	if (n != p->nlayout)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lay[i].start != p->layout[i].start ||
		    lay[i].end != p->layout[i].end ||
		    lay[i].first != p->layout[i].first)
			return false;
	return true;
}

/*
 * Carry one reader's bits from p's layout over to lay, matching by
 * address: a page keeps its bits where it still is; a mapping gets the
 * bits of every old mapping it overlaps; anything new starts clean.
 */
static void carry_bits(const struct tproc *p, const uint8_t *old,
		       const struct region *lay, size_t nlay, uint8_t *bits)
{
	uint64_t ps = p->tr->page_size;
	size_t j = 0;

	for (size_t i = 0; i < nlay; i++) {
		const struct region *nr = &lay[i];

		while (j < p->nlayout && p->layout[j].end <= nr->start)
			j++;
		for (size_t k = j;
		     k < p->nlayout && p->layout[k].start < nr->end; k++) {
			const struct region * or = &p->layout[k];
			uint64_t lo =
				or->start > nr->start ? or->start : nr->start;
			uint64_t hi = or->end < nr->end ? or->end : nr->end;

			if (p->tr->fidelity == RCAPFS_FIDELITY_MAPPING) {
				bits[nr->first] |= old[or->first];
				continue;
			}
			/* Pages of a mapping that now holds none, or held
			 * none, have no bits to carry. */
			if (nr->first == RCAPFS_SNAPSHOT_NO_PAGES ||
			    or->first == RCAPFS_SNAPSHOT_NO_PAGES)
				continue;
			memcpy(bits + nr->first + (lo - nr->start) / ps,
			       old + or->first + (lo - or->start) / ps,
			       (hi - lo) / ps);
		}
	}
}

/* Move every reader of p to the layout of a new sample. Under p->lock.
 * Returns 0 or -ENOMEM (nothing changed). */
static int relayout(struct tproc *p, const struct sample *s)
{
	struct region *lay;
	size_t nunits, nreaders = 0, i = 0;
	uint8_t **bits = NULL;
	int rc;

	rc = layout_of(p, s, &lay, &nunits);
	if (rc)
		return rc;
	if (same_layout(p, lay, lay ? s->maps.n : 0)) {
		free(lay);
		return 0;
	}
	for (struct rcapfs_tracker_reader *r = p->readers; r; r = r->next)
		nreaders++;
	bits = calloc(nreaders ? nreaders : 1, sizeof(*bits));
	if (!bits)
		goto nomem;
	for (struct rcapfs_tracker_reader *r = p->readers; r; r = r->next) {
		bits[i] = calloc(nunits ? nunits : 1, 1);
		if (!bits[i])
			goto nomem;
		if (r->bits)
			carry_bits(p, r->bits, lay, s->maps.n, bits[i]);
		i++;
	}
	i = 0;
	for (struct rcapfs_tracker_reader *r = p->readers; r; r = r->next) {
		free(r->bits);
		r->bits = bits[i++];
	}
	free(bits);
	free(p->layout);
	p->layout = lay;
	p->nlayout = lay ? s->maps.n : 0;
	p->nunits = nunits;
	return 0;
nomem:
	for (size_t k = 0; bits && k < i; k++)
		free(bits[k]);
	free(bits);
	free(lay);
	return -ENOMEM;
}

/* Fold what a sample saw into every reader. Under p->lock, after
 * relayout. */
static void fold(struct tproc *p, const struct sample *s)
{
	for (size_t u = 0; u < p->nunits; u++) {
		uint8_t seen;

		if (p->tr->fidelity == RCAPFS_FIDELITY_PAGE)
			seen = s->pages[u] & TRACKED_BITS;
		else
			seen = s->maps.maps[u].referenced_kb
				       ? RCAPFS_PAGE_REFERENCED
				       : 0;
		if (!seen)
			continue;
		for (struct rcapfs_tracker_reader *r = p->readers; r;
		     r = r->next)
			r->bits[u] |= seen;
	}
}

/* Sample the kernel and fold it into every reader; with keep, the sample
 * (with more bits of want) is handed back. Under p->lock. */
static int sample_fold(struct tproc *p, unsigned want, struct sample *keep)
{
	struct sample s;
	int rc = sample_kernel(p, want, &s);

	if (rc)
		return rc;
	rc = relayout(p, &s);
	if (rc == 0)
		fold(p, &s);
	if (rc == 0 && keep)
		*keep = s;
	else
		sample_release(&s);
	return rc;
}

static void tproc_free(struct tproc *p)
{
	const struct rcapfs_backend *be = p->tr->be;

	be->ops->task_close(be->ctx, p->task);
	pthread_mutex_destroy(&p->lock);
	free(p->layout);
	free(p);
}

/* Find or add the shared state of (pid, start_ticks) with a reference
 * taken; task is consumed. Returns NULL on ENOMEM. */
static struct tproc *tproc_get(struct rcapfs_tracker *tr, pid_t pid,
			       uint64_t start_ticks, struct rcapfs_task *task)
{
	const struct rcapfs_backend *be = tr->be;
	struct tproc *p;

	pthread_mutex_lock(&tr->lock);
	for (p = tr->procs; p; p = p->next)
		if (p->pid == pid && p->start_ticks == start_ticks)
			break;
	if (p) {
		p->refs++;
		pthread_mutex_unlock(&tr->lock);
		be->ops->task_close(be->ctx, task);
		return p;
	}
	p = calloc(1, sizeof(*p));
	if (p) {
		p->tr = tr;
		p->pid = pid;
		p->start_ticks = start_ticks;
		p->refs = 1;
		p->task = task;
		pthread_mutex_init(&p->lock, NULL);
		p->next = tr->procs;
		tr->procs = p;
	}
	pthread_mutex_unlock(&tr->lock);
	if (!p)
		be->ops->task_close(be->ctx, task);
	return p;
}

static void tproc_put(struct tproc *p)
{
	struct rcapfs_tracker *tr = p->tr;
	bool last;

	pthread_mutex_lock(&tr->lock);
	last = --p->refs == 0;
	if (last) {
		struct tproc **pp = &tr->procs;

		while (*pp != p)
			pp = &(*pp)->next;
		*pp = p->next;
	}
	pthread_mutex_unlock(&tr->lock);
	if (last)
		tproc_free(p);
}

int rcapfs_tracker_open(struct rcapfs_tracker *tr, pid_t pid,
			uint64_t start_ticks,
			struct rcapfs_tracker_reader **out)
{
	const struct rcapfs_backend *be = tr->be;
	struct rcapfs_tracker_reader *r;
	struct rcapfs_task *task;
	struct tproc *p;
	int rc;

	*out = NULL;
	/* Readers share a process by pid and start time, so a start time
	 * of 0 is made exact first; task_open then checks it. */
	if (start_ticks == 0) {
		struct rcapfs_proc proc;

		memset(&proc, 0, sizeof(proc));
		rc = be->ops->proc(be->ctx, pid, 0, &proc);
		if (rc)
			return rc;
		start_ticks = proc.start_ticks;
		rcapfs_proc_release(&proc);
	}
	rc = be->ops->task_open(be->ctx, pid, start_ticks, &task);
	if (rc)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r) {
		be->ops->task_close(be->ctx, task);
		return -ENOMEM;
	}
	p = tproc_get(tr, pid, start_ticks, task);
	if (!p) {
		free(r);
		return -ENOMEM;
	}
	r->p = p;
	pthread_mutex_lock(&p->lock);
	/*
	 * What happened before the open belongs to the readers already
	 * there: give it to them, then reset the kernel so the new reader
	 * starts from nothing.
	 */
	if (tr->clear_what && p->readers)
		rc = sample_fold(p, 0, NULL);
	else if (tr->clear_what)
		rc = be->ops->clear(be->ctx, p->task, tr->clear_what);
	if (rc == 0 && p->nunits) {
		r->bits = calloc(p->nunits, 1);
		if (!r->bits)
			rc = -ENOMEM;
	}
	if (rc == 0) {
		r->next = p->readers;
		p->readers = r;
	}
	pthread_mutex_unlock(&p->lock);
	if (rc) {
		free(r);
		tproc_put(p);
		return rc;
	}
	*out = r;
	return 0;
}

void rcapfs_tracker_close(struct rcapfs_tracker_reader *r)
{
	struct rcapfs_tracker_reader **rr;
	struct tproc *p;

	if (!r)
		return;
	p = r->p;
	pthread_mutex_lock(&p->lock);
	for (rr = &p->readers; *rr != r; rr = &(*rr)->next)
		;
	*rr = r->next;
	pthread_mutex_unlock(&p->lock);
	free(r->bits);
	free(r);
	tproc_put(p);
}

void rcapfs_tracker_want(struct rcapfs_tracker_reader *r, unsigned want)
{
	r->want = want & RCAPFS_PAGE_EXCLUSIVE;
}

struct rcapfs_task *rcapfs_tracker_task(struct rcapfs_tracker_reader *r)
{
	return r->p->task;
}

/* Turn a sample into r's snapshot: the kernel's presence with r's own
 * accumulated bits. Under p->lock. */
static void snapshot_of(const struct rcapfs_tracker_reader *r, struct sample *s,
			struct rcapfs_snapshot *out)
{
	const struct tproc *p = r->p;
	const uint64_t ps = p->tr->page_size;
	struct timespec ts;

	for (size_t i = 0; i < s->npages; i++)
		s->pages[i] &= (uint8_t)~TRACKED_BITS;
	if (p->tr->fidelity == RCAPFS_FIDELITY_PAGE) {
		for (size_t i = 0; i < s->npages; i++)
			s->pages[i] |= r->bits[i];
	} else if (p->tr->fidelity == RCAPFS_FIDELITY_MAPPING) {
		for (size_t m = 0; m < s->maps.n; m++) {
			const struct rcapfs_mapping *mp = &s->maps.maps[m];
			size_t first = s->first_page[m];
			size_t end = first + (mp->end - mp->start) / ps;

			if (first == RCAPFS_SNAPSHOT_NO_PAGES ||
			    !(r->bits[m] & RCAPFS_PAGE_REFERENCED))
				continue;
			for (size_t i = first; i < end; i++)
				if (s->pages[i] & RCAPFS_PAGE_PRESENT)
					s->pages[i] |= RCAPFS_PAGE_REFERENCED;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	out->maps = s->maps;
	out->pages = s->pages;
	out->first_page = s->first_page;
	out->npages = s->npages;
	out->page_size = p->tr->page_size;
	out->fidelity = p->tr->fidelity;
	out->tstamp_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	memset(s, 0, sizeof(*s));
}

int rcapfs_tracker_read(struct rcapfs_tracker_reader *r, bool consume,
			struct rcapfs_snapshot *out)
{
	struct tproc *p = r->p;
	struct sample s;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&p->lock);
	rc = sample_fold(p, r->want, &s);
	if (rc == 0) {
		snapshot_of(r, &s, out);
		if (consume && p->nunits)
			memset(r->bits, 0, p->nunits);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void rcapfs_snapshot_release(struct rcapfs_snapshot *s)
{
	rcapfs_mapping_list_free(&s->maps);
	free(s->pages);
	free(s->first_page);
	memset(s, 0, sizeof(*s));
}
