#include "metrics/rttbuckets.h"

#define MS 1000000LL

/* Canonical numbers for the le label: a whole number carries ".0" (OpenMetrics). */
const struct ub_rtt_bound ub_rtt_bounds[UB_RTT_BUCKETS] = {
	{ MS / 2, "0.0005" },      { MS, "0.001" },         { 2 * MS, "0.002" },
	{ 3 * MS, "0.003" },       { 5 * MS, "0.005" },     { 7500000LL, "0.0075" },
	{ 10 * MS, "0.01" },       { 15 * MS, "0.015" },    { 20 * MS, "0.02" },
	{ 30 * MS, "0.03" },       { 50 * MS, "0.05" },     { 75 * MS, "0.075" },
	{ 100 * MS, "0.1" },       { 150 * MS, "0.15" },    { 200 * MS, "0.2" },
	{ 300 * MS, "0.3" },       { 500 * MS, "0.5" },     { 750 * MS, "0.75" },
	{ 1000 * MS, "1.0" },      { 2000 * MS, "2.0" },
};

void ub_rtt_buckets_add(struct ub_rtt_buckets *b, int64_t rtt_ns)
{
	unsigned lo = 0, hi = UB_RTT_BUCKETS;

	if (rtt_ns < 0)
		rtt_ns = 0;
	/* the first bound not below rtt_ns; UB_RTT_BUCKETS when every one is */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (ub_rtt_bounds[mid].le_ns < rtt_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	b->n[lo]++;
	b->count++;
	b->sum_ns += (uint64_t)rtt_ns;
}

uint64_t ub_rtt_buckets_upto(const struct ub_rtt_buckets *b, unsigned i)
{
	uint64_t sum = 0;
	unsigned k;

	for (k = 0; k <= i && k <= UB_RTT_BUCKETS; k++)
		sum += b->n[k];
	return sum;
}
