#include "reflect/peerstats.h"

#include <string.h>

#define WORDS (UB_PEERSTATS_WINDOW / 64)

static int bit_get(const struct ub_peerstats *s, int64_t n)
{
	uint64_t i = (uint64_t)n % UB_PEERSTATS_WINDOW;

	return (int)(s->seen[i / 64] >> (i % 64) & 1);
}

static void bit_set(struct ub_peerstats *s, int64_t n)
{
	uint64_t i = (uint64_t)n % UB_PEERSTATS_WINDOW;

	s->seen[i / 64] |= 1ull << (i % 64);
}

static void bit_clear(struct ub_peerstats *s, int64_t n)
{
	uint64_t i = (uint64_t)n % UB_PEERSTATS_WINDOW;

	s->seen[i / 64] &= ~(1ull << (i % 64));
}

/* RFC 3550 §6.4.1: the transit time's change from the last arrival, smoothed by 1/16. */
static void jitter(struct ub_peerstats *s, int64_t t1_ns, int64_t rx_mono_ns)
{
	int64_t transit = rx_mono_ns - t1_ns;
	int64_t d = transit - s->last_transit;

	if (d < 0)
		d = -d;
	s->jitter_ns += ((double)d - s->jitter_ns) / 16.0;
	s->last_transit = transit;
}

void ub_peerstats_start(struct ub_peerstats *s, uint32_t seq, int64_t t1_ns, int64_t rx_mono_ns,
			int64_t rx_real_ns)
{
	memset(s, 0, sizeof(*s));
	s->highest = seq;
	s->base = seq < UB_PEERSTATS_WINDOW ? 0 : seq;
	s->received = 1;
	s->first_real_ns = s->last_real_ns = rx_real_ns;
	s->last_transit = rx_mono_ns - t1_ns;
	bit_set(s, seq);
}

int ub_peerstats_add(struct ub_peerstats *s, uint32_t seq, int64_t t1_ns, int64_t rx_mono_ns,
		     int64_t rx_real_ns)
{
	/* Serial arithmetic: the nearest unwrapped number with these low 32 bits. */
	int64_t n = s->highest + (int32_t)(seq - (uint32_t)s->highest);
	int64_t k;
	int track = 1;

	s->last_real_ns = rx_real_ns;
	if (n > s->highest) {
		/* Forget the numbers the window slides past. */
		if (n - s->highest >= UB_PEERSTATS_WINDOW)
			memset(s->seen, 0, sizeof(s->seen));
		else
			for (k = s->highest + 1; k < n; k++)
				bit_clear(s, k);
		s->highest = n;
	} else {
		if (n >= s->base && s->highest - n < UB_PEERSTATS_WINDOW) {
			if (bit_get(s, n)) {
				s->duplicates++;
				return 1;
			}
		} else {
			track = 0; /* older than the window or than counting: taken as late, not a copy */
		}
		s->reordered++; /* RFC 4737 §4.1: below NextExp, the highest + 1 */
	}
	if (track)
		bit_set(s, n);
	s->received++;
	jitter(s, t1_ns, rx_mono_ns);
	return 0;
}

uint64_t ub_peerstats_lost(const struct ub_peerstats *s)
{
	uint64_t span = (uint64_t)(s->highest - s->base + 1);

	return span > s->received ? span - s->received : 0;
}
