/*
 * Fork events: while the scanner runs, a thread of its own reads them from
 * the backend, and the child of a pid-rule member joins its parent's
 * collections at once, before its parent can exit and leave it to init
 * (a daemon that detaches between two walks stays a member).
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include "compat/log.h"

#include <errno.h>
#include <string.h>

/* The start time of pid (0 when it is gone), which tells a reused pid. */
static uint64_t start_of(const struct rcapfs_backend *be, pid_t pid)
{
	struct rcapfs_proc p;
	uint64_t start = 0;

	memset(&p, 0, sizeof(p));
	if (be->ops->proc(be->ctx, pid, 0, &p) == 0) {
		start = p.start_ticks;
		rcapfs_proc_release(&p);
	}
	return start;
}

/* A fork: the child joins every collection its parent is a pid-rule
 * member of, before its parent can exit and leave it to init. */
static void adopt_fork(struct rcapfs_scanner *sc, const struct rcapfs_fork *f)
{
	uint64_t parent_start, child_start;
	bool tracked = false;

	/* Most forks on the machine are nobody's: no /proc read for them. */
	pthread_mutex_lock(&sc->lock);
	for (size_t i = 0; i < sc->ncolls && !tracked; i++)
		tracked = rcapfs_membership_tracks(sc->colls[i]->membership,
						   f->parent_tgid);
	pthread_mutex_unlock(&sc->lock);
	if (!tracked)
		return;
	parent_start = start_of(sc->be, f->parent_tgid);
	child_start = start_of(sc->be, f->child_tgid);
	pthread_mutex_lock(&sc->lock);
	for (size_t i = 0; i < sc->ncolls; i++) {
		int rc = rcapfs_membership_adopt(sc->colls[i]->membership, f,
						 parent_start, child_start,
						 NULL);

		if (rc && !sc->told_adopt) {
			log_warn("collection %s: child %d of member %d not "
				 "remembered: %s",
				 sc->colls[i]->name, (int)f->child_tgid,
				 (int)f->parent_tgid, strerror(-rc));
			sc->told_adopt = true;
		}
	}
	pthread_mutex_unlock(&sc->lock);
}

/* How long one wait for fork events lasts: at most this long, a stop
 * waits for the thread. */
#define FORKS_WAIT_MS 200
#define FORKS_BATCH   64

static void *forks_main(void *arg)
{
	struct rcapfs_scanner *sc = arg;
	const struct rcapfs_backend *be = sc->be;
	struct rcapfs_fork ev[FORKS_BATCH];
	bool told_lost = false, stop = false;

	while (!stop) {
		int n = be->ops->forks_wait(be->ctx, sc->forks, ev, FORKS_BATCH,
					    FORKS_WAIT_MS);

		if (n == -ENOBUFS && !told_lost) {
			log_warn("fork events were lost (the kernel's queue "
				 "overflowed): a child whose parent exits "
				 "before the next walk may leave its "
				 "collection");
			told_lost = true;
		} else if (n < 0 && n != -ENOBUFS) {
			log_warn("fork events: %s; pid rules follow forks "
				 "at walks only",
				 strerror(-n));
			break;
		}
		for (int i = 0; i < n; i++)
			adopt_fork(sc, &ev[i]);
		pthread_mutex_lock(&sc->lock);
		stop = sc->stopping;
		pthread_mutex_unlock(&sc->lock);
	}
	return NULL;
}

void scanner_forks_start(struct rcapfs_scanner *sc)
{
	const struct rcapfs_backend *be = sc->be;
	int rc = rcapfs_backend_can(be, RCAPFS_CAN_FORK_EVENTS)
			 ? be->ops->forks_open(be->ctx, &sc->forks)
			 : -ENOSYS;

	if (rc == 0) {
		rc = -pthread_create(&sc->forks_thread, NULL, forks_main, sc);
		if (rc) {
			be->ops->forks_close(be->ctx, sc->forks);
			sc->forks = NULL;
		}
	}
	if (rc)
		log_info("no fork events (%s): a pid rule's members are "
			 "followed at walks only",
			 strerror(-rc));
}

void scanner_forks_stop(struct rcapfs_scanner *sc)
{
	if (!sc->forks)
		return;
	pthread_join(sc->forks_thread, NULL);
	sc->be->ops->forks_close(sc->be->ctx, sc->forks);
	sc->forks = NULL;
}
