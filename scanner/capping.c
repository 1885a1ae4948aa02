/*
 * Capping, as rcapd's do_capping(): which collections a sample found over
 * their cap are enforced now (ctl/enforce and ctl/pressure, doc/design.md
 * §4), and handing each to its enforcer (scanner/enforcer.h) with the
 * excess and the victims to scan, the idle ones first; and the members
 * idle for longer than their collection's swap_idle, to be paged out
 * whole.
 */
#include "config.h"
#include "scanner/scanner_i.h"

#include "compat/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

unsigned scanner_utilization_pct(const struct rcapfs_meminfo *mi)
{
	if (mi->mem_total == 0 || mi->mem_available >= mi->mem_total)
		return 0;
	return 100 - (unsigned)(mi->mem_available * 100 / mi->mem_total);
}

/*
 * The rcapd rule (doc/design.md §4): caps are enforced when enforcement is
 * on and either pressure is 0 or memory utilization exceeds it.
 */
static bool should_enforce(const struct rcapfs_ctl *ctl, unsigned util_pct)
{
	return ctl->enforce &&
	       (ctl->pressure_pct == 0 || util_pct > ctl->pressure_pct);
}

/* The members as victims of a scan, those idle for ctl/idle_threshold
 * marked so. Returns NULL on ENOMEM. */
static struct rcapfs_scan_victim *victims_of(const struct sampling *smp,
					     const struct snap *s)
{
	struct rcapfs_scan_victim *v =
		calloc(s->nmembers ? s->nmembers : 1, sizeof(*v));

	for (size_t i = 0; v && i < s->nmembers; i++) {
		v[i].pid = s->members[i].pid;
		v[i].start_ticks = s->members[i].start_ticks;
		v[i].idle = scanner_member_idle(&s->members[i], smp->now_ns,
						smp->ctl.idle_threshold_s);
	}
	return v;
}

/* The members idle for longer than the collection's swap_idle and not yet
 * paged out whole in this idle period: into s->swapouts, and marked paged
 * out (once per idle period). Returns 0 or -ENOMEM. */
static int swapouts_of(const struct sampling *smp, struct snap *s)
{
	s->swapouts =
		calloc(s->nmembers ? s->nmembers : 1, sizeof(*s->swapouts));
	if (!s->swapouts)
		return -ENOMEM;
	for (size_t i = 0; i < s->nmembers; i++) {
		struct member *m = &s->members[i];

		if (m->swapped_out ||
		    !scanner_member_idle(m, smp->now_ns, s->swap_idle_s))
			continue;
		m->swapped_out = true;
		s->swapouts[s->nswapouts++] = (struct rcapfs_scan_victim){
			.pid = m->pid, .start_ticks = m->start_ticks};
	}
	return 0;
}

void scanner_decide(struct rcapfs_scanner *sc, struct sampling *smp)
{
	const struct rcapfs_ctl *ctl = &smp->ctl;

	smp->enforce = should_enforce(ctl, smp->util_pct) &&
		       rcapfs_backend_can(sc->be, RCAPFS_SCAN_NEEDS);
	for (size_t i = 0; i < smp->n; i++) {
		struct snap *s = &smp->snaps[i];

		s->acct = RCAPFS_ACCT_RSS;
		if (s->swap_idle_s && smp->enforce && swapouts_of(smp, s))
			log_warn("collection %s: cannot page out idle "
				 "members: %s",
				 s->c->name, strerror(ENOMEM));
		if (s->cap_bytes == 0 || s->rss_kb * 1024 <= s->cap_bytes)
			continue;
		if (ctl->accounting != RCAPFS_ACCT_RSS)
			scanner_account(sc, ctl->accounting, s);
		if (s->rss_kb * 1024 <= s->cap_bytes)
			continue;
		s->unenforced = !smp->enforce;
		if (s->unenforced)
			continue;
		s->victims = victims_of(smp, s);
		s->nvictims = s->nmembers;
		if (s->victims)
			s->excess_bytes = s->rss_kb * 1024 - s->cap_bytes;
		else
			log_warn("collection %s: cannot enforce: %s",
				 s->c->name, strerror(ENOMEM));
	}
}

void scanner_enforce_locked(struct rcapfs_scanner *sc,
			    const struct sampling *smp)
{
	enum rcapfs_advice advice = sc->ctl.mode == RCAPFS_MODE_COLD
					    ? RCAPFS_ADVICE_COLD
					    : RCAPFS_ADVICE_PAGEOUT;

	for (size_t i = 0; i < smp->n; i++) {
		const struct snap *s = &smp->snaps[i];
		struct rcapfs_enforce_request req = {.advice = advice,
						     .swap = smp->swap};

		if (s->nswapouts && sc->ctl.enforce && !s->c->removed)
			rcapfs_enforcer_swapout(s->c->enf, s->swapouts,
						s->nswapouts, advice,
						smp->swap);
		if (!s->excess_bytes || s->c->cap_bytes != s->cap_bytes ||
		    !sc->ctl.enforce) {
			rcapfs_enforcer_withdraw(s->c->enf);
			continue;
		}
		req.excess_bytes = s->excess_bytes;
		req.victims = s->victims;
		req.nvictims = s->nvictims;
		rcapfs_enforcer_request(s->c->enf, &req);
	}
}
