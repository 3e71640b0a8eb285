#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Memory: the sender may run for a duration rather than a count, so every
 * table grows by doubling. Per probe we keep tx, schedule lateness, rtt and a
 * state byte (25 bytes); per reply in time, its sender index and reflector
 * counter in arrival order (9 bytes), plus the optional STAMP/OWD samples.
 * About 40 bytes a probe: a million probes fit in 40 MB. A summary borrows
 * as much again while it sorts, and gives it back before returning.
 */

#define GROW_MIN 1024

/* Per-probe state; a reply that never came stays PROBE_WAIT. */
enum {
	PROBE_WAIT = 0,
	PROBE_OK = 1,
	PROBE_LATE = 2,
};

/* TCP's duplicate-ACK threshold, the n of RFC 4737 §5 we report. */
#define REORDER_N 3

struct i64vec {
	int64_t *v;
	size_t n, cap;
};

struct u32vec {
	uint32_t *v;
	size_t n, cap;
};

struct ub_stats {
	struct ub_stats_config cfg;

	/* probes, indexed by (uint32_t)(seq - first_seq) */
	uint32_t first_seq;
	size_t n, cap;
	int64_t *tx, *late, *rtt;
	uint8_t *st;

	/* first copies within Tmax, in arrival order */
	size_t m, mcap;
	uint32_t *arr_idx, *arr_refl;
	uint8_t *arr_has_refl;

	uint64_t late_cnt, dups, sched_missed;

	/* RFC 4737 §3: online NextExp, for the per-reply verdict */
	uint64_t next_exp;

	/* RFC 3550 §6.4.1 running jitter, kept in a double */
	double jitter;
	int64_t prev_rtt;

	/* reflector counter: anchor for unwrapping, and the copies not in arr_* */
	int have_refl;
	uint32_t refl0;
	struct u32vec late_refl, dup_refl;
	/* every reply with a reflector counter, copies and late ones too, in arrival order */
	struct u32vec all_idx, all_refl;

	struct i64vec refl_proc, owd_up, owd_down;
	struct i64vec stack; /* app rtt - wire rtt, from a capture */
};

void ub_stats_config_init(struct ub_stats_config *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->timeout_ns = 1000000000LL;
	c->interval_ns = 10000000LL;
	c->stateful = 0;
}

static size_t next_cap(size_t cap, size_t need)
{
	size_t c = cap ? cap : GROW_MIN;

	while (c < need) {
		if (c > SIZE_MAX / 2)
			return 0;
		c *= 2;
	}
	return c;
}

/* Resizes *p to cap elements of size elem; leaves *p untouched on failure. */
static int resize(void **p, size_t cap, size_t elem)
{
	void *q;

	if (cap > SIZE_MAX / elem)
		return UB_E_NOMEM;
	q = realloc(*p, cap * elem);
	if (!q)
		return UB_E_NOMEM;
	*p = q;
	return 0;
}

static int i64vec_push(struct i64vec *v, int64_t x)
{
	size_t cap;

	if (v->n == v->cap) {
		cap = next_cap(v->cap, v->n + 1);
		if (!cap || resize((void **)&v->v, cap, sizeof(*v->v)))
			return UB_E_NOMEM;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

static int u32vec_push(struct u32vec *v, uint32_t x)
{
	size_t cap;

	if (v->n == v->cap) {
		cap = next_cap(v->cap, v->n + 1);
		if (!cap || resize((void **)&v->v, cap, sizeof(*v->v)))
			return UB_E_NOMEM;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

struct ub_stats *ub_stats_new(const struct ub_stats_config *c)
{
	struct ub_stats *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (c)
		s->cfg = *c;
	else
		ub_stats_config_init(&s->cfg);
	return s;
}

void ub_stats_free(struct ub_stats *s)
{
	if (!s)
		return;
	free(s->tx);
	free(s->late);
	free(s->rtt);
	free(s->st);
	free(s->arr_idx);
	free(s->arr_refl);
	free(s->arr_has_refl);
	free(s->late_refl.v);
	free(s->dup_refl.v);
	free(s->all_idx.v);
	free(s->all_refl.v);
	free(s->refl_proc.v);
	free(s->stack.v);
	free(s->owd_up.v);
	free(s->owd_down.v);
	free(s);
}

/*
 * The arrays of one table grow one after another; a failure part way leaves
 * some of them larger than cap, which is harmless, and cap unchanged.
 */
static int grow_probes(struct ub_stats *s)
{
	size_t cap;

	cap = next_cap(s->cap, s->n + 1);
	if (!cap)
		return UB_E_NOMEM;
	if (resize((void **)&s->tx, cap, sizeof(*s->tx)) ||
	    resize((void **)&s->late, cap, sizeof(*s->late)) ||
	    resize((void **)&s->rtt, cap, sizeof(*s->rtt)) ||
	    resize((void **)&s->st, cap, sizeof(*s->st)))
		return UB_E_NOMEM;
	s->cap = cap;
	return 0;
}

static int grow_arrivals(struct ub_stats *s)
{
	size_t cap;

	cap = next_cap(s->mcap, s->m + 1);
	if (!cap)
		return UB_E_NOMEM;
	if (resize((void **)&s->arr_idx, cap, sizeof(*s->arr_idx)) ||
	    resize((void **)&s->arr_refl, cap, sizeof(*s->arr_refl)) ||
	    resize((void **)&s->arr_has_refl, cap, sizeof(*s->arr_has_refl)))
		return UB_E_NOMEM;
	s->mcap = cap;
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
	if (s->n == s->cap) {
		rc = grow_probes(s);
		if (rc)
			return rc;
	}
	s->tx[s->n] = tx_ns;
	s->late[s->n] = late_ns;
	s->rtt[s->n] = 0;
	s->st[s->n] = PROBE_WAIT;
	s->n++;
	/* a probe that left a whole slot late took the next probe's slot */
	if (s->cfg.interval_ns > 0 && late_ns >= s->cfg.interval_ns)
		s->sched_missed++;
	return 0;
}

/* Signed distance of r from the first counter seen (RFC 1982 serial numbers). */
static int64_t refl_unwrap(const struct ub_stats *s, uint32_t r)
{
	uint32_t d = r - s->refl0;

	if (d < 0x80000000u)
		return (int64_t)s->refl0 + (int64_t)d;
	return (int64_t)s->refl0 + (int64_t)d - 0x100000000LL;
}

/* Stores a first copy that came within Tmax; on failure nothing is recorded. */
static int record_ok(struct ub_stats *s, uint32_t idx, const struct ub_reply *r, int *reordered)
{
	size_t proc_n = s->refl_proc.n, up_n = s->owd_up.n, down_n = s->owd_down.n;
	int keep_refl = s->cfg.stateful && r->has_refl;
	int rc = 0;

	if (s->m == s->mcap) {
		rc = grow_arrivals(s);
		if (rc)
			goto out;
	}
	if (r->has_refl) {
		rc = i64vec_push(&s->refl_proc, r->refl_proc_ns);
		if (rc)
			goto out;
	}
	if (r->has_owd) {
		rc = i64vec_push(&s->owd_up, r->owd_up_ns);
		if (rc)
			goto out;
		rc = i64vec_push(&s->owd_down, r->owd_down_ns);
		if (rc)
			goto out;
	}

	s->arr_idx[s->m] = idx;
	s->arr_refl[s->m] = keep_refl ? r->refl_seq : 0;
	s->arr_has_refl[s->m] = (uint8_t)keep_refl;
	s->m++;
	s->st[idx] = PROBE_OK;
	s->rtt[idx] = r->rtt_ns;

	/* RFC 4737 §3.3: in order when s >= NextExp, which then becomes s + 1 */
	if (idx >= s->next_exp)
		s->next_exp = (uint64_t)idx + 1;
	else if (reordered)
		*reordered = 1;

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
out:
	if (rc) {
		s->refl_proc.n = proc_n;
		s->owd_up.n = up_n;
		s->owd_down.n = down_n;
	}
	return rc;
}

int ub_stats_reply(struct ub_stats *s, const struct ub_reply *r, int *reordered)
{
	uint32_t idx;
	int keep_refl;
	int rc;

	if (reordered)
		*reordered = 0;
	if (!s || !r)
		return UB_E_INVAL;
	idx = r->seq - s->first_seq;
	if (idx >= s->n)
		return UB_E_INVAL;

	keep_refl = s->cfg.stateful && r->has_refl;
	if (keep_refl && !s->have_refl) {
		s->have_refl = 1;
		s->refl0 = r->refl_seq;
	}
	/*
	 * reordered_up/_down follow what crossed the link, as an emulator's
	 * truth log does: every copy that came back counts, late ones too.
	 */
	if (keep_refl) {
		rc = u32vec_push(&s->all_idx, idx);
		if (!rc)
			rc = u32vec_push(&s->all_refl, r->refl_seq);
		if (rc)
			return rc;
	}

	if (s->st[idx] != PROBE_WAIT) {
		/*
		 * RFC 5560: an extra copy is counted, never received twice. Its
		 * reflector counter did come back, which the up/down split needs.
		 */
		if (keep_refl) {
			rc = u32vec_push(&s->dup_refl, r->refl_seq);
			if (rc)
				return rc;
		}
		s->dups++;
		return UB_ST_DUP;
	}

	/* RFC 7680 §2.4: a packet later than Tmax is lost, whatever its fate */
	if (r->rx_ns - s->tx[idx] > s->cfg.timeout_ns) {
		if (keep_refl) {
			rc = u32vec_push(&s->late_refl, r->refl_seq);
			if (rc)
				return rc;
		}
		s->st[idx] = PROBE_LATE;
		s->late_cnt++;
		return UB_ST_LATE;
	}

	/*
	 * Only first copies in time enter the RFC 4737 stream, so late and
	 * extra copies get no reordered verdict.
	 */
	rc = record_ok(s, idx, r, reordered);
	if (rc)
		return rc;
	return UB_ST_OK;
}

int ub_stats_add_stack(struct ub_stats *s, int64_t stack_ns)
{
	/* at most one sample per probe: the summary's scratch tables hold n values */
	if (!s || s->stack.n >= s->n)
		return UB_E_INVAL;
	return i64vec_push(&s->stack, stack_ns);
}

void ub_stats_counts(const struct ub_stats *s, uint64_t *sent, uint64_t *received)
{
	if (sent)
		*sent = s ? s->n : 0;
	if (received)
		*received = s ? s->m : 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
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
 * the whole run, not a draw from a larger one. Welford's update keeps both
 * exact enough for a million samples of seconds.
 */
static void dist_fill(struct ub_dist *d, int64_t *v, size_t n)
{
	double mean = 0.0, m2 = 0.0, delta;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_i64);
	for (i = 0; i < n; i++) {
		delta = (double)v[i] - mean;
		mean += delta / (double)(i + 1);
		m2 += delta * ((double)v[i] - mean);
	}
	d->n = n;
	d->min = v[0];
	d->max = v[n - 1];
	d->mean = llround(mean);
	d->stddev = llround(sqrt(m2 / (double)n));
	d->median = nearest_rank(v, n, 5000);
	d->p90 = nearest_rank(v, n, 9000);
	d->p95 = nearest_rank(v, n, 9500);
	d->p99 = nearest_rank(v, n, 9900);
	d->p999 = nearest_rank(v, n, 9990);
}

struct reorder_res {
	uint64_t reordered;
	uint64_t extent_max;
	uint64_t n_reordered;
};

/*
 * RFC 4737 over v[0..n), the sequence numbers in arrival order with
 * duplicates already removed; pm is scratch for n values (prefix maxima).
 */
static void rfc4737(const int64_t *v, size_t n, int64_t *pm, struct reorder_res *res)
{
	size_t i, j, lo, hi, mid;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < n; i++) {
		/* §3.3: NextExp is the largest number so far plus one */
		if (i == 0 || v[i] > pm[i - 1]) {
			pm[i] = v[i];
			continue;
		}
		pm[i] = pm[i - 1];
		res->reordered++;

		/*
		 * §4.2: extent e = i - j, j the earliest arrival with
		 * s[j] > s[i]. That arrival raised the prefix maximum, so it
		 * is the first j where pm[j] > s[i]; pm is sorted.
		 */
		if (pm[i - 1] > v[i]) {
			lo = 0;
			hi = i - 1;
			while (lo < hi) {
				mid = lo + (hi - lo) / 2;
				if (pm[mid] > v[i])
					hi = mid;
				else
					lo = mid + 1;
			}
			if (i - lo > res->extent_max)
				res->extent_max = i - lo;
		}

		/*
		 * §5: n-reordered when the n arrivals just before it all carry
		 * larger numbers: a TCP receiver would have sent n dup ACKs.
		 */
		if (i >= REORDER_N) {
			for (j = 1; j <= REORDER_N; j++)
				if (v[i - j] <= v[i])
					break;
			if (j > REORDER_N)
				res->n_reordered++;
		}
	}
}

struct refl_pair {
	int64_t refl;
	uint32_t idx;
	uint32_t pos;
};

static int cmp_refl_pair(const void *a, const void *b)
{
	const struct refl_pair *x = a, *y = b;

	if (x->refl != y->refl)
		return (x->refl > y->refl) - (x->refl < y->refl);
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static void refl_range(int64_t u, int64_t *lo, int64_t *hi)
{
	if (u < *lo)
		*lo = u;
	if (u > *hi)
		*hi = u;
}

/*
 * Drops repeated values from v[0..n), keeping each first arrival (RFC 4737
 * §3.2); p is scratch for n pairs. Returns the new n.
 */
static size_t dedupe(int64_t *v, size_t n, struct refl_pair *p)
{
	size_t i, k = 0;

	if (n < 2)
		return n;
	for (i = 0; i < n; i++) {
		p[i].refl = v[i];
		p[i].idx = 0;
		p[i].pos = (uint32_t)i;
	}
	qsort(p, n, sizeof(*p), cmp_refl_pair);
	/* mark the later copies, then compact in arrival order */
	for (i = 1; i < n; i++)
		if (p[i].refl == p[i - 1].refl)
			v[p[i].pos] = INT64_MIN;
	for (i = 0; i < n; i++)
		if (v[i] != INT64_MIN)
			v[k++] = v[i];
	return k;
}

/*
 * reordered_down: RFC 4737 on the reflector counter in sender-arrival order;
 * reordered_up: on the sender numbers in the order the reflector saw them
 * (its counter). A counter value that came back twice is one reply copied
 * on the way down; a sender number under two counter values is one request
 * copied on the way up.
 */
static int split_reordering(const struct ub_stats *s, struct ub_summary *out)
{
	size_t i, n = s->all_refl.n, m;
	struct refl_pair *pairs = NULL, *scratch = NULL;
	int64_t *v = NULL, *pm = NULL;
	struct reorder_res rr;
	int rc = 0;

	if (n == 0)
		return 0;
	v = malloc(n * sizeof(*v));
	pm = malloc(n * sizeof(*pm));
	pairs = malloc(n * sizeof(*pairs));
	scratch = malloc(n * sizeof(*scratch));
	if (!v || !pm || !pairs || !scratch) {
		rc = UB_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		v[i] = refl_unwrap(s, s->all_refl.v[i]);
	m = dedupe(v, n, scratch);
	rfc4737(v, m, pm, &rr);
	out->reordered_down = rr.reordered;

	for (i = 0; i < n; i++) {
		pairs[i].refl = refl_unwrap(s, s->all_refl.v[i]);
		pairs[i].idx = s->all_idx.v[i];
		pairs[i].pos = (uint32_t)i;
	}
	qsort(pairs, n, sizeof(*pairs), cmp_refl_pair);
	for (i = 0, m = 0; i < n; i++)
		if (i == 0 || pairs[i].refl != pairs[i - 1].refl)
			v[m++] = pairs[i].idx;
	m = dedupe(v, m, scratch);
	rfc4737(v, m, pm, &rr);
	out->reordered_up = rr.reordered;
out:
	free(v);
	free(pm);
	free(pairs);
	free(scratch);
	return rc;
}

/*
 * Up/down split from the stateful reflector's counter (RFC 8762 §4.2): it
 * numbers what reached the reflector in arrival order, so a counter value
 * that never came back was lost on the way down, and the rest of the loss
 * happened on the way up. A loss on the way down after the last counter we
 * saw cannot be told apart and counts as up. a and b hold s->n values each.
 */
static int split(const struct ub_stats *s, struct ub_summary *out)
{
	int64_t *arrived = NULL;
	int64_t lo, hi, start;
	uint64_t distinct, missing;
	size_t i, na = 0;
	int rc = 0;

	out->has_split = 1;

	/* the range spans every counter value seen, late and extra copies too */
	lo = hi = s->refl0;
	for (i = 0; i < s->m; i++)
		if (s->arr_has_refl[i])
			refl_range(refl_unwrap(s, s->arr_refl[i]), &lo, &hi);
	for (i = 0; i < s->late_refl.n; i++)
		refl_range(refl_unwrap(s, s->late_refl.v[i]), &lo, &hi);
	for (i = 0; i < s->dup_refl.n; i++)
		refl_range(refl_unwrap(s, s->dup_refl.v[i]), &lo, &hi);

	/*
	 * A small counter with no wrap means a reflector that started this
	 * session at 0 (RFC 8762); otherwise only the span seen can be judged.
	 */
	if (lo >= 0 && hi <= (int64_t)UINT32_MAX && lo <= (int64_t)s->n)
		start = 0;
	else
		start = lo;

	arrived = malloc((s->m + s->dup_refl.n + 1) * sizeof(*arrived));
	if (!arrived) {
		rc = UB_E_NOMEM;
		goto out;
	}

	/* late copies did not come back in time: their loss is downstream */
	for (i = 0; i < s->m; i++) {
		if (!s->arr_has_refl[i])
			continue;
		arrived[na++] = refl_unwrap(s, s->arr_refl[i]);
	}
	for (i = 0; i < s->dup_refl.n; i++)
		arrived[na++] = refl_unwrap(s, s->dup_refl.v[i]);

	qsort(arrived, na, sizeof(*arrived), cmp_i64);
	distinct = 0;
	for (i = 0; i < na; i++)
		if (i == 0 || arrived[i] != arrived[i - 1])
			distinct++;
	missing = (uint64_t)(hi - start + 1) - distinct;
	out->lost_down = missing < out->lost ? missing : out->lost;
	out->lost_up = out->lost - out->lost_down;

	rc = split_reordering(s, out);
out:
	free(arrived);
	return rc;
}

/*
 * RFC 3357 §4: a loss period starts at a lost packet whose predecessor
 * arrived (or at the first packet) and lasts while packets stay lost. Late
 * replies are losses here too.
 */
static void loss_periods(const struct ub_stats *s, struct ub_summary *out)
{
	uint64_t run = 0, total = 0;
	size_t i;

	for (i = 0; i <= s->n; i++) {
		if (i < s->n && s->st[i] != PROBE_OK) {
			run++;
			continue;
		}
		if (run) {
			out->burst_count++;
			total += run;
			if (run > out->burst_max_len)
				out->burst_max_len = run;
			run = 0;
		}
	}
	if (out->burst_count)
		out->burst_mean_len = (double)total / (double)out->burst_count;
}

static void copy_fill(struct ub_dist *d, const struct i64vec *v, int64_t *a)
{
	if (v->n)
		memcpy(a, v->v, v->n * sizeof(*a));
	dist_fill(d, a, v->n);
}

int ub_stats_summary(struct ub_stats *s, struct ub_summary *out)
{
	struct reorder_res rr;
	int64_t *a = NULL, *b = NULL;
	size_t i, k, cap;
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
	if (s->n)
		out->loss_pct = (double)out->lost * 100.0 / (double)s->n;

	/* every table below holds at most one value per probe sent */
	cap = s->n ? s->n : 1;
	a = calloc(cap, sizeof(*a));
	b = malloc(cap * sizeof(*b));
	if (!a || !b) {
		rc = UB_E_NOMEM;
		goto out;
	}

	/* RFC 4737 §4.1, §4.2, §5 on sender numbers in arrival order */
	for (i = 0; i < s->m; i++)
		a[i] = s->arr_idx[i];
	rfc4737(a, s->m, b, &rr);
	out->reordered = rr.reordered;
	out->reorder_extent_max = rr.extent_max;
	out->n_reordered_3 = rr.n_reordered;
	if (s->m)
		out->reorder_pct = (double)rr.reordered * 100.0 / (double)s->m;

	loss_periods(s, out);

	/* RFC 6703 §5: delay as a distribution over what arrived */
	for (i = 0, k = 0; i < s->n; i++)
		if (s->st[i] == PROBE_OK)
			a[k++] = s->rtt[i];
	dist_fill(&out->rtt, a, k);
	/* RFC 5481 §4.2: PDV as a high percentile minus the minimum */
	if (out->rtt.n)
		out->pdv_ns = out->rtt.p99 - out->rtt.min;

	/* RFC 3393 §2.4 / RFC 5481 §4.1: consecutive numbers, both in time */
	for (i = 1, k = 0; i < s->n; i++)
		if (s->st[i] == PROBE_OK && s->st[i - 1] == PROBE_OK)
			a[k++] = s->rtt[i] - s->rtt[i - 1];
	dist_fill(&out->ipdv, a, k);

	if (s->m >= 2)
		out->jitter_ns = llround(s->jitter);

	copy_fill(&out->refl_proc, &s->refl_proc, a);
	copy_fill(&out->stack, &s->stack, a);
	copy_fill(&out->owd_up, &s->owd_up, a);
	copy_fill(&out->owd_down, &s->owd_down, a);

	if (s->n)
		memcpy(a, s->late, s->n * sizeof(*a));
	dist_fill(&out->sched_late, a, s->n);

	if (s->cfg.stateful && s->have_refl)
		rc = split(s, out);
out:
	free(a);
	free(b);
	return rc;
}
