/*
 * Each collection's statistics (caps/NAME/stats): what a sample found,
 * committed with its new member list; read with the counters of its
 * enforcer; and reported to the log every report_interval as rcapstat
 * shows it.
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include "compat/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void commit_stats(struct collection *c, const struct snap *s,
			 int64_t now_unix)
{
	struct rcapfs_stats *st = &c->stats;
	uint64_t rss_bytes = s->rss_kb * 1024;

	st->nproc = s->nmembers;
	st->rss_bytes = rss_bytes;
	st->vm_bytes = s->vm_kb * 1024;
	st->cap_bytes = s->cap_bytes;
	st->excess_bytes = s->cap_bytes && rss_bytes > s->cap_bytes
				   ? rss_bytes - s->cap_bytes
				   : 0;
	if (st->samples == 0 || rss_bytes < st->rss_min_bytes)
		st->rss_min_bytes = rss_bytes;
	if (rss_bytes > st->rss_max_bytes)
		st->rss_max_bytes = rss_bytes;
	st->samples++;
	st->unenforced += s->unenforced;
	st->last_sample_unix = now_unix;
	st->accounting = s->acct;
}

void scanner_commit_locked(struct rcapfs_scanner *sc, struct sampling *smp)
{
	int64_t now_unix = (int64_t)time(NULL);

	for (size_t i = 0; i < smp->n; i++) {
		struct snap *s = &smp->snaps[i];
		struct collection *c = s->c;
		struct member *old = c->members;

		if (c->removed) {
			s->excess_bytes = 0;
			continue;
		}
		c->stats.majflt =
			scanner_majflt_commit(c, s->members, s->nmembers);
		c->members = s->members;
		c->nmembers = s->nmembers;
		s->members = old;
		commit_stats(c, s, now_unix);
	}
}

void scanner_report(struct rcapfs_scanner *sc)
{
	struct rcapfs_buf out = RCAPFS_BUF_INIT;
	int rc = 0;

	pthread_mutex_lock(&sc->lock);
	for (size_t i = 0; i < sc->ncolls && rc == 0; i++) {
		struct collection *c = sc->colls[i];
		struct rcapfs_stats merged = c->stats;
		const struct rcapfs_stats *st = &merged;

		rcapfs_enforcer_stats(c->enf, &merged);
		rc = rcapfs_buf_printf(
			&out,
			"collection %s: nproc %llu vm %lluK rss %lluK cap "
			"%lluK at %lluK pg %lluK\n",
			c->name, (unsigned long long)st->nproc,
			(unsigned long long)(st->vm_bytes / 1024),
			(unsigned long long)(st->rss_bytes / 1024),
			(unsigned long long)(c->cap_bytes / 1024),
			(unsigned long long)((st->at_bytes -
					      c->reported_at_bytes) /
					     1024),
			(unsigned long long)((st->pg_bytes -
					      c->reported_pg_bytes) /
					     1024));
		c->reported_at_bytes = st->at_bytes;
		c->reported_pg_bytes = st->pg_bytes;
	}
	pthread_mutex_unlock(&sc->lock);
	/* Logged outside the lock: syslog may block. */
	for (char *line = out.data, *nl; line && (nl = strchr(line, '\n'));
	     line = nl + 1) {
		*nl = '\0';
		log_info("%s", line);
	}
	if (rc)
		log_warn("report: %s", strerror(-rc));
	rcapfs_buf_release(&out);
}

/* What caps/NAME/stats shows of c. Under sc->lock. */
static void stats_locked(const struct collection *c, struct rcapfs_stats *out)
{
	*out = c->stats;
	rcapfs_enforcer_stats(c->enf, out);
	/* The cap as set now, and the excess of the last rss over it, so
	 * cap and excess always agree. */
	out->cap_bytes = c->cap_bytes;
	out->excess_bytes = c->cap_bytes && out->rss_bytes > c->cap_bytes
				    ? out->rss_bytes - c->cap_bytes
				    : 0;
}

int rcapfs_scanner_stats(struct rcapfs_scanner *sc, const char *name,
			 struct rcapfs_stats *out)
{
	struct collection *c;

	pthread_mutex_lock(&sc->lock);
	c = scanner_find(sc, name);
	if (c)
		stats_locked(c, out);
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
}

int rcapfs_scanner_all_stats(struct rcapfs_scanner *sc,
			     struct rcapfs_named_stats **out, size_t *n)
{
	struct rcapfs_named_stats *all;

	pthread_mutex_lock(&sc->lock);
	/* Allocated under the lock: the count cannot change meanwhile. */
	all = calloc(sc->ncolls ? sc->ncolls : 1, sizeof(*all));
	if (all) {
		for (size_t i = 0; i < sc->ncolls; i++) {
			snprintf(all[i].name, sizeof(all[i].name), "%s",
				 sc->colls[i]->name);
			stats_locked(sc->colls[i], &all[i].st);
		}
		*n = sc->ncolls;
	}
	pthread_mutex_unlock(&sc->lock);
	*out = all;
	return all ? 0 : -ENOMEM;
}
