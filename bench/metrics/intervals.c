#include "metrics/intervals.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hist.h"

/*
 * Probes are fed in any order and taken in their own: a ring of the window
 * holds what each undecided or not yet taken probe was, and `done` is the
 * first probe not taken. Taking is what fills the records, so a record is
 * complete as soon as the first probe past its span is taken.
 *
 * Up/down: between two replies in probe order, the reflector's counter
 * moved by one more than the probes it saw in between (RFC 8762 §4.2.1); a
 * run of L losses between counters a and b lost b - a - 1 of them on the
 * way back (at most L), the rest on the way there. Which of the run's
 * probes were which nobody can tell: a run that crosses records shares
 * its counts among them in proportion.
 */

enum { P_FREE = 0, P_SENT, P_OK, P_LOST };

struct slot {
	int64_t t_ns, rtt_ns;
	uint32_t refl;
	uint8_t state, has_refl;
};

struct ub_intervals {
	struct ub_intervals_config cfg;
	struct slot *ring;
	uint64_t mask;
	uint64_t done;          /* the first probe not taken */
	struct ub_interval *recs;
	uint64_t *open_lost;    /* each record's losses that belong to the loss run still open */
	size_t n, cap;          /* records started (the last one is open) */
	size_t given;           /* records handed out by ub_intervals_take */
	int cut;
	int ended;              /* ub_intervals_end: the last record is complete too */
	struct ub_hist *span_rtt, *run_rtt;
	/* the loss run still open: its length and the record it began in */
	uint64_t run_len;
	size_t run_rec;
	/* records [0, live_done) are final: their split is summed once, for the live view */
	size_t live_done;
	uint64_t live_up, live_down;
	int have_prev;          /* a reply with a counter came before, in probe order */
	uint32_t prev_refl;
	uint64_t replied;
	struct ub_outcome *fresh;
	unsigned n_fresh;
	uint64_t fresh_dropped;
	int64_t span;           /* the span of new records: doubled each time pairs merge */
};

void ub_intervals_config_init(struct ub_intervals_config *c)
{
	c->span_ns = 1000 * 1000 * 1000LL;
	c->window = 1024;
	c->fresh = 1024;
	c->max_records = UB_INTERVALS_MAX_RECORDS;
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

struct ub_intervals *ub_intervals_new(const struct ub_intervals_config *c)
{
	struct ub_intervals *iv = calloc(1, sizeof(*iv));
	struct ub_hist_config hc;
	uint64_t size;

	if (!iv)
		return NULL;
	iv->cfg = *c;
	if (iv->cfg.span_ns <= 0)
		iv->cfg.span_ns = 1000 * 1000 * 1000LL;
	if (iv->cfg.max_records < 4)
		iv->cfg.max_records = 4;
	iv->span = iv->cfg.span_ns;
	size = pow2_at_least(c->window ? c->window : 1024);
	iv->mask = size - 1;
	ub_hist_config_init(&hc);
	iv->ring = calloc(size, sizeof(*iv->ring));
	iv->fresh = calloc(c->fresh ? c->fresh : 1, sizeof(*iv->fresh));
	iv->span_rtt = ub_hist_new(&hc);
	iv->run_rtt = ub_hist_new(&hc);
	if (!iv->ring || !iv->fresh || !iv->span_rtt || !iv->run_rtt) {
		ub_intervals_free(iv);
		return NULL;
	}
	return iv;
}

void ub_intervals_free(struct ub_intervals *iv)
{
	if (!iv)
		return;
	free(iv->ring);
	free(iv->recs);
	free(iv->open_lost);
	free(iv->fresh);
	ub_hist_free(iv->span_rtt);
	ub_hist_free(iv->run_rtt);
	free(iv);
}

/* The slot of probe idx while it is in the window, else NULL. */
static struct slot *slot_of(struct ub_intervals *iv, uint64_t idx)
{
	if (idx < iv->done || idx - iv->done > iv->mask)
		return NULL;
	return &iv->ring[idx & iv->mask];
}

/* A record's round-trip figures, all -1: no reply in its span. */
static void no_rtt(struct ub_interval *r)
{
	r->rtt_min_ns = r->rtt_p10_ns = r->rtt_p25_ns = r->rtt_median_ns = -1;
	r->rtt_p75_ns = r->rtt_p90_ns = r->rtt_max_ns = -1;
}

/*
 * Fills the open record's round-trip figures from the span's replies:
 * nearest rank, as the summary's (min and max exact, the others within
 * the histogram's error).
 */
static void close_rtt(struct ub_intervals *iv, struct ub_interval *r)
{
	static const uint32_t at[5] = { 1000, 2500, 5000, 7500, 9000 };
	int64_t q[5];

	if (!ub_hist_count(iv->span_rtt)) {
		no_rtt(r);
		return;
	}
	ub_hist_percentiles(iv->span_rtt, at, 5, q);
	r->rtt_min_ns = ub_hist_min(iv->span_rtt);
	r->rtt_p10_ns = q[0];
	r->rtt_p25_ns = q[1];
	r->rtt_median_ns = q[2];
	r->rtt_p75_ns = q[3];
	r->rtt_p90_ns = q[4];
	r->rtt_max_ns = ub_hist_max(iv->span_rtt);
	ub_hist_reset(iv->span_rtt);
}

/* A reply-weighted mean of two figures of records that both have replies. */
static int64_t weighted(int64_t a, uint64_t wa, int64_t b, uint64_t wb)
{
	return (int64_t)llround(((double)a * (double)wa + (double)b * (double)wb) /
				(double)(wa + wb));
}

/* Record a followed by b as one record, into *a. */
static void merge(struct ub_interval *a, const struct ub_interval *b)
{
	uint64_t wa = a->received ? a->received : 1, wb = b->received ? b->received : 1;

	if (b->rtt_median_ns < 0) {
		/* a's figures stand */
	} else if (a->rtt_median_ns < 0) {
		a->rtt_min_ns = b->rtt_min_ns;
		a->rtt_p10_ns = b->rtt_p10_ns;
		a->rtt_p25_ns = b->rtt_p25_ns;
		a->rtt_median_ns = b->rtt_median_ns;
		a->rtt_p75_ns = b->rtt_p75_ns;
		a->rtt_p90_ns = b->rtt_p90_ns;
		a->rtt_max_ns = b->rtt_max_ns;
	} else {
		a->rtt_min_ns = a->rtt_min_ns < b->rtt_min_ns ? a->rtt_min_ns : b->rtt_min_ns;
		a->rtt_p10_ns = weighted(a->rtt_p10_ns, wa, b->rtt_p10_ns, wb);
		a->rtt_p25_ns = weighted(a->rtt_p25_ns, wa, b->rtt_p25_ns, wb);
		a->rtt_median_ns = weighted(a->rtt_median_ns, wa, b->rtt_median_ns, wb);
		a->rtt_p75_ns = weighted(a->rtt_p75_ns, wa, b->rtt_p75_ns, wb);
		a->rtt_p90_ns = weighted(a->rtt_p90_ns, wa, b->rtt_p90_ns, wb);
		a->rtt_max_ns = a->rtt_max_ns > b->rtt_max_ns ? a->rtt_max_ns : b->rtt_max_ns;
	}
	a->end_ns = b->end_ns;
	a->sent += b->sent;
	a->received += b->received;
	a->lost += b->lost;
	a->lost_up += b->lost_up;
	a->lost_down += b->lost_down;
}

/*
 * Halves the records kept (UB_INTERVALS_MAX_RECORDS): the records taken so
 * far merge in pairs, the rest move down, new records span twice as long.
 * Nothing merges before a pair has been taken.
 */
static void coarsen(struct ub_intervals *iv)
{
	size_t m = iv->given & ~(size_t)1, j;

	if (m < 2)
		return;
	/* a pair whose first half the live sums hold: take it out, the whole pair comes back settled */
	if (iv->live_done < m && iv->live_done % 2) {
		iv->live_up -= iv->recs[iv->live_done - 1].lost_up;
		iv->live_down -= iv->recs[iv->live_done - 1].lost_down;
	}
	for (j = 0; j < m / 2; j++) {
		iv->recs[j] = iv->recs[2 * j];
		merge(&iv->recs[j], &iv->recs[2 * j + 1]);
		iv->open_lost[j] = iv->open_lost[2 * j] + iv->open_lost[2 * j + 1];
	}
	memmove(&iv->recs[m / 2], &iv->recs[m], (iv->n - m) * sizeof(*iv->recs));
	memmove(&iv->open_lost[m / 2], &iv->open_lost[m], (iv->n - m) * sizeof(*iv->open_lost));
	iv->live_done = iv->live_done < m ? iv->live_done / 2 : iv->live_done - m / 2;
	if (iv->run_len)
		iv->run_rec = iv->run_rec < m ? iv->run_rec / 2 : iv->run_rec - m / 2;
	iv->given -= m / 2;
	iv->n -= m / 2;
	iv->span *= 2;
}

/* Starts the record after the open one (closing that). Returns 0, or -1 out of memory. */
static int next_record(struct ub_intervals *iv)
{
	struct ub_interval *grown, *r;
	uint64_t *open;
	size_t cap;

	if (iv->n)
		close_rtt(iv, &iv->recs[iv->n - 1]);
	/* at the cap the records merge; none taken yet (nobody takes them), they grow */
	if (iv->n >= iv->cfg.max_records)
		coarsen(iv);
	if (iv->n == iv->cap) {
		cap = iv->cap ? 2 * iv->cap : 64;
		grown = realloc(iv->recs, cap * sizeof(*grown));
		if (grown)
			iv->recs = grown;
		open = grown ? realloc(iv->open_lost, cap * sizeof(*open)) : NULL;
		if (!open) {
			iv->cut = 1;
			return -1;
		}
		iv->open_lost = open;
		iv->cap = cap;
	}
	r = &iv->recs[iv->n];
	memset(r, 0, sizeof(*r));
	r->start_ns = iv->n ? iv->recs[iv->n - 1].end_ns : 0;
	r->end_ns = r->start_ns + iv->span;
	no_rtt(r);
	iv->open_lost[iv->n] = 0;
	iv->n++;
	return 0;
}

/* Ends the open loss run with down of its probes lost on the way back. */
static void close_run(struct ub_intervals *iv, uint64_t down)
{
	uint64_t len = iv->run_len, seen = 0, given = 0, share;
	size_t i;

	if (!len)
		return;
	if (down > len)
		down = len;
	for (i = iv->run_rec; i < iv->n; i++) {
		if (!iv->open_lost[i])
			continue;
		seen += iv->open_lost[i];
		/* cumulative rounding: the shares add up to down exactly */
		share = (down * seen + len / 2) / len - given;
		given += share;
		iv->recs[i].lost_down += share;
		iv->recs[i].lost_up += iv->open_lost[i] - share;
		iv->open_lost[i] = 0;
	}
	iv->run_len = 0;
}

static void keep_fresh(struct ub_intervals *iv, uint64_t idx, const struct slot *s)
{
	if (iv->n_fresh == (iv->cfg.fresh ? iv->cfg.fresh : 1)) {
		iv->fresh_dropped++;
		return;
	}
	iv->fresh[iv->n_fresh++] = (struct ub_outcome){ .seq = (uint32_t)idx, .tx_ns = s->t_ns,
							 .rtt_ns = s->state == P_OK ? s->rtt_ns : -1 };
}

/* Takes probe idx (decided) into the records. */
static void take_one(struct ub_intervals *iv, uint64_t idx, const struct slot *s)
{
	int64_t t = s->t_ns > 0 ? s->t_ns : 0;
	struct ub_interval *r;
	uint64_t down;

	while (!iv->n || t >= iv->recs[iv->n - 1].end_ns)
		if (next_record(iv) < 0)
			return;
	r = &iv->recs[iv->n - 1];
	r->sent++;
	keep_fresh(iv, idx, s);
	if (s->state == P_LOST) {
		r->lost++;
		if (!iv->run_len)
			iv->run_rec = iv->n - 1;
		iv->run_len++;
		iv->open_lost[iv->n - 1]++;
		return;
	}
	r->received++;
	iv->replied++;
	ub_hist_record(iv->span_rtt, s->rtt_ns);
	ub_hist_record(iv->run_rtt, s->rtt_ns);
	if (!s->has_refl) {
		close_run(iv, 0);
		return;
	}
	/*
	 * Before the first reply, a counter that started at 0 with this
	 * session tells what the reflector saw of the probes before it.
	 */
	if (iv->have_prev)
		down = (int32_t)(s->refl - iv->prev_refl) > 0 ? s->refl - iv->prev_refl - 1 : 0;
	else
		down = s->refl <= idx ? s->refl : 0;
	close_run(iv, down);
	iv->have_prev = 1;
	iv->prev_refl = s->refl;
}

/* Sums the split of the records no loss run or probe can change any more. */
static void settle_live(struct ub_intervals *iv)
{
	size_t upto = iv->run_len ? iv->run_rec : iv->n ? iv->n - 1 : 0;

	for (; iv->live_done < upto; iv->live_done++) {
		iv->live_up += iv->recs[iv->live_done].lost_up;
		iv->live_down += iv->recs[iv->live_done].lost_down;
	}
}

/* Takes every decided probe at the head of the window. */
static void advance(struct ub_intervals *iv)
{
	struct slot *s;

	for (;;) {
		s = &iv->ring[iv->done & iv->mask];
		if (s->state != P_OK && s->state != P_LOST)
			break;
		take_one(iv, iv->done, s);
		s->state = P_FREE;
		iv->done++;
	}
	settle_live(iv);
}

void ub_intervals_sent(struct ub_intervals *iv, uint64_t idx, int64_t t_ns)
{
	struct slot *s = slot_of(iv, idx);

	if (!s)
		return;
	*s = (struct slot){ .t_ns = t_ns, .state = P_SENT };
}

void ub_intervals_ok(struct ub_intervals *iv, uint64_t idx, int64_t rtt_ns, int has_refl,
		     uint32_t refl)
{
	struct slot *s = slot_of(iv, idx);

	if (!s || s->state != P_SENT)
		return;
	s->state = P_OK;
	s->rtt_ns = rtt_ns;
	s->has_refl = (uint8_t)(has_refl != 0);
	s->refl = refl;
	advance(iv);
}

void ub_intervals_lost(struct ub_intervals *iv, uint64_t idx)
{
	struct slot *s = slot_of(iv, idx);

	if (!s || s->state != P_SENT)
		return;
	s->state = P_LOST;
	advance(iv);
}

/* Whether record i's split is counted and final. */
static int split_known(const struct ub_intervals *iv, size_t i, int stateful)
{
	return stateful && !iv->open_lost[i] && (!iv->run_len || i < iv->run_rec);
}

int ub_intervals_take(struct ub_intervals *iv, int stateful, struct ub_interval *out)
{
	/* the last record stays open until ub_intervals_end */
	if (iv->given + !iv->ended >= iv->n)
		return 0;
	*out = iv->recs[iv->given];
	out->has_split = split_known(iv, iv->given, stateful);
	if (!out->has_split)
		out->lost_up = out->lost_down = 0;
	iv->given++;
	return 1;
}

void ub_intervals_end(struct ub_intervals *iv, int has_split)
{
	size_t i;

	advance(iv);
	/* a run no reply closed: lost on the way there, as far as anyone can tell */
	close_run(iv, 0);
	if (iv->n)
		close_rtt(iv, &iv->recs[iv->n - 1]);
	for (i = 0; i < iv->n; i++) {
		iv->recs[i].has_split = has_split;
		if (!has_split)
			iv->recs[i].lost_up = iv->recs[i].lost_down = 0;
	}
	iv->ended = 1;
}

const struct ub_interval *ub_intervals_records(const struct ub_intervals *iv, size_t *n)
{
	static const struct ub_interval none;

	*n = iv->n;
	return iv->n ? iv->recs : &none;
}

int ub_intervals_cut(const struct ub_intervals *iv)
{
	return iv->cut;
}

void ub_intervals_live(const struct ub_intervals *iv, int stateful, int *has_split,
		       uint64_t *lost_up, uint64_t *lost_down, int64_t *median, int64_t *p99)
{
	static const uint32_t at[2] = { 5000, 9900 };
	int64_t q[2];
	size_t i;

	*has_split = stateful && iv->live_done > 0;
	*lost_up = *has_split ? iv->live_up : 0;
	*lost_down = *has_split ? iv->live_down : 0;
	/* only the records a loss run or the open span can still change are summed here */
	for (i = iv->live_done; i < iv->n; i++) {
		if (!split_known(iv, i, stateful))
			continue;
		*has_split = 1;
		*lost_up += iv->recs[i].lost_up;
		*lost_down += iv->recs[i].lost_down;
	}
	*median = *p99 = -1;
	if (ub_hist_count(iv->run_rtt)) {
		ub_hist_percentiles(iv->run_rtt, at, 2, q);
		*median = q[0];
		*p99 = q[1];
	}
}

const struct ub_outcome *ub_intervals_fresh(struct ub_intervals *iv, unsigned *n,
					    uint64_t *dropped)
{
	*n = iv->n_fresh;
	*dropped = iv->fresh_dropped;
	iv->n_fresh = 0;
	iv->fresh_dropped = 0;
	return iv->fresh;
}
