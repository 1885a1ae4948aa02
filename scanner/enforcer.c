#include "config.h"
#include "scanner/enforcer.h"

#include "compat/clock.h"
#include "compat/log.h"
#include "scanner/scanner.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_PER_MS 1000000ULL
/* A scan needs little stack; a thousand enforcers should not reserve
 * gigabytes of address space. */
#define STACK_BYTES (512 * 1024)

struct rcapfs_enforcer {
	struct rcapfs_tracker *tr; /* borrowed */
	struct rcapfs_backend *be; /* borrowed */
	char label[RCAPFS_ENFORCER_LABEL_MAX];
	struct rcapfs_scan *scan; /* made with the thread, then its alone */
	atomic_bool cancel;

	pthread_mutex_t lock; /* everything below */
	pthread_cond_t wake;  /* CLOCK_MONOTONIC */
	pthread_t thread;
	bool started;
	bool stopping;
	/* The next scan to run. */
	bool requested;
	/* Withdrawn since the scan under way started: it is not followed
	 * up. */
	bool withdrawn;
	struct rcapfs_scan_params params;
	struct rcapfs_scan_victim *victims;
	size_t nvictims;
	bool scanned; /* last_scan_ns is set */
	uint64_t last_scan_ns;
	/* After scans that freed nothing. */
	struct rcapfs_enforce_backoff backoff;
	/* Counters for the stats. */
	uint64_t at_bytes;
	uint64_t pg_bytes;
	uint64_t scans;
	uint64_t scans_complete;
	uint64_t scans_ineffective;
	uint64_t scan_ns;
	struct rcapfs_scan_unpageable unpageable; /* of the last pass */
	/* Victims to page out whole, before any scan, and their counters. */
	struct rcapfs_scan_victim *swapouts;
	size_t nswapouts;
	enum rcapfs_advice swapout_advice;
	bool swapout_swap;
	uint64_t swapouts_done;
	uint64_t swapout_bytes;
	/* Said once, not at every scan. */
	bool told_noswap;
	bool told_nosys;
};

int rcapfs_enforcer_new(struct rcapfs_tracker *tr, struct rcapfs_backend *be,
			const char *label, struct rcapfs_enforcer **out)
{
	struct rcapfs_enforcer *e;
	int rc;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	/* The window must not jump with the wall clock. */
	rc = rcapfs_cond_init_mono(&e->wake);
	if (rc)
		goto fail;
	pthread_mutex_init(&e->lock, NULL);
	atomic_init(&e->cancel, false);
	e->tr = tr;
	e->be = be;
	snprintf(e->label, sizeof(e->label), "%s", label);
	*out = e;
	return 0;
fail:
	free(e);
	return rc;
}

void rcapfs_enforcer_free(struct rcapfs_enforcer *e)
{
	bool started;

	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	e->stopping = true;
	atomic_store(&e->cancel, true);
	pthread_cond_signal(&e->wake);
	started = e->started;
	pthread_mutex_unlock(&e->lock);
	if (started)
		pthread_join(e->thread, NULL);
	rcapfs_scan_free(e->scan);
	free(e->victims);
	free(e->swapouts);
	pthread_cond_destroy(&e->wake);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

/* Say what a scan could not do, once per kind. Under e->lock. */
static void tell(struct rcapfs_enforcer *e, int rc,
		 const struct rcapfs_scan_result *res)
{
	if (rc == -ENOSYS && !e->told_nosys) {
		log_warn("%s: pageout is not available on this "
			 "host: the cap is not enforced",
			 e->label);
		e->told_nosys = true;
	} else if (rc && rc != -ENOSYS && rc != -ECANCELED) {
		log_warn("%s: scan: %s", e->label, strerror(-rc));
	}
	if (rc == 0 && res->unpageable.anon_kb && !e->told_noswap) {
		log_info("%s: %llu KiB of anonymous memory cannot "
			 "be paged out: no swap is active",
			 e->label, (unsigned long long)res->unpageable.anon_kb);
		e->told_noswap = true;
	}
}

void rcapfs_enforcer_backoff_scanned(struct rcapfs_enforce_backoff *b, int rc,
				     const struct rcapfs_scan_result *res)
{
	const uint64_t max_ns = RCAPFS_ENFORCE_BACKOFF_MAX_MS * NS_PER_MS;

	if (rc == 0 && res->complete && !res->pending && res->excess_bytes &&
	    res->pg_bytes == 0) {
		b->wait_ns = b->wait_ns
				     ? 2 * b->wait_ns
				     : 2 * RCAPFS_ENFORCE_WINDOW_MS * NS_PER_MS;
		if (b->wait_ns > max_ns)
			b->wait_ns = max_ns;
		b->stuck_excess_bytes = res->excess_bytes;
	} else if (res->pg_bytes) {
		b->wait_ns = 0;
	}
}

void rcapfs_enforcer_backoff_requested(struct rcapfs_enforce_backoff *b,
				       const struct rcapfs_enforce_request *req)
{
	if (req->excess_bytes > b->stuck_excess_bytes || req->swap != b->swap)
		b->wait_ns = 0;
	b->swap = req->swap;
}

uint64_t rcapfs_enforcer_due_ns(const struct rcapfs_enforce_backoff *b,
				uint64_t last_scan_ns)
{
	uint64_t due = last_scan_ns + RCAPFS_ENFORCE_WINDOW_MS * NS_PER_MS;

	if (last_scan_ns + b->wait_ns > due)
		due = last_scan_ns + b->wait_ns;
	return due;
}

/* Count a finished scan; follow it up when it was still learning. Under
 * e->lock; takes back the victims the scan ran over. */
static void finish(struct rcapfs_enforcer *e, int rc,
		   const struct rcapfs_scan_result *res,
		   const struct rcapfs_scan_params *p,
		   struct rcapfs_scan_victim *victims, size_t n)
{
	log_debug("%s: scan of %zu victims for %llu KiB: at %llu "
		  "KiB, pg %llu KiB, %llu KiB left%s%s, %llu us",
		  e->label, n, (unsigned long long)(p->excess_bytes / 1024),
		  (unsigned long long)(res->at_bytes / 1024),
		  (unsigned long long)(res->pg_bytes / 1024),
		  (unsigned long long)(res->excess_bytes / 1024),
		  res->complete ? ", complete" : "",
		  res->pending ? ", learning" : "",
		  (unsigned long long)(res->scan_ns / 1000));
	e->at_bytes += res->at_bytes;
	e->pg_bytes += res->pg_bytes;
	e->scan_ns += res->scan_ns;
	rcapfs_enforcer_backoff_scanned(&e->backoff, rc, res);
	if (rc == 0 && p->excess_bytes) {
		e->unpageable = res->unpageable;
		e->scans++;
		e->scans_complete += res->complete;
		e->scans_ineffective += res->ineffective;
	}
	tell(e, rc, res);
	if (rc == 0 && res->pending && res->excess_bytes && !e->requested &&
	    !e->withdrawn) {
		e->requested = true;
		e->params = *p;
		e->params.excess_bytes = res->excess_bytes;
		e->victims = victims;
		e->nvictims = n;
		return;
	}
	free(victims);
}

/* Page out whole the victims asked for; they do not wait for the window,
 * which is about referenced bits they do not use. Under e->lock, which is
 * dropped meanwhile. */
static void swap_out(struct rcapfs_enforcer *e)
{
	struct rcapfs_scan_victim *v = e->swapouts;
	size_t n = e->nswapouts;
	struct rcapfs_scan_params p = {.name = e->label,
				       .excess_bytes = 0,
				       .advice = e->swapout_advice,
				       .swap = e->swapout_swap,
				       .cancel = &e->cancel};

	e->swapouts = NULL;
	e->nswapouts = 0;
	for (size_t i = 0; i < n && !e->stopping; i++) {
		struct rcapfs_scan_result res;
		int rc;

		pthread_mutex_unlock(&e->lock);
		rc = rcapfs_scan_whole(e->scan, &v[i], &p, &res);
		pthread_mutex_lock(&e->lock);
		log_debug("%s: pid %d paged out whole: pg %llu KiB, %llu us",
			  e->label, (int)v[i].pid,
			  (unsigned long long)(res.pg_bytes / 1024),
			  (unsigned long long)(res.scan_ns / 1000));
		if (rc == -ESRCH)
			continue;
		if (rc == 0) {
			e->swapouts_done++;
			e->swapout_bytes += res.pg_bytes;
			e->unpageable = res.unpageable;
			/* What left counts against the excess of a scan
			 * asked for by the same sample. */
			e->params.excess_bytes -=
				res.pg_bytes < e->params.excess_bytes
					? res.pg_bytes
					: e->params.excess_bytes;
		}
		tell(e, rc, &res);
	}
	free(v);
}

static void *enforcer_main(void *arg)
{
	struct rcapfs_enforcer *e = arg;

	pthread_mutex_lock(&e->lock);
	while (!e->stopping) {
		uint64_t now = rcapfs_mono_ns(), due;
		struct rcapfs_scan_victim *victims;
		struct rcapfs_scan_result res;
		struct rcapfs_scan_params p;
		size_t n;
		int rc;

		if (e->nswapouts) {
			swap_out(e);
			continue;
		}
		if (!e->requested) {
			pthread_cond_wait(&e->wake, &e->lock);
			continue;
		}
		due = rcapfs_enforcer_due_ns(&e->backoff, e->last_scan_ns);
		if (e->scanned && now < due) {
			struct timespec ts = rcapfs_ns_timespec(due);

			pthread_cond_timedwait(&e->wake, &e->lock, &ts);
			continue;
		}
		p = e->params;
		victims = e->victims;
		n = e->nvictims;
		e->victims = NULL;
		e->requested = false;
		e->withdrawn = false;
		e->scanned = true;
		e->last_scan_ns = now;
		pthread_mutex_unlock(&e->lock);

		p.name = e->label;
		p.cancel = &e->cancel;
		rc = rcapfs_scan_run(e->scan, victims, n, &p, &res);

		pthread_mutex_lock(&e->lock);
		finish(e, rc, &res, &p, victims, n);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

/* Start the thread, with the scan state it works on. Under e->lock.
 * Returns 0 or -errno. */
static int start(struct rcapfs_enforcer *e)
{
	pthread_attr_t attr;
	int rc;

	rc = rcapfs_scan_new(e->tr, e->be, &e->scan);
	if (rc)
		return rc;
	rc = -pthread_attr_init(&attr);
	if (rc == 0) {
		rc = -pthread_attr_setstacksize(&attr, STACK_BYTES);
		if (rc == 0)
			rc = -pthread_create(&e->thread, &attr, enforcer_main,
					     e);
		pthread_attr_destroy(&attr);
	}
	if (rc) {
		rcapfs_scan_free(e->scan);
		e->scan = NULL;
		return rc;
	}
	e->started = true;
	return 0;
}

int rcapfs_enforcer_request(struct rcapfs_enforcer *e,
			    const struct rcapfs_enforce_request *req)
{
	struct rcapfs_scan_victim *copy;
	int rc = 0;

	copy = calloc(req->nvictims ? req->nvictims : 1, sizeof(*copy));
	if (!copy) {
		log_warn("%s: cannot enforce: %s", e->label, strerror(ENOMEM));
		return -ENOMEM;
	}
	memcpy(copy, req->victims, req->nvictims * sizeof(*copy));
	pthread_mutex_lock(&e->lock);
	if (!e->started && !e->stopping)
		rc = start(e);
	if (rc == 0) {
		rcapfs_enforcer_backoff_requested(&e->backoff, req);
		free(e->victims);
		e->victims = copy;
		e->nvictims = req->nvictims;
		e->params.excess_bytes = req->excess_bytes;
		e->params.advice = req->advice;
		e->params.swap = req->swap;
		e->requested = true;
		pthread_cond_signal(&e->wake);
		copy = NULL;
	}
	pthread_mutex_unlock(&e->lock);
	if (rc)
		log_warn("%s: cannot start its enforcer: %s", e->label,
			 strerror(-rc));
	free(copy);
	return rc;
}

int rcapfs_enforcer_swapout(struct rcapfs_enforcer *e,
			    const struct rcapfs_scan_victim *victims, size_t n,
			    enum rcapfs_advice advice, bool swap)
{
	struct rcapfs_scan_victim *grown;
	int rc = 0;

	pthread_mutex_lock(&e->lock);
	if (!e->started && !e->stopping)
		rc = start(e);
	grown = rc ? NULL
		   : reallocarray(e->swapouts, e->nswapouts + n,
				  sizeof(*grown));
	if (grown) {
		memcpy(grown + e->nswapouts, victims, n * sizeof(*grown));
		e->swapouts = grown;
		e->nswapouts += n;
		e->swapout_advice = advice;
		e->swapout_swap = swap;
		pthread_cond_signal(&e->wake);
	} else if (rc == 0) {
		rc = -ENOMEM;
	}
	pthread_mutex_unlock(&e->lock);
	if (rc)
		log_warn("%s: cannot page out idle members: %s", e->label,
			 strerror(-rc));
	return rc;
}

void rcapfs_enforcer_drop_swapouts(struct rcapfs_enforcer *e)
{
	pthread_mutex_lock(&e->lock);
	free(e->swapouts);
	e->swapouts = NULL;
	e->nswapouts = 0;
	pthread_mutex_unlock(&e->lock);
}

void rcapfs_enforcer_withdraw(struct rcapfs_enforcer *e)
{
	pthread_mutex_lock(&e->lock);
	e->requested = false;
	e->withdrawn = true;
	free(e->victims);
	e->victims = NULL;
	e->nvictims = 0;
	pthread_mutex_unlock(&e->lock);
}

void rcapfs_enforcer_stats(struct rcapfs_enforcer *e, struct rcapfs_stats *st)
{
	pthread_mutex_lock(&e->lock);
	st->at_bytes = e->at_bytes;
	st->pg_bytes = e->pg_bytes;
	st->scans = e->scans;
	st->scans_complete = e->scans_complete;
	st->scans_ineffective = e->scans_ineffective;
	st->scan_time_ns = e->scan_ns;
	st->unpageable_anon_bytes = e->unpageable.anon_kb * 1024;
	st->unpageable_locked_bytes = e->unpageable.locked_kb * 1024;
	st->unpageable_shared_bytes = e->unpageable.shared_kb * 1024;
	st->swapouts = e->swapouts_done;
	st->swapout_bytes = e->swapout_bytes;
	pthread_mutex_unlock(&e->lock);
}
