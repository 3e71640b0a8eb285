#include "reflect/ratelimit.h"

#include <stdlib.h>

#include "lib/clock.h"
#include "lib/lru.h"

/* Tokens are counted in billionths of a packet: one nanosecond at R packets/s adds R. */
#define TOKEN UB_NS_PER_S

struct bucket {
	int64_t tokens; /* in billionths of a packet, 0..cap */
	int64_t last_ns;
};

struct ub_ratelimit {
	int64_t rate;   /* packets per second = billionths of a packet per ns */
	int64_t cap;    /* burst * TOKEN */
	uint64_t burst;
	uint64_t evicted;
	struct ub_lru *table;
	struct bucket *buckets; /* by slot of table */
};

void ub_ratelimit_config_init(struct ub_ratelimit_config *c)
{
	c->rate = 20000;
	c->burst = 0;
	c->sources = 16384;
	c->seed = 0;
}

struct ub_ratelimit *ub_ratelimit_new(const struct ub_ratelimit_config *c, struct ub_err *e)
{
	struct ub_ratelimit *rl = NULL;

	if (c->rate < 1 || c->rate > UB_RATELIMIT_RATE_MAX) {
		ub_err_set(e, UB_E_RANGE, 0, "rate %llu outside 1..%llu packets/s",
			   (unsigned long long)c->rate, (unsigned long long)UB_RATELIMIT_RATE_MAX);
		return NULL;
	}
	if (c->burst > UB_RATELIMIT_RATE_MAX) {
		ub_err_set(e, UB_E_RANGE, 0, "burst %llu above %llu packets",
			   (unsigned long long)c->burst, (unsigned long long)UB_RATELIMIT_RATE_MAX);
		return NULL;
	}
	rl = calloc(1, sizeof(*rl));
	if (!rl) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	rl->rate = (int64_t)c->rate;
	rl->burst = c->burst ? c->burst : c->rate / 10;
	if (rl->burst < 1)
		rl->burst = 1;
	/* At most 1e9 packets of 1e9 billionths each: well inside int64_t. */
	rl->cap = (int64_t)rl->burst * TOKEN;
	rl->table = ub_lru_new(c->sources, c->seed ? c->seed : ub_lru_random_seed(), e);
	if (!rl->table)
		goto fail;
	rl->buckets = calloc(c->sources, sizeof(*rl->buckets));
	if (!rl->buckets) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory for %u sources", c->sources);
		goto fail;
	}
	return rl;
fail:
	ub_ratelimit_free(rl);
	return NULL;
}

void ub_ratelimit_free(struct ub_ratelimit *rl)
{
	if (!rl)
		return;
	ub_lru_free(rl->table);
	free(rl->buckets);
	free(rl);
}

int ub_ratelimit_allow(struct ub_ratelimit *rl, const struct ub_addr *src, int64_t now_ns)
{
	uint8_t key[UB_ADDR_KEY_MAX];
	struct bucket *b;
	size_t n = ub_net_addr_key(src, key) - 2; /* the address without its port */
	int64_t elapsed, room;
	int slot;

	slot = ub_lru_find(rl->table, key, n);
	if (slot < 0) {
		if (ub_lru_count(rl->table) == ub_lru_capacity(rl->table)) {
			ub_lru_remove(rl->table, ub_lru_oldest(rl->table));
			rl->evicted++;
		}
		slot = ub_lru_add(rl->table, key, n);
		if (slot < 0)
			return 1; /* cannot happen: a slot was just freed */
		/* A new source starts with a full bucket, less this packet. */
		rl->buckets[slot].tokens = rl->cap - TOKEN;
		rl->buckets[slot].last_ns = now_ns;
		return 1;
	}
	b = &rl->buckets[slot];
	elapsed = now_ns - b->last_ns;
	/* Time that seems to run backwards (stamps of two batches) adds nothing. */
	if (elapsed > 0) {
		room = rl->cap - b->tokens;
		/* Compare before multiplying: a source silent for hours must not overflow. */
		if (elapsed >= (room + rl->rate - 1) / rl->rate)
			b->tokens = rl->cap;
		else
			b->tokens += elapsed * rl->rate;
		b->last_ns = now_ns;
	}
	if (b->tokens < TOKEN)
		return 0;
	b->tokens -= TOKEN;
	return 1;
}

uint64_t ub_ratelimit_burst(const struct ub_ratelimit *rl)
{
	return rl->burst;
}

unsigned ub_ratelimit_sources(const struct ub_ratelimit *rl)
{
	return ub_lru_count(rl->table);
}

uint64_t ub_ratelimit_evicted(const struct ub_ratelimit *rl)
{
	return rl->evicted;
}
