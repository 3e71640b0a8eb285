#include "metrics/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bigmem.h"
#include "lib/hist.h"
#include "metrics/statcalc.h"
#include "metrics/statwin.h"

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
 * histograms for every distribution (0.8 MB) here, and the window of
 * recent probes and counters bench/statwin.h describes (17 bytes a probe
 * it holds, 22 with a stateful reflector). With replies coming back within
 * the window every figure equals the exact mode's but the percentiles
 * (within 0.2 %); statwin.h says what happens beyond it.
 */

#define GROW_MIN 1024

/* Exact mode, per-probe state; a reply that never came stays PROBE_WAIT. */
enum {
	PROBE_WAIT = 0,
	PROBE_OK = 1,
	PROBE_LATE = 2,
};

/*
 * What a reply was: a status, and (in the exact mode's log, stateful)
 * whether it carried a counter.
 */
enum {
	KIND_OK = 0,
	KIND_LATE = 1,
	KIND_DUP = 2,
	KIND_MASK = 3,
	KIND_REFL = 4,
};

/* The distributions; rtt and ipdv have histograms only in summary_only mode. */
enum { D_RTT, D_IPDV, D_PROC, D_UP, D_DOWN, D_STACK, D_SCHED, D_COUNT };

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

	struct ub_statwin *win; /* summary_only */
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

/* Counts bytes more held, and raises the peak with them. */
static void mem_add(struct ub_stats *s, size_t bytes)
{
	s->mem_now += bytes;
	if (s->mem_now > s->mem_peak)
		s->mem_peak = s->mem_now;
}

/* Counts bytes given back. */
static void mem_sub(struct ub_stats *s, size_t bytes)
{
	s->mem_now -= bytes;
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
	q = ub_big_realloc(*p, old * elem, cap * elem, 0);
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

/* Returns a new histogram, counted in s, that s owns (or NULL). */
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

/* ---- reflector counter ---- */

/* Signed distance of r from the first counter seen (RFC 1982 serial numbers). */
static int64_t refl_unwrap(const struct ub_stats *s, uint32_t r)
{
	uint32_t d = r - s->refl0;

	if (d < 0x80000000u)
		return (int64_t)s->refl0 + (int64_t)d;
	return (int64_t)s->refl0 + (int64_t)d - 0x100000000LL;
}

/* ---- life cycle ---- */

/* Allocates everything a summary_only session uses, into s; returns 0 or UB_E_NOMEM. */
static int summary_only_init(struct ub_stats *s)
{
	int d;

	s->win = ub_statwin_new(ub_statwin_size(&s->cfg), s->cfg.stateful);
	if (!s->win)
		return UB_E_NOMEM;
	mem_add(s, ub_statwin_mem(s->win));
	for (d = 0; d < D_COUNT; d++) {
		s->h[d] = hist_make(s, 1);
		if (!s->h[d])
			return UB_E_NOMEM;
	}
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
	ub_big_free(s->val, s->cap * sizeof(*s->val));
	ub_big_free(s->st, s->cap * sizeof(*s->st));
	ub_big_free(s->log.idx, s->log.cap * sizeof(*s->log.idx));
	ub_big_free(s->log.refl, s->log.cap * sizeof(*s->log.refl));
	ub_big_free(s->log.kind, s->log.cap * sizeof(*s->log.kind));
	ub_statwin_free(s->win);
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

/* Makes room for one more probe (exact mode); returns 0 or UB_E_NOMEM. */
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

int ub_stats_sent(struct ub_stats *s, uint32_t seq, int64_t tx_ns, int64_t late_ns)
{
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
	if (!s->cfg.unscheduled) {
		rc = hist_ready(s, D_SCHED, late_ns);
		if (rc)
			return rc;
		hist_put(s, D_SCHED, late_ns);
	}
	if (s->cfg.summary_only) {
		ub_statwin_sent(s->win, tx_ns);
	} else {
		s->val[s->n] = tx_ns;
		s->st[s->n] = PROBE_WAIT;
	}
	s->n++;
	/* a probe that left a whole slot late took the next probe's slot */
	if (!s->cfg.unscheduled && s->cfg.interval_ns > 0 && late_ns >= s->cfg.interval_ns)
		s->sched_missed++;
	return 0;
}

/* Kind of a reply to probe idx: from its state, or by the window rule. */
static int reply_kind(const struct ub_stats *s, uint64_t idx, int64_t rx_ns)
{
	int64_t tx = 0;
	int waiting;

	if (s->cfg.summary_only) {
		waiting = ub_statwin_waiting(s->win, idx, &tx);
		if (waiting < 0) {
			/*
			 * The window spans twice the probes Tmax can hold, so a reply
			 * this old is past Tmax: a first copy (late) or an extra one,
			 * which nothing here remembers. Late, while late stays below
			 * lost; past that it can only be an extra copy.
			 */
			return s->late_cnt < s->n - s->m ? KIND_LATE : KIND_DUP;
		}
	} else {
		waiting = s->st[idx] == PROBE_WAIT;
		tx = s->val[idx];
	}
	/* RFC 5560: an extra copy is counted, never received twice */
	if (!waiting)
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
		*nipdv = ub_statwin_ipdv(s->win, idx, r->rtt_ns, ipdv);
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
		reord = ub_statwin_ok(s->win, idx, r->rtt_ns);
		hist_put(s, D_RTT, r->rtt_ns);
		for (i = 0; i < nipdv; i++)
			hist_put(s, D_IPDV, ipdv[i]);
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
	}
	if (keep_refl) {
		int64_t u = refl_unwrap(s, r->refl_seq);

		if (u < s->refl_lo)
			s->refl_lo = u;
		if (u > s->refl_hi)
			s->refl_hi = u;
		if (s->cfg.summary_only)
			ub_statwin_counter(s->win, u, (uint32_t)idx, kind == KIND_LATE);
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
		if (s->cfg.summary_only)
			ub_statwin_late(s->win, idx);
		else
			s->st[idx] = PROBE_LATE;
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

/* Bit i of the bitmap b. */
static int bit_get(const uint64_t *b, size_t i)
{
	return (int)((b[i >> 6] >> (i & 63)) & 1);
}

/* Sets bit i of the bitmap b. */
static void bit_set(uint64_t *b, size_t i)
{
	b[i >> 6] |= (uint64_t)1 << (i & 63);
}

/* Returns 1 when log entry i is a first copy in time. */
static int log_ok(const struct ub_stats *s, size_t i)
{
	return !s->cfg.stateful || (s->log.kind[i] & KIND_MASK) == KIND_OK;
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
	struct ub_statcalc_order up, down;
	uint64_t key, distinct = 0;
	int64_t u, prev = 0;
	size_t i, nr = 0, pos;
	int any_back = 0;
	uint32_t idx;

	memset(&up, 0, sizeof(up));
	memset(&down, 0, sizeof(down));

	for (i = 0; i < l->n; i++) {
		if (!(l->kind[i] & KIND_REFL))
			continue;
		u = refl_unwrap(s, l->refl[i]);
		key = (uint64_t)(u - s->refl_lo) << 32 | (uint64_t)i;
		/* flipping the top bit keeps the order of unsigned keys in signed ones */
		buf[nr++] = (int64_t)(key ^ flip);
	}
	ub_statcalc_sort(buf, nr);
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
				ub_statcalc_order_feed(&up, idx);
			}
		}
		/* late copies did not come back in time: their loss is downstream */
		if ((l->kind[pos] & KIND_MASK) != KIND_LATE)
			any_back = 1;
		prev = u;
	}
	if (any_back)
		distinct++;
	out->reordered_up = up.reordered;

	for (i = 0; i < l->n; i++)
		if ((l->kind[i] & KIND_REFL) && !bit_get(later, i))
			ub_statcalc_order_feed(&down, refl_unwrap(s, l->refl[i]));
	out->reordered_down = down.reordered;
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

/*
 * Fills out's history figures from the exact tables. Returns 0 or
 * UB_E_NOMEM; its scratch table is freed before it returns.
 */
static int summary_exact(struct ub_stats *s, struct ub_summary *out)
{
	const struct replylog *l = &s->log;
	size_t cap, words, bytes, i, k;
	struct ub_statcalc_reorder t;
	struct ub_statcalc_bursts b;
	uint64_t *bits;
	int64_t *a;
	void *buf;

	/* one scratch table for all: 8 bytes a probe or a logged reply, and two bitmaps */
	cap = (size_t)s->n > l->n ? (size_t)s->n : l->n;
	if (cap == 0)
		cap = 1;
	words = (l->n + 63) / 64 + ((size_t)s->n + 63) / 64;
	bytes = cap * sizeof(int64_t) + words * sizeof(uint64_t);
	buf = ub_big_alloc(bytes);
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
			ub_statcalc_reorder_feed(&t, l->idx[i]);
	ub_statcalc_reorder_out(&t, out);

	/* RFC 3357 §4: a loss period starts at a loss after an arrival (or first); late is lost */
	memset(&b, 0, sizeof(b));
	for (i = 0; i < s->n; i++)
		ub_statcalc_burst_step(&b, s->st[i] != PROBE_OK);
	ub_statcalc_bursts_out(&b, out);

	/* RFC 6703 §5: delay as a distribution over what arrived */
	for (i = 0, k = 0; i < s->n; i++)
		if (s->st[i] == PROBE_OK)
			a[k++] = s->val[i];
	ub_statcalc_dist(&out->rtt, a, k);

	/* RFC 3393 §2.4 / RFC 5481 §4.1: consecutive numbers, both in time */
	for (i = 1, k = 0; i < s->n; i++)
		if (s->st[i] == PROBE_OK && s->st[i - 1] == PROBE_OK)
			a[k++] = s->val[i] - s->val[i - 1];
	ub_statcalc_dist(&out->ipdv, a, k);

	if (s->cfg.stateful && s->have_refl) {
		k = (size_t)split_exact(s, out, a, bits, bits + (l->n + 63) / 64);
		split_counts(s, out, k);
	}
	ub_big_free(buf, bytes);
	mem_sub(s, bytes);
	return 0;
}

/* ---- summary_only summary ---- */

/* Fills out's history figures from the window and the histograms; allocates nothing. */
static void summary_online(const struct ub_stats *s, struct ub_summary *out)
{
	uint64_t distinct;

	distinct = ub_statwin_summary(s->win, s->refl_hi, out);
	ub_statcalc_dist_hist(&out->rtt, s->h[D_RTT]);
	ub_statcalc_dist_hist(&out->ipdv, s->h[D_IPDV]);
	if (s->cfg.stateful && s->have_refl)
		split_counts(s, out, distinct);
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

	ub_statcalc_dist_hist(&out->refl_proc, s->h[D_PROC]);
	ub_statcalc_dist_hist(&out->owd_up, s->h[D_UP]);
	ub_statcalc_dist_hist(&out->owd_down, s->h[D_DOWN]);
	ub_statcalc_dist_hist(&out->stack, s->h[D_STACK]);
	ub_statcalc_dist_hist(&out->sched_late, s->h[D_SCHED]);
	return 0;
}
