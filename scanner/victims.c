/*
 * What the scan remembers between passes: its victims, each with the
 * layout of its last read (the chunk states, histories and probes of each
 * mapping, and whether it is in the ignored set), followed from one member
 * list and one read to the next; and the hand of each class over them.
 */
#include "config.h"
#include "scanner/scan_i.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void vmap_release(struct vmap *vm)
{
	free(vm->chunk);
	free(vm->history);
	free(vm->probe);
}

void scan_victim_release(struct victim *v)
{
	rcapfs_tracker_close(v->r);
	for (size_t i = 0; i < v->nmaps; i++)
		vmap_release(&v->maps[i]);
	free(v->maps);
	memset(v, 0, sizeof(*v));
}

void scan_victim_gone(struct victim *v)
{
	pid_t pid = v->pid;
	uint64_t start_ticks = v->start_ticks;
	bool idle = v->idle;

	scan_victim_release(v);
	v->pid = pid;
	v->start_ticks = start_ticks;
	v->idle = idle;
	v->unscannable = true;
}

void rcapfs_scan_hand(const struct rcapfs_scan *s, bool idle, pid_t *pid,
		      uint64_t *addr)
{
	const struct hand *h = &s->hand[idle ? CLASS_IDLE : CLASS_BUSY];

	*pid = h->pid;
	*addr = h->addr;
}

size_t rcapfs_scan_ignored(const struct rcapfs_scan *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nvictims; i++)
		for (size_t j = 0; j < s->victims[i].nmaps; j++)
			n += s->victims[i].maps[j].ignored;
	return n;
}

static int cmp_victim(pid_t pid, uint64_t start, const struct victim *v)
{
	if (pid != v->pid)
		return pid < v->pid ? -1 : 1;
	if (start != v->start_ticks)
		return start < v->start_ticks ? -1 : 1;
	return 0;
}

int scan_sync_victims(struct rcapfs_scan *s,
		      const struct rcapfs_scan_victim *list, size_t n)
{
	struct victim *next = calloc(n ? n : 1, sizeof(*next));
	size_t j = 0;

	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int cmp = 1;

		while (j < s->nvictims &&
		       (cmp = cmp_victim(list[i].pid, list[i].start_ticks,
					 &s->victims[j])) > 0)
			scan_victim_release(&s->victims[j++]);
		if (j < s->nvictims && cmp == 0) {
			next[i] = s->victims[j++];
		} else {
			next[i].pid = list[i].pid;
			next[i].start_ticks = list[i].start_ticks;
		}
		next[i].idle = list[i].idle;
	}
	while (j < s->nvictims)
		scan_victim_release(&s->victims[j++]);
	free(s->victims);
	s->victims = next;
	s->nvictims = n;
	return 0;
}

struct victim *scan_find_victim(struct rcapfs_scan *s, pid_t pid,
				uint64_t start_ticks)
{
	size_t lo = 0, hi = s->nvictims;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = cmp_victim(pid, start_ticks, &s->victims[mid]);

		if (cmp == 0)
			return &s->victims[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static size_t nchunks_of(uint64_t start, uint64_t end)
{
	uint64_t lo = start & ~(RCAPFS_SCAN_CHUNK_BYTES - 1);

	return (size_t)((end - lo + RCAPFS_SCAN_CHUNK_BYTES - 1) /
			RCAPFS_SCAN_CHUNK_BYTES);
}

int scan_sync_maps(struct victim *v, const struct rcapfs_snapshot *snap)
{
	const struct rcapfs_mapping_list *ml = &snap->maps;
	struct vmap *next = calloc(ml->n ? ml->n : 1, sizeof(*next));
	size_t *old = calloc(ml->n ? ml->n : 1, sizeof(*old));
	size_t j = 0, i;
	int rc = -ENOMEM;

	if (!next || !old)
		goto out;
	/* First make what is new, so a failure leaves v as it was. */
	for (i = 0; i < ml->n; i++) {
		const struct rcapfs_mapping *m = &ml->maps[i];
		bool holds = snap->first_page[i] != RCAPFS_SNAPSHOT_NO_PAGES;
		struct vmap *vm = &next[i];

		while (j < v->nmaps && v->maps[j].start < m->start)
			j++;
		old[i] = j < v->nmaps && v->maps[j].start == m->start &&
					 v->maps[j].end == m->end
				 ? j
				 : SIZE_MAX;
		/* A mapping that holds no page (a reservation) gets no
		 * chunk state until it does. */
		if (old[i] != SIZE_MAX && (v->maps[old[i]].nchunks || !holds))
			continue;
		old[i] = SIZE_MAX;
		vm->start = m->start;
		vm->end = m->end;
		if (!holds)
			continue;
		vm->nchunks = nchunks_of(m->start, m->end);
		vm->chunk = calloc(vm->nchunks, sizeof(*vm->chunk));
		vm->history = calloc(vm->nchunks, sizeof(*vm->history));
		vm->probe = calloc(vm->nchunks, sizeof(*vm->probe));
		if (!vm->chunk || !vm->history || !vm->probe)
			goto out;
	}
	for (i = 0; i < ml->n; i++) {
		if (old[i] == SIZE_MAX)
			continue;
		next[i] = v->maps[old[i]];
		memset(&v->maps[old[i]], 0, sizeof(next[i]));
	}
	for (j = 0; j < v->nmaps; j++)
		vmap_release(&v->maps[j]);
	free(v->maps);
	v->maps = next;
	v->nmaps = ml->n;
	next = NULL;
	rc = 0;
out:
	for (i = 0; next && i < ml->n; i++)
		if (old && old[i] == SIZE_MAX)
			vmap_release(&next[i]);
	free(next);
	free(old);
	return rc;
}

size_t scan_hand_position(const struct rcapfs_scan *s, enum scan_class cls,
			  uint64_t *from, bool *resumed)
{
	const struct hand *h = &s->hand[cls];
	size_t i = 0;

	*from = 0;
	*resumed = h->pid != 0;
	if (!*resumed)
		return 0;
	while (i < s->nvictims &&
	       cmp_victim(h->pid, h->start_ticks, &s->victims[i]) > 0)
		i++;
	if (i < s->nvictims && s->victims[i].pid == h->pid &&
	    s->victims[i].start_ticks == h->start_ticks)
		*from = h->addr;
	return i;
}

void scan_flush_ignored(struct rcapfs_scan *s)
{
	for (size_t i = 0; i < s->nvictims; i++)
		for (size_t j = 0; j < s->victims[i].nmaps; j++)
			s->victims[i].maps[j].ignored = false;
}
