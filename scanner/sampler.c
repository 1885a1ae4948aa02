/*
 * The sampling thread: every sample_interval (or at once when woken), one
 * sample of every collection: its members, from a full walk of the process
 * table at least every scan_interval and after a change of rules, else by
 * re-reading the known members (and the processes held to their
 * RLIMIT_RSS, found by the walks); then the decision to enforce, the
 * commit of the figures, and the hand-over to the enforcers; and the
 * report every report_interval.
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
		snaps[i].swap_idle_s = c->swap_idle_s;
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
		free(snaps[i].swapouts);
	}
	free(snaps);
}

/* Whether a walk is needed at all: collections without rules have no
 * members, and RSS limits are looked for only while ctl/rlimit_rss is 1.
 * *flags gets what the walk must read. */
static bool walk_needed(const struct sampling *smp, unsigned *flags)
{
	bool any = smp->ctl.rlimit_rss;

	*flags = smp->ctl.rlimit_rss ? RCAPFS_PROCS_RLIMIT : 0;
	for (size_t i = 0; i < smp->n; i++) {
		any = any || rcapfs_rules_count(smp->snaps[i].rules);
		if (rcapfs_rules_need_cgroup(smp->snaps[i].rules))
			*flags |= RCAPFS_PROCS_CGROUP;
	}
	return any;
}

/* Decide every collection's members from the process table. */
static int walk_members(struct sampling *smp,
			const struct rcapfs_proc_list *list)
{
	struct rcapfs_proc_order *order = NULL;
	bool *member = NULL;
	int rc;

	rc = rcapfs_proc_order_new(list, &order);
	if (rc)
		return rc;
	rc = -ENOMEM;
	member = calloc(list->n ? list->n : 1, sizeof(*member));
	if (!member)
		goto out;
	for (size_t i = 0; i < smp->n; i++) {
		struct snap *s = &smp->snaps[i];
		const struct collection *c = s->c;
		long k = rcapfs_membership_update(c->membership, s->rules,
						  order, member);

		if (k < 0) {
			rc = (int)k;
			goto out;
		}
		s->members = calloc(k ? (size_t)k : 1, sizeof(*s->members));
		if (!s->members)
			goto out;
		for (size_t j = 0; j < list->n; j++) {
			const struct rcapfs_proc *p = &list->procs[j];
			struct member m = {.pid = p->pid,
					   .start_ticks = p->start_ticks,
					   .rss_kb = p->rss_kb,
					   .vm_kb = p->vm_kb,
					   .cpu_ticks = p->cpu_ticks,
					   .majflt = p->majflt};

			if (!member[j])
				continue;
			scanner_member_follow(
				&m,
				scanner_member_find(c->members, c->nmembers,
						    p->pid, p->start_ticks),
				smp->now_ns);
			s->members[s->nmembers++] = m;
			s->rss_kb += m.rss_kb;
			s->vm_kb += m.vm_kb;
		}
	}
	rc = 0;
out:
	free(member);
	rcapfs_proc_order_free(order);
	return rc;
}

/* A full walk: the process table once, for the members of every
 * collection and the processes with an RSS limit. */
static int walk(struct rcapfs_scanner *sc, struct sampling *smp)
{
	struct rcapfs_proc_list list = {.procs = NULL, .n = 0};
	const struct rcapfs_backend *be = sc->be;
	unsigned flags;
	int rc;

	if (!walk_needed(smp, &flags))
		return 0;
	rc = be->ops->procs(be->ctx, flags, &list);
	/* A host without a process table: every collection is empty. */
	if (rc == -ENOSYS)
		rc = 0;
	if (rc == 0)
		rc = walk_members(smp, &list);
	if (rc == 0 && smp->ctl.rlimit_rss)
		rc = scanner_rlimits_walk(smp, &list);
	rcapfs_proc_list_free(&list);
	return rc;
}

/*
 * Between walks: re-read only the known members, one small read each.
 * Members that are gone are dropped; one that cannot be read for another
 * reason keeps its last figures until the next walk decides.
 */
static int resample_members(struct rcapfs_scanner *sc, struct sampling *smp)
{
	const struct rcapfs_backend *be = sc->be;

	for (size_t i = 0; i < smp->n; i++) {
		struct snap *s = &smp->snaps[i];
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
				m.cpu_ticks = u.cpu_ticks;
				m.majflt = u.majflt;
				scanner_member_follow(&m, &c->members[j],
						      smp->now_ns);
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
	uint64_t now = rcapfs_mono_ns();
	struct sampling smp = {.now_ns = now, .util_pct = 100, .swap = false};
	struct rcapfs_meminfo mi;
	bool walking;
	int rc;

	pthread_mutex_lock(&sc->lock);
	smp.ctl = sc->ctl;
	walking = !sc->walked || sc->need_walk ||
		  now - sc->last_walk_ns >=
			  smp.ctl.scan_interval_s * RCAPFS_NS_PER_S;
	rc = snapshot_locked(sc, &smp.snaps, &smp.n);
	if (rc == 0 && walking)
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
	if (walking) {
		rc = walk(sc, &smp);
	} else {
		rc = resample_members(sc, &smp);
		if (rc == 0 && smp.ctl.rlimit_rss)
			rc = scanner_rlimits_resample(sc, &smp);
	}
	if (rc == 0) {
		scanner_decide(sc, &smp);
		/* In one hold of the lock: a cap lifted or enforcement turned
		 * off meanwhile (their setters withdraw under it) is not
		 * undone by a request decided before. */
		pthread_mutex_lock(&sc->lock);
		scanner_commit_locked(sc, &smp);
		scanner_rlimits_commit_locked(sc, &smp);
		scanner_enforce_locked(sc, &smp);
		scanner_rlimits_enforce_locked(sc, &smp);
		pthread_mutex_unlock(&sc->lock);
	}

	pthread_mutex_lock(&sc->lock);
	if (walking && rc == 0) {
		sc->walked = true;
		sc->last_walk_ns = now;
	} else if (walking) {
		sc->need_walk = true; /* try again next time */
	}
	pthread_mutex_unlock(&sc->lock);
	snapshot_release(sc, smp.snaps, smp.n);
	scanner_rlimits_release(&smp);
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
