#include "reflect/replay.h"

#include <stdlib.h>
#include <string.h>

/* Sequence numbers and timestamps wrap: compare them as serial numbers (RFC 1982). */
static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static int64_t t1_diff(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b);
}

static uint64_t *win_word(struct ub_replay_win *w, uint32_t seq)
{
	return &w->bits[(seq >> 6) % UB_REPLAY_WORDS];
}

static void win_mark(struct ub_replay_win *w, uint32_t seq)
{
	*win_word(w, seq) |= 1ULL << (seq & 63);
}

void ub_replay_start(struct ub_replay_seq *s, struct ub_replay_win *win, uint32_t seq,
		     uint64_t t1)
{
	s->top = seq;
	s->top_t1 = t1;
	s->first_t1 = t1;
	if (win) {
		memset(win->bits, 0, sizeof(win->bits));
		win_mark(win, seq);
	}
}

/* Moves the window's newest number up to seq (ahead of it), clearing the words passed over. */
static void win_advance(struct ub_replay_win *w, uint32_t top, uint32_t seq)
{
	/* Word numbers are 26 bits wide: count modulo that, so a wrap of the sequence is one step. */
	uint32_t words = ((seq >> 6) - (top >> 6)) & ((1u << 26) - 1), i;

	if (words >= UB_REPLAY_WORDS) {
		memset(w->bits, 0, sizeof(w->bits));
		return;
	}
	for (i = 1; i <= words; i++)
		w->bits[((top >> 6) + i) % UB_REPLAY_WORDS] = 0;
}

enum ub_replay_verdict ub_replay_check(struct ub_replay_seq *s, struct ub_replay_win *win,
				       uint32_t seq, uint64_t t1)
{
	int32_t ahead = seq_diff(seq, s->top);
	int64_t later = t1_diff(t1, s->top_t1);
	uint64_t *word, bit;

	if (ahead > 0) {
		/*
		 * Keyed: a number ahead of the run but sent before the run began
		 * belongs to an earlier run (T1 is signed): a replay.
		 */
		if (win && t1_diff(t1, s->first_t1) < 0)
			return UB_REPLAY_REPLAYED;
		if (win)
			win_advance(win, s->top, seq);
		s->top = seq;
		if (later > 0)
			s->top_t1 = t1;
		if (win)
			win_mark(win, seq);
		return UB_REPLAY_ACCEPT;
	}
	/* Back (or the same) in number but forward in time: sent later, so a new run. */
	if (later > 0 || (later == 0 && -(int64_t)ahead > UB_REPLAY_WINDOW)) {
		ub_replay_start(s, win, seq, t1);
		return UB_REPLAY_RESTART;
	}
	/* Reordered or duplicated within the run. */
	if (!win)
		return UB_REPLAY_ACCEPT;
	/* The ring holds whole words: the oldest word is shared with the newest's, so stay a word short. */
	if (-(int64_t)ahead >= UB_REPLAY_WINDOW - 64)
		return UB_REPLAY_REPLAYED;
	word = win_word(win, seq);
	bit = 1ULL << (seq & 63);
	if (*word & bit)
		return UB_REPLAY_REPLAYED;
	*word |= bit;
	return UB_REPLAY_ACCEPT;
}

#define TAG_WAYS 4

struct tag_set {
	uint64_t tag[TAG_WAYS];
	uint8_t used;  /* one bit per way */
	uint8_t next;  /* the way to overwrite when the set is full (oldest first) */
};

struct ub_replay_tags {
	uint32_t mask;
	struct tag_set *sets;
};

struct ub_replay_tags *ub_replay_tags_new(unsigned entries, struct ub_err *e)
{
	struct ub_replay_tags *c;
	uint32_t n = 1;

	while (n * TAG_WAYS < entries && n < (1u << 24))
		n <<= 1;
	c = calloc(1, sizeof(*c));
	if (c)
		c->sets = calloc(n, sizeof(*c->sets));
	if (!c || !c->sets) {
		ub_replay_tags_free(c);
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory for %u HMAC tags", entries);
		return NULL;
	}
	c->mask = n - 1;
	return c;
}

void ub_replay_tags_free(struct ub_replay_tags *c)
{
	if (!c)
		return;
	free(c->sets);
	free(c);
}

/*
 * Only tags whose HMAC verified reach the cache, and those are uniformly
 * random without the key: their own octets pick the set, no hashing needed.
 */
static void tag_split(const uint8_t tag[16], uint64_t *value, uint32_t *index)
{
	memcpy(value, tag, sizeof(*value));
	memcpy(index, tag + 8, sizeof(*index));
}

int ub_replay_tags_seen(const struct ub_replay_tags *c, const uint8_t tag[16])
{
	const struct tag_set *s;
	uint64_t v;
	uint32_t ix;
	int i;

	tag_split(tag, &v, &ix);
	s = &c->sets[ix & c->mask];
	for (i = 0; i < TAG_WAYS; i++) {
		if ((s->used >> i & 1) && s->tag[i] == v)
			return 1;
	}
	return 0;
}

void ub_replay_tags_add(struct ub_replay_tags *c, const uint8_t tag[16])
{
	struct tag_set *s;
	uint64_t v;
	uint32_t ix;

	tag_split(tag, &v, &ix);
	s = &c->sets[ix & c->mask];
	s->tag[s->next] = v;
	s->used |= (uint8_t)(1u << s->next);
	s->next = (uint8_t)((s->next + 1) % TAG_WAYS);
}
