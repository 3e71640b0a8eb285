#include "lib/lru.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/net.h"

#define NIL (-1)

struct slot {
	uint8_t key[UB_LRU_KEY_MAX];
	uint8_t len;
	uint8_t used;
	uint8_t seg;
	uint32_t hash;
	int32_t chain;        /* next slot in the same bucket (or in the free list) */
	int32_t newer, older; /* neighbours in order of use, within the segment */
};

/* One segment's order of use. */
struct order {
	int32_t newest, oldest;
	unsigned count;
};

struct ub_lru {
	unsigned cap, count;
	uint32_t mask, seed;
	int32_t *buckets;
	struct slot *slots;
	struct order seg[UB_LRU_SEGMENTS];
	int32_t free_head;
};

struct ub_lru *ub_lru_new(unsigned cap, uint32_t seed, struct ub_err *e)
{
	struct ub_lru *t = NULL;
	uint32_t nb = 1;
	unsigned i;

	if (cap < 1 || cap > UB_LRU_CAP_MAX) {
		ub_err_set(e, UB_E_RANGE, 0, "table size %u outside 1..%u", cap, UB_LRU_CAP_MAX);
		return NULL;
	}
	/* At least two buckets a slot keeps chains short. */
	while (nb < 2 * cap)
		nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->buckets = malloc(nb * sizeof(*t->buckets));
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->buckets || !t->slots)
		goto nomem;
	t->cap = cap;
	t->mask = nb - 1;
	t->seed = seed;
	for (i = 0; i < nb; i++)
		t->buckets[i] = NIL;
	for (i = 0; i < cap; i++)
		t->slots[i].chain = i + 1 < cap ? (int32_t)(i + 1) : NIL;
	t->free_head = 0;
	for (i = 0; i < UB_LRU_SEGMENTS; i++)
		t->seg[i].newest = t->seg[i].oldest = NIL;
	return t;
nomem:
	ub_lru_free(t);
	ub_err_set(e, UB_E_NOMEM, 0, "out of memory for a table of %u", cap);
	return NULL;
}

void ub_lru_free(struct ub_lru *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->slots);
	free(t);
}

/* FNV-1a from the seed, then a final mix so that every bit of the key reaches the low bits. */
static uint32_t key_hash(const struct ub_lru *t, const void *key, size_t len)
{
	uint32_t h = ub_net_hash(key, len, UB_NET_HASH_INIT ^ t->seed);

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static void unlink_use(struct ub_lru *t, int32_t i)
{
	struct slot *s = &t->slots[i];
	struct order *o = &t->seg[s->seg];

	if (s->newer != NIL)
		t->slots[s->newer].older = s->older;
	else
		o->newest = s->older;
	if (s->older != NIL)
		t->slots[s->older].newer = s->newer;
	else
		o->oldest = s->newer;
	o->count--;
}

static void push_newest(struct ub_lru *t, int32_t i, unsigned seg)
{
	struct slot *s = &t->slots[i];
	struct order *o = &t->seg[seg];

	s->seg = (uint8_t)seg;
	s->newer = NIL;
	s->older = o->newest;
	if (o->newest != NIL)
		t->slots[o->newest].newer = i;
	o->newest = i;
	if (o->oldest == NIL)
		o->oldest = i;
	o->count++;
}

int ub_lru_lookup(const struct ub_lru *t, const void *key, size_t len)
{
	uint32_t h;
	int32_t i;

	if (len > UB_LRU_KEY_MAX)
		return NIL;
	h = key_hash(t, key, len);
	for (i = t->buckets[h & t->mask]; i != NIL; i = t->slots[i].chain) {
		const struct slot *s = &t->slots[i];

		if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
			return i;
	}
	return NIL;
}

void ub_lru_move(struct ub_lru *t, int slot, unsigned seg)
{
	struct slot *s;

	if (slot < 0 || (unsigned)slot >= t->cap || !t->slots[slot].used || seg >= UB_LRU_SEGMENTS)
		return;
	s = &t->slots[slot];
	if (s->seg == seg && t->seg[seg].newest == slot)
		return;
	unlink_use(t, slot);
	push_newest(t, slot, seg);
}

unsigned ub_lru_segment(const struct ub_lru *t, int slot)
{
	return t->slots[slot].seg;
}

int ub_lru_find(struct ub_lru *t, const void *key, size_t len)
{
	int32_t i = ub_lru_lookup(t, key, len);

	if (i != NIL)
		ub_lru_move(t, i, t->slots[i].seg);
	return i;
}

int ub_lru_add(struct ub_lru *t, const void *key, size_t len)
{
	struct slot *s;
	uint32_t h;
	int32_t i;

	if (len > UB_LRU_KEY_MAX || t->free_head == NIL)
		return NIL;
	i = t->free_head;
	s = &t->slots[i];
	t->free_head = s->chain;
	h = key_hash(t, key, len);
	memcpy(s->key, key, len);
	s->len = (uint8_t)len;
	s->hash = h;
	s->used = 1;
	s->chain = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = i;
	push_newest(t, i, 0);
	t->count++;
	return i;
}

int ub_lru_oldest(const struct ub_lru *t)
{
	return t->seg[0].oldest;
}

int ub_lru_oldest_in(const struct ub_lru *t, unsigned seg)
{
	return seg < UB_LRU_SEGMENTS ? t->seg[seg].oldest : NIL;
}

void ub_lru_remove(struct ub_lru *t, int slot)
{
	struct slot *s;
	int32_t *pp;

	if (slot < 0 || (unsigned)slot >= t->cap || !t->slots[slot].used)
		return;
	s = &t->slots[slot];
	for (pp = &t->buckets[s->hash & t->mask]; *pp != NIL; pp = &t->slots[*pp].chain) {
		if (*pp == slot) {
			*pp = s->chain;
			break;
		}
	}
	unlink_use(t, slot);
	s->used = 0;
	s->chain = t->free_head;
	t->free_head = slot;
	t->count--;
}

unsigned ub_lru_count(const struct ub_lru *t)
{
	return t->count;
}

unsigned ub_lru_count_in(const struct ub_lru *t, unsigned seg)
{
	return seg < UB_LRU_SEGMENTS ? t->seg[seg].count : 0;
}

unsigned ub_lru_capacity(const struct ub_lru *t)
{
	return t->cap;
}

uint32_t ub_lru_random_seed(void)
{
	uint32_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	/* No getrandom (old kernel) or no entropy yet: the clocks' low bits still differ per start. */
	return (uint32_t)ub_clock_real() ^ (uint32_t)(ub_clock_mono() >> 3) ^ ((uint32_t)getpid() << 16);
}
