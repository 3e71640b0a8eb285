#include "reflect/seen.h"

#include <stdlib.h>

struct ub_seen {
	unsigned slots;
	struct ub_seen_session *live;
	struct ub_seen_session *ended; /* a ring: ended_n records from ended_head */
	unsigned ended_max, ended_head, ended_n;
	uint64_t dropped;
};

struct ub_seen *ub_seen_new(unsigned slots, unsigned ended_max, struct ub_err *e)
{
	struct ub_seen *s = calloc(1, sizeof(*s));

	if (!s)
		goto fail;
	s->slots = slots;
	s->ended_max = ended_max ? ended_max : 1;
	s->live = calloc(slots, sizeof(*s->live));
	s->ended = calloc(s->ended_max, sizeof(*s->ended));
	if (!s->live || !s->ended)
		goto fail;
	return s;
fail:
	ub_err_set(e, UB_E_NOMEM, 0, "out of memory for the figures of %u sessions", slots);
	ub_seen_free(s);
	return NULL;
}

void ub_seen_free(struct ub_seen *s)
{
	if (!s)
		return;
	free(s->live);
	free(s->ended);
	free(s);
}

struct ub_peerstats *ub_seen_begin(struct ub_seen *s, int slot, const struct ub_addr *peer,
				   uint16_t ssid)
{
	struct ub_seen_session *x = &s->live[slot];

	x->peer = *peer;
	x->ssid = ssid;
	x->live = 1;
	x->fate = UB_SEEN_ACTIVE;
	return &x->st;
}

struct ub_peerstats *ub_seen_stats(struct ub_seen *s, int slot)
{
	return &s->live[slot].st;
}

void ub_seen_end(struct ub_seen *s, int slot, enum ub_seen_fate fate)
{
	struct ub_seen_session *x = &s->live[slot];
	unsigned at;

	if (!x->live)
		return;
	x->live = 0;
	if (s->ended_n == s->ended_max) {
		/* Full: the oldest ended record gives way. */
		s->ended_head = (s->ended_head + 1) % s->ended_max;
		s->ended_n--;
		s->dropped++;
	}
	at = (s->ended_head + s->ended_n++) % s->ended_max;
	s->ended[at] = *x;
	s->ended[at].fate = (uint8_t)fate;
}

void ub_seen_each(const struct ub_seen *s, void (*fn)(void *ctx, const struct ub_seen_session *x),
		  void *ctx)
{
	unsigned i;

	for (i = 0; i < s->ended_n; i++)
		fn(ctx, &s->ended[(s->ended_head + i) % s->ended_max]);
	for (i = 0; i < s->slots; i++)
		if (s->live[i].live)
			fn(ctx, &s->live[i]);
}

uint64_t ub_seen_dropped(const struct ub_seen *s)
{
	return s->dropped;
}

const char *ub_seen_fate_name(enum ub_seen_fate f)
{
	static const char *const names[] = { "active", "evicted", "timed_out", "restarted" };

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "unknown";
}
