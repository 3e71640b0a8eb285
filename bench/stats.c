#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

/*
 * Two ways to keep a session.
 *
 * Exact (the default). Per probe one int64 (its send time while it waits,
 * its rtt once a first copy came in time) and a state byte: 9 bytes. Per
 * reply in time its sender index (4 bytes); with a stateful reflector also
 * its counter and a kind byte, and late and extra copies that carry a
 * counter are kept the same way (9 bytes a reply). rtt and ipdv
 * percentiles are exact; the other distributions (reflector processing,
 * OWD, stack, schedule) go to histograms (within 0.2 %, flagged in
 * ub_dist.hist). Tables grow by half: at most 1.5 times what they hold. A
 * summary borrows one scratch table of 8 bytes per probe (or per logged
 * reply, if more) plus two bits, and gives it back before returning. A
 * million STAMP probes, all answered: 18 MB kept, 26 MB at the peak of a
 * summary.
 *
 * summary_only. Everything is allocated by ub_stats_new and nothing grows:
 * a window of the last W probes (9 bytes each; W = 2 * (Tmax / interval +
 * 2) rounded up to a power of two, 1024 .. 2^20, as the sender's ring),
 * histograms for every distribution (0.8 MB), and for the RFC 4737 and
 * up/down figures windows of W records and W counter values (about 13
 * bytes each). With replies coming back within the window every figure
 * equals the exact mode's but the percentiles (within 0.2 %). Beyond it:
 *  - a reply to a probe that left the window is taken as past Tmax (the
 *    window spans twice Tmax unless capped): late while late < lost, else
 *    an extra copy, as nothing tells a first copy from another;
 *  - loss periods, ipdv, NextExp, extent and n-reordering are exact: a
 *    probe's fate is sealed when it leaves the window;
 *  - counters: a value more than W below the highest seen is taken as a
 *    first copy that came back (distinct, not a duplicate), and joins the
 *    upstream order when it arrives rather than in counter order; sender
 *    numbers more than 2W behind are not checked for upstream copies.
 */

#define GROW_MIN 1024

#define WINDOW_MIN 1024          /* automatic window, fewest probes */
#define WINDOW_MAX (1u << 20)    /* as the sender's ring */
#define WINDOW_NO_INTERVAL (1u << 16)
#define WINDOW_SET_MIN 8         /* smallest window a caller may ask for */

/* Per-probe state; a reply that never came stays PROBE_WAIT. */
enum {
	PROBE_WAIT = 0,
	PROBE_OK = 1,
	PROBE_LATE = 2,
};

/* What a logged reply was (exact mode, stateful): a status, and whether it carried a counter. */
enum {
	KIND_OK = 0,
	KIND_LATE = 1,
	KIND_DUP = 2,
	KIND_MASK = 3,
	KIND_REFL = 4,
};

/* TCP's duplicate-ACK threshold, the n of RFC 4737 §5 we report. */
#define REORDER_N 3

/* The distributions; rtt and ipdv have histograms only in summary_only mode. */
enum { D_RTT, D_IPDV, D_PROC, D_UP, D_DOWN, D_STACK, D_SCHED, D_COUNT };

/* An arrival that raised NextExp: its number and its place in the arrival order. */
struct rec {
	uint32_t v, pos;
};

/*
 * RFC 4737 over a stream of distinct numbers fed in arrival order. The
 * records (arrivals that raised NextExp) rise in number and position, and
 * the ones a late arrival needs are the newest: a ring of the last rcap
 * records gives the exact extent to every arrival within rcap numbers of
 * the highest so far (summary_only: every probe still in its window).
 */
struct reorder {
	uint64_t n;        /* arrivals so far */
	uint64_t next_exp; /* §3.3 NextExp, once n > 0 */
	uint32_t last[REORDER_N];
	uint64_t reordered, extent_max, n_reordered;
	struct rec *rec;
	size_t rcap, rhead, rn;
};

/* RFC 3357 §4 loss periods, fed probe by probe in sequence order. */
struct bursts {
	uint64_t run, count, total, max;
};

/* A window of bits over consecutive values [base, base + bits); bits a power of two. */
struct slide {
	uint64_t *w;
	size_t bits;
	int64_t base;
};

/* Exact mode: replies in arrival order. */
struct replylog {
	uint32_t *idx;  /* sender index */
	uint32_t *refl; /* reflector counter (stateful only) */
	uint8_t *kind;  /* KIND_* (stateful only; otherwise every entry is an ok one) */
	size_t n, cap;
};

struct ub_stats {
	struct ub_stats_config cfg;
	size_t mem_now, mem_peak;

	uint32_t first_seq;
	uint64_t n, m; /* probes sent, first copies in time */
	uint64_t late_cnt, dups, sched_missed, stack_n;

	/* RFC 3550 §6.4.1 running jitter, kept in a double */
	double jitter;
	int64_t prev_rtt;

	/* reflector counter: anchor for unwrapping, and the range seen */
	int have_refl;
	uint32_t refl0;
	int64_t refl_lo, refl_hi;

	struct ub_hist *h[D_COUNT];

	/* exact: probes indexed by (uint32_t)(seq - first_seq) */
	int64_t *val; /* tx while waiting, rtt once ok */
	uint8_t *st;
	size_t cap;
	struct replylog log;
	uint64_t next_exp; /* RFC 4737 NextExp for the per-reply verdict */

	/* summary_only: probe i lives in slot i & wmask while i >= n - wsize */
	size_t wsize, wmask;
	int64_t *wval;
	uint8_t *wst;
	uint8_t ev_st; /* the probe that left the window last, for its successor's ipdv */
	int64_t ev_val;
	struct bursts bursts; /* over probes that left the window */
	struct reorder ord;   /* sender numbers in arrival order */

	/* summary_only, stateful: counters [cbase, cbase + wsize) */
	int64_t cbase;
	uint32_t *cslot;  /* sender index + 1 of a counter's first copy; 0: none yet */
	uint64_t *carr;   /* bit: the counter came back in time (ok or extra copy) */
	uint64_t distinct; /* counters that came back in time */
	int down_have, up_have;
	int64_t down_max;
	uint64_t up_max, reordered_down, reordered_up;
	struct slide up_seen; /* sender indexes already in the upstream order */
	uint64_t *scratch;    /* a copy of up_seen's bits for the summary */
};

void ub_stats_config_init(struct ub_stats_config *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->timeout_ns = 1000000000LL;
	c->interval_ns = 10000000LL;
	c->stateful = 0;
	c->summary_only = 0;
	c->window = 0;
}

/* ---- memory ---- */

static void mem_add(struct ub_stats *s, size_t bytes)
{
	s->mem_now += bytes;
	if (s->mem_now > s->mem_peak)
		s->mem_peak = s->mem_now;
}

static void mem_sub(struct ub_stats *s, size_t bytes)
{
	s->mem_now -= bytes;
}

static void *acct_calloc(struct ub_stats *s, size_t n, size_t elem)
{
	void *p = calloc(n, elem);

	if (p)
		mem_add(s, n * elem);
	return p;
}

/* Grows by half: enough for need, or 0 on overflow. */
static size_t next_cap(size_t cap, size_t need)
{
	size_t c = cap ? cap : GROW_MIN;

	while (c < need) {
		if (c > SIZE_MAX / 3)
			return 0;
		c += c / 2;
	}
	return c;
}

/* Resizes *p from old to cap elements; on failure *p is untouched. */
static int resize(struct ub_stats *s, void **p, size_t old, size_t cap, size_t elem)
{
	void *q;

	if (cap > SIZE_MAX / elem)
		return UB_E_NOMEM;
	q = realloc(*p, cap * elem);
	if (!q)
		return UB_E_NOMEM;
	/* a moving realloc holds both blocks for a moment */
	mem_add(s, cap * elem);
	mem_sub(s, old * elem);
	*p = q;
	return 0;
}

void ub_stats_mem(const struct ub_stats *s, size_t *now, size_t *peak)
{
	if (now)
		*now = s ? s->mem_now : 0;
	if (peak)
		*peak = s ? s->mem_peak : 0;
}

/* ---- histograms ---- */

static struct ub_hist *hist_make(struct ub_stats *s, int prealloc)
{
	struct ub_hist_config hc;
	struct ub_hist *h;

	ub_hist_config_init(&hc);
	hc.prealloc = prealloc;
	h = ub_hist_new(&hc);
	if (h)
		mem_add(s, ub_hist_mem(h));
	return h;
}

/*
 * Makes sure recording v in distribution d cannot fail for memory: creates
 * the histogram on first use (exact mode) and its bucket.
 */
static int hist_ready(struct ub_stats *s, int d, int64_t v)
{
	size_t before;
	int rc;

	if (!s->h[d]) {
		s->h[d] = hist_make(s, 0);
		if (!s->h[d])
			return UB_E_NOMEM;
	}
	before = ub_hist_mem(s->h[d]);
	rc = ub_hist_reserve(s->h[d], v);
	mem_add(s, ub_hist_mem(s->h[d]) - before);
	return rc;
}

/*
 * Records v after hist_ready: only a bucket already holding 2^32 - 1 values
 * could refuse, more than a session has probes.
 */
static void hist_put(struct ub_stats *s, int d, int64_t v)
{
	(void)ub_hist_record(s->h[d], v);
}

static const uint32_t pct_ranks[] = { 5000, 9000, 9500, 9900, 9990 };

static void dist_from_hist(struct ub_dist *d, const struct ub_hist *h)
{
	int64_t p[5];

	memset(d, 0, sizeof(*d));
	d->hist = 1;
	if (!h || ub_hist_count(h) == 0)
		return;
	d->n = ub_hist_count(h);
	d->min = ub_hist_min(h);
	d->max = ub_hist_max(h);
	d->mean = ub_hist_mean(h);
	d->stddev = ub_hist_stddev(h);
	ub_hist_percentiles(h, pct_ranks, 5, p);
	d->median = p[0];
	d->p90 = p[1];
	d->p95 = p[2];
	d->p99 = p[3];
	d->p999 = p[4];
}

/* ---- small online pieces ---- */

static void burst_step(struct bursts *b, int lost)
{
	if (lost) {
		b->run++;
		return;
	}
	if (b->run) {
		b->count++;
		b->total += b->run;
		if (b->run > b->max)
			b->max = b->run;
		b->run = 0;
	}
}

/*
 * Feeds v (distinct from every number fed before) to the RFC 4737 tracker;
 * returns 1 when it arrived reordered.
 */
static int reorder_feed(struct reorder *t, uint32_t v)
{
	uint64_t i = t->n, e;
	size_t lo, hi, mid, k;
	const struct rec *r;
	int reord = 0, j;

	if (i == 0 || v >= t->next_exp) {
		/* §3.3: in order when s >= NextExp, which then becomes s + 1 */
		t->next_exp = (uint64_t)v + 1;
		if (t->rcap) {
			if (t->rn == t->rcap) {
				t->rhead = (t->rhead + 1) % t->rcap;
				t->rn--;
			}
			k = (t->rhead + t->rn) % t->rcap;
			t->rec[k].v = v;
			t->rec[k].pos = (uint32_t)i;
			t->rn++;
		}
	} else {
		reord = 1;
		t->reordered++;
		/*
		 * §4.2: extent e = i - j, j the earliest arrival with s[j] > s[i].
		 * That arrival raised NextExp, so it is the first record with a
		 * larger number; records rise in both number and position.
		 */
		lo = 0;
		hi = t->rn;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (t->rec[(t->rhead + mid) % t->rcap].v > v)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (lo < t->rn) {
			r = &t->rec[(t->rhead + lo) % t->rcap];
			e = i - r->pos;
			if (e > t->extent_max)
				t->extent_max = e;
		}
		/*
		 * §5: n-reordered when the n arrivals just before it all carry
		 * larger numbers: a TCP receiver would have sent n dup ACKs.
		 */
		if (i >= REORDER_N) {
			for (j = 0; j < REORDER_N; j++)
				if (t->last[j] <= v)
					break;
			if (j == REORDER_N)
				t->n_reordered++;
		}
	}
	t->last[i % REORDER_N] = v;
	t->n++;
	return reord;
}

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

/* Signed distance of r from the first counter seen (RFC 1982 serial numbers). */
static int64_t refl_unwrap(const struct ub_stats *s, uint32_t r)
{
	uint32_t d = r - s->refl0;

	if (d < 0x80000000u)
		return (int64_t)s->refl0 + (int64_t)d;
	return (int64_t)s->refl0 + (int64_t)d - 0x100000000LL;
}

/* ---- life cycle ---- */

static size_t window_size(const struct ub_stats_config *c)
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

static int summary_only_init(struct ub_stats *s)
{
	size_t w = window_size(&s->cfg);
	int d;

	s->wsize = w;
	s->wmask = w - 1;
	s->wval = acct_calloc(s, w, sizeof(*s->wval));
	s->wst = acct_calloc(s, w, sizeof(*s->wst));
	s->ord.rec = acct_calloc(s, w, sizeof(*s->ord.rec));
	s->ord.rcap = w;
	if (!s->wval || !s->wst || !s->ord.rec)
		return UB_E_NOMEM;
	for (d = 0; d < D_COUNT; d++) {
		s->h[d] = hist_make(s, 1);
		if (!s->h[d])
			return UB_E_NOMEM;
	}
	if (!s->cfg.stateful)
		return 0;
	s->cslot = acct_calloc(s, w, sizeof(*s->cslot));
	s->carr = acct_calloc(s, (w + 63) / 64, sizeof(*s->carr));
	/* upstream dedupe looks back twice as far: its numbers come out a window late */
	s->up_seen.bits = 2 * w;
	s->up_seen.w = acct_calloc(s, (2 * w + 63) / 64, sizeof(uint64_t));
	s->scratch = acct_calloc(s, (2 * w + 63) / 64, sizeof(uint64_t));
	if (!s->cslot || !s->carr || !s->up_seen.w || !s->scratch)
		return UB_E_NOMEM;
	return 0;
}

struct ub_stats *ub_stats_new(const struct ub_stats_config *c)
{
	struct ub_stats *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	mem_add(s, sizeof(*s));
	if (c)
		s->cfg = *c;
	else
		ub_stats_config_init(&s->cfg);
	if (s->cfg.summary_only && summary_only_init(s)) {
		ub_stats_free(s);
		return NULL;
	}
	return s;
}

void ub_stats_free(struct ub_stats *s)
{
	int d;

	if (!s)
		return;
	for (d = 0; d < D_COUNT; d++)
		ub_hist_free(s->h[d]);
	free(s->val);
	free(s->st);
	free(s->log.idx);
	free(s->log.refl);
	free(s->log.kind);
	free(s->wval);
	free(s->wst);
	free(s->ord.rec);
	free(s->cslot);
	free(s->carr);
	free(s->up_seen.w);
	free(s->scratch);
	free(s);
}

/* ---- recording ---- */

/*
 * The k arrays of one table grow from old to cap elements one after
 * another; when one fails, those already grown go back to old, so that
 * every array of the table keeps one size.
 */
static int grow_table(struct ub_stats *s, void ***arr, const size_t *elem, int k, size_t old,
		      size_t cap)
{
	int i;

	for (i = 0; i < k; i++) {
		if (resize(s, arr[i], old, cap, elem[i]) == 0)
			continue;
		while (i-- > 0)
			(void)resize(s, arr[i], cap, old, elem[i]);
		return UB_E_NOMEM;
	}
	return 0;
}

static int grow_probes(struct ub_stats *s)
{
	void **arr[] = { (void **)&s->val, (void **)&s->st };
	const size_t elem[] = { sizeof(*s->val), sizeof(*s->st) };
	size_t cap = next_cap(s->cap, (size_t)s->n + 1);

	if (!cap || grow_table(s, arr, elem, 2, s->cap, cap))
		return UB_E_NOMEM;
	s->cap = cap;
	return 0;
}

/* Makes room for one more logged reply. */
static int log_reserve(struct ub_stats *s)
{
	struct replylog *l = &s->log;
	void **arr[] = { (void **)&l->idx, (void **)&l->refl, (void **)&l->kind };
	const size_t elem[] = { sizeof(*l->idx), sizeof(*l->refl), sizeof(*l->kind) };
	size_t cap;

	if (l->n < l->cap)
		return 0;
	/* the summary numbers log entries in 32 bits */
	if (l->n >= UINT32_MAX)
		return UB_E_RANGE;
	cap = next_cap(l->cap, l->n + 1);
	/* without a stateful reflector only the sender index is kept */
	if (!cap || grow_table(s, arr, elem, s->cfg.stateful ? 3 : 1, l->cap, cap))
		return UB_E_NOMEM;
	l->cap = cap;
	return 0;
}

/* summary_only: probe e leaves the window; its fate is sealed for the loss periods. */
static void evict(struct ub_stats *s, uint64_t e)
{
	size_t k = (size_t)e & s->wmask;

	burst_step(&s->bursts, s->wst[k] != PROBE_OK);
	s->ev_st = s->wst[k];
	s->ev_val = s->wval[k];
}

int ub_stats_sent(struct ub_stats *s, uint32_t seq, int64_t tx_ns, int64_t late_ns)
{
	size_t k;
	int rc;

	if (!s)
		return UB_E_INVAL;
	if (s->n == 0) {
		s->first_seq = seq;
	} else if ((uint32_t)(seq - s->first_seq) != s->n) {
		/* only consecutive numbering keeps index = seq - first unambiguous */
		return UB_E_INVAL;
	}
	/* one more would wrap onto the first probe's number */
	if (s->n >= UINT32_MAX)
		return UB_E_RANGE;
	if (!s->cfg.summary_only && s->n == s->cap) {
		rc = grow_probes(s);
		if (rc)
			return rc;
	}
	rc = hist_ready(s, D_SCHED, late_ns);
	if (rc)
		return rc;
	hist_put(s, D_SCHED, late_ns);
	if (s->cfg.summary_only) {
		if (s->n >= s->wsize)
			evict(s, s->n - s->wsize);
		k = (size_t)s->n & s->wmask;
		s->wval[k] = tx_ns;
		s->wst[k] = PROBE_WAIT;
	} else {
		s->val[s->n] = tx_ns;
		s->st[s->n] = PROBE_WAIT;
	}
	s->n++;
	/* a probe that left a whole slot late took the next probe's slot */
	if (s->cfg.interval_ns > 0 && late_ns >= s->cfg.interval_ns)
		s->sched_missed++;
	return 0;
}

/* summary_only: the window holds probe idx. */
static int in_window(const struct ub_stats *s, uint64_t idx)
{
	return idx < s->n && s->n - idx <= s->wsize;
}

/* summary_only: state and value of probe idx while known (in the window, or the one just left). */
static int probe_get(const struct ub_stats *s, uint64_t idx, uint8_t *st, int64_t *val)
{
	if (in_window(s, idx)) {
		*st = s->wst[idx & s->wmask];
		*val = s->wval[idx & s->wmask];
		return 1;
	}
	if (s->n > s->wsize && idx == s->n - s->wsize - 1) {
		*st = s->ev_st;
		*val = s->ev_val;
		return 1;
	}
	return 0;
}

/*
 * summary_only, RFC 3393 pairs: a first copy in time for idx pairs with
 * idx - 1 and idx + 1 when those came in time too. Returns how many values
 * were written to out (up to 2).
 */
static int ipdv_pairs(const struct ub_stats *s, uint64_t idx, int64_t rtt, int64_t *out)
{
	uint8_t st;
	int64_t v;
	int k = 0;

	if (idx > 0 && probe_get(s, idx - 1, &st, &v) && st == PROBE_OK)
		out[k++] = rtt - v;
	if (probe_get(s, idx + 1, &st, &v) && st == PROBE_OK)
		out[k++] = v - rtt;
	return k;
}

/*
 * summary_only, stateful: the counters below the new base leave the
 * window in counter order; each first copy's sender index joins the order
 * the reflector saw (reordered_up).
 */
static void up_feed(struct slide *seen, uint64_t *max, int *have, uint64_t *reord, uint32_t idx)
{
	int t = slide_test(seen, idx);

	/* §3.2: a request copied on the way up counts once, at its first counter */
	if (t == 1)
		return;
	slide_set(seen, idx);
	if (!*have || idx > *max) {
		*max = idx;
		*have = 1;
	} else {
		(*reord)++;
	}
}

static void cwin_advance(struct ub_stats *s, int64_t nb)
{
	int64_t x, end;
	size_t p;

	end = nb - s->cbase >= (int64_t)s->wsize ? s->cbase + (int64_t)s->wsize : nb;
	for (x = s->cbase; x < end; x++) {
		p = (size_t)((uint64_t)x & s->wmask);
		if (s->cslot[p])
			up_feed(&s->up_seen, &s->up_max, &s->up_have, &s->reordered_up,
				s->cslot[p] - 1);
		s->cslot[p] = 0;
		s->carr[p >> 6] &= ~((uint64_t)1 << (p & 63));
	}
	s->cbase = nb;
}

/*
 * summary_only, stateful: one reply that carried counter u (unwrapped),
 * any status. Within the window of the last wsize counter values it does
 * what the exact mode's summary does; a counter below the window is taken
 * as a first copy that came back, and goes into the upstream order at once.
 */
static void counter_online(struct ub_stats *s, int64_t u, uint32_t idx, int kind)
{
	size_t p;
	int first;

	if (u - s->cbase >= (int64_t)s->wsize)
		cwin_advance(s, u - (int64_t)s->wsize + 1);
	p = (size_t)((uint64_t)u & s->wmask);
	if (u < s->cbase) {
		first = 1;
		up_feed(&s->up_seen, &s->up_max, &s->up_have, &s->reordered_up, idx);
		if (kind != KIND_LATE)
			s->distinct++;
	} else {
		first = s->cslot[p] == 0;
		if (first)
			s->cslot[p] = idx + 1;
		if (kind != KIND_LATE && !((s->carr[p >> 6] >> (p & 63)) & 1)) {
			s->carr[p >> 6] |= (uint64_t)1 << (p & 63);
			s->distinct++;
		}
	}
	/* RFC 4737 on counters in sender-arrival order, copies removed (§3.2) */
	if (first) {
		if (!s->down_have || u > s->down_max) {
			s->down_max = u;
			s->down_have = 1;
		} else {
			s->reordered_down++;
		}
	}
}

/* Kind of a reply to probe idx: from its state, or by the window rule. */
static int reply_kind(const struct ub_stats *s, uint64_t idx, int64_t rx_ns)
{
	uint8_t st;
	int64_t tx;

	if (s->cfg.summary_only) {
		if (!in_window(s, idx)) {
			/*
			 * The window spans twice the probes Tmax can hold, so a reply
			 * this old is past Tmax: a first copy (late) or an extra one,
			 * which nothing here remembers. Late, while late stays below
			 * lost; past that it can only be an extra copy.
			 */
			return s->late_cnt < s->n - s->m ? KIND_LATE : KIND_DUP;
		}
		st = s->wst[idx & s->wmask];
		tx = s->wval[idx & s->wmask];
	} else {
		st = s->st[idx];
		tx = s->val[idx];
	}
	/* RFC 5560: an extra copy is counted, never received twice */
	if (st != PROBE_WAIT)
		return KIND_DUP;
	/* RFC 7680 §2.4: a packet later than Tmax is lost, whatever its fate */
	if (rx_ns - tx > s->cfg.timeout_ns)
		return KIND_LATE;
	return KIND_OK;
}

/* Everything that can fail for memory, before anything is recorded. */
static int reply_prepare(struct ub_stats *s, const struct ub_reply *r, uint64_t idx, int kind,
			 int keep_refl, int64_t *ipdv, int *nipdv)
{
	int rc = 0;

	*nipdv = 0;
	if (!s->cfg.summary_only && (kind == KIND_OK || keep_refl)) {
		rc = log_reserve(s);
		if (rc)
			return rc;
	}
	if (kind != KIND_OK)
		return 0;
	if (s->cfg.summary_only) {
		/* preallocated: these cannot fail */
		*nipdv = ipdv_pairs(s, idx, r->rtt_ns, ipdv);
		return 0;
	}
	if (r->has_refl)
		rc = hist_ready(s, D_PROC, r->refl_proc_ns);
	if (!rc && r->has_owd)
		rc = hist_ready(s, D_UP, r->owd_up_ns);
	if (!rc && r->has_owd)
		rc = hist_ready(s, D_DOWN, r->owd_down_ns);
	return rc;
}

/* A first copy in time. Returns 1 when it arrived reordered (RFC 4737 NextExp). */
static int record_ok(struct ub_stats *s, const struct ub_reply *r, uint64_t idx,
		     const int64_t *ipdv, int nipdv)
{
	int reord = 0, i;

	if (s->cfg.summary_only) {
		s->wst[idx & s->wmask] = PROBE_OK;
		s->wval[idx & s->wmask] = r->rtt_ns;
		hist_put(s, D_RTT, r->rtt_ns);
		for (i = 0; i < nipdv; i++)
			hist_put(s, D_IPDV, ipdv[i]);
		reord = reorder_feed(&s->ord, (uint32_t)idx);
	} else {
		s->st[idx] = PROBE_OK;
		s->val[idx] = r->rtt_ns;
		/* RFC 4737 §3.3: in order when s >= NextExp, which then becomes s + 1 */
		if (idx >= s->next_exp)
			s->next_exp = idx + 1;
		else
			reord = 1;
	}
	s->m++;
	if (r->has_refl)
		hist_put(s, D_PROC, r->refl_proc_ns);
	if (r->has_owd) {
		hist_put(s, D_UP, r->owd_up_ns);
		hist_put(s, D_DOWN, r->owd_down_ns);
	}
	/*
	 * RFC 3550 §6.4.1: J += (|D| - J) / 16 with D the transit difference
	 * of consecutive arrivals; for round trips that is rtt_j - rtt_i. A
	 * double keeps steps below 16 ns from rounding J down to zero.
	 */
	if (s->m >= 2) {
		double d = (double)r->rtt_ns - (double)s->prev_rtt;

		s->jitter += (fabs(d) - s->jitter) / 16.0;
	}
	s->prev_rtt = r->rtt_ns;
	return reord;
}

int ub_stats_reply(struct ub_stats *s, const struct ub_reply *r, int *reordered)
{
	int64_t ipdv[2];
	struct replylog *l;
	uint64_t idx;
	int keep_refl, kind, nipdv, reord = 0, rc;

	if (reordered)
		*reordered = 0;
	if (!s || !r)
		return UB_E_INVAL;
	l = &s->log;
	idx = (uint32_t)(r->seq - s->first_seq);
	if (idx >= s->n)
		return UB_E_INVAL;

	/*
	 * Only the first copy in time enters the RFC 4737 stream, so late and
	 * extra copies get no reordered verdict. reordered_up/_down follow
	 * what crossed the link, as an emulator's truth log does: every copy
	 * that came back with a counter counts, late ones too.
	 */
	keep_refl = s->cfg.stateful && r->has_refl;
	kind = reply_kind(s, idx, r->rx_ns);
	rc = reply_prepare(s, r, idx, kind, keep_refl, ipdv, &nipdv);
	if (rc)
		return rc;

	if (keep_refl && !s->have_refl) {
		s->have_refl = 1;
		s->refl0 = r->refl_seq;
		s->refl_lo = s->refl_hi = s->refl0;
		s->cbase = (int64_t)s->refl0 - (int64_t)(s->wsize / 2);
	}
	if (keep_refl) {
		int64_t u = refl_unwrap(s, r->refl_seq);

		if (u < s->refl_lo)
			s->refl_lo = u;
		if (u > s->refl_hi)
			s->refl_hi = u;
		if (s->cfg.summary_only)
			counter_online(s, u, (uint32_t)idx, kind);
	}
	if (!s->cfg.summary_only && (kind == KIND_OK || keep_refl)) {
		l->idx[l->n] = (uint32_t)idx;
		if (s->cfg.stateful) {
			l->refl[l->n] = keep_refl ? r->refl_seq : 0;
			l->kind[l->n] = (uint8_t)(kind | (keep_refl ? KIND_REFL : 0));
		}
		l->n++;
	}

	switch (kind) {
	case KIND_DUP:
		s->dups++;
		return UB_ST_DUP;
	case KIND_LATE:
		if (s->cfg.summary_only) {
			if (in_window(s, idx))
				s->wst[idx & s->wmask] = PROBE_LATE;
		} else {
			s->st[idx] = PROBE_LATE;
		}
		s->late_cnt++;
		return UB_ST_LATE;
	default:
		reord = record_ok(s, r, idx, ipdv, nipdv);
		if (reordered)
			*reordered = reord;
		return UB_ST_OK;
	}
}

int ub_stats_add_stack(struct ub_stats *s, int64_t stack_ns)
{
	int rc;

	/* at most one sample per probe */
	if (!s || s->stack_n >= s->n)
		return UB_E_INVAL;
	rc = hist_ready(s, D_STACK, stack_ns);
	if (rc)
		return rc;
	hist_put(s, D_STACK, stack_ns);
	s->stack_n++;
	return 0;
}

void ub_stats_counts(const struct ub_stats *s, uint64_t *sent, uint64_t *received)
{
	if (sent)
		*sent = s ? s->n : 0;
	if (received)
		*received = s ? s->m : 0;
}

/* ---- exact summary ---- */

static void swap_i64(int64_t *a, int64_t *b)
{
	int64_t t = *a;

	*a = *b;
	*b = t;
}

static void sift_down(int64_t *v, size_t root, size_t n)
{
	size_t c;

	while ((c = 2 * root + 1) < n) {
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[root] >= v[c])
			return;
		swap_i64(&v[root], &v[c]);
		root = c;
	}
}

/*
 * In place, no allocation (glibc's qsort borrows a copy of the array): a
 * quicksort on the median of three, Hoare's partition (even on many equal
 * values the halves stay balanced), heapsort past 2 log2 n levels.
 */
static void sort_i64(int64_t *v, size_t n, unsigned depth)
{
	size_t i, j, mid;
	int64_t p, x;

	while (n > 16) {
		if (depth-- == 0) {
			for (i = n / 2; i-- > 0;)
				sift_down(v, i, n);
			for (i = n; i-- > 1;) {
				swap_i64(&v[0], &v[i]);
				sift_down(v, 0, i);
			}
			return;
		}
		mid = n / 2;
		if (v[mid] < v[0])
			swap_i64(&v[mid], &v[0]);
		if (v[n - 1] < v[0])
			swap_i64(&v[n - 1], &v[0]);
		if (v[n - 1] < v[mid])
			swap_i64(&v[n - 1], &v[mid]);
		/* the median goes first: the partition then never comes out empty */
		swap_i64(&v[0], &v[mid]);
		p = v[0];
		i = 0;
		j = n;
		for (;;) {
			while (v[i] < p)
				i++;
			do
				j--;
			while (v[j] > p);
			if (i >= j)
				break;
			swap_i64(&v[i], &v[j]);
			i++;
		}
		/* v[0..j] <= p <= v[j+1..n) */
		if (j + 1 < n - j - 1) {
			sort_i64(v, j + 1, depth);
			v += j + 1;
			n -= j + 1;
		} else {
			sort_i64(v + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void sort_values(int64_t *v, size_t n)
{
	unsigned depth = 0;
	size_t k;

	for (k = n; k > 1; k >>= 1)
		depth += 2;
	sort_i64(v, n, depth);
}

/*
 * Nearest rank on sorted v: the value at ceil(p * n) - 1, p = per10k / 10000,
 * in integers so that 0.9 * 1000 cannot come out as 900.0000001.
 */
static int64_t nearest_rank(const int64_t *v, size_t n, uint64_t per10k)
{
	uint64_t rank = ((uint64_t)n * per10k + 9999) / 10000;

	if (rank == 0)
		rank = 1;
	return v[rank - 1];
}

/*
 * Fills d from v[0..n), sorting v in place. The mean is rounded to the
 * nearest ns; stddev is the population one (divide by n): the samples are
 * the whole run, not a draw from a larger one. As in the histograms, the
 * sum in a long double is exact below 2^64 and Welford's update gives the
 * stddev without cancellation.
 */
static void dist_fill(struct ub_dist *d, int64_t *v, size_t n)
{
	long double sum = 0.0L, mean = 0.0L, m2 = 0.0L, delta;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (n == 0)
		return;
	sort_values(v, n);
	for (i = 0; i < n; i++) {
		sum += (long double)v[i];
		delta = (long double)v[i] - mean;
		mean += delta / (long double)(i + 1);
		m2 += delta * ((long double)v[i] - mean);
	}
	d->n = n;
	d->min = v[0];
	d->max = v[n - 1];
	d->mean = llroundl(sum / (long double)n);
	d->stddev = llroundl(sqrtl(m2 / (long double)n));
	d->median = nearest_rank(v, n, pct_ranks[0]);
	d->p90 = nearest_rank(v, n, pct_ranks[1]);
	d->p95 = nearest_rank(v, n, pct_ranks[2]);
	d->p99 = nearest_rank(v, n, pct_ranks[3]);
	d->p999 = nearest_rank(v, n, pct_ranks[4]);
}

static int bit_get(const uint64_t *b, size_t i)
{
	return (int)((b[i >> 6] >> (i & 63)) & 1);
}

static void bit_set(uint64_t *b, size_t i)
{
	b[i >> 6] |= (uint64_t)1 << (i & 63);
}

static int log_ok(const struct ub_stats *s, size_t i)
{
	return !s->cfg.stateful || (s->log.kind[i] & KIND_MASK) == KIND_OK;
}

/* One NextExp step (RFC 4737 §3.3) for a count of reordered arrivals only. */
static void next_exp_step(int64_t v, int *have, int64_t *max, uint64_t *reord)
{
	if (!*have || v > *max) {
		*max = v;
		*have = 1;
	} else {
		(*reord)++;
	}
}

/*
 * The up/down split from the stateful reflector's counter (RFC 8762 §4.2).
 * It numbers what reached the reflector in arrival order, so a counter
 * value that never came back in time was lost on the way down, and the
 * rest of the loss happened on the way up. A loss on the way down after
 * the last counter we saw cannot be told apart and counts as up.
 *
 * reordered_down: RFC 4737 on the counter in sender-arrival order;
 * reordered_up: on the sender numbers in the order the reflector saw them
 * (its counter). A counter value that came back twice is one reply copied
 * on the way down; a sender number under two counter values is one request
 * copied on the way up.
 *
 * One sort does it all: keys (counter - lo) << 32 | log position, so equal
 * counters sit together, first arrival first. buf holds log.n keys; later
 * gets a bit per log entry, seen one per probe (both zeroed). Returns how
 * many counter values came back in time.
 */
static uint64_t split_exact(const struct ub_stats *s, struct ub_summary *out, int64_t *buf,
			    uint64_t *later, uint64_t *seen)
{
	const struct replylog *l = &s->log;
	const uint64_t flip = (uint64_t)1 << 63;
	uint64_t key, distinct = 0, rd = 0, ru = 0;
	int64_t u, prev = 0, dmax = 0, umax = 0;
	size_t i, nr = 0, pos;
	int any_back = 0, dhave = 0, uhave = 0;
	uint32_t idx;

	for (i = 0; i < l->n; i++) {
		if (!(l->kind[i] & KIND_REFL))
			continue;
		u = refl_unwrap(s, l->refl[i]);
		key = (uint64_t)(u - s->refl_lo) << 32 | (uint64_t)i;
		/* flipping the top bit keeps the order of unsigned keys in signed ones */
		buf[nr++] = (int64_t)(key ^ flip);
	}
	sort_values(buf, nr);
	for (i = 0; i < nr; i++) {
		key = (uint64_t)buf[i] ^ flip;
		u = (int64_t)(key >> 32);
		pos = (size_t)(key & 0xffffffffu);
		if (i > 0 && u == prev) {
			bit_set(later, pos);
		} else {
			if (any_back)
				distinct++;
			any_back = 0;
			/* first copy of this counter: its sender number, once (§3.2) */
			idx = l->idx[pos];
			if (!bit_get(seen, idx)) {
				bit_set(seen, idx);
				next_exp_step(idx, &uhave, &umax, &ru);
			}
		}
		/* late copies did not come back in time: their loss is downstream */
		if ((l->kind[pos] & KIND_MASK) != KIND_LATE)
			any_back = 1;
		prev = u;
	}
	if (any_back)
		distinct++;
	out->reordered_up = ru;

	for (i = 0; i < l->n; i++)
		if ((l->kind[i] & KIND_REFL) && !bit_get(later, i))
			next_exp_step(refl_unwrap(s, l->refl[i]), &dhave, &dmax, &rd);
	out->reordered_down = rd;
	return distinct;
}

/* lost_up / lost_down from the counter range and the values back in time. */
static void split_counts(const struct ub_stats *s, struct ub_summary *out, uint64_t distinct)
{
	int64_t lo = s->refl_lo, hi = s->refl_hi, start;
	uint64_t span, missing;

	out->has_split = 1;
	/*
	 * A small counter with no wrap means a reflector that started this
	 * session at 0 (RFC 8762); otherwise only the span seen can be judged.
	 */
	if (lo >= 0 && hi <= (int64_t)UINT32_MAX && lo <= (int64_t)s->n)
		start = 0;
	else
		start = lo;
	span = (uint64_t)(hi - start + 1);
	missing = span > distinct ? span - distinct : 0;
	out->lost_down = missing < out->lost ? missing : out->lost;
	out->lost_up = out->lost - out->lost_down;
}

static int summary_exact(struct ub_stats *s, struct ub_summary *out)
{
	const struct replylog *l = &s->log;
	size_t cap, words, bytes, i, k;
	struct reorder t;
	uint64_t *bits;
	int64_t *a;
	struct bursts b;
	void *buf;

	/* one scratch table for all: 8 bytes a probe or a logged reply, and two bitmaps */
	cap = (size_t)s->n > l->n ? (size_t)s->n : l->n;
	if (cap == 0)
		cap = 1;
	words = (l->n + 63) / 64 + ((size_t)s->n + 63) / 64;
	bytes = cap * sizeof(int64_t) + words * sizeof(uint64_t);
	buf = calloc(1, bytes);
	if (!buf)
		return UB_E_NOMEM;
	mem_add(s, bytes);
	a = buf;
	bits = (uint64_t *)(a + cap);

	/* RFC 4737 §4.1, §4.2, §5 on sender numbers in arrival order; room for every record */
	memset(&t, 0, sizeof(t));
	t.rec = buf;
	t.rcap = (size_t)s->m ? (size_t)s->m : 1;
	for (i = 0; i < l->n; i++)
		if (log_ok(s, i))
			reorder_feed(&t, l->idx[i]);
	out->reordered = t.reordered;
	out->reorder_extent_max = t.extent_max;
	out->n_reordered_3 = t.n_reordered;

	/* RFC 3357 §4: a loss period starts at a loss after an arrival (or first); late is lost */
	memset(&b, 0, sizeof(b));
	for (i = 0; i < s->n; i++)
		burst_step(&b, s->st[i] != PROBE_OK);
	burst_step(&b, 0);
	out->burst_count = b.count;
	out->burst_max_len = b.max;
	if (b.count)
		out->burst_mean_len = (double)b.total / (double)b.count;

	/* RFC 6703 §5: delay as a distribution over what arrived */
	for (i = 0, k = 0; i < s->n; i++)
		if (s->st[i] == PROBE_OK)
			a[k++] = s->val[i];
	dist_fill(&out->rtt, a, k);

	/* RFC 3393 §2.4 / RFC 5481 §4.1: consecutive numbers, both in time */
	for (i = 1, k = 0; i < s->n; i++)
		if (s->st[i] == PROBE_OK && s->st[i - 1] == PROBE_OK)
			a[k++] = s->val[i] - s->val[i - 1];
	dist_fill(&out->ipdv, a, k);

	if (s->cfg.stateful && s->have_refl) {
		k = (size_t)split_exact(s, out, a, bits, bits + (l->n + 63) / 64);
		split_counts(s, out, k);
	}
	free(buf);
	mem_sub(s, bytes);
	return 0;
}

/* ---- summary_only summary ---- */

/*
 * What the window still holds joins the online figures here, on copies:
 * a summary reads, never consumes.
 */
static void summary_online(const struct ub_stats *s, struct ub_summary *out)
{
	struct slide seen;
	struct bursts b = s->bursts;
	uint64_t i, first, umax = s->up_max, ru = s->reordered_up;
	int64_t x;
	size_t p;
	int uhave = s->up_have;

	out->reordered = s->ord.reordered;
	out->reorder_extent_max = s->ord.extent_max;
	out->n_reordered_3 = s->ord.n_reordered;

	first = s->n > s->wsize ? s->n - s->wsize : 0;
	for (i = first; i < s->n; i++)
		burst_step(&b, s->wst[i & s->wmask] != PROBE_OK);
	burst_step(&b, 0);
	out->burst_count = b.count;
	out->burst_max_len = b.max;
	if (b.count)
		out->burst_mean_len = (double)b.total / (double)b.count;

	dist_from_hist(&out->rtt, s->h[D_RTT]);
	dist_from_hist(&out->ipdv, s->h[D_IPDV]);

	if (!s->cfg.stateful || !s->have_refl)
		return;
	/* the counters still in the window, in counter order, finish the upstream order */
	seen = s->up_seen;
	seen.w = s->scratch;
	memcpy(seen.w, s->up_seen.w, (seen.bits + 63) / 64 * sizeof(uint64_t));
	for (x = s->cbase; x < s->cbase + (int64_t)s->wsize && x <= s->refl_hi; x++) {
		p = (size_t)((uint64_t)x & s->wmask);
		if (s->cslot[p])
			up_feed(&seen, &umax, &uhave, &ru, s->cslot[p] - 1);
	}
	out->reordered_up = ru;
	out->reordered_down = s->reordered_down;
	split_counts(s, out, s->distinct);
}

int ub_stats_summary(struct ub_stats *s, struct ub_summary *out)
{
	int rc = 0;

	if (!s || !out)
		return UB_E_INVAL;
	memset(out, 0, sizeof(*out));
	out->sent = s->n;
	out->received = s->m;
	out->lost = s->n - s->m;
	out->late = s->late_cnt;
	out->duplicates = s->dups;
	out->sched_missed = s->sched_missed;
	out->pdv_ns = -1;
	out->jitter_ns = -1;
	out->percentiles_hist = s->cfg.summary_only != 0;
	if (s->n)
		out->loss_pct = (double)out->lost * 100.0 / (double)s->n;

	if (s->cfg.summary_only)
		summary_online(s, out);
	else
		rc = summary_exact(s, out);
	if (rc)
		return rc;
	if (s->m)
		out->reorder_pct = (double)out->reordered * 100.0 / (double)s->m;
	/* RFC 5481 §4.2: PDV as a high percentile minus the minimum */
	if (out->rtt.n)
		out->pdv_ns = out->rtt.p99 - out->rtt.min;
	if (s->m >= 2)
		out->jitter_ns = llround(s->jitter);

	dist_from_hist(&out->refl_proc, s->h[D_PROC]);
	dist_from_hist(&out->owd_up, s->h[D_UP]);
	dist_from_hist(&out->owd_down, s->h[D_DOWN]);
	dist_from_hist(&out->stack, s->h[D_STACK]);
	dist_from_hist(&out->sched_late, s->h[D_SCHED]);
	return 0;
}
