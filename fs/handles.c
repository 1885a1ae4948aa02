#include "config.h"

#include "fs/handles.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/types.h>

/*
 * An id, low bits to high: a slot of the table plus one, so that no id is
 * 0 (SLOT_BITS); the generation of that slot, bumped each time the slot
 * is freed, so a stale id finds a newer generation and nothing
 * (GEN_BITS); the table's instance (the rest), so that an id another
 * table gave (a server that had the connection before) is not taken for
 * one of ours. Handles made again for such an id are found by it in the
 * list of adopted ids.
 */
#define SLOT_BITS     24
#define GEN_BITS      16
#define INSTANCE_BITS (64 - SLOT_BITS - GEN_BITS)
#define SLOT_MASK     ((UINT64_C(1) << SLOT_BITS) - 1)
#define GEN_MASK      ((UINT64_C(1) << GEN_BITS) - 1)
#define INSTANCE_MASK ((UINT64_C(1) << INSTANCE_BITS) - 1)

struct slot {
	void *h; /* NULL: free */
	uint32_t gen;
};

struct adopted {
	uint64_t id; /* another table's */
	uint32_t slot;
};

struct rcapfs_handles {
	pthread_mutex_t lock;
	void (*free_fn)(void *);
	struct slot *slots;
	uint32_t nslots;
	uint32_t *free; /* indexes of free slots, a stack */
	uint32_t nfree;
	size_t count;
	uint64_t instance;
	struct adopted *adopted;
	size_t nadopted;
};

int rcapfs_handles_new(void (*free_fn)(void *), uint32_t instance,
		       struct rcapfs_handles **out)
{
	struct rcapfs_handles *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->free_fn = free_fn;
	t->instance = instance & INSTANCE_MASK;
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
	free(t->adopted);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Room for one more slot. Under t->lock. Returns 0 or -ENOMEM. */
static int grow(struct rcapfs_handles *t)
{
	uint32_t n = t->nslots ? 2 * t->nslots : 16;
	struct slot *slots;
	uint32_t *free_idx;

	if (t->nslots >= SLOT_MASK / 2)
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

/* Put h in a free slot: 0 and its index in *i, or -ENOMEM. Under
 * t->lock. */
static int put(struct rcapfs_handles *t, void *h, uint32_t *i)
{
	int rc = t->nfree ? 0 : grow(t);

	if (rc)
		return rc;
	*i = t->free[--t->nfree];
	t->slots[*i].h = h;
	t->count++;
	return 0;
}

int rcapfs_handles_add(struct rcapfs_handles *t, void *h, uint64_t *id)
{
	uint32_t i;
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = put(t, h, &i);
	if (rc == 0)
		*id = t->instance << (SLOT_BITS + GEN_BITS) |
		      ((uint64_t)t->slots[i].gen & GEN_MASK) << SLOT_BITS |
		      ((uint64_t)i + 1);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Where id is in the list of adopted ids, or -1. Under t->lock. */
static ssize_t adopted_at(struct rcapfs_handles *t, uint64_t id)
{
	for (size_t a = 0; a < t->nadopted; a++)
		if (t->adopted[a].id == id)
			return (ssize_t)a;
	return -1;
}

/* The slot of id, or NULL. Under t->lock. */
static struct slot *slot_of(struct rcapfs_handles *t, uint64_t id)
{
	uint64_t i = (id & SLOT_MASK) - 1;
	ssize_t a;

	if (id >> (SLOT_BITS + GEN_BITS) == t->instance &&
	    (id & SLOT_MASK) != 0 && i < t->nslots &&
	    (t->slots[i].gen & GEN_MASK) == ((id >> SLOT_BITS) & GEN_MASK) &&
	    t->slots[i].h)
		return &t->slots[i];
	a = adopted_at(t, id);
	return a < 0 ? NULL : &t->slots[t->adopted[a].slot];
}

int rcapfs_handles_adopt(struct rcapfs_handles *t, uint64_t id, void *h,
			 void **held)
{
	struct adopted *grown;
	struct slot *s;
	uint32_t i;
	int rc;

	pthread_mutex_lock(&t->lock);
	s = slot_of(t, id);
	*held = s ? s->h : h;
	if (s) {
		rc = 0;
		goto out;
	}
	grown = realloc(t->adopted, (t->nadopted + 1) * sizeof(*grown));
	if (!grown) {
		rc = -ENOMEM;
		goto out;
	}
	t->adopted = grown;
	rc = put(t, h, &i);
	if (rc == 0)
		t->adopted[t->nadopted++] = (struct adopted){id, i};
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
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
		ssize_t a = adopted_at(t, id);

		if (a >= 0)
			t->adopted[a] = t->adopted[--t->nadopted];
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
