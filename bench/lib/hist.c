#include "lib/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Layout. A magnitude u below 2^(k+1) is its own bucket. Above, with m the
 * top bit of u and shift = m - k, the bucket is shift * 2^k + (u >> shift):
 * u >> shift lies in [2^k, 2^(k+1)), so each power of two [2^m, 2^(m+1))
 * gets 2^k buckets 2^shift wide, and the numbering runs on from the exact
 * ones without a gap. A "level" is 2^k consecutive buckets (level 0 and 1
 * are exact, level L >= 2 is the power of two 2^(k+L-1)). A bucket
 * answers its middle, at most half a width = 2^(shift-1) from any value
 * in it, and every value in it is at least 2^(k+shift): a relative error
 * of at most 2^-(k+1).
 */

#define LEVELS_MAX 64

enum { POS = 0, NEG = 1 };

struct ub_hist {
	unsigned k;       /* sub_bits */
	uint64_t max_mag; /* larger magnitudes are counted as this one */
	unsigned nlev;    /* levels in each half */
	uint32_t *lev[2][LEVELS_MAX];
	size_t mem;
	uint64_t n;
	int64_t min, max;
	/*
	 * The sum is exact while it stays below 2^64 (584 years of ns), so the
	 * mean is too; Welford's running mean and squared deviations give the
	 * stddev without cancellation.
	 */
	long double sum, mean, m2;
};

void ub_hist_config_init(struct ub_hist_config *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->sub_bits = UB_HIST_SUB_BITS;
	c->max_abs = INT64_MAX;
	c->prealloc = 0;
}

static unsigned top_bit(uint64_t u)
{
	return 63u - (unsigned)__builtin_clzll(u);
}

static size_t bucket_of(unsigned k, uint64_t u)
{
	unsigned shift;

	if (u < ((uint64_t)2 << k))
		return (size_t)u;
	shift = top_bit(u) - k;
	return ((size_t)shift << k) + (size_t)(u >> shift);
}

/* The middle of bucket idx, as a magnitude. */
static uint64_t bucket_mid(unsigned k, size_t idx)
{
	size_t level = idx >> k;
	unsigned shift;
	uint64_t lo;

	if (level <= 1)
		return (uint64_t)idx;
	shift = (unsigned)level - 1;
	lo = (uint64_t)(idx - ((size_t)shift << k)) << shift;
	return lo + ((((uint64_t)1 << shift) - 1) >> 1);
}

static uint64_t magnitude(int64_t v)
{
	if (v >= 0)
		return (uint64_t)v;
	/* -(v + 1) cannot overflow, even for INT64_MIN */
	return (uint64_t)(-(v + 1)) + 1;
}

static int alloc_level(struct ub_hist *h, int side, unsigned level)
{
	size_t bytes = ((size_t)1 << h->k) * sizeof(uint32_t);

	h->lev[side][level] = calloc(1, bytes);
	if (!h->lev[side][level])
		return UB_E_NOMEM;
	h->mem += bytes;
	return 0;
}

struct ub_hist *ub_hist_new(const struct ub_hist_config *c)
{
	struct ub_hist_config d;
	struct ub_hist *h;
	unsigned level;
	int side;

	if (!c) {
		ub_hist_config_init(&d);
		c = &d;
	}
	if (c->sub_bits < UB_HIST_SUB_BITS_MIN || c->sub_bits > UB_HIST_SUB_BITS_MAX ||
	    c->max_abs < 0)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->k = c->sub_bits;
	h->max_mag = (uint64_t)c->max_abs;
	h->nlev = (unsigned)(bucket_of(h->k, h->max_mag) >> h->k) + 1;
	h->mem = sizeof(*h);
	if (c->prealloc) {
		for (side = POS; side <= NEG; side++)
			for (level = 0; level < h->nlev; level++)
				if (alloc_level(h, side, level)) {
					ub_hist_free(h);
					return NULL;
				}
	}
	return h;
}

/* Frees each level's counters (free_them) or zeroes them, those allocated. */
static void each_level(struct ub_hist *h, int free_them)
{
	size_t i;

	for (i = 0; i < 2 * LEVELS_MAX; i++) {
		uint32_t *lv = h->lev[i / LEVELS_MAX][i % LEVELS_MAX];

		if (free_them)
			free(lv);
		else if (lv)
			memset(lv, 0, ((size_t)1 << h->k) * sizeof(uint32_t));
	}
}

void ub_hist_free(struct ub_hist *h)
{
	if (!h)
		return;
	each_level(h, 1);
	free(h);
}

/* The bucket index of v, clamped to max_abs; *side gets its half. */
static size_t locate(const struct ub_hist *h, int64_t v, int *side)
{
	uint64_t u = magnitude(v);

	*side = v < 0 ? NEG : POS;
	if (u > h->max_mag)
		u = h->max_mag;
	return bucket_of(h->k, u);
}

int ub_hist_reserve(struct ub_hist *h, int64_t v)
{
	size_t level;
	int side;

	if (!h)
		return UB_E_INVAL;
	level = locate(h, v, &side) >> h->k;
	if (!h->lev[side][level])
		return alloc_level(h, side, (unsigned)level);
	return 0;
}

int ub_hist_record(struct ub_hist *h, int64_t v)
{
	size_t idx, level;
	uint32_t *cnt;
	long double delta;
	int side, rc;

	if (!h)
		return UB_E_INVAL;
	rc = ub_hist_reserve(h, v);
	if (rc)
		return rc;
	idx = locate(h, v, &side);
	level = idx >> h->k;
	cnt = &h->lev[side][level][idx & (((size_t)1 << h->k) - 1)];
	if (*cnt == UINT32_MAX)
		return UB_E_RANGE;
	(*cnt)++;

	if (h->n == 0 || v < h->min)
		h->min = v;
	if (h->n == 0 || v > h->max)
		h->max = v;
	h->n++;
	h->sum += (long double)v;
	delta = (long double)v - h->mean;
	h->mean += delta / (long double)h->n;
	h->m2 += delta * ((long double)v - h->mean);
	return 0;
}

void ub_hist_reset(struct ub_hist *h)
{
	if (!h)
		return;
	each_level(h, 0);
	h->n = 0;
	h->min = h->max = 0;
	h->sum = h->mean = h->m2 = 0;
}

uint64_t ub_hist_count(const struct ub_hist *h)
{
	return h ? h->n : 0;
}

int64_t ub_hist_min(const struct ub_hist *h)
{
	return h && h->n ? h->min : 0;
}

int64_t ub_hist_max(const struct ub_hist *h)
{
	return h && h->n ? h->max : 0;
}

int64_t ub_hist_mean(const struct ub_hist *h)
{
	return h && h->n ? llroundl(h->sum / (long double)h->n) : 0;
}

int64_t ub_hist_stddev(const struct ub_hist *h)
{
	return h && h->n ? llroundl(sqrtl(h->m2 / (long double)h->n)) : 0;
}

double ub_hist_rel_err(const struct ub_hist *h)
{
	return h ? ldexp(1.0, -(int)h->k - 1) : 0.0;
}

size_t ub_hist_mem(const struct ub_hist *h)
{
	return h ? h->mem : 0;
}

/* Nearest rank (stats.c's rule): ceil(n * per10k / 10000), at least 1. */
static uint64_t rank_of(uint64_t n, uint32_t per10k)
{
	uint64_t r;

	if (per10k > 10000)
		per10k = 10000;
	/* split n so that n * per10k cannot overflow */
	r = (n / 10000) * per10k + ((n % 10000) * per10k + 9999) / 10000;
	return r ? r : 1;
}

static int64_t clamp(const struct ub_hist *h, int64_t v)
{
	if (v < h->min)
		return h->min;
	if (v > h->max)
		return h->max;
	return v;
}

/* What the j-th asked rank answers, once the walk has reached bucket value rep. */
struct walk {
	const struct ub_hist *h;
	const uint32_t *per10k;
	size_t k, j;
	int64_t *out;
	uint64_t cum;
};

/* Adds c values of bucket value rep; returns 1 once every rank is answered. */
static int walk_add(struct walk *w, uint32_t c, int64_t rep)
{
	uint64_t r;

	w->cum += c;
	while (w->j < w->k) {
		r = rank_of(w->h->n, w->per10k[w->j]);
		if (r > w->cum)
			break;
		if (r == 1)
			w->out[w->j] = w->h->min;
		else if (r == w->h->n)
			w->out[w->j] = w->h->max;
		else
			w->out[w->j] = clamp(w->h, rep);
		w->j++;
	}
	return w->j == w->k;
}

void ub_hist_percentiles(const struct ub_hist *h, const uint32_t *per10k, size_t k,
			 int64_t *out)
{
	struct walk w = { h, per10k, k, 0, out, 0 };
	size_t sub, pos, base;
	unsigned level;
	const uint32_t *l;

	if (!h || h->n == 0) {
		for (pos = 0; pos < k; pos++)
			out[pos] = 0;
		return;
	}
	if (k == 0)
		return;
	sub = (size_t)1 << h->k;
	/* the most negative first: the negative half from its largest magnitude down */
	for (level = h->nlev; level-- > 0;) {
		l = h->lev[NEG][level];
		if (!l)
			continue;
		base = (size_t)level << h->k;
		for (pos = sub; pos-- > 0;)
			if (l[pos] && walk_add(&w, l[pos], -(int64_t)bucket_mid(h->k, base + pos)))
				return;
	}
	for (level = 0; level < h->nlev; level++) {
		l = h->lev[POS][level];
		if (!l)
			continue;
		base = (size_t)level << h->k;
		for (pos = 0; pos < sub; pos++)
			if (l[pos] && walk_add(&w, l[pos], (int64_t)bucket_mid(h->k, base + pos)))
				return;
	}
}

int64_t ub_hist_percentile(const struct ub_hist *h, uint32_t per10k)
{
	int64_t v = 0;

	ub_hist_percentiles(h, &per10k, 1, &v);
	return v;
}
