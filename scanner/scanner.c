#include "config.h"
#include "scanner/scanner.h"

#include "compat/clock.h"
#include "compat/log.h"
#include "scanner/enforcer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A member as of the last sample. */
struct member {
	pid_t pid;
	uint64_t start_ticks;
	uint64_t rss_kb;
	uint64_t vm_kb;
};

struct collection {
	char name[RCAPFS_NAME_MAX + 1];
	unsigned refs; /* the table's and in-flight operations'; sc->lock */
	bool removed;  /* no longer in the table */
	uint64_t cap_bytes;
	struct rcapfs_rules *rules; /* immutable; replaced whole */
	struct rcapfs_stats stats;
	/* Sorted by pid. Only the sampler replaces them (under sc->lock),
	 * so the sampler may read them without the lock. */
	struct member *members;
	size_t nmembers;
	/* Used by the sampler alone, under sc->sample_lock. */
	struct rcapfs_membership *membership;
	/* at/pg at the last report, for per-interval figures. */
	uint64_t reported_at_bytes;
	uint64_t reported_pg_bytes;
	/* Its scans, and their counters. */
	struct rcapfs_enforcer *enf;
};

struct rcapfs_scanner {
	struct rcapfs_backend *be; /* borrowed */
	struct rcapfs_tracker *tr;
	uint64_t created_ns;

	/* Lock order: sample_lock or members_lock before lock. */
	pthread_mutex_t sample_lock;  /* one sample at a time */
	pthread_mutex_t members_lock; /* one rules writer at a time */
	pthread_mutex_t lock;	      /* everything below */
	pthread_cond_t wake;	      /* CLOCK_MONOTONIC */

	struct collection **colls; /* sorted by name */
	size_t ncolls;
	struct rcapfs_ctl ctl;

	bool walked;	       /* a full walk has been made */
	bool need_walk;	       /* rules changed since the last walk */
	uint64_t last_walk_ns; /* monotonic */

	/* meminfo of the last sample, served to ctl/status. */
	struct rcapfs_meminfo mi;
	bool have_mi;
	uint64_t mi_ns; /* monotonic, when read */

	pthread_t thread;
	bool running;
	bool stopping;
	bool kick; /* sample now */

	/* Fork events (while running, where the backend has them). */
	struct rcapfs_forks *forks;
	pthread_t forks_thread;
	bool told_adopt; /* said once, under lock */

	/* Used by the sampler alone, under sample_lock: said once. */
	bool told_unique;
	bool told_pss;
	uint32_t page_size;
};

/*
 * One collection as a sample sees it: references taken under the lock,
 * figures gathered without it, committed under it again.
 */
struct snap {
	struct collection *c;
	struct rcapfs_rules *rules;
	uint64_t cap_bytes;
	struct member *members; /* the new member list, until committed */
	size_t nmembers;
	uint64_t rss_kb; /* under accounting acct */
	uint64_t vm_kb;
	enum rcapfs_accounting acct;
	bool unenforced;
	/* Over the cap and enforced now: the victims to scan. */
	struct rcapfs_scan_victim *victims;
	size_t nvictims;
	uint64_t excess_bytes;
};

static unsigned utilization_pct(const struct rcapfs_meminfo *mi)
{
	if (mi->mem_total == 0 || mi->mem_available >= mi->mem_total)
		return 0;
	return 100 - (unsigned)(mi->mem_available * 100 / mi->mem_total);
}

/*
 * The rcapd rule (DESIGN section 4): caps are enforced when enforcement is
 * on and either pressure is 0 or memory utilization exceeds it.
 */
static bool should_enforce(const struct rcapfs_ctl *ctl, unsigned util_pct)
{
	return ctl->enforce &&
	       (ctl->pressure_pct == 0 || util_pct > ctl->pressure_pct);
}

bool rcapfs_name_valid(const char *name)
{
	size_t len = strlen(name);

	/* A leading '-' would read as an option to every shell tool. */
	if (len == 0 || len > RCAPFS_NAME_MAX || name[0] == '.' ||
	    name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		      ch == '-'))
			return false;
	}
	return true;
}

static void collection_free(struct collection *c)
{
	if (!c)
		return;
	/* First: its thread may still be reading the members' memory. */
	rcapfs_enforcer_free(c->enf);
	rcapfs_rules_free(c->rules);
	rcapfs_membership_free(c->membership);
	free(c->members);
	free(c);
}

static struct collection *collection_new(struct rcapfs_scanner *sc,
					 const char *name)
{
	struct collection *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rules = rcapfs_rules_new();
	c->membership = rcapfs_membership_new();
	if (!c->rules || !c->membership ||
	    rcapfs_enforcer_new(sc->tr, sc->be, name, &c->enf)) {
		collection_free(c);
		return NULL;
	}
	strcpy(c->name, name);
	c->refs = 1;
	c->stats.version = RCAPFS_STATS_VERSION;
	c->stats.accounting = RCAPFS_ACCT_RSS;
	c->stats.fidelity = rcapfs_tracker_fidelity(sc->tr);
	return c;
}

/* Drop a reference under sc->lock; returns the collection when that was
 * the last one, for the caller to free after unlocking. */
static struct collection *collection_put(struct collection *c)
{
	return --c->refs == 0 ? c : NULL;
}

/* Binary search by name under sc->lock: returns true when found; *pos is
 * its index, or where it would go. */
static bool find_pos(const struct rcapfs_scanner *sc, const char *name,
		     size_t *pos)
{
	size_t lo = 0, hi = sc->ncolls;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, sc->colls[mid]->name);

		if (cmp == 0) {
			*pos = mid;
			return true;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return false;
}

static struct collection *find(const struct rcapfs_scanner *sc,
			       const char *name)
{
	size_t pos;

	return find_pos(sc, name, &pos) ? sc->colls[pos] : NULL;
}

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
		collection_free(sc->colls[i]);
	free(sc->colls);
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

/* Wake the thread for a sample now; under sc->lock. */
static void kick_locked(struct rcapfs_scanner *sc)
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
		snaps[i].c = collection_put(snaps[i].c);
	pthread_mutex_unlock(&sc->lock);
	for (size_t i = 0; i < n; i++) {
		collection_free(snaps[i].c);
		rcapfs_rules_free(snaps[i].rules);
		free(snaps[i].members);
		free(snaps[i].victims);
	}
	free(snaps);
}

/* A full walk: decide every collection's members from the process table. */
static int walk_members(struct rcapfs_scanner *sc, struct snap *snaps, size_t n)
{
	struct rcapfs_proc_list list = {NULL, 0};
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
	if (rc)
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
			s->members[s->nmembers++] = (struct member){
				p->pid, p->start_ticks, p->rss_kb, p->vm_kb};
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
			int rc = be->ops->proc_sample(be->ctx, m.pid,
						      m.start_ticks, &m.rss_kb,
						      &m.vm_kb);

			if (rc == -ESRCH)
				continue;
			if (rc) {
				log_debug("collection %s: cannot sample pid "
					  "%d: %s",
					  c->name, (int)m.pid, strerror(-rc));
				m = c->members[j];
			}
			s->members[s->nmembers++] = m;
			s->rss_kb += m.rss_kb;
			s->vm_kb += m.vm_kb;
		}
	}
	return 0;
}

/* Read meminfo for this sample and keep it for ctl/status. Returns 0, or
 * -errno when the host gives no figures. */
static int sample_meminfo(struct rcapfs_scanner *sc, struct rcapfs_meminfo *mi)
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The collection's memory with each physical page counted once: the
 * members' page frame numbers, merged. Returns 0, -EPERM when the kernel
 * hides them, or -errno.
 */
static int unique_kb(struct rcapfs_scanner *sc, const struct snap *s,
		     uint64_t *out)
{
	const struct rcapfs_backend *be = sc->be;
	uint64_t *all = NULL, count = 0;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < s->nmembers && rc == 0; i++) {
		struct rcapfs_task *t;
		uint64_t *pfns, *grown;
		size_t k;

		rc = be->ops->task_open(be->ctx, s->members[i].pid,
					s->members[i].start_ticks, &t);
		if (rc == 0) {
			rc = be->ops->task_pfns(be->ctx, t, &pfns, &k);
			be->ops->task_close(be->ctx, t);
		}
		if (rc == -ESRCH) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		grown = k ? realloc(all, (n + k) * sizeof(*all)) : all;
		if (!grown) {
			free(pfns);
			rc = -ENOMEM;
			break;
		}
		all = grown;
		memcpy(all + n, pfns, k * sizeof(*all));
		n += k;
		free(pfns);
	}
	if (rc == 0) {
		qsort(all, n, sizeof(*all), cmp_u64);
		for (size_t i = 0; i < n; i++)
			count += i == 0 || all[i] != all[i - 1];
		*out = count * (sc->page_size / 1024);
	}
	free(all);
	return rc;
}

/* Sum of the members' Pss. Returns 0 or -errno. */
static int pss_kb(struct rcapfs_scanner *sc, const struct snap *s,
		  uint64_t *out)
{
	const struct rcapfs_backend *be = sc->be;
	uint64_t sum = 0;
	int rc = 0;

	for (size_t i = 0; i < s->nmembers && rc == 0; i++) {
		struct rcapfs_task *t;
		uint64_t kb = 0;

		rc = be->ops->task_open(be->ctx, s->members[i].pid,
					s->members[i].start_ticks, &t);
		if (rc == 0) {
			rc = be->ops->task_pss(be->ctx, t, &kb);
			be->ops->task_close(be->ctx, t);
		}
		if (rc == -ESRCH)
			rc = 0;
		sum += kb;
	}
	if (rc == 0)
		*out = sum;
	return rc;
}

/*
 * Account a collection whose sum of RSS is over its cap under the costly
 * mode asked for (that sum is an upper bound of the others), falling back
 * to pss, then rss, with one log line saying why.
 */
static void account(struct rcapfs_scanner *sc, enum rcapfs_accounting mode,
		    struct snap *s)
{
	uint64_t kb;
	int rc;

	if (mode == RCAPFS_ACCT_UNIQUE) {
		rc = unique_kb(sc, s, &kb);
		if (rc == 0) {
			s->rss_kb = kb;
			s->acct = RCAPFS_ACCT_UNIQUE;
			return;
		}
		if (!sc->told_unique)
			log_warn("accounting unique: page frame numbers are "
				 "not available (%s%s): using pss",
				 strerror(-rc),
				 rc == -EPERM || rc == -EACCES
					 ? "; they need CAP_SYS_ADMIN"
					 : "");
		sc->told_unique = true;
	}
	rc = pss_kb(sc, s, &kb);
	if (rc == 0) {
		s->rss_kb = kb;
		s->acct = RCAPFS_ACCT_PSS;
		return;
	}
	if (!sc->told_pss)
		log_warn("accounting pss: %s: using rss", strerror(-rc));
	sc->told_pss = true;
}

/* The members as victims of a scan. Returns NULL on ENOMEM. */
static struct rcapfs_scan_victim *victims_of(const struct snap *s)
{
	struct rcapfs_scan_victim *v =
		calloc(s->nmembers ? s->nmembers : 1, sizeof(*v));

	for (size_t i = 0; v && i < s->nmembers; i++) {
		v[i].pid = s->members[i].pid;
		v[i].start_ticks = s->members[i].start_ticks;
	}
	return v;
}

/*
 * Decide, for each collection over its cap, whether the cap is enforced
 * now, accounting it as ctl/accounting says first. Runs without the table
 * lock, between measuring and committing.
 */
static void decide(struct rcapfs_scanner *sc, const struct rcapfs_ctl *ctl,
		   struct snap *snaps, size_t n, unsigned util_pct)
{
	for (size_t i = 0; i < n; i++) {
		struct snap *s = &snaps[i];

		s->acct = RCAPFS_ACCT_RSS;
		if (s->cap_bytes == 0 || s->rss_kb * 1024 <= s->cap_bytes)
			continue;
		if (ctl->accounting != RCAPFS_ACCT_RSS)
			account(sc, ctl->accounting, s);
		if (s->rss_kb * 1024 <= s->cap_bytes)
			continue;
		s->unenforced = !should_enforce(ctl, util_pct);
		if (s->unenforced)
			continue;
		s->victims = victims_of(s);
		s->nvictims = s->nmembers;
		if (s->victims)
			s->excess_bytes = s->rss_kb * 1024 - s->cap_bytes;
		else
			log_warn("collection %s: cannot enforce: %s",
				 s->c->name, strerror(ENOMEM));
	}
}

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

static void commit(struct rcapfs_scanner *sc, struct snap *snaps, size_t n)
{
	int64_t now_unix = (int64_t)time(NULL);

	pthread_mutex_lock(&sc->lock);
	for (size_t i = 0; i < n; i++) {
		struct snap *s = &snaps[i];
		struct collection *c = s->c;
		struct member *old = c->members;

		if (c->removed) {
			s->excess_bytes = 0;
			continue;
		}
		c->members = s->members;
		c->nmembers = s->nmembers;
		s->members = old;
		commit_stats(c, s, now_unix);
	}
	pthread_mutex_unlock(&sc->lock);
}

/* Hand each enforced collection to its enforcer; the others' enforcers
 * drop what they were still to do. The snapshot's references keep the
 * collections alive. */
static void enforce(const struct rcapfs_ctl *ctl, const struct snap *snaps,
		    size_t n, bool swap)
{
	for (size_t i = 0; i < n; i++) {
		const struct snap *s = &snaps[i];
		struct rcapfs_enforce_request req;

		if (!s->excess_bytes) {
			rcapfs_enforcer_withdraw(s->c->enf);
			continue;
		}
		req.excess_bytes = s->excess_bytes;
		req.advice = ctl->mode == RCAPFS_MODE_COLD
				     ? RCAPFS_ADVICE_COLD
				     : RCAPFS_ADVICE_PAGEOUT;
		req.swap = swap;
		req.victims = s->victims;
		req.nvictims = s->nvictims;
		rcapfs_enforcer_request(s->c->enf, &req);
	}
}

/* One sample; the caller holds sc->sample_lock. */
static int sample_locked(struct rcapfs_scanner *sc)
{
	struct rcapfs_meminfo mi;
	struct snap *snaps = NULL;
	struct rcapfs_ctl ctl;
	uint64_t now = rcapfs_mono_ns();
	unsigned util_pct = 100;
	bool walk, swap = false;
	size_t n = 0;
	int rc;

	pthread_mutex_lock(&sc->lock);
	ctl = sc->ctl;
	walk = !sc->walked || sc->need_walk ||
	       now - sc->last_walk_ns >= ctl.scan_interval_s * RCAPFS_NS_PER_S;
	rc = snapshot_locked(sc, &snaps, &n);
	if (rc == 0 && walk)
		sc->need_walk = false;
	pthread_mutex_unlock(&sc->lock);
	if (rc)
		return rc;

	/* Without figures the cap alone decides, as if memory were full,
	 * and anonymous memory is taken to have nowhere to go. */
	if (sample_meminfo(sc, &mi) == 0) {
		util_pct = utilization_pct(&mi);
		swap = mi.swap_total > 0 && mi.swap_free > 0;
	}
	rc = walk ? walk_members(sc, snaps, n) : resample_members(sc, snaps, n);
	if (rc == 0) {
		decide(sc, &ctl, snaps, n, util_pct);
		commit(sc, snaps, n);
		enforce(&ctl, snaps, n, swap);
	}

	pthread_mutex_lock(&sc->lock);
	if (walk && rc == 0) {
		sc->walked = true;
		sc->last_walk_ns = now;
	} else if (walk) {
		sc->need_walk = true; /* try again next time */
	}
	pthread_mutex_unlock(&sc->lock);
	snapshot_release(sc, snaps, n);
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

/* One line per collection, as rcapstat shows it: at and pg since the last
 * report. */
static void report(struct rcapfs_scanner *sc)
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
			report(sc);
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
						 parent_start, child_start);

		if (rc < 0 && !sc->told_adopt) {
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

/* Subscribe to fork events and follow them in a thread of their own;
 * without them, pid rules follow forks at walks. Under sc->lock. */
static void forks_start(struct rcapfs_scanner *sc)
{
	const struct rcapfs_backend *be = sc->be;
	int rc = be->ops->forks_open(be->ctx, &sc->forks);

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
			forks_start(sc);
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
	if (sc->forks) {
		pthread_join(sc->forks_thread, NULL);
		sc->be->ops->forks_close(sc->be->ctx, sc->forks);
		sc->forks = NULL;
	}

	pthread_mutex_lock(&sc->lock);
	sc->running = false;
	sc->stopping = false;
	sc->kick = false;
	pthread_mutex_unlock(&sc->lock);
}

int rcapfs_scanner_create(struct rcapfs_scanner *sc, const char *name)
{
	struct collection *c, **grown;
	size_t pos;
	int rc = 0;

	if (!rcapfs_name_valid(name))
		return -EINVAL;
	c = collection_new(sc, name);
	if (!c)
		return -ENOMEM;
	pthread_mutex_lock(&sc->lock);
	if (find_pos(sc, name, &pos)) {
		rc = -EEXIST;
		goto out;
	}
	if (sc->ncolls >= RCAPFS_COLLECTIONS_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	grown = realloc(sc->colls, (sc->ncolls + 1) * sizeof(*grown));
	if (!grown) {
		rc = -ENOMEM;
		goto out;
	}
	sc->colls = grown;
	memmove(&grown[pos + 1], &grown[pos],
		(sc->ncolls - pos) * sizeof(*grown));
	grown[pos] = c;
	sc->ncolls++;
	c = NULL;
out:
	pthread_mutex_unlock(&sc->lock);
	collection_free(c);
	return rc;
}

int rcapfs_scanner_remove(struct rcapfs_scanner *sc, const char *name)
{
	struct collection *c, *dead = NULL;
	size_t pos;

	pthread_mutex_lock(&sc->lock);
	if (!find_pos(sc, name, &pos)) {
		pthread_mutex_unlock(&sc->lock);
		return -ENOENT;
	}
	c = sc->colls[pos];
	memmove(&sc->colls[pos], &sc->colls[pos + 1],
		(sc->ncolls - pos - 1) * sizeof(*sc->colls));
	sc->ncolls--;
	c->removed = true;
	dead = collection_put(c);
	pthread_mutex_unlock(&sc->lock);
	collection_free(dead);
	return 0;
}

bool rcapfs_scanner_exists(struct rcapfs_scanner *sc, const char *name)
{
	bool found;

	pthread_mutex_lock(&sc->lock);
	found = find(sc, name) != NULL;
	pthread_mutex_unlock(&sc->lock);
	return found;
}

void rcapfs_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int rcapfs_scanner_names(struct rcapfs_scanner *sc, char ***names, size_t *n)
{
	char **out;
	size_t count = 0;
	int rc = 0;

	pthread_mutex_lock(&sc->lock);
	out = calloc(sc->ncolls ? sc->ncolls : 1, sizeof(*out));
	if (!out) {
		rc = -ENOMEM;
		goto out;
	}
	for (; count < sc->ncolls; count++) {
		out[count] = strdup(sc->colls[count]->name);
		if (!out[count]) {
			rc = -ENOMEM;
			break;
		}
	}
out:
	pthread_mutex_unlock(&sc->lock);
	if (rc) {
		rcapfs_names_free(out, count);
		return rc;
	}
	*names = out;
	*n = count;
	return 0;
}

int rcapfs_scanner_set_cap(struct rcapfs_scanner *sc, const char *name,
			   uint64_t cap_bytes)
{
	struct collection *c;
	uint64_t rounded;

	if (cap_bytes > UINT64_MAX - 1023)
		return -ERANGE;
	rounded = (cap_bytes + 1023) & ~(uint64_t)1023;
	pthread_mutex_lock(&sc->lock);
	c = find(sc, name);
	if (c) {
		c->cap_bytes = rounded;
		if (rounded && rounded < c->stats.rss_bytes)
			kick_locked(sc);
		else
			rcapfs_enforcer_withdraw(c->enf);
	}
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
}

int rcapfs_scanner_get_cap(struct rcapfs_scanner *sc, const char *name,
			   uint64_t *cap_bytes)
{
	struct collection *c;

	pthread_mutex_lock(&sc->lock);
	c = find(sc, name);
	if (c)
		*cap_bytes = c->cap_bytes;
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
}

int rcapfs_scanner_set_members(struct rcapfs_scanner *sc, const char *name,
			       const char *text, size_t len, bool append,
			       enum rcapfs_rules_syntax syntax, char *err,
			       size_t errlen)
{
	struct rcapfs_rules *base = NULL, *rules = NULL;
	struct collection *c, *dead = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	/* Parsing calls the backend, so it runs without the table lock;
	 * writers are serialised so an append cannot lose another. */
	pthread_mutex_lock(&sc->members_lock);
	pthread_mutex_lock(&sc->lock);
	c = find(sc, name);
	if (c) {
		c->refs++;
		if (append)
			base = rcapfs_rules_ref(c->rules);
	}
	pthread_mutex_unlock(&sc->lock);
	if (!c) {
		pthread_mutex_unlock(&sc->members_lock);
		return -ENOENT;
	}

	rc = rcapfs_rules_parse(base, text, len, syntax, sc->be, &rules, err,
				errlen);

	pthread_mutex_lock(&sc->lock);
	if (rc == 0 && c->removed)
		rc = -ENOENT;
	if (rc == 0) {
		struct rcapfs_rules *old = c->rules;

		c->rules = rules;
		rules = old;
		sc->need_walk = true;
		kick_locked(sc);
	}
	dead = collection_put(c);
	pthread_mutex_unlock(&sc->lock);
	pthread_mutex_unlock(&sc->members_lock);
	collection_free(dead);
	rcapfs_rules_free(rules);
	rcapfs_rules_free(base);
	return rc;
}

int rcapfs_scanner_members(struct rcapfs_scanner *sc, const char *name,
			   enum rcapfs_rules_syntax syntax,
			   struct rcapfs_buf *out)
{
	struct rcapfs_rules *rules = NULL;
	struct collection *c;
	int rc;

	pthread_mutex_lock(&sc->lock);
	c = find(sc, name);
	if (c)
		rules = rcapfs_rules_ref(c->rules);
	pthread_mutex_unlock(&sc->lock);
	if (!c)
		return -ENOENT;
	rc = rcapfs_rules_format(rules, syntax, out);
	rcapfs_rules_free(rules);
	return rc;
}

int rcapfs_scanner_procs(struct rcapfs_scanner *sc, const char *name,
			 pid_t **pids, size_t *n)
{
	struct collection *c;
	pid_t *out = NULL;
	int rc = 0;

	pthread_mutex_lock(&sc->lock);
	c = find(sc, name);
	if (!c) {
		rc = -ENOENT;
		goto out;
	}
	out = calloc(c->nmembers ? c->nmembers : 1, sizeof(*out));
	if (!out) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c->nmembers; i++)
		out[i] = c->members[i].pid;
	*pids = out;
	*n = c->nmembers;
out:
	pthread_mutex_unlock(&sc->lock);
	return rc;
}

int rcapfs_scanner_stats(struct rcapfs_scanner *sc, const char *name,
			 struct rcapfs_stats *out)
{
	struct collection *c;

	pthread_mutex_lock(&sc->lock);
	c = find(sc, name);
	if (c) {
		*out = c->stats;
		rcapfs_enforcer_stats(c->enf, out);
		/* The cap as set now, and the excess of the last rss over
		 * it, so cap and excess always agree. */
		out->cap_bytes = c->cap_bytes;
		out->excess_bytes =
			c->cap_bytes && out->rss_bytes > c->cap_bytes
				? out->rss_bytes - c->cap_bytes
				: 0;
	}
	pthread_mutex_unlock(&sc->lock);
	return c ? 0 : -ENOENT;
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
	for (size_t i = 0; i < sc->ncolls && !ctl->enforce; i++)
		rcapfs_enforcer_withdraw(sc->colls[i]->enf);
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
		rc = sample_meminfo(sc, &mi);
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
	out->memory_utilization_pct = utilization_pct(&out->mem);
	out->fidelity = rcapfs_tracker_fidelity(sc->tr);
	out->uptime_s = (now - sc->created_ns) / RCAPFS_NS_PER_S;
	pthread_mutex_lock(&sc->lock);
	out->collections = sc->ncolls;
	pthread_mutex_unlock(&sc->lock);
	return 0;
}
