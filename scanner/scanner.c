/*
 * The scanner's life cycle (made, freed, the reference tracker it reads
 * its victims through), the global controls of ctl/ and the gauges of
 * ctl/status.
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include "compat/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t page_size_of(const struct rcapfs_backend *be)
{
	struct rcapfs_features f;

	memset(&f, 0, sizeof(f));
	if (be->ops->features(be->ctx, &f) || f.page_size == 0)
		return 4096;
	return f.page_size;
}

int rcapfs_scanner_new(struct rcapfs_backend *be, struct rcapfs_scanner **out)
{
	const struct rcapfs_ctl defaults = RCAPFS_CTL_DEFAULTS;
	struct rcapfs_scanner *sc;
	int rc;

	*out = NULL;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	/* Interval waits must not jump with the wall clock. */
	rc = rcapfs_cond_init_mono(&sc->wake);
	if (rc)
		goto fail;
	rc = rcapfs_tracker_new(be, &sc->tr);
	if (rc) {
		pthread_cond_destroy(&sc->wake);
		goto fail;
	}
	pthread_mutex_init(&sc->sample_lock, NULL);
	pthread_mutex_init(&sc->members_lock, NULL);
	pthread_mutex_init(&sc->lock, NULL);
	sc->be = be;
	sc->ctl = defaults;
	sc->next_coll_id = 1;
	sc->page_size = page_size_of(be);
	sc->created_ns = rcapfs_mono_ns();
	*out = sc;
	return 0;
fail:
	free(sc);
	return rc;
}

void rcapfs_scanner_free(struct rcapfs_scanner *sc)
{
	if (!sc)
		return;
	rcapfs_scanner_stop(sc);
	for (size_t i = 0; i < sc->ncolls; i++)
		scanner_collection_free(sc->colls[i]);
	free(sc->colls);
	for (size_t i = 0; i < sc->nrlim; i++)
		rcapfs_enforcer_free(sc->rlim[i].enf);
	free(sc->rlim);
	rcapfs_tracker_free(sc->tr);
	pthread_cond_destroy(&sc->wake);
	pthread_mutex_destroy(&sc->lock);
	pthread_mutex_destroy(&sc->members_lock);
	pthread_mutex_destroy(&sc->sample_lock);
	free(sc);
}

struct rcapfs_tracker *rcapfs_scanner_tracker(struct rcapfs_scanner *sc)
{
	return sc->tr;
}

void rcapfs_scanner_get_ctl(struct rcapfs_scanner *sc, struct rcapfs_ctl *out)
{
	pthread_mutex_lock(&sc->lock);
	*out = sc->ctl;
	pthread_mutex_unlock(&sc->lock);
}

int rcapfs_scanner_set_ctl(struct rcapfs_scanner *sc,
			   const struct rcapfs_ctl *ctl)
{
	int rc = rcapfs_ctl_check(ctl);

	if (rc)
		return rc;
	pthread_mutex_lock(&sc->lock);
	/* Enforcement held back from now: nothing more is started. */
	for (size_t i = 0; i < sc->ncolls && !ctl->enforce; i++) {
		rcapfs_enforcer_withdraw(sc->colls[i]->enf);
		rcapfs_enforcer_drop_swapouts(sc->colls[i]->enf);
	}
	for (size_t i = 0; i < sc->nrlim && !ctl->enforce; i++)
		if (sc->rlim[i].enf)
			rcapfs_enforcer_withdraw(sc->rlim[i].enf);
	sc->ctl = *ctl;
	/* No sample is due; the thread just recomputes its deadline. */
	pthread_cond_signal(&sc->wake);
	pthread_mutex_unlock(&sc->lock);
	return 0;
}

int rcapfs_scanner_status(struct rcapfs_scanner *sc, struct rcapfs_status *out)
{
	const struct rcapfs_backend *be = sc->be;
	struct rcapfs_meminfo mi;
	uint64_t now = rcapfs_mono_ns(), max_age;
	bool fresh;
	int rc;

	memset(out, 0, sizeof(*out));
	/* The figures of the last sample; read here only when no sample
	 * has read them for a whole interval (the thread is not running),
	 * so a busy reader of ctl/status cannot make the daemon read /proc
	 * more often than it samples. */
	pthread_mutex_lock(&sc->lock);
	max_age = sc->ctl.sample_interval_s * RCAPFS_NS_PER_S;
	fresh = sc->have_mi && now - sc->mi_ns < max_age;
	mi = sc->mi;
	pthread_mutex_unlock(&sc->lock);
	if (!fresh) {
		rc = scanner_sample_meminfo(sc, &mi);
		/* A host without memory figures still has a status. */
		if (rc == -ENOSYS)
			memset(&mi, 0, sizeof(mi));
		else if (rc)
			return rc;
	}
	out->mem = mi;
	rc = be->ops->features(be->ctx, &out->features);
	if (rc == -ENOSYS)
		memset(&out->features, 0, sizeof(out->features));
	else if (rc)
		return rc;
	out->memory_utilization_pct = scanner_utilization_pct(&out->mem);
	out->fidelity = rcapfs_tracker_fidelity(sc->tr);
	out->enforcement = rcapfs_backend_can(be, RCAPFS_SCAN_NEEDS);
	out->uptime_s = (now - sc->created_ns) / RCAPFS_NS_PER_S;
	pthread_mutex_lock(&sc->lock);
	out->collections = sc->ncolls;
	out->rlimit_processes = sc->nrlim;
	out->rlimit_pg_bytes = scanner_rlimits_pg_locked(sc);
	pthread_mutex_unlock(&sc->lock);
	return 0;
}
