#include "config.h"

#include "fs/handles.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/*
 * An id is a slot of the table (low 32 bits, plus one so no id is 0) and
 * the generation of that slot (high 32 bits), bumped each time the slot is
 * freed: a stale id finds a newer generation and nothing.
 */
struct slot {
	void *h; /* NULL: free */
	uint32_t gen;
};

struct rcapfs_handles {
	pthread_mutex_t lock;
	void (*free_fn)(void *);
	struct slot *slots;
	uint32_t nslots;
	uint32_t *free; /* indexes of free slots, a stack */
	uint32_t nfree;
	size_t count;
};

int rcapfs_handles_new(void (*free_fn)(void *), struct rcapfs_handles **out)
{
	struct rcapfs_handles *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->free_fn = free_fn;
	*out = t;
	return 0;
}

void rcapfs_handles_free(struct rcapfs_handles *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->nslots; i++)
		if (t->slots[i].h)
			t->free_fn(t->slots[i].h);
	free(t->slots);
	free(t->free);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Room for one more slot. Under t->lock. Returns 0 or -ENOMEM. */
static int grow(struct rcapfs_handles *t)
{
	uint32_t n = t->nslots ? 2 * t->nslots : 16;
	struct slot *slots;
	uint32_t *free_idx;

	if (t->nslots >= UINT32_MAX / 2)
		return -ENOMEM;
	slots = realloc(t->slots, n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	t->slots = slots;
	free_idx = realloc(t->free, n * sizeof(*free_idx));
	if (!free_idx)
		return -ENOMEM;
	t->free = free_idx;
	/* Pushed highest first, so the lowest slots are used first. */
	for (uint32_t i = n; i-- > t->nslots;) {
		t->slots[i] = (struct slot){NULL, 0};
		t->free[t->nfree++] = i;
	}
	t->nslots = n;
	return 0;
}

int rcapfs_handles_add(struct rcapfs_handles *t, void *h, uint64_t *id)
{
	uint32_t i;
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	if (t->nfree == 0)
		rc = grow(t);
	if (rc == 0) {
		i = t->free[--t->nfree];
		t->slots[i].h = h;
		t->count++;
		*id = (uint64_t)t->slots[i].gen << 32 | ((uint64_t)i + 1);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* The slot of id, or NULL. Under t->lock. */
static struct slot *slot_of(struct rcapfs_handles *t, uint64_t id)
{
	uint64_t i = (id & UINT32_MAX) - 1;

	if ((id & UINT32_MAX) == 0 || i >= t->nslots ||
	    t->slots[i].gen != (uint32_t)(id >> 32) || !t->slots[i].h)
		return NULL;
	return &t->slots[i];
}

void *rcapfs_handles_get(struct rcapfs_handles *t, uint64_t id)
{
	struct slot *s;
	void *h;

	pthread_mutex_lock(&t->lock);
	s = slot_of(t, id);
	h = s ? s->h : NULL;
	pthread_mutex_unlock(&t->lock);
	return h;
}

void *rcapfs_handles_take(struct rcapfs_handles *t, uint64_t id)
{
	struct slot *s;
	void *h = NULL;

	pthread_mutex_lock(&t->lock);
	s = slot_of(t, id);
	if (s) {
		h = s->h;
		s->h = NULL;
		s->gen++;
		t->free[t->nfree++] = (uint32_t)(s - t->slots);
		t->count--;
	}
	pthread_mutex_unlock(&t->lock);
	return h;
}

size_t rcapfs_handles_count(struct rcapfs_handles *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
