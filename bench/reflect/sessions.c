#include "reflect/sessions.h"

#include <stdlib.h>

#include "lib/clock.h"
#include "lib/lru.h"

#define NIL (-1)

/* Segments of the session table. */
enum { PROBATION = 0, PROTECTED = 1 };

/* A source address: how many sessions it holds, and per segment their order of last hearing. */
struct source {
	unsigned count;
	int32_t newest[UB_LRU_SEGMENTS], oldest[UB_LRU_SEGMENTS]; /* session slots */
};

/* What the table keeps per session slot. */
struct session {
	int64_t last;           /* last answered */
	int32_t source;         /* slot in the source table */
	int32_t newer, older;   /* neighbours among the source's sessions of the same segment */
};

struct ub_sessions {
	struct ub_sessions_config cfg;
	unsigned protected_max; /* the protected segment leaves this much room for probation */
	struct ub_lru *table;   /* (address, port, SSID) */
	struct ub_lru *sources; /* address: at most one per session, so it never fills */
	struct session *sess;
	struct source *src;
	struct ub_sessions_counters cnt;
};

void ub_sessions_config_init(struct ub_sessions_config *c)
{
	c->max = 4096;
	c->per_source = 64;
	c->idle_ns = 60 * UB_NS_PER_S;
	c->active_ns = UB_NS_PER_S;
	c->seed = 0;
	c->on_end = NULL;
	c->ctx = NULL;
}

struct ub_sessions *ub_sessions_new(const struct ub_sessions_config *c, struct ub_err *e)
{
	struct ub_sessions *s;
	uint32_t seed = c->seed ? c->seed : ub_lru_random_seed();

	s = calloc(1, sizeof(*s));
	if (!s) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	s->cfg = *c;
	if (s->cfg.per_source == 0 || s->cfg.per_source > c->max)
		s->cfg.per_source = c->max;
	/* An eighth of the table (at least one slot) always stays open to newcomers. */
	s->protected_max = c->max - (c->max / 8 ? c->max / 8 : 1);
	s->table = ub_lru_new(c->max, seed, e);
	if (!s->table)
		goto fail;
	s->sources = ub_lru_new(c->max, seed ^ 0x5bd1e995u, e);
	if (!s->sources)
		goto fail;
	s->sess = calloc(c->max, sizeof(*s->sess));
	s->src = calloc(c->max, sizeof(*s->src));
	if (!s->sess || !s->src) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory for %u sessions", c->max);
		goto fail;
	}
	return s;
fail:
	ub_sessions_free(s);
	return NULL;
}

void ub_sessions_free(struct ub_sessions *s)
{
	if (!s)
		return;
	ub_lru_free(s->table);
	ub_lru_free(s->sources);
	free(s->sess);
	free(s->src);
	free(s);
}

/* The session key: address, port, SSID. Returns its length. */
static size_t session_key(const struct ub_addr *peer, uint16_t ssid, uint8_t key[UB_LRU_KEY_MAX])
{
	size_t n = ub_net_addr_key(peer, key); /* address, port: 6 or 18 octets */

	key[n++] = (uint8_t)(ssid >> 8);
	key[n++] = (uint8_t)ssid;
	return n;
}

/* The source key: the address alone. Returns its length. */
static size_t source_key(const struct ub_addr *peer, uint8_t key[UB_LRU_KEY_MAX])
{
	return ub_net_addr_key(peer, key) - 2;
}

/* Takes slot out of its source's list of segment seg (the segment it is in). */
static void source_unlink(struct ub_sessions *s, int slot, unsigned seg)
{
	struct session *x = &s->sess[slot];
	struct source *src = &s->src[x->source];

	if (x->newer != NIL)
		s->sess[x->newer].older = x->older;
	else
		src->newest[seg] = x->older;
	if (x->older != NIL)
		s->sess[x->older].newer = x->newer;
	else
		src->oldest[seg] = x->newer;
}

/* Makes slot the newest of its source's list of segment seg. */
static void source_push(struct ub_sessions *s, int slot, unsigned seg)
{
	struct session *x = &s->sess[slot];
	struct source *src = &s->src[x->source];

	x->newer = NIL;
	x->older = src->newest[seg];
	if (src->newest[seg] != NIL)
		s->sess[src->newest[seg]].newer = slot;
	src->newest[seg] = slot;
	if (src->oldest[seg] == NIL)
		src->oldest[seg] = slot;
}

/*
 * Makes slot (now in segment from) the most recently heard of segment seg,
 * in the table and among its source's sessions.
 */
static void session_move(struct ub_sessions *s, int slot, unsigned from, unsigned seg)
{
	/* Heard again and already its source's newest there: the common case costs a compare. */
	if (from != seg || s->src[s->sess[slot].source].newest[seg] != slot) {
		source_unlink(s, slot, from);
		source_push(s, slot, seg);
	}
	ub_lru_move(s->table, slot, seg);
}

/* Forgets the session in slot (ended for why), and its source when that was its last session. */
static void session_drop(struct ub_sessions *s, int slot, enum ub_sessions_end why)
{
	int32_t si = s->sess[slot].source;

	if (s->cfg.on_end)
		s->cfg.on_end(s->cfg.ctx, slot, why);

	source_unlink(s, slot, ub_lru_segment(s->table, slot));
	if (--s->src[si].count == 0)
		ub_lru_remove(s->sources, si);
	ub_lru_remove(s->table, slot);
	s->cnt.open--;
}

static int active(const struct ub_sessions *s, int slot, int64_t now)
{
	return now - s->sess[slot].last < s->cfg.active_ns;
}

int ub_sessions_find(struct ub_sessions *s, const struct ub_addr *peer, uint16_t ssid,
		     int64_t now)
{
	uint8_t key[UB_LRU_KEY_MAX];
	size_t n = session_key(peer, ssid, key);
	int slot = ub_lru_lookup(s->table, key, n);

	if (slot >= 0 && now - s->sess[slot].last > s->cfg.idle_ns) {
		/* Silent past the timeout but not swept yet: it is over all the same. */
		session_drop(s, slot, UB_SESSIONS_TIMED_OUT);
		slot = NIL;
	}
	return slot;
}

/*
 * Makes room for a newcomer from the source in source slot si (NIL: a new
 * source); returns 0, or -1 when nothing may give way.
 */
static int make_room(struct ub_sessions *s, int32_t si, int64_t now)
{
	int victim;

	if (si != NIL && s->src[si].count >= s->cfg.per_source) {
		/* The source's own least recently heard session on probation makes room, else its idlest. */
		victim = s->src[si].oldest[PROBATION];
		if (victim < 0) {
			victim = s->src[si].oldest[PROTECTED];
			if (active(s, victim, now))
				return -1;
		}
	} else if (ub_lru_count(s->table) == ub_lru_capacity(s->table)) {
		victim = ub_lru_oldest_in(s->table, PROBATION);
		if (victim < 0) {
			victim = ub_lru_oldest_in(s->table, PROTECTED);
			if (active(s, victim, now))
				return -1;
		}
	} else {
		return 0;
	}
	session_drop(s, victim, UB_SESSIONS_EVICTED);
	s->cnt.evicted++;
	return 0;
}

int ub_sessions_add(struct ub_sessions *s, const struct ub_addr *peer, uint16_t ssid,
		    int64_t now)
{
	uint8_t key[UB_LRU_KEY_MAX], skey[UB_LRU_KEY_MAX];
	size_t n = source_key(peer, skey);
	int32_t si = ub_lru_lookup(s->sources, skey, n);
	int slot;

	if (make_room(s, si, now) < 0)
		return NIL;
	/* Making room may have taken the source's last session, and the source with it. */
	if (si != NIL && s->src[si].count == 0)
		si = NIL;
	if (si == NIL) {
		si = ub_lru_add(s->sources, skey, n);
		if (si < 0)
			return NIL; /* cannot happen: never more sources than sessions */
		s->src[si].count = 0;
		s->src[si].newest[PROBATION] = s->src[si].oldest[PROBATION] = NIL;
		s->src[si].newest[PROTECTED] = s->src[si].oldest[PROTECTED] = NIL;
	}
	slot = ub_lru_add(s->table, key, session_key(peer, ssid, key));
	if (slot < 0) {
		if (s->src[si].count == 0)
			ub_lru_remove(s->sources, si);
		return NIL;
	}
	s->sess[slot].last = now;
	s->sess[slot].source = si;
	s->src[si].count++;
	source_push(s, slot, PROBATION);
	s->cnt.open++;
	s->cnt.total++;
	return slot;
}

void ub_sessions_heard(struct ub_sessions *s, int slot, int64_t now)
{
	unsigned seg = ub_lru_segment(s->table, slot);
	int old;

	s->sess[slot].last = now;
	if (seg == PROTECTED) {
		session_move(s, slot, PROTECTED, PROTECTED);
		return;
	}
	/* Heard again: protected, if the segment has room or its oldest has fallen silent. */
	if (ub_lru_count_in(s->table, PROTECTED) >= s->protected_max) {
		old = ub_lru_oldest_in(s->table, PROTECTED);
		if (old < 0 || active(s, old, now)) {
			session_move(s, slot, PROBATION, PROBATION);
			return;
		}
		session_move(s, old, PROTECTED, PROBATION);
	}
	session_move(s, slot, PROBATION, PROTECTED);
}

void ub_sessions_expire(struct ub_sessions *s, int64_t now)
{
	unsigned seg;
	int slot;

	for (seg = 0; seg < UB_LRU_SEGMENTS; seg++) {
		while ((slot = ub_lru_oldest_in(s->table, seg)) >= 0 &&
		       now - s->sess[slot].last > s->cfg.idle_ns)
			session_drop(s, slot, UB_SESSIONS_TIMED_OUT);
	}
}

unsigned ub_sessions_of_source(const struct ub_sessions *s, const struct ub_addr *peer)
{
	uint8_t skey[UB_LRU_KEY_MAX];
	int32_t si = ub_lru_lookup(s->sources, skey, source_key(peer, skey));

	return si == NIL ? 0 : s->src[si].count;
}

int ub_sessions_protected(const struct ub_sessions *s, int slot)
{
	return ub_lru_segment(s->table, slot) == PROTECTED;
}

void ub_sessions_counters(const struct ub_sessions *s, struct ub_sessions_counters *out)
{
	*out = s->cnt;
}
