#include "metrics/statcalc.h"

#include <math.h>
#include <string.h>

/* The percentiles a struct ub_dist reports, per 10000: median, p90, p95, p99, p99.9. */
static const uint32_t pct_ranks[] = { 5000, 9000, 9500, 9900, 9990 };

/* ---- RFC 4737 reordering ---- */

int ub_statcalc_reorder_feed(struct ub_statcalc_reorder *t, uint32_t v)
{
	uint64_t i = t->n, e;
	size_t lo, hi, mid, k;
	const struct ub_statcalc_rec *r;
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
		if (i >= UB_STATCALC_REORDER_N) {
			for (j = 0; j < UB_STATCALC_REORDER_N; j++)
				if (t->last[j] <= v)
					break;
			if (j == UB_STATCALC_REORDER_N)
				t->n_reordered++;
		}
	}
	t->last[i % UB_STATCALC_REORDER_N] = v;
	t->n++;
	return reord;
}

void ub_statcalc_reorder_out(const struct ub_statcalc_reorder *t, struct ub_summary *out)
{
	out->reordered = t->reordered;
	out->reorder_extent_max = t->extent_max;
	out->n_reordered_3 = t->n_reordered;
}

void ub_statcalc_order_feed(struct ub_statcalc_order *o, int64_t v)
{
	if (!o->have || v > o->max) {
		o->max = v;
		o->have = 1;
	} else {
		o->reordered++;
	}
}

/* ---- RFC 3357 loss periods ---- */

void ub_statcalc_burst_step(struct ub_statcalc_bursts *b, int lost)
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

void ub_statcalc_bursts_out(struct ub_statcalc_bursts *b, struct ub_summary *out)
{
	ub_statcalc_burst_step(b, 0);
	out->burst_count = b->count;
	out->burst_max_len = b->max;
	if (b->count)
		out->burst_mean_len = (double)b->total / (double)b->count;
}

/* ---- distributions ---- */

/* Swaps *a and *b. */
static void swap_i64(int64_t *a, int64_t *b)
{
	int64_t t = *a;

	*a = *b;
	*b = t;
}

/* Restores the max-heap order of v[0..n) below root. */
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
 * Hoare's partition of v[0..n) (n > 2) around the median of its first,
 * middle and last values, put first so that neither side comes out empty.
 * Returns j: v[0..j] <= pivot <= v[j+1..n).
 */
static size_t partition(int64_t *v, size_t n)
{
	size_t i = 0, j = n, mid = n / 2;
	int64_t p;

	if (v[mid] < v[0])
		swap_i64(&v[mid], &v[0]);
	if (v[n - 1] < v[0])
		swap_i64(&v[n - 1], &v[0]);
	if (v[n - 1] < v[mid])
		swap_i64(&v[n - 1], &v[mid]);
	swap_i64(&v[0], &v[mid]);
	p = v[0];
	for (;;) {
		while (v[i] < p)
			i++;
		do
			j--;
		while (v[j] > p);
		if (i >= j)
			return j;
		swap_i64(&v[i], &v[j]);
		i++;
	}
}

/*
 * In place, no allocation (glibc's qsort borrows a copy of the array): a
 * quicksort on the median of three, Hoare's partition (even on many equal
 * values the halves stay balanced), heapsort past 2 log2 n levels.
 */
static void sort_i64(int64_t *v, size_t n, unsigned depth)
{
	size_t i, j;
	int64_t x;

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
		j = partition(v, n);
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

void ub_statcalc_sort(int64_t *v, size_t n)
{
	unsigned depth = 0;
	size_t k;

	for (k = n; k > 1; k >>= 1)
		depth += 2;
	sort_i64(v, n, depth);
}

int64_t ub_statcalc_select(int64_t *v, size_t n, size_t k)
{
	unsigned depth = 0;
	size_t j, m;

	for (m = n; m > 1; m >>= 1)
		depth += 2;
	/* partitions as sort_i64 does, keeping only the side k is on */
	while (n > 16) {
		if (depth-- == 0)
			break; /* too many bad pivots: sort what is left */
		j = partition(v, n);
		if (k <= j) {
			n = j + 1;
		} else {
			v += j + 1;
			n -= j + 1;
			k -= j + 1;
		}
	}
	ub_statcalc_sort(v, n);
	return v[k];
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
void ub_statcalc_dist(struct ub_dist *d, int64_t *v, size_t n)
{
	long double sum = 0.0L, mean = 0.0L, m2 = 0.0L, delta;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (n == 0)
		return;
	ub_statcalc_sort(v, n);
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

void ub_statcalc_dist_hist(struct ub_dist *d, const struct ub_hist *h)
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
