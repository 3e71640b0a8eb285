#include "metrics/statwin.h"

#include <stdlib.h>
#include <string.h>

#include "metrics/statcalc.h"

#define WINDOW_MIN 1024          /* automatic window, fewest probes */
#define WINDOW_MAX (1u << 20)    /* as the sender's ring */
#define WINDOW_NO_INTERVAL (1u << 16)
#define WINDOW_SET_MIN 8         /* smallest window a caller may ask for */

/* A held probe's state; one whose reply never came stays PROBE_WAIT. */
enum {
	PROBE_WAIT = 0,
	PROBE_OK = 1,
	PROBE_LATE = 2,
};

/* A window of bits over consecutive values [base, base + bits); bits a power of two. */
struct slide {
	uint64_t *w;
	size_t bits;
	int64_t base;
};

struct ub_statwin {
	size_t bytes; /* heap held, this struct included */

	/* probe i lives in slot i & mask while i >= n - size */
	size_t size, mask;
	uint64_t n;    /* probes taken in */
	int64_t *val;  /* tx while waiting, rtt once ok */
	uint8_t *st;
	uint8_t ev_st; /* the probe that left the window last, for its successor's ipdv */
	int64_t ev_val;
	struct ub_statcalc_bursts bursts; /* over probes that left the window */
	struct ub_statcalc_reorder ord;   /* sender numbers in arrival order */

	/* stateful, once a counter came: counters [cbase, cbase + size) */
	int counting;
	int64_t cbase;
	uint32_t *cslot;   /* sender index + 1 of a counter's first copy; 0: none yet */
	uint64_t *carr;    /* bit: the counter came back in time (ok or extra copy) */
	uint64_t distinct; /* counters that came back in time */
	struct ub_statcalc_order down; /* first copies' counters in sender-arrival order */
	struct ub_statcalc_order up;   /* sender indexes in counter order */
	struct slide up_seen; /* sender indexes already in the upstream order */
	uint64_t *scratch;    /* a copy of up_seen's bits for the summary */
};

/* ---- a sliding bitmap ---- */

/* v's bit: -1 below the window, 0 above it. */
static int slide_test(const struct slide *b, int64_t v)
{
	uint64_t p;

	if (v < b->base)
		return -1;
	if (v - b->base >= (int64_t)b->bits)
		return 0;
	p = (uint64_t)v & (b->bits - 1);
	return (int)((b->w[p >> 6] >> (p & 63)) & 1);
}

/* Sets v's bit, moving the window up to it when needed; a value below the window is ignored. */
static void slide_set(struct slide *b, int64_t v)
{
	int64_t nb, x, end;
	uint64_t p;

	if (v < b->base)
		return;
	if (v - b->base >= (int64_t)b->bits) {
		nb = v - (int64_t)b->bits + 1;
		end = nb - b->base >= (int64_t)b->bits ? b->base + (int64_t)b->bits : nb;
		for (x = b->base; x < end; x++) {
			p = (uint64_t)x & (b->bits - 1);
			b->w[p >> 6] &= ~((uint64_t)1 << (p & 63));
		}
		b->base = nb;
	}
	p = (uint64_t)v & (b->bits - 1);
	b->w[p >> 6] |= (uint64_t)1 << (p & 63);
}

/* ---- life cycle ---- */

size_t ub_statwin_size(const struct ub_stats_config *c)
{
	uint64_t want, w = 1;

	if (c->window) {
		want = c->window < WINDOW_SET_MIN ? WINDOW_SET_MIN : c->window;
	} else if (c->interval_ns > 0 && c->timeout_ns >= 0) {
		want = (uint64_t)(c->timeout_ns / c->interval_ns);
		want = want > WINDOW_MAX ? WINDOW_MAX : 2 * (want + 2);
		if (want < WINDOW_MIN)
			want = WINDOW_MIN;
	} else {
		want = WINDOW_NO_INTERVAL;
	}
	if (want > WINDOW_MAX)
		want = WINDOW_MAX;
	while (w < want)
		w <<= 1;
	return (size_t)w;
}

/*
 * Returns zeroed memory counted in w->bytes (w frees it), or NULL. Written
 * through now: the window's pages are resident from the first probe, so
 * memory does not creep up while a long run fills it.
 */
static void *win_calloc(struct ub_statwin *w, size_t n, size_t elem)
{
	void *p = malloc(n * elem);

	if (p) {
		/* explicit_bzero: a compiler may turn malloc + memset back into calloc */
		explicit_bzero(p, n * elem);
		w->bytes += n * elem;
	}
	return p;
}

struct ub_statwin *ub_statwin_new(size_t size, int stateful)
{
	struct ub_statwin *w;

	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->bytes = sizeof(*w);
	w->size = size;
	w->mask = size - 1;
	w->val = win_calloc(w, size, sizeof(*w->val));
	w->st = win_calloc(w, size, sizeof(*w->st));
	w->ord.rec = win_calloc(w, size, sizeof(*w->ord.rec));
	w->ord.rcap = size;
	if (!w->val || !w->st || !w->ord.rec)
		goto nomem;
	if (!stateful)
		return w;
	w->cslot = win_calloc(w, size, sizeof(*w->cslot));
	w->carr = win_calloc(w, (size + 63) / 64, sizeof(*w->carr));
	/* upstream dedupe looks back twice as far: its numbers come out a window late */
	w->up_seen.bits = 2 * size;
	w->up_seen.w = win_calloc(w, (2 * size + 63) / 64, sizeof(uint64_t));
	w->scratch = win_calloc(w, (2 * size + 63) / 64, sizeof(uint64_t));
	if (!w->cslot || !w->carr || !w->up_seen.w || !w->scratch)
		goto nomem;
	return w;
nomem:
	ub_statwin_free(w);
	return NULL;
}

void ub_statwin_free(struct ub_statwin *w)
{
	if (!w)
		return;
	free(w->val);
	free(w->st);
	free(w->ord.rec);
	free(w->cslot);
	free(w->carr);
	free(w->up_seen.w);
	free(w->scratch);
	free(w);
}

size_t ub_statwin_mem(const struct ub_statwin *w)
{
	return w ? w->bytes : 0;
}

/* ---- probes ---- */

/* Probe e leaves the window; its fate is sealed for the loss periods. */
static void evict(struct ub_statwin *w, uint64_t e)
{
	size_t k = (size_t)e & w->mask;

	ub_statcalc_burst_step(&w->bursts, w->st[k] != PROBE_OK);
	w->ev_st = w->st[k];
	w->ev_val = w->val[k];
}

void ub_statwin_sent(struct ub_statwin *w, int64_t tx_ns)
{
	size_t k;

	if (w->n >= w->size)
		evict(w, w->n - w->size);
	k = (size_t)w->n & w->mask;
	w->val[k] = tx_ns;
	w->st[k] = PROBE_WAIT;
	w->n++;
}

/* The window holds probe idx. */
static int held(const struct ub_statwin *w, uint64_t idx)
{
	return idx < w->n && w->n - idx <= w->size;
}

/* State and value of probe idx while known (held, or the one just left). */
static int probe_get(const struct ub_statwin *w, uint64_t idx, uint8_t *st, int64_t *val)
{
	if (held(w, idx)) {
		*st = w->st[idx & w->mask];
		*val = w->val[idx & w->mask];
		return 1;
	}
	if (w->n > w->size && idx == w->n - w->size - 1) {
		*st = w->ev_st;
		*val = w->ev_val;
		return 1;
	}
	return 0;
}

int ub_statwin_waiting(const struct ub_statwin *w, uint64_t idx, int64_t *tx_ns)
{
	if (!held(w, idx))
		return -1;
	*tx_ns = w->val[idx & w->mask];
	return w->st[idx & w->mask] == PROBE_WAIT;
}

int ub_statwin_ipdv(const struct ub_statwin *w, uint64_t idx, int64_t rtt_ns, int64_t out[2])
{
	uint8_t st;
	int64_t v;
	int k = 0;

	if (idx > 0 && probe_get(w, idx - 1, &st, &v) && st == PROBE_OK)
		out[k++] = rtt_ns - v;
	if (probe_get(w, idx + 1, &st, &v) && st == PROBE_OK)
		out[k++] = v - rtt_ns;
	return k;
}

int ub_statwin_ok(struct ub_statwin *w, uint64_t idx, int64_t rtt_ns)
{
	w->st[idx & w->mask] = PROBE_OK;
	w->val[idx & w->mask] = rtt_ns;
	return ub_statcalc_reorder_feed(&w->ord, (uint32_t)idx);
}

void ub_statwin_late(struct ub_statwin *w, uint64_t idx)
{
	if (held(w, idx))
		w->st[idx & w->mask] = PROBE_LATE;
}

/* ---- reflector counters ---- */

/*
 * The counters below the new base leave the window in counter order; each
 * first copy's sender index joins the order the reflector saw
 * (reordered_up).
 */
static void up_feed(struct slide *seen, struct ub_statcalc_order *up, uint32_t idx)
{
	/* §3.2: a request copied on the way up counts once, at its first counter */
	if (slide_test(seen, idx) == 1)
		return;
	slide_set(seen, idx);
	ub_statcalc_order_feed(up, idx);
}

/* Moves the counter window up to start at nb. */
static void cwin_advance(struct ub_statwin *w, int64_t nb)
{
	int64_t x, end;
	size_t p;

	end = nb - w->cbase >= (int64_t)w->size ? w->cbase + (int64_t)w->size : nb;
	for (x = w->cbase; x < end; x++) {
		p = (size_t)((uint64_t)x & w->mask);
		if (w->cslot[p])
			up_feed(&w->up_seen, &w->up, w->cslot[p] - 1);
		w->cslot[p] = 0;
		w->carr[p >> 6] &= ~((uint64_t)1 << (p & 63));
	}
	w->cbase = nb;
}

/*
 * Within the window of the last size counter values this does what the
 * exact mode's summary does; a counter below the window is taken as a
 * first copy that came back, and goes into the upstream order at once.
 */
void ub_statwin_counter(struct ub_statwin *w, int64_t u, uint32_t idx, int late)
{
	size_t p;
	int first;

	if (!w->counting) {
		/* the first value sits mid-window: reordered ones may come below it */
		w->cbase = u - (int64_t)(w->size / 2);
		w->counting = 1;
	}
	if (u - w->cbase >= (int64_t)w->size)
		cwin_advance(w, u - (int64_t)w->size + 1);
	p = (size_t)((uint64_t)u & w->mask);
	if (u < w->cbase) {
		first = 1;
		up_feed(&w->up_seen, &w->up, idx);
		if (!late)
			w->distinct++;
	} else {
		first = w->cslot[p] == 0;
		if (first)
			w->cslot[p] = idx + 1;
		if (!late && !((w->carr[p >> 6] >> (p & 63)) & 1)) {
			w->carr[p >> 6] |= (uint64_t)1 << (p & 63);
			w->distinct++;
		}
	}
	/* RFC 4737 on counters in sender-arrival order, copies removed (§3.2) */
	if (first)
		ub_statcalc_order_feed(&w->down, u);
}

/* ---- summary ---- */

/*
 * What the window still holds joins the online figures here, on copies:
 * a summary reads, never consumes.
 */
uint64_t ub_statwin_summary(const struct ub_statwin *w, int64_t counter_hi,
			    struct ub_summary *out)
{
	struct ub_statcalc_bursts b = w->bursts;
	struct ub_statcalc_order up = w->up;
	struct slide seen;
	uint64_t i, first;
	int64_t x;
	size_t p;

	ub_statcalc_reorder_out(&w->ord, out);

	first = w->n > w->size ? w->n - w->size : 0;
	for (i = first; i < w->n; i++)
		ub_statcalc_burst_step(&b, w->st[i & w->mask] != PROBE_OK);
	ub_statcalc_bursts_out(&b, out);

	if (!w->counting)
		return 0;
	/* the counters still in the window, in counter order, finish the upstream order */
	seen = w->up_seen;
	seen.w = w->scratch;
	memcpy(seen.w, w->up_seen.w, (seen.bits + 63) / 64 * sizeof(uint64_t));
	for (x = w->cbase; x < w->cbase + (int64_t)w->size && x <= counter_hi; x++) {
		p = (size_t)((uint64_t)x & w->mask);
		if (w->cslot[p])
			up_feed(&seen, &up, w->cslot[p] - 1);
	}
	out->reordered_up = up.reordered;
	out->reordered_down = w->down.reordered;
	return w->distinct;
}
