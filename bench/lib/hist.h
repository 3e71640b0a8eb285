/*
 * udpbench: a log-linear histogram of int64 values (nanoseconds), for
 * distributions too long to keep sample by sample. Each power of two is cut
 * into 2^sub_bits equal buckets, values below 2^(sub_bits + 1) get a bucket
 * each, and negative values have a mirror half of their own. Recording is
 * O(1); count, min, max, mean and stddev are exact; a percentile is off by
 * at most 2^-(sub_bits + 1) of its value (0.2 % with the default 8 bits).
 */
#ifndef UB_HIST_H
#define UB_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define UB_HIST_SUB_BITS 8   /* default: 256 buckets per power of two */
#define UB_HIST_SUB_BITS_MIN 2
#define UB_HIST_SUB_BITS_MAX 16

struct ub_hist_config {
	unsigned sub_bits; /* buckets per power of two = 2^sub_bits */
	int64_t max_abs;   /* |v| beyond counts in the outermost bucket (min, max stay exact) */
	int prealloc;      /* 1: every bucket now, recording never allocates; 0: on first use */
};

/* Sets defaults: 8 sub-bucket bits, the whole int64 range, buckets allocated on first use. */
void ub_hist_config_init(struct ub_hist_config *c);

/* Returns a new empty histogram (caller frees with ub_hist_free), or NULL (memory, config). */
struct ub_hist *ub_hist_new(const struct ub_hist_config *c);
void ub_hist_free(struct ub_hist *h);

/*
 * Counts v. Returns 0, UB_E_NOMEM when its bucket could not be allocated, or
 * UB_E_RANGE when its bucket already holds 2^32 - 1 values; either way
 * nothing is counted.
 */
int ub_hist_record(struct ub_hist *h, int64_t v);

/*
 * Allocates the bucket v falls in, so that recording v afterwards cannot
 * fail for memory. Returns 0 or UB_E_NOMEM.
 */
int ub_hist_reserve(struct ub_hist *h, int64_t v);

/* Forgets every value; the buckets allocated so far stay. */
void ub_hist_reset(struct ub_hist *h);

/* Values counted; min and max (0 when empty). */
uint64_t ub_hist_count(const struct ub_hist *h);
int64_t ub_hist_min(const struct ub_hist *h);
int64_t ub_hist_max(const struct ub_hist *h);

/* Mean rounded to the nearest unit; population stddev (divide by n), rounded. 0 when empty. */
int64_t ub_hist_mean(const struct ub_hist *h);
int64_t ub_hist_stddev(const struct ub_hist *h);

/*
 * Nearest-rank percentile, p = per10k / 10000: the value of rank
 * ceil(p * n) (at least 1) in sorted order, as stats.c defines it. Rank 1
 * is the exact min and rank n the exact max; any other rank answers the
 * middle of its bucket, kept within [min, max]. 0 when empty.
 */
int64_t ub_hist_percentile(const struct ub_hist *h, uint32_t per10k);

/* The same for k percentiles in one pass; per10k must be in ascending order. */
void ub_hist_percentiles(const struct ub_hist *h, const uint32_t *per10k, size_t k,
			 int64_t *out);

/* Largest relative error of a percentile answer: 2^-(sub_bits + 1). */
double ub_hist_rel_err(const struct ub_hist *h);

/* Bytes this histogram holds on the heap now. */
size_t ub_hist_mem(const struct ub_hist *h);

#endif
