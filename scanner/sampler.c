/*
 * The sampling thread: every sample_interval (or at once when woken), one
 * sample of every collection: its members, from a full walk of the process
 * table at least every scan_interval and after a change of rules, else by
 * re-reading the known members; then the decision to enforce, the commit
 * of the figures, and the hand-over to the enforcers; and the report every
 * report_interval.
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include "compat/clock.h"
#include "compat/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void scanner_kick_locked(struct rcapfs_scanner *sc)
{
	sc->kick = true;
	pthread_cond_signal(&sc->wake);
}

/* Take references to every collection. Under sc->lock. */
static int snapshot_locked(struct rcapfs_scanner *sc, struct snap **out,
			   size_t *n)
{
	struct snap *snaps =
		calloc(sc->ncolls ? sc->ncolls : 1, sizeof(*snaps));

	if (!snaps)
		return -ENOMEM;
	for (size_t i = 0; i < sc->ncolls; i++) {
		struct collection *c = sc->colls[i];

		c->refs++;
		snaps[i].c = c;
		snaps[i].rules = rcapfs_rules_ref(c->rules);
		snaps[i].cap_bytes = c->cap_bytes;
	}
	*out = snaps;
	*n = sc->ncolls;
	return 0;
}

static void snapshot_release(struct rcapfs_scanner *sc, struct snap *snaps,
			     size_t n)
{
	pthread_mutex_lock(&sc->lock);
	/* A collection removed meanwhile goes with its last reference:
	 * noted here, freed below, as freeing waits for its enforcer. */
	for (size_t i = 0; i < n; i++)
		snaps[i].c = scanner_collection_put(snaps[i].c);
	pthread_mutex_unlock(&sc->lock);
	for (size_t i = 0; i < n; i++) {
		scanner_collection_free(snaps[i].c);
		rcapfs_rules_free(snaps[i].rules);
		free(snaps[i].members);
		free(snaps[i].victims);
	}
	free(snaps);
}

/* A full walk: decide every collection's members from the process table. */
static int walk_members(struct rcapfs_scanner *sc, struct snap *snaps, size_t n)
{
	struct rcapfs_proc_list list = {.procs = NULL, .n = 0};
	struct rcapfs_proc_order *order = NULL;
	const struct rcapfs_backend *be = sc->be;
	bool any_rules = false, *member = NULL;
	unsigned flags = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		any_rules = any_rules || rcapfs_rules_count(snaps[i].rules);
		if (rcapfs_rules_need_cgroup(snaps[i].rules))
			flags |= RCAPFS_PROCS_CGROUP;
	}
	/* Collections without rules have no members: no walk needed. */
	if (!any_rules)
		return 0;
	rc = be->ops->procs(be->ctx, flags, &list);
	/* A host without a process table: every collection is empty. */
	if (rc && rc != -ENOSYS)
		return rc;
	rc = rcapfs_proc_order_new(&list, &order);
	if (rc)
		goto out;
	rc = -ENOMEM;
	member = calloc(list.n ? list.n : 1, sizeof(*member));
	if (!member)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct snap *s = &snaps[i];
		long k = rcapfs_membership_update(s->c->membership, s->rules,
						  order, member);

		if (k < 0) {
			rc = (int)k;
			goto out;
		}
		s->members = calloc(k ? (size_t)k : 1, sizeof(*s->members));
		if (!s->members)
			goto out;
		for (size_t j = 0; j < list.n; j++) {
			const struct rcapfs_proc *p = &list.procs[j];

			if (!member[j])
				continue;
			s->members[s->nmembers++] =
				(struct member){.pid = p->pid,
						.start_ticks = p->start_ticks,
						.rss_kb = p->rss_kb,
						.vm_kb = p->vm_kb};
			s->rss_kb += p->rss_kb;
			s->vm_kb += p->vm_kb;
		}
	}
	rc = 0;
out:
	free(member);
	rcapfs_proc_order_free(order);
	rcapfs_proc_list_free(&list);
	return rc;
}

/*
 * Between walks: re-read only the known members, one small read each.
 * Members that are gone are dropped; one that cannot be read for another
 * reason keeps its last figures until the next walk decides.
 */
static int resample_members(struct rcapfs_scanner *sc, struct snap *snaps,
			    size_t n)
{
	const struct rcapfs_backend *be = sc->be;

	for (size_t i = 0; i < n; i++) {
		struct snap *s = &snaps[i];
		const struct collection *c = s->c;

		s->members = calloc(c->nmembers ? c->nmembers : 1,
				    sizeof(*s->members));
		if (!s->members)
			return -ENOMEM;
		for (size_t j = 0; j < c->nmembers; j++) {
			struct member m = c->members[j];
			struct rcapfs_proc_usage u;
			int rc = be->ops->proc_sample(be->ctx, m.pid,
						      m.start_ticks, &u);

			if (rc == -ESRCH)
				continue;
			if (rc) {
				log_debug("collection %s: cannot sample pid "
					  "%d: %s",
					  c->name, (int)m.pid, strerror(-rc));
			} else {
				m.rss_kb = u.rss_kb;
				m.vm_kb = u.vm_kb;
			}
			s->members[s->nmembers++] = m;
			s->rss_kb += m.rss_kb;
			s->vm_kb += m.vm_kb;
		}
	}
	return 0;
}

int scanner_sample_meminfo(struct rcapfs_scanner *sc, struct rcapfs_meminfo *mi)
{
	int rc = sc->be->ops->meminfo(sc->be->ctx, mi);

	if (rc) {
		log_debug("meminfo: %s", strerror(-rc));
		return rc;
	}
	pthread_mutex_lock(&sc->lock);
	sc->mi = *mi;
	sc->have_mi = true;
	sc->mi_ns = rcapfs_mono_ns();
	pthread_mutex_unlock(&sc->lock);
	return 0;
}

/* One sample; the caller holds sc->sample_lock. */
static int sample_locked(struct rcapfs_scanner *sc)
{
	struct sampling smp = {.util_pct = 100, .swap = false};
	struct rcapfs_meminfo mi;
	uint64_t now = rcapfs_mono_ns();
	bool walk;
	int rc;

	pthread_mutex_lock(&sc->lock);
	smp.ctl = sc->ctl;
	walk = !sc->walked || sc->need_walk ||
	       now - sc->last_walk_ns >=
		       smp.ctl.scan_interval_s * RCAPFS_NS_PER_S;
	rc = snapshot_locked(sc, &smp.snaps, &smp.n);
	if (rc == 0 && walk)
		sc->need_walk = false;
	pthread_mutex_unlock(&sc->lock);
	if (rc)
		return rc;

	/* Without figures the cap alone decides, as if memory were full,
	 * and anonymous memory is taken to have nowhere to go. */
	if (scanner_sample_meminfo(sc, &mi) == 0) {
		smp.util_pct = scanner_utilization_pct(&mi);
		smp.swap = mi.swap_total > 0 && mi.swap_free > 0;
	}
	rc = walk ? walk_members(sc, smp.snaps, smp.n)
		  : resample_members(sc, smp.snaps, smp.n);
	if (rc == 0) {
		scanner_decide(sc, &smp);
		/* In one hold of the lock: a cap lifted or enforcement turned
		 * off meanwhile (their setters withdraw under it) is not
		 * undone by a request decided before. */
		pthread_mutex_lock(&sc->lock);
		scanner_commit_locked(sc, &smp);
		scanner_enforce_locked(sc, &smp);
		pthread_mutex_unlock(&sc->lock);
	}

	pthread_mutex_lock(&sc->lock);
	if (walk && rc == 0) {
		sc->walked = true;
		sc->last_walk_ns = now;
	} else if (walk) {
		sc->need_walk = true; /* try again next time */
	}
	pthread_mutex_unlock(&sc->lock);
	snapshot_release(sc, smp.snaps, smp.n);
	return rc;
}

int rcapfs_scanner_sample(struct rcapfs_scanner *sc)
{
	int rc;

	pthread_mutex_lock(&sc->sample_lock);
	rc = sample_locked(sc);
	pthread_mutex_unlock(&sc->sample_lock);
	return rc;
}

static void *sampler_main(void *arg)
{
	struct rcapfs_scanner *sc = arg;
	uint64_t last_sample = 0, last_report = rcapfs_mono_ns();
	bool sampled = false;
	int last_rc = 0;

	pthread_mutex_lock(&sc->lock);
	while (!sc->stopping) {
		/* Intervals are read each round so a ctl change applies at
		 * once. */
		uint64_t sample_ns =
			sc->ctl.sample_interval_s * RCAPFS_NS_PER_S;
		uint64_t report_ns =
			sc->ctl.report_interval_s * RCAPFS_NS_PER_S;
		uint64_t now = rcapfs_mono_ns(), deadline;
		struct timespec ts;

		if (!sampled || sc->kick || now - last_sample >= sample_ns) {
			int rc;

			sc->kick = false;
			pthread_mutex_unlock(&sc->lock);
			rc = rcapfs_scanner_sample(sc);
			if (rc && rc != last_rc)
				log_warn("sample: %s", strerror(-rc));
			last_rc = rc;
			pthread_mutex_lock(&sc->lock);
			last_sample = now;
			sampled = true;
			continue;
		}
		if (report_ns && now - last_report >= report_ns) {
			pthread_mutex_unlock(&sc->lock);
			scanner_report(sc);
			pthread_mutex_lock(&sc->lock);
			last_report = now;
			continue;
		}
		deadline = last_sample + sample_ns;
		if (report_ns && last_report + report_ns < deadline)
			deadline = last_report + report_ns;
		ts = rcapfs_ns_timespec(deadline);
		pthread_cond_timedwait(&sc->wake, &sc->lock, &ts);
	}
	pthread_mutex_unlock(&sc->lock);
	return NULL;
}

int rcapfs_scanner_start(struct rcapfs_scanner *sc)
{
	int rc = 0;

	pthread_mutex_lock(&sc->lock);
	if (sc->running) {
		rc = -EALREADY;
	} else {
		rc = -pthread_create(&sc->thread, NULL, sampler_main, sc);
		sc->running = rc == 0;
		if (sc->running)
			scanner_forks_start(sc);
		if (sc->running &&
		    !rcapfs_backend_can(sc->be, RCAPFS_SCAN_NEEDS))
			log_warn("the %s backend cannot page out: caps are not "
				 "enforced",
				 sc->be->ops->name);
	}
	pthread_mutex_unlock(&sc->lock);
	return rc;
}

void rcapfs_scanner_stop(struct rcapfs_scanner *sc)
{
	pthread_mutex_lock(&sc->lock);
	/* A concurrent stop already joins it. */
	if (!sc->running || sc->stopping) {
		pthread_mutex_unlock(&sc->lock);
		return;
	}
	sc->stopping = true;
	pthread_cond_signal(&sc->wake);
	pthread_mutex_unlock(&sc->lock);

	pthread_join(sc->thread, NULL);
	scanner_forks_stop(sc);

	pthread_mutex_lock(&sc->lock);
	sc->running = false;
	sc->stopping = false;
	sc->kick = false;
	pthread_mutex_unlock(&sc->lock);
}
