/*
 * udpbench: a fixed-size hash table that keeps its keys in order of last
 * use, for the reflector's sessions and its per-source rate cap. All memory
 * is allocated by ub_lru_new; finding, adding and removing keys allocate
 * nothing. Values live in the caller's own arrays, indexed by slot
 * (0 <= slot < capacity).
 *
 * Keys sit in one of UB_LRU_SEGMENTS segments, each in its own order of
 * use (a segmented LRU: the reflector keeps sessions heard once apart from
 * those heard again). A key is added to segment 0; a table that never moves
 * a key is a plain LRU.
 */
#ifndef UB_LRU_H
#define UB_LRU_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define UB_LRU_KEY_MAX 20      /* an IPv6 address, a port and an SSID */
#define UB_LRU_CAP_MAX (1u << 24)
#define UB_LRU_SEGMENTS 2

/* Returns a table of cap slots (1..UB_LRU_CAP_MAX) hashing with seed, or NULL with e filled. Free with ub_lru_free. */
struct ub_lru *ub_lru_new(unsigned cap, uint32_t seed, struct ub_err *e);
void ub_lru_free(struct ub_lru *t);

/* Returns the slot holding key[0..len) and makes it the most recently used, or -1. */
int ub_lru_find(struct ub_lru *t, const void *key, size_t len);

/* Returns the slot holding key[0..len), or -1; the order of use stays as it is. */
int ub_lru_lookup(const struct ub_lru *t, const void *key, size_t len);

/* Makes slot (in use) the most recently used of segment seg (0..UB_LRU_SEGMENTS-1). */
void ub_lru_move(struct ub_lru *t, int slot, unsigned seg);

/* The segment slot (in use) is in. */
unsigned ub_lru_segment(const struct ub_lru *t, int slot);

/*
 * Adds key[0..len) (not in the table) as the most recently used of segment
 * 0; returns its slot, or -1 when the table is full or len > UB_LRU_KEY_MAX.
 */
int ub_lru_add(struct ub_lru *t, const void *key, size_t len);

/* Returns the least recently used slot of segment 0, or -1 when it is empty. */
int ub_lru_oldest(const struct ub_lru *t);

/* Returns the least recently used slot of segment seg, or -1 when it is empty. */
int ub_lru_oldest_in(const struct ub_lru *t, unsigned seg);

/* Forgets the key in slot (which must be in use); the slot becomes free. */
void ub_lru_remove(struct ub_lru *t, int slot);

/* Keys held now, in all segments and in segment seg. */
unsigned ub_lru_count(const struct ub_lru *t);
unsigned ub_lru_count_in(const struct ub_lru *t, unsigned seg);
unsigned ub_lru_capacity(const struct ub_lru *t);

/* Returns a seed from the kernel's random source (the clock when there is none), so remote hosts cannot aim collisions. */
uint32_t ub_lru_random_seed(void);

#endif
